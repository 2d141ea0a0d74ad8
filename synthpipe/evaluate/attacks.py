"""Attack-based privacy: what an attacker holding the synthetic data learns about the
people in the training data, beyond what it learns about people it never saw.

Every attack is run twice, against training rows (targets the model saw) and against
holdout rows (the control: real rows of the same data that the model never saw), with the
same synthetic data; the risk is how much better it does on the first (`risk`). Chance
matches, and what a good model rightly teaches about everyone, succeed on both sides and
cancel. Anonymeter's three attacks (the EU's anonymisation criteria) and one more:

- singling out (`singling_out`): a query written from the synthetic data matches exactly
  one real person; univariate and multivariate; the gate reads the larger risk, where a
  mode holding fewer than MIN_DECIDING_QUERIES queries does not decide alone: its queries
  count with the other mode's (the risk of all queries together, `singling_out_pooled`);
- linkability: the columns are dealt into two halves, as two data sets an attacker would
  join; both halves of a target lead to the same closest synthetic row;
- attribute inference: given every other column of a target, the closest synthetic row
  gives away the secret column (a category exactly, a number within 5% of its value, a
  date within 5 percentiles); each column is the secret in turn (the `secrets` most
  associated with another column on wide tables); the gate reads the largest risk among
  secrets the attack does not already guess for most unseen people (MAX_CONTROL_RATE);
- membership inference: a target's distance to its closest synthetic row tells whether
  it was a training row; ROC AUC of that score, training vs holdout targets (0.5: no
  better than a coin).

Distances are those of the memorisation measure (`synthpipe.train.distance`: numbers by
rank, categories equal or not, each column weighing the same). Ties between synthetic
rows are broken at random (Anonymeter takes the first index, which makes two halves of
coarse data "link" through the same arbitrary row on both sides alike).

The nearest-neighbour attacks are run `draws` times, each on fresh samples of targets and
synthetic rows with fresh tie-breaking, and each figure pools the draws (the mean
successes; the mean AUC). One draw's figure rests on a few hundred targets on small
tables, and the largest of several secrets' risks was read from it: on Ecdat/Ketchup
(793 targets a side) the same output read attribute inference risks of 0.08 to 0.29 at
five seeds, and the run was refused at 0.29. Intervals keep the width of one draw's
targets: on such tables every draw's control rows are the whole holdout.

Cost is bounded by sizes, not by luck: `targets` real rows on each side (at most the
holdout), at most `synthetic_rows` synthetic rows searched, and work per nearest-neighbour
pass capped at `max_cells` (fewer synthetic rows on wide tables), over all draws (fewer
draws on large or wide tables). A wall-clock budget guards the rest: an attack not
started within it is reported as not measured, and its gate fails (fail closed).
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from synthpipe.evaluate import singling_out
from synthpipe.evaluate.frames import NUMERIC_SDTYPES, as_labels, sample
from synthpipe.evaluate.risk import CONFIDENCE, auc_with_ci, residual_risk
from synthpipe.train.data import as_numbers
from synthpipe.train.distance import DistanceSpace

# A number guessed within this share of its true value is a successful inference (as
# Anonymeter's default tolerance), a date within this share of the rank range.
NUMERIC_TOLERANCE = 0.05
# Attribute inference: a secret that the attack already guesses right for more than this
# share of the holdout rows is reported but not gated. The risk divides the excess success
# by the room left (1 - control rate): at 0.94 (BankSim's category, which the merchant
# determines) 18 lucky guesses of 750 read as a risk of 0.43 on an independent draw, and
# at 0.98 (fraud) the interval spans 0 to 0.78. Such a column leaks nothing that it does
# not already tell about everyone.
MAX_CONTROL_RATE = 0.80
# Distances are sums of category mismatches (0 or 1) and rank gaps, multiples of
# 1 / (2 x real targets) >= 2.5e-4 apart; float32 sums err by about 1e-6.
_TIE = 1e-5
# Singling out queries at most this many training rows per holdout row queried.
TRAINING_PER_HOLDOUT = 4
# A singling-out mode with fewer queries decides only together with the other mode. On
# coarse data the univariate queries are a handful: COUNT/azpro (six columns, five with
# 2 to 17 values) has 4, three of which single out a training patient (a length of stay
# one patient has); that read a risk of 0.51, interval 0.05 to 0.97, while the 69
# multivariate queries read 0. With n queries one success moves the rate by 1 / (n + 4).
MIN_DECIDING_QUERIES = 100
_CHUNK_CELLS = 2_000_000
SIDES = ("training", "control")


@dataclass(frozen=True)
class AttackLimits:
    """How much work the attacks may do (see the module docstring)."""

    # Real rows attacked on each side (training, holdout); at most the holdout's rows.
    targets: int = 1_000
    # Synthetic rows the nearest-neighbour attacks search.
    synthetic_rows: int = 20_000
    # Targets x synthetic rows x (columns + secrets) per side, at most, over all draws.
    max_cells: float = 2.0e9
    # Draws of the nearest-neighbour attacks pooled, at most (max_cells may allow fewer).
    draws: int = 5
    # Singling out: holdout rows queried (training rows: up to 4x), synthetic rows the
    # queries come from, queries per mode, candidate multivariate queries tried at most
    # (each once where there are no more: see singling_out.multivariate_queries), columns
    # per query.
    singling_out_rows: int = 10_000
    queries: int = 1_000
    query_attempts: int = 500_000
    query_columns: int = 3
    # Secret columns for attribute inference.
    secrets: int = 10
    # Wall-clock seconds for all attacks.
    budget_s: float = 300.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def attack_risks(
    *,
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    synthetic: pd.DataFrame,
    sdtypes: dict[str, str],
    seed: int,
    limits: AttackLimits = AttackLimits(),
    associations: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Every attack's risk with its confidence interval, the gate figures, sizes, runtime.

    `associations` (fidelity.associations' dict) ranks the secret columns on wide tables.
    """
    started = time.monotonic()
    deadline = started + limits.budget_s
    rng = np.random.default_rng([seed, 14])
    columns = list(sdtypes)
    n = min(limits.targets, len(train), len(holdout))
    secrets = _secrets(columns, limits.secrets, associations)
    per_row = len(columns) + len(secrets)
    searched = int(min(limits.synthetic_rows, len(synthetic), limits.max_cells / (n * per_row)))
    searched = max(1, searched)
    draws = int(min(limits.draws, max(1, limits.max_cells // (n * searched * per_row))))

    frames = [(train[columns], n), (holdout[columns], n), (synthetic[columns], searched)]

    def draw() -> tuple[pd.DataFrame, ...]:
        return tuple(sample(frame, rows, rng) for frame, rows in frames)

    first = draw()
    halves = _halves(columns, pd.concat(first[:2]))

    results: dict[str, Any] = {"confidence": CONFIDENCE}
    timings: dict[str, float] = {}
    counts: list[dict[str, Any]] = []
    if len(columns) >= 2:
        tick = time.monotonic()
        while len(counts) < draws and time.monotonic() < deadline:
            targets = draw() if counts else first
            counts.append(_neighbour_counts(*targets, sdtypes, secrets, halves, rng))
        if counts:
            results |= _neighbour_risks(counts, n, secrets, halves)
            timings["neighbours"] = round(time.monotonic() - tick, 3)
    for mode in ("univariate", "multivariate"):
        tick = time.monotonic()
        results[f"singling_out_{mode}"] = (
            _singling_out(mode, train, holdout, synthetic, sdtypes, limits, deadline, rng)
            if time.monotonic() < deadline
            else _not_measured("time budget spent")
        )
        timings[f"singling_out_{mode}"] = round(time.monotonic() - tick, 3)
    results["singling_out_pooled"] = pooled_singling_out(
        results["singling_out_univariate"], results["singling_out_multivariate"]
    )
    why = "needs at least two columns" if len(columns) < 2 else "time budget spent"
    for name in ("linkability", "attribute_inference", "membership_inference"):
        results.setdefault(name, _not_measured(why))
    results["gate_figures"] = gate_figures(results)
    results["sizes"] = {
        "targets": n,
        "synthetic_rows_searched": searched,
        "columns": len(columns),
        "draws": len(counts),
    }
    results["limits"] = limits.to_dict()
    results["timings"] = timings
    results["runtime_s"] = round(time.monotonic() - started, 3)
    return results


# The four figures the release gate reads, in the order reports list them.
GATE_FIGURES = (
    "singling_out_risk",
    "linkability_risk",
    "attribute_inference_risk",
    "membership_inference_auc",
)


def gate_figures(results: dict[str, Any]) -> dict[str, float]:
    """The four figures the release gate reads (NaN when an attack was not measured)."""

    def value(part: str, key: str = "risk") -> float:
        found = (results.get(part) or {}).get(key)
        return math.nan if found is None else float(found)

    modes = ("singling_out_univariate", "singling_out_multivariate")
    singling = [value(mode) for mode in modes]
    deciding = [
        value(mode)
        for mode in modes
        if (results.get(mode) or {}).get("queries", 0) >= MIN_DECIDING_QUERIES
    ]
    # Reports from before the pooled figure: the larger of the two modes.
    pooled = value("singling_out_pooled") if "singling_out_pooled" in results else max(singling)
    return {
        # max() would skip a NaN in second place: a mode not measured fails the gate.
        "singling_out_risk": (
            math.nan if any(map(math.isnan, singling)) else max([pooled, *deciding])
        ),
        "linkability_risk": value("linkability"),
        "attribute_inference_risk": value("attribute_inference"),
        "membership_inference_auc": value("membership_inference", "auc"),
    }


def pooled_singling_out(*modes: dict[str, Any]) -> dict[str, Any]:
    """Singling out over the queries of every mode together (successes and queries added)."""
    if any(mode.get("risk") is None for mode in modes):
        return _not_measured("a singling-out mode was not measured")
    asked = [mode for mode in modes if mode.get("queries")]
    queries = sum(mode["queries"] for mode in asked)
    if not queries:
        return {"risk": 0.0, "ci": [0.0, 0.0], "queries": 0}
    training, control = (sum(mode["successes"][side] for mode in asked) for side in SIDES)
    result = residual_risk((queries, training), (queries, control))
    result["queries"] = queries
    result["min_deciding_queries"] = MIN_DECIDING_QUERIES
    return result


def _not_measured(reason: str) -> dict[str, Any]:
    return {"risk": None, "ci": [None, None], "not_measured": reason}


def _halves(columns: list[str], real: pd.DataFrame) -> tuple[list[str], list[str]]:
    """The attacker's two data sets to link: columns ranked by their number of distinct
    real values, dealt out in turn, so that each half holds some identifying columns
    (random halves left one half of BankSim with only age, gender and fraud in some
    draws, and linked even pure copies at 0.03)."""
    distinct = real.nunique(dropna=False)
    ranked = sorted(columns, key=lambda c: (-int(distinct[c]), columns.index(c)))
    first, second = set(ranked[0::2]), set(ranked[1::2])
    return [c for c in columns if c in first], [c for c in columns if c in second]


def _secrets(columns: list[str], limit: int, associations: dict[str, Any] | None) -> list[str]:
    """Every column, or on wide tables the `limit` most associated with another column
    (what the other columns reveal most about: the likeliest inference targets)."""
    if len(columns) <= limit:
        return list(columns)
    strength = dict.fromkeys(columns, -1.0)
    if associations:
        names, matrix = associations["columns"], associations["real"]
        for i, name in enumerate(names):
            others = [abs(v) for j, v in enumerate(matrix[i]) if j != i and v is not None]
            if name in strength and others:
                strength[name] = max(others)
    ranked = sorted(columns, key=lambda c: (-strength[c], columns.index(c)))
    return sorted(ranked[:limit], key=columns.index)


# --- nearest-neighbour attacks: linkability, attribute inference, membership -------------


@dataclass
class _Side:
    """Targets of one side, encoded, and what the attacks found for them."""

    numbers: np.ndarray
    codes: np.ndarray
    frame: pd.DataFrame


def _neighbour_counts(
    train_targets: pd.DataFrame,
    holdout_targets: pd.DataFrame,
    synthetic: pd.DataFrame,
    sdtypes: dict[str, str],
    secrets: list[str],
    halves: tuple[list[str], list[str]],
    rng: np.random.Generator,
) -> dict[str, Any]:
    """One draw: per side, the targets linked and each secret given away; the baseline
    rate of a random synthetic row's secret; membership inference's AUC."""
    space = DistanceSpace.fit(pd.concat([train_targets, holdout_targets]), sdtypes)
    order = space.numeric + space.categorical
    codes = space.categories([train_targets, holdout_targets, synthetic])
    sides = {
        name: _Side(space.numbers(frame), code, frame)
        for name, frame, code in (
            ("training", train_targets, codes[0]),
            ("control", holdout_targets, codes[1]),
        )
    }
    syn = _Side(space.numbers(synthetic), codes[2], synthetic)
    half = np.array([c in halves[0] for c in order])
    secret_index = [order.index(s) for s in secrets]
    found = {
        name: _search(side, syn, len(space.numeric), half, secret_index, rng)
        for name, side in sides.items()
    }
    # A random synthetic row's secret, guessed for the training targets: the baseline.
    truth = {"training": train_targets, "control": holdout_targets, "baseline": train_targets}
    inferred = {}
    for k, secret in enumerate(secrets):
        guesses = {name: found[name]["guess"][:, k] for name in sides}
        guesses["baseline"] = rng.integers(0, len(synthetic), len(train_targets))
        inferred[secret] = {
            name: float(
                _inferred(
                    truth[name][secret], synthetic[secret], guess, sdtypes[secret], space
                ).sum()
            )
            for name, guess in guesses.items()
        }
    return {
        "linked": {name: float(found[name]["linked"].sum()) for name in sides},
        "inferred": inferred,
        "membership": auc_with_ci(-found["training"]["dcr"], -found["control"]["dcr"]),
        "median_distance": {name: float(np.median(found[name]["dcr"])) for name in sides},
    }


def _neighbour_risks(
    counts: list[dict[str, Any]],
    n: int,
    secrets: list[str],
    halves: tuple[list[str], list[str]],
) -> dict[str, Any]:
    """Linkability, attribute inference and membership inference from the draws' counts,
    pooled: each side's mean successes over `n` targets (see the module docstring)."""

    def mean(*keys: str) -> float:
        def pick(found: Any) -> float:
            for key in keys:
                found = found[key]
            return found

        return float(np.mean([pick(found) for found in counts]))

    def risk(*keys: str) -> dict[str, Any]:
        return residual_risk((n, mean(*keys, "training")), (n, mean(*keys, "control")))

    linkability = risk("linked") | {"halves": [list(halves[0]), list(halves[1])]}
    per_secret = {}
    for secret in secrets:
        result = risk("inferred", secret)
        result["baseline_rate"] = mean("inferred", secret, "baseline") / n
        result["gated"] = result["control_rate"] <= MAX_CONTROL_RATE
        per_secret[secret] = result
    # Secrets the other columns all but determine for everyone are left out of the gate,
    # unless every secret is (then all count: fail closed).
    gated = [s for s, r in per_secret.items() if r["gated"]] or list(per_secret)
    worst = max(gated, key=lambda s: _or_minus(per_secret[s]["risk"]))
    inference = {
        "risk": per_secret[worst]["risk"],
        "ci": per_secret[worst]["ci"],
        "secret": worst,
        "gated_secrets": gated,
        "max_control_rate": MAX_CONTROL_RATE,
        "secrets": per_secret,
    }
    membership = {
        "auc": mean("membership", "auc"),
        # One draw's interval, averaged (see the module docstring).
        "ci": [float(np.mean([c["membership"]["ci"][i] for c in counts])) for i in (0, 1)],
        "targets": {"training": n, "control": n},
        "median_distance": {side: mean("median_distance", side) for side in SIDES},
    }
    return {
        "linkability": linkability,
        "attribute_inference": inference,
        "membership_inference": membership,
    }


def _or_minus(value: float | None) -> float:
    return -1.0 if value is None or math.isnan(value) else value


def _search(
    side: _Side,
    syn: _Side,
    n_numeric: int,
    half: np.ndarray,
    secrets: list[int],
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """Per target: distance to the closest synthetic row (all columns), whether both
    halves' closest rows are the same, and the closest row with each secret left out."""
    rows, width = len(side.frame), n_numeric + side.codes.shape[1]
    dcr = np.empty(rows)
    linked = np.zeros(rows, dtype=bool)
    guess = np.empty((rows, len(secrets)), dtype=np.int64)
    step = max(1, _CHUNK_CELLS // max(1, len(syn.frame)))
    for start in range(0, rows, step):
        stop = min(rows, start + step)
        total = np.zeros((stop - start, len(syn.frame)), dtype=np.float32)
        first = np.zeros_like(total)
        for j in range(width):
            gap = _gap(side, syn, j, n_numeric, start, stop)
            total += gap
            if half[j]:
                first += gap
        dcr[start:stop] = total.min(axis=1) / width
        linked[start:stop] = _closest(first, rng) == _closest(total - first, rng)
        for k, j in enumerate(secrets):
            guess[start:stop, k] = _closest(total - _gap(side, syn, j, n_numeric, start, stop), rng)
    return {"dcr": dcr, "linked": linked, "guess": guess}


def _gap(side: _Side, syn: _Side, j: int, n_numeric: int, start: int, stop: int) -> np.ndarray:
    """Column j's contribution to the distance, targets[start:stop] x synthetic rows."""
    if j < n_numeric:
        diff = np.abs(side.numbers[start:stop, j, None] - syn.numbers[None, :, j])
        return np.minimum(diff, np.float32(1.0))  # missing (-1) vs a value: 1
    k = j - n_numeric
    return (side.codes[start:stop, k, None] != syn.codes[None, :, k]).astype(np.float32)


def _closest(distances: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Per target (row), the index of the closest synthetic row (column); ties at random."""
    lowest = distances.min(axis=1, keepdims=True)
    priority = rng.random(distances.shape[1], dtype=np.float32)
    return np.where(distances <= lowest + _TIE, priority[None, :], -1.0).argmax(axis=1)


def _inferred(
    secret: pd.Series,
    synthetic: pd.Series,
    guess: np.ndarray,
    sdtype: str,
    space: DistanceSpace,
) -> np.ndarray:
    """Whether each guess (a synthetic row index) gives away the target's secret."""
    guessed = synthetic.iloc[guess]
    if sdtype not in NUMERIC_SDTYPES:
        # as_labels: 1 and 1.0 (an integer code read back as float) are the same label.
        return as_labels(secret).to_numpy() == as_labels(guessed).to_numpy()
    truth, value = as_numbers(secret), as_numbers(guessed)
    both_missing = np.isnan(truth) & np.isnan(value)
    with np.errstate(invalid="ignore"):
        if sdtype == "datetime":
            ranks = space.ranks(str(secret.name), truth) - space.ranks(str(secret.name), value)
            close = np.abs(ranks) <= NUMERIC_TOLERANCE
        else:
            close = np.abs(value - truth) <= NUMERIC_TOLERANCE * np.abs(truth)
    return both_missing | (close & ~np.isnan(truth) & ~np.isnan(value))


# --- singling out -------------------------------------------------------------------------


def _singling_out(
    mode: str,
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    synthetic: pd.DataFrame,
    sdtypes: dict[str, str],
    limits: AttackLimits,
    deadline: float,
    rng: np.random.Generator,
) -> dict[str, Any]:
    columns = list(sdtypes)
    rows = limits.singling_out_rows
    frames = [
        sample(train[columns], TRAINING_PER_HOLDOUT * rows, rng),
        sample(holdout[columns], rows, rng),
        sample(synthetic[columns], rows, rng),
    ]
    # Real rows keep their duplicates: each is a person (see singling_out's docstring).
    ori, control, syn = singling_out.encode(frames, sdtypes, distinct=(False, False, True))
    if mode == "univariate":
        queries = singling_out.univariate_queries(syn, limits.queries, rng)
        tried = None
    else:
        queries, tried = singling_out.multivariate_queries(
            syn,
            limits.queries,
            limits.query_columns,
            limits.query_attempts,
            deadline,
            rng,
        )
    if not queries:
        # Nothing in the synthetic data singles out even a synthetic row: nothing to try.
        note = "no query singles out a synthetic row, so none can single out a person"
        return {"risk": 0.0, "ci": [0.0, 0.0], "queries": 0, "note": note}
    train_counts = singling_out.count_matches(ori, queries)
    control_counts = singling_out.count_matches(control, queries)
    on_train = int((train_counts == 1).sum())
    # What the queries would single out among the training rows were the split unknown
    # to the synthetic data: see singling_out.expected_training_singles.
    on_control = singling_out.expected_training_singles(
        train_counts, control_counts, len(ori.values), len(control.values)
    )
    result = residual_risk((len(queries), on_train), (len(queries), on_control))
    result["control_successes_observed"] = int((control_counts == 1).sum())
    result["one_real_row"] = singling_out.one_real_row(train_counts, control_counts)
    result["queries"] = len(queries)
    result["rows"] = {
        "training": len(ori.values),
        "control": len(control.values),
        "synthetic": len(syn.values),
    }
    if tried is not None:
        result["candidates_tried"] = tried
        result["columns_per_query"] = min(limits.query_columns, len(columns))
    return result
