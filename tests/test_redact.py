"""Redaction of texts we did not write (service errors, exception messages) before a log."""

from __future__ import annotations

import pytest

from synthpipe.redact import redact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail to jane.doe@example.org failed", "mail to <EMAIL_ADDRESS> failed"),
        ("call +44 20 7946 0958 now", "call <PHONE_NUMBER> now"),
        ("could not convert 'Jane Doe' to float", "could not convert '<quoted>' to float"),
        ('bad value "Hauptstraße 5" in row 3', 'bad value "<quoted>" in row 3'),
        ("account 12345678 closed", "account <number> closed"),
        ("card 4111 1111 1111 1111 declined", "card <CREDIT_CARD_NUMBER> declined"),
        (  # Spark's FAILFAST reader quotes the record (found by fuzzing Prepare)
            "[MALFORMED_RECORD_IN_PARSING.WITHOUT_SUGGESTION] Malformed records are detected "
            "in record parsing: [F0,168.45,Jane Doe 1e309]. Parse Mode: FAILFAST.",
            "[MALFORMED_RECORD_IN_PARSING.WITHOUT_SUGGESTION] Malformed records are detected "
            "in record parsing: [<record>]. Parse Mode: FAILFAST.",
        ),
    ],
)
def test_values_are_masked(text, expected):
    assert redact(text) == expected


def test_words_codes_and_short_numbers_stay_readable():
    text = "Step prepare can't read column 12 of 3: AnalysisException [bad_type], code 40413"
    assert redact(text) == text


def test_a_value_quoted_twice_and_nested_leaves_nothing():
    text = """KeyError: "no column 'jane@example.org'" at 987654321"""
    out = redact(text)
    assert "jane" not in out and "987654321" not in out and "example" not in out


def test_whitespace_collapses_and_length_is_capped():
    out = redact("line one\n\n   line two\t" + "x" * 2000, limit=50)
    assert out.startswith("line one line two ") and len(out) == 50 and out.endswith("...")
