"""Leak benchmark: plant personal data in realistic CSV files, run the whole pipeline on
each, and look for every planted value in everything the run left outside raw/ and the
quarantine copies.

What it measures, per file and in total:

* leaks: planted values found in cleaned/, models/ (the holdout, pickled synthesizers
  and checkpoints: their bytes and the strings, numbers and dates inside the pickles),
  staging/ (synthetic.csv/.parquet, report.json/.html, manifest.json, run.log.jsonl),
  synthetic/ and quarantine/<dataset>/<run>/reason.json. Target: 0.
* outcome: published (released), gate failed, refused or failed (step and code), or
  crashed. Target: every file released, cleaned rather than refused, except the
  person-as-header files, which must be refused with `header_missing`, leaving nothing of
  that person outside raw/ and quarantine.

The corpus is generated with Faker (seeded) in eight locales (en_US, de_DE, fr_FR, es_ES,
it_IT, nl_NL, ja_JP, ru_RU), each locale written its own way (delimiter, decimal comma,
date format). Every file holds a few thousand ordinary transactions (heavy-tailed amounts
by tier, fees by channel, dates, counts, a rare decline flag) and one hiding pattern:

  neutral_names     e-mails, phones, IBANs, cards, national ids, IPs under `col7`, `x`...
  mixed_entities    e-mail/phone (and IBAN) mixes in one column; `<a@b.c>`, `mailto:`, `tel:`
  text_entities     an e-mail, phone or IBAN in a few sentences of a notes column (about 4
                    in 20,000 rows, at least 2), and in short cells such as `ref a@b.c`
  partial_columns   60% IBANs (the rest empty or `n/a`), 50% IPs, 35% e-mails (rest `-`)
  person_names      full names and first names only, under neutral headers
  birth_dates       dates of birth in the locale's format under a foreign header
                    (`geboren`, `né le`, `生まれ`...) and under `d1`
  unique_extreme    one amount 50x the largest of the others
  one_off_category  a product and a channel seen once in the file
  person_header     no header row: the first record (a person) stands where the header is

Every planted value is kept in a registry with its printed forms (numbers: 2, 1 and 0
decimals, thousands separators, decimal comma; dates: ISO and the usual day/month orders;
IBANs and cards: grouped and compact; phones: digits only; a header person: the column
name Prepare would make of it). Forms that also occur in the file's ordinary cells are
left out. Forms of 6+ characters are searched inside text (case-insensitive, not inside a
longer run of letters or digits); shorter ones (3-5 characters, or 2+ in non-Latin
scripts) only as whole fields (a CSV cell, a Parquet cell, a JSON or pickled string, an
HTML text node); shorter still are skipped, and the counts are printed. Numbers are also
matched as numbers (within 0.5), dates as dates, and both as the 8 bytes of their float64
or int64 encodings (epoch s/ms/us/ns for dates; only patterns with 4+ non-zero bytes)
anywhere in binary files. A date of birth column that reaches the synthetic output also
matches there by chance (the model draws real-looking dates): for those, cleaned/ and
models/ say more.

Fidelity gates are relaxed through config/<dataset>.json (quality, association gap,
closer-to-training share and exact copies; the training `privacy_bar` too, so that a
memorising model is not refused before the evaluation), training is cut to a few epochs;
`pii_hits` is never relaxed. The terminal shows hashes and pattern names, never a value.

    .venv/bin/python benchmarks/leak_corpus.py            # 9 patterns x 2 locales, 3,000 rows
    .venv/bin/python benchmarks/leak_corpus.py --quick    # 9 patterns x 1 locale, 2,000 rows
    .venv/bin/python benchmarks/leak_corpus.py --only person_names --locales de_DE,ja_JP
    .venv/bin/python benchmarks/leak_corpus.py --json leaks.json --keep --workdir /tmp/leaks

A benchmark: it prints, it never asserts.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import hashlib
import io
import json
import math
import os
import pickletools
import random
import re
import shutil
import struct
import sys
import tempfile
import time
import warnings
import zipfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.data import LOCALES, Entities, grouped, number_text, transactions
from synthpipe.names import snake_case

PATTERNS: dict[str, str] = {
    "neutral_names": "entities under neutral column names",
    "mixed_entities": "several entity types in one column, odd wrappers",
    "text_entities": "entities inside free text, in a few rows",
    "partial_columns": "entity columns partly filled",
    "person_names": "full and first names under neutral headers",
    "birth_dates": "dates of birth under foreign or neutral headers",
    "unique_extreme": "one amount 50x the rest",
    "one_off_category": "a category value seen once",
    "person_header": "no header: a person's record where the header should be",
}
# What the pipeline should do with each pattern's file.
EXPECTED = {p: "published" for p in PATTERNS} | {"person_header": "refused:header_missing"}

RELAXED_THRESHOLDS = {
    "quality": 0.0,
    "quality_ratio": 0.0,
    "association_gap": 2.0,
    "closer_to_training_share": 1.0,
    "exact_copies_beyond_chance": 1_000_000,
    # Short runs on small files: the attack gates are measured and reported, not applied.
    "singling_out_risk": 1.0,
    "linkability_risk": 1.0,
    "attribute_inference_risk": 1.0,
    "membership_inference_auc": 1.0,
}
LONG_FORM = 6  # forms this long or longer are searched inside text
SHORT_FORM = 3  # shorter forms are matched as whole fields only; shorter still, skipped
SHORT_FORM_NON_LATIN = 2
NUMBER_TOLERANCE = 0.5
EPOCH = dt.datetime(1970, 1, 1)


# --- the registry of planted values ------------------------------------------------------


@dataclass
class Plant:
    """One planted value and the forms in which it could reappear."""

    id: str  # a hash, safe to print
    pattern: str
    kind: str
    forms: set[str] = field(default_factory=set)  # lowercased text forms
    number: float | None = None
    date: dt.date | None = None


class Table:
    """One corpus file: columns of cells, the planted values, and the ordinary cells."""

    def __init__(self, name: str, locale: str, pattern: str) -> None:
        self.name = name
        self.locale = locale
        self.pattern = pattern
        self.profile = LOCALES[locale]
        self.columns: dict[str, list[str]] = {}
        self.header = True
        self.plants: dict[str, Plant] = {}
        self.background: list[str] = []  # cells that carry nothing planted
        self.background_numbers: list[float] = []
        self.skipped: Counter[str] = Counter()

    @property
    def rows(self) -> int:
        return len(next(iter(self.columns.values())))

    def add(self, name: str, cells: list[str], *, ordinary: bool = True) -> None:
        self.columns[name] = cells
        self.background.append(name)
        if ordinary:
            self.background.extend(cells)

    def plant(self, kind: str, value: str, *extra_forms: str) -> Plant:
        key = f"{self.pattern}|{kind}|{value}"
        plant = self.plants.get(key)
        if plant is None:
            digest = hashlib.sha256(f"{self.name}|{key}".encode()).hexdigest()[:10]
            plant = self.plants[key] = Plant(id=digest, pattern=self.pattern, kind=kind)
        plant.forms.update(f.strip().lower() for f in (value, *extra_forms) if f.strip())
        return plant

    def plant_entity(self, kind: str, value: str) -> Plant:
        """An entity with the forms a cleaner might leave: grouped or compact, digits only."""
        forms = [value]
        compact = re.sub(r"[\s\-]", "", value)
        if kind in ("iban", "card", "national_id"):
            forms += [compact, grouped(compact)]
        if kind == "phone":
            digits = re.sub(r"\D", "", value)
            if len(digits) >= 9:
                forms.append(digits)
        return self.plant(kind, value, *forms)

    def plant_number(self, kind: str, value: float) -> Plant:
        forms = {f"{value:.2f}", f"{value:.1f}", f"{value:.0f}", f"{value:,.2f}", f"{value:,.0f}"}
        forms |= {f.replace(",", "_").replace(".", ",").replace("_", ".") for f in forms}
        forms |= {f"{value:.6e}", repr(value)}
        plant = self.plant(kind, f"{value:.2f}", *forms)
        plant.number = value
        return plant

    def plant_date(self, kind: str, day: dt.date, printed: str) -> Plant:
        formats = ("%d.%m.%Y", "%d/%m/%Y", "%m/%d/%Y", "%Y/%m/%d", "%d-%m-%Y")
        plant = self.plant(kind, day.isoformat(), printed, *(day.strftime(f) for f in formats))
        plant.date = day
        return plant


# --- the hiding patterns -------------------------------------------------------------------


def _filled(rng: random.Random, share: float) -> bool:
    return rng.random() < share


def _entity_column(
    t: Table, name: str, make: Callable[[], str], kind: str, rng: random.Random, share=0.97
) -> None:
    cells, blanks = [], []
    for _ in range(t.rows):
        if _filled(rng, share):
            value = make()
            t.plant_entity(kind, value)
            cells.append(value)
        else:
            blanks.append(rng.choice(["", "n/a"]) if share < 0.9 else "")
            cells.append(blanks[-1])
    t.add(name, cells, ordinary=False)
    t.background.extend(blanks)


def neutral_names(t: Table, ent: Entities, rng: random.Random) -> None:
    for name, make, kind in (
        ("col7", ent.email, "email"),
        ("x", ent.phone, "phone"),
        ("field_3", ent.iban, "iban"),
        ("attr", ent.card, "card"),
        ("v2", ent.national_id, "national_id"),
        ("c9", ent.ip, "ip"),
    ):
        _entity_column(t, name, make, kind, rng)


def mixed_entities(t: Table, ent: Entities, rng: random.Random) -> None:
    kinds = {"email": ent.email, "phone": ent.phone, "iban": ent.iban}

    def mix(choices: list[str]) -> Callable[[], tuple[str, str]]:
        def make() -> tuple[str, str]:
            kind = rng.choice(choices)
            return kind, kinds[kind]()

        return make

    def wrapped() -> tuple[str, str]:
        pick = rng.randrange(3)
        if pick == 2:
            return "phone", ent.phone()
        return "email", ent.email()

    wrappers = {0: "<{}>", 1: "mailto:{}", 2: "tel:{}"}
    for name, make, wrap in (
        ("k1", mix(["email", "phone"]), False),
        ("k2", mix(["email", "phone", "iban"]), False),
        ("k3", wrapped, True),
    ):
        cells = []
        for _ in range(t.rows):
            if not _filled(rng, 0.97):
                cells.append("")
                continue
            kind, value = make()
            t.plant_entity(kind, value)
            if wrap:
                template = wrappers[2] if kind == "phone" else wrappers[rng.randrange(2)]
                value = template.format(value)
            cells.append(value)
        t.add(name, cells, ordinary=False)


NOTE_LINKS = ("please contact", "statement sent to", "call back on", "refund to")
REF_CODES = [f"ref batch {n}" for n in range(1, 13)] + ["ok", "checked", "see file", "pending"]


def text_entities(t: Table, ent: Entities, rng: random.Random) -> None:
    rows = t.rows
    planted = max(2, round(rows * 4 / 20_000))
    note_rows = set(rng.sample(range(rows), planted))
    ref_rows = set(rng.sample(range(rows), planted))
    makers = [("email", ent.email), ("phone", ent.phone), ("iban", ent.iban)]
    notes, refs = [], []
    for row in range(rows):
        if row in note_rows:
            kind, make = makers[sum(1 for r in note_rows if r < row) % len(makers)]
            value = make()
            t.plant_entity(kind, value)
            sentence = ent.sentence().rstrip(".。")
            notes.append(f"{sentence}, {rng.choice(NOTE_LINKS)} {value} {ent.sentence()}")
        else:
            notes.append(ent.sentence() if _filled(rng, 0.6) else "")
            t.background.append(notes[-1])
        if row in ref_rows:
            kind, make = makers[sum(1 for r in ref_rows if r < row) % 2]
            value = make()
            t.plant_entity(kind, value)
            refs.append(f"{'ref' if kind == 'email' else 'cc'} {value}")
        else:
            refs.append(rng.choice(REF_CODES) if _filled(rng, 0.7) else "")
            t.background.append(refs[-1])
    t.add("notes", notes, ordinary=False)
    t.add("ref", refs, ordinary=False)


def partial_columns(t: Table, ent: Entities, rng: random.Random) -> None:
    _entity_column(t, "f1", ent.iban, "iban", rng, share=0.6)
    _entity_column(t, "f2", ent.ip, "ip", rng, share=0.5)
    cells = []
    for _ in range(t.rows):
        if _filled(rng, 0.35):
            value = ent.email()
            t.plant_entity("email", value)
            cells.append(value)
        else:
            cells.append("-")
    t.add("f3", cells, ordinary=False)
    t.background.append("-")


def person_names(t: Table, ent: Entities, rng: random.Random) -> None:
    _entity_column(t, "p1", ent.name, "name", rng)
    _entity_column(t, "p2", ent.first_name, "first_name", rng)


def birth_dates(t: Table, ent: Entities, rng: random.Random) -> None:
    for header in (t.profile.born_header, "d1"):
        cells = []
        for _ in range(t.rows):
            if not _filled(rng, 0.97):
                cells.append("")
                continue
            day = ent.birth_date()
            cells.append(day.strftime(t.profile.date_format))
            t.plant_date("date_of_birth", day, cells[-1])
        t.add(header, cells, ordinary=False)


def unique_extreme(t: Table, ent: Entities, rng: random.Random) -> None:
    amounts = [float(a.replace(",", ".")) for a in t.columns["amount"]]
    row = rng.randrange(t.rows)
    others = amounts[:row] + amounts[row + 1 :]
    value = round(50 * max(others) + rng.randrange(1, 100) / 100, 2)
    t.columns["amount"][row] = number_text(value, t.profile)
    # The row's fee stays ordinary: only the amount is unique.
    t.columns["fee"][row] = t.columns["fee"][(row + 1) % t.rows]
    t.plant_number("amount", value)
    t.background = [c for c in t.background if c != t.columns["amount"][row]]


def one_off_category(t: Table, ent: Entities, rng: random.Random) -> None:
    taken = {c.lower() for c in t.background}
    for column, suffix in (("product", "plan"), ("channel", "desk")):
        while True:
            label = f"{ent.fake.word()}_{ent.fake.word()}_{suffix}_{rng.randrange(10, 99)}"
            if label.lower() not in taken:
                break
        row = rng.randrange(t.rows)
        t.columns[column][row] = label
        t.plant("category", label)


def person_header(t: Table, ent: Entities, rng: random.Random) -> None:
    """No header row: every record is a person, and the first stands where the header
    would be. Its values are also planted as the column names Prepare would make."""
    t.header = False
    names, emails, phones = [], [], []
    for row in range(t.rows):
        values = ent.name(), ent.email(), ent.phone()
        for kind, value in zip(("name", "email", "phone"), values, strict=True):
            plant = t.plant_entity(kind, value)
            if row == 0:
                plant.forms.update(f for f in (snake_case(value),) if f)
        names.append(values[0])
        emails.append(values[1])
        phones.append(values[2])
    first = [names, emails, phones]
    base = {k: t.columns[k] for k in ("amount", "channel", "booking_date")}
    t.columns = {}
    t.background = [c for cells in base.values() for c in cells]
    for name, cells in zip(("name", "email", "phone"), first, strict=True):
        t.columns[name] = cells
    t.columns.update(base)
    for name in base:  # the first record's ordinary values become column names too
        t.background.append(snake_case(base[name][0]))


BUILDERS: dict[str, Callable[[Table, Entities, random.Random], None]] = {
    "neutral_names": neutral_names,
    "mixed_entities": mixed_entities,
    "text_entities": text_entities,
    "partial_columns": partial_columns,
    "person_names": person_names,
    "birth_dates": birth_dates,
    "unique_extreme": unique_extreme,
    "one_off_category": one_off_category,
    "person_header": person_header,
}


def build(pattern: str, locale: str, rows: int, seed: int) -> Table:
    name = f"{pattern}-{locale.lower()}"
    table = Table(name, locale, pattern)
    base = transactions(locale, rows, seed)
    for column, cells in base.columns.items():
        table.add(column, cells)
    table.background_numbers = list(base.amounts)
    rng = random.Random(f"{seed}-{locale}-{pattern}")
    BUILDERS[pattern](table, Entities(locale, seed), rng)
    _leave_out_common_forms(table)
    return table


def _searchable(plant: Plant) -> bool:
    return bool(plant.forms) or plant.number is not None or plant.date is not None


def _leave_out_common_forms(t: Table) -> None:
    """Forms too short to match safely, and forms that also occur in the file's ordinary
    cells (they prove nothing when found), are left out; a value left with nothing to
    search is counted as skipped."""
    for key, plant in list(t.plants.items()):
        plant.forms = {
            f
            for f in plant.forms
            if len(f) >= (SHORT_FORM if f.isascii() else SHORT_FORM_NON_LATIN)
        }
        if not _searchable(plant):
            t.skipped[f"{plant.kind}: shorter than {SHORT_FORM} characters"] += 1
            del t.plants[key]
    needles = Needles(t.plants.values())
    hay = Haystack()
    hay.add_fields(t.background)
    common = needles.form_hits(hay)
    for plant in t.plants.values():
        plant.forms -= common.get(plant.id, set())
    numbers = np.array(t.background_numbers)
    for key, plant in list(t.plants.items()):
        if plant.number is not None and np.any(np.abs(numbers - plant.number) <= NUMBER_TOLERANCE):
            plant.number = None
        if not _searchable(plant):
            t.skipped[f"{plant.kind}: also an ordinary value of the file"] += 1
            del t.plants[key]


def write_csv(t: Table, path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=t.profile.delimiter, lineterminator="\n")
        if t.header:
            writer.writerow(list(t.columns))
        writer.writerows(zip(*t.columns.values(), strict=True))


# --- searching a run's outputs -------------------------------------------------------------


class Haystack:
    """What one output file holds: its text, whole fields, numbers, dates, raw bytes."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.fields: set[str] = set()
        self.numbers: list[float] = []
        self.dates: set[dt.date] = set()
        self.binary: list[bytes] = []

    def add_fields(self, values: Iterable[str]) -> None:
        values = [v.strip().lower() for v in values if v and v.strip()]
        self.fields.update(values)
        self.texts.append("\n".join(values))

    def text(self) -> str:
        return "\n".join(self.texts)


_BOUNDARY = re.compile(r"[0-9a-z]")
_STARTS = re.compile(r"(?<![0-9a-z])[^\s]")


def _epoch_forms(day: dt.date) -> list[int]:
    """Midnight of `day` in epoch s, ms, us and ns, where distinctive: a date near 1970
    gives small numbers that ordinary data holds by chance, and a date within ten years of
    it is also a whole number of days as a duration, which Parquet's delta encoding of
    any timestamp column holds by chance (1970-03-20 in ns = a 78-day gap)."""
    since = dt.datetime(day.year, day.month, day.day) - EPOCH
    if abs(since.days) < 3653:
        return []
    seconds = int(since.total_seconds())
    return [v for v in (seconds * 1000**k for k in range(4)) if 2**31 <= abs(v) < 2**63]


def _eight_bytes(value: float | int) -> list[int]:
    """The int64 (read little-endian) of value's float64 and int64 encodings, both byte
    orders, keeping only patterns with at least 4 non-zero bytes (distinctive enough to
    look for anywhere in a binary file)."""
    packed = [struct.pack("<d", float(value)), struct.pack(">d", float(value))]
    if float(value).is_integer() and abs(value) < 2**63:
        packed += [struct.pack("<q", int(value)), struct.pack(">q", int(value))]
    return [struct.unpack("<q", p)[0] for p in packed if sum(b != 0 for b in p) >= 4]


class Needles:
    """The registry compiled for searching."""

    def __init__(self, plants: Iterable[Plant]) -> None:
        self.plants = {p.id: p for p in plants}
        self.anchors: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self.fields: dict[str, set[str]] = defaultdict(set)
        self.numbers: list[tuple[float, str]] = []
        self.exact: dict[float, set[str]] = defaultdict(set)
        self.dates: dict[dt.date, set[str]] = defaultdict(set)
        self.int64: dict[int, set[str]] = defaultdict(set)
        for plant in self.plants.values():
            for form in plant.forms:
                if len(form) >= LONG_FORM:
                    self.anchors[form[:LONG_FORM]].append((form, plant.id))
                self.fields[form].add(plant.id)
            if plant.number is not None:
                self.numbers.append((plant.number, plant.id))
                for key in _eight_bytes(plant.number):
                    self.int64[key].add(plant.id)
            if plant.date is not None:
                self.dates[plant.date].add(plant.id)
                for epoch in _epoch_forms(plant.date):
                    self.exact[float(epoch)].add(plant.id)
                    for key in _eight_bytes(epoch):
                        self.int64[key].add(plant.id)
        self.int64_keys = np.array(sorted(self.int64), dtype=np.int64)

    def form_hits(self, hay: Haystack) -> dict[str, set[str]]:
        """plant id -> the forms found (inside text, or as whole fields)."""
        hits: dict[str, set[str]] = defaultdict(set)
        for value in hay.fields:
            for plant_id in self.fields.get(value, ()):
                hits[plant_id].add(value)
        if self.anchors:
            text = hay.text()
            for match in _STARTS.finditer(text):
                start = match.start()
                for form, plant_id in self.anchors.get(text[start : start + LONG_FORM], ()):
                    end = start + len(form)
                    if text.startswith(form, start) and not _BOUNDARY.match(text[end : end + 1]):
                        hits[plant_id].add(form)
        return hits

    def find(self, hay: Haystack) -> dict[str, str]:
        """plant id -> how it was found (text, number, date, bytes)."""
        found = {plant_id: "text" for plant_id in self.form_hits(hay)}
        if hay.numbers and (self.numbers or self.exact):
            numbers = np.unique(np.array(hay.numbers, dtype=np.float64))
            for value, plant_id in self.numbers:
                i = np.searchsorted(numbers, value - NUMBER_TOLERANCE)
                if i < len(numbers) and numbers[i] <= value + NUMBER_TOLERANCE:
                    found.setdefault(plant_id, "number")
            for value in np.intersect1d(numbers, np.array(list(self.exact), dtype=np.float64)):
                for plant_id in self.exact[float(value)]:
                    found.setdefault(plant_id, "date (epoch)")
        for day in hay.dates & self.dates.keys():
            for plant_id in self.dates[day]:
                found.setdefault(plant_id, "date")
        if len(self.int64_keys):
            for blob in hay.binary:
                for offset in range(8):
                    count = (len(blob) - offset) // 8
                    if count <= 0:
                        continue
                    words = np.frombuffer(blob, dtype="<i8", offset=offset, count=count)
                    for key in np.intersect1d(words, self.int64_keys):
                        for plant_id in self.int64[int(key)]:
                            found.setdefault(plant_id, "bytes")
        return found


TEXT_SUFFIXES = {".json", ".jsonl", ".csv", ".html", ".htm", ".txt", ".log", ".md", ".tsv"}


def read_haystack(path: Path) -> Haystack:
    data = path.read_bytes()
    hay = Haystack()
    hay.texts.append(data.decode("utf-8", "replace").lower())
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        _parquet(data, hay)
        hay.binary.append(data)
    elif suffix in TEXT_SUFFIXES or _looks_like_text(data):
        _text_fields(path, data.decode("utf-8", "replace"), hay)
    else:
        hay.binary.append(data)
        if zipfile.is_zipfile(io.BytesIO(data)):
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for member in archive.namelist():
                    inner = archive.read(member)
                    hay.texts.append(inner.decode("utf-8", "replace").lower())
                    hay.binary.append(inner)
                    _pickled(inner, hay)
        else:
            _pickled(data, hay)
    return hay


def _looks_like_text(data: bytes) -> bool:
    head = data[:4096]
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start > len(head) - 4  # a character cut at the end of the sample
    return True


def _parquet(data: bytes, hay: Haystack) -> None:
    try:
        table = pq.read_table(pa.BufferReader(data))
    except Exception:  # not readable as Parquet: the bytes are still searched
        return
    hay.add_fields(table.column_names)
    for column in table.columns:
        kind = column.type
        values = [v for v in column.to_pylist() if v is not None]
        if pa.types.is_date(kind) or pa.types.is_timestamp(kind):
            hay.dates.update(v.date() if isinstance(v, dt.datetime) else v for v in values)
            hay.add_fields(v.isoformat() for v in values)
        elif pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
            hay.numbers.extend(float(v) for v in values)
            hay.add_fields(str(v) for v in values)
        else:
            hay.add_fields(str(v) for v in values)


def _text_fields(path: Path, text: str, hay: Haystack) -> None:
    suffix = path.suffix.lower()
    if suffix in (".json", ".jsonl"):
        lines = [text] if suffix == ".json" else text.splitlines()
        for line in lines:
            try:
                _json_values(json.loads(line), hay)
            except ValueError:
                continue
    elif suffix in (".csv", ".tsv"):
        first = text.split("\n", 1)[0]
        delimiter = max(",;\t|", key=first.count)
        for row in csv.reader(io.StringIO(text), delimiter=delimiter):
            hay.add_fields(row)
            for cell in row:
                number = _as_number(cell)
                if number is not None:
                    hay.numbers.append(number)
    elif suffix in (".html", ".htm"):
        hay.add_fields(re.findall(r">([^<>]{1,300})<", text))
        # Attributes that carry text (tooltips, labels, data), not markup (class, style).
        attributes = r"\b(?:title|alt|value|aria-label|data-[\w-]+)=\"([^\"]{1,300})\""
        hay.add_fields(re.findall(attributes, text))


def _as_number(text: str) -> float | None:
    cleaned = text.strip().lstrip("'")
    try:
        number = float(cleaned)
    except ValueError:
        try:
            number = float(cleaned.replace(".", "").replace(",", "."))
        except ValueError:
            return None
    return number if math.isfinite(number) else None


def _json_values(value: object, hay: Haystack) -> None:
    if isinstance(value, dict):
        hay.add_fields(str(k) for k in value)
        for item in value.values():
            _json_values(item, hay)
    elif isinstance(value, list):
        for item in value:
            _json_values(item, hay)
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int | float):
        if math.isfinite(value):
            hay.numbers.append(float(value))
    else:
        hay.add_fields([str(value)])


_STRING_OPS = {"UNICODE", "BINUNICODE", "SHORT_BINUNICODE", "BINUNICODE8", "STRING"}
_STRING_OPS |= {"BINSTRING", "SHORT_BINSTRING"}
_NUMBER_OPS = {"BINFLOAT", "FLOAT", "INT", "BININT", "BININT1", "BININT2", "LONG", "LONG1"}
_NUMBER_OPS |= {"LONG4"}
_BYTES_OPS = {"SHORT_BINBYTES", "BINBYTES", "BINBYTES8", "BYTEARRAY8"}


def _pickled(data: bytes, hay: Haystack) -> None:
    """Strings, numbers and dates inside a pickle, read without running it."""
    if not data.startswith(b"\x80"):  # PROTO: pickles of protocol 2 and later
        return
    strings: list[str] = []
    start = 0
    while start < len(data) - 1:
        stream = io.BytesIO(data[start:])
        stopped = None
        try:
            for opcode, arg, position in pickletools.genops(stream):
                name = opcode.name
                if name in _STRING_OPS and arg is not None:
                    text = arg.decode("utf-8", "replace") if isinstance(arg, bytes) else str(arg)
                    strings.append(text)
                elif name in _NUMBER_OPS and isinstance(arg, int | float) and arg is not True:
                    if math.isfinite(float(arg)) and abs(arg) < 1e300:
                        hay.numbers.append(float(arg))
                elif name in _BYTES_OPS and isinstance(arg, bytes | bytearray):
                    _pickled_date(bytes(arg), hay)
                elif name == "STOP":
                    stopped = position
        except Exception:  # not (or no longer) a pickle: what was read so far counts
            pass
        if stopped is None:
            break
        start += stopped + 1
    hay.add_fields(strings)


def _pickled_date(payload: bytes, hay: Haystack) -> None:
    """datetime.date / datetime.datetime pickle their fields as 4 or 10 bytes."""
    if len(payload) in (4, 10):
        year, month, day = payload[0] * 256 + payload[1], payload[2], payload[3]
        with contextlib.suppress(ValueError):
            hay.dates.add(dt.date(year, month, day))


def _excluded(relative: Path) -> bool:
    """raw/, and the quarantine copies: the refused input and the moved cleaned output."""
    parts = relative.parts
    if not parts or parts[0] == "raw":
        return True
    return parts[0] == "quarantine" and len(parts) > 3 and parts[3] in ("input", "cleaned")


def scan_workdir(workdir: Path, needles: Needles) -> tuple[list[dict], int]:
    """Every planted value found in every file under the workdir but the excluded."""
    leaks, files = [], 0
    for path in sorted(workdir.rglob("*")):
        relative = path.relative_to(workdir)
        if not path.is_file() or _excluded(relative):
            continue
        files += 1
        for plant_id, how in needles.find(read_haystack(path)).items():
            plant = needles.plants[plant_id]
            leaks.append(
                {
                    "path": _generic(relative, workdir.name),
                    "plant": plant_id,
                    "pattern": plant.pattern,
                    "kind": plant.kind,
                    "how": how,
                }
            )
    return leaks, files


def _generic(relative: Path, dataset: str) -> str:
    """The path with the dataset, the run id and Spark's part-file names made generic."""
    text = relative.as_posix().replace(f"/{dataset}/", "/<ds>/")
    text = re.sub(r"\d{8}T\d{6}Z-[0-9a-f]{8}", "<run>", text)
    return re.sub(r"part-\d+-[0-9a-f-]+", "part-*", text)


# --- running the pipeline ------------------------------------------------------------------


def dataset_config(epochs: int) -> dict:
    every = max(1, min(5, epochs))
    return {
        "thresholds": RELAXED_THRESHOLDS,
        "hyperparameters": {
            "epochs": str(epochs),
            "eval_every": str(every),
            "min_epochs": str(every),
            "privacy_bar": "1.0",
        },
    }


def run_pipeline(csv_path: Path, dataset: str, workdir: Path, epochs: int, verbose: bool):
    """The pipeline in-process (one Spark session for the whole corpus): (outcome, detail)."""
    from synthpipe.progress import Reporter, TerminalReporter
    from synthpipe.runner import run_local

    config = workdir / "config" / f"{dataset}.json"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(json.dumps(dataset_config(epochs), indent=2))
    reporter = TerminalReporter() if verbose else Reporter()
    try:
        result = run_local(csv_path, dataset=dataset, workdir=workdir, seed=0, reporter=reporter)
    except Exception as error:  # the runner itself broke: a bug, recorded as such
        return "crashed", f"run_local raised {type(error).__name__}"
    if result.status == "completed" and "synthetic" in result.outputs:
        return "published", ""
    error = result.error
    if error is None:
        return result.status, result.message[:80]
    if error.code == "gate_failed":
        return "gate failed", ",".join(error.details.get("failed_gates", []))
    if error.code == "step_crashed":
        return "crashed", f"{error.step}: {error.details.get('exception', '')}"
    return f"{result.status}:{error.code}", error.step


# --- the report ----------------------------------------------------------------------------


@dataclass
class FileResult:
    name: str
    locale: str
    pattern: str
    rows: int
    expected: str
    outcome: str = ""
    detail: str = ""
    seconds: float = 0.0
    planted: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    leaked: dict[str, int] = field(default_factory=dict)
    leaks: list[dict] = field(default_factory=list)
    files_searched: int = 0
    found_in_input: int = 0

    @property
    def leaked_total(self) -> int:
        return len({leak["plant"] for leak in self.leaks})

    @property
    def as_expected(self) -> bool:
        if self.expected == "published":
            return self.outcome == "published"
        return self.outcome == "refused:" + self.expected.split(":", 1)[1]

    def places(self) -> Counter[str]:
        """Distinct planted values found per top folder (cleaned, models, staging...)."""
        seen: dict[str, set[str]] = defaultdict(set)
        for leak in self.leaks:
            seen[leak["path"].split("/", 1)[0]].add(leak["plant"])
        return Counter({place: len(ids) for place, ids in seen.items()})


def _table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in
              enumerate(headers)]  # fmt: skip
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines)


def _places_text(places: Counter[str]) -> str:
    return " ".join(f"{place}:{n}" for place, n in places.most_common()) or "-"


def print_report(results: list[FileResult], seconds: float) -> None:
    print("\nPer file (leaks = distinct planted values found outside raw/ and quarantine copies)")
    rows = []
    for r in results:
        outcome = r.outcome + (f" ({r.detail})" if r.detail else "")
        mark = "" if r.as_expected else "  <- expected " + r.expected
        rows.append(
            [r.name, r.pattern, outcome + mark, str(sum(r.planted.values())),
             str(r.found_in_input), str(r.leaked_total), _places_text(r.places()),
             f"{r.seconds:.0f}"]
        )  # fmt: skip
    headers = ["file", "pattern", "outcome", "planted", "in input", "leaked", "where", "s"]
    print(_table(headers, rows))
    print("(in input: planted values the search finds in the generated CSV itself, a check)")

    print("\nPer pattern")
    rows = []
    for pattern in PATTERNS:
        mine = [r for r in results if r.pattern == pattern]
        if not mine:
            continue
        places = sum((r.places() for r in mine), Counter())
        kinds: Counter[str] = Counter()
        for r in mine:
            seen = {(leak["kind"], leak["plant"]) for leak in r.leaks}
            kinds.update(kind for kind, _ in seen)
        rows.append(
            [pattern, str(len(mine)), str(sum(sum(r.planted.values()) for r in mine)),
             str(sum(r.leaked_total for r in mine)),
             str(sum(1 for r in mine if r.leaked_total)),
             str(sum(1 for r in mine if r.as_expected)),
             " ".join(f"{k}:{n}" for k, n in kinds.most_common()) or "-",
             _places_text(places)]
        )  # fmt: skip
    headers = ["pattern", "files", "planted", "leaked", "files leaking", "as expected",
               "leaked kinds", "where"]  # fmt: skip
    print(_table(headers, rows))

    details = []
    for r in results:
        groups: dict[str, list[dict]] = defaultdict(list)
        for leak in r.leaks:
            groups[leak["path"]].append(leak)
        for path, leaks in sorted(groups.items()):
            kinds = Counter(leak["kind"] for leak in leaks)
            how = ",".join(sorted({leak["how"] for leak in leaks}))
            sample = " ".join(f"#{i}" for i in sorted({leak["plant"] for leak in leaks})[:2])
            kinds_text = " ".join(f"{k}:{n}" for k, n in kinds.most_common())
            details.append([r.name, path, kinds_text, how, sample])
    if details:
        print("\nWhere (distinct planted values per output file, by kind; hashes, never values)")
        print(_table(["file", "path", "leaked kinds", "found as", "e.g."], details))

    skipped: Counter[str] = sum((Counter(r.skipped) for r in results), Counter())
    if skipped:
        print("\nNot searched (too short to match safely, or common in the file's own cells):")
        for reason, n in skipped.most_common():
            print(f"  {n:>6}  {reason}")

    leaks = sum(r.leaked_total for r in results)
    expected_released = [r for r in results if r.expected == "published"]
    released = sum(1 for r in expected_released if r.outcome == "published")
    refusals = [r for r in results if r.expected != "published"]
    refused_ok = sum(1 for r in refusals if r.as_expected and not r.leaked_total)
    crashed = sum(1 for r in results if r.outcome == "crashed")
    print(
        f"\nTOTAL: {len(results)} files, {leaks} planted values leaked (target 0); "
        f"released {released}/{len(expected_released)} (target all); "
        f"person-as-header refused cleanly {refused_ok}/{len(refusals)}; "
        f"crashed {crashed}; {seconds:.0f} s."
    )


# --- main -------------------------------------------------------------------------------


def plan(patterns: list[str], locales: list[str], per_pattern: int) -> list[tuple[str, str]]:
    """Each pattern in `per_pattern` locales, rotating so that every locale gets used."""
    files = []
    count = min(per_pattern, len(locales))
    for index, pattern in enumerate(patterns):
        for k in range(count):
            files.append((pattern, locales[(index * count + k) % len(locales)]))
    return files


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="leak_corpus.py",
        description="Plant personal data in generated CSV files (several locales, hiding "
        "patterns), run the pipeline end to end on each with the fidelity gates relaxed, and "
        "count the planted values found outside raw/ and the quarantine copies.",
        epilog="Patterns: " + "; ".join(f"{k} ({v})" for k, v in PATTERNS.items()),
    )
    parser.add_argument("--rows", type=int, default=3000, help="rows per file (default 3000)")
    parser.add_argument("--seed", type=int, default=0, help="corpus seed (default 0)")
    parser.add_argument(
        "--locales",
        default=",".join(LOCALES),
        help=f"comma-separated Faker locales (default: {','.join(LOCALES)})",
    )
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="PATTERN",
        help="run only these patterns (repeat or comma-separate)",
    )
    parser.add_argument(
        "--per-pattern",
        type=int,
        default=2,
        help="locales each pattern is written in, rotating through --locales (default 2)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="one locale per pattern and 2,000 rows"
    )
    parser.add_argument("--epochs", type=int, default=10, help="training epochs (default 10)")
    parser.add_argument("--workdir", type=Path, help="where to write (default: a temporary dir)")
    parser.add_argument("--keep", action="store_true", help="keep the corpus and the workdirs")
    parser.add_argument("--json", type=Path, metavar="OUT", help="write the results as JSON")
    parser.add_argument("--verbose", action="store_true", help="show each run's steps")
    parser.add_argument(
        "--corpus-only", action="store_true", help="write the corpus and its registry, run nothing"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    patterns = [p for item in args.only for p in item.split(",") if p] or list(PATTERNS)
    locales = [loc for loc in args.locales.split(",") if loc]
    for name, known, what in ((patterns, PATTERNS, "pattern"), (locales, LOCALES, "locale")):
        unknown = [n for n in name if n not in known]
        if unknown:
            print(f"unknown {what} {unknown}; known: {', '.join(known)}", file=sys.stderr)
            return 2
    rows = 2000 if args.quick and args.rows == 3000 else args.rows
    per_pattern = 1 if args.quick else args.per_pattern
    if rows < 50 or per_pattern < 1 or args.epochs < 1:
        print("--rows must be at least 50, --per-pattern and --epochs at least 1", file=sys.stderr)
        return 2

    warnings.filterwarnings("ignore")
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    root = args.workdir or Path(tempfile.mkdtemp(prefix="leak-corpus-"))
    root = root.resolve()
    (root / "corpus").mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    results: list[FileResult] = []
    jobs = plan(patterns, locales, per_pattern)
    print(f"{len(jobs)} files, {rows} rows each, under {root}")
    try:
        for pattern, locale in jobs:
            results.append(_one(pattern, locale, rows, args, root))
            r = results[-1]
            if args.corpus_only:
                print(
                    f"  {r.name:<30} {sum(r.planted.values()):>6} values planted, "
                    f"{r.found_in_input:>6} found by the search in the file",
                    flush=True,
                )
                continue
            print(
                f"  {r.name:<30} {r.outcome:<28} leaked {r.leaked_total:>5} of "
                f"{sum(r.planted.values()):>5}  {r.seconds:5.0f} s",
                flush=True,
            )
    finally:
        if not (args.keep or args.corpus_only) and args.workdir is None:
            shutil.rmtree(root, ignore_errors=True)
    seconds = time.monotonic() - started
    if args.corpus_only:
        print(f"corpus and registry written under {root}")
        return 0
    print_report(results, seconds)
    if args.json:
        payload = {
            "rows": rows,
            "seed": args.seed,
            "epochs": args.epochs,
            "seconds": round(seconds, 1),
            "config": dataset_config(args.epochs),
            "files": [_as_json(r) for r in results],
        }
        args.json.write_text(json.dumps(payload, indent=2, ensure_ascii=False))
        print(f"JSON: {args.json}")
    return 0


def _one(pattern: str, locale: str, rows: int, args, root: Path) -> FileResult:
    table = build(pattern, locale, rows, args.seed)
    csv_path = root / "corpus" / f"{table.name}.csv"
    write_csv(table, csv_path)
    result = FileResult(table.name, locale, pattern, rows, EXPECTED[pattern])
    result.planted = dict(Counter(p.kind for p in table.plants.values()))
    result.skipped = dict(table.skipped)
    # The search checked on the input itself: every planted value should be found there.
    needles = Needles(table.plants.values())
    result.found_in_input = len(needles.find(read_haystack(csv_path)))
    if args.keep or args.corpus_only:
        registry = root / "registry"
        registry.mkdir(exist_ok=True)
        (registry / f"{table.name}.json").write_text(
            json.dumps([_plant_json(p) for p in table.plants.values()], ensure_ascii=False)
        )
    if args.corpus_only:
        return result
    workdir = root / "runs" / table.name
    shutil.rmtree(workdir, ignore_errors=True)
    started = time.monotonic()
    result.outcome, result.detail = run_pipeline(
        csv_path, table.name, workdir, args.epochs, args.verbose
    )
    result.seconds = time.monotonic() - started
    result.leaks, result.files_searched = scan_workdir(workdir, needles)
    result.leaked = dict(Counter(leak["kind"] for leak in _distinct(result.leaks)))
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    return result


def _distinct(leaks: list[dict]) -> list[dict]:
    seen: dict[str, dict] = {}
    for leak in leaks:
        seen.setdefault(leak["plant"], leak)
    return list(seen.values())


def _plant_json(plant: Plant) -> dict:
    return {
        "id": plant.id,
        "pattern": plant.pattern,
        "kind": plant.kind,
        "forms": sorted(plant.forms),
        "number": plant.number,
        "date": plant.date.isoformat() if plant.date else None,
    }


def _as_json(r: FileResult) -> dict:
    """Hashes, kinds and paths only: never a planted value."""
    return {
        "file": r.name,
        "locale": r.locale,
        "pattern": r.pattern,
        "rows": r.rows,
        "expected": r.expected,
        "outcome": r.outcome,
        "detail": r.detail,
        "as_expected": r.as_expected,
        "seconds": round(r.seconds, 1),
        "planted": r.planted,
        "skipped": r.skipped,
        "leaked_total": r.leaked_total,
        "leaked_by_kind": r.leaked,
        "leaked_by_place": dict(r.places()),
        "files_searched": r.files_searched,
        "found_in_input": r.found_in_input,
        "leaks": r.leaks,
    }


if __name__ == "__main__":
    sys.exit(main())
