"""Column level: classify a column from its values, with its name as extra evidence.

Two entry points share one decision (`_decide`):

* `classify_column` reads a sample (settings.sample_size values spread evenly over the
  column) and is what Prepare calls (Prepare adds a full count of strong cells, see
  `strong_cell_types`, so that a handful of e-mails in 20,000 rows is not missed);
* `scan_values` reads every value and is what the verify step calls. It counts distinct
  values with Arrow, and only values that pass a cheap regular-expression gate (run by
  Arrow's RE2 engine: an '@', six digits, an IP shape, a word-only value that could be
  a name, a word beside a number: an address) reach the Python checks.

Decision, in this order (shares are of non-null values):

1. the name says the type strongly ('email', 'iban', 'first_name'): flagged when the
   values are shaped like it (share >= min_share), or when the column holds no value;
   the name hints at it ('name', 'account'): flagged when min_share of the values are
   shaped like it (plus, for names, enough distinct values to be people);
2. the values alone, whatever the name:
   - the union of every entity type's hits (checksums and distinctive formats, person
     names from a dictionary) reaches value_only_share: a column of half e-mails and
     half phone numbers is personal data;
   - cells with an entity written in a distinctive shape (`Span.strong`: e-mails,
     IBANs, formatted cards and phones, IPs, dashed SSNs...) are at least min_share;
   - bare digit runs pass a checksum (cards, national ids) far more often than chance;
   - full person names (or first or last names alone, or user names made of names) in
     most values (`person_names`);
   - street addresses: street words beside a house number in most values
     (`values.is_street_address`, strict), or, in any language, a street and a house
     number whose words and numbers both vary over many values (`_addresses_by_value`);
   - dates that look like dates of birth: past only, over decades, within a human life,
     and not a series' calendar (`calendars`);
3. entities inside cells: at least min_strong_cells cells hold a strong entity anywhere
   in the cell however it is shaped ('<john@x.com>', 'ref john@x.com'), or a text
   column holds any entity: flagged with free_text=True, so that the action is to mask
   those cells, not to drop the column.

Latitude/longitude is a pair: `classify_columns` / `scan_columns` flag two numeric columns
named lat*/lon* (in several languages) whose values lie in range, or one column named
'coordinates' (etc.) holding 'lat, lon' pairs.

Out of reach without a language model: names and addresses inside free text; passport,
bank account and licence plate numbers under a neutral header; user names transliterated
from a non-Latin script ('chidchnkeyaawthnochkh'); names absent from every locale's lists
(a column of real surnames is 55% in them, and needs 80%: county names are 45%).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from synthpipe.calendars import calendar_anchor, calendar_grid
from synthpipe.pii import entities as E
from synthpipe.pii import person_names
from synthpipe.pii.cells import FREE_TEXT_TYPES, find_entities
from synthpipe.pii.entities import ColumnFinding
from synthpipe.pii.keywords import NameHints, name_hints
from synthpipe.pii.values import address_parts, match_value, normalise, parse_date

DEFAULT_SETTINGS = E.DetectorSettings()

ID_TYPES = frozenset({E.NATIONAL_ID, E.TAX_ID})
# Types a bare digit run can pass by chance (a checksum, not a shape).
CHECKSUM_TYPES = frozenset({E.CREDIT_CARD_NUMBER, E.NATIONAL_ID, E.TAX_ID})
_EVIDENCE_RANK = {"name+values": 0, "values": 1, "pair": 2, "free-text": 3, "name": 4}

# A value is worth a Python look only if it could hold something: an '@', six digits,
# an IPv4 or IPv6 shape, a MAC address, an AWS key id, a 40-character base64 run, words
# of letters only (a person's name), a word beside a number (a street address), or a
# handle (a user name); or a full-width digit or '@' (０９０－１２３４－５６７８) or a digit of the
# Arabic, Persian, Devanagari, Bengali or Thai script, which Python reads as ASCII
# (values.plain_forms); or, for the whole-value checks only, a spelled-out @ (jane [at]
# example [dot] com: values.normalise reads it, the cell detector does not).
_PLAIN_DIGITS_GATE = "|[０-９＠٠-٩۰-۹०-९০-৯๐-๙]"
_SPELLED_AT_GATE = r"|(?i:[\[({]\s*at\s*[\])}])"
# A MAC address written with dashes may hold fewer than six digits (AB-CD-EF-01-23-45).
_MAC_DASHED_GATE = "|[0-9A-Fa-f]{2}-[0-9A-Fa-f]{2}-[0-9A-Fa-f]{2}-"
# A street without a house number ('Praça da Sé, S/N': values._HOUSE).
_NO_NUMBER_GATE = r"|(?i:\bs/n\b)"
GATE = (
    r"@|(?:[^0-9]*[0-9]){6}|[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}"
    r"|[0-9A-Fa-f]{0,4}:[0-9A-Fa-f]{0,4}:|AKIA|ASIA|[A-Za-z0-9/+]{40}"
    + _MAC_DASHED_GATE
    + r"|^\s*\pL[\pL\pM'’.,\-]*(?:\s+[\pL\pM'’.,\-]+){0,5}\s*$"
    r"|(?s:[\pL\pM]{2}.*[0-9]|[0-9].*[\pL\pM]{2})"
    r"|^[a-z][a-z0-9._\-]{2,39}$" + _PLAIN_DIGITS_GATE + _SPELLED_AT_GATE + _NO_NUMBER_GATE
)
# What a cell needs to hold a strongly written entity (Java and RE2 agree on it): Prepare
# counts such cells over every row in Spark.
STRONG_GATE = (
    r"@|(?:[^0-9]*[0-9]){6}|[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}"
    r"|[0-9A-Fa-f]{0,4}:[0-9A-Fa-f]{0,4}:|AKIA|ASIA" + _MAC_DASHED_GATE + _PLAIN_DIGITS_GATE
)
_BARE_DIGITS = re.compile(r"\d{9,19}")
_PHONE_LENGTH_DIGITS = re.compile(r"\+?\d{7,15}")
# A time of day other than midnight: a timestamp of an event, not a date of birth.
_CLOCK = re.compile(r"\d{1,2}:\d{2}")
_TEXT_WORDS = re.compile(r"[^\W\d_]{2,}\s+\S")
_PAIR = re.compile(r"\(?\s*(-?\d{1,3}\.\d+)\s*[,; ]\s*(-?\d{1,3}\.\d+)\s*\)?")
_DECIMAL = re.compile(r"-?\d{1,3}(?:\.\d+)?")


@dataclass
class _Tally:
    """Row counts per entity type over the examined values."""

    rows: int = 0
    distinct: int = 0
    text_rows: int = 0
    strict: Counter[str] = field(default_factory=Counter)
    loose: Counter[str] = field(default_factory=Counter)
    loose_id: int = 0  # rows matching either id type, loosely
    # Entities found anywhere inside cells (strong or weak spans), and strong ones only.
    embedded: Counter[str] = field(default_factory=Counter)
    strong: Counter[str] = field(default_factory=Counter)
    strong_rows: int = 0
    # Rows with any entity at all (whole-value checks, strong spans, full names): the
    # union that value_only_share is judged on.
    any_rows: int = 0
    # Bare digit runs (9 to 19 digits) and, among them, checksum hits per type.
    bare_rows: int = 0
    bare_hits: Counter[str] = field(default_factory=Counter)
    # Digit runs of a phone number's length that matched nothing else (a mobile number
    # written without spaces): part of the union only beside strongly written entities.
    phone_length_rows: int = 0
    # Person names from the dictionary: rows and distinct values, full and first only.
    full_name_rows: int = 0
    full_name_distinct: int = 0
    first_name_rows: int = 0
    first_name_distinct: int = 0
    last_name_rows: int = 0
    last_name_distinct: int = 0
    # A known first name beside words no list holds ('Hamid Karzai').
    given_name_rows: int = 0
    given_name_distinct: int = 0
    # User names made of names ('john.smith', 'jsmith'): rows, distinct values, and their
    # letters alone (`person_names.user_name_core`).
    user_name_rows: int = 0
    user_name_distinct: int = 0
    user_name_cores: set[str] = field(default_factory=set)
    # Dates: rows that parse, and the rows per date (for the date-of-birth rule).
    dates: Counter[date] = field(default_factory=Counter)
    date_rows: int = 0
    # Values shaped like a street and a house number (`address_parts`): rows, distinct
    # values, and the distinct words and numbers among them.
    address_rows: int = 0
    address_distinct: int = 0
    address_words: set[str] = field(default_factory=set)
    address_numbers: set[str] = field(default_factory=set)


@dataclass
class _Flag:
    entity_type: str
    share: float
    evidence: str
    confidence: float


# --- public API ---------------------------------------------------------------------------


def classify_column(
    name: str, values: Sequence[Any], settings: E.DetectorSettings = DEFAULT_SETTINGS
) -> ColumnFinding:
    """Classify one column from its name and a sample of its values."""
    counts = Counter(v for v in map(normalise, _sample(values, settings.sample_size)) if v)
    hints = name_hints(name)
    tally = _tally(counts, hints, settings)
    return _decide(name, hints, tally, settings)


def classify_columns(
    columns: Mapping[str, Sequence[Any]], settings: E.DetectorSettings = DEFAULT_SETTINGS
) -> list[ColumnFinding]:
    """Classify every column; sees latitude/longitude pairs across two columns."""
    findings = [classify_column(name, values, settings) for name, values in columns.items()]
    _mark_lat_lon_pairs(findings, columns, settings)
    return findings


def scan_values(
    name: str,
    values: Sequence[Any] | pa.Array | pa.ChunkedArray,
    settings: E.DetectorSettings = DEFAULT_SETTINGS,
) -> ColumnFinding:
    """Classify one column from every one of its values (the verify step's full scan)."""
    return scan_counted(name, value_counts(values), settings)


def value_counts(values: Sequence[Any] | pa.Array | pa.ChunkedArray) -> pa.Table:
    """A column's distinct non-null values as text (`values`) and their rows (`counts`):
    what `scan_counted` reads. Counts of parts of a column add up (`merge_counts`)."""
    distinct, counts = _distinct_with_counts(values)
    return pa.table({"values": distinct, "counts": pc.cast(counts, pa.int64())})


def merge_counts(parts: Sequence[pa.Table]) -> pa.Table:
    """One column's value_counts from the value_counts of its parts (Parquet objects)."""
    merged = pa.concat_tables(parts).group_by("values").aggregate([("counts", "sum")])
    return merged.rename_columns(["values", "counts"])


def scan_counted(
    name: str, counted: pa.Table, settings: E.DetectorSettings = DEFAULT_SETTINGS
) -> ColumnFinding:
    """Classify one column from every distinct value and its rows (`value_counts`)."""
    hints = name_hints(name)
    gated = not (hints.strong or hints.weak or hints.free_text)
    values, counts = counted.column("values").combine_chunks(), counted.column("counts")
    tally = _tally_arrow(values, counts.combine_chunks(), hints, settings, gated)
    return _decide(name, hints, tally, settings)


def scan_counted_columns(
    counted: Mapping[str, pa.Table], settings: E.DetectorSettings = DEFAULT_SETTINGS
) -> list[ColumnFinding]:
    """scan_columns from each column's value_counts (verify, over all of a run's Parquet
    objects); latitude/longitude pairs judged on the distinct values."""
    findings = [scan_counted(name, table, settings) for name, table in counted.items()]
    _mark_lat_lon_pairs(findings, {n: t.column("values") for n, t in counted.items()}, settings)
    return findings


def scan_columns(
    columns: Mapping[str, Sequence[Any] | pa.Array | pa.ChunkedArray],
    settings: E.DetectorSettings = DEFAULT_SETTINGS,
) -> list[ColumnFinding]:
    """Full scan of every column; latitude/longitude pairs judged on a large sample."""
    findings = [scan_values(name, values, settings) for name, values in columns.items()]
    _mark_lat_lon_pairs(findings, columns, settings)
    return findings


def with_strong_cells(
    finding: ColumnFinding,
    strong_cells: Mapping[str, int],
    rows: int,
    settings: E.DetectorSettings = DEFAULT_SETTINGS,
) -> ColumnFinding:
    """A sample's finding, completed with a count over every row of the cells holding a
    strongly written entity (`strong_types`): a clean finding with such cells becomes
    one to mask (or to drop, when they are at least min_share of the rows)."""
    hits = {t: n for t, n in strong_cells.items() if n > 0}
    if finding.is_pii or sum(hits.values()) < settings.min_strong_cells or rows <= 0:
        return finding
    share = min(1.0, max(hits.values()) / rows)
    order = {entity_type: index for index, entity_type in enumerate(E.ENTITY_TYPES)}
    return E.ColumnFinding(
        name=finding.name,
        entity_types=sorted(hits, key=order.__getitem__),
        confidence=0.9 if sum(hits.values()) >= 3 else 0.7,
        matched_share=round(share, 4),
        evidence="values" if share >= settings.min_share else "free-text",
        free_text=share < settings.min_share,
        values_examined=rows,
    )


# --- counting -----------------------------------------------------------------------------


def _sample(values: Any, size: int) -> list[Any]:
    """Up to `size` values spread evenly over the column (deterministic)."""
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        if len(values) <= size:
            return values.to_pylist()
        step = len(values) / size
        return values.take(pa.array([int(i * step) for i in range(size)])).to_pylist()
    if hasattr(values, "iloc"):  # pandas Series: positions, not labels
        values = values.iloc
        length = len(values.obj)
    else:
        length = len(values)
    if length <= size:
        return [values[i] for i in range(length)]
    step = length / size
    return [values[int(i * step)] for i in range(size)]


def _tally(counts: Mapping[str, int], hints: NameHints, settings: E.DetectorSettings) -> _Tally:
    tally = _Tally(rows=sum(counts.values()), distinct=len(counts))
    loose_wanted = hints.strong | hints.weak
    for value, count in counts.items():
        _count_value(tally, value, count, loose_wanted, settings)
    return tally


def _count_value(
    tally: _Tally,
    value: str,
    count: int,
    loose_wanted: frozenset[str],
    settings: E.DetectorSettings,
) -> None:
    match = match_value(value, loose_wanted, settings.phone_regions)
    spans = find_entities(value)
    strong = {span.entity_type for span in spans if span.strong}
    strict = match.strict
    whole = [span.entity_type for span in spans if span.end - span.start == len(value)]
    if whole and whole[0] in strict:
        # One value, one entity: a grouped card number also parses as a phone number, an
        # IP's digits run together can pass an id's checksum. The cell detector's order
        # of precedence decides.
        strict = frozenset(whole)
    tally.strict.update(dict.fromkeys(strict, count))
    tally.loose.update(dict.fromkeys(match.loose, count))
    if match.loose & ID_TYPES:
        tally.loose_id += count
    tally.strong.update(dict.fromkeys(strong, count))
    tally.strong_rows += count if strong else 0
    tally.embedded.update(dict.fromkeys({span.entity_type for span in spans}, count))
    if _TEXT_WORDS.search(value):
        tally.text_rows += count
    if _BARE_DIGITS.fullmatch(value):
        tally.bare_rows += count
        tally.bare_hits.update(dict.fromkeys(strict & CHECKSUM_TYPES, count))
    has_digits = any(c.isdigit() for c in value)
    kind = person_names.person_name_kind(value) if not has_digits else None
    if kind == person_names.FULL:
        tally.full_name_rows += count
        tally.full_name_distinct += 1
    elif kind == person_names.FIRST:
        tally.first_name_rows += count
        tally.first_name_distinct += 1
    elif kind == person_names.LAST:
        tally.last_name_rows += count
        tally.last_name_distinct += 1
    elif kind == person_names.GIVEN:
        tally.given_name_rows += count
        tally.given_name_distinct += 1
    elif (core := person_names.user_name_core(value)) is not None:
        tally.user_name_rows += count
        tally.user_name_distinct += 1
        tally.user_name_cores.add(core)
    if strict or strong or kind == person_names.FULL:
        tally.any_rows += count
    elif _PHONE_LENGTH_DIGITS.fullmatch(value):
        tally.phone_length_rows += count
    clock = _CLOCK.search(value)
    timed = clock and not _midnight(value)
    # Five characters at least: SAS's MONYY5. writes a month of birth APR53.
    parsed = parse_date(value) if has_digits and len(value) >= 5 and not timed else None
    if parsed is not None:
        tally.dates[parsed] += count
        tally.date_rows += count
    # A date and a time ('Jan 22, 2023 11:05 PM') is an event, neither a birth date nor
    # a street and its house number.
    stamped = bool(timed) and parse_date(value[: clock.start()].rstrip(" ,T")) is not None
    parts = address_parts(value) if has_digits and parsed is None and not stamped else None
    if parts is not None:
        tally.address_rows += count
        tally.address_distinct += 1
        tally.address_words.add(parts[0])
        tally.address_numbers.add(parts[1])


def _midnight(value: str) -> bool:
    """Every time of day in the value is 00:00 (a date exported with a zero time)."""
    return all(set(re.sub(r"\D", "", t)) <= {"0"} for t in re.findall(r"\d+:[\d:.]+", value))


def _distinct_with_counts(values: Any) -> tuple[pa.Array, pa.Array]:
    array = _as_string_array(values)
    counted = pc.value_counts(array)
    distinct, counts = counted.field("values"), counted.field("counts")
    valid = pc.is_valid(distinct)
    return pc.filter(distinct, valid), pc.filter(counts, valid)


def _as_string_array(values: Any) -> pa.Array | pa.ChunkedArray:
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        array = values
    else:
        try:
            array = pa.array(values, from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            array = pa.array([None if v is None else str(v) for v in values], pa.string())
    if pa.types.is_dictionary(array.type):
        array = array.cast(array.type.value_type)
    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        if pa.types.is_floating(array.type):
            # Arrow prints 37.9 as '37.9' too, but NaN must stay a null.
            array = pc.if_else(pc.is_nan(array), None, array)
        array = pc.cast(array, pa.string())
    return array


def _tally_arrow(
    distinct: pa.Array,
    counts: pa.Array,
    hints: NameHints,
    settings: E.DetectorSettings,
    gated: bool,
) -> _Tally:
    """Tally over distinct values; with `gated`, only values passing GATE reach Python."""
    null_like = pc.is_in(pc.utf8_lower(pc.utf8_trim_whitespace(distinct)), _NULL_SET)
    keep = pc.invert(null_like)
    rows = pc.sum(pc.filter(counts, keep)).as_py() or 0
    if gated:
        text_like = pc.match_substring_regex(distinct, r"\pL{2,}\s+\S")
        outside = pc.and_(keep, pc.invert(pc.match_substring_regex(distinct, GATE)))
        outside_text = pc.sum(pc.filter(counts, pc.and_(outside, text_like))).as_py() or 0
        outside_distinct = pc.sum(pc.cast(outside, pa.int64())).as_py() or 0
        keep = pc.and_(keep, pc.invert(outside))
    else:
        outside_text = outside_distinct = 0
    examined: Counter[str] = Counter()
    for raw, count in zip(
        pc.filter(distinct, keep).to_pylist(), pc.filter(counts, keep).to_pylist(), strict=True
    ):
        value = normalise(raw)
        if value:
            examined[value] += count
    tally = _tally(examined, hints, settings)
    tally.rows = rows
    # Distinct as the sample counts them: non-null, after trimming and unquoting.
    tally.distinct = len(examined) + outside_distinct
    tally.text_rows += outside_text
    return tally


_NULL_SET = pa.array(["", "null", "none", "nan", "n/a", "na", "-", "?", "nil", "<na>"])


# --- deciding -----------------------------------------------------------------------------


def _decide(
    name: str, hints: NameHints, tally: _Tally, settings: E.DetectorSettings
) -> E.ColumnFinding:
    flags = _named_flags(hints, tally, settings)
    if not flags:
        flags = _value_only_flags(hints, tally, settings)
    if not flags:
        flags = _in_cell_flags(hints, tally, settings)
    return _finding(name, flags, tally)


def _named_flags(hints: NameHints, tally: _Tally, settings: E.DetectorSettings) -> list[_Flag]:
    """Types the column name points at, confirmed by the values' shapes."""
    flags: list[_Flag] = []
    rows = tally.rows
    for entity_type in sorted(hints.strong | hints.weak):
        if entity_type == E.LATITUDE_LONGITUDE:
            continue
        loose_rows = tally.loose_id if entity_type in ID_TYPES else tally.loose[entity_type]
        loose = loose_rows / rows if rows else 0.0
        if entity_type in hints.strong:
            if rows == 0:
                flags.append(_Flag(entity_type, 0.0, "name", 0.4))
            elif loose >= settings.min_share:
                flags.append(_Flag(entity_type, loose, "name+values", 0.6 + 0.39 * loose))
        elif loose >= settings.min_share and _weak_hint_ok(entity_type, tally, settings):
            flags.append(_Flag(entity_type, loose, "name+values", 0.5 + 0.4 * loose))
    return _one_id_type(flags)


def _value_only_flags(hints: NameHints, tally: _Tally, settings: E.DetectorSettings) -> list[_Flag]:
    """What the values say whatever the column is called (see the module docstring)."""
    rows = tally.rows
    if not rows:
        return []
    share = {t: max(tally.strict[t], tally.strong[t]) / rows for t in E.ENTITY_TYPES}
    share[E.NAME] = max(share[E.NAME], tally.full_name_rows / rows)
    found: dict[str, float] = {}
    union = tally.any_rows / rows
    if tally.strong_rows >= settings.min_strong_cells:
        # Beside e-mails, a run of 11 digits is a mobile number written without spaces.
        union += tally.phone_length_rows / rows
        share[E.PHONE_NUMBER] = max(share[E.PHONE_NUMBER], tally.phone_length_rows / rows)
    if union >= settings.value_only_share:
        # Every type that carries a real part of the union (not a stray chance match).
        found |= {t: s for t, s in share.items() if s >= 0.1 * union}
    if tally.strong_rows / rows >= settings.min_share:
        found |= {t: tally.strong[t] / rows for t in tally.strong}
    for entity_type, hits in tally.bare_hits.items():
        if hits >= settings.min_checksum_hits and hits / tally.bare_rows >= settings.checksum_share:
            found[entity_type] = max(found.get(entity_type, 0.0), hits / rows)
    if _names_by_value(tally, settings) or _user_names_by_value(tally, settings):
        names = _name_rows(tally) + tally.given_name_rows + tally.user_name_rows
        found[E.NAME] = max(found.get(E.NAME, 0.0), names / rows)
    if _addresses_by_value(tally, settings):
        found[E.ADDRESS] = max(found.get(E.ADDRESS, 0.0), tally.address_rows / rows)
    flags = [_Flag(t, s, "values", 0.5 + 0.45 * min(s, 1.0)) for t, s in found.items()]
    if not flags and _birth_dates_by_value(tally, settings):
        flags.append(_Flag(E.DATE_OF_BIRTH, tally.date_rows / rows, "values", 0.6))
    return _one_id_type(flags)


def _names_by_value(tally: _Tally, settings: E.DetectorSettings) -> bool:
    """Most values are people's names, and many different ones (a column of a few city
    names that are also first names is not people). Names whose surname no list holds
    ('Hamid Karzai') count beside full names when there are many different ones: world
    leaders' names were 48% full names and 25% such (lifelines' dd), where a column of
    22 regions ('Southern Asia', 'Middle Africa') is 58% and a column of film titles 32%."""
    rows = tally.rows
    full = tally.full_name_rows / rows
    if full >= settings.name_share and tally.full_name_distinct >= settings.min_name_distinct:
        return True
    with_given = (tally.full_name_rows + tally.given_name_rows) / rows
    if (
        with_given >= settings.name_share
        and tally.full_name_distinct >= settings.min_name_distinct
        and tally.full_name_distinct + tally.given_name_distinct >= settings.min_first_name_distinct
    ):
        return True
    names = _name_rows(tally)
    distinct = tally.full_name_distinct + tally.first_name_distinct + tally.last_name_distinct
    return (
        names / rows >= settings.first_name_share
        and distinct >= settings.min_first_name_distinct
        and distinct >= settings.first_name_share * tally.distinct
    )


def _user_names_by_value(tally: _Tally, settings: E.DetectorSettings) -> bool:
    """Most values are user names made of people's names (or names), many different ones,
    whose letters vary too ('london-01' ... 'london-30' are hosts, not people)."""
    handles = tally.user_name_rows + _name_rows(tally)
    distinct = tally.user_name_distinct
    return (
        handles >= settings.first_name_share * tally.rows
        and distinct >= settings.min_first_name_distinct
        and len(tally.user_name_cores) >= max(settings.min_first_name_distinct, distinct / 2)
    )


def _name_rows(tally: _Tally) -> int:
    return tally.full_name_rows + tally.first_name_rows + tally.last_name_rows


def _addresses_by_value(tally: _Tally, settings: E.DetectorSettings) -> bool:
    """Most values are a street and a house number ('Čajkovského 6', 'בן צבי יצחק 19'),
    and many different streets and numbers: a column of '3 years', 'Model 3' or 'Room 12'
    repeats its words, one of car models repeats its brands."""
    distinct = tally.address_distinct
    if tally.address_rows < settings.value_only_share * tally.rows:
        return False
    if distinct < settings.min_address_distinct:
        return False
    variety = max(settings.min_address_distinct // 2, settings.address_variety * distinct)
    return len(tally.address_words) >= variety and len(tally.address_numbers) >= variety


def _birth_dates_by_value(tally: _Tally, settings: E.DetectorSettings) -> bool:
    """Dates that only a date of birth would have: all past, within a human life, spread
    over decades (a column of transaction or opening dates spans a few years), and not
    a calendar (a monthly series since 1967 spans decades too) nor quarters."""
    rows = tally.rows
    if tally.date_rows < settings.dob_share * rows or len(tally.dates) < settings.dob_min_distinct:
        return False
    today = settings.reference_date or date.today()
    if max(tally.dates) > today or min(tally.dates).year < today.year - settings.dob_max_age:
        return False
    years = sorted(tally.dates.elements(), key=lambda d: d.toordinal())
    low, high = years[int(0.05 * (len(years) - 1))], years[int(0.95 * (len(years) - 1))]
    if high.year - low.year < settings.dob_min_span_years or calendar_grid(tally.dates):
        return False
    # Quarters' first or last days only (2000Q1, a loan's vintage): no one records the
    # quarter of a birth. January 1st only stays: a year of birth, written as a date.
    spot = calendar_anchor(tally.dates)
    return spot is None or spot["grid"] != "quarter"


def _weak_hint_ok(entity_type: str, tally: _Tally, settings: E.DetectorSettings) -> bool:
    if entity_type != E.NAME:
        return True
    # 'name' over 15 category labels is not a column of people.
    return tally.distinct / tally.rows >= settings.name_distinct_share


def _one_id_type(flags: list[_Flag]) -> list[_Flag]:
    """National and tax ids overlap (Spain's DNI is also the NIF): when the name chose one,
    report that one only."""
    ids = [f for f in flags if f.entity_type in ID_TYPES]
    named = [f for f in ids if f.evidence.startswith("name")]
    if len(ids) < 2 or not named:
        return flags
    return [f for f in flags if f.entity_type not in ID_TYPES or f in named[:1]]


def _in_cell_flags(hints: NameHints, tally: _Tally, settings: E.DetectorSettings) -> list[_Flag]:
    """Entities inside cells, to be masked: any strong one, and in text any at all."""
    rows = tally.rows
    if not rows:
        return []
    text_like = hints.free_text or tally.text_rows / rows >= settings.text_share
    flags = []
    for entity_type in sorted(FREE_TEXT_TYPES):
        hits = tally.embedded[entity_type] if text_like else 0
        if text_like:
            # A memo cell that is nothing but an e-mail address counts too.
            hits += tally.strict[entity_type]
        strong = tally.strong[entity_type]
        if hits >= settings.min_free_text_hits or strong >= settings.min_strong_cells:
            hits = max(hits, strong)
            confidence = 0.9 if hits >= 3 else 0.7
            flags.append(_Flag(entity_type, min(hits / rows, 1.0), "free-text", confidence))
    return flags


def _finding(name: str, flags: list[_Flag], tally: _Tally) -> ColumnFinding:
    if not flags:
        best = max((tally.strict[t] for t in tally.strict), default=0)
        share = best / tally.rows if tally.rows else 0.0
        return E.ColumnFinding(name=name, matched_share=round(share, 4), values_examined=tally.rows)
    order = {entity_type: index for index, entity_type in enumerate(E.ENTITY_TYPES)}
    flags.sort(key=lambda f: order[f.entity_type])
    top = min(flags, key=lambda f: (_EVIDENCE_RANK[f.evidence], -f.confidence))
    return E.ColumnFinding(
        name=name,
        entity_types=[f.entity_type for f in flags],
        confidence=round(min(max(f.confidence for f in flags), 1.0), 4),
        matched_share=round(max(f.share for f in flags), 4),
        evidence=top.evidence,
        free_text=all(f.evidence == "free-text" for f in flags),
        values_examined=tally.rows,
    )


# --- latitude / longitude -----------------------------------------------------------------


def _mark_lat_lon_pairs(
    findings: list[E.ColumnFinding],
    columns: Mapping[str, Any],
    settings: E.DetectorSettings,
) -> None:
    sample_size = settings.sample_size
    lat, lon = [], []
    for finding in findings:
        hints = name_hints(finding.name)
        if not (hints.latitude or hints.longitude or hints.lat_lon_pair):
            continue
        values = [normalise(v) for v in _sample(columns[finding.name], sample_size)]
        values = [v for v in values if v]
        if hints.lat_lon_pair and _pair_share(values) >= settings.lat_lon_share:
            _flag_lat_lon(finding, _pair_share(values))
        elif hints.latitude and _coordinate_share(values, 90) >= settings.lat_lon_share:
            lat.append((finding, _coordinate_share(values, 90)))
        elif hints.longitude and _coordinate_share(values, 180) >= settings.lat_lon_share:
            lon.append((finding, _coordinate_share(values, 180)))
    if lat and lon:
        for finding, share in lat + lon:
            _flag_lat_lon(finding, share)


def _flag_lat_lon(finding: E.ColumnFinding, share: float) -> None:
    if E.LATITUDE_LONGITUDE in finding.entity_types:
        return
    finding.entity_types.append(E.LATITUDE_LONGITUDE)
    finding.confidence = round(max(finding.confidence, 0.6 + 0.35 * share), 4)
    finding.matched_share = round(max(finding.matched_share, share), 4)
    finding.evidence = finding.evidence or "pair"
    finding.free_text = False


def _coordinate_share(values: list[str], limit: float) -> float:
    """Share of values that are decimal degrees within +-limit. Whole numbers alone do
    not count: a column of integers named 'long' is a duration, not a place."""
    if not values:
        return 0.0
    in_range = 0
    fractional = 0
    for value in values:
        text = value.replace(",", ".")
        if not _DECIMAL.fullmatch(text) or abs(float(text)) > limit:
            continue
        in_range += 1
        fractional += "." in text
    if fractional < len(values) / 2:
        return 0.0
    return in_range / len(values)


def _pair_share(values: list[str]) -> float:
    if not values:
        return 0.0
    hits = 0
    for value in values:
        match = _PAIR.fullmatch(value)
        if match and abs(float(match.group(1))) <= 90 and abs(float(match.group(2))) <= 180:
            hits += 1
    return hits / len(values)
