"""Verify privacy with Amazon Macie: a one-time job over the run's cleaned/ prefix.

CloudFormation cannot create classification jobs, so the state machine starts one per
run through the AWS SDK integration and polls it. The scan fails closed: a finding, a job
that stops, a job that runs past the timeout, an empty scope, or a job that reports
errors (objects it could not read, e.g. a key policy that keeps Macie out) all stop the
run before training.
"""

from __future__ import annotations

import math

from aws_cdk import Aws, Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from stacks.access import acknowledge
from stacks.functions import retry_lambda_hiccups

MACIE_TRANSIENT_ERRORS = ["Macie2.ThrottlingException", "Macie2.InternalServerException"]
S3_TRANSIENT_ERRORS = ["S3.SdkClientException", "S3.S3Exception"]
STOPPED_STATUSES = ("CANCELLED", "USER_PAUSED", "PAUSED")


class PrivacyScan(Construct):
    """The scan's states: Macie checked, a job over the run's cleaned/ prefix, its results."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        bucket: s3.IBucket,
        setup: lambda_.IFunction,
        results_check: lambda_.IFunction,
        poll_interval: Duration,
        timeout: Duration,
    ) -> None:
        super().__init__(scope, construct_id)
        self.bucket = bucket
        self.setup = setup
        self.results_check = results_check
        self.poll_interval = poll_interval
        self.max_polls = math.ceil(timeout.to_seconds() / poll_interval.to_seconds())

    def _arn(self, resource: str) -> str:
        return f"arn:{Aws.PARTITION}:macie2:{Aws.REGION}:{Aws.ACCOUNT_ID}:{resource}"

    def chain(self, *, on_failure: sfn.IChainable, result_path: str) -> tasks.CallAwsService:
        """The scan from its first state; ends in a Pass at `result_path` on success.

        Failures set `$.failure` ({step, Error, Cause}) and go to `on_failure`. Returns the
        first state; call `.next()` on `self.passed` to continue.
        """

        def failed(name: str, error: str, cause: str) -> sfn.Pass:
            return sfn.Pass(
                self,
                name,
                state_name=name,
                result=sfn.Result.from_object({"step": "verify", "Error": error, "Cause": cause}),
                result_path="$.failure",
            ).next(on_failure)

        def caught(task: sfn.TaskStateBase, name: str) -> None:
            task.add_catch(
                sfn.Pass(
                    self,
                    name,
                    state_name=name,
                    parameters={
                        "step": "verify",
                        "Error": sfn.JsonPath.string_at("$.error.Error"),
                        "Cause": sfn.JsonPath.string_at("$.error.Cause"),
                    },
                    result_path="$.failure",
                ).next(on_failure),
                result_path="$.error",
            )

        # Macie's account-wide state is checked at run time, not deploy time: a deploy
        # never fails on it, and a run where Macie is off stops with macie_not_enabled.
        prepare = tasks.LambdaInvoke(
            self,
            "Setup",
            state_name="Prepare Macie",
            comment="Macie enabled? The e-mail identifier (made once) and its id",
            lambda_function=self.setup,
            payload_response_only=True,
            retry_on_service_exceptions=False,
            task_timeout=sfn.Timeout.duration(Duration.minutes(2)),
            result_path="$.macieSetup",
        )
        retry_lambda_hiccups(prepare)
        caught(prepare, "Preparing Macie failed")

        list_cleaned = tasks.CallAwsService(
            self,
            "ListCleaned",
            state_name="List cleaned objects",
            comment="What the Macie job will scan: the run's cleaned/ prefix",
            service="s3",
            action="listObjectsV2",
            parameters={
                "Bucket": self.bucket.bucket_name,
                "Prefix": sfn.JsonPath.string_at("$.paths.cleanedPrefix"),
                "MaxKeys": 1000,
            },
            iam_resources=[self.bucket.bucket_arn],
            iam_action="s3:ListBucket",
            result_selector={"keyCount": sfn.JsonPath.number_at("$.KeyCount")},
            result_path="$.cleanedObjects",
            task_timeout=sfn.Timeout.duration(Duration.minutes(2)),
        )
        list_cleaned.add_retry(
            errors=S3_TRANSIENT_ERRORS, interval=Duration.seconds(5), max_attempts=3, backoff_rate=2
        )
        caught(list_cleaned, "Listing cleaned objects failed")

        start = tasks.CallAwsService(
            self,
            "StartJob",
            state_name="Start Macie job",
            comment="One-time job scoped to cleaned/<dataset>/<run_id>/; the run id is the token",
            service="macie2",
            action="createClassificationJob",
            parameters={
                "ClientToken": sfn.JsonPath.string_at("$.runId"),
                "Name": sfn.JsonPath.format(
                    "synthpipe-{}-{}",
                    sfn.JsonPath.string_at("$.dataset"),
                    sfn.JsonPath.string_at("$.runId"),
                ),
                "JobType": "ONE_TIME",
                "ManagedDataIdentifierSelector": "ALL",
                "CustomDataIdentifierIds": sfn.JsonPath.array(
                    sfn.JsonPath.string_at("$.macieSetup.identifierId")
                ),
                "S3JobDefinition": {
                    "BucketDefinitions": [
                        {"AccountId": Aws.ACCOUNT_ID, "Buckets": [self.bucket.bucket_name]}
                    ],
                    "Scoping": {
                        "Includes": {
                            "And": [
                                {
                                    "SimpleScopeTerm": {
                                        "Comparator": "STARTS_WITH",
                                        "Key": "OBJECT_KEY",
                                        "Values": sfn.JsonPath.array(
                                            sfn.JsonPath.string_at("$.paths.cleanedPrefix")
                                        ),
                                    }
                                }
                            ]
                        }
                    },
                },
            },
            iam_resources=[
                self._arn("classification-job/*"),
                self._arn("custom-data-identifier/*"),
            ],
            result_selector={"jobId": sfn.JsonPath.string_at("$.JobId"), "polls": 0},
            result_path="$.macie",
            task_timeout=sfn.Timeout.duration(Duration.minutes(2)),
        )
        start.add_retry(
            errors=MACIE_TRANSIENT_ERRORS,
            interval=Duration.seconds(10),
            max_attempts=3,
            backoff_rate=2,
        )
        caught(start, "Starting Macie job failed")

        wait = sfn.Wait(
            self,
            "Wait",
            state_name="Wait for Macie",
            time=sfn.WaitTime.duration(self.poll_interval),
        )
        count = sfn.Pass(
            self,
            "CountPoll",
            state_name="Count Macie poll",
            parameters={
                "jobId": sfn.JsonPath.string_at("$.macie.jobId"),
                "polls": sfn.JsonPath.math_add(sfn.JsonPath.number_at("$.macie.polls"), 1),
            },
            result_path="$.macie",
        )
        describe = tasks.CallAwsService(
            self,
            "DescribeJob",
            state_name="Describe Macie job",
            service="macie2",
            action="describeClassificationJob",
            parameters={"JobId": sfn.JsonPath.string_at("$.macie.jobId")},
            iam_resources=[self._arn("classification-job/*")],
            result_path="$.macieJob",
            task_timeout=sfn.Timeout.duration(Duration.minutes(2)),
        )
        describe.add_retry(
            errors=MACIE_TRANSIENT_ERRORS,
            interval=Duration.seconds(10),
            max_attempts=5,
            backoff_rate=2,
        )
        caught(describe, "Describing Macie job failed")

        cancel = tasks.CallAwsService(
            self,
            "CancelJob",
            state_name="Cancel Macie job",
            comment="Stop paying for a job whose result would come too late",
            service="macie2",
            action="updateClassificationJob",
            parameters={"JobId": sfn.JsonPath.string_at("$.macie.jobId"), "JobStatus": "CANCELLED"},
            iam_resources=[self._arn("classification-job/*")],
            result_path=sfn.JsonPath.DISCARD,
            task_timeout=sfn.Timeout.duration(Duration.minutes(2)),
        )
        cancel.add_retry(errors=MACIE_TRANSIENT_ERRORS, max_attempts=2)
        cancel.add_catch(on_failure, result_path="$.cancelError")
        cancel.next(on_failure)

        list_findings = tasks.CallAwsService(
            self,
            "ListFindings",
            state_name="List Macie findings",
            comment="Findings of this job only, by job id",
            service="macie2",
            action="listFindings",
            parameters={
                "FindingCriteria": {
                    "Criterion": {
                        "classificationDetails.jobId": {
                            "Eq": sfn.JsonPath.array(sfn.JsonPath.string_at("$.macie.jobId"))
                        }
                    }
                },
                "MaxResults": 25,
            },
            # ListFindings supports no resource-level permission.
            iam_resources=["*"],
            result_selector={"findingIds": sfn.JsonPath.list_at("$.FindingIds")},
            result_path="$.macieFindings",
            task_timeout=sfn.Timeout.duration(Duration.minutes(2)),
        )
        list_findings.add_retry(
            errors=MACIE_TRANSIENT_ERRORS,
            interval=Duration.seconds(10),
            max_attempts=3,
            backoff_rate=2,
        )
        caught(list_findings, "Listing Macie findings failed")

        # The job's status reports only account- and bucket-level errors: whether Macie
        # read each object whole is in its per-object results (synthpipe.macie_results).
        check_results = tasks.LambdaInvoke(
            self,
            "CheckResults",
            state_name="Check Macie results",
            comment="Every non-empty cleaned object has a COMPLETE result of this job",
            lambda_function=self.results_check,
            payload_response_only=True,
            retry_on_service_exceptions=False,
            # It waits up to 5 minutes for results that land after the job completed.
            task_timeout=sfn.Timeout.duration(Duration.minutes(10)),
            result_path="$.macieResults",
        )
        retry_lambda_hiccups(check_results)
        caught(check_results, "Checking Macie results failed")

        self.passed = sfn.Pass(
            self,
            "Passed",
            state_name="Privacy scan passed",
            parameters={
                "engine": "macie",
                "jobId": sfn.JsonPath.string_at("$.macie.jobId"),
                "findings": 0,
                "objectsInScope": sfn.JsonPath.number_at("$.cleanedObjects.keyCount"),
                "objectsRead": sfn.JsonPath.number_at("$.macieResults.objectsRead"),
            },
            result_path=result_path,
        )
        check_results.next(self.passed)

        nothing = failed(
            "Nothing classified",
            "NothingClassified",
            "Macie classified nothing under the run's cleaned/ prefix (no object, or the job "
            "reported errors reading objects), so nothing was verified.",
        )
        pii = failed(
            "Personal data found",
            "PiiFound",
            "Macie found personal data in the cleaned output.",
        )
        stopped = failed(
            "Macie job stopped",
            "MacieJobStopped",
            "The Macie job was cancelled or paused before it completed.",
        )
        timed_out = sfn.Pass(
            self,
            "TimedOut",
            state_name="Macie timed out",
            result=sfn.Result.from_object(
                {
                    "step": "verify",
                    "Error": "MacieTimeout",
                    "Cause": f"The Macie job did not complete within {self.max_polls} polls.",
                }
            ),
            result_path="$.failure",
        ).next(cancel)

        errors_reported = sfn.Condition.and_(
            sfn.Condition.is_present("$.macieJob.LastRunErrorStatus.Code"),
            sfn.Condition.string_equals("$.macieJob.LastRunErrorStatus.Code", "ERROR"),
        )
        list_findings.next(
            sfn.Choice(self, "AnyFinding", state_name="Personal data found?")
            .when(sfn.Condition.is_present("$.macieFindings.findingIds[0]"), pii)
            .otherwise(check_results)
        )
        completed = (
            sfn.Choice(self, "RunErrors", state_name="Macie read every object?")
            .when(errors_reported, nothing)
            .otherwise(list_findings)
        )
        status = sfn.Choice(self, "Status", state_name="Macie job done?")
        status.when(sfn.Condition.string_equals("$.macieJob.JobStatus", "COMPLETE"), completed)
        for stop in STOPPED_STATUSES:
            status.when(sfn.Condition.string_equals("$.macieJob.JobStatus", stop), stopped)
        status.when(
            sfn.Condition.number_greater_than_equals("$.macie.polls", self.max_polls), timed_out
        )
        status.otherwise(wait)

        prepare.next(list_cleaned)
        list_cleaned.next(
            sfn.Choice(self, "AnythingToScan", state_name="Anything to scan?")
            .when(sfn.Condition.number_equals("$.cleanedObjects.keyCount", 0), nothing)
            .otherwise(start)
        )
        start.next(wait)
        wait.next(count).next(describe).next(status)
        return prepare

    def acknowledge_findings(self, role: iam.IRole) -> None:
        """Acknowledge the wildcards the scan's statements need, on the state machine role."""
        for function in (self.setup, self.results_check):
            logical = Stack.of(self).get_logical_id(function.node.default_child)
            acknowledge(
                role,
                f"AwsSolutions-IAM5[Resource::<{logical}.Arn>:*]",
                "LambdaInvoke's grant covers the function's versions and aliases (ARN:*).",
            )
        arn = "arn:<AWS::Partition>:macie2:<AWS::Region>:<AWS::AccountId>"
        acknowledge(
            role,
            f"AwsSolutions-IAM5[Resource::{arn}:classification-job/*]",
            "One Macie job per run; its id is known only once the run has started it.",
        )
        acknowledge(
            role,
            f"AwsSolutions-IAM5[Resource::{arn}:custom-data-identifier/*]",
            "CreateClassificationJob checks the custom identifiers it names; ours is made "
            "at run time (synthpipe.macie_identifier), its id known only then.",
        )
