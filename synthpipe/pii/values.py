"""Value-level checks: does one cell, taken whole, hold an entity?

Each check answers at two levels:

* strict: the value alone is evidence (a checksum or a format that ids, amounts and codes
  do not share): Luhn + issuer prefix + length for cards, mod-97 for IBANs, e-mail syntax,
  valid *and formatted* phone numbers, IP addresses, AWS key ids, national and tax ids whose
  python-stdnum module checks a checksum or a distinctive format.
* loose: the value is shaped like the type; it counts only when the column name points at
  the type (a 9-digit number is an SSN only in a column called 'ssn').

Checks that cannot be made from the value (names, dates of birth, passport and bank account
numbers) are loose only. A street address is strict when a street word stands beside a
house number; `address_parts` gives the shape that the column rule judges without one.
Cheap gates (digit count, '@', length) run before any library call.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import email_validator
import phonenumbers
from stdnum import iban as stdnum_iban
from stdnum import luhn
from stdnum import mac as stdnum_mac
from stdnum.at import vnr as at_vnr
from stdnum.be import nn as be_nn
from stdnum.bg import egn as bg_egn
from stdnum.br import cpf as br_cpf
from stdnum.ca import sin as ca_sin
from stdnum.ch import ssn as ch_ssn
from stdnum.cl import rut as cl_rut
from stdnum.cn import ric as cn_ric
from stdnum.cz import rc as cz_rc
from stdnum.de import idnr as de_idnr
from stdnum.dk import cpr as dk_cpr
from stdnum.ee import ik as ee_ik
from stdnum.es import dni as es_dni
from stdnum.es import nie as es_nie
from stdnum.exceptions import InvalidComponent
from stdnum.fi import hetu as fi_hetu
from stdnum.fr import nif as fr_nif
from stdnum.fr import nir as fr_nir
from stdnum.gb import utr as gb_utr
from stdnum.gr import amka as gr_amka
from stdnum.hr import oib as hr_oib
from stdnum.ie import pps as ie_pps
from stdnum.in_ import aadhaar as in_aadhaar
from stdnum.it import codicefiscale as it_cf
from stdnum.kr import rrn as kr_rrn
from stdnum.lv import pvn as lv_pvn
from stdnum.mx import curp as mx_curp
from stdnum.mx import rfc as mx_rfc
from stdnum.nl import bsn as nl_bsn
from stdnum.no import fodselsnummer as no_fnr
from stdnum.pl import pesel as pl_pesel
from stdnum.pt import cc as pt_cc
from stdnum.pt import nif as pt_nif
from stdnum.ro import cnp as ro_cnp
from stdnum.ru import inn as ru_inn
from stdnum.se import personnummer as se_pnr
from stdnum.si import emso as si_emso
from stdnum.th import pin as th_pin
from stdnum.tr import tckimlik as tr_tckimlik
from stdnum.ua import rntrc as ua_rntrc
from stdnum.us import itin as us_itin
from stdnum.us import ssn as us_ssn
from stdnum.za import idnr as za_idnr

from synthpipe.pii import entities as E
from synthpipe.schema import (
    FULL_WIDTH_OFFSET,
    MONTH_ABBREVIATIONS_BY_LANGUAGE,
    MONTH_NAMES,
    MONTH_NAMES_BY_LANGUAGE,
    NULL_TOKENS,
)

_NON_DIGIT = re.compile(r"\D+")
_SEPARATORS = re.compile(r"[\s\-./]+")
_LETTER = re.compile(r"[^\W\d_]")

# Dates in the shapes CSV files carry them; also used to keep dates out of phone numbers.
_DATE_SHAPES = (
    re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?Z?"),
    re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})"),
    re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{2})"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
)
_MONTH_WORD_DATE = re.compile(
    r"(?:\d{1,2}\.?\s+[^\W\d_]{3,12}\.?,?\s+\d{4})|(?:[^\W\d_]{3,12}\.?\s+\d{1,2},?\s+\d{4})"
)


# Full-width forms (U+FF01 to U+FF5E: ０-９, Ａ-Ｚ, ＠, －; U+3000, the ideographic
# space), as Japanese, Chinese and Korean input methods type digits and Latin letters,
# and the digits of other scripts (Arabic-Indic ٠١٢, Persian ۰۱۲, Devanagari ०१२, Thai
# ๐๑๒...): read as the ASCII characters they stand for, one for one, so that a position
# in a cell stays where it was (cells.mask_text masks the cell as written).
_PLAIN = (
    {code + FULL_WIDTH_OFFSET: code for code in range(0x21, 0x7F)}
    | {0x3000: 0x20}
    | {
        code: ord("0") + unicodedata.digit(chr(code))
        for code in range(0x80, 0x10000)
        if unicodedata.category(chr(code)) == "Nd"
    }
)


def plain_forms(text: str) -> str:
    """`text` with its full-width characters and other scripts' digits read as ASCII."""
    return text if text.isascii() else text.translate(_PLAIN)


# An e-mail address written to escape harvesters: `jane [at] example [dot] com`,
# `jane(at)example.com`.
_SPELLED_AT = re.compile(r"\s*[\[({]\s*at\s*[\])}]\s*", re.IGNORECASE)
_SPELLED_DOT = re.compile(r"\s*[\[({]\s*dot\s*[\])}]\s*", re.IGNORECASE)


def _unspelled(text: str) -> str:
    """`text` with a spelled-out @ (and its dots) written as one; as it was without."""
    if not _SPELLED_AT.search(text):
        return text
    return _SPELLED_DOT.sub(".", _SPELLED_AT.sub("@", text))


def normalise(value: object) -> str | None:
    """A cell as text: None for nulls and null tokens, surrounding quotes removed,
    full-width characters and other scripts' digits read as ASCII (`plain_forms`), a
    spelled-out @ as one (`jane [at] example [dot] com`)."""
    if value is None:
        return None
    if isinstance(value, float) and value != value:  # NaN
        return None
    text = _unspelled(plain_forms(str(value).strip()))
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1].strip()
    if text.lower() in NULL_TOKENS:
        return None
    return text


# --- credit cards ---------------------------------------------------------------------

_CARD_SHAPE = re.compile(r"\d(?:[ \-]?\d){11,18}")


def _issuer_fits(digits: str) -> bool:
    """Issuer prefix and length (ISO/IEC 7812 ranges of the major networks)."""
    n = len(digits)
    p2, p4, p6 = int(digits[:2]), int(digits[:4]), int(digits[:6])
    if digits[0] == "4":  # Visa
        return n in (13, 16, 19)
    if 51 <= p2 <= 55 or 2221 <= p4 <= 2720 or 2200 <= p4 <= 2204:  # Mastercard, Mir
        return n == 16
    if p2 in (34, 37):  # American Express
        return n == 15
    if p4 in (2131, 1800):  # JCB 15
        return n == 15
    if p2 == 35:  # JCB (3528-3589 officially; generators and test data use all of 35)
        return 16 <= n <= 19
    if 300 <= p6 // 1000 <= 305 or p2 in (36, 38, 39) or p4 == 3095:  # Diners
        return 14 <= n <= 19
    if p4 == 6011 or 644 <= p6 // 1000 <= 649 or p2 == 65:  # Discover
        return 16 <= n <= 19
    if p2 == 50 or 56 <= p2 <= 69 or p4 == 604:  # Maestro (0604 too), UnionPay, debit
        return 12 <= n <= 19
    return False


def is_card(value: str) -> bool:
    if not _CARD_SHAPE.fullmatch(value):
        return False
    digits = _NON_DIGIT.sub("", value)
    return _issuer_fits(digits) and luhn.is_valid(digits)


# --- IBAN, bank accounts -------------------------------------------------------------

_IBAN_SHAPE = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}")
_BANK_ACCOUNT_SHAPE = re.compile(r"[A-Z0-9]{6,34}")


# Countries whose banks write IBANs that SWIFT's registry (and so python-stdnum's) does not
# list yet: Iran's, and those of Nordea's list of IBANs outside the registry.
_IBAN_OUTSIDE_REGISTRY = frozenset(
    {"IR", "DZ", "AO", "BJ", "BF", "BI", "CM", "CV", "CF", "TD", "KM", "CG", "CI", "DJ", "GQ",
     "GA", "GW", "HN", "MA", "MG", "ML", "NE", "SN", "TG"}
)  # fmt: skip


def is_iban(value: str) -> bool:
    compact = value.replace(" ", "").replace("-", "").upper()
    if not _IBAN_SHAPE.fullmatch(compact):
        return False
    try:
        stdnum_iban.validate(compact)
    except InvalidComponent:  # the checksum holds, the country is not in the registry
        return compact[:2] in _IBAN_OUTSIDE_REGISTRY
    except ValueError:  # stdnum's ValidationErrors
        return False
    return True


def looks_like_bank_account(value: str) -> bool:
    """Mostly digits (BBANs carry a few letters: 'NWBK60161331926819'), 6 to 34 long."""
    compact = _SEPARATORS.sub("", value).upper()
    if not _BANK_ACCOUNT_SHAPE.fullmatch(compact):
        return False
    digits = sum(c.isdigit() for c in compact)
    return digits >= 6 and digits >= 0.6 * len(compact)


# --- e-mail -----------------------------------------------------------------------------

_EMAIL_SHAPE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]{2,}")


@lru_cache(maxsize=16384)
def is_email(value: str) -> bool:
    if not _EMAIL_SHAPE.fullmatch(value):
        return False
    try:
        # No DNS: deliverability checks would reach the network.
        email_validator.validate_email(value, check_deliverability=False)
    except email_validator.EmailNotValidError:
        return False
    return True


# --- phone numbers ----------------------------------------------------------------------

_PHONE_SHAPE = re.compile(
    r"(?:\+|00)?[\d\s().\-/]{6,24}?(?:\s*(?:x|ext\.?|#)\s*\d{1,6})?", re.IGNORECASE
)
_PHONE_EXTENSION = re.compile(r"\s*(?:x|ext\.?|#)\s*\d{1,6}$", re.IGNORECASE)
# North American shape: (733)874-0681, 733-874-0681, 733.874.0681.
_NANP_SHAPE = re.compile(r"(?:1[\s.\-]?)?\(?[2-9]\d{2}\)?[\s.\-]?[2-9]\d{2}[\s.\-]\d{4}")
# Mobile numbers without a trunk prefix (ES '612 345 678', IT '312 345 6789'). Dashes are
# left out: '123-45-6789' is how SSNs are written.
# Decimals (amounts, coordinates) and dotted quads (IPs, versions) are not phone numbers.
_NOT_PHONE_SHAPE = re.compile(r"-?\d+[.,]\d+|\d{1,3}(?:\.\d{1,3}){2,3}")
_BARE_TRUNK = re.compile(r"0[1-9]\d{8,9}")
# China's mobile numbers, as Chinese systems store them: eleven bare digits, 13x to 19x.
# Eleven-digit ids start so one time in thirteen; a column of them is phone numbers.
_BARE_CN_MOBILE = re.compile(r"1[3-9]\d{9}")
_GROUPED = re.compile(r"\d{3}(?:[\s.]\d{2,4}){2,3}")


@dataclass(frozen=True)
class PhoneCheck:
    strict: bool
    possible: bool


_NOT_PHONE = PhoneCheck(False, False)


def _is_date_like(value: str) -> bool:
    return any(shape.fullmatch(value) for shape in _DATE_SHAPES[:3])


def _national_format_ok(main: str) -> bool:
    """A national number written the way people write them: with its trunk prefix, an
    area code in brackets, the North American 3-3-4 grouping, or in digit groups."""
    if main.startswith("0") or main.startswith("("):
        return True
    return bool(_NANP_SHAPE.fullmatch(main) or _GROUPED.fullmatch(main))


@lru_cache(maxsize=64)
def _trunk_prefixes(regions: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """The regions of `regions` by their national (trunk) prefix, where it is not 0
    (Russia's 8), from phonenumbers' data. North America's 1 is left out: its numbers
    are told by their shape (_NANP_SHAPE)."""
    by_prefix: dict[str, list[str]] = {}
    for region in regions:
        metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
        prefix = metadata.national_prefix if metadata is not None else None
        if prefix and prefix not in ("0", "1"):
            by_prefix.setdefault(prefix, []).append(region)
    return {prefix: tuple(found) for prefix, found in by_prefix.items()}


def _trunk_regions(main: str, regions: tuple[str, ...]) -> tuple[str, ...]:
    """The regions whose trunk prefix starts `main`, followed by a space, a dash or a
    bracket ('8 (495) 123-45-67'): the number is then checked in those only."""
    for prefix, found in _trunk_prefixes(regions).items():
        if main.startswith(prefix) and main[len(prefix) : len(prefix) + 1] in (" ", "-", "("):
            return found
    return ()


@lru_cache(maxsize=16384)
def check_phone(
    value: str,
    regions: tuple[str, ...] = E.DEFAULT_PHONE_REGIONS,
    want_possible: bool = False,
) -> PhoneCheck:
    """Strict: valid and written like a phone number. Possible (computed only when
    `want_possible`, it costs a parse per region): the right length somewhere."""
    if (
        not _PHONE_SHAPE.fullmatch(value)
        or _is_date_like(value)
        or _NOT_PHONE_SHAPE.fullmatch(value)
    ):
        return _NOT_PHONE
    main = _PHONE_EXTENSION.sub("", value).strip()
    digits = _NON_DIGIT.sub("", main)
    if not 7 <= len(digits) <= 15:
        return _NOT_PHONE
    if main.startswith("+") or (main.startswith("00") and main != digits):
        # A leading '+' is how people write phone numbers, and ids never start with one:
        # a possible number (right length for its country code) is enough.
        number = _parse_phone("+" + main[2:] if main.startswith("00") else main, None)
        if number is None or not phonenumbers.is_possible_number(number):
            return _NOT_PHONE
        return PhoneCheck(len(digits) >= 8, True)
    # Written national numbers, or bare ones with their trunk prefix ('0658156593').
    formatted = (main != digits and _national_format_ok(main)) or bool(_BARE_TRUNK.fullmatch(main))
    trunk = () if formatted or main == digits else _trunk_regions(main, regions)
    if trunk:
        regions, formatted = trunk, True
    if _BARE_CN_MOBILE.fullmatch(main):
        number = _parse_phone(main, "CN")
        if number is not None and phonenumbers.is_valid_number(number):
            return PhoneCheck(True, True)
    formatted = formatted and len(digits) >= 8
    if not formatted and not want_possible:
        return _NOT_PHONE
    possible = False
    for region in regions:
        number = _parse_phone(main, region)
        if number is None or (trunk and str(number.national_number) == digits):
            continue  # the trunk prefix was read as the number's first digit
        if formatted and phonenumbers.is_valid_number(number):
            return PhoneCheck(True, True)
        possible = possible or phonenumbers.is_possible_number(number)
        if possible and not formatted:
            break
    return PhoneCheck(False, possible)


def _parse_phone(text: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None


# --- IP addresses, AWS credentials --------------------------------------------------------

_IPV4_SHAPE = re.compile(r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}")
_AWS_KEY_ID = re.compile(r"(?:AKIA|ASIA)[A-Z0-9]{16}")
_BASE64_40 = re.compile(r"[A-Za-z0-9/+]{40}")


# Six pairs of hex digits joined by one separator, colons or dashes (d0:50:99:84:a2:a0).
MAC_SHAPE = re.compile(r"[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2}){4}")


def is_mac(value: str) -> bool:
    """A MAC address in its usual written form, whatever its maker: random and locally
    administered addresses (as phones use) name no manufacturer."""
    return bool(MAC_SHAPE.fullmatch(value)) and _safe(
        lambda v: stdnum_mac.validate(v, validate_manufacturer=False), value
    )


# A VIN: 17 letters and digits, never I, O or Q (ISO 3779).
_VIN_SHAPE = re.compile(r"[A-HJ-NPR-Z0-9]{17}")
_VIN_VALUES = {str(d): d for d in range(10)} | dict(
    zip("ABCDEFGHJKLMNPRSTUVWXYZ", (1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 7, 9, 2, 3, 4, 5, 6, 7,
                                   8, 9), strict=True)
)  # fmt: skip
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def is_vin(value: str) -> bool:
    """A VIN whose ninth character is its check digit (North America's rule, which many
    makers elsewhere follow too): one random code in eleven passes. VINs without one
    (most of Europe's) are VIN-shaped only, which a column name has to confirm."""
    if not looks_like_vin(value):
        return False
    compact = value.upper()
    total = sum(_VIN_VALUES[c] * w for c, w in zip(compact, _VIN_WEIGHTS, strict=True))
    return compact[8] == ("X" if total % 11 == 10 else str(total % 11))


def looks_like_vin(value: str) -> bool:
    """17 of a VIN's characters, letters and digits both."""
    compact = value.upper()
    return bool(_VIN_SHAPE.fullmatch(compact)) and not (compact.isdigit() or compact.isalpha())


def is_ip(value: str) -> bool:
    if not (_IPV4_SHAPE.fullmatch(value) or (":" in value and value.count(":") >= 2)):
        return False
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def is_aws_key_id(value: str) -> bool:
    return bool(_AWS_KEY_ID.fullmatch(value))


def looks_like_aws_secret(value: str) -> bool:
    """40 base64 characters with upper, lower case and digits (a sha1 hex has no upper)."""
    if not _BASE64_40.fullmatch(value):
        return False
    return (
        any(c.isupper() for c in value)
        and any(c.islower() for c in value)
        and any(c.isdigit() for c in value)
    )


# --- national and tax ids -----------------------------------------------------------------


@dataclass(frozen=True)
class IdScheme:
    label: str
    lengths: tuple[int, ...]  # of the compact value
    entity_type: str
    shape: re.Pattern[str]  # on the compact value (no spaces, dashes, dots; upper case)
    is_valid: Callable[[str], bool]
    strict: bool  # False: format only, needs a name hint


def _always(_: str) -> bool:
    return True


def _cn_ric(number: str) -> bool:
    """China's resident identity card by its check digit and birth date. stdnum's own
    check also looks the birth place up in its list of counties, which lacks codes that
    were retired or recoded since a number was issued: 266 of Faker's 400 failed it (or
    raised), and a column of them was kept as a category."""
    return number[-1] == cn_ric.calc_check_digit(number) and bool(cn_ric.get_birth_date(number))


def _ru_snils(number: str) -> bool:
    """Russia's SNILS (pension insurance number, 123-456-789 01): nine digits weighted
    9 to 1, their sum mod 101 (100 as 00) is the last two. Numbers up to 001-001-998
    were issued without a check, and are not read as one."""
    body = number[:9]
    if int(body) <= 1_001_998:
        return False
    total = sum(int(digit) * weight for digit, weight in zip(body, range(9, 0, -1), strict=True))
    return total % 101 % 100 == int(number[9:])


# Taiwan's national id: a letter for the place of first registration, read as the
# number at its index plus 10 (A is 10, I is 34: the letters in the order of their codes).
_TW_LETTERS = "ABCDEFGHJKLMNPQRSTUVXYWZIO"


def _tw_id(number: str) -> bool:
    """Taiwan's national identification card number (A123456789): the letter's two
    digits and the nine that follow, weighted 1, 9, 8 ... 1, 1, sum to a multiple of 10."""
    code = _TW_LETTERS.index(number[0]) + 10
    digits = [code // 10, code % 10, *map(int, number[1:])]
    weights = (1, 9, 8, 7, 6, 5, 4, 3, 2, 1, 1)
    return sum(d * w for d, w in zip(digits, weights, strict=True)) % 10 == 0


# Hungary's personal number: its first digit gives the century of the birth date that
# follows (1-2: 1900s, 3-4: 2000s, 5-6: 1800s, 7-8: born abroad, 1900s).
_HU_CENTURY = {"1": 1900, "2": 1900, "3": 2000, "4": 2000, "5": 1800, "6": 1800, "7": 1900,
               "8": 1900}  # fmt: skip


def _hu_personal(number: str) -> bool:
    """Hungary's személyi szám (1 850101 1234): a sex and century digit, a birth date
    (YYMMDD), a serial and a check digit: the first ten digits weighted 1 to 10 (born
    before 1997) or 10 to 1, mod 11."""
    year = _HU_CENTURY[number[0]] + int(number[1:3])
    try:
        date(year, int(number[3:5]), int(number[5:7]))
    except ValueError:
        return False
    digits = [int(d) for d in number[:10]]
    check = int(number[10])
    ordinal = sum(d * w for d, w in zip(digits, range(1, 11), strict=True)) % 11
    reverse = sum(d * w for d, w in zip(digits, range(10, 0, -1), strict=True)) % 11
    return check in (ordinal, reverse)


# Finland's henkilötunnus: a birth date, the century sign, a serial and a check character.
# Since 2023 the 1900s may also be signed U to Y and the 2000s B to F, which python-stdnum
# (2.2) does not know; the check character does not depend on the sign.
_HETU = re.compile(r"\d{6}[-+A-FU-Y]\d{3}[0-9A-Y]")
_HETU_SIGNS = str.maketrans("UVWXYBCDEF", "-----AAAAA")


def _fi_hetu(number: str) -> bool:
    """Temporary ids (serials 900-999) too: they are a person's as much."""
    signed = number[:6] + number[6].translate(_HETU_SIGNS) + number[7:]
    return fi_hetu.is_valid(signed, allow_temporary=True)


_CF_DIGIT = "[0-9LMNPQRSTUV]"
_CODICE_FISCALE = re.compile(
    rf"[A-Z]{{6}}{_CF_DIGIT}{{2}}[A-Z]{_CF_DIGIT}{{2}}[A-Z]{_CF_DIGIT}{{3}}[A-Z]"
)
_CURP = re.compile(r"[A-Z]{4}\d{6}[A-Z]{6}[A-Z0-9]\d")

ID_SCHEMES: tuple[IdScheme, ...] = (
    # UK National Insurance number: two letters, six digits, a letter. Not only HMRC's
    # allowed letters (suffix A to D): its placeholders (ZZ 12 34 56 T, as Faker writes
    # every NINO) stand for a person's number too, in a shape few codes share.
    IdScheme("gb.nino", (9,), E.NATIONAL_ID, re.compile(r"[A-Z]{2}\d{6}[A-Z]"), _always, True),
    IdScheme("gb.nino-bare", (8,), E.NATIONAL_ID, re.compile(r"[A-Z]{2}\d{6}"), _always, False),
    IdScheme("us.ssn", (9,), E.NATIONAL_ID, re.compile(r"\d{9}"), us_ssn.is_valid, False),
    IdScheme("us.itin", (9,), E.TAX_ID, re.compile(r"9\d{8}"), us_itin.is_valid, False),
    IdScheme(
        "fr.nir", (15,), E.NATIONAL_ID, re.compile(r"[12]\d{4}[0-9AB]\d{9}"), fr_nir.is_valid, True
    ),
    IdScheme("fr.nif", (13,), E.TAX_ID, re.compile(r"[0-3]\d{12}"), fr_nif.is_valid, True),
    IdScheme("es.dni", (9,), E.NATIONAL_ID, re.compile(r"\d{8}[A-Z]"), es_dni.is_valid, True),
    IdScheme("es.nie", (9,), E.NATIONAL_ID, re.compile(r"[XYZ]\d{7}[A-Z]"), es_nie.is_valid, True),
    IdScheme("it.codicefiscale", (16,), E.TAX_ID, _CODICE_FISCALE, it_cf.is_valid, True),
    IdScheme("de.idnr", (11,), E.TAX_ID, re.compile(r"[1-9]\d{10}"), de_idnr.is_valid, True),
    IdScheme("nl.bsn", (9,), E.NATIONAL_ID, re.compile(r"\d{9}"), nl_bsn.is_valid, True),
    IdScheme("be.nn", (11,), E.NATIONAL_ID, re.compile(r"\d{11}"), be_nn.is_valid, True),
    IdScheme("pl.pesel", (11,), E.NATIONAL_ID, re.compile(r"\d{11}"), pl_pesel.is_valid, True),
    IdScheme(
        "pt.cc", (12,), E.NATIONAL_ID, re.compile(r"\d{9}[A-Z0-9]{2}\d"), pt_cc.is_valid, True
    ),
    IdScheme("pt.nif", (9,), E.TAX_ID, re.compile(r"[125689]\d{8}"), pt_nif.is_valid, True),
    IdScheme("ch.ssn", (13,), E.NATIONAL_ID, re.compile(r"756\d{10}"), ch_ssn.is_valid, True),
    IdScheme("at.vnr", (10,), E.NATIONAL_ID, re.compile(r"\d{10}"), at_vnr.is_valid, True),
    IdScheme(
        "se.pnr", (10, 12), E.NATIONAL_ID, re.compile(r"\d{10}|\d{12}"), se_pnr.is_valid, True
    ),
    IdScheme("dk.cpr", (10,), E.NATIONAL_ID, re.compile(r"\d{10}"), dk_cpr.is_valid, True),
    IdScheme("fi.hetu", (11,), E.NATIONAL_ID, _HETU, _fi_hetu, True),
    # Latvia's personas kods (its first digit 0-3: a birth date, or 32 for the codes
    # issued since 2017), which stdnum's VAT module checks too. Bare, one random number
    # in a hundred passes: loose; written with its dash it is distinctive (_LV_DASHED).
    IdScheme("lv.pk", (11,), E.NATIONAL_ID, re.compile(r"[0-3]\d{10}"), lv_pvn.is_valid, False),
    IdScheme("no.fnr", (11,), E.NATIONAL_ID, re.compile(r"\d{11}"), no_fnr.is_valid, True),
    IdScheme(
        "ie.pps", (8, 9), E.NATIONAL_ID, re.compile(r"\d{7}[A-W][ABWTX]?"), ie_pps.is_valid, True
    ),
    IdScheme("br.cpf", (11,), E.NATIONAL_ID, re.compile(r"\d{11}"), br_cpf.is_valid, True),
    IdScheme("mx.curp", (18,), E.NATIONAL_ID, _CURP, mx_curp.is_valid, True),
    IdScheme(
        "in.aadhaar", (12,), E.NATIONAL_ID, re.compile(r"[2-9]\d{11}"), in_aadhaar.is_valid, True
    ),
    IdScheme("ca.sin", (9,), E.NATIONAL_ID, re.compile(r"\d{9}"), ca_sin.is_valid, True),
    IdScheme("gb.utr", (10,), E.TAX_ID, re.compile(r"\d{10}"), gb_utr.is_valid, True),
    # Beyond western Europe and the Americas: each checks a check digit, most a birth date.
    IdScheme("cn.ric", (18,), E.NATIONAL_ID, re.compile(r"\d{17}[\dX]"), _cn_ric, True),
    IdScheme("tw.id", (10,), E.NATIONAL_ID, re.compile(r"[A-Z][1289]\d{8}"), _tw_id, True),
    IdScheme("ru.inn", (12,), E.TAX_ID, re.compile(r"\d{12}"), ru_inn.is_valid, True),
    IdScheme("ru.snils", (11,), E.NATIONAL_ID, re.compile(r"\d{11}"), _ru_snils, True),
    IdScheme("hu.personal", (11,), E.NATIONAL_ID, re.compile(r"[1-8]\d{10}"), _hu_personal, True),
    IdScheme("kr.rrn", (13,), E.NATIONAL_ID, re.compile(r"\d{13}"), kr_rrn.is_valid, True),
    IdScheme("th.pin", (13,), E.NATIONAL_ID, re.compile(r"[1-8]\d{12}"), th_pin.is_valid, True),
    IdScheme("ro.cnp", (13,), E.NATIONAL_ID, re.compile(r"[1-9]\d{12}"), ro_cnp.is_valid, True),
    IdScheme("si.emso", (13,), E.NATIONAL_ID, re.compile(r"\d{13}"), si_emso.is_valid, True),
    IdScheme("za.idnr", (13,), E.NATIONAL_ID, re.compile(r"\d{13}"), za_idnr.is_valid, True),
    IdScheme(
        "tr.tckimlik", (11,), E.NATIONAL_ID, re.compile(r"[1-9]\d{10}"), tr_tckimlik.is_valid, True
    ),
    IdScheme("gr.amka", (11,), E.NATIONAL_ID, re.compile(r"\d{11}"), gr_amka.is_valid, True),
    IdScheme("hr.oib", (11,), E.TAX_ID, re.compile(r"\d{11}"), hr_oib.is_valid, True),
    IdScheme("ua.rntrc", (10,), E.TAX_ID, re.compile(r"\d{10}"), ua_rntrc.is_valid, True),
    IdScheme("bg.egn", (10,), E.NATIONAL_ID, re.compile(r"\d{10}"), bg_egn.is_valid, True),
    # Estonia's isikukood (Lithuania's asmens kodas is the same number), Mexico's RFC of a
    # person (four letters, a birth date, three characters), Chile's RUT when bare (loose:
    # one digit in eleven passes; written 12.345.678-5 it is distinctive, `_RUT_DOTTED`).
    IdScheme("ee.ik", (11,), E.NATIONAL_ID, re.compile(r"[1-6]\d{10}"), ee_ik.is_valid, True),
    IdScheme(
        "mx.rfc", (13,), E.TAX_ID, re.compile(r"[A-ZÑ&]{4}\d{6}[A-Z\d]{3}"), mx_rfc.is_valid, True
    ),
    IdScheme("cl.rut", (8, 9), E.NATIONAL_ID, re.compile(r"\d{7,8}[\dK]"), cl_rut.is_valid, False),
    # Not Israel's 9 digits (Luhn alone) nor Czech numbers of 9 digits (no check digit):
    # random 9-digit numbers pass too often already.
    IdScheme("cz.rc", (10,), E.NATIONAL_ID, re.compile(r"\d{10}"), cz_rc.is_valid, True),
)


def _schemes_by_length() -> dict[int, tuple[IdScheme, ...]]:
    """Which schemes can match a compact value of each length: a dict lookup spares
    every value the regular expression of every scheme."""
    table: dict[int, list[IdScheme]] = {}
    for scheme in ID_SCHEMES:
        for length in scheme.lengths:
            table.setdefault(length, []).append(scheme)
    return {length: tuple(schemes) for length, schemes in table.items()}


_SCHEMES_BY_LENGTH = _schemes_by_length()


_SSN_DASHED = re.compile(r"\d{3}-\d{2}-\d{4}")
_LV_DASHED = re.compile(r"[0-3]\d{5}-\d{5}")
# Finland's id with the dash as its century sign, which compacting drops (the other signs
# are letters or `+`, which the fi.hetu scheme reads).
_HETU_DASHED = re.compile(r"\d{6}-\d{3}[0-9A-Y]")
_RUT_DOTTED = re.compile(r"\d{1,2}\.\d{3}\.\d{3}-[\dkK]")
_ID_COMPACT_DROP = re.compile(r"[\s\-./]")


def _safe(check: Callable[[str], bool], value: str) -> bool:
    try:
        return bool(check(value))
    except Exception:  # a validator choking on odd input means "not this id"
        return False


def check_ids(value: str) -> tuple[set[str], set[str]]:
    """(strict types, loose types) of national and tax ids the value validates as."""
    strict: set[str] = set()
    loose: set[str] = set()
    compact = _ID_COMPACT_DROP.sub("", value).upper()
    for scheme in _SCHEMES_BY_LENGTH.get(len(compact), ()):
        if scheme.entity_type in strict:
            continue
        if not scheme.shape.fullmatch(compact) or not _safe(scheme.is_valid, compact):
            continue
        loose.add(scheme.entity_type)
        if scheme.strict:
            strict.add(scheme.entity_type)
    # An SSN written the usual way (123-45-6789) is distinctive; nine bare digits are not.
    if _SSN_DASHED.fullmatch(value) and us_ssn.is_valid(value):
        strict.add(E.NATIONAL_ID if not us_itin.is_valid(value) else E.TAX_ID)
    if _RUT_DOTTED.fullmatch(value) and cl_rut.is_valid(value):
        strict.add(E.NATIONAL_ID)
    if _LV_DASHED.fullmatch(value) and _safe(lv_pvn.is_valid, value):
        strict.add(E.NATIONAL_ID)
    if _HETU_DASHED.fullmatch(value.upper()) and _safe(_fi_hetu, value.upper()):
        strict.add(E.NATIONAL_ID)
    return strict, loose


# --- passports ----------------------------------------------------------------------------

_PASSPORT_SHAPE = re.compile(r"[A-Z0-9]{6,12}")


def looks_like_passport(value: str) -> bool:
    compact = value.replace(" ", "").upper()
    return bool(_PASSPORT_SHAPE.fullmatch(compact)) and any(c.isdigit() for c in compact)


# --- person names -------------------------------------------------------------------------

# Words of letters, with the apostrophes, hyphens and dots of names and titles
# ("O'Neil", "Lebon-Buisson", "Dipl.-Ing."), one to six of them.
_NAME_SHAPE = re.compile(r"[^\W\d_][^\W\d_'’.\-]*(?:[.'’\-]+[^\W\d_]*)*\.?")


def looks_like_person_name(value: str) -> bool:
    words = value.replace(",", " ").split()
    if not 1 <= len(words) <= 6 or len(value) > 80:
        return False
    return all(_NAME_SHAPE.fullmatch(word) for word in words)


# --- street addresses ---------------------------------------------------------------------

# Street words, as a word of their own, in en, de, fr, es, it, nl, pt, the Nordic
# languages, pl, cs, hu, ro, tr, ru, uk, el, id, vi, in, az (transliterated forms included),
# and the abbreviations written for them. English suffixes are also read from USPS
# Publication 28's list (`_usps_suffixes`).
_STREET_WORDS = (
    *("street", "st", "avenue", "ave", "road", "rd", "lane", "ln", "drive", "dr", "boulevard"),
    *("blvd", "court", "ct", "place", "pl", "square", "sq", "way", "terrace", "close"),
    *("crescent", "highway", "hwy", "parkway", "pkwy", "row", "mews", "gardens", "cir", "trl"),
    *("ter", "strasse", "straße", "str", "weg", "platz", "allee", "gasse", "ring", "damm"),
    *("ufer", "chaussee", "rue", "av", "bd", "chemin", "impasse", "allée", "quai", "route"),
    *("cours", "passage", "montee", "montée", "calle", "c/", "avenida", "avda", "plaza"),
    *("paseo", "camino", "carrera", "ronda", "pasaje", "travesia", "travesía", "glorieta"),
    *("via", "viale", "piazza", "piazzale", "corso", "largo", "vicolo", "strada", "contrada"),
    *("borgo", "stretto", "rotonda", "straat", "laan", "plein", "rua", "travessa", "gatan"),
    *("gata", "vägen", "väg", "vej", "veien", "vei", "gade", "katu", "ulica", "ul", "aleja"),
    *("plac", "ulice", "náměstí", "namesti", "utca", "út", "tér", "bulevardul", "bdul"),
    *("calea", "intrarea", "aleea", "drumul", "soseaua", "șoseaua", "splaiul", "körút", "köz"),
    *("sétány", "stræde", "dreef", "steeg", "callejón", "rambla", "alameda", "calzada"),
    *("estrada", "praça", "πλατεία", "sokak", "sokağı", "cadde", "caddesi", "mahallesi", "mah"),
    *("bulvarı", "bulvari", "улица", "ул", "проспект", "переулок", "пер", "шоссе", "бульвар"),
    *("наб", "вулиця", "вул", "буд", "οδός", "οδ", "λεωφόρος", "λεωφ", "jalan", "jl", "gang"),
    *("gg", "đường", "phố", "ngõ", "hẻm", "nagar", "marg", "chowk", "colony", "h.no", "hno"),
    *("küç", "küçəsi", "prospekti", "döngəsi", "dalanı"),
)
# Unit and box designators with their number (Apt. 5, Suite 200, Flat 3, PO Box 12), and
# a US military address (PSC 9796, Box 0702, APO AE 73377; USS Stone, FPO AP 34885).
_UNIT_WORDS = ("apt", "apartment", "suite", "ste", "unit", "flat", "studio", "psc")
_UNIT = rf"(?:{'|'.join(_UNIT_WORDS)}|p\.?\s?o\.?\s?box)"
_MILITARY = r"\b[ADF]PO\s+A[AEP]\s+\d{5}\b"
_MILITARY_WORDS = ("apo", "fpo", "dpo")
# A street word beside a house number, in either order, or a USPS suffix after one ('571
# Nancy Union': street first, 'Run 12' or 'Track 5' are no address); a compound street name
# ('Hauptstraße 5', 'Ringvägen 449', 'Zoëstraat 8'); a unit or box with its number; a
# street in a script written without spaces ('和平路75號', '丸の内1丁目2番3号',
# '역삼449길 596-88'), or the street words of Thai and Hebrew.
_COMPOUND = (
    r"stra(?:ss|ß)e|str\.|weg|platz|allee|gasse|ring|damm|straat|laan|gracht|plein|dreef|"
    r"singel|kade|gatan|vägen|gränd|gade|vej|veien|vei|gata|gate|utca|katu|tie|polku|kuja"
)
# A house number, or its absence written out where streets go unnumbered: "s/n", sin
# número, sem número (Spain, Portugal, Latin America: 'Praça da Sé, S/N').
_HOUSE = r"(?:\b\d{1,5}[a-zA-Z]?\b|\bs/n\b)"
_UNSPACED_STREETS = (
    r"[\u4e00-\u9fff](?:路|街|道|巷|弄|段).{0,8}?[A-Za-z\d]{1,5}\s*(?:號|号|座|栋|棟|楼|樓)",
    r"[省市区區县縣].*[\u4e00-\u9fff](?:路|街|大道)",
    r"\d{1,3}丁目|\d{1,4}番地?",
    r"[\uac00-\ud7a3\d](?:로|길)\s+\d{1,5}(?:-\d{1,5})?\b",
    r"(?:ถนน|ถ\.|ซอย|ซ\.|หมู่|רחוב|רח'|שדרות|שד').*\d|\d.*(?:ถนน|ถ\.|ซอย|ซ\.|หมู่|רחוב|רח')",
)


@lru_cache(maxsize=1)
def _usps_suffixes() -> tuple[str, ...]:
    """The street suffixes of USPS Publication 28 (appendix C1), as Faker's en_US address
    data lists them: 'Landing', 'Plains', 'Crossroad'. Read from the installed package."""
    from faker.providers.address.en_US import Provider  # imported lazily, once

    return tuple(sorted({suffix.lower() for suffix in Provider.street_suffixes}))


@lru_cache(maxsize=1)
def _street_tokens() -> frozenset[str]:
    """Every word the street-word shapes need, as `_TOKEN` finds them in a value."""
    words = (*_STREET_WORDS, *_usps_suffixes(), *_UNIT_WORDS, "po box", *_MILITARY_WORDS)
    return frozenset(token for word in words for token in _TOKEN.findall(word.casefold()))


@lru_cache(maxsize=1)
def _address_by_words() -> re.Pattern[str]:
    """A street word beside a house number, a unit with its number, a military address."""
    words = "|".join(map(re.escape, _STREET_WORDS))
    suffixes = "|".join(map(re.escape, _usps_suffixes()))
    shapes = (
        rf"{_HOUSE}.{{0,40}}?\b(?:{words})\b",
        rf"\b(?:{words})\b\.?.{{0,50}}?{_HOUSE}",
        # no house number, but a town and a six-digit postcode after a comma (Romania,
        # Russia, India: 'Intrarea Dinu, Lumina, 886982')
        rf"\b(?:{words})\b\.?[^,]{{0,50}},\s*[^\W\d_][^,\d]{{0,40}},\s*\d{{6}}\b",
        rf"{_HOUSE}.{{0,40}}?\b(?:{suffixes})\b",
        rf"\b{_UNIT}\.?\s?#?\s?\d{{1,5}}[a-zA-Z]?\b.*\d",
        _MILITARY,
    )
    return re.compile("|".join(f"(?:{shape})" for shape in shapes), re.IGNORECASE | re.DOTALL)


# A compound street name, or a street in a script that writes no spaces: no word of its
# own to look for first.
_ADDRESS_BY_FORM = re.compile(
    "|".join(
        f"(?:{shape})"
        for shape in (rf"\w(?:{_COMPOUND})\s+\d{{1,4}}[a-zA-Z]?\b", *_UNSPACED_STREETS)
    ),
    re.IGNORECASE | re.DOTALL,
)
_TOKEN = re.compile(r"[^\W\d_]+")


def is_street_address(value: str) -> bool:
    if len(value) > 200:
        return False
    # The street words are looked up first: the shapes around them are slow to search.
    worded = not _street_tokens().isdisjoint(_TOKEN.findall(value.casefold()))
    if worded and _address_by_words().search(value):
        return True
    return bool(_ADDRESS_BY_FORM.search(value))


def looks_like_address(value: str) -> bool:
    """Loose: letters and a number (a house number) in one value."""
    if len(value) > 200 or len(value) < 5:
        return False
    return bool(_LETTER.search(value)) and any(c.isdigit() for c in value)


# A house number: a number of one to five digits standing alone, with a letter (12a) or
# a second part (7/9, 596-88); not part of a decimal, a time, a date or a code.
_HOUSE_NUMBER = re.compile(
    r"(?<![\w.,:/\-])\d{1,5}[^\W\d_]?(?:[/\-]\d{1,5}[^\W\d_]?)?(?![\w:/\-]|[.,]\d)"
)
# A word: a letter, then anything up to a space, a digit or punctuation (vowel signs of
# Indic scripts are marks, not letters).
_WORD = re.compile(r"[^\W\d_][^\s\d,.;:/()\-]+")


def address_parts(value: str) -> tuple[str, str] | None:
    """(its words, its house numbers) for a value shaped like a street and a house number
    ('Čajkovského 6', '152 बोस', 'Jána Raka 139, 026 68 Stará Turá'), else None. The
    column rule (`columns._addresses_by_value`) asks many values to vary in both parts:
    '3 years' or 'Model 3' repeat their words, 'Room 12' its word. A date ('17 April
    1953') has the same shape: the caller, which parses dates anyway, leaves them out."""
    if not 4 <= len(value) <= 200:
        return None
    numbers = _HOUSE_NUMBER.findall(value)
    words = _WORD.findall(value)
    # A street's name has a word of three letters or more; a code's letter pairs do not
    # ('SZ 417 YC', a licence plate; 'AB 12 CD').
    if not numbers or not any(len(word) >= 3 for word in words):
        return None
    return " ".join(words).casefold(), " ".join(numbers)


# --- dates --------------------------------------------------------------------------------


def is_date(value: str) -> bool:
    """A calendar date between 1900 and 2030 in a common written shape."""
    return parse_date(value) is not None


def parse_date(value: str) -> date | None:
    """The date a value writes (1900-2030; day first when both orders are possible, and
    a timestamp's date part; a month's first day for a month without a day), or None.
    Also with a month's name in en, de, fr, es, it, nl or pt ('17-Apr-1953', '17. März
    1953', '17 de abril de 1953', 'April 17, 1953', 'April 1953') and in the
    year-month-day forms of Chinese, Japanese and Korean ('1953年4月17日',
    '1953년 4월 17일')."""
    for index, shape in enumerate(_DATE_SHAPES):
        match = shape.fullmatch(value)
        if match:
            return _plausible_date(match.groups(), year_first=index in (0, 3))
    if match := _YEAR_MONTH.fullmatch(value) or _MONTH_YEAR.fullmatch(value):
        return _plausible_date((match["year"], match["month"], "1"), year_first=True)
    if match := _YEAR_QUARTER.fullmatch(value) or _QUARTER_YEAR.fullmatch(value):
        month = str(int(match["quarter"]) * 3 - 2)
        return _plausible_date((match["year"], month, "1"), year_first=True)
    if match := _YEAR_WEEK.fullmatch(value):
        return _week_monday(int(match["year"]), int(match["week"]))
    if not any(c.isalpha() for c in value):
        return None
    match = _CJK_DATE.fullmatch(value)
    if match:
        return _plausible_date(match.groups(), year_first=True)
    match = _DAY_MONTH_NAME.fullmatch(value) or _MONTH_NAME_DAY.fullmatch(value)
    day = match.group("day") if match else "1"
    match = match or _MONTH_NAME_YEAR.fullmatch(value)
    month = _MONTH_NUMBERS.get(match.group("month").casefold()) if match else None
    if match is None or month is None:
        return None
    year = match.group("year") or match.group("yy")
    return _plausible_date((day, str(month), year), False)


# Month names as dates are written in English (schema.MONTH_NAMES, and their first three
# letters) and in the languages Prepare reads (MONTH_NAMES_BY_LANGUAGE and
# MONTH_ABBREVIATIONS_BY_LANGUAGE, without a final dot), and a few other spellings.
_OTHER_MONTH_SPELLINGS = {"jänner": 1, "fevr": 2, "aout": 8, "setiembre": 9}
_MONTH_NUMBERS = {
    **{name.casefold(): m for m, name in enumerate(MONTH_NAMES, 1)},
    **{name[:3].casefold(): m for m, name in enumerate(MONTH_NAMES, 1)},
    **{
        name.casefold(): m
        for names in MONTH_NAMES_BY_LANGUAGE.values()
        for m, name in enumerate(names, 1)
    },
    **{
        variant.rstrip(".").casefold(): m
        for spellings in MONTH_ABBREVIATIONS_BY_LANGUAGE.values()
        for m, variants in enumerate(spellings, 1)
        for variant in variants.split()
    },
    **_OTHER_MONTH_SPELLINGS,
}
_DAY_MONTH_NAME = re.compile(
    r"(?P<day>\d{1,2})\.?[\s\-/]*(?:de\s+)?(?P<month>[^\W\d_]{3,10})\.?,?[\s\-/]*(?:de\s+)?"
    r"(?P<year>\d{4}|\d{2})"
)
_MONTH_NAME_DAY = re.compile(r"(?P<month>[^\W\d_]{3,10})\.?\s+(?P<day>\d{1,2}),?\s+(?P<year>\d{4})")
# Months without a day, as periods are written (1953-04, 04/1953, 1953M04, Apr 1953,
# April 1953, Excel's Apr-53, SAS's APR53, abril de 1953), and quarters (1953Q2, 1953-Q2, Q2 1953):
# their first day; ISO weeks (1953-W16, 1953W16): their Monday.
_YEAR_MONTH = re.compile(r"(?P<year>\d{4})(?:[-/]|M)(?P<month>\d{1,2})")
_MONTH_YEAR = re.compile(r"(?P<month>\d{1,2})[-/.](?P<year>\d{4})")
_YEAR_QUARTER = re.compile(r"(?P<year>\d{4})[- ]?Q(?P<quarter>[1-4])")
_QUARTER_YEAR = re.compile(r"Q(?P<quarter>[1-4])[- ](?P<year>\d{4})")
_YEAR_WEEK = re.compile(r"(?P<year>\d{4})-?W(?P<week>\d{2})")  # ISO weeks: 1953-W16
_MONTH_NAME_YEAR = re.compile(
    r"(?P<month>[^\W\d_]{3,10})\.?(?:\s+de)?(?:[\s\-]?(?P<year>\d{4})|-?(?P<yy>\d{2}))"
)
_CJK_DATE = re.compile(r"(\d{4})\s*[年년]\s*(\d{1,2})\s*[月월]\s*(\d{1,2})\s*[日일]?")


def _week_monday(year: int, week: int) -> date | None:
    """The Monday of an ISO week (1900-2030), or None for a week its year lacks."""
    try:
        monday = date.fromisocalendar(year, week, 1)
    except ValueError:
        return None
    return monday if _PLAUSIBLE_YEARS[0] <= monday.year <= _PLAUSIBLE_YEARS[1] else None


_PLAUSIBLE_YEARS = (1900, 2030)


def _plausible_date(parts: tuple[str, ...], year_first: bool) -> date | None:
    numbers = [int(p) for p in parts]
    if year_first:
        year, month, day = numbers
    else:
        first, second, year = numbers
        if year < 100:
            year += 1900 if year > 30 else 2000
        # Day-first and month-first are both in use; either reading will do.
        day, month = (first, second) if second <= 12 else (second, first)
    if not _PLAUSIBLE_YEARS[0] <= year <= _PLAUSIBLE_YEARS[1]:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


# --- one value, every check -------------------------------------------------------------


@dataclass(frozen=True)
class ValueMatch:
    strict: frozenset[str]
    loose: frozenset[str]


NO_MATCH = ValueMatch(frozenset(), frozenset())


def match_value(
    value: str,
    loose_wanted: frozenset[str] = frozenset(),
    regions: tuple[str, ...] = E.DEFAULT_PHONE_REGIONS,
) -> ValueMatch:
    """Every entity type a normalised value matches. Loose-only checks (names, dates,
    passports, bank accounts, addresses) run only for the types in `loose_wanted`."""
    strict: set[str] = set()
    loose: set[str] = set()
    digits = _NON_DIGIT.sub("", value)
    n_digits = len(digits)
    if "@" in value:
        _add(is_email(value), E.EMAIL_ADDRESS, strict, loose)
        if E.EMAIL_ADDRESS in loose_wanted and "@" in value.strip("@"):
            loose.add(E.EMAIL_ADDRESS)
    if n_digits >= 12:
        _add(is_card(value), E.CREDIT_CARD_NUMBER, strict, loose)
        loose_card = E.CREDIT_CARD_NUMBER in loose_wanted and _CARD_SHAPE.fullmatch(value)
        if loose_card and luhn.is_valid(digits):
            loose.add(E.CREDIT_CARD_NUMBER)
    if n_digits >= 2 and value[:2].isalpha():
        _add(is_iban(value), E.IBAN, strict, loose)
    if n_digits >= 6:
        _match_numbers(value, n_digits, loose_wanted, regions, strict, loose)
    if n_digits >= 1 and (value.count(".") == 3 or ":" in value):
        _add(is_ip(value), E.IP_ADDRESS, strict, loose)
    if len(value) == 17:
        _add(is_mac(value), E.MAC_ADDRESS, strict, loose)
    if len(value) == 17 and n_digits:
        _add(is_vin(value), E.VEHICLE_IDENTIFICATION_NUMBER, strict, loose)
        if E.VEHICLE_IDENTIFICATION_NUMBER in loose_wanted and looks_like_vin(value):
            loose.add(E.VEHICLE_IDENTIFICATION_NUMBER)
    if len(value) == 20 and value[:2] in ("AK", "AS"):
        _add(is_aws_key_id(value), E.AWS_CREDENTIALS, strict, loose)
    if len(value) == 40 and E.AWS_CREDENTIALS in loose_wanted and looks_like_aws_secret(value):
        loose.add(E.AWS_CREDENTIALS)
    if (n_digits or "/" in value) and is_street_address(value):  # a number, or "s/n"
        _add(True, E.ADDRESS, strict, loose)
    if loose_wanted:
        _match_loose_shapes(value, n_digits, loose_wanted, strict, loose)
    if not strict and not loose:
        return NO_MATCH
    return ValueMatch(frozenset(strict), frozenset(loose | strict))


def _add(hit: bool, entity_type: str, strict: set[str], loose: set[str]) -> None:
    if hit:
        strict.add(entity_type)
        loose.add(entity_type)


def _match_numbers(
    value: str,
    n_digits: int,
    loose_wanted: frozenset[str],
    regions: tuple[str, ...],
    strict: set[str],
    loose: set[str],
) -> None:
    id_strict, id_loose = check_ids(value) if n_digits <= 20 else (set(), set())
    strict.update(id_strict)
    loose.update(id_loose)
    # Bare digits are phone numbers only where the name says so (no verdict is possible
    # from them, and parsing them in 20 regions is the slowest check there is), or as a
    # Chinese mobile that passes no id's check (Greece's AMKA starts with a birth day,
    # 13 to 19 one time in four: it is taken for the id).
    cn_mobile = not id_strict and bool(_BARE_CN_MOBILE.fullmatch(value))
    if n_digits <= 15 and (not value.isdigit() or cn_mobile or E.PHONE_NUMBER in loose_wanted):
        phone = check_phone(value, regions, E.PHONE_NUMBER in loose_wanted)
        if phone.strict:
            strict.add(E.PHONE_NUMBER)
        if phone.possible:
            loose.add(E.PHONE_NUMBER)
    if E.BANK_ACCOUNT_NUMBER in loose_wanted and looks_like_bank_account(value):
        loose.add(E.BANK_ACCOUNT_NUMBER)


def _match_loose_shapes(
    value: str,
    n_digits: int,
    loose_wanted: frozenset[str],
    strict: set[str],
    loose: set[str],
) -> None:
    if E.NAME in loose_wanted and n_digits == 0 and looks_like_person_name(value):
        loose.add(E.NAME)
    if E.ADDRESS in loose_wanted and (is_street_address(value) or looks_like_address(value)):
        loose.add(E.ADDRESS)
    if (
        E.DATE_OF_BIRTH in loose_wanted
        and n_digits >= 4
        and (is_date(value) or _MONTH_WORD_DATE.fullmatch(value))
    ):
        loose.add(E.DATE_OF_BIRTH)
    if E.PASSPORT_NUMBER in loose_wanted and looks_like_passport(value):
        loose.add(E.PASSPORT_NUMBER)
