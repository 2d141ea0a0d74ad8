"""The Spark side of the privacy actions: detection on a sample, then per-column expressions.

Detection reads a sample to the driver (a few thousand rows at most); the actions run
as Spark expressions over every row: HMAC-SHA256 in plain Spark SQL, age bands,
prefixes, and cell-level masking of free text in a Python UDF on the executors.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import StringType

from synthpipe.dataset_config import DatasetConfig
from synthpipe.pii import DetectorSettings, classify_columns, mask_text
from synthpipe.pii.actions import ColumnAction, decide_actions

_HMAC_BLOCK = 64


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
    findings = classify_columns(values, settings)
    identifiers = [p.name for p in profile.columns if p.role == "identifier"]
    return decide_actions(findings, identifiers=identifiers, config=config)


def hmac_sha256_hex(column: Column, key: bytes) -> Column:
    """HMAC-SHA256 (RFC 2104) of the value's UTF-8 bytes, as 64 hex digits; null stays null."""
    if len(key) > _HMAC_BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_HMAC_BLOCK, b"\0")
    inner_pad = bytearray(b ^ 0x36 for b in key)
    outer_pad = bytearray(b ^ 0x5C for b in key)
    message = column.cast("string").cast("binary")
    inner = F.unhex(F.sha2(F.concat(F.lit(inner_pad), message), 256))
    return F.sha2(F.concat(F.lit(outer_pad), inner), 256)


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
