"""Attack-based privacy: risks are high for copies of the training rows, low for rows the
model never saw, each with an interval; the statistics and the query counts are right."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from synthpipe.evaluate import singling_out
from synthpipe.evaluate.attacks import (
    MIN_DECIDING_QUERIES,
    AttackLimits,
    attack_risks,
    gate_figures,
    pooled_singling_out,
)
from synthpipe.evaluate.gate import Thresholds, check, manifest_metrics
from synthpipe.evaluate.risk import auc_with_ci, residual_risk
from tests.test_evaluate import COLUMNS, SDTYPES, banksim_sets

ROWS = 3_000
KINDS = {c: SDTYPES[c] for c in COLUMNS}
FIGURES = (
    "singling_out_risk",
    "linkability_risk",
    "attribute_inference_risk",
    "membership_inference_auc",
)


@pytest.fixture(scope="module")
def sets() -> dict[str, pd.DataFrame]:
    return banksim_sets(ROWS)


def attack(sets: dict[str, pd.DataFrame], synthetic: pd.DataFrame, **limits) -> dict:
    return attack_risks(
        train=sets["train"],
        holdout=sets["holdout"],
        synthetic=synthetic,
        sdtypes=KINDS,
        seed=0,
        limits=AttackLimits(**limits),
    )


@pytest.fixture(scope="module")
def independent(sets: dict[str, pd.DataFrame]) -> dict:
    """A fresh real sample: rows of the same population the model never saw."""
    return attack(sets, sets["good"])


@pytest.fixture(scope="module")
def copies(sets: dict[str, pd.DataFrame]) -> dict:
    return attack(sets, sets["train"])


def test_copies_of_the_training_rows_fail_every_attack_gate(copies: dict) -> None:
    figures, bars = copies["gate_figures"], Thresholds()
    for name in FIGURES:
        assert figures[name] > getattr(bars, name), name
        assert not check(name, figures[name], bars).passed
    assert copies["singling_out_univariate"]["risk"] > 0.9
    assert copies["attribute_inference"]["risk"] > 0.9
    assert copies["membership_inference"]["auc"] > 0.99


def test_independent_rows_pass_every_attack_gate(independent: dict) -> None:
    figures, bars = independent["gate_figures"], Thresholds()
    for name in FIGURES:
        assert check(name, figures[name], bars).passed, (name, figures[name])
    assert abs(figures["membership_inference_auc"] - 0.5) < 0.05
    assert figures["singling_out_risk"] < 0.05


def test_every_risk_has_its_interval(independent: dict, copies: dict) -> None:
    for result in (independent, copies):
        for part in (
            "singling_out_univariate",
            "singling_out_multivariate",
            "linkability",
            "attribute_inference",
        ):
            low, high = result[part]["ci"]
            assert 0.0 <= low <= result[part]["risk"] <= high <= 1.0, part
        low, high = result["membership_inference"]["ci"]
        assert low <= result["membership_inference"]["auc"] <= high
        assert result["confidence"] == 0.95
    sizes = independent["sizes"]
    assert sizes["targets"] == ROWS // 4  # the whole holdout, at most `targets`
    assert independent["runtime_s"] > 0 and set(independent["timings"]) >= {"neighbours"}


def test_each_column_is_a_secret_and_near_determined_ones_are_not_gated(
    independent: dict, copies: dict
) -> None:
    inference = independent["attribute_inference"]
    assert set(inference["secrets"]) == set(COLUMNS)
    # fraud (1.2% positive) is guessed right for ~98% of unseen rows: its risk would be
    # measured on the ~15 rows left, so it is shown but not gated.
    assert inference["secrets"]["fraud"]["control_rate"] > 0.8
    assert "fraud" not in inference["gated_secrets"]
    assert inference["secret"] in inference["gated_secrets"]
    # On copies, the gated secrets give every training row away.
    assert copies["attribute_inference"]["secrets"]["age"]["risk"] > 0.9


def test_linkability_halves_each_hold_identifying_columns(independent: dict) -> None:
    first, second = independent["linkability"]["halves"]
    assert sorted(first + second) == sorted(COLUMNS)
    # The two columns with the most distinct values are dealt to different halves.
    assert ("amount" in first) != ("amount" in second)
    assert ("amount" in first) == ("step" in second)


def test_a_spent_time_budget_fails_the_attack_gates_closed(sets) -> None:
    result = attack(sets, sets["good"].iloc[:500], budget_s=0.0)
    assert result["linkability"]["not_measured"] == "time budget spent"
    for name in FIGURES:
        assert math.isnan(result["gate_figures"][name])
        assert not check(name, result["gate_figures"][name], Thresholds()).passed


def test_wide_tables_attack_a_bounded_set_of_secrets(sets) -> None:
    associations = {
        "columns": COLUMNS,
        "real": [[1.0 if i == j else 0.1 * (i + j) for j in range(7)] for i in range(7)],
    }
    result = attack_risks(
        train=sets["train"],
        holdout=sets["holdout"],
        synthetic=sets["good"].iloc[:300],
        sdtypes=KINDS,
        seed=0,
        limits=AttackLimits(secrets=2, targets=100, queries=50, query_attempts=500),
        associations=associations,
    )
    # The two columns most associated with another: amount and fraud (1.1 each; the
    # next, category, reaches 1.0), in table order.
    assert list(result["attribute_inference"]["secrets"]) == ["amount", "fraud"]
    assert result["sizes"]["targets"] == 100


def test_manifest_metrics_carry_the_gate_figures_and_intervals(independent: dict) -> None:
    gates = [check(n, v, Thresholds()) for n, v in independent["gate_figures"].items()]
    report = {
        "gates": [g.__dict__ for g in gates],
        "quality": {"score": 0.9, "ceiling": {"score": 0.98, "ratio": 0.9 / 0.98}},
        "attacks": independent,
    }
    metrics = manifest_metrics(report)
    assert (metrics["quality"], metrics["quality_ceiling"]) == (0.9, 0.98)
    assert set(metrics["gates"]) == set(FIGURES)
    assert metrics["gates"]["linkability_risk"]["threshold"] == Thresholds().linkability_risk
    assert (
        metrics["attacks"]["membership_inference"]["ci"]
        == independent["membership_inference"]["ci"]
    )
    assert metrics["attacks"]["attribute_inference"]["secret"]
    assert metrics["attacks_runtime_s"] == independent["runtime_s"]
    assert manifest_metrics({})["attacks"] == {}  # a report from before attacks
    assert manifest_metrics({"quality": {"score": 0.9}})["quality_ceiling"] is None


def test_a_combination_many_people_share_singles_out_no_one() -> None:
    """Three coarse columns, 16 combinations, each held by dozens of rows (geepack/ohio's
    shape): an independent real sample singles out no one. With the real rows
    deduplicated, as Anonymeter does, each query matched its combination's one distinct
    row on both sides and the risk read 0.84."""
    rng = np.random.default_rng(5)

    def draw(rows: int) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "resp": rng.choice(2, rows, p=[0.8, 0.2]),
                "age": rng.choice(4, rows),
                "smoke": rng.choice(2, rows, p=[0.6, 0.4]),
            }
        )

    kinds = dict.fromkeys(("resp", "age", "smoke"), "categorical")
    train, holdout, independent = draw(1600), draw(400), draw(400)
    result = attack_risks(
        train=train, holdout=holdout, synthetic=independent, sdtypes=kinds, seed=0
    )
    assert result["singling_out_multivariate"]["queries"] > 0
    assert result["singling_out_multivariate"]["risk"] == 0.0
    # A row only one person holds is still singled out by its copy.
    rare = pd.DataFrame({"resp": [5] * 3, "age": [7, 8, 9], "smoke": [3] * 3})
    copied = pd.concat([train, rare], ignore_index=True)
    result = attack_risks(train=copied, holdout=holdout, synthetic=copied, sdtypes=kinds, seed=0)
    assert result["singling_out_multivariate"]["successes"]["training"] >= 3


def test_integer_codes_read_back_as_floats_are_the_same_category() -> None:
    """A category stored as 1 in the real rows and 1.0 in the synthetic ones (a Parquet
    round trip) is the same value to the attacker."""
    rng = np.random.default_rng(4)
    real = pd.DataFrame(
        {"amount": rng.gamma(2, 30, 1200).round(2), "kind": rng.integers(0, 5, 1200)}
    )
    train, holdout = real.iloc[:900], real.iloc[900:]
    synthetic = train.assign(kind=train["kind"].astype(float))
    kinds = {"amount": "numerical", "kind": "categorical"}
    result = attack_risks(train=train, holdout=holdout, synthetic=synthetic, sdtypes=kinds, seed=0)
    assert result["attribute_inference"]["secrets"]["kind"]["training_rate"] > 0.95
    assert result["singling_out_multivariate"]["risk"] > 0.5


# --- the statistics and the queries --------------------------------------------------------


def test_residual_risk_is_zero_for_equal_success_and_near_one_for_all_beyond_control() -> None:
    equal = residual_risk((1000, 300), (1000, 300))
    assert equal["risk"] == 0.0 and equal["ci"][0] == 0.0 and 0.03 < equal["ci"][1] < 0.1
    beyond = residual_risk((1000, 1000), (1000, 0))
    assert beyond["risk"] > 0.99 and beyond["ci"][1] == 1.0
    # Wilson's estimate: the Anonymeter figure for 500 of 1,000 vs 200 of 1,000.
    half = residual_risk((1000, 500), (1000, 200))
    assert half["risk"] == pytest.approx((0.5 - 0.2014) / (1 - 0.2014), abs=2e-3)
    assert math.isnan(residual_risk((0, 0), (10, 1))["risk"])


def test_auc_reads_members_closer_as_higher() -> None:
    members, others = np.linspace(0.5, 1.0, 200), np.linspace(0.0, 0.49, 200)
    assert auc_with_ci(members, others)["auc"] == 1.0
    same = auc_with_ci(np.zeros(100), np.zeros(100))
    assert same["auc"] == 0.5 and same["ci"][0] < 0.5 < same["ci"][1]


def test_query_counts_match_pandas() -> None:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "amount": rng.integers(0, 20, 400).astype(float),
            "kind": rng.choice(["a", "b", "c"], 400),
        }
    )
    frame.loc[::37, "amount"] = np.nan
    (table,) = singling_out.encode([frame], {"amount": "numerical", "kind": "categorical"})
    kept = pd.DataFrame(table.values, columns=["amount", "kind"])  # duplicates dropped
    code_b = float(kept.loc[kept.index[0], "kind"])
    queries = [
        ((0, singling_out.GE, 15.0),),
        ((0, singling_out.LE, 3.0), (1, singling_out.EQ, code_b)),
        ((0, singling_out.NULL, singling_out.NO_VALUE),),
        ((0, singling_out.EQ, 7.0), (1, singling_out.EQ, code_b)),
    ]
    expected = [
        (kept["amount"] >= 15).sum(),
        ((kept["amount"] <= 3) & (kept["kind"] == code_b)).sum(),
        kept["amount"].isna().sum(),
        ((kept["amount"] == 7) & (kept["kind"] == code_b)).sum(),
    ]
    assert list(singling_out.count_matches(table, queries)) == expected
    assert len(kept) < len(frame)  # the frame had duplicate rows, as Anonymeter drops them


@pytest.mark.parametrize("max_set_bytes", [256 * 2**20, 2_000])
def test_query_counts_from_kept_row_sets_match_a_cell_by_cell_count(
    monkeypatch: pytest.MonkeyPatch, max_set_bytes: int
) -> None:
    """A table keeps its predicates' row sets for its next queries (the search asks
    hundreds of thousands); counts stay exact when asked again, mixed with queries of
    other lengths, and when the kept sets outgrow their memory and start again."""
    monkeypatch.setattr(singling_out, "_MAX_SET_BYTES", max_set_bytes)
    rng = np.random.default_rng(8)
    values = rng.integers(0, 6, (700, 4)).astype(float)
    values[rng.random(values.shape) < 0.05] = np.nan
    table = singling_out.Encoded(values, np.array([True, True, False, False]))
    ops = [singling_out.EQ, singling_out.LE, singling_out.GE, singling_out.NULL]

    def query(size: int) -> tuple:
        columns = rng.choice(4, size, replace=False)
        picked = [(int(j), int(rng.choice(ops)), float(rng.integers(0, 6))) for j in columns]
        return tuple(
            (j, op, singling_out.NO_VALUE if op == singling_out.NULL else v) for j, op, v in picked
        )

    def by_cells(q: tuple) -> int:
        mask = np.ones(len(values), dtype=bool)
        for j, op, v in q:
            cells = values[:, j]
            mask &= {
                singling_out.EQ: cells == v,
                singling_out.LE: cells <= v,
                singling_out.GE: cells >= v,
                singling_out.NULL: np.isnan(cells),
            }[op]
        return int(mask.sum())

    queries = [query(int(rng.integers(1, 4))) for _ in range(1_200)]
    expected = [by_cells(q) for q in queries]
    assert list(singling_out.count_matches(table, queries)) == expected
    assert list(singling_out.count_matches(table, queries[::-1])) == expected[::-1]
    assert table.row_sets is not None and table.row_sets.used > 0


def test_multivariate_search_tries_each_candidate_once_and_finds_every_query() -> None:
    """Coarse data: only queries on one of 40 rare labels single out a row, 6 per rare
    row (z with two of the other four columns); 30,000 rows x 10 column sets."""
    rng = np.random.default_rng(4)
    frame = pd.DataFrame({c: rng.choice(list("abcdef"), 30_000) for c in "vwxyz"})
    frame.loc[:39, "z"] = [f"rare{i}" for i in range(40)]
    (table,) = singling_out.encode([frame], {c: "categorical" for c in frame})

    def search(attempts: int, seed: int) -> tuple[set[tuple], int]:
        rng = np.random.default_rng(seed)
        found, tried = singling_out.multivariate_queries(table, 1000, 3, attempts, math.inf, rng)
        return set(found), tried

    every, tried = search(500_000, seed=0)
    assert len(every) == 40 * 6 and tried == len(table.values) * 10  # each candidate once
    assert search(500_000, seed=1)[0] == every  # the same queries at any seed
    # Fewer attempts than candidates: drawn at random, a subset of them.
    some, tried = search(5_000, seed=0)
    assert tried == 5_000 and 0 < len(some) < len(every) and some <= every


def test_multivariate_queries_point_each_number_to_its_tail() -> None:
    """A category is `== v`, a number `>= v` above its median and `<= v` at or below it,
    a missing cell `is null`; every query found holds its own synthetic row."""
    rng = np.random.default_rng(12)
    frame = pd.DataFrame(
        {
            "amount": rng.integers(1, 10, 300).astype(float),
            "kind": rng.choice(list("abc"), 300),
            "age": rng.integers(18, 80, 300).astype(float),
        }
    )
    frame.loc[[5, 150], ["age", "kind"]] = [[np.nan, "a"], [np.nan, "b"]]  # one of each
    sdtypes = {"amount": "numerical", "kind": "categorical", "age": "numerical"}
    (table,) = singling_out.encode([frame], sdtypes)
    medians = np.nanmedian(table.values, axis=0)
    found, tried = singling_out.multivariate_queries(
        table, 10_000, 2, 100_000, math.inf, np.random.default_rng(0)
    )
    assert tried == len(table.values) * 3 and found
    nulls = 0
    for query in found:
        for column, op, value in query:
            if op == singling_out.NULL:
                nulls += 1
                assert table.numeric[column] and value == singling_out.NO_VALUE
            elif not table.numeric[column]:
                assert op == singling_out.EQ
            else:
                assert op == (singling_out.GE if value > medians[column] else singling_out.LE)
        held = [
            np.isnan(table.values[:, j]) if op == singling_out.NULL else table.values[:, j] == v
            for j, op, v in query
        ]
        assert np.logical_and.reduce(held).any()  # the row it was written from
    ops = {op for query in found for _, op, _ in query}
    assert nulls > 0 and {singling_out.GE, singling_out.LE, singling_out.EQ} <= ops
    assert list(singling_out.count_matches(table, found)) == [1] * len(found)


def test_control_successes_carried_to_a_larger_set_match_a_simulation() -> None:
    """Queries of known weights: the prediction from counts on 2,000 rows matches how many
    single out in 8,000 fresh rows."""
    rng = np.random.default_rng(11)
    weights = rng.gamma(1.0, 1 / 4000, 3000)
    small = rng.binomial(2000, weights)
    large = rng.binomial(8000, weights)
    predicted = singling_out.expected_singles(small, 2000, 8000)
    assert predicted == pytest.approx((large == 1).sum(), rel=0.08)
    # On its own size it reproduces what it saw.
    same = singling_out.expected_singles(small, 2000, 2000)
    assert same == pytest.approx((small == 1).sum(), rel=0.08)


def test_neighbour_attacks_pool_draws_and_vary_less_between_seeds(sets) -> None:
    """200 targets a side of a fresh real sample (no risk): one draw's figures move with
    the seed, and the largest secret's risk, read from noise, lies above 0; five draws
    pooled move less and lie closer to 0. Large or wide tables get fewer draws."""

    def figures(draws: int) -> np.ndarray:
        found = []
        for seed in range(8):
            result = attack_risks(
                train=sets["train"],
                holdout=sets["holdout"],
                synthetic=sets["good"],
                sdtypes=KINDS,
                seed=seed,
                limits=AttackLimits(targets=200, draws=draws, queries=50),
            )
            assert result["sizes"]["draws"] == draws
            gate = result["gate_figures"]
            found.append([gate["attribute_inference_risk"], gate["membership_inference_auc"]])
        return np.array(found)

    one, pooled = figures(1), figures(5)
    assert pooled[:, 0].mean() < one[:, 0].mean()
    assert pooled[:, 1].std() < one[:, 1].std()
    cells = 200 * len(sets["good"]) * 2 * len(KINDS)  # targets x searched x per row
    result = attack(sets, sets["good"], targets=200, max_cells=2.5 * cells, queries=50)
    assert result["sizes"]["draws"] == 2


def test_a_singling_out_mode_with_few_queries_decides_only_with_the_other() -> None:
    """Four univariate queries, three of which single out a training row (a risk near
    0.5 on its own), beside 200 multivariate queries with no risk: the gate reads the
    queries together. With enough queries of its own, a mode decides alone."""

    def mode(queries: int, training: float, control: float) -> dict:
        return residual_risk((queries, training), (queries, control)) | {"queries": queries}

    def gate(univariate: dict, multivariate: dict) -> float:
        results = {
            "singling_out_univariate": univariate,
            "singling_out_multivariate": multivariate,
            "singling_out_pooled": pooled_singling_out(univariate, multivariate),
        }
        return gate_figures(results)["singling_out_risk"]

    few, none = mode(4, 3, 0), mode(200, 40, 40)
    assert few["risk"] > 0.4 and none["risk"] == 0.0
    assert gate(few, none) < 0.05
    many = mode(MIN_DECIDING_QUERIES, 60, 20)
    assert gate(many, none) == many["risk"] > 0.3
    not_measured = {"risk": None, "ci": [None, None], "not_measured": "time budget spent"}
    assert math.isnan(gate(few, not_measured))


def _daily_series(rng: np.random.Generator, days: pd.DatetimeIndex) -> pd.DataFrame:
    """A row per day: the day, a seasonal temperature to a tenth, a kind of weather."""
    season = np.sin(2 * np.pi * days.dayofyear.to_numpy() / 365.25)
    return pd.DataFrame(
        {
            "date": days,
            "temp": np.round(12 + 8 * season + rng.normal(0, 3, len(days)), 1),
            "weather": rng.choice(["sun", "rain", "fog", "snow", "drizzle"], len(days)),
        }
    )


@pytest.mark.parametrize("knows_the_split", [False, True])
def test_a_daily_series_singles_out_no_one_unless_the_model_kept_the_training_days(
    knows_the_split: bool,
) -> None:
    """Seattle's weather (vega_datasets), a row per day: every day is held by one real
    row, so a synthetic day singles out a training day whenever it is one, 80% of the
    time for a model that never saw the split. The size correction, which takes rows for
    independent draws, expected 34% and refused such a release at 0.46. A model that
    writes only the training days is still refused."""
    rng = np.random.default_rng(5)
    days = pd.date_range("2012-01-01", periods=1461, freq="D")
    real = _daily_series(rng, days)
    holdout_rows = rng.choice(len(real), 292, replace=False)
    holdout = real.iloc[np.sort(holdout_rows)].reset_index(drop=True)
    train = real.drop(index=holdout_rows).reset_index(drop=True)
    drawn_from = train["date"] if knows_the_split else real["date"]
    synthetic = _daily_series(rng, pd.DatetimeIndex(rng.choice(drawn_from, len(real))))
    results = attack_risks(
        train=train,
        holdout=holdout,
        synthetic=synthetic,
        sdtypes={"date": "datetime", "temp": "numerical", "weather": "categorical"},
        seed=0,
    )
    univariate = results["singling_out_univariate"]
    assert univariate["one_real_row"]["queries"] >= 300  # the days themselves
    risk = gate_figures(results)["singling_out_risk"]
    if knows_the_split:
        # Only a temperature, never a day, matches a holdout row alone.
        assert univariate["one_real_row"]["holdout"] < 0.05 * univariate["one_real_row"]["queries"]
        assert risk > 0.5
    else:
        assert risk <= Thresholds().singling_out_risk
