"""Dates written with a month's name in another language: `15 mars 2024`, `15. März
2024`, `15 de marzo de 2024`, `15 janv. 2024`, `15-ene-24`; and months without a day, as
periods are written: `Juni 2024`, `janv. 2024`, `marzo de 2024`, `mrt-2024`.

Spark parses month names in English only (its formatter's locale), so such a column
stayed text, and as text its many values were folded into one rare category: the dates
were lost. Prepare finds the columns whose every value is a day, a month's name or
abbreviation in one language of schema.MONTH_NAMES_BY_LANGUAGE (and
MONTH_ABBREVIATIONS_BY_LANGUAGE), and a year, written one way, and no other type reads
them; it reads them as `15-Mar-2024` (typed as an English named date is), or a month
without a day as `Mar-2024` or `Mar-24` (an English period, its first day), and records
the language, the written form and the twelve names as the column writes them, so that
the published CSV writes them as the input did (ColumnSchema.month_language,
month_names, text_format). The names are a closed list: nothing of a cell's value is
recorded but which month it names.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from synthpipe.prepare._protect import cells_by_column, count_if
from synthpipe.schema import MONTH_ABBREVIATIONS_BY_LANGUAGE, MONTH_NAMES, MONTH_NAMES_BY_LANGUAGE

# Java regex: (1 day)(2 a dot after it, as German writes it)(3 a separator)(4 "de ", as
# Spanish and Portuguese write it), all four absent in a month without a day (Spark
# extracts an absent group as ""); (5 the month's name or abbreviation, with its dot)
# (6 " de")(7 a separator)(8 the year, four digits or two).
OTHER_NAMED_DATE = r"^(?:(\d{1,2})(\.?)([ /-]?)(de |))?(\p{L}{3,10}\.?)( de|)([ /-]?)(\d{4}|\d{2})$"
_FORM_GROUPS = (2, 3, 4, 6, 7)


def _spellings(full_names: tuple[str, ...], abbreviations: tuple[str, ...]):
    """One language's full names and abbreviations (space-separated variants), lowered
    and without a final dot -> their place (1: January, or Monday)."""
    full = {name.lower(): m for m, name in enumerate(full_names, 1)}
    short = {
        variant.lower().rstrip("."): m
        for m, variants in enumerate(abbreviations, 1)
        for variant in variants.split()
    }
    return full, short


_SPELLINGS = {
    language: _spellings(names, MONTH_ABBREVIATIONS_BY_LANGUAGE[language])
    for language, names in MONTH_NAMES_BY_LANGUAGE.items()
}


@dataclass(frozen=True)
class NamedDate:
    """How a column writes its dates: the language, the separators and `de`s around the
    month's name (`form`: groups 2, 3, 4, 6 and 7 of OTHER_NAMED_DATE), full names or
    abbreviations, the year's digits, and the twelve names as the column writes them."""

    language: str
    form: tuple[str, ...]
    full: bool
    year_digits: int
    names: tuple[str, ...]

    def written(self, date_format: str) -> str:
        """The written pattern, given how the English reading (`d-MMM-yy`) is written
        (`dd-MMM-yy` when every day has two digits; `MMM-yyyy` or `MMM-yy` for a month
        without a day): `dd. MMMM yyyy`, `d 'de' MMMM 'de' yyyy`, `dd-MMM-yy`, `MMMM 'de'
        yyyy`."""
        dot, first, before, after, second = self.form
        month = "MMMM" if self.full else "MMM"
        year = "yyyy" if self.year_digits == 4 else "yy"
        before, after = ("'de' " if before else ""), (" 'de'" if after else "")
        if not date_format.startswith("d"):
            return f"{month}{after}{second}{year}"
        day = "dd" if date_format.startswith("dd") else "d"
        return f"{day}{dot}{first}{before}{month}{after}{second}{year}"


def named_date_count(c: Column, n: Column) -> Column:
    """Cells that may be such a date, an aggregate of Prepare's one profiling pass over
    distinct values `c`, each held by `n` cells (a regular expression only on cells that
    end with a digit, are that long and have a letter where the month's name starts:
    not on numbers)."""
    start = F.substring(c, 1, 6)  # mai 20, 5 mars, 15 mars, 15. März, 15 de marzo
    lettered = F.upper(start) != F.lower(start)
    maybe = F.substring(c, -1, 1).isin(*"0123456789") & F.length(c).between(6, 27)
    return count_if(maybe & lettered & c.rlike(OTHER_NAMED_DATE), n)


def find_named_dates(strings: DataFrame, names: list[str]) -> dict[str, NamedDate]:
    """Of `names` (columns whose every value matched OTHER_NAMED_DATE), those written one
    way with month names of one language: one aggregation over their cells."""
    if not names:
        return {}
    cells = cells_by_column(strings, names).where(F.col("v").isNotNull())
    groups = {f"g{g}": F.regexp_extract("v", OTHER_NAMED_DATE, g) for g in (*_FORM_GROUPS, 5)}
    year = F.length(F.regexp_extract("v", OTHER_NAMED_DATE, 8)).alias("year")
    found = cells.select("i", year, *[c.alias(k) for k, c in groups.items()]).distinct()
    forms: dict[int, set] = {}
    words: dict[int, set] = {}
    for row in found.collect():
        form = (*[row[f"g{g}"] for g in _FORM_GROUPS], row["year"])
        forms.setdefault(row["i"], set()).add(form)
        words.setdefault(row["i"], set()).add(row["g5"])
    dates = {}
    for i, name in enumerate(names):
        if len(forms.get(i, ())) != 1:
            continue  # no such value, or written two ways: text
        reading = names_reading(words[i], MONTH_NAMES_BY_LANGUAGE, MONTH_ABBREVIATIONS_BY_LANGUAGE)
        if reading is not None:
            *form, year = next(iter(forms[i]))
            language, full, written = reading
            dates[name] = NamedDate(language, tuple(form), full, year, written)
    return dates


def names_reading(
    words: set[str],
    names_by_language: dict[str, tuple[str, ...]],
    abbreviations_by_language: dict[str, tuple[str, ...]],
) -> tuple[str, bool, tuple[str, ...]] | None:
    """(language, full names, every name as the column writes them) of a column's month
    or weekday words: the first language whose full names hold them all, else whose
    abbreviations do; None for a mix of languages or other words."""
    keys = {word.lower().rstrip("."): word for word in sorted(words, reverse=True)}
    for full in (True, False):
        for language, names in names_by_language.items():
            abbreviations = abbreviations_by_language[language]
            places = _spellings(names, abbreviations)[0 if full else 1]
            if keys.keys() <= places.keys():
                seen = {places[key]: word for key, word in keys.items()}
                return language, full, _every_name(names, abbreviations, full, seen)
    return None


def _every_name(
    names: tuple[str, ...], abbreviations: tuple[str, ...], full: bool, seen: dict[int, str]
) -> tuple[str, ...]:
    """The column's own spelling of each name it holds; for the others, the language's
    first spelling, with or without a final dot and in capitals or small letters as the
    column writes its names."""
    defaults = names if full else tuple(v.split()[0] for v in abbreviations)
    written = list(seen.values())
    full_names = {name.lower() for name in names}
    shortened = [w for w in written if w.lower() not in full_names]
    every = []
    for place, default in enumerate(defaults, 1):
        if place in seen:
            every.append(seen[place])
            continue
        if shortened and default.lower() not in full_names:
            dotted = all(w.endswith(".") for w in shortened)
            default = default.rstrip(".") + ("." if dotted else "")
        every.append(_cased(default, written))
    return tuple(every)


def _cased(word: str, like: list[str]) -> str:
    if all(w.isupper() for w in like):
        return word.upper()
    if all(w.islower() for w in like):
        return word.lower()
    if all(w[:1].isupper() for w in like):
        return word[:1].upper() + word[1:]
    return word


def with_english_months(strings: DataFrame, dates: dict[str, NamedDate]) -> DataFrame:
    """`strings` with `dates`' columns read as English named dates (`15 de marzo de 2024`
    as `15-Mar-2024`, `marzo de 2024` as `Mar-2024`, `ene-24` as `Jan-24`); the same
    frame when there are none."""
    if not dates:
        return strings
    return strings.select(
        *[
            _english(F.col(f"`{n}`"), dates[n].language).alias(n) if n in dates else F.col(f"`{n}`")
            for n in strings.columns
        ]
    )


def _english(c: Column, language: str) -> Column:
    full, short = _SPELLINGS[language]
    pairs = {**short, **full}
    english = F.create_map(
        *[F.lit(x) for k, m in pairs.items() for x in (k, MONTH_NAMES[m - 1][:3])]
    )
    word = F.regexp_replace(F.lower(F.regexp_extract(c, OTHER_NAMED_DATE, 5)), r"\.$", "")
    day, year = (F.regexp_extract(c, OTHER_NAMED_DATE, group) for group in (1, 8))
    month = english[word]
    reading = F.when(day == "", F.concat_ws("-", month, year))  # a month without a day
    reading = reading.otherwise(F.concat_ws("-", day, month, year))
    return F.when(c.isNull(), c).otherwise(reading)
