"""Benchmark of the personal-data detector (synthpipe.pii).

Builds a labelled corpus with Faker in six locales (every entity type, clean and messy
formats, column names in the locale's language and in English), the same personal data
under neutral column names in the hiding patterns that once leaked (mixed entity columns,
partly filled columns, wrapped e-mails, a few e-mails among categories, names and dates of
birth, in more locales), person names from the US Census lists of the `names` package
(which the detector reads too) and real people's names from a source it does not read
(vcd/Baseball's 322 players of 1986, pydataset), plus look-alike columns that must
not be flagged (BankSim ids, amounts, zip codes, hashes, order references, real city,
region and country names, jobs, colours, brands...), then prints column-level recall and
precision per entity type, for the sample classification (Prepare) and the full scan
(verify), every false positive and false negative (column names and types only, never
values), and throughput:

* sample-based classification of a 1M-row BankSim-shaped table (what Prepare does);
* full scan rows/s of the same table (what the verify step does), from Arrow columns
  as read from Parquet, and from Python lists.

    .venv/bin/python benchmarks/pii_bench.py --rows 2000 --seed 7
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import string
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
from faker import Faker
from stdnum import iban as stdnum_iban

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.data import de_tax_id
from synthpipe.pii import (
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
    DetectorSettings,
    classify_columns,
    find_entities,
    scan_columns,
)

LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT")

# Column names per entity type: (locale's language, English).
LOCAL_NAMES: dict[str, dict[str, str]] = {
    "en_US": {
        "first": "first_name", "last": "last_name", "full": "customer_name",
        "email": "email", "phone": "phone_number", "address": "street_address",
        "dob": "date_of_birth", "iban": "iban", "account": "account_number",
        "card": "credit_card_number", "passport": "passport_number", "ip": "ip_address",
        "lat": "latitude", "lon": "longitude", "memo": "memo",
    },
    "en_GB": {
        "first": "forename", "last": "surname", "full": "account_holder",
        "email": "e-mail address", "phone": "Telephone", "address": "Home Address",
        "dob": "DOB", "iban": "IBAN", "account": "Bank Account", "card": "Card Number",
        "passport": "Passport No", "ip": "client_ip", "lat": "lat", "lon": "lng",
        "memo": "notes",
    },
    "de_DE": {
        "first": "Vorname", "last": "Nachname", "full": "Name", "email": "E-Mail",
        "phone": "Telefonnummer", "address": "Straße", "dob": "Geburtsdatum",
        "iban": "IBAN", "account": "Kontonummer", "card": "Kreditkartennummer",
        "passport": "Reisepassnummer", "ip": "IP-Adresse", "lat": "Breitengrad",
        "lon": "Längengrad", "memo": "Verwendungszweck",
    },
    "fr_FR": {
        "first": "Prénom", "last": "Nom", "full": "nom_client", "email": "courriel",
        "phone": "téléphone", "address": "adresse", "dob": "date_naissance",
        "iban": "iban", "account": "numéro de compte", "card": "numero_carte",
        "passport": "numéro de passeport", "ip": "adresse_ip", "lat": "latitude",
        "lon": "longitude", "memo": "remarque",
    },
    "es_ES": {
        "first": "nombre", "last": "apellidos", "full": "titular", "email": "correo",
        "phone": "teléfono", "address": "dirección", "dob": "fecha_nacimiento",
        "iban": "IBAN", "account": "numero_cuenta", "card": "numero_tarjeta",
        "passport": "pasaporte", "ip": "direccion_ip", "lat": "latitud",
        "lon": "longitud", "memo": "concepto",
    },
    "it_IT": {
        "first": "nome", "last": "cognome", "full": "intestatario_nome",
        "email": "posta_elettronica", "phone": "cellulare", "address": "indirizzo",
        "dob": "data_nascita", "iban": "iban", "account": "numero_conto",
        "card": "numero_carta", "passport": "passaporto", "ip": "indirizzo_ip",
        "lat": "latitudine", "lon": "longitudine", "memo": "causale",
    },
}  # fmt: skip

ENGLISH_NAMES = LOCAL_NAMES["en_US"]

DIRECT_IDENTIFIERS = frozenset(ENTITY_TYPES) - {LATITUDE_LONGITUDE}


@dataclass
class Table:
    name: str
    columns: dict[str, list[object]] = field(default_factory=dict)
    expected: dict[str, frozenset[str]] = field(default_factory=dict)

    def add(self, name: str, values: list[object], *types: str) -> None:
        if name in self.columns:
            raise ValueError(f"duplicate column {name!r} in {self.name}")
        self.columns[name] = values
        self.expected[name] = frozenset(types)


# --- messy formats --------------------------------------------------------------------


class Mess:
    """Missing values, stray spaces, case changes and separators, as files carry them."""

    def __init__(self, rng: random.Random, missing: float = 0.1) -> None:
        self.rng = rng
        self.missing = missing

    def values(self, make: Callable[[], object], rows: int, style: Callable | None = None):
        out: list[object] = []
        for _ in range(rows):
            if self.rng.random() < self.missing:
                out.append(self.rng.choice([None, "", "  ", "N/A"]))
                continue
            value = make()
            if style is not None:
                value = style(value)
            if isinstance(value, str) and self.rng.random() < 0.05:
                value = f" {value} "
            out.append(value)
        return out

    def case(self, value: str) -> str:
        pick = self.rng.random()
        if pick < 0.15:
            return value.upper()
        if pick < 0.25:
            return value.lower()
        return value

    def groups(self, value: str) -> str:
        """'4111111111111111' -> '4111 1111 1111 1111' or '4111-1111-...' or as is."""
        compact = value.replace(" ", "")
        pick = self.rng.random()
        if pick < 0.4:
            return compact
        sep = " " if pick < 0.75 else "-"
        return sep.join(compact[i : i + 4] for i in range(0, len(compact), 4))


# --- generators for ids Faker gets wrong or lacks ---------------------------------------

_NINO_FIRST = "ABCEGHJKLMNOPRSTWXYZ"
_NINO_SECOND = "ABCEGHJKLMNPRSTWXYZ"
_NINO_BAD = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}


def nino(rng: random.Random) -> str:
    """A valid UK NINO (Faker's en_GB ssn is 'ZZ 12 34 56 T', a reserved invalid form)."""
    while True:
        prefix = rng.choice(_NINO_FIRST) + rng.choice(_NINO_SECOND)
        if prefix not in _NINO_BAD:
            break
    digits = "".join(rng.choice(string.digits) for _ in range(6))
    suffix = rng.choice("ABCD")
    if rng.random() < 0.5:
        return f"{prefix} {digits[:2]} {digits[2:4]} {digits[4:]} {suffix}"
    return f"{prefix}{digits}{suffix}"


def aws_key_id(rng: random.Random) -> str:
    alphabet = string.ascii_uppercase + "234567"
    return rng.choice(["AKIA", "ASIA"]) + "".join(rng.choice(alphabet) for _ in range(16))


def aws_secret(rng: random.Random) -> str:
    alphabet = string.ascii_letters + string.digits + "/+"
    while True:
        secret = "".join(rng.choice(alphabet) for _ in range(40))
        if any(c.isupper() for c in secret) and any(c.islower() for c in secret):
            return secret


def date_text(rng: random.Random, day, locale: str) -> str:
    formats = {
        "en_US": ["%m/%d/%Y", "%Y-%m-%d"],
        "en_GB": ["%d/%m/%Y", "%Y-%m-%d", "%d %B %Y"],
        "de_DE": ["%d.%m.%Y", "%Y-%m-%d"],
        "fr_FR": ["%d/%m/%Y", "%Y-%m-%d"],
        "es_ES": ["%d/%m/%Y", "%d-%m-%Y"],
        "it_IT": ["%d/%m/%Y", "%Y-%m-%d"],
    }[locale]
    return day.strftime(rng.choice(formats))


# --- the corpus -----------------------------------------------------------------------


def national_ids(fake: Faker, rng: random.Random, locale: str) -> list[tuple[str, str, Callable]]:
    """(local column name, entity type, generator) for the locale's personal ids."""
    if locale == "en_US":
        return [
            ("ssn", NATIONAL_ID, fake.ssn),
            ("social_security_number", NATIONAL_ID, lambda: fake.ssn().replace("-", "")),
        ]
    if locale == "en_GB":
        return [("ni_number", NATIONAL_ID, lambda: nino(rng))]
    if locale == "de_DE":
        return [("Steuer-ID", TAX_ID, lambda: de_tax_id(rng))]
    if locale == "fr_FR":
        return [("numero_securite_sociale", NATIONAL_ID, fake.ssn)]
    if locale == "es_ES":
        return [("DNI", NATIONAL_ID, fake.nif), ("NIE", NATIONAL_ID, fake.nie)]
    return [("codice_fiscale", TAX_ID, fake.ssn)]


def locale_table(locale: str, rows: int, seed: int) -> Table:
    fake = Faker(locale)
    fake.seed_instance(seed)
    rng = random.Random(f"{seed}-{locale}")
    mess = Mess(rng)
    local = LOCAL_NAMES[locale]
    table = Table(locale)

    def both(key: str, make: Callable, entity_type: str, style: Callable | None = None):
        """The same kind of column once under the local name, once under the English."""
        table.add(local[key], mess.values(make, rows, style), entity_type)
        english = f"{ENGLISH_NAMES[key]}_2" if local[key] == ENGLISH_NAMES[key] else None
        table.add(english or ENGLISH_NAMES[key], mess.values(make, rows, style), entity_type)

    both("first", fake.first_name, NAME, mess.case)
    both("last", fake.last_name, NAME, mess.case)
    both("full", fake.name, NAME)
    both("email", fake.email, EMAIL_ADDRESS, mess.case)
    both("phone", fake.phone_number, PHONE_NUMBER)
    both("address", lambda: fake.address().replace("\n", ", "), ADDRESS)
    both("dob", lambda: date_text(rng, fake.date_of_birth(), locale), DATE_OF_BIRTH)
    both("iban", fake.iban, IBAN, lambda v: mess.case(mess.groups(v)))
    both("account", fake.bban, BANK_ACCOUNT_NUMBER)
    both("card", fake.credit_card_number, CREDIT_CARD_NUMBER, mess.groups)
    both("passport", fake.passport_number, PASSPORT_NUMBER)
    both("ip", lambda: fake.ipv4() if rng.random() < 0.7 else fake.ipv6(), IP_ADDRESS)
    for column, entity_type, make in national_ids(fake, rng, locale):
        table.add(column, mess.values(make, rows), entity_type)
        generic = "national_id" if entity_type == NATIONAL_ID else "tax_id"
        table.add(f"{generic}_{column}", mess.values(make, rows), entity_type)
        # No name hint at all: the checksum has to carry it.
        table.add(f"field_{column}", mess.values(make, rows), entity_type)
    table.add(local["lat"], mess.values(lambda: str(fake.latitude()), rows), LATITUDE_LONGITUDE)
    table.add(local["lon"], mess.values(lambda: str(fake.longitude()), rows), LATITUDE_LONGITUDE)
    # Values only, the column name says nothing.
    table.add("col_a", mess.values(fake.email, rows), EMAIL_ADDRESS)
    table.add("col_b", mess.values(fake.iban, rows, mess.groups), IBAN)
    table.add("col_c", mess.values(fake.credit_card_number, rows, mess.groups), CREDIT_CARD_NUMBER)
    table.add("col_d", mess.values(fake.ipv4, rows), IP_ADDRESS)
    table.add("col_e", mess.values(fake.mac_address, rows), MAC_ADDRESS)
    table.add("col_f", mess.values(fake.vin, rows), VEHICLE_IDENTIFICATION_NUMBER)
    # Free text: sentences, some carrying an e-mail, a phone, a card or an IBAN.
    table.add(local["memo"], memo_values(fake, rng, rows, mess), *MEMO_TYPES)
    table.add("comment", clean_text(fake, rows, mess))  # clean prose: nothing to find
    return table


MEMO_TYPES = (EMAIL_ADDRESS, PHONE_NUMBER, CREDIT_CARD_NUMBER, IBAN)


def memo_values(fake: Faker, rng: random.Random, rows: int, mess: Mess) -> list[object]:
    inserts = [
        lambda: f"contact {fake.email()} please",
        lambda: f"call back on {fake.phone_number()} tomorrow",
        lambda: f"paid with card {mess.groups(fake.credit_card_number())}",
        lambda: f"refund to {mess.groups(fake.iban())} asap",
    ]

    def make() -> str:
        text = fake.sentence(nb_words=8)
        if rng.random() < 0.2:
            text = f"{text} {rng.choice(inserts)()}"
        return text

    values = mess.values(make, rows)
    # Every planted type at least once, whatever the seed.
    for index, insert in enumerate(inserts):
        values[index] = insert()
    return values


def clean_text(fake: Faker, rows: int, mess: Mess) -> list[object]:
    def make() -> str:
        return f"{fake.sentence(nb_words=10)} Ref {fake.bothify('ORD-####-######')}, qty 12."

    return mess.values(make, rows)


def lookalike_table(rows: int, seed: int) -> Table:
    """Columns that look like personal data and are not (all expected clean)."""
    rng = random.Random(f"{seed}-lookalike")
    fake = Faker("en_US")
    fake.seed_instance(seed)
    table = Table("lookalikes")
    for name, values in banksim_columns(rows, rng, quoted=True).items():
        table.add(name, values)
    digits = string.digits

    def number(length: int) -> str:
        return rng.choice("123456789") + "".join(rng.choice(digits) for _ in range(length - 1))

    table.add("transaction_id", [number(16) for _ in range(rows)])
    table.add("card_token", [number(16) for _ in range(rows)])
    table.add("txn_ref", [number(19) for _ in range(rows)])
    table.add("reference_number", [number(10) for _ in range(rows)])
    table.add("customer_id", [number(9) for _ in range(rows)])
    table.add("contract_id", [number(11) for _ in range(rows)])
    table.add("loan_id", [number(15) for _ in range(rows)])
    table.add("account_type", [rng.choice(["checking", "savings", "credit"]) for _ in range(rows)])
    table.add("order_ref", [f"ORD-2023-{i:06d}" for i in range(rows)])
    table.add("sku", [fake.bothify("SKU-####-???").upper() for _ in range(rows)])
    table.add("product_code", [fake.bothify("??-#####") for _ in range(rows)])
    table.add("md5", [hashlib.md5(str(i).encode()).hexdigest() for i in range(rows)])
    table.add("sha1", [hashlib.sha1(str(i).encode()).hexdigest() for i in range(rows)])
    table.add(
        "email_sha256", [hashlib.sha256(fake.email().encode()).hexdigest() for _ in range(rows)]
    )
    table.add("uuid", [str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(rows)])
    table.add("created_at", [fake.date_time_this_decade().isoformat(sep=" ") for _ in range(rows)])
    table.add("event_ts", [fake.iso8601() for _ in range(rows)])
    table.add("transaction_date", [fake.date_this_decade().isoformat() for _ in range(rows)])
    table.add("fecha", [fake.date_this_decade().strftime("%d/%m/%Y") for _ in range(rows)])
    table.add("epoch_ms", [str(1_600_000_000_000 + rng.randrange(10**11)) for _ in range(rows)])
    table.add("is_active", [rng.choice(["true", "false"]) for _ in range(rows)])
    table.add("flag", [rng.choice([0, 1]) for _ in range(rows)])
    table.add("age_years", [rng.randrange(18, 95) for _ in range(rows)])
    table.add("quantity", [rng.randrange(1, 20) for _ in range(rows)])
    table.add("balance", [round(rng.lognormvariate(7, 2), 2) for _ in range(rows)])
    table.add("amount_eur", [f"{rng.lognormvariate(9, 2):,.2f}" for _ in range(rows)])
    table.add("postcode", [fake.postcode() for _ in range(rows)])
    table.add("city", [fake.city() for _ in range(rows)])
    table.add("country", [fake.country_code() for _ in range(rows)])
    table.add("currency", [rng.choice(["EUR", "USD", "GBP"]) for _ in range(rows)])
    table.add("merchant_name", [fake.company() for _ in range(rows)])
    table.add("product_name", [fake.catch_phrase() for _ in range(rows)])
    table.add("name", [rng.choice(CATEGORIES) for _ in range(rows)])
    table.add("nombre_de_transactions", [rng.randrange(0, 500) for _ in range(rows)])
    table.add(
        "version",
        [f"{rng.randrange(1, 5)}.{rng.randrange(10)}.{rng.randrange(30)}" for _ in range(rows)],
    )
    table.add("user_agent", [fake.user_agent() for _ in range(rows)])
    table.add("invoice_number", [f"INV-{rng.randrange(10**6):06d}" for _ in range(rows)])
    table.add("duration_long", [rng.randrange(0, 100000) for _ in range(rows)])
    table.add("bic", [fake.swift() for _ in range(rows)])
    table.add(
        "description",
        [
            f"Pack of {rng.randrange(2, 48)}, {rng.randrange(100, 999)} ml, "
            f"lot 2023-{rng.randrange(10**6):06d}"
            for _ in range(rows)
        ],
    )
    table.add("score", [f"{rng.random():.6f}" for _ in range(rows)])
    # A word beside a number, as addresses are written, without being one.
    table.add("room", [f"Room {rng.randrange(1, 500)}" for _ in range(rows)])
    table.add("tenure", [f"{rng.randrange(1, 40)} years" for _ in range(rows)])
    table.add("dose", [f"{rng.choice(BRANDS)} {rng.choice([5, 10, 50, 100, 500])} mg"
                       for _ in range(rows)])  # fmt: skip
    table.add("plate", [fake.bothify("?? #### ??").upper() for _ in range(rows)])
    table.add("host", [f"{rng.choice(US_CITIES).lower()}-{rng.randrange(1, 60):02d}"
                       for _ in range(rows)])  # fmt: skip
    return table  # fmt: skip


CATEGORIES = [
    "es_transportation", "es_food", "es_health", "es_wellnessandbeauty", "es_fashion",
    "es_barsandrestaurants", "es_hyper", "es_sportsandtoys", "es_tech", "es_home",
    "es_hotelservices", "es_otherservices", "es_contents", "es_travel", "es_leisure",
]  # fmt: skip


def banksim_columns(rows: int, rng: random.Random, quoted: bool) -> dict[str, list[object]]:
    """A table of BankSim's shape (FIELD_NOTES): 10 columns, ids, categories, amounts."""
    customers = [f"C{rng.randrange(10**8, 2 * 10**9)}" for _ in range(4100)]
    merchants = [f"M{rng.randrange(10**8, 2 * 10**9)}" for _ in range(50)]
    q = "'" if quoted else ""

    def pick(options: list[str], weights: list[float] | None = None) -> list[str]:
        return [f"{q}{v}{q}" for v in rng.choices(options, weights=weights, k=rows)]

    category_weights = [85] + [1] * (len(CATEGORIES) - 1)
    return {
        "step": [min(179, i * 180 // rows) for i in range(rows)],
        "customer": pick(customers),
        "age": pick(["0", "1", "2", "3", "4", "5", "6", "U"]),
        "gender": pick(["E", "F", "M", "U"], [1, 50, 48, 1]),
        "zipcodeOri": pick(["28007"]),
        "merchant": pick(merchants),
        "zipMerchant": pick(["28007"]),
        "category": pick(CATEGORIES, category_weights),
        "amount": [round(rng.lognormvariate(3.2, 1.0), 2) for _ in range(rows)],
        "fraud": [1 if rng.random() < 0.0121 else 0 for _ in range(rows)],
    }


def aws_table(rows: int, seed: int) -> Table:
    rng = random.Random(f"{seed}-aws")
    mess = Mess(rng)
    table = Table("aws")
    table.add("aws_access_key_id", mess.values(lambda: aws_key_id(rng), rows), AWS_CREDENTIALS)
    table.add("aws_secret_access_key", mess.values(lambda: aws_secret(rng), rows), AWS_CREDENTIALS)
    table.add("key_field", mess.values(lambda: aws_key_id(rng), rows), AWS_CREDENTIALS)
    table.add("api_token_hash", [hashlib.sha1(str(i).encode()).hexdigest() for i in range(rows)])
    return table


NEUTRAL_LOCALES = (*LOCALES, "nl_NL", "pl_PL", "pt_BR", "ru_RU", "ja_JP", "zh_CN")


# Each locale's personal number as Faker writes it, for a customer's rows.
NEUTRAL_IDS = {
    "en_US": ("ssn", NATIONAL_ID),
    "en_GB": ("ssn", NATIONAL_ID),  # HMRC's placeholder letters: ZZ 12 34 56 T
    "fr_FR": ("ssn", NATIONAL_ID),
    "es_ES": ("nif", NATIONAL_ID),
    "it_IT": ("ssn", TAX_ID),
    "nl_NL": ("ssn", NATIONAL_ID),
    "pl_PL": ("pesel", NATIONAL_ID),
    "pt_BR": ("cpf", NATIONAL_ID),
    "ru_RU": ("snils", NATIONAL_ID),
    "zh_CN": ("ssn", NATIONAL_ID),  # the resident identity card's 18 digits
}


def neutral_table(locale: str, rows: int, seed: int) -> Table:
    """Personal data under names that say nothing, in the patterns that once leaked."""
    fake = Faker(locale)
    fake.seed_instance(seed)
    rng = random.Random(f"{seed}-{locale}-neutral")
    mess = Mess(rng)
    table = Table(f"neutral-{locale}")
    people = [fake.name() for _ in range(40)]  # a few dozen people, repeated

    def mixed(*makers: Callable[[], object]) -> Callable[[], object]:
        return lambda: rng.choice(makers)()

    def partly(make: Callable[[], object], share: float, rest: str) -> Callable[[], object]:
        return lambda: make() if rng.random() < share else rest

    table.add("col1", mess.values(lambda: rng.choice(people), rows), NAME)
    table.add("col2", mess.values(fake.first_name, rows), NAME)
    table.add("col3", mess.values(mixed(fake.email, fake.phone_number), rows),
              EMAIL_ADDRESS, PHONE_NUMBER)  # fmt: skip
    table.add("col4", mess.values(partly(fake.email, 0.7, "unknown"), rows), EMAIL_ADDRESS)
    if stdnum_iban.is_valid(fake.iban()):  # Faker's zh_CN IBANs are no real IBANs
        table.add("col5", mess.values(partly(fake.iban, 0.6, "n/a"), rows), IBAN)
    table.add("col6", mess.values(partly(fake.ipv4, 0.5, "offline"), rows), IP_ADDRESS)
    table.add("col7", mess.values(lambda: rng.choice(["<{}>", "mailto:{}"]).format(fake.email()),
                                  rows), EMAIL_ADDRESS)  # fmt: skip
    table.add("col8", mess.values(lambda: date_text(rng, fake.date_of_birth(), "de_DE"), rows),
              DATE_OF_BIRTH)  # fmt: skip
    table.add("col9", mess.values(partly(fake.credit_card_number, 0.5, "none"), rows),
              CREDIT_CARD_NUMBER)  # fmt: skip
    channels = [rng.choice(["web", "branch", "phone", "app"]) for _ in range(rows)]
    for index in rng.sample(range(rows), 4):
        channels[index] = f"ref {fake.email()}"
    table.add("col10", channels, EMAIL_ADDRESS)
    table.add("col11", mess.values(lambda: rng.choice(["gold", "silver", "bronze"]), rows))
    # A customer table: each customer's address, street, surname, user name, device and
    # personal number on several rows, so that value protection would keep them as
    # categories.
    customers = max(rows // 5, 40)
    columns = [
        ("col12", lambda: fake.address().replace("\n", ", "), ADDRESS),
        ("col13", fake.street_address, ADDRESS),
        ("col14", fake.last_name, NAME),
        ("col15", fake.user_name, NAME),
        ("col16", fake.mac_address, MAC_ADDRESS),
    ]
    if locale in NEUTRAL_IDS:
        method, id_type = NEUTRAL_IDS[locale]
        columns.append(("col17", getattr(fake, method), id_type))
    for column, make, entity_type in columns:
        pool = [make() for _ in range(customers)]
        table.add(column, mess.values(lambda pool=pool: rng.choice(pool), rows), entity_type)
    return table


def census_names_table(rows: int, seed: int) -> Table:
    """Full and first names drawn by frequency from the 1990 US Census lists."""
    import names as census

    folder = os.path.dirname(census.__file__)
    rng = random.Random(f"{seed}-census")

    def read(file: str) -> tuple[list[str], list[float]]:
        words, weights = [], []
        with open(os.path.join(folder, file), encoding="ascii") as handle:
            for line in handle:
                parts = line.split()
                words.append(parts[0].title())
                weights.append(float(parts[1]))
        return words, weights

    first = [read("dist.male.first"), read("dist.female.first")]
    last = read("dist.all.last")

    def first_name() -> str:
        words, weights = rng.choice(first)
        return rng.choices(words, weights)[0]

    def full_name() -> str:
        return f"{first_name()} {rng.choices(*last)[0]}"

    table = Table("census-names")
    table.add("holder_x", [full_name() for _ in range(rows)], NAME)
    table.add("attr_2", [first_name() for _ in range(rows)], NAME)
    table.add("attr_3", [f"{rng.choices(*last)[0]}, {first_name()}" for _ in range(rows)], NAME)
    return table


def real_names_table(rows: int, seed: int) -> Table:
    """Real people's first and last names, alone, together and written 'Last, First', in
    neutral columns: vcd/Baseball's players (1986), a source no detector list came from.
    Real surnames are rarer than generated ones: Faker's lists held 58% of them."""
    from benchmarks.real_tables import rdataset

    players = rdataset("vcd/Baseball")()[["name1", "name2"]].to_numpy().tolist()
    rng = random.Random(f"{seed}-players")
    drawn = [rng.choice(players) for _ in range(rows)]
    table = Table("real-names")
    table.add("col_a", [first for first, _ in drawn], NAME)
    table.add("col_b", [last for _, last in drawn], NAME)
    table.add("col_c", [f"{first} {last}" for first, last in drawn], NAME)
    table.add("col_d", [f"{last}, {first}" for first, last in drawn], NAME)
    return table


def _listed(text: str) -> list[str]:
    return text.split(",")


# Real names of places and things that share words with people's names.
US_CITIES = _listed(
    "New York,Los Angeles,Chicago,Houston,Phoenix,Philadelphia,San Antonio,San Diego,Dallas,"
    "San Jose,Austin,Jacksonville,Fort Worth,Columbus,Charlotte,San Francisco,Indianapolis,"
    "Seattle,Denver,Washington,Boston,El Paso,Nashville,Detroit,Portland,Las Vegas,Memphis,"
    "Louisville,Baltimore,Milwaukee,Albuquerque,Tucson,Fresno,Mesa,Sacramento,Atlanta,"
    "Kansas City,Colorado Springs,Omaha,Raleigh,Miami,Long Beach,Virginia Beach,Oakland,"
    "Minneapolis,Tulsa,Tampa,Arlington,New Orleans,Wichita,Cleveland,Bakersfield,Aurora,"
    "Anaheim,Honolulu,Santa Ana,Riverside,Corpus Christi,Lexington,Henderson,Stockton,"
    "Saint Paul,Cincinnati,St. Louis,Pittsburgh,Greensboro,Lincoln,Anchorage,Plano,Orlando,"
    "Irvine,Newark,Durham,Chula Vista,Toledo,Fort Wayne,Laredo,Jersey City,Chandler,Madison,"
    "Lubbock,Scottsdale,Reno,Buffalo,Gilbert,Glendale,Winston-Salem,Chesapeake,Norfolk,"
    "Fremont,Garland,Irving,Hialeah,Richmond,Boise,Spokane,Baton Rouge,Savannah,Jackson"
)
BRANDS = _listed(
    "Apple,Samsung,Google,Microsoft,Amazon,Toyota,Coca-Cola,Mercedes-Benz,Disney,BMW,Intel,"
    "IBM,Nike,Cisco,Louis Vuitton,SAP,Honda,Chanel,American Express,Ikea,Pepsi,Adobe,Hermes,"
    "General Electric,Gucci,Zara,Hyundai,Allianz,Tesla,Netflix,Ford,Audi,Volkswagen,AXA,"
    "Adidas,Mastercard,Porsche,Nissan,Starbucks,Sony,Philips,Siemens,Visa,Ferrari,Heineken,"
    "Tesco,Aldi,Lidl,Carrefour,Walmart,Target,Costco,Best Buy,Uber,Spotify,PayPal,Shell,"
    "Lufthansa,Ralph Lauren,Calvin Klein,Tommy Hilfiger,Hugo Boss,Christian Dior,Michael Kors"
)


def lookalike_lists_table(rows: int, seed: int) -> Table:
    """Columns of real place, job, colour and brand names (all expected clean)."""
    import importlib
    import pkgutil

    import faker.providers.address as addresses
    import faker.providers.color as colors
    import faker.providers.job as jobs

    rng = random.Random(f"{seed}-lists")
    lists: dict[str, list[str]] = {"us_cities": US_CITIES, "brands": BRANDS}
    lists["colours"] = list(colors.Provider.all_colors)
    for package, attributes in ((addresses, ("cities", "states", "countries")), (jobs, ("jobs",))):
        for module in pkgutil.iter_modules(package.__path__):
            provider = getattr(importlib.import_module(f"{package.__name__}.{module.name}"),
                               "Provider", None)  # fmt: skip
            for attribute in attributes:
                values = provider.__dict__.get(attribute) if provider else None
                if isinstance(values, list | tuple) and len(values) >= 15:
                    words = [v if isinstance(v, str) else v[0] for v in values]
                    lists[f"{attribute}_{module.name}"] = words
    table = Table("lookalike-lists")
    for name, words in sorted(lists.items()):
        table.add(name, [rng.choice(words) for _ in range(rows)])
    return table


def build_corpus(rows: int, seed: int) -> list[Table]:
    tables = [locale_table(locale, rows, seed) for locale in LOCALES]
    tables += [neutral_table(locale, rows, seed) for locale in NEUTRAL_LOCALES]
    tables += [census_names_table(rows, seed), real_names_table(rows, seed)]
    tables += [lookalike_lists_table(rows, seed)]
    return [*tables, aws_table(rows, seed), lookalike_table(rows, seed)]


# --- scoring ------------------------------------------------------------------------------


@dataclass
class Score:
    tp: Counter[str] = field(default_factory=Counter)
    fp: Counter[str] = field(default_factory=Counter)
    fn: Counter[str] = field(default_factory=Counter)
    false_positives: list[str] = field(default_factory=list)
    false_negatives: list[str] = field(default_factory=list)
    lookalikes_flagged: list[str] = field(default_factory=list)
    free_text_wrong: list[str] = field(default_factory=list)


def score(tables: list[Table], settings: DetectorSettings, full: bool = False) -> Score:
    """Column-level scores of the sample classification, or with `full` of the full scan."""
    result = Score()
    for table in tables:
        classify = scan_columns if full else classify_columns
        findings = classify(table.columns, settings)
        for finding in findings:
            expected = table.expected[finding.name]
            found = frozenset(finding.entity_types)
            label = f"{table.name}:{finding.name!r}"
            for entity_type in expected & found:
                result.tp[entity_type] += 1
            for entity_type in found - expected:
                result.fp[entity_type] += 1
                result.false_positives.append(f"{label} flagged {entity_type}")
            for entity_type in expected - found:
                result.fn[entity_type] += 1
                result.false_negatives.append(f"{label} missed {entity_type}")
            if table.name.startswith("lookalike") and found:
                result.lookalikes_flagged.append(label)
            memo = set(expected) == set(MEMO_TYPES) or finding.name == "col10"
            # Half-filled columns sit at the mask/drop boundary: either removes the data.
            either = table.name.startswith("neutral") and finding.name in ("col6", "col9")
            if found and memo != finding.free_text and not either:
                result.free_text_wrong.append(f"{label} free_text={finding.free_text}")
    return result


def print_scores(result: Score) -> None:
    print(f"{'entity type':<22}{'tp':>5}{'fp':>5}{'fn':>5}{'recall':>9}{'precision':>11}")
    for entity_type in ENTITY_TYPES:
        tp, fp, fn = result.tp[entity_type], result.fp[entity_type], result.fn[entity_type]
        _print_row(entity_type, tp, fp, fn)
    tp, fp, fn = (sum(c.values()) for c in (result.tp, result.fp, result.fn))
    _print_row("overall", tp, fp, fn)
    direct_tp = sum(result.tp[t] for t in DIRECT_IDENTIFIERS)
    direct_fn = sum(result.fn[t] for t in DIRECT_IDENTIFIERS)
    print(f"recall on direct identifiers: {_ratio(direct_tp, direct_tp + direct_fn)}")
    print(f"look-alike columns flagged: {len(result.lookalikes_flagged)}")
    for title, lines in (
        ("false positives", result.false_positives),
        ("false negatives", result.false_negatives),
        ("free_text wrong", result.free_text_wrong),
    ):
        print(f"{title}: {len(lines)}")
        for line in lines:
            print(f"  {line}")


def _print_row(label: str, tp: int, fp: int, fn: int) -> None:
    recall, precision = _ratio(tp, tp + fn), _ratio(tp, tp + fp)
    print(f"{label:<22}{tp:>5}{fp:>5}{fn:>5}{recall:>9}{precision:>11}")


def _ratio(numerator: int, denominator: int) -> str:
    return f"{numerator / denominator:.3f}" if denominator else "n/a"


# --- cell level -------------------------------------------------------------------------


def _cell_makers(faker: Faker, mess: Mess) -> dict[str, Callable[[], str]]:
    return {
        EMAIL_ADDRESS: faker.email,
        PHONE_NUMBER: faker.phone_number,
        CREDIT_CARD_NUMBER: lambda: mess.groups(faker.credit_card_number()),
        IBAN: lambda: mess.groups(faker.iban()),
        IP_ADDRESS: faker.ipv4,
    }


def cell_level(cells_per_type: int, seed: int) -> None:
    """Share of planted entities that find_entities covers, per type, over the six
    locales, and the share of clean cells (prose, order refs, dates, amounts) with a hit."""
    planted: Counter[str] = Counter()
    found: Counter[str] = Counter()
    for locale in LOCALES:
        faker = Faker(locale)
        faker.seed_instance(seed)
        mess = Mess(random.Random(f"{seed}-{locale}-cells"))
        for entity_type, make in _cell_makers(faker, mess).items():
            for _ in range(cells_per_type):
                entity = make()
                prefix = f"{faker.sentence(nb_words=6)} "
                text = f"{prefix}{entity} {faker.sentence(nb_words=4)}"
                start, end = len(prefix), len(prefix) + len(entity)
                planted[entity_type] += 1
                spans = find_entities(text)
                if any(s.entity_type == entity_type and s.start <= start and s.end >= end - 1
                       for s in spans):  # fmt: skip
                    found[entity_type] += 1
    print(f"cell level, planted entities found ({cells_per_type} cells per type and locale):")
    for entity_type in planted:
        print(f"  {entity_type:<22}{_ratio(found[entity_type], planted[entity_type])}")
    faker = Faker("en_US")
    faker.seed_instance(seed)
    rng = random.Random(seed)
    clean = [
        f"{faker.sentence()} Ref ORD-{rng.randrange(2000, 2030)}-{rng.randrange(10**6):06d} "
        f"on {faker.date()} for {rng.lognormvariate(5, 2):,.2f} EUR, qty {rng.randrange(99)}."
        for _ in range(5000)
    ]
    hits = sum(1 for text in clean if find_entities(text))
    print(f"  clean cells with a hit: {hits}/{len(clean)}")


# --- throughput ---------------------------------------------------------------------------


def throughput(rows: int, seed: int, settings: DetectorSettings) -> None:
    rng = random.Random(f"{seed}-throughput")
    started = time.perf_counter()
    columns = banksim_columns(rows, rng, quoted=False)
    arrow = pa.table(columns)
    print(f"BankSim-shaped table: {rows:,} rows x {len(columns)} columns "
          f"(built in {time.perf_counter() - started:.1f} s)")  # fmt: skip

    started = time.perf_counter()
    findings = classify_columns({n: arrow.column(n) for n in arrow.column_names}, settings)
    elapsed = time.perf_counter() - started
    flagged = [f.name for f in findings if f.entity_types]
    print(f"sample classification (sample_size={settings.sample_size}), Arrow columns: "
          f"{elapsed:.3f} s; flagged: {flagged or 'none'}")  # fmt: skip
    started = time.perf_counter()
    classify_columns(columns, settings)
    print(f"sample classification, Python lists: {time.perf_counter() - started:.3f} s")

    started = time.perf_counter()
    findings = scan_columns({n: arrow.column(n) for n in arrow.column_names}, settings)
    elapsed = time.perf_counter() - started
    flagged = [f.name for f in findings if f.entity_types]
    print(f"full scan, Arrow columns (as read from Parquet): {elapsed:.2f} s = "
          f"{rows / elapsed:,.0f} rows/s; flagged: {flagged or 'none'}")  # fmt: skip
    started = time.perf_counter()
    scan_columns(columns, settings)
    elapsed = time.perf_counter() - started
    print(f"full scan, Python lists: {elapsed:.2f} s = {rows / elapsed:,.0f} rows/s")

    fake = Faker("en_US")
    fake.seed_instance(seed)
    cells = [f"{fake.sentence(nb_words=12)} call {fake.phone_number()}" for _ in range(20_000)]
    started = time.perf_counter()
    for cell in cells:
        find_entities(cell)
    elapsed = time.perf_counter() - started
    print(f"find_entities on free-text cells: {len(cells) / elapsed:,.0f} cells/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=2000, help="rows per corpus column")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--scan-rows", type=int, default=1_000_000,
                        help="rows of the BankSim table for the throughput figures")  # fmt: skip
    parser.add_argument("--cpus", type=int, default=2, help="Arrow threads (the target: 2 cores)")
    parser.add_argument("--sample-size", type=int, default=DetectorSettings().sample_size)
    args = parser.parse_args()

    pa.set_cpu_count(args.cpus)
    pa.set_io_thread_count(args.cpus)
    settings = DetectorSettings(sample_size=args.sample_size)
    print(f"synthpipe.pii benchmark: rows={args.rows} seed={args.seed} "
          f"arrow_threads={args.cpus} machine_cpus={os.cpu_count()}")  # fmt: skip

    started = time.perf_counter()
    tables = build_corpus(args.rows, args.seed)
    n_columns = sum(len(t.columns) for t in tables)
    print(f"corpus: {len(tables)} tables, {n_columns} columns, built in "
          f"{time.perf_counter() - started:.1f} s")  # fmt: skip
    for full, label in ((False, "sample classification (Prepare)"), (True, "full scan (verify)")):
        started = time.perf_counter()
        result = score(tables, settings, full=full)
        print(f"{label}: classified in {time.perf_counter() - started:.2f} s\n")
        print_scores(result)
        print()
    cell_level(200, args.seed)
    print()
    throughput(args.scan_rows, args.seed, settings)


if __name__ == "__main__":
    main()
