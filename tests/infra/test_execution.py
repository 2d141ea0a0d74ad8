"""The definition executed with aws-local-stepfunctions, one scenario per branch.

Task states answer from local handlers (tests/infra/scenarios.py), Waits and retry pauses
take 0 ms. All scenarios run in one Node process.
"""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest

from tests.infra.conftest import REPO
from tests.infra.scenarios import (
    REFUSED,
    VERIFY_SCAN,
    execution_input,
    fail,
    handlers,
    ok,
    verify_failed,
)

RUNNER = REPO / "tests" / "statemachine" / "run.mjs"
HAPPY_TASKS = [
    "Prepare",
    "Verify",
    "Prepare Macie",
    "List cleaned objects",
    "Start Macie job",
    "Describe Macie job",
    "Describe Macie job",
    "List Macie findings",
    "Check Macie results",
    "Train",
    "Generate",
    "Gate",
    "Publish",
    "Notify success",
]


def reason(step: str, code: str) -> list[dict[str, Any]]:
    return [ok({"step": step, "code": code, "message": f"{step} stopped: {code}", "fix": "Fix."})]


RUNNING = ok({"JobStatus": "RUNNING"})
SCENARIOS: dict[str, dict[str, Any]] = {
    "happy": {"handlers": handlers()},
    "refused": {
        "input": execution_input(validation=REFUSED),
        "handlers": handlers({"Quarantine": reason("validate", "html")}),
    },
    "verify_pii_found": {
        "handlers": handlers(
            {
                "Verify": [
                    verify_failed(
                        'synthpipe:pii_found {"columns":[{"entity_types":["EMAIL_ADDRESS"],'
                        '"position":9}]}'
                    )
                ],
                "Quarantine": reason("verify", "pii_found"),
            }
        )
    },
    "verify_nothing_to_scan": {
        "handlers": handlers(
            {
                "Verify": [verify_failed("synthpipe:nothing_classified")],
                "Quarantine": reason("verify", "nothing_classified"),
            }
        )
    },
    "verify_unreadable_object": {
        "handlers": handlers(
            {
                "Verify": [verify_failed("synthpipe:unreadable_object")],
                "Quarantine": reason("verify", "unreadable_object"),
            }
        )
    },
    "verify_throttled_then_ok": {
        "handlers": handlers(
            {"Verify": [fail("SageMaker.ThrottlingException"), *handlers()["Verify"]]}
        )
    },
    "pii_found": {
        "handlers": handlers(
            {
                "List Macie findings": [ok({"FindingIds": ["f-1", "f-2"]})],
                "Quarantine": reason("verify", "pii_found"),
            }
        )
    },
    "nothing_to_scan": {
        "handlers": handlers(
            {
                "List cleaned objects": [ok({"KeyCount": 0})],
                "Quarantine": reason("verify", "nothing_classified"),
            }
        )
    },
    "macie_read_errors": {
        "handlers": handlers(
            {
                "Describe Macie job": [
                    ok({"JobStatus": "COMPLETE", "LastRunErrorStatus": {"Code": "ERROR"}})
                ],
                "Quarantine": reason("verify", "nothing_classified"),
            }
        )
    },
    "macie_not_enabled": {
        "handlers": handlers(
            {
                "Prepare Macie": [
                    fail(
                        "CodedFailure",
                        json.dumps({"errorMessage": "synthpipe:macie_not_enabled"}),
                    )
                ],
                "Quarantine": reason("verify", "macie_not_enabled"),
            }
        )
    },
    "macie_skipped_objects": {
        "handlers": handlers(
            {
                # The job was COMPLETE without errors or findings; its results say otherwise.
                "Check Macie results": [
                    fail(
                        "CodedFailure",
                        json.dumps(
                            {
                                "errorType": "CodedFailure",
                                "errorMessage": "synthpipe:macie_objects_skipped",
                            }
                        ),
                    )
                ],
                "Quarantine": reason("verify", "macie_objects_skipped"),
            }
        )
    },
    "macie_timeout": {
        "handlers": handlers(
            {"Describe Macie job": [RUNNING], "Quarantine": reason("verify", "macie_timeout")}
        )
    },
    "macie_cancelled": {
        "handlers": handlers(
            {
                "Describe Macie job": [ok({"JobStatus": "CANCELLED"})],
                "Quarantine": reason("verify", "macie_job_stopped"),
            }
        )
    },
    "glue_throttled_then_ok": {
        "handlers": handlers(
            {"Prepare": [fail("Glue.ThrottlingException"), *handlers()["Prepare"]]}
        )
    },
    "glue_failure_after_retries": {
        "handlers": handlers(
            {
                "Prepare": [fail("Glue.ConcurrentRunsExceededException", "too many runs")],
                "Quarantine": reason("prepare", "prepare_failed"),
            }
        )
    },
    "glue_job_failed": {
        "handlers": handlers(
            {
                "Prepare": [fail("States.TaskFailed", '{"ErrorMessage": "bad column"}')],
                "Quarantine": reason("prepare", "prepare_failed"),
            }
        )
    },
    "train_rejected": {
        # How Step Functions names SageMaker's ValidationException (undeclared in its model).
        "handlers": handlers(
            {
                "Train": [
                    fail(
                        "SageMaker.AmazonSageMakerException",
                        "1 validation error detected (Service: AmazonSageMaker; Status Code: "
                        "400; Error Code: ValidationException)",
                    ),
                    *handlers()["Train"],
                ],
                "Quarantine": reason("train", "train_failed"),
            }
        )
    },
    "train_capacity_then_ok": {
        "handlers": handlers(
            {
                "Train": [
                    fail("SageMaker.ResourceLimitExceededException"),
                    *handlers()["Train"],
                ]
            }
        )
    },
    "training_failure": {
        "handlers": handlers(
            {
                "Train": [fail("States.TaskFailed", '{"FailureReason": "too_few_rows"}')],
                "Quarantine": reason("train", "train_failed"),
            }
        )
    },
    "generate_failure": {
        "handlers": handlers(
            {
                "Generate": [fail("States.Timeout", "")],
                "Quarantine": reason("generate", "generate_timed_out"),
            }
        )
    },
    "gate_failure": {
        "handlers": handlers(
            {
                "Gate": [
                    ok(
                        {
                            "passed": False,
                            "verdict": "fail",
                            "failedGates": ["quality"],
                            "reason": {
                                "step": "gate",
                                "code": "gate_failed",
                                "message": "The synthetic data did not pass the gates.",
                                "fix": "Read report.html.",
                            },
                        }
                    )
                ]
            }
        )
    },
    "gate_lambda_retried": {
        "handlers": handlers({"Gate": [fail("Lambda.ServiceException"), *handlers()["Gate"]]})
    },
    "quarantine_fails": {
        "handlers": handlers(
            {
                "Train": [fail("States.TaskFailed", "boom")],
                "Quarantine": [fail("Lambda.Unknown", "access denied")],
            }
        )
    },
    "success_notification_fails": {
        "handlers": handlers({"Notify success": [fail("SNS.AuthorizationError", "denied")]})
    },
}


def run_local(definition: dict[str, Any], scenarios: dict[str, dict[str, Any]]) -> dict:
    request = {
        "definition": definition,
        "scenarios": [
            {"name": name, "input": s.get("input") or execution_input(), "handlers": s["handlers"]}
            for name, s in scenarios.items()
        ],
    }
    result = subprocess.run(
        ["node", str(RUNNER)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def runs(definition) -> dict[str, dict[str, Any]]:
    return run_local(definition, SCENARIOS)


def tasks_called(run: dict[str, Any], definition: dict[str, Any]) -> list[str]:
    return [s for s in run["states"] if definition["States"][s]["Type"] == "Task"]


def failure_of(run: dict[str, Any]) -> dict[str, Any]:
    (call,) = run["calls"]["Quarantine"]
    return call["failure"]


def test_happy_path_runs_every_step_in_order_and_publishes(runs, definition):
    run = runs["happy"]
    assert run["status"] == "SUCCEEDED", run
    assert tasks_called(run, definition) == HAPPY_TASKS
    assert run["states"][-1] == "Run published"
    assert run["output"]["privacyScan"] == {
        "engine": "macie",
        "jobId": "0123456789abcdef0123456789abcdef",
        "findings": 0,
        "objectsInScope": 4,
        "objectsRead": 4,
    }
    assert run["output"]["verify"] == {
        "jobName": "synthpipe-verify-20261123T071500Z-1a2b3c4d",
        "scan": VERIFY_SCAN,
    }
    assert run["output"]["training"]["modelArtifacts"].endswith("/output/model.tar.gz")
    assert run["calls"]["Quarantine"] == []


def test_verify_scans_the_runs_cleaned_prefix_before_any_macie_state(runs):
    run = runs["happy"]
    assert run["states"].index("Verify") == run["states"].index("Prepare") + 1
    (call,) = run["calls"]["Verify"]  # the job's parameters, intrinsics evaluated
    assert call["ProcessingJobName"] == "synthpipe-verify-20261123T071500Z-1a2b3c4d"
    assert call["Environment"] == {
        "SYNTHPIPE_DATASET": "banksim",
        "SYNTHPIPE_RUN_ID": "20261123T071500Z-1a2b3c4d",
    }
    (cleaned,) = call["ProcessingInputs"]
    # Where RunLayout("/opt/ml/processing/input", dataset, run_id) looks for cleaned/.
    assert cleaned["S3Input"]["LocalPath"] == (
        "/opt/ml/processing/input/cleaned/banksim/20261123T071500Z-1a2b3c4d"
    )
    assert cleaned["S3Input"]["S3Uri"] == (
        "s3://synthpipe-data-123456789012-eu-west-1/cleaned/banksim/20261123T071500Z-1a2b3c4d/"
    )


@pytest.mark.parametrize(
    ("scenario", "code"),
    [
        ("verify_pii_found", "pii_found"),
        ("verify_nothing_to_scan", "nothing_classified"),
        ("verify_unreadable_object", "unreadable_object"),
    ],
)
def test_our_verify_fails_closed_before_macie_and_training(runs, scenario, code):
    run = runs[scenario]
    assert run["status"] == "FAILED" and run["error"] == code
    assert run["states"][:4] == ["Input valid?", "Prepare", "Verify", "Verify failed"]
    assert run["states"][-3:] == ["Quarantine", "Notify failure", "Run failed"]
    failure = failure_of(run)
    assert (failure["step"], failure["Error"]) == ("verify", "States.TaskFailed")
    assert f"synthpipe:{code}" in failure["Cause"]  # the code crosses, for failure_error
    for later in ("List cleaned objects", "Start Macie job", "Train", "Generate", "Publish"):
        assert run["calls"][later] == [], later
    assert len(run["calls"]["Verify"]) == 1  # a failed scan is not retried


def test_our_verify_failure_reaches_quarantine_as_a_code_without_free_text(runs):
    from synthpipe.cloud import failure_error

    (state,) = runs["verify_pii_found"]["calls"]["Quarantine"]
    error = failure_error(state)
    assert (error.step, error.code) == ("verify", "pii_found")
    assert error.details["columns"] == [{"position": 9, "entity_types": ["EMAIL_ADDRESS"]}]
    assert "AlgorithmError" not in error.message and "diagnose" not in error.message


def test_transient_sagemaker_error_of_verify_is_retried(runs):
    run = runs["verify_throttled_then_ok"]
    assert run["status"] == "SUCCEEDED"
    assert len(run["calls"]["Verify"]) == 2


def test_refused_input_is_quarantined_and_notified_without_prepare(runs):
    run = runs["refused"]
    assert run["status"] == "FAILED"
    assert (run["error"], run["cause"]) == ("html", "validate stopped: html")
    assert run["states"][:2] == ["Input valid?", "Input refused"]
    assert run["calls"]["Prepare"] == []
    assert failure_of(run) == {
        "step": "validate",
        "Error": "InputRefused",
        "Cause": "The file is an HTML page, not a CSV.",
    }
    (notified,) = run["calls"]["Notify failure"]
    assert notified["reason"]["code"] == "html"


@pytest.mark.parametrize(
    ("scenario", "error", "state"),
    [
        ("pii_found", "PiiFound", "Personal data found"),
        ("nothing_to_scan", "NothingClassified", "Nothing classified"),
        ("macie_read_errors", "NothingClassified", "Nothing classified"),
        ("macie_cancelled", "MacieJobStopped", "Macie job stopped"),
    ],
)
def test_privacy_scan_fails_closed_before_training(runs, scenario, error, state):
    run = runs[scenario]
    assert run["status"] == "FAILED"
    assert state in run["states"]
    assert failure_of(run)["step"] == "verify" and failure_of(run)["Error"] == error
    assert run["calls"]["Train"] == []
    assert run["states"][-3:] == ["Quarantine", "Notify failure", "Run failed"]


def test_nothing_to_scan_starts_no_macie_job(runs):
    assert runs["nothing_to_scan"]["calls"]["Start Macie job"] == []


def test_macie_timeout_cancels_the_job_after_the_last_poll(runs, definition):
    run = runs["macie_timeout"]
    assert run["status"] == "FAILED"
    polls = len(run["calls"]["Describe Macie job"])
    assert polls == 120  # macieTimeoutMinutes 120 / maciePollSeconds 60
    assert run["states"][-5:] == [
        "Macie timed out",
        "Cancel Macie job",
        "Quarantine",
        "Notify failure",
        "Run failed",
    ]
    assert failure_of(run)["Error"] == "MacieTimeout"
    (cancel,) = run["calls"]["Cancel Macie job"]
    assert cancel == {"JobId": "0123456789abcdef0123456789abcdef", "JobStatus": "CANCELLED"}


def test_transient_glue_error_is_retried(runs):
    run = runs["glue_throttled_then_ok"]
    assert run["status"] == "SUCCEEDED"
    assert len(run["calls"]["Prepare"]) == 2


def test_glue_failure_after_retries_is_quarantined(runs):
    run = runs["glue_failure_after_retries"]
    assert run["status"] == "FAILED"
    assert len(run["calls"]["Prepare"]) == 4  # the call and three retries
    assert failure_of(run) == {
        "step": "prepare",
        "Error": "Glue.ConcurrentRunsExceededException",
        "Cause": "too many runs",
    }
    assert run["calls"]["List cleaned objects"] == []


def test_failed_glue_job_is_not_retried(runs):
    run = runs["glue_job_failed"]
    assert len(run["calls"]["Prepare"]) == 1
    assert failure_of(run)["Cause"] == '{"ErrorMessage": "bad column"}'


def test_training_failure_is_quarantined_before_generation(runs):
    run = runs["training_failure"]
    assert run["status"] == "FAILED" and run["error"] == "train_failed"
    assert failure_of(run)["step"] == "train"
    assert run["calls"]["Generate"] == []


def test_generate_timeout_is_quarantined(runs):
    run = runs["generate_failure"]
    assert failure_of(run) == {"step": "generate", "Error": "States.Timeout", "Cause": ""}


def test_gate_failure_keeps_staging_and_notifies(runs):
    run = runs["gate_failure"]
    assert run["status"] == "FAILED"
    assert (run["error"], run["cause"]) == (
        "gate_failed",
        "The synthetic data did not pass the gates.",
    )
    assert run["calls"]["Quarantine"] == [] and run["calls"]["Publish"] == []
    assert run["states"][-4:] == ["Gate passed?", "Gate not passed", "Notify failure", "Run failed"]


def test_transient_lambda_error_is_retried(runs):
    run = runs["gate_lambda_retried"]
    assert run["status"] == "SUCCEEDED"
    assert len(run["calls"]["Gate"]) == 2


def test_a_failing_quarantine_still_notifies_with_the_original_reason(runs):
    run = runs["quarantine_fails"]
    assert run["status"] == "FAILED"
    assert "Quarantine failed" in run["states"]
    (notified,) = run["calls"]["Notify failure"]
    assert notified["reason"]["step"] == "train"
    assert notified["reason"]["code"] == "quarantine_failed"
    # The task's Cause ("boom") may quote data: the reason names the step and error only.
    assert notified["reason"]["message"] == (
        "The run stopped at step train (States.TaskFailed), and keeping its data under "
        "quarantine/ failed too."
    )
    assert run["error"] == "quarantine_failed" and "boom" not in run["cause"]


def test_a_failed_success_notification_fails_the_run_visibly(runs):
    run = runs["success_notification_fails"]
    assert run["status"] == "FAILED"
    assert run["error"] == "NotificationFailed"
    assert len(run["calls"]["Publish"]) == 1


def test_skip_macie_variant_still_runs_our_verify_before_training(variant):
    from tests.infra.cfn import state_machine_definition

    definition = state_machine_definition(variant.pipeline)
    runs = run_local(
        definition,
        {
            "skip": {"handlers": handlers()},
            "skip_pii": {
                "handlers": handlers(
                    {
                        "Verify": [verify_failed("synthpipe:pii_found")],
                        "Quarantine": reason("verify", "pii_found"),
                    }
                )
            },
        },
    )
    run = runs["skip"]
    assert run["status"] == "SUCCEEDED"
    assert run["states"][1:5] == ["Prepare", "Verify", "Macie skipped", "Train"]
    assert run["output"]["privacyScan"]["engine"] == "none"
    assert run["output"]["verify"]["scan"] == VERIFY_SCAN
    stopped = runs["skip_pii"]
    assert stopped["status"] == "FAILED" and stopped["error"] == "pii_found"
    assert "Macie skipped" not in stopped["states"] and stopped["calls"]["Train"] == []


def test_objects_macie_skipped_stop_the_run_before_training(runs):
    run = runs["macie_skipped_objects"]
    assert run["status"] == "FAILED"
    assert "Checking Macie results failed" in run["states"]
    failure = failure_of(run)
    assert (failure["step"], failure["Error"]) == ("verify", "CodedFailure")
    assert "synthpipe:macie_objects_skipped" in failure["Cause"]
    assert run["calls"]["Train"] == [] and "Privacy scan passed" not in run["states"]
    (call,) = run["calls"]["Check Macie results"]
    assert call["macie"]["jobId"] == "0123456789abcdef0123456789abcdef"


def test_a_skipped_object_reaches_the_reason_as_its_code():
    from synthpipe import cloud

    state = {
        "failure": {
            "step": "verify",
            "Error": "CodedFailure",
            "Cause": json.dumps({"errorMessage": "synthpipe:macie_objects_skipped"}),
        }
    }
    error = cloud.failure_error(state)
    assert error.code == "macie_objects_skipped"
    assert "SKIPPED or PARTIAL" in error.message and "decrypt" in error.fix


def test_a_job_sagemaker_rejects_is_not_retried(runs):
    """Validation and permission errors arrive as AmazonSageMakerException: a retry would
    fail the same way, or meet the job it may have created under the same name."""
    run = runs["train_rejected"]
    assert run["status"] == "FAILED"
    assert len(run["calls"]["Train"]) == 1
    assert failure_of(run)["Error"] == "SageMaker.AmazonSageMakerException"


def test_a_job_refused_for_capacity_is_retried_under_its_name(runs):
    run = runs["train_capacity_then_ok"]
    assert run["status"] == "SUCCEEDED"
    first, second = run["calls"]["Train"]
    assert first["TrainingJobName"] == second["TrainingJobName"]


def test_no_sagemaker_job_retries_an_undeclared_sagemaker_error(definition):
    for name in ("Verify", "Train", "Generate"):
        retried = {e for r in definition["States"][name]["Retry"] for e in r["ErrorEquals"]}
        assert "SageMaker.AmazonSageMakerException" not in retried
        assert "States.ALL" not in retried and "States.TaskFailed" not in retried


def test_a_run_where_macie_is_off_stops_before_any_macie_job(runs):
    run = runs["macie_not_enabled"]
    assert run["status"] == "FAILED" and "Preparing Macie failed" in run["states"]
    assert "synthpipe:macie_not_enabled" in failure_of(run)["Cause"]
    assert run["calls"]["Start Macie job"] == [] and run["calls"]["Train"] == []


def test_the_macie_job_uses_the_identifier_the_run_prepared(runs):
    (call,) = runs["happy"]["calls"]["Start Macie job"]
    assert call["CustomDataIdentifierIds"] == ["0e1f2a3b-4c5d-6e7f-8091-a2b3c4d5e6f7"]
