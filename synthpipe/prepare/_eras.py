"""Dates in the Buddhist Era, as Thai systems write them: 15/03/2567 is 15 March 2024.

Thai Windows, Excel and core systems write the year of the Buddhist Era, the Gregorian
year plus 543. Read as a Gregorian year, 2567 lies past what training's datetimes hold,
and such a column was refused as far dates. Prepare finds the columns whose every date
writes a year of the Buddhist Era's last centuries (FIRST_YEAR to LAST_YEAR: 1900 to
2257), reads each cell with its year less 543 before it is parsed (29/02/2567 is a day:
2024 is a leap year, and 2567 would not be), and records the offset
(ColumnSchema.year_offset), so that the published CSV writes the Buddhist Era's years
again.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

FIRST_YEAR, LAST_YEAR = 2443, 2800
# The cell's first four-digit number from 2400 to 2899, with what comes before and after.
_YEAR = r"^(.*?)(?<![0-9])(2[4-8][0-9]{2})(?![0-9])(.*)$"


def in_era(*years: int | None) -> bool:
    """Whether `years` are all the Buddhist Era's of 1900 to 2257."""
    return None not in years and min(years) >= FIRST_YEAR and max(years) <= LAST_YEAR


def with_common_era(strings: DataFrame, eras: dict[str, int]) -> DataFrame:
    """`strings` with `eras`' columns written with their years less each one's offset
    (15/03/2567 as 15/03/2024); the same frame when there are none."""
    if not eras:
        return strings
    return strings.select(
        *[_common_era(F.col(f"`{n}`"), eras[n]).alias(n) if n in eras else F.col(f"`{n}`")
          for n in strings.columns]
    )  # fmt: skip


def _common_era(c: Column, offset: int) -> Column:
    year = F.regexp_extract(c, _YEAR, 2)
    shifted = F.concat(
        F.regexp_extract(c, _YEAR, 1),
        (year.cast("int") - offset).cast("string"),
        F.regexp_extract(c, _YEAR, 3),
    )
    return F.when(year != "", shifted).otherwise(c)
