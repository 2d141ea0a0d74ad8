"""The Prepare transform on small files, with the shared local Spark session."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import random
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from synthpipe.dataset_config import DatasetConfig
from synthpipe.errors import InputRefused, StepFailed
from synthpipe.layout import RunLayout
from synthpipe.prepare import CsvDialect, prepare
from synthpipe.prepare._infer import PrepareSettings, names_records
from synthpipe.roundtrip import duration_text, format_datetimes
from synthpipe.schema import DatasetSchema
from synthpipe.validate import validate_file
from tests.odd_inputs import ODD_INPUTS

pytestmark = pytest.mark.slow


def run_prepare(
    spark,
    tmp_path: Path,
    content: str | bytes,
    *,
    encoding="utf-8",
    config=None,
    protect=False,
    run_id="run1",
):
    """Prepare on `content`; value protection off by default: these tests read back the
    parsed values of a few rows, each seen once (tests/test_value_protection.py covers it)."""
    raw = tmp_path / "raw" / "ds" / "input.csv"
    raw.parent.mkdir(parents=True, exist_ok=True)
    raw.write_bytes(content.encode(encoding) if isinstance(content, str) else content)
    report = validate_file(raw)
    layout = RunLayout(str(tmp_path), "ds", run_id)
    schema = prepare(
        spark,
        source=str(raw),
        dialect=CsvDialect.from_report(report),
        layout=layout,
        config=DatasetConfig.from_dict(config or {}),
        protect=protect,
        expected_rows=report.data_rows,
    )
    frame = pq.read_table(layout.cleaned_data).to_pandas()
    return schema, frame, layout


def types(schema: DatasetSchema) -> dict[str, str]:
    return {c.name: c.type for c in schema.columns}


def test_banksim_sample_is_typed_unquoted_and_stripped_of_constants(spark, banksim_csv, tmp_path):
    schema, frame, _ = run_prepare(spark, tmp_path, banksim_csv.read_bytes(), protect=True)
    assert types(schema) == {
        "step": "integer",
        "customer": "categorical",
        "age": "categorical",
        "gender": "categorical",
        "zipcode_ori": "integer",
        "merchant": "categorical",
        "zip_merchant": "integer",
        "category": "categorical",
        "amount": "decimal",
        "fraud": "integer",
    }
    roles = {c.name: c.role for c in schema.columns}
    assert roles["zipcode_ori"] == roles["zip_merchant"] == "dropped"
    # An identifier: dropped by default by the privacy actions, never learned.
    assert roles["customer"] == "dropped"
    assert schema.column("customer").reason.startswith("identifier")
    assert roles["merchant"] == "feature"
    assert "zipcode_ori" not in frame.columns
    assert "customer" not in frame.columns
    # The single quotes are gone (and merchants seen fewer than 10 times are folded).
    assert frame["merchant"].str.match(r"^(M\d+|_RARE_)$").all()
    assert frame["category"].str.match(r"^(es_\w+|_RARE_)$").all()
    assert frame["category"].str.startswith("es_").mean() > 0.99
    assert schema.rows == len(frame) == 3000
    assert schema.column("customer").original_name == "customer"
    assert schema.column("zipcode_ori").original_name == "zipcodeOri"


def test_semicolon_file_with_decimal_commas(spark, tmp_path):
    content = "Name;Betrag;Menge\nA;1,5;3\nB;1.234,25;4\nC;-0,75;5\n"
    schema, frame, _ = run_prepare(spark, tmp_path, content)
    assert schema.column("betrag").type == "decimal"
    assert frame["betrag"].tolist() == [1.5, 1234.25, -0.75]
    assert frame["menge"].tolist() == [3, 4, 5]


def test_decimal_commas_in_exponent_form_are_numbers(spark, tmp_path):
    """A European spreadsheet writes a number too large or too small for its column as
    1,23457E+11 or 1E-05; before, such a column was text (and, all distinct, dropped)."""
    content = "Name;Wert;Menge\nA;1,5E+03;3\nB;2,25;4\nC;-1E-05;5\nD;3,75e-02;6\n"
    schema, frame, _ = run_prepare(spark, tmp_path, content)
    assert (schema.column("wert").type, schema.column("wert").format) == ("decimal", ",")
    assert frame["wert"].tolist() == [1500.0, 2.25, -0.00001, 0.0375]


@pytest.mark.parametrize(
    ("content", "column", "values", "grouping"),
    [
        # 1,500 in a comma-separated file (quoted): a spreadsheet's thousands.
        ('n,k\n"1,500",a\n"12,000",b\n7,c\n', "n", [1500, 12000, 7], ","),
        # The same text in a semicolon file: a decimal comma, as before.
        ("n;k\n1,500;a\n12,000;b\n7;c\n", "n", [1.5, 12.0, 7.0], None),
        ('n,k\n"-1,234,567.5",a\n"999.25",b\n"2,000",c\n', "n", [-1234567.5, 999.25, 2000.0], ","),
        ("n;k\n1.234.567;a\n89;b\n12.000;c\n", "n", [1234567, 89, 12000], "."),
        ("n;k\n1'234.5;a\n-12'000.25;b\n3;c\n", "n", [1234.5, -12000.25, 3.0], "'"),
        ("n;k\n1 234,5;a\n12 000;b\n3,75;c\n", "n", [1234.5, 12000.0, 3.75], " "),
        # India's lakh and crore: a group of three, then groups of two.
        ('n,k\n"1,23,456",a\n"7",b\n"-12,34,567.75",c\n', "n", [123456.0, 7.0, -1234567.75], ","),
        # Groups of two at the end, or a mixed separator, are not numbers: kept as text.
        ('n,k\n"1,23,45",a\n"7",b\n', "n", ["1,23,45", "7"], None),
        ("n;k\n1.234 567;a\n1 234.567;b\n", "n", ["1.234 567", "1 234.567"], None),
    ],
)
def test_numbers_written_with_digit_groups(spark, tmp_path, content, column, values, grouping):
    schema, frame, _ = run_prepare(spark, tmp_path, content)
    assert frame[column].tolist() == values
    assert schema.column(column).grouping == grouping
    assert schema.column(column).indian_grouping == ("1,23,456" in content)


@pytest.mark.parametrize(
    ("content", "places"),
    [
        ("n,k\n1.5,a\n12,b\n2.759,c\n", 3),  # whole numbers among them have none
        ("n;k\n1,5;a\n1.234,25;b\n-0,75;c\n", 2),  # after the decimal comma
        ('n,k\n"-1,234,567.5",a\n"999.25",b\n"2,000",c\n', 2),  # after the point
        ("n;k\n1 234,5;a\n12 000;b\n3,75;c\n", 2),
        ("n,k\n12.,a\n3.,b\n", 0),  # a decimal point and no places
        ("n,k\n1.5e-3,a\n2.25,b\n", 4),  # exponent form: the places written out (0.0015)
        ("n,k\n1.5e-3,a\n2.25e+02,b\n", None),  # every value so: the exponent form's
    ],
)
def test_decimal_places_are_the_most_any_value_has(spark, tmp_path, content, places):
    schema, _, _ = run_prepare(spark, tmp_path, content)
    assert schema.column("n").type == "decimal"
    assert schema.column("n").decimal_places == places
    assert schema.column("k").decimal_places is None  # a category has none


@pytest.mark.parametrize(
    ("content", "places", "fixed"),
    [
        ("n,k\n12.50,a\n3.00,b\n0.25,c\n", 2, True),  # amounts: every value has two
        ("n;k\n1.234,50;a\n12,00;b\n;c\n", 2, True),  # groups and an empty cell
        ("n,k\n12.50,a\n3.5,b\n", 2, False),  # one value has fewer
        ("n,k\n12.50,a\n3,b\n", 2, False),  # a whole number among them
        ("n,k\n12.,a\n3.,b\n", 0, False),  # no places to keep
    ],
)
def test_fixed_places_when_every_value_has_the_same(spark, tmp_path, content, places, fixed):
    schema, _, _ = run_prepare(spark, tmp_path, content)
    assert schema.column("n").type == "decimal"
    assert (schema.column("n").decimal_places, schema.column("n").fixed_places) == (places, fixed)
    assert schema.column("k").fixed_places is False


@pytest.mark.parametrize(
    ("content", "bare"),
    [
        ("n;k\n11;a\n9,9372;b\n1.234;c\n", True),  # whole values bare, a group among them
        ("n,k\n11.0,a\n9.25,b\n", False),  # whole values with a place
        ("n,k\n12.50,a\n3.00,b\n", False),  # amounts, every value two places
        ("n,k\n12.,a\n3.,b\n", False),  # no places at all
        ("n,k\n12,a\n1.5e-3,b\n", True),  # beside a value in exponent form, as R writes
    ],
)
def test_bare_wholes_when_whole_values_have_no_places(spark, tmp_path, content, bare):
    schema, _, _ = run_prepare(spark, tmp_path, content)
    assert schema.column("n").type == "decimal"
    assert schema.column("n").bare_wholes is bare


@pytest.mark.parametrize(
    ("content", "values", "forms"),
    [
        ('n,k\n"$1,234.50",a\n-$5.00,b\n$0.25,c\n', [1234.5, -5.0, 0.25], ("${}", "-${}")),
        ("n,k\n$12.00,a\n$-5.00,b\n", [12.0, -5.0], ("${}", "$-{}")),
        ("n;k\n12,50 €;a\n1.234,00 €;b\n;c\n", [12.5, 1234.0, None], ("{} €", "-{} €")),
        ("n,k\nEUR 12.50,a\nEUR 3.00,b\n", [12.5, 3.0], ("EUR {}", "-EUR {}")),
        ("n,k\n3.97%,a\n12%,b\n-0.5%,c\n", [3.97, 12.0, -0.5], ("{}%", "-{}%")),
        ("n,k\n(413.89),a\n135.95,b\n", [-413.89, 135.95], ("{}", "({})")),
        ("n,k\n5%,a\n12%,b\n", [5, 12], ("{}%", "-{}%")),  # an integer with a unit
        ("n;k\n1.234,56-;a\n12,00;b\n", [-1234.56, 12.0], ("{}", "{}-")),  # as SAP writes
        ("n;k\n\u22121 234,56;a\n12,00;b\n", [-1234.56, 12.0], ("{}", "\u2212{}")),  # U+2212
        ("n,k\n\u2212$5.00,a\n$12.00,b\n", [-5.0, 12.0], ("${}", "\u2212${}")),
        ("n,k\n$\u22125.00,a\n$12.00,b\n", [-5.0, 12.0], ("${}", "$\u2212{}")),
        ("n;k\n\u22125 kr;a\n12 kr;b\n", [-5, 12], ("{} kr", "\u2212{} kr")),
        ("n;k\n14,5 °C;a\n\u22123,0 °C;b\n", [14.5, -3.0], ("{} °C", "\u2212{} °C")),
        ("n,k\n72.5 kg,a\n80 kg,b\n", [72.5, 80.0], ("{} kg", "-{} kg")),
        ("n,k\n3.5GB,a\n12GB,b\n", [3.5, 12.0], ("{}GB", "-{}GB")),
        ("n,k\n120 km/h,a\n80 km/h,b\n", [120, 80], ("{} km/h", "-{} km/h")),
    ],
)
def test_numbers_written_with_a_unit_are_numbers(spark, tmp_path, content, values, forms):
    schema, frame, _ = run_prepare(spark, tmp_path, content)
    column = schema.column("n")
    assert column.type in ("decimal", "integer")
    assert (column.number_form, column.negative_form) == forms
    assert [None if pd.isna(v) else v for v in frame["n"]] == values


@pytest.mark.parametrize(
    "content",
    [
        "n,k\n$5.00,a\n5.00,b\n",  # a unit on some values only
        "n,k\n$5.00,a\n€5.00,b\n",  # two units
        "n,k\nC1093826151,a\nC1093826152,b\n",  # a letter is not a unit: a code
        "n,k\n1.2.3%,a\n4.5.6%,b\n",  # not a number once the unit is off
        "n,k\n(413.89,a\n135.95,b\n",  # a parenthesis left open
        "n,k\n(A),a\n(B),b\n",  # parentheses around text
        "n,k\n\u22125,a\n-6,b\n7,c\n",  # two minus signs: which to write back?
        "n,k\n3.2 GB,a\n512 MB,b\n",  # two units of measure
        "n,k\n12 pcs,a\n3 pcs,b\n",  # not a unit of the list: text
    ],
)
def test_text_that_is_not_a_number_with_one_unit_keeps_its_text(spark, tmp_path, content):
    schema, frame, _ = run_prepare(spark, tmp_path, content)
    source = pd.read_csv(io.StringIO(content), dtype=str)
    column = schema.column("n")
    assert column.number_form is None and column.negative_form is None
    assert column.type == "categorical"
    assert frame["n"].tolist() == source["n"].tolist()


def test_latin1_values_are_decoded(spark, tmp_path):
    content = "article;ville;montant\nCrème brûlée;Café;1\nGâteau;Orléans;2\n"
    schema, frame, _ = run_prepare(spark, tmp_path, content, encoding="cp1252")
    assert schema.encoding in ("cp1252", "latin-1")
    assert frame["ville"].tolist() == ["Café", "Orléans"]
    assert frame["article"].tolist() == ["Crème brûlée", "Gâteau"]


@pytest.mark.parametrize("encoding", ["cp1251", "cp932", "gb18030"])
def test_non_latin_encodings_are_read_as_their_text(spark, tmp_path, encoding):
    from tests.test_validate import NON_LATIN_TABLES

    text = NON_LATIN_TABLES[encoding]
    schema, frame, _ = run_prepare(spark, tmp_path, text, encoding=encoding)
    delimiter = ";" if ";" in text.splitlines()[0] else ","
    cities = [line.split(delimiter)[1] for line in text.splitlines()[1:]]
    city = schema.columns[1]
    assert city.original_name == text.splitlines()[0].split(delimiter)[1]
    assert frame[city.name].tolist() == cities


def test_bom_and_crlf_leave_no_trace(spark, tmp_path):
    content = "\ufeffid_x,Label,amount\r\n1,a,2.5\r\n2,b,3.5\r\n3,c,4\r\n"
    schema, frame, _ = run_prepare(spark, tmp_path, content)
    assert [c.name for c in schema.columns] == ["id_x", "label", "amount"]
    assert frame["label"].tolist() == ["a", "b", "c"]
    assert frame["amount"].tolist() == [2.5, 3.5, 4.0]


def test_tab_delimited_file(spark, tmp_path):
    content = "city\tcount\tshare\nRoma\t3\t0.5\nParis\t4\t0.25\n"
    schema, frame, _ = run_prepare(spark, tmp_path, content)
    assert types(schema) == {"city": "categorical", "count": "integer", "share": "decimal"}
    assert frame["city"].tolist() == ["Roma", "Paris"]


@pytest.mark.parametrize("split_bytes", ["", "4096"])
def test_excels_separator_line_and_the_header_are_no_rows_in_any_split(
    spark, tmp_path, split_bytes
):
    """Spark reads the `sep=;` line as the header; the header row below it is then the
    first record of the split at byte 0, however many splits Spark reads the file in."""
    rows = "".join(f"K{i % 5};{i},5;{i % 28 + 1:02d}.03.2024\r\n" for i in range(3000))
    content = "sep=;\r\nKunde;Betrag;Datum\r\n" + rows
    key = "spark.sql.files.maxPartitionBytes"
    before = spark.conf.get(key)
    if split_bytes:
        spark.conf.set(key, split_bytes)  # 40 splits of 4 KiB
    try:
        schema, frame, _ = run_prepare(spark, tmp_path, content, encoding="cp1252")
    finally:
        spark.conf.set(key, before)
    assert types(schema) == {"kunde": "categorical", "betrag": "decimal", "datum": "date"}
    assert schema.separator_line == "sep=;"
    assert len(frame) == 3000
    assert frame["betrag"].tolist() == [i + 0.5 for i in range(3000)]


def test_utf16_is_read_whole_as_its_text(spark, tmp_path):
    content = "Filiale\tOrt\tUmsatz\r\n" + "".join(
        f"F{i % 4}\t{['Zürich', 'Łódź', '東京'][i % 3]}\t{i}.25\r\n" for i in range(500)
    )
    schema, frame, _ = run_prepare(spark, tmp_path, content, encoding="utf-16")
    assert schema.encoding == "utf-16"
    assert frame["ort"].tolist() == [["Zürich", "Łódź", "東京"][i % 3] for i in range(500)]
    assert frame["umsatz"].tolist() == [i + 0.25 for i in range(500)]


def test_quoted_newlines_stay_inside_their_field(spark, tmp_path):
    content = 'id,note,n\n1,"first line\nsecond line",2\n2,"plain",3\n'
    _, frame, _ = run_prepare(spark, tmp_path, content)
    assert frame["note"].tolist() == ["first line\nsecond line", "plain"]
    assert frame["n"].tolist() == [2, 3]


def test_formula_like_cells_are_kept_and_counted(spark, tmp_path):
    content = "label,formula,n\na,=SUM(A1:A2),1\nb,@cmd,2\nc,+33 6 12 34 56 78,3\nd,plain,4\n"
    schema, frame, _ = run_prepare(spark, tmp_path, content)
    assert frame["formula"].tolist()[:2] == ["=SUM(A1:A2)", "@cmd"]
    assert schema.column("formula").formula_like_cells == 3
    assert schema.column("n").formula_like_cells == 0


def test_mixed_type_column_stays_categorical(spark, tmp_path):
    content = "code,value\n1,10\nA7,11\n3,12\n"
    schema, frame, _ = run_prepare(spark, tmp_path, content)
    assert schema.column("code").type == "categorical"
    assert frame["code"].tolist() == ["1", "A7", "3"]
    assert schema.column("value").type == "integer"


def test_null_tokens_become_nulls_and_empty_columns_are_dropped(spark, tmp_path):
    content = "a,b,empty\n1,NA,\n2,x,null\n3,N/A,\n4,y,NaN\n"
    schema, frame, _ = run_prepare(spark, tmp_path, content)
    assert frame["b"].isna().sum() == 2
    assert schema.column("b").null_count == 2
    assert schema.column("empty").role == "dropped"
    assert "every value is empty" in schema.column("empty").reason
    assert "empty" not in frame.columns


def test_a_dates_year_is_found_beside_hundreds_of_categories(spark, tmp_path):
    """Every categorical column of few values could be a part (a month's name, a
    weekday): they are screened on the first rows, so the year past them is still read."""
    rng = random.Random(7)
    header = ",".join(["when", *[f"c{i}" for i in range(250)], "year"])
    rows = []
    for _ in range(40):
        day = dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(3000))
        labels = [rng.choice("ABCDE") for _ in range(250)]
        rows.append(",".join([day.isoformat(), *labels, str(day.year)]))
    schema, frame, _ = run_prepare(spark, tmp_path, "\n".join([header, *rows]) + "\n")
    year = schema.column("year")
    assert (year.derived_from, year.text_format, year.role) == ("when", "yyyy", "dropped")
    assert "year" not in frame.columns
    assert not [c.name for c in schema.columns if c.derived_from and c.name != "year"]


def test_a_table_with_nothing_left_to_model_says_why_each_column_went(spark, tmp_path):
    rng = random.Random(4)
    rows = []
    for i in range(1, 201):
        lat = f"{rng.uniform(29, 46):.4f}"
        rows.append(f"{i},{lat},{rng.uniform(-120, -75):.4f},x,,{lat}")
    content = "\n".join(["n,lat,long,same,blank,lat_copy", *rows]) + "\n"
    with pytest.raises(StepFailed) as caught:
        run_prepare(spark, tmp_path, content, config={"drop_columns": ["same"]})
    error = caught.value
    assert error.code == "no_usable_columns"
    why = {c["position"]: c["reason"] for c in error.details["columns"]}
    assert list(why) == [1, 2, 3, 4, 5, 6]
    assert "row number" in why[1]
    assert why[2] == why[3] == "personal data: LATITUDE_LONGITUDE"
    assert why[4] == "dropped by the dataset config"
    assert why[5] == "every value is empty"
    assert why[6] == "the same text as column 2 on every row"
    assert "column 2: personal data: LATITUDE_LONGITUDE" in error.message
    # Columns by position, as every refusal gives them: no header is repeated.
    said_all = f"{error.message} {error.fix} {error.details}"
    assert not [h for h in ("lat", "long", "same", "blank", "lat_copy") if f"'{h}'" in said_all]
    assert '"pii_action": "keep"' in error.fix and "config/ds.json" in error.fix
    # Reasons carry counts and entity types, never a cell's value.
    places = {cell for row in rows for cell in row.split(",")[1:3]}
    said = f"{error.message} {error.fix} {why}"  # the copy's reason names column 2
    assert not [place for place in places if place in said]


@pytest.mark.parametrize(("first", "step", "start"), [(0, 1, 0), (1, 1, 1), (5, 2, 1)])
def test_the_index_pandas_writes_is_numbered_again_from_its_first_number(
    spark, tmp_path, first, step, start
):
    """pandas' to_csv writes its index under a blank header: a row number, dropped, and
    numbered again in the published CSV. Numbers that skip rows (a filtered frame's
    index) are numbered from 1, as named rows are."""
    rows = "".join(f"{first + i * step},{'ab'[i % 2]},{i % 7}\n" for i in range(40))
    schema, _, _ = run_prepare(spark, tmp_path, ",grp,score\n" + rows)
    column = schema.column("row_names")
    assert (column.original_name, column.role, column.sequence_start) == ("", "dropped", start)


def test_null_tokens_of_database_exports_become_nulls(spark, tmp_path):
    """MySQL, PostgreSQL and Hive write NULL as \\N in their text exports; "(null)" and
    "<NA>" are other tools'. A number column holding them stays a number column."""
    content = "a\tb\tc\n1\t\\N\t(null)\n2\t3\t<NA>\n3\t\\N\t4.5\n"
    schema, frame, _ = run_prepare(spark, tmp_path, content)
    assert (schema.column("b").type, schema.column("c").type) == ("integer", "decimal")
    assert frame["b"].isna().tolist() == [True, False, True]
    assert frame["c"].isna().tolist() == [True, True, False]
    assert schema.null_token == ""  # \\N, (null) and <NA>: no one spelling


def test_times_of_day_and_durations_are_numbers_of_their_unit_written_back_so(spark, tmp_path):
    """A booking's time without its date: a timestamp on 1970-01-01, a number of the day,
    not a category of thousands of values (or an identifier, one value per row); also as
    French, Québec and Belgian exports write it (14h30). A call's or a shift's length
    past 23 hours (50:27:38) is no time of day: the count of seconds (or of the last
    unit: 1234:05 is hours and minutes or minutes and seconds alike). Each is written
    back in the input's shape."""
    content = (
        "at,short,some_seconds,not_a_time,heure,courte,texte,long,padded,mixed,k\n"
        "14:30:05,9:05,9:05,24:10,08h05,9h05,5h,50:27:38,007:05,1:05,a\n"
        "08:00:59,23:59,23:59:30,7:15,23h59,23h59,12h30,0:00:09,120:59,1:05:00,b\n"
        "00:00:00,0:00,0:00,1:30,00h00,0h00,7h15,23:59:59,010:00,25:10,c\n"
    )
    schema, frame, _ = run_prepare(spark, tmp_path, content)
    found = {c.name: (c.type, c.format, c.text_format) for c in schema.columns[:10]}
    assert found == {
        "at": ("timestamp", "H:mm:ss", "HH:mm:ss"),
        "short": ("timestamp", "H:mm", "H:mm"),
        "some_seconds": ("timestamp", "H:mm[:ss]", "H:mm"),
        "not_a_time": ("integer", "[h]:mm", "[h]:mm"),  # 24:10 is no time of day: a duration
        "heure": ("timestamp", "H'h'mm", "HH'h'mm"),
        "courte": ("timestamp", "H'h'mm", "H'h'mm"),
        "texte": ("categorical", None, None),  # 5h has no minutes: no time of day
        "long": ("integer", "[h]:mm:ss", "[h]:mm:ss"),
        "padded": ("integer", "[h]:mm", "[hhh]:mm"),
        "mixed": ("categorical", None, None),  # two shapes: 1:05 is hours or minutes
    }
    assert frame["at"].tolist() == [
        pd.Timestamp("1970-01-01T14:30:05Z"),
        pd.Timestamp("1970-01-01T08:00:59Z"),
        pd.Timestamp("1970-01-01T00:00:00Z"),
    ]
    assert frame["some_seconds"].tolist()[1] == pd.Timestamp("1970-01-01T23:59:30Z")
    assert frame["courte"].tolist()[1] == pd.Timestamp("1970-01-01T23:59:00Z")
    written = format_datetimes(frame["heure"].dt.tz_localize(None), "HH'h'mm")
    assert written.tolist() == ["08h05", "23h59", "00h00"]
    assert frame["long"].tolist() == [50 * 3600 + 27 * 60 + 38, 9, 86399]
    assert frame["padded"].tolist() == [425, 7259, 600]
    assert [duration_text(v, "[hhh]:mm") for v in frame["padded"]] == ["007:05", "120:59", "010:00"]


def test_digits_typed_full_width_are_numbers_and_dates(spark, tmp_path):
    """１，２３４ and ２０２４／０３／０５ as Japanese input methods type them: numbers and
    dates, not categories of as many values (or identifiers, dropped); a code of a
    full-width letter and a digit stays a category."""
    content, _ = ODD_INPUTS["full_width_digits"]
    schema, frame, _ = run_prepare(spark, tmp_path, content.decode())
    found = {c.original_name: (c.type, c.full_width, c.number_form) for c in schema.columns}
    assert found == {
        "数量": ("integer", True, None),
        "金額": ("integer", True, None),
        "日付": ("date", True, None),
        "率": ("decimal", True, "{}%"),
        "コード": ("categorical", False, None),
    }
    amounts = frame[schema.columns[1].name].tolist()
    assert amounts[:2] == [4571, 8142]  # ４，５７１ and ８，１４２


def test_digits_of_other_scripts_are_numbers_and_dates(spark, tmp_path):
    """١٬٢٣٤٫٥ (Arabic-Indic, with Arabic's decimal point and digit group), ۱۲ (Persian),
    १२३ (Devanagari): numbers, dates and percentages, each recorded with its script; a
    code of a letter and a digit stays a category."""
    content, _ = ODD_INPUTS["native_digits"]
    schema, frame, _ = run_prepare(spark, tmp_path, content.decode())
    found = {c.original_name: (c.type, c.digit_zero, c.number_form) for c in schema.columns}
    assert found == {
        "المبلغ": ("decimal", "\u0660", None),
        "تعداد": ("integer", "\u06f0", None),
        "संख्या": ("integer", "\u0966", None),
        "النسبة": ("decimal", "\u0660", "{}%"),
        "التاريخ": ("date", "\u0660", None),
        "الرمز": ("categorical", None, None),
    }
    assert not any(c.full_width for c in schema.columns)
    assert frame[schema.columns[0].name].tolist()[:2] == [4571.07, 8142.14]
    assert frame[schema.columns[4].name].tolist()[0] == dt.date(2024, 2, 2)


def test_missing_value_marks_in_numbers_and_dates_are_missing(spark, tmp_path):
    """SAS's ".", a spreadsheet's #DIV/0!, OECD's "..", "n.d." and a dash: missing values
    in a column of numbers, dates or amounts; beside text, or alone, they stay values."""
    content = (
        "amount;ratio;booked;price;age;rating;floor;k\n"
        "12,5;1.25;03.01.2024;$1,200.00;.;*;1;a\n"
        ".;#DIV/0!;n.d.;..;41;**;Ground;b\n"
        "7,25;0.5;15.02.2024;$3.50;—;***;2;c\n"
        "1,0;#VALUE!;N.D.;$12.00;38;.;3;d\n"
    )
    schema, frame, _ = run_prepare(spark, tmp_path, content)
    found = {c.name: (c.type, c.missing_marks, c.null_count) for c in schema.columns[:7]}
    assert found == {
        "amount": ("decimal", 1, 1),
        "ratio": ("decimal", 2, 2),
        "booked": ("date", 2, 2),
        "price": ("decimal", 1, 1),
        "age": ("integer", 2, 2),
        "rating": ("categorical", 0, 0),  # stars are a rating
        "floor": ("categorical", 0, 0),  # a word beside numbers is a value, not a mark
    }
    assert [None if pd.isna(v) else v for v in frame["amount"]] == [12.5, None, 7.25, 1.0]
    assert frame["booked"].tolist()[:2] == [dt.date(2024, 1, 3), None]
    assert schema.column("booked").text_format == "dd.MM.yyyy"
    assert schema.column("price").number_form == "${}"
    assert frame["rating"].tolist() == ["*", "**", "***", "."]


def test_a_config_type_reads_missing_value_marks_as_missing(spark, tmp_path):
    content = "amount,label\n1.5,a\n.,b\n2,c\n"
    config = {"columns": {"amount": {"type": "decimal"}}}
    schema, frame, _ = run_prepare(spark, tmp_path, content, config=config)
    assert schema.column("amount").missing_marks == 1
    assert [None if pd.isna(v) else v for v in frame["amount"]] == [1.5, None, 2.0]


def test_records_of_empty_fields_are_no_rows(spark, tmp_path):
    """A spreadsheet's rows that once held cells (`;;;`), between rows and after them."""
    content = 'a;b;c\n1;x;2,5\n;;\n2;y;3,5\n"";;\n3;x;1,5\n;;\n;;\n'
    schema, frame, _ = run_prepare(spark, tmp_path, content)
    assert schema.input_rows == schema.rows == 3
    assert frame["a"].tolist() == [1, 2, 3]


def test_identical_rows_are_kept_when_no_column_names_the_record(spark, tmp_path):
    """Different people who answered alike: the model must see each of them."""
    rows = ["3,c", "1,a", "3,c", "2,b", "1,a"]
    content = "n,label\n" + "\n".join(rows) + "\n"
    schema, frame, _ = run_prepare(spark, tmp_path, content)
    assert frame["n"].tolist() == [3, 1, 3, 2, 1]
    assert schema.rows == schema.input_rows == 5
    assert schema.duplicate_rows_dropped == 0


def test_identical_events_of_one_customer_are_kept(spark, tmp_path):
    """A customer number on each of a customer's purchases names the customer, not the
    purchase: two equal purchases of one customer are two purchases."""
    rows = [f"{1000 + i // 4},{'ab'[i % 4 // 2]},{5 * (1 + i % 4 // 2)}" for i in range(800)]
    content = "customer_id,kind,amount\n" + "\n".join(rows) + "\n"
    schema, frame, _ = run_prepare(spark, tmp_path, content)
    assert schema.column("customer_id").role == "dropped"
    assert schema.rows == schema.input_rows == len(frame) == 800
    assert schema.duplicate_rows_dropped == 0


def test_only_a_column_with_a_value_for_most_rows_names_the_record() -> None:
    settings = PrepareSettings()
    assert names_records([2_950], 3_000, settings)  # an order number, a few repeats
    assert not names_records([100], 2_412, settings)  # a household on each purchase
    assert not names_records([], 2_871, settings)  # nothing says whose a row is


def test_exact_duplicate_records_are_dropped_in_input_order(spark, tmp_path):
    """With a person's e-mail in each row, an identical row is one record read twice."""
    people = [f"user{i}@example.com,{i % 7},{'abc'[i % 3]}" for i in range(40)]
    rows = [*people[:3], people[0], *people[3:], people[1]]
    content = "email,n,label\n" + "\n".join(rows) + "\n"
    schema, frame, _ = run_prepare(spark, tmp_path, content)
    assert "email" not in frame.columns or frame["email"].nunique() == 40
    assert frame["n"].tolist() == [i % 7 for i in range(40)]
    assert schema.input_rows == 42
    assert schema.rows == 40
    assert schema.duplicate_rows_dropped == 2


def test_dates_timestamps_and_booleans(spark, tmp_path):
    content = (
        "iso,eu,us,ts,flag,n\n"
        "2024-01-31,31/01/2024,01/31/2024,2024-01-31T10:00:00Z,yes,1\n"
        "2024-02-01,01.02.2024,02/01/2024,2024-02-01 11:30:00,no,2\n"
    )
    content = content.replace("01.02.2024", "01/02/2024")
    schema, frame, _ = run_prepare(spark, tmp_path, content)
    assert types(schema) == {
        "iso": "date",
        "eu": "date",
        "us": "date",
        "ts": "timestamp",
        "flag": "boolean",
        "n": "integer",
    }
    assert frame["eu"].tolist() == [dt.date(2024, 1, 31), dt.date(2024, 2, 1)]
    assert frame["us"].tolist() == [dt.date(2024, 1, 31), dt.date(2024, 2, 1)]
    assert frame["ts"].tolist()[0] == pd.Timestamp("2024-01-31T10:00:00Z")
    assert frame["flag"].tolist() == [True, False]


@pytest.mark.parametrize(
    ("cells", "first"),
    [
        # A monthly series in a comma file: day first (the 1st of each month) ...
        ([f"01/{m:02d}/{y}" for y in (1850, 1851) for m in range(1, 13)], dt.date(1850, 1, 1)),
        # ... and month first (the 1st again), each read as a month's start.
        ([f"{m}/1/{y}" for y in (1850, 1851) for m in range(1, 13)], dt.date(1850, 1, 1)),
        # Both parts vary within 1 to 12: a comma file is month first.
        ([f"{m}/{m % 5 + 1}/2024" for m in range(1, 13)] * 2, dt.date(2024, 1, 2)),
    ],
)
def test_ambiguous_numeric_dates_read_a_fixed_part_as_the_day(spark, tmp_path, cells, first):
    content = "date,n\n" + "".join(f"{cell},{i % 7}\n" for i, cell in enumerate(cells))
    schema, frame, _ = run_prepare(spark, tmp_path, content)
    assert types(schema)["date"] == "date"
    dates = frame["date"].tolist()
    assert dates[0] == first
    if cells[0].startswith(("01/", "1/1")):
        assert {d.day for d in dates} == {1} and len({d.month for d in dates}) == 12


def test_iso_timestamps_with_a_zone_and_no_seconds_keep_their_values(spark, tmp_path):
    """Spark's cast reads `2024-01-05T07:08Z` as null: every value must stay a value."""
    cells = ["2024-01-05T07:08Z", "2024-01-06T7:09+01:00", "2024-01-07 23:10-0530"]
    content = "ts,n\n" + "".join(f"{cell},{i}\n" for i, cell in enumerate(cells))
    schema, frame, _ = run_prepare(spark, tmp_path, content)
    assert types(schema)["ts"] == "timestamp"
    assert frame["ts"].tolist() == [
        pd.Timestamp("2024-01-05T07:08Z"),
        pd.Timestamp("2024-01-06T06:09Z"),
        pd.Timestamp("2024-01-08T04:40Z"),
    ]


def test_timestamps_before_1900_are_kept_as_written(spark, tmp_path):
    """Canadian senators' appointments since 1867: Spark's default rebase mode stopped
    the Parquet write of a timestamp before 1900 (WRITE_ANCIENT_DATETIME)."""
    content = (
        "appointed,born,n\n"
        "1887-05-12 00:00:00,1821-06-12,1\n"
        "1896-01-07 00:00:00,1700-03-01,2\n"
        "1999-12-31 10:30:00,1950-01-01,3\n"
    )
    schema, frame, _ = run_prepare(spark, tmp_path, content)
    assert types(schema)["appointed"] == "timestamp"
    assert frame["appointed"].tolist() == [
        pd.Timestamp("1887-05-12T00:00Z"),
        pd.Timestamp("1896-01-07T00:00Z"),
        pd.Timestamp("1999-12-31T10:30Z"),
    ]
    assert [str(d) for d in frame["born"]] == ["1821-06-12", "1700-03-01", "1950-01-01"]


def test_one_far_date_in_a_column_without_empty_cells_is_its_null(spark, tmp_path):
    content = "valid_to,ts,n\n" + "".join(
        f"{'9999-12-31' if i % 2 else f'2024-01-{i % 28 + 1:02d}'},"
        f"{'9999-12-31 23:59:59' if i % 3 == 0 else f'2024-02-{i % 28 + 1:02d} 10:00:00'},{i}\n"
        for i in range(1, 41)
    )
    schema, frame, _ = run_prepare(spark, tmp_path, content)
    assert types(schema)["valid_to"] == "date"
    assert schema.column("valid_to").null_text == "9999-12-31"
    assert schema.column("valid_to").null_count == 20
    assert frame["valid_to"].isna().tolist() == [i % 2 == 1 for i in range(1, 41)]
    assert schema.column("ts").null_text == "9999-12-31 23:59:59"
    assert frame["ts"].isna().sum() == 13
    assert schema.column("n").null_text is None


@pytest.mark.parametrize(
    ("cells", "empty"),
    [
        (["9999-12-31", "2024-01-01", ""], 1),  # a far date and empty cells: ambiguous
        (["9999-12-31", "2024-01-01", "1600-01-01"], 0),  # two different far dates
    ],
)
def test_far_dates_that_are_not_one_null_are_refused_with_the_fix(spark, tmp_path, cells, empty):
    content = "valid_to,n\n" + "".join(f"{cells[i % 3]},{i}\n" for i in range(12))
    with pytest.raises(InputRefused) as caught:
        run_prepare(spark, tmp_path, content)
    assert caught.value.code == "far_dates"
    assert caught.value.details["empty_cells"] == 4 * empty
    assert "9999" not in str(caught.value.message)
    assert "config/<dataset>.json" in caught.value.fix


@pytest.mark.parametrize(
    ("cells", "calendar"),
    [
        # Buddhist Era years beside Gregorian ones: not read as either.
        (
            [f"{d % 28 + 1}/{d % 12 + 1}/{(2560 if d % 6 else 2017) + d % 8}" for d in range(30)],
            "Buddhist Era",
        ),
        ([f"14{d % 3:02d}/{d % 12 + 1:02d}/{d % 31 + 1:02d}" for d in range(30)], "Solar Hijri"),
        ([f"3024-{d % 12 + 1:02d}-{d % 28 + 1:02d}" for d in range(30)], None),
    ],
)
def test_far_dates_of_another_calendar_are_refused_saying_which(spark, tmp_path, cells, calendar):
    """Thai systems write Buddhist Era years (2567 for 2024), Iranian ones Solar Hijri
    years (1403): the refusal says what the years look like and how they convert."""
    content = "booked,n\n" + "".join(f"{cell},{i % 7}\n" for i, cell in enumerate(cells))
    with pytest.raises(InputRefused) as caught:
        run_prepare(spark, tmp_path, content)
    assert caught.value.code == "far_dates"
    # No cell's year reaches the message or the details (a year of birth is one); the
    # fix's example is fixed text.
    said = f"{caught.value.message} {caught.value.details}"
    assert not {year for cell in cells for year in re.findall(r"\d{4}", cell)} & set(
        re.findall(r"\d{4}", said)
    )
    if calendar:
        assert calendar in caught.value.message
        assert caught.value.fix.startswith("Write the dates in the Gregorian calendar")
    else:
        assert "look like" not in caught.value.message
        assert caught.value.fix.startswith("Correct mistyped years")


def test_dates_in_the_buddhist_era_are_read_as_gregorian_ones(spark, tmp_path):
    """Thai systems write the year of the Buddhist Era (2567 for 2024): each year is read
    less 543 before it is parsed, so 29/02/2567 is a day (2024 is a leap year)."""
    content, _ = ODD_INPUTS["buddhist_era"]
    schema, frame, _ = run_prepare(spark, tmp_path, content.decode())
    found = {c.original_name: (c.type, c.year_offset) for c in schema.columns}
    assert found == {
        "วันที่": ("date", 543),
        "เวลา": ("timestamp", 543),
        "ยอดเงิน": ("decimal", 0),
    }
    dates = frame[schema.columns[0].name].tolist()
    assert dates[:2] == [dt.date(2024, 2, 29), dt.date(2023, 12, 31)]
    assert frame[schema.columns[1].name].tolist()[0] == pd.Timestamp("2024-02-29T10:30Z")


def test_spreadsheet_datetimes_and_year_first_dates(spark, tmp_path):
    content = (
        "eu;us;mixed;jp;hu\n"
        "31/12/2024 14:30;12/31/2024 9:05:59;31/12/2024 14:30;2024/12/31;2024.12.31\n"
        "01/02/2024 08:00;2/1/2024 23:59:00;01/02/2024 08:00:15;2024/2/1;2024.2.1\n"
    )
    schema, frame, _ = run_prepare(spark, tmp_path, content)
    assert types(schema) == {
        "eu": "timestamp",
        "us": "timestamp",
        "mixed": "timestamp",
        "jp": "date",
        "hu": "date",
    }
    assert frame["eu"].tolist() == [
        pd.Timestamp("2024-12-31T14:30:00Z"),
        pd.Timestamp("2024-02-01T08:00:00Z"),
    ]
    assert frame["us"].tolist()[0] == pd.Timestamp("2024-12-31T09:05:59Z")
    assert frame["mixed"].tolist()[1] == pd.Timestamp("2024-02-01T08:00:15Z")
    assert frame["jp"].tolist() == [dt.date(2024, 12, 31), dt.date(2024, 2, 1)]
    assert frame["hu"].tolist() == frame["jp"].tolist()


def test_year_first_dates_with_a_time_are_timestamps(spark, tmp_path):
    """2010/01/01 00:00 (vega's hourly Seattle temperatures, Japanese and Chinese exports)
    was a category until stop 49, and, one per row, dropped as an identifier."""
    content = (
        "jp;hu;cn\n"
        "2010/01/01 00:00;2010.1.1 0:00:05;2010/1/1 23:59:59\n"
        "2010/12/31 14:30;2010.12.31 14:30:00;2010/12/31 8:05:00\n"
    )
    schema, frame, _ = run_prepare(spark, tmp_path, content)
    found = {c.name: (c.type, c.format, c.text_format) for c in schema.columns}
    assert found == {
        "jp": ("timestamp", "yyyy/M/d H:mm", "yyyy/MM/dd HH:mm"),
        "hu": ("timestamp", "yyyy.M.d H:mm:ss", "yyyy.M.d H:mm:ss"),
        "cn": ("timestamp", "yyyy/M/d H:mm:ss", "yyyy/M/d H:mm:ss"),
    }
    assert frame["jp"].tolist()[1] == pd.Timestamp("2010-12-31T14:30:00Z")
    assert frame["hu"].tolist()[0] == pd.Timestamp("2010-01-01T00:00:05Z")


def test_dates_with_month_names_and_two_digit_years(spark, tmp_path):
    content = (
        "a,b,c,d,e,f,g\n"
        '15-Mar-2019,15 Mar 2019,15-Mar-19,15 March 2019,"Mar 15, 2019",31.12.35,1/20/48\n'
        '5-May-2020,5 May 2020,5-May-20,5 May 2020,"May 5, 2020",01.02.85,12/3/06\n'
    )
    # A two-digit year is at most ten years after the run: in 2026, 35 is 2035, 48 1948.
    schema, frame, _ = run_prepare(spark, tmp_path, content, run_id="20261202T120000Z-0a1b2c3d")
    found = {c.name: (c.type, c.format, c.text_format) for c in schema.columns}
    assert found == {
        "a": ("date", "d-MMM-yyyy", "d-MMM-yyyy"),
        "b": ("date", "d MMM yyyy", "d MMM yyyy"),
        "c": ("date", "d-MMM-yy", "d-MMM-yy"),
        "d": ("date", "d MMMM yyyy", "d MMMM yyyy"),
        "e": ("date", "MMM d, yyyy", "MMM d, yyyy"),
        "f": ("date", "d.M.yy", "dd.MM.yy"),
        "g": ("date", "M/d/yy", "M/d/yy"),
    }
    first, second = dt.date(2019, 3, 15), dt.date(2020, 5, 5)
    for name in "abcde":
        assert frame[name].tolist() == [first, second], name
    assert frame["f"].tolist() == [dt.date(2035, 12, 31), dt.date(1985, 2, 1)]
    assert frame["g"].tolist() == [dt.date(1948, 1, 20), dt.date(2006, 12, 3)]


def test_month_names_in_capitals_or_without_separators_are_dates(spark, tmp_path):
    """Oracle's DD-MON-RR (15-MAR-19), SAS's DATE9. and DATE7. (15MAR2019, 15MAR19) and its
    DATETIME20. and DATETIME16. timestamps, and small letters: parsed as Spark parses
    month names (in any case), the case recorded for the published CSV; a column that
    mixes cases is a date written as English does."""
    content = (
        "oracle,sas9,sas7,small,mixed,sas_dt20,sas_dt16,k\n"
        "15-MAR-19,15MAR2019,15MAR19,15 mar 2019,15-Mar-2019,15MAR2019:14:30:00,"
        "15MAR19:14:30:00,1\n"
        "01-DEC-20,01DEC2020,01DEC20,1 dec 2020,01-DEC-2020,01DEC2020:09:05:59,"
        "01DEC85:09:05:59,2\n"
    )
    schema, frame, _ = run_prepare(spark, tmp_path, content, run_id="20261202T120000Z-0a1b2c3d")
    found = {c.name: (c.type, c.text_format, c.month_case) for c in schema.columns[:7]}
    assert found == {
        "oracle": ("date", "dd-MMM-yy", "upper"),
        "sas9": ("date", "ddMMMyyyy", "upper"),
        "sas7": ("date", "ddMMMyy", "upper"),
        "small": ("date", "d MMM yyyy", "lower"),
        "mixed": ("date", "dd-MMM-yyyy", None),
        "sas_dt20": ("timestamp", "ddMMMyyyy:HH:mm:ss", "upper"),  # SAS's DATETIME20.
        "sas_dt16": ("timestamp", "ddMMMyy:HH:mm:ss", "upper"),  # DATETIME16.
    }
    for name in ("oracle", "sas9", "sas7", "small", "mixed"):
        assert frame[name].tolist() == [dt.date(2019, 3, 15), dt.date(2020, 12, 1)], name
    assert frame["sas_dt20"].tolist() == [
        pd.Timestamp("2019-03-15T14:30:00Z"),
        pd.Timestamp("2020-12-01T09:05:59Z"),
    ]
    # A two-digit year is at most ten years after the run, in a timestamp too: 85 is 1985.
    assert frame["sas_dt16"].tolist()[1] == pd.Timestamp("1985-12-01T09:05:59Z")


@pytest.mark.parametrize(
    "cells",
    [
        ["15MAR2019", "16-MAR-2019"],  # with and without a separator in one column
        ["Sept 15, 2019", "Oct 1, 2019"],  # another abbreviation
        ["15-Mar-2019", "Mar 16, 2019"],  # two ways of writing in one column
        ["15 Mär 2019", "16 mars 2019"],  # two languages in one column
    ],
)
def test_other_month_names_stay_text(spark, tmp_path, cells):
    content = "d,k\n" + "".join(f'"{cell}",{i}\n' for i, cell in enumerate(cells))
    schema, frame, _ = run_prepare(spark, tmp_path, content)
    assert schema.column("d").type == "categorical"
    assert frame["d"].tolist() == cells


def test_a_one_off_far_date_is_refused_not_published(spark, tmp_path):
    """A far date fewer rows hold than value protection's k is a typo (3024 for 2024),
    not a way of writing "none": written back, a record's own value would be published."""
    content = "opened,n\n" + "".join(
        f"{'3024-05-17' if i == 7 else f'2024-01-{i % 28 + 1:02d}'},{i}\n" for i in range(40)
    )
    with pytest.raises(InputRefused) as caught:
        run_prepare(spark, tmp_path, content)
    assert caught.value.code == "far_dates"
    assert caught.value.details == {"position": 1, "far_dates": 1, "empty_cells": 0}
    assert "3024" not in caught.value.message and "mistyped" in caught.value.fix
    # By position, as every refusal names a column: a header can be personal data.
    assert "opened" not in caught.value.message and caught.value.message.startswith("Column 1:")


@pytest.mark.parametrize(
    ("good", "bad", "kind"),
    [
        ("{d:02d}.03.2024", "31.02.2024", "date"),  # a day February lacks
        ("2024-03-{d:02d}", "2024-02-30", "date"),
        ("2024-03-{d:02d} 10:00", "2024-03-05 24:00", "timestamp"),  # no hour 24
        ("{d}/03/2024 14:30", "31/04/2024 14:30", "timestamp"),
        ("{d}-Mar-2024", "30-Feb-2024", "date"),
        ("2020-W{d:02d}", "2021-W53", "date"),  # 2021 has 52 ISO weeks
        ("{d} Mar 2024 10:00:00 +0100", "30 Feb 2024 10:00:00 +0100", "timestamp"),
        ("{d:02d}-MAR-24 10.00.00.000000 AM", "30-FEB-24 10.00.00.000000 AM", "timestamp"),
    ],
)
def test_values_with_a_dates_shape_that_are_no_day_are_refused_not_emptied(
    spark, tmp_path, good, bad, kind
):
    """Spark's cast makes 31.02.2024 an empty cell: the owner's value would be lost
    without a word, so the file is refused and the message says which column."""
    cells = [bad if i in (3, 17) else good.format(d=i % 28 + 1) for i in range(40)]
    content = "booked,n\n" + "".join(f"{cell},{i}\n" for i, cell in enumerate(cells))
    with pytest.raises(InputRefused) as caught:
        run_prepare(spark, tmp_path, content)
    assert caught.value.code == "unreadable_values"
    assert caught.value.details == {"position": 1, "type": kind, "unreadable": 2}
    assert bad not in caught.value.message and "config/<dataset>.json" in caught.value.fix
    assert "booked" not in caught.value.message


def test_the_far_date_that_stands_for_none_is_not_counted_unreadable(spark, tmp_path):
    """0000-00-00 (MySQL's "no date") has a date's shape and is no day; held by k rows
    in a column without empty cells it is the column's null, as 9999-12-31 is."""
    content = "closed,n\n" + "".join(
        f"{'0000-00-00' if i % 4 == 0 else f'2024-01-{i % 28 + 1:02d}'},{i}\n" for i in range(48)
    )
    schema, frame, _ = run_prepare(spark, tmp_path, content)
    assert schema.column("closed").type == "date"
    assert schema.column("closed").null_text == "0000-00-00"
    assert frame["closed"].isna().sum() == 12


@pytest.mark.parametrize(
    "cells",
    [
        ["Tue, 05 Mar 2024", "Sun, 10 Mar 2024 12:00"],  # a date, then a timestamp
        ["Tue, 05 Mar 2024", "dimanche 10 mars 2024"],  # two languages
        ["Tue, 05 Mar 2024", "Sun 10 Mar 2024"],  # two separators
        ["Mar 5, 2024", "Mar 10, 2024"],  # a month, not Tuesday: dates as they are
        ["Tue, Mar", "Sun, Apr"],  # no date after the weekday
        ["Mon 09:00", "Sat 14:30"],  # a weekday and a time: opening hours, not a date
    ],
)
def test_weekdays_are_read_only_before_dates_written_one_way(spark, tmp_path, cells):
    content = "d,k\n" + "".join(f'"{cell}",{i}\n' for i, cell in enumerate(cells * 5))
    schema, frame, _ = run_prepare(spark, tmp_path, content)
    column = schema.column("d")
    if cells[0].startswith("Mar"):
        assert (column.type, column.weekday_names) == ("date", None)
    else:
        assert column.type == "categorical" and column.weekday_names is None
        assert frame["d"].tolist() == cells * 5


def test_internet_timestamps_are_read_as_the_instants_their_offsets_say(spark, tmp_path):
    """E-mail's timestamps carry their sender's offset: the cleaned value is the UTC
    instant (as an ISO offset's is), GMT among the offsets reads as +0000."""
    cells = ["Tue, 05 Mar 2024 09:00:00 -0800", "Wed, 06 Mar 2024 23:30:00 +0530"]
    cells += ["Thu, 07 Mar 2024 12:00:00 GMT"]
    content = "received,k\n" + "".join(f'"{cell}",{i % 2}\n' for i, cell in enumerate(cells * 4))
    schema, frame, _ = run_prepare(spark, tmp_path, content)
    column = schema.column("received")
    assert (column.type, column.text_format) == ("timestamp", "EEE, dd MMM yyyy HH:mm:ss xx")
    instants = pd.to_datetime(frame["received"][:3].tolist(), utc=True).strftime("%d %H:%M")
    assert instants.tolist() == ["05 17:00", "06 18:00", "07 12:00"]


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (["2024-03-05 09:00:00-08", "2024-03-06 23:30:00+05"], ["05 17:00", "06 18:30"]),
        (
            ["2024-03-05 09:00:00.1234567 -08:00", "2024-03-06 23:30 +0530"],
            ["05 17:00", "06 18:00"],
        ),
        (["2024-03-05T09:00:00 UTC", "2024-03-06 23:30 GMT"], ["05 09:00", "06 23:30"]),
    ],
)
def test_database_timestamps_are_read_as_the_instants_their_zones_say(
    spark, tmp_path, cells, expected
):
    content = "stamp,k\n" + "".join(f"{cell},{i % 2}\n" for i, cell in enumerate(cells * 6))
    schema, frame, _ = run_prepare(spark, tmp_path, content)
    assert schema.column("stamp").type == "timestamp"
    instants = pd.to_datetime(frame["stamp"][:2].tolist(), utc=True).strftime("%d %H:%M")
    assert instants.tolist() == expected


def test_distinct_counts_are_exact(spark, tmp_path):
    """HyperLogLog estimated 1,034 distinct values for the texts 0 to 999 (and 6,873 for
    6,384 years in Ecdat's treering). Training's choices turn on these counts (codes up
    to 250 values, integers up to 10): the profile's and schema.json's are exact."""
    rows = [f"{i},{i * 37 % 997 / 10},{i * 7 % 1999},{i % 7}\n" for i in range(3000)]
    schema, _, _ = run_prepare(spark, tmp_path, "n,x,m,k\n" + "".join(rows))
    assert schema.column("n").role == "dropped"  # a row number: counted from its texts
    assert schema.column("n").distinct_count == 3000
    assert [schema.column(c).role for c in ("x", "m", "k")] == ["feature"] * 3
    assert [schema.column(c).distinct_count for c in ("x", "m", "k")] == [997, 1999, 7]


def test_significant_digits_are_the_most_any_value_has(spark, tmp_path):
    content = 'r,eu,k\n200.0126,"1.234,50",a\n157,"0,000123",b\n0.1234567,12,c\n1.5e-3,3,d\n'
    schema, _, _ = run_prepare(spark, tmp_path, content)
    assert schema.column("r").significant_digits == 7  # 1.5e-3 in exponent form: not counted
    assert schema.column("eu").significant_digits == 6  # 1.234,50: digits of groups too
    assert schema.column("k").significant_digits is None


def test_codes_with_leading_zeros_stay_text(spark, tmp_path):
    content = "postcode,n\n01234,1\n75001,2\n00501,3\n"
    schema, frame, _ = run_prepare(spark, tmp_path, content)
    assert schema.column("postcode").type == "categorical"
    assert frame["postcode"].tolist() == ["01234", "75001", "00501"]


def test_a_row_number_column_is_an_identifier(spark, tmp_path):
    content = "row,kind\n" + "".join(f"{i},{'ab'[i % 2]}\n" for i in range(1, 41))
    schema, frame, _ = run_prepare(spark, tmp_path, content)
    assert schema.column("row").reason.startswith("identifier")
    assert schema.column("row").role == "dropped"  # the default privacy action for ids
    assert "row" not in frame.columns
    assert schema.column("kind").role == "feature"


def test_row_numbers_of_a_filtered_extract_are_an_identifier(spark, tmp_path):
    """Every third row filtered out: unique per row, within 1.5 x the rows."""
    kept = [i for i in range(1, 61) if i % 3]
    content = "row,kind,amount\n" + "".join(f"{i},{'ab'[i % 2]},{i * 37 % 1000}\n" for i in kept)
    schema, frame, _ = run_prepare(spark, tmp_path, content)
    assert schema.column("row").reason.startswith("identifier")
    assert schema.column("row").role == "dropped" and "row" not in frame.columns
    # Unique per row too, but spread over 25 x the rows: a quantity, not a key.
    assert schema.column("amount").role == "feature"


def test_config_overrides_type_role_and_drops(spark, tmp_path):
    content = "zip,opened,customer,note,n\n28007,03/04/2024,C1,x,1\n28008,04/05/2024,C2,y,2\n"
    config = {
        "columns": {
            "zip": {"type": "categorical"},
            "opened": {"type": "date", "format": "MM/dd/yyyy"},
            "customer": {"role": "identifier", "pii_action": "keep"},
        },
        "drop_columns": ["note"],
    }
    schema, frame, _ = run_prepare(spark, tmp_path, content, config=config)
    assert frame["zip"].tolist() == ["28007", "28008"]
    assert frame["opened"].tolist() == [dt.date(2024, 3, 4), dt.date(2024, 4, 5)]
    assert schema.column("customer").role == "identifier"
    assert frame["customer"].tolist() == ["C1", "C2"]
    assert schema.column("note").role == "dropped"
    assert "note" not in frame.columns


def test_config_type_that_values_do_not_fit_fails_with_the_count(spark, tmp_path):
    content = "amount,label\n1.5,a\nabc,b\n2,c\n"
    with pytest.raises(StepFailed) as caught:
        run_prepare(spark, tmp_path, content, config={"columns": {"amount": {"type": "decimal"}}})
    assert caught.value.code == "config_type_mismatch"
    assert caught.value.details == {"column": "amount", "type": "decimal", "unparsed": 1}
    assert "abc" not in str(caught.value)


def test_config_naming_an_unknown_column_is_refused(spark, tmp_path):
    with pytest.raises(InputRefused) as caught:
        run_prepare(spark, tmp_path, "a,b\n1,2\n", config={"target_column": "fraud"})
    assert caught.value.code == "bad_dataset_config"
    assert caught.value.details["unknown_columns"] == ["fraud"]


def test_schema_json_round_trips(spark, tmp_path):
    schema, _, layout = run_prepare(spark, tmp_path, "a,b\n1,x\n2,y\n")
    written = DatasetSchema.from_json(Path(layout.schema_json).read_text())
    assert written == schema


def test_same_input_gives_the_same_cleaned_data(spark, banksim_csv, tmp_path):
    def digest(folder: Path) -> str:
        table = pq.read_table(folder)
        return hashlib.sha256(table.to_pandas().to_csv(index=False).encode()).hexdigest()

    _, _, first = run_prepare(spark, tmp_path / "one", banksim_csv.read_bytes())
    _, _, second = run_prepare(spark, tmp_path / "two", banksim_csv.read_bytes())
    assert digest(Path(first.cleaned_data)) == digest(Path(second.cleaned_data))


def test_rows_that_differ_only_in_a_dropped_column_are_not_duplicates(spark, tmp_path):
    rows = [f"C{100000 + i},{'ab'[i % 2]},{i % 2}\n" for i in range(40)]
    content = "customer,kind,n\n" + "".join(rows)
    schema, frame, _ = run_prepare(spark, tmp_path, content)
    assert schema.column("customer").role == "dropped"
    assert len(frame) == 40
    assert schema.duplicate_rows_dropped == 0


def _state_codes_csv() -> str:
    """51 numeric state codes (as in the unemployment-benefits table) and an amount."""
    rows = "".join(f"{[1, 2, 4, 5, 6][i % 5] + 10 * (i % 11)},{100 + i}\n" for i in range(600))
    return "state,amount\n" + rows


def test_numeric_codes_are_categories_with_their_text(spark, tmp_path):
    schema, frame, _ = run_prepare(spark, tmp_path, _state_codes_csv())
    state = schema.column("state")
    assert (state.type, state.type_source) == ("categorical", "inferred")
    assert state.code_reason.startswith("named like a code")
    assert frame["state"].iloc[0] == "1" and frame["state"].map(type).eq(str).all()
    assert schema.column("amount").type == "integer" and not schema.column("amount").code_reason


def test_config_keeps_a_code_like_column_a_number(spark, tmp_path):
    config = {"columns": {"state": {"type": "integer"}}}
    schema, frame, _ = run_prepare(spark, tmp_path, _state_codes_csv(), config=config)
    state = schema.column("state")
    assert (state.type, state.type_source, state.code_reason) == ("integer", "config", "")
    assert frame["state"].dtype == "int64"


def test_many_codes_filling_their_range_stay_numbers_with_their_reason(spark, tmp_path):
    content = "commune,n\n" + "".join(f"{1 + i % 120},{i % 7}\n" for i in range(2400))
    schema, _, _ = run_prepare(spark, tmp_path, content)
    commune = schema.column("commune")
    assert commune.type == "integer" and "modelled as a number" in commune.code_reason


def test_a_repeated_whole_number_named_id_is_a_key(spark, tmp_path):
    """A customer id on each of their purchases: modelled as a number, its synthetic
    values would be real ids beside rows that are not theirs."""
    rng = np.random.default_rng(3)
    customers = rng.permutation(np.repeat(np.arange(5000, 5120), 3))
    content = "customer_id,amount\n" + "".join(f"{c},{rng.integers(1, 900)}\n" for c in customers)
    schema, frame, _ = run_prepare(spark, tmp_path, content)
    assert schema.column("customer_id").role == "dropped"
    assert schema.column("customer_id").reason.startswith("identifier")
    assert "customer_id" not in frame.columns
    assert schema.column("amount").role == "feature"


@pytest.mark.parametrize("in_order", [True, False])
def test_a_key_word_needs_the_rows_sorted_by_it(spark, tmp_path, in_order):
    """`nr` also heads counts (`nr_children`): a panel's person numbers (sparse, each on
    eight rows) are a key because the file is sorted by them; the same numbers in no
    order are a quantity."""
    rng = np.random.default_rng(4)
    people = np.repeat(np.sort(rng.choice(np.arange(13, 12_548), 130, replace=False)), 8)
    if not in_order:
        people = rng.permutation(people)
    wages = rng.integers(900, 4000, len(people))
    content = "nr,wage\n" + "".join(f"{p},{w}\n" for p, w in zip(people, wages, strict=True))
    schema, frame, _ = run_prepare(spark, tmp_path, content)
    assert (schema.column("nr").role == "dropped") is in_order
    assert ("nr" in frame.columns) is not in_order
    if in_order:
        assert "sorted by it" in schema.column("nr").reason


@pytest.mark.parametrize(("repeats", "pandas"), [(1, False), (4, False), (4, True)])
def test_whole_numbers_drawn_at_random_are_a_key_under_any_name(spark, tmp_path, repeats, pandas):
    """Ten-digit account numbers under a neutral name, one per row or a customer's on
    each of their rows, also as pandas writes them when one is missing (6197035322.0):
    modelled as a number, value protection's bounds (the k-th smallest and largest real
    values) were real account numbers in the synthetic rows. Beside them, numbers of one
    width that are quantities: clustered (timestamps in seconds), rounded (prices), or
    spanning a small part of their width's range."""
    rng = np.random.default_rng(5)
    accounts = np.repeat(rng.integers(10**9, 10**10, 150), repeats).astype(str)
    if pandas:
        accounts = np.array([f"{a}.0" if i % 50 else "" for i, a in enumerate(accounts)])
    rows = len(accounts)
    seconds = rng.integers(1_700_000_000, 1_730_000_000, rows)  # 2023-11 to 2024-10
    prices = rng.integers(1_000, 9_999, rows) * 100  # 100000 to 999900, in hundreds
    counts = rng.integers(200_000, 330_000, rows)  # six digits over 0.14 of their range
    content = "c1,c2,c3,c4\n" + "".join(
        f"{a},{s},{p},{c}\n" for a, s, p, c in zip(accounts, seconds, prices, counts, strict=True)
    )
    schema, frame, _ = run_prepare(spark, tmp_path, content)
    assert schema.column("c1").role == "dropped" and "c1" not in frame.columns
    assert "drawn at random" in schema.column("c1").reason
    assert [schema.column(c).role for c in ("c2", "c3", "c4")] == ["feature"] * 3


def test_whole_numbers_numbered_in_sequence_are_a_key_under_any_name(spark, tmp_path):
    """Customer numbers 100001 to 100150, each on its customer's 20 rows under a neutral
    name, were modelled as a number until stop 49: every synthetic value in their range is
    a real customer's number. Beside them, quantities as large that repeat: a pressure in
    pascals (bell-shaped, filling 0.76 of its range) and prices in hundreds."""
    rng = np.random.default_rng(7)
    customers = rng.permutation(np.repeat(np.arange(100_001, 100_151), 20))
    rows = len(customers)
    pressure = np.round(rng.normal(101_325, 100, rows)).astype(int)
    prices = rng.integers(100, 400, rows) * 100
    content = "c1,c2,c3\n" + "".join(
        f"{c},{p},{q}\n" for c, p, q in zip(customers, pressure, prices, strict=True)
    )
    schema, frame, _ = run_prepare(spark, tmp_path, content)
    assert schema.column("c1").role == "dropped" and "c1" not in frame.columns
    assert "numbered in sequence" in schema.column("c1").reason
    assert [schema.column(c).role for c in ("c2", "c3")] == ["feature"] * 2


def test_short_codes_of_one_prefix_are_a_key_under_any_name(spark, tmp_path):
    """Customers written C1 ... C150 (a prefix and up to four digits), each on twelve
    rows under a neutral name: kept as a category, each code held by more rows than
    value protection's k, and published. Diagnosis codes of many prefixes (E11, I10),
    as many different ones, are a category."""
    rng = np.random.default_rng(6)
    customers = rng.permutation(np.repeat(np.arange(1, 151), 12))
    letters = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    diagnoses = [f"{letters[i % 26]}{i // 26 + 10}" for i in rng.integers(0, 200, len(customers))]
    content = "c1,c2,c3\n" + "".join(
        f"C{c},{d},{rng.integers(1, 900)}\n" for c, d in zip(customers, diagnoses, strict=True)
    )
    schema, frame, _ = run_prepare(spark, tmp_path, content)
    assert schema.column("c1").role == "dropped" and "c1" not in frame.columns
    assert schema.column("c1").reason.startswith("identifier")
    assert schema.column("c2").role == "feature"
    assert schema.column("c2").type == "categorical"


def _plates(rng: np.random.Generator, count: int) -> list[str]:
    """Licence plates as Germany, the UK, France, California and Spain write them."""
    letters = np.array(list("ABCDEFGHJKLMNPRSTVWXYZ"))

    def some(k: int) -> str:
        return "".join(rng.choice(letters, k))

    forms = [
        lambda: f"{some(1)}-{some(2)} {rng.integers(1, 9999)}",
        lambda: f"{some(2)}{rng.integers(10, 99)} {some(3)}",
        lambda: f"{some(2)}-{rng.integers(100, 999)}-{some(2)}",
        lambda: f"{rng.integers(1, 9)}{some(3)}{rng.integers(100, 999)}",
        lambda: f"{rng.integers(1000, 9999)} {some(3)}",
    ]
    return [forms[i % len(forms)]() for i in range(count)]


def test_licence_plates_are_a_key_under_any_name(spark, tmp_path):
    """A car park's or an insurer's rows: 300 cars, each on ten rows, under a neutral
    name. As a category, every plate held by more rows than value protection's k was
    published (stop 48). Diagnosis codes (E11.9), seats (12A) and product names of
    letters and digits, as many different ones, stay a category."""
    rng = np.random.default_rng(8)
    plates = _plates(rng, 300)
    cars = rng.permutation(np.repeat(np.arange(300), 10))
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    rows = [
        f"{plates[car]},{letters[j % 26]}{j % 90 + 10}.{j % 7},{j % 40 + 1}{letters[j % 6]},"
        f"Model {letters[j % 26]}{j % 8 + 1}00 Pro,{rng.integers(5, 90)}\n"
        for car, j in zip(cars, rng.integers(0, 150, len(cars)), strict=True)
    ]
    schema, frame, _ = run_prepare(spark, tmp_path, "c1,c2,c3,c4,c5\n" + "".join(rows))
    assert schema.column("c1").role == "dropped" and "c1" not in frame.columns
    assert "registrations" in schema.column("c1").reason
    assert not [p for p in plates if p in schema.column("c1").reason]
    assert [schema.column(c).role for c in ("c2", "c3", "c4")] == ["feature"] * 3


def test_a_record_spark_cannot_split_never_reaches_the_terminal(tmp_path):
    """Should a file validation accepted still hold a record Spark's reader cannot split
    (the fuzzing of December 2026 found one), the executor's error log, which quotes the
    record, stays off the terminal: the run's own log says what failed, redacted. In a
    process of its own: Spark's logging is set when its JVM starts."""
    raw = tmp_path / "input.csv"
    raw.write_bytes(b'id;note\r\n1;"a\r\nb"\r\n2;Jane Secretperson\n3;d\r\n')
    script = f"""
from synthpipe.prepare import CsvDialect
from synthpipe.prepare._transform import read_csv
from synthpipe.spark import local_session
dialect = CsvDialect(encoding="utf-8", delimiter=";", columns=["id", "note"], multiline=True)
try:
    read_csv(local_session(cores=1, quick_start=True), {str(raw)!r}, dialect).count()
except Exception as exc:
    print("failed:", type(exc).__name__)
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=True
    )
    assert "failed: Py4JJavaError" in done.stdout
    assert "Secretperson" not in done.stdout + done.stderr


def test_half_a_unit_of_a_number_beyond_a_double_is_capped():
    """`1e309`, read as infinite, overflowed Python's float in the function screen and
    stopped Prepare (fuzzing, stop 48)."""
    from types import SimpleNamespace

    from synthpipe.prepare._functions import half_unit

    decimal = SimpleNamespace(type="decimal", format=".")
    assert half_unit(decimal, "3.14") == pytest.approx(0.005)
    assert half_unit(decimal, "1.5e-3") == pytest.approx(0.00005)
    assert half_unit(decimal, "1e309") == 0.5e308
