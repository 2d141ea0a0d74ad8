"""The published CSV reads like the input: each odd input of the validation catalogue
goes through validation, Prepare and the CSV writer of generate, and comes back with its
header, column order, delimiter, spellings, integer text and date formats.

The cleaned rows stand in for synthetic rows (generate writes its sampled rows through
the same `csv_bytes`), so every cell can be compared with the input's own text.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import math
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from synthpipe.column_functions import applied
from synthpipe.dataset_config import DatasetConfig
from synthpipe.generate import generate
from synthpipe.layout import RunLayout
from synthpipe.prepare import CsvDialect, prepare
from synthpipe.prepare._patterns import MISSING_WORDS
from synthpipe.roundtrip import (
    csv_bytes,
    csv_frame,
    decimal_text,
    exponent_text,
    format_datetimes,
    group_digits,
    neutralise_cell,
)
from synthpipe.schema import NULL_TOKENS, ColumnSchema, DatasetSchema
from synthpipe.train import contract
from synthpipe.train.engines import argn_installed
from synthpipe.validate import is_blank, validate_file
from tests.odd_inputs import ODD_INPUTS
from tests.test_engines import ARGN_FAST
from tests.test_generate import FAST

pytestmark = pytest.mark.slow


def records(text: str, delimiter: str) -> list[list[str]]:
    """The records, without blank lines and DOS's end-of-file mark (validate.is_blank)."""
    lines = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return [fields for fields in lines if not is_blank(fields)]


def cleaned_cell(text: str) -> str:
    """What Prepare makes of a cell: trimmed, one pair of wrapping quotes removed, null
    tokens empty; Spark's multi-line reader gives a line break inside a cell as LF."""
    text = text.strip().replace("\r\n", "\n")
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1].strip()
    return "" if text.lower() in NULL_TOKENS else text


def without_excel_text(text: str) -> str:
    """The text between the quotes of Excel's text formula ="0123" (_patterns.EXCEL_TEXT)."""
    found = re.fullmatch(r'="([^"]*)"', text)
    return found.group(1) if found else text


def is_missing_mark(text: str) -> bool:
    """_patterns.MISSING_MARK and MISSING_WORDS, in Python."""
    error = re.fullmatch(r"#[A-Z][A-Z0-9/_.]{1,12}[!?]?", text)
    marks = 0 < len(text) <= 8 and not any(c.isalnum() for c in text)
    return bool(error) or marks or text.lower() in MISSING_WORDS


def decimal_places(text: str, mark: str) -> int:
    return len(text.rpartition(mark)[2]) if mark in text else 0


def as_number(text: str, separator: str, grouping: str | None = None) -> float:
    if grouping:
        text = text.replace(grouping, "")
    return float(text.replace(".", "").replace(",", ".") if separator == "," else text)


@pytest.fixture(scope="module")
def round_trips(spark, tmp_path_factory) -> dict:
    """name -> (input records, output records, schema, output bytes, report)."""
    return {
        name: round_trip(spark, content, tmp_path_factory.mktemp(name))
        for name, (content, _) in ODD_INPUTS.items()
    }


def round_trip(spark, content: bytes, root: Path) -> tuple:
    """`content`, uploaded under `root`, through validation, Prepare (without value
    protection) and the CSV writer of generate: (input records, output records, schema,
    output bytes, validation's report). A refused input raises InputRefused. Also run on
    real tables by benchmarks/roundtrip_sweep.py."""
    raw = root / "raw" / "ds" / "input.csv"
    raw.parent.mkdir(parents=True)
    raw.write_bytes(content)
    report = validate_file(raw)
    layout = RunLayout(str(root), "ds", "run1")
    schema = prepare(
        spark,
        source=str(raw),
        dialect=CsvDialect.from_report(report),
        layout=layout,
        config=DatasetConfig(),
        protect=False,
    )
    written = csv_bytes(pq.read_table(layout.cleaned_data), schema)
    # Both read the same way: the output is in the input's encoding, and its first line
    # is Excel's separator line where the input's was.
    source = records(content.decode(report.encoding), report.delimiter)
    result = records(written.decode(report.encoding), report.delimiter)
    if report.separator_line:
        assert result[0] == source[0]
        source, result = source[1:], result[1:]
    return source, result, schema, written, report


@pytest.mark.parametrize("name", sorted(ODD_INPUTS))
def test_header_order_and_delimiter_are_the_inputs(round_trips, name):
    source, result, _, written, report = round_trips[name]
    # Unnamed fields that end every line (a trailing delimiter, a spreadsheet's empty
    # columns past the table) are not written again.
    header = [cleaned_cell(h) for h in source[0]]
    header = header[: len(header) - report.trailing_fields] if not header[-1] else header
    assert result[0] == header
    assert len(result) == len(source)
    # Every row as wide as the header; one wider where the header has no name for the
    # row names (R's write.table).
    width = len(header) + report.unnamed_row_names
    assert all(len(row) == width for row in result[1:])
    assert written.startswith(b"\xef\xbb\xbf") == (report.encoding == "utf-8-sig")
    assert written.startswith(codecs.BOM_UTF16_LE) == (report.encoding == "utf-16")


@pytest.mark.parametrize("name", sorted(ODD_INPUTS))
def test_every_cell_reads_as_the_input_wrote_it(round_trips, name):
    source, result, schema, _, _ = round_trips[name]
    for position, column in enumerate(schema.columns):
        for line, (before, after) in enumerate(zip(source[1:], result[1:], strict=True), 2):
            where = f"{name}: column {position + 1}, line {line}: {before[position]!r}"
            same = reads_as_written(column, before[position], after[position], schema, before)
            assert same, where


def reads_as_written(
    column: ColumnSchema, before: str, got: str, schema: DatasetSchema, row: list[str]
) -> bool:
    """Whether a published cell reads as the input's cell `before` did: categories,
    booleans, integers and dates as written; decimals by value, with no more decimal
    places than the input's (12. comes back as 12), and as written where every value
    had the same places or a whole value had none; cells of a column Prepare dropped
    hold missing values; a missing value is written as the input wrote them all, or
    empty; a function of another column (`row`: the input's row) as that function of its
    source's value. Also run on real tables by benchmarks/roundtrip_sweep.py."""
    if column.copy_of:  # written as the column it repeats
        column = schema.column(column.copy_of)
    if column.sum_of:  # written as the sum of the real parts it was read beside
        column = replace(column, role="feature")
    expected = without_excel_text(cleaned_cell(before))
    if column.function_of or column.product_of or column.ratio_of:
        return is_written_from(got, column, schema, row)
    if column.derived_from:  # a part of the real date it was read beside
        return got == expected
    if column.missing_marks and is_missing_mark(expected):
        expected = ""  # read as missing, written as every missing value is
    if column.sequence_start is not None:
        # The rows numbered again (the inputs here are in order), or numbered where the
        # input named them.
        return got == expected if expected.isdigit() else got.isdigit()
    if not expected or column.role == "dropped":
        return got == schema.null_token
    if column.excel_text and expected:
        if got != f'="{without_excel_text(got)}"':
            return False  # as the input wrote it
        got = without_excel_text(got)
    mark, groups = column.format, column.grouping
    if column.type == "decimal" and column.exponent:
        shape = rf"-?\d+([{re.escape(mark or '.')}]\d+)?{column.exponent}[+-]\d{{2,}}"
        same = as_number(got, mark) == as_number(expected, mark)
        return same and re.fullmatch(shape, got) is not None  # the input's letter and mark
    if column.type == "decimal" and column.fixed_places:
        return got == expected  # every input value had the same places
    whole = bool(expected) and (mark or ".") not in expected and not re.search("[eE]", expected)
    if column.type == "decimal" and column.bare_wholes and whole:
        return got == expected  # a whole value written without places
    if column.type == "decimal" and expected:
        places = column.decimal_places
        same = as_number(got, mark, groups) == as_number(expected, mark, groups)
        return same and places is not None and decimal_places(got, mark or ".") <= places
    if column.type in ("categorical", "text"):
        return got == neutralise_cell(expected)
    return got == expected


def is_written_from(got: str, column: ColumnSchema, schema: DatasetSchema, row: list[str]) -> bool:
    """A function's, product's or ratio's cell holds that of its sources' values in the
    row (their input text, which the cleaned row holds), rounded to the column's places,
    or nothing where it has no value there (a source missing, the log of 0, a ratio to
    0)."""
    names = [column.function_of] if column.function_of else column.product_of or column.ratio_of
    values = []
    for name in names or ():
        source = schema.column(str(name))
        text = cleaned_cell(row[schema.columns.index(source)])
        values.append(written_number(text, source) if text else math.nan)
    if column.function_of:
        result = applied(str(column.function), np.array(values), column.coefficients)[0]
    elif column.product_of:
        result = values[0] * values[1]
    else:
        result = values[0] / values[1] if values[1] else math.nan
    if math.isnan(result):
        return got == schema.null_token
    if column.type == "integer" or (column.decimal_places is None and not column.exponent):
        return got == str(round(result))
    if column.exponent:  # its last place is the mantissa's
        unit = 10.0 ** (math.floor(math.log10(abs(result))) - (column.mantissa_places or 0))
    else:
        unit = 10.0 ** -(column.decimal_places or 0)
    digits = re.sub(r"[^\d.,]", "", got)  # without a unit or a sign
    places = column.exponent or decimal_places(digits, column.format or ".") <= unit_places(column)
    return abs(written_number(got, column) - result) <= unit / 2 + 1e-9 * abs(result) and places


def unit_places(column: ColumnSchema) -> int:
    return column.decimal_places or 0


def written_number(text: str, column: ColumnSchema) -> float:
    """A number cell's value, read without the column's unit (`$-1,03`, `(1.234,50 €)`)."""
    for form, sign in ((column.negative_form, -1), (column.number_form, 1)):
        if form:
            found = re.fullmatch(re.escape(form).replace(re.escape("{}"), "(.+)"), text)
            if found:
                return sign * as_number(found.group(1), column.format or ".", column.grouping)
    return as_number(text, column.format or ".", column.grouping)


def test_typed_vocabularies_keep_their_spellings_and_formats(round_trips):
    _, result, schema, _, _ = round_trips["typed_vocabularies"]
    types = {c.original_name: (c.type, c.role) for c in schema.columns}
    assert types["Aktiv"] == ("boolean", "feature")
    assert schema.column("aktiv").true_false == ["yes", "no"]
    assert schema.column("flag").true_false == ["Y", "N"]
    assert schema.column("paid").true_false == ["TRUE", "FALSE"]
    assert types["Ja/Nein"] == ("categorical", "feature")  # kept as written
    assert types["Count"] == ("integer", "feature")
    assert schema.column("eroffnet").text_format == "dd.MM.yyyy"
    assert schema.column("stamp").text_format == "yyyy-MM-dd'T'HH:mm:ss'Z'"
    assert types["Kunde Nr"][1] == "dropped"  # a numbered key: dropped, its column empty
    assert schema.null_token == "NA"  # every missing value is written NA
    counts = [row[6] for row in result[1:]]
    assert "NA" in counts and not any("." in c for c in counts)


def test_a_dates_parts_are_written_from_the_date_and_not_modelled(round_trips):
    _, _, schema, _, _ = round_trips["date_parts"]
    parts = {c.name: (c.derived_from, c.text_format, c.month_case) for c in schema.columns}
    assert parts["year"] == ("order_date", "yyyy", None)
    assert parts["mon"] == ("order_date", "MMM", "upper")
    assert parts["month_name"] == ("order_date", "MMMM", None)
    assert parts["quarter"] == ("order_date", "'Q'Q", None)
    assert parts["day"] == ("order_date", "dd", None)
    assert parts["weekday"] == ("order_date", "EEE", None)
    assert parts["hour"] == ("shipped", "H", None)
    assert parts["period"] == ("order_date", "yyyy-MM", None)  # its own written form
    assert parts["week"] == ("order_date", "YYYY-'W'ww", None)
    # No part: a fiscal year, a month missing where its date is not, the month after the
    # date's, the dates, amounts.
    for name in ("fiscal_year", "month_no", "billed", "order_date", "shipped", "amount"):
        assert parts[name][0] is None, name
        assert schema.column(name).role == "feature", name
    assert all(schema.column(n).role == "dropped" for n, p in parts.items() if p[0])


def test_a_total_beside_its_parts_is_written_as_their_sum(round_trips):
    _, result, schema, _, _ = round_trips["totals"]
    sums = {c.name: c.sum_of for c in schema.columns if c.sum_of}
    assert sums == {
        "payment": ["principal", "interest"],
        "balance_before": ["amount", "balance_after"],  # a difference is a sum
        "visits": ["visits_a", "visits_b"],  # missing where a part is
    }
    assert all(schema.column(n).role == "dropped" for n in sums)
    assert schema.column("fees").role == "feature"  # off by one on one row
    assert schema.column("payment").fixed_places  # 12.50 stays 12.50
    assert "202.90" in [row[2] for row in result[1:]]


def test_functions_of_a_number_beside_it_are_written_from_it(round_trips):
    source, result, schema, _, _ = round_trips["functions"]
    functions = {c.name: (c.function_of, c.function) for c in schema.columns if c.function_of}
    assert functions == {
        "log_income": ("income", "log"),
        "lincome32": ("income", "log"),  # float32's digits
        "years_sq": ("years", "square"),
        "z": ("score", "linear"),
        "height_in": ("height_cm", "linear"),
        "log_debt": ("debt", "log"),  # missing where the debt is 0
    }
    assert all(schema.column(n).role == "dropped" for n in functions)
    assert schema.column("z").coefficients == pytest.approx([0.1, -5.0])
    assert schema.column("height_in").coefficients[0] == pytest.approx(1 / 2.54, rel=1e-3)
    # No function: a square off by one on one row; a flag of two values times four.
    for name in ("years_sq_off", "flag", "flag4", "income", "years", "score", "debt"):
        assert schema.column(name).role == "feature", name
    # From the real sources, each reads as the input wrote it (7.1000 keeps its places);
    # a fitted line to one unit of its last place.
    for name in ("log_income", "years_sq", "z", "log_debt"):
        k = source[0].index(name)
        assert [row[k] for row in result] == [row[k] for row in source], name
    k = source[0].index("height_in")
    assert all(
        abs(float(a[k]) - float(b[k])) < 0.11 for a, b in zip(source[1:], result[1:], strict=True)
    )


def test_an_amount_beside_its_quantity_and_price_is_written_as_their_product(round_trips):
    source, result, schema, _, _ = round_trips["products"]
    written = {c.name: (c.product_of, c.ratio_of) for c in schema.columns if c.role == "dropped"}
    assert written == {
        "amount": (["quantity", "unit_price"], None),
        "ratio": (None, ["males", "females"]),
        "per_visit": (None, ["spend", "visits"]),  # missing where there was no visit
        "rate": (None, ["earnings", "hours"]),
        "log_rate": (None, None),  # the log of the rate: written from the rate's values
    }
    assert schema.column("log_rate").function_of == "rate"
    assert schema.column("amount_off").role == "feature"  # 5 cents off on one row
    for name in ("amount", "ratio", "per_visit", "rate", "log_rate"):  # from the real rows
        k = source[0].index(name)
        assert [row[k] for row in result] == [row[k] for row in source], name


def test_a_product_and_a_ratio_are_written_from_each_synthetic_row():
    operands = [ColumnSchema(original_name=n, name=n, type="integer") for n in ("a", "b")]
    written = [
        ColumnSchema(
            original_name=title,
            name=title.lower(),
            type=kind,
            role="dropped",
            decimal_places=places,
            **{field: ["a", "b"]},
        )
        for title, kind, field, places in (
            ("Product", "integer", "product_of", None),
            ("Ratio", "decimal", "ratio_of", 2),
        )
    ]
    log = ColumnSchema(
        original_name="Log",
        name="log",
        type="decimal",
        role="dropped",
        function_of="ratio",  # a function of a column written from others
        function="log",
        decimal_places=3,
    )
    schema = DatasetSchema(dataset="ds", run_id="r", columns=[*operands, *written, log])
    table = pa.table({"a": [7, None, 5, 0], "b": [3, 2, 0, 4]})
    assert csv_frame(table, schema).to_dict("list") == {
        "a": ["7", "", "5", "0"],
        "b": ["3", "2", "0", "4"],
        "Product": ["21", "", "0", "0"],
        "Ratio": ["2.33", "", "", "0.0"],  # no ratio to 0
        "Log": ["0.847", "", "", ""],  # no log of 0
    }


def test_a_function_is_written_from_each_synthetic_value():
    source = ColumnSchema(original_name="x", name="x", type="decimal", decimal_places=2)
    functions = [
        ColumnSchema(
            original_name=name,
            name=name,
            type=kind,
            role="dropped",
            function_of="x",
            function=function,
            coefficients=coefficients,
            decimal_places=places,
        )
        for name, kind, function, coefficients, places in (
            ("log_x", "decimal", "log", None, 3),
            ("x_sq", "integer", "square", None, None),
            ("z", "decimal", "linear", [0.5, -1.0], 2),
        )
    ]
    schema = DatasetSchema(dataset="ds", run_id="r", columns=[source, *functions])
    table = pa.table({"x": [1.0, None, 0.0, 3.3]})
    assert csv_frame(table, schema).to_dict("list") == {
        "x": ["1.0", "", "0.0", "3.3"],
        "log_x": ["0.0", "", "", "1.194"],  # no log of 0: missing, as the input had it
        "x_sq": ["1", "", "0", "11"],  # whole numbers, rounded
        "z": ["-0.5", "", "-1.0", "0.65"],
    }


def test_a_function_names_one_that_generate_can_write():
    with pytest.raises(ValueError, match="unknown function"):
        ColumnSchema(original_name="y", name="y", type="decimal", function_of="x", function="cube")
    with pytest.raises(ValueError, match="slope and an intercept"):
        ColumnSchema(
            original_name="y", name="y", type="decimal", function_of="x", function="linear"
        )


def test_a_sum_is_written_from_each_synthetic_row():
    parts = [
        ColumnSchema(original_name=n, name=n, type="decimal", decimal_places=2) for n in ("a", "b")
    ]
    total = ColumnSchema(
        original_name="Total",
        name="total",
        type="decimal",
        role="dropped",
        sum_of=["a", "b"],
        decimal_places=2,
        fixed_places=True,
        number_form="${}",
    )
    schema = DatasetSchema(dataset="ds", run_id="r", columns=[*parts, total])
    table = pa.table({"a": [1.25, None, 0.1], "b": [2.0, 3.0, 0.2]})
    assert csv_frame(table, schema)["Total"].tolist() == ["$3.25", "", "$0.30"]


def test_a_part_is_written_from_each_synthetic_date():
    date = ColumnSchema(original_name="Date", name="date", type="date")
    parts = [
        ColumnSchema(
            original_name=name,
            name=name.lower(),
            type=kind,
            role="dropped",
            derived_from="date",
            text_format=pattern,
            month_case=case,
        )
        for name, kind, pattern, case in (
            ("Year", "integer", "yyyy", None),
            ("Mon", "categorical", "MMM", "lower"),
            ("Qtr", "categorical", "'Q'Q", None),
        )
    ]
    schema = DatasetSchema(dataset="ds", run_id="r", columns=[date, *parts], null_token="NA")
    days = [dt.date(1999, 12, 31), None, dt.date(2024, 2, 29)]
    frame = csv_frame(pa.table({"date": pa.array(days, pa.date32())}), schema)
    assert frame.to_dict("list") == {
        "Date": ["1999-12-31", "NA", "2024-02-29"],
        "Year": ["1999", "NA", "2024"],
        "Mon": ["dec", "NA", "feb"],
        "Qtr": ["Q4", "NA", "Q1"],
    }


def test_lakh_and_crore_come_back_as_india_writes_them(round_trips):
    source, result, schema, _, _ = round_trips["digit_groups_in"]
    for name in ("balance_inr", "credit_limit"):
        column = schema.column(name)
        assert (column.grouping, column.indian_grouping) == (",", True), name
    assert [row[2] for row in result[1:]] == [row[2] for row in source[1:]]
    assert [row[1] for row in result[1:]] == [row[1] for row in source[1:]]


@pytest.mark.parametrize(
    ("number", "indian", "text"),
    [
        ("-98765432.25", True, "-9,87,65,432.25"),
        ("100000", True, "1,00,000"),
        ("12345", True, "12,345"),
        ("999", True, "999"),
        ("-98765432.25", False, "-98,765,432.25"),
    ],
)
def test_digit_groups_in_thousands_or_in_lakhs(number, indian, text):
    assert group_digits(number, ",", ".", indian=indian) == text


def test_times_of_day_come_back_without_a_date(round_trips):
    source, result, schema, _, _ = round_trips["times_of_day"]
    assert schema.column("buchungszeit").text_format == "HH:mm:ss"
    assert schema.column("beginn").text_format == "H:mm"
    assert [row[:2] + row[3:] for row in result[1:]] == [row[:2] + row[3:] for row in source[1:]]


def test_missing_value_marks_are_missing_and_come_back_empty(round_trips):
    source, result, schema, _, _ = round_trips["missing_value_marks"]
    found = {c.name: (c.type, c.missing_marks) for c in schema.columns}
    assert found["income"] == ("decimal", 6)
    assert found["visited"] == ("date", 4)
    assert found["ratio"] == ("decimal", 5)
    assert found["count"][1] == 3
    assert found["rating"] == ("categorical", 0)
    assert [row[0] for row in result[1:]].count("") == 6
    assert [row[4] for row in result[1:]] == [row[4] for row in source[1:]]


def test_a_far_date_standing_for_none_is_written_back(round_trips):
    _, result, schema, _, _ = round_trips["open_ended_dates"]
    column = schema.column("valid_to")
    assert (column.type, column.null_text, column.text_format) == (
        "date",
        "31.12.9999",
        "dd.MM.yyyy",
    )
    assert column.null_count == 20  # the cleaned data holds nulls there
    assert sum(row[2] == "31.12.9999" for row in result[1:]) == 20


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "digit_groups_us",
            {
                "account_balance": ("decimal", ".", ","),
                "units": ("integer", None, ","),
                "rate": ("decimal", ".", None),
            },
        ),
        (
            "digit_groups_eu",
            {
                "saldo": ("decimal", ",", "."),
                "stuck": ("integer", None, "."),
                "montant": ("decimal", ",", "\u00a0"),
            },
        ),
    ],
)
def test_numbers_with_digit_groups_are_numbers_written_as_the_input_wrote_them(
    round_trips, name, expected
):
    source, result, schema, _, _ = round_trips[name]
    found = {c.name: (c.type, c.format, c.grouping) for c in schema.columns}
    assert found == expected
    # Whole numbers come back exactly as written, groups included (1,543; 1.543.001).
    units = 1
    assert [row[units] for row in result[1:]] == [row[units] for row in source[1:]]


def test_spreadsheet_datetimes_and_year_first_dates_are_typed_and_written_back(round_trips):
    _, _, schema, _, _ = round_trips["spreadsheet_datetimes"]
    found = {c.name: (c.type, c.format, c.text_format) for c in schema.columns}
    assert found["gebucht"] == ("timestamp", "d.M.yyyy H:mm", "dd.MM.yyyy HH:mm")
    assert found["uhrzeit_us"] == ("timestamp", "M/d/yyyy H:mm:ss", "M/d/yyyy H:mm:ss")
    assert found["datum_jp"] == ("date", "yyyy/M/d", "yyyy/MM/dd")
    assert found["datum_hu"] == ("date", "yyyy.M.d", "yyyy.M.d")


def test_named_dates_and_two_digit_years_are_dates_written_as_before(round_trips):
    """Each cell reads as written (test_every_cell_reads_as_the_input_wrote_it): as dates."""
    _, _, schema, _, _ = round_trips["named_dates"]
    assert {c.name: (c.type, c.text_format, c.month_case) for c in schema.columns} == {
        "opened": ("date", "dd-MMM-yyyy", None),
        "closed": ("date", "MMM d, yyyy", None),
        "due": ("date", "dd.MM.yy", None),
        "signed": ("date", "d MMMM yyyy", None),
        "valid": ("date", "dd-MMM-yy", None),
        "booked": ("date", "dd-MMM-yy", "upper"),  # Oracle's DD-MON-RR
        "settled": ("date", "ddMMMyyyy", "upper"),  # SAS's DATE9.
        "posted": ("timestamp", "ddMMMyyyy:HH:mm:ss", "upper"),  # SAS's DATETIME20.
    }


def test_other_languages_month_names_are_dates_written_in_their_language(round_trips):
    """Each cell reads as written (test_every_cell_reads_as_the_input_wrote_it): as dates."""
    _, result, schema, _, _ = round_trips["other_language_dates"]
    found = {c.name: (c.type, c.text_format, c.month_language) for c in schema.columns}
    assert found == {
        "date_fr": ("date", "d MMMM yyyy", "fr"),
        "datum": ("date", "dd. MMMM yyyy", "de"),
        "fecha": ("date", "d 'de' MMMM 'de' yyyy", "es"),
        "data": ("date", "d MMMM yyyy", "it"),
        "datum_nl": ("date", "d MMMM yyyy", "nl"),
        "data_pt": ("date", "d 'de' MMMM 'de' yyyy", "pt"),
        "fecha_titulo": ("date", "d 'de' MMMM 'de' yyyy", "es"),
        "date_maj": ("date", "d MMMM yyyy", "fr"),
        "gemischt": ("categorical", None, None),  # French and German: text
        "date_courte": ("date", "d MMM yyyy", "fr"),
        "datum_kort": ("date", "dd MMM yyyy", "nl"),
        "fecha_excel": ("date", "dd-MMM-yy", "es"),
        "montant": ("decimal", None, None),
    }
    assert result[2][:3] == ["3 mars 2024", "03. März 2025", "3 de marzo de 2023"]
    names = {c.name: c.month_names for c in schema.columns}
    assert names["fecha_titulo"][:2] == ["Enero", "Febrero"]
    assert names["date_maj"][2] == "MARS"
    # March, which the abbreviated columns lack, is written as each language abbreviates it.
    assert [names[n][2] for n in ("date_courte", "datum_kort", "fecha_excel")] == [
        "mars",
        "mrt",
        "mar",
    ]


def test_dates_written_as_one_number_are_dates_written_so_again(round_trips):
    """Each cell reads as written (test_every_cell_reads_as_the_input_wrote_it)."""
    _, result, schema, _, _ = round_trips["compact_dates"]
    found = {c.name: (c.type, c.text_format, c.null_text) for c in schema.columns}
    assert found == {
        "booked": ("date", "yyyyMMdd", None),
        "trade_date": ("date", "yyMMdd", None),
        "stamp": ("timestamp", "yyyyMMddHHmmss", None),
        "konto": ("integer", None, None),
        "batch": ("integer", None, None),  # 6 digits that read as dates, under no date's name
        "valid_to": ("date", "yyyyMMdd", "99991231"),  # "open-ended", on ten rows
        "ends": ("integer", None, None),  # 99991231 on one row: a number, as before
    }
    assert result[5][1] == "050606"  # a leading zero, 2005, kept


def test_integer_column_with_nulls_is_written_without_a_decimal_point(round_trips):
    _, result, _, _, _ = round_trips["typed_vocabularies"]
    assert [row[6] for row in result[1:8]] == ["1", "2", "3", "4", "5", "6", "NA"]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("dd/MM/yyyy", "05/01/2024"),
        ("d/M/yyyy", "5/1/2024"),
        ("yyyy-MM-dd'T'HH:mm:ss'Z'", "2024-01-05T07:08:09Z"),
        ("yyyy-MM-dd HH:mm:ss.SSS", "2024-01-05 07:08:09.120"),
        ("yyyy-MM-dd'T'HH:mmxxx", "2024-01-05T07:08+00:00"),
        ("dd-MMM-yy", "05-Jan-24"),  # English month names, as Prepare reads them
        ("MMMM d, yyyy", "January 5, 2024"),
        ("EEE, dd MMM yyyy", "Fri, 05 Jan 2024"),  # a weekday, as Prepare reads it
        ("yyyy.DDD", "2024-01-05"),  # a day of the year is not rendered: ISO instead
    ],
)
def test_datetime_patterns(pattern, expected):
    values = pd.Series(pd.to_datetime(["2024-01-05 07:08:09.12"]))
    assert format_datetimes(values, pattern).tolist() == [expected]


def test_a_12_hour_clock_writes_midnight_and_noon_as_12():
    values = pd.Series(
        pd.to_datetime(["2024-01-05 00:05:09", "2024-01-05 12:00:00", "2024-01-05 13:07:00"])
    )
    assert format_datetimes(values, "M/d/yyyy h:mm:ss a").tolist() == [
        "1/5/2024 12:05:09 AM",
        "1/5/2024 12:00:00 PM",
        "1/5/2024 1:07:00 PM",
    ]
    assert format_datetimes(values[2:], "hh:mm a", "lower").tolist() == ["01:07 pm"]


def test_dates_after_a_weekday_are_dates_written_with_their_weekday(round_trips):
    """Each cell reads as written (test_every_cell_reads_as_the_input_wrote_it): as dates
    and timestamps, the weekday written again from the date, in the column's language."""
    source, result, schema, _, _ = round_trips["weekday_dates"]
    found = {c.name: (c.type, c.text_format) for c in schema.columns}
    assert found == {
        "long_date": ("date", "EEEE, MMMM d, yyyy"),
        "sent": ("date", "EEE, dd MMM yyyy"),
        "logged": ("timestamp", "EEE MM/dd/yyyy HH:mm"),
        "posted": ("date", "EEE, dd-MMM-yyyy"),
        "datum": ("date", "EEEE, d. MMMM yyyy"),
        "date_longue": ("date", "EEEE d MMMM yyyy"),
        "fecha": ("date", "EEE dd/MM/yyyy"),
        "n": ("integer", None),
    }
    assert schema.column("fecha").weekday_names[2] == "mié"
    assert schema.column("posted").weekday_names[0] == "MON"
    assert [row[:7] for row in result[1:]] == [row[:7] for row in source[1:]]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (  # e-mail's, HTTP's and feeds' timestamps: dropped as addresses before
            "internet_timestamps",
            {
                "received": ("timestamp", "feature", "EEE, dd MMM yyyy HH:mm:ss xx"),
                "last_modified": ("timestamp", "feature", "EEE, dd MMM yyyy HH:mm:ss 'GMT'"),
                "pub_date": ("timestamp", "feature", "d MMM yyyy HH:mm:ss xx"),
                "n": ("integer", "feature", None),
            },
        ),
        (  # databases' zones: dropped as keys (text, one value per row) before
            "database_timestamps",
            {
                "bigquery": ("timestamp", "feature", "yyyy-MM-dd HH:mm:ss 'UTC'"),
                "postgres": ("timestamp", "feature", "yyyy-MM-dd HH:mm:ssx"),
                "sqlserver": ("timestamp", "feature", "yyyy-MM-dd HH:mm:ss.SSSSSSS xxx"),
                "java": ("timestamp", "feature", "yyyy-MM-dd'T'HH:mm:ss.SSSxx"),
                "oracle": ("timestamp", "feature", "dd-MMM-yy hh.mm.ss.SSSSSS a"),
                "n": ("integer", "feature", None),
            },
        ),
        (  # a named date, then a time
            "dates_with_times",
            {
                "opened": ("timestamp", "feature", "dd MMM yyyy HH:mm"),
                "closed": ("timestamp", "feature", "dd-MMM-yyyy HH:mm:ss"),
                "reported": ("timestamp", "feature", "MMM dd, yyyy hh:mm a"),
                "resolved": ("timestamp", "feature", "MMMM d, yyyy, hh:mm a"),
                "mixed": ("categorical", "dropped", None),  # one value per row: a key
                "n": ("integer", "feature", None),
            },
        ),
        (  # months and quarters without a day: text before, a series' one dropped as a key
            "month_periods",
            {
                "ym_iso": ("date", "feature", "yyyy-MM"),
                "ym_slash": ("date", "feature", "MM/yyyy"),
                "mon_year": ("date", "feature", "MMM yyyy"),
                "mon_year_sas": ("date", "feature", "MMMyyyy"),
                "month_year": ("date", "feature", "MMMM yyyy"),
                "ym_eurostat": ("date", "feature", "yyyy'M'MM"),
                "mon_yy": ("date", "feature", "MMM-yy"),
                "mon_yy_sas": ("date", "feature", "MMMyy"),
                "fiscal": ("categorical", "feature", None),  # 2011-12: no December
                "quarter": ("date", "feature", "yyyy'Q'Q"),
                "quarter_dash": ("date", "feature", "yyyy-'Q'Q"),
                "quarter_first": ("date", "feature", "'Q'Q yyyy"),
                "week_iso": ("date", "feature", "YYYY-'W'ww"),
                "week_basic": ("date", "feature", "YYYY'W'ww"),
                "n": ("integer", "dropped", None),  # the rows' numbers
            },
        ),
        (  # months without a day named in other languages: text before
            "other_language_periods",
            {
                "periode": ("date", "feature", "MMMM yyyy"),
                "monat": ("date", "feature", "MMMM yyyy"),
                "mes": ("date", "feature", "MMMM 'de' yyyy"),
                "mois_court": ("date", "feature", "MMM yyyy"),
                "maand": ("date", "feature", "MMM-yyyy"),
                "mes_excel": ("date", "feature", "MMM-yy"),
                "gemischt": ("categorical", "dropped", None),  # French and German: text
                "n": ("integer", "feature", None),
            },
        ),
        (  # a series' calendar over 30 years: age bands before, taken for births
            "series_calendar",
            {
                "quarter": ("date", "feature", "dd/MM/yyyy"),
                "gdp": ("decimal", "feature", None),
            },
        ),
    ],
)
def test_dates_and_timestamps_are_read_and_written_back_as_they_were(round_trips, name, expected):
    """Each cell reads as written (test_every_cell_reads_as_the_input_wrote_it); here,
    the type, role and written pattern each column is read with."""
    _, _, schema, _, _ = round_trips[name]
    assert {c.name: (c.type, c.role, c.text_format) for c in schema.columns} == expected


def test_months_without_a_day_are_read_in_their_language(round_trips):
    """Each cell reads as written (test_every_cell_reads_as_the_input_wrote_it)."""
    _, result, schema, _, _ = round_trips["other_language_periods"]
    languages = {c.name: c.month_language for c in schema.columns if c.type == "date"}
    assert languages == {
        "periode": "fr",
        "monat": "de",
        "mes": "es",
        "mois_court": "fr",
        "maand": "nl",
        "mes_excel": "es",
    }
    written = ["juin 2019", "Juni 2019", "junio de 2019", "juin 2019", "jun-2019", "jun-19"]
    assert result[1][:6] == written


def test_a_sas_period_keeps_its_capitals(round_trips):
    _, _, schema, _, _ = round_trips["month_periods"]
    assert schema.column("mon_year_sas").month_case == "upper"  # JUN2019
    assert schema.column("mon_yy_sas").month_case == "upper"  # JUN19


def test_a_column_that_repeats_another_is_written_as_its_copy(round_trips):
    """Car's price1 and price2 are one column twice: the model learns one, and the CSV
    writes the other as its copy (each cell reads as written:
    test_every_cell_reads_as_the_input_wrote_it)."""
    _, result, schema, _, _ = round_trips["copied_columns"]
    copies = {c.name: (c.role, c.copy_of) for c in schema.columns}
    assert copies == {
        "price1": ("feature", None),
        "price2": ("dropped", "price1"),
        "paid": ("feature", None),
        "paid_again": ("dropped", "paid"),
        "booked": ("feature", None),
        "booked_too": ("dropped", "booked"),
        "near_copy": ("feature", None),
    }
    assert all(row[0] == row[1] and row[2] == row[3] for row in result[1:])


def test_weekdays_are_written_from_the_date_in_the_columns_spelling():
    values = pd.Series(pd.to_datetime(["2024-03-05 00:00", "2024-03-10 14:30"]))
    assert format_datetimes(values, "EEE, d MMM yyyy").tolist() == [
        "Tue, 5 Mar 2024",
        "Sun, 10 Mar 2024",
    ]
    assert format_datetimes(values, "EEEE HH:mm").tolist() == ["Tuesday 00:00", "Sunday 14:30"]
    german = ["Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa.", "So."]
    assert format_datetimes(values, "EEE d.M.", None, None, german).tolist() == [
        "Di. 5.3.",
        "So. 10.3.",
    ]


def test_cjk_dates_are_dates_written_with_their_characters(round_trips):
    """Each cell reads as written (test_every_cell_reads_as_the_input_wrote_it)."""
    source, result, schema, _, _ = round_trips["cjk_dates"]
    found = [(c.type, c.text_format) for c in schema.columns]
    assert found[:3] == [
        ("date", "yyyy年M月d日"),
        ("date", "yyyy年MM月dd日"),
        ("date", "yyyy년 M월 d일"),
    ]
    assert [row[:3] for row in result] == [row[:3] for row in source]


def test_month_names_are_written_in_the_inputs_case():
    values = pd.Series(pd.to_datetime(["2024-01-05", "2019-03-15"]))
    assert format_datetimes(values, "ddMMMyyyy", "upper").tolist() == ["05JAN2024", "15MAR2019"]
    assert format_datetimes(values, "d MMMM yy", "lower").tolist() == [
        "5 january 24",
        "15 march 19",
    ]
    names = [
        "janv.",
        "févr.",
        "mars",
        "avr.",
        "mai",
        "juin",
        "juil.",
        "août",
        "sept.",
        "oct.",
        "nov.",
        "déc.",
    ]
    assert format_datetimes(values, "d MMM yyyy", None, names).tolist() == [
        "5 janv. 2024",
        "15 mars 2019",
    ]
    # Only the month's name: a literal keeps its case.
    assert format_datetimes(values, "dd-MMM-yy 'Uhr'", "upper").tolist()[0] == "05-JAN-24 Uhr"


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (1.75929723552383, 2, "1.76"),
        (1.75929723552383, None, "1.75929723552383"),  # places unknown: as before
        (12.0, 0, "12"),
        (12.5, 0, "12"),  # round half to even, as Python rounds
        (2.0, 2, "2.0"),
        (-0.001, 2, "0.0"),  # no "-0.0"
        (1e-05, 5, "0.00001"),
        (1.5e16, 2, "15000000000000000"),
    ],
)
def test_decimal_text_keeps_at_most_the_inputs_places(value, places, expected):
    assert decimal_text(value, places) == expected


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (12.5, 2, "12.50"),
        (3.0, 2, "3.00"),
        (1.75929723552383, 2, "1.76"),
        (-0.001, 2, "0.00"),  # no "-0.00"
        (1.5e16, 2, "15000000000000000.00"),
    ],
)
def test_decimal_text_with_fixed_places_writes_every_place(value, places, expected):
    assert decimal_text(value, places, fixed=True) == expected


@pytest.mark.parametrize(
    ("value", "bare", "expected"),
    [
        (12.00001, True, "12"),  # whole once rounded to the input's places
        (12.00001, False, "12.0"),
        (9.93721, True, "9.9372"),
        (-0.00001, True, "0"),  # no "-0"
        (1.5e16, True, "15000000000000000"),
    ],
)
def test_decimal_text_writes_whole_values_bare_as_the_input_did(value, bare, expected):
    assert decimal_text(value, 4, bare_wholes=bare) == expected


@pytest.mark.parametrize(
    ("value", "letter", "places", "fixed", "expected"),
    [
        (1500.0, "E", 3, False, "1.5E+03"),  # at most the input's mantissa places
        (1500.0, "E", 3, True, "1.500E+03"),  # exactly, where every value had them
        (0.000123456, "e", 0, False, "1e-04"),  # R's shortest form, rounded
        (-2.5e-7, "E", 2, False, "-2.5E-07"),
        (1e300, "e", 1, False, "1e+300"),
        (0.0, "E", 2, True, "0.00E+00"),
    ],
)
def test_exponent_text_writes_the_inputs_exponent_form(value, letter, places, fixed, expected):
    assert exponent_text(value, letter, places, fixed) == expected


def test_numbers_with_units_are_numbers_and_keep_their_units(round_trips):
    _, result, schema, _, _ = round_trips["numbers_with_units"]
    found = {
        c.original_name: (c.type, c.number_form, c.negative_form, c.grouping)
        for c in schema.columns
    }
    assert found == {
        "Konto": ("categorical", None, None, None),
        "Saldo": ("decimal", "{} €", "-{} €", "."),
        "Zins": ("decimal", "{}%", "-{}%", None),
        "Bewegung": ("decimal", "{}", "({})", None),
        "Gebühr": ("decimal", "{} EUR", "-{} EUR", None),
        "Betrag USD": ("decimal", "${}", "$-{}", None),
        "Buchung": ("decimal", "{}", "{}-", None),
    }
    assert [result[3][3], result[3][5]] == ["(9,03)", "$-3,03"]


@pytest.mark.parametrize(
    ("name", "column", "exponent", "bare"),
    [
        ("exponent_form", "konzentration", "E", False),
        ("exponent_form", "masse", "e", False),
        ("exponent_form", "anteil", None, False),
        ("bare_fractions", "share", None, True),
        ("bare_fractions", "score", None, False),  # 0.5: written with its zero
        ("bare_fractions_comma", "anteil", None, True),
    ],
)
def test_exponents_and_bare_fractions_are_decimals_in_their_form(
    round_trips, name, column, exponent, bare
):
    found = round_trips[name][2].column(column)
    assert (found.type, found.exponent, found.bare_fractions) == ("decimal", exponent, bare)


def test_a_12_hour_clock_is_a_timestamp_written_back_with_am_and_pm(round_trips):
    schema = round_trips["powershell_12h"][2]
    created, booked = schema.column("created"), schema.column("booked")
    assert (created.type, created.text_format) == ("timestamp", "M/d/yyyy h:mm:ss a")
    assert (created.month_case, booked.month_case) == ("upper", "lower")
    assert (booked.type, booked.text_format) == ("timestamp", "dd/MM/yyyy hh:mm a")
    shift = round_trips["times_of_day"][2].column("shift")
    assert (shift.type, shift.text_format, shift.month_case) == ("timestamp", "h:mm a", "upper")


def test_the_minus_sign_u2212_is_a_negative_number_written_back_so(round_trips):
    _, result, schema, _, _ = round_trips["nordic_minus"]
    found = {c.original_name: (c.type, c.number_form, c.negative_form) for c in schema.columns}
    assert found["Saldo"] == ("decimal", "{}", "\u2212{}")
    assert found["Förändring"] == ("decimal", "{} %", "\u2212{} %")
    assert found["Avgift"] == ("integer", "{} kr", "\u2212{} kr")
    assert schema.column("saldo").grouping == "\u00a0"
    assert result[3][1:] == ["\u22123\u00a0211,03", "\u22123,3 %", "\u22129 kr"]


def test_excel_text_formulas_are_read_as_their_text_and_written_back(round_trips):
    _, result, schema, _, _ = round_trips["excel_text"]
    found = {c.original_name: (c.type, c.excel_text) for c in schema.columns}
    assert found == {
        "store": ("categorical", False),
        "zip": ("categorical", True),  # codes with leading zeros stay text
        "sku": ("categorical", True),
        "qty": ("integer", True),
        "price": ("decimal", True),
        "ref": ("categorical", False),  # some values only: read, not written back
    }
    assert result[1][1:] == ['="00001"', '="000001"', '="2"', '="1.10"', "0001"]
    assert result[2][-1] == "1002"


@pytest.mark.parametrize(("name", "token"), [("r_missing_na", "NA"), ("mysql_null", "\\N")])
def test_missing_values_are_written_as_the_input_wrote_them(round_trips, name, token):
    source, result, schema, _, _ = round_trips[name]
    assert schema.null_token == token
    rows = zip(source[1:], result[1:], strict=True)
    missing = [
        after for s, r in rows for before, after in zip(s, r, strict=True) if before == token
    ]
    assert missing and set(missing) == {token}


@pytest.mark.parametrize("name", sorted(ODD_INPUTS))
def test_only_a_column_that_numbers_the_rows_is_numbered_again(round_trips, name):
    _, _, schema, _, _ = round_trips[name]
    numbered = {c.original_name: c.sequence_start for c in schema.columns if c.sequence_start}
    assert numbered == ({"": 1} if name in _ROW_NAMED else {})


# The odd inputs whose first column holds R's row names.
_ROW_NAMED = ("r_row_names", "r_write_table_row_names", "tab_named_row_names")


@pytest.mark.parametrize("name", _ROW_NAMED)
def test_r_row_names_keep_their_header_and_number_the_rows(round_trips, name, tmp_path):
    """Under a blank name (write.csv) or none (write.table), numbers or car models: the
    header is written as the input's, and the rows are numbered from 1, so that R's
    read.table, which refuses repeated row names, reads the file back."""
    source, result, schema, written, report = round_trips[name]
    column = schema.columns[0]
    assert (column.original_name, column.name, column.role) == ("", "row_names", "dropped")
    assert schema.unnamed_row_names == (name != "r_row_names")
    assert result[0] == source[0]
    assert [row[0] for row in result[1:]] == [str(n) for n in range(1, 31)]
    assert [len(row) for row in result[1:]] == [len(schema.columns)] * 30
    # Read back the way it was read: the same header, the same columns.
    (tmp_path / "again.csv").write_bytes(written)
    again = validate_file(tmp_path / "again.csv")
    assert (again.header, again.unnamed_row_names) == (report.header, report.unnamed_row_names)


def test_money_keeps_its_two_places(round_trips):
    """typed_vocabularies' Betrag is written 1,01 ... 30,30: 10,10 stays 10,10."""
    _, result, schema, _, _ = round_trips["typed_vocabularies"]
    column = schema.column("betrag")
    assert (column.decimal_places, column.fixed_places) == (2, True)
    position = [c.name for c in schema.columns].index("betrag")
    assert "10,10" in [row[position] for row in result[1:]]


# ---------------------------------------------------------------------------------------
# Synthetic rows through the real path: Prepare, training, generate


def german_export(rows: int) -> bytes:
    """A German-locale export: semicolons, decimal commas, digit groups (1.234,56).
    Amounts have two places, weights one to three, and counts none (the config types
    them as decimals)."""
    rng = np.random.default_rng(3)
    lines = ["Kategorie;Betrag;Gewicht;Menge"]
    for i in range(rows):
        amount = f"{rng.lognormal(6, 1.2):,.2f}".translate(str.maketrans(",.", ".,"))
        weight = f"{rng.uniform(0, 20):.{1 + i % 3}f}".replace(".", ",")
        lines.append(f"{'ABC'[i % 3]};{amount};{weight};{rng.integers(1, 500)}")
    return ("\n".join(lines) + "\n").encode()


EXPORT_PLACES = {"kategorie": None, "betrag": 2, "gewicht": 3, "menge": 0}
NO_TARGET = {"target_column": ""}
# Plain TVAE and ARGN learn the places themselves (SDV's enforce_rounding, ARGN's
# precision); under differential privacy both learn them from DP stand-in rows instead,
# which have every place a float has.
ENGINES = {
    "tvae": FAST | NO_TARGET,
    "argn": ARGN_FAST | NO_TARGET | {"engine": "argn"},
    "argn_dp": ARGN_FAST
    | NO_TARGET
    | {"engine": "argn", "dp_epsilon": "8", "argn_dp_epochs": "2", "argn_dp_batch_size": "160"}
    | {"privacy_bar": "0.5"},
}


@pytest.fixture(scope="module")
def german_run(spark, tmp_path_factory) -> RunLayout:
    """The export through validation and Prepare (value protection on, as in a run)."""
    root = tmp_path_factory.mktemp("german")
    raw = root / "raw" / "ds" / "export.csv"
    raw.parent.mkdir(parents=True)
    raw.write_bytes(german_export(600))
    layout = RunLayout(str(root), "ds", "run1")
    prepare(
        spark,
        source=str(raw),
        dialect=CsvDialect.from_report(validate_file(raw)),
        layout=layout,
        config=DatasetConfig.from_dict({"columns": {"menge": {"type": "decimal"}}}),
    )
    return layout


def test_prepare_records_each_decimal_columns_places(german_run):
    schema = DatasetSchema.from_json(Path(german_run.schema_json).read_text("utf-8"))
    found = {c.name: (c.type, c.format, c.grouping, c.decimal_places) for c in schema.columns}
    assert found == {
        "kategorie": ("categorical", None, None, None),
        "betrag": ("decimal", ",", ".", 2),
        "gewicht": ("decimal", ",", None, 3),
        "menge": ("decimal", None, None, 0),
    }


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_synthetic_decimals_keep_the_inputs_places(german_run, engine, tmp_path):
    """At most the input's places in both files, with the input's comma and groups; a
    decimal column written without places comes back as whole numbers, still float64
    in the Parquet."""
    if engine.startswith("argn") and not argn_installed():
        pytest.skip("mostlyai-engine is not installed")
    paths = contract.TrainingPaths(tmp_path / "models")
    paths.set_input(Path(german_run.cleaned), ENGINES[engine])
    assert contract.run(paths.root) == 0, paths.failure.read_text()
    out = tmp_path / "staging"
    generate(model_dir=paths.model_dir, out_dir=str(out), rows=500, seed=1)
    csv = pd.read_csv(out / "synthetic.csv", sep=";", dtype=str, keep_default_na=False)
    written = {
        "Betrag": r"-?\d{1,3}(\.\d{3})*(,\d{1,2})?",
        "Gewicht": r"-?\d+(,\d{1,3})?",
        "Menge": r"-?\d+",
    }
    for header, pattern in written.items():
        cells = csv.loc[csv[header] != "", header]
        odd = cells[~cells.str.fullmatch(pattern)]
        assert len(cells) > 0 and odd.empty, (header, odd.head(3).tolist())
    table = pq.read_table(out / "synthetic.parquet")
    assert table.schema.field("menge").type == pa.float64()
    for name, places in EXPORT_PLACES.items():
        if places is not None:
            values = table.column(name).to_pandas().dropna()
            assert (values == values.round(places)).all(), name
