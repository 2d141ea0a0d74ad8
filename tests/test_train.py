"""The training step: the SageMaker contract, holdout, metadata, resume, log lines."""

from __future__ import annotations

import json
import logging
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from synthpipe.errors import StepFailed
from synthpipe.evaluate.privacy import memorisation
from synthpipe.schema import ColumnSchema, DatasetSchema
from synthpipe.train import contract, fit
from synthpipe.train.checkpoint import CheckpointStore
from synthpipe.train.distance import DRAWS, closer_to_training_share
from synthpipe.train.hyperparameters import Hyperparameters, parse_hyperparameters
from synthpipe.train.metadata import build_metadata, modelled_columns, sdtypes
from synthpipe.train.metrics import METRIC_DEFINITIONS
from synthpipe.train.sampling import quotas, sample_rows

# Tiny and fast: 2 rounds of 2 epochs on 600 rows, each epoch one pass (min_epoch_rows
# 0). The privacy bar is off (1.0): after 2 epochs the model is poor and the
# closer-to-training share is noise.
FAST = {
    "epochs": "4",
    "min_epoch_rows": "0",
    "eval_every": "2",
    "batch_size": "100",
    "eval_sample_rows": "200",
    "target_column": "fraud",
    "privacy_bar": "1.0",
    "seed": "7",
    # These tests are about TVAE; the default, auto, trains ARGN first (test_engines).
    "engine": "tvae",
}
LOG_LINE = re.compile(
    r"epoch=(\d+) loss=(-?[0-9.]+) quality=([0-9.]+) column_shapes=([0-9.]+) "
    r"pair_trends=([0-9.]+|nan) closer_to_training=([0-9.]+) elapsed=([0-9.]+)"
)


def banksim_like(rows: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    category = rng.choice(["es_transportation", "es_food", "es_health"], rows, p=[0.8, 0.1, 0.1])
    fraud = (rng.random(rows) < np.where(category == "es_transportation", 0.01, 0.2)).astype(
        "int64"
    )
    return pd.DataFrame(
        {
            "row_id": [f"R{i:06d}" for i in range(rows)],
            "step": rng.integers(0, 180, rows).astype("int64"),
            "customer": [f"C{x}" for x in rng.integers(0, rows // 2, rows)],
            "gender": rng.choice(["F", "M"], rows),
            "category": category,
            "amount": np.round(rng.lognormal(3, 0.8, rows) * np.where(fraud == 1, 5, 1), 2),
            "fraud": fraud,
            "note": rng.choice(["free text a", "free text b"], rows),
        }
    )


def schema_for(frame: pd.DataFrame) -> DatasetSchema:
    types = {
        "row_id": ("categorical", "identifier"),
        "step": ("integer", "feature"),
        "customer": ("categorical", "identifier"),
        "gender": ("categorical", "feature"),
        "category": ("categorical", "feature"),
        "amount": ("decimal", "feature"),
        "fraud": ("integer", "feature"),
        "note": ("text", "feature"),
        "email": ("text", "dropped"),
    }
    columns = [
        ColumnSchema(
            original_name=name,
            name=name,
            type=types[name][0],
            role=types[name][1],
            distinct_count=int(frame[name].nunique()) if name in frame else 0,
        )
        for name in types
    ]
    return DatasetSchema(dataset="banksim", run_id="r1", columns=columns, rows=len(frame))


def make_root(
    root: Path,
    hyperparameters: dict[str, str] | None = None,
    frame: pd.DataFrame | None = None,
    schema: DatasetSchema | None = None,
) -> Path:
    frame = banksim_like(600) if frame is None else frame
    schema = schema_for(frame) if schema is None else schema
    data = root / "input" / "data" / "train" / "data"
    data.mkdir(parents=True)
    frame.to_parquet(data / "part-00000.parquet", index=False)
    (data.parent / "schema.json").write_text(schema.to_json(), encoding="utf-8")
    config = root / "input" / "config"
    config.mkdir(parents=True)
    params = FAST if hyperparameters is None else hyperparameters
    (config / "hyperparameters.json").write_text(json.dumps(params), encoding="utf-8")
    return root


def failure(root: Path) -> str:
    return (root / "output" / "failure").read_text(encoding="utf-8")


# --- hyperparameters ------------------------------------------------------------------


def test_hyperparameters_parse_sagemaker_strings() -> None:
    params = parse_hyperparameters(
        {
            "epochs": "50",
            "compress_dims": "256,128",
            "decompress_dims": "[64, 64]",
            "l2scale": "1e-4",
            "learning_rate": "0.002",
            "min_epochs": "20",
            "enable_gpu": "False",
            "target_column": "fraud",
            "sagemaker_program": "ignored.py",
        }
    )
    assert params.epochs == 50
    assert params.compress_dims == (256, 128)
    assert params.decompress_dims == (64, 64)
    assert params.l2scale == pytest.approx(1e-4)
    assert params.learning_rate == pytest.approx(0.002) and params.min_epochs == 20
    assert params.enable_gpu == "false"
    assert params.holdout_fraction == 0.2 and params.privacy_bar == 0.55
    assert parse_hyperparameters({}) == Hyperparameters()


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("epochs", "-3", "epochs='-3': out of range, expected a number in [1, 100000]"),
        ("epochs", "ten", "epochs='ten': expected a number"),
        ("batch_size", "2.5", "expected a whole number"),
        ("holdout_fraction", "0.9", "holdout_fraction='0.9': out of range"),
        ("privacy_bar", "0.3", "[0.5, 1]"),
        ("compress_dims", "128,x", "expected a list of layer sizes"),
        ("enable_gpu", "maybe", "expected one of auto, true, false"),
        ("epoch", "10", "epoch='10': unknown hyperparameter"),
    ],
)
def test_bad_hyperparameter_writes_failure(
    tmp_path: Path, key: str, value: str, expected: str
) -> None:
    root = make_root(tmp_path, {**FAST, key: value})
    assert contract.run(root) == 1
    text = failure(root)
    assert expected in text
    assert text.count("\n") == 1
    # The code first, for the state machine (synthpipe.failure_codes); its words follow.
    assert text.startswith("synthpipe:bad_hyperparameter ")
    assert not (root / "model" / "synthesizer.pkl").exists()


def test_in_process_training_failure_reads_without_the_code_token(tmp_path: Path) -> None:
    root = make_root(tmp_path, {**FAST, "epochs": "0"})
    with pytest.raises(StepFailed) as caught:
        contract.run_or_raise(root, fix="Fix it.", step="train")
    assert caught.value.message.startswith("Training stopped: ")
    assert "synthpipe:" not in caught.value.message and "epochs='0'" in caught.value.message


def test_unknown_target_column_writes_failure(tmp_path: Path) -> None:
    root = make_root(tmp_path, {**FAST, "target_column": "customer"})
    assert contract.run(root) == 1
    assert "target_column='customer': not a modelled column" in failure(root)


# --- data and schema ------------------------------------------------------------------


def test_empty_data_writes_failure(tmp_path: Path) -> None:
    frame = banksim_like(600)
    root = make_root(tmp_path, frame=frame.iloc[:0], schema=schema_for(frame))
    assert contract.run(root) == 1
    assert "no rows" in failure(root)


def test_missing_data_writes_failure(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    for part in (root / "input" / "data" / "train" / "data").iterdir():
        part.unlink()
    assert contract.run(root) == 1
    assert "No Parquet files" in failure(root)


def test_schema_mismatch_writes_failure(tmp_path: Path) -> None:
    frame = banksim_like(600)
    changed = frame.drop(columns=["gender"]).assign(amount=frame["amount"].astype(str))
    root = make_root(tmp_path, frame=changed, schema=schema_for(frame))
    assert contract.run(root) == 1
    text = failure(root)
    assert "does not match schema.json" in text
    assert "missing columns ['gender']" in text
    assert "amount (string for decimal)" in text


def test_one_column_left_to_model_is_refused_before_any_fit(tmp_path: Path) -> None:
    """The release gate's linkability and inference attacks need two columns: a table
    that Prepare left with one would end at the gate, after a whole fit, as "not
    measured"."""
    frame = banksim_like(600)
    schema = schema_for(frame)
    for column in schema.columns:
        if column.name != "amount" and column.role == "feature":
            column.role = "dropped"
    root = make_root(tmp_path, {**FAST, "target_column": ""}, frame=frame, schema=schema)
    assert contract.run(root) == 1
    text = failure(root)
    assert text.startswith("synthpipe:too_few_features ")
    assert "['amount']" in text and "config/<dataset>.json" in text
    assert not (root / "model").exists() or not any((root / "model").iterdir())


def test_metadata_from_schema_excludes_identifiers_and_text() -> None:
    schema = schema_for(banksim_like(600))
    types = sdtypes(build_metadata(schema, target_column="fraud"))
    assert types == {
        "step": "numerical",
        "gender": "categorical",
        "category": "categorical",
        "amount": "numerical",
        "fraud": "categorical",
    }
    assert "customer" not in types and "row_id" not in types and "note" not in types


# --- distances and sampling -----------------------------------------------------------


def test_closer_to_training_share_separates_copies_from_fresh_rows() -> None:
    frame = banksim_like(2000, seed=1)[["step", "gender", "category", "amount", "fraud"]]
    kinds = {"step": "numerical", "amount": "numerical"}
    kinds |= {c: "categorical" for c in ("gender", "category", "fraud")}
    train, holdout = fit.split_holdout(frame, 0.5, 3, "fraud")
    fresh = banksim_like(400, seed=2)[frame.columns]
    copied = train.iloc[:400]
    assert abs(closer_to_training_share(fresh, train, holdout, kinds, 400, 0) - 0.5) < 0.08
    assert closer_to_training_share(copied, train, holdout, kinds, 1000, 0) > 0.65


def test_closer_to_training_share_reads_as_the_gate_does_the_mean_of_its_draws() -> None:
    """auto's one draw read ARGN over the bar on bfi where the gate's mean of five would
    not: a candidate is read as the release gate reads an output (whose mean varies less
    than one draw: tests/test_evaluate.py)."""
    frame = banksim_like(1200, seed=4)[["step", "gender", "category", "amount", "fraud"]]
    kinds = {"step": "numerical", "amount": "numerical"}
    kinds |= {c: "categorical" for c in ("gender", "category", "fraud")}
    train, holdout = fit.split_holdout(frame, 0.25, 3, "fraud")
    synthetic = pd.concat([banksim_like(200, seed=5)[frame.columns], train.iloc[:100]])
    for seed in (0, 10, 20):
        auto = closer_to_training_share(synthetic, train, holdout, kinds, 300, seed)
        gate = memorisation(
            train=train,
            holdout=holdout,
            synthetic=synthetic,
            sdtypes=kinds,
            reference_rows=300,
            query_rows=300,
            seed=seed,
        )
        draws = gate["dcr"]["closer_to_training_draws"]
        assert len(draws) == DRAWS and len(set(draws)) > 1
        assert auto == pytest.approx(gate["closer_to_training_share"])
        assert auto != pytest.approx(draws[0])  # not the first draw alone


def test_quotas_sum_to_rows_and_follow_rates() -> None:
    assert quotas(1000, {"0": 0.9871, "1": 0.0129}) == {"0": 987, "1": 13}
    assert sum(quotas(7, {"a": 1 / 3, "b": 1 / 3, "c": 1 / 3}).values()) == 7


def test_holdout_is_stratified_and_disjoint() -> None:
    frame = banksim_like(600)
    train, holdout = fit.split_holdout(frame, 0.2, 5, "fraud")
    assert set(train.index).isdisjoint(holdout.index)
    assert len(train) + len(holdout) == len(frame)
    assert holdout["fraud"].sum() == round(frame["fraud"].sum() * 0.2)


def test_row_cap_keeps_class_rates() -> None:
    frame = banksim_like(5000, seed=4)
    capped = fit.cap_rows(frame, 1000, 9, "fraud")
    assert abs(len(capped) - 1000) <= 2
    assert capped["fraud"].sum() == round(frame["fraud"].sum() * len(capped) / len(frame))
    assert fit.cap_rows(frame, 10_000, 9, "fraud") is frame


def test_rebalance_repeats_rare_class_rows_only() -> None:
    frame = banksim_like(3000, seed=4)
    frauds = int(frame["fraud"].sum())
    assert frauds < 0.1 * len(frame)
    fitted = fit.rebalance(frame, "fraud", 0.2, seed=3)
    added = fitted.iloc[len(frame) :]
    assert len(added) == math.ceil(0.2 * len(frame)) - frauds
    assert (added["fraud"] == 1).all()
    # Repeated rows are real fraud rows, under their own index labels.
    pd.testing.assert_frame_equal(added, frame.loc[added.index])
    pd.testing.assert_frame_equal(fitted.iloc[: len(frame)], frame)
    assert fit.rebalance(frame, "fraud", 0.0, seed=3) is frame
    assert fit.rebalance(frame, None, 0.1, seed=3) is frame
    assert fit.rebalance(frame, "fraud", 0.001, seed=3) is frame  # already above


@pytest.mark.parametrize(("min_epoch_rows", "steps"), [(1000, 20), (0, 4), (100, 4)])
def test_an_epoch_covers_at_least_min_epoch_rows(min_epoch_rows: int, steps: int) -> None:
    """Small data is cycled through, so an epoch is as many gradient steps as at scale."""
    frame = banksim_like(200)
    schema = schema_for(frame)
    params = Hyperparameters(batch_size=50, min_epoch_rows=min_epoch_rows, seed=1)
    tvae = fit.ChunkedTVAE(build_metadata(schema, "fraud"), params, gpu=False)
    tvae.prepare(frame[modelled_columns(schema)])
    tvae.train_epochs(0, 1)
    assert {int(state["step"]) for state in tvae.optimizer.state.values()} == {steps}


def test_transformer_sample_holds_every_category() -> None:
    frame = banksim_like(3000, seed=6)
    frame.loc[frame.index[-1], "category"] = "es_only_once"
    sample = fit._transformer_sample(frame, ["category", "gender"], 100, seed=1)
    assert set(sample["category"]) == set(frame["category"])
    assert len(sample) < 120 and not sample.index.duplicated().any()


def test_bad_target_for_contract_is_refused() -> None:
    schema = schema_for(banksim_like(600))
    with pytest.raises(StepFailed, match="has no classes"):
        contract.check_target(schema, "amount")


# --- when to stop, which checkpoint to keep --------------------------------------------


def evaluation(epoch: int, quality: float, closer: float) -> fit.Evaluation:
    return fit.Evaluation(epoch, 1.0, quality, quality, quality, closer, elapsed=float(epoch))


def test_best_checkpoint_respects_the_privacy_bar() -> None:
    params = Hyperparameters(epochs=100, privacy_bar=0.55, patience=3, min_epochs=0)
    state = fit.RoundState()
    assert fit.record_round(state, evaluation(10, 0.70, 0.51), params)
    assert fit.record_round(state, evaluation(20, 0.80, 0.54), params)
    assert not fit.record_round(state, evaluation(30, 0.90, 0.60), params)
    assert (state.best_epoch, state.best_quality) == (20, 0.80)
    assert state.rounds_over_bar == 1 and state.rounds_without_gain == 0


def test_warm_up_rounds_neither_plateau_nor_keep_the_best() -> None:
    params = Hyperparameters(epochs=100, patience=2, min_delta=0.01, min_epochs=30)
    state = fit.RoundState(epoch=20)
    assert fit.record_round(state, evaluation(10, 0.88, 0.5), params)
    assert not fit.record_round(state, evaluation(20, 0.85, 0.5), params)
    assert state.rounds_without_gain == 0
    assert fit.stop_reason(state, params) == ""
    # The first round after warm-up replaces the warm-up best, even with less quality.
    assert fit.record_round(state, evaluation(30, 0.86, 0.5), params)
    assert (state.best_epoch, state.top_quality) == (30, 0.86)
    for epoch, quality in ((40, 0.865), (50, 0.862)):
        fit.record_round(state, evaluation(epoch, quality, 0.5), params)
    state.epoch = 50
    assert fit.stop_reason(state, params) == "fidelity_plateau"
    assert state.best_epoch == 40


def test_stop_reasons() -> None:
    params = Hyperparameters(
        epochs=100, patience=2, min_delta=0.01, min_epochs=0, max_wall_seconds=60
    )
    state = fit.RoundState()
    for epoch, quality in ((10, 0.80), (20, 0.805), (30, 0.809)):
        fit.record_round(state, evaluation(epoch, quality, 0.5), params)
    state.epoch = 30
    assert fit.stop_reason(state, params) == "fidelity_plateau"
    assert fit.stop_reason(fit.RoundState(epoch=100), params) == "epoch_budget"
    over_budget = fit.RoundState(epoch=10, elapsed=50.0, last_round_seconds=15.0)
    assert fit.stop_reason(over_budget, params) == "wall_clock_budget"
    over_bar = fit.RoundState(epoch=10, rounds_over_bar=2)
    assert fit.stop_reason(over_bar, params) == "privacy_bar"
    assert fit.stop_reason(fit.RoundState(epoch=10), params) == ""


# --- training end to end --------------------------------------------------------------


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One uninterrupted run, shared: records what fitting saw and the log lines."""
    root = make_root(tmp_path_factory.mktemp("uninterrupted"))
    seen: list[pd.DataFrame] = []
    original = fit.ChunkedTVAE.prepare

    def spy(self: fit.ChunkedTVAE, train: pd.DataFrame) -> None:
        seen.append(train.copy())
        original(self, train)

    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("synthpipe.train")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fit.ChunkedTVAE, "prepare", spy)
        code = contract.run(root)
    logger.removeHandler(handler)
    return {"root": root, "code": code, "seen": seen, "records": records}


@pytest.mark.slow
def test_contract_writes_model_folder(trained: dict) -> None:
    root = trained["root"]
    assert trained["code"] == 0, failure(root)
    model = root / "model"
    for name in ("synthesizer.pkl", "metadata.json", "training.json", "holdout.parquet"):
        assert (model / name).is_file(), name
    assert (root / "checkpoints" / "checkpoint.pt").is_file()
    assert not (root / "output" / "failure").exists()
    summary = json.loads((model / "training.json").read_text())
    assert summary["epochs_trained"] == 4
    assert summary["stop_reason"] == "epoch_budget"
    assert summary["best_epoch"] in (2, 4)
    assert summary["seeds"]["seed"] == 7
    # Fitted on the training rows with fraud rows repeated up to 10% (min_class_share).
    holdout_frauds = int(pd.read_parquet(model / "holdout.parquet")["fraud"].sum())
    train_frauds = int(banksim_like(600)["fraud"].sum()) - holdout_frauds
    assert train_frauds < 48
    fit_rows = 480 + 48 - train_frauds
    assert summary["rows"] == {
        "cleaned": 600,
        "read": 600,
        "train": 480,
        "holdout": 120,
        "fit": fit_rows,
    }
    target = summary["target"]
    assert target["column"] == "fraud"
    assert set(target["with_quotas"]["classes"]) == {"0", "1"}
    metadata = json.loads((model / "metadata.json").read_text())
    assert "customer" not in metadata["tables"]["table"]["columns"]


@pytest.mark.slow
def test_holdout_never_used_for_fitting(trained: dict) -> None:
    (fitted,) = trained["seen"]
    holdout = pd.read_parquet(trained["root"] / "model" / "holdout.parquet")
    assert len(holdout) == 120
    assert set(fitted.index).isdisjoint(holdout.index)
    # The holdout rows are the real rows at those positions, identifiers left out.
    frame = banksim_like(600)
    pd.testing.assert_frame_equal(holdout, frame.loc[holdout.index, holdout.columns])
    assert "row_id" not in fitted.columns and "customer" not in fitted.columns


@pytest.mark.slow
def test_one_parseable_log_line_per_evaluation(trained: dict) -> None:
    lines = [r.getMessage() for r in trained["records"] if LOG_LINE.search(r.getMessage())]
    assert [int(LOG_LINE.search(line).group(1)) for line in lines] == [2, 4]
    metrics = [r.metrics for r in trained["records"] if hasattr(r, "metrics")]
    assert [m["epoch"] for m in metrics] == [2, 4]
    assert all(0.0 <= m["closer_to_training"] <= 1.0 for m in metrics)


@pytest.mark.slow
def test_metric_definitions_read_the_evaluation_lines(trained: dict) -> None:
    """The regexes SageMaker gets (stacks/training.py) find each figure in the real log."""
    messages = [r.getMessage() for r in trained["records"]]
    for metrics in [r.metrics for r in trained["records"] if hasattr(r, "metrics")]:
        (line,) = [m for m in messages if m.startswith(f"epoch={metrics['epoch']} ")]
        for definition in METRIC_DEFINITIONS:
            name = definition["Name"].removeprefix("train:")
            found = re.findall(definition["Regex"], line)
            if math.isnan(metrics[name]):
                assert found == [], name
            else:
                assert [float(v) for v in found] == [pytest.approx(metrics[name], abs=1e-4)]
    # The stop line carries no figure that a definition would misread.
    stops = [m for m in messages if m.startswith("stop=")]
    assert stops and not any(re.search(d["Regex"], stops[0]) for d in METRIC_DEFINITIONS)


class Interrupted(Exception):
    """Stands for a spot interruption right after a checkpoint."""


@pytest.mark.slow
def test_resume_from_checkpoint_gives_the_same_model(
    trained: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_root(tmp_path)
    original = CheckpointStore.save

    def save_then_stop(self, tvae, state, best):  # type: ignore[no-untyped-def]
        original(self, tvae, state, best)
        if state.epoch == 2:
            raise Interrupted()

    monkeypatch.setattr(CheckpointStore, "save", save_then_stop)
    assert contract.run(root) == 2
    assert "Interrupted" in failure(root)
    monkeypatch.setattr(CheckpointStore, "save", original)
    prepared: list[bool] = []
    monkeypatch.setattr(fit.ChunkedTVAE, "prepare", lambda *a: prepared.append(True))
    assert contract.run(root) == 0, failure(root)
    assert prepared == []  # resumed: no second preprocessing

    def model_output(run_root: Path) -> pd.DataFrame:
        from sdv.utils import load_synthesizer

        synthesizer = load_synthesizer(str(run_root / "model" / "synthesizer.pkl"))
        return sample_rows(synthesizer, 300, seed=11)

    pd.testing.assert_frame_equal(model_output(root), model_output(trained["root"]))
    # The last weights too, not only the best ones (which may be epoch 2's).
    last = [
        torch.load(r / "checkpoints" / "checkpoint.pt", weights_only=True)["trainer"]
        for r in (root, trained["root"])
    ]
    for name, tensor in last[0]["decoder"].items():
        assert torch.equal(tensor, last[1]["decoder"][name]), name
    resumed = json.loads((root / "model" / "training.json").read_text())
    straight = json.loads((trained["root"] / "model" / "training.json").read_text())
    keys = ("epoch", "loss", "quality", "closer_to_training")
    assert [{k: h[k] for k in keys} for h in resumed["history"]] == [
        {k: h[k] for k in keys} for h in straight["history"]
    ]


def test_entry_point_accepts_sagemaker_train_argument(tmp_path: Path) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "train_entry", Path(__file__).parents[1] / "training" / "train.py"
    )
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    root = make_root(tmp_path, {"epochs": "0"})
    assert module.main(["train", "--root", str(root)]) == 1
    assert "epochs='0'" in failure(root)


def test_a_round_without_a_loss_logs_none() -> None:
    """TabularARGN reports no loss: `loss=nan` in the log read as a diverged model."""
    line = fit.Evaluation(20, math.nan, 0.9, 0.95, 0.85, 0.51, 2.6).log_line()
    assert line.startswith("epoch=20 quality=0.9000 ") and "loss" not in line
    assert "loss=1.5000" in fit.Evaluation(20, 1.5, 0.9, 0.95, 0.85, 0.51, 2.6).log_line()
