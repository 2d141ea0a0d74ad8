"""A deterministic generator of BankSim-shaped transactions: the bundled sample.

The public BankSim file (`bs140513_032310.csv`, 594,643 rows) cannot be downloaded here, so
`synthpipe demo`, the tests and the benchmarks use rows of the same shape: the same columns
in the same order, the same quoting, and marginals close to the real file (category shares,
fraud rate per category, amount per category, age and gender shares, 50 merchants, about
4,100 customers). Fraud depends on category, amount, age and gender, as in BankSim, so that
a classifier trained on the sample has something to learn.

Everything is vectorised with numpy: full size takes a few seconds. The personal-data
variant calls Faker once per distinct customer (a few thousand), never once per row.
"""

from __future__ import annotations

import csv
import functools
import random
import unicodedata
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from faker import Faker

BANKSIM_ROWS = 594_643

BANKSIM_COLUMNS = (
    "step",
    "customer",
    "age",
    "gender",
    "zipcodeOri",
    "merchant",
    "zipMerchant",
    "category",
    "amount",
    "fraud",
)
PII_COLUMNS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "card_number",
    "iban",
    "street_address",
    "date_of_birth",
    "memo",
)

STEPS = 180
CUSTOMERS = 4_112
ZIP_CODE = "28007"
# The largest amount in BankSim; larger draws are redrawn below it.
MAX_AMOUNT = 8_329.96

# Per category, from the real file: rows, our merchant count (50 in all), fraud rate, mean
# amount of genuine and of fraudulent transactions. Fraud costs about four times more.
_CATEGORY_TABLE: tuple[tuple[str, int, int, float, float, float], ...] = (
    ("es_transportation", 505_119, 2, 0.0, 26.96, 0.0),
    ("es_food", 26_254, 3, 0.0, 37.07, 0.0),
    ("es_health", 16_133, 5, 0.1051, 103.74, 407.03),
    ("es_wellnessandbeauty", 15_086, 5, 0.0476, 57.32, 229.42),
    ("es_fashion", 6_454, 4, 0.0180, 62.35, 247.01),
    ("es_barsandrestaurants", 6_373, 4, 0.0188, 41.15, 164.09),
    ("es_hyper", 6_098, 4, 0.0459, 39.85, 169.26),
    ("es_sportsandtoys", 4_002, 4, 0.4953, 88.50, 345.37),
    ("es_tech", 2_370, 3, 0.0667, 99.92, 415.27),
    ("es_home", 1_986, 3, 0.1521, 113.34, 457.48),
    ("es_hotelservices", 1_744, 3, 0.3142, 172.76, 421.82),
    ("es_otherservices", 912, 3, 0.2500, 75.69, 316.47),
    ("es_contents", 885, 2, 0.0, 44.55, 0.0),
    ("es_travel", 728, 2, 0.7940, 669.03, 2_660.80),
    ("es_leisure", 499, 3, 0.9499, 73.23, 300.29),
)
CATEGORIES = tuple(row[0] for row in _CATEGORY_TABLE)
_CATEGORY_ROWS = np.array([row[1] for row in _CATEGORY_TABLE], dtype=float)
_CATEGORY_MERCHANTS = np.array([row[2] for row in _CATEGORY_TABLE])
_FRAUD_RATE = np.array([row[3] for row in _CATEGORY_TABLE])
_GENUINE_MEAN = np.array([row[4] for row in _CATEGORY_TABLE])
_FRAUD_MEAN = np.array([row[5] for row in _CATEGORY_TABLE])
# Log-normal spread of amounts: wide enough for BankSim's heavy right tail.
_GENUINE_SIGMA = 0.7
_FRAUD_SIGMA = 0.45

# Customer attributes, shares of BankSim rows. Gender 'E' (enterprise) always has age 'U'.
_GENDERS = np.array(["F", "M", "E", "U"])
_GENDER_SHARE = np.array([324_565, 268_385, 1_178, 515], dtype=float)
_AGES = np.array(["0", "1", "2", "3", "4", "5", "6", "U"])
_AGE_SHARE = np.array([2_452, 58_131, 187_310, 147_131, 109_025, 62_642, 26_774, 0], dtype=float)
# Fraud rate of each group over the overall rate in BankSim (age 0: 1.96% vs 1.21%).
_AGE_FRAUD_FACTOR = np.array([1.62, 0.98, 1.03, 0.98, 1.07, 0.91, 0.80, 0.49])
# Enterprises are covered by their age 'U' factor; no fraud on gender 'U' in BankSim.
_GENDER_FRAUD_FACTOR = np.array([1.21, 0.75, 1.0, 0.0])


def banksim_frame(rows: int = 10_000, *, seed: int = 0) -> pd.DataFrame:
    """`rows` BankSim-shaped transactions with clean values (no quote wrapping), by step."""
    if rows < 0:
        raise ValueError(f"rows must be 0 or more, not {rows}")
    rng = np.random.default_rng(seed)
    # Pools first, with a fixed number of draws: a customer keeps its id and attributes
    # whatever the number of rows.
    customer_ids, ages, genders, activity = _customer_pool(rng)
    merchant_ids, merchant_category, merchant_share = _merchant_pool(rng)

    step = np.sort(rng.choice(STEPS, size=rows, p=_step_share()))
    customer = rng.choice(CUSTOMERS, size=rows, p=activity)
    merchant = rng.choice(len(merchant_ids), size=rows, p=merchant_share)
    category = merchant_category[merchant]
    fraud = _draw_fraud(rng, category, ages[customer], genders[customer])
    amount = _draw_amount(rng, category, fraud)

    return pd.DataFrame(
        {
            "step": step.astype(np.int64),
            "customer": customer_ids[customer].astype(object),
            "age": _AGES[ages[customer]].astype(object),
            "gender": _GENDERS[genders[customer]].astype(object),
            "zipcodeOri": np.full(rows, ZIP_CODE, dtype=object),
            "merchant": merchant_ids[merchant].astype(object),
            "zipMerchant": np.full(rows, ZIP_CODE, dtype=object),
            "category": np.array(CATEGORIES)[category].astype(object),
            "amount": amount,
            "fraud": fraud.astype(np.int64),
        },
        columns=list(BANKSIM_COLUMNS),
    )


def write_banksim_csv(
    path: str | Path, rows: int = 10_000, *, seed: int = 0, with_pii: bool = False
) -> Path:
    """Write the sample as BankSim writes its file, and return the path.

    Quoted header names, every string value wrapped in single quotes
    (`0,'C1093826151','4','M',...,4.55,0`), and standard CSV double quotes around the
    values that need them (addresses and memos with commas).
    """
    frame = banksim_pii_frame(rows, seed=seed) if with_pii else banksim_frame(rows, seed=seed)
    for name in frame.columns:
        if frame[name].dtype == object:
            frame[name] = "'" + frame[name] + "'"
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(",".join(f'"{name}"' for name in frame.columns) + "\n")
        frame.to_csv(out, header=False, index=False, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    return path


def _customer_pool(rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Ids, age and gender indices, and activity shares of all customers."""
    ids = _unique_ids(rng, "C", CUSTOMERS)
    genders = rng.choice(len(_GENDERS), size=CUSTOMERS, p=_GENDER_SHARE / _GENDER_SHARE.sum())
    ages = rng.choice(len(_AGES), size=CUSTOMERS, p=_AGE_SHARE / _AGE_SHARE.sum())
    ages[_GENDERS[genders] == "E"] = len(_AGES) - 1  # 'U'
    # Skewed activity; the least active customer still expects ~15 rows at full size, so
    # that all of them appear there, and fewer appear in smaller samples.
    activity = rng.lognormal(0.0, 0.6, size=CUSTOMERS)
    return ids, ages, genders, activity / activity.sum()


def _merchant_pool(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Merchant ids, the one category of each, and each merchant's share of all rows."""
    category = np.repeat(np.arange(len(CATEGORIES)), _CATEGORY_MERCHANTS)
    ids = _unique_ids(rng, "M", len(category))
    # Within a category one merchant takes most rows (weights 1, 1/2, 1/3, ...).
    rank = np.concatenate([np.arange(1, n + 1) for n in _CATEGORY_MERCHANTS])
    weight = 1.0 / rank
    within = weight / np.bincount(category, weights=weight)[category]
    share = within * (_CATEGORY_ROWS / _CATEGORY_ROWS.sum())[category]
    return ids, category, share / share.sum()


def _unique_ids(rng: np.random.Generator, prefix: str, count: int) -> np.ndarray:
    """Distinct ids like BankSim's: the prefix and 9 or 10 digits (`C1093826151`)."""
    numbers = rng.choice(2_000_000_000, size=count, replace=False) + 100_000_000
    return np.array([f"{prefix}{n}" for n in numbers], dtype=object)


def _step_share() -> np.ndarray:
    """BankSim's daily volume grows over the 180 steps, by about half."""
    weight = np.linspace(1.0, 1.55, STEPS)
    return weight / weight.sum()


def _draw_fraud(
    rng: np.random.Generator, category: np.ndarray, age: np.ndarray, gender: np.ndarray
) -> np.ndarray:
    chance = _FRAUD_RATE[category] * _AGE_FRAUD_FACTOR[age] * _GENDER_FRAUD_FACTOR[gender]
    return rng.random(category.size) < np.minimum(chance, 0.99)


def _draw_amount(rng: np.random.Generator, category: np.ndarray, fraud: np.ndarray) -> np.ndarray:
    """Log-normal amounts with the category's mean; fraud draws from the larger mean."""
    mean = np.where(fraud, _FRAUD_MEAN[category], _GENUINE_MEAN[category])
    sigma = np.where(fraud, _FRAUD_SIGMA, _GENUINE_SIGMA)
    amount = rng.lognormal(np.log(mean) - sigma**2 / 2, sigma)
    # A cap, not a clip: clipping would pile rows onto one value.
    redraw = rng.uniform(mean, MAX_AMOUNT)
    amount = np.where(amount > MAX_AMOUNT, redraw, amount)
    return np.round(amount, 2)


# Personal data. One locale per customer; the e-mail memo share is about 5% of rows.
_LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT")
_EMAIL_MEMO_SHARE = 0.05
# BankSim's file is dated 2014-05-13: dates of birth match the age group on that day.
_REFERENCE_DATE = date(2014, 5, 13)
# BankSim age groups: 0 is 18 or under, 1 is 19-25, ..., 6 is over 65; 'U' unknown.
_AGE_YEARS = {
    "0": (16, 18),
    "1": (19, 25),
    "2": (26, 35),
    "3": (36, 45),
    "4": (46, 55),
    "5": (56, 65),
    "6": (66, 90),
    "U": (18, 90),
}
# Harmless memos in the six languages: no names, numbers or addresses in them.
_MEMOS = (
    "payment for groceries",
    "monthly bus pass",
    "dinner with friends",
    "pharmacy, prescription",
    "gym membership",
    "Zahlung Lebensmittel",
    "Monatskarte Nahverkehr",
    "Abendessen im Restaurant",
    "paiement courses",
    "abonnement transport",
    "restaurant, déjeuner",
    "pago supermercado",
    "billete de autobús",
    "cena con amigos",
    "pagamento spesa",
    "abbonamento palestra",
    "cena al ristorante",
)
_EMAIL_MEMOS = (
    "receipt sent to {}",
    "refund, contact {}",
    "Rechnung an {}",
    "facture envoyée à {}",
    "recibo a {}",
    "ricevuta a {}",
)


def banksim_pii_frame(rows: int = 10_000, *, seed: int = 0) -> pd.DataFrame:
    """`banksim_frame(rows, seed=seed)` plus personal-data columns, consistent per customer."""
    frame = banksim_frame(rows, seed=seed)
    # Faker only for the customers present; each one seeded by its own id, so a customer
    # gets the same person whatever the number of rows.
    customers = frame[["customer", "age"]].drop_duplicates("customer")
    people = pd.DataFrame(
        [_person(c, age, seed) for c, age in customers.itertuples(index=False)],
        index=customers["customer"].to_numpy(),
        columns=list(PII_COLUMNS[:-1]),
    )
    frame = frame.join(people, on="customer")
    frame["memo"] = _memos(np.random.default_rng([seed, 1]), frame["email"].to_numpy())
    return frame


def _person(customer: str, age: str, seed: int) -> tuple[str, ...]:
    """Name, e-mail, phone, card, IBAN, address and date of birth of one customer."""
    # String seeds hash the same in every process (random.seed uses SHA-512 on them).
    locale = random.Random(f"{seed}:{customer}").choice(_LOCALES)
    fake = _faker(locale)
    fake.seed_instance(f"{seed}:{customer}")
    first, last = fake.first_name(), fake.last_name()
    return (
        first,
        last,
        _email(fake, first, last),
        fake.phone_number(),
        _card_number(fake),
        fake.iban(),
        _address(fake),
        _date_of_birth(fake, age).isoformat(),
    )


@functools.cache
def _faker(locale: str) -> Faker:
    """One Faker per locale: building one takes milliseconds, seeding it microseconds."""
    return Faker(locale)


def _email(fake: Faker, first: str, last: str) -> str:
    """An address built from the person's name, as people's real ones often are."""
    first, last = _ascii_word(first), _ascii_word(last)
    user = fake.random_element(
        (f"{first}.{last}", f"{first[:1]}{last}", f"{first}{fake.random_int(1, 99)}")
    )
    return f"{user}@{fake.free_email_domain()}"


def _ascii_word(text: str) -> str:
    """'Grégoire' -> 'gregoire': e-mail user names in plain letters."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in plain.lower() if c.isalpha()) or "user"


def _card_number(fake: Faker) -> str:
    """A Luhn-valid number, grouped by four with spaces or dashes half of the time."""
    number = fake.credit_card_number()
    separator = fake.random_element(("", "", " ", "-"))
    return separator.join(number[i : i + 4] for i in range(0, len(number), 4))


def _address(fake: Faker) -> str:
    """One line; full postal addresses join their lines with commas."""
    text = fake.address() if fake.boolean() else fake.street_address()
    return ", ".join(part.strip() for part in text.splitlines())


def _date_of_birth(fake: Faker, age: str) -> date:
    """A date of birth in the customer's BankSim age group."""
    youngest, oldest = _AGE_YEARS[age]
    days = fake.random_int(int(youngest * 365.25), int((oldest + 1) * 365.25) - 1)
    return _REFERENCE_DATE - timedelta(days=days)


def _memos(rng: np.random.Generator, emails: np.ndarray) -> np.ndarray:
    """Harmless memos, and about 5% that mention the customer's e-mail address."""
    memo = np.array(_MEMOS, dtype=object)[rng.integers(len(_MEMOS), size=emails.size)]
    with_email = rng.random(emails.size) < _EMAIL_MEMO_SHARE
    templates = np.array(_EMAIL_MEMOS, dtype=object)
    chosen = templates[rng.integers(len(templates), size=int(with_email.sum()))]
    memo[with_email] = [t.format(e) for t, e in zip(chosen, emails[with_email], strict=True)]
    return memo
