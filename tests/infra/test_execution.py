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
from tests.infra.scenarios import REFUSED, execution_input, fail, handlers, ok

RUNNER = REPO / "tests" / "statemachine" / "run.mjs"
HAPPY_TASKS = [
    "Prepare",
    "List cleaned objects",
    "Start Macie job",
    "Describe Macie job",
    "Describe Macie job",
    "List Macie findings",
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
    }
    assert run["output"]["training"]["modelArtifacts"].endswith("/output/model.tar.gz")
    assert run["calls"]["Quarantine"] == []


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
    assert notified["reason"]["message"] == "boom"


def test_a_failed_success_notification_fails_the_run_visibly(runs):
    run = runs["success_notification_fails"]
    assert run["status"] == "FAILED"
    assert run["error"] == "NotificationFailed"
    assert len(run["calls"]["Publish"]) == 1


def test_skip_macie_variant_goes_from_prepare_to_training(variant):
    from tests.infra.cfn import state_machine_definition

    definition = state_machine_definition(variant.pipeline)
    run = run_local(definition, {"skip": {"handlers": handlers()}})["skip"]
    assert run["status"] == "SUCCEEDED"
    assert run["states"][1:4] == ["Prepare", "Macie skipped", "Train"]
    assert run["output"]["privacyScan"]["engine"] == "none"
