"""Dates written after their weekday's name: `Tuesday, December 12, 2023` (Excel's en-US
long date), `Tue, 12 Dec 2023`, `Dienstag, 12. Dezember 2023`, `mardi 12 décembre
2023`, `martes, 12 de diciembre de 2023`.

Spark cannot parse a weekday (its `E` formats only), so such a column stayed text, and
the personal-data detector took its words and numbers for an address: the column was
dropped. The weekday tells nothing the date does not. Prepare finds the columns whose
every value is a weekday's name or abbreviation of one language
(schema.WEEKDAY_NAMES_BY_LANGUAGE, WEEKDAY_ABBREVIATIONS_BY_LANGUAGE), then one
separator, then a date or a timestamp it reads; it reads them without the weekday, and
the published CSV writes each date's own weekday before it, spelled as the column
spells them (ColumnSchema.weekday_names, and EEE or EEEE in its text_format).
"""

from __future__ import annotations

from dataclasses import dataclass

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from synthpipe.prepare._months import names_reading
from synthpipe.prepare._protect import cells_by_column, count_if
from synthpipe.schema import WEEKDAY_ABBREVIATIONS_BY_LANGUAGE, WEEKDAY_NAMES_BY_LANGUAGE

_WORDS = sorted(
    {
        word.rstrip(".")
        for table in (WEEKDAY_NAMES_BY_LANGUAGE, WEEKDAY_ABBREVIATIONS_BY_LANGUAGE)
        for spellings in table.values()
        for variants in spellings
        for word in variants.split()
    },
    key=len,
    reverse=True,  # the longest first: `Tuesday` before `Tue`
)
# Java regex, in any case: (1 the weekday, with its dot)(2 the separator), then a date's
# first character.
WEEKDAY_PREFIX = r"^((?iu:" + "|".join(_WORDS) + r")\.?)(, ?| )(?=[\p{L}\d])"
_FIRST_CHARS = tuple(sorted({c for word in _WORDS for c in (word[0].lower(), word[0].upper())}))


@dataclass(frozen=True)
class Weekdays:
    """How a column writes the weekday before its dates: the separator after it, full
    names or abbreviations, and the seven names (Monday first) as the column writes them."""

    separator: str
    full: bool
    names: tuple[str, ...]

    def written(self, date_format: str) -> str:
        """The written pattern of a date whose rest is written `date_format`."""
        return ("EEEE" if self.full else "EEE") + self.separator + date_format


def weekday_count(c: Column, n: Column) -> Column:
    """Cells that start with a weekday, an aggregate of Prepare's one profiling pass over
    distinct values `c`, each held by `n` cells (the regular expression only on cells
    that start with a weekday's first letter)."""
    maybe = F.substring(c, 1, 1).isin(*_FIRST_CHARS) & F.length(c).between(8, 60)
    return count_if(maybe & c.rlike(WEEKDAY_PREFIX), n)


def find_weekdays(strings: DataFrame, names: list[str]) -> dict[str, Weekdays]:
    """Of `names` (columns whose every value starts with a weekday), those written with
    one separator and weekdays of one language: one aggregation over their cells."""
    if not names:
        return {}
    cells = cells_by_column(strings, names).where(F.col("v").isNotNull())
    word = F.regexp_extract("v", WEEKDAY_PREFIX, 1).alias("word")
    separator = F.regexp_extract("v", WEEKDAY_PREFIX, 2).alias("separator")
    separators: dict[int, set] = {}
    words: dict[int, set] = {}
    for row in cells.select("i", word, separator).distinct().collect():
        separators.setdefault(row["i"], set()).add(row["separator"])
        words.setdefault(row["i"], set()).add(row["word"])
    found = {}
    for i, name in enumerate(names):
        if len(separators.get(i, ())) != 1:
            continue  # none, or written two ways: text
        reading = names_reading(
            words[i], WEEKDAY_NAMES_BY_LANGUAGE, WEEKDAY_ABBREVIATIONS_BY_LANGUAGE
        )
        if reading is not None:
            _, full, written = reading
            found[name] = Weekdays(next(iter(separators[i])), full, written)
    return found


def without_weekdays(strings: DataFrame, found: dict[str, Weekdays]) -> DataFrame:
    """`strings` with `found`'s columns read without their weekday (`Tuesday, December
    12, 2023` as `December 12, 2023`); the same frame when there are none."""
    if not found:
        return strings
    return strings.select(
        *[
            F.regexp_replace(F.col(f"`{n}`"), WEEKDAY_PREFIX, "").alias(n)
            if n in found
            else F.col(f"`{n}`")
            for n in strings.columns
        ]
    )
