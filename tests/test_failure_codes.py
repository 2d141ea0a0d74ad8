"""Codes across the service boundary: what a failed step leaves, and how it is read back."""

from __future__ import annotations

import logging

import pytest

from synthpipe.errors import StepFailed
from synthpipe.failure_codes import (
    MAX_BYTES,
    CodedFailure,
    code_in,
    code_line,
    coded_failures,
    facts_in,
)


def test_a_code_line_carries_the_code_and_facts_and_reads_back():
    line = code_line("pii_found", {"columns": [{"position": 3, "entity_types": ["IBAN"]}]})
    assert line.startswith("synthpipe:pii_found {")
    assert code_in(line) == "pii_found"
    assert facts_in(line) == {"columns": [{"position": 3, "entity_types": ["IBAN"]}]}


def test_the_code_is_found_inside_a_services_own_words():
    text = "AlgorithmError: synthpipe:too_few_rows Training needs 20 rows., exit code: 1"
    assert code_in(text) == "too_few_rows"
    assert facts_in(text) == {}
    assert code_in("AlgorithmError: out of memory") is None
    assert code_in(None) is None


def test_facts_that_do_not_fit_in_the_exit_message_are_left_out():
    facts = {"columns": [{"position": i, "entity_types": ["NAME"]} for i in range(200)]}
    assert code_line("pii_found", facts) == "synthpipe:pii_found"
    assert len(code_line("pii_found", {"columns": facts["columns"][:5]}).encode()) <= MAX_BYTES


def test_something_that_is_not_a_code_never_crosses():
    assert code_line("Personal data in 'jane@example.org'") == "synthpipe:uncoded_error"


def test_coded_failures_raise_the_code_only_and_log_the_text_redacted(caplog):
    log = logging.getLogger("synthpipe.test")
    failing = StepFailed(code="bad_type", message="Column 2 holds 'Jane Doe', not a date.")
    with (
        caplog.at_level(logging.ERROR),
        pytest.raises(CodedFailure) as raised,
        coded_failures("prepare", log),
    ):
        raise failing
    assert str(raised.value) == "synthpipe:bad_type"
    assert raised.value.__suppress_context__  # the original text is not printed with it
    assert "prepare failed [bad_type]" in caplog.text and "'<quoted>'" in caplog.text
    assert "Jane" not in caplog.text


def test_an_unexpected_error_becomes_the_steps_failed_code(caplog):
    log = logging.getLogger("synthpipe.test")
    with (
        pytest.raises(CodedFailure, match=r"^synthpipe:verify_failed$"),
        coded_failures("verify", log),
    ):
        raise ValueError("jane@example.org")
    assert "ValueError" in caplog.text and "jane@example.org" not in caplog.text


def test_no_error_passes_through():
    with coded_failures("prepare", logging.getLogger("synthpipe.test")):
        value = 1
    assert value == 1
