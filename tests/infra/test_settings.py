"""Settings from CDK context: defaults, parsing of -c strings, clear errors."""

from __future__ import annotations

import json
from dataclasses import fields

import pytest

from stacks.settings import Settings, SettingsError, context_key
from tests.infra.conftest import REPO


def settings(**context) -> Settings:
    return Settings.from_context(context.get)


def test_cdk_json_defaults_equal_the_settings_defaults():
    context = json.loads((REPO / "cdk.json").read_text())["context"]
    from_json = Settings.from_context(context.get)
    assert from_json == Settings()
    assert {context_key(f.name) for f in fields(Settings)} <= set(context)


def test_cdk_json_silences_the_jsii_node_banner_and_sets_feature_flags():
    cdk_json = json.loads((REPO / "cdk.json").read_text())
    assert "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20" in cdk_json["app"]
    assert cdk_json["context"]["@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy"] is True


def test_parses_command_line_strings():
    parsed = settings(skipMacie="true", glueWorkerCount="5", hyperparameters='{"epochs": 50}')
    assert parsed.skip_macie is True
    assert parsed.glue_worker_count == 5
    assert parsed.hyperparameters == {"epochs": "50"}


def test_reports_every_bad_value_with_its_key():
    with pytest.raises(SettingsError) as raised:
        settings(glueWorkerCount="1", retainData="maybe", trainingInstanceType="m5.large")
    message = str(raised.value)
    assert "glueWorkerCount='1': expected a whole number between 2 and 299" in message
    assert "retainData='maybe': expected true or false" in message
    assert "trainingInstanceType='m5.large'" in message


def test_refuses_a_log_retention_cloudwatch_does_not_offer():
    with pytest.raises(SettingsError, match="logRetentionDays=42: expected one of 1, 3"):
        settings(logRetentionDays=42)


def test_refuses_an_unknown_hyperparameter_at_synth():
    with pytest.raises(SettingsError, match="unknown hyperparameter"):
        settings(hyperparameters={"epoch": "10"})


def test_refuses_flex_on_large_workers():
    with pytest.raises(SettingsError, match="glueFlex=true needs glueWorkerType"):
        settings(glueFlex=True, glueWorkerType="G.4X")


def test_refuses_a_spot_wait_shorter_than_the_runtime():
    with pytest.raises(SettingsError, match="spotMaxWaitMinutes=60 must be at least"):
        settings(spotMaxWaitMinutes=60, trainingMaxRuntimeMinutes=120)


def test_refuses_a_malformed_email():
    with pytest.raises(SettingsError, match="notificationEmail"):
        settings(notificationEmail="not-an-address")


@pytest.mark.parametrize("value", [1, 0.5, 3])
def test_refuses_any_pii_hits_threshold_but_zero_at_synth(value):
    with pytest.raises(SettingsError) as raised:
        settings(thresholds={"quality": 0.8, "pii_hits": value})
    message = str(raised.value)
    assert "thresholds=" in message and "fixed at 0 and cannot be relaxed" in message


def test_accepts_pii_hits_zero_and_checks_threshold_names_at_synth():
    assert settings(thresholds='{"pii_hits": 0, "quality": 0.8}').thresholds == {
        "pii_hits": 0.0,
        "quality": 0.8,
    }
    with pytest.raises(SettingsError, match="unknown threshold"):
        settings(thresholds={"quallity": 0.8})


def test_accepts_the_complete_arn_of_an_existing_pseudonymisation_secret():
    arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:team/pseudonym-key-Ab12Cd"
    assert settings(pseudonymisationSecretArn=arn).pseudonymisation_secret_arn == arn
    assert settings(pseudonymisationSecretArn="").pseudonymisation_secret_arn == ""


@pytest.mark.parametrize(
    "value",
    [
        "team/pseudonym-key",  # a name, not an ARN
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:team/pseudonym_key",  # partial
        "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000",
        "arn:aws:secretsmanager:eu-west-1:12345:secret:key-Ab12Cd",
    ],
)
def test_refuses_anything_but_a_complete_secret_arn(value):
    with pytest.raises(SettingsError, match=r"pseudonymisationSecretArn=.*complete ARN"):
        settings(pseudonymisationSecretArn=value)


def test_verify_job_settings_are_checked():
    parsed = settings(verifyInstanceType="ml.c5.2xlarge", verifyMaxRuntimeMinutes="90")
    assert (parsed.verify_instance_type, parsed.verify_max_runtime_minutes) == ("ml.c5.2xlarge", 90)
    with pytest.raises(SettingsError, match="verifyVolumeGb='0'"):
        settings(verifyVolumeGb="0")


def test_quarantine_retention_defaults_below_raw_and_may_not_outlive_it():
    assert Settings().quarantine_retention_days == 90 < Settings().raw_retention_days
    assert settings(quarantineRetentionDays="30").quarantine_retention_days == 30
    with pytest.raises(SettingsError, match="quarantineRetentionDays=400 must not exceed"):
        settings(quarantineRetentionDays="400")
    with pytest.raises(SettingsError, match="quarantineRetentionDays='0'"):
        settings(quarantineRetentionDays="0")


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:iam::123456789012:role/data-admin",
        "arn:aws:iam::123456789012:role/admins/data-admin",
        "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_Data_*",
        "arn:aws-cn:iam::123456789012:role/data-admin",
    ],
)
def test_accepts_a_raw_admin_role(arn):
    assert settings(rawAdminRoleArn=arn).raw_admin_role_arn == arn


@pytest.mark.parametrize(
    "arn",
    [
        "data-admin",
        "arn:aws:iam::123456789012:user/alice",  # a user, not a role
        "arn:aws:iam::*:role/data-admin",  # any account
        "arn:aws:iam::123456789012:role/*",  # any role
        "arn:aws:iam::123456789012:root",
        "arn:aws:sts::123456789012:assumed-role/data-admin/alice",
    ],
)
def test_refuses_anything_but_one_role_as_raw_admin(arn):
    with pytest.raises(SettingsError, match=r"rawAdminRoleArn=.*ARN of an IAM role"):
        settings(rawAdminRoleArn=arn)


def test_object_lock_is_off_by_default_and_bounded_by_raw_retention():
    assert Settings().raw_object_lock_days == 0
    assert settings(rawObjectLockDays="30").raw_object_lock_days == 30
    with pytest.raises(SettingsError, match="rawObjectLockDays=400 must not exceed"):
        settings(rawObjectLockDays="400")
    with pytest.raises(SettingsError, match="rawObjectLockDays='-1'"):
        settings(rawObjectLockDays="-1")


def test_object_lock_needs_the_data_retained():
    with pytest.raises(SettingsError, match="rawObjectLockDays needs retainData=true"):
        settings(rawObjectLockDays="30", retainData="false")
