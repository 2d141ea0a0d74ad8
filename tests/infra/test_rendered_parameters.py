"""Every service call of local executions, as rendered, against botocore's models.

The execution input is the start function's own (run against moto) for an upload with
the longest legal names: a 63-character dataset (synthpipe.names) and a key of 1,024
bytes (S3's limit), with spaces and non-ASCII letters; its config names a long target
column. The state machine then runs every branch (tests/infra/test_execution.py's
scenarios) in aws-local-stepfunctions, which hands each Task state's parameters, with
paths and intrinsics evaluated, to a local handler: each of those calls is checked
against the service's model with every constraint (tests/infra/service_params.py), and
each Lambda payload against Step Functions' 256 KiB.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from typing import Any

import boto3
import pytest

from synthpipe.names import check_dataset_name
from tests.infra.cfn import state_machine_definition
from tests.infra.scenarios import BUCKET, REGION, ok
from tests.infra.service_params import STATE_DATA_MAX, Report, check_call
from tests.infra.test_execution import SCENARIOS, run_local

LONG_DATASET = check_dataset_name(("loans_eu-retail-2026_q4-" * 3)[:63])
_FOLDER = f"raw/{LONG_DATASET}/"
_STEM = "Überweisungen Privatkunden (Export) – März "


def _long_key() -> str:
    """raw/<dataset>/<name>.csv of exactly 1,024 bytes in UTF-8."""
    room = 1024 - len(_FOLDER.encode()) - len(b".csv")
    name = ""
    while len((name + _STEM[len(name) % len(_STEM)]).encode()) <= room:
        name += _STEM[len(name) % len(_STEM)]
    name += "x" * (room - len(name.encode()))
    return _FOLDER + name + ".csv"


LONG_KEY = _long_key()
# The longest target column a config may name (synthpipe.dataset_config).
TARGET = "default_within_twelve_months" + "_flag" * 45 + "_ok"
CSV = (
    f"step,customer,amount,{TARGET}\n"
    + "".join(f"{i},C{1000 + i},{10 + i}.5,{i % 2}\n" for i in range(40))
).encode()
SERVICE_TASK = re.compile(r"^arn:aws:states:::(?:aws-sdk:)?([a-z0-9]+):([A-Za-z0-9]+)(?:\.sync)?$")
RESULTS: dict[str, dict[str, int]] = defaultdict(dict)


def long_execution_input(start_env: dict[str, str]) -> dict[str, Any]:
    """What the start function hands the state machine for the longest legal upload."""
    from moto import mock_aws

    from synthpipe import cloud

    with pytest.MonkeyPatch.context() as patch, mock_aws():
        patch.setenv("AWS_DEFAULT_REGION", REGION)
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            patch.setenv(name, "testing")
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        sfn = boto3.client("stepfunctions", region_name=REGION)
        sfn.create_state_machine(
            name="synthpipe",
            definition=json.dumps({"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}),
            roleArn="arn:aws:iam::123456789012:role/sfn",
        )
        config = {"target_column": TARGET, "thresholds": {"quality": 0.85, "target_rate": 0.25}}
        s3.put_object(
            Bucket=BUCKET, Key=f"config/{LONG_DATASET}.json", Body=json.dumps(config).encode()
        )
        version = s3.put_object(Bucket=BUCKET, Key=LONG_KEY, Body=CSV)["VersionId"]
        event = {
            "source": "aws.s3",
            "detail-type": "Object Created",
            "detail": {
                "bucket": {"name": BUCKET},
                "object": {"key": LONG_KEY, "size": len(CSV), "version-id": version},
            },
        }
        answer = cloud.handle_start(event, env=start_env)
        assert answer["started"], answer
        (execution,) = sfn.list_executions(stateMachineArn=start_env["STATE_MACHINE_ARN"])[
            "executions"
        ]
        return json.loads(sfn.describe_execution(executionArn=execution["executionArn"])["input"])


def _start_env(synthesized) -> dict[str, str]:
    from tests.infra.cfn import resolve

    resources = synthesized.pipeline["Resources"]
    (function,) = [
        r
        for r in resources.values()
        if r["Type"] == "AWS::Lambda::Function"
        and r["Properties"].get("Handler") == "start.handler"
    ]
    return resolve(function["Properties"]["Environment"]["Variables"], resources)


@pytest.fixture(scope="module")
def long_input(synthesized) -> dict[str, Any]:
    return long_execution_input(_start_env(synthesized))


def scenarios_for(state: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The branches of test_execution, started from `state`, the training job answering
    with this run's model path."""
    model = f"{state['paths']['models']}synthpipe-train-{state['runId']}/output/model.tar.gz"
    train = ok(
        {
            "TrainingJobName": f"synthpipe-train-{state['runId']}",
            "ModelArtifacts": {"S3ModelArtifacts": model},
            "BillableTimeInSeconds": 1200,
        }
    )
    runs = {}
    for name, scenario in SCENARIOS.items():
        handlers = dict(scenario["handlers"])
        handlers["Train"] = [
            train if "result" in outcome else outcome for outcome in handlers.get("Train", [])
        ]
        given = scenario.get("input")
        start = {**state, "validation": given["validation"]} if given else state
        runs[name] = {"input": start, "handlers": handlers}
    return runs


def check_execution(definition: dict[str, Any], run: dict[str, Any]) -> tuple[Report, int]:
    """Every call the execution made: (what the checks found, how many calls)."""
    report, calls = Report(), 0
    for state_name, inputs in run["calls"].items():
        resource = definition["States"][state_name]["Resource"]
        for index, parameters in enumerate(inputs):
            calls += 1
            where = f"{state_name}[{index}]"
            if resource.startswith("arn:aws:lambda:"):
                payload = json.dumps(parameters).encode()
                report.merge(
                    check_call(
                        "lambda", "Invoke", {"FunctionName": resource, "Payload": payload}, where
                    )
                )
                if len(payload) > STATE_DATA_MAX:
                    report.problems.append(f"{where}: payload of {len(payload)} bytes")
                continue
            match = SERVICE_TASK.match(resource)
            assert match, f"{state_name}: {resource} is not a service integration"
            service, api = match.groups()
            operation = api[0].upper() + api[1:]
            report.merge(
                check_call(service, operation, parameters, f"{where} {service}:{operation}")
            )
    return report, calls


@pytest.fixture(scope="module")
def executions(definition, variant, long_input) -> dict[str, tuple[dict, dict]]:
    """Every branch, on the default definition and on the variant's (Macie skipped)."""
    found = {}
    for config, current in (
        ("default", definition),
        ("variant", state_machine_definition(variant.pipeline)),
    ):
        for name, run in run_local(current, scenarios_for(long_input)).items():
            found[f"{config}/{name}"] = (current, run)
    return found


def test_the_long_upload_is_legal_and_starts_a_run(long_input):
    assert len(LONG_KEY.encode()) == 1024 and len(LONG_DATASET) == 63 and len(TARGET) == 256
    assert long_input["dataset"] == LONG_DATASET and long_input["key"] == LONG_KEY
    assert long_input["validation"]["status"] == "ok"
    assert long_input["generate"]["targetColumn"] == TARGET


def test_every_rendered_call_fits_the_service_models(executions):
    problems = []
    for label, (definition, run) in executions.items():
        report, calls = check_execution(definition, run)
        problems += [f"{label}: {p}" for p in report.problems]
        assert not report.unchecked_patterns, report.unchecked_patterns
        RESULTS[label] = {"calls": calls, "values": report.values, "patterns": report.patterns}
    assert not problems, "\n".join(sorted(set(problems)))


def test_every_service_task_was_called_in_some_execution(executions):
    for config in ("default", "variant"):
        runs = [(d, r) for label, (d, r) in executions.items() if label.startswith(config)]
        definition = runs[0][0]
        tasks = {n for n, s in definition["States"].items() if s["Type"] == "Task"}
        called = {n for _, run in runs for n, calls in run["calls"].items() if calls}
        assert tasks - called == set(), f"{config}: never called {tasks - called}"


def test_rendered_parameters_summary(capsys):
    """How much each execution exercised (printed; run with -s to see it)."""
    assert RESULTS, "run the whole module"
    with capsys.disabled():
        print("\nRendered parameters (calls, values checked, of which against a pattern):")
        for label, counts in sorted(RESULTS.items()):
            calls, values, patterns = counts["calls"], counts["values"], counts["patterns"]
            print(f"  {label}: {calls} calls, {values} values, {patterns} against patterns")
    assert all(c["values"] > 0 for c in RESULTS.values())
