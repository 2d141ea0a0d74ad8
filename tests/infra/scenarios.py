"""A run's execution input and what each task answers, for local executions of the
state machine and for checking task parameters against the AWS service models."""

from __future__ import annotations

import copy
import json
from typing import Any

from synthpipe.events import execution_name, run_paths

REGION = "eu-west-1"
BUCKET = f"synthpipe-data-123456789012-{REGION}"
DATASET = "banksim"
RUN_ID = "20261123T071500Z-1a2b3c4d"
JOB_ID = "0123456789abcdef0123456789abcdef"


def execution_input(**changes: Any) -> dict[str, Any]:
    state = {
        "bucket": BUCKET,
        "key": f"raw/{DATASET}/bs140513_032310.csv",
        "versionId": "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY",
        "dataset": DATASET,
        "runId": RUN_ID,
        "executionName": execution_name(DATASET, RUN_ID),
        "source": f"s3://{BUCKET}/raw/{DATASET}/bs140513_032310.csv",
        "root": f"s3://{BUCKET}",
        "createdAt": "2026-11-23T07:15:00+00:00",
        "paths": run_paths(BUCKET, DATASET, RUN_ID),
        "validation": {"status": "ok", "rows": 594643, "columns": 10, "sha256": "ab" * 32},
        "hyperparameters": {"epochs": "300", "target_column": "fraud"},
        "generate": {
            "rowsToGenerate": "0",
            "targetColumn": "fraud",
            "thresholds": json.dumps({"quality": 0.8}),
            "seed": "20261123",
        },
    }
    state.update(changes)
    return state


REFUSED = {
    "status": "refused",
    "reason": {
        "step": "validate",
        "code": "html",
        "message": "The file is an HTML page, not a CSV.",
        "fix": "Export the table as CSV instead of saving the web page or markup.",
        "details": {"looks_like": "an HTML page"},
    },
}


def ok(result: Any) -> dict[str, Any]:
    return {"result": result}


def fail(error: str, cause: str = "") -> dict[str, Any]:
    return {"error": error, "cause": cause}


REASON = {
    "step": "verify",
    "code": "pii_found",
    "message": "Macie found personal data in the cleaned output.",
    "fix": "Drop or mask the columns.",
    "quarantine": f"s3://{BUCKET}/quarantine/{DATASET}/{RUN_ID}/",
}

# What the verify job's container writes to its message file when the scan passes.
VERIFY_SCAN = {
    "engine": "local scan",
    "rows_scanned": 594643,
    "objects_scanned": 4,
    "seconds": 97.512,
}


def verify_failed(message: str) -> dict[str, Any]:
    """A failed verify job as the .sync integration reports it: States.TaskFailed with the
    DescribeProcessingJob answer as JSON in the Cause (SageMaker's own FailureReason too)."""
    cause = {
        "ProcessingJobName": f"synthpipe-verify-{RUN_ID}",
        "ProcessingJobStatus": "Failed",
        "FailureReason": "AlgorithmError: See job logs to diagnose the error.",
        "ExitMessage": message,
    }
    return fail("States.TaskFailed", json.dumps(cause))


# What each Task state answers on the happy path (AWS API shapes, before ResultSelector).
HAPPY: dict[str, list[dict[str, Any]]] = {
    "Prepare": [ok({"Id": "jr_1", "JobRunState": "SUCCEEDED", "ExecutionTime": 181})],
    "Verify": [
        ok(
            {
                "ProcessingJobName": f"synthpipe-verify-{RUN_ID}",
                "ProcessingJobStatus": "Completed",
                "ExitMessage": json.dumps(VERIFY_SCAN),
            }
        )
    ],
    "Prepare Macie": [ok({"identifierId": "0e1f2a3b-4c5d-6e7f-8091-a2b3c4d5e6f7"})],
    "List cleaned objects": [ok({"KeyCount": 4, "Contents": []})],
    "Start Macie job": [ok({"JobId": JOB_ID, "JobArn": f"arn:aws:macie2:::job/{JOB_ID}"})],
    "Describe Macie job": [
        ok({"JobId": JOB_ID, "JobStatus": "RUNNING"}),
        ok({"JobId": JOB_ID, "JobStatus": "COMPLETE", "LastRunErrorStatus": {"Code": "NONE"}}),
    ],
    "List Macie findings": [ok({"FindingIds": []})],
    "Check Macie results": [ok({"objectsRead": 4, "results": 4})],
    "Cancel Macie job": [ok({})],
    "Train": [
        ok(
            {
                "TrainingJobName": f"synthpipe-train-{RUN_ID}",
                "ModelArtifacts": {
                    "S3ModelArtifacts": f"s3://{BUCKET}/models/{DATASET}/{RUN_ID}/"
                    f"synthpipe-train-{RUN_ID}/output/model.tar.gz"
                },
                "BillableTimeInSeconds": 1200,
            }
        )
    ],
    "Generate": [ok({"ProcessingJobName": f"synthpipe-generate-{RUN_ID}"})],
    "Gate": [ok({"passed": True, "verdict": "pass", "failedGates": []})],
    "Publish": [ok({"prefix": f"s3://{BUCKET}/synthetic/{DATASET}/{RUN_ID}/", "objects": 5})],
    "Quarantine": [ok(REASON)],
    "Notify success": [ok({"messageId": "m-1"})],
    "Notify failure": [ok({"messageId": "m-2"})],
}


def handlers(changes: dict[str, list[dict[str, Any]]] | None = None) -> dict[str, Any]:
    """The happy path's answers with some tasks' answers replaced (keys: state names)."""
    return {**copy.deepcopy(HAPPY), **(changes or {})}


def full_state() -> dict[str, Any]:
    """The state after every step, to resolve any task's parameters."""
    state = execution_input()
    state.update(
        {
            "prepare": {"jobRunId": "jr_1", "state": "SUCCEEDED", "executionSeconds": 181},
            "verify": {"jobName": f"synthpipe-verify-{RUN_ID}", "scan": VERIFY_SCAN},
            "macieSetup": {"identifierId": "0e1f2a3b-4c5d-6e7f-8091-a2b3c4d5e6f7"},
            "cleanedObjects": {"keyCount": 4},
            "macie": {"jobId": JOB_ID, "polls": 2},
            "training": {
                "jobName": f"synthpipe-train-{RUN_ID}",
                "modelArtifacts": HAPPY["Train"][0]["result"]["ModelArtifacts"]["S3ModelArtifacts"],
                "billableSeconds": 1200,
            },
        }
    )
    return state
