"""Prepare: the Glue 5.1 PySpark job running glue_scripts/prepare.py over the bucket.

The job reads the pseudonymisation key from one Secrets Manager secret, named to it by
`--key_secret_id`; its role may read exactly that secret. It reads the execution's object
version (`--version_id`) through its own copy under `staging/<dataset>/<run_id>/input/`
(INPUT_COPIES), which must have the sha256 the start function validated
(`--source_sha256`), under the start function's limits (`--max_*`).
"""

from __future__ import annotations

from aws_cdk import Aws, Duration, RemovalPolicy, Token
from aws_cdk import aws_glue as glue
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from stacks.access import acknowledge, grant_key
from stacks.bundling import REPO, glue_python_modules, synthpipe_zip
from synthpipe.validate import LIMITS_ENV, InputLimits

# Where the job copies the object version it reads (synthpipe.layout.prepare_input): the
# role may write and delete there, and nowhere else under staging/.
INPUT_COPIES = "staging/*/input/"

# Errors of StartJobRun worth another try; a failed job run (States.TaskFailed) is not:
# Prepare fails on the data, and the same data fails the same way.
TRANSIENT_ERRORS = [
    "Glue.ConcurrentRunsExceededException",
    "Glue.InternalServiceException",
    "Glue.OperationTimeoutException",
    "Glue.ThrottlingException",
]


class Prepare(Construct):
    """The Glue job, its role and its security configuration; `task()` runs it."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        key: kms.IKey,
        key_secret: secretsmanager.ISecret,
        worker_type: str,
        worker_count: int,
        flex: bool,
        timeout: Duration,
        limits: InputLimits,
    ) -> None:
        super().__init__(scope, construct_id)
        self.timeout = timeout
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("glue.amazonaws.com"),
            description="synthpipe Prepare (Glue): reads raw/ and config/, writes cleaned/",
        )
        self._allow_logs_and_metrics(self.role)
        security = glue.SecurityConfiguration(
            self,
            "Security",
            s3_encryption=glue.S3Encryption.kms(key),
            cloud_watch_encryption=glue.CloudWatchEncryption.kms(key),
            job_bookmarks_encryption=glue.JobBookmarksEncryption.client_side_kms(key),
        )
        # It holds no data, and its name is fixed (Glue requires one): kept on destroy, it
        # would make the next deploy of this stack fail with AlreadyExists.
        security.apply_removal_policy(RemovalPolicy.DESTROY)
        job_class = glue.PySparkFlexEtlJob if flex else glue.PySparkEtlJob
        self.job = job_class(
            self,
            "Job",
            description="synthpipe Prepare: validate, profile, apply privacy actions, Parquet",
            glue_version=glue.GlueVersion.V5_1,
            role=self.role,
            script=glue.Code.from_asset(str(REPO / "glue_scripts" / "prepare.py")),
            extra_python_files=[glue.Code.from_asset(str(synthpipe_zip()))],
            worker_configuration=glue.WorkerConfiguration(
                worker_type=getattr(glue.WorkerType, worker_type.replace(".", "_")),
                number_of_workers=worker_count,
            ),
            security_configuration=security,
            continuous_logging=glue.ContinuousLoggingProps(enabled=True),
            enable_metrics=True,
            timeout=timeout,
            max_retries=0,  # the state machine decides about retries
            max_concurrent_runs=10,
            default_arguments={
                "--additional-python-modules": glue_python_modules(),
                # Each run id is written once; bookmarks would only skip input.
                "--job-bookmark-option": "job-bookmark-disable",
                # Where the pseudonymisation key is (synthpipe.pii.keys); never the key.
                "--key_secret_id": key_secret.secret_arn,
                # The start function's limits, so that Prepare accepts what it accepted.
                **{f"--{LIMITS_ENV[name].lower()}": str(v) for name, v in limits.kwargs().items()},
            },
        )
        if not Token.is_unresolved(key_secret.secret_arn):
            # CDK warns on any argument named like a secret whose value is written out;
            # this one holds the secret's ARN (pseudonymisationSecretArn), not its value.
            acknowledge(
                self.job,
                "Annotation::@aws-cdk/aws-glue-alpha:plaintextJobArgumentSecret",
                "--key_secret_id holds the ARN of the pseudonymisation secret, not the key; "
                "the job reads the key from Secrets Manager at run time.",
            )
        # Exactly this secret; decrypting it uses the data key (granted below) or, for an
        # existing secret, the key its own policy lets this role use.
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["secretsmanager:GetSecretValue"], resources=[key_secret.secret_arn]
            )
        )
        # Glue's security configuration encrypts output, logs and bookmarks with the key.
        grant_key(self.role, key, encrypt=True)
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["kms:ReEncryptFrom", "kms:ReEncryptTo"], resources=[key.key_arn]
            )
        )
        for finding in (
            "Action::s3:GetBucket*",
            "Action::s3:GetObject*",
            "Action::s3:List*",
            "Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-"
            "<AWS::Region>/*",
        ):
            acknowledge(
                self.role,
                f"AwsSolutions-IAM5[{finding}]",
                "CDK's grant on its asset bucket: Glue reads the job script and the "
                "synthpipe zip from there.",
            )

    def _allow_logs_and_metrics(self, role: iam.Role) -> None:
        # Continuous logging writes to /aws-glue/jobs/logs-v2-<security configuration>.
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=[
                    "logs:CreateLogGroup",
                    "logs:CreateLogStream",
                    "logs:PutLogEvents",
                    "logs:AssociateKmsKey",
                ],
                resources=[
                    f"arn:{Aws.PARTITION}:logs:{Aws.REGION}:{Aws.ACCOUNT_ID}:log-group:/aws-glue/*"
                ],
            )
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["cloudwatch:PutMetricData"],
                resources=["*"],
                conditions={"StringEquals": {"cloudwatch:namespace": "Glue"}},
            )
        )
        acknowledge(
            role,
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:"
            "<AWS::AccountId>:log-group:/aws-glue/*]",
            "Glue names its log groups and streams per job run under /aws-glue/.",
        )
        acknowledge(
            role,
            "AwsSolutions-IAM5[Resource::*]",
            "cloudwatch:PutMetricData supports no resource scope; limited to the Glue namespace.",
        )

    def task(self, *, result_path: str) -> tasks.GlueStartJobRun:
        """Run the job on the execution's object and wait for it."""
        return tasks.GlueStartJobRun(
            self,
            "Prepare",
            state_name="Prepare",
            comment="Glue: raw CSV -> cleaned/<dataset>/<run_id>/ (Parquet, schema, PII actions)",
            glue_job_name=self.job.job_name,
            integration_pattern=sfn.IntegrationPattern.RUN_JOB,
            arguments=sfn.TaskInput.from_object(
                {
                    "--source": sfn.JsonPath.string_at("$.source"),
                    # Exactly the version that started the run, as the start function saw it.
                    "--version_id": sfn.JsonPath.string_at("$.versionId"),
                    "--source_sha256": sfn.JsonPath.string_at("$.validation.sha256"),
                    "--root": sfn.JsonPath.string_at("$.root"),
                    "--dataset": sfn.JsonPath.string_at("$.dataset"),
                    "--run_id": sfn.JsonPath.string_at("$.runId"),
                }
            ),
            task_timeout=sfn.Timeout.duration(self.timeout.plus(Duration.minutes(15))),
            result_selector={
                "jobRunId": sfn.JsonPath.string_at("$.Id"),
                "state": sfn.JsonPath.string_at("$.JobRunState"),
                "executionSeconds": sfn.JsonPath.number_at("$.ExecutionTime"),
            },
            result_path=result_path,
        )
