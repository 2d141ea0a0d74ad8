"""Singling out: can the synthetic data tell an attacker "exactly one person has ...".

Anonymeter's attack (`SinglingOutEvaluator`), on our encodings. The attacker writes
queries from the synthetic rows that match exactly one synthetic row, then each query is
tried on the training rows and on the holdout rows: it succeeds where it matches exactly
one real row. The risk is the residual success over the holdout (`risk.residual_risk`).

- univariate: one column each: a value seen once in the synthetic data (`== v`), the
  smallest or largest number (`<= min`, `>= max`), or the one missing value;
- multivariate: `columns` columns of a random synthetic row each: categories `== v`,
  numbers towards the tail (`>= v` above the median, `<= v` below), missing `is null`.

As in Anonymeter, duplicate synthetic rows are dropped first. Unlike Anonymeter, the real
frames keep theirs: a query singles out a person when it matches exactly one real row,
and one that matches a combination many people share singles out no one. With every
frame deduplicated, geepack/ohio (three columns, 16 combinations, each held by 19 to 249
children) read a risk of 0.84 for any synthetic data, an independent real sample's too:
each query matched the one distinct row of its combination on both sides, and the
control's successes, carried over to a larger set as if its distinct rows were draws,
fell to 6 of 16. Real rows are draws, duplicates and all. The training rows
outnumber the holdout rows (4 to 1 by default), and a query singles out less often in a
larger set, so the control's successes are carried over to the training set's size
(`expected_singles`). Anonymeter fits a curve of successes against subsample sizes of
the control for that; on BankSim-shaped data (4,000 training, 1,000 holdout rows) it
scored an independent draw, which should score 0, at 0.23 (univariate) and 0.22
(multivariate). Here each query's weight (the chance that a real row matches it) is
estimated from its holdout count under a beta prior fitted to all the queries' counts
(empirical Bayes), and its chance of matching exactly one of n training rows,
n w (1 - w)^(n - 1), is averaged over that estimate. Checked on the holdout's own size,
the prediction matched the observed successes (139 vs 134, 67 vs 66, 194 vs 194); at the
training size, on an independent draw of 10,000 + 2,500 rows, it matched the univariate
successes (226 predicted, 225 seen) and over-predicted the multivariate ones (125 vs 82,
a risk biased towards 0); on 1,600 + 400 rows it under-predicted them (198 vs 260, a
risk of 0.077 where 0 is true). The gate's bar allows for that (`gate.Thresholds`).
It is used only for queries that two real rows or more match: those that match none, or
one (where rows are not draws at all: a daily series holds each day once), are counted
exactly (`expected_training_singles`).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from itertools import combinations, groupby

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import betaln
from scipy.stats import beta as beta_distribution

from synthpipe.evaluate.frames import NUMERIC_SDTYPES, as_labels
from synthpipe.train.data import as_numbers

EQ, LE, GE, NULL = 0, 1, 2, 3
# The value of an `is null` predicate: never read; one number, so that equal queries are
# equal (NaN is not equal to itself).
NO_VALUE = 0.0
# Candidate multivariate queries tested at once.
_BATCH = 500
# Row sets a table keeps for its predicates (`RowSets`), at most: 256 MiB holds 200,000
# sets of 10,000 rows (singling_out_rows; a set per value of 20 such columns); past it the
# kept sets start again.
_MAX_SET_BYTES = 256 * 2**20
# The holdout's hits on queries one real row matches are read at this upper bound (two
# standard errors, one-sided): a model that never saw the split keeps the training rows'
# share of them but for 2.3% of its draws.
_BOUND_CONFIDENCE = 0.977


class RowSets:
    """The rows each predicate matches, as a bit set, kept for the table's next queries:
    a query's matches are the AND of its predicates' sets.

    The multivariate search tests hundreds of thousands of candidates against the
    synthetic rows, and their predicates repeat (a column's values, each with its one
    operator). Compared cell by cell for every candidate, medexp's search (265,500
    candidates, 4,459 rows) took 6.5 s of its 11.3 s evaluation; from kept sets, with
    the candidates' queries built as arrays, 1.9 s, every count the same."""

    def __init__(self, table: np.ndarray) -> None:
        self.table = table
        self.words = -(-len(table) // 64)
        self.index: dict[tuple, int] = {}
        # Set 0 holds every row: it pads a query shorter than the others of its call.
        self.sets = self._bits([])
        self.used = 1

    def count(self, queries: list[tuple]) -> np.ndarray:
        """Rows each query matches."""
        if not queries:
            return np.zeros(0, dtype=np.int64)
        wanted = {p for q in queries for p in q}
        new = {p for p in wanted if p not in self.index}
        if (self.used + len(new)) * self.words * 8 > _MAX_SET_BYTES:
            self.index, self.used, new = {}, 1, wanted  # start again with this call's
        self._add(new)
        width = max(len(q) for q in queries)
        picked = np.zeros((len(queries), width), dtype=np.int64)
        for i, query in enumerate(queries):
            picked[i, : len(query)] = [self.index[p] for p in query]
        both = np.bitwise_and.reduce(self.sets[picked], axis=1)
        return np.bitwise_count(both).sum(axis=1, dtype=np.int64)

    def _add(self, predicates: set[tuple]) -> None:
        if not predicates:
            return
        needed = self.used + len(predicates)
        if needed > len(self.sets):
            most = max(needed, _MAX_SET_BYTES // (self.words * 8))
            grown = np.empty((min(max(needed, 2 * len(self.sets)), most), self.words), np.uint64)
            grown[: self.used] = self.sets[: self.used]
            self.sets = grown
        ordered = sorted(predicates, key=lambda p: (p[0], p[1]))
        self.sets[self.used : self.used + len(ordered)] = self._bits(ordered)
        for offset, predicate in enumerate(ordered):
            self.index[predicate] = self.used + offset
        self.used += len(ordered)

    def _bits(self, predicates: list[tuple]) -> np.ndarray:
        """Bit sets of `predicates`, one comparison per cell for each (column, operator);
        without predicates, the set of every row."""
        if not predicates:
            return self._packed(np.ones((1, len(self.table)), dtype=bool))
        matched = np.empty((len(predicates), len(self.table)), dtype=bool)
        start = 0
        for (column, op), group in groupby(predicates, key=lambda p: (p[0], p[1])):
            values = np.array([p[2] for p in group])[:, None]
            cells = self.table[:, column][None, :]
            end = start + len(values)
            if op == NULL:
                matched[start:end] = np.isnan(cells)
            elif op == EQ:
                matched[start:end] = cells == values
            elif op == LE:
                matched[start:end] = cells <= values
            else:
                matched[start:end] = cells >= values
            start = end
        return self._packed(matched)

    def _packed(self, matched: np.ndarray) -> np.ndarray:
        packed = np.packbits(matched, axis=1, bitorder="little")
        padded = np.zeros((len(matched), self.words * 8), dtype=np.uint8)
        padded[:, : packed.shape[1]] = packed
        return padded.view(np.uint64)


@dataclass
class Encoded:
    """One frame as a float matrix: numbers (NaN when missing) and category codes."""

    values: np.ndarray  # (rows, columns)
    numeric: np.ndarray  # (columns,) bool
    # The predicates' row sets, built as queries come (`count_matches`).
    row_sets: RowSets | None = field(default=None, repr=False, compare=False)


def encode(
    frames: list[pd.DataFrame], sdtypes: dict[str, str], *, distinct: tuple[bool, ...] = ()
) -> list[Encoded]:
    """The evaluated columns of each frame, category codes shared by all frames; duplicate
    rows dropped from the frames `distinct` names (one flag per frame; all by default)."""
    columns = list(sdtypes)
    numeric = np.array([sdtypes[c] in NUMERIC_SDTYPES for c in columns])
    blocks = [np.empty((len(f), len(columns)), dtype=np.float64) for f in frames]
    for j, column in enumerate(columns):
        if numeric[j]:
            for block, frame in zip(blocks, frames, strict=True):
                block[:, j] = as_numbers(frame[column])
            continue
        joined = pd.concat([f[column] for f in frames], ignore_index=True)
        codes, _ = pd.factorize(as_labels(joined))  # 1 and 1.0: the same label
        start = 0
        for block, frame in zip(blocks, frames, strict=True):
            block[:, j] = codes[start : start + len(frame)]
            start += len(frame)
    flags = distinct or (True,) * len(blocks)
    return [
        Encoded(np.unique(b, axis=0) if len(b) and unique else b, numeric)
        for b, unique in zip(blocks, flags, strict=True)
    ]


def count_matches(table: Encoded, queries: list[tuple]) -> np.ndarray:
    """Rows of `table` each query matches; a query is a tuple of (column, op, value)."""
    if table.row_sets is None:
        table.row_sets = RowSets(table.values)
    counts = np.zeros(len(queries), dtype=np.int64)
    for start in range(0, len(queries), _BATCH):
        batch = queries[start : start + _BATCH]
        counts[start : start + len(batch)] = table.row_sets.count(batch)
    return counts


def univariate_queries(synthetic: Encoded, limit: int, rng: np.random.Generator) -> list[tuple]:
    """Queries on one column each that match exactly one synthetic row."""
    candidates: list[tuple] = []
    for j in range(synthetic.values.shape[1]):
        column = synthetic.values[:, j]
        missing = np.isnan(column)
        if missing.sum() == 1:
            candidates.append(((j, NULL, NO_VALUE),))
        present = column[~missing]
        if len(present) == 0:
            continue
        values, counts = np.unique(present, return_counts=True)
        if synthetic.numeric[j]:
            candidates.append(((j, LE, float(values[0])),))
            candidates.append(((j, GE, float(values[-1])),))
        candidates.extend(((j, EQ, float(v)),) for v in values[counts == 1])
    order = rng.permutation(len(candidates))
    candidates = list(dict.fromkeys(candidates[i] for i in order))  # unique, shuffled
    kept: list[tuple] = []
    for start in range(0, len(candidates), _BATCH):
        batch = candidates[start : start + _BATCH]
        counts = count_matches(synthetic, batch)
        kept.extend(q for q, c in zip(batch, counts, strict=True) if c == 1)
        if len(kept) >= limit:
            break
    return kept[:limit]


def multivariate_queries(
    synthetic: Encoded,
    limit: int,
    columns: int,
    attempts: int,
    deadline: float,
    rng: np.random.Generator,
) -> tuple[list[tuple], int]:
    """Queries on `columns` columns of random synthetic rows that match exactly one
    synthetic row; stops at `limit` queries, after `attempts` candidates, when every
    candidate has been tried, or at `deadline` (time.monotonic()). Returns (queries,
    candidates tried).

    A candidate is a synthetic row and a set of its columns. Where there are no more of
    them than `attempts`, they are drawn without replacement, so on coarse data the search
    tries each once and ends holding every query there is. Drawn with replacement, 50,000
    candidates of Zelig/mid (2,501 synthetic rows, 7 columns: 87,535 candidates, 360
    queries in all) found a different 210 or so at each seed, and the risk of one output
    read 0.05 to 0.09; each candidate once, all 360 are found in 1.2 s, where 500,000
    draws with replacement took 12 s.
    """
    table = synthetic.values
    rows, width = table.shape
    candidates = _Candidates(rows, width, min(columns, width), attempts, rng)
    medians = np.full(width, np.nan)
    for j in np.flatnonzero(synthetic.numeric):
        present = table[~np.isnan(table[:, j]), j]
        medians[j] = np.median(present) if len(present) else np.nan
    seen: set[tuple] = set()
    kept: list[tuple] = []
    tried = 0
    while len(kept) < limit and time.monotonic() < deadline:
        size = min(_BATCH, attempts - tried, candidates.space - tried)
        if size <= 0:
            break
        picked_rows, subsets = candidates.draw(tried, size)
        batch = _queries(synthetic, medians, picked_rows, subsets)
        tried += size
        fresh = [q for q in dict.fromkeys(batch) if q not in seen]
        seen.update(fresh)
        if not fresh:
            continue
        counts = count_matches(synthetic, fresh)
        kept.extend(q for q, c in zip(fresh, counts, strict=True) if c == 1)
    return kept[:limit], tried


class _Candidates:
    """Candidate queries: (synthetic row, sorted column subset) pairs, in a random order;
    without replacement where there are at most `attempts` of them."""

    def __init__(
        self, rows: int, width: int, columns: int, attempts: int, rng: np.random.Generator
    ) -> None:
        self.rows, self.width, self.columns, self.rng = rows, width, columns, rng
        self.space = rows * math.comb(width, columns)
        self.subsets = self.order = None
        if self.space <= attempts:
            self.subsets = np.array(list(combinations(range(width), columns)))
            self.order = rng.permutation(self.space)

    def draw(self, start: int, size: int) -> tuple[np.ndarray, np.ndarray]:
        """Rows and column subsets of candidates start to start + size."""
        if self.order is None:
            scores = self.rng.random((size, self.width))
            subsets = np.sort(np.argsort(scores, axis=1)[:, : self.columns], axis=1)
            return self.rng.integers(0, self.rows, size), subsets
        picks = self.order[start : start + size]
        return picks // len(self.subsets), self.subsets[picks % len(self.subsets)]


def _queries(
    synthetic: Encoded, medians: np.ndarray, rows: np.ndarray, subsets: np.ndarray
) -> list[tuple]:
    """The query of each candidate (a synthetic row, a column subset): a category `== v`,
    a number towards its tail (`>= v` above the median, `<= v` below), a missing value
    `is null` (its value, never read, is NO_VALUE)."""
    values = synthetic.values[rows[:, None], subsets]
    missing = np.isnan(values)
    tail = np.where(values > medians[subsets], GE, LE)
    ops = np.where(missing, NULL, np.where(synthetic.numeric[subsets], tail, EQ))
    values = np.where(missing, NO_VALUE, values)
    return [
        tuple(zip(columns, kinds, cells, strict=True))
        for columns, kinds, cells in zip(
            subsets.tolist(), ops.tolist(), values.tolist(), strict=True
        )
    ]


def expected_training_singles(
    train_counts: np.ndarray, control_counts: np.ndarray, train_rows: int, control_rows: int
) -> float:
    """How many of the queries would single out a training row if the synthetic data knew
    nothing of which real rows were trained on, from each query's matches among the
    `train_rows` training and the `control_rows` holdout rows.

    A query that matches no real row singles out no one either way (0). One that matches
    one real row (a day of a daily series, one person's exact amount) singles out a
    training row exactly when that row is not a holdout row; were the split unknown to
    the synthetic data, the holdout would hold its share of those rows. Rows of a finite
    table are not independent draws: a daily series holds each day once, and the size
    correction below, which assumes draws, predicted 216 of 642 such queries on
    seattle-weather (1,169 training, 292 holdout days) to single out a training day where
    a model that never saw the split reaches 80% (the training rows' share), and the run
    was refused at 0.46. Those queries are counted from the holdout's hits instead: the
    hits scaled by the training rows per holdout row, at their upper bound
    (`_BOUND_CONFIDENCE`), and at most the training rows' share of them all. A model that
    writes down the training rows' own values leaves the holdout without hits and
    finds no cover there. The other queries, matched by more real rows, are carried over
    by `expected_singles`."""
    carried = expected_singles(control_counts, control_rows, train_rows, by_query=True)
    pooled = np.asarray(train_counts) + np.asarray(control_counts)
    one = one_real_row(train_counts, control_counts)
    share = control_rows / (control_rows + train_rows)
    unseen_split = (1.0 - share) * one["queries"]
    bound = (1.0 - share) / share * _upper_count(one["holdout"], one["queries"])
    return float(carried[pooled >= 2].sum() + min(unseen_split, bound))


def one_real_row(train_counts: np.ndarray, control_counts: np.ndarray) -> dict[str, int]:
    """The queries exactly one real row matches, and those whose row is a holdout row."""
    train_counts, control_counts = np.asarray(train_counts), np.asarray(control_counts)
    one = train_counts + control_counts == 1
    return {"queries": int(one.sum()), "holdout": int((one & (control_counts == 1)).sum())}


def _upper_count(hits: int, trials: int) -> float:
    """The upper Clopper-Pearson bound on hits out of trials (`_BOUND_CONFIDENCE`)."""
    if hits >= trials:
        return float(trials)
    return float(trials * beta_distribution.ppf(_BOUND_CONFIDENCE, hits + 1, trials - hits))


def expected_singles(
    control_counts: np.ndarray, control_rows: int, rows: int, *, by_query: bool = False
) -> float | np.ndarray:
    """How many of the queries would match exactly one row of `rows` real rows, given how
    many of `control_rows` holdout rows each matched (see the module docstring); with
    `by_query`, each query's chance."""
    counts = np.asarray(control_counts, dtype=np.float64)
    if len(counts) == 0:
        return np.zeros(0) if by_query else 0.0

    def minus_log_likelihood(params: np.ndarray) -> float:  # beta-binomial, no constant
        a, b = np.exp(params)
        return -float(np.sum(betaln(counts + a, control_rows - counts + b) - betaln(a, b)))

    fitted = minimize(minus_log_likelihood, x0=[0.0, np.log(control_rows)], method="Nelder-Mead")
    a, b = np.exp(fitted.x)
    a, b = counts + a, control_rows - counts + b  # each query's posterior
    # E[n w (1 - w)^(n - 1)] under Beta(a, b).
    chances = rows * np.exp(betaln(a + 1, b + rows - 1) - betaln(a, b))
    return chances if by_query else float(np.sum(chances))
