"""The published CSV reads like the input: a drop-in replacement.

The cleaned Parquet (and `synthetic.parquet`) holds Prepare's contract: normalised
snake_case names, typed values (booleans, dates, timestamps in UTC). `synthetic.csv`
turns that back into the input's form, from what Prepare recorded in schema.json:

- the input's header names, in the input's order, with the input's delimiter and in its
  encoding (UTF-8 with a byte order mark when the input had one, cp1252, latin-1, the
  legacy encoding validation named, or UTF-16 or UTF-32: a system that reads the input
  reads the output the same way), CRLF line ends, Excel's `sep=;` above the header
  where the input had it (DatasetSchema.separator_line), and a header without a name
  for the row names where the input's had none (DatasetSchema.unnamed_row_names);
- booleans spelled as the input most often spelled them (`yes`/`no`, `Y`/`N`,
  `TRUE`/`FALSE`: ColumnSchema.true_false);
- integers as whole numbers (`3`, never `3.0`), decimals with the input's decimal
  separator (a decimal comma stays a comma), at most the input's decimal places
  (ColumnSchema.decimal_places: `1.76`, never `1.75929723552383`; `12`, not `12.0`, in
  a decimal column written without places, or whose whole values the input wrote so:
  ColumnSchema.bare_wholes; `3.50` stays `3.50` where the input wrote
  every value with two places: ColumnSchema.fixed_places; `1.5E+03` and R's `1e-04`
  where the input wrote every value in exponent form: ColumnSchema.exponent; `.25`
  where it wrote fractions without their leading zero: ColumnSchema.bare_fractions), and
  digit groups where the
  input wrote them (`1,234.5`, `1.234,5`, `1 234,5`, `1'234.5`: ColumnSchema.grouping;
  `12,34,567.5`: ColumnSchema.indian_grouping), with the
  unit the input wrote them with (`$1,234.50`, `3.97%`, `12,50 €`, `(413.89)` for a
  negative number: ColumnSchema.number_form and negative_form);
- dates and timestamps in the pattern the input used (ColumnSchema.text_format: e.g.
  `dd/MM/yyyy`, `ddMMMyyyy`, `HH:mm` for a time of day; a month's name in the input's
  case, ColumnSchema.month_case: `15MAR2019`, and language, ColumnSchema.month_names:
  `15 mars 2024`, `15-ene-24`; timestamps are UTC, an input offset is written `+00:00`);
- digits and their signs typed full width or in another script where the input typed
  them so (`１，２３４`, `١٬٢٣٤`: ColumnSchema.digit_zero);
- durations as the input wrote them (`50:27:38`, `1234:05`: ColumnSchema.text_format,
  `[h]:mm:ss` or `[h]:mm`, of an integer column holding the count of the last unit);
- categories and codes exactly as the text the model learned (Prepare keeps their text:
  `042` stays `042`, a code column keeps its digits);
- every value of a column the input wrote as Excel's text formula (`="0123"`, to keep a
  code's leading zeros in a spreadsheet) written so again (ColumnSchema.excel_text): a
  formula that only holds text, never one that computes;
- a column that held a part of a date on every row (its year, month, quarter, day,
  weekday or hour: ColumnSchema.derived_from) holds that part of each synthetic date,
  as the input wrote it (`3` or `03`, `Mar` or `MAR`, `Q1`);
- a column that was the sum of two others on every row (ColumnSchema.sum_of) holds
  the sum of each synthetic row's two values, in its own form;
- a column that was the product or the ratio of two others on every row
  (ColumnSchema.product_of, ratio_of) holds that of each synthetic row's two values;
- a column that was a function of another on every row (its log, square, a linear
  rescaling: ColumnSchema.function) holds that function of each synthetic row's value,
  in its own form;
- columns without synthetic values keep their header with missing values: columns Prepare
  dropped (personal data, all empty, constant, or dropped by the config) and free-text
  columns, which are never modelled; the blank-headed first column that numbered or
  named the rows (R's row names, pandas' index) numbers them
  (ColumnSchema.sequence_start). Identifier columns (pseudonymised by Prepare) hold
  fresh surrogates (`SYN-000001`) that link to no real value;
- missing values as the input wrote them, when one spelling wrote them all (`NA`,
  `\\N`, `NULL`: DatasetSchema.null_token, also in the columns without synthetic
  values), else as empty cells, whatever null tokens or missing-value marks the input
  used (`NA` beside empty cells, `.`, `#DIV/0!`: ColumnSchema.missing_marks),
  except in a date column that wrote "none" as one far date (`9999-12-31`, kept in
  ColumnSchema.null_text), where the missing values are that date again.

CSV injection (OWASP): a text cell that starts with `=`, `+`, `-`, `@`, a tab or a
carriage return is prefixed with a single quote, unless it is a plain number (`-3`,
`+1.5`), which a spreadsheet reads as a number.
"""

from __future__ import annotations

import functools
import logging
import math
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from synthpipe.column_functions import applied
from synthpipe.schema import (
    FULL_WIDTH_ZERO,
    MONTH_NAMES,
    WEEKDAY_NAMES_BY_LANGUAGE,
    ColumnSchema,
    DatasetSchema,
    script_signs,
)
from synthpipe.validate import READ_DELIMITERS

log = logging.getLogger("synthpipe.generate")

# First characters that make a spreadsheet evaluate a cell (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")
# Spark pattern letters this writer renders; a pattern with others falls back to ISO.
_TOKEN = re.compile(r"'[^']*'|([A-Za-z])\1*|[^A-Za-z']+")
_ISO_DATE = "yyyy-MM-dd"
_ISO_TIMESTAMP = "yyyy-MM-dd'T'HH:mm:ss"


def neutralise_cell(value: object) -> object:
    """`'=SUM(A1)` for `=SUM(A1)`: a spreadsheet shows the text instead of running it."""
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_STARTS)
        and not _PLAIN_NUMBER.match(value)
    ):
        return "'" + value
    return value


def csv_frame(table: pa.Table, schema: DatasetSchema) -> pd.DataFrame:
    """Every input column, in the input's order, under its header, as the text the CSV
    holds (a missing value as the input wrote them: DatasetSchema.null_token)."""
    texts = {}
    rows = table.num_rows
    present = set(table.column_names)
    # Synthetic numbers by column, with each product, ratio and function as it is written:
    # a function's source may be one (the source comes first in the file).
    numbers = {name: table.column(name) for name in table.column_names}
    missing = schema.null_token
    for column in schema.columns:
        if column.name in present and column.role != "dropped":
            text = column_text(table.column(column.name), column, missing)
        elif column.derived_from in present:
            text = derived_text(table.column(column.derived_from), column, missing)
        elif column.sum_of and set(column.sum_of) <= present:
            text = column_text(added(table, column.sum_of, column.type), column, missing)
        elif (operands := column.product_of or column.ratio_of) and set(operands) <= present:
            values = combined(numbers, operands, column.type, divide=bool(column.ratio_of))
            numbers[column.name] = values
            text = column_text(values, column, missing)
        elif column.function_of in numbers:
            values = function_values(numbers[column.function_of], column)
            numbers[column.name] = values
            text = column_text(values, column, missing)
        elif column.sequence_start is not None:
            first = column.sequence_start
            text = pd.Series([str(n) for n in range(first, first + rows)], dtype=object)
        else:
            text = pd.Series([missing] * rows, dtype=object)
        texts[column.name] = text.to_numpy(dtype=object)
    # A copy repeats its column's text as written (empty where that one was dropped).
    frame = pd.DataFrame({c.name: texts[c.copy_of or c.name] for c in schema.columns})
    # The input's header, which may repeat a name (`id` twice); "": R's row names.
    frame.columns = [c.original_name for c in schema.columns]
    return frame


def csv_bytes(table: pa.Table, schema: DatasetSchema) -> bytes:
    """The CSV's bytes: the input's delimiter (comma when unknown) and encoding (UTF-8
    when unknown), CRLF line ends.

    With CRLF as the line end, the csv writer quotes any cell holding a CR or an LF;
    with LF alone a bare CR in a cell went unquoted and split the row when read back.
    """
    delimiter = schema.delimiter if schema.delimiter in READ_DELIMITERS else ","
    text = csv_frame(table, schema).to_csv(index=False, sep=delimiter, lineterminator="\r\n")
    if schema.unnamed_row_names:
        # The header names every column but the row names: its blank first name, written
        # as nothing before the first delimiter, is left out again (R's write.table).
        text = text.removeprefix(delimiter)
    if schema.separator_line:
        text = schema.separator_line + "\r\n" + text
    # Every cell is the input's text, a number, a date or an ASCII surrogate, so the
    # input's encoding holds it; 'utf-8-sig' writes the byte order mark.
    encoding = schema.encoding or "utf-8"
    try:
        return text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        log.warning("the published CSV is UTF-8: %s cannot hold every cell", encoding)
        return text.encode("utf-8")


def column_text(
    values: pa.ChunkedArray | pa.Array, column: ColumnSchema, null_token: str = ""
) -> pd.Series:
    """One column's values as the input wrote that type; nulls become `null_token`, or
    the column's own text for "none" (ColumnSchema.null_text)."""
    series = values.to_pandas(types_mapper=pd.ArrowDtype)
    missing = series.isna().to_numpy()
    kind = "categorical" if column.role == "identifier" else column.type
    present = series[~missing]
    if kind == "boolean":
        true, false = column.true_false or ["true", "false"]
        text = present.map(lambda v: true if v else false)
    elif kind == "integer" and column.text_format:  # a duration: 50:27:38
        text = present.astype("int64").map(lambda v: duration_text(v, column.text_format))
    elif kind == "integer":
        text = present.astype("int64").astype(str)
        if column.grouping:
            indian = column.indian_grouping
            text = text.map(lambda v: group_digits(v, column.grouping, ".", indian=indian))
    elif kind == "decimal":
        text = _decimal_texts(present.astype("float64"), column)
    elif kind in ("date", "timestamp"):
        default = _ISO_DATE if kind == "date" else _ISO_TIMESTAMP
        pattern = column.text_format or default
        names, days = column.month_names, column.weekday_names
        text = format_datetimes(
            _naive_utc(present), pattern, column.month_case, names, days, column.year_offset
        )
    else:
        text = present.astype(str).map(neutralise_cell)
    if column.number_form and kind in ("integer", "decimal", "categorical"):
        forms = column.number_form, column.negative_form
        text = text.map(lambda v: with_unit(v, *forms))
    zero = column.digit_zero or (FULL_WIDTH_ZERO if column.full_width else None)
    if zero:  # １，２３４．５ or ١٬٢٣٤٫٥ as the input typed it
        text = text.str.translate(_to_script(zero))
    if column.excel_text:
        text = text.map(lambda v: f'="{v}"')  # Prepare read no quote inside: P.EXCEL_TEXT
    out = pd.Series([column.null_text or null_token] * len(series), dtype=object)
    out[~missing] = text.to_numpy(dtype=object)
    return out


@functools.lru_cache
def _to_script(zero: str) -> dict[int, int]:
    native, ascii_signs = script_signs(zero)
    return str.maketrans(ascii_signs, native)


def added(table: pa.Table, parts: list[str], kind: str) -> pa.Array:
    """Each row's sum of two columns (ColumnSchema.sum_of), missing where one is; whole
    for an integer total."""
    a, b = (pc.cast(table.column(name).combine_chunks(), pa.float64()) for name in parts)
    total = pc.add(a, b)
    return pc.cast(pc.round(total), pa.int64()) if kind == "integer" else total


def combined(
    numbers: dict[str, pa.ChunkedArray | pa.Array], operands: list[str], kind: str, *, divide: bool
) -> pa.ChunkedArray | pa.Array:
    """Each row's product of two columns, or the first divided by the second
    (ColumnSchema.product_of, ratio_of): missing where one is or the denominator is 0;
    whole for a column of whole numbers."""
    a, b = (pc.cast(numbers[n], pa.float64()) for n in operands)
    if divide:
        b = pc.if_else(pc.equal(b, 0.0), pa.scalar(None, pa.float64()), b)
    result = pc.divide(a, b) if divide else pc.multiply(a, b)
    return pc.cast(pc.round(result), pa.int64()) if kind == "integer" else result


def function_values(values: pa.ChunkedArray | pa.Array, column: ColumnSchema) -> pa.Array:
    """The function of each synthetic value of a column's source (ColumnSchema.function):
    missing where the source is or lies outside the function's domain; whole for a column
    of whole numbers."""
    source = pc.cast(values, pa.float64()).to_numpy(zero_copy_only=False)
    result = applied(str(column.function), source, column.coefficients)
    missing = np.isnan(result)
    if column.type == "integer":
        return pa.array(np.round(np.nan_to_num(result)).astype("int64"), mask=missing)
    return pa.array(result, mask=missing)


def derived_text(
    values: pa.ChunkedArray | pa.Array, column: ColumnSchema, null_token: str = ""
) -> pd.Series:
    """The part of each synthetic date that a column held (ColumnSchema.derived_from):
    its year, month, quarter... or its period (`2019-06`), as the column's text_format
    writes it."""
    series = values.to_pandas(types_mapper=pd.ArrowDtype)
    missing = series.isna().to_numpy()
    pattern = str(column.text_format)  # set with derived_from (ColumnSchema)
    names, days = column.month_names, column.weekday_names
    text = format_datetimes(_naive_utc(series[~missing]), pattern, column.month_case, names, days)
    out = pd.Series([null_token] * len(series), dtype=object)
    out[~missing] = text.to_numpy(dtype=object)
    return out


def duration_text(units: int, pattern: str) -> str:
    """A whole count of a duration's smallest unit as `pattern` (schema.DURATION_FORMATS,
    `[hhh]` for a first part of at least three digits) writes it: 181658 as [h]:mm:ss is
    50:27:38; 425 as [hhh]:mm is 007:05."""
    sign, units = ("-", -units) if units < 0 else ("", units)
    fields = []
    for _ in range(pattern.count(":")):
        units, rest = divmod(units, 60)
        fields.append(f"{rest:02d}")
    first = str(units).zfill(pattern.index("]") - 1)
    return sign + ":".join([first, *reversed(fields)])


def _decimal_texts(values: pd.Series, column: ColumnSchema) -> pd.Series:
    """A decimal column's values as the input wrote its numbers: in exponent form
    (ColumnSchema.exponent), or written out with its places, digit groups and bare
    fractions; with its decimal mark either way."""
    mark = "," if column.format == "," else "."
    if column.exponent:
        form = column.exponent, column.mantissa_places or 0, column.fixed_places
        return values.map(lambda v: exponent_text(v, *form).replace(".", mark))
    places, fixed, bare = column.decimal_places, column.fixed_places, column.bare_wholes
    text = values.map(lambda v: decimal_text(v, places, fixed=fixed, bare_wholes=bare))
    indian = column.indian_grouping
    text = text.map(lambda v: group_digits(v, column.grouping, mark, indian=indian))
    if column.bare_fractions:
        text = text.str.replace(r"^(-?)0(?=[.,]\d)", r"\1", regex=True)  # 0.25 -> .25
    return text


def with_unit(number: str, number_form: str, negative_form: str | None) -> str:
    """A number's text (`-1,234.5`) as the input wrote it, with its unit (`($1,234.5)`:
    ColumnSchema.number_form and negative_form, `{}` standing for the unsigned number)."""
    if number.startswith("-") and negative_form:
        return negative_form.replace("{}", number[1:])
    return number_form.replace("{}", number)


def decimal_text(
    value: float, places: int | None, *, fixed: bool = False, bare_wholes: bool = False
) -> str:
    """A decimal in its shortest form (`2.5`, not `2.50`), rounded to the input's decimal
    places when they are known: at most that many places (1.75929723552383 with 2:
    `1.76`), a whole number without `.0` when the input wrote none (places 0: `12`),
    and never in exponent form (`0.00001`, not `1e-05`). `fixed` (the input wrote every
    value with `places` places, as amounts of money are): exactly that many (`2.50`).
    `bare_wholes` (the input wrote its whole values without places): `12`, not `12.0`.
    Unknown places: Python's shortest form (`1e-05` included), as before they were
    recorded."""
    if places is None:
        return repr(value)
    rounded = round_places(value, places)
    if fixed:
        return f"{rounded:.{places}f}"
    text = repr(rounded)
    if "e" in text:  # 1e-05, 1.5e+16: written out, with no more places than `places`
        text = f"{rounded:.{places}f}"
        text = text.rstrip("0").rstrip(".") if "." in text else text
    return text.removesuffix(".0") if places == 0 or bare_wholes else text


def exponent_text(value: float, letter: str, places: int, fixed: bool) -> str:
    """`value` in exponent form as the input wrote its numbers (ColumnSchema.exponent):
    `1.5E+03` with letter "E" and 3 mantissa places (`1.500E+03` when `fixed`), `1e-04`
    with "e" and 0. Finite values only reach here; inf and nan keep Python's text."""
    text = f"{value:.{places}{letter}}"
    if fixed or "." not in text:
        return text
    mantissa, _, power = text.partition(letter)
    return f"{mantissa.rstrip('0').rstrip('.')}{letter}{power}"


def round_places(value: float, places: int) -> float:
    """`value` rounded to `places` decimal places as Python rounds (correctly, at any
    size: numpy's round overflows to inf or nan once value x 10**places does), never -0.0
    (the + 0.0: a small negative number rounded to 0 would read `-0.0`)."""
    return round(value, places) + 0.0


def round_significant(value: float, digits: int) -> float:
    """`value` rounded to `digits` significant digits (1427.8405163 with 7: 1427.841;
    123456789.0 with 7: 123456800.0); zero, NaN and infinities as they are."""
    if not math.isfinite(value) or value == 0:
        return value
    return round_places(value, digits - 1 - math.floor(math.log10(abs(value))))


def group_digits(number: str, separator: str | None, mark: str, *, indian: bool = False) -> str:
    """Python's `-1234567.5` as the input wrote its numbers: `-1,234,567.5` (separator
    `,`, mark `.`), `-1.234.567,5` (`.`, `,`), `-1234567,5` (no separator, `,`),
    `-12,34,567.5` (`indian`: lakh and crore). A number in exponent form keeps its form,
    with the mark."""
    if "e" in number or "n" in number or not separator:  # 1e+20, inf, nan; no groups
        return number.replace(".", mark)
    sign = "-" if number.startswith("-") else ""
    whole, point, fraction = number.lstrip("-").partition(".")
    groups = _lakh_groups(whole) if indian else f"{int(whole):,}"
    return f"{sign}{groups.replace(',', separator)}{mark if point else ''}{fraction}"


def _lakh_groups(whole: str) -> str:
    """1234567 as 12,34,567: the last three digits, then groups of two."""
    head, tail = whole[:-3], whole[-3:]
    pairs = []
    while head:
        head, pairs = head[:-2], [head[-2:], *pairs]
    return ",".join([*pairs, tail])


def _naive_utc(values: pd.Series) -> pd.Series:
    """Dates (Python dates from date32) and timestamps (UTC) as naive datetime64."""
    stamps = pd.to_datetime(values.astype(object), utc=True)
    return stamps.dt.tz_localize(None)


def format_datetimes(
    values: pd.Series,
    pattern: str,
    month_case: str | None = None,
    month_names: list[str] | None = None,
    weekday_names: list[str] | None = None,
    year_offset: int = 0,
) -> pd.Series:
    """Datetimes written with a Spark datetime pattern (`dd/MM/yyyy`, `yyyy-MM-dd'T'HH:mm:ss'Z'`,
    `d.M.yyyy HH:mm`, `dd-MMM-yy`, `M/d/yyyy h:mm:ss a`, `d 'de' MMMM 'de' yyyy`, ...): the
    letters y, M (MMM and MMMM: `month_names`, January first, or English month names,
    cased by `month_case`), Q (the quarter), Y and w (an ISO week's year and week), d, H,
    h and a (a 12-hour clock, AM and PM cased by `month_case`), m, s, S (fraction), x
    (offset, +00, +0000 or +00:00 since values are UTC) and E (EEE and EEEE: the weekday,
    `weekday_names`, Monday first, or English's); quoted text is literal. Any other
    letter falls back to ISO 8601. Years are written `year_offset` later (the Buddhist
    Era's 543: ColumnSchema.year_offset)."""
    parts = _render_parts(pattern)
    if parts is None:
        iso = _ISO_TIMESTAMP if _has_time(pattern) else _ISO_DATE
        return format_datetimes(values, iso, year_offset=year_offset)
    out = pd.Series([""] * len(values), index=values.index, dtype=object)
    for kind, token in parts:
        text = (
            token
            if kind == "literal"
            else _field(values, token, month_names, weekday_names, year_offset)
        )
        if kind == "field" and token.startswith(("MMM", "a")) and month_case:
            text = text.str.upper() if month_case == "upper" else text.str.lower()
        out = out + text
    return out


def _render_parts(pattern: str) -> list[tuple[str, str]] | None:
    parts = []
    for match in _TOKEN.finditer(pattern):
        token = match.group(0)
        if token.startswith("'"):
            parts.append(("literal", token[1:-1] if token != "''" else "'"))
        elif token[0].isascii() and token[0].isalpha():  # 年, 월: literal text
            if token[0] not in "yYMQwdHhmsSxaE" or (token[0] in "ME" and len(token) > 4):
                return None
            parts.append(("field", token))
        else:
            parts.append(("literal", token))
    return parts


def _has_time(pattern: str) -> bool:
    return any(letter in pattern for letter in "HhmsS")


def _field(
    values: pd.Series,
    token: str,
    month_names: list[str] | None = None,
    weekday_names: list[str] | None = None,
    year_offset: int = 0,
) -> pd.Series:
    letter, width = token[0], len(token)
    dt = values.dt
    if letter == "y":
        years = (dt.year + year_offset).astype(str)
        return years.str[-2:] if width == 2 else years.str.zfill(width)
    if letter == "Q":  # the quarter, 1 to 4 (2024Q1)
        return ((dt.month - 1) // 3 + 1).astype(str).str.zfill(width)
    if letter in "Yw":  # an ISO week's year and week (2024-W05)
        iso = dt.isocalendar()["year" if letter == "Y" else "week"]
        return iso.astype("Int64").astype(str).str.zfill(width)
    if letter == "S":
        micros = dt.microsecond.astype(str).str.zfill(6) + "000"
        return micros.str[:width]
    if letter == "x":  # values are UTC: +00, +0000, +00:00
        offset = {1: "+00", 2: "+0000"}.get(width, "+00:00")
        return pd.Series([offset] * len(values), index=values.index)
    if letter == "h":  # a 12-hour clock: 12, 1, ... 11
        return ((dt.hour + 11) % 12 + 1).astype(str).str.zfill(width)
    if letter == "a":
        return dt.hour.map(lambda hour: "AM" if hour < 12 else "PM")
    if letter == "E":  # Tue, Tuesday, mardi, Di.: as Prepare read them
        english = WEEKDAY_NAMES_BY_LANGUAGE["en"]
        days = weekday_names or (english if width == 4 else [n[:3] for n in english])
        return dt.dayofweek.map(lambda day: days[day])
    if letter == "M" and width >= 3:  # Mar, March, mars, janv.: as Prepare read them
        names = month_names or (MONTH_NAMES if width == 4 else [n[:3] for n in MONTH_NAMES])
        return dt.month.map(lambda month: names[month - 1])
    number = {"M": dt.month, "d": dt.day, "H": dt.hour, "m": dt.minute, "s": dt.second}[letter]
    return number.astype(str).str.zfill(width)
