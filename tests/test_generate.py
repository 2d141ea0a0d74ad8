"""The generate step: synthetic rows shaped like the cleaned data, Parquet and safe CSV."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from synthpipe.errors import StepFailed
from synthpipe.generate import cast_column, csv_bytes, generate, neutralise_cell
from synthpipe.schema import ColumnSchema, DatasetSchema
from synthpipe.train import contract

# Small and fast: 2 rounds of 80 epochs on 640 training rows in batches of 32 (about
# 3,000 gradient steps: fewer left the model without any rare-class row). The privacy
# bar is off (1.0): on so few rows the closer-to-training share is noise.
FAST = {
    "epochs": "160",
    "min_epoch_rows": "0",
    "eval_every": "80",
    "batch_size": "32",
    "eval_sample_rows": "200",
    "target_column": "fraud",
    "privacy_bar": "1.0",
    "seed": "5",
    # TVAE here; ARGN and auto (the default) in test_engines.
    "engine": "tvae",
}
ROWS = 800
# name -> (type, role)
COLUMNS = {
    "row_id": ("categorical", "identifier"),
    "step": ("integer", "feature"),
    "customer": ("categorical", "identifier"),
    "gender": ("categorical", "feature"),
    "code": ("categorical", "feature"),
    "amount": ("decimal", "feature"),
    "opened": ("date", "feature"),
    "closing": ("date", "feature"),
    "seen_at": ("timestamp", "feature"),
    "online": ("boolean", "feature"),
    "note": ("text", "feature"),
    "email": ("text", "dropped"),
    "fraud": ("integer", "feature"),
}
# Values a spreadsheet would execute; the CSV must neutralise them.
CODES = ["=SUM(A1)", "@home", "plain"]
MONTH_ENDS = pd.date_range("2000-01-31", periods=300, freq="ME")


def cleaned_frame(rows: int = ROWS, seed: int = 0) -> pd.DataFrame:
    """Cleaned-data-shaped rows (what Prepare writes), with a rare `fraud` class."""
    rng = np.random.default_rng(seed)
    # Fraud is rare (about 5%) and tied to `gender` "X" and large amounts, as in BankSim,
    # so that a tiny model learns to make it.
    gender = rng.choice(["F", "M", "X"], rows, p=[0.47, 0.47, 0.06])
    fraud = (rng.random(rows) < np.where(gender == "X", 0.8, 0.0)).astype("int64")
    day = rng.integers(0, 365, rows)
    return pd.DataFrame(
        {
            "row_id": [f"R{i:06d}" for i in range(rows)],
            "step": rng.integers(0, 180, rows).astype("int64"),
            "customer": [f"C{x}" for x in rng.integers(0, rows // 4, rows)],
            "gender": gender,
            "code": rng.choice(CODES, rows),
            "amount": np.round(rng.lognormal(3, 0.8, rows) * np.where(fraud == 1, 20, 1), 2),
            "opened": pd.to_datetime("2025-01-01") + pd.to_timedelta(day, unit="D"),
            # A monthly calendar: month ends from 2000 to 2024 (its own generator, so
            # that the other columns are drawn as before it was added).
            "closing": MONTH_ENDS[np.random.default_rng(seed + 1).integers(0, 300, rows)],
            "seen_at": pd.to_datetime("2025-06-01", utc=True)
            + pd.to_timedelta(rng.integers(0, 86_400 * 30, rows), unit="s"),
            # About 10% unknown: generate keeps nulls as nulls of the boolean type.
            "online": pd.array(
                np.where(rng.random(rows) < 0.1, None, rng.random(rows) < 0.3), dtype="boolean"
            ),
            "note": rng.choice(["free text a", "free text b"], rows),
            "fraud": fraud,
        }
    )


def schema_for(frame: pd.DataFrame) -> DatasetSchema:
    columns = [
        ColumnSchema(
            original_name=name,
            name=name,
            type=kind,
            role=role,
            distinct_count=int(frame[name].nunique()) if name in frame else 0,
        )
        for name, (kind, role) in COLUMNS.items()
    ]
    return DatasetSchema(dataset="demo", run_id="r1", columns=columns, rows=len(frame))


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """As Prepare writes it: dates as date32, timestamps as UTC microseconds, and no
    pandas metadata (Spark writes none: a boolean column with nulls reads back as object)."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    for name in [c for c in ("opened", "closing") if c in frame.columns]:
        dates = pa.array(frame[name].dt.date, type=pa.date32())
        table = table.set_column(table.schema.get_field_index(name), name, dates)
    seen = table.column("seen_at").cast(pa.timestamp("us", tz="UTC"))
    table = table.set_column(table.schema.get_field_index("seen_at"), "seen_at", seen)
    pq.write_table(table.replace_schema_metadata(None), path)


def train_model(root: Path, hyperparameters: dict[str, str]) -> Path:
    """A training run through the real contract on `cleaned_frame`; its model folder."""
    frame = cleaned_frame()
    data = root / "input" / "data" / "train" / "data"
    data.mkdir(parents=True)
    write_parquet(frame, data / "part-00000.parquet")
    (data.parent / "schema.json").write_text(schema_for(frame).to_json(), encoding="utf-8")
    config = root / "input" / "config"
    config.mkdir(parents=True)
    (config / "hyperparameters.json").write_text(json.dumps(hyperparameters), encoding="utf-8")
    code = contract.run(root)
    failure = root / "output" / "failure"
    assert code == 0, failure.read_text() if failure.exists() else code
    return root / "model"


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One tiny training run through the real contract, shared by the tests."""
    return train_model(tmp_path_factory.mktemp("train"), FAST)


@pytest.fixture(scope="module")
def generated(model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("staging") / "demo" / "r1"
    result = generate(model_dir=model_dir, out_dir=str(out), rows=2000, seed=1)
    return {
        "result": result,
        "table": pq.read_table(out / "synthetic.parquet"),
        "csv": (out / "synthetic.csv").read_text(encoding="utf-8"),
    }


def test_dates_and_timestamps_stay_in_the_real_range(generated: dict) -> None:
    """Spark's timestamps are UTC microseconds; read as nanoseconds they came out in 1970."""
    frame = generated["table"].to_pandas()
    seen = frame["seen_at"].dropna()
    real = cleaned_frame()["seen_at"]
    month = pd.Timedelta(days=31)
    assert seen.min() >= real.min() - month and seen.max() <= real.max() + month
    opened = pd.to_datetime(frame["opened"].dropna())
    assert opened.min().year >= 2024 and opened.max().year <= 2026


def test_dates_of_a_calendar_come_back_on_it(generated: dict, model_dir: Path) -> None:
    """Month ends stay month ends; days of a year stay any day."""
    calendars = json.loads((model_dir / "training.json").read_text())["calendars"]
    assert calendars == {"closing": {"grid": "month", "anchor": "end"}}
    frame = generated["table"].to_pandas()
    closing = pd.to_datetime(frame["closing"].dropna())
    assert closing.dt.is_month_end.all() and closing.nunique() > 50
    assert not pd.to_datetime(frame["opened"].dropna()).dt.is_month_end.all()


def test_columns_match_the_cleaned_schema_without_text(generated: dict) -> None:
    table = generated["table"]
    assert table.num_rows == generated["result"].rows == 2000
    expected = pa.schema(
        [
            ("row_id", pa.string()),
            ("step", pa.int64()),
            ("customer", pa.string()),
            ("gender", pa.string()),
            ("code", pa.string()),
            ("amount", pa.float64()),
            ("opened", pa.date32()),
            ("closing", pa.date32()),
            ("seen_at", pa.timestamp("us", tz="UTC")),
            ("online", pa.bool_()),
            ("fraud", pa.int64()),
        ]
    )
    # No `note` (text, not modelled) and no `email` (dropped by Prepare).
    assert table.schema.remove_metadata() == expected
    frame = table.to_pandas()
    assert set(frame["gender"]) <= {"F", "M", "X"}
    assert set(frame["fraud"]) <= {0, 1}


def test_identifier_columns_get_fresh_surrogate_ids(generated: dict) -> None:
    frame = generated["table"].to_pandas()
    real = cleaned_frame()
    for column in ("row_id", "customer"):
        values = frame[column]
        assert values.map(lambda v: bool(re.fullmatch(r"SYN-\d{6}", v))).all(), column
        assert not set(values) & set(real[column]), column
        assert values.nunique() <= real[column].nunique()


def test_csv_neutralises_formula_cells_and_parquet_keeps_them(generated: dict) -> None:
    parquet_codes = generated["table"].column("code").to_pylist()
    assert "=SUM(A1)" in parquet_codes and "@home" in parquet_codes
    csv = pd.read_csv(io.StringIO(generated["csv"]), keep_default_na=False)
    expected = ["'" + v if v[0] in "=@" else v for v in parquet_codes]
    assert csv["code"].tolist() == expected
    assert "'=SUM(A1)" in csv["code"].tolist()
    # Numbers are written as numbers.
    assert pd.api.types.is_float_dtype(csv["amount"])


def test_csv_has_the_inputs_header_and_order_with_empty_unmodelled_columns(
    generated: dict,
) -> None:
    """Every input column, in order: `note` (free text, never modelled) and `email`
    (dropped by Prepare) keep their header and hold empty cells."""
    csv = pd.read_csv(io.StringIO(generated["csv"]), keep_default_na=False, dtype=str)
    assert list(csv.columns) == list(COLUMNS)
    assert (csv["note"] == "").all() and (csv["email"] == "").all()
    assert set(csv["online"]) <= {"true", "false", ""}
    assert set(csv["fraud"]) <= {"0", "1"}
    assert csv["step"].str.fullmatch(r"\d+").all()  # integers, never 3.0
    assert csv["opened"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()


def test_csv_spells_booleans_and_writes_dates_as_the_input_did() -> None:
    schema = DatasetSchema(
        dataset="d",
        run_id="r",
        delimiter=";",
        columns=[
            ColumnSchema("Kunde Nr", "kunde_nr", "categorical", role="dropped"),
            ColumnSchema("Aktiv", "aktiv", "boolean", true_false=["Ja", "Nein"]),
            ColumnSchema("Anzahl", "anzahl", "integer"),
            ColumnSchema("Betrag", "betrag", "decimal", format=","),
            ColumnSchema("Eröffnet", "eroffnet", "date", text_format="dd.MM.yyyy"),
        ],
    )
    table = pa.table(
        {
            "aktiv": pa.array([True, False, None]),
            "anzahl": pa.array([3, None, -2], type=pa.int64()),
            "betrag": pa.array([1.5, 2.0, None]),
            "eroffnet": pa.array([dt.date(2024, 1, 5), None, dt.date(2024, 12, 31)]),
        }
    )
    text = csv_bytes(table, schema).decode("utf-8")
    assert text.split("\r\n") == [
        "Kunde Nr;Aktiv;Anzahl;Betrag;Eröffnet",
        ";Ja;3;1,5;05.01.2024",
        ";Nein;;2,0;",
        ";;-2;;31.12.2024",
        "",
    ]


def test_csv_neutralisation_leaves_numbers_alone() -> None:
    table = pa.table(
        {
            "text": ["=1+2", "+33 6 12", "-x", "@me", "\tcmd", "\rcmd", "ok", None, "-5"],
            "number": [-1.5, 2.0, -3.0, 4.0, 5.0, 6.0, 7.0, -8.0, 9.0],
        }
    )
    schema = DatasetSchema(
        dataset="d",
        run_id="r",
        columns=[
            ColumnSchema("text", "text", "categorical"),
            ColumnSchema("number", "number", "decimal"),
        ],
    )
    frame = pd.read_csv(io.BytesIO(csv_bytes(table, schema)), keep_default_na=False)
    assert frame["text"].tolist()[:7] == [
        "'=1+2",
        "'+33 6 12",
        "'-x",
        "'@me",
        "'\tcmd",
        "'\rcmd",
        "ok",
    ]
    # A plain number that starts with "-" (a negative code) is a number to a spreadsheet.
    assert frame["text"].tolist()[8] in (-5, "-5")
    assert frame["number"].tolist() == [-1.5, 2.0, -3.0, 4.0, 5.0, 6.0, 7.0, -8.0, 9.0]
    assert neutralise_cell(-3) == -3


def test_decimals_are_rounded_to_the_inputs_places_at_any_size() -> None:
    sampled = pd.Series([1.75929723552383, -0.001, None, 1e300, 12.5])
    rounded = cast_column(sampled, "decimal", 2)
    assert rounded.dtype == "float64"
    assert rounded.fillna(-1).tolist() == [1.76, 0.0, -1, 1e300, 12.5]
    assert str(rounded[1]) == "0.0"  # never -0.0
    assert cast_column(sampled, "decimal", 400).fillna(-1).tolist()[3] == 1e300
    unrounded = cast_column(sampled, "decimal")  # a schema without decimal_places
    assert unrounded[0] == 1.75929723552383


def test_decimals_carry_no_more_significant_digits_than_the_input() -> None:
    """R writes 7 significant digits (200.0126, 157, 0.1234567: 7 places): a synthetic
    1427.8405163 has the places but not the precision; rounded, it reads 1427.841."""
    sampled = pd.Series([1427.8405163, 0.12345678, 123456789.0, 0.0, -2.5, None])
    rounded = cast_column(sampled, "decimal", 7, significant=7)
    assert rounded.fillna(-1).tolist() == [1427.841, 0.1234568, 123456800.0, 0.0, -2.5, -1]
    assert cast_column(sampled, "decimal", 7).tolist()[0] == 1427.8405163  # places alone


def test_generated_rows_carry_only_real_categories(generated: dict) -> None:
    result = generated["result"]
    assert result.unknown_category_rows_replaced == 0
    frame = generated["table"].to_pandas()
    assert set(frame["gender"]) <= {"F", "M", "X"} and set(frame["code"]) <= set(CODES)


def assert_seeded_sampling(model_dir: Path, tmp_path: Path) -> None:
    """Same seed, same rows; another seed, other rows (any engine's model folder)."""

    def frame(name: str, seed: int) -> pd.DataFrame:
        generate(model_dir=model_dir, out_dir=str(tmp_path / name), rows=300, seed=seed)
        return pd.read_parquet(tmp_path / name / "synthetic.parquet")

    first, again, other = frame("a", 3), frame("b", 3), frame("c", 4)
    pd.testing.assert_frame_equal(first, again)
    assert not first.equals(other)


def test_seeded_sampling_is_deterministic(model_dir: Path, tmp_path: Path) -> None:
    assert_seeded_sampling(model_dir, tmp_path)


def test_target_rate_kept_within_twenty_percent(generated: dict) -> None:
    result = generated["result"]
    assert result.target_column == "fraud"
    real = result.real_target_rates["1"]
    assert real == pytest.approx(cleaned_frame()["fraud"].mean())
    achieved = generated["table"].column("fraud").to_pandas().mean()
    assert achieved == pytest.approx(result.target_rates["1"])
    assert abs(achieved - real) / real <= 0.2
    assert result.target_within_tolerance is True


def test_default_row_count_is_the_cleaned_inputs(model_dir: Path, tmp_path: Path) -> None:
    result = generate(model_dir=model_dir, out_dir=str(tmp_path))
    assert result.rows == ROWS
    assert pq.read_metadata(tmp_path / "synthetic.parquet").num_rows == ROWS


def test_missing_model_is_a_clear_failure(tmp_path: Path) -> None:
    with pytest.raises(StepFailed, match=r"lacks synthesizer\.pkl") as error:
        generate(model_dir=tmp_path, out_dir=str(tmp_path / "out"))
    assert error.value.code == "model_missing"


# --- copies of real rows ----------------------------------------------------------------


def cleaned_with(rows: pd.DataFrame, folder: Path) -> Path:
    """A cleaned folder: the rows training saw, plus `rows` (as if they were real too)."""
    real = cleaned_frame()
    extra = rows.assign(
        note="free text a",
        opened=pd.to_datetime(rows["opened"]),
        closing=pd.to_datetime(rows["closing"]),
    )
    extra = extra.astype({"online": "boolean", "step": "int64", "fraud": "int64"})
    frame = pd.concat([real, extra[real.columns]], ignore_index=True)
    (folder / "data").mkdir(parents=True)
    write_parquet(frame, folder / "data" / "part-00000.parquet")
    return folder


def modelled_keys(frame: pd.DataFrame) -> set[tuple]:
    columns = [
        "step",
        "gender",
        "code",
        "amount",
        "opened",
        "closing",
        "seen_at",
        "online",
        "fraud",
    ]
    shaped = frame[columns].assign(
        opened=pd.to_datetime(frame["opened"]).dt.date,
        closing=pd.to_datetime(frame["closing"]).dt.date,
    )
    return set(shaped.astype("string").itertuples(index=False, name=None))


def test_sampled_rows_equal_to_a_real_row_are_replaced(model_dir: Path, tmp_path: Path) -> None:
    # Unfiltered, the seeded sample; then 5 of its rows become real rows, so that the
    # same seeded sample now copies 5 real rows (which never repeat by chance here).
    generate(model_dir=model_dir, out_dir=str(tmp_path / "plain"), rows=600, seed=2)
    plain = pd.read_parquet(tmp_path / "plain" / "synthetic.parquet")
    cleaned = cleaned_with(plain.iloc[:5], tmp_path / "cleaned")
    out = tmp_path / "filtered"
    result = generate(model_dir=model_dir, out_dir=str(out), rows=600, seed=2, cleaned_dir=cleaned)
    filtered = pd.read_parquet(out / "synthetic.parquet")
    assert len(filtered) == 600
    assert result.real_copies["on"] and result.real_copies["rows_replaced"] >= 5
    assert not modelled_keys(filtered) & modelled_keys(plain.iloc[:5])
    # The rows that copied nothing are kept as they were sampled.
    assert modelled_keys(plain.iloc[5:]) <= modelled_keys(filtered)
    recorded = json.loads((out / "generation.json").read_text("utf-8"))
    assert recorded["real_copies"] == result.real_copies


def test_a_model_that_copies_more_than_one_percent_is_refused(model_dir, tmp_path) -> None:
    # 25 copies in 600 rows (4%): more than the filter may hide, and than chance explains.
    generate(model_dir=model_dir, out_dir=str(tmp_path / "plain"), rows=600, seed=2)
    plain = pd.read_parquet(tmp_path / "plain" / "synthetic.parquet")
    cleaned = cleaned_with(plain.iloc[:25], tmp_path / "cleaned")
    out = tmp_path / "refused"
    with pytest.raises(StepFailed, match="of 600 sampled rows equal a training row") as error:
        generate(model_dir=model_dir, out_dir=str(out), rows=600, seed=2, cleaned_dir=cleaned)
    assert error.value.code == "real_copies" and not (out / "synthetic.csv").exists()


def test_copies_are_left_to_the_gate_where_real_rows_repeat(model_dir, tmp_path) -> None:
    # Every real row twice: copies are the data's nature, not a pointer to one record.
    real = cleaned_frame()
    cleaned = cleaned_with(real.drop(columns="note"), tmp_path / "cleaned")
    result = generate(
        model_dir=model_dir, out_dir=str(tmp_path / "o"), rows=50, cleaned_dir=cleaned
    )
    assert result.real_copies["on"] is False and result.real_copies["rows_replaced"] is None
    assert result.real_copies["chance_rate"] >= result.real_copies["max_chance_rate"]
    assert "repeat by chance" in result.real_copies["reason"]


def test_the_copy_filter_is_off_under_differential_privacy(model_dir, tmp_path) -> None:
    # Dropping rows because they equal a real row would read real rows unaccounted.
    from dataclasses import replace

    from synthpipe.generate import load_model, real_copy_filter

    model = load_model(model_dir)
    private = replace(model, summary={**model.summary, "privacy": {"mode": "dp"}})
    cleaned = cleaned_with(cleaned_frame().iloc[:0].drop(columns="note"), tmp_path / "c")
    assert real_copy_filter(model, model_dir, cleaned).on
    off = real_copy_filter(private, model_dir, cleaned)
    assert not off.on and "differential privacy" in off.reason
