"""Shared data builders for the benchmarks: locale profiles, personal entities that Faker
gets wrong or lacks, and a table of ordinary (non-personal) transactions to hide them in.

Everything is seeded: the same seed, locale and row count give the same values.
"""

from __future__ import annotations

import datetime as dt
import random
import string
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from faker import Faker
from stdnum.iso7064 import mod_11_10
from stdnum.jp import in_ as jp_individual_number


@dataclass(frozen=True)
class LocaleProfile:
    """How a file from this locale is written: delimiter, decimal mark, date format."""

    code: str
    delimiter: str
    decimal: str
    date_format: str
    # A header in the locale's language for a date of birth that says "born", not "date
    # of birth" (the keyword lists know the latter).
    born_header: str


LOCALES: dict[str, LocaleProfile] = {
    p.code: p
    for p in (
        LocaleProfile("en_US", ",", ".", "%m/%d/%Y", "born"),
        LocaleProfile("de_DE", ";", ",", "%d.%m.%Y", "geboren"),
        LocaleProfile("fr_FR", ";", ",", "%d/%m/%Y", "né le"),
        LocaleProfile("es_ES", ";", ",", "%d/%m/%Y", "nacido"),
        LocaleProfile("it_IT", ";", ",", "%d/%m/%Y", "nato il"),
        LocaleProfile("nl_NL", ";", ",", "%d-%m-%Y", "geboren op"),
        LocaleProfile("ja_JP", ",", ".", "%Y/%m/%d", "生まれ"),
        LocaleProfile("ru_RU", ";", ",", "%d.%m.%Y", "родился"),
    )
}

# Transactions are dated in these years; dates of birth never fall in them, so that a
# date found in the output can be told apart from a booking date.
BOOKING_START = dt.date(2023, 1, 1)
BOOKING_DAYS = 3 * 365
BIRTH_AGES = (19, 85)


def number_text(value: float, profile: LocaleProfile, decimals: int = 2) -> str:
    """`1234.5` -> `'1234.50'` or `'1234,50'` (no thousands separator, as exports do)."""
    text = f"{value:.{decimals}f}"
    return text.replace(".", ",") if profile.decimal == "," else text


# --- entities Faker gets wrong or lacks ----------------------------------------------


def de_tax_id(rng: random.Random) -> str:
    """A valid German Steuer-IdNr: one digit twice in the first ten, then mod 11,10."""
    while True:
        repeated = rng.choice(string.digits)
        others = rng.sample([d for d in string.digits if d != repeated], 8)
        digits = [*others, repeated, repeated]
        rng.shuffle(digits)
        if digits[0] != "0":
            body = "".join(digits)
            return body + mod_11_10.calc_check_digit(body)


def jp_my_number(rng: random.Random) -> str:
    """A valid Japanese Individual Number (12 digits, check digit last)."""
    body = "".join(rng.choice(string.digits) for _ in range(11))
    return body + jp_individual_number.calc_check_digit(body)


def grouped(value: str, size: int = 4, sep: str = " ") -> str:
    """'DE89370400440532013000' -> 'DE89 3704 0044 0532 0130 00'."""
    compact = value.replace(" ", "")
    return sep.join(compact[i : i + size] for i in range(0, len(compact), size))


class Entities:
    """Personal values of one locale, as files carry them."""

    def __init__(self, locale: str, seed: int) -> None:
        self.profile = LOCALES[locale]
        self.locale = locale
        self.fake = Faker(locale)
        self.fake.seed_instance(zlib.crc32(f"{seed}-{locale}".encode()))
        self.rng = random.Random(f"{seed}-{locale}-entities")

    def name(self) -> str:
        return self.fake.name()

    def first_name(self) -> str:
        return self.fake.first_name()

    def email(self) -> str:
        return self.fake.email() if self.rng.random() < 0.5 else self.fake.free_email()

    def phone(self) -> str:
        return self.fake.phone_number()

    def iban(self) -> str:
        value = self.fake.iban()
        return grouped(value) if self.rng.random() < 0.4 else value

    def card(self) -> str:
        value = self.fake.credit_card_number()
        return grouped(value) if self.rng.random() < 0.3 else value

    def ip(self) -> str:
        return self.fake.ipv4() if self.rng.random() < 0.75 else self.fake.ipv6()

    def national_id(self) -> str:
        fake, rng = self.fake, self.rng
        makers: dict[str, Callable[[], str]] = {
            "en_US": lambda: fake.ssn(),
            "de_DE": lambda: de_tax_id(rng),
            "fr_FR": lambda: fake.ssn(),
            "es_ES": lambda: fake.nif(),
            "it_IT": lambda: fake.ssn(),
            "nl_NL": lambda: fake.ssn(),
            "ja_JP": lambda: jp_my_number(rng),
            "ru_RU": lambda: fake.individuals_inn(),
        }
        return makers[self.locale]()

    def birth_date(self) -> dt.date:
        return self.fake.date_of_birth(minimum_age=BIRTH_AGES[0], maximum_age=BIRTH_AGES[1])

    def sentence(self) -> str:
        return self.fake.sentence(nb_words=9)


# --- ordinary transactions ---------------------------------------------------------------

CHANNELS = (("web", 0.45), ("app", 0.3), ("branch", 0.15), ("phone", 0.07), ("partner", 0.03))
TIERS = (("basic", 0.5), ("silver", 0.3), ("gold", 0.15), ("platinum", 0.05))
PRODUCTS = (
    ("current_account", 0.3), ("savings", 0.2), ("credit_card", 0.2), ("mortgage", 0.08),
    ("personal_loan", 0.1), ("insurance", 0.07), ("brokerage", 0.05),
)  # fmt: skip
TIER_SCALE = {"basic": 3.6, "silver": 4.1, "gold": 4.7, "platinum": 5.4}
CHANNEL_FEE = {"web": 0.005, "app": 0.004, "branch": 0.012, "phone": 0.01, "partner": 0.02}


@dataclass
class Transactions:
    """Columns of formatted cells, plus the amounts as numbers."""

    columns: dict[str, list[str]]
    amounts: list[float]


def _pick(rng: random.Random, options: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]


def transactions(locale: str, rows: int, seed: int) -> Transactions:
    """Heavy-tailed amounts that depend on tier, fees that depend on channel, dates,
    counts and a rare decline flag: enough structure for a model to learn."""
    profile = LOCALES[locale]
    rng = random.Random(f"{seed}-{locale}-transactions")
    columns: dict[str, list[str]] = {
        name: []
        for name in ("booking_date", "channel", "tier", "product", "amount", "fee", "items")
    }
    columns["declined"] = []
    amounts = []
    for _ in range(rows):
        channel, tier, product = _pick(rng, CHANNELS), _pick(rng, TIERS), _pick(rng, PRODUCTS)
        amount = round(rng.lognormvariate(TIER_SCALE[tier], 1.0), 2)
        day = BOOKING_START + dt.timedelta(days=rng.randrange(BOOKING_DAYS))
        columns["booking_date"].append(day.strftime(profile.date_format))
        columns["channel"].append(channel)
        columns["tier"].append(tier)
        columns["product"].append(product)
        columns["amount"].append(number_text(amount, profile))
        columns["fee"].append(number_text(amount * CHANNEL_FEE[channel], profile))
        columns["items"].append(str(1 + min(11, int(rng.expovariate(0.4)))))
        declined = rng.random() < (0.08 if channel == "partner" else 0.02)
        columns["declined"].append("yes" if declined else "no")
        amounts.append(amount)
    return Transactions(columns, amounts)
