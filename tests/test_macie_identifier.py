"""The e-mail identifier is made by the first run that needs it, never by the deploy."""

from __future__ import annotations

import re
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from synthpipe import cloud
from synthpipe.errors import StepFailed
from synthpipe.macie_identifier import EMAIL_REGEX, ensure_email_identifier, identifier_name

NAME = identifier_name()


@pytest.fixture
def macie():
    client = boto3.client(
        "macie2", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    with Stubber(client) as stub:
        yield client, stub


def enabled(stub: Stubber, status: str = "ENABLED") -> None:
    stub.add_response("get_macie_session", {"status": status})


def test_an_existing_identifier_of_the_same_pattern_is_used(macie):
    client, stub = macie
    enabled(stub)
    stub.add_response(
        "list_custom_data_identifiers",
        {"items": [{"id": "old", "name": "synthpipe-email-address"}, {"id": "id-1", "name": NAME}]},
    )
    assert ensure_email_identifier(client) == "id-1"
    stub.assert_no_pending_responses()


def test_a_missing_identifier_is_created_once_with_its_name_as_the_token(macie):
    client, stub = macie
    enabled(stub)
    stub.add_response("list_custom_data_identifiers", {"items": []})
    stub.add_response(
        "create_custom_data_identifier",
        {"customDataIdentifierId": "id-2"},
        {
            "name": NAME,
            "regex": EMAIL_REGEX,
            "description": stub_any(),
            "clientToken": NAME,
        },
    )
    answer = cloud.handle_macie_setup({"runId": "r"}, macie=client)
    assert answer == {"identifierId": "id-2"}


def stub_any() -> Any:
    from botocore.stub import ANY

    return ANY


@pytest.mark.parametrize("status", ["PAUSED", None])
def test_macie_off_or_paused_stops_the_run_with_what_to_do(macie, status):
    client, stub = macie
    if status is None:  # not enabled: Macie answers 403
        stub.add_client_error(
            "get_macie_session", "AccessDeniedException", "Macie is not enabled", 403
        )
    else:
        enabled(stub, status)
    with pytest.raises(StepFailed) as raised:
        ensure_email_identifier(client)
    assert raised.value.code == "macie_not_enabled"
    assert "skipMacie" in raised.value.fix


def test_another_error_is_not_read_as_macie_off(macie):
    client, stub = macie
    stub.add_client_error("get_macie_session", "ThrottlingException", "slow down", 429)
    with pytest.raises(client.exceptions.ClientError):
        ensure_email_identifier(client)


def test_the_name_follows_the_pattern_and_fits_macie():
    assert re.fullmatch(r"synthpipe-email-address-[0-9a-f]{8}", NAME)
    assert identifier_name(EMAIL_REGEX + "x") != NAME
    assert len(NAME) <= 128 and len(EMAIL_REGEX) <= 512
    assert re.fullmatch(EMAIL_REGEX, "first.last+tag@mail.example.co.uk")
