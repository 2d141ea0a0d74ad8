"""The storage stack: key, data bucket, access-log bucket."""

from __future__ import annotations

import json

import pytest
from aws_cdk.assertions import Match, Template


@pytest.fixture(scope="module")
def storage(synthesized) -> Template:
    return Template.from_json(synthesized.storage)


def _bucket(template: dict, encrypted_with: str) -> dict:
    for resource in template["Resources"].values():
        if resource["Type"] != "AWS::S3::Bucket":
            continue
        rule = resource["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
        if rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == encrypted_with:
            return resource
    raise AssertionError(f"no {encrypted_with} bucket")


def test_key_rotates_and_is_retained(storage):
    storage.has_resource(
        "AWS::KMS::Key",
        {
            "Properties": {"EnableKeyRotation": True},
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
        },
    )


def test_key_lets_macies_service_linked_role_decrypt(storage):
    storage.has_resource_properties(
        "AWS::KMS::Key",
        {
            "KeyPolicy": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Sid": "AllowMacieServiceRoleToDecrypt",
                                "Action": "kms:Decrypt",
                                "Condition": {
                                    "ArnEquals": {
                                        "aws:PrincipalArn": {
                                            "Fn::Join": [
                                                "",
                                                Match.array_with(
                                                    [
                                                        ":role/aws-service-role/macie.amazonaws"
                                                        ".com/AWSServiceRoleForAmazonMacie"
                                                    ]
                                                ),
                                            ]
                                        }
                                    }
                                },
                            }
                        )
                    ]
                )
            }
        },
    )


def test_data_bucket_is_private_versioned_kms_encrypted_and_logged(synthesized):
    bucket = _bucket(synthesized.storage, "aws:kms")
    props = bucket["Properties"]
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["BucketKeyEnabled"]
    assert props["LoggingConfiguration"]["LogFilePrefix"] == "data-bucket/"
    assert bucket["DeletionPolicy"] == "Retain"


def test_data_bucket_sends_events_to_eventbridge(storage):
    storage.has_resource_properties(
        "Custom::S3BucketNotifications",
        {"NotificationConfiguration": {"EventBridgeConfiguration": {}}},
    )


def test_both_buckets_refuse_plain_http(synthesized):
    policies = [
        r for r in synthesized.storage["Resources"].values() if r["Type"] == "AWS::S3::BucketPolicy"
    ]
    assert len(policies) == 2
    for policy in policies:
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        assert any(
            s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
            for s in statements
        )


def test_lifecycle_per_prefix_keeps_quarantine_and_synthetic(synthesized):
    rules = _bucket(synthesized.storage, "aws:kms")["Properties"]["LifecycleConfiguration"]["Rules"]
    by_prefix = {r.get("Prefix"): r for r in rules}
    assert by_prefix["raw/"]["ExpirationInDays"] == 365
    assert by_prefix["staging/"]["ExpirationInDays"] == 14
    assert by_prefix["cleaned/"]["ExpirationInDays"] == 30
    assert "quarantine/" not in by_prefix and "synthetic/" not in by_prefix
    assert by_prefix[None]["NoncurrentVersionExpiration"] == {"NoncurrentDays": 30}


def test_destroy_setting_empties_and_deletes_the_buckets(variant):
    bucket = _bucket(variant.storage, "aws:kms")
    assert bucket["DeletionPolicy"] == "Delete"
    assert any(
        r["Type"] == "Custom::S3AutoDeleteObjects" for r in variant.storage["Resources"].values()
    )


def test_outputs_name_the_bucket(synthesized):
    outputs = json.dumps(synthesized.storage["Outputs"])
    assert "DataBucketName" in outputs and "DataKeyArn" in outputs


EXISTING_SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:team/pseudonym-key-Ab12Cd"


@pytest.fixture(scope="module")
def existing_secret(tmp_path_factory):
    """pseudonymisationSecretArn set: an existing secret, with cdk-nag attached."""
    from tests.infra.conftest import synthesize

    return synthesize(
        tmp_path_factory.mktemp("cdk-secret"),
        checks=True,
        pseudonymisationSecretArn=EXISTING_SECRET,
    )


def test_pseudonymisation_secret_is_generated_encrypted_with_the_data_key_and_retained(
    synthesized,
):
    (secret,) = [
        r
        for r in synthesized.storage["Resources"].values()
        if r["Type"] == "AWS::SecretsManager::Secret"
    ]
    props = secret["Properties"]
    (key_id,) = [
        k for k, r in synthesized.storage["Resources"].items() if r["Type"] == "AWS::KMS::Key"
    ]
    assert props["KmsKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    generated = props["GenerateSecretString"]
    assert generated["PasswordLength"] >= 32  # bytes of key: synthpipe.pii.keys needs 16
    assert generated["ExcludePunctuation"] is True and generated["IncludeSpace"] is False
    assert "SecretString" not in props  # generated by Secrets Manager, never in the template
    assert (secret["DeletionPolicy"], secret["UpdateReplacePolicy"]) == ("Retain", "Retain")
    assert "PseudonymisationSecretArn" in synthesized.storage["Outputs"]


def test_pseudonymisation_secret_follows_the_data_on_destroy(variant):
    (secret,) = [
        r
        for r in variant.storage["Resources"].values()
        if r["Type"] == "AWS::SecretsManager::Secret"
    ]
    assert secret["DeletionPolicy"] == "Delete"


def test_an_existing_secret_is_used_as_named_and_none_is_created(existing_secret):
    from tests.infra.test_checks import open_findings
    from tests.infra.test_pipeline import resources, statements

    assert open_findings(existing_secret.report()) == []
    assert not resources(existing_secret.storage, "AWS::SecretsManager::Secret")
    (job,) = resources(existing_secret.pipeline, "AWS::Glue::Job").values()
    assert job["Properties"]["DefaultArguments"]["--key_secret_id"] == EXISTING_SECRET
    reads = [
        s for s in statements(existing_secret.pipeline, "PrepareRole") if "secretsmanager" in str(s)
    ]
    assert reads == [
        {
            "actions": ["secretsmanager:GetSecretValue"],
            "resources": [EXISTING_SECRET],
            "condition": None,
        }
    ]
