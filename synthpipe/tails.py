"""Tails beyond the protection bounds: drawn from a fitted tail, not piled at the bound.

Value protection (`synthpipe.protection`) clips each number so that at least k rows lie
at or beyond each bound: the model never sees a record's own extreme. What the model
then makes is a wall: flchain's `kappa` came back with 12 synthetic rows at exactly
7.93 and none above, where the real rows run to 20.5. A user sees the artificial pile;
SDMetrics' pair trends, which bin each side on its own range, scored kappa x flc.grp
0.30 against the real holdout's 0.85.

Training fits a tail to each clipped side of a continuous number, on the cleaned rows
alone (already clipped: the rows beyond the bound count only as "at the bound or
beyond", their values are never read): a generalised Pareto distribution over the outer
`TAIL_SHARE` of the rows, by maximum likelihood with the rows at the bound censored.
Generate then gives the outermost synthetic rows, as many as the real data had beyond
the bound (the share Prepare counted, `clipped_high_rows`), draws of that tail beyond
the bound in the same order (the outermost row the outermost draw), up to `limit` (where
the fitted tail expects half a row of the real table, and no further past the bound
than the tail runs inside it), never across zero when the real rows do not cross it.
The model and its holdout scores are untouched, and the evaluation clips the synthetic
rows back to the bounds for fidelity (`clip_to_bounds`): the release gates judge what
the model made against the rows it saw. (Redrawing the clipped rows in Prepare instead,
so that the model trained on the drawn tails, scored 0.85 against 0.92: `protection`.)

Only heavy tails (`MIN_SHAPE`, `Tail.drawn`) of continuous numbers (more than
`DISCRETE_MAX` values, not codes) modelled as numbers; only when Prepare clipped rows on
that side; only under the default clip quantiles (a config that asks for tighter ones
asks for no extremes); and never under differential privacy (the fit reads real rows
that no accountant counts).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from synthpipe.protection import DISCRETE_MAX, ValueProtection
from synthpipe.schema import DatasetSchema

# The outer share of a column's rows the tail is fitted on, and the fewest rows inside
# the bound that a fit needs.
TAIL_SHARE = 0.1
MIN_TAIL_ROWS = 20
# The shape is kept within these: below, a tail that ends where it starts; above, one
# whose mean is infinite.
SHAPE_RANGE = (-0.5, 0.9)
# Generate draws only heavy tails: a shape of 0.25 or more (fewer than four finite
# moments), as flchain's kappa, lambda and creatinine (0.33 to 0.36) and movies' length
# and votes have. A light tail ends near its k-th value, and SDMetrics' bins, drawn on
# each side's own range, are shifted by a drawn tail as often as mended: diamonds'
# depth (0.17) cost its quality 0.028, drawn (benchmarks/real_bench.py, December 2026).
MIN_SHAPE = 0.25
SIDES = ("low", "high")


@dataclass(frozen=True)
class Tail:
    """One side's fitted tail. `bound`, `threshold` and `limit` are in the column's own
    units; `shape` and `scale` are the generalised Pareto distribution's (xi, sigma) of
    the distance beyond `threshold`, away from the centre."""

    side: str  # "low" or "high"
    bound: float  # the protection bound: the cleaned rows' minimum or maximum
    threshold: float  # where the fitted tail starts, inside the bound
    shape: float
    scale: float
    limit: float  # the furthest value drawn
    share: float  # the share of rows Prepare clipped beyond the bound

    @property
    def sign(self) -> int:
        return _sign(self.side)

    @property
    def drawn(self) -> bool:
        """Whether generate draws this tail: a heavy one (`MIN_SHAPE`, as amounts, incomes
        and lab values have) that reaches past the bound. A tail that ends (ratings up to
        10, ages, scores up to 850: a negative shape) keeps its rows at the bound: a draw
        past it could be a value the scale does not have."""
        return self.shape >= MIN_SHAPE and self.sign * self.limit > self.sign * self.bound

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def draw(self, rows: int, rng: np.random.Generator) -> np.ndarray:
        """`rows` values beyond the bound, up to the limit, from the fitted tail."""
        from scipy.stats import genpareto

        sign, tail = self.sign, genpareto(self.shape, scale=self.scale)
        start = sign * (self.bound - self.threshold)
        end = sign * (self.limit - self.threshold)
        drawn = tail.isf(rng.uniform(tail.sf(end), tail.sf(start), size=rows))
        return self.threshold + sign * np.clip(drawn, start, end)


def fit_tails(
    frame: pd.DataFrame, schema: DatasetSchema, numerical: list[str]
) -> dict[str, dict[str, dict[str, Any]]]:
    """Column -> side -> its `Tail` as a dict (training.json's `tails`), for the columns
    of `numerical` (modelled as numbers) that Prepare clipped under the default quantiles."""
    protection = ValueProtection.from_dict(schema.value_protection)
    if protection.clip_quantiles != ValueProtection().clip_quantiles:
        return {}
    found: dict[str, dict[str, dict[str, Any]]] = {}
    for column in schema.columns:
        if column.name not in numerical or column.name not in frame:
            continue
        if column.type not in ("integer", "decimal") or column.distinct_count <= DISCRETE_MAX:
            continue
        if column.code_reason:  # a code past the real ones is no code (categories.json)
            continue
        values = pd.to_numeric(frame[column.name], errors="coerce").dropna().to_numpy(float)
        # `frame` may be training's sample of a large table: shares are the table's.
        present = max(schema.rows - column.null_count, len(values))
        clipped = column.protection or {}
        sides = {}
        for side in SIDES:
            rows = int(clipped.get(f"clipped_{side}_rows") or 0)
            if rows and len(values):
                tail = fit_tail(values, side, rows / present, present)
                if tail is not None and tail.drawn:
                    sides[side] = tail.to_dict()
        if sides:
            found[column.name] = sides
    return found


def fit_tail(values: np.ndarray, side: str, share: float, rows: int | None = None) -> Tail | None:
    """The tail of `values` (clipped at their extreme on `side`) beyond that extreme, or
    None when too few rows lie between the threshold and the bound to fit one. `rows`:
    the column's values in the whole table when `values` are a sample of them."""
    sign = _sign(side)
    x = sign * values  # away from the centre is up, on either side
    bound = float(x.max())
    threshold = float(np.quantile(x, 1 - TAIL_SHARE))
    outer = x[x > threshold]
    at_bound = np.isclose(outer, bound, rtol=1e-12, atol=0)
    if (~at_bound).sum() < MIN_TAIL_ROWS or bound <= threshold:
        return None
    shape, scale = _censored_fit(
        outer[~at_bound] - threshold, int(at_bound.sum()), bound - threshold
    )
    # Where the fitted tail expects half a row of the real table beyond, and no further
    # past the bound than the tail runs inside it: a shape fitted on a tenth of the rows
    # overshoots the few beyond (movies' votes: 5.9 million for a top of 157,000; the
    # span gives 155,000).
    outer_rows = len(outer) * (rows or len(x)) / len(x)  # in the whole table
    from scipy.stats import genpareto

    limit = threshold + float(genpareto.isf(0.5 / outer_rows, shape, scale=scale))
    limit = min(limit, 2 * bound - threshold)
    if bound <= 0:  # rows that never cross zero: a drawn tail does not either
        limit = min(limit, 0.0)
    return Tail(side, sign * bound, sign * threshold, shape, scale, sign * limit, share)


def spread_tails(
    frame: pd.DataFrame, tails: Mapping[str, Mapping[str, Mapping[str, Any]]], seed: int
) -> tuple[pd.DataFrame, dict[str, dict[str, int]]]:
    """`frame` with, per fitted side, its outermost rows (as many as the real data had
    beyond the bound: the tail's `share`; none inside the tail's threshold) given draws
    of the tail, the outermost row the outermost draw; and the rows moved, per column
    and side (counts only). A column of whole numbers gets its draws rounded; one the
    engine gave as floats is rounded where generate casts it (`cast_column`)."""
    rng = np.random.default_rng(seed)
    frame = frame.copy()
    moved: dict[str, dict[str, int]] = {}
    for name, sides in tails.items():
        if name not in frame:
            continue
        values = pd.to_numeric(frame[name], errors="coerce").to_numpy(float)
        present = int(np.isfinite(values).sum())
        for side, fields in sides.items():
            tail = Tail(**fields)
            away = tail.sign * values  # NaN stays NaN, and is never chosen
            outer = np.flatnonzero(away >= tail.sign * tail.threshold)
            count = min(len(outer), round(tail.share * present))
            if count:
                chosen = outer[np.argsort(away[outer], kind="stable")[-count:]]
                drawn = np.sort(tail.sign * tail.draw(count, rng))
                values[chosen] = tail.sign * drawn
                if pd.api.types.is_integer_dtype(frame[name]):
                    values[chosen] = np.round(values[chosen])
                moved.setdefault(name, {})[side] = count
        frame[name] = pd.Series(values, index=frame.index).astype(frame[name].dtype)
    return frame, moved


def clip_to_bounds(
    frame: pd.DataFrame, tails: Mapping[str, Mapping[str, Mapping[str, Any]]]
) -> pd.DataFrame:
    """`frame` with each tailed column back within its protection bounds: what the model
    made, which the evaluation's fidelity compares with the cleaned rows."""
    frame = frame.copy()
    for name, sides in tails.items():
        if name in frame:
            low = sides.get("low", {}).get("bound")
            high = sides.get("high", {}).get("bound")
            frame[name] = frame[name].clip(lower=low, upper=high)
    return frame


def _censored_fit(excess: np.ndarray, censored: int, at: float) -> tuple[float, float]:
    """(shape, scale) of a generalised Pareto distribution by maximum likelihood, given
    the `excess` observed and `censored` more known only to be at `at` or beyond."""
    from scipy.optimize import minimize
    from scipy.stats import genpareto

    def negative_log_likelihood(params: np.ndarray) -> float:
        shape, scale = float(params[0]), math.exp(params[1])
        if not SHAPE_RANGE[0] <= shape <= SHAPE_RANGE[1]:
            return math.inf
        # -inf (an excess past a tail that ends) makes the likelihood infinite.
        observed = genpareto.logpdf(excess, shape, scale=scale).sum()
        beyond = censored * genpareto.logsf(at, shape, scale=scale)
        return -float(observed + beyond)

    # Nelder-Mead: the likelihood is infinite outside the shapes that reach every excess.
    start = np.array([0.1, math.log(max(float(excess.mean()), 1e-12))])
    found = minimize(negative_log_likelihood, start, method="Nelder-Mead")
    return float(found.x[0]), float(math.exp(found.x[1]))


def _sign(side: str) -> int:
    """1 for the high side, -1 for the low: away from the centre is up on either side."""
    return 1 if side == "high" else -1
