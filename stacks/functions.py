"""The pipeline's Lambda functions: thin handlers over synthpipe (lambdas/*.py).

Each function has its own role (no AWS managed policy), its own KMS-encrypted log group,
X-Ray tracing, and the newest Python runtime that cdk-nag's AwsSolutions-L1 accepts.
Data grants are wired by the pipeline stack, in one place.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from stacks.access import acknowledge
from stacks.bundling import lambda_code

RUNTIME = lambda_.Runtime.PYTHON_3_14
# What a LambdaInvoke task retries: the Lambda service's hiccups, never the handler's error.
LAMBDA_TRANSIENT_ERRORS = [
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
]


def retry_lambda_hiccups(task: sfn.TaskStateBase) -> None:
    """A LambdaInvoke task's retries: the Lambda service's hiccups, quickly, never the
    handler's own error (it would fail the same way)."""
    task.add_retry(
        errors=LAMBDA_TRANSIENT_ERRORS,
        interval=Duration.seconds(2),
        max_attempts=4,
        backoff_rate=2,
        jitter_strategy=sfn.JitterType.FULL,
    )


class PipelineFunction(Construct):
    """One handler of lambdas/ with its role and log group."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        handler: str,
        description: str,
        key: kms.IKey,
        log_retention: logs.RetentionDays,
        removal_policy: RemovalPolicy,
        environment: dict[str, str],
        timeout: Duration | None = None,
        memory_mb: int = 512,
    ) -> None:
        super().__init__(scope, construct_id)
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            encryption_key=key,
            retention=log_retention,
            removal_policy=removal_policy,
        )
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"synthpipe {handler} function",
        )
        # What AWSLambdaBasicExecutionRole would give, limited to this function's log group.
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[f"{self.log_group.log_group_arn}:*"],
            )
        )
        self.function = lambda_.Function(
            self,
            "Function",
            runtime=RUNTIME,
            handler=f"{handler}.handler",
            code=lambda_code(),
            description=description,
            role=self.role,
            timeout=timeout or Duration.minutes(1),
            memory_size=memory_mb,
            log_group=self.log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            tracing=lambda_.Tracing.ACTIVE,
            environment=environment,
        )
        acknowledge(
            self.role,
            f"AwsSolutions-IAM5[Resource::<{self._log_group_logical_id()}.Arn>:*]",
            "Log streams of this function's own log group are named at run time.",
        )
        acknowledge(
            self.role,
            "AwsSolutions-IAM5[Resource::*]",
            "X-Ray's PutTraceSegments and PutTelemetryRecords support no resource scope.",
        )

    def _log_group_logical_id(self) -> str:
        child = self.log_group.node.default_child
        return self.log_group.stack.get_logical_id(child)
