"""Load the cleaned Parquet of the train channel and check it against schema.json."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from synthpipe.errors import StepFailed
from synthpipe.schema import DatasetSchema

STEP = "train"

# Which Arrow types each logical type may arrive as. Prepare writes the first one
# (schema.py); the others are what a lossless writer may also produce.
_ACCEPTED = {
    "integer": pa.types.is_integer,
    "decimal": lambda t: pa.types.is_floating(t) or pa.types.is_decimal(t),
    "boolean": pa.types.is_boolean,
    "date": lambda t: pa.types.is_date(t) or pa.types.is_timestamp(t),
    "timestamp": pa.types.is_timestamp,
    "categorical": lambda t: pa.types.is_string(t) or pa.types.is_large_string(t),
    "text": lambda t: pa.types.is_string(t) or pa.types.is_large_string(t),
}


def parquet_files(data_dir: Path) -> list[Path]:
    """The Parquet parts under `data_dir` (Spark writes part-*.parquet plus markers)."""
    if not data_dir.is_dir():
        return []
    return sorted(p for p in data_dir.rglob("*.parquet") if p.is_file())


def read_schema(path: Path) -> DatasetSchema:
    if not path.is_file():
        raise StepFailed(
            code="schema_missing",
            message=f"schema.json not found in the train channel ({path.name}).",
            fix="Point the train channel at a cleaned/<dataset>/<run_id>/ prefix.",
            step=STEP,
        )
    try:
        return DatasetSchema.from_json(path.read_text(encoding="utf-8"))
    except (ValueError, TypeError, KeyError) as error:
        raise StepFailed(
            code="schema_invalid",
            message=f"schema.json cannot be read: {error}.",
            fix="Re-run Prepare to write a valid schema.json.",
            step=STEP,
        ) from error


def check_arrow_schema(arrow_schema: pa.Schema, schema: DatasetSchema) -> None:
    """Raise `StepFailed(schema_mismatch)` when the Parquet disagrees with schema.json."""
    expected = {c.name: c for c in schema.kept()}
    found = {field.name: field.type for field in arrow_schema}
    missing = sorted(set(expected) - set(found))
    extra = sorted(set(found) - set(expected))
    wrong = sorted(
        f"{name} ({found[name]} for {col.type})"
        for name, col in expected.items()
        # An all-null column has Arrow type null whatever it was meant to hold.
        if name in found
        and not pa.types.is_null(found[name])
        and not _ACCEPTED[col.type](found[name])
    )
    problems = []
    if missing:
        problems.append(f"missing columns {missing}")
    if extra:
        problems.append(f"unexpected columns {extra}")
    if wrong:
        problems.append(f"wrong types {wrong}")
    if problems:
        raise StepFailed(
            code="schema_mismatch",
            message="The cleaned Parquet does not match schema.json: " + "; ".join(problems) + ".",
            fix="Re-run Prepare so that data/ and schema.json come from the same run.",
            details={"missing": missing, "extra": extra, "wrong": wrong},
            step=STEP,
        )


# Rows per Arrow batch while sampling: small next to any row cap, so that memory holds
# the sample and one batch, never the whole table.
BATCH_ROWS = 65_536
ROWS_TOTAL = "rows_total"  # frame.attrs key: rows of the cleaned data before sampling


def load_table(
    data_dir: Path,
    schema: DatasetSchema,
    *,
    columns: list[str] | None = None,
    max_rows: int | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """The cleaned data, checked, with dates as datetime64 for SDV.

    Only `columns` are read (all kept columns when None). Above `max_rows` rows, a seeded
    uniform sample of about `max_rows` rows is drawn batch by batch in Arrow, so memory
    is bounded by the cap, not by the input (pandas holds about 10 times a string column's
    Parquet size). `frame.attrs["rows_total"]` keeps the number of rows in the data.
    """
    files = parquet_files(data_dir)
    if not files:
        raise StepFailed(
            code="no_data",
            message="No Parquet files found under data/ in the train channel.",
            fix="Point the train channel at a cleaned/<dataset>/<run_id>/ prefix with data/.",
            step=STEP,
        )
    parts = [pq.ParquetFile(f) for f in files]
    for part in parts:
        check_arrow_schema(part.schema_arrow, schema)
    total = sum(part.metadata.num_rows for part in parts)
    if total == 0:
        raise StepFailed(
            code="no_rows",
            message="The cleaned data has no rows.",
            fix="Check the raw file: Prepare removed every row, or the file was empty.",
            step=STEP,
        )
    wanted = columns or [c.name for c in schema.kept()]
    positions = None
    if max_rows is None or total <= max_rows:
        tables = [part.read(columns=wanted) for part in parts]
    else:
        tables, positions = _sample(parts, wanted, max_rows / total, seed)
    table = pa.concat_tables(tables, promote_options="default")
    frame = table.to_pandas()
    del table, tables
    if positions is not None:
        # Each row keeps its position in the whole table: the evaluation takes the
        # training rows as the cleaned rows without the holdout's index.
        frame.index = pd.Index(positions)
    for col in schema.kept():
        if col.name in frame.columns and col.type in ("date", "timestamp"):
            frame[col.name] = as_datetime_ns(frame[col.name])
        elif col.name in frame.columns and col.type == "boolean":
            # Spark writes no pandas metadata, so a boolean column with nulls comes back
            # as object; ARGN then took it for text and sampled "True"/"False" strings,
            # which the cleaned types refused (Ecdat/Schooling, 10 nulls in libcrd14).
            frame[col.name] = frame[col.name].astype("boolean")
    frame.attrs[ROWS_TOTAL] = total
    return frame


def _sample(
    parts: list[pq.ParquetFile], columns: list[str], share: float, seed: int
) -> tuple[list[pa.Table], np.ndarray]:
    """Each row kept with probability `share` (seeded), one batch at a time; with the
    kept rows' positions in the whole table (files in order)."""
    rng = np.random.default_rng(seed)
    kept, positions, offset = [], [], 0
    for part in parts:
        for batch in part.iter_batches(batch_size=BATCH_ROWS, columns=columns):
            mask = rng.random(batch.num_rows) < share
            if mask.any():
                kept.append(pa.Table.from_batches([batch.filter(pa.array(mask))]))
                positions.append(offset + np.flatnonzero(mask))
            offset += batch.num_rows
    if not kept:
        return [parts[0].schema_arrow.empty_table().select(columns)], np.array([], dtype=int)
    return kept, np.concatenate(positions)


def as_datetime_ns(series: pd.Series) -> pd.Series:
    """Dates and timestamps as naive UTC datetime64[ns], whatever form they came in.

    Spark writes timestamps as microseconds with a UTC zone; pandas keeps that unit, and
    rdt's datetime encoder reads the integers as nanoseconds: every synthetic timestamp
    of a 2024 data set came out in January 1970. Parquet dates come back as `date`
    objects. One unit and no zone for all of them.
    """
    values = pd.to_datetime(series, errors="coerce", utc=True)
    return values.dt.tz_localize(None).astype("datetime64[ns]")


def as_numbers(series: pd.Series) -> np.ndarray:
    """Numbers as float64 (datetimes as nanoseconds); anything unreadable is NaN."""
    if pd.api.types.is_datetime64_any_dtype(series):
        values = series.astype("int64").to_numpy(dtype=float)
        values[series.isna().to_numpy()] = np.nan
        return values
    if pd.api.types.is_bool_dtype(series):
        return series.astype(float).to_numpy()
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
