"""`synthpipe scan`, and the verify step that stops a run fail-closed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from synthpipe.cli import main
from synthpipe.errors import StepFailed
from synthpipe.layout import RunLayout
from synthpipe.runner import run_local
from synthpipe.sample_data import write_banksim_csv
from synthpipe.verify import verify_cleaned

CANARY = "canary.value.7f3a@example.org"


@pytest.fixture(scope="module")
def pii_csv(tmp_path_factory) -> Path:
    return write_banksim_csv(tmp_path_factory.mktemp("pii") / "pii.csv", rows=800, with_pii=True)


def test_scan_json_is_one_object_and_exits_1_on_personal_data(pii_csv, capsys):
    code = main(["scan", str(pii_csv), "--json"])
    out = capsys.readouterr().out
    payload = json.loads(out)  # exactly one JSON document on stdout
    assert code == 1
    columns = {c["name"]: c for c in payload["columns"]}
    assert columns["email"]["entity_types"] == ["EMAIL_ADDRESS"]
    assert columns["email"]["action"] == "drop"
    assert columns["memo"]["action"] == "mask"
    assert columns["date_of_birth"]["action"] == "generalise"
    assert columns["amount"]["entity_types"] == []
    assert columns["customer"]["action"] == "drop"  # an identifier, as Prepare decides
    assert set(columns["step"]) == {"name", "entity_types", "confidence", "action"}


def test_scan_of_clean_parquet_exits_0(tmp_path, capsys):
    frame = pd.DataFrame({"amount": [1.5, 2.5, 3.0] * 20, "category": ["a", "b", "c"] * 20})
    frame.to_parquet(tmp_path / "clean.parquet")
    assert main(["scan", str(tmp_path / "clean.parquet"), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert [c["entity_types"] for c in payload["columns"]] == [[], []]


def test_scan_exits_2_on_a_file_it_cannot_read(tmp_path, capsys):
    (tmp_path / "page.csv").write_text("<!doctype html><html><body>hi</body></html>")
    assert main(["scan", str(tmp_path / "page.csv")]) == 2
    assert main(["scan", str(tmp_path / "missing.csv")]) == 2
    assert "scan failed" in capsys.readouterr().err


def _layout_with(tmp_path: Path, frame: pd.DataFrame) -> RunLayout:
    layout = RunLayout(str(tmp_path), "ds", "r1")
    Path(layout.cleaned_data).mkdir(parents=True)
    frame.to_parquet(f"{layout.cleaned_data}/part-0.parquet")
    return layout


def test_verify_names_columns_and_types_never_values(tmp_path):
    emails = [f"person{i}@example.com" for i in range(99)] + [CANARY]
    layout = _layout_with(tmp_path, pd.DataFrame({"contact": emails, "n": range(100)}))
    with pytest.raises(StepFailed) as caught:
        verify_cleaned(layout)
    error = caught.value
    assert error.code == "pii_found"
    assert error.details["columns"] == {"contact": ["EMAIL_ADDRESS"]}
    assert CANARY not in json.dumps(error.to_reason()) and "@" not in str(error)


def test_verify_fails_closed_on_an_unreadable_object(tmp_path):
    layout = _layout_with(tmp_path, pd.DataFrame({"n": [1, 2]}))
    Path(f"{layout.cleaned_data}/part-1.parquet").write_bytes(b"PAR1 not really parquet")
    with pytest.raises(StepFailed) as caught:
        verify_cleaned(layout)
    assert caught.value.code == "unreadable_object"
    assert caught.value.details["object"] == "part-1.parquet"


def test_verify_fails_closed_when_nothing_was_scanned(tmp_path):
    layout = RunLayout(str(tmp_path), "ds", "r1")
    with pytest.raises(StepFailed) as caught:
        verify_cleaned(layout)
    assert caught.value.code == "nothing_classified"


def test_verify_passes_clean_data(tmp_path):
    frame = pd.DataFrame({"amount": [1.5, 2.0] * 50, "category": ["es_food", "es_travel"] * 50})
    result = verify_cleaned(_layout_with(tmp_path, frame))
    assert result.rows == 100 and result.findings == []


@pytest.mark.slow
def test_a_kept_pii_column_stops_the_run_and_is_quarantined(spark, tmp_path):
    # A few contacts, each seen often enough that value protection keeps them.
    pii_csv = tmp_path / "pii.csv"
    rows = [f"contact{i % 12}@example.org,{i % 7},{i * 1.5}" for i in range(360)]
    pii_csv.write_text("email,kind,amount\n" + "\n".join(rows) + "\n")
    workdir = tmp_path / "runs"
    (workdir / "config").mkdir(parents=True)
    config = {"columns": {"email": {"pii_action": "keep"}}}
    (workdir / "config" / "pii.json").write_text(json.dumps(config))
    raw_before = pii_csv.read_bytes()
    result = run_local(pii_csv, dataset="pii", workdir=workdir, until="verify")
    assert result.exit_code == 1
    assert result.error.code == "pii_found"
    assert result.error.details["columns"] == {"email": ["EMAIL_ADDRESS"]}
    quarantine = workdir / "quarantine" / "pii" / result.run_id
    reason = json.loads((quarantine / "reason.json").read_text())
    assert reason["step"] == "verify" and reason["code"] == "pii_found"
    assert list((quarantine / "cleaned" / "data").glob("*.parquet"))
    assert not (workdir / "cleaned" / "pii" / result.run_id).exists()
    assert (workdir / "raw" / "pii" / "pii.csv").read_bytes() == raw_before


@pytest.mark.slow
def test_logs_and_manifest_never_hold_a_personal_value(spark, tmp_path):
    source = write_banksim_csv(tmp_path / "src.csv", rows=600, with_pii=True)
    text = source.read_text().splitlines()
    header = text[0].split(",")
    fields = text[1].split(",")
    fields[header.index('"email"')] = f"'{CANARY}'"
    text[1] = ",".join(fields)
    source.write_text("\n".join(text) + "\n")
    result = run_local(source, dataset="canary", workdir=tmp_path / "runs", until="verify")
    assert result.exit_code == 0, result.message
    staging = tmp_path / "runs" / "staging" / "canary" / result.run_id
    log = (staging / "run.log.jsonl").read_text()
    assert "EMAIL_ADDRESS" in log and '"email"' in log  # names and types are logged
    cleaned = tmp_path / "runs" / "cleaned" / "canary" / result.run_id
    for text in (
        log,
        (staging / "manifest.json").read_text(),
        (cleaned / "pii_actions.json").read_text(),
    ):
        assert CANARY not in text
    shutil.rmtree(tmp_path / "runs")


def test_scan_finds_a_few_entities_the_sample_would_miss(tmp_path):
    from synthpipe.scan import scan_file

    rows = [f"note {i} about the weather,{i % 5}" for i in range(6000)]
    rows[4321] = "please write to hidden.person@example.org,3"
    path = tmp_path / "notes.csv"
    path.write_text("notes,kind\n" + "\n".join(rows) + "\n")
    columns = {c.name: c for c in scan_file(path)}
    assert columns["notes"].entity_types == ["EMAIL_ADDRESS"]
    assert columns["notes"].action == "mask"
    assert columns["kind"].entity_types == []


@pytest.mark.parametrize(
    ("first", "encoding"), [("sep=;\r\n", "cp1252"), ("", "utf-16"), ("", "utf-16-le")]
)
def test_scan_reads_excels_separator_line_and_utf16_files(tmp_path, first, encoding):
    from synthpipe.scan import _csv_sample, scan_file

    rows = [f"{i % 7};person{i}@example.org;Zürich" for i in range(300)]
    path = tmp_path / "export.csv"
    path.write_bytes((first + "kind;contact;city\r\n" + "\r\n".join(rows)).encode(encoding))
    columns = {c.name: c for c in scan_file(path)}
    assert list(columns) == ["kind", "contact", "city"]
    assert columns["contact"].entity_types == ["EMAIL_ADDRESS"]
    assert columns["kind"].entity_types == columns["city"].entity_types == []
    # The rows below the header, and no other: the hint and the header are not values.
    values, _, rows = _csv_sample(path, 1000)
    assert rows == 300
    assert values["kind"][:2] == ["0", "1"] and values["city"][0] == "Zürich"


def test_scan_says_a_sorted_panel_key_is_dropped_as_prepare_does(tmp_path):
    """`nr` sorted through the file is a person number; `num_visits` in no order a count."""
    from synthpipe.scan import scan_file

    rng = np.random.default_rng(6)
    people = np.repeat(np.sort(rng.choice(np.arange(13, 12_548), 300, replace=False)), 8)
    visits = rng.permutation(np.repeat(np.arange(150), 16))
    path = tmp_path / "panel.csv"
    rows = [f"{p},{v}" for p, v in zip(people, visits, strict=True)]
    path.write_text("nr,num_visits\n" + "\n".join(rows) + "\n")
    columns = {c.name: c for c in scan_file(path)}
    assert columns["nr"].action == "drop"
    assert columns["num_visits"].action == "keep"


def _short_codes(rng: np.random.Generator) -> list[str]:
    """C1 ... C400 are customers (a key); E11, I10 ... (many prefixes) diagnoses."""
    return [
        f"C{c},{chr(65 + c % 26)}{c % 90 + 10}"
        for c in rng.permutation(np.repeat(np.arange(1, 401), 5))
    ]


def _licence_plates(rng: np.random.Generator) -> list[str]:
    from tests.test_prepare import _plates

    plates = _plates(rng, 400)
    return [
        f"{plates[c]},{rng.integers(1, 300)}" for c in rng.permutation(np.repeat(range(400), 5))
    ]


def _numbers_in_sequence(rng: np.random.Generator) -> list[str]:
    """Customer numbers 100001 to 100150 on 20 rows each (test_prepare's case)."""
    customers = rng.permutation(np.repeat(np.arange(100_001, 100_151), 20))
    return [f"{c},{rng.integers(1, 300)}" for c in customers]


@pytest.mark.parametrize("make", [_short_codes, _licence_plates, _numbers_in_sequence])
def test_scan_says_keys_under_a_neutral_name_are_dropped_as_prepare_does(tmp_path, make):
    from synthpipe.scan import scan_file

    path = tmp_path / "table.csv"
    path.write_text("c1,c2\n" + "\n".join(make(np.random.default_rng(7))) + "\n")
    columns = {c.name: c for c in scan_file(path)}
    assert (columns["c1"].action, columns["c2"].action) == ("drop", "keep")


def test_verify_finds_coordinates_and_e_mails_spread_over_objects(tmp_path):
    """Each column is judged over every object: 30 objects of 20 rows each."""
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "lat": np.round(rng.uniform(35, 60, 600), 5),
            "lon": np.round(rng.uniform(-10, 30, 600), 5),
            "contact": [f"person{i}@example.com" for i in range(600)],
            "n": range(600),
        }
    )
    layout = RunLayout(str(tmp_path), "ds", "r1")
    Path(layout.cleaned_data).mkdir(parents=True)
    for index in range(30):
        part = frame.iloc[index * 20 : (index + 1) * 20]
        part.to_parquet(f"{layout.cleaned_data}/part-{index:05d}.parquet", index=False)
    with pytest.raises(StepFailed) as caught:
        verify_cleaned(layout)
    assert caught.value.details["columns"] == {
        "lat": ["LATITUDE_LONGITUDE"],
        "lon": ["LATITUDE_LONGITUDE"],
        "contact": ["EMAIL_ADDRESS"],
    }
    assert caught.value.details["rows_scanned"] == 600


def test_verify_scans_a_column_with_too_many_values_object_by_object(tmp_path, monkeypatch):
    """Over the bound, a column is not merged (memory), and each object's scan stands."""
    monkeypatch.setattr("synthpipe.verify.MAX_WHOLE_VALUES", 50)
    frame = pd.DataFrame({"contact": [f"person{i}@example.com" for i in range(600)]})
    layout = RunLayout(str(tmp_path), "ds", "r1")
    Path(layout.cleaned_data).mkdir(parents=True)
    for index in range(30):
        part = frame.iloc[index * 20 : (index + 1) * 20]
        part.to_parquet(f"{layout.cleaned_data}/part-{index:05d}.parquet", index=False)
    with pytest.raises(StepFailed) as caught:
        verify_cleaned(layout)
    assert caught.value.details["columns"] == {"contact": ["EMAIL_ADDRESS"]}


def test_scan_says_what_prepare_does_with_unique_amounts_dates_and_keys(tmp_path):
    """Prepare types amounts and timestamps before its identifier rule; the scan read
    them as text, and called a column of unique amounts a key to drop."""
    from synthpipe.scan import scan_file

    rows = [
        f"ORD-{100000 + i},{i * 7.31 + 0.5:.2f},2024-03-{i % 28 + 1:02d} {i % 24:02d}:{i % 60:02d},"
        f"{'abc'[i % 3]}"
        for i in range(500)
    ]
    path = tmp_path / "orders.csv"
    path.write_text("order_ref,amount,placed_at,kind\n" + "\n".join(rows) + "\n")
    actions = {c.name: c.action for c in scan_file(path)}
    assert actions == {"order_ref": "drop", "amount": "keep", "placed_at": "keep", "kind": "keep"}
