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
