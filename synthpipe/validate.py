"""Validate a raw CSV before any Spark job starts.

The core, `validate_stream`, reads a binary stream once (a local file or an S3 object
body in the Lambda), so it never holds more than a head of `_HEAD_BYTES`, one read buffer
and one record of at most `max_record_bytes` in memory: lines are handed to the csv module
only after their length is checked, because the csv module keeps a whole record (every
field of it) before it yields anything. Every refusal is an `InputRefused` with a stable
code, a one-sentence message, a fix, and details that never include cell values (they may
be personal data).

Why one pass is enough for the encoding: the CSV structure (delimiters, quotes, line ends)
is pure ASCII, and UTF-8, cp1252 and latin-1 are all ASCII-compatible (a UTF-8 multi-byte
sequence never contains an ASCII byte). So the bytes are parsed as latin-1, a lossless
one-byte-one-character map, while UTF-8 and cp1252 validity are checked on the raw bytes in
the same pass. Only the header's text depends on the encoding, and it is re-decoded from
its bytes once the encoding is known at the end. No re-opening is needed, which matters
for an S3 body that can be read only once.

Files that are not UTF-8 in a non-Latin script (Russian in windows-1251 or KOI8-R, Greek
in windows-1253, Japanese in Shift_JIS, Chinese in GB18030 or Big5, Korean in cp949):
read as cp1252 they would be mojibake, which no personal-data detector recognises. Their
structure bytes are ASCII as well (no trail byte of those double-byte encodings is a
quote, comma, semicolon, tab or line end), so the same pass keeps the lines that hold
non-ASCII bytes (up to `_SAMPLE_BYTES`) and charset-normalizer names the encoding from
them at the end (`_non_latin_encoding`). Only a non-Latin answer is taken: on Latin text
it cannot tell cp1252 from cp1250, so Latin files keep the cp1252/latin-1 rule.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, BinaryIO

from synthpipe.errors import InputRefused
from synthpipe.names import snake_case
from synthpipe.schema import NULL_TOKENS
from synthpipe.totals import ColumnSums

DEFAULT_MAX_BYTES = 5 * 1024**3
# Real tables rarely have more than a few hundred columns; Prepare's time grows with them
# (500 columns of 3 rows took 115 s on 2 cores, 25,000 never finished), so wider files are
# refused before any Spark job starts.
DEFAULT_MAX_COLUMNS = 1000
# One record (a row, with its quoted line breaks) of more than this is not a table row: most
# often a file without line breaks or a quote that is never closed.
DEFAULT_MAX_RECORD_BYTES = 1024 * 1024
# Where the start function (and the Glue job, through its arguments) finds each limit.
LIMITS_ENV = {
    "max_bytes": "MAX_INPUT_BYTES",
    "max_columns": "MAX_COLUMNS",
    "max_record_bytes": "MAX_RECORD_BYTES",
}

_HEAD_BYTES = 256 * 1024  # sniffed for magic numbers, encoding hints and the delimiter
_READ_BYTES = 1024 * 1024  # one read from the stream while scanning the whole file
_SAMPLE_BYTES = 256 * 1024  # lines with non-ASCII bytes kept to name a non-UTF-8 encoding
_MIN_SAMPLE_BYTES = 32  # below this, a guess of the script is a coin toss
_CHAOS_MARGIN = 0.1
# Non-Latin encodings named from the sample (Python codec: Java charset, for Spark).
NON_LATIN_ENCODINGS = {
    "cp1251": "windows-1251",
    "koi8_r": "KOI8-R",
    "cp1253": "windows-1253",
    "cp932": "windows-31j",
    "euc_jp": "EUC-JP",
    "gb18030": "GB18030",
    "big5": "Big5",
    "cp949": "x-windows-949",
    # Hebrew's, Arabic's and Thai's Windows code pages: before stop 48 a Hebrew file was
    # named cp1251 (Cyrillic) and an Arabic or Thai one cp1252, and no detector read the
    # names in the mojibake. A few Hebrew names repeated may still read as KOI8-R (its
    # capitals sit on Hebrew's letters); twenty or more read as Hebrew.
    "cp1255": "windows-1255",
    "cp1256": "windows-1256",
    "cp874": "x-windows-874",
}
# What charset-normalizer compares; the Latin ones are there to be ruled out.
_CANDIDATES = ["cp1252", "latin_1", "cp1250", *NON_LATIN_ENCODINGS]
_SNIFF_RECORDS = 100
_MAX_REPORTED_LINES = 10
_CONTROL_SHARE_LIMIT = 0.05  # text files have almost no control characters

DELIMITERS = (",", ";", "\t", "|")
QUOTECHAR = '"'
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe", " ": "space"}
# R's write.table separates fields with one space by default (quoting text): read so only
# when no delimiter of DELIMITERS splits the rows and one space does, on every record.
SPACE = " "
# Every delimiter validation may choose: what schema.json's `delimiter` can hold.
READ_DELIMITERS = (*DELIMITERS, SPACE)

_UTF8_BOM = codecs.BOM_UTF8
EOF_MARK = "\x1a"  # Ctrl-Z, DOS's end of a text file
_MIN_WIDE_NULS = 8  # a header's delimiters and a line end, at least
# Files in UTF-16 or UTF-32 (Excel's "Unicode text", Windows PowerShell 5's `>`), by
# their byte order mark; the Python codec, which the published CSV is written in again.
# UTF-32 LE starts like UTF-16 LE, so it must be tested first.
_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Each one's Java charset, for Spark. Spark splits lines on the byte 0x0A, which cuts
# these encodings' characters in half, so Prepare reads such a file whole
# (`multiLine`): one task, as for a file with line breaks inside quoted fields.
WIDE_ENCODINGS = {
    "utf-16": "UTF-16",  # the byte order mark says which byte comes first
    "utf-16-le": "UTF-16LE",
    "utf-16-be": "UTF-16BE",
    "utf-32": "UTF-32",
}


def reads_whole(multiline: bool, encoding: str) -> bool:
    """Whether Prepare's Spark reads the file whole (`multiLine`): quoted line breaks, or
    a WIDE_ENCODINGS file. Spark then splits records at the first kind of line end it
    meets, and at no other (`_check_record_ends`)."""
    return multiline or encoding in WIDE_ENCODINGS


_COMPRESSED_MAGIC = (
    (b"\x1f\x8b", "gzip"),
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),  # an empty archive
    (b"PK\x07\x08", "zip"),  # a spanned archive
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"Rar!\x1a\x07", "rar"),
)
# 'BZh' alone could start a header name; the block or end-of-stream magic after the level
# digit makes it certain.
_BZIP2 = re.compile(rb"BZh[1-9](1AY&SY|\x17rE8P\x90)")
_BINARY_MAGIC = (
    (b"PAR1", "a Parquet file"),
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        "an Excel 97-2003 workbook (.xls) or another old Office file",
    ),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"ARROW1", "an Arrow or Feather file"),
    (b"Obj\x01", "an Avro file"),
    (b"\x7fELF", "a program (ELF executable)"),
)
# Control characters other than tab, LF, FF and CR.
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x20), 0x7F])
_MARKUP_STARTS = (
    ("<!doctype html", "an HTML page"),
    ("<html", "an HTML page"),
    ("<head", "an HTML page"),
    ("<body", "an HTML page"),
    ("<table", "an HTML table"),
    ("<meta", "an HTML page"),
    ("<!--", "an HTML page"),
    ("<?xml", "an XML document"),
)

_NUMBER = re.compile(
    r"^[-+]?[$€£]?(\d+|\d{1,3}([,. ]\d{3})+)?([.,]\d+)?([eE][-+]?\d+)?%?$", re.ASCII
)
_DATE = re.compile(
    r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}"
    r"([ T]\d{1,2}:\d{2}(:\d{2}([.,]\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?)?$",
    re.ASCII,
)
_TIME = re.compile(r"^\d{1,2}:\d{2}(:\d{2}([.,]\d+)?)?$", re.ASCII)


@dataclass
class InputReport:
    """What validation learnt about a raw CSV; Prepare reads it with these settings."""

    name: str
    size_bytes: int
    sha256: str
    encoding: str
    delimiter: str
    quotechar: str
    header: list[str]
    columns: list[str]
    data_rows: int
    multiline: bool
    line_terminator: str
    # Excel's hint of the delimiter (`sep=;`) on the first line, as written there; the
    # header row is the next line. The published CSV writes it again. "": none.
    separator_line: str = ""
    # How many empty, unnamed fields end every line: 1 for a delimiter that ends each line
    # (the header's too or not), more for a spreadsheet's empty columns past the table
    # (`a,b,,,`). They are left out of `header` and `columns`, and Prepare drops them.
    trailing_fields: int = 0
    # Records of empty fields only (`,,,`: a spreadsheet's rows that once held cells):
    # not data rows, not counted in `data_rows`, and Prepare skips them too.
    empty_rows: int = 0
    # The one spelling the sampled data rows write every missing value with (`NA`, `\N`,
    # `NULL`: schema.NULL_TOKENS), which the published CSV writes back; "" when they
    # write one as an empty cell, spell them in two ways, or have none.
    null_token: str = ""
    # The header names every column but the first, the row names (R's write.table): a
    # blank first name (ROW_NAMES) is put before `header`'s names. The published CSV
    # leaves it out of its header again.
    unnamed_row_names: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class InputLimits:
    """What validation refuses before reading on: the file's size, its columns, one record.

    Set by `synthpipe run --max-bytes/--max-columns/--max-record-bytes` locally and by the
    start function's environment on AWS (`LIMITS_ENV`); `kwargs()` feeds `validate_stream`.
    """

    max_bytes: int = DEFAULT_MAX_BYTES
    max_columns: int = DEFAULT_MAX_COLUMNS
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES

    def __post_init__(self) -> None:
        for name, value in self.kwargs().items():
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, not {value!r}")

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> InputLimits:
        """The limits in `env` (MAX_INPUT_BYTES, MAX_COLUMNS, MAX_RECORD_BYTES); defaults
        for those unset or empty."""
        given = {name: int(env[var]) for name, var in LIMITS_ENV.items() if env.get(var)}
        return cls(**given)

    def kwargs(self) -> dict[str, int]:
        return {
            "max_bytes": self.max_bytes,
            "max_columns": self.max_columns,
            "max_record_bytes": self.max_record_bytes,
        }


def validate_file(
    path: str | Path,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_columns: int = DEFAULT_MAX_COLUMNS,
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
) -> InputReport:
    """Validate a local file; see `validate_stream`."""
    path = Path(path)
    if not path.is_file():
        problem = "does not exist" if not path.exists() else "is not a file"
        raise _refuse(
            "file_missing",
            f"The input {path.name!r} {problem}.",
            "Check the path and give the path of a CSV file.",
            {"path": str(path)},
        )
    with path.open("rb") as stream:
        return validate_stream(
            stream,
            size=path.stat().st_size,
            name=path.name,
            max_bytes=max_bytes,
            max_columns=max_columns,
            max_record_bytes=max_record_bytes,
        )


def validate_stream(
    stream: BinaryIO,
    *,
    size: int,
    name: str,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_columns: int = DEFAULT_MAX_COLUMNS,
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
) -> InputReport:
    """Check that `stream` holds a CSV the pipeline can read; raise `InputRefused` if not.

    `stream` is a binary file-like object with `.read(n)`, read once from its start;
    `size` is its length in bytes as the storage reports it (checked before reading).
    A header of more than `max_columns` names, or a record of more than
    `max_record_bytes` bytes, is refused as soon as it is seen.
    """
    _check_size(size, max_bytes)
    head = _read_head(stream)
    if not head:
        raise _empty_file(size)
    _check_magic(head)
    limits = InputLimits(max_bytes, max_columns, max_record_bytes)
    wide = _wide_encoding(head)
    if wide:
        return _validate_wide(stream, head, wide, size, name, limits)
    return _validate_text(stream, head, size, name, limits)


def _validate_text(
    stream: BinaryIO, head: bytes, size: int, name: str, limits: InputLimits, wide: str = ""
) -> InputReport:
    """`validate_stream` for a file in an ASCII-compatible encoding (or, with `wide`, the
    UTF-8 text of a file in that WIDE_ENCODINGS encoding); `head` is read."""
    _check_binary(head)
    has_bom = head.startswith(_UTF8_BOM)
    head_text = head[len(_UTF8_BOM) :].decode("latin-1") if has_bom else head.decode("latin-1")
    head_complete = len(head) < _HEAD_BYTES
    _check_text_kind(head_text, head_complete, size)
    hint = _separator_line(head_text)
    if hint:
        # Read as a blank line: skipped, and every line keeps its number.
        head_text = head_text[len(hint) :]

    sample = _sample_records(head_text, head_complete)
    delimiter = _hinted_delimiter(hint, sample) if hint else _choose_delimiter(sample, head_text)
    _check_title_cells(sample[delimiter])
    header_fields = sample[delimiter][0].fields
    # Rows one field wider than the header: R's row names, or a delimiter ending each row.
    pad = _missing_name(sample[delimiter])
    header_fields = _padded(header_fields, pad)
    # Before the names are looked at: a header cut by the head has at least this many.
    _check_columns(header_fields, limits.max_columns, at_least=not head_complete)
    _check_header(_clean_header(header_fields, _guess_encoding(head, head_complete)))

    checks = _ByteChecks(limits.max_bytes)
    text = _text_stream(stream, head, (len(_UTF8_BOM) if has_bom else 0) + len(hint), checks)
    scan = _scan(text, delimiter, limits.max_columns, limits.max_record_bytes, pad)
    checks.finish()
    encoding = _final_encoding(checks, has_bom)
    whole = reads_whole(scan.multiline, wide or encoding)
    report = _finish(scan, checks, encoding, delimiter, name, _line_terminator(head), whole)
    report.null_token = _null_token(sample[delimiter][1:], len(report.columns))
    report.separator_line = hint
    report.unnamed_row_names = pad == "first"
    return report


# --- refusals -------------------------------------------------------------------------


def _refuse(code: str, message: str, fix: str, details: dict[str, Any]) -> InputRefused:
    return InputRefused(code=code, message=message, fix=fix, details=details, step="validate")


def _empty_file(size: int) -> InputRefused:
    return _refuse(
        "empty_file",
        "The file is empty." if size == 0 else "The file holds only blank space.",
        "Upload a CSV file with a header row and at least one data row.",
        {"size_bytes": size},
    )


def _too_large(size: int, max_bytes: int) -> InputRefused:
    return _refuse(
        "too_large",
        f"The file is {_human_bytes(size)}, over the limit of {_human_bytes(max_bytes)}.",
        f"Split the file into parts under {_human_bytes(max_bytes)}, or raise the input "
        "size limit (`synthpipe run --max-bytes`; on AWS the `maxInputBytes` setting).",
        {"size_bytes": size, "max_bytes": max_bytes},
    )


# Excel's hint of the delimiter on a CSV's first line: `sep=;`, also quoted as a field.
_SEPARATOR_LINE = re.compile(r'(?i) *("?)sep=([^"\r\n]?)\1 *')


def _separator_line(text: str) -> str:
    """The first line when it is Excel's `sep=;` (without its line end), else ""."""
    first = text.split("\n", 1)[0].rstrip("\r")
    return first if _SEPARATOR_LINE.fullmatch(first) else ""


def _hinted_delimiter(hint: str, sample: dict[str, list[_Record]]) -> str:
    """The delimiter that the separator line names; refused when the pipeline does not
    read it, or when it does not separate the header row's names."""
    match = _SEPARATOR_LINE.fullmatch(hint)
    delimiter = match.group(2) if match else ""
    records = sample.get(delimiter, [])
    if records and len(records[0].fields) > 1:
        return delimiter
    named = _DELIMITER_NAMES.get(delimiter, f"`{delimiter}`" if delimiter else "no character")
    raise _refuse(
        "separator_line",
        f"The first line, `{hint.strip()}`, is a spreadsheet's hint of the delimiter: it "
        f"names {named}, which does not separate the header row's names.",
        "Correct the first line to name the file's delimiter (`sep=,`, `sep=;`, or a tab "
        "or `|` after `sep=`), or delete it, so that the header row comes next.",
        {"line": 1, "delimiter": named},
    )


def _check_columns(header_fields: list[str], max_columns: int, *, at_least: bool) -> None:
    # A trailing delimiter's empty field is no column, nor a spreadsheet's empty ones.
    columns = len(header_fields) - _trailing_blanks([f.strip() for f in header_fields])
    if columns <= max_columns:
        return
    counted = f"at least {columns:,}" if at_least else f"{columns:,}"
    raise _refuse(
        "too_many_columns",
        f"The header has {counted} columns, over the limit of {max_columns:,}.",
        "Split the table into narrower files, or drop the columns you do not need before "
        "uploading; or raise the limit (`synthpipe run --max-columns`; on AWS the start "
        "function's MAX_COLUMNS). If the file has no line breaks, export it again with one "
        "row per line.",
        {"columns": columns, "columns_at_least": at_least, "max_columns": max_columns},
    )


def _record_too_long(start: int, max_record_bytes: int) -> InputRefused:
    return _refuse(
        "record_too_long",
        f"The record that starts on line {start} is longer than "
        f"{_human_bytes(max_record_bytes)}, so it is not a row of a table.",
        "Check that the file has a line break after every row and that every quoted field "
        "is closed; or raise the limit (`synthpipe run --max-record-bytes`; on AWS the "
        "start function's MAX_RECORD_BYTES).",
        {"line": start, "max_record_bytes": max_record_bytes},
    )


def _human_bytes(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    value = float(n)
    for unit in ("KiB", "MiB", "GiB"):
        value /= 1024
        if value < 1024 or unit == "GiB":
            break
    return f"{value:.1f} {unit}"


# --- the head: size, magic numbers, encodings, what kind of text ----------------------


def _check_size(size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise _too_large(size, max_bytes)
    if size == 0:
        raise _empty_file(0)


def _read_head(stream: BinaryIO) -> bytes:
    # A network stream may return fewer bytes than asked for before its end.
    parts: list[bytes] = []
    got = 0
    while got < _HEAD_BYTES:
        chunk = stream.read(_HEAD_BYTES - got)
        if not chunk:
            break
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)


def _check_magic(head: bytes) -> None:
    """Refuse archives and binary formats by their magic numbers."""
    for magic, kind in _COMPRESSED_MAGIC:
        if head.startswith(magic):
            raise _compressed(kind, head)
    if _BZIP2.match(head):
        raise _compressed("bzip2", head)
    for magic, looks_like in _BINARY_MAGIC:
        if head.startswith(magic):
            raise _binary(f"The file looks like {looks_like}, not a CSV.", looks_like)


def _check_binary(head: bytes) -> None:
    """Refuse bytes that no text holds: NULs, many control characters."""
    if b"\x00" in head:
        raise _binary("The file holds NUL bytes, so it is binary data, not a CSV.", None)
    controls = len(head) - len(head.translate(None, delete=_CONTROL_BYTES))
    if controls > _CONTROL_SHARE_LIMIT * len(head):
        raise _binary(
            "The file holds many control characters, so it is binary data, not a CSV.",
            None,
            {"control_characters_in_head": controls, "head_bytes": len(head)},
        )


def _wide_encoding(head: bytes) -> str | None:
    """The codec of a file in UTF-16 or UTF-32 (a key of WIDE_ENCODINGS), or None."""
    for bom, encoding in _WIDE_BOMS:
        if head.startswith(bom):
            return encoding
    if b"\x00" not in head:
        return None
    # Text in UTF-16 without a BOM has a NUL in the high byte of every ASCII character (the
    # delimiters, line ends and digits of any script's table), always at the same parity;
    # binary data has NULs anywhere. A few at the other parity are characters such as
    # U+1F600, whose UTF-16 holds 0xDE00.
    sample = head[:4096]
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    many, few = max(even_nuls, odd_nuls), min(even_nuls, odd_nuls)
    if many < _MIN_WIDE_NULS or few >= 0.2 * many:
        return None
    return "utf-16-le" if odd_nuls > even_nuls else "utf-16-be"


def _validate_wide(
    stream: BinaryIO, head: bytes, encoding: str, size: int, name: str, limits: InputLimits
) -> InputReport:
    """`validate_stream` for a UTF-16 or UTF-32 file: its text is validated as UTF-8
    (every check below reads ASCII-compatible bytes), and the report names the file's own
    encoding, size and hash."""
    utf8 = _Transcoder(stream, head, encoding, limits.max_bytes)
    # The text in UTF-8 takes up to 1.5 times the bytes (2 for 3 in UTF-16); the file's
    # own bytes are held to max_bytes by the transcoder.
    text_limits = replace(limits, max_bytes=2 * limits.max_bytes)
    report = _validate_text(utf8, _read_head(utf8), size, name, text_limits, wide=encoding)
    while utf8.read(_READ_BYTES):  # to the end: the size and the hash are the whole file's
        pass
    report.encoding = encoding
    report.size_bytes = utf8.size
    report.sha256 = utf8.sha256.hexdigest()
    return report


class _Transcoder:
    """A UTF-16 or UTF-32 stream, read as UTF-8; counts and hashes the bytes it reads."""

    def __init__(self, stream: BinaryIO, head: bytes, encoding: str, max_bytes: int) -> None:
        self.size = 0
        self.sha256 = hashlib.sha256()
        self._stream = stream
        self._encoding = encoding
        self._decoder = codecs.getincrementaldecoder(encoding)()
        self._max_bytes = max_bytes
        self._head: bytes | None = head
        self._pending = bytearray()
        self._done = False

    def read(self, n: int = -1) -> bytes:
        while not self._done and (n < 0 or len(self._pending) < n):
            self._decode_next()
        n = len(self._pending) if n < 0 else n
        out = bytes(self._pending[:n])
        del self._pending[:n]
        return out

    def _decode_next(self) -> None:
        if self._head is not None:
            chunk, self._head = self._head, None
        else:
            chunk = self._stream.read(_READ_BYTES)
        offset = self.size
        self.size += len(chunk)
        if self.size > self._max_bytes:
            raise _too_large(self.size, self._max_bytes)
        self.sha256.update(chunk)
        try:
            text = self._decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            raise _not_wide_text(self._encoding, offset + max(exc.start, 0)) from None
        self._done = not chunk
        self._pending += text.encode("utf-8")


def _not_wide_text(encoding: str, offset: int) -> InputRefused:
    label = WIDE_ENCODINGS[encoding][:6]  # UTF-16 or UTF-32
    return _refuse(
        "unsupported_encoding",
        f"The file starts as {label} but the bytes near byte {offset:,} are not {label} "
        "text, so it mixes encodings or is cut short.",
        "Re-save the whole file as CSV in UTF-8 (in Excel: 'CSV UTF-8 (Comma delimited)').",
        {"encoding": label, "byte_offset": offset},
    )


def _compressed(kind: str, head: bytes) -> InputRefused:
    details: dict[str, Any] = {"magic": kind}
    if kind == "zip" and (b"xl/" in head or b"[Content_Types].xml" in head):
        details["looks_like"] = "an Excel workbook (.xlsx)"
        message = "The file is an Excel workbook (.xlsx, a zip archive), not a CSV."
        fix = "Open it in Excel and save it as CSV (UTF-8), then upload the CSV."
    elif kind == "zip" and b"opendocument.spreadsheet" in head:
        details["looks_like"] = "an OpenDocument spreadsheet (.ods)"
        message = "The file is an OpenDocument spreadsheet (.ods, a zip archive), not a CSV."
        fix = "Open it in your spreadsheet program and save it as CSV (UTF-8)."
    else:
        message = f"The file is compressed ({kind}), not a plain CSV."
        fix = "Decompress it and upload the CSV inside."
    return _refuse("compressed", message, fix, details)


def _binary(
    message: str, looks_like: str | None, details: dict[str, Any] | None = None
) -> InputRefused:
    details = dict(details or {})
    if looks_like:
        details["looks_like"] = looks_like
    fix = "Upload the data as a CSV text file (export or save as CSV, UTF-8)."
    if looks_like and "Excel" in looks_like:
        fix = "Open it in Excel and save it as CSV (UTF-8), then upload the CSV."
    return _refuse("binary", message, fix, details)


def _check_text_kind(text: str, complete: bool, size: int) -> None:
    """Refuse blank files, HTML/XML and JSON saved under a .csv name."""
    start = text.lstrip()
    if not start:
        raise _empty_file(size)
    lowered = start[:64].lower()
    for prefix, looks_like in _MARKUP_STARTS:
        if lowered.startswith(prefix):
            raise _refuse(
                "html",
                f"The file is {looks_like}, not a CSV.",
                "Export the table as CSV instead of saving the web page or markup.",
                {"looks_like": looks_like},
            )
    if start[0] in "{[" and _looks_like_json(start, complete):
        raise _refuse(
            "json",
            "The file holds JSON, not a CSV.",
            "Convert the records to CSV with a header row, or export the data as CSV.",
            {"looks_like": "JSON"},
        )


def _looks_like_json(text: str, complete: bool) -> bool:
    if complete:
        try:
            json.loads(text)
            return True
        except ValueError:
            pass
    # JSON lines: each of the first lines is an object or an array.
    lines = [line for line in text.split("\n") if line.strip()]
    if not complete:
        lines = lines[:-1]  # the last line of a cut head may be partial
    if lines and all(_json_value(line) is not None for line in lines[:20]):
        return True
    # One big document cut by the head: an object with a string key, or an array whose
    # first element parses. A CSV header such as '[id],[name]' does neither.
    if text.startswith("{"):
        return re.match(r'\{\s*"(?:[^"\\]|\\.)*"\s*:', text) is not None
    try:
        json.JSONDecoder().raw_decode(text[1:].lstrip())
        return True
    except ValueError:
        return False


def _json_value(line: str) -> object | None:
    try:
        value = json.loads(line)
    except ValueError:
        return None
    return value if isinstance(value, dict | list) else None


def _guess_encoding(head: bytes, complete: bool) -> str:
    """The encoding the head alone suggests; the whole file decides in the end. A head
    cut mid-character may still be UTF-8; a whole file that ends inside one is not."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=complete)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    # Whole lines only: a head cut inside a character names no encoding (_ByteChecks).
    lines = head if complete else head[: head.rfind(b"\n") + 1] or head
    non_latin = _non_latin_encoding(_non_ascii_lines(lines))
    if non_latin:
        return non_latin
    try:
        head.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"


def _non_ascii_lines(data: bytes) -> bytes:
    return b"\n".join(line for line in data.split(b"\n") if not line.isascii())


def _first_lines(data: bytes, limit: int) -> bytes:
    """The lines of `data` that fit whole in `limit` bytes."""
    if len(data) <= limit:
        return data
    end = data.rfind(b"\n", 0, limit + 1)
    return data[:end] if end > 0 else b""


def _non_latin_encoding(sample: bytes) -> str | None:
    """The non-Latin encoding that `sample` (lines with non-ASCII bytes) is written in, or
    None: too little text, a Latin encoding, or nothing that decodes it."""
    if len(sample) < _MIN_SAMPLE_BYTES:
        return None
    from charset_normalizer import from_bytes

    matches = list(from_bytes(sample, cp_isolation=_CANDIDATES))
    if not matches:
        return None
    # charset-normalizer ranks by chaos (mess) first. Double-byte encodings often all
    # decode a few short names without mess; its language coherence then tells them
    # apart (8 Japanese names: cp949 chaos 0.0 coherence 0.0, cp932 0.04 and 0.19).
    least = min(m.chaos for m in matches)
    calm = [m for m in matches if m.chaos <= least + _CHAOS_MARGIN]
    best = max(calm, key=lambda m: (m.coherence, -m.chaos))
    return best.encoding if best.encoding in NON_LATIN_ENCODINGS else None


def _line_terminator(head: bytes) -> str:
    newline = head.find(b"\n")
    if newline > 0 and head[newline - 1 : newline] == b"\r":
        return "\r\n"
    if newline < 0 and b"\r" in head:
        return "\r"  # old Mac line ends; Spark reads them too
    return "\n"


# --- the delimiter ---------------------------------------------------------------------


@dataclass
class _Record:
    line: int  # physical line where the record starts, 1-based
    fields: list[str]
    error: str = ""  # the csv module's complaint, if it could not parse the record


def _sample_records(head_text: str, complete: bool) -> dict[str, list[_Record]]:
    """Parse the first records of the head with each candidate delimiter."""
    if not complete:
        # Drop the last, probably partial, line.
        cut = max(head_text.rfind("\n"), head_text.rfind("\r"))
        head_text = head_text[: cut + 1] if cut >= 0 else head_text
    return {d: _parse_records(head_text, d) for d in READ_DELIMITERS}


def _parse_records(text: str, delimiter: str) -> list[_Record]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[_Record] = []
    while len(records) < _SNIFF_RECORDS:
        line = reader.line_num + 1
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            records.append(_Record(line, [], str(exc)))
            continue
        if not is_blank(fields):
            records.append(_Record(line, fields))
    return records


# What Spark's line reader trims before it skips a line as blank (Java's String.trim: every
# character up to the space, Ctrl-Z included). Python's own strip() takes more (a no-break
# space, U+0085), which Spark reads as a record of one field.
_SPARK_BLANK = "".join(chr(c) for c in range(0x21))


def is_blank(fields: list[str]) -> bool:
    """A blank line, or the DOS end-of-file mark (Ctrl-Z) that old Windows and mainframe
    exports end the file with on a line of its own: no record, in validation and in
    Prepare (which reads a line that starts with it as a comment, `EOF_MARK`). A file
    read whole skips only empty lines: see `_check_space_lines`."""
    return not fields or (len(fields) == 1 and not fields[0].strip(_SPARK_BLANK))


def _choose_delimiter(sample: dict[str, list[_Record]], head_text: str) -> str:
    """The candidate whose header field count (> 1) recurs on the most records.

    Counting agreement with the header, not with each other, is what tells a semicolon
    file with decimal commas ('1,5;2,3') from a comma file: its header has no comma.
    Ties go to the header with more fields, then to the order of DELIMITERS.
    """
    scores = {d: _score(records) for d, records in sample.items()}
    best = max(DELIMITERS, key=lambda d: (scores[d]["agree"], scores[d]["header_fields"]))
    if scores[best]["header_fields"] > 1:
        # At least half the records agree with the header, or with each other (rows that
        # all end with an extra delimiter the header lacks: ragged rows, reported later).
        credible = max(scores[best]["agree"], scores[best]["modal_records"])
        if credible * 2 >= len(sample[best]):
            return best
    if _space_separated(sample[SPACE]):
        return SPACE
    # No candidate works. A header that the csv module cannot parse means broken quoting.
    _check_lines_above_header(sample)
    for d in DELIMITERS:
        if sample[d] and sample[d][0].error:
            first = sample[d][0]
            raise _quote_refusal(first.error, first.line, first.line)
    other = _other_separator(head_text)
    if scores[best]["header_fields"] <= 1 and other is None:
        raise _refuse(
            "too_few_columns",
            "The file has a single column; the pipeline needs at least two.",
            "Upload a table with two or more columns separated by commas, semicolons, "
            "tabs or pipes.",
            {"columns": 1},
        )
    details: dict[str, Any] = {
        "records_sampled": max(len(records) for records in sample.values()),
        "candidates": {_DELIMITER_NAMES[d]: scores[d] for d in DELIMITERS},
    }
    if other is not None:
        details["possible_delimiter"] = other
    raise _refuse(
        "no_delimiter",
        "No column delimiter (comma, semicolon, tab or pipe) splits the rows consistently.",
        "Save the file as CSV with commas, semicolons, tabs or pipes between columns.",
        details,
    )


def _space_separated(records: list[_Record]) -> bool:
    """Every sampled record (at least two) splits at single spaces into as many fields as
    the header, two or more, none empty: R's write.table (`t status sex`, then `35 0 1`),
    or one more than the header with its row names (`_missing_name`). An empty field
    means runs of spaces (space-aligned columns, refused as before); a record that
    disagrees, a single column of values with spaces ('John Smith')."""
    if len(records) < 2 or any(r.error for r in records):
        return False
    widths = {len(r.fields) for r in records}
    empty = any(not field for r in records for field in r.fields)
    same = len(widths) == 1 and widths.pop() >= 2
    return (same or _missing_name(records) == "first") and not empty


def _missing_name(records: list[_Record]) -> str:
    """Which name the header lacks when every sampled data record (at least one; a
    repeated header aside) has one field more than it: "first" where that first field is
    filled and different on each, the row names that R's write.table writes without a
    name (R's read.table and pandas' read_csv read such a file so); "last" where the last
    field is empty on each, a delimiter that ends every row but not the header (some
    exports write it). "" otherwise."""
    if len(records) < 2 or any(r.error for r in records):
        return ""
    header = records[0].fields
    rows = [r.fields for r in records[1:] if r.fields != header]
    if len(header) < 2 or not rows or any(len(row) != len(header) + 1 for row in rows):
        return ""
    if all(not row[-1] for row in rows):
        return "last"
    names = [row[0].strip() for row in rows]
    return "first" if all(names) and len(set(names)) == len(names) else ""


def _padded(header: list[str], pad: str) -> list[str]:
    """The header with a blank name put first ("first") or last ("last"), or as it is."""
    return ["", *header] if pad == "first" else [*header, ""] if pad == "last" else header


def _check_lines_above_header(sample: dict[str, list[_Record]]) -> None:
    """A title or a note above the table (`Statement 2024`, then the header): the first
    line has one field, and from a later line on every sampled record has the same
    number of fields, more than one. Refused with the line the table starts on: the
    earliest any delimiter gives (a decimal comma splits a semicolon file's rows too)."""
    starts = []
    for d in DELIMITERS:
        records = [r for r in sample[d] if not r.error]
        if not records or len(records[0].fields) > 1:
            continue
        for k in range(1, len(records) - 1):
            widths = {len(r.fields) for r in records[k:]}
            if len(widths) == 1 and widths.pop() > 1:
                starts.append(records[k].line)
                break
    if starts:
        raise _lines_above_header(min(starts))


def _check_title_cells(records: list[_Record]) -> None:
    """A title typed in a spreadsheet's first cell above the table: Excel writes the
    rest of the line's cells as empty fields (`Sales 2024,,`), so the title has the
    table's width and the delimiter is found. The first line(s) fill their first field
    at most, and the next names every column with words, distinct, that no row below
    disagrees with in width. Refused as `_check_lines_above_header` refuses one field."""
    records = [r for r in records if not r.error]
    above = 0
    while above < len(records) and not any(f.strip() for f in records[above].fields[1:]):
        above += 1
    if not above or above >= len(records) - 1:
        return
    if not any(r.fields and r.fields[0].strip() for r in records[:above]):
        return
    names = [name.strip() for name in records[above].fields]
    if len(names) < 2 or not all(names) or len(set(names)) < len(names):
        return
    if any(_looks_like_value(name) for name in names):
        return
    if all(len(r.fields) == len(names) for r in records[above + 1 :]):
        raise _lines_above_header(records[above].line)


def _lines_above_header(line: int) -> InputRefused:
    return _refuse(
        "lines_above_header",
        f"The table starts on line {line}: the line(s) above it (a title or a note) are "
        "not rows of the table.",
        "Delete the lines above the header row, so that the header is the first line of the file.",
        {"header_line": line},
    )


def _score(records: list[_Record]) -> dict[str, int]:
    if not records or records[0].error:
        return {"header_fields": 0, "agree": 0, "modal_records": 0}
    header_fields = len(records[0].fields)
    if header_fields < 2:  # one field per line: this candidate splits nothing
        return {"header_fields": header_fields, "agree": 0, "modal_records": 0}
    counts = [len(r.fields) for r in records if not r.error]
    agree = sum(1 for r in records if not r.error and len(r.fields) == header_fields)
    rows = counts[1:]
    modal = max(rows, key=rows.count) if rows else header_fields
    modal_records = rows.count(modal) if modal > 1 else 0
    return {"header_fields": header_fields, "agree": agree, "modal_records": modal_records}


def _other_separator(head_text: str) -> str | None:
    """A character, not one of ours, that occurs equally often on each of the first lines.

    It tells a file with another separator (':' or spaces) from a true single column.
    """
    lines = [line for line in re.split(r"\r\n|\r|\n", head_text)[:21] if line.strip()]
    if len(lines) < 2:
        return None
    lines = lines[:-1] if len(lines) > 2 else lines  # the last may be cut by the head
    # Single spaces and these marks are common inside names and values.
    candidates = {ch for ch in lines[0] if not ch.isalnum() and ch not in " \"'_-."}
    for ch in sorted(candidates):
        counts = {line.count(ch) for line in lines}
        if len(counts) == 1 and counts.pop() > 0:
            return ch
    if all(re.search(r"\S {2,}\S", line) for line in lines):
        return "spaces"  # space-aligned columns
    return None


# --- the header --------------------------------------------------------------------------


def _clean_header(fields: list[str], encoding: str) -> list[str]:
    """Decode each name and strip blank space and one pair of wrapping quotes."""
    names = []
    for raw in fields:
        name = _redecode(raw, encoding).strip()
        if len(name) >= 2 and name[0] == name[-1] and name[0] in "'\"":
            name = name[1:-1].strip()
        names.append(name)
    return names


def _redecode(text: str, encoding: str) -> str:
    # `text` was decoded as latin-1, which maps each byte to one character; undo it.
    return text.encode("latin-1").decode(encoding.replace("-sig", ""))


# The name of a first column whose header is blank: the row names R's write.csv writes
# under the header "", or the index pandas' to_csv writes. Its values decide its role as
# any column's do (row numbers are an identifier); the published CSV leaves its header
# blank again. A blank name anywhere else is refused: no one can tell what it holds.
ROW_NAMES = "row_names"


def column_names(header: list[str]) -> list[str]:
    """The normalised names of `header`'s columns (snake_case; ROW_NAMES for a blank
    first name); '' for a name with nothing usable. A name that an earlier column has
    once normalised (`P95` after `p95`, `id` twice after a join) takes the first free
    suffix from `_2` on (`p95_2`); the published CSV writes the header as it was."""
    names = [
        ROW_NAMES if i == 0 and not name.strip() else snake_case(name)
        for i, name in enumerate(header)
    ]
    taken = set(names)
    seen: set[str] = set()
    distinct = []
    for name in names:
        if name and name in seen:
            suffix = 2
            while f"{name}_{suffix}" in taken:
                suffix += 1
            name = f"{name}_{suffix}"
            taken.add(name)
        seen.add(name)
        distinct.append(name)
    return distinct


def _check_header(header: list[str], trailing: int | None = None) -> None:
    """Refuse headers that are data, too narrow, or hold blank names.

    Blank last names may come from a trailing delimiter on every line, or from a
    spreadsheet's empty columns past the table; that is only known after the scan, so
    the last `trailing` names may be blank (by default every blank name after the last
    named column).
    """
    if len(header) < 2:
        raise _too_few_columns(header)
    filled = [name for name in header if name]
    if filled and all(_looks_like_value(name) for name in filled):
        raise _refuse(
            "header_missing",
            "The first row holds numbers or dates, so the file has no header row.",
            "Add a header row: a first row with a name for each column.",
            {"columns": len(header)},
        )
    if _holds_personal_data(filled):
        # The first row is a record: its values must not travel on as column names.
        raise _refuse(
            "header_missing",
            "The first row holds personal data (such as an e-mail address, a phone number "
            "or a person's name), so it is a record, not a header row.",
            "Add a header row: a first row with a name for each column.",
            {"columns": len(header)},
        )
    if trailing is None:
        trailing = _trailing_blanks(header)
    checked = header[: len(header) - trailing]
    empty = [i + 1 for i, name in enumerate(column_names(checked)) if not name]
    if empty:
        raise _refuse(
            "header_empty_name",
            f"The header has no usable name for column(s) {_positions(empty)}.",
            "Give every column a name with at least one letter or digit.",
            {"positions": empty},
        )


def _trailing_blanks(names: list[str]) -> int:
    """How many blank names end `names`, after its last named one (0 when none is named:
    such a header is refused for its blank names)."""
    named = [i for i, name in enumerate(names) if name]
    return len(names) - 1 - named[-1] if named else 0


def _holds_personal_data(names: list[str]) -> bool:
    """The header row scanned with the detectors the data gets: any entity written in a
    distinctive shape (an e-mail, a phone number, an IBAN...), or a person's full name
    next to another value (a record: 'John Smith,john@x.com,1200'). A column called
    'Mark Price' alone is still a header."""
    from synthpipe.pii import strong_types  # imported lazily: validation stays light
    from synthpipe.pii.person_names import FULL, person_name_kind

    if any(strong_types(name) for name in names):
        return True
    people = sum(person_name_kind(name) == FULL for name in names)
    values = sum(_looks_like_value(name) for name in names)
    return people >= 1 and people + values >= 2


def _too_few_columns(header: list[str]) -> InputRefused:
    return _refuse(
        "too_few_columns",
        f"The file has {len(header)} column; the pipeline needs at least two.",
        "Upload a table with two or more columns.",
        {"columns": len(header)},
    )


def _looks_like_value(name: str) -> bool:
    return bool(_NUMBER.match(name) or _DATE.match(name) or _TIME.match(name)) and any(
        ch.isdigit() for ch in name
    )


def _positions(positions: list[int]) -> str:
    return ", ".join(str(p) for p in positions)


# --- the whole file ----------------------------------------------------------------------


class _ByteChecks:
    """Facts about the raw bytes, gathered while they stream past: size, hash, encoding."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self.sha256 = hashlib.sha256()
        self.utf8_ok = True
        self.cp1252_ok = True
        self.non_ascii_before_utf8_error = False
        self.first_bad_utf8_line = 0
        self.ends_inside_character = False
        self.non_ascii_sample = bytearray()  # whole lines only: see `_sample`
        self._partial = b""  # the bytes after the last line break fed so far
        self._utf8 = codecs.getincrementaldecoder("utf-8")()
        self._newlines = 0

    def feed(self, chunk: bytes) -> None:
        offset = self.size
        self.size += len(chunk)
        if self.size > self.max_bytes:  # the stream is longer than its declared size
            raise _too_large(self.size, self.max_bytes)
        self.sha256.update(chunk)
        nul = chunk.find(b"\x00")
        if nul >= 0:
            raise _binary(
                "The file holds NUL bytes, so it is binary data, not a CSV.",
                None,
                {"byte_offset": offset + nul, "line": self._line_at(chunk, nul)},
            )
        if self.utf8_ok:
            self._feed_utf8(chunk)
        if not chunk.isascii() and self.cp1252_ok:
            try:
                chunk.decode("cp1252")
            except UnicodeDecodeError:
                self.cp1252_ok = False
        self._sample(chunk)
        self._newlines += chunk.count(b"\n")

    def _sample(self, chunk: bytes) -> None:
        """Keep lines with non-ASCII bytes to name the encoding by, whole: a chunk ends
        anywhere, also inside a double-byte character, and charset-normalizer names no
        encoding for a sample that one cut character leaves undecodable (a Shift-JIS file
        over 256 KiB was read as latin-1 until stop 49, and its names went undetected).
        A line break is never part of a character in the encodings named here."""
        cut = chunk.rfind(b"\n") + 1
        room = _SAMPLE_BYTES - len(self.non_ascii_sample)
        if cut and not self.utf8_ok and room > 0:  # else no copy of the chunk is made
            whole = self._partial + chunk[:cut]
            if not whole.isascii():
                self.non_ascii_sample += _first_lines(_non_ascii_lines(whole), room) + b"\n"
        rest = chunk[cut:] if cut else self._partial + chunk
        self._partial = rest if len(rest) <= _SAMPLE_BYTES else b""  # a giant line: unsampled

    def sample(self) -> bytes:
        """The non-ASCII lines kept, with the file's last line if it has no line break."""
        room = _SAMPLE_BYTES - len(self.non_ascii_sample)
        last = self._partial if room >= len(self._partial) and not self._partial.isascii() else b""
        return bytes(self.non_ascii_sample) + last

    def _feed_utf8(self, chunk: bytes) -> None:
        try:
            text = self._utf8.decode(chunk)
        except UnicodeDecodeError as exc:
            valid = chunk[: max(exc.start, 0)]
            self.utf8_ok = False
            self.non_ascii_before_utf8_error = self.non_ascii_before_utf8_error or (
                not valid.isascii()
            )
            self.first_bad_utf8_line = self._line_at(chunk, max(exc.start, 0))
            return
        # The decoded text, not the chunk: a chunk may end inside a character that the
        # next chunk completes, or that the file's end leaves cut (one latin-1 byte).
        if not text.isascii():
            self.non_ascii_before_utf8_error = True

    def _line_at(self, chunk: bytes, index: int) -> int:
        return self._newlines + chunk.count(b"\n", 0, index) + 1

    def finish(self) -> None:
        if self.utf8_ok:
            try:
                self._utf8.decode(b"", final=True)
            except UnicodeDecodeError:  # the file ends inside a multi-byte character
                self.utf8_ok = False
                self.ends_inside_character = True
                self.first_bad_utf8_line = self._newlines + 1


class _CheckedReader(io.RawIOBase):
    """Replays the head, then reads on; every byte passes through `_ByteChecks` once."""

    def __init__(self, stream: BinaryIO, head: bytes, skip: int, checks: _ByteChecks) -> None:
        super().__init__()
        self._stream = stream
        self._checks = checks
        checks.feed(head)
        self._pending = memoryview(head)[skip:]

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if not self._pending:
            chunk = self._stream.read(min(len(buffer), _READ_BYTES))
            if not chunk:
                return 0
            self._checks.feed(chunk)
            self._pending = memoryview(chunk)
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n


def _text_stream(stream: BinaryIO, head: bytes, skip: int, checks: _ByteChecks) -> io.TextIOWrapper:
    """The text after the head's first `skip` bytes (a BOM, the separator line's text)."""
    raw = _CheckedReader(stream, head, skip, checks)
    # newline='' hands '\r\n', '\n' and '\r' to the csv module untouched, which is what it
    # needs for quoted newlines; latin-1 never fails (see the module docstring).
    return io.TextIOWrapper(
        io.BufferedReader(raw, buffer_size=_READ_BYTES), encoding="latin-1", newline=""
    )


@dataclass
class _Scan:
    header_fields: list[str]
    sums: ColumnSums  # of the data records: is the last one a totals row?
    data_rows: int = 0
    empty_rows: int = 0
    multiline: bool = False
    ragged: list[dict[str, int]] = field(default_factory=list)
    ragged_total: int = 0
    ragged_widths: set[int] = field(default_factory=set)
    repeated_headers: list[int] = field(default_factory=list)  # lines, the first ten
    repeated_headers_total: int = 0
    # Lines of blank space only (spaces, tabs) between records: the first ten, and all.
    space_lines: list[int] = field(default_factory=list)
    space_lines_total: int = 0
    # The most fields any data row holds up to its last filled one: the fields after it
    # are empty on every row.
    filled_width: int = 0
    last_line: int = 0  # where the last data record starts
    # Each kind of record end ('\r\n', '\n', '\r') and the first line that ends with it
    # (the header's included).
    record_ends: dict[str, int] = field(default_factory=dict)


class _RecordTooLong(Exception):
    """Raised by `_Lines` inside the csv module; `_records` turns it into the refusal."""


class _Lines:
    """The text's lines for the csv module, each checked before the csv module sees it.

    `readline(n)` never returns more than n characters, so a line longer than what is left
    of the record's allowance is cut there and refused: no line, and so no field, is ever
    held whole beyond `max_record_bytes`. One character is one byte (the text is decoded
    as latin-1, see the module docstring), so the limit is in bytes, line ends included.
    """

    def __init__(self, text: io.TextIOBase, max_record_bytes: int) -> None:
        self._text = text
        self._max = max_record_bytes
        self._record_bytes = 0
        self.last = ""  # the last line handed out: a record's last line ends the record

    def new_record(self) -> None:
        self._record_bytes = 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self._text.readline(self._max - self._record_bytes + 1)
        if not line:
            raise StopIteration
        self._record_bytes += len(line)
        if self._record_bytes > self._max:
            raise _RecordTooLong
        self.last = line
        return line


def _scan(
    text: io.TextIOBase,
    delimiter: str,
    max_columns: int,
    max_record_bytes: int,
    pad: str = "",
) -> _Scan:
    """Read every record once: count rows, find ragged rows and quoting errors. `pad`:
    the header lacks the name of the first column ("first") or of the last ("last"), a
    blank one (`_padded`)."""
    lines = _Lines(text, max_record_bytes)
    reader = csv.reader(lines, delimiter=delimiter, quotechar=QUOTECHAR, strict=True)
    scan: _Scan | None = None
    space_lines: list[int] = []  # `_Scan.space_lines`, also those above the header
    space_total = 0
    ends: dict[str, int] = {}
    for start, fields in _records(reader, lines, max_record_bytes):
        if fields is None:
            space_total += 1
            if len(space_lines) < _MAX_REPORTED_LINES:
                space_lines.append(start)
            continue
        last = lines.last  # the record's last line: its line end ends the record
        end = "\r\n" if last[-2:] == "\r\n" else last[-1:]  # a last line may have none
        if end not in ends:
            ends[end] = reader.line_num
        if scan is None:
            fields = _padded(fields, pad)
            _check_columns(fields, max_columns, at_least=False)
            sums = ColumnSums(width=len(fields), decimal_comma=delimiter != ",")
            scan = _Scan(header_fields=fields, sums=sums)
            continue
        if reader.line_num > start:
            scan.multiline = True
        # Before the width: a header without the row names' name repeats one field short.
        unmarked = _without_bom(fields) if fields[0].startswith(_BOM_TEXT) else fields
        if _padded(unmarked, pad) == scan.header_fields:
            scan.repeated_headers_total += 1
            if len(scan.repeated_headers) < _MAX_REPORTED_LINES:
                scan.repeated_headers.append(start)
            continue
        if len(fields) != len(scan.header_fields):
            scan.ragged_total += 1
            scan.ragged_widths.add(len(fields))
            if len(scan.ragged) < _MAX_REPORTED_LINES:
                scan.ragged.append({"line": start, "fields": len(fields)})
            continue
        if not any(fields):
            scan.empty_rows += 1
            continue
        scan.data_rows += 1
        scan.last_line = start
        scan.sums.add(fields)
        if any(fields[scan.filled_width :]):
            scan.filled_width = _filled_width(fields)
    if scan is None:  # the head had a header, so only a lying stream gets here
        raise _empty_file(0)
    scan.space_lines, scan.space_lines_total = space_lines, space_total
    scan.record_ends = {end: line for end, line in ends.items() if end in _LINE_ENDS}
    return scan


def _filled_width(fields: list[str]) -> int:
    width = len(fields)
    while width and not fields[width - 1]:
        width -= 1
    return width


# UTF-8's byte order mark as the scan reads it (latin-1): where files saved with one were
# appended to each other, their headers start with it.
_BOM_TEXT = _UTF8_BOM.decode("latin-1")


def _without_bom(fields: list[str]) -> list[str]:
    return [fields[0].removeprefix(_BOM_TEXT), *fields[1:]]


def _records(
    reader: Any, lines: _Lines, max_record_bytes: int
) -> Iterator[tuple[int, list[str] | None]]:
    """Yield (first physical line, fields) for each non-blank record, and (line, None)
    for each line of blank space (`_check_space_lines`)."""
    while True:
        start = reader.line_num + 1
        lines.new_record()
        try:
            fields = next(reader)
        except StopIteration:
            return
        except _RecordTooLong:
            raise _record_too_long(start, max_record_bytes) from None
        except csv.Error as exc:
            raise _quote_refusal(str(exc), start, reader.line_num) from None
        # A line of one quoted blank field ("") is a record of one field to Spark, which
        # skips only lines of blank space: counted here as Spark reads it (fuzzing found
        # Prepare crash on a file that validation had read as ending in a blank line).
        if not is_blank(fields) or QUOTECHAR in lines.last:
            yield start, fields
        elif fields and not fields[0].startswith(EOF_MARK):
            yield start, None  # blank space: a record where the file is read whole


def _quote_refusal(error: str, start: int, end: int) -> InputRefused:
    # The csv module's messages name no cell values; they are kept as a hint.
    if "expected after" in error:
        message = (
            f"Line {end} has text right after the closing quote of a quoted field, most "
            "often a quote inside the field that is not doubled."
        )
        details = {"line": end, "record_starts_line": start}
    elif "field limit" in error and end == start:
        return _refuse(
            "field_too_large",
            f"A field on line {start} is longer than {csv.field_size_limit()} characters.",
            "Check that the file is a table; remove or shorten the very long field.",
            {"line": start, "limit_characters": csv.field_size_limit()},
        )
    else:
        message = (
            f"A quoted field that starts on line {start} is never closed, so the rest of "
            "the file reads as one field."
        )
        details = {"line": start}
    return _refuse(
        "unbalanced_quotes",
        message,
        "Close every quoted field with a '\"' and write a quote inside a quoted field as "
        'two quotes (""), then upload the file again.',
        {**details, "parser_error": error},
    )


def _final_encoding(checks: _ByteChecks, has_bom: bool) -> str:
    if checks.utf8_ok:
        return "utf-8-sig" if has_bom else "utf-8"
    # Before naming a non-Latin encoding: UTF-8 to the last byte but one is UTF-8. The
    # sample then holds only the cut last line, and charset-normalizer may name cp949
    # for it (found by fuzzing: validation crashed on the header).
    if checks.non_ascii_before_utf8_error and checks.ends_inside_character:
        raise _refuse(
            "unsupported_encoding",
            f"The file is UTF-8 but ends inside a character, on line "
            f"{checks.first_bad_utf8_line}: it was cut short.",
            "Export or upload the whole file again.",
            {"encoding": "utf-8", "first_non_utf8_line": checks.first_bad_utf8_line},
        )
    # Before the mixed-encoding refusal: a double-byte character can look like UTF-8.
    non_latin = _non_latin_encoding(checks.sample())
    if non_latin:
        return non_latin
    if checks.non_ascii_before_utf8_error:
        # Valid UTF-8 text first, then bytes that are not: two encodings in one file
        # (often files appended to each other). Any single choice garbles part of it.
        raise _refuse(
            "unsupported_encoding",
            f"The file starts as UTF-8 but line {checks.first_bad_utf8_line} is in another "
            "encoding, so it mixes encodings.",
            "Re-save the whole file as CSV in UTF-8.",
            {"encoding": "mixed", "first_non_utf8_line": checks.first_bad_utf8_line},
        )
    return "cp1252" if checks.cp1252_ok else "latin-1"


def _finish(
    scan: _Scan,
    checks: _ByteChecks,
    encoding: str,
    delimiter: str,
    name: str,
    line_terminator: str,
    whole: bool,
) -> InputReport:
    try:
        header = _clean_header(scan.header_fields, encoding)
    except UnicodeDecodeError:
        # The encoding was named from the lines after the first that is not UTF-8, and
        # the header is in another: UTF-8 names over rows in cp949 (files appended).
        raise _refuse(
            "unsupported_encoding",
            f"The header row is not in the encoding of the rest of the file ({encoding}), "
            "so the file mixes encodings.",
            "Re-save the whole file as CSV in UTF-8.",
            {"encoding": "mixed", "first_non_utf8_line": checks.first_bad_utf8_line},
        ) from None
    _check_header(header)
    if scan.ragged_total:
        raise _ragged(scan, header)
    if scan.repeated_headers_total:
        raise _repeated_header(scan)
    _check_record_ends(scan, line_terminator, whole)
    _check_space_lines(scan, whole)
    # Unnamed columns past the table that hold nothing on any row are dropped; a blank
    # name over a value is refused (header_empty_name). The header passed the rest of
    # `_check_header` above: only then is it read again.
    blanks = _trailing_blanks(header)
    trailing = min(blanks, len(header) - scan.filled_width)
    if trailing < blanks:
        _check_header(header, trailing)
    if scan.data_rows == 0:
        raise _refuse(
            "no_data_rows",
            "The file has a header row but no data rows.",
            "Upload the file with its data rows.",
            {"columns": len(header)},
        )
    if trailing:
        header = header[: len(header) - trailing]
        if len(header) < 2:
            raise _too_few_columns(header)
    _check_totals_row(scan)
    return InputReport(
        name=name,
        size_bytes=checks.size,
        sha256=checks.sha256.hexdigest(),
        encoding=encoding,
        delimiter=delimiter,
        quotechar=QUOTECHAR,
        header=header,
        columns=column_names(header),
        data_rows=scan.data_rows,
        multiline=scan.multiline,
        line_terminator=line_terminator,
        trailing_fields=trailing,
        empty_rows=scan.empty_rows,
    )


def _null_token(records: list[_Record], width: int) -> str:
    """How the sampled data rows write their missing values (InputReport.null_token).
    A spelling of NULL_TOKENS, never a value of the data."""
    spellings = {
        cell.strip()
        for record in records
        for cell in record.fields[:width]
        if cell.strip().lower() in NULL_TOKENS
    }
    return spellings.pop() if len(spellings) == 1 and "" not in spellings else ""


def _check_totals_row(scan: _Scan) -> None:
    # Columns by position, as every refusal gives them: a header name can be personal data.
    positions = [i + 1 for i in scan.sums.totals_columns()]
    if not positions:
        return
    raise _refuse(
        "totals_row",
        f"The last row (line {scan.last_line}) holds the sums of the rows above it in "
        f"column(s) {_positions(positions)}: it is a totals row, not a record, and would be "
        "learnt as one.",
        "Delete the totals row, and any other summary rows (subtotals, averages), then "
        "upload the file again.",
        {"line": scan.last_line, "sum_columns": positions},
    )


_LINE_ENDS = {"\r\n": "CRLF (Windows)", "\n": "LF (Unix)", "\r": "CR (old Mac)"}


def _check_record_ends(scan: _Scan, line_terminator: str, whole: bool) -> None:
    """Spark splits a file it reads whole (`reads_whole`) into records at one kind of
    line end, the first it meets: a record that ends with another kind runs on into the
    next (fuzzing found Prepare crash on both kinds of such files, December 2026)."""
    other = {end: line for end, line in scan.record_ends.items() if end != line_terminator}
    if not whole or not other:
        return
    end, line = min(other.items(), key=lambda item: item[1])
    raise _refuse(
        "mixed_line_ends",
        f"Rows end with {_LINE_ENDS[line_terminator]} line breaks, but the row on line {line} "
        f"ends with {_LINE_ENDS[end]}, and the file is read whole (quoted fields hold line "
        "breaks, or it is UTF-16 or UTF-32): such a file cannot be split into the same rows "
        "again. Most often files appended to each other.",
        "Save the file again with one kind of line break (a text editor's line-ending "
        "setting, or `dos2unix`), then upload it again.",
        {"line": line, "line_end": _LINE_ENDS[line_terminator], "other_line_end": _LINE_ENDS[end]},
    )


def _check_space_lines(scan: _Scan, whole: bool) -> None:
    """Spark skips a line of blank space (spaces, tabs) when it reads a file line by line,
    but reads it as a row of one field when it reads the file whole (quoted line breaks,
    UTF-16 or UTF-32), and Prepare would stop on it: refused, with its line."""
    if not (whole and scan.space_lines_total):
        return
    first = scan.space_lines[0]
    raise _refuse(
        "ragged_rows",
        f"Line {first} holds only blank space, such as spaces or tabs "
        f"({scan.space_lines_total} line(s) in all), and the file is read whole (quoted "
        "fields hold line breaks, or it is UTF-16 or UTF-32), where such a line is a row "
        "of one field.",
        "Delete the lines that hold only blank space (empty lines may stay), then upload "
        "the file again.",
        {"space_lines": scan.space_lines, "space_lines_total": scan.space_lines_total},
    )


def _repeated_header(scan: _Scan) -> InputRefused:
    return _refuse(
        "repeated_header",
        f"Line {scan.repeated_headers[0]} repeats the header row "
        f"({scan.repeated_headers_total} line(s) in all): most often files appended to each "
        "other, each with its header.",
        "Delete the repeated header lines (keep the first line), then upload the file again.",
        {"lines": scan.repeated_headers, "repeated_headers": scan.repeated_headers_total},
    )


def _ragged(scan: _Scan, header: list[str]) -> InputRefused:
    first = scan.ragged[0] if scan.ragged else {"line": 0, "fields": 0}
    expected = len(header)
    counts = any(_looks_like_value(name) for name in header)
    if counts and not scan.data_rows and scan.ragged_total >= 2 and len(scan.ragged_widths) == 1:
        # Every row agrees with the others and none with a first line that holds numbers:
        # scikit-learn's bundled files start with counts (`569,30,malignant,benign`).
        return _refuse(
            "header_missing",
            f"The first line has {expected} fields and all {scan.ragged_total} rows below "
            f"it have {first['fields']}: it does not name the table's columns (a title, or "
            "counts such as the number of rows and columns), so the file has no header row.",
            f"Replace the first line with a header row: a name for each of the "
            f"{first['fields']} columns.",
            {"columns": first["fields"], "first_line_fields": expected},
        )
    if scan.data_rows and first["line"] > scan.last_line:  # all below the last row
        return _refuse(
            "lines_below_table",
            f"The table's last row starts at line {scan.last_line}; the "
            f"{scan.ragged_total} line(s) below it do not have {expected} fields like the "
            "header: a note or a footer under the table, or a last line cut short.",
            "Delete the lines below the table (or export the file again if its end was cut "
            "off), then upload the file again.",
            {"last_table_line": scan.last_line, "first_lines": scan.ragged},
        )
    return _refuse(
        "ragged_rows",
        f"{scan.ragged_total} row(s) do not have {expected} fields like the header; the "
        f"first is line {first['line']} with {first['fields']}.",
        "Make every row have one field per header column: quote fields that contain the "
        "delimiter, and remove stray delimiters.",
        {
            "expected_fields": expected,
            "ragged_rows": scan.ragged_total,
            "first_lines": scan.ragged,
        },
    )
