"""The Lambda handlers, in-process against moto: start, quarantine, gate, publish, notify."""

from __future__ import annotations

import gzip
import io
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import redirect_stdout
from datetime import timedelta
from typing import Any

import boto3
import pytest

from synthpipe import cloud
from synthpipe.failure_codes import CodedFailure
from synthpipe.layout import run_id_for
from tests.infra.scenarios import BUCKET, DATASET, REGION, VERIFY_SCAN, handlers

KEY = f"raw/{DATASET}/transactions.csv"
CANARY = "canary.person@example.org"
CSV = (
    "step,customer,age,gender,merchant,category,amount,fraud,email\n"
    + "".join(
        f"{i},C{1000 + i},{i % 6},F,M{i % 7},es_food,{10 + i}.5,{i % 2},{CANARY}\n"
        for i in range(40)
    )
).encode()


def upload(s3, body: bytes = CSV, key: str = KEY) -> dict[str, Any]:
    version = s3.put_object(Bucket=BUCKET, Key=key, Body=body)["VersionId"]
    return {
        "version": "0",
        "source": "aws.s3",
        "detail-type": "Object Created",
        "detail": {
            "bucket": {"name": BUCKET},
            "object": {"key": key, "size": len(body), "version-id": version},
            "reason": "PutObject",
        },
    }


def start(aws, event, **env) -> dict[str, Any]:
    return cloud.handle_start(event, s3=aws["s3"], sfn=aws["sfn"], env={**aws["env"], **env})


def execution_input(aws) -> dict[str, Any]:
    (execution,) = aws["sfn"].list_executions(stateMachineArn=aws["env"]["STATE_MACHINE_ARN"])[
        "executions"
    ]
    return json.loads(
        aws["sfn"].describe_execution(executionArn=execution["executionArn"])["input"]
    )


def test_start_validates_and_names_the_execution_after_the_run(aws):
    event = upload(aws["s3"])
    answer = start(aws, event, HYPERPARAMETERS='{"epochs": "50"}')
    state = execution_input(aws)
    head = aws["s3"].head_object(Bucket=BUCKET, Key=KEY)
    run_id = run_id_for(BUCKET, KEY, event["detail"]["object"]["version-id"], head["LastModified"])
    assert answer["started"] is True and answer["runId"] == run_id
    assert answer["executionName"] == f"{DATASET}-{run_id}"
    assert state["validation"]["status"] == "ok" and state["validation"]["rows"] == 40
    assert state["paths"]["cleaned"] == f"s3://{BUCKET}/cleaned/{DATASET}/{run_id}/"
    assert state["paths"]["cleanedPrefix"] == f"cleaned/{DATASET}/{run_id}/"
    assert state["hyperparameters"] == {"epochs": "50"}


@pytest.mark.fault_catalogue
def test_duplicate_event_starts_no_second_run(aws):
    event = upload(aws["s3"])
    first, second = start(aws, event), start(aws, event)
    assert first["started"] is True
    assert second == {
        "started": False,
        "duplicate": True,
        "executionName": first["executionName"],
        "runId": first["runId"],
    }
    executions = aws["sfn"].list_executions(stateMachineArn=aws["env"]["STATE_MACHINE_ARN"])
    assert len(executions["executions"]) == 1


class RacingStepFunctions:
    """The Step Functions client, where each start waits at `barrier` once it has looked for
    its execution: two starts both find none, then both call StartExecution."""

    def __init__(self, sfn, barrier: threading.Barrier) -> None:
        self._sfn, self._barrier = sfn, barrier

    def describe_execution(self, **kwargs):
        try:
            return self._sfn.describe_execution(**kwargs)
        finally:
            self._barrier.wait(60)

    def __getattr__(self, name: str):
        return getattr(self._sfn, name)


@pytest.mark.fault_catalogue
def test_two_starts_racing_for_one_object_version_start_one_execution(aws):
    """StartExecution treats a second call with the same name and input as the running
    execution's own (it answers success): each start's input is its own, so the one that
    comes second is refused and answers duplicate."""
    event = upload(aws["s3"])
    racing = RacingStepFunctions(aws["sfn"], threading.Barrier(2))

    def one(_):
        return cloud.handle_start(event, s3=aws["s3"], sfn=racing, env=aws["env"])

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(one, range(2)))

    started = [a for a in answers if a["started"]]
    duplicates = [a for a in answers if a.get("duplicate")]
    assert len(started) == len(duplicates) == 1
    assert duplicates[0]["executionName"] == started[0]["executionName"]
    executions = aws["sfn"].list_executions(stateMachineArn=aws["env"]["STATE_MACHINE_ARN"])
    assert len(executions["executions"]) == 1


@pytest.mark.fault_catalogue
def test_start_applies_the_column_and_record_limits_of_its_environment(aws):
    start(aws, upload(aws["s3"]), MAX_COLUMNS="5")
    reason = execution_input(aws)["validation"]["reason"]
    assert (reason["code"], reason["details"]["max_columns"]) == ("too_many_columns", 5)


def test_duplicate_event_run_executes_once_to_publish(aws, definition):
    from tests.infra.test_execution import run_local

    event = upload(aws["s3"])
    start(aws, event)
    start(aws, event)
    run = run_local(
        definition, {"duplicate": {"input": execution_input(aws), "handlers": handlers()}}
    )
    assert run["duplicate"]["status"] == "SUCCEEDED"


@pytest.mark.fault_catalogue
def test_a_new_version_of_the_same_key_is_a_new_run(aws):
    first = start(aws, upload(aws["s3"]))
    second = start(aws, upload(aws["s3"], CSV + b"41,C9,1,M,M1,es_food,3.5,0,x@y.org\n"))
    assert second["started"] is True and second["runId"] != first["runId"]


def test_refused_input_still_starts_a_run_that_quarantines_it(aws):
    start(aws, upload(aws["s3"], b"<!DOCTYPE html><html><body>table</body></html>"))
    validation = execution_input(aws)["validation"]
    assert validation["status"] == "refused"
    assert validation["reason"]["code"] == "html"


@pytest.mark.parametrize("pii_hits", [1, 0.5])
def test_start_refuses_a_dataset_config_that_relaxes_pii_hits(aws, pii_hits):
    aws["s3"].put_object(
        Bucket=BUCKET,
        Key=f"config/{DATASET}.json",
        Body=json.dumps({"thresholds": {"pii_hits": pii_hits}}).encode(),
    )
    start(aws, upload(aws["s3"]))
    reason = execution_input(aws)["validation"]["reason"]
    assert (reason["code"], reason["step"]) == ("bad_threshold", "config")
    assert "fixed at 0 and cannot be relaxed" in reason["message"]


def test_start_passes_the_checked_thresholds_to_the_evaluation(aws):
    aws["s3"].put_object(
        Bucket=BUCKET,
        Key=f"config/{DATASET}.json",
        Body=json.dumps({"thresholds": {"pii_hits": 0, "quality": 0.85}}).encode(),
    )
    start(aws, upload(aws["s3"]), THRESHOLDS='{"quality": 0.8, "target_rate": 0.3}')
    thresholds = json.loads(execution_input(aws)["generate"]["thresholds"])
    assert thresholds == {"pii_hits": 0.0, "quality": 0.85, "target_rate": 0.3}


def test_start_refuses_a_target_column_longer_than_the_generate_job_can_receive(aws):
    # SYNTHPIPE_TARGET_COLUMN would fail CreateProcessingJob at Generate, hours later.
    target = "defaulted" + "_within_twelve_months" * 13  # 282 characters
    aws["s3"].put_object(
        Bucket=BUCKET,
        Key=f"config/{DATASET}.json",
        Body=json.dumps({"target_column": target}).encode(),
    )
    start(aws, upload(aws["s3"]))
    reason = execution_input(aws)["validation"]["reason"]
    assert reason["code"] == "bad_dataset_config"
    assert "282 characters" in reason["message"] and "at most 256" in reason["message"]
    assert target not in reason["message"]  # a refusal names no header


def test_bad_dataset_config_is_refused(aws):
    aws["s3"].put_object(
        Bucket=BUCKET, Key=f"config/{DATASET}.json", Body=b'{"hyperparameters": {"epoch": 3}}'
    )
    start(aws, upload(aws["s3"]))
    validation = execution_input(aws)["validation"]
    assert validation["reason"]["code"] == "bad_hyperparameter"


class AsAPipelineRoleSeesIt:
    """S3 as a pipeline role sees it: its s3:ListBucket is limited to prefixes (an
    `s3:prefix` condition, absent from GetObject and HeadObject), so a missing key is
    answered 403 AccessDenied, not 404. Keys in `unreadable` are denied although present
    (an object under another KMS key)."""

    def __init__(self, s3, unreadable: tuple[str, ...] = ()) -> None:
        self._s3, self._unreadable = s3, set(unreadable)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._s3, name)

    def _check(self, operation: str, Bucket: str, Key: str, **options: Any) -> None:
        from botocore.exceptions import ClientError

        denied = ClientError(
            {"Error": {"Code": "AccessDenied", "Message": "Access Denied"}}, operation
        )
        if Key in self._unreadable:
            raise denied
        try:
            self._s3.head_object(Bucket=Bucket, Key=Key, **options)
        except ClientError:
            raise denied from None

    def get_object(self, **request: Any) -> Any:
        self._check("GetObject", **request)
        return self._s3.get_object(**request)

    def head_object(self, **request: Any) -> Any:
        self._check("HeadObject", **request)
        return self._s3.head_object(**request)


def test_start_runs_with_defaults_when_the_dataset_config_is_missing_behind_a_403(aws):
    event = upload(aws["s3"])
    answer = cloud.handle_start(
        event, s3=AsAPipelineRoleSeesIt(aws["s3"]), sfn=aws["sfn"], env=aws["env"]
    )
    assert answer["started"] is True
    assert execution_input(aws)["validation"]["status"] == "ok"


def test_a_config_that_only_shares_the_name_as_a_prefix_is_not_the_config(aws):
    aws["s3"].put_object(Bucket=BUCKET, Key=f"config/{DATASET}.json.bak", Body=b"not json")
    start(aws, upload(aws["s3"]))
    assert execution_input(aws)["validation"]["status"] == "ok"


def test_a_dataset_config_that_cannot_be_read_stops_the_run_clearly(aws):
    key = f"config/{DATASET}.json"
    aws["s3"].put_object(Bucket=BUCKET, Key=key, Body=b'{"target_column": "fraud"}')
    s3 = AsAPipelineRoleSeesIt(aws["s3"], unreadable=(key,))
    cloud.handle_start(upload(aws["s3"]), s3=s3, sfn=aws["sfn"], env=aws["env"])
    validation = execution_input(aws)["validation"]
    assert validation["status"] == "refused"
    reason = validation["reason"]
    assert (reason["code"], reason["step"]) == ("dataset_config_unreadable", "config")
    assert reason["details"] == {"config": key, "error": "AccessDenied"}


def test_start_finds_a_url_encoded_key_behind_a_403(aws):
    event = upload(aws["s3"], key="raw/banksim/my file.csv")
    event["detail"]["object"]["key"] = "raw/banksim/my+file.csv"
    s3 = AsAPipelineRoleSeesIt(aws["s3"])
    assert cloud.handle_start(event, s3=s3, sfn=aws["sfn"], env=aws["env"])["started"] is True
    assert execution_input(aws)["key"] == "raw/banksim/my file.csv"


def test_start_fails_on_an_object_it_cannot_find_either_way(aws):
    """Raised, not ignored: the event goes to the dead-letter queue after the retries."""
    from botocore.exceptions import ClientError

    event = upload(aws["s3"], key="raw/banksim/gone+now.csv")
    version = event["detail"]["object"]["version-id"]
    aws["s3"].delete_object(Bucket=BUCKET, Key="raw/banksim/gone+now.csv", VersionId=version)
    with pytest.raises(ClientError) as raised:
        cloud.handle_start(
            event, s3=AsAPipelineRoleSeesIt(aws["s3"]), sfn=aws["sfn"], env=aws["env"]
        )
    assert raised.value.response["Error"]["Code"] == "AccessDenied"


@pytest.mark.parametrize(
    "key",
    ["raw/banksim/", "staging/banksim/run/synthetic.csv", "config/banksim.csv", "rawdata/a.csv"],
)
def test_folder_markers_and_keys_outside_raw_are_ignored(aws, key):
    event = upload(aws["s3"], body=b"" if key.endswith("/") else CSV, key=key)
    assert start(aws, event) == {"started": False, "ignored": True}


@pytest.mark.fault_catalogue
@pytest.mark.parametrize("name", ["transactions.CSV", "transactions.Csv", "export.txt", "data"])
def test_any_name_under_raw_holding_a_csv_starts_a_run(aws, name):
    answer = start(aws, upload(aws["s3"], key=f"raw/{DATASET}/{name}"))
    state = execution_input(aws)
    assert answer["started"] is True and answer["executionName"].startswith(f"{DATASET}-")
    assert state["validation"]["status"] == "ok" and state["key"] == f"raw/{DATASET}/{name}"


def test_a_loose_upper_case_csv_is_named_after_its_file(aws):
    answer = start(aws, upload(aws["s3"], key="raw/Loans 2026.CSV"))
    assert answer["executionName"].startswith("loans-2026-")


@pytest.mark.parametrize(
    ("name", "body", "code"),
    [
        ("transactions.csv.gz", gzip.compress(CSV), "compressed"),
        ("report.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 8, "binary"),
        ("notes.txt", b"Please find the export attached.\n", "too_few_columns"),
    ],
)
def test_files_under_raw_that_are_not_csv_start_a_run_that_refuses_them(aws, name, body, code):
    answer = start(aws, upload(aws["s3"], body=body, key=f"raw/{DATASET}/{name}"))
    validation = execution_input(aws)["validation"]
    assert answer["started"] is True  # the refusal is quarantined and notified
    assert (validation["status"], validation["reason"]["code"]) == ("refused", code)


# --- Object Lock (rawObjectLockDays) ---------------------------------------------------


@pytest.fixture
def locking(aws):
    """The bucket with Object Lock enabled (as the storage stack does with the setting)."""
    aws["s3"].put_object_lock_configuration(
        Bucket=BUCKET, ObjectLockConfiguration={"ObjectLockEnabled": "Enabled"}
    )
    return aws


def retention(s3, event) -> tuple[str | None, Any]:
    # HEAD, not GetObjectRetention: moto 5.2.5 answers the latter with a 500.
    obj = event["detail"]["object"]
    head = s3.head_object(Bucket=BUCKET, Key=obj["key"], VersionId=obj["version-id"])
    return head.get("ObjectLockMode"), head.get("ObjectLockRetainUntilDate")


def test_start_locks_the_raw_version_in_governance_mode_for_the_set_days(locking):
    event = upload(locking["s3"])
    start(locking, event, RAW_OBJECT_LOCK_DAYS="30")
    head = locking["s3"].head_object(Bucket=BUCKET, Key=KEY)
    assert retention(locking["s3"], event) == (
        "GOVERNANCE",
        head["LastModified"] + timedelta(days=30),
    )
    with pytest.raises(locking["s3"].exceptions.ClientError, match="AccessDenied"):
        locking["s3"].delete_object(
            Bucket=BUCKET, Key=KEY, VersionId=event["detail"]["object"]["version-id"]
        )


def test_start_locks_a_refused_file_too_and_a_duplicate_keeps_the_lock(locking):
    event = upload(locking["s3"], b"<!DOCTYPE html><html></html>")
    start(locking, event, RAW_OBJECT_LOCK_DAYS="30")
    first = retention(locking["s3"], event)
    assert first[0] == "GOVERNANCE"
    assert start(locking, event, RAW_OBJECT_LOCK_DAYS="30")["duplicate"] is True
    assert retention(locking["s3"], event) == first


def test_start_sets_no_lock_when_the_setting_is_off(locking):
    event = upload(locking["s3"])
    start(locking, event)
    assert retention(locking["s3"], event) == (None, None)


def test_logs_hold_no_cell_values(aws):
    stream = io.StringIO()
    with redirect_stdout(stream):
        cloud.get_logger().handlers.clear()
        start(aws, upload(aws["s3"]))
        ragged = CSV + f"99,{CANARY}\n".encode()
        start(aws, upload(aws["s3"], ragged))
    cloud.get_logger().handlers.clear()
    logged = stream.getvalue()
    assert "start.started" in logged
    assert CANARY not in logged


def run_state(aws, **changes: Any) -> dict[str, Any]:
    start(aws, upload(aws["s3"]))
    state = execution_input(aws)
    state.update(changes)
    return state


def keys(s3, prefix: str) -> list[str]:
    return sorted(
        o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])
    )


def test_quarantine_copies_the_refused_raw_object_and_writes_the_reason(aws):
    state = run_state(
        aws,
        failure={"step": "validate", "Error": "InputRefused", "Cause": "The file is HTML."},
        validation={
            "status": "refused",
            "reason": {"step": "validate", "code": "html", "message": "HTML.", "fix": "Export."},
        },
    )
    reason = cloud.handle_quarantine(state, s3=aws["s3"])
    prefix = f"quarantine/{DATASET}/{state['runId']}/"
    assert keys(aws["s3"], prefix) == [prefix + "reason.json", prefix + "transactions.csv"]
    assert (reason["code"], reason["fix"]) == ("html", "Export.")
    written = json.loads(
        aws["s3"].get_object(Bucket=BUCKET, Key=prefix + "reason.json")["Body"].read()
    )
    assert written["code"] == "html" and written["run_id"] == state["runId"]
    assert keys(aws["s3"], "raw/") == [KEY]


def test_quarantine_moves_cleaned_output_with_personal_data(aws):
    state = run_state(aws, failure={"step": "verify", "Error": "PiiFound", "Cause": "Found."})
    cleaned = state["paths"]["cleanedPrefix"]
    for name in ("schema.json", "data/part-0.parquet"):
        aws["s3"].put_object(Bucket=BUCKET, Key=cleaned + name, Body=b"x")
    reason = cloud.handle_quarantine(state, s3=aws["s3"])
    assert reason["code"] == "pii_found" and "pii_action" in reason["fix"]
    assert keys(aws["s3"], cleaned) == []
    prefix = f"quarantine/{DATASET}/{state['runId']}/"
    assert keys(aws["s3"], prefix) == [
        prefix + "cleaned/data/part-0.parquet",
        prefix + "cleaned/schema.json",
        prefix + "reason.json",
    ]


def test_quarantine_after_training_writes_the_reason_only(aws):
    cause = json.dumps({"FailureReason": "AlgorithmError: synthpipe:too_few_rows 12 rows"})
    state = run_state(aws, failure={"step": "train", "Error": "States.TaskFailed", "Cause": cause})
    reason = cloud.handle_quarantine(state, s3=aws["s3"])
    assert reason["code"] == "too_few_rows"  # our code, carried in the failure file
    assert reason["message"] == "The train step failed [too_few_rows]."
    assert reason["objects"] == 0


# A cell value, an e-mail and a phone number, quoted by a service's error text.
LEAKS = ("Jane Q. Citizen", "jane.citizen@example.org", "+44 20 7946 0958", "4111111111111111")
LEAKY = (
    f"ValueError: could not convert '{LEAKS[0]}' to float in row 17 (owner {LEAKS[1]}, "
    f'phone {LEAKS[2]}, card "{LEAKS[3]}")'
)


@pytest.mark.parametrize(
    ("step", "cause", "code"),
    [
        # Glue puts its own words around the exception our entry point raised.
        (
            "prepare",
            {"JobRunState": "FAILED", "ErrorMessage": f"CodedFailure: {LEAKY}"},
            "prepare_failed",
        ),
        (
            "prepare",
            {"ErrorMessage": f"Error Category: UNCLASSIFIED_ERROR; {LEAKY} synthpipe:bad_type"},
            "bad_type",
        ),
        # SageMaker: the training job's failure reason, a processing job's exit message.
        ("train", {"FailureReason": f"AlgorithmError: {LEAKY}"}, "train_failed"),
        (
            "verify",
            {"FailureReason": LEAKY, "ExitMessage": "synthpipe:unreadable_object"},
            "unreadable_object",
        ),
        # Lambda: an unhandled error's message.
        ("gate", {"errorMessage": LEAKY, "errorType": "ValueError"}, "gate_failed"),
        # Not JSON at all.
        ("generate", LEAKY, "generate_failed"),
    ],
)
def test_reason_and_notification_carry_no_service_text(aws, topic, step, cause, code):
    text = cause if isinstance(cause, str) else json.dumps(cause)
    failure = {"step": step, "Error": "States.TaskFailed", "Cause": text}
    state = run_state(aws, failure=failure)
    if step == "verify":
        aws["s3"].put_object(Bucket=BUCKET, Key=state["paths"]["cleanedPrefix"] + "x", Body=b"x")
    logged = io.StringIO()
    with redirect_stdout(logged):
        cloud.get_logger().handlers.clear()
        reason = cloud.handle_quarantine(state, s3=aws["s3"])
    cloud.get_logger().handlers.clear()
    written = (
        aws["s3"]
        .get_object(Bucket=BUCKET, Key=f"quarantine/{DATASET}/{state['runId']}/reason.json")["Body"]
        .read()
        .decode()
    )
    cloud.handle_notify(
        {**state, "reason": reason}, sns=topic["sns"], env={"TOPIC_ARN": topic["arn"]}
    )
    message = topic["received"]()
    assert reason["code"] == code and json.loads(written)["code"] == code
    for text in (
        json.dumps(reason),
        written,
        message["Subject"],
        message["Message"],
        logged.getvalue(),
    ):
        for leak in LEAKS:
            assert leak not in text
    assert "ValueError" not in written and "could not convert" not in written
    # The service's words reach the log only, redacted.
    assert "could not convert '<quoted>' to float" in logged.getvalue()


def test_verify_findings_reach_the_reason_as_positions_and_entity_types_only(aws):
    exit_message = (
        'synthpipe:pii_found {"columns":[{"entity_types":["EMAIL_ADDRESS"],"position":9},'
        '{"entity_types":["jane@example.org"],"position":2},{"position":"x","entity_types":[]}]}'
    )
    cause = json.dumps({"ExitMessage": exit_message, "FailureReason": "AlgorithmError"})
    state = run_state(aws, failure={"step": "verify", "Error": "States.TaskFailed", "Cause": cause})
    reason = cloud.handle_quarantine(state, s3=aws["s3"])
    error = cloud.failure_error(state)
    assert reason["code"] == "pii_found"
    assert error.details["columns"] == [{"position": 9, "entity_types": ["EMAIL_ADDRESS"]}]
    assert "column 9 (EMAIL_ADDRESS)" in reason["message"]
    assert "jane@example.org" not in json.dumps(error.to_reason())
    assert "reason.json names the columns by position" in reason["fix"]


@pytest.mark.fault_catalogue
def test_prepare_input_changed_is_quarantined_with_the_raw_version_and_its_fix(aws):
    """The Glue job's `synthpipe:input_changed`: the raw version the run was for is kept."""
    cause = json.dumps({"ErrorMessage": "CodedFailure: synthpipe:input_changed"})
    state = run_state(
        aws, failure={"step": "prepare", "Error": "States.TaskFailed", "Cause": cause}
    )
    reason = cloud.handle_quarantine(state, s3=aws["s3"])
    assert (reason["code"], reason["objects"]) == ("input_changed", 1)
    assert "not the one that was validated" in reason["message"]
    assert "leave the file unchanged" in reason["fix"]


def test_a_lambda_error_leaves_the_handler_as_its_code_only(aws, capsys):
    state = run_state(aws)
    put_report(aws, state, {"verdict": "fail", "gates": [gate("quality", False)]})
    handler = cloud.lambda_handler(
        lambda event: cloud.handle_publish(event, s3=aws["s3"]), step="publish"
    )
    cloud.get_logger().handlers.clear()
    with pytest.raises(CodedFailure) as raised:
        handler(state, None)
    cloud.get_logger().handlers.clear()
    assert str(raised.value) == "synthpipe:gate_failed"
    assert raised.value.__cause__ is None and raised.value.__suppress_context__
    # What the state machine's Catch records, read back by the quarantine function.
    cause = json.dumps({"errorMessage": str(raised.value), "errorType": "CodedFailure"})
    failure = {"step": "publish", "Error": "CodedFailure", "Cause": cause}
    assert cloud.failure_error({"failure": failure}).code == "gate_failed"
    assert "publish failed [gate_failed]" in capsys.readouterr().out


def test_an_unexpected_lambda_error_is_logged_redacted(capsys):
    def broken(event):
        raise KeyError(f"no column '{LEAKS[0]}' for {LEAKS[1]}")

    cloud.get_logger().handlers.clear()
    with pytest.raises(CodedFailure, match=r"^synthpipe:gate_failed$"):
        cloud.lambda_handler(broken, step="gate")({}, None)
    cloud.get_logger().handlers.clear()
    out = capsys.readouterr().out
    assert "KeyError" in out and "<quoted>" in out
    assert LEAKS[0] not in out and LEAKS[1] not in out


def put_report(aws, state, report: Any) -> None:
    body = report if isinstance(report, bytes) else json.dumps(report).encode()
    key = state["paths"]["staging"].split("/", 3)[3] + "report.json"
    aws["s3"].put_object(Bucket=BUCKET, Key=key, Body=body)


def gate(name: str, passed: bool) -> dict[str, Any]:
    return {
        "name": name,
        "value": 0.9 if passed else 0.1,
        "threshold": 0.5,
        "passed": passed,
        "direction": "min",
        "advice": "Train longer.",
    }


@pytest.mark.parametrize(
    ("report", "passed", "failed"),
    [
        ({"verdict": "pass", "gates": [gate("quality", True)]}, True, []),
        (
            {"verdict": "pass", "gates": [gate("quality", True), gate("pii_hits", False)]},
            False,
            ["pii_hits"],
        ),
        ({"verdict": "fail", "gates": [gate("quality", False)]}, False, ["quality"]),
        ({"gates": [gate("quality", True)]}, False, []),
    ],
)
def test_gate_passes_only_a_pass_verdict_with_no_failed_gate(aws, report, passed, failed):
    state = run_state(aws)
    put_report(aws, state, report)
    answer = cloud.handle_gate(state, s3=aws["s3"])
    assert (answer["passed"], answer["failedGates"]) == (passed, failed)
    if not passed:
        assert answer["reason"]["code"] == "gate_failed" and answer["reason"]["step"] == "gate"
    for name in failed:
        assert f"{name} = 0.1 (needs at least 0.5)" in answer["reason"]["message"]


@pytest.mark.parametrize("report", [None, b"{not json"])
def test_gate_fails_closed_without_a_readable_report(aws, report):
    state = run_state(aws)
    if report is not None:
        put_report(aws, state, report)
    answer = cloud.handle_gate(state, s3=aws["s3"])
    assert answer["passed"] is False and answer["reason"]["code"] == "no_report"


def test_publish_copies_staging_and_writes_the_manifest(aws):
    state = run_state(aws, privacyScan={"engine": "macie", "jobId": "j", "findings": 0})
    state["verify"] = {"jobName": f"synthpipe-verify-{state['runId']}", "scan": VERIFY_SCAN}
    staging = state["paths"]["staging"].split("/", 3)[3]
    for name in ("synthetic.csv", "synthetic.parquet", "report.html"):
        aws["s3"].put_object(Bucket=BUCKET, Key=staging + name, Body=b"x")
    put_report(aws, state, {"verdict": "pass", "gates": [gate("quality", True)]})
    actions = [{"column": "email", "action": "drop", "entity_types": ["EMAIL"]}]
    aws["s3"].put_object(
        Bucket=BUCKET,
        Key=state["paths"]["cleanedPrefix"] + "pii_actions.json",
        Body=json.dumps(actions).encode(),
    )
    answer = cloud.handle_publish(state, s3=aws["s3"])
    synthetic = f"synthetic/{DATASET}/{state['runId']}/"
    assert keys(aws["s3"], synthetic) == [
        synthetic + n
        for n in (
            "manifest.json",
            "report.html",
            "report.json",
            "synthetic.csv",
            "synthetic.parquet",
        )
    ]
    assert answer["objects"] == 5
    manifest = json.loads(
        aws["s3"].get_object(Bucket=BUCKET, Key=synthetic + "manifest.json")["Body"].read()
    )
    assert manifest["source"]["key"] == KEY and manifest["source"]["rows"] == 40
    assert manifest["source"]["sha256"] == state["validation"]["sha256"]
    assert manifest["steps"]["prepare"]["pii_actions"] == actions
    assert manifest["steps"]["verify"]["engine"] == "local scan"
    assert manifest["steps"]["verify"]["rows_scanned"] == VERIFY_SCAN["rows_scanned"]
    assert manifest["steps"]["verify"]["job"] == f"synthpipe-verify-{state['runId']}"
    assert manifest["steps"]["verify"]["macie"]["engine"] == "macie"
    assert manifest["timings_s"]["verify"] == VERIFY_SCAN["seconds"]
    assert manifest["steps"]["evaluate"]["verdict"] == "pass"
    # The figures the gate used, read from report.json (no `metrics` key there).
    metrics = manifest["steps"]["evaluate"]["metrics"]
    assert metrics["gates"] == {"quality": {"value": 0.9, "threshold": 0.5}}
    assert manifest["runtime"]["engine"] == "aws" and manifest["status"] == "published"


def test_publish_refuses_a_failed_report(aws):
    state = run_state(aws)
    put_report(aws, state, {"verdict": "fail", "gates": [gate("quality", False)]})
    with pytest.raises(cloud.StepFailed, match="did not pass the release gate"):
        cloud.handle_publish(state, s3=aws["s3"])
    assert keys(aws["s3"], "synthetic/") == []


def stage_output(aws, state, *, verdict: str = "pass", csv: bytes = b"a,b\n1,2\n") -> None:
    """What the generate job leaves in staging/, with a report that passes or fails."""
    staging = state["paths"]["staging"].split("/", 3)[3]
    for name, body in (("synthetic.csv", csv), ("synthetic.parquet", b"P"), ("report.html", b"H")):
        aws["s3"].put_object(Bucket=BUCKET, Key=staging + name, Body=body)
    put_report(aws, state, {"verdict": verdict, "gates": [gate("quality", verdict == "pass")]})


def test_publish_names_the_attempt_and_marks_each_file_with_its_size_and_etag(aws):
    state = run_state(aws)
    stage_output(aws, state)
    answer = cloud.handle_publish(state, s3=aws["s3"])
    assert (answer["attempt"], answer["replaces"]) == (1, None)
    synthetic = f"synthetic/{DATASET}/{state['runId']}/"
    marker = json.loads(
        aws["s3"].get_object(Bucket=BUCKET, Key=synthetic + "manifest.json")["Body"].read()
    )
    assert marker["release"]["attempt"] == 1
    for name, recorded in marker["release"]["files"].items():
        head = aws["s3"].head_object(Bucket=BUCKET, Key=synthetic + name)
        assert (recorded["bytes"], recorded["etag"]) == (head["ContentLength"], head["ETag"])
    assert not [k for k in keys(aws["s3"], synthetic) if ".incoming-" in k]


def test_publish_copies_a_large_object_server_side_in_parts(aws):
    """boto3's managed copy (multipart above 8 MiB): never one put_object from memory."""
    state = run_state(aws)
    stage_output(aws, state, csv=b"x" * (9 * 1024 * 1024))
    cloud.handle_publish(state, s3=aws["s3"])
    head = aws["s3"].head_object(
        Bucket=BUCKET, Key=f"synthetic/{DATASET}/{state['runId']}/synthetic.csv"
    )
    assert head["ContentLength"] == 9 * 1024 * 1024
    assert head["ETag"].strip('"').endswith("-2")  # two parts: a multipart copy


@pytest.mark.fault_catalogue
def test_a_failed_gate_on_a_later_attempt_withdraws_the_earlier_release(aws, topic):
    state = run_state(aws)
    stage_output(aws, state)
    cloud.handle_publish(state, s3=aws["s3"])
    put_report(aws, state, {"verdict": "fail", "gates": [gate("quality", False)]})
    answer = cloud.handle_gate(state, s3=aws["s3"])
    assert answer["passed"] is False
    release = answer["reason"]["release"]
    assert release.startswith("No release stands for this run") and "attempt 1" in release
    synthetic = f"synthetic/{DATASET}/{state['runId']}/"
    assert keys(aws["s3"], synthetic) == [synthetic + "withdrawn.json"]
    record = json.loads(
        aws["s3"].get_object(Bucket=BUCKET, Key=synthetic + "withdrawn.json")["Body"].read()
    )
    assert (record["attempt"], record["reason"]) == (1, "attempt_failed")
    cloud.handle_notify(
        {**state, "gate": answer, "reason": answer["reason"]},
        sns=topic["sns"],
        env={"TOPIC_ARN": topic["arn"]},
    )
    assert f"Release:       {release}" in topic["received"]()["Message"]


@pytest.mark.fault_catalogue
def test_a_failed_gate_with_no_earlier_release_writes_nothing_under_synthetic(aws):
    state = run_state(aws)
    stage_output(aws, state, verdict="fail")
    answer = cloud.handle_gate(state, s3=aws["s3"])
    assert answer["reason"]["release"] == "No release stands for this run."
    assert keys(aws["s3"], "synthetic/") == []


@pytest.mark.fault_catalogue
def test_quarantine_clears_a_publish_that_stopped_half_way(aws, monkeypatch):
    from synthpipe import storage

    state = run_state(aws)
    stage_output(aws, state)
    original, moved = storage.move_file, []

    def timed_out(source: str, target: str) -> None:  # the Lambda dies after two moves
        if len(moved) == 2:
            raise TimeoutError
        original(source, target)
        moved.append(target)

    monkeypatch.setattr(storage, "move_file", timed_out)
    with pytest.raises(TimeoutError):
        cloud.handle_publish(state, s3=aws["s3"])
    synthetic = f"synthetic/{DATASET}/{state['runId']}/"
    assert len(keys(aws["s3"], synthetic)) == 4  # two moved, two still incoming: no marker
    state["failure"] = {"step": "publish", "Error": "States.Timeout", "Cause": ""}
    reason = cloud.handle_quarantine(state, s3=aws["s3"])
    assert reason["release"] == "No release stands for this run."
    assert keys(aws["s3"], synthetic) == []


def test_start_passes_the_lineage_to_the_evaluation(aws):
    event = upload(aws["s3"])
    start(aws, event)
    state = execution_input(aws)
    # An object the generate job reads, not an environment value (capped at 256 characters).
    assert "lineage" not in state["generate"]
    uri = state["paths"]["lineage"]
    assert uri == f"s3://{BUCKET}/staging/{DATASET}/{state['runId']}/lineage.json"
    body = aws["s3"].get_object(Bucket=BUCKET, Key=uri.split("/", 3)[3])["Body"].read()
    lineage = json.loads(body)
    assert lineage["source"]["version_id"] == event["detail"]["object"]["version-id"]
    assert lineage["source"]["key"] == KEY and lineage["source"]["bucket"] == BUCKET
    assert lineage["source"]["rows"] == 40 and lineage["run_id"] == state["runId"]


def test_start_writes_a_lineage_of_any_legal_key_length(aws):
    # S3 keys reach 1,024 bytes; the lineage's old environment value had 256 characters.
    key = f"raw/{DATASET}/" + "a" * (1024 - len(f"raw/{DATASET}/") - len(".csv")) + ".csv"
    start(aws, upload(aws["s3"], key=key))
    state = execution_input(aws)
    body = aws["s3"].get_object(Bucket=BUCKET, Key=state["paths"]["lineage"].split("/", 3)[3])
    assert json.loads(body["Body"].read())["source"]["key"] == key


@pytest.fixture
def topic(aws):
    sns = boto3.client("sns", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    arn = sns.create_topic(Name="synthpipe")["TopicArn"]
    queue = sqs.create_queue(QueueName="inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])
    sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn["Attributes"]["QueueArn"])

    def received() -> dict[str, Any]:
        (message,) = sqs.receive_message(QueueUrl=queue)["Messages"]
        return json.loads(message["Body"])

    return {"sns": sns, "arn": arn, "received": received}


def test_notify_success_says_where_the_results_are(aws, topic):
    published = {"attempt": 2, "publishedAt": "2026-11-23T07:30:00+00:00"}
    state = run_state(aws, privacyScan={"engine": "macie", "jobId": "j"}, published=published)
    state["verify"] = {"jobName": "synthpipe-verify-x", "scan": VERIFY_SCAN}
    cloud.handle_notify(state, sns=topic["sns"], env={"TOPIC_ARN": topic["arn"]})
    message = topic["received"]()
    assert "own scan of every value found no personal data (594643 rows" in message["Message"]
    assert (
        message["Subject"].startswith(f"synthpipe: {DATASET} run ")
        and "published" in message["Subject"]
    )
    assert state["paths"]["synthetic"] + "report.html" in message["Message"]
    assert "Release:        attempt 2, published 2026-11-23T07:30:00+00:00" in message["Message"]


def test_notify_failure_says_what_happened_and_what_to_do(aws, topic):
    reason = {
        "step": "verify",
        "code": "pii_found",
        "message": "Macie found personal data in the cleaned output.",
        "fix": "Drop or mask the columns named.",
        "quarantine": "s3://b/quarantine/x/",
    }
    state = run_state(aws, reason=reason)
    cloud.handle_notify(state, sns=topic["sns"], env={"TOPIC_ARN": topic["arn"]})
    message = topic["received"]()
    assert len(message["Subject"]) <= 100 and "stopped at verify" in message["Subject"]
    for text in (reason["message"], reason["fix"], reason["quarantine"]):
        assert text in message["Message"]


@pytest.mark.parametrize(
    ("stored", "sent"),
    [
        ("raw/banksim/a+b.csv", "raw/banksim/a+b.csv"),  # a real '+' is kept
        ("raw/banksim/my file.csv", "raw/banksim/my+file.csv"),  # URL-encoded in the event
    ],
)
def test_start_finds_the_object_whether_or_not_the_key_is_url_encoded(aws, stored, sent):
    event = upload(aws["s3"], key=stored)
    event["detail"]["object"]["key"] = sent
    answer = start(aws, event)
    assert answer["started"] is True
    assert execution_input(aws)["key"] == stored


def test_gate_publish_and_quarantine_take_a_403_on_a_missing_object_for_absent(aws, monkeypatch):
    """Every role may list only its prefixes, so to it a missing object answers 403: a
    first release (no manifest.json yet) must still publish, and a rerun withdraw."""
    from synthpipe import storage

    seen = AsAPipelineRoleSeesIt(aws["s3"])
    monkeypatch.setattr(storage, "_s3", lambda: seen)
    state = run_state(aws)
    stage_output(aws, state)
    assert cloud.handle_gate(state, s3=seen)["passed"] is True
    answer = cloud.handle_publish(state, s3=seen)
    assert (answer["attempt"], answer["replaces"]) == (1, None)
    failed = {**state, "failure": {"step": "train", "Error": "States.TaskFailed", "Cause": ""}}
    assert cloud.handle_quarantine(failed, s3=seen)["code"] == "train_failed"


def test_gate_reads_a_missing_report_behind_a_403_as_no_report(aws):
    state = run_state(aws)
    answer = cloud.handle_gate(state, s3=AsAPipelineRoleSeesIt(aws["s3"]))
    assert answer["passed"] is False and answer["reason"]["code"] == "no_report"


def test_exists_says_no_only_for_a_missing_object(aws, monkeypatch):
    """Prepare reads the dataset config only if it exists: an object there but denied
    must not read as "no config" (the owner's drop_columns would be ignored)."""
    from botocore.exceptions import ClientError

    from synthpipe import storage

    key = f"config/{DATASET}.json"
    aws["s3"].put_object(Bucket=BUCKET, Key=key, Body=b"{}")
    monkeypatch.setattr(storage, "_s3", lambda: AsAPipelineRoleSeesIt(aws["s3"]))
    assert storage.exists(f"s3://{BUCKET}/{key}")
    assert not storage.exists(f"s3://{BUCKET}/config/other.json")
    # There but denied: it exists, and reading it raises (never "no config").
    monkeypatch.setattr(storage, "_s3", lambda: AsAPipelineRoleSeesIt(aws["s3"], (key,)))
    assert storage.exists(f"s3://{BUCKET}/{key}")
    with pytest.raises(ClientError):
        storage.read_json(f"s3://{BUCKET}/{key}")
