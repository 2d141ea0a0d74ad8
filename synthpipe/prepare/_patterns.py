"""Value patterns for type inference (Java regex syntax: they run inside Spark)."""

import re
import string

from synthpipe.schema import DIGIT_SCRIPTS, FULL_WIDTH_ZERO, MONTH_NAMES

# Missing-value marks: read as missing only in a column whose other values are all numbers
# or dates (elsewhere they are values: a rating of "**", a test result of "+"). Cells of
# punctuation and symbols alone (SAS's ".", OECD's "..", Eurostat's ":", "—", "*"), a
# spreadsheet's error (#DIV/0!, #VALUE!, #REF!, #NAME?), and "not available" as other
# languages abbreviate it, in any case. Java regex, one expression (it runs on every short
# cell inside Spark).
MISSING_WORDS = (
    *("n.d.", "n/d", "nd", "n.a.", "n.v.", "n.b.", "k.a.", "k. a.", "s/d", "s.d.", "s.i."),
    *("unknown", "not available", "inconnu", "unbekannt", "desconocido", "sconosciuto"),
    *("onbekend", "н/д", "нет данных", "不明", "未知"),
)
# First characters no mark or word starts with: cells that start with one skip the expression.
NOT_MARK_FIRST_CHARS = tuple(
    c
    for c in string.ascii_letters + string.digits
    if c.lower() not in {word[0] for word in MISSING_WORDS}
)
MISSING_MARK = (
    r"(?iu)^([^\p{L}\p{N}]{1,8}|#[A-Z][A-Z0-9/_.]{1,12}[!?]?|"
    + "|".join(re.escape(word) for word in MISSING_WORDS)
    + ")$"
)
TRUE_TOKENS = ("true", "yes", "y", "t")
FALSE_TOKENS = ("false", "no", "n", "f")

INTEGER = r"^[+-]?\d{1,18}$"
# A whole number, also with a zero fraction, as pandas writes an integer column that has
# a missing value (6197035322.0); group 1 is the number.
WHOLE = r"^([+-]?\d{1,18})([.,]0+)?$"
LEADING_ZERO = r"^[+-]?0\d"
DECIMAL_DOT = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
# 1,5  or  1.234,56 (thousands dots): European exports, also ,5 (Stata and SPSS write
# fractions without their leading zero); 1,5E+03 and 1E-05 as a European spreadsheet
# writes a number too large or too small for its column in exponent form.
DECIMAL_COMMA = r"^[+-]?((\d+|\d{1,3}(\.\d{3})+)?,\d+|\d+(,\d+)?[eE][+-]?\d+)$"
# Numbers written with digit groups, as spreadsheets export them: 1,234,567.89 (US,
# UK), 1.234.567,89 (DE, ES), 1 234 567,89 (FR, with a space or a no-break space),
# 1'234'567.89 (CH). A first group of one to three digits (not 0), then groups of three;
# a value below 1,000 has no group and fits too. GROUPED_POINT has a decimal point,
# GROUPED_COMMA a decimal comma; GROUP_CHAR finds the separator a value uses. India
# groups lakh and crore (12,34,567.89: LAKH, a last group of three, groups of two before).
_GROUPS = "[1-9]\\d{0,2}(%s\\d{3})+"
_LAKH = r"[1-9]\d?(,\d{2})+,\d{3}"
LAKH = r"^[+-]?" + _LAKH + r"(\.\d+)?$"
GROUPED_POINT = r"^[+-]?(\d+|" + _GROUPS % "[, '\u00a0\u202f]" + "|" + _LAKH + r")(\.\d+)?$"
GROUPED_COMMA = r"^[+-]?(\d+|" + _GROUPS % "[. '\u00a0\u202f]" + r")(,\d+)?$"
GROUP_CHAR = r"^[+-]?[1-9]\d{0,2}([., '\u00A0\u202F])\d{3}([., '\u00A0\u202F]|$)"
# A number's decimal places: the digits after its decimal point, or its decimal comma
# (1.759: 759; 1.234,5: 5; 12: none). A number in exponent form (1.5e-3) hides them.
FRACTION_POINT = r"\.(\d*)$"
FRACTION_COMMA = r",(\d*)$"
EXPONENT = r"\d[eE][+-]?\d+$"
EXPONENT_UPPER = r"\dE[+-]?\d+$"
# A mantissa's places: 1.234E+03 and 1,234E+03: 234; 1E-05: none. And the power of ten.
MANTISSA_PLACES = r"[.,](\d*)[eE][+-]?\d+$"
POWER = r"[eE]([+-]?\d+)$"
# A number between -1 and 1 written without its leading zero (.25, -,5), as Stata and
# SPSS export them, and one written with it (0.25).
BARE_FRACTION = r"^[+-]?[.,]\d"
ZERO_FRACTION = r"^[+-]?0[.,]\d"
DATE_ISO = r"^\d{4}-\d{1,2}-\d{1,2}$"
# The zone after an ISO timestamp, as databases export it: Z, +01:00, +0100, PostgreSQL's
# +01 (timestamptz), SQL Server's ` +01:00` (datetimeoffset), BigQuery's ` UTC`, ` GMT`.
# Spark's cast reads each; the cleaned value is the UTC instant.
_ISO_ZONE = r"( ?(Z|[+-]\d{2}(:?\d{2})?)| UTC| GMT)"
TIMESTAMP_ISO = r"^\d{4}-\d{1,2}-\d{1,2}[T ]\d{1,2}:\d{2}(:\d{2}(\.\d{1,9})?)?" + _ISO_ZONE + "?$"
# An ISO timestamp with a zone but no seconds (2024-01-05T07:08Z, 07:08+01:00): Spark's
# cast reads it as null (a silent missing value), so `:00` is written in before the cast.
ISO_ZONE_WITHOUT_SECONDS = r"^(\d{4}-\d{1,2}-\d{1,2}[T ]\d{1,2}:\d{2})" + _ISO_ZONE + "$"
# 31/12/2024, 12/31/2024, 31.12.2024, 31-12-2024: day/month order decided on the values.
DATE_NUMERIC = r"^\d{1,2}([./-])\d{1,2}\1\d{4}$"
# The same with a time, as spreadsheets export it: 31/12/2024 14:30, 12/31/2024 9:05:59.
DATETIME_NUMERIC = r"^\d{1,2}([./-])\d{1,2}\1\d{4} \d{1,2}:\d{2}(:\d{2})?$"
# The same with a 12-hour clock, as .NET and PowerShell write an en-US date and time
# (Export-Csv, DateTime.ToString()) and Excel's "m/d/yyyy h:mm AM/PM": 3/15/2024 2:30:00 PM.
DATETIME_NUMERIC_12H = r"^\d{1,2}([./-])\d{1,2}\1\d{4} (0?[1-9]|1[0-2]):\d{2}(:\d{2})? [AaPp][Mm]$"
WITH_SECONDS = r"\d:\d{2}:\d{2}( [AaPp][Mm])?$"
# Year first with slashes or dots: 2024/12/31, 2024.12.31 (East Asian, Hungarian exports).
DATE_YMD = r"^\d{4}([./])\d{1,2}\1\d{1,2}$"
# The same with a time, as Japanese and Chinese systems export it: 2010/01/01 00:00:00.
DATETIME_YMD = r"^\d{4}([./])\d{1,2}\1\d{1,2} \d{1,2}:\d{2}(:\d{2})?$"
# Year, month and day each followed by its character, as Japanese and Chinese (2024年3月5日)
# and Korean (2024년 3월 5일) spreadsheets and exports write a date; Spark parses the
# characters as literals.
DATE_CJK = r"^\d{4}年\d{1,2}月\d{1,2}日$"
DATE_KOREAN = r"^\d{4}년 \d{1,2}월 \d{1,2}일$"
CJK_DATE_FORMAT, KOREAN_DATE_FORMAT = "yyyy年M月d日", "yyyy년 M월 d일"
# The same with a two-digit year, as spreadsheets and older systems write it: 31.12.24,
# 12/31/99 (the century: see YY_FUTURE_YEARS).
DATE_NUMERIC_YY = r"^\d{1,2}([./-])\d{1,2}\1\d{2}$"
# Dates with an English month name, as spreadsheets and databases export them:
# 15-Mar-2019, 15 Mar 2019, 15-Mar-19 (DATE_DAY_MON: `d{sep}MMM{sep}yyyy` or `yy`),
# 15 March 2019 (`d MMMM yyyy`), Mar 15, 2019 (`MMM d, yyyy`), March 15, 2019
# (`MMMM d, yyyy`). In any case, as Spark parses them: Oracle writes 15-MAR-19 (its
# DD-MON-RR), SAS 15MAR2019 (DATE9., no separator) and 15MAR19 (DATE7.); the published
# CSV writes the case back (ColumnSchema.month_case). Other spellings (Sept, other
# languages) stay text.
_MON = "(?i:" + "|".join(name[:3] for name in MONTH_NAMES) + ")"
_MONTH = "(?i:" + "|".join(MONTH_NAMES) + ")"
DATE_DAY_MON = rf"^\d{{1,2}}([ -]?){_MON}\1\d{{4}}$"
DATE_DAY_MON_YY = rf"^\d{{1,2}}([ -]?){_MON}\1\d{{2}}$"
DATE_DAY_MONTH = rf"^\d{{1,2}} {_MONTH} \d{{4}}$"
DATE_MON_DAY = rf"^{_MON} \d{{1,2}}, \d{{4}}$"
DATE_MONTH_DAY = rf"^{_MONTH} \d{{1,2}}, \d{{4}}$"
NAMED_DATE = "|".join((DATE_DAY_MON, DATE_DAY_MONTH, DATE_MON_DAY, DATE_MONTH_DAY))
# Months without a day, as statistics offices, reports and loan books write a period:
# 2024-03 (ISO 8601's year and month; 2024/03 too), 03/2024 (03.2024, 03-2024), Mar 2024,
# Mar-2024, MAR2024 (SAS's MONYY7.), Mar-24, MAR24, March 2024, 2024M03 (Eurostat's and the IMF's
# monthly periods). Read as the month's first day, written back as they were. Years 1700
# to 2199; 2011-12 is a fiscal year when every value is one (FISCAL_YEAR: 2011-12,
# 2012-13 ..., read as text): `_infer._period_format`.
_YEAR = r"(1[7-9]\d\d|2[01]\d\d)"
_MONTH_NUMBER = r"(0?[1-9]|1[0-2])"
YEAR_MONTH = rf"^{_YEAR}([/-]){_MONTH_NUMBER}$"
MONTH_YEAR = rf"^{_MONTH_NUMBER}([./-]){_YEAR}$"
MON_YEAR = {sep: rf"^{_MON}{sep}{_YEAR}$" for sep in (" ", "-", "")}
MONTH_NAME_YEAR = rf"^{_MONTH} {_YEAR}$"
# Excel's mmm-yy (Mar-24), a spreadsheet's usual month, and SAS's MONYY5. (MAR24): the
# century as a two-digit year's (YY_FUTURE_YEARS). Excel's day-first d-mmm (24-Mar) has
# no year, and Mar 24 reads as 24 March as often: text.
MON_YEAR_YY = {sep: rf"^{_MON}{sep}\d{{2}}$" for sep in ("-", "")}
YEAR_M_MONTH = rf"^{_YEAR}M(0[1-9]|1[0-2])$"
YEAR_M_MONTH_FORMAT = "yyyy'M'MM"
# Quarters, as statistics offices write them (2024Q1, 2024-Q1, 2024 Q1, Q1 2024,
# Q1-2024): the quarter's first day, written back so. Spark parses no quarter (its
# pattern letter Q is for writing only): _transform._quarter_start reads year and quarter.
QUARTERS = {
    "yyyy'Q'Q": rf"^{_YEAR}Q[1-4]$",
    "yyyy-'Q'Q": rf"^{_YEAR}-Q[1-4]$",
    "yyyy 'Q'Q": rf"^{_YEAR} Q[1-4]$",
    "'Q'Q yyyy": rf"^Q[1-4] {_YEAR}$",
    "'Q'Q-yyyy": rf"^Q[1-4]-{_YEAR}$",
}
QUARTER_YEAR, QUARTER_NUMBER = r"(\d{4})", r"Q([1-4])"
# ISO 8601 weeks (2024-W05, 2024W05), as retail and operations reports write them: the
# week's Monday, written back so (Y: the week's year, w: its week, as Java's patterns
# write them). Spark parses no week (Y and w are refused for parsing since Spark 3):
# _transform._week_start makes the date from the year and the week.
_WEEK = r"(0[1-9]|[1-4]\d|5[0-3])"
WEEKS = {"YYYY-'W'ww": rf"^{_YEAR}-W{_WEEK}$", "YYYY'W'ww": rf"^{_YEAR}W{_WEEK}$"}
WEEK_YEAR, WEEK_NUMBER = r"^(\d{4})", r"W(\d\d)$"
# The second part is the year after the first's last two digits: 2011-12, 1999-00.
FISCAL_YEAR = r"^\d\d(\d\d)[/-](\d\d)$"
# Dates written as one number, year first, as core banking and mainframe exports write
# them (ISO 8601's basic format): 20240315, years 1700 to 2199, and 99991231, a far date
# that may stand for "open-ended" (_transform._far_dates; where it cannot, the column
# stays a number, as before); timestamps so, 20240315143000.
# With a two-digit year, 240315, only in a column named as a date (_infer.compact_yy_date):
# six digits are as often a code. Whether the day exists in its month is Spark's parse:
# each form's pattern is as long as its values.
_COMPACT_DAY = r"(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])"
COMPACT_DATE = rf"^(1[7-9]\d\d|2[01]\d\d|9999){_COMPACT_DAY}$"
COMPACT_DATE_YY = rf"^\d\d{_COMPACT_DAY}$"
COMPACT_TIMESTAMP = rf"^(1[7-9]\d\d|2[01]\d\d){_COMPACT_DAY}([01]\d|2[0-3])[0-5]\d[0-5]\d$"
COMPACT_DATE_FORMAT, COMPACT_YY_FORMAT = "yyyyMMdd", "yyMMdd"
COMPACT_TIMESTAMP_FORMAT = "yyyyMMddHHmmss"
# SAS's DATETIME20. and DATETIME16. timestamps: 15MAR2019:14:30:00, 15MAR19:14:30:00.
# A time of day without a date (14:30, 9:05:59): a timestamp on 1970-01-01, UTC, written
# back without its date.
TIME_OF_DAY = r"^([01]?\d|2[0-3]):[0-5]\d(:[0-5]\d)?$"
# The same on a 12-hour clock (2:30 PM, 11:05:59 am), as Excel's en-US times export.
TIME_OF_DAY_12H = r"^(0?[1-9]|1[0-2]):[0-5]\d(:[0-5]\d)? [AaPp][Mm]$"
# Its parse patterns: without seconds, with, and with seconds on some values only.
TIME_HM, TIME_HMS, TIME_SOME_SECONDS = "H:mm", "H:mm:ss", "H:mm[:ss]"
_TIMES_24H = (TIME_HM, TIME_HMS, TIME_SOME_SECONDS)


def twelve_hour(time_format: str) -> str:
    """A time pattern on a 12-hour clock: h (1 to 12) and a (AM or PM)."""
    return time_format.replace("H", "h") + " a"


# A time of day as French, Québec and Belgian exports write it: 14h30, 9h05 (`H'h'mm`).
TIME_OF_DAY_H = r"^([01]?\d|2[0-3])h[0-5]\d$"
TIME_H = "H'h'mm"
TIME_FORMATS = (*_TIMES_24H, *map(twelve_hour, _TIMES_24H), TIME_H)
# A digit typed full width (０ to ９), as Japanese, Chinese and Korean input methods type
# them, or in another script that Prepare reads (٠ to ٩, ۰ to ۹, ० to ९...:
# schema.DIGIT_SCRIPTS): _transform._full_widths.
NATIVE_DIGIT = (
    "[" + "".join(f"{z}-{chr(ord(z) + 9)}" for z in (FULL_WIDTH_ZERO, *DIGIT_SCRIPTS)) + "]"
)
# Durations (schema.DURATION_FORMATS): 50:27:38, 1234:05, 0:45:10, in a column that is not
# all times of day (an hour past 23). PADDED: a first part written with a leading zero.
DURATION = r"^\d{1,6}:[0-5]\d(:[0-5]\d)?$"
PADDED = r"^0\d"
DATETIME_DAY_MON = rf"^\d{{2}}{_MON}\d{{4}}:\d{{2}}:\d{{2}}:\d{{2}}$"
DATETIME_DAY_MON_YY = rf"^\d{{2}}{_MON}\d{{2}}:\d{{2}}:\d{{2}}:\d{{2}}$"
# Timestamps as e-mail headers (RFC 2822), HTTP (RFC 9110's IMF-fixdate), RSS feeds and
# `date -R` write them, after their weekday (read by _weekdays) or without it: 12 Dec
# 2023 02:14:00 +0000, 5 Mar 2024 09:00:00 -0800, 12 Dec 2023 02:14:00 GMT. The offset
# (or GMT) is read; the cleaned value is the UTC instant, written back at +0000 (or GMT).
DATETIME_MON_ZONE = rf"^\d{{1,2}} {_MON} \d{{4}} \d{{2}}:\d{{2}}:\d{{2}} ([+-]\d{{4}}|GMT)$"
MON_ZONE_FORMAT = "d MMM yyyy HH:mm:ss [xx]['GMT']"  # Spark's optional sections: either
# Oracle's TIMESTAMP as SQL Developer and SQL*Plus export it (NLS_TIMESTAMP_FORMAT's
# default, DD-MON-RR HH.MI.SSXFF AM): 22-JAN-23 11.05.49.000000 PM. Spark reads 1 to 9
# digits of a fraction with 9 S.
ORACLE_TIMESTAMP = (
    rf"^\d{{2}}-{_MON}-\d{{2}} (0[1-9]|1[0-2])\.[0-5]\d\.[0-5]\d\.\d{{1,9}} [AaPp][Mm]$"
)
ORACLE_TIMESTAMP_FORMAT = "dd-MMM-yy hh.mm.ss.SSSSSSSSS a"
# A date with an English month's name, then a time of day (see _clocks): 22 Jan 2023
# 23:05, 22-JAN-23 23:05:49, Jan 22, 2023 11:05 PM, January 22, 2023, 11:05 PM.
# (1 the date)(2 the separator)(3 the time: (4 its seconds)(5 AM or PM)).
_NAMED_DATES = (
    rf"\d{{1,2}}(?: |-|){_MON}(?: |-|)\d{{2}}(?:\d{{2}})?",  # 22 Jan 2023, 22-JAN-23, 22JAN2023
    rf"\d{{1,2}} {_MONTH} \d{{4}}",  # 22 January 2023
    rf"(?:{_MON}|{_MONTH}) \d{{1,2}}, \d{{4}}",  # Jan 22, 2023; January 22, 2023
)
NAMED_DATETIME = (
    "^((?:"
    + "|".join(_NAMED_DATES)
    + r"))(,? )((?:[01]?\d|2[0-3]):[0-5]\d(:[0-5]\d)?( [AaPp][Mm])?)$"
)
# How a month's name starts (Jan ... Dec, in any case): those dates and DATE_NUMERIC_YY
# start with a digit or these, and are 6 (1.1.24) to 18 characters long (September 30,
# 2024).
MONTH_FIRST_CHARS = tuple(sorted({c for name in MONTH_NAMES for c in (name[0], name[0].lower())}))
MONTH_SECOND_CHARS = tuple(sorted({c for name in MONTH_NAMES for c in (name[1], name[1].upper())}))
# The separator after the first digits: the one of a numeric or year-first date, or
# of a day before a month's name.
DATE_SEP = r"^\d+([./ -])"
# A two-digit year lies at most this many years after the run's date, else in the
# century before: in 2026, 31.12.85 is 1985 (not Spark's 2085), 1.1.48 is 1948 (a birth
# date), 31.12.35 is 2035 (a contract's end).
YY_FUTURE_YEARS = 10
# A date's year, first (2024-12-31, 2024/12/31) or after day and month (31.12.2024 ...).
YEAR_FIRST = r"^(\d{4})[-./年년]"
YEAR_THIRD = r"^\d{1,2}[./-]\d{1,2}[./-](\d{4})"
YEAR_LAST = r"(\d{4})$"
# Years a date may hold for training: pandas' datetime64[ns] spans 1677-09-21 to
# 2262-04-11, and a date outside it would become a missing value there. Such dates are
# sentinels in practice (9999-12-31: "open-ended"): see _transform._far_dates.
FIRST_NEAR_YEAR = 1678
LAST_NEAR_YEAR = 2261
# Cells a spreadsheet would execute.
FORMULA_LIKE = r"^[=+\-@]"
# Excel's text formula, as exports write codes and numbers to keep their leading zeros
# when a spreadsheet opens the file: ="0123". The value is the text between the quotes.
EXCEL_TEXT = r'^="([^"]*)"$'
# Codes such as C1093826151, ORD-000123, or a hex/UUID key.
_UUID = r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
ID_SHAPE = rf"^([A-Za-z]{{0,4}}[-_]?\d{{5,}}|{_UUID})$"
# Shorter codes: a prefix and up to four digits (C12, PED054, X-0042). A key when the
# column holds many of them and they share one prefix (diagnosis codes such as E11 and
# I10 have many prefixes); the prefix is the first group.
SHORT_CODE = r"^([A-Za-z]{1,4})[-_]?\d{1,4}$"
# Registrations: capitals and digits, two or more of each, in up to four groups split by
# a space or a hyphen, 4 to 10 characters in all. Licence plates are written so in every
# country (B-AB 1234, AB12 CDE, AB-123-CD, 7ABC123, 1234 BCD), and so are aircraft tail
# numbers and full postcodes (SW1A 1AA, K1A 0B1): each names a vehicle or a household.
# Not matched: one letter with digits (diagnosis codes, seats, quarters), a dot (E11.9),
# lower case, and 12-character securities codes (US0378331005).
REGISTRATION = (
    r"^(?=.{4,10}$)(?=(?:[^A-Z]*[A-Z]){2})(?=(?:[^0-9]*[0-9]){2})"
    r"[A-Z0-9]+(?:[ -][A-Z0-9]+){0,3}$"
)
# A whole number written rounded to hundreds (1200, 45000): prices, budgets, populations.
ROUNDED_HUNDREDS = r"^[+-]?\d*[1-9]\d*00([.,]0+)?$"
# Name parts that say "this column is a key".
ID_NAME_TOKENS = frozenset(
    {
        "id",
        "ids",
        "uuid",
        "guid",
        "key",
        "ref",
        "reference",
        "number",
        "no",
        "nr",
        "num",
        "customer",
        "client",
        "user",
        "account",
        "iban",
        "token",
        "hash",
        "code",
    }
)
