"""Prepare: raw CSV -> cleaned Parquet + schema.json, as one Spark transform.

The same function runs in the Glue job (`glue_scripts/prepare.py`) and locally.
It reads the CSV with the dialect and encoding that validation found, strips wrapping
quotes, turns null tokens into nulls, infers types (with per-dataset overrides), drops
all-null and constant columns, flags identifier columns, drops exact duplicate rows
where a column names the record (`_infer.names_records`), finds
personal data (on a sample, plus a count of every cell holding a distinctive entity)
and drops, pseudonymises, generalises or masks it, folds rare categories and clips
extreme values (`synthpipe.protection`), and writes
`cleaned/<dataset>/<run_id>/data/*.parquet`, `schema.json` and `pii_actions.json`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from synthpipe.dataset_config import DatasetConfig
from synthpipe.pii import DetectorSettings
from synthpipe.pii.actions import PSEUDONYMISE
from synthpipe.pii.keys import pseudonymisation_key
from synthpipe.pinning import check_rows
from synthpipe.prepare._eras import with_common_era
from synthpipe.prepare._functions import mark_functions
from synthpipe.prepare._infer import PrepareSettings
from synthpipe.prepare._months import with_english_months
from synthpipe.prepare._parts import mark_date_parts
from synthpipe.prepare._privacy import detect_personal_data, reference_date
from synthpipe.prepare._products import mark_products
from synthpipe.prepare._protect import protect_values
from synthpipe.prepare._sums import mark_sums
from synthpipe.prepare._transform import (
    apply_actions,
    clean_strings,
    holders_key,
    profile_columns,
    read_csv,
    record_written_forms,
    type_and_dedupe,
    with_ascii_digits,
    without_excel_text,
    without_marks,
    write_outputs,
)
from synthpipe.prepare._units import without_units
from synthpipe.prepare._weekdays import without_weekdays

__all__ = ["CsvDialect", "DetectorSettings", "PrepareSettings", "prepare"]


@dataclass(frozen=True)
class CsvDialect:
    """What validation found out about the raw file; Prepare reads it the same way."""

    encoding: str
    delimiter: str
    columns: list[str]
    header: list[str] = field(default_factory=list)
    multiline: bool = False
    # Empty unnamed fields that end every line (InputReport.trailing_fields).
    trailing_fields: int = 0
    # How the input writes every missing value (InputReport.null_token), for the CSV.
    null_token: str = ""
    # Excel's `sep=;` above the header (InputReport.separator_line), for the CSV.
    separator_line: str = ""
    # The header has no name for the first column, the row names (R's write.table).
    unnamed_row_names: bool = False

    @classmethod
    def from_report(cls, report) -> CsvDialect:
        return cls(
            encoding=report.encoding,
            delimiter=report.delimiter,
            columns=list(report.columns),
            header=list(report.header),
            multiline=report.multiline,
            trailing_fields=getattr(report, "trailing_fields", 0),
            null_token=getattr(report, "null_token", ""),
            separator_line=getattr(report, "separator_line", ""),
            unnamed_row_names=getattr(report, "unnamed_row_names", False),
        )


def prepare(
    spark,
    *,
    source: str,
    dialect: CsvDialect,
    layout,
    config: DatasetConfig | None = None,
    settings: PrepareSettings | None = None,
    detector: DetectorSettings | None = None,
    seed: int = 0,
    key_secret_id: str | None = None,
    protect: bool = True,
    expected_rows: int | None = None,
):
    """Run Prepare on one raw file; returns the `DatasetSchema` written to schema.json.

    Args:
        spark: a SparkSession (Glue's or `synthpipe.spark.local_session()`).
        source: path or s3:// URI of the raw CSV (read only, never changed).
        dialect: encoding, delimiter, normalised column names, multiline flag.
        layout: the run's `RunLayout`; writes `cleaned_data` and `schema_json`.
        config: the dataset's overrides (types, formats, roles, dropped columns).
        settings: thresholds of the identifier and text heuristics.
        detector: sample size and thresholds of the personal-data detector.
        seed: seeds the detection sample.
        key_secret_id: Secrets Manager id of the pseudonymisation key (AWS); locally
            the key comes from the environment (`synthpipe.pii.keys`).
        protect: fold rare categories and clip extremes (`config.value_protection`).
            The pipeline always does; tests of parsing alone turn it off.
        expected_rows: the data rows validation counted; Spark reading another number
            stops the run with `input_changed` before anything is written.
    """
    config = config or DatasetConfig()
    settings = settings or PrepareSettings()
    raw = read_csv(spark, source, dialect)
    strings = clean_strings(raw).persist()
    try:
        profile = profile_columns(strings, dialect, config, settings)
        check_rows(profile.rows, expected_rows)
        texts = without_excel_text(strings, profile.excel_texts())  # ="0123" -> 0123
        texts = with_ascii_digits(texts, profile.full_widths())  # １，２３４ -> 1,234
        marked = without_marks(texts, profile.marked())  # 12, ., 15 -> 12, null, 15
        numbers = without_units(marked, profile.units())  # $1,234.50 -> 1,234.50
        dates = without_weekdays(numbers, profile.weekdays())  # Tue, 12 Dec 2023 -> 12 Dec
        named = with_english_months(dates, profile.named_dates())  # 15 mars 2024 -> March
        dated = with_common_era(named, profile.eras())  # 15/03/2567 -> 15/03/2024
        actions = detect_personal_data(
            dated, profile, config, detector or DetectorSettings(), seed=seed
        )
        apply_actions(profile, actions)
        record_written_forms(dates, profile)  # as the input writes them
        # Year, Month beside a date: written from the synthetic dates, not modelled.
        reference = reference_date(layout.run_id)
        mark_date_parts(dated, profile, config, reference)
        mark_functions(dated, profile, config, reference)  # lwage = log(wage), expersq
        mark_sums(dated, profile, config, reference)  # total = a + b: written as the sum
        mark_products(dated, profile, config, reference)  # amount = quantity x price
        needs_key = any(a.action == PSEUDONYMISE for a in actions.values())
        key = pseudonymisation_key(key_secret_id) if needs_key else None
        named = config.value_protection.holders
        holders = holders_key(profile, settings, named) if protect else None
        cleaned, schema = type_and_dedupe(
            dated, profile, dialect, layout, settings, key=key, holders=holders
        )
        if not protect:
            write_outputs(cleaned, schema, layout, actions)
            return schema
        # Protection reads the typed rows several times: keep them rather than redo them.
        typed = cleaned.persist()
        try:
            protected = protect_values(typed, schema, config.value_protection)
            if holders:  # which column k counted the holders of, for the user to check
                schema.value_protection["holders"] = holders
            write_outputs(protected, schema, layout, actions)
        finally:
            typed.unpersist()
    finally:
        strings.unpersist()
    return schema
