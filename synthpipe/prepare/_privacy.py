"""The Spark side of the privacy actions: detection, then per-column expressions.

Detection reads a sample to the driver (a few thousand rows at most) and counts, over
every row, the cells that hold an entity written in a distinctive shape (a Python UDF
over the distinct values that pass a regular-expression gate): four e-mails in 20,000
rows are found here, not left to the verify step. The actions run over every row: HMAC-
SHA256 in a Python UDF whose key travels as a broadcast variable (never a literal of the
query plan), age bands, prefixes, and cell-level masking in a Python UDF.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime

import pyarrow as pa
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import ArrayType, StringType

from synthpipe.dataset_config import DatasetConfig
from synthpipe.pii import (
    DATE_OF_BIRTH,
    ColumnFinding,
    DetectorSettings,
    classify_columns,
    mask_text,
    scan_counted,
    strong_types,
)
from synthpipe.pii.actions import ColumnAction, decide_actions
from synthpipe.pii.columns import STRONG_GATE, with_strong_cells
from synthpipe.prepare._protect import cells_by_column


def detect_personal_data(
    strings: DataFrame,
    profile,
    config: DatasetConfig,
    settings: DetectorSettings,
    *,
    seed: int = 0,
) -> dict[str, ColumnAction]:
    """Classify the columns still kept on a seeded sample, and decide their actions."""
    names = [p.name for p in profile.columns if p.role != "dropped"]
    if not names:
        return {}
    fraction = min(1.0, 2.0 * settings.sample_size / max(profile.rows, 1))
    sample = strings.select(*[F.col(f"`{n}`") for n in names])
    if fraction < 1.0:
        sample = sample.sample(withReplacement=False, fraction=fraction, seed=seed)
    rows = sample.limit(settings.sample_size).collect()
    values = {name: [row[i] for row in rows] for i, name in enumerate(names)}
    findings = [_on_every_row(strings, f, settings) for f in classify_columns(values, settings)]
    # Identifier columns are dropped or hashed whatever they hold: no need to read them.
    identifiers = [p.name for p in profile.columns if p.role == "identifier"]
    cells = strong_cell_counts(strings, [n for n in names if n not in identifiers])
    findings = [
        with_strong_cells(f, cells.get(f.name, Counter()), profile.rows, settings) for f in findings
    ]
    dates = {p.name for p in profile.columns if p.type in ("date", "timestamp")}
    return decide_actions(findings, identifiers=identifiers, config=config, dates=dates)


# A column with more distinct values than this is judged on its sample alone.
MAX_COUNTED_VALUES = 200_000


def _on_every_row(
    strings: DataFrame, finding: ColumnFinding, settings: DetectorSettings
) -> ColumnFinding:
    """A sample's dates of birth, judged again on every row: the date column of a series
    (a month's end since 1967) is a calendar only when all of its dates are counted."""
    if finding.entity_types != [DATE_OF_BIRTH] or finding.evidence != "values":
        return finding
    counted = (
        strings.where(F.col(f"`{finding.name}`").isNotNull()).groupBy(f"`{finding.name}`").count()
    )
    rows = counted.limit(MAX_COUNTED_VALUES + 1).collect()
    if len(rows) > MAX_COUNTED_VALUES:
        return finding
    counted = pa.table(
        {"values": [row[0] for row in rows], "counts": [int(row[1]) for row in rows]},
        schema=pa.schema([("values", pa.string()), ("counts", pa.int64())]),
    )
    return scan_counted(finding.name, counted, settings)  # as verify judges the column


_strong_udf = F.udf(lambda value: sorted(strong_types(value)), ArrayType(StringType()))


def strong_cell_counts(strings: DataFrame, names: list[str]) -> dict[str, Counter[str]]:
    """Per column, the rows whose cell holds each strongly written entity type, over
    every row: distinct gated values go through the cell detector once each."""
    if not names:
        return {}
    typed = (
        cells_by_column(strings, names)
        .where(F.col("v").rlike(STRONG_GATE))
        .groupBy("i", "v")
        .count()
        .select("i", "count", F.explode(_strong_udf("v")).alias("t"))
        .groupBy("i", "t")
        .agg(F.sum("count").alias("rows"))
    )
    counts: dict[str, Counter[str]] = {}
    for row in typed.collect():
        counts.setdefault(names[row["i"]], Counter())[row["t"]] = int(row["rows"])
    return counts


def pseudonymiser(spark: SparkSession, key: bytes) -> Callable[[Column], Column]:
    """HMAC-SHA256 (RFC 2104) of a value's UTF-8 bytes as 64 hex digits, null stays null.

    The key is broadcast: executors read it from the broadcast variable, so it is never
    a literal of the query plan (where `explain()` or the Spark UI would show it).
    """
    shared = spark.sparkContext.broadcast(key)

    def digest(value: str | None) -> str | None:
        if value is None:
            return None
        return hmac.new(shared.value, value.encode("utf-8"), hashlib.sha256).hexdigest()

    udf = F.udf(digest, StringType())
    return lambda column: udf(column.cast("string"))


def age_band(column: Column, reference: date) -> Column:
    """Date of birth -> '30-39' (ten-year bands), age counted at the reference date."""
    age = F.floor(F.months_between(F.lit(reference), F.to_date(column)) / 12)
    lower = (F.floor(age / 10) * 10).cast("int")
    return F.when(age.isNull(), F.lit(None)).otherwise(
        F.concat(lower.cast("string"), F.lit("-"), (lower + 9).cast("string"))
    )


def prefix(column: Column) -> Column:
    """Postcode-like text -> its first part: 'SW1A 1AA' -> 'SW1A', '28007' -> '28'."""
    text = column.cast("string")
    return F.when(F.instr(text, " ") > 0, F.substring_index(text, " ", 1)).otherwise(
        F.substring(text, 1, 2)
    )


_mask_udf = F.udf(mask_text, StringType())


def masked(column: Column) -> Column:
    """Each entity inside the text replaced by its type, e.g. '<EMAIL_ADDRESS>'."""
    return _mask_udf(column.cast("string"))


def reference_date(run_id: str) -> date:
    """The day ages are counted at: the run's own date, so a run is reproducible."""
    try:
        return datetime.strptime(run_id[:8], "%Y%m%d").date()
    except ValueError:
        return datetime.now(UTC).date()
