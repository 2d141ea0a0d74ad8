"""Dates written with a month's name in another language: `15 mars 2024`, `15. März
2024`, `15 de marzo de 2024`.

Spark parses month names in English only (its formatter's locale), so such a column
stayed text, and as text its many values were folded into one rare category: the dates
were lost. Prepare finds the columns whose every value is a day, a month's full name in
one language of schema.MONTH_NAMES_BY_LANGUAGE and a four-digit year, written one way;
it reads them as `15 March 2024` (typed as an English named date is) and records the
language, the written form and the case of the names, so that the published CSV writes
them as the input did (ColumnSchema.month_language, text_format, month_case). The month
names are a closed list: nothing of a cell's value is recorded but which month it names.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from synthpipe.prepare._protect import cells_by_column, count_if
from synthpipe.schema import MONTH_NAMES, MONTH_NAMES_BY_LANGUAGE

# Java regex: (1 day)(2 a dot after it, as German writes it)(3 "de ", as Spanish and
# Portuguese write it)(4 the month's name)(5 " de")(6 the year).
OTHER_NAMED_DATE = r"^(\d{1,2})(\.?) (de |)(\p{L}{3,10})( de|) (\d{4})$"
_ALL_NAMES = {name.lower() for names in MONTH_NAMES_BY_LANGUAGE.values() for name in names}


@dataclass(frozen=True)
class NamedDate:
    """How a column writes its dates: the language of its month names, the day's dot and
    the `de`s around the name, and the names' case (ColumnSchema.month_case)."""

    language: str
    dot: bool
    de_before: bool
    de_after: bool
    month_case: str | None

    def written(self, date_format: str) -> str:
        """The written pattern of `date_format` (`d MMMM yyyy` or `dd MMMM yyyy`, as the
        English reading of the column is written): `dd. MMMM yyyy`, `d 'de' MMMM 'de'
        yyyy`."""
        day = date_format.partition(" ")[0]
        before = "'de' " if self.de_before else ""
        after = " 'de'" if self.de_after else ""
        return f"{day}{'.' if self.dot else ''} {before}MMMM{after} yyyy"


def named_date_count(c: Column) -> Column:
    """Cells that may be such a date, an aggregate of Prepare's one profiling pass (a
    regular expression only on cells that start with a digit and are that long)."""
    maybe = F.substring(c, 1, 1).isin(*"0123456789") & F.length(c).between(10, 27)
    return count_if(maybe & c.rlike(OTHER_NAMED_DATE))


def find_named_dates(strings: DataFrame, names: list[str]) -> dict[str, NamedDate]:
    """Of `names` (columns whose every value matched OTHER_NAMED_DATE), those written one
    way with month names of one language: one aggregation over their cells."""
    if not names:
        return {}
    cells = cells_by_column(strings, names).where(F.col("v").isNotNull())
    parts = [F.regexp_extract("v", OTHER_NAMED_DATE, group) for group in (2, 3, 4, 5)]
    found = cells.select("i", *[p.alias(f"g{n}") for n, p in enumerate(parts)]).distinct()
    forms: dict[int, set] = {}
    words: dict[int, set] = {}
    for row in found.collect():
        forms.setdefault(row["i"], set()).add((row["g0"], row["g1"], row["g3"]))
        words.setdefault(row["i"], set()).add(row["g2"])
    dates = {}
    for i, name in enumerate(names):
        language = _language(words.get(i, set()))
        if language is None or len(forms.get(i, ())) != 1:
            continue  # English names, no month's name, mixed languages or forms: text
        dot, before, after = next(iter(forms[i]))
        case = _case(words[i], MONTH_NAMES_BY_LANGUAGE[language])
        dates[name] = NamedDate(language, dot == ".", before != "", after != "", case)
    return dates


def _language(words: set[str]) -> str | None:
    lowered = {word.lower() for word in words}
    if not lowered or not lowered <= _ALL_NAMES:
        return None
    return next(
        (
            language
            for language, names in MONTH_NAMES_BY_LANGUAGE.items()
            if lowered <= {name.lower() for name in names}
        ),
        None,
    )


def _case(words: set[str], own: tuple[str, ...]) -> str | None:
    """None when every name is written as its language writes it, else "upper",
    "lower" or "title" when all are written so; None for a mix."""
    if words <= set(own):
        return None
    for case, cased in (("upper", str.upper), ("lower", str.lower), ("title", str.capitalize)):
        if all(word == cased(word) for word in words):
            return case
    return None


def with_english_months(strings: DataFrame, dates: dict[str, NamedDate]) -> DataFrame:
    """`strings` with `dates`' columns read as English named dates (`15 de marzo de 2024`
    as `15 March 2024`); the same frame when there are none."""
    if not dates:
        return strings
    return strings.select(
        *[
            _english(F.col(f"`{n}`"), dates[n].language).alias(n) if n in dates else F.col(f"`{n}`")
            for n in strings.columns
        ]
    )


def _english(c: Column, language: str) -> Column:
    pairs = zip(MONTH_NAMES_BY_LANGUAGE[language], MONTH_NAMES, strict=True)
    english = F.create_map(*[F.lit(x) for own, name in pairs for x in (own.lower(), name)])
    month = english[F.lower(F.regexp_extract(c, OTHER_NAMED_DATE, 4))]
    day, year = (F.regexp_extract(c, OTHER_NAMED_DATE, group) for group in (1, 6))
    return F.when(c.isNull(), c).otherwise(F.concat_ws(" ", day, month, year))
