"""Cell level: find entities inside free text and mask them.

Covered inside text: e-mail addresses, card numbers (Luhn + issuer prefix), IBANs (mod-97),
phone numbers (international, or national in a written shape, valid per phonenumbers),
IP addresses, AWS access key ids, AWS secret keys (only next to a word like 'secret'),
and national/tax ids with a distinctive written shape (US SSN 123-45-6789, UK NINO,
Spanish DNI/NIE, Italian codice fiscale, French NIR).

Not covered inside text (no NER model offline): person names, street addresses, dates of
birth, passport numbers, bare bank account numbers, and ids written as bare digit strings
without a checksum that sets them apart (a 9-digit number in a memo is not taken for an SSN).
"""

from __future__ import annotations

import re

from synthpipe.pii import entities as E
from synthpipe.pii import values as V

_EMAIL = re.compile(r"[\w.%+'\-]+@[\w\-]+(?:\.[\w\-]+)*\.[^\W\d_]{2,}")
# Not inside a longer word or code ('04102605-8f3c-...' is a UUID, not a card or phone).
_CARD = re.compile(r"(?<![\w\-])\d(?:[ \-]?\d){11,18}(?![\w])")
_IBAN = re.compile(r"\b[A-Za-z]{2}\d{2}(?:[ \-]?[A-Za-z0-9]){11,34}\b")
_IBAN_GROUP = re.compile(r"[ \-]")
# Not inside a Latin word or code; Chinese and Japanese text writes digits right after
# a word ('请拨打电话13812345678'), so those letters do not count as part of a word.
_PHONE = re.compile(
    r"(?<![0-9A-Za-z_+\-/.:])(?:\+|00)?\(?\d[\d\s().\-/]{5,22}\d(?:\s*(?:x|ext\.?)\s*\d{1,6})?"
    r"(?![0-9A-Za-z_]|[\-/.]\w)",
    re.IGNORECASE,
)
_IPV4 = re.compile(r"(?<![\w.:/\-])(?:\d{1,3}\.){3}\d{1,3}(?![\d]|\.\d)")
_IPV6 = re.compile(r"(?<![\w:])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![\w:])")
_MAC = re.compile(r"(?<![\w:\-])" + V.MAC_SHAPE.pattern + r"(?![\w:\-])")
_AWS_KEY_ID = re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b")
_AWS_SECRET = re.compile(r"(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])")
_SECRET_CONTEXT = re.compile(r"secret|credential|aws|password|passwd|pwd|token", re.IGNORECASE)
_IDS = (
    re.compile(r"\b\d{3}-\d{2}-\d{4}\b"),  # US SSN / ITIN
    re.compile(r"\b[A-Za-z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-Da-d]\b"),  # UK NINO
    re.compile(r"\b\d{8}-?[A-Za-z]\b"),  # ES DNI
    re.compile(r"\b[XYZxyz]-?\d{7}-?[A-Za-z]\b"),  # ES NIE
    re.compile(
        r"\b[A-Za-z]{6}[0-9LMNPQRSTUV]{2}[A-Za-z][0-9LMNPQRSTUV]{2}[A-Za-z][0-9LMNPQRSTUV]{3}[A-Za-z]\b"
    ),
    re.compile(r"\b[12] ?\d{2} ?\d{2} ?(?:\d{2}|2[AB]) ?\d{3} ?\d{3} ?\d{2}\b"),  # FR NIR
    re.compile(r"\b\d{1,2}\.\d{3}\.\d{3}-[\dkK]\b"),  # CL RUT
)
_PHONE_CONTEXT = re.compile(
    r"\b(?:tel|tlf|tfno|phone|call|ring|mobile?|cell|fax|whatsapp|sms|telefon|handy|"
    r"anrufen|r[üu]ckruf|t[ée]l[ée]phone|portable|appeler|rappeler|tel[ée]fono|m[óo]vil|"
    r"llamar|cellulare|chiamare|telefoon|bellen|mobiel|ligar|telefone|celular|"
    r"тел|телефон|моб|позвонить|позвоните|перезвонить|звонить|telefonu|ara)\b"
    # Scripts without spaces between words have no word boundary to anchor on.
    r"|電話|携帯|电话|手机|전화|휴대폰",
    re.IGNORECASE,
)
# Only look for digit-based entities when the cell has enough digits to hold one.
_SIX_DIGITS = re.compile(r"(?:\D*\d){6}")

# Earlier wins when two spans overlap: a card number also parses as a phone number.
_PRIORITY = (
    E.AWS_CREDENTIALS,
    E.EMAIL_ADDRESS,
    E.IBAN,
    E.CREDIT_CARD_NUMBER,
    E.NATIONAL_ID,
    E.TAX_ID,
    E.IP_ADDRESS,
    E.MAC_ADDRESS,
    E.PHONE_NUMBER,
)

FREE_TEXT_TYPES: frozenset[str] = frozenset(_PRIORITY)


def find_entities(text: str) -> list[E.Span]:
    """Entities inside one cell, left to right, without overlaps; full-width digits and
    letters (０９０－１２３４) and other scripts' digits read as ASCII ones, at the same
    positions."""
    if not text:
        return []
    text = V.plain_forms(text)
    candidates: list[E.Span] = []
    if "@" in text:
        candidates += _spans(_EMAIL, text, E.EMAIL_ADDRESS, V.is_email)
    if "AKIA" in text or "ASIA" in text:
        candidates += _spans(_AWS_KEY_ID, text, E.AWS_CREDENTIALS, None)
    if len(text) >= 40 and _SECRET_CONTEXT.search(text):
        candidates += _aws_secrets(text)
    if "." in text or ":" in text:
        candidates += _spans(_IPV4, text, E.IP_ADDRESS, V.is_ip)
        candidates += _spans(_IPV6, text, E.IP_ADDRESS, _is_ipv6_in_text)
    if ":" in text or "-" in text:
        candidates += _spans(_MAC, text, E.MAC_ADDRESS, V.is_mac)
    if _SIX_DIGITS.match(text):
        candidates += _iban_spans(text)
        candidates += _bare_weak(_spans(_CARD, text, E.CREDIT_CARD_NUMBER, V.is_card), text)
        candidates += _bare_weak(_id_spans(text), text)
        candidates += _phone_spans(text)
    return _without_overlaps(candidates)


def strong_types(text: str) -> frozenset[str]:
    """The entity types written in `text` in a shape that codes and ids do not share
    (see `Span.strong`): what flags a column however few cells hold one."""
    return frozenset(s.entity_type for s in find_entities(text) if s.strong)


def _bare_weak(spans: list[E.Span], text: str) -> list[E.Span]:
    """Bare digit runs are chance matches often enough (Luhn, mod-11) to be weak."""
    return [
        E.Span(s.entity_type, s.start, s.end, strong=False)
        if text[s.start : s.end].isdigit()
        else s
        for s in spans
    ]


def mask_text(text: str) -> str:
    """`text` with every entity replaced by its type in angle brackets: '<EMAIL_ADDRESS>'."""
    spans = find_entities(text)
    if not spans:
        return text
    pieces: list[str] = []
    position = 0
    for span in spans:
        pieces.append(text[position : span.start])
        pieces.append(f"<{span.entity_type}>")
        position = span.end
    pieces.append(text[position:])
    return "".join(pieces)


def _spans(pattern: re.Pattern[str], text: str, entity_type: str, check) -> list[E.Span]:
    found = []
    for match in pattern.finditer(text):
        candidate = match.group(0)
        if check is None or check(candidate):
            found.append(E.Span(entity_type, match.start(), match.end()))
    return found


def _is_ipv6_in_text(candidate: str) -> bool:
    # '12:30:45' is a time; an IPv6 address has '::' or seven colons.
    return ("::" in candidate or candidate.count(":") == 7) and V.is_ip(candidate)


# A date or time inside a phone-shaped run of digits: '2023-10-28 18'.
_DATE_INSIDE = re.compile(r"\d{4}[\-/.]\d{1,2}[\-/.]\d{1,2}|\d{1,2}[\-/.]\d{1,2}[\-/.]\d{4}")


def _is_phone_in_text(candidate: str) -> bool:
    candidate = candidate.strip(" .-/")
    if _DATE_INSIDE.search(candidate):
        return False
    if candidate.count("(") != candidate.count(")"):
        candidate = candidate.lstrip("(") if candidate.startswith("(") else candidate
    return V.check_phone(candidate).strict


def _phone_spans(text: str) -> list[E.Span]:
    """Phone numbers written as such, or bare digits right after a word like 'tel'."""
    found = []
    for match in _PHONE.finditer(text):
        candidate = match.group(0)
        before = text[max(0, match.start() - 25) : match.start()]
        context = bool(_PHONE_CONTEXT.search(before))
        if _is_phone_in_text(candidate) or (context and _is_possible_phone(candidate)):
            # '0612345678' alone may be a code with a leading zero; after 'tel' it is not.
            strong = context or not candidate.strip(" .-/()").isdigit()
            found.append(E.Span(E.PHONE_NUMBER, match.start(), match.end(), strong=strong))
    return found


def _is_possible_phone(candidate: str) -> bool:
    candidate = candidate.strip(" .-/")
    if _DATE_INSIDE.search(candidate):
        return False
    return V.check_phone(candidate, want_possible=True).possible


def _iban_spans(text: str) -> list[E.Span]:
    """IBANs written in groups may run into the next words ('DE89 3704 ... 00 PAID'): try
    the whole run, then drop trailing groups until it validates, and search again right
    after what was taken, so that a second IBAN in the same run is not lost."""
    found = []
    position = 0
    while match := _IBAN.search(text, position):
        run = match.group(0)
        ends = [len(run)] + [m.start() for m in reversed(list(_IBAN_GROUP.finditer(run)))]
        valid_end = next((end for end in ends if V.is_iban(run[:end])), None)
        if valid_end is None:
            position = match.start() + 4
            continue
        found.append(E.Span(E.IBAN, match.start(), match.start() + valid_end))
        position = match.start() + valid_end
    return found


def _id_spans(text: str) -> list[E.Span]:
    found = []
    for pattern in _IDS:
        for match in pattern.finditer(text):
            strict, _ = V.check_ids(match.group(0))
            # US SSN and ITIN share a shape: check_ids decides which it is.
            for entity_type in sorted(strict):
                found.append(E.Span(entity_type, match.start(), match.end()))
    return found


def _aws_secrets(text: str) -> list[E.Span]:
    found = []
    for match in _AWS_SECRET.finditer(text):
        before = text[max(0, match.start() - 60) : match.start()]
        if _SECRET_CONTEXT.search(before) and V.looks_like_aws_secret(match.group(0)):
            found.append(E.Span(E.AWS_CREDENTIALS, match.start(), match.end()))
    return found


def _without_overlaps(candidates: list[E.Span]) -> list[E.Span]:
    rank = {entity_type: index for index, entity_type in enumerate(_PRIORITY)}
    ordered = sorted(candidates, key=lambda s: (rank[s.entity_type], s.start - s.end))
    kept: list[E.Span] = []
    for span in ordered:
        if all(span.end <= other.start or span.start >= other.end for other in kept):
            kept.append(span)
    return sorted(kept, key=lambda s: s.start)
