"""Prepare: raw CSV -> cleaned Parquet + schema.json, as one Spark transform.

The same function runs in the Glue job (`glue_scripts/prepare.py`) and locally.
It reads the CSV with the dialect and encoding that validation found, strips wrapping
quotes, turns null tokens into nulls, infers types (with per-dataset overrides), drops
all-null and constant columns and exact duplicate rows, flags identifier columns, and
writes `cleaned/<dataset>/<run_id>/data/*.parquet` and `schema.json`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from synthpipe.dataset_config import DatasetConfig
from synthpipe.prepare._infer import PrepareSettings
from synthpipe.prepare._transform import (
    clean_strings,
    profile_columns,
    read_csv,
    type_and_dedupe,
    write_outputs,
)

__all__ = ["CsvDialect", "PrepareSettings", "prepare"]


@dataclass(frozen=True)
class CsvDialect:
    """What validation found out about the raw file; Prepare reads it the same way."""

    encoding: str
    delimiter: str
    columns: list[str]
    header: list[str] = field(default_factory=list)
    multiline: bool = False
    # Every line ends with a delimiter: one unnamed empty field more than the names.
    trailing_delimiter: bool = False

    @classmethod
    def from_report(cls, report) -> CsvDialect:
        return cls(
            encoding=report.encoding,
            delimiter=report.delimiter,
            columns=list(report.columns),
            header=list(report.header),
            multiline=report.multiline,
            trailing_delimiter=getattr(report, "trailing_delimiter", False),
        )


def prepare(
    spark,
    *,
    source: str,
    dialect: CsvDialect,
    layout,
    config: DatasetConfig | None = None,
    settings: PrepareSettings | None = None,
):
    """Run Prepare on one raw file; returns the `DatasetSchema` written to schema.json.

    Args:
        spark: a SparkSession (Glue's or `synthpipe.spark.local_session()`).
        source: path or s3:// URI of the raw CSV (read only, never changed).
        dialect: encoding, delimiter, normalised column names, multiline flag.
        layout: the run's `RunLayout`; writes `cleaned_data` and `schema_json`.
        config: the dataset's overrides (types, formats, roles, dropped columns).
        settings: thresholds of the identifier and text heuristics.
    """
    config = config or DatasetConfig()
    settings = settings or PrepareSettings()
    raw = read_csv(spark, source, dialect)
    strings = clean_strings(raw).persist()
    try:
        profile = profile_columns(strings, dialect, config, settings)
        cleaned, schema = type_and_dedupe(strings, profile, dialect, config, settings, layout)
        write_outputs(cleaned, schema, layout)
    finally:
        strings.unpersist()
    return schema
