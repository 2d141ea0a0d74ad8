"""IAM grants scoped to prefixes of the data bucket, and their cdk-nag acknowledgments.

Every role of the pipeline gets object access only under the prefixes its step reads or
writes (DESIGN.md's layout). Object keys hold per-run parts (dataset, run id), so an
object-level wildcard under the prefix is unavoidable; each one is acknowledged here, next
to the statement that creates it, with the reason.
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import IConstruct

READ = ("s3:GetObject", "s3:GetObjectVersion")
WRITE = ("s3:PutObject",)
DELETE = ("s3:DeleteObject",)


def acknowledge(scope: IConstruct, finding: str, reason: str) -> None:
    Validations.of(scope).acknowledge(Acknowledgment(id=finding, reason=reason))


# How cdk-nag prints the data bucket's ARN (stacks.storage_stack.data_bucket_name).
BUCKET_REF = "arn:<AWS::Partition>:s3:::synthpipe-data-<AWS::AccountId>-<AWS::Region>"


def grant_key(role: iam.IRole, key: kms.IKey, *, encrypt: bool) -> None:
    """Named KMS actions: CDK's grant helpers add wildcards (kms:GenerateDataKey*)."""
    actions = ["kms:Decrypt", "kms:DescribeKey"]
    if encrypt:
        actions += ["kms:Encrypt", "kms:GenerateDataKey"]
    role.add_to_principal_policy(iam.PolicyStatement(actions=actions, resources=[key.key_arn]))


def grant_prefixes(
    role: iam.IRole,
    bucket: s3.IBucket,
    key: kms.IKey,
    *,
    read: tuple[str, ...] = (),
    write: tuple[str, ...] = (),
    delete: tuple[str, ...] = (),
) -> None:
    """Object access under `prefixes` (e.g. "raw/"), listing limited to the same prefixes.

    With listing limited by `s3:prefix` (a key a GetObject or HeadObject request lacks),
    S3 answers a missing object with 403, not 404: code that asks "is it there?" tells
    the two apart with the listing (synthpipe.storage.object_listed), never by the error.
    """
    prefixes = sorted(set(read) | set(write) | set(delete))
    for actions, scoped in ((READ, read), (WRITE, write), (DELETE, delete)):
        if scoped:
            role.add_to_principal_policy(
                iam.PolicyStatement(
                    actions=list(actions),
                    resources=[bucket.arn_for_objects(f"{prefix}*") for prefix in scoped],
                )
            )
    role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=["s3:ListBucket"],
            resources=[bucket.bucket_arn],
            conditions={"StringLike": {"s3:prefix": [f"{p}*" for p in prefixes]}},
        )
    )
    grant_key(role, key, encrypt=bool(write))
    for prefix in prefixes:
        acknowledge(
            role,
            f"AwsSolutions-IAM5[Resource::{BUCKET_REF}/{prefix}*]",
            f"Object keys under {prefix} hold the dataset and run id, known only at run "
            f"time; access is limited to the {prefix} prefix.",
        )


# Where Macie writes its per-object results (the account's results repository, configured
# to this prefix of the data bucket: README, "Macie's results").
MACIE_RESULTS_PREFIX = "macie-results/"


def grant_macie_results(role: iam.IRole, bucket: s3.IBucket, key: kms.IKey) -> None:
    """Read Macie's results and list (never read) the run's cleaned/ objects."""
    role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=["s3:GetObject"],
            resources=[bucket.arn_for_objects(f"{MACIE_RESULTS_PREFIX}*")],
        )
    )
    role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=["s3:ListBucket"],
            resources=[bucket.bucket_arn],
            conditions={"StringLike": {"s3:prefix": ["cleaned/*", f"{MACIE_RESULTS_PREFIX}*"]}},
        )
    )
    # Where the results repository is: no resource scope exists for this action.
    role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=["macie2:GetClassificationExportConfiguration"], resources=["*"]
        )
    )
    grant_key(role, key, encrypt=False)
    acknowledge(
        role,
        f"AwsSolutions-IAM5[Resource::{BUCKET_REF}/{MACIE_RESULTS_PREFIX}*]",
        "Macie names its result files per job and object at run time.",
    )
