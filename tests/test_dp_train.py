"""Differential privacy as a training option: config, budget, DP-SGD, report fields.

DP training really runs here (Opacus), on a few hundred rows for a few epochs.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pandas as pd
import pytest
import torch

from synthpipe import cloud
from synthpipe.dataset_config import DatasetConfig, PublicDeclarations
from synthpipe.errors import InputRefused, StepFailed
from synthpipe.evaluate import load_schema, render_html
from synthpipe.train import contract, dp, fit
from synthpipe.train.hyperparameters import Hyperparameters, parse_hyperparameters
from tests.test_evaluate import banksim_sets, run
from tests.test_train import FAST, banksim_like, failure, make_root

PUBLIC = {"categories": {"fraud": [0, 1], "gender": ["F", "M"]}}
# 2,000 rows (1,600 training rows), batches of 100: 16 steps an epoch, 4 epochs.
DP_FAST = FAST | {
    "dp_epsilon": "8",
    "dp_epochs": "4",
    "dp_public": json.dumps(PUBLIC),
    "privacy_bar": "0.5",  # unreachable without DP's fixed budget: it must not matter
}


def read_public(text: str) -> PublicDeclarations:
    """What training reads of the dp_public hyperparameter."""
    return PublicDeclarations.from_dict(json.loads(text))


def config(privacy: object) -> DatasetConfig:
    return DatasetConfig.from_dict({"target_column": "fraud", "privacy": privacy})


# --- config -------------------------------------------------------------------------------


def test_privacy_config_travels_as_hyperparameter_strings() -> None:
    parsed = config({"epsilon": 3, "delta": "auto", "public": PUBLIC})
    values = parsed.training_hyperparameters()
    assert values["dp_epsilon"] == "3.0" and values["dp_delta"] == "auto"
    assert read_public(values["dp_public"]) == PublicDeclarations.from_dict(PUBLIC)
    assert values["target_column"] == "fraud"
    params = parse_hyperparameters(values)
    assert params.dp and params.dp_epsilon == 3.0
    assert config({"epsilon": 1, "delta": 1e-6}).privacy.delta == "1e-06"
    assert DatasetConfig.from_dict({}).privacy is None


def test_the_cloud_start_passes_the_same_privacy_hyperparameters() -> None:
    parsed = config({"epsilon": 2, "public": PUBLIC})
    values = cloud._hyperparameters({"HYPERPARAMETERS": '{"epochs": "50"}'}, parsed)
    assert values["dp_epsilon"] == "2.0" and values["epochs"] == "50"
    assert read_public(values["dp_public"]) == PublicDeclarations.from_dict(PUBLIC)


@pytest.mark.parametrize(
    ("privacy", "words"),
    [
        ({"epsilon": 0}, "privacy.epsilon"),
        ({"epsilon": -1}, "privacy.epsilon"),
        ({"epsilon": "3"}, "privacy.epsilon"),
        ({"epsilon": True}, "privacy.epsilon"),
        ({}, "privacy.epsilon"),
        ({"epsilon": 1, "delta": 0}, "privacy.delta"),
        ({"epsilon": 1, "delta": 1}, "privacy.delta"),
        ({"epsilon": 1, "delta": "tiny"}, "privacy.delta"),
        ({"epsilon": 1, "sigma": 2}, "unknown keys"),
        ({"epsilon": 1, "public": {"ranges": {}}}, "unknown keys"),
        ({"epsilon": 1, "public": {"bounds": {"amount": [5, 1]}}}, "low < high"),
        ({"epsilon": 1, "public": {"categories": {"gender": []}}}, "non-empty list"),
        ("strong", "'privacy' must be"),
    ],
)
def test_bad_privacy_settings_are_refused(privacy: object, words: str) -> None:
    with pytest.raises(InputRefused) as caught:
        config(privacy)
    assert caught.value.code == "bad_dataset_config"
    assert words in caught.value.message


def test_public_declarations_name_columns_as_columns_does_and_take_iso_dates() -> None:
    # One parser for the config check and for training: header spellings are normalised
    # (training knows the normalised names) and date bounds may be ISO-8601 text.
    parsed = config(
        {
            "epsilon": 1,
            "public": {
                "bounds": {"Opened On": ["2024-01-01", "2025-01-01T00:00:00+00:00"]},
                "categories": {"Gender": ["F", "M"]},
            },
        }
    )
    public = read_public(parsed.training_hyperparameters()["dp_public"])
    assert public.bounds == {"opened_on": (1704067200.0, 1735689600.0)}
    assert public.categories == {"gender": ("F", "M")}
    with pytest.raises(InputRefused, match="names column 'gender' twice"):
        config({"epsilon": 1, "public": {"categories": {"Gender": ["F"], "gender": ["M"]}}})
    with pytest.raises(InputRefused, match="text or whole numbers"):
        config({"epsilon": 1, "public": {"categories": {"score": [0.5, 1.5]}}})


def test_a_public_declaration_over_sagemakers_limit_is_refused_with_a_fix() -> None:
    labels = [f"label-{i:05d}" for i in range(300)]
    with pytest.raises(InputRefused) as caught:
        config({"epsilon": 1, "public": {"categories": {"shop": labels}}})
    assert "at most 2500" in caught.value.message
    assert "declare fewer" in caught.value.message


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("dp_delta", "0"),
        ("dp_delta", "abc"),
        ("dp_public", "[1]"),
        ("dp_learning_rate", "0"),
        ("dp_epochs", "0"),
        ("dp_epochs", "2.5"),
        ("dp_epochs", "many"),
    ],
)
def test_bad_dp_hyperparameters_are_refused(key: str, value: str) -> None:
    with pytest.raises(StepFailed) as caught:
        parse_hyperparameters({key: value})
    assert caught.value.code == "bad_hyperparameter"


def test_dp_epochs_is_auto_by_default_or_the_whole_number_given() -> None:
    assert Hyperparameters().dp_epochs == parse_hyperparameters({}).dp_epochs == "auto"
    assert parse_hyperparameters({"dp_epochs": "auto"}).dp_epochs == "auto"
    assert parse_hyperparameters({"dp_epochs": "12"}).dp_epochs == 12
    with pytest.raises(StepFailed) as caught:
        parse_hyperparameters({"dp_epochs": "lots"})
    assert '"auto" or a whole number' in caught.value.message


# --- the budget ---------------------------------------------------------------------------


def test_auto_delta_follows_the_documented_rule() -> None:
    assert dp.auto_delta(1_000) == 1e-5
    assert dp.auto_delta(1_000_000) == pytest.approx(1e-7)


def test_auto_epochs_fall_as_epsilon_rises_within_their_bounds() -> None:
    epsilons = [0.01, 0.3, 1.0, 3.0, 10.0, 100.0, 1000.0]
    epochs = [dp.auto_epochs(e) for e in epsilons]
    assert epochs == sorted(epochs, reverse=True)
    assert dp.auto_epochs(1.0) == dp.AUTO_EPOCHS_AT_EPSILON_ONE
    assert dp.auto_epochs(10.0) < dp.auto_epochs(3.0) < dp.auto_epochs(1.0)
    assert epochs[0] == dp.AUTO_EPOCHS_MAX and epochs[-1] == 1
    # A number given is the budget, whatever epsilon.
    assert dp.resolve_epochs(12, 10.0) == dp.resolve_epochs(12, 1.0) == 12
    assert dp.resolve_epochs("auto", 10.0) == dp.auto_epochs(10.0)


def test_the_plan_splits_the_budget_and_calibrates_the_noise() -> None:
    plan = dp.plan_budget(
        epsilon=3.0, delta="auto", rows=8_000, batch_size=250, epochs=20, max_grad_norm=1.0
    )
    assert plan.stats_epsilon + plan.sgd_epsilon == pytest.approx(3.0)
    assert plan.stats_delta + plan.sgd_delta == pytest.approx(plan.delta)
    assert plan.sample_rate == pytest.approx(250 / 8_000)
    assert plan.steps == 20 * 32
    assert 0 < plan.noise_multiplier <= dp.MAX_NOISE_MULTIPLIER
    # More steps for the same epsilon need more noise.
    longer = dp.plan_budget(
        epsilon=3.0, delta="auto", rows=8_000, batch_size=250, epochs=60, max_grad_norm=1.0
    )
    assert longer.noise_multiplier > plan.noise_multiplier


def test_an_unreachable_epsilon_is_refused_with_the_numbers_and_the_fix() -> None:
    with pytest.raises(StepFailed) as caught:
        dp.plan_budget(
            epsilon=0.05, delta="auto", rows=1_600, batch_size=100, epochs=30, max_grad_norm=1.0
        )
    error = caught.value
    assert error.code == "dp_budget_unreachable"
    for words in ("1600 training rows", "480 steps", "sample rate 0.0625", "noise multiplier"):
        assert words in error.message
    assert "Raise privacy.epsilon" in error.fix and "dp_epochs" in error.fix


# --- DP training, end to end -------------------------------------------------------------


@pytest.fixture(scope="module")
def dp_trained(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = make_root(tmp_path_factory.mktemp("dp"), DP_FAST, banksim_like(2000))
    seen: list[pd.DataFrame] = []
    original = fit.ChunkedTVAE.prepare

    def spy(self: fit.ChunkedTVAE, train: pd.DataFrame, proxy: pd.DataFrame | None = None):
        seen.append(train.copy())
        original(self, train, proxy=proxy)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fit.ChunkedTVAE, "prepare", spy)
        code = contract.run(root)
    summary = json.loads((root / "model" / "training.json").read_text()) if code == 0 else {}
    return {"root": root, "code": code, "seen": seen, "summary": summary}


@pytest.mark.slow
def test_dp_training_meets_its_epsilon(dp_trained: dict) -> None:
    assert dp_trained["code"] == 0, failure(dp_trained["root"])
    privacy = dp_trained["summary"]["privacy"]
    assert privacy["mode"] == "dp" and privacy["epsilon"] == 8.0
    assert privacy["steps"] == privacy["steps_planned"] == 4 * 16
    assert 0 < privacy["sgd"]["epsilon_spent"] <= privacy["sgd"]["epsilon"]
    assert privacy["statistics"]["epsilon"] + privacy["sgd"]["epsilon"] == pytest.approx(8.0)
    assert privacy["noise_multiplier"] > 0 and privacy["max_grad_norm"] == 1.0
    sources = {c["name"]: c["source"] for c in privacy["preprocessing"]["columns"]}
    assert sources["fraud"] == sources["gender"] == "public"
    assert sources["amount"] == sources["category"] == "dp"


@pytest.mark.slow
def test_dp_training_neither_rebalances_nor_chooses_a_checkpoint(dp_trained: dict) -> None:
    summary = dp_trained["summary"]
    (fitted,) = dp_trained["seen"]
    assert not fitted.index.duplicated().any()  # rebalancing would repeat fraud rows
    assert fitted["fraud"].mean() < 0.1  # the real share, about 3%, not min_class_share
    # Fixed budget, last weights: not the plateau rule, not the privacy bar (0.5 here).
    assert summary["stop_reason"] == "epoch_budget"
    assert summary["epochs_trained"] == 4
    assert summary["best_epoch"] == 4
    assert "fit" not in summary["rows"]


@pytest.mark.slow
def test_dp_training_reads_no_orders_lookups_tails_or_calendars_off_the_real_rows(
    dp_trained: dict,
) -> None:
    # Each is read from real rows that no accountant counts: a release of its own.
    assert not {"orders", "lookups", "tails", "calendars"} & set(dp_trained["summary"])


@pytest.mark.slow
def test_dp_class_rates_drive_the_quotas(dp_trained: dict) -> None:
    classes = dp_trained["summary"]["target"]["with_quotas"]["classes"]
    assert set(classes) == {"0", "1"}
    assert sum(c["real_rate"] for c in classes.values()) == pytest.approx(1.0)
    categories = json.loads((dp_trained["root"] / "model" / "categories.json").read_text())
    assert set(categories["columns"]) >= {"gender", "category", "fraud"}


@pytest.mark.slow
def test_auto_dp_epochs_plan_the_noise_for_the_epochs_training_runs(tmp_path: Path) -> None:
    # The accountant's plan and the stop rule resolve "auto" alike: the noise is
    # calibrated for exactly the steps taken. 480 training rows, batches of 100: 4 steps
    # an epoch; epsilon 100 keeps it short.
    epsilon = 100.0
    hyperparameters = DP_FAST | {"dp_epochs": "auto", "dp_epsilon": str(epsilon)}
    root = make_root(tmp_path, hyperparameters, banksim_like(600))
    assert contract.run(root) == 0, failure(root)
    summary = json.loads((root / "model" / "training.json").read_text())
    privacy = summary["privacy"]
    assert summary["epochs_trained"] == privacy["epochs"] == dp.auto_epochs(epsilon)
    assert privacy["steps"] == privacy["steps_planned"] == 4 * dp.auto_epochs(epsilon)


def test_an_unreachable_epsilon_stops_training_before_preprocessing(tmp_path: Path) -> None:
    root = make_root(tmp_path, DP_FAST | {"dp_epsilon": "0.01"}, banksim_like(600))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fit.ChunkedTVAE, "prepare", lambda *a, **k: pytest.fail("prepared"))
        assert contract.run(root) == 1
    assert failure(root).startswith("synthpipe:dp_budget_unreachable ")
    assert not (root / "model").exists()


def test_public_declarations_training_cannot_use_are_refused_by_position(tmp_path: Path) -> None:
    # Bounds for a category column and categories for a column Prepare did not keep: a
    # clear refusal before preprocessing, naming positions, not the config's column names.
    public = {"bounds": {"gender": [0, 1]}, "categories": {"dropped_col": ["a"]}}
    hyperparameters = DP_FAST | {"dp_public": json.dumps(public)}
    root = make_root(tmp_path, hyperparameters, banksim_like(600))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fit.ChunkedTVAE, "prepare", lambda *a, **k: pytest.fail("prepared"))
        assert contract.run(root) == 1
    text = failure(root)
    position = list(banksim_like(10).columns).index("gender") + 1
    assert text.startswith("synthpipe:bad_hyperparameter ")
    assert f"positions {position}, absent" in text
    assert "gender" not in text and "dropped_col" not in text


def test_without_dp_the_stop_rules_read_the_evaluations() -> None:
    state = fit.RoundState(epoch=10, rounds_without_gain=9, rounds_over_bar=9)
    plain = Hyperparameters(epochs=100, dp_epochs=20)
    private = Hyperparameters(epochs=100, dp_epochs=20, dp_epsilon=1.0)
    assert fit.stop_reason(state, plain) == "fidelity_plateau"
    assert fit.stop_reason(state, private) == ""
    state.epoch = 20
    assert fit.stop_reason(state, private) == "epoch_budget"
    auto = Hyperparameters(epochs=100, dp_epsilon=10.0)
    state.epoch = dp.auto_epochs(10.0) - 1
    assert fit.stop_reason(state, auto) == ""
    state.epoch += 1
    assert fit.stop_reason(state, auto) == "epoch_budget"


def test_the_accountant_survives_a_checkpoint() -> None:
    plan = dp.plan_budget(
        epsilon=3.0, delta="auto", rows=1_000, batch_size=100, epochs=2, max_grad_norm=1.0
    )
    first = dp.DpSgd(plan)
    for _ in range(7):
        first.accountant.step(noise_multiplier=plan.noise_multiplier, sample_rate=plan.sample_rate)
    again = dp.DpSgd(plan)
    again.load_state_dict(json.loads(json.dumps(first.state_dict())))
    assert again.steps() == 7 and again.epsilon() == pytest.approx(first.epsilon())


def test_row_loss_is_ctgans_loss_when_every_row_has_the_same_sigma() -> None:
    from ctgan.data_transformer import SpanInfo
    from ctgan.synthesizers.tvae import _loss_function

    torch.manual_seed(0)
    info = [[SpanInfo(1, "tanh"), SpanInfo(3, "softmax")], [SpanInfo(2, "softmax")]]
    rows, real = 5, torch.zeros(5, 6)
    real[:, 0] = torch.rand(5) - 0.5
    real[torch.arange(5), 1 + torch.randint(0, 3, (5,))] = 1
    real[torch.arange(5), 4 + torch.randint(0, 2, (5,))] = 1
    rec, mu, logvar = torch.randn(rows, 6), torch.randn(rows, 3), torch.randn(rows, 3)
    sigma = torch.rand(6) + 0.05
    expected = _loss_function(rec, real, sigma, mu, logvar, info, 2.0)
    got = dp.row_loss(rec, real, dp.RowSigma(sigma)(real), mu, logvar, info, 2.0)
    assert [float(g.detach()) for g in got] == pytest.approx([float(e) for e in expected], rel=1e-6)


def test_dp_training_uses_its_own_learning_rate_and_adams_unfused_kernel() -> None:
    from sdv.metadata import Metadata

    frame = banksim_like(300)[["step", "gender", "category", "fraud"]]
    columns = {"step": {"sdtype": "numerical"}} | {
        name: {"sdtype": "categorical"} for name in ("gender", "category", "fraud")
    }
    metadata = Metadata.load_from_dict({"tables": {fit.TABLE: {"columns": columns}}})
    params = Hyperparameters(learning_rate=1e-3, dp_learning_rate=2e-2, batch_size=50)
    plan = dp.plan_budget(
        epsilon=8.0, delta="auto", rows=300, batch_size=50, epochs=1, max_grad_norm=1.0
    )
    for privacy, expected, fused in ((None, 1e-3, True), (plan, 2e-2, False)):
        tvae = fit.ChunkedTVAE(metadata, params, False, privacy)
        tvae.prepare(frame)
        assert [g["lr"] for g in tvae.optimizer.param_groups] == [expected]
        assert [g["fused"] for g in tvae.optimizer.param_groups] == [fused]


@pytest.mark.slow
def test_dp_training_learns_the_decoders_sigma(dp_trained: dict) -> None:
    assert dp_trained["code"] == 0, failure(dp_trained["root"])
    from sdv.utils import load_synthesizer

    synthesizer = load_synthesizer(str(dp_trained["root"] / "model" / "synthesizer.pkl"))
    sigma = synthesizer._model.decoder.sigma.detach()
    # ctgan starts every column at 0.1; a frozen sigma would still be exactly that.
    assert not torch.allclose(sigma, torch.full_like(sigma, 0.1))
    assert float(sigma.min()) >= 0.01 - 1e-6 and float(sigma.max()) <= 1.0  # ctgan clamp


# --- report -------------------------------------------------------------------------------


@pytest.mark.slow
def test_report_carries_the_dp_budget_and_says_what_it_covers(dp_trained: dict) -> None:
    privacy = dp_trained["summary"]["privacy"]
    sets = banksim_sets(600)
    data = run(sets, sets["good"], differential_privacy=privacy).to_dict()
    jsonschema.validate(data, load_schema())
    assert data["differential_privacy"]["noise_multiplier"] == privacy["noise_multiplier"]
    html = render_html(data)
    assert "Differential privacy" in html and "covers the rows training reads" in html
    assert "Prepare&#x27;s own protections" in html or "Prepare's own protections" in html
    assert f"{privacy['noise_multiplier']:.3f}" in html


def test_a_report_without_dp_says_off() -> None:
    sets = banksim_sets(600)
    data = run(sets, sets["good"]).to_dict()
    jsonschema.validate(data, load_schema())
    assert data["differential_privacy"] == {"mode": "off"}
    assert "Off: the model was trained without differential privacy" in render_html(data)


def test_the_cloud_manifest_records_the_dp_budget() -> None:
    state = {
        "dataset": "banksim",
        "runId": "20261201T000000Z-0123abcd",
        "bucket": "b",
        "key": "raw/banksim/x.csv",
        "versionId": "v1",
        "paths": {"synthetic": "s3://b/synthetic/banksim/20261201T000000Z-0123abcd/"},
    }
    budget = {"mode": "dp", "epsilon": 3.0, "noise_multiplier": 1.2}
    manifest = cloud.build_manifest(state, {"differential_privacy": budget}).to_dict()
    assert manifest["steps"]["evaluate"]["differential_privacy"] == budget
    plain = cloud.build_manifest(state, {}).to_dict()
    assert plain["steps"]["evaluate"]["differential_privacy"] == {"mode": "off"}
