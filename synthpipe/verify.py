"""Verify privacy, fail-closed: a full scan of the cleaned Parquet before training.

Locally this is the stand-in for the Amazon Macie job (and on AWS its pre-check): every
value of every column goes through the same detectors Prepare used on its sample. Any
finding, any object that cannot be read, or nothing to scan stops the run. The error
names columns and entity types, never a value.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from synthpipe import fixes
from synthpipe.errors import StepFailed
from synthpipe.layout import RunLayout
from synthpipe.pii import (
    ColumnFinding,
    DetectorSettings,
    merge_counts,
    scan_counted_columns,
    value_counts,
)

FIX = fixes.PII_FOUND


@dataclass
class VerifyResult:
    rows: int
    files: int
    seconds: float
    findings: list[ColumnFinding] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "engine": "local scan",
            "rows_scanned": self.rows,
            "objects_scanned": self.files,
            "seconds": round(self.seconds, 3),
            "columns": {f.name: f.entity_types for f in self.findings},
        }


def _fail(code: str, message: str, details: dict) -> StepFailed:
    return StepFailed(code=code, message=message, fix=FIX, details=details, step="verify")


def _read(path: Path) -> pa.Table:
    try:
        return pq.read_table(path)
    except Exception as error:  # any unreadable object fails closed
        raise _fail(
            "unreadable_object",
            f"The cleaned object {path.name} could not be read, so it was not verified.",
            {"object": path.name, "error": type(error).__name__},
        ) from error


def verify_cleaned(layout: RunLayout, settings: DetectorSettings | None = None) -> VerifyResult:
    """Scan every Parquet object of the run's cleaned output; raise on any finding."""
    started = time.monotonic()
    settings = settings or DetectorSettings()
    files = sorted(Path(layout.cleaned_data).glob("*.parquet"))
    if not files:
        raise _fail(
            "nothing_classified",
            "The cleaned output holds no Parquet object to scan, so nothing was verified.",
            {"prefix": layout.cleaned_data},
        )
    # Each column is judged on all of its rows at once, whichever object holds them (a
    # column's dates of birth, or its calendar, show only whole), from its value counts:
    # one object's rows and each column's distinct values are held, never the table.
    parts: dict[str, list[pa.Table]] = {}
    rows = 0
    for path in files:
        table = _read(path)
        rows += table.num_rows
        for name in table.column_names:
            parts.setdefault(name, []).append(value_counts(table.column(name)))
    counted = {name: merge_counts(tables) for name, tables in parts.items()}
    findings = {f.name: f for f in scan_counted_columns(counted, settings) if f.is_pii}
    result = VerifyResult(rows, len(files), time.monotonic() - started, list(findings.values()))
    if findings:
        found = {f.name: f.entity_types for f in findings.values()}
        listed = "; ".join(f"{name}: {', '.join(types)}" for name, types in found.items())
        raise _fail(
            "pii_found",
            f"Personal data remains in the cleaned output ({listed}).",
            {"columns": found, "rows_scanned": rows},
        )
    return result
