"""How the input writes its booleans, dates and timestamps, for the published CSV.

Prepare types `yes`/`no` as booleans and `05/01/2024` as a date: the cleaned Parquet
holds true/false and date values. The published CSV must read like the input
(`synthpipe.roundtrip`), so Prepare records, per column, the spelling of true and false
most often written (`["yes", "no"]`, `["Y", "N"]`, `["TRUE", "FALSE"]`) and the written
pattern of dates and timestamps (`dd/MM/yyyy`, `yyyy-MM-dd'T'HH:mm:ss'Z'`).

Spellings are boolean tokens only; patterns are taken from each value's shape with every
digit replaced by 9 (`99/99/9999`): no cell value is recorded.
"""

from __future__ import annotations

import re
from collections import Counter

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from synthpipe.prepare import _patterns as P
from synthpipe.prepare._clocks import Clock
from synthpipe.prepare._protect import value_counts_by_column

FORM_TYPES = ("boolean", "date", "timestamp")
# The other side's spelling when a boolean column's input never wrote it.
_PAIRS = {"true": "false", "yes": "no", "y": "n", "t": "f"}
_TIMESTAMP_SHAPE = re.compile(
    r"^9999-(?P<month>9{1,2})-(?P<day>9{1,2})(?P<sep>[T ])(?P<hour>9{1,2}):99"
    r"(?P<seconds>:99(?P<fraction>\.9+)?)?(?P<zone> ?(Z|[+-]99(:?99)?)| UTC| GMT)?$"
)


def written_forms(strings: DataFrame, columns: list) -> dict[str, Counter]:
    """Per column (ColumnProfile with a FORM_TYPES type): how often each spelling
    (booleans) or shape (dates, timestamps, digits as 9) is written. One aggregation."""
    if not columns:
        return {}
    names = [p.name for p in columns]
    forms = strings.select(
        *[
            (
                F.col(f"`{p.name}`")
                if p.type == "boolean"
                else F.regexp_replace(F.col(f"`{p.name}`"), r"\d", "9")
            ).alias(p.name)
            for p in columns
        ]
    )
    counted = value_counts_by_column(forms, names).where(F.col("v").isNotNull())
    found: dict[str, Counter] = {name: Counter() for name in names}
    for row in counted.collect():
        found[names[row["i"]]][row["v"]] = int(row["count"])
    return found


def boolean_spellings(counts: Counter) -> list[str]:
    """[true, false] as most often written; the other side's pair when one is missing."""
    trues = Counter({v: n for v, n in counts.items() if v.lower() in P.TRUE_TOKENS})
    falses = Counter({v: n for v, n in counts.items() if v.lower() in P.FALSE_TOKENS})
    true = _most_common(trues)
    false = _most_common(falses)
    if true is None and false is None:
        return ["true", "false"]
    if true is None:
        true = _same_case(next(t for t, f in _PAIRS.items() if f == false.lower()), false)
    if false is None:
        false = _same_case(_PAIRS[true.lower()], true)
    return [true, false]


def _most_common(counts: Counter) -> str | None:
    # Ties go to the first in sorted order, so the choice does not depend on Spark's order.
    return min(counts, key=lambda v: (-counts[v], v)) if counts else None


def _same_case(word: str, like: str) -> str:
    if like.isupper():
        return word.upper()
    if like[:1].isupper():
        return word.capitalize()
    return word


def date_text_format(parse_format: str, shapes: Counter) -> str:
    """The written pattern of a date column parsed with `parse_format`.

    Prepare parses leniently (`d/M/yyyy` reads `5/1/2024` and `05/01/2024`); the CSV
    writes day and month with two digits when every value had two."""
    padded = bool(shapes) and all(_date_padded(shape) for shape in shapes)
    if not padded or not re.fullmatch(r"[dMy./\-, 年月日년월일]+", parse_format):
        return parse_format
    return re.sub(r"(?<!d)d(?!d)", "dd", re.sub(r"(?<!M)M(?!M)", "MM", parse_format))


def clock_text_format(parse_format: str, clock: Clock, shapes: Counter) -> str:
    """The written pattern of named dates with a time (`d MMM yyyy H:mm`, read with
    `clock`): the date's as date_text_format writes it, and the time's
    as time_text_format does, each from its part of the shapes."""
    date_format = parse_format[: -len(clock.separator + clock.time_format)]
    dates, times = Counter(), Counter()
    for shape, count in shapes.items():
        parts = re.match(r"^(.*?)(,? )(9{1,2}:99.*)$", shape)
        if parts:
            dates[parts[1]] += count
            times[parts[3]] += count
    twelve = clock.time_format.endswith(" a")
    date = date_text_format(date_format, dates)
    return date + clock.separator + time_text_format(times, twelve=twelve)


def fraction_text_format(parse_format: str, shapes: Counter) -> str:
    """The written pattern of values parsed with `parse_format`, whose fraction of a
    second is read with 9 S (1 to 9 digits): as many digits as the most common shape."""
    digits = re.search(r"\.(9+)\D*$", _most_common(shapes) or "")
    return parse_format.replace("S" * 9, "S" * len(digits[1]) if digits else "SSSSSS")


def zoned_text_format(shapes: Counter) -> str:
    """The written pattern of e-mail's and HTTP's timestamps (read with
    P.MON_ZONE_FORMAT): the day with two digits when every value had two; GMT when every
    value was in GMT, else the offset, +0000 (the values are UTC instants)."""
    day = "dd" if shapes and all(re.match(r"99\D", shape) for shape in shapes) else "d"
    zone = "'GMT'" if shapes and all(shape.endswith("GMT") for shape in shapes) else "xx"
    return f"{day} MMM yyyy HH:mm:ss {zone}"


def month_case(shapes: Counter) -> str | None:
    """ "upper" when every shape writes its month's name (or its AM and PM) in capitals
    (99-MAR-99), "lower" when in small letters; None otherwise (Mar, March; no name; a
    mix)."""
    letters = ["".join(filter(str.isalpha, shape)) for shape in shapes]
    if not letters or not all(letters):
        return None
    if all(word.isupper() for word in letters):
        return "upper"
    if all(word.islower() for word in letters):
        return "lower"
    return None


def _date_padded(shape: str) -> bool:
    parts = [p for p in re.split(r"[./\-, 年月日년월일]", shape) if p]
    return all(len(p) >= 2 for p in parts)


def numeric_timestamp_text_format(parse_format: str, shapes: Counter) -> str:
    """The written pattern of a timestamp parsed with `d/M/yyyy H:mm[:ss]` (or month
    first), or `M/d/yyyy h:mm[:ss] a` (a 12-hour clock): day, month and hour with two
    digits when every value had two; seconds when the most common shape has them."""
    date_format = parse_format.partition(" ")[0]
    dates, times = Counter(), Counter()
    for shape, count in shapes.items():
        date, _, time = shape.partition(" ")
        dates[date] += count
        times[time] += count
    time_format = time_text_format(times, twelve=parse_format.endswith(" a"))
    return f"{date_text_format(date_format, dates)} {time_format}"


def time_text_format(shapes: Counter, *, twelve: bool = False) -> str:
    """The written pattern of a time of day (99:99, 9:99:99, 9:99 PM with `twelve`, a
    12-hour clock, or 99h99 as French writes it): the hour with two digits when every
    value had two; seconds when the most common shape has them."""
    if shapes and all("h" in shape for shape in shapes):
        return ("HH" if all(shape.find("h") == 2 for shape in shapes) else "H") + "'h'mm"
    padded = shapes and all(shape.find(":") in (-1, 2) for shape in shapes)
    seconds = ":ss" if (_most_common(shapes) or "").count(":") == 2 else ""
    written = f"{'HH' if padded else 'H'}:mm{seconds}"
    return P.twelve_hour(written) if twelve else written


def timestamp_text_format(shapes: Counter) -> str:
    """The written pattern of the most common timestamp shape (ISO 8601 or its space
    form, as Prepare reads timestamps); the full ISO form when no shape fits."""
    shape = _most_common(shapes) or ""
    match = _TIMESTAMP_SHAPE.match(shape)
    if match is None:
        return "yyyy-MM-dd'T'HH:mm:ss"
    parts = match.groupdict()
    pattern = "yyyy-" + ("MM" if len(parts["month"]) == 2 else "M")
    pattern += "-" + ("dd" if len(parts["day"]) == 2 else "d")
    pattern += "'T'" if parts["sep"] == "T" else " "
    pattern += ("HH" if len(parts["hour"]) == 2 else "H") + ":mm"
    if parts["seconds"]:
        pattern += ":ss"
    if parts["fraction"]:
        pattern += "." + "S" * (len(parts["fraction"]) - 1)
    return pattern + _zone_text_format(parts["zone"] or "")


def _zone_text_format(zone: str) -> str:
    """The written pattern of a timestamp's zone (` UTC`, `Z`, `+99:99`, ` +9999`, `+99`).
    The cleaned values are UTC: an offset is written as +00:00 (the same instant)."""
    space, zone = " " if zone.startswith(" ") else "", zone.strip()
    if zone in ("Z", "UTC", "GMT"):
        return f"{space}'{zone}'"
    if not zone:
        return ""
    return space + ("xxx" if ":" in zone else "xx" if len(zone) == 5 else "x")
