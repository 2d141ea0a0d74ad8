"""The second engine (TabularARGN) and `engine: auto`, trained for real on a small table."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pandas as pd
import pyarrow.parquet as pq
import pytest

from synthpipe.errors import StepFailed
from synthpipe.evaluate import load_schema
from synthpipe.evaluate.gate import manifest_metrics
from synthpipe.evaluate.step import evaluate_run
from synthpipe.generate import generate
from synthpipe.train import engines
from synthpipe.train.engines import Candidate
from synthpipe.train.fit import RoundState, TrainResult
from synthpipe.train.hyperparameters import parse_hyperparameters
from tests.test_generate import CODES, FAST, assert_seeded_sampling, cleaned_frame, train_model

# ARGN stops at 2 epochs (seconds on 640 rows); TVAE as test_generate trains it.
ARGN_FAST = {**FAST, "argn_max_epochs": "2", "argn_max_seconds": "60"}


@pytest.fixture(scope="module")
def argn_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return train_model(tmp_path_factory.mktemp("argn"), {**ARGN_FAST, "engine": "argn"})


@pytest.fixture(scope="module")
def auto_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return train_model(tmp_path_factory.mktemp("auto"), {**ARGN_FAST, "engine": "auto"})


def summary(model_dir: Path) -> dict:
    return json.loads((model_dir / "training.json").read_text("utf-8"))


def test_argn_model_folder_keeps_the_model_store_and_no_training_rows(argn_model: Path) -> None:
    assert summary(argn_model)["engine"] == {"name": "argn", "setting": "argn"}
    assert not (argn_model / "synthesizer.pkl").exists()
    assert (argn_model / "argn" / "ModelStore").is_dir()
    # The engine's workspace copies the training rows (OriginalData): never kept.
    saved = {p.name for p in (argn_model / "argn").rglob("*")}
    assert "OriginalData" not in saved and "optimizer.pt" not in saved


def test_generate_samples_argn_in_the_cleaned_shape(argn_model: Path, tmp_path: Path) -> None:
    result = generate(model_dir=argn_model, out_dir=str(tmp_path), rows=2000, seed=1)
    table = pq.read_table(tmp_path / "synthetic.parquet")
    assert table.num_rows == 2000
    assert {f.name: str(f.type) for f in table.schema} == {
        "row_id": "string",
        "step": "int64",
        "customer": "string",
        "gender": "string",
        "code": "string",
        "amount": "double",
        "opened": "date32[day]",
        "seen_at": "timestamp[us, tz=UTC]",
        "online": "bool",
        "fraud": "int64",
    }
    frame = table.to_pandas()
    assert set(frame["gender"]) <= {"F", "M", "X"} and set(frame["code"]) <= set(CODES)
    assert result.unknown_category_rows_replaced == 0
    # Booleans come back as booleans (ARGN returns the text "True"), nulls kept.
    assert frame["online"].isna().any() and frame["online"].dropna().isin([True, False]).all()
    real = cleaned_frame()
    assert frame["opened"].min() >= real["opened"].min().date()
    assert frame["opened"].max() <= real["opened"].max().date()


def test_argn_honours_the_target_quotas(argn_model: Path, tmp_path: Path) -> None:
    result = generate(model_dir=argn_model, out_dir=str(tmp_path), rows=2000, seed=1)
    real = result.real_target_rates["1"]
    assert real == pytest.approx(cleaned_frame()["fraud"].mean())
    achieved = pd.read_parquet(tmp_path / "synthetic.parquet")["fraud"].mean()
    assert abs(achieved - real) / real <= 0.2 and result.target_within_tolerance is True


def test_argn_sampling_is_seeded(argn_model: Path, tmp_path: Path) -> None:
    assert_seeded_sampling(argn_model, tmp_path)


def test_argn_without_a_target_trains_and_samples(tmp_path: Path) -> None:
    model = train_model(tmp_path / "run", {**ARGN_FAST, "engine": "argn", "target_column": ""})
    assert summary(model)["target"] is None
    assert summary(model)["best"]["closer_to_training"] is not None
    result = generate(model_dir=model, out_dir=str(tmp_path / "out"), rows=300, seed=2)
    assert result.rows == 300 and result.target_column is None


def test_auto_keeps_the_candidate_with_the_higher_holdout_quality(auto_model: Path) -> None:
    record = summary(auto_model)["engine"]
    assert record["setting"] == "auto"
    candidates = {c["engine"]: c for c in record["candidates"]}
    assert set(candidates) == {"tvae", "argn"}
    # privacy_bar is 1.0 here: both pass, so the higher quality decides.
    best = max(candidates.values(), key=lambda c: c["quality"])
    assert record["name"] == best["engine"]
    for c in candidates.values():
        assert f"{c['engine']} quality {c['quality']:.3f}" in record["reason"]
    on_disk = "argn" if record["name"] == "argn" else "synthesizer.pkl"
    assert (auto_model / on_disk).exists()


def test_the_report_records_the_auto_choice(auto_model: Path) -> None:
    cleaned = auto_model.parent / "input" / "data" / "train"
    (cleaned / "pii_actions.json").write_text("[]", encoding="utf-8")
    staging = auto_model.parent / "staging"
    generate(model_dir=auto_model, out_dir=str(staging), rows=400, seed=1)
    evaluate_run(
        cleaned_dir=cleaned,
        model_dir=auto_model,
        staging_dir=staging,
        target_column="fraud",
        thresholds=None,
        seed=0,
        lineage={"run_id": "r1"},
    )
    report = json.loads((staging / "report.json").read_text("utf-8"))
    jsonschema.validate(report, load_schema())
    assert report["engine"] == summary(auto_model)["engine"]
    assert manifest_metrics(report)["engine"]["reason"] == report["engine"]["reason"]
    html = (staging / "report.html").read_text("utf-8")
    assert "with <code>engine: auto</code> both engines were trained" in html


def candidate(engine: str, quality: float, closer: float) -> Candidate:
    result = TrainResult(synthesizer=engine, state=RoundState(), gpu=False, versions={})
    return Candidate(engine, result, quality, closer, seconds=1.0)


def test_choice_skips_a_candidate_over_the_privacy_bar() -> None:
    close_copy = candidate("argn", quality=0.97, closer=0.61)
    chosen, reason = engines.choose([close_copy, candidate("tvae", 0.90, 0.52)], 0.55)
    assert chosen.engine == "tvae" and "argn quality 0.970" in reason
    chosen, _ = engines.choose([candidate("argn", 0.97, 0.50), candidate("tvae", 0.9, 0.5)], 0.55)
    assert chosen.engine == "argn"


def test_choice_fails_when_no_engine_passes() -> None:
    failed = Candidate("tvae", None, None, None, 1.0, failure="privacy_bar_not_met")
    with pytest.raises(StepFailed) as error:
        engines.choose([candidate("argn", 0.97, 0.7), failed], 0.55)
    assert error.value.code == "privacy_bar_not_met" and "tvae failed" in error.value.message


def test_engine_hyperparameter_is_checked() -> None:
    assert parse_hyperparameters({"engine": "ARGN"}).engine == "argn"
    with pytest.raises(StepFailed, match="expected one of tvae, argn, auto"):
        parse_hyperparameters({"engine": "gan"})
    # Under DP one engine trains: auto's choice would read real rows unaccounted.
    with pytest.raises(StepFailed, match="differential privacy trains one engine") as error:
        parse_hyperparameters({"engine": "auto", "dp_epsilon": "3"})
    assert "choose tvae or argn" in error.value.message
    assert "spends privacy" in error.value.message
    assert parse_hyperparameters({"engine": "argn", "dp_epsilon": "3"}).dp
