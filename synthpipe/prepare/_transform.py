"""The Spark side of Prepare: three passes over the data.

1. read the CSV, clean the strings, and profile every column in one aggregation over
   all the cells (long format: the plan does not grow with the columns);
2. cast, drop columns and (where a column names the record) duplicate rows, keeping
   the input's row order, write Parquet;
3. read the Parquet back for the exact null and distinct counts of schema.json.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType
from pyspark.sql.window import Window

from synthpipe import storage
from synthpipe.dataset_config import DatasetConfig
from synthpipe.errors import InputRefused, StepFailed
from synthpipe.pii.actions import DROP, GENERALISE, MASK, PSEUDONYMISE, ColumnAction
from synthpipe.pinning import spark_path
from synthpipe.prepare import _eras, _forms
from synthpipe.prepare import _patterns as P
from synthpipe.prepare._clocks import Clock, dates_alone, find_clocks, named_datetime_count
from synthpipe.prepare._infer import (
    COMMA_GROUPS,
    POINT_GROUPS,
    ColumnStats,
    PrepareSettings,
    code_reason,
    compact_yy_date,
    dense_codes,
    identifier_reason,
    infer_type,
    names_records,
    order_decides_key,
)
from synthpipe.prepare._months import (
    NamedDate,
    find_named_dates,
    named_date_count,
    with_english_months,
)
from synthpipe.prepare._privacy import age_band, masked, prefix, pseudonymiser, reference_date
from synthpipe.prepare._protect import (
    HOLDER,
    columns_by_type,
    count_if,
    value_counts_by_column,
)
from synthpipe.prepare._units import Unit, found_unit, unit_exprs, without_units
from synthpipe.prepare._weekdays import Weekdays, find_weekdays, weekday_count, without_weekdays
from synthpipe.schema import (
    BUDDHIST_ERA_OFFSET,
    DURATION_FORMATS,
    DURATION_HMS,
    FULL_WIDTH_ZERO,
    NATIVE_AS_ASCII,
    NATIVE_SIGNS,
    NULL_TOKENS,
    ColumnSchema,
    DatasetSchema,
)
from synthpipe.spark import apply_settings
from synthpipe.validate import EOF_MARK, NON_LATIN_ENCODINGS, WIDE_ENCODINGS, reads_whole

_JAVA_ENCODINGS = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8",  # the BOM sits in the header line, which Spark skips
    "cp1252": "windows-1252",
    "latin-1": "ISO-8859-1",
    **NON_LATIN_ENCODINGS,
    **WIDE_ENCODINGS,
}
_TRIM = r"^[\s\u00A0\uFEFF]+|[\s\u00A0]+$"
_WRAPPING_QUOTES = r"(?s)^(['\"])(.*)\1$"
_ROWS_PER_FILE = 1_000_000


@dataclass
class ColumnProfile:
    name: str
    original_name: str
    stats: ColumnStats
    distinct: int
    constant: bool
    formula_like: int
    # The smallest and largest whole number (12, and 12.0 as pandas writes it).
    min_long: int | None
    max_long: int | None
    # The column's place in the file, from 1: how refusals name it (a header can be
    # personal data).
    position: int = 0
    # Share of adjacent rows in order, for whole numbers named like a key (_sorted_shares).
    sorted_share: float | None = None
    type: str = "categorical"
    format: str | None = None
    role: str = "feature"
    reason: str = ""
    # The privacy action decided for the column (None: no personal data, no id).
    action: str | None = None
    type_source: str = "inferred"
    code_reason: str = ""
    # How the input writes the column (synthpipe.prepare._forms), for the published CSV.
    true_false: list[str] | None = None
    text_format: str | None = None
    month_case: str | None = None
    # The one far date that stands for "none" in a date column (see _far_dates).
    null_text: str | None = None
    # The digit-group separator of numbers written 1,234.5 or 1.234,5 (see _infer), and
    # whether they are grouped in lakhs (12,34,567.5).
    grouping: str | None = None
    indian_grouping: bool = False
    # The most decimal places a value of a decimal column has (see _places), and
    # whether every value has that many (12.50, 3.00: see _places).
    decimal_places: int | None = None
    significant_digits: int | None = None
    fixed_places: bool = False
    bare_wholes: bool = False
    # Every value in exponent form: its letter and a mantissa's most places (see
    # _exponent_form); and fractions written without their leading zero (.25).
    exponent: str | None = None
    mantissa_places: int | None = None
    bare_fractions: bool = False
    # The unit its numbers are written with ($1,234.50, 3.97%: see _units), stripped
    # before typing and written back in the published CSV.
    unit: Unit | None = None
    # Cells read as missing: marks such as `.` or `#DIV/0!` in a column of numbers or dates
    # (see _missing_marks).
    missing_marks: int = 0
    # Cells written as Excel's text formula ="0123", read as the text between the quotes
    # (see _excel_texts).
    excel_text: int = 0
    # Cells with digits typed full width (１，２３４) or in another script (١٢٣٤), read as
    # ASCII (see _full_widths), and the zero of that script.
    full_width: int = 0
    digit_zero: str | None = None
    # Dates written with month names of another language (`15 mars 2024`), read as
    # English ones (see _months).
    named_date: NamedDate | None = None
    # Dates whose years are the Buddhist Era's (2567 for 2024), read less this offset
    # (see _eras).
    year_offset: int = 0
    # Dates written after their weekday's name (`Tuesday, December 12, 2023`), read
    # without it (see _weekdays).
    weekdays: Weekdays | None = None
    # The time after its dates (`22 Jan 2023 23:05`: see _clocks), read with them.
    clock: Clock | None = None
    # The earlier column whose text this one repeats on every row (see _mark_copies).
    copy_of: str | None = None
    # The date column this one holds a part of on every row (see _parts).
    derived_from: str | None = None
    # The two columns this one is the sum of on every row (see _sums).
    sum_of: list[str] | None = None
    # The earlier column this one is a function of on every row, the function and a
    # linear rescaling's slope and intercept (see _functions).
    function_of: str | None = None
    function: str | None = None
    coefficients: list[float] | None = None
    # The two earlier columns this one is the product, or the ratio, of (see _products).
    product_of: list[str] | None = None
    ratio_of: list[str] | None = None
    fingerprint: int | None = None


@dataclass
class Profile:
    rows: int
    columns: list[ColumnProfile]

    def units(self) -> dict[str, Unit]:
        return {p.name: p.unit for p in self.columns if p.unit is not None}

    def marked(self) -> dict[str, int]:
        return {p.name: p.missing_marks for p in self.columns if p.missing_marks}

    def excel_texts(self) -> dict[str, int]:
        return {p.name: p.excel_text for p in self.columns if p.excel_text}

    def full_widths(self) -> dict[str, int]:
        return {p.name: p.full_width for p in self.columns if p.full_width}

    def eras(self) -> dict[str, int]:
        return {p.name: p.year_offset for p in self.columns if p.year_offset}

    def named_dates(self) -> dict[str, NamedDate]:
        return {p.name: p.named_date for p in self.columns if p.named_date is not None}

    def weekdays(self) -> dict[str, Weekdays]:
        return {p.name: p.weekdays for p in self.columns if p.weekdays is not None}


def read_csv(spark: SparkSession, source: str, dialect) -> DataFrame:
    """All columns as strings, named by the normalised header (positional)."""
    apply_settings(spark)
    width = len(dialect.columns) + dialect.trailing_fields
    schema = StructType([StructField(f"_c{i}", StringType()) for i in range(width)])
    # Read whole: quoted line breaks, and UTF-16/32, whose characters Spark's line
    # splitting would cut (validate.WIDE_ENCODINGS).
    whole = reads_whole(dialect.multiline, dialect.encoding)
    frame = (
        spark.read.option("header", "true")
        .option("sep", dialect.delimiter)
        .option("encoding", _JAVA_ENCODINGS[dialect.encoding])
        .option("quote", '"')
        .option("escape", '"')
        .option("multiLine", "true" if whole else "false")
        .option("mode", "FAILFAST")
        .option("comment", EOF_MARK)  # a last line of Ctrl-Z is no record (validate.is_blank)
        .schema(schema)
        .csv(spark_path(source))  # exactly this one file, whatever its folder is called
    )
    if dialect.separator_line:
        # Spark took Excel's `sep=;` line for the header, so the header row is the file's
        # first record: the first of the split at byte 0 (ids count each partition's rows).
        first = (F.input_file_block_start() == 0) & (
            F.monotonically_increasing_id() % (1 << 33) == 0
        )
        frame = frame.where(~first)
    # A record of empty fields only (`,,,`) is no row: validation does not count it either.
    # One flat expression, whatever the width (concat_ws skips the nulls of empty fields).
    frame = frame.where(F.concat_ws("", *[F.col(c) for c in frame.columns]) != "")
    return frame.select(*frame.columns[: len(dialect.columns)]).toDF(*dialect.columns)


def clean_strings(frame: DataFrame) -> DataFrame:
    """Trim, strip one pair of wrapping quotes, and turn null tokens into nulls.

    Two projections: the null test then reads the stripped value instead of repeating its
    three replacements, which keeps the plan of a wide file three times smaller."""
    stripped = []
    for name in frame.columns:
        value = F.regexp_replace(F.col(f"`{name}`"), _TRIM, "")
        value = F.regexp_replace(value, _WRAPPING_QUOTES, "$2")
        stripped.append(F.regexp_replace(value, _TRIM, "").alias(name))
    cleaned = []
    for name in frame.columns:
        value = F.col(f"`{name}`")
        is_null = F.lower(value).isin(*NULL_TOKENS) | value.isNull()
        cleaned.append(F.when(is_null, F.lit(None)).otherwise(value).alias(name))
    return frame.select(*stripped).select(*cleaned)


def _maybe_date(c: Column) -> Column:
    """Whether a cell is as long as a date with a two-digit year or a month's name and
    starts like one: the rarer date forms are tried on these cells only (And stops at
    the first false), which keeps the profile of a large file as fast as before."""
    first, second = F.substring(c, 1, 1), F.substring(c, 2, 1)
    named = first.isin(*P.MONTH_FIRST_CHARS) & second.isin(*P.MONTH_SECOND_CHARS)
    return F.length(c).between(6, 18) & (first.isin(*"0123456789") | named)


def _compact(c: Column, pattern: str, fmt: str) -> Column:
    """A cell that is a date (or timestamp) written as one number, as long as its Spark
    pattern `fmt`, that Spark reads (20240230 is no date)."""
    parsed = F.to_timestamp(c, fmt) if "HH" in fmt else F.to_date(c, fmt)
    return (F.length(c) == len(fmt)) & c.rlike(pattern) & parsed.isNotNull()


def _period_form(
    c: Column, patterns: dict[str, str], shortest: int, longest: int, letter: str
) -> Column:
    """Which of `patterns` (_patterns.QUARTERS, WEEKS) a cell is written in (its index),
    or null; tried only on cells of `shortest` to `longest` characters holding `letter`."""
    form = F.lit(None).cast("int")
    for index, pattern in reversed(list(enumerate(patterns.values()))):
        form = F.when(c.rlike(pattern), F.lit(index)).otherwise(form)
    return F.when(F.length(c).between(shortest, longest) & c.contains(letter), form)


def _quarter_start(c: Column) -> Column:
    """A quarter's first day (2024-Q2: 2024-04-01)."""
    year = F.regexp_extract(c, P.QUARTER_YEAR, 1).cast("int")
    quarter = F.regexp_extract(c, P.QUARTER_NUMBER, 1).cast("int")
    return F.make_date(year, quarter * 3 - 2, F.lit(1))


def _week_start(c: Column) -> Column:
    """An ISO week's Monday (2024-W05: 2024-01-29): week 1 holds 4 January. Null for a
    week its year lacks (2021-W53), which Prepare then refuses as unreadable."""
    year = F.regexp_extract(c, P.WEEK_YEAR, 1).cast("int")
    week = F.regexp_extract(c, P.WEEK_NUMBER, 1).cast("int")
    january_4 = F.make_date(year, F.lit(1), F.lit(4))
    first_monday = F.date_sub(january_4, (F.dayofweek(january_4) + 5) % 7)
    monday = F.date_add(first_monday, (week - 1) * 7)
    return F.when(F.weekofyear(monday) == week, monday)


def _fiscal_year(c: Column) -> Column:
    """A cell such as 2011-12: a year, then the next year's last two digits."""
    first = F.regexp_extract(c, P.FISCAL_YEAR, 1).cast("int")
    second = F.regexp_extract(c, P.FISCAL_YEAR, 2).cast("int")
    return c.rlike(P.FISCAL_YEAR) & ((first + 1) % 100 == second)


def _far_date(c: Column) -> Column:
    """A date or timestamp cell whose year training's datetimes cannot hold."""
    dated = c.rlike(P.DATE_ISO) | c.rlike(P.TIMESTAMP_ISO) | c.rlike(P.DATE_YMD)
    dated = dated | c.rlike(P.DATETIME_YMD)
    dated = dated | c.rlike(P.DATE_NUMERIC) | c.rlike(P.DATETIME_NUMERIC)
    dated = dated | c.rlike(P.DATETIME_NUMERIC_12H) | c.rlike(P.DATE_CJK) | c.rlike(P.DATE_KOREAN)
    first, third = F.regexp_extract(c, P.YEAR_FIRST, 1), F.regexp_extract(c, P.YEAR_THIRD, 1)
    year = F.when(dated, F.when(first != "", first).otherwise(third))
    # NAMED_DATE's first alternative refers back to its own first group: kept first.
    named = _maybe_date(c) & c.rlike(P.NAMED_DATE)
    year = year.when(named, F.regexp_extract(c, P.YEAR_LAST, 1))
    compact = (F.length(c) == 8) & c.rlike(P.COMPACT_DATE)  # 99991231
    year = year.when(compact, F.substring(c, 1, 4)).cast("int")
    return (year < P.FIRST_NEAR_YEAR) | (year > P.LAST_NEAR_YEAR)


def missing_mark(c: Column) -> Column:
    """A cell that marks a missing value in a column of numbers or dates (see
    _patterns.MISSING_MARK). A regular expression decodes every cell it reads, so short
    cells whose first character can start a mark are the only ones that meet it."""
    first = F.substring(c, 1, 1)
    return (F.length(c) <= 16) & ~first.isin(*P.NOT_MARK_FIRST_CHARS) & c.rlike(P.MISSING_MARK)


def without_marks(strings: DataFrame, marked: dict[str, int]) -> DataFrame:
    """`strings` with the missing-value marks of `marked`'s columns read as missing; the
    same frame when no column has them."""
    if not marked:
        return strings
    return strings.select(
        *[
            F.when(missing_mark(F.col(f"`{n}`")), F.lit(None)).otherwise(F.col(f"`{n}`")).alias(n)
            if n in marked
            else F.col(f"`{n}`")
            for n in strings.columns
        ]
    )


def with_ascii_digits(strings: DataFrame, written: dict[str, int]) -> DataFrame:
    """`strings` with the digits and signs of `written`'s columns typed full width
    (１，２３４．５) read as ASCII ones (1,234.5); the same frame when there are none."""
    if not written:
        return strings
    return strings.select(
        *[
            F.translate(F.col(f"`{n}`"), NATIVE_SIGNS, NATIVE_AS_ASCII).alias(n)
            if n in written
            else F.col(f"`{n}`")
            for n in strings.columns
        ]
    )


def without_excel_text(strings: DataFrame, written: dict[str, int]) -> DataFrame:
    """`strings` with the cells of `written`'s columns that are Excel's text formula
    (="0123") read as the text between its quotes (0123); the same frame when no column
    has them."""
    if not written:
        return strings
    return strings.select(
        *[
            F.regexp_replace(F.col(f"`{n}`"), P.EXCEL_TEXT, "$1").alias(n)
            if n in written
            else F.col(f"`{n}`")
            for n in strings.columns
        ]
    )


def _profile_exprs(c: Column, n: Column) -> dict[str, Column]:
    """What one column's strings tell, as aggregates over its distinct values `c`, each
    seen on `n` rows."""
    parts = F.split(c, r"[./ -]")
    maybe_date = _maybe_date(c)
    day_month = c.rlike(P.DATE_NUMERIC) | c.rlike(P.DATETIME_NUMERIC)
    day_month = day_month | (maybe_date & c.rlike(P.DATE_NUMERIC_YY))
    clock_12h = c.rlike(P.DATETIME_NUMERIC_12H)
    day_month = day_month | clock_12h
    duration = c.contains(":") & c.rlike(P.DURATION)
    far = _far_date(c)
    # 12 Dec 2023 02:14:00 +0000: 22 to 26 characters, a digit first.
    mon_zone = F.length(c).between(22, 26) & F.substring(c, 1, 1).isin(*"0123456789")
    mon_zone = mon_zone & c.rlike(P.DATETIME_MON_ZONE)
    # 22-JAN-23 11.05.49.000000 PM: 22 to 32 characters, a digit first.
    oracle = F.length(c).between(22, 32) & F.substring(c, 1, 1).isin(*"0123456789")
    oracle = oracle & c.rlike(P.ORACLE_TIMESTAMP)
    exponent = c.rlike(P.EXPONENT)
    quarter = _period_form(c, P.QUARTERS, 6, 7, "Q")  # 2024Q1 ... Q1-2024
    short_prefix = F.nullif(F.upper(F.regexp_extract(c, P.SHORT_CODE, 1)), F.lit(""))
    week = _period_form(c, P.WEEKS, 7, 8, "W")  # 2024W05, 2024-W05

    def places(pattern: str) -> Column:
        return F.length(F.regexp_extract(c, pattern, 1))

    return {
        "non_null": count_if(c.isNotNull(), n),
        "integer": count_if(c.rlike(P.INTEGER), n),
        "leading_zero": count_if(c.rlike(P.LEADING_ZERO), n),
        "decimal_dot": count_if(c.rlike(P.DECIMAL_DOT), n),
        "decimal_comma": count_if(c.rlike(P.DECIMAL_COMMA), n),
        "boolean": count_if(F.lower(c).isin(*P.TRUE_TOKENS, *P.FALSE_TOKENS), n),
        "date_iso": count_if(c.rlike(P.DATE_ISO), n),
        "timestamp_iso": count_if(c.rlike(P.TIMESTAMP_ISO), n),
        "date_numeric": count_if(c.rlike(P.DATE_NUMERIC), n),
        "datetime_numeric": count_if(c.rlike(P.DATETIME_NUMERIC), n),
        "datetime_numeric_12h": count_if(clock_12h, n),
        "with_seconds": count_if(c.rlike(P.WITH_SECONDS), n),
        "date_ymd": count_if(c.rlike(P.DATE_YMD), n),
        "datetime_ymd": count_if(c.rlike(P.DATETIME_YMD), n),
        "date_cjk": count_if(maybe_date & c.rlike(P.DATE_CJK), n),
        "date_korean": count_if(maybe_date & c.rlike(P.DATE_KOREAN), n),
        "date_numeric_yy": count_if(maybe_date & c.rlike(P.DATE_NUMERIC_YY), n),
        "date_day_mon": count_if(maybe_date & c.rlike(P.DATE_DAY_MON), n),
        "date_day_mon_yy": count_if(maybe_date & c.rlike(P.DATE_DAY_MON_YY), n),
        "date_day_month": count_if(maybe_date & c.rlike(P.DATE_DAY_MONTH), n),
        "date_mon_day": count_if(maybe_date & c.rlike(P.DATE_MON_DAY), n),
        "date_month_day": count_if(maybe_date & c.rlike(P.DATE_MONTH_DAY), n),
        "year_month": count_if(maybe_date & c.rlike(P.YEAR_MONTH), n),
        "fiscal_year": count_if(maybe_date & _fiscal_year(c), n),
        "month_year": count_if(maybe_date & c.rlike(P.MONTH_YEAR), n),
        "mon_year_space": count_if(maybe_date & c.rlike(P.MON_YEAR[" "]), n),
        "mon_year_dash": count_if(maybe_date & c.rlike(P.MON_YEAR["-"]), n),
        "mon_year_joined": count_if(maybe_date & c.rlike(P.MON_YEAR[""]), n),
        "mon_year_yy": count_if(maybe_date & c.rlike(P.MON_YEAR_YY["-"]), n),
        "mon_year_yy_joined": count_if((F.length(c) == 5) & c.rlike(P.MON_YEAR_YY[""]), n),
        "month_name_year": count_if(maybe_date & c.rlike(P.MONTH_NAME_YEAR), n),
        "year_m_month": count_if(maybe_date & c.rlike(P.YEAR_M_MONTH), n),
        "quarter": count_if(quarter.isNotNull(), n),
        "quarter_form_min": F.min(quarter),
        "quarter_form_max": F.max(quarter),
        "week": count_if(week.isNotNull(), n),
        "week_form_min": F.min(week),
        "week_form_max": F.max(week),
        "compact_date": count_if(_compact(c, P.COMPACT_DATE, P.COMPACT_DATE_FORMAT), n),
        "compact_date_yy": count_if(_compact(c, P.COMPACT_DATE_YY, P.COMPACT_YY_FORMAT), n),
        "compact_timestamp": count_if(
            _compact(c, P.COMPACT_TIMESTAMP, P.COMPACT_TIMESTAMP_FORMAT), n
        ),
        "other_named_dates": named_date_count(c, n),
        "weekday_prefix": weekday_count(c, n),
        "named_datetime": named_datetime_count(c, n),
        "datetime_day_mon": count_if(maybe_date & c.rlike(P.DATETIME_DAY_MON), n),
        "datetime_day_mon_yy": count_if(maybe_date & c.rlike(P.DATETIME_DAY_MON_YY), n),
        "datetime_mon_zone": count_if(mon_zone, n),
        "oracle_timestamp": count_if(oracle, n),
        "time_of_day": count_if(c.contains(":") & c.rlike(P.TIME_OF_DAY), n),
        "time_of_day_12h": count_if(c.contains(":") & c.rlike(P.TIME_OF_DAY_12H), n),
        "duration": count_if(duration, n),
        # The first part's fewest digits, and values that pad it with zeros (007:05).
        "duration_width": F.min(F.when(duration, F.length(F.substring_index(c, ":", 1)))),
        "duration_padded": count_if(duration & c.rlike(P.PADDED), n),
        "time_of_day_h": count_if(
            (F.length(c) <= 5) & c.contains("h") & c.rlike(P.TIME_OF_DAY_H), n
        ),
        "first_part_max": F.max(F.when(day_month, parts[0].cast("int"))),
        "second_part_max": F.max(F.when(day_month, parts[1].cast("int"))),
        "first_part_min": F.min(F.when(day_month, parts[0].cast("int"))),
        "second_part_min": F.min(F.when(day_month, parts[1].cast("int"))),
        "date_sep_min": F.min(F.regexp_extract(c, P.DATE_SEP, 1)),
        "date_sep_max": F.max(F.regexp_extract(c, P.DATE_SEP, 1)),
        "with_space": count_if(c.contains(" "), n),
        "avg_length": F.sum(F.length(c) * n) / count_if(c.isNotNull(), n),
        "id_shape": count_if(c.rlike(P.ID_SHAPE), n),
        "short_code": count_if(c.rlike(P.SHORT_CODE), n),
        "registration": count_if(c.rlike(P.REGISTRATION), n),
        "short_prefix_min": F.min(short_prefix),  # one prefix when min is max
        "short_prefix_max": F.max(short_prefix),
        "rounded_hundreds": count_if(c.rlike(P.ROUNDED_HUNDREDS), n),
        "formula_like": count_if(c.rlike(P.FORMULA_LIKE), n),
        "missing_marks": count_if(missing_mark(c), n),
        "excel_text": count_if(c.startswith('="') & c.rlike(P.EXCEL_TEXT), n),
        "full_width": count_if(c.rlike(P.NATIVE_DIGIT), n),
        # Exact: each distinct value is one row here (HyperLogLog's estimate, before
        # December 2026, read 6,608 values where there were 6,384).
        "distinct": F.count(c),
        "grouped_point": count_if(c.rlike(P.GROUPED_POINT), n),
        "lakh": count_if(c.contains(",") & c.rlike(P.LAKH), n),
        "grouped_comma": count_if(c.rlike(P.GROUPED_COMMA), n),
        "with_point": count_if(c.contains("."), n),
        "with_comma": count_if(c.contains(","), n),
        "group_min": F.min(F.nullif(F.regexp_extract(c, P.GROUP_CHAR, 1), F.lit(""))),
        "group_max": F.max(F.nullif(F.regexp_extract(c, P.GROUP_CHAR, 1), F.lit(""))),
        "places_point": F.max(F.length(F.regexp_extract(c, P.FRACTION_POINT, 1))),
        "places_comma": F.max(F.length(F.regexp_extract(c, P.FRACTION_COMMA, 1))),
        # Of values written plainly: R writes 1e+05 beside 42000 and 0.0415.
        "places_point_min": F.min(F.when(~exponent, places(P.FRACTION_POINT))),
        "places_comma_min": F.min(F.when(~exponent, places(P.FRACTION_COMMA))),
        "exponents": count_if(exponent, n),
        "exponents_upper": count_if(exponent & c.rlike(P.EXPONENT_UPPER), n),
        "mantissa_max": F.max(F.when(exponent, places(P.MANTISSA_PLACES))),
        "mantissa_min": F.min(F.when(exponent, places(P.MANTISSA_PLACES))),
        # The places a value in exponent form has written out (1.5e-04: 5; 1e+05: 0).
        "exponent_places": F.max(
            F.when(
                exponent,
                F.greatest(
                    F.lit(0),
                    places(P.MANTISSA_PLACES) - F.regexp_extract(c, P.POWER, 1).cast("int"),
                ),
            )
        ),
        "bare_fractions": count_if(c.rlike(P.BARE_FRACTION), n),
        # Digits but leading zeros, of cells that start like a number (not in exponent form).
        "significant_max": F.max(
            F.when(
                F.substring(c, 1, 1).isin(*"0123456789+-.,") & ~exponent,
                F.length(F.regexp_replace(F.regexp_replace(c, r"\D", ""), "^0+", "")),
            )
        ),
        "zero_fractions": count_if(c.rlike(P.ZERO_FRACTION), n),
        "min_str": F.min(c),
        # Equal for columns that hold the same text on every row (_mark_copies).
        "fingerprint": F.sum(F.xxhash64(c) % 1_000_003 * n),
        "max_str": F.max(c),
        "far_dates": count_if(far, n),
        "far_min": F.min(F.when(far, c)),
        "far_max": F.max(F.when(far, c)),
        "whole": count_if(c.rlike(P.WHOLE), n),
        "min_long": F.min(_whole(c)),
        "max_long": F.max(_whole(c)),
        **unit_exprs(c, n),
    }


def _whole(c: Column) -> Column:
    return F.when(c.rlike(P.WHOLE), F.regexp_extract(c, P.WHOLE, 1).cast("long"))


def _column_statistics(strings: DataFrame) -> list[dict]:
    """The aggregates of `_profile_exprs` for every column, in one pass over the cells in
    long format: the plan stays the same size whatever the width, where one aggregation
    of 22 expressions per column took minutes to plan at 500 columns. The cells are
    first counted by value, so each expression runs once per distinct value of a
    column, not once per cell: full BankSim's Prepare took half the time and half the
    memory (`benchmarks/prepare_bench.py`, December 2026)."""
    values = value_counts_by_column(strings, strings.columns)
    exprs = _profile_exprs(F.col("v"), F.col("count"))
    found = {
        row["i"]: row.asDict()
        for row in values.groupBy("i").agg(*[e.alias(k) for k, e in exprs.items()]).collect()
    }
    # A file of no rows has no cells: what the aggregates give over nothing.
    empty = dict.fromkeys(exprs, None) | {"non_null": 0, "distinct": 0, "far_dates": 0}
    return [found.get(i, empty) for i in range(len(strings.columns))]


def _parsed_counts(strings: DataFrame, config: DatasetConfig) -> dict[str, int]:
    """Per column whose type the config sets, the non-null values that parse as it."""
    exprs = []
    for name in strings.columns:
        override = config.column(name)
        if override.type:
            parsed = F.count(_cast(F.col(f"`{name}`"), override.type, override.format))
            exprs.append(parsed.alias(name))
    if not exprs:
        return {}
    return strings.agg(*exprs).collect()[0].asDict()


def _sorted_shares(strings: DataFrame, names: list[str]) -> dict[str, float | None]:
    """Per column, the share of adjacent rows whose whole numbers are in order, ascending
    or descending; pairs with an empty cell are not counted. Rows are compared in the
    file's order within each Spark partition, so no task ever holds the whole file."""
    if not names:
        return {}
    window = Window.partitionBy("_part").orderBy("_row")
    steps = strings.select(
        F.spark_partition_id().alias("_part"),
        F.monotonically_increasing_id().alias("_row"),
        *[F.col(f"`{n}`").cast("long").alias(f"c{i}") for i, n in enumerate(names)],
    ).select(
        *[(F.col(f"c{i}") - F.lag(f"c{i}").over(window)).alias(f"d{i}") for i in range(len(names))]
    )
    sums = []
    for i in range(len(names)):
        step = F.col(f"d{i}")
        sums += [F.count(step), count_if(step >= 0), count_if(step <= 0)]
    found = steps.agg(*sums).collect()[0]
    shares = {}
    for i, name in enumerate(names):
        pairs, up, down = found[3 * i], found[3 * i + 1], found[3 * i + 2]
        shares[name] = max(up, down) / pairs if pairs else None  # as _infer.sorted_share
    return shares


def _key_candidates(
    strings: DataFrame, statistics: list[dict], rows: int, config, settings
) -> list[str]:
    """Columns of whole numbers whose order decides whether they are a key
    (`_infer.order_decides_key`)."""
    found = []
    for name, values in zip(strings.columns, statistics, strict=True):
        non_null = values["non_null"]
        whole = non_null and values["integer"] == non_null and not config.column(name).type
        distinct = int(values["distinct"] or 0)
        if whole and order_decides_key(name, distinct=distinct, rows=rows, settings=settings):
            found.append(name)
    return found


def profile_columns(
    strings: DataFrame, dialect, config: DatasetConfig, settings: PrepareSettings
) -> Profile:
    """One aggregation over every cell; then types and roles are decided in Python.
    Columns of numbers written with a unit are profiled again without it (a second
    aggregation, only then); the later steps read them through `without_units`, and
    dates with other languages' month names through `with_english_months`."""
    _check_config_names(config, strings.columns)
    rows = strings.count()
    header = dict(zip(dialect.columns, dialect.header or dialect.columns, strict=False))
    written = strings  # as the input wrote them (the readers below rewrite some columns)
    statistics = _column_statistics(strings)
    texts = _excel_texts(strings, statistics)
    strings = without_excel_text(strings, texts)
    full_widths = _full_widths(strings, statistics, dialect, config, settings)
    zeros = _script_zeros(strings, full_widths)
    strings = with_ascii_digits(strings, full_widths)
    marked = _missing_marks(strings, statistics, dialect, config, settings)
    strings = without_marks(strings, marked)
    units = _numbers_with_units(strings, statistics, dialect, settings)
    strings = without_units(strings, units)
    weekdays = _weekday_dates(strings, statistics, dialect, config, settings)
    strings = without_weekdays(strings, weekdays)
    named = _named_dates(strings, statistics, dialect, config, settings)
    strings = with_english_months(strings, named)
    eras = _buddhist_eras(strings, statistics, dialect, config, settings)
    strings = _eras.with_common_era(strings, eras)
    # Profiled by their dates alone, read whole (not stripped, as weekdays are).
    clocks = _dates_with_times(strings, statistics, dialect, config, settings)
    parsed = _parsed_counts(strings, config)
    candidates = _key_candidates(strings, statistics, rows, config, settings)
    shares = _sorted_shares(strings, candidates)
    profiles = []
    for position, (name, values) in enumerate(zip(strings.columns, statistics, strict=True), 1):
        values = values | {"parsed": parsed.get(name), "sorted_share": shares.get(name)}
        profile = _column_profile(name, header.get(name, name), values)
        profile.position = position
        profile.unit = units.get(name)
        profile.missing_marks = marked.get(name, 0)
        profile.excel_text = texts.get(name, 0)
        profile.full_width = full_widths.get(name, 0)
        profile.digit_zero = zeros.get(name)
        profile.named_date = named.get(name)
        profile.year_offset = eras.get(name, 0)
        profile.weekdays = weekdays.get(name)
        profile.clock = clocks.get(name)
        profile.fingerprint = values["fingerprint"]
        _decide(profile, rows, values, dialect, config, settings)
        profiles.append(profile)
    _mark_copies(written, profiles)
    _refuse_unreadable(strings, profiles)
    return Profile(rows=rows, columns=profiles)


# Types whose cast can fail on a value that has the type's shape (31.02.2024; 24:00).
_CAST_CHECKED = ("integer", "decimal", "date", "timestamp")


def _mark_copies(strings: DataFrame, profiles: list[ColumnProfile]) -> None:
    """Drop each feature that holds, on every row, the same text as an earlier one (Car's
    `price1` and `price2`): a model learns the two apart and loses their identity (0.3%
    of synthetic rows kept it). The published CSV writes the earlier column's text in
    its place (ColumnSchema.copy_of). Candidate pairs share a type and a fingerprint of
    their texts; one aggregation confirms them, row by row."""
    features = [p for p in profiles if p.role == "feature"]
    pairs = [
        (first, later)
        for i, later in enumerate(features)
        for first in features[:i]
        if (first.type, first.fingerprint) == (later.type, later.fingerprint)
    ]
    if not pairs:
        return
    differ = [
        count_if(~F.col(f"`{a.name}`").eqNullSafe(F.col(f"`{b.name}`"))).alias(str(i))
        for i, (a, b) in enumerate(pairs)
    ]
    counts = strings.agg(*differ).collect()[0]
    for i, (first, later) in enumerate(pairs):
        if counts[i] or later.copy_of or first.copy_of:
            continue
        later.role, later.copy_of = "dropped", first.name
        later.reason = f"the same text as column {first.name!r} on every row: written as its copy"


def _refuse_unreadable(strings: DataFrame, profiles: list[ColumnProfile]) -> None:
    """Refuse a column whose type its values decided but some of whose values do not
    convert to it: a date's shape is not a day (31.02.2024, 2024-02-30), nor is 24:00 an
    hour. Spark's cast would make those cells empty, and the data owner's values would be
    lost without a word. One aggregation, over the columns whose type can lose a value;
    a config's type was checked the same way (_parsed_counts, config_type_mismatch)."""
    checked = [
        p
        for p in profiles
        if p.role != "dropped" and p.type_source != "config" and p.type in _CAST_CHECKED
    ]
    if not checked:
        return
    exprs = []
    for p in checked:
        c = F.col(f"`{p.name}`")
        if p.null_text is not None:  # 9999-12-31 for "none": read as empty on purpose
            c = F.when(c != F.lit(p.null_text), c)
        lost = c.isNotNull() & _cast(c, p.type, p.format, p.grouping).isNull()
        exprs.append(count_if(lost).alias(p.name))
    counts = strings.agg(*exprs).collect()[0].asDict()
    for p in checked:
        if counts[p.name]:
            raise _unreadable(p, int(counts[p.name]))


def _unreadable(p: ColumnProfile, lost: int) -> InputRefused:
    written = f"written as {p.type}s" + (f" ({p.format})" if p.format else "")
    what = {
        "date": "no real day (a day the month lacks, such as 30 February)",
        "timestamp": "no real day and time (a day the month lacks, or an hour past 23)",
    }.get(p.type, "no number that fits (out of range)")
    return InputRefused(
        code="unreadable_values",
        message=f"Column {p.position}: {lost} of {p.stats.non_null} values are {written} "
        f"but are {what}; read as they are, they would become empty cells.",
        fix="Correct or empty those cells; or set the column's type to text in "
        "config/<dataset>.json (it is then not modelled).",
        details={"position": p.position, "type": p.type, "unreadable": lost},
        step="prepare",
    )


def _excel_texts(strings: DataFrame, statistics: list[dict]) -> dict[str, int]:
    """Per column with cells written as Excel's text formula (="0123"), how many; their
    `statistics` are replaced by those of the text between the quotes, which is then
    typed, scanned and modelled as any value is (="12.50" is a number, ="0612345678" a
    phone number)."""
    found = {}
    for name, values in zip(strings.columns, statistics, strict=True):
        if values["excel_text"]:
            found[name] = int(values["excel_text"])
    return _profiled_again(strings, statistics, found, without_excel_text, lambda *_: True)


def _full_widths(
    strings: DataFrame, statistics: list[dict], dialect, config, settings: PrepareSettings
) -> dict[str, int]:
    """Per column with digits typed full width (１，２３４．５, ２０２４／０３／０５) that
    reads as numbers (with a unit or without) or dates once they are read as ASCII ones,
    and whose type neither the config nor its text as it is decides: how many cells had
    them. `statistics` of those columns are replaced by those of the ASCII text."""
    found = {
        name: int(values["full_width"])
        for name, values in zip(strings.columns, statistics, strict=True)
        if values["full_width"]
        and not config.column(name).type
        and _inferred_type(values, dialect, settings) in ("categorical", "text")
    }

    def typed(_name: str, values: dict) -> bool:
        # A number with a unit (１９．８％) is typed by _numbers_with_units, next.
        kind = _inferred_type(values, dialect, settings)
        return kind not in ("categorical", "text") or found_unit(values) is not None

    return _profiled_again(strings, statistics, found, with_ascii_digits, typed)


def _buddhist_eras(
    strings: DataFrame, statistics: list[dict], dialect, config, settings: PrepareSettings
) -> dict[str, int]:
    """Per column whose every value is a date or a timestamp in a year of the Buddhist
    Era (as its first and last far date write them: _eras.in_era) and that reads as
    dates with no far one once each year is less 543, that offset; `statistics` of
    those columns are replaced by those of the dates so read."""
    found = {
        name: BUDDHIST_ERA_OFFSET
        for name, values in zip(strings.columns, statistics, strict=True)
        if 0 < values["non_null"] == values["far_dates"]
        and not config.column(name).type
        and _eras.in_era(_year_of(values["far_min"]), _year_of(values["far_max"]))
    }

    def dated(_name: str, values: dict) -> bool:
        kind = _inferred_type(values, dialect, settings)
        return kind in ("date", "timestamp") and not values["far_dates"]

    return _profiled_again(strings, statistics, found, _eras.with_common_era, dated)


def _script_zeros(strings: DataFrame, written: dict[str, int]) -> dict[str, str]:
    """The zero of the script each of `written`'s columns typed its digits in (the
    script of its first digit in code order: ０, ٠, ۰, ०...); one small job, only when
    there are any."""
    if not written:
        return {}
    names = [n for n in strings.columns if n in written]
    first = [
        F.min(F.nullif(F.regexp_extract(F.col(f"`{n}`"), f"({P.NATIVE_DIGIT})", 1), F.lit("")))
        for n in names
    ]
    digits = strings.agg(*first).collect()[0]
    return {n: chr(ord(d) - unicodedata.digit(d)) for n, d in zip(names, digits, strict=True)}


def _missing_marks(
    strings: DataFrame, statistics: list[dict], dialect, config, settings: PrepareSettings
) -> dict[str, int]:
    """Per column whose values are numbers or dates (with or without a unit) once its
    missing-value marks (`.`, `#DIV/0!`, `n.d.`: _patterns.MISSING_MARK) are read as
    missing, how many cells were marks; `statistics` of those columns are replaced by
    those without the marks. A column that stays text keeps its marks as values."""
    found = {}
    for name, values in zip(strings.columns, statistics, strict=True):
        marks = int(values["missing_marks"] or 0)
        if 0 < marks < values["non_null"]:
            found[name] = marks

    def typed(name: str, values: dict) -> bool:
        kind = config.column(name).type or _inferred_type(values, dialect, settings)
        return kind not in ("categorical", "text") or found_unit(values) is not None

    return _profiled_again(strings, statistics, found, without_marks, typed)


def _numbers_with_units(
    strings: DataFrame, statistics: list[dict], dialect, settings: PrepareSettings
) -> dict[str, Unit]:
    """Per column whose every value is a number with one unit, the unit; `statistics`
    of those columns are replaced by those of their bare numbers. A column whose bare
    values are not all numbers of one kind (1.2.3%) keeps its text and has no unit."""
    found = {}
    for name, values in zip(strings.columns, statistics, strict=True):
        unit = found_unit(values)
        if unit is not None:
            found[name] = unit

    def numbers(name: str, values: dict) -> bool:
        return _inferred_type(values, dialect, settings) in ("integer", "decimal")

    return _profiled_again(strings, statistics, found, without_units, numbers)


def _profiled_again(strings: DataFrame, statistics: list[dict], found: dict, transform, keep):
    """`found`'s columns profiled again through `transform(strings, found)` (a second
    aggregation over their cells alone, only when there are any): those that
    `keep(name, new statistics)` accepts keep their entry of `found`, and their
    `statistics` are replaced."""
    if not found:
        return {}
    names = [n for n in strings.columns if n in found]
    chosen = transform(strings, found).select(*[F.col(f"`{n}`") for n in names])
    again = dict(zip(names, _column_statistics(chosen), strict=True))
    kept = {}
    for i, name in enumerate(strings.columns):
        if name in found and keep(name, again[name]):
            kept[name], statistics[i] = found[name], again[name]
    return kept


def _text_whose_every_value(
    strings: DataFrame, statistics: list[dict], count: str, config, dialect, settings
) -> list[str]:
    """Columns whose every value the profile's `count` counts, and whose type neither
    the config nor their text as it is decides (they would be text)."""
    return [
        name
        for name, values in zip(strings.columns, statistics, strict=True)
        if 0 < values["non_null"] == values[count]
        and not config.column(name).type
        and _inferred_type(values, dialect, settings) in ("categorical", "text")
    ]


def _weekday_dates(
    strings: DataFrame, statistics: list[dict], dialect, config, settings: PrepareSettings
) -> dict[str, Weekdays]:
    """Per column whose every value is a weekday's name and then a date or a timestamp
    (and whose type neither the config nor its text decides), how it writes the
    weekdays; `statistics` of those columns are replaced by those of the dates alone."""
    candidates = _text_whose_every_value(
        strings, statistics, "weekday_prefix", config, dialect, settings
    )
    found = find_weekdays(strings, candidates)

    def dated(name: str, values: dict) -> bool:
        kind, fmt, _ = infer_type(
            _column_stats(values), delimiter=dialect.delimiter, settings=settings
        )
        if kind in ("date", "timestamp"):
            # `Mon 09:00` is a weekday and a time, not a date: its weekday is its own.
            return fmt not in P.TIME_FORMATS
        if values["non_null"] != values["other_named_dates"]:
            return False
        # `mardi 12 décembre 2023`: a date only if its month's names are of one language.
        rest = without_weekdays(strings, {name: found[name]})
        return name in find_named_dates(rest, [name])

    return _profiled_again(strings, statistics, found, without_weekdays, dated)


def _dates_with_times(
    strings: DataFrame, statistics: list[dict], dialect, config, settings: PrepareSettings
) -> dict[str, Clock]:
    """Per column whose every value is a named date and a time written one way (and whose
    type neither the config nor its text decides), its clock; `statistics` of those
    columns are replaced by those of their dates alone, which type them as dates."""
    candidates = _text_whose_every_value(
        strings, statistics, "named_datetime", config, dialect, settings
    )

    def dated(name: str, values: dict) -> bool:
        return _inferred_type(values, dialect, settings) == "date"

    found = find_clocks(strings, candidates)
    return _profiled_again(strings, statistics, found, dates_alone, dated)


def _named_dates(
    strings: DataFrame, statistics: list[dict], dialect, config, settings: PrepareSettings
) -> dict[str, NamedDate]:
    """Per column whose every value is a date, or a month without a day, with a month's
    name in another language (and whose type neither the config nor English names
    decide), how it writes them; `statistics` of those columns are replaced by those of
    their English reading, which types them as dates."""
    candidates = _text_whose_every_value(
        strings, statistics, "other_named_dates", config, dialect, settings
    )
    found = find_named_dates(strings, candidates)

    def dated(name: str, values: dict) -> bool:
        n = values["non_null"]
        days = (values["date_day_mon"], values["date_day_mon_yy"])
        return n in (*days, values["mon_year_dash"], values["mon_year_yy"])

    return _profiled_again(strings, statistics, found, with_english_months, dated)


def _inferred_type(values: dict, dialect, settings: PrepareSettings) -> str:
    kind, _, _ = infer_type(_column_stats(values), delimiter=dialect.delimiter, settings=settings)
    return kind


def _column_stats(values: dict) -> ColumnStats:
    counts = [k for k in ColumnStats.__dataclass_fields__ if k not in ("group_char", "short_code")]
    groups = {values["group_min"], values["group_max"]} - {None}
    group_char = "mixed" if len(groups) > 1 else next(iter(groups), "")
    prefixes = {values["short_prefix_min"], values["short_prefix_max"]} - {None}
    short_code = (values["short_code"] or 0) if len(prefixes) == 1 else 0
    return ColumnStats(
        **{k: (values[k] or 0) for k in counts}, group_char=group_char, short_code=short_code
    )


def _column_profile(name: str, original: str, values: dict) -> ColumnProfile:
    stats = _column_stats(values)
    constant = values["non_null"] > 0 and values["min_str"] == values["max_str"]
    return ColumnProfile(
        name=name,
        original_name=original,
        stats=stats,
        distinct=int(values["distinct"]),
        constant=constant,
        formula_like=int(values["formula_like"] or 0),
        min_long=values["min_long"],
        max_long=values["max_long"],
        sorted_share=values["sorted_share"],
    )


def _decide(
    profile: ColumnProfile,
    rows: int,
    values: dict,
    dialect,
    config: DatasetConfig,
    settings: PrepareSettings,
) -> None:
    """Type, format and role of one column: overrides first, then the evidence."""
    name = profile.name
    override = config.column(name)
    k = config.value_protection.min_category_count
    if override.type:
        profile.type, profile.format = override.type, override.format
        failed = profile.stats.non_null - int(values["parsed"])
        if failed:
            raise StepFailed(
                code="config_type_mismatch",
                message=f"Column {name!r}: {failed} non-empty values are not {override.type}"
                + (f" in format {override.format!r}" if override.format else "")
                + " as the dataset config says.",
                fix="Correct the type or format in config/<dataset>.json, or fix the values.",
                details={"column": name, "type": override.type, "unparsed": failed},
                step="prepare",
            )
    else:
        profile.type, profile.format, profile.grouping = infer_type(
            profile.stats, delimiter=dialect.delimiter, settings=settings
        )
        profile.indian_grouping = profile.grouping == "," and profile.stats.lakh > 0
        if profile.format in DURATION_FORMATS:  # written back as it was: 05:30:00 or 5:30:00
            stats = profile.stats
            width = stats.duration_width if stats.duration_padded else 1
            profile.text_format = profile.format.replace("[h]", "[" + "h" * width + "]")
        if compact_yy_date(name, profile.stats):  # 240315 under a date's name
            profile.type, profile.format = "date", P.COMPACT_YY_FORMAT
        compact = profile.format == P.COMPACT_DATE_FORMAT
        if compact and not _far_dates_fit(profile, rows, values, k):
            # 20240315 beside far dates that do not stand for "none": numbers, as before.
            profile.type, profile.format = "integer", None
        if "{sep}" in (profile.format or ""):
            if values["date_sep_min"] != values["date_sep_max"]:
                profile.type, profile.format = "categorical", None  # mixed separators
            else:
                profile.format = profile.format.format(sep=values["date_sep_min"])
        if profile.clock and profile.type == "date":  # 22 Jan 2023, then 23:05
            profile.type, profile.format = "timestamp", profile.clock.pattern(profile.format)
    if profile.type == "decimal":
        places = _places(profile.format, values)
        profile.decimal_places, profile.fixed_places, profile.bare_wholes = places
        profile.significant_digits = int(values["significant_max"] or 0) or None
        profile.exponent, profile.mantissa_places, fixed = _exponent_form(profile, values)
        profile.fixed_places = profile.fixed_places or fixed
        profile.bare_fractions = bool(values["bare_fractions"]) and not values["zero_fractions"]
    profile.role, profile.reason = _role(profile, rows, override, config, settings)
    if profile.role != "dropped" and profile.type in ("date", "timestamp"):
        profile.null_text = _far_dates(profile, rows, values, k)
    if override.type:
        profile.type_source = "config"
    elif profile.type == "integer" and profile.role == "feature":
        # A code is a category: its text is kept as written and a synthetic row can only
        # carry a code the real rows hold (the target keeps its type: training makes an
        # integer target categorical itself).
        reason = code_reason(
            name,
            distinct=profile.distinct,
            non_null=profile.stats.non_null,
            minimum=profile.min_long,
            maximum=profile.max_long,
        )
        if reason and name != config.target_column:
            dense = dense_codes(
                distinct=profile.distinct, minimum=profile.min_long, maximum=profile.max_long
            )
            if dense:
                profile.code_reason = f"{reason}; filling their range: modelled as a number"
            else:
                profile.type, profile.code_reason = "categorical", reason


def _places(mark: str | None, values: dict) -> tuple[int | None, bool, bool]:
    """How a decimal column writes its decimal places after its mark (the decimal type's
    format: "," or "."), counts that schema.json carries to generate, never a value:
    - the most places a value has (2 for 1.5 and 12.25, 0 for 12 and 12.), to which
      generate rounds; a value in exponent form counts the places it has written out
      (1.5e-3: 4); None when every value is in exponent form (_exponent_form);
    - whether every value has that many, at least one (12.50, 3.00: amounts of money),
      so that the CSV writes them all so, not in their shortest form (12.5, 3);
    - whether some values have none beside others that have some (11 beside 9,9372, as a
      spreadsheet writes a whole number), so that the CSV writes a whole value 12, not
      12,0."""
    suffix = "comma" if mark == "," else "point"
    most, least = int(values[f"places_{suffix}"] or 0), values[f"places_{suffix}_min"]
    if values["exponents"]:
        if least is None:  # every value: see _exponent_form
            return None, False, False
        # Beside plain values (as R writes 1e+05 or 5e-04): the places they have written
        # out, so that generate rounds no small value away; never fixed.
        most = max(most, int(values["exponent_places"] or 0))
        return most, False, bool(most) and not least
    return most, bool(most) and most == least, bool(most) and not least


def _exponent_form(profile: ColumnProfile, values: dict) -> tuple[str | None, int | None, bool]:
    """How a decimal column whose every value is in exponent form writes it (R's 1e-04,
    a spreadsheet's 1,23E+03): its letter ("E" or "e"; None for any other column, or
    one that mixes both), the most places a mantissa has, and whether every mantissa
    has that many (fixed_places)."""
    exponents, upper = values["exponents"] or 0, values["exponents_upper"] or 0
    if not exponents or exponents != profile.stats.non_null or upper not in (0, exponents):
        return None, None, False
    most, least = int(values["mantissa_max"] or 0), int(values["mantissa_min"] or 0)
    return ("E" if upper else "e"), most, bool(most) and most == least


def _far_dates(profile: ColumnProfile, rows: int, values: dict, k: int) -> str | None:
    """The text of the far date that stands for "none", or None when there is none.

    Training's datetimes end in 2262 (P.LAST_NEAR_YEAR), so a date such as 9999-12-31
    would silently become a missing value there. In practice it is the column's way of
    writing "none" ("open-ended"): when it is one value, held by at least `k` rows (value
    protection's rare-category bar: the text is published, as a category's would be, so
    a one-off typo such as 3024-05-17 never is), and the column has no empty cell, it is
    read as the column's null and written back for every null of the published CSV, a
    one-to-one mapping. Anything else is ambiguous and refused.
    """
    far = int(values["far_dates"] or 0)
    if not far:
        return None
    if _far_dates_fit(profile, rows, values, k):
        return str(values["far_min"])
    calendar = _other_calendar(values["far_min"], values["far_max"])
    raise InputRefused(
        code="far_dates",
        message=f"Column {profile.position}: {far} dates are before {P.FIRST_NEAR_YEAR} or "
        f"after {P.LAST_NEAR_YEAR}, which training cannot hold, and they are not one value "
        f"held by at least {k} rows standing for 'none' in a column without empty cells."
        + (f" Their years look like {calendar[0]}." if calendar else ""),
        fix=(
            f"Write the dates in the Gregorian calendar ({calendar[1]}), or c" if calendar else "C"
        )
        + "orrect mistyped years; write 'none' the same way in every row and leave no "
        "other cell of the column empty (e.g. 9999-12-31 for 'open-ended'), or empty those "
        "cells; or set the column's type to text in config/<dataset>.json (it is then not "
        "modelled).",
        details={
            "position": profile.position,
            "far_dates": far,
            "empty_cells": rows - profile.stats.non_null,
        },
        step="prepare",
    )


# Calendars whose years a Gregorian date cannot hold, by the range of years their dates
# of the last two centuries write: (what they look like, how to write them).
_CALENDARS = (
    (_eras.FIRST_YEAR, _eras.LAST_YEAR,
     "Buddhist Era years, as Thai systems write them (the Gregorian year plus 543)",
     "2567 is 2024"),
    (1279, 1450, "Solar Hijri years, as Iranian and Afghan systems write them",
     "1403-01-01 is 2024-03-20"),
)  # fmt: skip


def _year_of(cell: str | None) -> int | None:
    """The year a date cell writes first, third or last (as _far_date reads it)."""
    for pattern in (P.YEAR_FIRST, P.YEAR_THIRD, P.YEAR_LAST):
        found = re.search(pattern, cell or "")
        if found:
            return int(found.group(1))
    return None


def _other_calendar(*cells: str | None) -> tuple[str, str] | None:
    """(the calendar they look like, an example of its conversion) when the years of
    `cells` (the first and the last far date, as text) lie in one calendar's range
    (_CALENDARS): a hint, read without another pass over the column. The years stay out
    of the message: a year of birth is part of a cell's value."""
    years = [_year_of(cell) for cell in cells]
    if None in years:
        return None
    first, last = min(years), max(years)
    for low, high, looks_like, example in _CALENDARS:
        if low <= first and last <= high:
            return looks_like, example
    return None


def _far_dates_fit(profile: ColumnProfile, rows: int, values: dict, k: int) -> bool:
    """Whether a column has no far date, or one that stands for "none" (see _far_dates)."""
    far = int(values["far_dates"] or 0)
    one_value = values["far_min"] == values["far_max"] and far >= k
    return not far or (one_value and profile.stats.non_null == rows)


def _role(profile, rows, override, config, settings) -> tuple[str, str]:
    name = profile.name
    if name in config.drop_columns or override.role == "dropped":
        return "dropped", "dropped by the dataset config"
    if profile.stats.non_null == 0:
        return "dropped", "every value is empty"
    if profile.constant and profile.stats.non_null == rows and name != config.target_column:
        return "dropped", "constant: one value in every row"
    if override.role:
        return override.role, "set by the dataset config"
    if name == config.target_column:
        return "feature", "target column"
    reason = identifier_reason(
        name,
        profile.type,
        distinct=profile.distinct,
        rows=rows,
        stats=profile.stats,
        minimum=profile.min_long,
        maximum=profile.max_long,
        settings=settings,
        sorted_share=profile.sorted_share,
    )
    if reason:
        return "identifier", reason
    return "feature", ""


def _check_config_names(config: DatasetConfig, columns: list[str]) -> None:
    named = set(config.columns) | set(config.drop_columns)
    if config.target_column:
        named.add(config.target_column)
    if config.value_protection.holders:
        named.add(config.value_protection.holders)
    unknown = sorted(named - set(columns))
    if unknown:
        raise InputRefused(
            code="bad_dataset_config",
            message=f"The dataset config names columns that the file does not have: {unknown}.",
            fix=f"Use the file's column names (normalised: {columns}).",
            details={"unknown_columns": unknown, "columns": columns},
            step="prepare",
        )


def _duration_units(c: Column, fmt: str) -> Column:
    """A duration (50:27:38 or 1234:05) as the whole count of its smallest unit."""
    parts = F.split(c, ":")
    units = parts.getItem(0).cast("long") * 60 + parts.getItem(1).cast("long")
    return units * 60 + parts.getItem(2).cast("long") if fmt == DURATION_HMS else units


def _cast(
    c: Column,
    col_type: str,
    fmt: str | None,
    grouping: str | None = None,
    reference: date | None = None,
) -> Column:
    if grouping:
        # Every separator that can group digits, but the decimal mark: values matched
        # GROUPED_POINT or GROUPED_COMMA, so what is left is the plain number.
        separators = set(POINT_GROUPS + COMMA_GROUPS) - {fmt or ""}
        c = F.regexp_replace(c, "[" + "".join(sorted(separators)) + "]", "")
    if col_type == "integer" and fmt in DURATION_FORMATS:
        return _duration_units(c, fmt)
    if col_type == "integer":
        return c.cast("long")
    if col_type == "decimal":
        if fmt == ",":
            return F.regexp_replace(F.regexp_replace(c, r"\.", ""), ",", ".").cast("double")
        return c.cast("double")
    if col_type == "boolean":
        lowered = F.lower(c)
        return (
            F.when(lowered.isin(*P.TRUE_TOKENS), F.lit(True))
            .when(lowered.isin(*P.FALSE_TOKENS), F.lit(False))
            .otherwise(F.lit(None).cast("boolean"))
        )
    if col_type == "date" and fmt in P.QUARTERS:
        return _quarter_start(c)
    if col_type == "date" and fmt in P.WEEKS:
        return _week_start(c)
    if col_type == "date":
        parsed = F.to_date(c, fmt) if fmt else c.cast("date")
    elif col_type == "timestamp" and fmt:
        parsed = F.to_timestamp(c, fmt)
    elif col_type == "timestamp":
        parsed = F.regexp_replace(c, P.ISO_ZONE_WITHOUT_SECONDS, "$1:00$2").cast("timestamp")
    else:
        return c
    if fmt and "yy" in fmt and "yyyy" not in fmt and reference is not None:
        # Spark reads yy as 2000-2099 (85: 2085). A two-digit year is taken as at most
        # P.YY_FUTURE_YEARS after the run (`reference`): in 2026, 36 is 2036 and 48 is
        # 1948, a birth year. Without a reference (counting what parses), as Spark reads.
        late = F.year(parsed) > reference.year + P.YY_FUTURE_YEARS
        return F.when(late, parsed - F.expr("INTERVAL 100 YEARS")).otherwise(parsed)
    return parsed


def apply_actions(profile: Profile, actions: dict[str, ColumnAction]) -> None:
    """Roles and reasons after the privacy decisions (types change when values do)."""
    for p in profile.columns:
        action = actions.get(p.name)
        if action is None or p.role == "dropped":
            continue
        p.action = action.action
        # An identifier keeps why it is one (counts only, never a value).
        why = p.reason if p.role == "identifier" and p.reason else ""
        p.reason = f"{action.reason}; {why}" if why else action.reason
        if action.action == DROP:
            p.role = "dropped"
        elif action.action == PSEUDONYMISE:
            p.role = "identifier"


def record_written_forms(strings: DataFrame, profile: Profile) -> None:
    """Booleans' spellings and dates' and timestamps' written patterns, per column kept
    as it is (not pseudonymised, generalised or masked), for the published CSV."""
    columns = [
        p
        for p in profile.columns
        if p.role != "dropped" and p.action is None and p.type in _forms.FORM_TYPES
    ]
    found = _forms.written_forms(strings, columns)
    for p in columns:
        if p.type == "boolean":
            p.true_false = _forms.boolean_spellings(found[p.name])
        elif p.type_source == "config" and p.format:
            p.text_format = p.format  # the data owner's own pattern, used both ways
        elif p.type == "date":
            p.text_format = _forms.date_text_format(p.format or "yyyy-M-d", found[p.name])
            # Of month names only: 2024M03's M is a letter of the form, not of a name.
            p.month_case = _forms.month_case(found[p.name]) if "MMM" in p.text_format else None
            if p.named_date:  # 15 mars 2024, read as 15-Mar-2024: its names are its own
                p.text_format = p.named_date.written(p.text_format)
                p.month_case = None
        elif p.format in P.TIME_FORMATS:  # 14:30 or 9:05:59 or 2:30 PM, a time of day
            p.text_format = _forms.time_text_format(found[p.name], twelve=p.format.endswith("a"))
            p.month_case = _forms.month_case(found[p.name])  # of AM and PM
        elif p.format == P.COMPACT_TIMESTAMP_FORMAT:  # 20240315143000, as it was read
            p.text_format = p.format
        elif p.clock:  # 22 Jan 2023 23:05
            p.text_format = _forms.clock_text_format(p.format, p.clock, found[p.name])
            p.month_case = _forms.month_case(found[p.name])
        elif p.format == P.ORACLE_TIMESTAMP_FORMAT:  # 22-JAN-23 11.05.49.000000 PM
            p.text_format = _forms.fraction_text_format(p.format, found[p.name])
            p.month_case = _forms.month_case(found[p.name])
        elif p.format == P.MON_ZONE_FORMAT:  # 05 Dec 2023 02:14:00 +0000 (or GMT)
            p.text_format = _forms.zoned_text_format(found[p.name])
            p.month_case = _forms.month_case(found[p.name])
        elif p.format and "MMM" in p.format:  # SAS's 15MAR2019:14:30:00, as it was read
            p.text_format = p.format
            p.month_case = _forms.month_case(found[p.name])
        elif p.format:
            p.text_format = _forms.numeric_timestamp_text_format(p.format, found[p.name])
            p.month_case = _forms.month_case(found[p.name])  # of AM and PM
        else:
            p.text_format = _forms.timestamp_text_format(found[p.name])
        if p.weekdays and p.type in ("date", "timestamp"):  # Tuesday, before the rest
            p.text_format = p.weekdays.written(p.text_format or p.format)


def _output_type(p: ColumnProfile) -> str:
    if p.action in (PSEUDONYMISE, GENERALISE):
        return "categorical"
    if p.action == MASK:
        # A category column with a few e-mails masked stays a category (and is learned).
        return p.type if p.type in ("categorical", "text") else "text"
    return p.type


def _column_expr(p: ColumnProfile, hash_id, reference: date) -> Column:
    c = F.col(f"`{p.name}`")
    if p.null_text is not None:
        c = F.when(c == F.lit(p.null_text), F.lit(None)).otherwise(c)
    if p.action == PSEUDONYMISE:
        return hash_id(c)
    if p.action == MASK:
        return masked(c)
    if p.action == GENERALISE:
        is_date = p.type in ("date", "timestamp")
        dated = _cast(c, p.type, p.format, reference=reference)
        return age_band(dated, reference) if is_date else prefix(c)
    return _cast(c, p.type, p.format, p.grouping, reference)


# Columns a refusal names in its message (all of them are in its details).
_LISTED_COLUMNS = 10


def _no_usable_columns(profile: Profile, dataset: str) -> StepFailed:
    """Every column was set aside: each one by position, as every refusal gives columns (a
    header can be personal data), with why (counts and entity types only; schema.json, in
    quarantine with the data, names them in the same order)."""
    positions = {p.name: i for i, p in enumerate(profile.columns, 1)}
    why = [
        {"position": i, "reason": _why_set_aside(p, positions)}
        for i, p in enumerate(profile.columns, 1)
    ]
    listed = "; ".join(f"column {c['position']}: {c['reason']}" for c in why[:_LISTED_COLUMNS])
    if len(why) > _LISTED_COLUMNS:
        listed += f"; and {len(why) - _LISTED_COLUMNS} more (details.columns)"
    return StepFailed(
        code="no_usable_columns",
        message=f"Every column was set aside, so nothing is left to model: {listed}.",
        fix=(
            "Check that the file holds the table you meant. A column set aside as personal "
            "data or an identifier that holds none is kept by "
            f'`"columns": {{"<column>": {{"pii_action": "keep"}}}}` in config/{dataset}.json; '
            "one dropped by the config's drop_columns comes back when you take it out there."
        ),
        details={"columns": why},
        step="prepare",
    )


def _why_set_aside(p: ColumnProfile, positions: dict[str, int]) -> str:
    """A column's reason without a header in it: the column it repeats by position."""
    if p.copy_of:
        return f"the same text as column {positions[p.copy_of]} on every row"
    return p.reason


def holders_key(
    profile: Profile, settings: PrepareSettings, named: str | None = None
) -> str | None:
    """The column whose values name the people (or accounts) the rows belong to, for value
    protection to count holders rather than rows (`_protect.HOLDER`), or None. `named`:
    the config's (`value_protection.holders`), taken as it is.

    A customer's rows each carry their id, e-mail or name: a value that 12 rows of one
    customer hold is seen 12 times, yet it is one person's. The key is a column dropped or
    pseudonymised as an identifier or as personal data that repeats (fewer distinct
    values than record_key_share of the rows: it names an entity with several records),
    with at least id_min_distinct values (fewer holders would clip to the middle); of
    several, the one with the most values: an order line's order id, before its
    customer's, where a table has both (hence `named`)."""
    if named:
        return named
    candidates = [
        p
        for p in profile.columns
        if p.action in (DROP, PSEUDONYMISE)
        and settings.id_min_distinct <= p.distinct < settings.record_key_share * profile.rows
    ]
    return max(candidates, key=lambda p: p.distinct).name if candidates else None


def type_and_dedupe(
    strings: DataFrame,
    profile: Profile,
    dialect,
    layout,
    settings: PrepareSettings,
    *,
    key: bytes | None = None,
    holders: str | None = None,
) -> tuple[DataFrame, DatasetSchema]:
    """Typed frame without dropped columns, in the input's order; without duplicate rows
    where a column names the record (`_infer.names_records`). With `holders` (a column's
    name, `holders_key`), its values come along as `_protect.HOLDER` for value protection
    to count (a row without one is its own holder); `_protect.protect_values` drops it."""
    kept = [p for p in profile.columns if p.role != "dropped"]
    if not kept:
        raise _no_usable_columns(profile, layout.dataset)
    reference = reference_date(layout.run_id)
    hash_id = pseudonymiser(strings.sparkSession, key) if key is not None else None
    every = [F.col(f"`{n}`") for n in strings.columns]
    numbered = strings.select(F.monotonically_increasing_id().alias("_row"), *every)
    identifying = [
        p.distinct for p in profile.columns if p.role == "identifier" or p.action is not None
    ]
    if names_records(identifying, profile.rows, settings):
        # Exact duplicates are one record twice: compared on every column, before any
        # column is dropped (two customers' equal purchases are not duplicates).
        numbered = numbered.groupBy(*every).agg(F.min("_row").alias("_row"))
    extra = []
    if holders is not None:
        row = F.concat(F.lit("\u0000row "), F.col("_row").cast("string"))
        extra = [F.coalesce(F.col(f"`{holders}`").cast("string"), row).alias(HOLDER)]
    typed = numbered.select(
        "_row", *[_column_expr(p, hash_id, reference).alias(p.name) for p in kept], *extra
    )
    files = max(1, profile.rows // _ROWS_PER_FILE + 1)
    cleaned = typed.orderBy("_row").drop("_row").coalesce(files)
    schema = DatasetSchema(
        dataset=layout.dataset,
        run_id=layout.run_id,
        columns=[_column_schema(p, profile.rows) for p in profile.columns],
        input_rows=profile.rows,
        encoding=dialect.encoding,
        delimiter=dialect.delimiter,
        null_token=dialect.null_token,
        separator_line=dialect.separator_line,
        unnamed_row_names=dialect.unnamed_row_names,
    )
    return cleaned, schema


def _in_script(p: ColumnProfile) -> bool:
    """Whether most of the column's cells typed their digits in another script (written
    so again), and it is kept as the input wrote it."""
    return 0 < p.stats.non_null <= 2 * p.full_width and p.action is None


def _sequence_start(p: ColumnProfile, rows: int) -> int | None:
    """Where the published CSV numbers the rows of the blank-headed first column
    (validate.ROW_NAMES) once it is dropped: from its first number when it numbered them
    (R's row names from 1, pandas' index from 0: whole numbers, none missing, spanning as
    many numbers as there are rows), and from 1 when it named every row otherwise (car
    models, people), as R numbers a frame's rows that have no names. Left empty, such
    a file would not read back: R's read.table refuses repeated row names, and a header
    without a name for them needs them filled. None for any other column: a named one (a
    customer number 1..n) is left empty, since numbers written there would read as real
    customers'."""
    if p.original_name or p.role != "dropped" or rows < 2:
        return None
    numbers = p.type == "integer" and None not in (p.min_long, p.max_long)
    if numbers and p.max_long - p.min_long + 1 == rows == p.stats.non_null:
        return p.min_long
    return 1 if p.stats.non_null == rows else None


def _column_schema(p: ColumnProfile, rows: int) -> ColumnSchema:
    text_like = p.type in ("categorical", "text")
    return ColumnSchema(
        original_name=p.original_name,
        name=p.name,
        type=_output_type(p),
        role=p.role,
        reason=p.reason,
        null_count=rows - p.stats.non_null,  # kept columns: recounted after writing
        distinct_count=p.distinct,
        format=p.format,
        formula_like_cells=p.formula_like if text_like else 0,
        pii_action=p.action,
        type_source=p.type_source,
        code_reason=p.code_reason,
        true_false=p.true_false if p.action is None else None,
        text_format=p.text_format if p.action is None else None,
        month_case=p.month_case if p.action is None else None,
        month_language=p.named_date.language if p.named_date and p.action is None else None,
        month_names=list(p.named_date.names) if p.named_date and p.action is None else None,
        weekday_names=list(p.weekdays.names) if p.weekdays and p.action is None else None,
        missing_marks=p.missing_marks,
        excel_text=0 < p.stats.non_null <= p.excel_text and p.action is None,
        full_width=_in_script(p) and p.digit_zero == FULL_WIDTH_ZERO,
        year_offset=p.year_offset if p.action is None else 0,
        digit_zero=p.digit_zero if _in_script(p) else None,
        sequence_start=_sequence_start(p, rows),
        copy_of=p.copy_of,
        derived_from=p.derived_from,
        sum_of=p.sum_of,
        function_of=p.function_of,
        function=p.function,
        coefficients=p.coefficients,
        product_of=p.product_of,
        ratio_of=p.ratio_of,
        null_text=p.null_text if p.action is None else None,
        grouping=p.grouping if p.action is None else None,
        indian_grouping=p.indian_grouping and p.action is None,
        decimal_places=p.decimal_places if p.action is None else None,
        significant_digits=p.significant_digits if p.action is None else None,
        fixed_places=p.fixed_places if p.action is None else False,
        bare_wholes=p.bare_wholes and p.action is None,
        exponent=p.exponent if p.action is None else None,
        mantissa_places=p.mantissa_places if p.action is None else None,
        bare_fractions=p.bare_fractions and p.action is None,
        number_form=p.unit.number_form if p.unit and p.action is None else None,
        negative_form=p.unit.negative_form if p.unit and p.action is None else None,
    )


def write_outputs(
    cleaned: DataFrame, schema: DatasetSchema, layout, actions: dict[str, ColumnAction]
) -> None:
    """Parquet under data/, exact counts from the written files, schema and pii_actions."""
    cleaned.write.mode("overwrite").parquet(layout.cleaned_data)
    written = cleaned.sparkSession.read.parquet(spark_path(layout.cleaned_data))
    schema.rows = written.count()
    schema.duplicate_rows_dropped = schema.input_rows - schema.rows
    counts = _null_and_distinct_counts(written)
    for column in schema.columns:
        if column.role != "dropped":
            column.null_count, column.distinct_count = counts[column.name]
    storage.write_bytes(layout.schema_json, schema.to_json().encode())
    storage.write_json(layout.pii_actions_json, [a.to_dict() for a in actions.values()])


def _null_and_distinct_counts(frame: DataFrame) -> dict[str, tuple[int, int]]:
    """(nulls, distinct values) per column, in one long-format aggregation per column
    type: values keep their type (1.0 and 1.00 are one number). Exact, as the profile's
    count is: training's choices turn on these counts (codes up to 250 values, integers
    of up to 10), where HyperLogLog's estimate, used before December 2026, could land on
    either side."""
    counts: dict[str, tuple[int, int]] = {}
    for names in columns_by_type(frame):
        grouped = (
            value_counts_by_column(frame, names, as_text=False)
            .groupBy("i")
            .agg(
                F.sum(F.when(F.col("v").isNull(), F.col("count")).otherwise(0)).alias("nulls"),
                F.count("v").alias("distinct"),
            )
        )
        for row in grouped.collect():
            counts[names[row["i"]]] = (int(row["nulls"]), int(row["distinct"]))
    # No rows, no cells: every column of an empty frame has no nulls and no values.
    return {name: counts.get(name, (0, 0)) for name in frame.columns}
