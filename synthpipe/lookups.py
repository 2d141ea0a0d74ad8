"""Values one column decides: a country's continent, a merchant's category.

A table often holds a category and the group it belongs to: a country and its continent,
a merchant and its category, a team and its league, a product and its family. Every real
row with the same country has the same continent; a model that draws each column from
what it learned of both still puts some rows in the wrong group (on plotly's gapminder,
TabularARGN gave 141 of 142 countries two continents or more; on full BankSim, 31 of 50
merchants had a second category on a few rows), which a user sees at once.

Training finds the lookups (`find_lookups`, on the cleaned rows; training.json's
`lookups`): two categorical columns where every row holding a value of the first has the
same value of the second, the first with more values than the second (or as many, the
earlier column first: a country and its code), on at least `MIN_REPEATS` rows beyond
each value's first row (a column of values each held once decides anything). Rows whose
source value is the rare token (value protection) or missing are not read: the token
stands for many values. Generate sets the second column from the first on every sampled
row whose first value the lookup holds (`apply`), before the rows are checked for
copies of real rows; the evaluation counts the rows that still break one (none).

A number can be decided too, and decide: a year and that year's price index in a panel
of states (Ecdat/Cigar), a county and its share of minorities, a count and its logarithm
(quantreg/uis' `NDT`, `LNDT`, `ND1`, `ND2`), an age and its age group. A model draws
each from what it learned and breaks the function on most rows; a user who takes the log
of the count sees it at once.

A lookup holds the real rows' pairs of values: each source value is in the cleaned data
on at least value protection's minimum number of rows (a category held fewer times is
the rare token; a number's rarer values are not read), so a pair is shared by that many
real rows. It is read from real rows, so under differential privacy none is found
(training.json has no `lookups`), as orders are not.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from synthpipe.evaluate.frames import MISSING_LABEL, as_labels
from synthpipe.orders import MAX_COLUMNS, SCREEN_ROWS  # pairs screened as orders are
from synthpipe.protection import RARE_TOKEN, ValueProtection

# The fewest rows beyond each source value's first for a lookup to be kept: fewer may be
# chance.
MIN_REPEATS = 50
KINDS = ("categorical", "boolean", "numerical")


@dataclass(frozen=True)
class Lookup:
    """`target` is decided by `source` on every real row: `pairs` of (the source's label,
    as `as_labels` writes it, the target's value as the cleaned data holds it)."""

    source: str
    target: str
    pairs: tuple[tuple[str, Any], ...] = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "target": self.target,
            "pairs": [list(p) for p in self.pairs],
        }


def find_lookups(
    frame: pd.DataFrame,
    sdtypes: dict[str, str],
    *,
    rare_token: str | None = RARE_TOKEN,
    exclude: Iterable[str] = (),
    min_count: int = ValueProtection().min_category_count,
) -> list[Lookup]:
    """The lookups `frame`'s rows keep between its columns of `KINDS`, each target
    decided by one source: the one with the fewest values, so that a chain (country, its
    code, its continent) is set in order. A number decides only by its values held on
    `min_count` rows or more (value protection's k, as categories are folded). `exclude`
    is never a target (the class column, whose rates generate keeps)."""
    names = [n for n, t in sdtypes.items() if t in KINDS and n in frame][:MAX_COLUMNS]
    labels = {name: as_labels(frame[name]) for name in names}
    codes = {name: pd.factorize(labels[name])[0].astype(np.int64) for name in names}
    sizes = {name: int(codes[name].max()) + 1 if len(frame) else 0 for name in names}
    found: dict[str, Lookup] = {}
    for i, source in enumerate(names):
        read = labels[source].isin([MISSING_LABEL, rare_token]).to_numpy(dtype=bool) == 0
        if sdtypes[source] == "numerical":
            read &= _held(codes[source], min_count)
        keys = codes[source][read]
        if len(keys) - len(np.unique(keys)) < MIN_REPEATS:
            continue
        screen = keys[:SCREEN_ROWS]
        for j, target in enumerate(names):
            if target in exclude or not _candidate(sizes, source, target, before=i < j):
                continue
            chosen = found.get(target)
            if chosen is not None and sizes[chosen.source] <= sizes[source]:
                continue
            values = codes[target][read]
            if _decides(screen, values[:SCREEN_ROWS]) and _decides(keys, values):
                first = np.flatnonzero(read)[np.unique(keys, return_index=True)[1]]
                pairs = zip(labels[source].iloc[first], frame[target].iloc[first], strict=True)
                found[target] = Lookup(
                    source, target, tuple(sorted((k, _plain(v)) for k, v in pairs))
                )
    # Sources with more values first: a target that is itself a source is set before
    # the columns it decides.
    return sorted(found.values(), key=lambda lk: (-sizes[lk.source], names.index(lk.target)))


def _held(codes: np.ndarray, min_count: int) -> np.ndarray:
    """Rows whose value (its code) is held on `min_count` rows or more."""
    return np.bincount(codes)[codes] >= min_count if len(codes) else np.zeros(0, dtype=bool)


def _candidate(sizes: dict[str, int], source: str, target: str, *, before: bool) -> bool:
    if source == target or sizes[target] < 2:
        return False
    return sizes[source] > sizes[target] or (sizes[source] == sizes[target] and before)


def _decides(keys: np.ndarray, values: np.ndarray) -> bool:
    """Whether each key comes with one value only (codes of two columns, row by row)."""
    pairs = np.unique(keys * (int(values.max(initial=0)) + 1) + values)
    return len(pairs) == len(np.unique(keys))


def _plain(value: Any) -> Any:
    """A cell as JSON writes it (numpy scalars as Python ones, missing as None)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.item() if isinstance(value, np.generic) else value


def lookups_from(records: Iterable[dict[str, Any]] | None) -> list[Lookup]:
    """training.json's `lookups` as `Lookup`s (none for models trained before them)."""
    return [
        Lookup(r["source"], r["target"], tuple((k, v) for k, v in r["pairs"]))
        for r in records or ()
    ]


def to_records(lookups: Sequence[Lookup]) -> list[dict[str, Any]]:
    return [lookup.to_dict() for lookup in lookups]


def named(lookups: Sequence[Lookup]) -> list[dict[str, Any]]:
    """The lookups by column name, with how many values each holds: what the manifest and
    the report keep (the pairs are real categories)."""
    return [{"source": lk.source, "target": lk.target, "values": len(lk.pairs)} for lk in lookups]


def broken_counts(breaks: Sequence[np.ndarray], lookups: Sequence[Lookup]) -> dict[str, int]:
    """Rows breaking each lookup (`each_broken`), as "source -> target", for the lookups
    broken on some row."""
    counts = {
        f"{lk.source} -> {lk.target}": int(b.sum()) for lk, b in zip(lookups, breaks, strict=True)
    }
    return {pair: rows for pair, rows in counts.items() if rows}


def each_broken(frame: pd.DataFrame, lookups: Sequence[Lookup]) -> list[np.ndarray]:
    """Per lookup, the rows of `frame` that break it."""
    return [_broken(frame, lookup) for lookup in lookups]


def _broken(frame: pd.DataFrame, lookup: Lookup) -> np.ndarray:
    if lookup.source not in frame or lookup.target not in frame:
        return np.zeros(len(frame), dtype=bool)
    # The values' own dtype, so that a number is labelled as its column is (100.0: "100").
    wanted = as_labels(pd.Series([v for _, v in lookup.pairs]))
    decided = dict(zip((k for k, _ in lookup.pairs), wanted, strict=True))
    keys = as_labels(frame[lookup.source])
    expected = keys.map(decided)
    held = expected.notna().to_numpy()
    return held & (
        expected.to_numpy(dtype=object) != as_labels(frame[lookup.target]).to_numpy(dtype=object)
    )


def apply(frame: pd.DataFrame, lookups: Sequence[Lookup]) -> tuple[pd.DataFrame, int]:
    """`frame` with each lookup's target set from its source where the lookup holds the
    source's value, in order (a chain is set from its start), and how many rows changed."""
    changed = np.zeros(len(frame), dtype=bool)
    for lookup in lookups:
        bad = _broken(frame, lookup)
        if not bad.any():
            continue
        if not changed.any():
            frame = frame.copy()
        decided = dict(lookup.pairs)
        keys = as_labels(frame[lookup.source])[bad]
        column = frame[lookup.target].astype(object)
        column[bad] = keys.map(decided).to_numpy(dtype=object)
        frame[lookup.target] = _as_before(column, frame[lookup.target])
        changed |= bad
    return frame, int(changed.sum())


def _as_before(column: pd.Series, before: pd.Series) -> pd.Series:
    """`column` in `before`'s dtype where that keeps every value: a category dtype would
    make a value it lacks missing, a boolean one a missing value False."""
    if isinstance(before.dtype, pd.CategoricalDtype) or column.isna().sum() > before.isna().sum():
        return column
    try:
        return column.astype(before.dtype)
    except (TypeError, ValueError):
        return column
