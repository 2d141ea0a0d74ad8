"""The verify processing job (training/train.py verify): the local scan on SageMaker's
copy of cleaned/, its result and failures as the job's exit message."""

from __future__ import annotations

import json
import logging
import runpy
import sys
from pathlib import Path

import pandas as pd
import pytest

from synthpipe.failure_codes import code_in, facts_in
from synthpipe.layout import RunLayout
from synthpipe.processing import exit_message_path, run_verify
from synthpipe.schema import ColumnSchema, DatasetSchema
from tests.conftest import REPO

DATASET, RUN_ID = "shop", "20261123T071500Z-1a2b3c4d"
CANARY = "canary.7f3a@example.org"


@pytest.fixture
def job(tmp_path, monkeypatch) -> Path:
    """A folder playing /opt/ml/processing, the environment the state machine sets."""
    monkeypatch.setenv("SYNTHPIPE_DATASET", DATASET)
    monkeypatch.setenv("SYNTHPIPE_RUN_ID", RUN_ID)
    return tmp_path / "ml" / "processing"


def cleaned(root: Path, frame: pd.DataFrame | None) -> RunLayout:
    """What SageMaker downloads: the run's cleaned/ prefix (data/ and schema.json)."""
    layout = RunLayout(str(root / "input"), DATASET, RUN_ID)
    Path(layout.cleaned_data).mkdir(parents=True)
    names = ["dropped_id", *(frame.columns if frame is not None else [])]
    columns = [ColumnSchema(original_name=n, name=n, type="text") for n in names]
    columns[0].role = "dropped"
    schema = DatasetSchema(dataset=DATASET, run_id=RUN_ID, columns=columns)
    Path(layout.schema_json).write_text(schema.to_json())
    if frame is not None:
        frame.to_parquet(f"{layout.cleaned_data}/part-00000.parquet")
    return layout


def message(root: Path) -> str:
    return exit_message_path(root).read_text(encoding="utf-8")


def test_exit_message_is_where_sagemaker_reads_it():
    assert exit_message_path(Path("/opt/ml/processing")) == Path("/opt/ml/output/message")


def test_clean_data_passes_with_counts_and_no_values(job):
    frame = pd.DataFrame({"amount": [1.5, 2.0] * 50, "category": ["food", "travel"] * 50})
    cleaned(job, frame)
    assert run_verify(job) == 0
    result = json.loads(message(job))
    assert set(result) == {"engine", "rows_scanned", "objects_scanned", "seconds"}
    assert (result["engine"], result["rows_scanned"], result["objects_scanned"]) == (
        "local scan",
        100,
        1,
    )


def test_personal_data_fails_with_positions_and_types_only(job, caplog):
    emails = [f"person{i}@example.com" for i in range(99)] + [CANARY]
    cleaned(job, pd.DataFrame({"n": range(100), "contact": emails}))
    with caplog.at_level(logging.INFO):
        assert run_verify(job) == 1
    text = message(job)
    assert code_in(text) == "pii_found"
    # Position 3 in the input: after the dropped column and `n`; no name, no value.
    assert facts_in(text) == {"columns": [{"entity_types": ["EMAIL_ADDRESS"], "position": 3}]}
    assert "contact" not in text and "@" not in text
    assert "pii_found" in caplog.text and CANARY not in caplog.text


def test_nothing_to_scan_fails_closed(job):
    cleaned(job, None)
    assert run_verify(job) == 1
    assert message(job) == "synthpipe:nothing_classified"


def test_an_unreadable_object_fails_closed(job):
    layout = cleaned(job, pd.DataFrame({"n": [1, 2]}))
    Path(f"{layout.cleaned_data}/part-00001.parquet").write_bytes(b"PAR1 not parquet")
    assert run_verify(job) == 1
    assert message(job) == "synthpipe:unreadable_object"


def test_a_missing_environment_fails_closed(job, monkeypatch):
    monkeypatch.delenv("SYNTHPIPE_RUN_ID")
    assert run_verify(job) == 1
    assert message(job) == "synthpipe:verify_failed"


def test_the_image_entry_point_runs_verify(job, monkeypatch):
    cleaned(job, pd.DataFrame({"amount": [1.0, 2.0] * 30}))
    monkeypatch.setattr(sys, "argv", ["train.py", "verify", "--root", str(job)])
    with pytest.raises(SystemExit) as exited:
        runpy.run_path(str(REPO / "training" / "train.py"), run_name="__main__")
    assert exited.value.code == 0
    assert json.loads(message(job))["rows_scanned"] == 60
