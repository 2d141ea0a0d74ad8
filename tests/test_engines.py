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


def test_auto_trains_tvae_when_argn_falls_short_and_keeps_the_better(auto_model: Path) -> None:
    record = summary(auto_model)["engine"]
    assert record["setting"] == "auto"
    candidates = {c["engine"]: c for c in record["candidates"]}
    assert set(candidates) == {"tvae", "argn"}
    # Two epochs of ARGN on 640 rows fall short of the quality gates, so TVAE trains too;
    # privacy_bar is 1.0 here: both pass, so the higher quality decides.
    argn = candidates["argn"]
    assert argn["quality"] < 0.90 or argn["quality"] / record["ceiling"] < 0.90
    assert "tvae trained because argn" in record["reason"]
    assert candidates["tvae"]["skipped"] == ""
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
    assert "with <code>engine: auto</code> TabularARGN trains first" in html
    assert "tvae trained because argn" in html


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
    assert parse_hyperparameters({}).engine == "auto"
    assert parse_hyperparameters({"engine": "argn", "dp_epsilon": "3"}).dp


def test_auto_under_differential_privacy_is_one_engine_chosen_before_the_data(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    params, reason = engines.dp_engine(parse_hyperparameters({"dp_epsilon": "3"}))
    assert params.engine == "argn" and params.dp
    assert reason.startswith("differential privacy: auto trains one engine chosen before")
    # Without mostlyai-engine, TVAE.
    monkeypatch.setattr(engines, "argn_installed", lambda: False)
    params, reason = engines.dp_engine(parse_hyperparameters({"dp_epsilon": "3"}))
    assert params.engine == "tvae" and "not installed" in reason
    # Nothing to resolve without DP, or with an engine named.
    for values in ({}, {"engine": "tvae", "dp_epsilon": "3"}):
        unresolved = parse_hyperparameters(values)
        assert engines.dp_engine(unresolved) == (unresolved, "")


def test_shortfall_names_the_first_bar_argn_misses() -> None:
    def short(quality: float, closer: float, ceiling: float = 0.95) -> str:
        return engines.shortfall(candidate("argn", quality, closer), ceiling, 0.55)

    assert short(0.93, 0.50) == ""
    assert short(0.93, 0.60) == "argn closer-to-training 0.600 > 0.55"
    assert short(0.89, 0.50, ceiling=0.90) == "argn holdout quality 0.890 < 0.9"
    # 0.92 / 0.99 = 0.929 of the ceiling passes; 0.91 / 0.99 = 0.919 too, 0.91 / 1.02 not.
    assert short(0.92, 0.50, ceiling=0.99) == ""
    assert short(0.91, 0.50, ceiling=0.99) == ""
    assert short(0.91, 0.50, ceiling=1.02) == "argn quality / ceiling 0.892 < 0.9"
    failed = Candidate("argn", None, None, None, 1.0, failure="privacy_bar_not_met")
    assert engines.shortfall(failed, 0.95, 0.55) == "argn failed (privacy_bar_not_met)"


def fit_auto(
    monkeypatch: pytest.MonkeyPatch, argn_quality: float, tvae_quality: float
) -> tuple[dict, list[str]]:
    """`fit_engine` with engine=auto on stand-in engines whose holdout scores are fixed
    (ceiling 0.95): training.json's engine record and which engines trained."""
    trained: list[str] = []

    def stand_in(name: str) -> TrainResult:
        trained.append(name)
        return TrainResult(synthesizer=name, state=RoundState(), gpu=False, versions={})

    quality = {"argn": argn_quality, "tvae": tvae_quality}
    monkeypatch.setattr(engines, "fit_argn", lambda *args: stand_in("argn"))
    monkeypatch.setattr(engines, "holdout_ceiling", lambda *args: 0.95)
    monkeypatch.setattr(engines, "holdout_scorer", lambda *args: lambda s: (quality[s], 0.5))
    params = parse_hyperparameters({"engine": "auto"})
    result, record = engines.fit_engine(
        lambda p: stand_in("tvae"), pd.DataFrame(), pd.DataFrame(), None, params, 0.0
    )
    assert result.synthesizer == record["name"]
    return record, trained


def test_auto_skips_tvae_when_argn_meets_the_gates(monkeypatch: pytest.MonkeyPatch) -> None:
    record, trained = fit_auto(monkeypatch, argn_quality=0.93, tvae_quality=0.99)
    assert trained == ["argn"] and record["name"] == "argn"
    tvae = record["candidates"][1]
    assert tvae["engine"] == "tvae" and tvae["quality"] is None
    assert tvae["skipped"].startswith("argn met the privacy bar and the default quality gates")
    assert "0.979 of the ceiling 0.950" in record["reason"] and record["ceiling"] == 0.95


def test_auto_trains_tvae_when_argn_misses_a_gate(monkeypatch: pytest.MonkeyPatch) -> None:
    record, trained = fit_auto(monkeypatch, argn_quality=0.85, tvae_quality=0.91)
    assert trained == ["argn", "tvae"] and record["name"] == "tvae"
    assert record["reason"].endswith("tvae trained because argn holdout quality 0.850 < 0.9")
    # ARGN still wins when it falls short but TVAE does worse.
    record, trained = fit_auto(monkeypatch, argn_quality=0.85, tvae_quality=0.80)
    assert trained == ["argn", "tvae"] and record["name"] == "argn"


def test_auto_without_mostlyai_engine_trains_tvae(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only an absent engine reads as not installed: fit_argn is never called."""
    monkeypatch.setattr(engines, "argn_installed", lambda: False)
    monkeypatch.setattr(engines, "fit_argn", lambda *args: pytest.fail("argn was called"))
    monkeypatch.setattr(engines, "holdout_ceiling", lambda *args: 0.95)
    monkeypatch.setattr(engines, "holdout_scorer", lambda *args: lambda s: (0.93, 0.5))
    tvae = TrainResult(synthesizer="tvae", state=RoundState(), gpu=False, versions={})
    params = parse_hyperparameters({"engine": "auto"})
    result, record = engines.fit_engine(
        lambda p: tvae, pd.DataFrame(), pd.DataFrame(), None, params, 0.0
    )
    assert result is tvae and record["name"] == "tvae"
    assert record["candidates"][0]["failure"] == "not_installed"
