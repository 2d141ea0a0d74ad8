"""A deploy smoke test on a real AWS account: `synthpipe smoke --profile P --region R`.

Checks what a first deploy needs (bootstrap, Docker, Macie, the spot training quota),
deploys both stacks with the project's CDK CLI, uploads the bundled sample to raw/,
follows the Step Functions execution the upload starts, checks the release (its
manifest.json marker and the verdict in report.json), reports the wall time of each
step and the usage that costs money (Glue DPU-seconds, SageMaker seconds and instance
types, Macie's scan, Lambda invocations, state transitions), read from the services'
describe APIs, then destroys the stacks (`keep` keeps them).

Every command and API call goes through `Actions`, which prints it with its
parameters before making it; with `dry_run` it makes none and answers with
placeholders, so a dry run prints every step and touches nothing.

Deployed with `retainData=false` unless told otherwise, so that the destroy leaves no
bucket, key or log group behind (a retained bucket's fixed name would stop the next
deploy). It refuses to run over stacks that already exist in the account and Region
(it would destroy them) unless `keep` is given.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from synthpipe import instances
from synthpipe.events import execution_name
from synthpipe.layout import RunLayout, run_id_for
from synthpipe.publish import MARKER, WITHDRAWN, is_marker

REPO = Path(__file__).resolve().parents[1]
STORAGE, PIPELINE = "SynthpipeStorage", "SynthpipePipeline"
BOOTSTRAP_STACK = "CDKToolkit"
DATASET = "smoke"
SAMPLE_KEY = f"raw/{DATASET}/banksim.csv"
SAMPLE_CONFIG = {"target_column": "fraud"}  # as `synthpipe demo` has it
# What the smoke deploy sets unless -c says otherwise: nothing left after the destroy.
SMOKE_CONTEXT = {"retainData": "false"}
CDK = ("npx", "--no-install", "cdk")  # the CLI pinned in package.json


class SmokeError(Exception):
    """A step that stops the smoke test: what happened and what to do."""

    def __init__(self, message: str, fix: str = "") -> None:
        super().__init__(message)
        self.fix = fix


@dataclass(frozen=True)
class SmokeOptions:
    region: str
    profile: str | None = None
    keep: bool = False
    dry_run: bool = False
    # -c key=value for `cdk deploy`, over SMOKE_CONTEXT and cdk.json.
    context: dict[str, str] = field(default_factory=dict)
    rows: int = 50_000
    timeout_minutes: int = 120
    poll_seconds: int = 30


@dataclass
class SmokeResult:
    status: str = "NOT_STARTED"  # the execution's: SUCCEEDED, FAILED, TIMED_OUT, ...
    execution_arn: str = ""
    run_id: str = ""
    failed_state: str = ""
    error: str = ""
    verdict: str = ""
    release_attempt: int | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    usage: dict[str, Any] = field(default_factory=dict)
    destroyed: bool = False
    problem: str = ""
    dry_run: bool = False

    @property
    def passed(self) -> bool:
        return self.status == "SUCCEEDED" and self.verdict == "pass" and not self.problem


class Actions:
    """Commands and AWS calls, printed before they are made (and only printed in a dry
    run, where each call answers with the `dry` value its caller gives)."""

    def __init__(
        self,
        options: SmokeOptions,
        *,
        session: Any = None,
        clients: dict[str, Any] | None = None,
        out: Callable[[str], None] = print,
        run: Callable[..., Any] = subprocess.run,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.options = options
        self.dry = options.dry_run
        self.out = out
        self._session = session
        self._clients: dict[str, Any] = dict(clients or {})
        self._run = run
        self.sleep = (lambda _seconds: None) if self.dry else sleep
        self.clock = clock

    def client(self, service: str) -> Any:
        if service not in self._clients:
            if self._session is None:
                import boto3  # lazily, as everywhere in synthpipe

                self._session = boto3.Session(
                    profile_name=self.options.profile, region_name=self.options.region
                )
            self._clients[service] = self._session.client(service)
        return self._clients[service]

    def call(self, service: str, operation: str, *, dry: Any = None, echo: bool = True, **params):
        if echo or self.dry:
            shown = ", ".join(f"{k}={_short(v)}" for k, v in params.items())
            self.out(f"  aws {service} {operation}({shown})")
        if self.dry:
            return {} if dry is None else dry
        return getattr(self.client(service), operation)(**params)

    def command(self, args: list[str], *, env: dict[str, str]) -> None:
        shown = "".join(f"{k}={v} " for k, v in env.items())
        self.out(f"  $ {shown}{' '.join(args)}")
        if self.dry:
            return
        done = self._run(args, cwd=REPO, env={**os.environ, **env}, check=False)
        if done.returncode != 0:
            raise SmokeError(
                f"`{' '.join(args[:4])} ...` exited with {done.returncode}.",
                fix="Read its output above; the README's 'First deploy' checklist lists "
                "what a first deploy needs.",
            )


def run_smoke(options: SmokeOptions, actions: Actions | None = None) -> SmokeResult:
    """The whole smoke test; the stacks are destroyed at the end unless `keep`, also
    when a step failed (a deploy that failed half-way is destroyed too)."""
    from botocore.exceptions import BotoCoreError, ClientError

    actions = actions or Actions(options)
    out = actions.out
    result = SmokeResult(dry_run=options.dry_run)
    deployed = False
    try:
        context = deploy_context(options)
        with _timed(result, "preflight", actions):
            out("1. Preflight: what a first deploy needs")
            preflight(actions, context)
        with _timed(result, "deploy", actions):
            out("2. Deploy both stacks")
            deployed = True  # from here on, destroy whatever the deploy left
            deploy(actions, context)
        outputs = stack_outputs(actions)
        with _timed(result, "upload", actions):
            out("3. Upload the bundled sample to raw/")
            result.run_id = upload_sample(actions, outputs["DataBucketName"])
        name = execution_name(DATASET, result.run_id)
        result.execution_arn = _execution_arn(outputs["StateMachineArn"], name)
        with _timed(result, "execution", actions):
            out(f"4. Follow the execution {name}")
            follow(actions, result)
        out("5. Check the release")
        if result.status == "SUCCEEDED":
            check_release(actions, outputs["DataBucketName"], result)
        else:
            explain_failure(actions, result)
        out("6. Usage")
        result.usage = usage(actions, outputs, result.run_id, result.execution_arn)
    except SmokeError as error:
        result.problem = f"{error} {error.fix}".strip()
        out(f"Stopped: {result.problem}")
    except (BotoCoreError, ClientError) as error:
        result.problem = (
            f"AWS: {error}. Check the credentials, their permissions and the Region "
            "(--profile, --region)."
        )
        out(f"Stopped: {result.problem}")
    finally:
        if deployed and not options.keep:
            with _timed(result, "destroy", actions):
                out("7. Destroy both stacks")
                try:
                    destroy(actions)
                    result.destroyed = True
                except SmokeError as error:
                    result.problem = (result.problem + " " if result.problem else "") + (
                        f"Destroy failed: {error} Remove the stacks with `npx cdk destroy --all`."
                    )
        elif deployed:
            out("7. Destroy: skipped (--keep); remove them with `npx cdk destroy --all`")
    return result


# --- settings ---------------------------------------------------------------------------


def deploy_context(options: SmokeOptions) -> dict[str, str]:
    """cdk.json's context, then the smoke defaults, then -c: what the deploy will use."""
    path = REPO / "cdk.json"
    if not path.exists():
        raise SmokeError(
            f"No cdk.json in {REPO}.", fix="Run the smoke test from the repository's checkout."
        )
    defaults = json.loads(path.read_text())["context"]
    settled = {k: _text(v) for k, v in defaults.items() if not k.startswith("@")}
    return settled | SMOKE_CONTEXT | options.context


def _text(value: Any) -> str:
    return json.dumps(value) if isinstance(value, dict | list | bool) else str(value)


def _true(value: str | None) -> bool:
    return str(value).lower() == "true"


def _overrides(options: SmokeOptions) -> dict[str, str]:
    return SMOKE_CONTEXT | options.context


# --- 1. preflight -----------------------------------------------------------------------


def preflight(actions: Actions, context: dict[str, str]) -> None:
    identity = actions.call(
        "sts", "get_caller_identity", dry={"Account": "<account>", "Arn": "<caller>"}
    )
    actions.out(f"  account {identity['Account']} as {identity['Arn']}, {actions.options.region}")
    if not _stack_exists(actions, BOOTSTRAP_STACK):
        raise SmokeError(
            f"The account is not bootstrapped for the CDK in {actions.options.region}.",
            fix=f"Run `npx cdk bootstrap aws://{identity['Account']}/{actions.options.region}`.",
        )
    existing = [name for name in (STORAGE, PIPELINE) if _stack_exists(actions, name)]
    if existing and not actions.options.keep:
        raise SmokeError(
            f"{', '.join(existing)} already exist here: the smoke test would update them "
            "and then destroy them.",
            fix="Run it in an account or Region without synthpipe, or pass --keep to deploy "
            "over them and leave them in place.",
        )
    if not actions.dry and shutil.which("docker") is None:
        raise SmokeError(
            "Docker is not installed: `cdk deploy` builds the training image with it.",
            fix="Install Docker (and start it), then run the smoke test again.",
        )
    actions.command(["docker", "info", "--format", "{{.ServerVersion}}"], env={})
    _check_macie(actions, context)
    _check_spot_quota(actions, context)
    if instances.has_gpu(context["trainingInstanceType"]):
        actions.out(
            f"  {context['trainingInstanceType']} has a GPU: the deploy also builds the "
            "CUDA image (several GB; the first push takes a while)."
        )


def _stack_exists(actions: Actions, name: str) -> bool:
    from botocore.exceptions import ClientError

    try:
        found = actions.call(
            "cloudformation", "describe_stacks", StackName=name, dry={"Stacks": [{}]}
        )
    except ClientError as error:
        if "does not exist" in str(error):
            return False
        raise
    if actions.dry:  # a dry run assumes the bootstrap stack and nothing else
        return name == BOOTSTRAP_STACK
    return bool(found.get("Stacks"))


def _check_macie(actions: Actions, context: dict[str, str]) -> None:
    from botocore.exceptions import ClientError

    if _true(context.get("skipMacie")):
        actions.out("  Macie: skipped (skipMacie=true)")
        return
    try:
        session = actions.call("macie2", "get_macie_session", dry={"status": "ENABLED"})
        enabled = session.get("status") == "ENABLED"
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") not in (
            "AccessDeniedException",
            "ResourceNotFoundException",
        ):
            raise
        enabled = False  # Macie answers AccessDenied when it is not enabled
    wants_session = _true(context.get("enableMacieSession"))
    if enabled and wants_session:
        raise SmokeError(
            "Macie is already enabled in this account and Region, and enableMacieSession=true "
            "would try to enable it again (and disable it for everyone on destroy).",
            fix="Deploy with -c enableMacieSession=false (the default).",
        )
    if not enabled and not wants_session:
        raise SmokeError(
            "Macie is not enabled in this account and Region (or this caller may not read "
            "its status), and the pipeline's Macie identifier and jobs need it.",
            fix="Enable Macie (console or `aws macie2 enable-macie`), or run with "
            "-c skipMacie=true (the pipeline's own Verify scan still runs).",
        )
    actions.out(f"  Macie: {'enabled' if enabled else 'enabled by the stack (enableMacieSession)'}")


def _check_spot_quota(actions: Actions, context: dict[str, str]) -> None:
    from botocore.exceptions import BotoCoreError, ClientError

    if not _true(context.get("useSpotTraining")):
        return
    instance = context["trainingInstanceType"]
    wanted = f"{instance} for spot training job usage"
    try:
        value = _quota(actions, wanted)
    except (BotoCoreError, ClientError) as error:
        actions.out(f"  spot quota: could not be read ({type(error).__name__}); not checked")
        return
    if value is None:
        actions.out(f"  spot quota: no quota named '{wanted}'; not checked")
    elif value < 1:
        raise SmokeError(
            f"The SageMaker quota '{wanted}' is {value:g} in {actions.options.region}: "
            "the Train step would fail with ResourceLimitExceeded.",
            fix="Request an increase in Service Quotas (SageMaker), or run with "
            "-c useSpotTraining=false (on-demand training).",
        )
    else:
        actions.out(f"  spot quota: {wanted} = {value:g}")


def _quota(actions: Actions, name: str) -> float | None:
    dry = {"Quotas": [{"QuotaName": name, "Value": 1.0}]}
    quotas = _pages(
        actions,
        "service-quotas",
        "list_service_quotas",
        "Quotas",
        "NextToken",
        dry,
        ServiceCode="sagemaker",
    )
    for quota in quotas:
        if quota.get("QuotaName") == name:
            return float(quota["Value"])
    return None


def _pages(
    actions: Actions, service: str, operation: str, items: str, token: str, dry: Any, **params
) -> Iterator[dict[str, Any]]:
    """Every item of a paginated list call (`token` names its next-page member)."""
    following: str | None = None
    while True:
        page = actions.call(
            service, operation, **params, **({token: following} if following else {}), dry=dry
        )
        yield from page.get(items, [])
        following = page.get(token)
        if not following:
            return


# --- 2. deploy, 7. destroy ---------------------------------------------------------------


def _cdk_env(options: SmokeOptions) -> dict[str, str]:
    # The stacks are environment-agnostic: the CLI deploys to the profile's account and
    # this Region.
    return {"AWS_REGION": options.region, "AWS_DEFAULT_REGION": options.region}


def _profile(options: SmokeOptions) -> list[str]:
    return ["--profile", options.profile] if options.profile else []


def deploy(actions: Actions, context: dict[str, str]) -> None:
    options = actions.options
    flags = [part for k, v in _overrides(options).items() for part in ("-c", f"{k}={v}")]
    actions.command(
        [*CDK, "deploy", "--all", "--require-approval", "never", *_profile(options), *flags],
        env=_cdk_env(options),
    )


def destroy(actions: Actions) -> None:
    options = actions.options
    flags = [part for k, v in _overrides(options).items() for part in ("-c", f"{k}={v}")]
    actions.command(
        [*CDK, "destroy", "--all", "--force", *_profile(options), *flags], env=_cdk_env(options)
    )


def stack_outputs(actions: Actions) -> dict[str, str]:
    found = actions.call(
        "cloudformation",
        "describe_stacks",
        StackName=PIPELINE,
        dry={
            "Stacks": [
                {
                    "Outputs": [
                        {"OutputKey": "DataBucketName", "OutputValue": "<DataBucketName>"},
                        {"OutputKey": "GlueJobName", "OutputValue": "<GlueJobName>"},
                        {
                            "OutputKey": "StateMachineArn",
                            "OutputValue": f"arn:aws:states:{actions.options.region}:"
                            "<account>:stateMachine:synthpipe",
                        },
                    ]
                }
            ]
        },
    )
    outputs = {o["OutputKey"]: o["OutputValue"] for o in found["Stacks"][0].get("Outputs", [])}
    missing = {"DataBucketName", "StateMachineArn"} - set(outputs)
    if missing:
        raise SmokeError(f"{PIPELINE} has no output {', '.join(sorted(missing))}.")
    return outputs


# --- 3. upload, 4. follow ----------------------------------------------------------------


def upload_sample(actions: Actions, bucket: str) -> str:
    """The dataset config and the sample; the run id of the uploaded version."""
    from synthpipe.sample_data import write_banksim_csv

    options = actions.options
    actions.call(
        "s3",
        "put_object",
        Bucket=bucket,
        Key=f"config/{DATASET}.json",
        Body=json.dumps(SAMPLE_CONFIG).encode(),
    )
    with tempfile.TemporaryDirectory() as folder:
        sample = Path(folder) / "banksim.csv"
        if not actions.dry:
            write_banksim_csv(sample, rows=options.rows, seed=0)
        actions.out(f"  {options.rows:,} BankSim-shaped rows (synthpipe.sample_data)")
        put = actions.call(
            "s3",
            "put_object",
            Bucket=bucket,
            Key=SAMPLE_KEY,
            Body=sample.read_bytes() if not actions.dry else "<sample.csv>",
            dry={"VersionId": "<version>"},
        )
    head = actions.call(
        "s3",
        "head_object",
        Bucket=bucket,
        Key=SAMPLE_KEY,
        VersionId=put["VersionId"],
        dry={"LastModified": datetime(2026, 1, 1, tzinfo=UTC)},
    )
    if actions.dry:
        return "<run_id>"
    return run_id_for(bucket, SAMPLE_KEY, put["VersionId"], head["LastModified"])


def _execution_arn(state_machine_arn: str, name: str) -> str:
    return state_machine_arn.replace(":stateMachine:", ":execution:") + f":{name}"


def follow(actions: Actions, result: SmokeResult) -> None:
    """Poll the execution until it ends or the time is up (then stop it, so that the
    destroy does not race its jobs)."""
    from botocore.exceptions import ClientError

    options = actions.options
    deadline = actions.clock() + options.timeout_minutes * 60
    last = ""
    while True:
        try:
            described = actions.call(
                "stepfunctions",
                "describe_execution",
                executionArn=result.execution_arn,
                dry={"status": "SUCCEEDED"},
                echo=not last,
            )
            status = described["status"]
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ExecutionDoesNotExist":
                raise
            status = "NOT_STARTED"  # the start function has not started it yet
        if status != last:
            actions.out(f"  status: {status}")
            last = status
        if status not in ("RUNNING", "NOT_STARTED", "PENDING_REDRIVE"):
            result.status = status
            return
        if actions.clock() >= deadline and status == "NOT_STARTED":
            raise SmokeError(
                f"The upload started no execution in {options.timeout_minutes} minutes.",
                fix="Look at the start function's log (/aws/lambda/...Start...) and the "
                "dead-letter queue (alarm UndeliveredEvents).",
            )
        if actions.clock() >= deadline:
            result.status = "TIMED_OUT"
            result.error = f"no end after {options.timeout_minutes} minutes"
            if status == "RUNNING":
                actions.call(
                    "stepfunctions",
                    "stop_execution",
                    executionArn=result.execution_arn,
                    error="SmokeTimeout",
                    cause="The smoke test's time limit passed.",
                )
            return
        actions.sleep(options.poll_seconds)


def _history(actions: Actions, arn: str) -> Iterator[dict[str, Any]]:
    return _pages(
        actions,
        "stepfunctions",
        "get_execution_history",
        "events",
        "nextToken",
        {"events": []},
        executionArn=arn,
        maxResults=1000,
    )


GLUE_WORKER_DPU = {"G.025X": 0.25, "G.1X": 1, "G.2X": 2, "G.4X": 4, "G.8X": 8}
FAILURE_EVENTS = ("TaskFailed", "TaskTimedOut", "ExecutionFailed", "ExecutionTimedOut")


def explain_failure(actions: Actions, result: SmokeResult) -> None:
    """The state that failed and the run's code (the Fail state's error is the code of
    reason.json; never a service's own words)."""
    entered = ""
    for event in _history(actions, result.execution_arn):
        kind = event.get("type", "")
        if kind.endswith("StateEntered"):
            entered = event.get("stateEnteredEventDetails", {}).get("name", "")
        elif kind in FAILURE_EVENTS and not result.failed_state:
            result.failed_state = entered
            details = next((v for k, v in event.items() if k.endswith("EventDetails")), {})
            result.error = str(details.get("error", "")) or kind
        if kind == "ExecutionFailed":
            result.error = str(event.get("executionFailedEventDetails", {}).get("error", ""))
    if not result.failed_state:
        result.failed_state = entered  # where it was when it stopped (a timeout, an abort)
    if result.status == "TIMED_OUT" and not result.error:
        result.error = "timed out"
    actions.out(f"  {result.status} at '{result.failed_state or '?'}': {result.error or '?'}")


# --- 5. release ---------------------------------------------------------------------------


def check_release(actions: Actions, bucket: str, result: SmokeResult) -> None:
    """A release stands as `synthpipe.publish.current_release` says (its marker, not
    withdrawn, every file it lists there with the size and ETag it records), read
    through this profile's session; then report.json's verdict."""
    layout = RunLayout(f"s3://{bucket}", DATASET, result.run_id)
    prefix = layout.synthetic.removeprefix(f"s3://{bucket}/")
    marker = _read_json(actions, bucket, f"{prefix}/{MARKER}", {"status": "published"})
    withdrawn = _read_json(actions, bucket, f"{prefix}/{WITHDRAWN}", {})
    report = _read_json(actions, bucket, f"{prefix}/report.json", {"verdict": "pass"})
    if actions.dry:
        result.verdict = "pass"
        return
    where = f"s3://{bucket}/{prefix}/"
    if not is_marker(marker):
        raise SmokeError(
            f"The execution succeeded but {where}{MARKER} is no release marker.",
            fix="Look at the Publish step of the execution.",
        )
    release = marker["release"]
    result.release_attempt = int(release["attempt"])
    if isinstance(withdrawn, dict) and withdrawn.get("attempt") == release["attempt"]:
        raise SmokeError(f"The release in {where} was withdrawn ({WITHDRAWN}).")
    for name, recorded in release["files"].items():
        head = actions.call("s3", "head_object", Bucket=bucket, Key=f"{prefix}/{name}", echo=False)
        same = head.get("ContentLength") == recorded.get("bytes") and (
            "etag" not in recorded or head.get("ETag") == recorded["etag"]
        )
        if not same:
            raise SmokeError(f"{where}{name} is not the file the release's {MARKER} lists.")
    if "report.json" not in release["files"]:
        raise SmokeError(f"The release's {MARKER} does not list report.json.")
    result.verdict = str((report or {}).get("verdict", ""))
    actions.out(f"  release attempt {result.release_attempt}, verdict {result.verdict}")


def _read_json(actions: Actions, bucket: str, key: str, dry: dict[str, Any]) -> Any:
    from botocore.exceptions import ClientError

    try:
        found = actions.call("s3", "get_object", Bucket=bucket, Key=key, dry={"Body": None})
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            return None
        raise
    if actions.dry:
        return dry
    return json.loads(found["Body"].read())


# --- 6. usage -----------------------------------------------------------------------------


def usage(
    actions: Actions, outputs: dict[str, str], run_id: str, execution_arn: str
) -> dict[str, Any]:
    """What the run used, from each service's own record of it (absent where the run
    did not get that far)."""
    found: dict[str, Any] = {}
    if glue := _glue_usage(actions, outputs.get("GlueJobName", ""), run_id):
        found["glue"] = glue
    for kind in ("verify", "train", "generate"):
        if job := _sagemaker_usage(actions, kind, run_id):
            found[f"sagemaker_{kind}"] = job
    if macie := _macie_usage(actions, outputs["DataBucketName"], run_id):
        found["macie"] = macie
    found["lambda_invocations"] = _lambda_invocations(actions)
    found["state_transitions"] = sum(
        1 for e in _history(actions, execution_arn) if e.get("type", "").endswith("StateEntered")
    )
    if not actions.dry:
        for name, value in found.items():
            actions.out(f"  {name}: {value}")
    return found


def _glue_usage(actions: Actions, job: str, run_id: str) -> dict[str, Any] | None:
    if not job:
        return None
    runs = actions.call(
        "glue",
        "get_job_runs",
        JobName=job,
        MaxResults=50,
        dry={"JobRuns": [{"Arguments": {"--run_id": run_id}}]},
    )
    for run in runs.get("JobRuns", []):
        if run.get("Arguments", {}).get("--run_id") == run_id:
            seconds = int(run.get("ExecutionTime", 0))
            workers = int(run.get("NumberOfWorkers") or 0)
            per_worker = GLUE_WORKER_DPU.get(run.get("WorkerType", ""), 0)
            capacity = float(run.get("MaxCapacity") or workers * per_worker)
            # DPUSeconds is reported for Flex and auto-scaled runs; otherwise it is the
            # run's time by its capacity (Glue bills per second, 1 minute minimum).
            dpu_seconds = run.get("DPUSeconds") or seconds * capacity
            return {
                "state": run.get("JobRunState", ""),
                "execution_seconds": seconds,
                "dpu_seconds": round(float(dpu_seconds), 1),
                "worker_type": run.get("WorkerType", ""),
                "workers": run.get("NumberOfWorkers", 0),
                "execution_class": run.get("ExecutionClass", "STANDARD"),
            }
    return None


def _sagemaker_usage(actions: Actions, kind: str, run_id: str) -> dict[str, Any] | None:
    from botocore.exceptions import ClientError

    name = f"synthpipe-{kind}-{run_id}"
    training = kind == "train"
    operation = "describe_training_job" if training else "describe_processing_job"
    key = "TrainingJobName" if training else "ProcessingJobName"
    try:
        job = actions.call("sagemaker", operation, **{key: name}, dry={})
    except ClientError:
        return None  # the run stopped before this job
    if actions.dry:
        return None
    if training:
        return {
            "status": job.get("TrainingJobStatus", ""),
            "instance_type": job["ResourceConfig"]["InstanceType"],
            "spot": bool(job.get("EnableManagedSpotTraining")),
            "training_seconds": job.get("TrainingTimeInSeconds", 0),
            "billable_seconds": job.get("BillableTimeInSeconds", 0),
        }
    cluster = job.get("ProcessingResources", {}).get("ClusterConfig", {})
    start, end = job.get("ProcessingStartTime"), job.get("ProcessingEndTime")
    return {
        "status": job.get("ProcessingJobStatus", ""),
        "instance_type": cluster.get("InstanceType", ""),
        "instances": cluster.get("InstanceCount", 1),
        "processing_seconds": round((end - start).total_seconds()) if start and end else 0,
    }


def _macie_usage(actions: Actions, bucket: str, run_id: str) -> dict[str, Any] | None:
    from botocore.exceptions import ClientError

    name = f"synthpipe-{DATASET}-{run_id}"
    try:
        jobs = actions.call(
            "macie2",
            "list_classification_jobs",
            filterCriteria={"includes": [{"comparator": "EQ", "key": "name", "values": [name]}]},
            dry={"items": [{"jobId": "<jobId>"}]},
        )
    except ClientError:
        return None  # Macie not enabled, or skipped
    items = jobs.get("items", [])
    if not items:
        return None
    job = actions.call("macie2", "describe_classification_job", jobId=items[0]["jobId"])
    # Macie bills by the bytes of the objects it analyses: the cleaned objects in the
    # job's scope (their S3 sizes; the job reports counts, not bytes).
    prefix = RunLayout(f"s3://{bucket}", DATASET, run_id).cleaned.removeprefix(f"s3://{bucket}/")
    listed = actions.call("s3", "list_objects_v2", Bucket=bucket, Prefix=prefix + "/")
    size = sum(int(o.get("Size", 0)) for o in listed.get("Contents", []))
    statistics = job.get("statistics", {})
    return {
        "status": job.get("jobStatus", ""),
        "objects": statistics.get("approximateNumberOfObjectsToProcess", 0),
        "bytes_in_scope": size,
    }


def _lambda_invocations(actions: Actions) -> dict[str, int]:
    """Invocations of the stack's functions over the last day (CloudWatch's Sum; its
    figures arrive a minute or two late)."""
    dry = {
        "StackResourceSummaries": [
            {"ResourceType": "AWS::Lambda::Function", "PhysicalResourceId": "<function>"}
        ]
    }
    resources = _pages(
        actions,
        "cloudformation",
        "list_stack_resources",
        "StackResourceSummaries",
        "NextToken",
        dry,
        StackName=PIPELINE,
    )
    functions = [
        r["PhysicalResourceId"] for r in resources if r["ResourceType"] == "AWS::Lambda::Function"
    ]
    end = datetime.now(UTC)
    counts: dict[str, int] = {}
    for function in functions:
        stats = actions.call(
            "cloudwatch",
            "get_metric_statistics",
            Namespace="AWS/Lambda",
            MetricName="Invocations",
            Dimensions=[{"Name": "FunctionName", "Value": function}],
            StartTime=end - timedelta(days=1),
            EndTime=end,
            Period=86400,
            Statistics=["Sum"],
        )
        counts[function] = int(sum(p.get("Sum", 0) for p in stats.get("Datapoints", [])))
    return counts


# --- printing -------------------------------------------------------------------------------


class _timed:
    """Wall time of a step into result.seconds."""

    def __init__(self, result: SmokeResult, step: str, actions: Actions) -> None:
        self.result, self.step, self.actions = result, step, actions

    def __enter__(self) -> None:
        self.started = self.actions.clock()

    def __exit__(self, *exc: Any) -> None:
        self.result.seconds[self.step] = round(self.actions.clock() - self.started, 1)


def _short(value: Any) -> str:
    if isinstance(value, bytes):
        return f"<{len(value):,} bytes>"
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= 200 else text[:197] + "..."


def summary(result: SmokeResult) -> list[str]:
    lines = [f"Execution: {result.status} ({result.execution_arn or 'not started'})"]
    if result.failed_state or result.error:
        lines.append(f"Failed at: {result.failed_state or '?'}, code {result.error or '?'}")
    if result.verdict:
        attempt = f", release attempt {result.release_attempt}" if result.release_attempt else ""
        lines.append(f"Verdict: {result.verdict}{attempt}")
    times = ", ".join(f"{k} {v:.0f} s" for k, v in result.seconds.items())
    lines.append(f"Wall time: {times} (total {sum(result.seconds.values()):.0f} s)")
    lines.append(f"Stacks destroyed: {'yes' if result.destroyed else 'no'}")
    if result.problem:
        lines.append(f"Problem: {result.problem}")
    if result.dry_run:
        lines.append("Dry run: nothing was deployed, uploaded or called.")
    else:
        lines.append("Smoke test " + ("PASSED" if result.passed else "FAILED"))
    return lines
