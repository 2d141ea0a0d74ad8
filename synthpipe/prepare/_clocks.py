"""Dates with an English month's name, then a time of day: `22 Jan 2023 23:05`,
`22-Jan-2023 23:05:49`, `Jan 22, 2023 11:05 PM`, `January 22, 2023, 11:05 PM`, as
spreadsheets, reports and ticketing tools export them.

Prepare read the named date alone, and a time alone (_patterns.NAMED_DATE,
TIME_OF_DAY), not the two together: such a column stayed text, one value per row, and
was dropped as a key or, its words and numbers taken for a street, as an address.
Prepare finds the columns whose every value is such a date, one separator and a time
written one way (a 24-hour or a 12-hour clock, with or without seconds); their dates are
profiled alone (typed as the named date is), and the column is a timestamp read with the
date's pattern, the separator and the time's (`d MMM yyyy H:mm`).
"""

from __future__ import annotations

from dataclasses import dataclass

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from synthpipe.prepare import _patterns as P
from synthpipe.prepare._protect import cells_by_column, count_if


@dataclass(frozen=True)
class Clock:
    """The time after a column's dates: the separator before it, and its Spark pattern
    (H:mm, H:mm:ss, H:mm[:ss], or one of those on a 12-hour clock)."""

    separator: str
    time_format: str

    def pattern(self, date_format: str) -> str:
        return date_format + self.separator + self.time_format


def named_datetime_count(c: Column, n: Column) -> Column:
    """Cells that are a named date and a time, an aggregate of Prepare's one profiling
    pass over distinct values `c`, each held by `n` cells (the regular expression only
    on cells as long as one, with a colon)."""
    first, second = F.substring(c, 1, 1), F.substring(c, 2, 1)
    named = first.isin(*P.MONTH_FIRST_CHARS) & second.isin(*P.MONTH_SECOND_CHARS)
    maybe = F.length(c).between(13, 34) & c.contains(":") & (first.isin(*"0123456789") | named)
    return count_if(maybe & c.rlike(P.NAMED_DATETIME), n)


def find_clocks(strings: DataFrame, names: list[str]) -> dict[str, Clock]:
    """Of `names` (columns whose every value matched P.NAMED_DATETIME), those written with
    one separator and one clock: one aggregation over their cells."""
    if not names:
        return {}
    cells = cells_by_column(strings, names).where(F.col("v").isNotNull())
    separator = F.regexp_extract("v", P.NAMED_DATETIME, 2).alias("separator")
    seconds = (F.regexp_extract("v", P.NAMED_DATETIME, 4) != "").alias("seconds")
    twelve = (F.regexp_extract("v", P.NAMED_DATETIME, 5) != "").alias("twelve")
    forms: dict[int, set] = {}
    for row in cells.select("i", separator, seconds, twelve).distinct().collect():
        forms.setdefault(row["i"], set()).add((row["separator"], row["seconds"], row["twelve"]))
    found = {}
    for i, name in enumerate(names):
        separators = {form[0] for form in forms.get(i, ())}
        twelves = {form[2] for form in forms.get(i, ())}
        if len(separators) != 1 or len(twelves) != 1:
            continue  # written two ways: text
        time = _time_format({form[1] for form in forms[i]})
        twelve = twelves == {True}
        found[name] = Clock(next(iter(separators)), P.twelve_hour(time) if twelve else time)
    return found


def _time_format(with_seconds: set[bool]) -> str:
    """H:mm:ss when every time has seconds, H:mm when none has, else H:mm[:ss]."""
    if with_seconds == {True}:
        return P.TIME_HMS
    return P.TIME_HM if with_seconds == {False} else P.TIME_SOME_SECONDS


def dates_alone(strings: DataFrame, found: dict[str, Clock]) -> DataFrame:
    """`strings` with `found`'s columns read without their time (`22 Jan 2023 23:05` as
    `22 Jan 2023`), to profile their dates; the same frame when there are none."""
    if not found:
        return strings
    return strings.select(
        *[
            F.regexp_extract(F.col(f"`{n}`"), P.NAMED_DATETIME, 1).alias(n)
            if n in found
            else F.col(f"`{n}`")
            for n in strings.columns
        ]
    )
