"""What the AWS Lambda handlers do: start, gate, publish, quarantine, notify.

Each `handle_*` takes the event (for the state machine's tasks: the execution state) and
returns what the state machine stores. AWS clients are created lazily and can be passed
in, so tests run these in-process against moto. Logs are JSON lines of codes, counts and
keys, never cell values or error messages (those may quote data).
"""

from __future__ import annotations

import functools
import json
import logging
import os
import platform
import re
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from synthpipe import __version__, macie_identifier, macie_results, storage
from synthpipe.dataset_config import DatasetConfig
from synthpipe.errors import InputRefused, PipelineError, StepFailed
from synthpipe.evaluate.gate import Thresholds, manifest_metrics
from synthpipe.events import (
    NotARunEvent,
    dataset_for_key,
    execution_arn,
    execution_name,
    fallback_dataset,
    parse_object_created,
    run_paths,
    unquoted,
)
from synthpipe.failure_codes import code_in, coded_failures, facts_in
from synthpipe.fixes import DATASET_CONFIG_UNREADABLE
from synthpipe.layout import RunLayout, run_id_for
from synthpipe.logs import get_logger, json_handler, log_event
from synthpipe.manifest import Manifest, SourceObject
from synthpipe.notify import DEFAULT_FIX, FIXES, MESSAGES, failure_message, success_message
from synthpipe.publish import ATTEMPT_FAILED, check_gate, publish, standing_note, withdraw
from synthpipe.quarantine import quarantine
from synthpipe.redact import redact
from synthpipe.train.hyperparameters import Hyperparameters, refuse_bad_hyperparameters
from synthpipe.validate import InputLimits, validate_stream

log = get_logger("cloud")
# Steps before verify quarantine the raw object; verify moves the cleaned output out of
# cleaned/ (it holds personal data); later steps ran on verified data: reason.json only.
COPIES_RAW = ("validate", "prepare")
MOVES_CLEANED = ("verify",)
# Where Glue, SageMaker and Lambda put a failed task's words in its Cause.
CAUSE_KEYS = ("ExitMessage", "FailureReason", "ErrorMessage", "errorMessage", "message", "Message")
# Errors our own states raise (the Macie scan's Pass states): code and fixed message.
STATE_ERRORS = {
    "PiiFound": ("pii_found", "Macie found personal data in the cleaned output."),
    "NothingClassified": (
        "nothing_classified",
        "Macie classified nothing under the run's cleaned/ prefix (no object, or the job "
        "reported errors reading objects), so nothing was verified.",
    ),
    "MacieTimeout": ("macie_timeout", "The Macie job did not complete in time."),
    "MacieJobStopped": (
        "macie_job_stopped",
        "The Macie job was cancelled or paused before it completed.",
    ),
}
_ERROR_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.]{0,99}")
_ENTITY_TYPE = re.compile(r"[A-Z][A-Z_]{1,39}")


def _client(name: str):
    import boto3

    return boto3.client(name)


def _setup_logging() -> None:
    """One JSON line per event on stdout (Lambda ships stdout to its log group)."""
    root = get_logger()
    if not any(getattr(h, "_synthpipe", False) for h in root.handlers):
        handler = json_handler(sys.stdout)
        handler._synthpipe = True  # type: ignore[attr-defined]
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        root.propagate = False


def lambda_handler(handle: Callable[..., dict[str, Any]], *, step: str) -> Callable:
    """The Lambda entry point over `handle`: errors leave it as a code only.

    Lambda writes an unhandled error's message into the function's log and into the
    task's Cause, and an exception's text can quote data: `coded_failures` logs it
    redacted and raises `CodedFailure("synthpipe:<code>")`, which `failure_error` reads.
    """

    @functools.wraps(handle)
    def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
        _setup_logging()
        with coded_failures(step, log):
            return handle(event)

    return handler


# --- start -----------------------------------------------------------------------------


def handle_start(event: dict[str, Any], *, s3=None, sfn=None, env=None) -> dict[str, Any]:
    """Validate the uploaded object and start its run, once per object version."""
    _setup_logging()
    env = os.environ if env is None else env
    s3 = s3 or _client("s3")
    sfn = sfn or _client("stepfunctions")
    try:
        obj = parse_object_created(event)
    except NotARunEvent as error:
        log_event(log, "start.ignored", reason=str(error))
        return {"started": False, "ignored": True}
    obj, head = _head(s3, obj)
    created = head["LastModified"].astimezone(UTC)
    _lock_raw(s3, obj, head, int(env.get("RAW_OBJECT_LOCK_DAYS") or 0))
    try:
        dataset = dataset_for_key(obj.key)
        refusal = None
    except InputRefused as error:
        dataset, refusal = fallback_dataset(obj.key), error
    run_id = run_id_for(obj.bucket, obj.key, obj.version_id, created)
    name = execution_name(dataset, run_id)
    machine = env["STATE_MACHINE_ARN"]
    if _execution_exists(sfn, machine, name):  # checked first: no second read of the object
        return _duplicate(dataset, run_id, obj.key, name)
    validation, hyperparameters, generate = _check_input(
        s3, obj, dataset, run_id, int(head["ContentLength"]), refusal, env
    )
    state = {
        "bucket": obj.bucket,
        "key": obj.key,
        "versionId": obj.version_id,
        "dataset": dataset,
        "runId": run_id,
        "executionName": name,
        "source": obj.source,
        "root": f"s3://{obj.bucket}",
        "createdAt": created.isoformat(timespec="seconds"),
        "paths": run_paths(obj.bucket, dataset, run_id),
        "validation": validation,
        "hyperparameters": hyperparameters,
        "generate": generate,
        # Unique to this start: StartExecution answers a second call with the same name and
        # the same input as if it had started the running execution itself; with an input
        # of its own, a racing second start is refused (ExecutionAlreadyExists) instead.
        "startId": uuid.uuid4().hex,
    }
    try:
        response = sfn.start_execution(stateMachineArn=machine, name=name, input=json.dumps(state))
    except sfn.exceptions.ExecutionAlreadyExists:  # a duplicate that raced this one
        return _duplicate(dataset, run_id, obj.key, name)
    log_event(
        log,
        "start.started",
        dataset=dataset,
        run_id=run_id,
        key=obj.key,
        validation=validation["status"],
        code=(validation.get("reason") or {}).get("code"),
    )
    return {
        "started": True,
        "executionArn": response["executionArn"],
        "executionName": name,
        "runId": run_id,
    }


# What S3 answers for a key that does not exist. Under the start role's s3:ListBucket,
# which is limited to prefixes (an `s3:prefix` condition, absent from a GetObject or
# HeadObject request), a missing key is 403, not 404: S3 answers 404 only to a caller
# allowed to list the bucket.
MISSING_OR_HIDDEN = ("404", "NoSuchKey", "NotFound", "403", "AccessDenied", "Forbidden")


def _head(s3, obj):
    """The object of the event, as sent or else URL-decoded (how S3 events write keys).

    When neither key can be read, the first error is raised: the Lambda fails, is retried,
    and lands in the dead-letter queue (its on-failure destination), never dropped.
    """
    try:
        return obj, s3.head_object(Bucket=obj.bucket, Key=obj.key, VersionId=obj.version_id)
    except s3.exceptions.ClientError as error:
        decoded = unquoted(obj)
        if decoded is None or error.response["Error"]["Code"] not in MISSING_OR_HIDDEN:
            raise
        try:
            head = s3.head_object(Bucket=obj.bucket, Key=decoded.key, VersionId=obj.version_id)
        except s3.exceptions.ClientError:
            raise error from None
        return decoded, head


def _lock_raw(s3, obj, head, days: int) -> None:
    """S3 Object Lock on the raw version for `days` after its upload (rawObjectLockDays).

    Governance mode: the bucket policy lets only the raw/ admin role bypass it. Set
    before validation, so a refused file is kept unchanged too; idempotent, so a duplicate
    event finds the lock in place. A lock already there is never shortened or downgraded
    (a compliance-mode lock stays compliance).
    """
    if days <= 0:
        return
    until = head["LastModified"].astimezone(UTC) + timedelta(days=days)
    held = head.get("ObjectLockRetainUntilDate")
    if held is not None and held >= until:
        return
    s3.put_object_retention(
        Bucket=obj.bucket,
        Key=obj.key,
        VersionId=obj.version_id,
        Retention={"Mode": head.get("ObjectLockMode") or "GOVERNANCE", "RetainUntilDate": until},
    )
    log_event(log, "start.locked", key=obj.key, days=days)


def _execution_exists(sfn, state_machine_arn: str, name: str) -> bool:
    try:
        sfn.describe_execution(executionArn=execution_arn(state_machine_arn, name))
    except sfn.exceptions.ExecutionDoesNotExist:
        return False
    return True


def _duplicate(dataset: str, run_id: str, key: str, name: str) -> dict[str, Any]:
    log_event(log, "start.duplicate", dataset=dataset, run_id=run_id, key=key)
    return {"started": False, "duplicate": True, "executionName": name, "runId": run_id}


def _check_input(s3, obj, dataset, run_id, size, refusal, env) -> tuple[dict, dict, dict]:
    """Validation report, hyperparameters and generate settings, or the refusal."""
    try:
        if refusal is not None:
            raise refusal
        limits = InputLimits.from_env(env)
        # validate_stream checks the size before it reads a byte of the body, and holds
        # at most one record of max_record_bytes: the function's memory stays bounded.
        body = s3.get_object(Bucket=obj.bucket, Key=obj.key, VersionId=obj.version_id)["Body"]
        report = validate_stream(body, size=size, name=obj.file_name, **limits.kwargs())
        config = _dataset_config(s3, obj.bucket, dataset)
        hyperparameters = _hyperparameters(env, config)
        thresholds = _thresholds(env, config)
    except PipelineError as error:
        error.step = error.step or "validate"
        return {"status": "refused", "reason": error.to_reason()}, {}, {}
    validation = {
        "status": "ok",
        "rows": report.data_rows,
        "columns": len(report.columns),
        "sizeBytes": report.size_bytes,
        "sha256": report.sha256,
        "encoding": report.encoding,
        "delimiter": report.delimiter,
    }
    seed = hyperparameters.get("seed", str(Hyperparameters().seed))
    # What the evaluation records in report.json (the local runner's `_lineage`).
    lineage = {
        "dataset": dataset,
        "run_id": run_id,
        "source": {
            "bucket": obj.bucket,
            "key": obj.key,
            "version_id": obj.version_id,
            "sha256": report.sha256,
            "size_bytes": report.size_bytes,
            "rows": report.data_rows,
        },
        "code_version": __version__,
        "seed": int(seed),
    }
    # An object, not an environment value of the job: SageMaker caps those at 256
    # characters, and the key alone may be 1,024 bytes (synthpipe.processing reads it).
    layout = RunLayout(f"s3://{obj.bucket}", dataset, run_id)
    s3.put_object(
        Bucket=obj.bucket,
        Key=_key(layout.lineage_json),
        Body=json.dumps(lineage, sort_keys=True).encode("utf-8"),
        ContentType="application/json",
    )
    generate = {
        "rowsToGenerate": str(config.rows_to_generate or int(env.get("ROWS_TO_GENERATE") or 0)),
        "targetColumn": config.target_column or "",
        "thresholds": json.dumps(thresholds, sort_keys=True),
        "seed": seed,
    }
    return validation, hyperparameters, generate


def _dataset_config(s3, bucket: str, dataset: str) -> DatasetConfig:
    """config/<dataset>.json, or the defaults when there is none.

    A GetObject on a missing key answers 403 to the start role (its listing is limited to
    prefixes), the same answer as a config that exists but cannot be read: the listing
    tells them apart (storage.object_listed). A config that exists and cannot be read (its
    object's KMS key, a bucket policy) stops the run with `dataset_config_unreadable`:
    running it without the owner's settings would silently ignore them.
    """
    key = f"config/{dataset}.json"
    if not storage.object_listed(s3, bucket, key):
        return DatasetConfig()
    try:
        text = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")
    except s3.exceptions.ClientError as error:
        raise StepFailed(
            code="dataset_config_unreadable",
            message=f"{key} exists but the start function could not read it "
            f"({error.response['Error']['Code']}).",
            fix=DATASET_CONFIG_UNREADABLE,
            details={"config": key, "error": error.response["Error"]["Code"]},
            step="config",
        ) from None
    return DatasetConfig.from_json(text, source=key)


def _hyperparameters(env, config: DatasetConfig) -> dict[str, str]:
    """Settings, then config/<dataset>.json; checked by the training step's own rules."""
    # The deployment's settings, then the config's own hyperparameters, target column and
    # privacy settings, as the local runner passes them.
    values = dict(json.loads(env.get("HYPERPARAMETERS") or "{}"))
    values |= config.training_hyperparameters()
    refuse_bad_hyperparameters(
        values,
        fix="Correct 'hyperparameters' in config/<dataset>.json (or the deployment's "
        "hyperparameters setting) and upload the file again.",
        step="config",
    )
    return {k: str(v) for k, v in sorted(values.items())}


def _thresholds(env, config: DatasetConfig) -> dict[str, float]:
    """Settings, then config/<dataset>.json; checked by the gate's own rules now, so that
    a bad threshold (or any pii_hits but 0) stops the run before Prepare, not after
    training."""
    values = dict(json.loads(env.get("THRESHOLDS") or "{}")) | config.thresholds
    Thresholds.from_settings(values, step="config")
    return values


# --- macie setup ----------------------------------------------------------------------------


def handle_macie_setup(state: dict[str, Any], *, macie=None) -> dict[str, Any]:
    """Before a Macie scan: Macie is enabled, and the e-mail identifier exists (its id)."""
    _setup_logging()
    identifier = macie_identifier.ensure_email_identifier(macie or _client("macie2"))
    log_event(log, "macie.setup", run_id=state.get("runId"), identifier=identifier)
    return {"identifierId": identifier}


# --- macie results ------------------------------------------------------------------------


def handle_macie_results(
    state: dict[str, Any], *, s3=None, macie=None, env=None, sleep=time.sleep
) -> dict[str, Any]:
    """Macie's per-object results for the run's job: every object read whole, or a code.

    The job's status reports only account- and bucket-level errors; an object Macie
    skipped shows only here (synthpipe.macie_results).
    """
    _setup_logging()
    env = os.environ if env is None else env
    try:
        coverage = macie_results.check(
            s3 or _client("s3"),
            macie or _client("macie2"),
            bucket=state["bucket"],
            cleaned_prefix=state["paths"]["cleanedPrefix"],
            job_id=state["macie"]["jobId"],
            account=env["ACCOUNT_ID"],
            region=env["AWS_REGION"],
            sleep=sleep,
        )
    except PipelineError as error:
        # Counts and Macie's reason codes only; the function's error carries the code.
        log_event(log, "macie.results", logging.WARNING, code=error.code, **error.details)
        raise
    log_event(
        log,
        "macie.results",
        dataset=state.get("dataset"),
        run_id=state.get("runId"),
        objects=coverage.objects,
        results=coverage.results,
    )
    return {"objectsRead": coverage.objects, "results": coverage.results}


# --- quarantine --------------------------------------------------------------------------


def failure_error(state: dict[str, Any]) -> PipelineError:
    """The state machine's `$.failure` ({step, Error, Cause}) as a PipelineError.

    The reason carries only what we wrote ourselves: the code (from the error's name, or
    `synthpipe:<code>` that our step left in the service's message), the step, a fixed
    message per code, the fix, and facts our code produced (column positions, entity
    types). The Cause's own words (Glue's ErrorMessage, SageMaker's FailureReason or
    ExitMessage, an exception's text) can quote data: they go to the log, redacted.
    """
    failure = state.get("failure") or {}
    step = _name(failure.get("step"), "unknown").lower()
    name = _name(failure.get("Error"), "Unknown")
    refused = (state.get("validation") or {}).get("reason")
    if name == "InputRefused" and refused:
        # Written by our start function (synthpipe.validate): codes and counts, no values.
        return InputRefused(
            code=refused["code"],
            message=refused["message"],
            fix=refused.get("fix", ""),
            details=refused.get("details") or {},
            step=refused.get("step") or step,
        )
    texts = _cause_texts(failure.get("Cause"))
    code, message = _code_and_message(step, name, texts)
    details: dict[str, Any] = {"error": name}
    columns = _columns(texts)
    if columns:
        details["columns"] = columns
        message += " " + _columns_text(columns)
    log_event(
        log,
        "failure.cause",
        logging.WARNING,
        step=step,
        error=name,
        code=code,
        cause=redact(" | ".join(texts)) if texts else "",
    )
    return StepFailed(
        code=code, message=message, fix=FIXES.get(code, DEFAULT_FIX), details=details, step=step
    )


def _name(value: Any, default: str) -> str:
    """An error or step name as the state machine wrote it, if it looks like one."""
    return value if isinstance(value, str) and _ERROR_NAME.fullmatch(value) else default


def _code_and_message(step: str, name: str, texts: list[str]) -> tuple[str, str]:
    if name in STATE_ERRORS:  # raised by our own states (the Macie scan)
        return STATE_ERRORS[name]
    if name == "States.Timeout":
        code = f"{step}_timed_out"
        return code, MESSAGES.get(code, f"The {step} step ran past its time limit.")
    code = next((c for c in map(code_in, texts) if c), None) or f"{step}_failed"
    return code, MESSAGES.get(code, f"The {step} step failed [{code}].")


def _cause_texts(cause: Any) -> list[str]:
    """The parts of a task's Cause that a step or service wrote (Glue, SageMaker and
    Lambda put JSON there), for the code they carry and for the log."""
    text = cause if isinstance(cause, str) else json.dumps(cause)
    try:
        parsed = json.loads(text)
    except (TypeError, ValueError):
        parsed = None
    if not isinstance(parsed, dict):
        return [text] if text else []
    return [str(parsed[key]) for key in CAUSE_KEYS if parsed.get(key)]


def _columns(texts: list[str]) -> list[dict[str, Any]]:
    """Column positions and entity types that our step wrote after its code, checked to
    be exactly that (numbers and upper-case type names), so no free text rides along."""
    for text in texts:
        columns = facts_in(text).get("columns")
        if not isinstance(columns, list):
            continue
        kept = []
        for column in columns:
            if not isinstance(column, dict):
                continue
            position = column.get("position")
            types = column.get("entity_types")
            if isinstance(position, bool) or not isinstance(position, int | type(None)):
                continue
            if not isinstance(types, list) or not all(
                isinstance(t, str) and _ENTITY_TYPE.fullmatch(t) for t in types
            ):
                continue
            kept.append({"position": position, "entity_types": types})
        return kept
    return []


def _columns_text(columns: list[dict[str, Any]]) -> str:
    parts = [
        f"column {c['position'] if c['position'] is not None else '?'} "
        f"({', '.join(c['entity_types'])})"
        for c in columns
    ]
    return f"Found in: {'; '.join(parts)} (positions count from 1 in the input's header)."


def handle_quarantine(state: dict[str, Any], *, s3=None) -> dict[str, Any]:
    """Keep what failed under quarantine/<dataset>/<run_id>/ and write reason.json."""
    _setup_logging()
    s3 = s3 or _client("s3")
    error = failure_error(state)
    bucket, dataset, run_id = state["bucket"], state["dataset"], state["runId"]
    layout = RunLayout(f"s3://{bucket}", dataset, run_id)
    target = _key(layout.quarantine)
    copied = 0
    if error.step in COPIES_RAW:
        source = {"Bucket": bucket, "Key": state["key"], "VersionId": state["versionId"]}
        # The managed copy: multipart for objects over 5 GB. raw/ is only read.
        s3.copy(source, bucket, f"{target}/{state['key'].rsplit('/', 1)[-1]}")
        copied = 1
    elif error.step in MOVES_CLEANED:
        cleaned = _key(layout.cleaned) + "/"
        for key in _list_keys(s3, bucket, cleaned):
            s3.copy(
                {"Bucket": bucket, "Key": key}, bucket, f"{target}/cleaned/{key[len(cleaned) :]}"
            )
            s3.delete_object(Bucket=bucket, Key=key)
            copied += 1
    where = quarantine(layout, error, files=None, folders=None)
    log_event(log, "quarantine.done", step=error.step, code=error.code, objects=copied)
    return {
        "step": error.step,
        "code": error.code,
        "message": error.message,
        "fix": error.fix,
        "quarantine": where + "/",
        "objects": copied,
        "release": withdraw_after_failure(layout, error.step, error.code),
    }


def withdraw_after_failure(layout: RunLayout, step: str, code: str) -> str:
    """A failed attempt leaves no release of its run id standing (as the local runner,
    which withdraws when a re-run starts); also clears what a publish that stopped
    half-way left. Returns the sentence that says which release stands: none."""
    withdrawn = withdraw(
        layout,
        reason=ATTEMPT_FAILED,
        message=f"A later attempt of this run stopped at {step} ({code}).",
    )
    if withdrawn is not None:
        log_event(log, "release.withdrawn", attempt=withdrawn.attempt, step=step, code=code)
    return standing_note(None, withdrawn)


def _key(uri: str) -> str:
    return uri.split("/", 3)[3]


def _list_keys(s3, bucket: str, prefix: str) -> list[str]:
    keys: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys.extend(item["Key"] for item in page.get("Contents", []))
    return keys


# --- gate --------------------------------------------------------------------------------


def handle_gate(state: dict[str, Any], *, s3=None) -> dict[str, Any]:
    """Pass only on report.json's verdict "pass" with no failed gate (fails closed).

    The rule is the local runner's (`synthpipe.publish.check_gate`); the thresholds were
    applied by the evaluation (settings, then config/<dataset>.json). A failed gate ends
    this attempt of the run: a release of the same run id, if one stands, is withdrawn,
    and `reason.release` says which release stands (none).
    """
    _setup_logging()
    s3 = s3 or _client("s3")
    answer = _gate(state, s3)
    if not answer["passed"]:
        # This attempt ends here (no quarantine after a gate): no release of the run stands.
        layout = RunLayout(f"s3://{state['bucket']}", state["dataset"], state["runId"])
        reason = answer["reason"]
        reason["release"] = withdraw_after_failure(layout, "gate", reason["code"])
    return answer


def _gate(state: dict[str, Any], s3) -> dict[str, Any]:
    key = _key(state["paths"]["staging"]) + "report.json"
    # Listed first: a GET of a missing object answers this role 403, not 404.
    if not storage.object_listed(s3, state["bucket"], key):
        return _gate_failed(None, [], "no_report", "The evaluation wrote no report.json.")
    try:
        report = json.loads(s3.get_object(Bucket=state["bucket"], Key=key)["Body"].read())
    except ValueError:
        return _gate_failed(None, [], "no_report", "report.json is not valid JSON.")
    if not isinstance(report, dict):
        return _gate_failed(None, [], "no_report", "report.json holds no report object.")
    verdict = report.get("verdict")
    try:
        check_gate(report)
    except StepFailed as error:
        failed = error.details.get("failed_gates", [])
        log_event(log, "gate.done", verdict=verdict, failed=failed, passed=False)
        return _gate_failed(verdict, failed, error.code, error.message, error.fix)
    log_event(log, "gate.done", verdict=verdict, failed=[], passed=True)
    return {"passed": True, "verdict": verdict, "failedGates": []}


def _gate_failed(verdict, failed, code: str, message: str, fix: str = "") -> dict[str, Any]:
    return {
        "passed": False,
        "verdict": verdict,
        "failedGates": failed,
        "reason": {"step": "gate", "code": code, "message": message, "fix": fix or FIXES[code]},
    }


# --- publish -----------------------------------------------------------------------------


def handle_publish(state: dict[str, Any], *, s3=None) -> dict[str, Any]:
    """Release the staged output under synthetic/<dataset>/<run_id>/ through the local
    runner's `synthpipe.publish.publish`: it checks the gate again, copies (S3's managed
    copy) into `.incoming-<attempt>/`, puts the files in place and writes manifest.json
    last, then reads the release back as complete. The answer names the attempt."""
    _setup_logging()
    s3 = s3 or _client("s3")
    bucket = state["bucket"]
    layout = RunLayout(f"s3://{bucket}", state["dataset"], state["runId"])
    report = _read_json(s3, bucket, _key(layout.staging) + "/report.json")
    manifest = build_manifest(state, report)
    manifest.steps["prepare"]["pii_actions"] = _read_json(s3, bucket, _key(layout.pii_actions_json))
    release = publish(layout, manifest.to_dict())
    objects = len(release.files) + 1  # and the marker
    log_event(
        log, "publish.done", objects=objects, dataset=state["dataset"], attempt=release.attempt
    )
    return {
        "prefix": state["paths"]["synthetic"],
        "objects": objects,
        "attempt": release.attempt,
        "publishedAt": release.published_at,
        "replaces": release.manifest["release"].get("replaces"),
    }


def _read_json(s3, bucket: str, key: str) -> Any:
    if not storage.object_listed(s3, bucket, key):  # a GET of a missing object: 403, not 404
        return None
    return json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())


def build_manifest(state: dict[str, Any], report: Any) -> Manifest:
    """The run's lineage from the execution state and the evaluation's report."""
    validation = state.get("validation") or {}
    manifest = Manifest(
        dataset=state["dataset"],
        run_id=state["runId"],
        source=SourceObject(
            bucket=state["bucket"],
            key=state["key"],
            version_id=state["versionId"],
            sha256=validation.get("sha256", ""),
            size_bytes=validation.get("sizeBytes", 0),
            rows=validation.get("rows"),
        ),
        code_version=__version__,
        runtime={"python": platform.python_version(), "engine": "aws"},
        seed=int((state.get("generate") or {}).get("seed") or 0),
        status="published",
    )
    training = state.get("training") or {}
    report = report if isinstance(report, dict) else {}
    manifest.record("validate", **validation)
    manifest.record("prepare", glue_job_run=(state.get("prepare") or {}).get("jobRunId"))
    # The pipeline's own full scan (the local runner's record: engine, rows_scanned,
    # objects_scanned, seconds), its job, and the Macie scan beside it.
    verified = state.get("verify") or {}
    manifest.record(
        "verify",
        **(verified.get("scan") or {"engine": "unknown"}),
        job=verified.get("jobName"),
        macie=state.get("privacyScan") or {"engine": "unknown"},
    )
    manifest.record(
        "train",
        job=training.get("jobName"),
        model=training.get("modelArtifacts"),
        hyperparameters=state.get("hyperparameters") or {},
    )
    manifest.record(
        "evaluate",
        job=(state.get("generated") or {}).get("jobName"),
        verdict=report.get("verdict"),
        gates=report.get("gates"),
        # Every gate's figure and threshold, and the attack risks with their intervals.
        metrics=manifest_metrics(report),
        thresholds=json.loads((state.get("generate") or {}).get("thresholds") or "{}"),
        # Training's DP budget as the report has it ({"mode": "off"} without DP).
        differential_privacy=report.get("differential_privacy") or {"mode": "off"},
    )
    manifest.record(
        "publish",
        at=datetime.now(UTC).isoformat(timespec="seconds"),
        synthetic=state["paths"]["synthetic"],
    )
    timings = {"prepare": (state.get("prepare") or {}).get("executionSeconds")}
    timings["verify"] = (verified.get("scan") or {}).get("seconds")
    timings["train_billable"] = training.get("billableSeconds")
    manifest.timings_s = {k: float(v) for k, v in timings.items() if v is not None}
    return manifest


# --- notify ------------------------------------------------------------------------------


def handle_notify(state: dict[str, Any], *, sns=None, env=None) -> dict[str, Any]:
    """Publish the run's outcome to the topic: success, or why it stopped and the fix."""
    _setup_logging()
    env = os.environ if env is None else env
    sns = sns or _client("sns")
    failed = "reason" in state and "published" not in state
    subject, message = failure_message(state) if failed else success_message(state)
    response = sns.publish(TopicArn=env["TOPIC_ARN"], Subject=subject, Message=message)
    log_event(log, "notify.sent", outcome="failure" if failed else "success")
    return {"messageId": response["MessageId"]}
