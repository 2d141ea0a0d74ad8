"""Input validation: a catalogue of bad files (one per refusal code) and odd-but-valid ones."""

from __future__ import annotations

import bz2
import codecs
import gzip
import hashlib
import io
import json
import lzma
import zipfile
from pathlib import Path

import pytest

from synthpipe.errors import InputRefused
from synthpipe.validate import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_COLUMNS,
    DEFAULT_MAX_RECORD_BYTES,
    InputLimits,
    InputReport,
    validate_file,
    validate_stream,
)
from tests.odd_inputs import ODD_INPUTS

# Distinctive cell values: no refusal may echo them in its details.
SECRET = "SECRET-ALICE-0612345678"


def write(tmp_path: Path, content: str | bytes, name: str = "data.csv", encoding="utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode(encoding) if isinstance(content, str) else content)
    return path


def refusal(path: Path, **kwargs) -> InputRefused:
    with pytest.raises(InputRefused) as info:
        validate_file(path, **kwargs)
    err = info.value
    assert err.step == "validate"
    assert err.message and err.fix
    json.dumps(err.to_reason())  # details are machine-readable
    return err


def assert_no_cell_values(err: InputRefused, *values: str) -> None:
    details = json.dumps(err.details, ensure_ascii=False)
    for value in (SECRET, *values):
        assert value not in details


def accepted(tmp_path: Path, content: str | bytes, encoding="utf-8") -> InputReport:
    return validate_file(write(tmp_path, content, encoding=encoding))


class ChunkyStream(io.RawIOBase):
    """A stream that returns at most `step` bytes per read, like a network body."""

    def __init__(self, data: bytes, step: int = 1000) -> None:
        self._data = io.BytesIO(data)
        self._step = step

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        return self._data.read(min(n, self._step) if n >= 0 else self._step)


# --- refusals: the file itself ------------------------------------------------------------


def test_refuses_missing_file(tmp_path):
    err = refusal(tmp_path / "nope.csv")
    assert err.code == "file_missing"


def test_refuses_directory_as_file(tmp_path):
    err = refusal(tmp_path)
    assert err.code == "file_missing"


def test_refuses_zero_byte_file(tmp_path):
    err = refusal(write(tmp_path, b""))
    assert err.code == "empty_file"


def test_refuses_whitespace_only_file(tmp_path):
    err = refusal(write(tmp_path, "  \r\n\n\t \n"))
    assert err.code == "empty_file"


@pytest.mark.fault_catalogue
def test_refuses_file_over_the_size_limit_and_says_how_to_raise_it(tmp_path):
    err = refusal(write(tmp_path, f"a,b\n1,{SECRET}\n"), max_bytes=10)
    assert err.code == "too_large"
    assert err.details["max_bytes"] == 10
    assert "limit" in err.message and "setting" in err.fix
    assert_no_cell_values(err)


def test_refuses_stream_longer_than_its_declared_size():
    data = b"a,b\n" + b"1,2\n" * 100
    with pytest.raises(InputRefused) as info:
        validate_stream(io.BytesIO(data), size=10, name="x.csv", max_bytes=50)
    assert info.value.code == "too_large"


def test_default_size_limit_is_five_gib():
    assert DEFAULT_MAX_BYTES == 5 * 1024**3


# --- refusals: not a text CSV ---------------------------------------------------------------

CSV_BYTES = f"name,phone\n{SECRET},1\n".encode()


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for member, data in members.items():
            archive.writestr(member, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("magic", "content"),
    [
        ("gzip", gzip.compress(CSV_BYTES, mtime=0)),
        ("zip", _zip({"data.csv": CSV_BYTES})),
        ("bzip2", bz2.compress(CSV_BYTES)),
        ("xz", lzma.compress(CSV_BYTES)),
        ("zstd", b"\x28\xb5\x2f\xfd" + b"\x00\x58" + CSV_BYTES),
        ("7z", b"7z\xbc\xaf\x27\x1c\x00\x04" + CSV_BYTES),
    ],
)
def test_refuses_compressed_file(tmp_path, magic, content):
    err = refusal(write(tmp_path, content))
    assert err.code == "compressed"
    assert err.details["magic"] == magic
    assert_no_cell_values(err)


def test_refuses_xlsx_and_says_save_as_csv(tmp_path):
    workbook = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
    err = refusal(write(tmp_path, workbook, name="data.csv"))
    assert err.code == "compressed"
    assert "xlsx" in err.details["looks_like"]
    assert "save it as CSV" in err.fix


def test_refuses_parquet_saved_as_csv(tmp_path):
    err = refusal(write(tmp_path, b"PAR1\x15\x04\x15\x10\x15\x14L\x15\x02\x15\x00" + CSV_BYTES))
    assert err.code == "binary"
    assert "Parquet" in err.details["looks_like"]


@pytest.mark.parametrize(
    ("content", "looks_like"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "PDF"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "JPEG"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64), "xls"),
    ],
)
def test_refuses_documents_and_images_saying_what_they_look_like(tmp_path, content, looks_like):
    err = refusal(write(tmp_path, content))
    assert err.code == "binary"
    assert looks_like in err.details["looks_like"]


def test_refuses_file_with_nul_bytes(tmp_path):
    err = refusal(write(tmp_path, b"a,b\n1,\x00\x00\x01\x02binary\x00\n"))
    assert err.code == "binary"


def test_refuses_file_full_of_control_characters(tmp_path):
    err = refusal(write(tmp_path, bytes(range(1, 32)) * 20 + CSV_BYTES))
    assert err.code == "binary"
    assert_no_cell_values(err)


def test_refuses_nul_bytes_after_the_head_with_their_line(tmp_path):
    rows = "".join(f"{i},{SECRET}\n" for i in range(20_000))
    err = refusal(write(tmp_path, ("a,b\n" + rows).encode() + b"1,\x00\n"))
    assert err.code == "binary"
    assert err.details["line"] == 20_002
    assert_no_cell_values(err)


@pytest.mark.parametrize(
    ("encoding", "bom", "named"),
    [
        ("utf-16", b"", "utf-16"),  # Python writes its byte order mark
        ("utf-16-be", codecs.BOM_UTF16_BE, "utf-16"),
        ("utf-16-le", b"", "utf-16-le"),
        ("utf-16-be", b"", "utf-16-be"),
        ("utf-32", b"", "utf-32"),
    ],
)
def test_reads_utf16_and_utf32_and_reports_the_files_own_bytes(encoding, bom, named):
    text = "Name\tStadt\tBetrag\r\n" + "".join(
        f"{SECRET}{i}\tZürich 😀 Łódź\t{i},5\r\n" for i in range(3000)
    )
    content = bom + text.encode(encoding)
    # Reads of 777 bytes cut characters (and surrogate pairs) in two.
    report = validate_stream(ChunkyStream(content, step=777), size=len(content), name="u.csv")
    assert report.encoding == named
    assert report.delimiter == "\t"
    assert (report.header, report.data_rows) == (["Name", "Stadt", "Betrag"], 3000)
    assert report.size_bytes == len(content)
    assert report.sha256 == hashlib.sha256(content).hexdigest()
    assert report.line_terminator == "\r\n"


def test_reads_utf16_without_a_bom_in_a_non_latin_script(tmp_path):
    # ASCII (the delimiters, digits and line ends) is a fifth of the characters.
    text = "顧客;都市;金額\r\n" + "".join(
        f"山田太郎様;東京都港区六本木ヒルズ森タワー;{i % 10}\r\n" for i in range(50)
    )
    report = accepted(tmp_path, text.encode("utf-16-le"))
    assert (report.encoding, report.header) == ("utf-16-le", ["顧客", "都市", "金額"])
    assert report.data_rows == 50


def test_magic_numbers_are_read_before_nuls_are_taken_for_utf16(tmp_path):
    content = gzip.compress(b"")[:4] + ("a,b\n1,2\n" * 200).encode("utf-16-le")
    assert refusal(write(tmp_path, content)).code == "compressed"


def test_utf16_files_are_refused_as_any_file_with_their_lines_named(tmp_path):
    content = f"a,b\n1,{SECRET}\n2\n3,4\n".encode("utf-16")
    err = refusal(write(tmp_path, content))
    assert err.code == "ragged_rows"
    assert err.details["first_lines"] == [{"line": 3, "fields": 1}]
    assert_no_cell_values(err)


@pytest.mark.parametrize(
    "content",
    [
        f"a,b\n1,{SECRET}\n".encode("utf-16")[:-1],  # cut inside the last character
        f"a,b\n1,{SECRET}\n".encode("utf-16") + "2,\ud800".encode("utf-16-le", "surrogatepass"),
    ],
)
def test_refuses_utf16_that_is_cut_or_holds_a_lone_surrogate(tmp_path, content):
    err = refusal(write(tmp_path, content))
    assert err.code == "unsupported_encoding"
    assert err.details["encoding"] == "UTF-16"
    assert err.details["byte_offset"] > 0
    assert_no_cell_values(err)


def test_refuses_file_mixing_utf8_and_cp1252(tmp_path):
    content = "name,city\nAnna,Zürich\n".encode() + "Jörg,Köln\n".encode("cp1252")
    err = refusal(write(tmp_path, content))
    assert err.code == "unsupported_encoding"
    assert err.details["first_non_utf8_line"] == 3
    assert_no_cell_values(err, "Jörg", "Malm")


@pytest.mark.parametrize("content", [b"name;city\nAnna;Paris\nJos;Andr\xe9", b"a;b\n1;caf\xe9"])
def test_reads_cp1252_whose_only_accent_ends_the_file(tmp_path, content):
    # A UTF-8 decoder holds back a last byte that may start a character: found by fuzzing,
    # such a file was refused as mixing encodings, and a header alone crashed validation.
    assert accepted(tmp_path, content).encoding == "cp1252"
    assert refusal(write(tmp_path, b"name;caf\xe9")).code == "no_data_rows"


def test_refuses_a_utf8_header_over_rows_in_another_encoding(tmp_path):
    # Past the first MiB read, only the lines after the first that is not UTF-8 name the
    # encoding: cp949, which the UTF-8 header does not decode in (validation crashed).
    rows = "".join(f"n{i},{i},x\n" for i in range(150_000)).encode()
    later = "".join(f"김민준{i},{i},서울특별시\n" for i in range(200)).encode("cp949")
    err = refusal(write(tmp_path, "名前,金額,도시\n".encode() + rows + later))
    assert (err.code, err.details["encoding"]) == ("unsupported_encoding", "mixed")
    assert err.details["first_non_utf8_line"] == 150_002


@pytest.mark.parametrize(
    "text",
    [
        "name,city\nAnna,Zürich\nJörg,Malmö",
        # Its cut last line alone was sampled, named cp949, and the header crashed.
        "数量,金額,日付,率\n８,４，５７１,２０２４／０２／０２,１．７％\n２３,５８，１３６,,２７．２％",
    ],
    ids=["latin", "cjk"],
)
def test_refuses_utf8_cut_inside_its_last_character(tmp_path, text):
    err = refusal(write(tmp_path, text.encode()[:-1]))
    assert err.code == "unsupported_encoding"
    assert "cut short" in err.message
    assert err.details["first_non_utf8_line"] == 3
    assert_no_cell_values(err, *filter(None, text.split("\n")[2].split(",")))


@pytest.mark.parametrize(
    "content",
    [
        f"\ufeff \n<!DOCTYPE html><html><body><p>{SECRET}</p></body></html>",
        f"<table><tr><td>{SECRET}</td></tr></table>",
        f"  <HTML>\n<head></head><body>{SECRET}</body></HTML>",
    ],
)
def test_refuses_html_saved_as_csv(tmp_path, content):
    err = refusal(write(tmp_path, content))
    assert err.code == "html"
    assert_no_cell_values(err)


def test_refuses_json_array_saved_as_csv(tmp_path):
    err = refusal(write(tmp_path, json.dumps([{"name": SECRET, "age": 3}] * 3)))
    assert err.code == "json"
    assert_no_cell_values(err)


def test_refuses_json_lines_saved_as_csv(tmp_path):
    lines = "\n".join(json.dumps({"name": SECRET, "n": i}) for i in range(5))
    err = refusal(write(tmp_path, lines + "\n"))
    assert err.code == "json"


def test_refuses_large_json_document_cut_by_the_head(tmp_path):
    document = {"records": [{"name": SECRET, "n": i} for i in range(20_000)]}
    err = refusal(write(tmp_path, json.dumps(document, indent=2)))
    assert err.code == "json"


def test_accepts_csv_whose_header_uses_square_brackets(tmp_path):
    report = accepted(tmp_path, "[id],[name]\n1,x\n")
    assert report.columns == ["id", "name"]


# --- refusals: the table's shape ---------------------------------------------------------------


def test_refuses_colon_separated_file_as_no_delimiter(tmp_path):
    rows = "".join(f"{i}:{SECRET}:x\n" for i in range(5))
    err = refusal(write(tmp_path, "id:name:flag\n" + rows))
    assert err.code == "no_delimiter"
    assert err.details["possible_delimiter"] == ":"
    assert_no_cell_values(err)


def test_refuses_space_aligned_columns_as_no_delimiter(tmp_path):
    err = refusal(
        write(tmp_path, "id    name      amount\n1     Bob       3.5\n2     Eve       4\n")
    )
    assert err.code == "no_delimiter"


def test_reads_fields_separated_by_one_space_as_r_writes_them(tmp_path):
    """R's write.table (lifelines' anderson.csv): refused as a single column before."""
    rows = "".join(f'{i} "on time" {i * 1.5} {i % 2}\n' for i in range(30))
    report = accepted(tmp_path, '"t" "status" "amount" "rx"\n' + rows)
    assert report.delimiter == " "
    assert report.columns == ["t", "status", "amount", "rx"]
    assert report.data_rows == 30


@pytest.mark.parametrize(
    "content",
    [
        "note\non time\nlate\nlate by far\n",  # one column of words
        "id  amount\n1  3.5\n2  4\n",  # runs of spaces: aligned, not one space
        "id amount\n1 3.5\n2 4 5\n",  # a record that disagrees
    ],
    ids=["words", "aligned", "ragged"],
)
def test_spaces_that_do_not_split_every_row_alike_are_no_delimiter(tmp_path, content):
    assert refusal(write(tmp_path, content)).code in ("too_few_columns", "no_delimiter")


def test_refuses_prose_with_random_commas_as_no_delimiter(tmp_path):
    text = (
        "Dear team, here is the export.\n"
        "It has no columns at all\n"
        "Regards, Bob, from accounting, Paris, France\n"
        "p.s. none\n"
        "nothing else\n"
    )
    err = refusal(write(tmp_path, text))
    assert err.code == "no_delimiter"


def test_refuses_single_column_file_as_too_few_columns(tmp_path):
    err = refusal(write(tmp_path, f"name\n{SECRET}\nBob Smith\nEve\n"))
    assert err.code == "too_few_columns"
    assert_no_cell_values(err)


def test_refuses_trailing_delimiter_single_column_as_too_few_columns(tmp_path):
    err = refusal(write(tmp_path, "name,\nBob,\nEve,\n"))
    assert err.code == "too_few_columns"


def test_refuses_file_whose_first_row_is_data(tmp_path):
    err = refusal(write(tmp_path, "1,2.5,2024-01-01,-3\n4,5.5,2024-01-02,7\n"))
    assert err.code == "header_missing"
    assert "header" in err.fix
    assert_no_cell_values(err, "2024-01-01", "2.5")


def test_accepts_header_with_some_numeric_names(tmp_path):
    report = accepted(tmp_path, "country,2019,2020\nFR,1,2\n")
    assert report.columns == ["country", "c_2019", "c_2020"]


def test_refuses_blank_header_name_with_its_position(tmp_path):
    err = refusal(write(tmp_path, f"id, ,amount\n1,{SECRET},3\n"))
    assert err.code == "header_empty_name"
    assert err.details["positions"] == [2]
    assert_no_cell_values(err)


@pytest.mark.parametrize(
    "content",
    [
        '"","grp","score"\n"1","a",4.17\n"2",NA,NA\n',  # R's write.csv: row names
        ",grp,score\n0,a,4.17\n1,,\n",  # pandas' to_csv: the index
    ],
)
def test_accepts_a_blank_first_name_as_row_names(tmp_path, content):
    report = accepted(tmp_path, content)
    assert (report.header, report.columns) == (["", "grp", "score"], ["row_names", "grp", "score"])


@pytest.mark.parametrize("delimiter", [" ", "\t", ",", ";"])
@pytest.mark.parametrize("names", ["numbers", "cars"])
def test_accepts_a_header_without_a_name_for_the_row_names(tmp_path, delimiter, names):
    """R's write.table writes its row names with no name in the header, one field fewer
    than every row; R's read.table and pandas' read_csv read the first field of each row
    as its name. Refused as ragged rows, or as no delimiter, before."""
    rows = "".join(
        delimiter.join([f'"{i + 1}"' if names == "numbers" else f'"Car {i}"', '"a b"', str(i)])
        + "\n"
        for i in range(30)
    )
    report = accepted(tmp_path, delimiter.join(['"grp"', '"score"']) + "\n" + rows)
    assert report.delimiter == delimiter
    assert (report.header, report.columns) == (["", "grp", "score"], ["row_names", "grp", "score"])
    assert (report.unnamed_row_names, report.data_rows) == (True, 30)


def test_a_header_without_the_row_names_name_is_found_repeated(tmp_path):
    """Two parts of a frame written by R's write.table, appended: the second header is one
    field short of the rows as the first is."""
    for delimiter in (" ", "\t"):
        rows = [delimiter.join([f'"{i}"', '"a"', str(i)]) + "\n" for i in range(1, 11)]
        header = delimiter.join(['"grp"', '"n"']) + "\n"
        err = refusal(write(tmp_path, "".join([header, *rows[:5], header, *rows[5:]])))
        assert (err.code, err.details["lines"]) == ("repeated_header", [7])


@pytest.mark.parametrize(
    "content",
    [
        "a,b\n1,2,3\n1,4,5\n2,6,7\n",  # the first fields repeat: no row names
        "a,b\nx,2,3\ny,4\nz,6,7\n",  # a row as wide as the header
    ],
    ids=["repeated", "mixed"],
)
def test_rows_one_field_wider_than_the_header_are_ragged_unless_named(tmp_path, content):
    err = refusal(write(tmp_path, content))
    assert err.code == "ragged_rows"


def test_a_blank_first_name_beside_a_column_called_row_names_is_told_apart(tmp_path):
    report = accepted(tmp_path, ",Row Names,score\n1,a,2\n")
    assert report.columns == ["row_names", "row_names_2", "score"]


def test_refuses_header_name_with_nothing_usable(tmp_path):
    err = refusal(write(tmp_path, "id,'',amount\n1,2,3\n"))
    assert err.code == "header_empty_name"
    assert err.details["positions"] == [2]
    # Signs alone are names: a count's '#', a share's '%'.
    assert accepted(tmp_path, "#,%,amount\n1,2,3\n").columns == [
        "number_sign",
        "percent_sign",
        "amount",
    ]


def test_refuses_blank_last_header_name_when_rows_have_values_there(tmp_path):
    err = refusal(write(tmp_path, f"id,amount,\n1,2,{SECRET}\n3,4,\n"))
    assert err.code == "header_empty_name"
    assert err.details["positions"] == [3]
    assert_no_cell_values(err)


@pytest.mark.parametrize(
    ("header", "columns"),
    [
        ("Customer ID,amount,customer_id", ["customer_id", "amount", "customer_id_2"]),
        ("p95,P95,p95_2", ["p95", "p95_3", "p95_2"]),  # Ecdat's incomeInequality
        ("id,name,id,ID", ["id", "name", "id_2", "id_3"]),  # a join's repeated key
    ],
)
def test_names_equal_after_normalisation_take_a_suffix(tmp_path, header, columns):
    """Refused before stop 48 (`header_duplicate_name`): a real Ecdat table was."""
    report = accepted(tmp_path, f"{header}\n1,2,3{',4' * (len(columns) - 3)}\n")
    assert report.header == header.split(",")
    assert report.columns == columns


@pytest.mark.parametrize("content", ["id,amount\n", "id,amount\r\n\r\n\n  \n"])
def test_refuses_header_without_data_rows(tmp_path, content):
    err = refusal(write(tmp_path, content))
    assert err.code == "no_data_rows"


def test_refuses_ragged_rows_with_physical_line_numbers(tmp_path):
    content = (
        "id,note,amount\n"  # line 1
        '1,"two\nlines",3\n'  # lines 2-3
        f"2,{SECRET}\n"  # line 4: 2 fields
        "3,x,4\n"  # line 5
        f"4,{SECRET},5,6\n"  # line 6: 4 fields
    )
    err = refusal(write(tmp_path, content))
    assert err.code == "ragged_rows"
    assert err.details["expected_fields"] == 3
    assert err.details["ragged_rows"] == 2
    assert err.details["first_lines"] == [{"line": 4, "fields": 2}, {"line": 6, "fields": 4}]
    assert_no_cell_values(err)


@pytest.mark.parametrize(
    ("first", "delimiter"),
    [("sep=;", ";"), ('"sep=,"', ","), ("SEP=|\r", "|"), ("sep=\t", "\t")],
)
def test_excels_separator_line_names_the_delimiter(tmp_path, first, delimiter):
    rows = [["Name", "Betrag"], ["A", "1,5"], ["B", "2"]]
    body = "".join(delimiter.join(f'"{c}"' for c in row) + "\n" for row in rows)
    report = accepted(tmp_path, f"{first}\n{body}")
    assert (report.delimiter, report.data_rows) == (delimiter, 2)
    assert report.header == ["Name", "Betrag"]
    assert report.separator_line == first.rstrip("\r")


def test_lines_keep_their_numbers_below_a_separator_line(tmp_path):
    err = refusal(write(tmp_path, f"sep=;\nid;x\n1;{SECRET}\n2\n3;4\n"))
    assert err.code == "ragged_rows"
    assert err.details["first_lines"] == [{"line": 4, "fields": 1}]


@pytest.mark.parametrize("first", ["sep=,", "sep=:", "sep="])
def test_a_separator_line_that_does_not_split_the_header_is_refused(tmp_path, first):
    err = refusal(write(tmp_path, f"{first}\nName;Betrag\nA;1,5\nB;2\n"))
    assert err.code == "separator_line"
    assert "Correct the first line" in err.fix


@pytest.mark.parametrize(
    ("content", "line"),
    [
        ("Kontoauszug 2024\n\nName;Betrag;Datum\nA;1,50;1.2.2024\nB;2,75;3.4.2024\n", 3),
        ("Report\nGenerated by X\na,b\n1,2\n3,4\n5,6\n", 3),
        # A title in a spreadsheet's first cell: Excel writes the row's other cells too.
        ("Sales Q3 2024,,\nregion,units,price\nnorth,3,2.5\nsouth,4,3.5\n", 2),
        ("Kontoauszug;;\n;;\nName;Betrag;Datum\nA;1,50;1.2.2024\nB;2,75;3.4.2024\n", 3),
    ],
)
def test_a_title_above_the_table_is_refused_with_the_line_it_starts_on(tmp_path, content, line):
    err = refusal(write(tmp_path, content))
    assert (err.code, err.details["header_line"]) == ("lines_above_header", line)


def test_a_blank_name_over_values_is_no_title(tmp_path):
    err = refusal(write(tmp_path, "id,,\n1,a,b\n2,c,d\n3,e,f\n"))
    assert (err.code, err.details["positions"]) == ("header_empty_name", [2, 3])


def test_a_first_line_of_counts_over_rows_of_another_width_is_no_header(tmp_path):
    # scikit-learn's bundled files: rows and columns counted, then the class names.
    rows = "".join(f"{i}.5,{i},{i % 3}\n" for i in range(20))
    err = refusal(write(tmp_path, "20,2,setosa,virginica\n" + rows))
    assert err.code == "header_missing"
    assert err.details == {"columns": 3, "first_line_fields": 4}
    # Rows of two widths under the header are ragged rows, as before.
    mixed = rows.replace("7.5,7,1\n", "7.5,7,1,0\n")
    assert refusal(write(tmp_path, "a,b,c,d\n" + mixed)).code == "ragged_rows"


def test_a_single_column_is_still_too_few_columns(tmp_path):
    assert refusal(write(tmp_path, "value\n1\n2\n3\n")).code == "too_few_columns"


def test_a_header_named_sep_is_a_header(tmp_path):
    assert validate_file(write(tmp_path, "sep,value\n1,2\n3,4\n")).columns == ["sep", "value"]


@pytest.mark.parametrize(
    "footer",
    [
        "\nSource: Statistics Office, 2024\n",  # a note under a blank line
        "Rows: 3;exported 2024-05-01\n",  # a footer of two fields
        "4;0,5\n",  # a last line cut short
    ],
)
def test_lines_below_the_table_are_refused_with_where_it_ends(tmp_path, footer):
    err = refusal(write(tmp_path, "id;amount;city\n1;2,5;Paris\n2;3;Lyon\n3;4;Nice\n" + footer))
    assert err.code == "lines_below_table"
    assert err.details["last_table_line"] == 4
    assert "Delete the lines below the table" in err.fix


def test_a_repeated_header_is_refused_with_its_lines(tmp_path):
    part = "id,amount,city\n1,2.5,Paris\n2,3,Lyon\n"
    err = refusal(write(tmp_path, part + part + part))
    assert err.code == "repeated_header"
    assert err.details == {"lines": [4, 7], "repeated_headers": 2}
    assert "appended" in err.message


def test_ragged_rows_reports_at_most_ten_lines_but_counts_all(tmp_path):
    rows = "".join("1,2\n" if i % 2 else "1\n" for i in range(40))
    err = refusal(write(tmp_path, "a,b\n" + rows))
    assert err.code == "ragged_rows"
    assert len(err.details["first_lines"]) == 10
    assert err.details["ragged_rows"] == 20
    assert err.details["first_lines"][0] == {"line": 2, "fields": 1}


@pytest.mark.parametrize("blank", ["   ", "\t", "\x0c"])
def test_a_line_of_blank_space_is_no_row_unless_the_file_is_read_whole(tmp_path, blank):
    """Spark skips it line by line, but reads a row of one field from it in a file read
    whole (fuzzing, stop 48: Prepare stopped on a UTF-16 file with a form feed's line)."""
    rows = f"a;b;c\n1;2;3\n{blank}\n4;5;6\n"
    assert accepted(tmp_path, rows).data_rows == 2
    for content in (rows.replace("2;3", '"x\ny";3').encode(), rows.encode("utf-16")):
        err = refusal(write(tmp_path, content))
        assert err.code == "ragged_rows"
        assert err.details == {
            "space_lines": [4 if b'"x' in content else 3],
            "space_lines_total": 1,
        }


def test_a_line_of_a_no_break_space_is_a_row_as_spark_reads_it(tmp_path):
    """Python's strip() takes U+00A0 for blank space; Spark's line reader does not."""
    err = refusal(write(tmp_path, "a;b;c\n1;2;3\n\u00a0\n4;5;6\n".encode("cp1252")))
    assert err.code == "ragged_rows"
    assert err.details["first_lines"] == [{"line": 3, "fields": 1}]


def test_accepts_a_trailing_delimiter_on_rows_but_not_on_the_header(tmp_path):
    """Some exports end each row with a delimiter but not the header: refused as ragged
    rows before stop 48. One row with a value there is a column without a name."""
    report = accepted(tmp_path, "a;b\n1;2;\n3;4;\n5;6;\n")
    assert (report.header, report.trailing_fields, report.data_rows) == (["a", "b"], 1, 3)
    err = refusal(write(tmp_path, "a;b\n" + "1;2;\n" * 150 + "5;6;7\n"))
    assert (err.code, err.details["positions"]) == ("header_empty_name", [3])


def test_refuses_unterminated_quote_with_the_line_where_it_starts(tmp_path):
    content = f'id,note\n1,ok\n2,"{SECRET}\n3,more\n4,end\n'
    err = refusal(write(tmp_path, content))
    assert err.code == "unbalanced_quotes"
    assert err.details["line"] == 3
    assert_no_cell_values(err)


def test_refuses_unterminated_quote_followed_by_a_long_file(tmp_path):
    rows = "".join(f"{i},{SECRET}\n" for i in range(20_000))
    err = refusal(write(tmp_path, 'id,note\n1,ok\n2,"open\n' + rows))
    assert err.code == "unbalanced_quotes"
    assert err.details["line"] == 3
    assert_no_cell_values(err)


def test_refuses_quote_inside_quoted_field_that_is_not_doubled(tmp_path):
    err = refusal(write(tmp_path, f'id,note\n1,"he said "{SECRET}" twice"\n'))
    assert err.code == "unbalanced_quotes"
    assert err.details["line"] == 2
    assert_no_cell_values(err)


def test_refuses_unterminated_quote_in_header(tmp_path):
    err = refusal(write(tmp_path, 'id,"note\n1,2\n'))
    assert err.code == "unbalanced_quotes"
    assert err.details["line"] == 1


def _table(rows: list[list[str]], delimiter: str = ",") -> str:
    return "".join(delimiter.join(row) + "\n" for row in rows)


SALES = [
    ["Region", "Manager", "Units", "Revenue", "Margin"],
    ["North", SECRET, "12", "1500.50", "0.21"],
    ["South", "Bob", "NA", "2500.25", "0.30"],
    ["East", "Eve", "7", "700.00", "0.12"],
    ["West", "Ann", "30", "4210.40", "0.25"],
]


@pytest.mark.parametrize(
    "footer",
    [
        ["Total", "", "49", "8911.15", ""],  # a label and the sums; no margin
        ["", "", "49", "8911.15", "0.22"],  # no label; an average beside the sums
        ["Gesamt", "", "49", "8911", ""],  # the sum written with fewer decimals
    ],
)
def test_a_totals_row_at_the_end_is_refused_with_its_line_and_columns(tmp_path, footer):
    err = refusal(write(tmp_path, _table([*SALES, footer])))
    assert err.code == "totals_row"
    assert err.details == {"line": 6, "sum_columns": [3, 4]}
    assert "Delete the totals row" in err.fix
    # Columns by position: a header name can be personal data, as a cell can.
    assert_no_cell_values(err, "8911.15", "North", "Units", "Revenue")
    assert "Units" not in err.message and "column(s) 3, 4" in err.message


def test_a_totals_row_with_decimal_commas_is_refused(tmp_path):
    rows = [["Posten", "Menge", "Betrag"], ["A", "2", "1,50"], ["B", "3", "2,25"]]
    rows += [["C", "5", "10,00"], ["Summe", "10", "13,75"]]
    assert refusal(write(tmp_path, _table(rows, ";"))).code == "totals_row"


@pytest.mark.parametrize(
    "last",
    [
        ["North", "Kim", "49", "900.00", "0.22"],  # one column adds up: a coincidence
        ["Total", "", "48", "8911.10", ""],  # near the sums, not them
    ],
)
def test_a_last_row_that_does_not_add_up_is_a_record(tmp_path, last):
    assert accepted(tmp_path, _table([*SALES, last])).data_rows == 5


def test_sums_in_fewer_than_half_of_the_last_rows_numbers_are_a_record(tmp_path):
    rows = [["a", "b", "c", "d", "e"], ["1", "2", "5", "1", "9"], ["2", "3", "6", "2", "8"]]
    rows += [["4", "1", "7", "3", "7"], ["7", "6", "1", "1", "2"]]
    assert accepted(tmp_path, _table(rows)).data_rows == 4


def test_a_totals_row_in_a_table_with_a_text_column_full_of_digits_still_counts(tmp_path):
    rows = [[*SALES[0], "Code"]] + [[*row, f"X-{i}"] for i, row in enumerate(SALES[1:])]
    rows.append(["Total", "", "49", "8911.15", "", ""])
    assert refusal(write(tmp_path, _table(rows))).code == "totals_row"


def _statement(amounts: list[str]) -> list[list[str]]:
    """A bank statement: a booking date, a payee and one column of amounts."""
    rows = [["Buchungstag", "Empfänger", "Betrag"]]
    return rows + [[f"{i + 1:02d}.03.2024", f"P{i % 4}", a] for i, a in enumerate(amounts)]


def _sum(amounts: list[str]) -> str:
    return f"{sum(float(a.replace(',', '.')) for a in amounts):.2f}".replace(".", ",")


STATEMENT = [f"{(-1) ** i * (i * 37 % 101 + 0.25):.2f}".replace(".", ",") for i in range(12)]
STATEMENT_SUM = _sum(STATEMENT)


@pytest.mark.parametrize("label", [["Summe", ""], ["", "Total"], ["", ""]])
def test_a_totals_row_under_one_column_of_amounts_is_refused(tmp_path, label):
    """Its one number is the sum of the amounts, and it leaves the booking date empty,
    which every record fills. Read as a record before stop 49."""
    rows = [*_statement(STATEMENT), [*label, STATEMENT_SUM]]
    err = refusal(write(tmp_path, _table(rows, ";")))
    assert (err.code, err.details) == ("totals_row", {"line": 14, "sum_columns": [3]})
    assert_no_cell_values(err, STATEMENT_SUM, "Summe")


@pytest.mark.parametrize(
    "rows",
    [
        # the last record fills every column the others fill: a record that adds up
        [*_statement(STATEMENT), ["13.03.2024", "P0", STATEMENT_SUM]],
        # too few amounts above it for a sum to say much
        [*_statement(STATEMENT[:9]), ["", "Summe", _sum(STATEMENT[:9])]],
        # one amount above it that is not zero: the same amount again, not a sum
        [*_statement(["0"] * 11 + ["5"]), ["", "P1", "5"]],
    ],
)
def test_one_column_that_adds_up_is_not_enough_for_a_record(tmp_path, rows):
    assert accepted(tmp_path, _table(rows, ";")).data_rows == len(rows) - 1


# --- accepted files -----------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(ODD_INPUTS))
def test_accepts_every_odd_input_of_the_catalogue(tmp_path, name):
    """The catalogue that tests/test_roundtrip.py sends through the pipeline."""
    content, _ = ODD_INPUTS[name]
    assert accepted(tmp_path, content).data_rows >= 1


def test_accepts_plain_csv_with_a_full_report(tmp_path):
    content = b"Customer Id,Amount\n1,2.5\n2,3\n"
    path = write(tmp_path, content, name="BS 1.csv")
    report = validate_file(path)
    assert report.to_dict() == {
        "name": "BS 1.csv",
        "size_bytes": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
        "encoding": "utf-8",
        "delimiter": ",",
        "quotechar": '"',
        "header": ["Customer Id", "Amount"],
        "columns": ["customer_id", "amount"],
        "data_rows": 2,
        "multiline": False,
        "line_terminator": "\n",
        "separator_line": "",
        "trailing_fields": 0,
        "empty_rows": 0,
        "null_token": "",
        "unnamed_row_names": False,
    }


@pytest.mark.parametrize(
    ("content", "token"),
    [
        ("a,b\n1,NA\nNA,x\n", "NA"),  # R's write.csv
        ("a\tb\n1\t\\N\n\\N\tx\n", "\\N"),  # MySQL's, Hive's and PostgreSQL's text
        ("a;b\n1;NULL\n2; NULL \n", "NULL"),
        ("a,b\n1,NA\n,x\n", ""),  # an empty cell too
        ("a,b\n1,NA\nna,x\n", ""),  # two spellings
        ("a,b\n1,NA\n2,NULL\n", ""),  # two tokens
        ("a,b\n1,x\n2,y\n", ""),  # no missing value
        ("a,b,\n1,NA,\n2,x,\n", "NA"),  # a trailing delimiter's empty field is no cell
    ],
)
def test_the_one_spelling_of_missing_values_is_named(tmp_path, content, token):
    assert accepted(tmp_path, content).null_token == token


def test_records_of_empty_fields_are_counted_apart_from_the_data_rows(tmp_path):
    report = accepted(tmp_path, "a;b;c\n1;x;2,5\n;;\n2;y;3,5\n;;\n;;\n")
    assert (report.data_rows, report.empty_rows) == (2, 3)


def test_a_totals_row_above_empty_records_is_still_the_last_row(tmp_path):
    rows = [*SALES, ["Total", "", "49", "8911.15", ""], ["", "", "", "", ""]]
    err = refusal(write(tmp_path, _table(rows)))
    assert (err.code, err.details["line"]) == ("totals_row", 6)


@pytest.mark.parametrize(
    ("content", "code"),
    [
        ('id;v\n1;5\n2;7\n""\n4;9\n', "ragged_rows"),
        ('id;v\n1;5\n2;7\n4;9\n" "', "lines_below_table"),
    ],
)
def test_a_line_of_one_quoted_blank_field_is_a_record_of_one_field(tmp_path, content, code):
    # Found by fuzzing: Spark skips lines of blank space only, so it read `""` as a record
    # of one field and Prepare crashed on a file that validation had read as blank-ended.
    assert refusal(write(tmp_path, content)).code == code
    assert accepted(tmp_path, "id;v\n1;5\n  \n2;7\n4;9\n").data_rows == 3


def test_files_saved_with_a_bom_and_appended_repeat_their_header(tmp_path):
    part = "\ufeffid;amount\r\n1;2,5\r\n2;3\r\n"
    err = refusal(write(tmp_path, (part + part).encode()))
    assert (err.code, err.details["lines"]) == ("repeated_header", [4])


@pytest.mark.parametrize(
    ("content", "line", "other"),
    [
        (f'id;note\r\n1;"a\r\nb"\r\n2;{SECRET}\n3;d\r\n', 4, "LF (Unix)"),
        (f'id;note\n1;"a\nb"\n2;x\n3;{SECRET}\r\n4;e\n', 5, "CRLF (Windows)"),
    ],
)
def test_rows_ending_two_ways_beside_quoted_line_breaks_are_refused(tmp_path, content, line, other):
    # Found by fuzzing: Spark splits such a file at the first kind of line end only, so
    # the row ending the other way ran on into the next and Prepare crashed on it.
    err = refusal(write(tmp_path, content))
    assert err.code == "mixed_line_ends"
    assert (err.details["line"], err.details["other_line_end"]) == (line, other)
    assert_no_cell_values(err)


def test_utf16_rows_ending_two_ways_are_refused_as_spark_reads_them_whole(tmp_path):
    # Spark reads UTF-16 whole, quoted line breaks or not: Prepare crashed on this file.
    err = refusal(write(tmp_path, f"id;v\r\n1;5\r\n2;{SECRET}\n4;9\r\n".encode("utf-16")))
    assert (err.code, err.details["line"]) == ("mixed_line_ends", 3)
    assert_no_cell_values(err)


@pytest.mark.parametrize(
    "content",
    [
        'id;note\r\n1;"a\nb"\r\n2;c\r\n',  # Excel: rows end CRLF, a cell's own line breaks LF
        "id;note\r\n1;a\n2;c\r\n3;d",  # no quoted line break: Spark reads any line end
    ],
)
def test_line_breaks_inside_cells_or_without_quoted_ones_may_differ(tmp_path, content):
    assert accepted(tmp_path, content).data_rows >= 2


def test_accepts_semicolon_file_with_decimal_commas(tmp_path):
    report = accepted(tmp_path, "montant;taux;ville\n1,5;2,3;Paris\n10,25;0,5;Lyon\n")
    assert report.delimiter == ";"
    assert report.columns == ["montant", "taux", "ville"]
    assert report.data_rows == 2


def test_accepts_cp1252_file(tmp_path):
    report = accepted(tmp_path, "Name;Café\nMüller;1,5\n€uro;2\n", encoding="cp1252")
    assert report.encoding == "cp1252"
    assert report.header == ["Name", "Café"]
    assert report.columns == ["name", "cafe"]


def test_accepts_latin1_file_with_bytes_cp1252_lacks(tmp_path):
    report = accepted(tmp_path, b"name;caf\xe9\nM\xfcller\x81;1\n")
    assert report.encoding == "latin-1"
    assert report.header == ["name", "café"]


def test_falls_back_to_cp1252_when_a_late_row_is_not_utf8(tmp_path):
    rows = "".join(f"{i},plain\n" for i in range(30_000))  # well past the sniffed head
    content = ("id,city\n" + rows).encode() + "9,Köln\n".encode("cp1252")
    report = accepted(tmp_path, content)
    assert report.encoding == "cp1252"
    assert report.data_rows == 30_001


NON_LATIN_TABLES = {
    "cp1251": "Фамилия;Город;Сумма\n"
    + "Иванов Пётр;Москва;1,5\nСмирнова Анна;Санкт-Петербург;2,75\n"
    + "Кузнецов Игорь;Новосибирск;10\nПопова Ольга;Екатеринбург;3\n",
    "koi8_r": "Фамилия;Город\nИванов Пётр;Москва\nСмирнова Анна;Санкт-Петербург\n"
    + "Кузнецов Игорь;Новосибирск\nПопова Ольга;Екатеринбург\n",
    "cp1253": "Όνομα;Πόλη\nΓιώργος Παπαδόπουλος;Αθήνα\nΜαρία Νικολάου;Θεσσαλονίκη\n"
    + "Δημήτρης Ιωάννου;Πάτρα\n",
    "cp932": "氏名,住所,金額\n山田太郎,東京都新宿区,1500\n佐藤花子,大阪府大阪市,2300\n"
    + "鈴木一郎,北海道札幌市,990\n高橋美咲,福岡県福岡市,1200\n",
    "gb18030": "姓名,城市,金额\n张伟,北京市朝阳区,1500\n王芳,上海市浦东新区,2300\n"
    + "李娜,广州市天河区,990\n刘洋,深圳市南山区,1200\n",
    "cp949": "이름,도시,금액\n김민준,서울특별시,1500\n이서연,부산광역시,2300\n"
    + "박지훈,인천광역시,990\n최수빈,대구광역시,1200\n",
    # Six rows: four Hebrew names read as Bulgarian (cp1251) as coherently as Hebrew.
    "cp1255": "שם;עיר;סכום\nדוד כהן;תל אביב;1500\nשרה לוי;ירושלים;2300\n"
    + "יוסף מזרחי;חיפה;990\nרחל פרץ;באר שבע;1200\nמשה ביטון;נתניה;870\n"
    + "אסתר דהן;אשדוד;640\n",
    "cp1256": "الاسم;المدينة;المبلغ\nمحمد أحمد;القاهرة;1500\nفاطمة علي;الرياض;2300\n"
    + "عبد الله حسن;دبي;990\nمريم خالد;عمّان;1200\n",
    "cp874": "ชื่อ;เมือง;จำนวน\nสมชาย ใจดี;กรุงเทพมหานคร;1500\nสมหญิง รักไทย;เชียงใหม่;2300\n"
    + "ประเสริฐ สุขสันต์;ภูเก็ต;990\nวิไล ศรีสุข;ขอนแก่น;1200\n",
}


@pytest.mark.parametrize("encoding", sorted(NON_LATIN_TABLES))
def test_names_a_non_latin_encoding_instead_of_reading_mojibake(tmp_path, encoding):
    text = NON_LATIN_TABLES[encoding]
    report = accepted(tmp_path, text.encode(encoding))
    assert report.encoding == encoding
    assert report.header == text.splitlines()[0].split(report.delimiter)
    assert report.data_rows == len(text.splitlines()) - 1


@pytest.mark.parametrize("encoding", ["cp932", "gb18030", "cp949"])
def test_a_large_file_cut_inside_a_character_is_still_named(tmp_path, encoding):
    """Validation reads a head of 256 KiB, then chunks of 1 MiB: each can end inside a
    double-byte character, and a sample cut so named no encoding. A Shift-JIS table of
    4,000 customers was read as latin-1 until stop 49 (its names, phone numbers and
    addresses kept). Padding shifts the text until the head ends inside a character."""
    header, *rows = NON_LATIN_TABLES[encoding].splitlines()
    for pad in range(8):
        body = "".join(f"{'x' * pad}{i},{rows[i % len(rows)]}\n" for i in range(60_000))
        content = f"n,{header}\n{body}".encode(encoding)
        if _cut_inside(content[: 256 * 1024], encoding):
            break
    else:
        pytest.fail("no padding ends the head inside a character")
    assert len(content) > 1.2 * 1024 * 1024  # chunks after the head too
    report = accepted(tmp_path, content)
    assert (report.encoding, report.data_rows) == (encoding, 60_000)


def _cut_inside(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return True
    return False


def test_latin_files_keep_the_cp1252_rule_though_the_detector_hesitates(tmp_path):
    # charset-normalizer reads short Latin text as cp1250 as often as cp1252.
    text = "Kunde;Straße\nJürgen Weiß;Größe\nRenée Dubois;Orléans\nSøren Ørsted;Æbeltoft\n"
    assert accepted(tmp_path, text.encode("cp1252")).encoding == "cp1252"


def test_accepts_utf8_bom_with_crlf(tmp_path):
    report = accepted(tmp_path, "\ufeffid,prénom\r\n1,Zoé\r\n2,Ana\r\n")
    assert report.encoding == "utf-8-sig"
    assert report.line_terminator == "\r\n"
    assert report.header == ["id", "prénom"]
    assert report.columns == ["id", "prenom"]
    assert report.data_rows == 2


def test_accepts_tab_delimited_file_with_commas_in_values(tmp_path):
    report = accepted(tmp_path, "id\tamount\tnote\n1\t1,5\ta, b\n2\t3\tc\n")
    assert report.delimiter == "\t"
    assert report.data_rows == 2


def test_accepts_pipe_delimited_file(tmp_path):
    report = accepted(tmp_path, "id|name|amount\n1|Smith, John|3,50\n2|Doe; Jane|4\n")
    assert report.delimiter == "|"
    assert report.columns == ["id", "name", "amount"]


def test_accepts_quoted_fields_holding_other_delimiters(tmp_path):
    content = '"a;b","c|d"\n"1;2","3\t4"\n"5;6","7|8"\n'
    report = accepted(tmp_path, content)
    assert report.delimiter == ","
    assert report.header == ["a;b", "c|d"]


def test_accepts_quoted_newlines_and_reports_multiline(tmp_path):
    content = 'id,address\r\n1,"1 rue X\r\n75001 Paris"\r\n2,"plain"\r\n3,"a\nb\nc"\r\n'
    report = accepted(tmp_path, content)
    assert report.multiline is True
    assert report.data_rows == 3
    assert report.line_terminator == "\r\n"


def test_accepts_formula_like_cells(tmp_path):
    report = accepted(tmp_path, 'id,formula,phone,handle\n1,=SUM(A1),+33 6 12,@x\n2,"=1+2",-5,@y\n')
    assert report.data_rows == 2


def test_accepts_mixed_type_column(tmp_path):
    report = accepted(tmp_path, "id,value\n1,42\n2,abc\n3,2024-01-01\n4,\n5,3.5\n")
    assert report.data_rows == 5


def test_accepts_banksim_style_single_quoted_values(tmp_path):
    content = (
        '"step","customer","age","gender","amount","fraud"\n'
        "0,'C1093826151','4','M',4.55,0\n"
        "0,'C352968107','2','M',39.68,0\n"
    )
    report = accepted(tmp_path, content)
    assert report.delimiter == ","
    assert report.columns == ["step", "customer", "age", "gender", "amount", "fraud"]
    assert report.data_rows == 2


def test_strips_single_quotes_wrapping_header_names(tmp_path):
    report = accepted(tmp_path, "'step','zipcodeOri'\n0,'28007'\n")
    assert report.header == ["step", "zipcodeOri"]
    assert report.columns == ["step", "zipcode_ori"]


def test_accepts_japanese_and_cyrillic_header_names(tmp_path):
    report = accepted(tmp_path, "名前,Фамилия,amount\nx,y,1\n")
    assert report.header == ["名前", "Фамилия", "amount"]
    assert report.columns == ["ming_qian", "familiya", "amount"]


def test_accepts_consistent_trailing_delimiter(tmp_path):
    report = accepted(tmp_path, "a,b,\n1,2,\n3,4,\n")
    assert report.trailing_fields == 1
    assert report.header == ["a", "b"]
    assert report.columns == ["a", "b"]


def test_accepts_a_spreadsheets_empty_columns_past_the_table(tmp_path):
    """Excel writes a delimiter for every column of the sheet's used range: cells once
    typed in and cleared leave unnamed columns that are empty on every row (`a,b,,,`).
    Refused as header_empty_name before stop 49."""
    report = accepted(tmp_path, "a;b;;;\r\n1;2;;;\r\n3;4;;;\r\n5;;;;\r\n")
    assert (report.header, report.trailing_fields, report.data_rows) == (["a", "b"], 3, 3)
    # Empty columns on the rows only: the header lacks the last name (a trailing delimiter)
    # no more than one column.
    assert refusal(write(tmp_path, "a,b\n1,2,,\n3,4,,\n")).code == "ragged_rows"


@pytest.mark.parametrize(
    ("content", "positions"),
    [
        ("a,b,,,\n1,2,,,\n3,4,,x,\n", [3, 4]),  # a value under the second blank name
        ("a,b,,,\n1,2,,,\n3,4,,, \n", [3, 4, 5]),  # blank space is a value to Spark
        ("a,,c,\n1,,3,\n4,,6,\n", [2]),  # an empty column inside the table
    ],
)
def test_a_blank_name_over_a_value_or_inside_the_table_is_refused(tmp_path, content, positions):
    err = refusal(write(tmp_path, content))
    assert (err.code, err.details["positions"]) == ("header_empty_name", positions)
    assert_no_cell_values(err, "x")


def test_ignores_trailing_blank_lines(tmp_path):
    report = accepted(tmp_path, "a,b\n1,2\n3,4\n\n\r\n   \n")
    assert report.data_rows == 2


def test_accepts_old_mac_line_ends(tmp_path):
    report = accepted(tmp_path, "a,b\r1,2\r3,4\r")
    assert report.line_terminator == "\r"
    assert report.data_rows == 2


def test_skips_blank_lines_before_the_header(tmp_path):
    report = accepted(tmp_path, '\n\n"a","b"\n1,2\n')
    assert report.header == ["a", "b"]
    assert report.data_rows == 1


def test_accepts_file_without_final_newline(tmp_path):
    report = accepted(tmp_path, 'a,b\n1,2\n3,"x"')
    assert report.data_rows == 2


def test_stream_read_in_small_pieces_gives_the_same_report_as_the_file(tmp_path):
    content = ("a;b\n" + "".join(f"{i};x,{i}\n" for i in range(5_000))).encode()
    from_file = validate_file(write(tmp_path, content))
    from_stream = validate_stream(
        ChunkyStream(content, step=777), size=len(content), name="data.csv"
    )
    assert from_stream == from_file
    assert from_stream.data_rows == 5_000


def test_streams_a_large_file(tmp_path):
    path = tmp_path / "large.csv"
    digest = hashlib.sha256()
    with path.open("wb") as out:
        header = b"step,customer,age,gender,merchant,category,amount,fraud\n"
        out.write(header)
        digest.update(header)
        for i in range(200_000):
            row = f"{i % 180},'C{i:010d}','{i % 7}','M','M{i % 50}','es_food',{i % 997}.5,0\n"
            out.write(row.encode())
            digest.update(row.encode())
    report = validate_file(path)
    assert report.data_rows == 200_000
    assert report.sha256 == digest.hexdigest()
    assert report.size_bytes == path.stat().st_size


# --- a person as the header ----------------------------------------------------------------

PERSON_ROWS = {
    "en_GB": "John Smith,john.smith@example.com,+44 20 7946 0958,1200",
    "de_DE": "Hans Müller;hans.mueller@beispiel.de;+49 30 901820;1.200,50",
    "fr_FR": "Élodie Martin,06 12 34 56 78,FR7630006000011234567890189,42",
    "es_ES": "María García López,12/03/1985,350",
    "ja_JP": "山田 太郎,1985-03-12,4200",
}


@pytest.mark.parametrize("locale", sorted(PERSON_ROWS))
def test_refuses_a_person_as_the_header_without_repeating_it(tmp_path, locale):
    first = PERSON_ROWS[locale]
    delimiter = ";" if ";" in first else ","
    rows = delimiter.join(["x"] * len(first.split(delimiter)))
    err = refusal(write(tmp_path, f"{first}\n{rows}\n{rows}\n"))
    assert err.code == "header_missing"
    reason = json.dumps(err.to_reason(), ensure_ascii=False) + str(err)
    for value in first.split(delimiter):
        assert value not in reason


@pytest.mark.parametrize(
    "header",
    ["Mark Price,quantity,total", "Victoria,Austin,Paris", "email,phone,iban,name,amount"],
)
def test_accepts_headers_that_only_look_like_names(tmp_path, header):
    width = len(header.split(","))
    report = accepted(tmp_path, f"{header}\n" + ",".join(["1"] * width) + "\n")
    assert len(report.columns) == width


# --- limits: columns and record length, refused before they cost memory or time -----------


def header(columns: int, name: str = "col") -> str:
    return ",".join(f"{name}_{i}" for i in range(columns))


@pytest.mark.fault_catalogue
def test_refuses_more_columns_than_the_limit_and_says_how_to_raise_it(tmp_path):
    content = header(6, "SECRET") + "\n" + ",".join("1" * 6) + "\n"
    err = refusal(write(tmp_path, content), max_columns=5)
    assert err.code == "too_many_columns"
    assert err.details == {"columns": 6, "columns_at_least": False, "max_columns": 5}
    assert "--max-columns" in err.fix and "MAX_COLUMNS" in err.fix
    assert "SECRET" not in err.message + json.dumps(err.details)


@pytest.mark.fault_catalogue
def test_default_column_limit_accepts_a_thousand_columns_and_refuses_more(tmp_path):
    assert DEFAULT_MAX_COLUMNS == 1000
    row = ",".join(str(i % 7) for i in range(1000))
    assert accepted(tmp_path, header(1000) + "\n" + row + "\n").columns[-1] == "col_999"
    err = refusal(write(tmp_path, header(1001) + "\n" + row + ",1\n", name="wide.csv"))
    assert (err.code, err.details["columns"]) == ("too_many_columns", 1001)


@pytest.mark.fault_catalogue
def test_a_header_longer_than_the_head_is_refused_from_the_head_alone(tmp_path):
    """25,000 names (over 256 KiB): refused as 'at least N' before the rest is read."""
    names = header(25_000, "column_name")
    assert len(names) > 256 * 1024
    content = names + "\n" + ",".join("1" * 25_000) + "\n"
    err = refusal(write(tmp_path, content))
    assert err.code == "too_many_columns"
    assert err.details["columns_at_least"] is True
    assert 1000 < err.details["columns"] < 25_000
    assert "at least" in err.message


def test_a_trailing_delimiter_is_no_column_for_the_limit(tmp_path):
    content = header(5) + ",\n" + "1,2,3,4,5,\n"
    report = validate_file(write(tmp_path, content), max_columns=5)
    assert report.trailing_fields == 1 and len(report.columns) == 5
    content = header(5) + ",,,\n" + "1,2,3,4,5,,,\n"
    report = validate_file(write(tmp_path, content), max_columns=5)
    assert report.trailing_fields == 3 and len(report.columns) == 5


@pytest.mark.fault_catalogue
def test_refuses_a_record_longer_than_the_limit_naming_its_line(tmp_path):
    content = f"id,note\n1,ok\n2,{SECRET}{'x' * 100}\n3,ok\n"
    err = refusal(write(tmp_path, content), max_record_bytes=64)
    assert err.code == "record_too_long"
    assert err.details == {"line": 3, "max_record_bytes": 64}
    assert "--max-record-bytes" in err.fix and "MAX_RECORD_BYTES" in err.fix
    assert_no_cell_values(err)
    assert SECRET not in err.message


def test_record_limit_counts_every_line_of_a_quoted_multiline_record(tmp_path):
    note = "\n".join(["short line"] * 20)  # no line is long, the record is
    content = f'id,note\n1,ok\n2,"{note}"\n3,ok\n'
    err = refusal(write(tmp_path, content), max_record_bytes=100)
    assert (err.code, err.details["line"]) == ("record_too_long", 3)
    assert validate_file(write(tmp_path, content, name="ok.csv"), max_record_bytes=300).multiline


def test_a_record_of_exactly_the_limit_is_accepted(tmp_path):
    line = "2," + "x" * 7 + "\n"  # 10 bytes, line end included
    content = "id,note\n1,ok\n" + line
    assert validate_file(write(tmp_path, content), max_record_bytes=10).data_rows == 2
    err = refusal(
        write(tmp_path, content.replace("x\n", "xx\n"), name="b.csv"), max_record_bytes=10
    )
    assert err.code == "record_too_long"


@pytest.mark.fault_catalogue
def test_default_record_limit_is_one_mib_and_refuses_a_row_of_many_fields(tmp_path):
    assert DEFAULT_MAX_RECORD_BYTES == 1024 * 1024
    content = "id,amount,note\n1,2,3\n" + "ab," * 400_000 + "\n"  # 1.2 MB, 400,000 fields
    err = refusal(write(tmp_path, content))
    assert (err.code, err.details["line"]) == ("record_too_long", 3)


class Generated(io.RawIOBase):
    """A stream of `size` bytes made from `chunks` as they are read (never held whole)."""

    def __init__(self, chunks, size: int) -> None:
        self._chunks = iter(chunks)
        self._pending = b""
        self._left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if not self._pending:
            self._pending = next(self._chunks, b"")[: self._left]
        n = min(len(buffer), len(self._pending))
        buffer[:n], self._pending = self._pending[:n], self._pending[n:]
        self._left -= n
        return n


def peak_while_refused(chunks, size: int, **limits) -> tuple[InputRefused, int]:
    """Validate a generated stream under tracemalloc: the refusal and the peak bytes."""
    import tracemalloc

    tracemalloc.start()
    try:
        with pytest.raises(InputRefused) as info:
            stream = io.BufferedReader(Generated(chunks, size))
            validate_stream(stream, size=size, name="long.csv", **limits)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return info.value, peak


FORTY_MB = 40 * 1024 * 1024


@pytest.mark.fault_catalogue
def test_a_40_mb_row_is_refused_holding_about_the_record_limit():
    """The csv module would keep the whole row and a Python object per field (1.1 GB for
    45 MB): validation stops at the limit, holding little more than that."""
    chunks = [b"id,note\n1,ok\n", *[b"ab," * 100_000] * 200]
    err, peak = peak_while_refused(chunks, FORTY_MB)
    assert (err.code, err.details["line"]) == ("record_too_long", 3)
    assert peak < 16 * 1024 * 1024, f"peak {peak / 2**20:.1f} MiB"


@pytest.mark.fault_catalogue
def test_a_40_mb_file_on_one_line_is_refused_from_its_head():
    names = (b",".join(b"c%07d" % n for n in range(i, i + 10_000)) + b"," for i in range(10**7))
    err, peak = peak_while_refused(names, FORTY_MB)
    assert (err.code, err.details["columns_at_least"]) == ("too_many_columns", True)
    assert peak < 16 * 1024 * 1024, f"peak {peak / 2**20:.1f} MiB"


def test_limits_come_from_the_environment_with_defaults_for_the_rest():
    limits = InputLimits.from_env({"MAX_COLUMNS": "50", "MAX_RECORD_BYTES": "", "OTHER": "1"})
    assert limits == InputLimits(max_columns=50)
    assert limits.kwargs() == {
        "max_bytes": DEFAULT_MAX_BYTES,
        "max_columns": 50,
        "max_record_bytes": DEFAULT_MAX_RECORD_BYTES,
    }
    with pytest.raises(ValueError, match="max_columns"):
        InputLimits(max_columns=0)


def test_every_refusal_code_is_in_the_readmes_table():
    """Users look a code up in "What makes a file refused": each one validation raises."""
    import re

    import synthpipe.validate

    source = Path(synthpipe.validate.__file__).read_text()
    raised = set(re.findall(r'_refuse\(\s*"([a-z_]+)"', source))
    assert {"field_too_large", "too_many_columns", "record_too_long"} <= raised
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    table = readme.split("### What makes a file refused", 1)[1].split("\n\n", 2)[1]
    listed = set(re.findall(r"`([a-z_]+)`", table))
    assert raised - listed == set()
