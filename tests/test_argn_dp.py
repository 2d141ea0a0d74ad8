"""TabularARGN under differential privacy: its own DP-SGD, fed by our DP statistics.

Real ARGN (mostlyai-engine) and Opacus on 600 rows for two DP epochs of three steps.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import mostlyai.engine
import pandas as pd
import pyarrow.parquet as pq
import pytest

from synthpipe.errors import StepFailed
from synthpipe.evaluate import load_schema, render_html
from synthpipe.generate import generate
from synthpipe.protection import RARE_TOKEN
from synthpipe.train import contract, engines
from synthpipe.train.argn import PROGRESS_FILE, ArgnModel, _spent
from tests.test_dp_train import PUBLIC
from tests.test_evaluate import banksim_sets, run
from tests.test_train import FAST, banksim_like, failure, make_root

# 480 training rows, batches of 160: three steps an epoch, two epochs.
ARGN_DP = FAST | {
    "engine": "argn",
    "dp_epsilon": "8",
    "argn_dp_epochs": "2",
    "argn_dp_batch_size": "160",
    "argn_max_seconds": "120",
    "dp_public": json.dumps(PUBLIC),
    "privacy_bar": "0.5",  # under DP the model is kept whatever the evaluation says
}


def with_prepares_rare_label(frame: pd.DataFrame) -> pd.DataFrame:
    """Some categories pooled into `_RARE_`, as Prepare pools rare ones."""
    frame = frame.copy()
    frame.loc[frame.index % 5 == 0, "category"] = RARE_TOKEN
    return frame


@pytest.fixture(scope="module")
def argn_dp(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One DP training, with what ARGN's analysis read and what its training was given."""
    frame = with_prepares_rare_label(banksim_like(600))
    root = make_root(tmp_path_factory.mktemp("argn-dp"), ARGN_DP, frame)
    seen: dict[str, Any] = {}
    analyze, train = mostlyai.engine.analyze, mostlyai.engine.train

    def spy_analyze(**kwargs: Any) -> None:
        data = Path(kwargs["workspace_dir"]) / "OriginalData" / "tgt-data"
        seen["analysed"] = pd.concat(pd.read_parquet(p) for p in sorted(data.glob("*.parquet")))
        seen["value_protection"] = kwargs["value_protection"]
        analyze(**kwargs)

    def spy_train(**kwargs: Any) -> None:
        seen["train"] = kwargs
        train(**kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(mostlyai.engine, "analyze", spy_analyze)
        patch.setattr(mostlyai.engine, "train", spy_train)
        code = contract.run(root)
    summary = json.loads((root / "model" / "training.json").read_text()) if code == 0 else {}
    return {"root": root, "code": code, "frame": frame, "seen": seen, "summary": summary}


@pytest.mark.slow
def test_the_dp_plan_reaches_argns_own_dp_sgd(argn_dp: dict[str, Any]) -> None:
    assert argn_dp["code"] == 0, failure(argn_dp["root"])
    privacy = argn_dp["summary"]["privacy"]
    train = argn_dp["seen"]["train"]
    config = train["differential_privacy"]
    # DP-SGD's share of the budget, not the whole: the statistics spent the rest.
    assert config.max_epsilon == pytest.approx(privacy["sgd"]["epsilon"])
    assert config.delta == pytest.approx(privacy["sgd"]["delta"])
    assert config.noise_multiplier == pytest.approx(privacy["noise_multiplier"])
    assert config.max_grad_norm == privacy["max_grad_norm"] == 1.0
    assert train["batch_size"] == 160 and train["max_epochs"] == 2
    assert privacy["sample_rate"] == pytest.approx(160 / 480)


@pytest.mark.slow
def test_argns_analysis_reads_no_real_row(argn_dp: dict[str, Any]) -> None:
    analysed, real = argn_dp["seen"]["analysed"], argn_dp["frame"]
    assert argn_dp["seen"]["value_protection"] is False  # its statistics come from ours
    assert len(analysed) > 0
    # Stand-ins drawn from the DP proxy: uniform within DP bins, never a real amount.
    assert not analysed["amount"].isin(real["amount"]).any()


@pytest.mark.slow
def test_argn_spends_no_more_than_its_share(argn_dp: dict[str, Any]) -> None:
    privacy = argn_dp["summary"]["privacy"]
    assert privacy["mode"] == "dp" and privacy["engine"] == "argn"
    assert privacy["epsilon"] == 8.0
    assert 0 < privacy["sgd"]["epsilon_spent"] <= privacy["sgd"]["epsilon"]
    assert privacy["statistics"]["epsilon"] + privacy["sgd"]["epsilon"] == pytest.approx(8.0)
    assert 0 < privacy["steps"] <= privacy["steps_planned"] == 2 * 3
    assert 0 < privacy["epochs_taken"] <= privacy["epochs"] == 2
    sources = {c["name"]: c["source"] for c in privacy["preprocessing"]["columns"]}
    assert sources["fraud"] == sources["gender"] == "public"
    assert sources["amount"] == sources["category"] == "dp"


@pytest.mark.slow
def test_the_model_folder_keeps_no_training_record(argn_dp: dict[str, Any]) -> None:
    saved = {p.name for p in (argn_dp["root"] / "model" / "argn").rglob("*")}
    assert "model-weights.pt" in saved
    # The progress file holds the real rows' training loss; the accountant their count.
    for name in ("progress-messages.csv", "dp-accountant.pt", "optimizer.pt", "OriginalData"):
        assert name not in saved


@pytest.mark.slow
def test_generate_keeps_to_the_dp_categories(argn_dp: dict[str, Any], tmp_path: Path) -> None:
    model = argn_dp["root"] / "model"
    generate(model_dir=model, out_dir=str(tmp_path), rows=2000, seed=1)
    synthetic = pq.read_table(tmp_path / "synthetic.parquet").to_pandas()
    kept = json.loads((model / "categories.json").read_text())["columns"]
    # Prepare's `_RARE_` label is a real category here; ARGN's own token never appears.
    assert RARE_TOKEN in kept["category"]
    assert set(synthetic["category"].dropna()) <= set(kept["category"])
    assert set(synthetic["gender"].dropna()) <= {"F", "M"}


@pytest.mark.slow
def test_the_report_says_argn_trained_with_its_own_dp(argn_dp: dict[str, Any]) -> None:
    privacy = argn_dp["summary"]["privacy"]
    sets = banksim_sets(600)
    data = run(sets, sets["good"], differential_privacy=privacy).to_dict()
    jsonschema.validate(data, load_schema())
    html = render_html(data)
    assert "TabularARGN trained with its own DP-SGD" in html
    assert "not on real ones" in html


def test_an_unreachable_epsilon_stops_argn_before_it_starts(tmp_path: Path) -> None:
    root = make_root(tmp_path, ARGN_DP | {"dp_epsilon": "0.01"}, banksim_like(600))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ArgnModel, "fit", lambda *a, **k: pytest.fail("ARGN started"))
        assert contract.run(root) == 1
    text = failure(root)
    assert text.startswith("synthpipe:dp_budget_unreachable ")
    assert "480 training rows" in text and "noise multiplier" in text
    assert not (root / "model").exists()


def test_a_first_checkpoint_above_the_share_is_not_released() -> None:
    engines.check_spent({"epsilon_spent_sgd": 2.9}, 3.0)
    with pytest.raises(StepFailed) as error:
        engines.check_spent({"epsilon_spent_sgd": 3.2}, 3.0)
    assert error.value.code == "dp_budget_unreachable"
    assert "argn_dp_epochs" in error.value.fix


def test_spent_epsilon_is_the_largest_within_the_share(tmp_path: Path) -> None:
    # ARGN's progress file: a first-step line, two epoch ends, one epoch above the share.
    progress = tmp_path / PROGRESS_FILE
    progress.parent.mkdir(parents=True)
    pd.DataFrame(
        {
            "epoch": [0.1, 1.0, 2.0, 3.0],
            "steps": [1, 10, 20, 30],
            "dp_eps": [0.2, 1.5, 2.6, 3.1],
        }
    ).to_csv(progress, index=False)
    spent = _spent(progress, 3.0)
    assert spent == {"epsilon_spent_sgd": 2.6, "steps_taken": 20, "epochs_taken": 2.0}
    # None within: the largest, for check_spent to refuse.
    assert _spent(progress, 0.1)["epsilon_spent_sgd"] == 3.1
