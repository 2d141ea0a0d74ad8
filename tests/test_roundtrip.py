"""The published CSV reads like the input: each odd input of the validation catalogue
goes through validation, Prepare and the CSV writer of generate, and comes back with its
header, column order, delimiter, spellings, integer text and date formats.

The cleaned rows stand in for synthetic rows (generate writes its sampled rows through
the same `csv_bytes`), so every cell can be compared with the input's own text.
"""

from __future__ import annotations

import csv
import io

import pandas as pd
import pyarrow.parquet as pq
import pytest

from synthpipe.dataset_config import DatasetConfig
from synthpipe.layout import RunLayout
from synthpipe.prepare import CsvDialect, prepare
from synthpipe.prepare._patterns import NULL_TOKENS
from synthpipe.roundtrip import csv_bytes, format_datetimes, neutralise_cell
from synthpipe.validate import validate_file
from tests.odd_inputs import ODD_INPUTS

pytestmark = pytest.mark.slow


def records(text: str, delimiter: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def cleaned_cell(text: str) -> str:
    """What Prepare makes of a cell: trimmed, one pair of wrapping quotes removed, null
    tokens empty; Spark's multi-line reader gives a line break inside a cell as LF."""
    text = text.strip().replace("\r\n", "\n")
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1].strip()
    return "" if text.lower() in NULL_TOKENS else text


def as_number(text: str, separator: str, grouping: str | None = None) -> float:
    if grouping:
        text = text.replace(grouping, "")
    return float(text.replace(".", "").replace(",", ".") if separator == "," else text)


@pytest.fixture(scope="module")
def round_trips(spark, tmp_path_factory) -> dict:
    """name -> (input records, output records, schema)."""
    out = {}
    for name, (content, _) in ODD_INPUTS.items():
        root = tmp_path_factory.mktemp(name)
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
        table = pq.read_table(layout.cleaned_data)
        written = csv_bytes(table, schema)
        encoding = "utf-8-sig" if report.encoding == "utf-8-sig" else report.encoding
        source = records(content.decode(encoding), report.delimiter)
        result = records(written.decode("utf-8-sig"), report.delimiter)
        out[name] = (source, result, schema, written, report)
    return out


@pytest.mark.parametrize("name", sorted(ODD_INPUTS))
def test_header_order_and_delimiter_are_the_inputs(round_trips, name):
    source, result, _, written, report = round_trips[name]
    assert result[0] == [cleaned_cell(h) for h in source[0]]
    assert len(result) == len(source)
    assert all(len(row) == len(source[0]) for row in result)
    assert written.startswith(b"\xef\xbb\xbf") == (report.encoding == "utf-8-sig")


@pytest.mark.parametrize("name", sorted(ODD_INPUTS))
def test_every_cell_reads_as_the_input_wrote_it(round_trips, name):
    """Categories, booleans, integers and dates as written; decimals by value; columns
    Prepare dropped are empty."""
    source, result, schema, _, _ = round_trips[name]
    for position, column in enumerate(schema.columns):
        for line, (before, after) in enumerate(zip(source[1:], result[1:], strict=True), 2):
            where = f"{name}: column {position + 1}, line {line}"
            expected = cleaned_cell(before[position])
            got = after[position]
            if column.role == "dropped":
                assert got == "", where
            elif column.type == "decimal" and expected:
                mark, groups = column.format, column.grouping
                assert as_number(got, mark, groups) == as_number(expected, mark, groups), where
            elif column.type in ("categorical", "text"):
                assert got == neutralise_cell(expected), where
            else:
                assert got == expected, where


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
    counts = [row[6] for row in result[1:]]
    assert "" in counts and not any("." in c for c in counts)


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


def test_integer_column_with_nulls_is_written_without_a_decimal_point(round_trips):
    _, result, _, _, _ = round_trips["typed_vocabularies"]
    assert [row[6] for row in result[1:8]] == ["1", "2", "3", "4", "5", "6", ""]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("dd/MM/yyyy", "05/01/2024"),
        ("d/M/yyyy", "5/1/2024"),
        ("yyyy-MM-dd'T'HH:mm:ss'Z'", "2024-01-05T07:08:09Z"),
        ("yyyy-MM-dd HH:mm:ss.SSS", "2024-01-05 07:08:09.120"),
        ("yyyy-MM-dd'T'HH:mmxxx", "2024-01-05T07:08+00:00"),
        ("dd MMM yyyy", "2024-01-05"),  # month names are not rendered: ISO instead
    ],
)
def test_datetime_patterns(pattern, expected):
    values = pd.Series(pd.to_datetime(["2024-01-05 07:08:09.12"]))
    assert format_datetimes(values, pattern).tolist() == [expected]
