"""Train and generate + evaluate: SageMaker jobs on the image built from training/.

Both tasks are written as the Step Functions SageMaker integration's JSON, because the
CDK task for training jobs has no managed spot or checkpoint settings and there is no CDK
task for processing jobs. Their IAM sits next to them, here.

Contract of the generate + evaluate job (a SageMaker Processing job on the same image,
whose ENTRYPOINT is `python /opt/program/train.py`):
- arguments: `generate_evaluate` (the mode; `train` is the training job's);
- /opt/ml/processing/input/model/model.tar.gz: the training job's model folder, tarred;
- /opt/ml/processing/input/cleaned/: the run's cleaned/ prefix (schema.json, data/, ...);
- environment: SYNTHPIPE_DATASET, SYNTHPIPE_RUN_ID, SYNTHPIPE_ROWS_TO_GENERATE (0 = as many
  as the input), SYNTHPIPE_TARGET_COLUMN ('' = none), SYNTHPIPE_THRESHOLDS (a JSON object
  of metric -> threshold for `evaluate.Thresholds.from_settings`; {} = its defaults),
  SYNTHPIPE_SEED;
- /opt/ml/processing/input/lineage/lineage.json: the run's lineage (JSON: dataset, run_id,
  source{bucket, key, version_id, sha256, size_bytes, rows}, code_version, seed; the
  runner's `_lineage`), which the start function writes to staging/ (an environment value
  is capped at 256 characters, and an S3 key alone may be 1,024 bytes);
- everything written to /opt/ml/processing/output/ lands as-is in
  staging/<dataset>/<run_id>/: synthetic.csv, synthetic.parquet, report.html and
  report.json (synthpipe/evaluate/report.schema.json) whose verdict and gates the gate
  Lambda reads with `synthpipe.publish.check_gate`.
The entry point does what the local runner's `_generate` and `_evaluate` do, with
`model.tar.gz` extracted as the model folder. A failed job leaves `synthpipe:<code>` as
its ExitMessage (/opt/ml/output/message), and the training job the same first token in
its failure file: the state machine reads the code, never the job's own words.
The verify job on the same image is in stacks/verify.py.
"""

from __future__ import annotations

from aws_cdk import Aws, Duration, IgnoreMode
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from stacks.access import acknowledge, grant_key
from stacks.bundling import REPO
from synthpipe import instances
from synthpipe.train.metrics import METRIC_DEFINITIONS

GENERATE_MODE = "generate_evaluate"
# The runs' lineage.json objects (synthpipe.layout.lineage_json), which the start function
# writes: it may write there and nowhere else under staging/.
LINEAGE_OBJECTS = "staging/*/lineage.json"
PROCESSING_ROOT = "/opt/ml/processing"
# What a SageMaker job task retries: errors by which SageMaker refused to create the job,
# so a retry never meets a job of the same name. Not `SageMaker.AmazonSageMakerException`:
# Step Functions gives that name to every error SageMaker's model does not declare,
# ValidationException and AccessDeniedException included (retrying those only delays the
# same failure), and to an internal error after which the job may exist (the retry's
# CreateTrainingJob would then fail on its duplicate name).
TRANSIENT_ERRORS = [
    "SageMaker.ResourceLimitExceededException",
    "SageMaker.ThrottlingException",
]
# Only what the image needs: the build context is the repository root (training/Dockerfile
# copies synthpipe/ and the second engine's pins), so everything else is left out of the
# asset and of its hash.
IMAGE_CONTEXT_EXCLUDE = [
    "*",
    "!synthpipe",
    "!training",
    "!requirements-argn.txt",
    "**/__pycache__",
    "**/*.pyc",
]


def job_name(prefix: str) -> str:
    # Job names allow [a-zA-Z0-9-], 63 characters: the run id fits, the dataset may not.
    return f"States.Format('synthpipe-{prefix}-{{}}', $.runId)"


def allow_job_logs_and_metrics(role: iam.Role) -> None:
    """What a SageMaker job's role needs for its logs and metrics, with the
    acknowledgments of the wildcards that SageMaker's naming forces."""
    role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=[
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:DescribeLogStreams",
                "logs:PutLogEvents",
            ],
            resources=[
                f"arn:{Aws.PARTITION}:logs:{Aws.REGION}:{Aws.ACCOUNT_ID}:log-group:/aws/sagemaker/*"
            ],
        )
    )
    role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=["cloudwatch:PutMetricData"],
            resources=["*"],
            conditions={"StringLike": {"cloudwatch:namespace": "/aws/sagemaker/*"}},
        )
    )
    acknowledge(
        role,
        "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:"
        "<AWS::AccountId>:log-group:/aws/sagemaker/*]",
        "SageMaker writes to /aws/sagemaker/TrainingJobs and ProcessingJobs, one stream "
        "per job, named at run time.",
    )
    acknowledge(
        role,
        "AwsSolutions-IAM5[Resource::*]",
        "ecr:GetAuthorizationToken and cloudwatch:PutMetricData support no resource "
        "scope; metrics are limited to SageMaker's namespaces.",
    )


def allow_volume_encryption(role: iam.IRole, key: kms.IKey) -> None:
    """A job whose request sets VolumeKmsKeyId runs on volumes that SageMaker encrypts
    through a KMS grant created as the job's role: kms:CreateGrant, for AWS resources only."""
    role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=["kms:CreateGrant"],
            resources=[key.key_arn],
            conditions={"Bool": {"kms:GrantIsForAWSResource": "true"}},
        )
    )


def grant_sync_jobs(
    role: iam.IRole, *, kinds: tuple[str, ...], jobs: tuple[str, ...], job_role: iam.IRole
) -> None:
    """What Step Functions' SageMaker `.sync` integration needs to run jobs of `kinds`
    ("training", "processing") named `jobs`: create, describe and stop them, tag them and
    read their tags (it tags each job MANAGED_BY_AWS; without sagemaker:AddTags the create
    call is refused: aws-cdk issues 32294, 26012), pass the jobs' role to SageMaker only,
    and manage the EventBridge rule it watches them with."""
    arns = f"arn:{Aws.PARTITION}:sagemaker:{Aws.REGION}:{Aws.ACCOUNT_ID}"
    verbs = ("Create", "Describe", "Stop")
    role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=[f"sagemaker:{v}{k.capitalize()}Job" for k in kinds for v in verbs]
            + ["sagemaker:AddTags", "sagemaker:ListTags"],
            resources=[f"{arns}:{job}" for job in jobs],
        )
    )
    role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=["iam:PassRole"],
            resources=[job_role.role_arn],
            conditions={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
        )
    )
    rules = f"arn:{Aws.PARTITION}:events:{Aws.REGION}:{Aws.ACCOUNT_ID}:rule"
    role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=["events:PutTargets", "events:PutRule", "events:DescribeRule"],
            resources=[
                f"{rules}/StepFunctionsGetEventsForSageMaker{k.capitalize()}JobsRule" for k in kinds
            ],
        )
    )


class Training(Construct):
    """The image, the jobs' execution role and the two SageMaker tasks."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        key: kms.IKey,
        training_instance_type: str,
        training_volume_gb: int,
        training_max_runtime: Duration,
        use_spot: bool,
        spot_max_wait: Duration,
        generate_instance_type: str,
        generate_volume_gb: int,
        generate_max_runtime: Duration,
    ) -> None:
        super().__init__(scope, construct_id)
        self.key = key
        self._images: dict[str, ecr_assets.DockerImageAsset] = {}
        self.role = iam.Role(
            self,
            "JobRole",
            assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
            description="synthpipe SageMaker jobs: read cleaned/ and models/, write models/ "
            "and staging/",
        )
        # The CPU build: Verify's, and every job's on an instance without a GPU.
        self.image = self.image_for(instances.CPU_TORCH_VARIANT)
        grant_key(self.role, key, encrypt=True)
        allow_volume_encryption(self.role, key)
        allow_job_logs_and_metrics(self.role)
        self.training = dict(
            instance_type=training_instance_type,
            volume_gb=training_volume_gb,
            max_runtime=training_max_runtime,
            use_spot=use_spot,
            spot_max_wait=spot_max_wait,
        )
        self.generate = dict(
            instance_type=generate_instance_type,
            volume_gb=generate_volume_gb,
            max_runtime=generate_max_runtime,
        )

    def image_for(self, variant: str) -> ecr_assets.DockerImageAsset:
        """The training image's build for a torch variant (synthpipe.instances), made
        once: the CUDA build (several GB) only when a job's instance has a GPU."""
        if variant not in self._images:
            image = ecr_assets.DockerImageAsset(
                self,
                "Image" if variant == instances.CPU_TORCH_VARIANT else f"Image-{variant}",
                directory=str(REPO),
                file="training/Dockerfile",
                # The CPU build takes the Dockerfile's default (and keeps its asset hash).
                build_args=None
                if variant == instances.CPU_TORCH_VARIANT
                else {"TORCH_VARIANT": variant},
                exclude=IMAGE_CONTEXT_EXCLUDE,
                ignore_mode=IgnoreMode.DOCKER,
                platform=ecr_assets.Platform.LINUX_AMD64,
            )
            image.repository.grant_pull(self.role)
            self._images[variant] = image
        return self._images[variant]

    def _image_uri(self, instance_type: str) -> str:
        return self.image_for(instances.torch_variant(instance_type)).image_uri

    def train_task(self, *, result_path: str) -> sfn.CustomState:
        """createTrainingJob.sync: cleaned/ in, models/<dataset>/<run_id>/ out."""
        settings = self.training
        stopping: dict = {"MaxRuntimeInSeconds": int(settings["max_runtime"].to_seconds())}
        parameters: dict = {
            "TrainingJobName.$": job_name("train"),
            "AlgorithmSpecification": {
                "TrainingImage": self._image_uri(settings["instance_type"]),
                "TrainingInputMode": "File",
                # The evaluation line's figures as job metrics (console charts, and
                # the final values that `synthpipe train --on-sagemaker --wait` prints).
                "MetricDefinitions": [dict(d) for d in METRIC_DEFINITIONS],
            },
            "RoleArn": self.role.role_arn,
            # Every hyperparameter, as strings: settings, then config/<dataset>.json.
            "HyperParameters.$": "$.hyperparameters",
            "InputDataConfig": [
                {
                    "ChannelName": "train",
                    "DataSource": {
                        "S3DataSource": {
                            "S3DataType": "S3Prefix",
                            "S3Uri.$": "$.paths.cleaned",
                            "S3DataDistributionType": "FullyReplicated",
                        }
                    },
                }
            ],
            "OutputDataConfig": {
                "S3OutputPath.$": "$.paths.models",
                "KmsKeyId": self.key.key_arn,
            },
            "ResourceConfig": {
                "InstanceCount": 1,
                "InstanceType": settings["instance_type"],
                # Without the key on local NVMe storage (synthpipe.instances).
                **instances.volume_settings(
                    settings["instance_type"], settings["volume_gb"], self.key.key_arn
                ),
            },
            "StoppingCondition": stopping,
            "EnableNetworkIsolation": True,
        }
        if settings["use_spot"]:
            parameters["EnableManagedSpotTraining"] = True
            stopping["MaxWaitTimeInSeconds"] = int(settings["spot_max_wait"].to_seconds())
            # train.py checkpoints under /opt/ml/checkpoints; SageMaker syncs it with S3
            # so that an interrupted spot job resumes instead of starting over.
            parameters["CheckpointConfig"] = {
                "S3Uri.$": "$.paths.checkpoints",
                "LocalPath": "/opt/ml/checkpoints",
            }
        longest = settings["spot_max_wait"] if settings["use_spot"] else settings["max_runtime"]
        return sfn.CustomState(
            self,
            "Train",
            state_json={
                "Type": "Task",
                "Comment": "SageMaker training job (TVAE) on the training/ image",
                "Resource": f"arn:{Aws.PARTITION}:states:::sagemaker:createTrainingJob.sync",
                "Parameters": parameters,
                "TimeoutSeconds": int(longest.plus(Duration.minutes(30)).to_seconds()),
                "ResultSelector": {
                    "jobName.$": "$.TrainingJobName",
                    "modelArtifacts.$": "$.ModelArtifacts.S3ModelArtifacts",
                    "billableSeconds.$": "$.BillableTimeInSeconds",
                },
                "ResultPath": result_path,
            },
        )

    def generate_task(self, *, result_path: str) -> sfn.CustomState:
        """createProcessingJob.sync: the model and cleaned/ in, staging/ out (see above)."""
        settings = self.generate
        root = PROCESSING_ROOT
        parameters = {
            "ProcessingJobName.$": job_name("generate"),
            "AppSpecification": {
                "ImageUri": self._image_uri(settings["instance_type"]),
                "ContainerArguments": [GENERATE_MODE],
            },
            "RoleArn": self.role.role_arn,
            "Environment": {
                "SYNTHPIPE_DATASET.$": "$.dataset",
                "SYNTHPIPE_RUN_ID.$": "$.runId",
                "SYNTHPIPE_ROWS_TO_GENERATE.$": "$.generate.rowsToGenerate",
                "SYNTHPIPE_TARGET_COLUMN.$": "$.generate.targetColumn",
                "SYNTHPIPE_THRESHOLDS.$": "$.generate.thresholds",
                "SYNTHPIPE_SEED.$": "$.generate.seed",
            },
            "ProcessingInputs": [
                {
                    "InputName": "model",
                    "S3Input": {
                        "S3Uri.$": "$.training.modelArtifacts",
                        "LocalPath": f"{root}/input/model",
                        "S3DataType": "S3Prefix",
                        "S3InputMode": "File",
                    },
                },
                {
                    "InputName": "cleaned",
                    "S3Input": {
                        "S3Uri.$": "$.paths.cleaned",
                        "LocalPath": f"{root}/input/cleaned",
                        "S3DataType": "S3Prefix",
                        "S3InputMode": "File",
                    },
                },
                {
                    # One object: SageMaker puts it at LocalPath/lineage.json.
                    "InputName": "lineage",
                    "S3Input": {
                        "S3Uri.$": "$.paths.lineage",
                        "LocalPath": f"{root}/input/lineage",
                        "S3DataType": "S3Prefix",
                        "S3InputMode": "File",
                    },
                },
            ],
            "ProcessingOutputConfig": {
                "Outputs": [
                    {
                        "OutputName": "staging",
                        "S3Output": {
                            "S3Uri.$": "$.paths.staging",
                            "LocalPath": f"{root}/output",
                            "S3UploadMode": "EndOfJob",
                        },
                    }
                ],
                "KmsKeyId": self.key.key_arn,
            },
            "ProcessingResources": {
                "ClusterConfig": {
                    "InstanceCount": 1,
                    "InstanceType": settings["instance_type"],
                    **instances.volume_settings(
                        settings["instance_type"], settings["volume_gb"], self.key.key_arn
                    ),
                }
            },
            "StoppingCondition": {"MaxRuntimeInSeconds": int(settings["max_runtime"].to_seconds())},
            "NetworkConfig": {"EnableNetworkIsolation": True},
        }
        return sfn.CustomState(
            self,
            "Generate",
            state_json={
                "Type": "Task",
                "Comment": "SageMaker processing job on the same image: generate, evaluate",
                "Resource": f"arn:{Aws.PARTITION}:states:::sagemaker:createProcessingJob.sync",
                "Parameters": parameters,
                "TimeoutSeconds": int(
                    settings["max_runtime"].plus(Duration.minutes(30)).to_seconds()
                ),
                "ResultSelector": {"jobName.$": "$.ProcessingJobName"},
                "ResultPath": result_path,
            },
        )

    def grant_run(self, role: iam.IRole) -> None:
        """What the state machine needs to start, watch and stop both jobs."""
        grant_sync_jobs(
            role,
            kinds=("training", "processing"),
            jobs=("training-job/synthpipe-train-*", "processing-job/synthpipe-generate-*"),
            job_role=self.role,
        )
        arn = "arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>"
        acknowledge(
            role,
            f"AwsSolutions-IAM5[Resource::{arn}:training-job/synthpipe-train-*]",
            "One training job per run, named from the run id at run time.",
        )
        acknowledge(
            role,
            f"AwsSolutions-IAM5[Resource::{arn}:processing-job/synthpipe-generate-*]",
            "One processing job per run, named from the run id at run time.",
        )
