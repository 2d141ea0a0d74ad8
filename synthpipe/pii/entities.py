"""The contracts of the detector: entity types, settings, findings and spans.

Entity type names follow Amazon Macie's managed data identifiers in spirit (Macie's own
identifier ids are finer grained, e.g. one per country); the verify step maps Macie findings
onto these names, so a local scan and a Macie job report in the same vocabulary.
"""

from __future__ import annotations

from dataclasses import dataclass, field

CREDIT_CARD_NUMBER = "CREDIT_CARD_NUMBER"
IBAN = "IBAN"
BANK_ACCOUNT_NUMBER = "BANK_ACCOUNT_NUMBER"
EMAIL_ADDRESS = "EMAIL_ADDRESS"
PHONE_NUMBER = "PHONE_NUMBER"
NAME = "NAME"
ADDRESS = "ADDRESS"
DATE_OF_BIRTH = "DATE_OF_BIRTH"
NATIONAL_ID = "NATIONAL_ID"
TAX_ID = "TAX_ID"
PASSPORT_NUMBER = "PASSPORT_NUMBER"
IP_ADDRESS = "IP_ADDRESS"
AWS_CREDENTIALS = "AWS_CREDENTIALS"
LATITUDE_LONGITUDE = "LATITUDE_LONGITUDE"

ENTITY_TYPES: tuple[str, ...] = (
    CREDIT_CARD_NUMBER,
    IBAN,
    BANK_ACCOUNT_NUMBER,
    EMAIL_ADDRESS,
    PHONE_NUMBER,
    NAME,
    ADDRESS,
    DATE_OF_BIRTH,
    NATIONAL_ID,
    TAX_ID,
    PASSPORT_NUMBER,
    IP_ADDRESS,
    AWS_CREDENTIALS,
    LATITUDE_LONGITUDE,
)

# Regions tried for phone numbers written without a country code. Order matters only for
# speed: the most likely regions first.
DEFAULT_PHONE_REGIONS: tuple[str, ...] = (
    "US",
    "GB",
    "DE",
    "FR",
    "ES",
    "IT",
    "NL",
    "BE",
    "AT",
    "CH",
    "PT",
    "IE",
    "PL",
    "SE",
    "DK",
    "NO",
    "FI",
    "CA",
    "AU",
    "MX",
    "BR",
    "IN",
)


@dataclass(frozen=True)
class DetectorSettings:
    """Thresholds of the column classifier. Shares are of non-null values."""

    # Values read per column by classify_column (evenly spread over the column).
    sample_size: int = 1000
    # Share of values that must match when the column name also points at the type.
    min_share: float = 0.5
    # Share of values that must match when only the values speak (no name hint). Higher,
    # because a false alarm blocks a run: random 16-digit ids pass Luhn 10% of the time.
    value_only_share: float = 0.8
    # Free text: embedded hits needed to flag a text column. One is enough to fail closed.
    min_free_text_hits: int = 1
    # A text column: at least this share of values contain whitespace between words.
    text_share: float = 0.5
    # Lat/long: share of values that must be decimal numbers in range.
    lat_lon_share: float = 0.95
    # Ambiguous name columns ('name', 'nom', 'nombre'): distinct share needed, so that a
    # column of 15 category labels called 'name' is not taken for people.
    name_distinct_share: float = 0.1
    phone_regions: tuple[str, ...] = DEFAULT_PHONE_REGIONS

    def __post_init__(self) -> None:
        if self.sample_size < 1:
            raise ValueError("sample_size must be at least 1")
        for label in ("min_share", "value_only_share", "text_share", "lat_lon_share"):
            share = getattr(self, label)
            if not 0.0 < share <= 1.0:
                raise ValueError(f"{label} must be in (0, 1], got {share}")


@dataclass
class ColumnFinding:
    """What the detector concluded about one column. Never holds a value of the column."""

    name: str
    # Entity types found; empty when the column is clean.
    entity_types: list[str] = field(default_factory=list)
    # How sure the detector is of entity_types, 0..1; 0.0 when clean.
    confidence: float = 0.0
    # Share of non-null examined values that matched the reported types (for a clean
    # column: the highest share of any type, useful to tune thresholds).
    matched_share: float = 0.0
    # Why: 'name+values', 'values', 'name', 'free-text', 'pair' (lat/long), or '' if clean.
    evidence: str = ""
    # True when the entities sit inside longer text cells (the action will be `mask`).
    free_text: bool = False
    # Non-null values examined (sample or full scan).
    values_examined: int = 0

    @property
    def is_pii(self) -> bool:
        return bool(self.entity_types)


@dataclass(frozen=True)
class Span:
    """An entity inside a text cell: text[start:end] is the entity."""

    entity_type: str
    start: int
    end: int
