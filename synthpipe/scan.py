"""`synthpipe scan`: which columns of a CSV or Parquet file hold personal data.

Reads an evenly spread sample (the detector's sample size), classifies each column with
the same detector Prepare uses, completes it as Prepare does with a count over every row
of the cells holding a strongly written entity (an e-mail, an IBAN, a formatted phone
number...), and says what Prepare would do with it.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

import pyarrow.parquet as pq

from synthpipe.dataset_config import DatasetConfig
from synthpipe.pii import DetectorSettings, classify_columns, strong_types
from synthpipe.pii.actions import KEEP, decide_actions
from synthpipe.pii.columns import STRONG_GATE, with_strong_cells
from synthpipe.prepare import _patterns as P
from synthpipe.prepare._infer import (
    ColumnStats,
    PrepareSettings,
    identifier_reason,
    infer_type,
    sorted_share,
)
from synthpipe.schema import NULL_TOKENS
from synthpipe.validate import is_blank, validate_file

_PARQUET_MAGIC = b"PAR1"
# ColumnStats fields a sample is matched against (Prepare counts them in Spark, with the
# same patterns): enough to tell numbers and dates from text.
_TYPED_SHAPES = {
    "leading_zero": P.LEADING_ZERO,
    "decimal_dot": P.DECIMAL_DOT,
    "decimal_comma": P.DECIMAL_COMMA,
    "date_iso": P.DATE_ISO,
    "timestamp_iso": P.TIMESTAMP_ISO,
    "date_numeric": P.DATE_NUMERIC,
    "datetime_numeric": P.DATETIME_NUMERIC,
    "datetime_ymd": P.DATETIME_YMD,
    "with_seconds": P.WITH_SECONDS,
    "id_shape": P.ID_SHAPE,
    "registration": P.REGISTRATION,  # licence plates: a key by shape, as in Prepare
    "rounded_hundreds": P.ROUNDED_HUNDREDS,
    "whole": P.WHOLE,
}


@dataclass
class ColumnScan:
    name: str
    entity_types: list[str]
    confidence: float
    action: str

    def to_dict(self) -> dict:
        return asdict(self)


def scan_file(
    path: Path, *, settings: DetectorSettings | None = None, config: DatasetConfig | None = None
) -> list[ColumnScan]:
    """Classify every column of a CSV file, a Parquet file or a folder of Parquet files."""
    settings = settings or DetectorSettings()
    if _is_parquet(path):
        columns, cells, rows = _parquet_sample(path, settings.sample_size)
    else:
        columns, cells, rows = _csv_sample(path, settings.sample_size)
    findings = [
        with_strong_cells(f, cells.get(f.name, Counter()), rows, settings)
        for f in classify_columns(columns, settings)
    ]
    identifiers = [name for name, values in columns.items() if _looks_like_identifier(name, values)]
    actions = decide_actions(findings, identifiers=identifiers, config=config or DatasetConfig())
    return [
        ColumnScan(
            name=f.name,
            entity_types=list(f.entity_types),
            confidence=round(f.confidence, 3),
            action=actions[f.name].action if f.name in actions else KEEP,
        )
        for f in findings
    ]


def _looks_like_identifier(name: str, values: list) -> bool:
    """Prepare's identifier rule, applied to the sample instead of the whole column."""
    cleaned = [str(v).strip().strip("'\"") for v in values if v is not None]
    cleaned = [v for v in cleaned if v.lower() not in NULL_TOKENS]
    if not cleaned:
        return False
    integers = sum(1 for v in cleaned if re.match(P.INTEGER, v))
    wholes = [re.match(P.WHOLE, v) for v in cleaned]
    numbers = [int(m.group(1)) for m in wholes if m]
    counts = dict.fromkeys(ColumnStats.__dataclass_fields__, 0)
    counts |= {"non_null": len(cleaned), "integer": integers}
    # The shapes Prepare types most columns by: amounts and dates, however many distinct
    # values they have, are no keys (a sample of unique amounts read as text was one).
    for field, pattern in _TYPED_SHAPES.items():
        counts[field] = sum(1 for v in cleaned if re.match(pattern, v))
    codes = [m for m in (re.match(P.SHORT_CODE, v) for v in cleaned) if m]
    if len({m.group(1).upper() for m in codes}) == 1:  # one prefix, as Prepare counts them
        counts["short_code"] = len(codes)
    stats = ColumnStats(**counts)
    col_type, _, _ = infer_type(stats, delimiter=",", settings=PrepareSettings())
    reason = identifier_reason(
        name,
        col_type,
        distinct=len(set(cleaned)),
        rows=len(cleaned),
        stats=stats,
        minimum=min(numbers, default=None),
        maximum=max(numbers, default=None),
        settings=PrepareSettings(),
        # The sample keeps the file's order (every k-th record).
        sorted_share=sorted_share(numbers) if integers == len(cleaned) else None,
    )
    return reason is not None


def _is_parquet(path: Path) -> bool:
    if path.is_dir():
        return True
    with path.open("rb") as handle:
        return handle.read(4) == _PARQUET_MAGIC


_Sample = tuple[dict[str, list], dict[str, Counter[str]], int]
_GATE = re.compile(STRONG_GATE)


def _count_strong(cells: dict[str, Counter[str]], name: str, value: object) -> None:
    if value is None:
        return
    text = str(value)
    if _GATE.search(text):
        cells.setdefault(name, Counter()).update(strong_types(text))


def _parquet_sample(path: Path, size: int) -> _Sample:
    table = pq.read_table(path)
    step = max(1, table.num_rows // size)
    sample = table.take(list(range(0, table.num_rows, step))[:size])
    cells: dict[str, Counter[str]] = {}
    for name in table.column_names:
        for value in table.column(name).unique().to_pylist():
            _count_strong(cells, name, value)  # once per distinct value: a lower bound
    columns = {name: sample.column(name).to_pylist() for name in sample.column_names}
    return columns, cells, table.num_rows


def _csv_sample(path: Path, size: int) -> _Sample:
    """Every k-th record, k from the row count validation found: a sample of the whole file,
    and every record's strongly written entities counted."""
    report = validate_file(path)
    step = max(1, report.data_rows // size)
    columns: dict[str, list] = {name: [] for name in report.columns}
    cells: dict[str, Counter[str]] = {}
    encoding = "utf-8-sig" if report.encoding == "utf-8-sig" else report.encoding
    with path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding=encoding, newline="")
        reader = csv.reader(text, delimiter=report.delimiter, quotechar=report.quotechar)
        if report.separator_line:
            next(reader)  # Excel's `sep=;` above the header
        next(reader)  # the header
        index = 0
        for record in reader:
            if is_blank(record) or all(not field.strip() for field in record):
                continue
            for name, value in zip(report.columns, record, strict=False):
                _count_strong(cells, name, value)
            if index % step == 0 and len(columns[report.columns[0]]) < size:
                for name, value in zip(report.columns, record, strict=False):
                    columns[name].append(value)
            index += 1
    return columns, cells, index
