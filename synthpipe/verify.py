"""Verify privacy, fail-closed: a full scan of the cleaned Parquet before training.

Locally this is the stand-in for the Amazon Macie job (and on AWS its pre-check): every
value of every column goes through the same detectors Prepare used on its sample. Any
finding, any object that cannot be read, or nothing to scan stops the run. The error
names columns and entity types, never a value.

Each object is scanned as it is read. A column with at most MAX_WHOLE_VALUES distinct
values is also judged on all of its rows at once, from its value counts merged over the
objects, and that judgement stands for it: a column's dates of birth (or its calendar)
show only whole, and Spark's shuffle spreads a column's rows over its objects at random.
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


# A column with more distinct values than this (amounts, measurements) is judged object by
# object; under it (dates, names, codes, categories), on all of its rows at once.
MAX_WHOLE_VALUES = 200_000


class _WholeColumns:
    """Each column's value counts merged over the objects read so far, while they stay
    under MAX_WHOLE_VALUES distinct values: memory bounded by that, whatever the rows."""

    def __init__(self) -> None:
        self.counts: dict[str, pa.Table] = {}
        self.too_many: set[str] = set()

    def add(self, counted: dict[str, pa.Table]) -> None:
        for name, part in counted.items():
            if name in self.too_many:
                continue
            merged = merge_counts([self.counts[name], part]) if name in self.counts else part
            if merged.num_rows > MAX_WHOLE_VALUES:
                self.too_many.add(name)
                self.counts.pop(name, None)
            else:
                self.counts[name] = merged


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
    rows = 0
    findings: dict[str, ColumnFinding] = {}
    whole = _WholeColumns()
    for path in files:
        table = _read(path)
        rows += table.num_rows
        counted = {name: value_counts(table.column(name)) for name in table.column_names}
        for finding in scan_counted_columns(counted, settings):
            if finding.is_pii:
                findings.setdefault(finding.name, finding)
        whole.add(counted)
    # A column whose counts stayed bounded is judged whole instead: a part of a calendar
    # is no calendar, and its dates read as births.
    findings = {n: f for n, f in findings.items() if n not in whole.counts}
    for finding in scan_counted_columns(whole.counts, settings):
        if finding.is_pii:
            findings[finding.name] = finding
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
