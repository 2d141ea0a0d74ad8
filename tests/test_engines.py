"""The second engine (TabularARGN) and `engine: auto`, trained for real on a small table."""

from __future__ import annotations

import json
import math
import re
import time
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import jsonschema
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from synthpipe.errors import StepFailed
from synthpipe.evaluate import load_schema
from synthpipe.evaluate.gate import manifest_metrics
from synthpipe.evaluate.step import evaluate_run
from synthpipe.generate import generate
from synthpipe.schema import ColumnSchema, DatasetSchema
from synthpipe.train import argn, engines
from synthpipe.train.argn import MEDIUM, SMALL, ArgnModel, ArgnSettings
from synthpipe.train.engines import Candidate
from synthpipe.train.fit import RoundState, TrainResult
from synthpipe.train.hyperparameters import parse_hyperparameters
from synthpipe.train.metadata import build_metadata
from tests.test_generate import CODES, FAST, assert_seeded_sampling, cleaned_frame, train_model

# ARGN stops at 2 epochs (seconds on 640 rows); TVAE as test_generate trains it.
ARGN_FAST = {**FAST, "argn_max_epochs": "2", "argn_max_seconds": "60"}


@pytest.fixture(scope="module")
def argn_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return train_model(tmp_path_factory.mktemp("argn"), {**ARGN_FAST, "engine": "argn"})


SHORT = "argn holdout quality 0.000 < 0.9 (forced)"


@pytest.fixture(scope="module")
def auto_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Even one epoch of ARGN meets the quality gates on this data, so the shortfall is
    # forced (`shortfall` has its own test): auto must then train TVAE and keep the better.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(engines, "shortfall", lambda *args: SHORT)
        auto = {**ARGN_FAST, "engine": "auto"}
        return train_model(tmp_path_factory.mktemp("auto"), auto)


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
        "closing": "date32[day]",
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
    assert pd.to_datetime(frame["closing"].dropna()).dt.is_month_end.all()  # its calendar


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
    # ARGN fell short (forced), so TVAE trains too; privacy_bar is 1.0 here: both pass,
    # so the higher quality within the association gate decides.
    assert f"tvae trained because {SHORT}" in record["reason"]
    assert candidates["tvae"]["skipped"] == ""
    best = max(candidates.values(), key=lambda c: (c["association_gap"] <= 0.5, c["quality"]))
    assert record["name"] == best["engine"]
    for c in candidates.values():
        assert f"{c['engine']} quality {c['quality']:.3f}" in record["reason"]
        assert 0 <= c["association_gap"] <= 1  # measured on the real models' output
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
    assert short(0.89, 0.50, ceiling=0.95) == "argn holdout quality 0.890 < 0.9"
    # Under the quality gate but at 0.95 of the ceiling or above: hard data, TVAE skipped.
    assert short(0.89, 0.50, ceiling=0.93) == ""
    assert short(0.80, 0.50, ceiling=0.84) == ""
    assert short(0.79, 0.50, ceiling=0.84) == "argn holdout quality 0.790 < 0.9"
    # 0.92 / 0.99 = 0.929 of the ceiling passes; 0.91 / 0.99 = 0.919 too, 0.91 / 1.02 not.
    assert short(0.92, 0.50, ceiling=0.99) == ""
    assert short(0.91, 0.50, ceiling=0.99) == ""
    assert short(0.91, 0.50, ceiling=1.02) == "argn quality / ceiling 0.892 < 0.9"
    lost = replace(candidate("argn", 0.93, 0.50), association_gap=0.62)
    assert engines.shortfall(lost, 0.95, 0.55) == "argn association gap 0.620 > 0.5"
    kept = replace(lost, association_gap=0.5)  # at the gate's bar: passes, as the gate does
    assert engines.shortfall(kept, 0.95, 0.55) == ""
    failed = Candidate("argn", None, None, None, 1.0, failure="privacy_bar_not_met")
    assert engines.shortfall(failed, 0.95, 0.55) == "argn failed (privacy_bar_not_met)"


def fit_auto(
    monkeypatch: pytest.MonkeyPatch,
    argn_quality: float,
    tvae_quality: float,
    scores: dict[str, tuple[float, ...]] | None = None,
    argn_seconds: float = 10.0,
    values: dict[str, str] | None = None,
    rows: int = 0,
    ceiling: float = 0.95,
    argn_epochs: int = 20,
) -> tuple[dict, list[str]]:
    """`fit_engine` with engine=auto on stand-in engines whose holdout scores (quality,
    closer-to-training[, association gap]) are fixed (`scores` by stand-in: argn, argn
    small, argn shorter, tvae; and the ceiling) and which take `argn_seconds` of a fake
    clock each and run `argn_epochs`: training.json's engine record and which engines
    trained, with the seconds each ARGN was given (and the epochs the second retry was).
    `rows`: the training and holdout rows (none by default: no standard error
    to allow for)."""
    trained: list[str] = []
    clock = [0.0]

    def stand_in(name: str, epochs: int = 0) -> TrainResult:
        trained.append(name)
        state = RoundState(epoch=epochs)
        return TrainResult(synthesizer=name, state=state, gpu=False, versions={})

    def argn(
        *args: object, size: str = MEDIUM, rare_below: int = 10, max_epochs: float | None = None
    ) -> TrainResult:
        clock[0] += argn_seconds
        name = "argn small" if size == SMALL else "argn"
        if max_epochs is not None:  # the second retry: "argn shorter/<epochs> <seconds>s"
            name = f"argn shorter/{max_epochs:g}"
        return stand_in(f"{name} {args[4]:g}s", epochs=argn_epochs)

    def stand_in_score(name: str) -> tuple[float, ...]:
        return (*fixed[name.rsplit(" ", 1)[0].split("/")[0]], 0.0)[:3]

    # Unless a test says otherwise, the second retry is above the bar too.
    fixed = {"argn": (argn_quality, 0.5), "tvae": (tvae_quality, 0.5)}
    fixed |= {"argn shorter": (0.9, 0.6)} | (scores or {})
    monkeypatch.setattr(engines, "train_argn", argn)
    monkeypatch.setattr(engines, "time", SimpleNamespace(monotonic=lambda: clock[0]))
    monkeypatch.setattr(engines, "holdout_ceiling", lambda *args: ceiling)
    # A stand-in without a gap of its own keeps every association (gap 0).
    monkeypatch.setattr(engines, "holdout_scorer", lambda *args: stand_in_score)
    params = parse_hyperparameters({"engine": "auto", **(values or {})})
    frame = pd.DataFrame(index=range(rows))
    result, record = engines.fit_engine(
        lambda p: stand_in("tvae 0s"), frame, frame, None, params, 0.0
    )
    by_variant = {"small network": "argn small", engines.ARGN_SHORTER: "argn shorter"}
    kept = by_variant.get(record["variant"], record["name"])
    assert result.synthesizer.rsplit(" ", 1)[0].split("/")[0] == kept
    return record, trained


def test_auto_skips_tvae_when_argn_meets_the_gates(monkeypatch: pytest.MonkeyPatch) -> None:
    record, trained = fit_auto(monkeypatch, argn_quality=0.93, tvae_quality=0.99)
    assert trained == ["argn 180s"] and record["name"] == "argn" and record["variant"] == ""
    tvae = record["candidates"][1]
    assert tvae["engine"] == "tvae" and tvae["quality"] is None
    assert tvae["skipped"].startswith("argn met the privacy bar and the default quality gates")
    assert "0.979 of the ceiling 0.950" in record["reason"] and record["ceiling"] == 0.95
    assert "retried" not in record["reason"]


def test_auto_skips_tvae_when_argn_is_near_a_ceiling_under_the_quality_gate(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 0.86 is under the 0.90 gate and 0.956 of a 0.90 ceiling: TVAE is not trained.
    record, trained = fit_auto(monkeypatch, argn_quality=0.86, tvae_quality=0.99, ceiling=0.9)
    assert trained == ["argn 180s"] and record["name"] == "argn"
    tvae = record["candidates"][1]
    assert tvae["quality"] is None
    assert tvae["skipped"] == (
        "argn met the privacy bar and scored 0.956 of the ceiling 0.900 (the real holdout's "
        "own quality): the data, not the model, keeps it under the quality gate 0.9"
    )
    # 0.85 is 0.944 of it: TVAE trains, and the better is kept.
    record, trained = fit_auto(monkeypatch, argn_quality=0.85, tvae_quality=0.99, ceiling=0.9)
    assert trained == ["argn 180s", "tvae 0s"] and record["name"] == "tvae"


def test_auto_trains_tvae_when_argn_loses_a_relationship_and_keeps_the_one_that_holds_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """ARGN's quality is higher, but its association gap would fail the release gate."""
    scores = {"argn": (0.95, 0.5, 0.62), "tvae": (0.94, 0.5, 0.37)}
    record, trained = fit_auto(monkeypatch, 0.95, 0.94, scores=scores)
    assert trained == ["argn 180s", "tvae 0s"] and record["name"] == "tvae"
    assert "tvae trained because argn association gap 0.620 > 0.5" in record["reason"]
    assert "within the privacy bar and the association gap 0.5" in record["reason"]
    assert [c["association_gap"] for c in record["candidates"]] == [0.62, 0.37]
    # Both lose it: the higher quality is kept.
    scores["tvae"] = (0.94, 0.5, 0.7)
    record, _ = fit_auto(monkeypatch, 0.95, 0.94, scores=scores)
    assert record["name"] == "argn"


def test_auto_trains_tvae_when_argn_misses_a_gate(monkeypatch: pytest.MonkeyPatch) -> None:
    record, trained = fit_auto(monkeypatch, argn_quality=0.85, tvae_quality=0.91)
    assert trained == ["argn 180s", "tvae 0s"] and record["name"] == "tvae"
    assert record["reason"].endswith("tvae trained because argn holdout quality 0.850 < 0.9")
    # ARGN still wins when it falls short but TVAE does worse.
    record, trained = fit_auto(monkeypatch, argn_quality=0.85, tvae_quality=0.80)
    assert trained == ["argn 180s", "tvae 0s"] and record["name"] == "argn"


def test_auto_retries_argn_with_a_small_network_when_it_misses_the_privacy_bar(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scores = {"argn": (0.95, 0.56), "argn small": (0.93, 0.53)}
    record, trained = fit_auto(monkeypatch, 0, tvae_quality=0.99, scores=scores, argn_seconds=70)
    # The retry gets ARGN's 180 s too; TVAE is not needed.
    assert trained == ["argn 180s", "argn small 180s"]
    assert (record["name"], record["variant"]) == ("argn", "small network")
    first, retry, tvae = record["candidates"]
    assert (first["variant"], first["closer_to_training"]) == ("", 0.56)
    assert (retry["variant"], retry["quality"], retry["seconds"]) == ("small network", 0.93, 70)
    assert tvae["skipped"] and tvae["quality"] is None
    assert record["reason"].startswith("argn (small network): within the privacy bar")
    assert record["reason"].endswith(
        "argn retried with its small network because argn closer-to-training 0.560 > 0.55"
    )


def test_auto_retries_argn_just_within_the_privacy_bar_and_sets_it_aside(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 400 rows a side: one standard error of the share is 0.025, so 0.54 is in doubt.
    assert engines.share_doubt(400) == pytest.approx(0.025)
    scores = {"argn": (0.95, 0.54), "argn small": (0.93, 0.52)}
    record, trained = fit_auto(monkeypatch, 0, 0, scores=scores, rows=400)
    assert trained == ["argn 180s", "argn small 180s"]
    assert (record["name"], record["variant"]) == ("argn", "small network")
    first = record["candidates"][0]
    assert first["quality"] == 0.95 and first["failure"].startswith("set aside: within one")
    assert first["failure"].endswith("closer to the holdout")
    assert record["reason"].endswith(
        "because argn closer-to-training 0.540 is within one standard error (0.025) of the "
        "privacy bar 0.55"
    )
    # A retry within the bar but no lower keeps the first; so does one above the bar,
    # and as the first meets the gates TVAE is not trained.
    scores["argn small"] = (0.93, 0.545)
    record, trained = fit_auto(monkeypatch, 0, 0, scores=scores, rows=400)
    assert trained == ["argn 180s", "argn small 180s"]
    assert (record["name"], record["variant"]) == ("argn", "")
    scores["argn small"] = (0.93, 0.56)
    record, trained = fit_auto(monkeypatch, 0, 0, scores=scores, rows=400)
    assert trained == ["argn 180s", "argn small 180s"]
    assert (record["name"], record["variant"]) == ("argn", "")
    assert record["candidates"][0]["failure"] == ""
    # A retry within the bar and closer to the holdout that loses a relationship the first
    # keeps (association gap over 0.5) does not replace it.
    scores = {"argn": (0.95, 0.54, 0.25), "argn small": (0.93, 0.52, 0.68)}
    record, trained = fit_auto(monkeypatch, 0, 0, scores=scores, rows=400)
    assert trained == ["argn 180s", "argn small 180s"]
    assert (record["name"], record["variant"]) == ("argn", "")
    assert record["candidates"][0]["failure"] == ""
    # Nor does one under the quality gate that the first meets (survival's logan), even
    # near a ceiling that would let it through on its own; under the gate both, it does.
    scores = {"argn": (0.916, 0.518), "argn small": (0.896, 0.48)}
    record, trained = fit_auto(monkeypatch, 0, 0, scores=scores, rows=168, ceiling=0.93)
    assert trained == ["argn 180s", "argn small 180s"]
    assert (record["name"], record["variant"]) == ("argn", "")
    assert record["candidates"][0]["failure"] == ""
    scores["argn"] = (0.899, 0.518)
    record, trained = fit_auto(monkeypatch, 0, 0, scores=scores, rows=168, ceiling=0.93)
    assert (record["name"], record["variant"]) == ("argn", "small network")
    assert record["candidates"][0]["failure"].startswith("set aside: within one")
    # With 2,000 rows a side (0.011) 0.53 is clear of the bar: no retry.
    scores["argn"] = (0.95, 0.53)
    record, trained = fit_auto(monkeypatch, 0, 0, scores=scores, rows=2000)
    assert trained == ["argn 180s"] and "retried" not in record["reason"]


def test_auto_trains_tvae_when_the_retried_argn_falls_short(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Within the bar but below the quality gate: TVAE trains, the better of those within.
    scores = {"argn": (0.95, 0.56), "argn small": (0.88, 0.53), "tvae": (0.75, 0.51)}
    record, trained = fit_auto(monkeypatch, 0, 0, scores=scores)
    assert trained == ["argn 180s", "argn small 180s", "tvae 0s"]
    assert (record["name"], record["variant"]) == ("argn", "small network")
    short = "tvae trained because argn (small network) holdout quality 0.880 < 0.9"
    assert short in record["reason"]
    # Above the bar again, and so is the second retry: only TVAE is within it, whatever
    # the first ARGN's quality.
    scores["argn small"] = (0.93, 0.58)
    record, trained = fit_auto(monkeypatch, 0, 0, scores=scores)
    assert trained == ["argn 180s", "argn small 180s", "argn shorter/10 180s", "tvae 0s"]
    assert (record["name"], record["variant"]) == ("tvae", "")
    assert "argn (small network) quality 0.930, closer-to-training 0.580" in record["reason"]
    shorter = "argn (small network, half the epochs) quality 0.900, closer-to-training 0.600"
    assert shorter in record["reason"]


def test_auto_retries_the_small_network_with_half_its_epochs_when_it_misses_the_bar(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """bfi: both networks read over the bar; the Small network on half its epochs within."""
    scores = {"argn": (0.91, 0.556), "argn small": (0.91, 0.554), "argn shorter": (0.89, 0.53)}
    scores["tvae"] = (0.73, 0.47)
    record, trained = fit_auto(monkeypatch, 0, 0, scores=scores, ceiling=0.92, argn_epochs=15)
    # 0.89 is under the 0.90 gate but 0.967 of the ceiling: kept, TVAE not trained.
    assert trained == ["argn 180s", "argn small 180s", "argn shorter/7.5 180s"]
    assert (record["name"], record["variant"]) == ("argn", "small network, half the epochs")
    assert [c["variant"] for c in record["candidates"]] == [
        "",
        "small network",
        "small network, half the epochs",
        "",
    ]
    assert record["candidates"][3]["skipped"]
    assert record["reason"].endswith(
        "argn retried with its small network because argn closer-to-training 0.556 > 0.55; "
        "and with small network, half the epochs because argn (small network) "
        "closer-to-training 0.554 > 0.55"
    )
    # Within the bar but short of the quality gates: TVAE trains, the better is kept.
    record, trained = fit_auto(monkeypatch, 0, 0, scores=scores, argn_epochs=15)
    assert trained[-1] == "tvae 0s" and record["variant"] == "small network, half the epochs"
    # A Small network that ran under two epochs has nothing to halve.
    record, trained = fit_auto(monkeypatch, 0, 0, scores=scores, argn_epochs=1)
    assert trained == ["argn 180s", "argn small 180s", "tvae 0s"]
    assert record["name"] == "tvae"


def test_auto_does_not_retry_argn_without_time_left(monkeypatch: pytest.MonkeyPatch) -> None:
    # All ARGN fits stay within half of max_wall_seconds: TVAE's half is its own.
    scores = {"argn": (0.95, 0.56), "argn small": (0.93, 0.58), "tvae": (0.91, 0.5)}
    values = {"max_wall_seconds": "200"}
    record, trained = fit_auto(monkeypatch, 0, 0, scores, argn_seconds=100, values=values)
    assert trained == ["argn 100s", "tvae 0s"] and record["name"] == "tvae"
    assert record["reason"].endswith(
        "argn not retried with its small network (argn closer-to-training 0.560 > 0.55): "
        "its time was spent"
    )
    _, trained = fit_auto(monkeypatch, 0, 0, scores, argn_seconds=30, values=values)
    assert trained == ["argn 100s", "argn small 70s", "argn shorter/10 40s", "tvae 0s"]
    record, trained = fit_auto(monkeypatch, 0, 0, scores, argn_seconds=50, values=values)
    assert trained == ["argn 100s", "argn small 50s", "tvae 0s"]
    assert record["reason"].endswith(
        "; not with small network, half the epochs: its time was spent"
    )
    # Each fit stops at argn_max_seconds.
    values = {"argn_max_seconds": "50"}
    _, trained = fit_auto(monkeypatch, 0, 0, scores, argn_seconds=60, values=values)
    assert trained == ["argn 50s", "argn small 50s", "argn shorter/10 50s", "tvae 0s"]


def test_auto_retries_a_real_argn_above_the_privacy_bar_and_reports_both(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Real ARGN fits on a holdout whose codes training never holds: every synthetic row
    is closer to training, so ARGN and its two retries are all above the bar (TVAE is a
    stand-in that fails), and the refusal names every fit's scores."""
    rng = np.random.default_rng(3)

    def rows(codes: list[str], count: int) -> pd.DataFrame:
        amounts = rng.gamma(2.0, 30.0, count).round(2)
        return pd.DataFrame({"code": rng.choice(codes, count), "amount": amounts})

    train, holdout = rows(list("ABCDE"), 600), rows(list("VWXYZ"), 150)
    columns = [
        ColumnSchema("code", "code", "categorical"),
        ColumnSchema("amount", "amount", "decimal"),
    ]
    metadata = build_metadata(DatasetSchema("demo", "r1", columns, rows=750))
    values = {"argn_max_epochs": "2", "eval_sample_rows": "150", "seed": "5"}
    params = parse_hyperparameters({"engine": "auto", **values})
    fits: list[tuple[str, float | None]] = []
    real_train_argn = engines.train_argn

    def spy(
        *args: object, size: str = MEDIUM, rare_below: int = 10, max_epochs: float | None = None
    ) -> TrainResult:
        fits.append((size, max_epochs))
        result = real_train_argn(*args, size=size, rare_below=rare_below, max_epochs=max_epochs)
        assert result.state.epoch == math.ceil(result.synthesizer.epochs) > 0
        return result

    def tvae_fails(p: object) -> TrainResult:
        raise StepFailed(code="privacy_bar_not_met", message="stand-in", fix="-", step="train")

    monkeypatch.setattr(engines, "train_argn", spy)
    with pytest.raises(StepFailed) as error:
        engines.fit_engine(tvae_fails, train, holdout, metadata, params, time.monotonic())
    # Two epochs at most (argn_max_epochs); the second retry runs half of the retry's.
    assert fits == [(MEDIUM, None), (SMALL, None), (SMALL, 1.0)]
    message = error.value.message
    assert error.value.code == "privacy_bar_not_met"
    assert re.search(r"argn quality [0-9.]+, closer-to-training 1\.000", message)
    assert re.search(r"argn \(small network\) quality [0-9.]+, closer-to-training 1\.000", message)
    shorter = r"argn \(small network, half the epochs\) quality [0-9.]+, closer-to-training 1\.000"
    assert re.search(shorter, message)
    assert "tvae failed: privacy_bar_not_met" in message


def test_argn_trains_the_network_size_it_is_given(tmp_path: Path) -> None:
    frame = cleaned_frame()[["gender", "amount", "online"]]
    types = {"gender": "categorical", "amount": "numerical", "online": "boolean"}
    units = {}
    for size in (MEDIUM, SMALL):
        settings = ArgnSettings(max_seconds=60, max_epochs=1, seed=1, gpu=False, size=size)
        model, _ = ArgnModel.fit(frame, types, settings)
        model.save(tmp_path / size)
        configs = json.loads(next((tmp_path / size).rglob("model-configs.json")).read_text())
        assert configs["model_id"] == size
        # Layer widths by layer: an embedding's width, or a list of hidden widths.
        units[size] = sum(
            sum(u) if isinstance(u, list) else u for u in configs["model_units"].values()
        )
        assert len(ArgnModel.load(tmp_path / size).sample(50)) == 50
    assert units[SMALL] < units[MEDIUM]


def test_argn_trains_with_the_fused_optimizer_and_restores_torchs_own() -> None:
    """torch's fused AdamW kernel took a fifth off ARGN's fits; the patch is the fit's only."""
    import torch

    plain = torch.optim.AdamW
    frame = cleaned_frame()[["gender", "amount"]]
    settings = ArgnSettings(max_seconds=60, max_epochs=1, seed=1, gpu=False)
    model, _ = ArgnModel.fit(frame, {"gender": "categorical", "amount": "numerical"}, settings)
    state = model.workspace / argn.MODEL_STORE / "model-data" / "optimizer.pt"
    saved = torch.load(state, weights_only=False)
    assert [group["fused"] for group in saved["param_groups"]] == [True]
    assert torch.optim.AdamW is plain
    assert not plain([torch.zeros(1, requires_grad=True)]).defaults["fused"]


def test_argn_trains_small_tables_in_batches_of_at_least_the_floor() -> None:
    """The engine's rows / 64 made bfi's batches 16 rows; on CPU a step costs its overhead."""
    from mostlyai.engine._tabular import training

    heuristic = training._physical_batch_size_heuristic
    frame = cleaned_frame()[["gender", "amount"]]
    settings = ArgnSettings(max_seconds=60, max_epochs=1, seed=1, gpu=False)
    model, _ = ArgnModel.fit(frame, {"gender": "categorical", "amount": "numerical"}, settings)
    progress = pd.read_csv(model.workspace / argn.PROGRESS_FILE).iloc[-1]
    # The engine fits on 80% of the rows and checks the rest: 640 rows, 8 steps of 64
    # rows (the engine alone: 80 steps of 8, at its learning rate for 8).
    assert progress["samples"] / progress["steps"] == argn.batch_floor(640) == 64
    assert progress["learn_rate"] == pytest.approx(0.001 * (64 / 32) ** 0.5, abs=1e-5)
    assert training._physical_batch_size_heuristic is heuristic


def test_the_batch_floor_never_lowers_the_engines_batch_nor_passes_its_cap() -> None:
    from mostlyai.engine._tabular import training

    def batch(rows: int, params: int = 1_000) -> int:
        return training._physical_batch_size_heuristic(
            mem_available_gb=16,
            no_of_records=rows,
            no_tgt_data_points=10,
            no_ctx_data_points=0,
            no_of_model_params=params,
        )

    plain = {rows: batch(rows) for rows in (20, 640, 1_434, 20_000)}
    with argn._batch_floor():
        floored = {rows: batch(rows) for rows in plain}
        over_a_billion = batch(1_434, params=2_000_000_000)
    assert plain == {20: 8, 640: 8, 1_434: 16, 20_000: 256}
    assert floored == {20: 8, 640: 64, 1_434: 128, 20_000: 256}
    assert over_a_billion == 8  # the engine's cap for such a model on 16 GB


def test_heaped_numbers_with_many_values_are_encoded_by_their_digits():
    """Quantile bins sample inside a bin: prices written in steps of 5 came back 21% so."""
    rng = np.random.default_rng(0)
    n = 2_000
    scale = rng.integers(1, 8, n).astype(float)
    scale[: n // 4] += rng.random(n // 4)  # a 1-7 scale, a quarter of it means
    frame = pd.DataFrame(
        {
            "price": rng.integers(100, 2_000, n) * 5,  # multiples of 5
            "weight": rng.integers(2_000, 4_000, n) // 10 * 10 + (np.arange(n) == 0),  # 99.95%
            "ideology": scale,
            "income": rng.lognormal(3, 1, n),  # a decimal, no heaping
            "count": rng.integers(0, 5_000, n),  # whole numbers in no step
            "rooms": rng.integers(1, 5, n) * 10,  # heaped, but few values: one token each
            "city": rng.choice(["a", "b"], n),
        }
    )
    types = dict.fromkeys(frame, "numerical") | {"city": "categorical"}
    assert argn.heaped_numbers(frame, types) == dict.fromkeys(
        ["price", "weight", "ideology"], argn.RARE_NUMBERS
    )


def test_argn_never_sees_a_rare_value_of_a_number_as_a_token(tmp_path: Path) -> None:
    """One token per value would let ARGN sample a value one row holds (planes' seats)."""
    rng = np.random.default_rng(2)
    frame = pd.DataFrame(
        {
            # Two values one row holds, 0.3% of the rows: moved to the nearest common one.
            "seats": np.concatenate([rng.choice([20, 55, 100, 140, 180], 600), [102, 128]]),
            # 42 one-off values, 7% of the rows: too many to move, encoded by digits.
            "rooms": np.concatenate([rng.choice([1, 2, 3], 560), np.arange(10, 52)]),
            "doors": rng.choice([2, 4, 6], 602),  # every value common: left to ARGN
            "price": rng.lognormal(3, 1, 602),  # one value per row: never one token each
        }
    )
    types = dict.fromkeys(frame, "numerical")
    before = frame.copy()
    rows, digits = argn.protect_rare_numbers(frame, types, 10)
    assert digits == {"rooms": argn.RARE_NUMBERS}
    assert rows["seats"].tolist()[-2:] == [100, 140] and rows["seats"].dtype == "int64"
    assert rows[["rooms", "doors", "price"]].equals(frame[["rooms", "doors", "price"]])
    pd.testing.assert_frame_equal(frame, before)  # the training rows themselves unchanged
    assert argn.protect_rare_numbers(frame, types, 1)[1] == {}  # k = 1: nothing is rare

    settings = ArgnSettings(max_seconds=60, max_epochs=1, seed=1, gpu=False, rare_below=10)
    model, _ = ArgnModel.fit(frame, types, settings)
    model.save(tmp_path / "argn")
    stats = json.loads(next((tmp_path / "argn").rglob("tgt-stats/stats.json")).read_text())
    columns = stats["columns"]
    assert columns["seats"]["encoding_type"] == "TABULAR_NUMERIC_DISCRETE"
    assert {"102", "128"}.isdisjoint(columns["seats"]["codes"])  # no token to sample
    assert columns["rooms"]["encoding_type"] == "TABULAR_NUMERIC_DIGIT"
    assert columns["doors"]["encoding_type"] == "TABULAR_NUMERIC_DISCRETE"
    assert columns["price"]["encoding_type"] != "TABULAR_NUMERIC_DISCRETE"
    sampled = ArgnModel.load(tmp_path / "argn").sample(2000)
    assert not sampled["seats"].isin([102, 128]).any()


@pytest.mark.parametrize("rows", [1_280, 7_000])
def test_argn_cuts_a_number_into_fewer_bins_on_a_small_table(tmp_path: Path, rows: int) -> None:
    """About 13 rows per bin (100 bins, 1,280 rows) and ARGN learnt each number alone
    (Forbes2000's sales x market value); a fit gets 64 rows per bin, 100 bins at most."""
    from mostlyai.engine._encoding_types.tabular import numeric

    rng = np.random.default_rng(5)
    sales = rng.lognormal(2, 1, rows)
    frame = pd.DataFrame({"sales": sales, "value": sales * rng.lognormal(0, 0.5, rows)})
    settings = ArgnSettings(max_seconds=60, max_epochs=1, seed=1, gpu=False)
    model, _ = ArgnModel.fit(frame, dict.fromkeys(frame, "numerical"), settings)
    model.save(tmp_path / "argn")
    stats = json.loads(next((tmp_path / "argn").rglob("tgt-stats/stats.json")).read_text())
    for column in ("sales", "value"):
        assert stats["columns"][column]["encoding_type"] == "TABULAR_NUMERIC_BINNED"
        assert len(stats["columns"][column]["bins"]) - 1 == min(100, rows // argn.ROWS_PER_BIN)
    assert numeric.NUMERIC_BINNED_MAX_BINS == 100  # the engine's own setting is restored
    sampled = ArgnModel.load(tmp_path / "argn").sample(500)
    assert sampled["sales"].between(sales.min(), sales.max()).all()


def test_auto_without_mostlyai_engine_trains_tvae(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only an absent engine reads as not installed: ARGN is never trained."""
    monkeypatch.setattr(engines, "argn_installed", lambda: False)
    monkeypatch.setattr(engines, "train_argn", lambda *args: pytest.fail("argn was called"))
    monkeypatch.setattr(engines, "holdout_ceiling", lambda *args: 0.95)
    monkeypatch.setattr(engines, "holdout_scorer", lambda *args: lambda s: (0.93, 0.5, 0.0))
    tvae = TrainResult(synthesizer="tvae", state=RoundState(), gpu=False, versions={})
    params = parse_hyperparameters({"engine": "auto"})
    result, record = engines.fit_engine(
        lambda p: tvae, pd.DataFrame(), pd.DataFrame(), None, params, 0.0
    )
    assert result is tvae and record["name"] == "tvae"
    assert record["candidates"][0]["failure"] == "not_installed"
