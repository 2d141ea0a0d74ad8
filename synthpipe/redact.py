"""Value redaction for texts we did not write: service errors and exception messages.

Glue's ErrorMessage, SageMaker's FailureReason and an exception's text can quote a cell
("invalid literal for int(): 'jane@example.org'"). Such texts never reach reason.json, a
notification or the state machine's output; they may reach a log, and only through
`redact`: entities masked by the cell masker, quoted literals, bracketed records and long
digit runs replaced, whitespace collapsed, the length capped.
"""

from __future__ import annotations

import re

LIMIT = 600
QUOTED = "'<quoted>'"
NUMBER = "<number>"
# A quote that opens a literal: not inside a word, so "can't" and "don't" stay.
_SINGLE_QUOTED = re.compile(r"(?<!\w)'[^'\n]*'(?!\w)")
_DOUBLE_QUOTED = re.compile(r'"[^"\n]*"')
# Spark quotes a malformed record in brackets ("record parsing: [F0,168.45,Jane Doe]"):
# a bracket holding a delimiter or a space; an error class ([MALFORMED_RECORD]) stays.
_BRACKETED = re.compile(r"\[[^\[\]\n]*[,;|\s][^\[\]\n]*\]")
RECORD = "[<record>]"
# Six digits or more: account numbers, ids, phone numbers the masker did not recognise.
_LONG_DIGITS = re.compile(r"\d{6,}")


def redact(text: str, limit: int = LIMIT) -> str:
    """`text` fit for a log: no entity, quoted literal or long number, at most `limit`
    characters (cut with '...')."""
    from synthpipe.pii import mask_text  # the detectors load only when a text needs them

    masked = mask_text(str(text))
    masked = _BRACKETED.sub(RECORD, masked)
    masked = _DOUBLE_QUOTED.sub(QUOTED.replace("'", '"'), masked)
    masked = _SINGLE_QUOTED.sub(QUOTED, masked)
    masked = _LONG_DIGITS.sub(NUMBER, masked)
    masked = " ".join(masked.split())
    return masked if len(masked) <= limit else masked[: max(limit - 3, 0)] + "..."
