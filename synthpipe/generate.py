"""Generate: synthetic rows from the trained model, shaped like the cleaned data.

    generate(model_dir=Path("<root>/model"), out_dir="staging/<dataset>/<run_id>")

Reads the model folder that training writes (`synthesizer.pkl` or `argn/`, as
training.json's engine says, `schema.json`, `training.json`, `categories.json`),
samples N rows (default: as many as the cleaned input, as recorded by training) with
seeded sampling, and writes

    <out_dir>/synthetic.parquet   the cleaned data's column names, order and types
    <out_dir>/synthetic.csv       the same rows in the input's form: its header, column
                                  order, delimiter, spellings and formats
                                  (`synthpipe.roundtrip`), spreadsheet formulas neutralised

`out_dir` is a local folder or an `s3://` prefix (both files are built in memory and
written through `synthpipe.storage`).

Columns of the Parquet, compared with the cleaned data (schema.json, role != dropped):
- modelled features (see `synthpipe.train.metadata`): sampled, cast back to their type;
  decimals rounded to the input's decimal places (schema.json's `decimal_places`);
- identifier columns (pseudonymised by Prepare, or given the identifier role by the
  dataset config): fresh random surrogate ids `SYN-000001`, `SYN-000002`, ... drawn from
  as many ids as the cleaned column had distinct values. The model never saw these
  columns, so no real (or pseudonymised) value can come out;
- `text` columns are ABSENT: TVAE cannot learn free text, and free text is where
  personal data hides. The order of the remaining columns is the cleaned data's.
The CSV has every input column; those without synthetic values are empty.

Real categories only: a sampled row carrying a category or code that the real rows lack
(`categories.json`, `synthpipe.train.categories`) is replaced by another sampled row; the
count replaced is returned, and generate fails (`unknown_categories`) rather than write
such a row.

No copies of real rows where real rows rarely repeat: given the cleaned data
(`cleaned_dir`), a sampled row equal to a real row on every modelled column is replaced
too when fewer than 1% of real rows repeat another (`synthpipe.evaluate.copies`, which
says why; off under differential privacy). Generate fails (`real_copies`) rather than
write such a row. What was replaced, and why the filter was on or off, goes into
`<out_dir>/generation.json` (counts only), which the report shows.

Orders the real rows keep (training.json's `orders`, `synthpipe.orders`: a start before
its end, a part below its total): a sampled row that breaks one is replaced too, and
mended (its first value lowered to the second) only where the rounds run out of fresh
rows or a tail's draw breaks one; generation.json counts both.

Categories one column decides (training.json's `lookups`, `synthpipe.lookups`: a
country's continent, a merchant's category): every sampled row, in every round, has the
decided column set from the column that decides it, before the checks above; generation.json
counts the lookups kept.

Tails beyond the protection bounds: where Prepare clipped a continuous number with a
heavy tail, the outermost sampled rows, as many as the real data had beyond a bound,
take draws of the tail training fitted, in order (`synthpipe.tails`, training.json's
`tails`), after the checks above; generation.json counts them per column and side.

Rare classes: when training was given a target column, sampling keeps each class at its
real rate with per-class quotas (`synthpipe.train.sampling`); the achieved rates are
returned.
"""

from __future__ import annotations

import io
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from synthpipe import lookups, storage
from synthpipe import orders as ordering
from synthpipe.calendars import snap_to_calendar
from synthpipe.errors import StepFailed
from synthpipe.roundtrip import csv_bytes, neutralise_cell, round_places, round_significant
from synthpipe.schema import ColumnSchema, DatasetSchema
from synthpipe.tails import spread_tails

if TYPE_CHECKING:
    from synthpipe.evaluate.copies import CopyFilter

__all__ = ["GenerateResult", "csv_bytes", "generate", "neutralise_cell"]

log = logging.getLogger("synthpipe.generate")

STEP = "generate"
PARQUET_NAME = "synthetic.parquet"
CSV_NAME = "synthetic.csv"
GENERATION_NAME = "generation.json"
SURROGATE_PREFIX = "SYN-"
# Rounds of replacement sampling for rows with a category the real rows lack, or equal
# to a real row.
REPLACEMENT_ROUNDS = 10

# Arrow type of each logical type: what Prepare writes (schema.py). Spark writes
# timestamps adjusted to UTC, which pyarrow reads back as timestamp[us, tz=UTC].
ARROW_TYPES: dict[str, pa.DataType] = {
    "integer": pa.int64(),
    "decimal": pa.float64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "categorical": pa.string(),
}


@dataclass(frozen=True)
class GenerateResult:
    rows: int
    parquet_path: str
    csv_path: str
    # Column the class rates were kept for (None when training had no target).
    target_column: str | None
    # Class -> rate in the synthetic rows, and in the cleaned data (from training.json).
    target_rates: dict[str, float] | None
    real_target_rates: dict[str, float] | None
    # Every class within training's target_rate_tolerance (relative); None: no target.
    # False when the model (almost) never makes a class: quotas cannot invent it.
    target_within_tolerance: bool | None
    seconds: float
    # Sampled rows replaced because they carried a category the real rows lack (the
    # output carries none); None when the model folder has no categories.json.
    unknown_category_rows_replaced: int | None = None
    # The copy filter: {on, reason, chance_rate, max_chance_rate, rows_replaced}
    # (synthpipe.evaluate.copies); rows_replaced is None when the filter is off.
    real_copies: dict[str, Any] | None = None
    # The orders the real rows keep (synthpipe.orders): {pairs, rows_replaced,
    # rows_mended}; None when they keep none.
    orders: dict[str, int] | None = None


@dataclass(frozen=True)
class TrainedModel:
    synthesizer: Any
    schema: DatasetSchema
    summary: dict[str, Any]
    # Column -> the real rows' labels (categories.json); None for older model folders.
    categories: dict[str, list[str]] | None = None

    @property
    def target(self) -> str | None:
        return (self.summary.get("target") or {}).get("column") or None

    @property
    def real_target_rates(self) -> dict[str, float] | None:
        """Class -> real rate, as training measured it on the cleaned data."""
        if not self.target:
            return None
        classes = self.summary["target"]["with_quotas"]["classes"]
        return {label: float(c["real_rate"]) for label, c in classes.items()}

    @property
    def target_rate_tolerance(self) -> float:
        return float(self.summary["hyperparameters"]["target_rate_tolerance"])

    @property
    def cleaned_rows(self) -> int:
        return int(self.summary["rows"]["cleaned"])

    @property
    def lookups(self) -> list[lookups.Lookup]:
        """The categories one column decides (training.json's `lookups`; none before them)."""
        return lookups.lookups_from(self.summary.get("lookups"))

    @property
    def orders(self) -> list[ordering.Order]:
        """The orders the real rows keep (training.json's `orders`; none before them)."""
        return ordering.orders_from(self.summary.get("orders"))


def generate(
    *,
    model_dir: Path,
    out_dir: str,
    rows: int | None = None,
    seed: int = 0,
    cleaned_dir: Path | None = None,
) -> GenerateResult:
    """Sample synthetic rows and write `synthetic.parquet`, `synthetic.csv` and
    `generation.json`.

    Args:
        model_dir: the training contract's `<root>/model` folder.
        out_dir: local folder or s3:// prefix, e.g. `staging/<dataset>/<run_id>`.
        rows: how many rows; None for as many as the cleaned input had.
        seed: seeds the sampling and the surrogate ids: same seed, same rows.
        cleaned_dir: Prepare's output for this run (data/, schema.json), the real rows
            that copies are checked against; None leaves copies to the gate alone.
    """
    started = time.monotonic()
    model = load_model(Path(model_dir))
    count = model.cleaned_rows if rows is None else rows
    if count < 1:
        raise StepFailed(
            code="bad_row_count",
            message=f"Asked to generate {count} rows.",
            fix="Ask for 1 row or more (rows_to_generate in the dataset config).",
            step=STEP,
        )
    filter_ = real_copy_filter(model, Path(model_dir), cleaned_dir)
    sampled, replaced = keep_real_rows(model, sample(model, count, seed), seed, filter_)
    # After the copy filter: a row moved beyond a bound equals no real row.
    sampled, tail_rows = spread_tails(sampled, model.summary.get("tails") or {}, seed)
    sampled, tail_mended = mend_orders(model, sampled)  # a tail's draw may break one
    table = to_cleaned_shape(sampled, model.schema, seed)
    base = out_dir.rstrip("/")
    parquet_path, csv_path = f"{base}/{PARQUET_NAME}", f"{base}/{CSV_NAME}"
    storage.write_bytes(parquet_path, parquet_bytes(table))
    storage.write_bytes(csv_path, csv_bytes(table, model.schema))
    copies = filter_.summary(replaced.copies if filter_.on else None)
    orders = orders_record(model, replaced, tail_mended)
    record = {
        "unknown_category_rows_replaced": replaced.unknown_categories,
        "real_copies": copies,
        "tail_rows": tail_rows,
        "orders": orders,
        "lookups": len(model.lookups),
    }
    storage.write_bytes(f"{base}/{GENERATION_NAME}", json.dumps(record).encode())
    rates, within = target_check(model, sampled)
    return GenerateResult(
        rows=table.num_rows,
        parquet_path=parquet_path,
        csv_path=csv_path,
        target_column=model.target,
        target_rates=rates,
        real_target_rates=model.real_target_rates,
        target_within_tolerance=within,
        seconds=round(time.monotonic() - started, 2),
        unknown_category_rows_replaced=replaced.unknown_categories,
        real_copies=copies,
        orders=orders,
    )


def load_model(model_dir: Path) -> TrainedModel:
    """The synthesizer, schema.json and training.json of a training run's model folder;
    the synthesizer of the engine that training.json records (TVAE before engines)."""
    names = ("schema.json", "training.json")
    missing = [name for name in names if not (model_dir / name).is_file()]
    summary = {}
    if not missing:
        summary = json.loads((model_dir / "training.json").read_text("utf-8"))
    engine = (summary.get("engine") or {}).get("name", "tvae")
    # Imported here: the engines pull in torch, which callers that only import this
    # module (the CLI's help, the runner's step list) should not pay for.
    from synthpipe.train import engines
    from synthpipe.train.categories import read_categories

    files = engines.model_files(engine)
    missing = [name for name in files if not (model_dir / name).exists()] + missing
    if missing:
        raise StepFailed(
            code="model_missing",
            message=f"The model folder {model_dir} lacks {', '.join(missing)}.",
            fix="Run the train step first; generate reads its model/ folder.",
            step=STEP,
        )
    return TrainedModel(
        synthesizer=engines.load(model_dir, engine),
        schema=DatasetSchema.from_json((model_dir / "schema.json").read_text("utf-8")),
        summary=summary,
        categories=read_categories(model_dir),
    )


def sample(model: TrainedModel, rows: int, seed: int) -> pd.DataFrame:
    """`rows` rows of the modelled columns; target classes at their real rates; dates on
    their real calendar (training.json's `calendars`: a monthly series' month ends);
    categories as the column that decides them has them (training.json's `lookups`)."""
    from synthpipe.train.sampling import sample_rows

    sampled = sample_rows(model.synthesizer, rows, seed, model.target, model.real_target_rates)
    for name, calendar in (model.summary.get("calendars") or {}).items():
        if name in sampled:
            sampled[name] = snap_to_calendar(sampled[name], calendar)
    sampled, changed = lookups.apply(sampled, model.lookups)
    if changed:
        log.info("set %d of %d sampled rows from the columns that decide them", changed, rows)
    return sampled


@dataclass(frozen=True)
class Replaced:
    """Sampled rows replaced, by reason (None: that check did not run), and rows whose
    order was mended where replacements ran out (`synthpipe.orders`)."""

    unknown_categories: int | None
    copies: int
    orders: int = 0
    orders_mended: int = 0


def real_copy_filter(model: TrainedModel, model_dir: Path, cleaned_dir: Path | None) -> CopyFilter:
    """The copy filter for this run's real rows (`synthpipe.evaluate.copies`)."""
    from synthpipe.evaluate.copies import copy_filter, filter_off
    from synthpipe.evaluate.frames import with_datetimes
    from synthpipe.train.metadata import TABLE, metadata_dict

    if (model.summary.get("privacy") or {}).get("mode", "off") != "off":
        return filter_off("differential privacy: the filter would read real rows unaccounted")
    if cleaned_dir is None:
        return filter_off("no cleaned data given: copies are judged by the gate alone")
    # The modelled columns, with the sdtypes training and the evaluation give them.
    columns = metadata_dict(model.schema, model.target)["tables"][TABLE]["columns"]
    sdtypes = {name: spec["sdtype"] for name, spec in columns.items()}
    cleaned = pd.read_parquet(Path(cleaned_dir) / "data", columns=list(sdtypes))
    holdout_index = pd.read_parquet(model_dir / "holdout.parquet", columns=[]).index
    real = with_datetimes(cleaned, sdtypes)
    return copy_filter(
        real.drop(index=holdout_index),
        real.loc[holdout_index],
        sdtypes,
        model.schema.duplicate_rows_dropped / max(1, model.schema.input_rows),
    )


def keep_real_rows(
    model: TrainedModel, sampled: pd.DataFrame, seed: int, copies: CopyFilter
) -> tuple[pd.DataFrame, Replaced]:
    """`sampled` with every row that carries a category the real rows lack, that
    `copies` catches, or that breaks an order the real rows keep, replaced by a fresh
    sampled row that does none of these; and how many. Rows that break an order only
    are mended instead (`mend_orders`) when the rounds run out of fresh rows."""
    if model.categories is None:
        log.warning("the model folder has no categories.json: categories are not checked")
    unknown, copied, trained = _rejected(model, sampled, copies)
    refused = unknown | copied
    disordered = _disordered(model, sampled) & ~refused
    bad = refused | disordered
    counts = {
        "unknown_categories": None if model.categories is None else int(unknown.sum()),
        "copies": int((copied & ~unknown).sum()),
        "orders": int(disordered.sum()),
    }
    if not bad.any():
        return sampled, Replaced(**counts)
    if trained > copies.limit(len(sampled)):
        raise _memorised(trained, len(sampled), copies.limit(len(sampled)))
    kept, spare, missing = [sampled[~bad]], [sampled[disordered]], int(bad.sum())
    # Draw enough to replace them in one round at the first sample's rate of good rows.
    good_share = max(0.2, 1 - bad.mean())
    for attempt in range(1, REPLACEMENT_ROUNDS + 1):
        if not missing:
            break
        fresh = sample(
            model, max(2 * missing, 100, int(1.5 * missing / good_share)), seed + attempt
        )
        unknown, copied, _ = _rejected(model, fresh, copies)
        refused = unknown | copied
        disordered = _disordered(model, fresh) & ~refused
        kept.append(fresh[~(refused | disordered)].head(missing))
        spare.append(fresh[disordered])
        missing -= len(kept[-1])
    mended = 0
    if missing:
        rows = pd.concat(spare, ignore_index=True).head(missing)
        if len(rows) < missing:
            raise _not_replaced(missing - len(rows), Replaced(**counts))
        rows, mended = mend_orders(model, rows)
        kept.append(rows)
    log.info(
        "replaced %d sampled rows carrying a category the real rows lack, %d equal to a "
        "real row and %d breaking an order the real rows keep (%d of them mended)",
        counts["unknown_categories"] or 0,
        counts["copies"],
        counts["orders"],
        mended,
    )
    kept = [rows for rows in kept if len(rows)]  # an empty frame's dtypes would leak in
    return pd.concat(kept, ignore_index=True), Replaced(**counts, orders_mended=mended)


def _rejected(
    model: TrainedModel, frame: pd.DataFrame, copies: CopyFilter
) -> tuple[np.ndarray, np.ndarray, int]:
    """Masks of `frame`'s rows with an unknown category and of its copies of real rows,
    and how many of its rows copy a training row (what `CopyFilter.limit` bounds)."""
    from synthpipe.evaluate.frames import with_datetimes
    from synthpipe.train.categories import unknown_rows

    unknown = np.zeros(len(frame), dtype=bool)
    if model.categories is not None:
        unknown = np.asarray(unknown_rows(frame, model.categories), dtype=bool)
    if not copies.on:
        return unknown, np.zeros(len(frame), dtype=bool), 0
    # Compared as written and as the evaluation reads them back: the cleaned types
    # (decimals rounded), datetimes as naive UTC.
    written = written_as(model, frame, list(copies.sdtypes))
    copied, trained = copies.matches(with_datetimes(written, copies.sdtypes))
    return unknown, copied, int(trained.sum())


def written_as(model: TrainedModel, frame: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """`frame`'s columns `names` as generate writes them (the cleaned types, rounded)."""
    by_name = {c.name: c for c in model.schema.columns}
    return pd.DataFrame({name: cast_as(frame[name], by_name[name]) for name in names})


def _disordered(model: TrainedModel, frame: pd.DataFrame) -> np.ndarray:
    """Which of `frame`'s rows break an order the real rows keep, as written."""
    orders = model.orders
    if not orders:
        return np.zeros(len(frame), dtype=bool)
    return ordering.broken(written_as(model, frame, ordering.columns(orders)), orders)


def mend_orders(model: TrainedModel, frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """`frame` with each broken order mended (`synthpipe.orders.repair`) on the values
    as written, the lowered value rounded down to its column's places; and how many rows
    changed."""
    orders = model.orders
    if not orders:
        return frame, 0
    names = ordering.columns(orders)
    by_name = {c.name: c for c in model.schema.columns}
    written = written_as(model, frame, names)
    fixed, changed = ordering.repair(written, orders, lambda n, v: floor_as(v, by_name[n]))
    if not changed:
        return frame, 0
    out = frame.copy()
    for name in names:
        out[name] = fixed[name]
    return out, changed


def orders_record(
    model: TrainedModel, replaced: Replaced, tail_mended: int
) -> dict[str, int] | None:
    """generation.json's `orders`: how many orders were kept, rows replaced and mended
    (None when the real rows keep none, or training did not look)."""
    if not model.orders:
        return None
    return {
        "pairs": len(model.orders),
        "rows_replaced": replaced.orders,
        "rows_mended": replaced.orders_mended + tail_mended,
    }


def _memorised(copies: int, rows: int, limit: int) -> StepFailed:
    return StepFailed(
        code="real_copies",
        message=f"{copies} of {rows} sampled rows equal a training row, where real rows "
        f"rarely repeat (at most {limit} are replaced): the model reproduces its training "
        "rows.",
        fix="Retrain with fewer epochs (or engine=tvae / engine=argn, whichever was not "
        "used); a model that has memorised rows must not be published.",
        step=STEP,
    )


def _not_replaced(missing: int, replaced: Replaced) -> StepFailed:
    if replaced.copies and not replaced.unknown_categories:
        return StepFailed(
            code="real_copies",
            message=f"{missing} sampled rows still equal a real row after "
            f"{REPLACEMENT_ROUNDS} rounds of replacement: the model reproduces its "
            "training rows.",
            fix="Retrain with fewer epochs (or engine=tvae / engine=argn, whichever was not "
            "used); the model has memorised rows, which must not be published.",
            step=STEP,
        )
    return StepFailed(
        code="unknown_categories",
        message=f"{missing} sampled rows still carry a category or code that the "
        f"real data lacks after {REPLACEMENT_ROUNDS} rounds of replacement.",
        fix="Retrain (the model produces categories it was not fitted on), or report it.",
        step=STEP,
    )


def target_check(
    model: TrainedModel, sampled: pd.DataFrame
) -> tuple[dict[str, float] | None, bool | None]:
    """(achieved class rates, all within tolerance); (None, None) without a target."""
    from synthpipe.train.sampling import class_rates, rate_report

    real = model.real_target_rates
    if not model.target or real is None:
        return None, None
    achieved = class_rates(sampled[model.target])
    report = rate_report(real, achieved, model.target_rate_tolerance)
    if not report["within_tolerance"]:
        log.warning(
            "target %s: class rates %s are not within %.0f%% of the real rates %s",
            model.target,
            achieved,
            100 * model.target_rate_tolerance,
            real,
        )
    return achieved, bool(report["within_tolerance"])


# ---------------------------------------------------------------------------------------
# Back to the cleaned data's shape


def output_columns(schema: DatasetSchema) -> list[ColumnSchema]:
    """The cleaned data's columns that synthetic data has, in the cleaned order."""
    return [c for c in schema.kept() if c.type != "text"]


def to_cleaned_shape(sampled: pd.DataFrame, schema: DatasetSchema, seed: int) -> pa.Table:
    """An Arrow table with the cleaned data's column names, order and types."""
    arrays, fields = [], []
    for position, column in enumerate(output_columns(schema)):
        if column.role == "identifier":
            values = surrogate_ids(len(sampled), column.distinct_count, seed, position)
        else:
            values = cast_as(sampled[column.name], column)
        arrow_type = ARROW_TYPES[column.type if column.role != "identifier" else "categorical"]
        arrays.append(pa.array(values, type=arrow_type, from_pandas=True))
        fields.append(pa.field(column.name, arrow_type))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def cast_as(values: pd.Series, column: ColumnSchema) -> pd.Series:
    """An engine's output for `column` as cast_column makes it, with the column's own
    places and significant digits."""
    places, digits = column.decimal_places, column.significant_digits
    return cast_column(values, column.type, places, significant=digits)


def cast_column(
    values: pd.Series,
    column_type: str,
    places: int | None = None,
    *,
    significant: int | None = None,
) -> pd.Series:
    """An engine's output for one column as the logical type's pandas dtype (nulls kept);
    decimals rounded to `places` (the input's, schema.json's decimal_places) when known,
    then to `significant` digits (significant_digits) when known."""
    if column_type == "integer":
        # Rounded: a numerical sdtype may come back as float (e.g. with nulls).
        return pd.to_numeric(values, errors="coerce").round().astype("Int64")
    if column_type == "decimal":
        numbers = pd.to_numeric(values, errors="coerce").astype("float64")
        if places is not None:
            numbers = numbers.map(lambda v: round_places(v, places))
        if significant:
            numbers = numbers.map(lambda v: round_significant(v, significant))
        return numbers
    if column_type == "boolean":
        return values.astype("boolean")
    if column_type == "date":
        return pd.to_datetime(values, errors="coerce").dt.date
    if column_type == "timestamp":
        return pd.to_datetime(values, errors="coerce", utc=True)
    if column_type == "categorical":
        return values.astype("string")
    raise ValueError(f"type {column_type!r} is not generated")


def floor_as(values: pd.Series, column: ColumnSchema) -> pd.Series:
    """`values` written in `column` as `cast_as` writes them, but rounded down: never
    above the value given (a date is its day; a decimal cut to the column's places)."""
    if column.type in ("integer", "decimal"):
        numbers = pd.to_numeric(values, errors="coerce").astype("float64")
        places = 0 if column.type == "integer" else column.decimal_places
        if places is not None:
            numbers = np.floor(numbers * 10.0**places) / 10.0**places
        values = numbers
    return cast_as(values, column)


def surrogate_ids(rows: int, distinct: int, seed: int, position: int) -> np.ndarray:
    """Random ids SYN-000001 ... SYN-<distinct>: as many ids as the real column had.

    Drawn with replacement, so ids repeat across rows like a customer id does; they
    carry no link to any real or pseudonymised value.
    """
    pool = max(1, distinct)
    width = max(6, len(str(pool)))
    rng = np.random.default_rng([seed, position])
    numbers = rng.integers(1, pool + 1, size=rows)
    return np.array([f"{SURROGATE_PREFIX}{n:0{width}d}" for n in numbers], dtype=object)


# ---------------------------------------------------------------------------------------
# Files


def parquet_bytes(table: pa.Table) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()
