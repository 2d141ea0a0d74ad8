"""The local runner: refusals and quarantine, raw/ untouched, run ids, manifest and log."""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import os
import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from synthpipe.errors import InputRefused
from synthpipe.runner import BUILT_STEPS, EXIT_NOT_BUILT, STEPS, RunResult, run_local

RUN_ID = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{8}$")
REASON_KEYS = {"step", "code", "message", "fix", "details"}
# A cell value planted in inputs: it must never reach a log, a manifest or a reason.json.
CANARY = "CANARY-7f3a9c-ZEBRA"


def write(folder: Path, content: str | bytes, name: str = "input.csv") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_json(path: str | Path) -> dict:
    return json.loads(Path(path).read_text())


def quarantine_dir(result: RunResult) -> Path:
    return result.workdir / "quarantine" / result.dataset / result.run_id


def small_csv(rows: int = 300, *, canary_row: int | None = None) -> str:
    """A few hundred rows of a plain table; one categorical cell may hold the canary."""
    cities = ["Lyon", "Paris", "Nantes", "Lille", "Nice"]
    categories = ["food", "travel", "health", "leisure"]
    lines = ["city,category,amount,flag"]
    for i in range(rows):
        category = CANARY if i == canary_row else categories[i % 4]
        lines.append(f"{cities[i % 5]},{category},{(i * 37) % 500 + 0.25},{i % 2}")
    return "\n".join(lines) + "\n"


# --- a catalogue of bad files: one per refusal code that a file can cause ------------------

BAD_FILES = {
    "empty_file": (b"", {}),
    "too_large": (b"a,b\n1,2\n3,4\n", {"max_bytes": 8}),
    "compressed": (gzip.compress(b"a,b\n1,2\n3,4\n"), {}),
    "binary": (b"a,b\n1,\x00\x00\x01\x02binary\x00\n", {}),
    "unsupported_encoding": ("a,b\n1,2\n3,4\n".encode("utf-16")[:-1], {}),
    "html": (b"<!DOCTYPE html><html><body><table><tr><td>1</td></tr></table></body></html>", {}),
    "json": (json.dumps([{"a": 1, "b": 2}] * 3).encode(), {}),
    "no_delimiter": (b"id:name:flag\n1:x:y\n2:z:w\n3:u:v\n4:s:t\n", {}),
    "header_missing": (b"1,2.5,2024-01-01\n4,5.5,2024-01-02\n", {}),
    "header_empty_name": (b"id, ,amount\n1,2,3\n4,5,6\n", {}),
    "too_few_columns": (b"name\nBob\nEve\nAnn\n", {}),
    "no_data_rows": (b"a,b,c\n", {}),
    "ragged_rows": (b"a,b,c\n1,2,3\n4,5\n6,7,8\n9,10,11\n", {}),
    "unbalanced_quotes": (b'id,note\n1,ok\n2,"open\n3,more\n4,end\n', {}),
    "field_too_large": (b"id,note\n1,ok\n2," + b"x" * 200_000 + b"\n3,end\n", {}),
    "too_many_columns": (b"a,b,c,d,e,f\n1,2,3,4,5,6\n", {"max_columns": 5}),
    "record_too_long": (b"id,note\n1,ok\n2," + b"x" * 100 + b"\n", {"max_record_bytes": 64}),
    "separator_line": (b"sep=:\nid;amount\n1;2,5\n2;3\n", {}),
    "lines_above_header": (b"Statement 2024\n\nid;amount\n1;2,5\n2;3\n3;4\n", {}),
    "lines_below_table": (b"id;amount\n1;2,5\n2;3\n3;4\nSource: X\n", {}),
    "repeated_header": (b"id;amount\n1;2,5\n2;3\nid;amount\n3;4\n", {}),
    "mixed_line_ends": (b'id;note\r\n1;"a\r\nb"\r\n2;c\n3;d\r\n', {}),
    "totals_row": (b"item;n;amount\na;1;2,5\nb;2;3\nc;3;4\nTotal;6;9,5\n", {}),
}


@pytest.mark.parametrize("code", sorted(BAD_FILES))
def test_refuses_bad_file_quarantines_it_and_leaves_raw_untouched(tmp_path, code):
    content, options = BAD_FILES[code]
    source = write(tmp_path / "in", content)
    result = run_local(source, dataset="bad", workdir=tmp_path / "work", **options)

    assert (result.status, result.exit_code) == ("refused", 1)
    assert result.error is not None and result.error.code == code
    assert result.steps[0].name == "validate" and result.steps[0].status == "failed"

    where = quarantine_dir(result)
    assert result.outputs["quarantine"] == str(where)
    reason = read_json(where / "reason.json")
    assert set(reason) >= REASON_KEYS
    assert reason["code"] == code
    assert reason["step"] == "validate"
    assert reason["message"] and reason["fix"]
    assert (where / "input" / "input.csv").read_bytes() == content

    raw = tmp_path / "work" / "raw" / "bad" / "input.csv"
    assert raw.read_bytes() == content
    assert source.read_bytes() == content
    assert not (tmp_path / "work" / "cleaned" / "bad" / result.run_id / "data").exists()


def test_catalogue_covers_every_file_refusal_code_of_validate():
    text = Path(__file__).resolve().parent.parent.joinpath("synthpipe", "validate.py").read_text()
    codes = set(re.findall(r'_refuse\(\s*"([a-z_]+)"', text))
    assert len(codes) >= 10, codes  # the pattern still finds the codes
    # file_missing never reaches the runner's quarantine: see its own test.
    assert codes - {"file_missing"} <= set(BAD_FILES)


def test_refusal_logs_and_reason_hold_no_cell_values(tmp_path):
    content = f"id,note,amount\n1,{CANARY},3\n2,x\n3,y,4\n"
    result = run_local(write(tmp_path / "in", content), dataset="bad", workdir=tmp_path / "work")
    assert result.error is not None and result.error.code == "ragged_rows"
    reason = (quarantine_dir(result) / "reason.json").read_text()
    log = Path(result.outputs["log"]).read_text()
    manifest = Path(result.outputs["manifest"]).read_text()
    for text in (reason, log, manifest):
        assert CANARY not in text


def test_missing_file_raises_file_missing_and_copies_nothing(tmp_path):
    work = tmp_path / "work"
    with pytest.raises(InputRefused) as info:
        run_local(tmp_path / "nope.csv", workdir=work)
    assert info.value.code == "file_missing"
    assert not work.exists() or not any(work.rglob("*"))


def test_directory_given_as_file_raises_file_missing(tmp_path):
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    with pytest.raises(InputRefused) as info:
        run_local(folder, workdir=tmp_path / "work")
    assert info.value.code == "file_missing"


def test_unknown_until_step_is_refused_before_anything_is_written(tmp_path):
    source = write(tmp_path / "in", small_csv(10))
    with pytest.raises(ValueError, match="--until"):
        run_local(source, workdir=tmp_path / "work", until="bogus")
    assert not (tmp_path / "work").exists()


def test_bad_dataset_name_is_refused_before_anything_is_written(tmp_path):
    source = write(tmp_path / "in", small_csv(10))
    with pytest.raises(ValueError, match="not allowed"):
        run_local(source, dataset="Bad Name", workdir=tmp_path / "work")
    assert not (tmp_path / "work").exists()


def test_dataset_defaults_to_a_slug_of_the_file_name(tmp_path):
    source = write(tmp_path / "in", small_csv(10), name="My Export 2024.csv")
    result = run_local(source, workdir=tmp_path / "work", until="validate")
    assert result.dataset == "my-export-2024"
    assert (tmp_path / "work" / "raw" / "my-export-2024" / "My Export 2024.csv").is_file()


def test_accepts_the_file_as_a_string_path(tmp_path):
    source = write(tmp_path / "in", small_csv(10))
    result = run_local(str(source), workdir=tmp_path / "work", until="validate")
    assert result.exit_code == 0


# --- runs that reach Prepare ---------------------------------------------------------------


def count_data_rows(path: Path) -> int:
    with path.open(newline="") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


@pytest.fixture(scope="module")
def banksim_small(tmp_path_factory) -> Path:
    """A few hundred BankSim-shaped rows: enough for the runner, quick for Spark."""
    from synthpipe.sample_data import write_banksim_csv

    return write_banksim_csv(tmp_path_factory.mktemp("sample") / "banksim.csv", rows=400)


@pytest.fixture(scope="module")
def prepared(spark, banksim_small, tmp_path_factory) -> RunResult:
    """One run of the sample until Prepare, shared by the tests that only read it."""
    return run_local(banksim_small, workdir=tmp_path_factory.mktemp("work"), until="prepare")


@pytest.mark.slow
def test_until_prepare_writes_cleaned_parquet_schema_and_manifest(prepared, banksim_small):
    result = prepared
    work = result.workdir

    assert (result.status, result.exit_code) == ("stopped", 0)
    cleaned = work / "cleaned" / "banksim" / result.run_id
    assert result.outputs["cleaned"] == str(cleaned)
    assert list((cleaned / "data").glob("*.parquet"))
    schema = read_json(cleaned / "schema.json")
    assert {c["name"] for c in schema["columns"]} >= {"customer", "amount", "fraud"}

    manifest = read_json(work / "staging" / "banksim" / result.run_id / "manifest.json")
    assert manifest["run_id"] == result.run_id
    assert manifest["status"] == "stopped"
    assert manifest["source"]["key"] == "raw/banksim/banksim.csv"
    assert manifest["source"]["sha256"] == sha256(banksim_small)
    assert manifest["source"]["rows"] == count_data_rows(banksim_small)
    assert {"validate", "prepare"} <= set(manifest["steps"])
    assert {"validate", "prepare"} <= set(manifest["timings_s"])
    written = pq.read_table(cleaned / "data").num_rows
    assert manifest["steps"]["prepare"]["rows"] == written > 0


@pytest.mark.slow
def test_until_prepare_marks_later_steps_skipped_or_not_built(prepared):
    status = {record.name: record.status for record in prepared.steps}
    assert status["validate"] == status["prepare"] == "done"
    for name in STEPS[STEPS.index("prepare") + 1 :]:
        assert status[name] == ("skipped" if name in BUILT_STEPS else "not built"), name


@pytest.mark.slow
def test_run_without_until_stops_before_the_first_step_not_built(spark, banksim_small, tmp_path):
    missing = [name for name in STEPS if name not in BUILT_STEPS]
    if not missing:
        pytest.skip("every step is built")
    first = missing[0]
    result = run_local(banksim_small, workdir=tmp_path / "work")

    assert result.exit_code == EXIT_NOT_BUILT == 3
    assert result.status == "incomplete"
    assert first in result.message and "not built" in result.message
    status = {record.name: record.status for record in result.steps}
    assert status[first] == "not built"
    assert all(status[name] == "done" for name in STEPS[: STEPS.index(first)])


@pytest.mark.slow
def test_same_file_twice_gives_the_same_run_id_and_the_same_cleaned_data(
    spark, banksim_small, tmp_path
):
    work = tmp_path / "work"
    first = run_local(banksim_small, workdir=work, until="prepare")
    cleaned = Path(first.outputs["cleaned"])
    frame = pq.read_table(cleaned / "data").to_pandas()
    schema = read_json(cleaned / "schema.json")

    second = run_local(banksim_small, workdir=work, until="prepare")
    assert second.run_id == first.run_id
    assert second.exit_code == 0
    assert pq.read_table(cleaned / "data").to_pandas().equals(frame)
    assert read_json(cleaned / "schema.json") == schema
    assert [p.name for p in (work / "raw" / "banksim").iterdir()] == ["banksim.csv"]


@pytest.mark.slow
def test_second_run_of_the_same_file_leaves_no_stale_derived_files(spark, banksim_small, tmp_path):
    work = tmp_path / "work"
    first = run_local(banksim_small, workdir=work, until="prepare")
    stale = [
        Path(first.outputs["cleaned"]) / "data" / "part-stale.parquet",
        Path(first.outputs["cleaned"]) / "stale.json",
        work / "staging" / "banksim" / first.run_id / "stale.txt",
        work / "quarantine" / "banksim" / first.run_id / "reason.json",
        work / "models" / "banksim" / first.run_id / "model.tar.gz",
    ]
    for path in stale:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("stale")

    second = run_local(banksim_small, workdir=work, until="prepare")
    assert second.exit_code == 0
    assert [str(p) for p in stale if p.exists()] == []
    assert (work / "raw" / "banksim" / "banksim.csv").read_bytes() == banksim_small.read_bytes()


@pytest.mark.slow
def test_run_log_is_json_lines_and_holds_no_cell_values(spark, tmp_path):
    source = write(tmp_path / "in", small_csv(300, canary_row=123))
    result = run_local(source, workdir=tmp_path / "work", until="prepare")
    assert result.exit_code == 0
    # The canary, a category seen once, went through Prepare and was folded into the
    # rare token by value protection: not even the cleaned output holds it.
    frame = pq.read_table(Path(result.outputs["cleaned"]) / "data").to_pandas()
    assert CANARY not in set(frame["category"])
    assert "_RARE_" in set(frame["category"])

    log_path = tmp_path / "work" / "staging" / result.dataset / result.run_id / "run.log.jsonl"
    assert result.outputs["log"] == str(log_path)
    log_text = log_path.read_text()
    events = [json.loads(line) for line in log_text.splitlines()]
    assert all("event" in event for event in events)
    names = [event["event"] for event in events]
    assert names[0] == "run.started" and names[-1] == "run.finished"
    assert {"validate.done", "prepare.done"} <= set(names)

    assert CANARY not in log_text
    assert CANARY not in Path(result.outputs["manifest"]).read_text()


# --- raw objects and run ids ----------------------------------------------------------------


def test_same_name_with_other_content_is_kept_beside_the_first(tmp_path):
    work = tmp_path / "work"
    first_content, second_content = small_csv(10), small_csv(12)
    first_source = write(tmp_path / "in1", first_content, name="data.csv")
    second_source = write(tmp_path / "in2", second_content, name="data.csv")

    first = run_local(first_source, workdir=work, until="validate")
    second = run_local(second_source, workdir=work, until="validate")

    raw = work / "raw" / "data"
    beside = raw / f"data.{sha256(second_source)[:8]}.csv"
    assert sorted(p.name for p in raw.iterdir()) == sorted(["data.csv", beside.name])
    assert (raw / "data.csv").read_text() == first_content
    assert beside.read_text() == second_content
    assert first.run_id != second.run_id
    manifest = read_json(second.outputs["manifest"])
    assert manifest["source"]["key"] == f"raw/data/{beside.name}"


def test_rerunning_either_version_reuses_its_raw_object_and_run_id(tmp_path):
    work = tmp_path / "work"
    first_source = write(tmp_path / "in1", small_csv(10), name="data.csv")
    second_source = write(tmp_path / "in2", small_csv(12), name="data.csv")
    ids = [
        run_local(p, workdir=work, until="validate").run_id for p in (first_source, second_source)
    ]
    again = [
        run_local(p, workdir=work, until="validate").run_id for p in (first_source, second_source)
    ]
    assert again == ids
    assert len(list((work / "raw" / "data").iterdir())) == 2


def test_run_id_is_time_then_eight_hex_digits(tmp_path):
    result = run_local(
        write(tmp_path / "in", small_csv(10)), workdir=tmp_path / "work", until="validate"
    )
    assert RUN_ID.match(result.run_id), result.run_id


def test_until_validate_stops_after_validation_without_cleaned_output(tmp_path):
    result = run_local(
        write(tmp_path / "in", small_csv(10)), workdir=tmp_path / "work", until="validate"
    )
    assert (result.status, result.exit_code) == ("stopped", 0)
    assert "cleaned" not in result.outputs
    manifest = read_json(result.outputs["manifest"])
    assert manifest["source"]["rows"] == 10
    assert manifest["steps"]["validate"]["delimiter"] == ","


# --- the dataset config -----------------------------------------------------------------------


def write_config(work: Path, dataset: str, text: str) -> Path:
    return write(work / "config", text, name=f"{dataset}.json")


def assert_config_refused(result: RunResult, source: Path, content: str) -> dict:
    assert (result.status, result.exit_code) == ("refused", 1)
    assert result.error is not None and result.error.code == "bad_dataset_config"
    reason = read_json(quarantine_dir(result) / "reason.json")
    assert set(reason) >= REASON_KEYS
    assert reason["code"] == "bad_dataset_config"
    assert (quarantine_dir(result) / "input" / source.name).read_text() == content
    assert (result.workdir / "raw" / result.dataset / source.name).read_text() == content
    return reason


@pytest.mark.parametrize(
    "config",
    [
        pytest.param('{"columns": {', id="invalid-json"),
        pytest.param('{"target_colum": "flag"}', id="unknown-key"),
        pytest.param('{"columns": {"amount": {"type": "money"}}}', id="unknown-type"),
        pytest.param('["city"]', id="not-an-object"),
    ],
)
def test_bad_dataset_config_refuses_the_run_and_quarantines_it(tmp_path, config):
    work = tmp_path / "work"
    content = small_csv(10)
    source = write(tmp_path / "in", content, name="shop.csv")
    write_config(work, "shop", config)
    result = run_local(source, workdir=work, until="validate")
    reason = assert_config_refused(result, source, content)
    assert reason["details"]["config"] == "config/shop.json"


def test_a_dataset_config_that_relaxes_pii_hits_stops_the_run_before_prepare(tmp_path):
    work = tmp_path / "work"
    source = write(tmp_path / "in", small_csv(10), name="shop.csv")
    write_config(work, "shop", '{"thresholds": {"quality": 0.8, "pii_hits": 2}}')
    result = run_local(source, workdir=work)  # the whole run: it must stop at validate
    assert (result.status, result.exit_code) == ("failed", 1)
    assert [s.name for s in result.steps if s.status == "failed"] == ["validate"]
    reason = read_json(quarantine_dir(result) / "reason.json")
    assert (reason["code"], reason["step"]) == ("bad_threshold", "config")
    assert "fixed at 0 and cannot be relaxed" in reason["message"]
    assert not (work / "cleaned" / "shop").exists()


@pytest.mark.slow
def test_dataset_config_naming_an_unknown_column_refuses_the_run(spark, tmp_path):
    work = tmp_path / "work"
    content = small_csv(50)
    source = write(tmp_path / "in", content, name="shop.csv")
    write_config(work, "shop", '{"columns": {"no such column": {"type": "integer"}}}')
    result = run_local(source, workdir=work, until="prepare")
    reason = assert_config_refused(result, source, content)
    assert reason["details"]["unknown_columns"] == ["no_such_column"]
    assert not (work / "cleaned" / "shop" / result.run_id / "data").exists()


@pytest.mark.slow
def test_valid_dataset_config_is_applied(spark, tmp_path):
    work = tmp_path / "work"
    source = write(tmp_path / "in", small_csv(300), name="shop.csv")
    write_config(
        work, "shop", '{"drop_columns": ["city"], "columns": {"flag": {"type": "categorical"}}}'
    )
    result = run_local(source, workdir=work, until="prepare")
    assert result.exit_code == 0
    columns = {
        c["name"]: c for c in read_json(Path(result.outputs["cleaned"]) / "schema.json")["columns"]
    }
    assert columns["city"]["role"] == "dropped"
    assert columns["flag"]["type"] == "categorical"


# --- failures that are not refusals ----------------------------------------------------------


def test_unexpected_error_in_a_step_ends_the_run_as_failed(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("synthpipe.validate.validate_file", broken)
    work = tmp_path / "work"
    source = write(tmp_path / "in", small_csv(10))
    result = run_local(source, dataset="ds", workdir=work, until="validate")
    assert (result.status, result.exit_code) == ("failed", 1)
    manifest = read_json(result.outputs["manifest"])
    assert manifest["status"] == "failed"


def test_quarantine_keeps_an_input_named_like_the_reason_file(tmp_path):
    content = json.dumps([{"a": 1, "b": 2}] * 3).encode()
    source = write(tmp_path / "in", content, name="reason.json")
    result = run_local(source, dataset="ds", workdir=tmp_path / "work")
    assert result.error is not None and result.error.code == "json"
    where = quarantine_dir(result)
    copies = [p for p in where.rglob("*") if p.is_file() and p.read_bytes() == content]
    assert copies, "no byte-identical copy of the input in quarantine"


def test_a_logged_exception_keeps_its_type_and_frames_but_no_value(tmp_path):
    from synthpipe.logs import get_logger, json_handler

    path = tmp_path / "log.jsonl"
    handler = json_handler(str(path))
    logger = get_logger("test")
    logger.addHandler(handler)
    try:
        int("jane.doe@example.org")
    except ValueError:
        logger.exception("step.crashed")
    finally:
        logger.removeHandler(handler)
        handler.close()
    (event,) = [json.loads(line) for line in path.read_text().splitlines()]
    assert event["error"] == "ValueError"
    assert event["traceback"][-1].startswith("test_runner.py:")
    assert "jane.doe@example.org" not in path.read_text()
    assert "<EMAIL_ADDRESS>" in event["error_message"]


@pytest.mark.slow
@pytest.mark.parametrize("limit", [10**9, 1], ids=["small input", "large input"])
def test_prepare_starts_spark_for_a_short_job_only_on_small_inputs(
    spark, banksim_small, tmp_path, monkeypatch, limit
):
    import synthpipe.spark

    asked = []

    def local_session(*args, **kwargs):
        asked.append(kwargs.get("quick_start"))
        return spark

    monkeypatch.setattr(synthpipe.spark, "local_session", local_session)
    monkeypatch.setattr(synthpipe.spark, "QUICK_START_MAX_BYTES", limit)
    result = run_local(banksim_small, workdir=tmp_path / "work", until="prepare")
    assert (result.status, result.exit_code) == ("stopped", 0)
    assert asked == [limit > banksim_small.stat().st_size]


def test_a_quick_start_session_asks_the_jvm_for_the_short_job_options(spark, monkeypatch):
    from synthpipe.spark import QUICK_START_OPTIONS, local_session

    monkeypatch.delenv("PYSPARK_SUBMIT_ARGS", raising=False)
    assert local_session("synthpipe-tests", cores=2, quick_start=True) is spark
    assert QUICK_START_OPTIONS in os.environ["PYSPARK_SUBMIT_ARGS"]
    monkeypatch.delenv("PYSPARK_SUBMIT_ARGS")
    local_session("synthpipe-tests", cores=2)
    assert QUICK_START_OPTIONS not in os.environ["PYSPARK_SUBMIT_ARGS"]


def test_preload_imports_modules_in_the_background_and_leaves_failures_to_the_caller():
    import sys

    from synthpipe.runner import _preload

    sys.modules.pop("colorsys", None)
    _preload(("colorsys",)).join(timeout=30)
    assert "colorsys" in sys.modules

    # A module that cannot be imported ends the thread quietly: Train's own import
    # raises and reports it.
    thread = _preload(("synthpipe_no_such_module", "wave"))
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert "synthpipe_no_such_module" not in sys.modules
