"""The personal-data detector (synthpipe.pii): entity types found, look-alikes not flagged,
free text masked, and no value ever carried by a finding."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import string
import uuid
from dataclasses import asdict

import pyarrow as pa
import pytest
from faker import Faker

from synthpipe import pii
from synthpipe.pii import (
    ADDRESS,
    AWS_CREDENTIALS,
    BANK_ACCOUNT_NUMBER,
    CREDIT_CARD_NUMBER,
    DATE_OF_BIRTH,
    EMAIL_ADDRESS,
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
    DetectorSettings,
    classify_column,
    classify_columns,
    find_entities,
    mask_text,
    scan_values,
    strong_types,
)

LOCALES = ["en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT"]
ROWS = 80


def fake(locale: str = "en_US", seed: int = 3) -> Faker:
    faker = Faker(locale)
    faker.seed_instance(seed)
    return faker


def many(make, rows: int = ROWS, missing: float = 0.1, seed: int = 5) -> list[object]:
    """Values with some missing ones, as files carry them."""
    rng = random.Random(seed)
    return [None if rng.random() < missing else make() for _ in range(rows)]


def nino(rng: random.Random) -> str:
    prefix = rng.choice("ABCEHJKLMPRSTWXY") + rng.choice("ABCEHJKLMPRSTWXY")
    return f"{prefix} {rng.randrange(10**6):06d} {rng.choice('ABCD')}"


def test_entity_type_names_follow_macie_vocabulary():
    assert len(pii.ENTITY_TYPES) == 16
    assert {CREDIT_CARD_NUMBER, IBAN, EMAIL_ADDRESS, LATITUDE_LONGITUDE} <= set(pii.ENTITY_TYPES)


# --- each entity type, per locale where the format or the column name differs ---------

# (column name in the locale's language, Faker method or callable, expected type)
LOCAL_COLUMNS = {
    "en_US": [("first_name", "first_name", NAME), ("ssn", "ssn", NATIONAL_ID)],
    "en_GB": [("surname", "last_name", NAME), ("Telephone", "phone_number", PHONE_NUMBER)],
    "de_DE": [
        ("Vorname", "first_name", NAME),
        ("Nachname", "last_name", NAME),
        ("Straße", "street_address", ADDRESS),
        ("Telefonnummer", "phone_number", PHONE_NUMBER),
        ("Kontonummer", "bban", BANK_ACCOUNT_NUMBER),
        ("Reisepassnummer", "passport_number", PASSPORT_NUMBER),
    ],
    "fr_FR": [
        ("Prénom", "first_name", NAME),
        ("Nom", "last_name", NAME),
        ("adresse", "street_address", ADDRESS),
        ("téléphone", "phone_number", PHONE_NUMBER),
        ("numero_securite_sociale", "ssn", NATIONAL_ID),
    ],
    "es_ES": [
        ("nombre", "first_name", NAME),
        ("apellido", "last_name", NAME),
        ("dirección", "street_address", ADDRESS),
        ("teléfono", "phone_number", PHONE_NUMBER),
        ("dni", "nif", NATIONAL_ID),
        ("nie", "nie", NATIONAL_ID),
        ("numero_cuenta", "bban", BANK_ACCOUNT_NUMBER),
    ],
    "it_IT": [
        ("nome", "first_name", NAME),
        ("cognome", "last_name", NAME),
        ("indirizzo", "street_address", ADDRESS),
        ("cellulare", "phone_number", PHONE_NUMBER),
        ("codice_fiscale", "ssn", TAX_ID),
        ("passaporto", "passport_number", PASSPORT_NUMBER),
    ],
}


@pytest.mark.parametrize(
    ("locale", "column", "method", "expected"),
    [(loc, *spec) for loc, specs in LOCAL_COLUMNS.items() for spec in specs],
)
def test_local_column_names_and_values(locale, column, method, expected):
    faker = fake(locale)
    finding = classify_column(column, many(getattr(faker, method)))
    assert expected in finding.entity_types, finding
    assert finding.evidence == "name+values"
    assert not finding.free_text


# Same in every locale, under the English column name.
ENGLISH_COLUMNS = [
    ("email", "email", EMAIL_ADDRESS),
    ("phone", "phone_number", PHONE_NUMBER),
    ("full_name", "name", NAME),
    ("home_address", "address", ADDRESS),
    ("iban", "iban", IBAN),
    ("account_number", "bban", BANK_ACCOUNT_NUMBER),
    ("credit_card_number", "credit_card_number", CREDIT_CARD_NUMBER),
    ("passport_number", "passport_number", PASSPORT_NUMBER),
    ("ip_address", "ipv4", IP_ADDRESS),
]


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize(("column", "method", "expected"), ENGLISH_COLUMNS)
def test_english_column_names_in_every_locale(locale, column, method, expected):
    faker = fake(locale)
    make = getattr(faker, method)
    values = many(lambda: make().replace("\n", ", "))
    assert classify_column(column, values).entity_types == [expected]


@pytest.mark.parametrize(
    ("column", "pattern"),
    [
        ("date_of_birth", "%Y-%m-%d"),
        ("DOB", "%d/%m/%Y"),
        ("Geburtsdatum", "%d.%m.%Y"),
        ("geboren", "%d.%m.%Y"),
        ("date_naissance", "%d/%m/%Y"),
        ("fecha_nacimiento", "%d-%m-%Y"),
        ("data_nascita", "%d/%m/%Y"),
        ("birthdate", "%m/%d/%Y"),
    ],
)
def test_date_of_birth_by_name(column, pattern):
    faker = fake()
    values = many(lambda: faker.date_of_birth().strftime(pattern))
    assert classify_column(column, values).entity_types == [DATE_OF_BIRTH]


@pytest.mark.parametrize("pattern", ["%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%m/%d/%Y"])
def test_date_of_birth_by_values_under_a_neutral_name(pattern):
    faker = fake(seed=12)
    births = many(lambda: faker.date_of_birth(minimum_age=18, maximum_age=90).strftime(pattern))
    finding = classify_column("d1", births)
    assert finding.entity_types == [DATE_OF_BIRTH]
    assert finding.evidence == "values"
    assert scan_values("d1", births).entity_types == [DATE_OF_BIRTH]


def test_transaction_and_future_dates_are_not_births():
    faker = fake(seed=13)
    recent = many(lambda: faker.date_between("-2y", "today").strftime("%Y-%m-%d"))
    assert classify_column("d1", recent).entity_types == []
    spread = many(lambda: faker.date_between("-40y", "+5y").strftime("%Y-%m-%d"))
    assert classify_column("d2", spread).entity_types == []  # some lie in the future


# Types whose values speak for themselves: flagged under a name that says nothing.
VALUE_ONLY = [
    ("email", lambda f, r: f.email(), EMAIL_ADDRESS),
    ("iban", lambda f, r: f.iban(), IBAN),
    ("card", lambda f, r: f.credit_card_number(), CREDIT_CARD_NUMBER),
    ("card-grouped", lambda f, r: _grouped(f.credit_card_number(card_type="mastercard")),
     CREDIT_CARD_NUMBER),
    ("ipv4", lambda f, r: f.ipv4(), IP_ADDRESS),
    ("ipv6", lambda f, r: f.ipv6(), IP_ADDRESS),
    ("mac", lambda f, r: f.mac_address(), MAC_ADDRESS),
    ("mac-dashed", lambda f, r: f.mac_address().upper().replace(":", "-"), MAC_ADDRESS),
    ("vin", lambda f, r: f.vin(), VEHICLE_IDENTIFICATION_NUMBER),
    ("intl-phone", lambda f, r: f"+44 20 7946 {r.randrange(10**4):04d}", PHONE_NUMBER),
    ("ssn-dashed", lambda f, r: fake(seed=r.randrange(10**6)).ssn(), NATIONAL_ID),
    ("nino", lambda f, r: nino(r), NATIONAL_ID),
    ("nir", lambda f, r: fake("fr_FR", r.randrange(10**6)).ssn(), NATIONAL_ID),
    ("dni", lambda f, r: fake("es_ES", r.randrange(10**6)).nif(), NATIONAL_ID),
    ("codice-fiscale", lambda f, r: fake("it_IT", r.randrange(10**6)).ssn(), TAX_ID),
    ("aws-key-id", lambda f, r: "AKIA" + "".join(r.choices(string.ascii_uppercase, k=16)),
     AWS_CREDENTIALS),
]  # fmt: skip


def _grouped(number: str) -> str:
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4))


@pytest.mark.parametrize(("label", "make", "expected"), VALUE_ONLY, ids=[v[0] for v in VALUE_ONLY])
def test_values_alone_are_enough_for_checksummed_types(label, make, expected):
    faker, rng = fake(seed=21), random.Random(label)
    finding = classify_column("field_7", many(lambda: make(faker, rng)))
    assert finding.entity_types == [expected], finding
    assert finding.evidence == "values"


def test_aws_secret_needs_a_secret_column_name():
    rng = random.Random(1)
    alphabet = string.ascii_letters + string.digits + "/+"
    values = ["".join(rng.choices(alphabet, k=40)) for _ in range(ROWS)]
    assert classify_column("aws_secret_access_key", values).entity_types == [AWS_CREDENTIALS]
    assert classify_column("field_7", values).entity_types == []


def test_latitude_longitude_pair_across_two_columns():
    faker = fake("de_DE")
    columns = {
        "Breitengrad": many(lambda: str(faker.latitude())),
        "Längengrad": many(lambda: str(faker.longitude())),
        "amount": many(lambda: f"{faker.pyfloat(2, 2, positive=True)}"),
    }
    findings = {f.name: f for f in classify_columns(columns)}
    assert findings["Breitengrad"].entity_types == [LATITUDE_LONGITUDE]
    assert findings["Längengrad"].entity_types == [LATITUDE_LONGITUDE]
    assert findings["amount"].entity_types == []
    # Half a pair is not a location.
    lone = classify_columns({"latitude": columns["Breitengrad"]})
    assert lone[0].entity_types == []


def test_a_movement_in_degrees_is_no_place():
    # ggplot2's seals: where each seal was (lat, long) and how far it moved (delta_*).
    rng = random.Random(3)
    columns = {
        "lat": [f"{rng.uniform(29, 46):.1f}" for _ in range(ROWS)],
        "long": [f"{rng.uniform(-175, -115):.1f}" for _ in range(ROWS)],
        "delta_long": [repr(rng.uniform(-1, 1)) for _ in range(ROWS)],
        "delta_lat": [repr(rng.uniform(-1, 1)) for _ in range(ROWS)],
    }
    flagged = {f.name for f in classify_columns(columns) if f.entity_types}
    assert flagged == {"lat", "long"}
    # The movements alone are no pair either, nor a GPS fix's error beside a position.
    moved = {k: columns[k] for k in ("delta_long", "delta_lat")}
    assert not any(f.entity_types for f in classify_columns(moved))
    errors = {"lat_error": columns["delta_lat"], "lon_error": columns["delta_long"]}
    assert not any(f.entity_types for f in classify_columns(errors))


def test_lat_lon_in_one_column():
    faker = fake()
    values = many(lambda: f"{faker.latitude()}, {faker.longitude()}")
    assert classify_columns({"coordinates": values})[0].entity_types == [LATITUDE_LONGITUDE]


# --- messy values -----------------------------------------------------------------------


def test_quoted_and_padded_values_and_null_tokens():
    faker = fake()
    values = [f"'{faker.email()}'" for _ in range(30)] + ["", "N/A", "null", None, "  "] * 6
    finding = classify_column("contact", values)
    assert finding.entity_types == [EMAIL_ADDRESS]
    assert finding.values_examined == 30


def test_numbers_as_python_ints_and_floats():
    assert classify_column("amount", [12.5, 3, 8330.0, None, float("nan")]).entity_types == []
    card = int(fake(seed=2).credit_card_number(card_type="visa16"))
    finding = classify_column("credit_card_number", [card] * 10)
    assert finding.entity_types == [CREDIT_CARD_NUMBER]


def test_empty_column_with_a_strong_name_is_flagged_by_name():
    finding = classify_column("email", [None, "", None])
    assert finding.entity_types == [EMAIL_ADDRESS]
    assert finding.evidence == "name"


def test_values_contradicting_the_name_win():
    assert classify_column("phone", ["yes", "no"] * 20).entity_types == []
    assert classify_column("email_opt_in", ["true", "false"] * 20).entity_types == []


# --- look-alikes ------------------------------------------------------------------------

RNG = random.Random(99)


def _digits(n: int) -> str:
    return RNG.choice("123456789") + "".join(RNG.choices(string.digits, k=n - 1))


LOOKALIKES = {
    "customer": lambda: f"'C{RNG.randrange(10**8, 2 * 10**9)}'",
    "merchant": lambda: f"M{RNG.randrange(10**8, 2 * 10**9)}",
    "zipcodeOri": lambda: "'28007'",
    "step": lambda: RNG.randrange(180),
    "age": lambda: RNG.choice(["'0'", "'1'", "'4'", "'U'"]),
    "gender": lambda: RNG.choice(["'F'", "'M'", "'E'"]),
    "category": lambda: RNG.choice(["'es_transportation'", "'es_food'", "'es_health'"]),
    "amount": lambda: round(RNG.lognormvariate(3.2, 1.0), 2),
    "fraud": lambda: RNG.choice([0, 1]),
    "transaction_id": lambda: _digits(16),
    "card_token": lambda: _digits(16),
    "reference_number": lambda: _digits(10),
    "customer_id": lambda: _digits(9),
    "contract_id": lambda: _digits(11),
    "order_ref": lambda: f"ORD-2023-{RNG.randrange(10**6):06d}",
    "sku": lambda: f"SKU-{RNG.randrange(10**4):04d}-BLK",
    "md5": lambda: hashlib.md5(str(RNG.random()).encode()).hexdigest(),
    "sha1": lambda: hashlib.sha1(str(RNG.random()).encode()).hexdigest(),
    "email_sha256": lambda: hashlib.sha256(str(RNG.random()).encode()).hexdigest(),
    "uuid": lambda: str(uuid.UUID(int=RNG.getrandbits(128))),
    "created_at": lambda: f"2023-0{RNG.randrange(1, 10)}-1{RNG.randrange(10)} 12:30:00",
    "event_date": lambda: f"2023-0{RNG.randrange(1, 10)}-1{RNG.randrange(10)}",
    "is_active": lambda: RNG.choice(["true", "false"]),
    "age_years": lambda: RNG.randrange(18, 95),
    "postcode": lambda: f"{RNG.randrange(10**5):05d}",
    "name": lambda: RNG.choice(["Gold", "Silver", "Bronze", "Platinum"]),
    "merchant_name": lambda: RNG.choice(["Acme Corp", "Globex Ltd", "Initech GmbH"]),
    "version": lambda: f"{RNG.randrange(5)}.{RNG.randrange(10)}.{RNG.randrange(30)}",
    "epoch_ms": lambda: str(1_600_000_000_000 + RNG.randrange(10**11)),
    "balance": lambda: f"{RNG.lognormvariate(9, 2):,.2f}",
}  # fmt: skip


@pytest.mark.parametrize("column", sorted(LOOKALIKES))
def test_lookalikes_are_not_flagged(column):
    values = [LOOKALIKES[column]() for _ in range(300)]
    finding = classify_column(column, values)
    assert finding.entity_types == [], finding
    assert finding.confidence == 0.0
    assert scan_values(column, values).entity_types == []


def test_random_16_digit_ids_are_not_cards_but_real_cards_are():
    ids = [_digits(16) for _ in range(500)]
    assert classify_column("id", ids).entity_types == []
    faker = fake(seed=8)
    cards = [faker.credit_card_number(card_type="visa16") for _ in range(500)]
    assert classify_column("id", cards).entity_types == [CREDIT_CARD_NUMBER]


def test_name_column_of_few_labels_is_not_people_but_of_many_names_is():
    labels = [RNG.choice(["Retail", "Private", "Corporate"]) for _ in range(300)]
    assert classify_column("name", labels).entity_types == []
    faker = fake("it_IT")
    assert classify_column("name", [faker.name() for _ in range(300)]).entity_types == [NAME]


def test_a_months_or_a_weekdays_name_is_no_persons():
    # A monthly table's two years: April, May, June and August are also first names.
    months = [dt.date(2024, m, 1).strftime("%B") for m in range(1, 13)] * 2
    days = [dt.date(2024, 1, d).strftime("%A") for d in range(1, 8)] * 4
    assert classify_column("Month Name", months).entity_types == []
    assert classify_column("day_name", days).entity_types == []
    # Under "name" alone nothing says they are months: judged as names, fail closed.
    assert classify_column("name", months).entity_types == [NAME]


# --- free text ----------------------------------------------------------------------------


def test_free_text_column_reports_entities_inside_cells():
    faker = fake("fr_FR")
    values = [faker.sentence() for _ in range(200)]
    values[3] = f"Merci d'écrire à {faker.email()} avant lundi."
    values[50] = "Rappeler au +33 1 44 55 66 77 svp."
    finding = classify_column("remarque", values)
    assert finding.entity_types == [EMAIL_ADDRESS, PHONE_NUMBER]
    assert finding.free_text
    assert finding.evidence == "free-text"
    clean = classify_column("remarque", [faker.sentence() for _ in range(200)])
    assert clean.entity_types == []


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("Contact jane.doe@example.com today.", "Contact <EMAIL_ADDRESS> today."),
        ("Call +44 20 7946 0958 or 06 12 34 56 78.", "Call <PHONE_NUMBER> or <PHONE_NUMBER>."),
        ("Paid 4111 1111 1111 1111 for 12 items", "Paid <CREDIT_CARD_NUMBER> for 12 items"),
        ("Refund to DE89 3704 0044 0532 0130 00 PAID", "Refund to <IBAN> PAID"),
        ("login from 192.168.10.4 at 12:30", "login from <IP_ADDRESS> at 12:30"),
        ("device d0:50:99:84:a2:a0 joined", "device <MAC_ADDRESS> joined"),
        ("at 12:30:45:10 run 0a-1b", None),  # clock times and short hex are not addresses
        ("key AKIAIOSFODNN7EXAMPLE leaked", "key <AWS_CREDENTIALS> leaked"),
        ("SSN 536-22-1234 on file", "SSN <NATIONAL_ID> on file"),
        ("DNI 12345678Z verificado", "DNI <NATIONAL_ID> verificado"),
        ("CF RSSMRA85T10A562S ok", "CF <TAX_ID> ok"),
        ("per favore chiamare 3715260189 domani", "per favore chiamare <PHONE_NUMBER> domani"),
        ("ordine 3715260189 spedito", None),  # bare digits, no phone word before them
        ("просил перезвонить 89161234567 завтра", "просил перезвонить <PHONE_NUMBER> завтра"),
        ("请拨打电话13812345678", "请拨打电话<PHONE_NUMBER>"),
        ("電話 090-1234-5678 まで", "電話 <PHONE_NUMBER> まで"),
        ("Order ORD-2023-000123, 3 x 12.50 EUR on 2023-10-28", None),
        ("Firefox/3.6 rv:1.9.7.20 Gecko/2023-10-28 18:15:52", None),
    ],
)
def test_mask_text_replaces_entities_and_keeps_the_rest(text, masked):
    assert mask_text(text) == (masked if masked is not None else text)


def test_a_mac_address_without_digits_passes_the_cell_gates():
    """Spark counts only cells that pass the gates; a dashed MAC address may hold no digit."""
    import pyarrow.compute as pc

    from synthpipe.pii.columns import GATE, STRONG_GATE

    cells = pa.array(["AB-CD-EF-AB-CD-EF", "AB-CD"])
    for gate in (GATE, STRONG_GATE):  # RE2 patterns, as Spark and pyarrow read them
        assert pc.match_substring_regex(cells, gate).to_pylist() == [True, gate == GATE]
    assert strong_types("AB-CD-EF-AB-CD-EF") == {MAC_ADDRESS}


def test_find_entities_spans_point_at_the_entity():
    text = "mail ana@example.es, tel +34 612 345 678"
    spans = find_entities(text)
    assert [(s.entity_type, text[s.start : s.end]) for s in spans] == [
        (EMAIL_ADDRESS, "ana@example.es"),
        (PHONE_NUMBER, "+34 612 345 678"),
    ]


# --- contracts ----------------------------------------------------------------------------


def test_no_value_in_a_finding():
    canary = "canary.zq81x@example.org"
    faker = fake()
    columns = {
        "email": [canary] + [faker.email() for _ in range(50)],
        "memo": [f"please write to {canary}"] + [faker.sentence() for _ in range(50)],
        "field": [canary, "x", "y"],
    }
    findings = [*classify_columns(columns), scan_values("memo", columns["memo"])]
    assert [f.entity_types for f in findings[:2]] == [[EMAIL_ADDRESS]] * 2
    for finding in findings:
        assert canary not in repr(finding)
        assert canary not in str(asdict(finding))
        assert "canary" not in repr(finding)


def test_confidence_is_between_zero_and_one():
    faker = fake()
    columns = {
        "email": [faker.email() for _ in range(40)],
        "x": [faker.email() for _ in range(40)],
        "ssn": [None] * 5,
        "notes": [f"call {faker.email()}"] + ["fine"] * 39,
        "amount": [str(i) for i in range(40)],
    }
    for finding in classify_columns(columns):
        assert 0.0 <= finding.confidence <= 1.0
        assert 0.0 <= finding.matched_share <= 1.0
        assert (finding.confidence > 0) == bool(finding.entity_types)


def test_thresholds_are_settings():
    faker = fake()
    values = [faker.email() for _ in range(60)] + ["n.a."] * 40  # 60% e-mails
    finding = classify_column("x", values)
    assert finding.entity_types == [EMAIL_ADDRESS]
    assert not finding.free_text  # at least min_share: the column goes
    masked = classify_column("x", values, DetectorSettings(min_share=0.7))
    assert masked.entity_types == [EMAIL_ADDRESS]
    assert masked.free_text  # below min_share: the cells are masked
    strict = DetectorSettings(min_share=0.9)
    assert classify_column("email", values, strict).free_text
    with pytest.raises(ValueError):
        DetectorSettings(min_share=0)


def test_sample_size_bounds_the_work():
    values = [f"{i}" for i in range(50_000)]
    finding = classify_column("amount", values, DetectorSettings(sample_size=500))
    assert finding.values_examined == 500


def test_full_scan_finds_one_planted_cell_the_sample_misses():
    faker = fake()
    values = [faker.sentence() for _ in range(20_000)]
    values[12_345] = f"write to {faker.email()}"
    sampled = classify_column("notes", values, DetectorSettings(sample_size=100))
    assert sampled.entity_types == []
    scanned = scan_values("notes", pa.array(values))
    assert scanned.entity_types == [EMAIL_ADDRESS]
    assert scanned.free_text
    assert scanned.values_examined == 20_000


def test_full_scan_agrees_with_sample_on_arrow_and_lists():
    faker = fake("es_ES")
    columns = {
        "iban": [faker.iban() for _ in range(300)],
        "customer": [f"C{1000000 + i}" for i in range(300)],
        "amount": [float(i) / 7 for i in range(300)],
    }
    for name, values in columns.items():
        expected = classify_column(name, values).entity_types
        assert scan_values(name, values).entity_types == expected
        assert scan_values(name, pa.array(values)).entity_types == expected


def test_vins_by_their_check_digit_and_by_name():
    """A VIN's ninth character is its check digit where North America's rule holds (and
    the CDC's example 1M8GDM9AXKP042788); Europe's VINs often have none, and are VINs
    only where the column name says so. Random 17-character codes pass 1 time in 11."""
    from synthpipe.pii.values import is_vin

    assert is_vin("1M8GDM9AXKP042788") and not is_vin("1M8GDM9A1KP042788")
    rng = random.Random(31)
    chars = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
    codes = ["".join(rng.choices(chars, k=17)) for _ in range(400)]
    assert classify_column("ref", codes).entity_types == []
    assert classify_column("vin", codes).entity_types == [VEHICLE_IDENTIFICATION_NUMBER]
