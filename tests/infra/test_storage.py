"""The storage stack: key, data bucket, access-log bucket."""

from __future__ import annotations

import json

import pytest
from aws_cdk.assertions import Match, Template

from tests.infra.conftest import LOCKED
from tests.infra.scenarios import BUCKET


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
                                # Not the account root: that grants a service-linked role
                                # nothing (its own policy cannot be changed).
                                "Principal": {"AWS": "*"},
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


def _rules(template: dict) -> dict:
    rules = _bucket(template, "aws:kms")["Properties"]["LifecycleConfiguration"]["Rules"]
    return {r.get("Prefix"): r for r in rules}


def test_lifecycle_per_prefix_keeps_only_synthetic(synthesized):
    by_prefix = _rules(synthesized.storage)
    assert by_prefix["raw/"]["ExpirationInDays"] == 365
    assert by_prefix["staging/"]["ExpirationInDays"] == 14
    assert by_prefix["cleaned/"]["ExpirationInDays"] == 30
    assert "synthetic/" not in by_prefix
    assert by_prefix[None]["NoncurrentVersionExpiration"] == {"NoncurrentDays": 30}


def test_quarantine_expires_and_its_deleted_copies_do_not_linger(synthesized):
    quarantine = _rules(synthesized.storage)["quarantine/"]
    assert quarantine["Status"] == "Enabled"
    assert quarantine["ExpirationInDays"] == 90  # quarantineRetentionDays, under raw/'s 365
    # Overlapping the bucket-wide 30 days: S3 honours the shorter expiration.
    assert quarantine["NoncurrentVersionExpiration"] == {"NoncurrentDays": 1}


# --- the data bucket's policy: raw/ kept, SSE-KMS with the data key --------------------

ADMIN = LOCKED["rawAdminRoleArn"]
ROOT = "arn:aws:iam::123456789012:root"
PIPELINE_ROLE = "arn:aws:iam::123456789012:role/SynthpipePipeline-QuarantineRole1234-ABCD"
AUTO_DELETE_ROLE_ID = "CustomS3AutoDeleteObjectsCustomResourceProviderRole3B1BD092"
OBJECTS = f"arn:aws:s3:::{BUCKET}"


def bucket_policy(template: dict) -> list[dict]:
    """The data bucket's statements, intrinsics resolved to sample ARNs."""
    from tests.infra.cfn import resolve

    resources = template["Resources"]
    for resource in resources.values():
        if resource["Type"] != "AWS::S3::BucketPolicy":
            continue
        if "DataBucket" not in json.dumps(resource["Properties"]["Bucket"]):
            continue
        statements = resolve(resource["Properties"]["PolicyDocument"]["Statement"], resources)
        # The bucket's ARN resolves to a placeholder: put the real name in.
        return json.loads(
            json.dumps(statements).replace("DataBucketE3889A50-Arn", f"arn:aws:s3:::{BUCKET}")
        )
    raise AssertionError("no data bucket policy")


def delete_denied(statements, principal: str, key: str, action="s3:DeleteObject") -> list[str]:
    from tests.infra.policy import denied_by

    return denied_by(
        statements,
        action=action,
        resource=f"{OBJECTS}/{key}",
        context={"aws:PrincipalArn": principal, "aws:SecureTransport": "true"},
    )


@pytest.mark.parametrize("action", ["s3:DeleteObject", "s3:DeleteObjectVersion"])
def test_nobody_but_the_account_root_deletes_under_raw_by_default(synthesized, action):
    statements = bucket_policy(synthesized.storage)
    assert delete_denied(statements, PIPELINE_ROLE, "raw/banksim/a.csv", action) == [
        "DenyRawDeletionExceptAdmin"
    ]
    assert delete_denied(statements, ADMIN, "raw/banksim/a.csv", action) != []
    assert delete_denied(statements, ROOT, "raw/banksim/a.csv", action) == []
    # Other prefixes are the pipeline's to manage (cleaned/ is moved to quarantine/).
    assert delete_denied(statements, PIPELINE_ROLE, "cleaned/banksim/r/x.parquet", action) == []


def test_the_named_admin_role_is_the_only_one_that_deletes_under_raw(locked):
    statements = bucket_policy(locked.storage)
    assert delete_denied(statements, ADMIN, "raw/banksim/a.csv") == []
    assert delete_denied(statements, ROOT, "raw/banksim/a.csv") != []
    assert delete_denied(statements, PIPELINE_ROLE, "raw/banksim/a.csv") != []
    # Object Lock in governance mode: only the admin may bypass it.
    bypass = "s3:BypassGovernanceRetention"
    assert delete_denied(statements, PIPELINE_ROLE, "raw/banksim/a.csv", bypass) != []
    assert delete_denied(statements, ADMIN, "raw/banksim/a.csv", bypass) == []


def test_overwriting_under_raw_is_allowed_because_versions_are_kept(synthesized):
    from tests.infra.policy import denied_by

    statements = bucket_policy(synthesized.storage)
    assert (
        denied_by(
            statements,
            action="s3:PutObject",
            resource=f"{OBJECTS}/raw/banksim/a.csv",
            context={"aws:PrincipalArn": PIPELINE_ROLE, "aws:SecureTransport": "true"},
        )
        == []
    )
    assert _bucket(synthesized.storage, "aws:kms")["Properties"]["VersioningConfiguration"] == {
        "Status": "Enabled"
    }


def test_cdk_destroy_may_still_empty_raw_when_data_is_not_retained(variant):
    statements = bucket_policy(variant.storage)
    auto_delete = f"arn:aws:iam::123456789012:role/{AUTO_DELETE_ROLE_ID}"
    for action in ("s3:DeleteObject", "s3:DeleteObjectVersion"):
        assert delete_denied(statements, auto_delete, "raw/banksim/a.csv", action) == []
        assert delete_denied(statements, PIPELINE_ROLE, "raw/banksim/a.csv", action) != []


def test_cdk_destroy_finds_no_exemption_when_data_is_retained(synthesized):
    assert AUTO_DELETE_ROLE_ID not in json.dumps(synthesized.storage)


def put_denied(statements, key: str, **headers: str) -> list[str]:
    from tests.infra.policy import denied_by

    names = {
        "sse": "s3:x-amz-server-side-encryption",
        "key_id": "s3:x-amz-server-side-encryption-aws-kms-key-id",
    }
    context = {"aws:SecureTransport": "true", "aws:PrincipalArn": PIPELINE_ROLE}
    context.update({names[k]: v for k, v in headers.items()})
    return denied_by(
        statements, action="s3:PutObject", resource=f"{OBJECTS}/{key}", context=context
    )


OTHER_KEY = "arn:aws:kms:eu-west-1:123456789012:key/99999999-9999-9999-9999-999999999999"


@pytest.mark.parametrize("key", ["raw/banksim/a.csv", "cleaned/banksim/r/data/p.parquet"])
def test_uploads_that_ask_for_no_encryption_get_the_default_and_are_allowed(synthesized, key):
    # Default encryption (SSE-KMS, data key) applies; multipart parts carry no header.
    assert put_denied(bucket_policy(synthesized.storage), key) == []


@pytest.mark.parametrize("key", ["raw/banksim/a.csv", "models/banksim/r/model.tar.gz"])
def test_uploads_that_name_the_data_key_are_allowed(synthesized, key):
    statements = bucket_policy(synthesized.storage)
    key_arn = "DataKey17AFBB84-Arn"  # the placeholder `resolve` gives the key's ARN
    assert put_denied(statements, key, sse="aws:kms", key_id=key_arn) == []
    assert put_denied(statements, key, sse="aws:kms", key_id="DataKey17AFBB84") == []  # key id


@pytest.mark.parametrize(
    ("headers", "sid"),
    [
        ({"sse": "AES256"}, "DenyPutWithOtherEncryption"),
        ({"sse": "aws:kms:dsse"}, "DenyPutWithOtherEncryption"),
        ({"sse": "aws:kms", "key_id": OTHER_KEY}, "DenyPutWithAnotherKey"),
        ({"sse": "aws:kms", "key_id": "alias/aws/s3"}, "DenyPutWithAnotherKey"),
    ],
)
def test_uploads_that_ask_for_another_encryption_or_key_are_refused(synthesized, headers, sid):
    statements = bucket_policy(synthesized.storage)
    for key in ("raw/banksim/a.csv", "staging/banksim/r/report.json"):
        assert sid in put_denied(statements, key, **headers)


def test_raw_uploads_asking_for_kms_without_the_key_are_refused(synthesized):
    # `aws:kms` without a key id means the AWS managed key aws/s3, not the data key.
    statements = bucket_policy(synthesized.storage)
    assert put_denied(statements, "raw/banksim/a.csv", sse="aws:kms") == [
        "DenyRawPutWithAwsManagedKey"
    ]
    # Elsewhere the pipeline's services write; they name the key (Glue, SageMaker outputs).
    assert put_denied(statements, "models/banksim/r/checkpoints/c.pt", sse="aws:kms") == []


def test_sse_c_is_blocked_by_the_bucket(synthesized):
    encryption = _bucket(synthesized.storage, "aws:kms")["Properties"]["BucketEncryption"]
    (rule,) = encryption["ServerSideEncryptionConfiguration"]
    assert rule["BlockedEncryptionTypes"] == {"EncryptionType": ["SSE-C"]}


def test_object_lock_is_off_unless_asked_for(synthesized):
    assert "ObjectLockEnabled" not in _bucket(synthesized.storage, "aws:kms")["Properties"]


def test_object_lock_enables_the_bucket_without_a_default_retention(locked):
    from tests.infra.test_checks import open_findings

    assert open_findings(locked.report()) == []
    props = _bucket(locked.storage, "aws:kms")["Properties"]
    assert props["ObjectLockEnabled"] is True
    # A default retention would lock every prefix: the start function locks raw/ only.
    assert "ObjectLockConfiguration" not in props


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


def test_macie_may_write_its_results_under_their_prefix_only(synthesized):
    """The pipeline reads Macie's per-object results there (synthpipe.macie_results)."""
    (policy,) = [
        r["Properties"]["PolicyDocument"]["Statement"]
        for r in synthesized.storage["Resources"].values()
        if r["Type"] == "AWS::S3::BucketPolicy"
        and r["Properties"]["Bucket"] == {"Ref": _logical(synthesized.storage, "DataBucket")}
    ]
    (write,) = [s for s in policy if s.get("Sid") == "AllowMacieToWriteResults"]
    assert write["Principal"] == {"Service": "macie.amazonaws.com"}
    assert write["Action"] == "s3:PutObject"
    assert json.dumps(write["Resource"]).endswith('/macie-results/*"]]}')
    assert write["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    (key,) = [
        r["Properties"]["KeyPolicy"]["Statement"]
        for r in synthesized.storage["Resources"].values()
        if r["Type"] == "AWS::KMS::Key"
    ]
    (encrypt,) = [s for s in key if s.get("Sid") == "AllowMacieToEncryptResults"]
    assert encrypt["Principal"] == {"Service": "macie.amazonaws.com"}
    assert sorted(encrypt["Action"]) == ["kms:Encrypt", "kms:GenerateDataKey"]
    rules = {
        r["Id"]: r
        for r in synthesized.storage["Resources"][_logical(synthesized.storage, "DataBucket")][
            "Properties"
        ]["LifecycleConfiguration"]["Rules"]
    }
    assert rules["expire-macie-results"]["Prefix"] == "macie-results/"


def test_no_macie_results_grant_when_macie_is_skipped(variant):
    assert "AllowMacieToWriteResults" not in json.dumps(variant.storage)


def _logical(template: dict, prefix: str) -> str:
    (name,) = [
        n
        for n, r in template["Resources"].items()
        if n.startswith(prefix) and r["Type"] == "AWS::S3::Bucket"
    ]
    return name
