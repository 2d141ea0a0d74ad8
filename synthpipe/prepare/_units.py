"""Numbers written with a unit: a currency (`$1,234.50`, `12,50 €`, `EUR 12.50`), a
percent sign (`3.97%`), a unit of measure after it (`14,5 °C`, `72.5 kg`), an
accountant's parentheses for negatives (`(413.89)`), or a minus after the number, as SAP
exports write it (`1.234,56-`), or the minus sign U+2212 that Nordic and other locales'
number formats write (`−1 234,56`).

Spreadsheets and bank exports write amounts this way. Read as text, such a column is a
category of thousands of values, or an identifier (one distinct value per row), and is
dropped or learned as noise. Where every non-empty value of a column is a number with the
same unit, Prepare strips the unit before typing the column, models the number, and the
published CSV writes the unit back (`ColumnSchema.number_form`, `negative_form`).

Only the closed lists below are units, so a code with a letter prefix (`C1093826151`)
never loses its letters and stays what it was.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from synthpipe.prepare._protect import count_if

# Units: currency symbols and ISO 4217 codes, and after a number also `%`, `‰` and units
# of measure (MEASURES).
CURRENCIES = frozenset(
    {
        *("$", "€", "£", "¥", "₹", "₽", "₩", "₺", "₪", "₫", "₴", "฿", "₦"),
        *("US$", "R$", "A$", "C$", "NZ$", "HK$", "S$", "kr", "zł", "Kč", "Ft"),
        *("CHF", "EUR", "USD", "GBP", "JPY", "CNY", "SEK", "NOK", "DKK", "PLN", "CZK", "HUF"),
        *("CAD", "AUD", "NZD", "INR", "BRL", "ZAR", "MXN", "RUB", "TRY", "KRW", "SGD", "HKD"),
        *("RON", "BGN", "ISK", "ILS", "AED", "SAR"),
    }
)
# Units of measure, after a number (`14,5 °C`, `72.5 kg`, `3.2 GB`, `120 km/h`), as
# sensor, logistics and billing exports write them: a closed list, as currencies are.
MEASURES = frozenset(
    {
        *("°C", "°F", "°", "K", "kg", "g", "mg", "t", "lb", "lbs", "oz"),
        *("km", "m", "cm", "mm", "mi", "ft", "in", "m²", "m2", "km²", "ha", "m³", "m3"),
        *("l", "L", "ml", "mL", "cl", "dl", "gal"),
        *("h", "min", "s", "ms", "µs", "d", "wk"),
        *("km/h", "mph", "m/s", "kn"),
        *("W", "kW", "MW", "kWh", "MWh", "V", "kV", "mA", "Hz", "kHz", "MHz", "GHz"),
        *("B", "KB", "kB", "MB", "GB", "TB", "KiB", "MiB", "GiB", "TiB"),
        *("bar", "hPa", "kPa", "psi", "Pa", "dB", "kcal", "cal", "J", "kJ"),
    }
)
SUFFIXES = CURRENCIES | {"%", "‰"} | MEASURES
_SPACES = " \u00a0\u202f"
# Java regex (it runs inside Spark). A prefix or suffix is any 1-4 marks that are not
# digits, signs or separators: the column's one form is then checked against the lists
# above in Python, which keeps the expression run on every cell short.
# (1 "(")(2 sign)(3 prefix)(4 the number, its own sign and digit groups)(5 a minus
# after it, as SAP writes 1.234,56-)(6 suffix)(7 ")")
MINUS = "\u2212"
_MARKS = rf"[^\d\s()+\-{MINUS}.,'\u00a0\u202f]{{1,4}}"
UNIT_NUMBER = (
    rf"^(\()?([+\-{MINUS}]?)({_MARKS}[{_SPACES}]?)?"
    rf"([+\-{MINUS}]?\d(?:[\d.,'\u00a0\u202f ]*\d)?[.,]?)(-?)"
    rf"([{_SPACES}]?{_MARKS})?(\))?$"
)


def unit_exprs(c: Column, n: Column) -> dict[str, Column]:
    """Aggregates over one column's distinct strings `c`, each held by `n` rows, that
    tell whether it holds numbers with a unit (see `found_unit`); part of Prepare's one
    profiling pass, so one regular expression per value: a value's form is its unit
    around `{}` (`$6,179.22`: `${}`), and a value that is not a number with a unit keeps
    its own text."""

    # A cell of digits and separators alone is a bare number: no expression to run.
    bare = F.translate(c, "0123456789.,", "") == ""
    form = F.when(bare, F.lit("{}")).otherwise(F.regexp_replace(c, UNIT_NUMBER, "$3{}$6"))
    opened, closed = c.startswith("("), c.endswith(")")
    return {
        "unit_form_min": F.min(form),
        "unit_form_max": F.max(form),
        "unit_parens": count_if(opened, n),
        "unit_half_parens": count_if(opened != closed, n),
        "unit_sign_outside": count_if(c.startswith("-"), n),
        "unit_sign_trailing": count_if(c.endswith("-"), n),
        "unit_sign_inside": count_if(c.contains("-") & ~c.startswith("-") & ~c.endswith("-"), n),
        "unit_minus_sign": count_if(c.contains(MINUS), n),
        "unit_minus_outside": count_if(c.startswith(MINUS), n),
    }


@dataclass(frozen=True)
class Unit:
    """How a column writes its numbers: `{}` stands for the number without its sign."""

    number_form: str  # "${}", "{}%", "{} €", "{}" (parentheses or a minus after alone)
    negative_form: str  # "-${}", "$-{}", "({})", "(${})", "{}-", "−{}" (U+2212)


def found_unit(values: dict) -> Unit | None:
    """The unit every non-empty value is written with, or None: no unit, more than one
    (`$` beside `€`, or beside none), a value that is not a number with a unit (its form
    is its own text), or a parenthesis left open."""
    form = values["unit_form_min"]
    if not values["non_null"] or form != values["unit_form_max"] or "{}" not in form:
        return None
    prefix, _, suffix = form.partition("{}")
    prefix, suffix = prefix.rstrip(_SPACES), suffix.lstrip(_SPACES)
    if prefix not in CURRENCIES | {""} or suffix not in SUFFIXES | {""}:
        return None  # C1093826151: a code's letter, not a unit
    parens, trailing = bool(values["unit_parens"]), bool(values["unit_sign_trailing"])
    minus = bool(values["unit_minus_sign"])
    if values["unit_half_parens"] or (form == "{}" and not (parens or trailing or minus)):
        return None
    ascii_minus = values["unit_sign_outside"] or values["unit_sign_inside"]
    if minus and (parens or trailing or ascii_minus):
        return None  # −5 beside -5 or (5): two ways of writing a negative, kept as text
    if minus and values["unit_minus_outside"]:
        negative = MINUS + form  # −5 kr, −$5.00
    elif minus:
        negative = form.replace("{}", MINUS + "{}")  # $−5.00
    elif parens:
        negative = f"({form})"
    elif trailing:
        negative = form.replace("{}", "{}-")  # 1.234,56-
    elif values["unit_sign_inside"] and not values["unit_sign_outside"]:
        negative = form.replace("{}", "-{}")  # $-5.00
    else:
        negative = f"-{form}"  # -$5.00, and the form for a column without negatives
    return Unit(number_form=form, negative_form=negative)


def without_units(strings: DataFrame, units: dict[str, Unit]) -> DataFrame:
    """`strings` with the numbers of `units`' columns bare (`-413.89`, `6,179.22`); the
    same frame when no column has a unit."""
    if not units:
        return strings
    return strings.select(
        *[
            _bare(F.col(f"`{n}`")).alias(n) if n in units else F.col(f"`{n}`")
            for n in strings.columns
        ]
    )


def _bare(c: Column) -> Column:
    number = F.translate(F.regexp_extract(c, UNIT_NUMBER, 4), MINUS, "-")
    negative = (
        (F.regexp_extract(c, UNIT_NUMBER, 1) == "(")
        | F.regexp_extract(c, UNIT_NUMBER, 2).isin("-", MINUS)
        | (F.regexp_extract(c, UNIT_NUMBER, 5) == "-")
    )
    return F.when(negative, F.concat(F.lit("-"), number)).otherwise(number)
