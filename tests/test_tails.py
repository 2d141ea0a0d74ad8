"""Tails beyond the protection bounds: fitted on the cleaned rows, drawn at generate."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import pytest

from synthpipe.evaluate.report import load_schema
from synthpipe.generate import cast_column
from synthpipe.schema import ColumnSchema, DatasetSchema
from synthpipe.tails import MIN_SHAPE, Tail, clip_to_bounds, fit_tail, fit_tails, spread_tails
from tests.model_steps import train_generate_evaluate

K = 10


def clipped(values: np.ndarray, k: int = K) -> tuple[np.ndarray, int, int]:
    """`values` clipped as Prepare clips them (k rows at or beyond each bound), and the
    rows clipped below and above."""
    ordered = np.sort(values)
    low, high = ordered[k - 1], ordered[-k]
    return np.clip(values, low, high), int((values < low).sum()), int((values > high).sum())


def pareto(rows: int, shape: float, seed: int = 0) -> np.ndarray:
    """A generalised Pareto sample of `shape` and scale 1, from 0 up."""
    u = np.random.default_rng(seed).uniform(size=rows)
    return (u ** (-shape) - 1) / shape


@pytest.mark.parametrize("shape", [-0.2, 0.25, 0.5])
def test_the_fitted_shape_is_the_tail_s_own(shape: float) -> None:
    values, _, high = clipped(pareto(40_000, shape))
    tail = fit_tail(values, "high", high / len(values))
    assert tail is not None
    assert abs(tail.shape - shape) < 0.1
    assert tail.bound == values.max()
    # Generate draws only a heavy tail.
    assert tail.drawn == (shape >= MIN_SHAPE)


def test_draws_lie_beyond_the_bound_and_within_the_limit() -> None:
    values, low, high = clipped(np.random.default_rng(1).lognormal(0, 2, 5_000))
    rng = np.random.default_rng(2)
    for side, rows in (("high", high), ("low", low)):
        tail = fit_tail(values, side, rows / len(values))
        assert tail is not None
        drawn = tail.sign * tail.draw(2_000, rng)
        assert (drawn >= tail.sign * tail.bound).all()
        assert (drawn <= tail.sign * tail.limit).all()
    # Positive values: the low tail stops at zero, never below.
    assert fit_tail(values, "low", low / len(values)).limit >= 0


def test_the_low_tail_of_a_positive_column_never_crosses_zero() -> None:
    values, low, _ = clipped(np.random.default_rng(3).exponential(1.0, 5_000) + 0.001)
    tail = fit_tail(values, "low", low / len(values))
    assert tail is not None and tail.limit >= 0
    assert (tail.draw(5_000, np.random.default_rng(4)) >= 0).all()


def test_whole_numbers_stay_whole() -> None:
    values, _, high = clipped(np.round(np.random.default_rng(5).lognormal(5, 2, 5_000)))
    tail = fit_tail(values, "high", high / len(values))
    tails = {"n": {"high": tail.to_dict()}}
    # Given as whole numbers, the draws are rounded; given as floats (an engine's output
    # with nulls), generate's cast rounds them.
    spread, moved = spread_tails(pd.DataFrame({"n": values.astype("int64")}), tails, seed=6)
    beyond = spread["n"] > tail.bound
    assert spread["n"].dtype == "int64" and beyond.sum() == moved["n"]["high"] > 0
    floats, _ = spread_tails(pd.DataFrame({"n": values}), tails, seed=6)
    cast = cast_column(floats["n"], "integer")
    assert (cast[beyond] > tail.bound).all() and cast.equals(spread["n"].astype("Int64"))


def test_too_few_rows_fit_no_tail() -> None:
    values, _, high = clipped(np.random.default_rng(7).lognormal(0, 1, 150))
    assert fit_tail(values, "high", high / len(values)) is None


def schema_of(frame: pd.DataFrame, protection: dict[str, dict[str, int]], **kinds) -> DatasetSchema:
    columns = [
        ColumnSchema(
            original_name=name,
            name=name,
            type=kinds[name],
            role="feature",
            distinct_count=int(frame[name].nunique()),
            protection=protection.get(name),
        )
        for name in frame.columns
    ]
    return DatasetSchema(dataset="d", run_id="r", columns=columns, rows=len(frame))


def test_only_continuous_numbers_prepare_clipped_get_a_tail() -> None:
    rng = np.random.default_rng(8)
    amount, low, high = clipped(rng.lognormal(3, 2, 3_000))
    untouched = rng.normal(0, 1, 3_000)
    # A score on a scale (up to 10): its tail ends, and a draw past 10 would be no score.
    rating, rating_low, rating_high = clipped(np.round(rng.beta(5, 1.2, 3_000) * 10, 2))
    frame = pd.DataFrame(
        {
            "amount": amount,
            "untouched": untouched,
            "children": rng.integers(0, 6, 3_000),
            "rating": rating,
            "grade": rng.choice(list("ABC"), 3_000),
        }
    )
    counts = {"clipped_low_rows": low, "clipped_high_rows": high}
    protection = {
        "amount": counts,
        "untouched": {},
        "children": counts,
        "rating": {"clipped_low_rows": rating_low, "clipped_high_rows": rating_high},
    }
    schema = schema_of(
        frame,
        protection,
        amount="decimal",
        untouched="decimal",
        children="integer",
        grade="categorical",
        rating="decimal",
    )
    tails = fit_tails(frame, schema, ["amount", "untouched", "children", "rating"])
    # The amount's high tail is heavy; its low one, towards zero, ends.
    assert set(tails) == {"amount"} and set(tails["amount"]) == {"high"}
    # Modelled as a category, a number gets no tail.
    assert fit_tails(frame, schema, ["untouched", "children"]) == {}
    # Training reads a sample of a large table: the share is the table's.
    schema.rows = 30_000
    sampled = fit_tails(frame, schema, ["amount"])
    assert sampled["amount"]["high"]["share"] == high / 30_000
    schema.rows = len(frame)
    # A code (zip codes stored as numbers) is no quantity: a code past the real ones
    # would be no code.
    schema.columns[0].code_reason = "named like a code"
    assert fit_tails(frame, schema, ["amount"]) == {}
    schema.columns[0].code_reason = ""
    # A config that tightened the quantiles asked for no extremes.
    schema.value_protection = {"min_category_count": K, "clip_quantiles": [0.01, 0.99]}
    assert fit_tails(frame, schema, ["amount"]) == {}


def test_spread_moves_the_outermost_rows_in_order_and_nothing_else() -> None:
    tail = Tail("high", 10.0, 5.0, 0.2, 1.0, 40.0, 0.01)
    values = np.r_[np.linspace(0, 9, 950), np.full(50, 10.0)]
    frame = pd.DataFrame({"x": values, "y": np.arange(1_000)})
    tails = {"x": {"high": tail.to_dict()}}
    spread, moved = spread_tails(frame, tails, seed=1)
    assert moved == {"x": {"high": 10}}  # 1% of 1,000 rows, of the 50 at the bound
    beyond = spread["x"] > 10.0
    assert beyond.sum() == 10 and (spread["x"] <= 40.0).all() and beyond[-10:].all()
    assert spread["x"][~beyond].equals(frame["x"][~beyond])
    assert spread["y"].equals(frame["y"])
    again, _ = spread_tails(frame, tails, seed=1)
    assert again.equals(spread)
    assert clip_to_bounds(spread, tails)["x"].max() == 10.0
    # The outermost rows get the outermost draws, whether or not the model reached the
    # bound; rows inside the tail's threshold never move.
    short = pd.DataFrame({"x": np.r_[np.linspace(0, 4.9, 990), np.linspace(5, 9, 10)]})
    spread, moved = spread_tails(short, tails, seed=1)
    assert moved == {"x": {"high": 10}}
    assert (spread["x"][990:] > 10.0).all() and spread["x"][990:].is_monotonic_increasing
    inside = pd.DataFrame({"x": np.r_[np.linspace(0, 4.9, 997), [5.0, 6.0, 7.0]]})
    assert spread_tails(inside, tails, seed=1)[1] == {"x": {"high": 3}}


@pytest.fixture(scope="module")
def run_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A heavy-tailed amount, clipped as Prepare clips it, trained (TVAE, as
    test_generate trains it), generated and evaluated."""
    root = tmp_path_factory.mktemp("tails")
    rng = np.random.default_rng(9)
    amount, low, high = clipped(np.round(rng.lognormal(3, 2, 1_500), 2))
    frame = pd.DataFrame(
        {
            "amount": amount,
            "kind": rng.choice(["a", "b", "c"], 1_500),
            "fraud": rng.integers(0, 2, 1_500),
        }
    )
    counts = {"amount": {"clipped_low_rows": low, "clipped_high_rows": high}}
    schema = schema_of(frame, counts, amount="decimal", kind="categorical", fraud="integer")
    schema.value_protection = {"min_category_count": K, "clip_quantiles": [0.0, 1.0]}
    return train_generate_evaluate(root, frame, schema) | {"high": high}


def test_generate_draws_the_tail_training_fitted(run_dirs: dict[str, Path]) -> None:
    training = json.loads((run_dirs["model"] / "training.json").read_text())
    tail = training["tails"]["amount"]["high"]
    real_max = pd.read_parquet(run_dirs["cleaned"] / "data")["amount"].max()
    assert tail["bound"] == real_max
    synthetic = pd.read_parquet(run_dirs["staging"] / "synthetic.parquet")["amount"]
    generation = json.loads((run_dirs["staging"] / "generation.json").read_text())
    moved = generation["tail_rows"].get("amount", {}).get("high", 0)
    assert 0 < moved <= run_dirs["high"]
    assert (synthetic > real_max).sum() == moved
    assert synthetic.max() <= tail["limit"]


def test_the_report_counts_the_tail_and_scores_fidelity_within_the_bounds(
    run_dirs: dict[str, Path],
) -> None:
    report = json.loads((run_dirs["staging"] / "report.json").read_text())
    jsonschema.validate(report, load_schema())
    generation = json.loads((run_dirs["staging"] / "generation.json").read_text())
    assert report["quality"]["tails"]["rows"] == generation["tail_rows"]
    html = (run_dirs["staging"] / "report.html").read_text()
    assert "Rows above the high bound" in html
    # Fidelity reads the rows clipped back: SDMetrics' range check finds every synthetic
    # amount within the real range, though the released rows go beyond it.
    assert report["diagnostic"]["columns"]["amount"] == {
        "metric": "BoundaryAdherence",
        "score": 1.0,
    }
