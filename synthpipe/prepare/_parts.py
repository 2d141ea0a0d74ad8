"""Columns that hold a part of a date on every row: its year, month (a number or a name),
quarter, day, weekday or hour, or its period (`2019-06`, `2019Q2`, `2020-W53`: a column
of dates without their day). HistData/Prostitutes writes `Year`, `month` and `mon` beside
its `date`; spreadsheet exports write Year, Month and Quarter beside an order date.

Modelled apart, a synthetic row's year need not be its date's (2019 beside 2021-03-05),
and the model spends itself on a relation that is exact. Such a column is dropped from
the model, and the published CSV writes the part of each synthetic date in its place
(ColumnSchema.derived_from, with the part as a datetime pattern in text_format and the
names' case in month_case), in the input's form: `3` or `03`, `Mar` or `MARCH`, `Q1`;
a period keeps its own written form (its text_format, month names and case).

A part must hold on every row, missing values included (a year where the date is
missing is no part of it), on at least MIN_ROWS rows with a value. Parts are compared as
text, as Spark formats them, so month and weekday names are English ones.
"""

from __future__ import annotations

import re
from datetime import date

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from synthpipe.dataset_config import DatasetConfig
from synthpipe.prepare._protect import count_if
from synthpipe.prepare._transform import ColumnProfile, Profile, _column_expr

# The parts, as the Spark datetime patterns that write them, and what the reason calls
# them. Hours are parts of timestamps only.
PART_NAMES = {
    "yyyy": "year",
    "M": "month",
    "MM": "month",
    "Q": "quarter",
    "'Q'Q": "quarter",
    "d": "day",
    "dd": "day",
    "MMM": "month's name",
    "MMMM": "month's name",
    "EEE": "weekday",
    "EEEE": "weekday",
    "H": "hour",
    "HH": "hour",
}
_TIME_PARTS = ("H", "HH")
# Parts written as numbers (`2024`, `3`, `03`, `2`): an integer column may be one.
_NUMERIC_PARTS = ("yyyy", "M", "MM", "Q", "d", "dd", "H", "HH")
# By a part's letter: the most values it takes (a column with more is not that part),
# and the whole numbers it is written as.
_VALUES = {"y": 400, "M": 12, "Q": 4, "d": 31, "E": 7, "H": 24}
_RANGES = {"y": (1, 9999), "M": (1, 12), "Q": (1, 4), "d": (1, 31), "H": (0, 23)}
# A period's unit by the finest field of its pattern (`yyyy-MM`: a month).
_PERIODS = (("w", "week"), ("Q", "quarter"), ("M", "month"), ("y", "year"), ("Y", "year"))
# Month names may be written in capitals or small letters (ColumnSchema.month_case).
_CASES = {None: lambda c: c, "upper": F.upper, "lower": F.lower}
MIN_ROWS = 20
# Categories with more values than this are no part (years over four centuries at most).
MAX_DISTINCT = _VALUES["y"]
# The most checks confirmed in one aggregation, after the screen (columns past them
# are left modelled).
MAX_CHECKS = 2000
# Checks are first tried on this many rows; only those that hold there are read whole.
SCREEN_ROWS = 64


def mark_date_parts(
    frame: DataFrame, profile: Profile, config: DatasetConfig, reference: date
) -> None:
    """Mark each column that is a part of a date column on every row (screened on the
    first rows of `frame`, Prepare's text as it is typed, then confirmed in one
    aggregation), after the privacy decisions: a date that is generalised or dropped is
    not a source."""
    sources = [p for p in profile.columns if _source(p)]
    checks = [
        (column, source, pattern, case)
        for column in profile.columns
        if _candidate(column, config)
        for source in sources
        for pattern, case in _patterns(column, source)
    ]
    # A period's source is a date with its day (a period of a period is that date's too).
    checks += [
        (column, source, period, None)
        for column in profile.columns
        if (period := _period(column, config))
        for source in sources
        if not _period(source, config)
    ]
    if not checks:
        return
    typed = {p.name: _column_expr(p, None, reference) for p in profile.columns if _source(p)}
    checks = _screened(frame, typed, checks)[:MAX_CHECKS]
    if not checks:
        return
    found = frame.agg(*[count_if(~_holds(frame, typed, check)) for check in checks]).collect()[0]
    held = [check for check, misses in zip(checks, found, strict=True) if misses == 0]
    # Periods first: a part is written from a column the synthetic data holds.
    for column, source, pattern, case in sorted(held, key=lambda c: c[2] in PART_NAMES):
        if column.derived_from is None and source.derived_from is None:
            _mark(column, source.name, pattern, case)


def _mark(column: ColumnProfile, source: str, pattern: str, case: str | None) -> None:
    """A part keeps its pattern and case; a period keeps its own written form."""
    column.role, column.derived_from = "dropped", source
    if pattern in PART_NAMES:
        column.text_format, column.month_case = pattern, case
    part = PART_NAMES.get(pattern, pattern)
    column.reason = (
        f"the {part} of column {source!r} on every row: written from its synthetic values"
    )


def _screened(frame: DataFrame, typed: dict[str, Column], checks: list[tuple]) -> list[tuple]:
    """The checks that hold on the first SCREEN_ROWS rows, compared in Python (one small
    job: each column and each part of each date once, as text), to be confirmed on every
    row: a file of a thousand categorical columns beside a date stays quick."""
    named: dict[str, tuple[int, Column]] = {}
    sides = []
    for check in checks:
        pair = []
        for side in _sides(frame, typed, *check):
            key = str(side)
            if key not in named:
                named[key] = len(named), side.cast("string").alias(f"s{len(named)}")
            pair.append(named[key][0])
        sides.append(pair)
    rows = frame.select(*[side for _, side in named.values()]).limit(SCREEN_ROWS).collect()
    return [
        check
        for check, (value, part) in zip(checks, sides, strict=True)
        if all(row[value] == row[part] for row in rows)
    ]


def _holds(frame: DataFrame, typed: dict[str, Column], check: tuple) -> Column:
    value, part = _sides(frame, typed, *check)
    return value.eqNullSafe(part)


def _sides(
    frame: DataFrame,
    typed: dict[str, Column],
    column: ColumnProfile,
    source: ColumnProfile,
    pattern: str,
    case: str | None,
) -> tuple[Column, Column]:
    """A row's value of `column` and `pattern` of its `source` (a part's text, or a
    period's first day): equal, missing values included, where the column is the part."""
    if pattern in PART_NAMES:
        part = _CASES[case](F.date_format(typed[source.name], pattern))
        return frame[f"`{column.name}`"], part
    day = F.to_date(typed[source.name])
    start = F.date_trunc("week", day).cast("date") if pattern == "week" else F.trunc(day, pattern)
    return typed[column.name], start


def _source(p: ColumnProfile) -> bool:
    return p.role == "feature" and p.action is None and p.type in ("date", "timestamp")


def _candidate(p: ColumnProfile, config: DatasetConfig) -> bool:
    """A modelled column of whole numbers or categories, written plainly, that the
    config does not set."""
    plain = not (p.unit or p.excel_text or p.full_width or p.grouping or p.text_format)
    return (
        p.type in ("integer", "categorical")
        and modelled(p, config)
        and plain
        and p.stats.non_null >= MIN_ROWS
        and p.distinct <= MAX_DISTINCT
    )


def modelled(p: ColumnProfile, config: DatasetConfig) -> bool:
    """A column the model would learn, of two values or more, that neither the privacy
    decisions nor the config touch and that is not the target: one that may be written
    from others instead (a date's part here, a sum in `_sums`, a function in
    `_functions`)."""
    settings = config.column(p.name)
    return (
        p.role == "feature"
        and p.action is None
        and p.name != config.target_column
        and not (settings.type or settings.role)
        and p.distinct > 1
    )


def modelled_number(p: ColumnProfile, config: DatasetConfig) -> bool:
    """A modelled column of numbers (no duration: they are written as times), which a sum
    (`_sums`) or a function (`_functions`) may be written from or as."""
    return p.type in ("integer", "decimal") and not p.text_format and modelled(p, config)


def written_from(profile: Profile, *, functions: bool = True) -> set[str]:
    """The columns that others are written from (a sum's parts, a product's operands and,
    with `functions`, a function's source): they stay modelled, or the others could not
    be written. A function's source may itself be written from others: the CSV writes
    columns in order, and a source comes before its function."""
    names: set[str] = {p.function_of for p in profile.columns} if functions else set()
    for p in profile.columns:
        names |= {*(p.sum_of or ()), *(p.product_of or ()), *(p.ratio_of or ())}
    return names - {None}


def _period(p: ColumnProfile, config: DatasetConfig) -> str | None:
    """The period a column of dates written without their day is (`2019-06`: "month",
    `2019Q2`: "quarter", `2020-W53`: "week", `2019`: "year"), or None. Such a column
    beside a date may be that date's period, and is then written from it in its own
    form."""
    if p.type != "date" or not p.text_format or not modelled(p, config):
        return None
    if p.stats.non_null < MIN_ROWS:
        return None
    # The pattern's fields: quoted text (the Q of 2019'Q'2, the W of a week) is literal.
    letters = {c for c in re.sub(r"'[^']*'", "", p.text_format) if c.isascii() and c.isalpha()}
    if not letters or not letters <= set("yYMQw"):
        return None  # a day, a time, or a field no period has
    return next(period for letter, period in _PERIODS if letter in letters)


def _patterns(column: ColumnProfile, source: ColumnProfile) -> list[tuple[str, str | None]]:
    """The parts `column` may be of `source`: numeric ones within the column's range;
    any for categories (`03`, `2019`, `Q1`, `Mar`); none with more values than it has."""
    parts = [
        p
        for p in PART_NAMES
        if (source.type == "timestamp" or p not in _TIME_PARTS)
        and column.distinct <= _VALUES[_letter(p)]
    ]
    if column.type == "integer":
        low, high = column.min_long, column.max_long
        return [
            (p, None)
            for p in parts
            if p in _NUMERIC_PARTS and _within(_RANGES[_letter(p)], low, high)
        ]
    cased = [(p, case) for p in ("MMM", "MMMM") if p in parts for case in ("upper", "lower")]
    return [(p, None) for p in parts] + cased


def _letter(pattern: str) -> str:
    """The field a part's pattern writes (`'Q'Q`: Q, `MMMM`: M)."""
    return pattern[-1]


def _within(bounds: tuple[int, int], low: int | None, high: int | None) -> bool:
    return low is not None and high is not None and bounds[0] <= low <= high <= bounds[1]
