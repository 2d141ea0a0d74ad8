"""Personal-data detection: classify columns, find and mask entities inside text.

Pure Python (no Spark): Prepare calls it on a sample per column, the verify step on every
value, and `mask_text` runs inside a Spark UDF. Nothing here reaches the network.

    from synthpipe.pii import classify_columns, scan_values, mask_text

See `columns` for what each decision rests on and what is not covered.
"""

from typing import Any

from synthpipe.pii.cells import FREE_TEXT_TYPES, find_entities, mask_text, strong_types
from synthpipe.pii.entities import (
    ADDRESS,
    AWS_CREDENTIALS,
    BANK_ACCOUNT_NUMBER,
    CREDIT_CARD_NUMBER,
    DATE_OF_BIRTH,
    EMAIL_ADDRESS,
    ENTITY_TYPES,
    IBAN,
    IP_ADDRESS,
    LATITUDE_LONGITUDE,
    MAC_ADDRESS,
    NAME,
    NATIONAL_ID,
    PASSPORT_NUMBER,
    PHONE_NUMBER,
    TAX_ID,
    VEHICLE_IDENTIFICATION_NUMBER,
    ColumnFinding,
    DetectorSettings,
    Span,
)

__all__ = [
    "ADDRESS",
    "AWS_CREDENTIALS",
    "BANK_ACCOUNT_NUMBER",
    "CREDIT_CARD_NUMBER",
    "DATE_OF_BIRTH",
    "EMAIL_ADDRESS",
    "ENTITY_TYPES",
    "FREE_TEXT_TYPES",
    "IBAN",
    "IP_ADDRESS",
    "LATITUDE_LONGITUDE",
    "MAC_ADDRESS",
    "NAME",
    "NATIONAL_ID",
    "PASSPORT_NUMBER",
    "PHONE_NUMBER",
    "TAX_ID",
    "VEHICLE_IDENTIFICATION_NUMBER",
    "ColumnFinding",
    "DetectorSettings",
    "Span",
    "classify_column",
    "classify_columns",
    "find_entities",
    "mask_text",
    "merge_counts",
    "scan_columns",
    "scan_counted",
    "scan_counted_columns",
    "scan_values",
    "strong_types",
    "value_counts",
]

# `columns` needs pyarrow, which the Lambda functions lack: its functions load on first
# use, so that the start function can import this package (names, cells, keywords).
_COLUMNS = (
    "classify_column",
    "classify_columns",
    "merge_counts",
    "scan_columns",
    "scan_counted",
    "scan_counted_columns",
    "scan_values",
    "value_counts",
)


def __getattr__(name: str) -> Any:
    if name in _COLUMNS:
        from synthpipe.pii import columns

        return getattr(columns, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
