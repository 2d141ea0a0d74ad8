"""Where the pseudonymisation key comes from: the environment locally, Secrets Manager on AWS."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from synthpipe.errors import StepFailed
from synthpipe.pii.keys import ENV_VAR, pseudonymisation_key


def test_key_from_the_environment(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "0123456789abcdef0123")
    assert pseudonymisation_key() == b"0123456789abcdef0123"


def test_short_or_missing_key_is_refused_with_the_fix(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "short")
    with pytest.raises(StepFailed) as caught:
        pseudonymisation_key()
    assert caught.value.code == "pseudonymisation_key_missing"
    assert "short" not in str(caught.value)  # a key never reaches a message
    monkeypatch.delenv(ENV_VAR)
    with pytest.raises(StepFailed):
        pseudonymisation_key()


@mock_aws
def test_key_from_secrets_manager(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.delenv(ENV_VAR, raising=False)
    client = boto3.client("secretsmanager")
    arn = client.create_secret(Name="synthpipe/pseudonym", SecretString="s" * 32)["ARN"]
    assert pseudonymisation_key(arn) == b"s" * 32


@mock_aws
def test_a_secret_like_the_stacks_is_a_key_and_a_short_one_is_refused_unquoted(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.delenv(ENV_VAR, raising=False)
    client = boto3.client("secretsmanager")
    # As the storage stack generates it: 64 letters and digits.
    generated = client.get_random_password(
        PasswordLength=64, ExcludePunctuation=True, IncludeSpace=False
    )["RandomPassword"]
    arn = client.create_secret(Name="synthpipe/generated", SecretString=generated)["ARN"]
    assert pseudonymisation_key(arn) == generated.encode() and len(generated.encode()) >= 32
    short = client.create_secret(Name="synthpipe/short", SecretString="tooShort1")["ARN"]
    with pytest.raises(StepFailed) as caught:
        pseudonymisation_key(short)
    assert caught.value.code == "pseudonymisation_key_missing"
    assert "tooShort1" not in str(caught.value) and arn not in str(caught.value)
