"""Columns that are the sum of two others on every row: a total beside its parts.

Exports write `total = principal + interest`, `gross = net + tax`; vega_datasets'
us-employment writes `nonfarm = private + government`, Ecdat/DoctorAUS `medecine =
prescrib + nonpresc`, car/Depredations `number = early + late`. Modelled apart, a
synthetic row's total is not the sum of its parts, which a user sees at once (a
difference, `a - b = c`, is the sum `c + b = a`). Such a total is dropped from the model,
and the published CSV writes the sum of each synthetic row's parts in its place
(ColumnSchema.sum_of), in the total's form (its decimal places, digit groups, unit).

A sum must hold on every row, missing where a part is, with each part other than zero
on at least MIN_ROWS rows (`0 + b = b` is a copy); parts are modelled columns, never
totals. Candidates are screened on the first SCREEN_ROWS rows in Python, then confirmed
on every row in one aggregation. Sums are read before value protection, which clips each
column on its own: the CSV adds the parts as the model wrote them.
"""

from __future__ import annotations

import itertools
from datetime import date

import numpy as np
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from synthpipe.dataset_config import DatasetConfig
from synthpipe.prepare._parts import MIN_ROWS, SCREEN_ROWS, modelled_number, written_from
from synthpipe.prepare._protect import count_if
from synthpipe.prepare._transform import Profile, _column_expr

# The most numeric columns read (pairs grow with the square).
MAX_COLUMNS = 100
# Sums of decimals read as floats differ from the written total by rounding alone.
_RELATIVE_SLACK = 1e-9


def mark_sums(frame: DataFrame, profile: Profile, config: DatasetConfig, reference: date) -> None:
    """Mark each column that is the sum of two others on every row (after the privacy
    decisions and the date parts: only modelled numbers are read)."""
    numbers = [p for p in profile.columns if modelled_number(p, config)][:MAX_COLUMNS]
    if len(numbers) < 3:
        return
    typed = {p.name: _column_expr(p, None, reference).cast("double") for p in numbers}
    first = frame.select(*[typed[p.name].alias(p.name) for p in numbers]).limit(SCREEN_ROWS)
    screen = np.array(first.collect(), dtype=float).reshape(-1, len(numbers))
    if len(screen) < MIN_ROWS:
        return
    candidates = _screened(screen, [p.name for p in numbers])
    if not candidates:
        return
    checks = []
    for a, b, total in candidates:
        checks += [count_if(~_holds(typed[a], typed[b], typed[total]))]
        checks += [count_if(typed[a] != 0), count_if(typed[b] != 0)]
    found = frame.agg(*checks).collect()[0]
    by_name = {p.name: p for p in numbers}
    totals: set[str] = set()
    parts = written_from(profile)  # a function's source too: it stays modelled
    for n, (a, b, total) in enumerate(candidates):
        misses, a_rows, b_rows = found[3 * n], found[3 * n + 1], found[3 * n + 2]
        if misses or a_rows < MIN_ROWS or b_rows < MIN_ROWS:
            continue
        if total in totals | parts or {a, b} & totals:
            continue  # parts stay modelled; one sum per total
        totals.add(total)
        parts |= {a, b}
        column = by_name[total]
        column.role, column.sum_of = "dropped", [a, b]
        column.reason = (
            f"the sum of columns {a!r} and {b!r} on every row: written from their synthetic values"
        )


def _holds(a: Column, b: Column, total: Column) -> Column:
    both = a + b
    slack = F.greatest(F.lit(1.0), F.abs(total)) * _RELATIVE_SLACK
    near = F.abs(both - total) <= slack
    return F.coalesce(near, both.isNull() & total.isNull())


def _screened(values: np.ndarray, names: list[str]) -> list[tuple[str, str, str]]:
    """(part, part, total) of the columns whose values on the screened rows add up,
    each part other than zero on some row and the total none of its parts."""
    found = []
    missing = np.isnan(values)
    for i, j in itertools.combinations(range(len(names)), 2):
        both = values[:, i] + values[:, j]
        held = ~np.isnan(both)
        if not (np.any(values[held, i] != 0) and np.any(values[held, j] != 0)):
            continue
        slack = np.maximum(1.0, np.abs(both)) * _RELATIVE_SLACK
        near = np.abs(values - both[:, None]) <= slack[:, None]
        adds_up = np.all(near | (missing & ~held[:, None]), axis=0)
        for k in np.flatnonzero(adds_up):
            if k not in (i, j) and not _same(values[:, k], values[:, i], values[:, j]):
                found.append((names[i], names[j], names[k]))
    return found


def _same(total: np.ndarray, *parts: np.ndarray) -> bool:
    """Whether the total repeats a part on every screened row (the other one is zero)."""
    return any(np.array_equal(total, part, equal_nan=True) for part in parts)
