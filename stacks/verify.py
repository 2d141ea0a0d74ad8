"""Verify: the pipeline's own full personal-data scan, as a SageMaker Processing job.

It runs `synthpipe.verify.verify_cleaned`, the local runner's verify step, unchanged, on
the training image (which already carries the detectors and pyarrow) over a downloaded
copy of the run's cleaned/ prefix. A processing job rather than Glue: the scan is plain
Python over Parquet, with no Spark in it, so Glue would add a Spark cluster, its module
installation at start and a second copy of the runtime; the image is already built and
pulled for the jobs after it, it runs with no network at all, and its message file
(ExitMessage) returns the result to the state machine without another Lambda.

Contract (synthpipe/processing.py, mode `verify`):
- /opt/ml/processing/input/cleaned/<dataset>/<run_id>/: the run's cleaned/ prefix, where
  `RunLayout("/opt/ml/processing/input", dataset, run_id)` expects it;
- environment: SYNTHPIPE_DATASET, SYNTHPIPE_RUN_ID;
- ExitMessage on success: {"engine": "local scan", "rows_scanned", "objects_scanned",
  "seconds"} (no values); on failure: `synthpipe:<code>` (pii_found, unreadable_object,
  nothing_classified, verify_failed) with column positions and entity types.
Any failure fails the task; the state machine then quarantines the cleaned output.
"""

from __future__ import annotations

from aws_cdk import Aws, Duration
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from stacks.access import acknowledge, grant_key
from stacks.training import (
    PROCESSING_ROOT,
    allow_job_logs_and_metrics,
    allow_volume_encryption,
    grant_sync_jobs,
    job_name,
)
from synthpipe import instances

VERIFY_MODE = "verify"
JOB_PREFIX = "verify"


class Verify(Construct):
    """The verify job's role (read cleaned/ only) and its state."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        image: ecr_assets.DockerImageAsset,
        key: kms.IKey,
        instance_type: str,
        volume_gb: int,
        max_runtime: Duration,
    ) -> None:
        super().__init__(scope, construct_id)
        self.image = image
        self.key = key
        self.instance_type = instance_type
        self.volume_gb = volume_gb
        self.max_runtime = max_runtime
        # Its own role: the scan reads cleaned/ and writes nothing to the bucket.
        self.role = iam.Role(
            self,
            "JobRole",
            assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
            description="synthpipe Verify (SageMaker processing): reads cleaned/ only",
        )
        image.repository.grant_pull(self.role)
        # The job's volume is encrypted with the data key.
        grant_key(self.role, key, encrypt=True)
        allow_volume_encryption(self.role, key)
        allow_job_logs_and_metrics(self.role)

    def task(self, *, result_path: str) -> sfn.CustomState:
        """createProcessingJob.sync; its result is the scan's summary, parsed from the
        job's ExitMessage. A job that completes has always written it (run_verify
        writes the message before it returns 0), so the parse cannot miss."""
        root = PROCESSING_ROOT
        parameters = {
            "ProcessingJobName.$": job_name(JOB_PREFIX),
            "AppSpecification": {
                "ImageUri": self.image.image_uri,
                "ContainerArguments": [VERIFY_MODE],
            },
            "RoleArn": self.role.role_arn,
            "Environment": {
                "SYNTHPIPE_DATASET.$": "$.dataset",
                "SYNTHPIPE_RUN_ID.$": "$.runId",
            },
            "ProcessingInputs": [
                {
                    "InputName": "cleaned",
                    "S3Input": {
                        "S3Uri.$": "$.paths.cleaned",
                        "LocalPath.$": f"States.Format('{root}/input/cleaned/{{}}/{{}}', "
                        "$.dataset, $.runId)",
                        "S3DataType": "S3Prefix",
                        "S3InputMode": "File",
                    },
                }
            ],
            "ProcessingResources": {
                "ClusterConfig": {
                    "InstanceCount": 1,
                    "InstanceType": self.instance_type,
                    # Without the key on local NVMe storage (synthpipe.instances).
                    **instances.volume_settings(
                        self.instance_type, self.volume_gb, self.key.key_arn
                    ),
                }
            },
            "StoppingCondition": {"MaxRuntimeInSeconds": int(self.max_runtime.to_seconds())},
            "NetworkConfig": {"EnableNetworkIsolation": True},
        }
        return sfn.CustomState(
            self,
            "Verify",
            state_json={
                "Type": "Task",
                "Comment": "SageMaker processing job on the training image: the pipeline's "
                "own scan of every value under cleaned/<dataset>/<run_id>/ (fails closed)",
                "Resource": f"arn:{Aws.PARTITION}:states:::sagemaker:createProcessingJob.sync",
                "Parameters": parameters,
                "TimeoutSeconds": int(self.max_runtime.plus(Duration.minutes(30)).to_seconds()),
                "ResultSelector": {
                    "jobName.$": "$.ProcessingJobName",
                    "scan.$": "States.StringToJson($.ExitMessage)",
                },
                "ResultPath": result_path,
            },
        )

    def grant_run(self, role: iam.IRole) -> None:
        """What the state machine needs to start, watch and stop the verify job."""
        grant_sync_jobs(
            role,
            kinds=("processing",),
            jobs=(f"processing-job/synthpipe-{JOB_PREFIX}-*",),
            job_role=self.role,
        )
        arn = "arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>"
        acknowledge(
            role,
            f"AwsSolutions-IAM5[Resource::{arn}:processing-job/synthpipe-{JOB_PREFIX}-*]",
            "One verify job per run, named from the run id at run time.",
        )
