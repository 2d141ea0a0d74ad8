"""The stateful stack: the KMS key, the data bucket, its access-log bucket, and the secret
that holds the pseudonymisation key.

Kept apart from the pipeline so that the pipeline can be replaced freely; what holds data
is retained on `cdk destroy` unless `retainData` is false.

The data bucket's policy holds two guards besides TLS:
- raw/ is never deleted except by one named admin role (`rawAdminRoleArn`, else the
  account root) and, when the data is not retained, CDK's auto-delete function on
  `cdk destroy`. Lifecycle expiry is not subject to bucket policies and still applies.
- SSE-KMS with the data key: a PutObject that asks for another encryption or names
  another key is refused. One that asks for nothing gets the bucket's default (SSE-KMS
  with the data key), so no header is required: a deny on a missing header would refuse
  default-encryption uploads and every multipart part.
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, Aws, CfnOutput, Duration, RemovalPolicy, Stack, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from stacks.access import MACIE_RESULTS_PREFIX
from stacks.macie_session import MacieSession
from stacks.settings import Settings


# Macie reads objects through this service-linked role; it exists once Macie is enabled.
# The singleton Lambda that CDK adds to configure bucket notifications (aws-s3).
def data_bucket_name() -> str:
    """Fixed per account and region, so that the pipeline stack can build its ARNs (and
    cdk-nag print them) without reading another stack's outputs."""
    return f"synthpipe-data-{Aws.ACCOUNT_ID}-{Aws.REGION}"


NOTIFICATIONS_HANDLER_ID = "BucketNotificationsHandler050a0587b7544547bf325f094a3db834"
# The singleton custom-resource provider that empties buckets on destroy (aws-s3).
AUTO_DELETE_PROVIDER_ID = "Custom::S3AutoDeleteObjectsCustomResourceProvider"
RAW_PREFIX = "raw/"
QUARANTINE_PREFIX = "quarantine/"
# An expired or deleted quarantine copy (personal data) becomes a noncurrent version;
# it is kept one day, not the bucket-wide noncurrentVersionExpirationDays. S3 honours the
# shorter of two overlapping expirations.
QUARANTINE_NONCURRENT_DAYS = 1
SSE = "s3:x-amz-server-side-encryption"
SSE_KEY = "s3:x-amz-server-side-encryption-aws-kms-key-id"
MACIE_SERVICE_ROLE = "aws-service-role/macie.amazonaws.com/AWSServiceRoleForAmazonMacie"
# Characters of the generated pseudonymisation key (synthpipe.pii.keys needs 16 bytes).
PSEUDONYMISATION_KEY_LENGTH = 64


class StorageStack(Stack):
    """Key, data bucket (raw/ ... synthetic/) and the bucket of its access logs."""

    def __init__(
        self, scope: Construct, construct_id: str, *, settings: Settings, **kwargs
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        removal = RemovalPolicy.RETAIN if settings.retain_data else RemovalPolicy.DESTROY

        self.key = kms.Key(
            self,
            "DataKey",
            alias="alias/synthpipe-data",
            description="synthpipe: data bucket, logs and notifications",
            enable_key_rotation=True,
            removal_policy=removal,
        )
        self._allow_macie(self.key)
        self._allow_logs_and_alarms(self.key)

        self.log_bucket = s3.Bucket(
            self,
            "AccessLogBucket",
            # Server access logs can only be delivered to an SSE-S3 bucket.
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            versioned=True,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-access-logs",
                    expiration=Duration.days(365),
                    noncurrent_version_expiration=Duration.days(30),
                )
            ],
            removal_policy=removal,
            auto_delete_objects=not settings.retain_data,
        )
        Validations.of(self.log_bucket).acknowledge(
            Acknowledgment(
                id="AwsSolutions-S1",
                reason="This is the access-log bucket; logging it into itself would loop.",
            )
        )

        self.bucket = s3.Bucket(
            self,
            "DataBucket",
            bucket_name=data_bucket_name(),
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.key,
            bucket_key_enabled=True,
            # SSE-C carries no x-amz-server-side-encryption header for the policy to see.
            blocked_encryption_types=[s3.BlockedEncryptionType.SSE_C],
            # Enabled only with rawObjectLockDays: it can never be turned off again. No
            # default retention: it would lock every prefix; the start function locks
            # each raw/ version instead.
            object_lock_enabled=True if settings.raw_object_lock_days else None,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            versioned=True,
            # "Object Created" events start runs through EventBridge.
            event_bridge_enabled=True,
            server_access_logs_bucket=self.log_bucket,
            server_access_logs_prefix="data-bucket/",
            lifecycle_rules=lifecycle_rules(settings),
            removal_policy=removal,
            auto_delete_objects=not settings.retain_data,
        )

        self._protect_raw(settings)
        if not settings.skip_macie:
            self._allow_macie_results()
        self._require_data_key()
        self._acknowledge_notifications_handler()
        self.pseudonymisation_secret = self._pseudonymisation_secret(settings, removal)
        # Account-wide state: here, with what is kept, never in the stateless stack.
        self.macie_session = None
        if settings.enable_macie_session and not settings.skip_macie:
            self.macie_session = MacieSession(self, "MacieSession")

        CfnOutput(self, "DataBucketName", value=self.bucket.bucket_name)
        CfnOutput(self, "DataKeyArn", value=self.key.key_arn)
        CfnOutput(self, "PseudonymisationSecretArn", value=self.pseudonymisation_secret.secret_arn)

    def _pseudonymisation_secret(
        self, settings: Settings, removal: RemovalPolicy
    ) -> secretsmanager.ISecret:
        """The key of the keyed hash that pseudonymises identifier columns.

        Stateful like the data: the same key gives the same pseudonyms across runs, so it
        is kept with the data and never rotated. An existing secret can be named instead
        (`pseudonymisationSecretArn`).
        """
        if settings.pseudonymisation_secret_arn:
            return secretsmanager.Secret.from_secret_complete_arn(
                self, "PseudonymisationSecret", settings.pseudonymisation_secret_arn
            )
        secret = secretsmanager.Secret(
            self,
            "PseudonymisationSecret",
            description="synthpipe: key of the keyed hash (HMAC-SHA256) that pseudonymises "
            "identifier columns",
            encryption_key=self.key,
            # 64 random letters and digits (about 380 bits): the key is the string's bytes.
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=PSEUDONYMISATION_KEY_LENGTH,
                exclude_punctuation=True,
                include_space=False,
            ),
            removal_policy=removal,
        )
        Validations.of(secret).acknowledge(
            Acknowledgment(
                id="AwsSolutions-SMG4",
                reason="The pseudonymisation key is not rotated: a new key would give every "
                "identifier a new pseudonym, breaking joins across runs. Replace it "
                "deliberately (a new secret) when pseudonyms may change.",
            )
        )
        return secret

    def _protect_raw(self, settings: Settings) -> None:
        """raw/ is deleted by nobody but the admin role (and lifecycle expiry).

        Overwrites stay allowed: the bucket is versioned, so the earlier version is kept
        (and a new version is a new run). s3:BypassGovernanceRetention is denied too, so
        that with rawObjectLockDays only the admin role can lift a lock early.
        """
        exempt = [settings.raw_admin_role_arn or f"arn:{Aws.PARTITION}:iam::{Aws.ACCOUNT_ID}:root"]
        if not settings.retain_data:
            # CDK's auto-delete function empties the bucket on `cdk destroy`; denied, it
            # would retry its DeleteObjects until the destroy times out.
            provider = self.node.try_find_child(AUTO_DELETE_PROVIDER_ID)
            assert provider is not None, "CDK renamed its auto-delete-objects provider"
            exempt.append(provider.role_arn)
        self.bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid="DenyRawDeletionExceptAdmin",
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=[
                    "s3:DeleteObject",
                    "s3:DeleteObjectVersion",
                    "s3:BypassGovernanceRetention",
                ],
                resources=[self.bucket.arn_for_objects(f"{RAW_PREFIX}*")],
                conditions={"ArnNotLike": {"aws:PrincipalArn": exempt}},
            )
        )

    def _require_data_key(self) -> None:
        """PutObject may ask for SSE-KMS with the data key, or for nothing (the default).

        Each deny tests that its header is present (`Null` false) before comparing it: a
        negated operator on a missing key is true, and would refuse default-encryption
        uploads, multipart parts (which carry no encryption header) and CDK's own writes.
        """
        objects = self.bucket.arn_for_objects("*")

        def deny(sid: str, resource: str, conditions: dict) -> None:
            self.bucket.add_to_resource_policy(
                iam.PolicyStatement(
                    sid=sid,
                    effect=iam.Effect.DENY,
                    principals=[iam.AnyPrincipal()],
                    actions=["s3:PutObject"],
                    resources=[resource],
                    conditions=conditions,
                )
            )

        # AES256 (SSE-S3) or aws:kms:dsse instead of the data key.
        deny(
            "DenyPutWithOtherEncryption",
            objects,
            {"Null": {SSE: "false"}, "StringNotEquals": {SSE: "aws:kms"}},
        )
        # Another KMS key (by ARN or id; an alias resolves in the caller's account, so
        # naming the key by alias is refused too).
        deny(
            "DenyPutWithAnotherKey",
            objects,
            {
                "Null": {SSE_KEY: "false"},
                "StringNotEquals": {SSE_KEY: [self.key.key_arn, self.key.key_id]},
            },
        )
        # aws:kms without a key id means the AWS managed key aws/s3 (PutObject API), not
        # the data key. Limited to raw/, where people upload: the pipeline's services
        # write elsewhere, some (SageMaker checkpoints) with headers we cannot test here.
        deny(
            "DenyRawPutWithAwsManagedKey",
            self.bucket.arn_for_objects(f"{RAW_PREFIX}*"),
            {"Null": {SSE: "false", SSE_KEY: "true"}},
        )

    def _acknowledge_notifications_handler(self) -> None:
        # `event_bridge_enabled` adds CDK's own notification-configuration Lambda.
        handler = self.node.try_find_child(NOTIFICATIONS_HANDLER_ID)
        assert handler is not None, "CDK renamed its bucket notifications handler"
        Validations.of(handler).acknowledge(
            Acknowledgment(
                id="AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                "AWSLambdaBasicExecutionRole]",
                reason="CDK's bucket-notifications handler (deploy time only) uses the AWS "
                "managed basic execution role for its logs; CDK gives no way to replace it.",
            )
        )

    def _allow_macie(self, key: kms.Key) -> None:
        # Macie cannot read SSE-KMS objects unless the key policy itself lets its
        # service-linked role decrypt: a service-linked role's own policy cannot be
        # changed, so a statement naming the account root (which only delegates to IAM
        # policies) grants it nothing. The principal is anyone, narrowed to that role by
        # its ARN: a key policy naming the role as principal would fail to deploy before
        # Macie is enabled (the role does not exist yet).
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowMacieServiceRoleToDecrypt",
                principals=[iam.AnyPrincipal()],
                actions=["kms:Decrypt"],
                resources=["*"],
                conditions={
                    "ArnEquals": {
                        "aws:PrincipalArn": (
                            f"arn:{Aws.PARTITION}:iam::{Aws.ACCOUNT_ID}:role/{MACIE_SERVICE_ROLE}"
                        )
                    }
                },
            )
        )

    def _allow_macie_results(self) -> None:
        """Macie may write its per-object results under macie-results/ (the account's
        results repository, configured there once: README), encrypted with the data key.
        The pipeline reads them to tell a scan that read every object from one that
        skipped some (synthpipe.macie_results)."""
        conditions = {
            "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
            "ArnLike": {
                "aws:SourceArn": [
                    f"arn:{Aws.PARTITION}:macie2:{Aws.REGION}:{Aws.ACCOUNT_ID}:"
                    "export-configuration:*",
                    f"arn:{Aws.PARTITION}:macie2:{Aws.REGION}:{Aws.ACCOUNT_ID}:"
                    "classification-job/*",
                ]
            },
        }
        macie = iam.ServicePrincipal("macie.amazonaws.com")
        self.bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowMacieToWriteResults",
                principals=[macie],
                actions=["s3:PutObject"],
                resources=[self.bucket.arn_for_objects(f"{MACIE_RESULTS_PREFIX}*")],
                conditions=conditions,
            )
        )
        self.bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowMacieToLocateTheBucket",
                principals=[macie],
                actions=["s3:GetBucketLocation"],
                resources=[self.bucket.bucket_arn],
                conditions=conditions,
            )
        )
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowMacieToEncryptResults",
                principals=[macie],
                actions=["kms:GenerateDataKey", "kms:Encrypt"],
                resources=["*"],
                conditions=conditions,
            )
        )

    def _allow_logs_and_alarms(self, key: kms.Key) -> None:
        # The pipeline's log groups are encrypted with this key.
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchLogs",
                principals=[iam.ServicePrincipal(f"logs.{Aws.REGION}.amazonaws.com")],
                actions=[
                    "kms:Encrypt",
                    "kms:Decrypt",
                    "kms:ReEncryptFrom",
                    "kms:ReEncryptTo",
                    "kms:GenerateDataKey",
                    "kms:GenerateDataKeyWithoutPlaintext",
                    "kms:DescribeKey",
                ],
                resources=["*"],
                conditions={
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": (
                            f"arn:{Aws.PARTITION}:logs:{Aws.REGION}:{Aws.ACCOUNT_ID}:log-group:*"
                        )
                    }
                },
            )
        )
        # CloudWatch alarms publish to the KMS-encrypted notification topic.
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchAlarmsToPublish",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey"],
                resources=["*"],
                conditions={"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}},
            )
        )


def lifecycle_rules(settings: Settings) -> list[s3.LifecycleRule]:
    """One rule per prefix of the layout; synthetic/ (the releases) is kept.

    quarantine/ holds copies of refused raw files and cleaned output with personal data:
    it expires after `quarantineRetentionDays` (at most raw/'s), and its noncurrent
    versions after a day.
    """
    rules = [
        s3.LifecycleRule(
            id="all-noncurrent-versions-and-uploads",
            noncurrent_version_expiration=Duration.days(
                settings.noncurrent_version_expiration_days
            ),
            abort_incomplete_multipart_upload_after=Duration.days(7),
        )
    ]
    for prefix, days in (
        (RAW_PREFIX, settings.raw_retention_days),
        ("cleaned/", settings.cleaned_expiration_days),
        ("models/", settings.models_expiration_days),
        ("staging/", settings.staging_expiration_days),
    ):
        rules.append(
            s3.LifecycleRule(
                id=f"expire-{prefix.rstrip('/')}", prefix=prefix, expiration=Duration.days(days)
            )
        )
    # Macie's per-object results (no data values; audit records of each scan): kept as
    # long as the inputs they vouch for.
    rules.append(
        s3.LifecycleRule(
            id="expire-macie-results",
            prefix=MACIE_RESULTS_PREFIX,
            expiration=Duration.days(settings.raw_retention_days),
        )
    )
    rules.append(
        s3.LifecycleRule(
            id="expire-quarantine",
            prefix=QUARANTINE_PREFIX,
            expiration=Duration.days(settings.quarantine_retention_days),
            noncurrent_version_expiration=Duration.days(QUARANTINE_NONCURRENT_DAYS),
        )
    )
    return rules
