"""The contracts of the detector: entity types, settings, findings and spans.

Entity type names follow Amazon Macie's managed data identifiers in spirit (Macie's own
identifier ids are finer grained, e.g. one per country); the verify step maps Macie findings
onto these names, so a local scan and a Macie job report in the same vocabulary.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

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
# A network card's hardware address: a device identifier, personal data as an IP is
# (GDPR recital 30); Macie has no identifier for it.
MAC_ADDRESS = "MAC_ADDRESS"
# A vehicle identification number (ISO 3779, 17 characters): Macie's identifier of the
# same name; it names a car, and through the register its keeper.
VEHICLE_IDENTIFICATION_NUMBER = "VEHICLE_IDENTIFICATION_NUMBER"
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
    MAC_ADDRESS,
    VEHICLE_IDENTIFICATION_NUMBER,
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
    "RU",
    "JP",
    "CN",
    "KR",
    "TR",
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
    # Cells holding an entity written in a distinctive shape (an e-mail, an IBAN, a
    # formatted phone or card number, an IP, a dashed SSN...: `Span.strong`) that flag a
    # column whatever their share. Below min_share of the values the cells are masked,
    # at or above it the column is dropped.
    min_strong_cells: int = 1
    # Bare digit runs that pass a checksum (cards: Luhn, ids: mod-11, mod-97): flagged
    # when at least this many do, and they are at least checksum_share of the column's
    # bare digit runs (random 16-digit ids pass Luhn one time in ten).
    min_checksum_hits: int = 3
    checksum_share: float = 0.5
    # Person names under a neutral header (a dictionary check, `person_names`): full names
    # in at least name_share of the values with at least min_name_distinct different
    # ones, or first or last names alone (with full names) in first_name_share with
    # min_first_name_distinct (many towns and colours are first or last names too: a few
    # of them are a category, not people).
    name_share: float = 0.5
    first_name_share: float = 0.8
    min_name_distinct: int = 10
    min_first_name_distinct: int = 30
    # Street addresses under a neutral header, by their shape (`values.address_parts`):
    # a street and a house number in value_only_share of the values, with at least
    # min_address_distinct different ones, whose words and numbers both vary (each
    # distinct in address_variety of them, and at least half of min_address_distinct).
    min_address_distinct: int = 30
    address_variety: float = 0.1
    # Dates of birth under a neutral header: at least dob_share of the values are dates,
    # none after the reference date, none more than dob_max_age years before it, the
    # 5th to 95th percentile years at least dob_min_span_years apart, and at least
    # dob_min_distinct different dates. Such a column is generalised to age bands.
    dob_share: float = 0.95
    dob_max_age: int = 120
    dob_min_span_years: int = 20
    dob_min_distinct: int = 20
    # The day ages and "past only" are counted at (None: today).
    reference_date: date | None = None

    def __post_init__(self) -> None:
        if self.sample_size < 1:
            raise ValueError("sample_size must be at least 1")
        shares = ("min_share", "value_only_share", "text_share", "lat_lon_share")
        shares += ("checksum_share", "name_share", "first_name_share", "dob_share")
        shares += ("address_variety",)
        for label in shares:
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
    # Why: 'name+values', 'values', 'name', 'free-text' (entities inside cells, masked),
    # 'pair' (lat/long), or '' if clean.
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
    # False for a bare digit run that passed a checksum or a length rule (a 16-digit id
    # passes Luhn one time in ten): enough to mask, not enough alone to call a column
    # personal data. Everything written in a shape that codes do not share is strong.
    strong: bool = True
