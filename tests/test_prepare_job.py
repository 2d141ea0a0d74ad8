"""Prepare as Glue runs it: the job function, and the Glue script with awsglue stood in."""

from __future__ import annotations

import json
import runpy
import sys
import types
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from synthpipe.layout import RunLayout
from synthpipe.prepare.job import run_prepare_job
from tests.conftest import REPO

pytestmark = pytest.mark.slow


def _bucket_with(tmp_path: Path, banksim_csv: Path, config: dict | None = None) -> Path:
    raw = tmp_path / "raw" / "banksim" / "banksim.csv"
    raw.parent.mkdir(parents=True)
    raw.write_bytes(banksim_csv.read_bytes())
    if config is not None:
        (tmp_path / "config").mkdir()
        (tmp_path / "config" / "banksim.json").write_text(json.dumps(config))
    return raw


def test_job_validates_reads_the_dataset_config_and_prepares(spark, banksim_csv, tmp_path):
    raw = _bucket_with(tmp_path, banksim_csv, {"columns": {"zipcodeOri": {"type": "categorical"}}})
    schema = run_prepare_job(
        spark, source=str(raw), root=str(tmp_path), dataset="banksim", run_id="r1"
    )
    assert schema.column("zipcode_ori").type == "categorical"
    layout = RunLayout(str(tmp_path), "banksim", "r1")
    assert pq.read_table(layout.cleaned_data).num_rows == schema.rows
    assert raw.read_bytes() == banksim_csv.read_bytes()


def test_glue_script_passes_its_arguments_to_the_job(spark, banksim_csv, tmp_path, monkeypatch):
    raw = _bucket_with(tmp_path, banksim_csv)
    argv = ["prepare.py", "--source", str(raw), "--root", str(tmp_path)]
    argv += ["--dataset", "banksim", "--run_id", "glue-run"]

    def get_resolved_options(args, names):  # awsglue.utils.getResolvedOptions, in short
        return {name: args[args.index(f"--{name}") + 1] for name in names}

    glue = types.ModuleType("awsglue")
    context = types.ModuleType("awsglue.context")
    context.GlueContext = lambda sc: types.SimpleNamespace(spark_session=spark)
    utils = types.ModuleType("awsglue.utils")
    utils.getResolvedOptions = get_resolved_options
    monkeypatch.setitem(sys.modules, "awsglue", glue)
    monkeypatch.setitem(sys.modules, "awsglue.context", context)
    monkeypatch.setitem(sys.modules, "awsglue.utils", utils)
    monkeypatch.setattr(sys, "argv", argv)

    runpy.run_path(str(REPO / "glue_scripts" / "prepare.py"), run_name="__main__")

    assert (tmp_path / "cleaned" / "banksim" / "glue-run" / "schema.json").exists()
