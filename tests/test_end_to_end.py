"""The whole local run, raw CSV to synthetic/, on a small sample with a short training."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from synthpipe.cli import main
from synthpipe.layout import RunLayout
from synthpipe.publish import PUBLISHED, current_release
from synthpipe.runner import run_local
from synthpipe.sample_data import write_banksim_csv
from tests.conftest import REPO

pytestmark = pytest.mark.slow

# TVAE, shortened (the default engine, auto, is covered by test_engines).
SHORT = {
    "epochs": "6",
    "eval_every": "3",
    "batch_size": "200",
    "min_epoch_rows": "0",
    "engine": "tvae",
}
LENIENT = {
    "quality": 0.0,
    "quality_ratio": 0.0,
    "closer_to_training_share": 1.0,
    "target_rate": 10.0,
}
LENIENT |= {"exact_copies_beyond_chance": 1_000_000, "association_gap": 2.0}
LENIENT |= dict.fromkeys(
    ("singling_out_risk", "linkability_risk", "attribute_inference_risk"), 1.0
) | {"membership_inference_auc": 1.0}


def _config(workdir: Path, thresholds: dict) -> None:
    config = {"target_column": "fraud", "hyperparameters": SHORT, "thresholds": thresholds}
    (workdir / "config").mkdir(parents=True, exist_ok=True)
    (workdir / "config" / "banksim.json").write_text(json.dumps(config))


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    return write_banksim_csv(tmp_path_factory.mktemp("e2e") / "banksim.csv", rows=1500)


def test_a_passing_run_is_published_with_its_manifest(spark, sample, tmp_path):
    _config(tmp_path, LENIENT)
    result = run_local(sample, dataset="banksim", workdir=tmp_path)
    assert result.exit_code == 0, result.message
    published = tmp_path / "synthetic" / "banksim" / result.run_id
    for name in (*PUBLISHED, "manifest.json"):
        assert (published / name).is_file(), name
    manifest = json.loads((published / "manifest.json").read_text())
    assert manifest["status"] == "published"
    assert manifest["source"]["rows"] == 1500
    assert {"validate", "prepare", "verify", "train", "generate", "evaluate"} <= set(
        manifest["steps"]
    )
    assert manifest["steps"]["evaluate"]["verdict"] == "pass"
    metrics = manifest["steps"]["evaluate"]["metrics"]
    assert set(metrics["gates"]) >= {"membership_inference_auc", "singling_out_risk"}
    assert set(metrics["gates"]) >= {"quality", "quality_ratio"}
    assert 0 < metrics["quality_ceiling"] <= 1
    assert len(metrics["attacks"]["linkability"]["ci"]) == 2
    assert manifest["release"]["attempt"] == 1
    release = current_release(RunLayout(str(tmp_path), "banksim", result.run_id))
    assert release is not None and result.outputs["synthetic"] == release.prefix
    synthetic = pd.read_parquet(published / "synthetic.parquet")
    cleaned = pd.read_parquet(tmp_path / "cleaned" / "banksim" / result.run_id / "data")
    assert list(synthetic.columns) == list(cleaned.columns)
    assert len(synthetic) == len(cleaned)
    # The CSV is a drop-in replacement: the input's header, in order (constant columns,
    # which Prepare dropped, included and empty), and its quoted-value text unquoted.
    csv = pd.read_csv(published / "synthetic.csv", dtype=str, keep_default_na=False)
    assert list(csv.columns) == list(pd.read_csv(sample, nrows=0).columns)
    assert (csv["zipcodeOri"] == "").all() and set(csv["fraud"]) <= {"0", "1"}
    assert manifest["steps"]["generate"]["unknown_category_rows_replaced"] == 0
    # A merchant decides its category: the manifest names the columns, never a merchant.
    model = Path(manifest["steps"]["train"]["model"])
    training = json.loads((model / "training.json").read_text())
    assert {"source": "merchant", "target": "category"}.items() <= training["lookups"][0].items()
    named = manifest["steps"]["train"]["lookups"]
    assert [(n["source"], n["target"]) for n in named] == [("merchant", "category")]
    merchant = training["lookups"][0]["pairs"][0][0]
    assert merchant not in (published / "manifest.json").read_text()


def test_a_failing_gate_keeps_staging_and_publishes_nothing(spark, sample, tmp_path):
    _config(tmp_path, {"quality": 1.0})
    result = run_local(sample, dataset="banksim", workdir=tmp_path)
    assert result.exit_code == 1
    assert result.error.code == "gate_failed"
    assert "quality" in result.error.details["failed_gates"]
    staging = tmp_path / "staging" / "banksim" / result.run_id
    assert (staging / "report.html").is_file() and (staging / "synthetic.parquet").is_file()
    assert not (tmp_path / "synthetic" / "banksim" / result.run_id).exists()
    assert not (tmp_path / "quarantine" / "banksim" / result.run_id).exists()

    # `synthpipe report` renders the page again from report.json alone.
    (staging / "report.html").unlink()
    assert main(["report", str(staging)]) == 0
    assert "quality" in (staging / "report.html").read_text()
    (staging / "report.json").write_text('{"verdict": "maybe"}')
    assert main(["report", str(staging)]) == 2


def test_a_rerun_that_fails_its_gate_after_a_pass_withdraws_the_release(
    spark, sample, tmp_path, capsys
):
    """The same file twice through the CLI: passes, then (stricter thresholds) fails."""
    _config(tmp_path, LENIENT)
    assert main(["run", str(sample), "--dataset", "banksim", "--workdir", str(tmp_path)]) == 0
    assert "Verdict: PASS" in capsys.readouterr().out
    _config(tmp_path, {"quality": 1.0})
    assert main(["run", str(sample), "--dataset", "banksim", "--workdir", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert "Verdict: FAIL" in captured.out and "Verdict: PASS" not in captured.out
    assert "No release stands for this run: the earlier release (attempt 1" in captured.out
    assert "Synthetic data:" not in captured.out and "gate_failed" in captured.err
    (run_dir,) = (tmp_path / "synthetic" / "banksim").iterdir()
    assert [p.name for p in run_dir.iterdir()] == ["withdrawn.json"]
    assert current_release(RunLayout(str(tmp_path), "banksim", run_dir.name)) is None


def test_the_processing_job_entry_point_generates_and_evaluates(
    spark, sample, tmp_path, monkeypatch
):
    """training/train.py generate_evaluate, on the files a SageMaker processing job gets."""
    import runpy
    import shutil
    import tarfile

    _config(tmp_path / "runs", {})
    result = run_local(sample, dataset="banksim", workdir=tmp_path / "runs", until="train")
    assert result.exit_code == 0, result.message
    root = tmp_path / "processing"
    (root / "input" / "model").mkdir(parents=True)
    model = tmp_path / "runs" / "models" / "banksim" / result.run_id / "model"
    with tarfile.open(root / "input" / "model" / "model.tar.gz", "w:gz") as tar:
        for path in model.iterdir():  # SageMaker tars the folder's content, not the folder
            tar.add(path, arcname=path.name)
    shutil.copytree(
        tmp_path / "runs" / "cleaned" / "banksim" / result.run_id, root / "input" / "cleaned"
    )
    monkeypatch.setenv("SYNTHPIPE_ROWS_TO_GENERATE", "700")
    monkeypatch.setenv("SYNTHPIPE_TARGET_COLUMN", "fraud")
    monkeypatch.setenv("SYNTHPIPE_THRESHOLDS", json.dumps({"quality": 0.5}))
    # The start function's staging/<dataset>/<run_id>/lineage.json, as SageMaker puts it.
    (root / "input" / "lineage").mkdir()
    (root / "input" / "lineage" / "lineage.json").write_text(json.dumps({"run_id": result.run_id}))
    monkeypatch.setattr("sys.argv", ["train.py", "generate_evaluate", "--root", str(root)])
    with pytest.raises(SystemExit) as exited:
        runpy.run_path(str(REPO / "training" / "train.py"), run_name="__main__")
    assert exited.value.code == 0
    output = root / "output"
    assert len(pd.read_parquet(output / "synthetic.parquet")) == 700
    report = json.loads((output / "report.json").read_text())
    assert report["lineage"] == {"run_id": result.run_id}
    assert report["thresholds"]["quality"] == 0.5
    assert (output / "report.html").is_file() and (output / "synthetic.csv").is_file()
    # Generate checked copies against the job's cleaned rows and the report says so.
    filtered = report["privacy"]["copies"]["replaced_at_generate"]
    assert filtered["chance_rate"] is not None and isinstance(filtered["on"], bool)
