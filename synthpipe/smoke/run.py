"""The smoke test from end to end: steps 2 to 5 and 7 here, 1 in preflight, 6 in usage."""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from synthpipe.events import execution_arn, execution_name
from synthpipe.layout import RunLayout, run_id_for
from synthpipe.publish import MARKER, WITHDRAWN, is_marker
from synthpipe.smoke.actions import (
    CDK,
    DATASET,
    PIPELINE,
    SAMPLE_CONFIG,
    SAMPLE_KEY,
    SMOKE_CONTEXT,
    Actions,
    SmokeError,
    SmokeOptions,
    SmokeResult,
)
from synthpipe.smoke.preflight import deploy_context, preflight
from synthpipe.smoke.usage import history, usage


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
        result.execution_arn = execution_arn(outputs["StateMachineArn"], name)
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


# --- 2. deploy, 7. destroy ---------------------------------------------------------------


def _overrides(options: SmokeOptions) -> dict[str, str]:
    """The -c flags of `cdk deploy` and `cdk destroy` (cdk.json gives the rest)."""
    return SMOKE_CONTEXT | options.context


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


FAILURE_EVENTS = ("TaskFailed", "TaskTimedOut", "ExecutionFailed", "ExecutionTimedOut")


def explain_failure(actions: Actions, result: SmokeResult) -> None:
    """The state that failed and the run's code (the Fail state's error is the code of
    reason.json; never a service's own words)."""
    entered = ""
    for event in history(actions, result.execution_arn):
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
        key = f"{prefix}/<each file {MARKER} lists>"
        actions.call("s3", "head_object", Bucket=bucket, Key=key)
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
        # As current_release on S3: the size and an ETag, both recorded and matching.
        same = (
            head.get("ContentLength") == recorded.get("bytes")
            and recorded.get("etag") is not None
            and head.get("ETag") == recorded["etag"]
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


class _timed:
    """Wall time of a step into result.seconds."""

    def __init__(self, result: SmokeResult, step: str, actions: Actions) -> None:
        self.result, self.step, self.actions = result, step, actions

    def __enter__(self) -> None:
        self.started = self.actions.clock()

    def __exit__(self, *exc: Any) -> None:
        self.result.seconds[self.step] = round(self.actions.clock() - self.started, 1)


def summary(result: SmokeResult) -> list[str]:
    if result.dry_run:
        if result.problem:
            return [f"Dry run stopped: {result.problem}"]
        return ["Dry run: nothing was deployed, uploaded or called; the steps above are a run's."]
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
    lines.append("Smoke test " + ("PASSED" if result.passed else "FAILED"))
    return lines
