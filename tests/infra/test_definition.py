"""The rendered state-machine definition: valid ASL, and every AWS call well-formed."""

from __future__ import annotations

import json
import re
import subprocess
from typing import Any

import botocore.session
import pytest
from botocore.validate import ParamValidator

from tests.infra.conftest import REPO
from tests.infra.scenarios import full_state
from tests.infra.service_params import check, to_botocore

ASL_VALIDATOR = REPO / "node_modules" / ".bin" / "asl-validator"
SERVICE_TASK = re.compile(r"^arn:aws:states:::(?:aws-sdk:)?([a-z0-9]+):([A-Za-z0-9]+)(?:\.sync)?$")


def test_definition_passes_asl_validator(definition, tmp_path):
    path = tmp_path / "definition.json"
    path.write_text(json.dumps(definition))
    result = subprocess.run(
        [str(ASL_VALIDATOR), "--json-path", str(path)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_task_has_retry_catch_and_a_timeout(definition):
    for name, state in definition["States"].items():
        if state["Type"] != "Task":
            continue
        assert state.get("Catch"), f"{name} has no Catch"
        if name != "Prepare":  # Glue's own run timeout (Parameters.Timeout) bounds it
            assert state.get("TimeoutSeconds"), f"{name} has no timeout"
        else:
            assert state["Parameters"]["Timeout"] > 0
        assert state.get("Retry"), f"{name} has no Retry"
        assert all(r.get("BackoffRate", 2) > 1 for r in state["Retry"]), name
        assert all("States.ALL" not in r["ErrorEquals"] for r in state["Retry"]), name


def _lookup(state: dict[str, Any], path: str) -> Any:
    value: Any = state
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path.removeprefix("$.")):
        value = value[int(part[1:-1])] if part.startswith("[") else value[part]
    return value


_FORMAT = re.compile(r"^States\.Format\('((?:[^'\\]|\\.)*)'((?:,\s*\$[\w.\[\]]+)*)\)$")


def _format(call: str, state: dict[str, Any]) -> str:
    """States.Format('...{}...', $.a, $.b) with paths only, as Step Functions evaluates it."""
    match = _FORMAT.match(call)
    assert match, f"unsupported intrinsic {call}"
    template, args = match.groups()
    for arg in (a.strip() for a in args.split(",") if a.strip()):
        template = template.replace("{}", str(_lookup(state, arg)), 1)
    return template


def resolve_parameters(value: Any, state: dict[str, Any]) -> Any:
    """Parameters as the service receives them, from a sample state."""
    if isinstance(value, list):
        return [resolve_parameters(v, state) for v in value]
    if not isinstance(value, dict):
        return value
    resolved: dict[str, Any] = {}
    for key, item in value.items():
        if not key.endswith(".$"):
            resolved[key] = resolve_parameters(item, state)
            continue
        if item.startswith("States.Format("):
            resolved[key[:-2]] = _format(item, state)
        elif item.startswith("States.Array("):
            resolved[key[:-2]] = [_lookup(state, item[len("States.Array(") : -1])]
        else:
            resolved[key[:-2]] = _lookup(state, item)
    return resolved


def service_tasks(definition: dict[str, Any]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    tasks = {}
    for name, state in definition["States"].items():
        match = SERVICE_TASK.match(state.get("Resource", ""))
        if state["Type"] == "Task" and match:
            service, action = match.groups()
            operation = action[0].upper() + action[1:]
            tasks[name] = (service, operation, state.get("Parameters", {}))
    return tasks


def test_every_service_call_is_covered(definition):
    assert {(s, o) for s, o, _ in service_tasks(definition).values()} == {
        ("glue", "StartJobRun"),
        ("s3", "ListObjectsV2"),
        ("macie2", "CreateClassificationJob"),
        ("macie2", "DescribeClassificationJob"),
        ("macie2", "ListFindings"),
        ("macie2", "UpdateClassificationJob"),
        ("sagemaker", "CreateTrainingJob"),
        ("sagemaker", "CreateProcessingJob"),
    }


@pytest.fixture(scope="module")
def botocore_session():
    return botocore.session.get_session()


def test_service_call_parameters_match_botocore_models(definition, botocore_session):
    state = full_state()
    problems = []
    for name, (service, operation, parameters) in service_tasks(definition).items():
        model = botocore_session.get_service_model(service).operation_model(operation)
        resolved = resolve_parameters(parameters, state)
        if parameters and any(k[0].islower() for k in parameters):
            problems.append(f"{name}: parameter names must be PascalCase in Step Functions")
        params = to_botocore(resolved, model.input_shape)
        report = ParamValidator().validate(params, model.input_shape)
        if report.has_errors():
            problems.append(f"{name} ({service}:{operation}):\n{report.generate_report()}")
    assert not problems, "\n".join(problems)


# The lineage the start function writes for a BankSim upload (synthpipe.cloud._check_input).
BANKSIM_LINEAGE = {
    "code_version": "0.1.0",
    "dataset": "banksim",
    "run_id": "20261123T071500Z-1a2b3c4d",
    "seed": 20261123,
    "source": {
        "bucket": "synthpipe-data-123456789012-eu-west-1",
        "key": "raw/banksim/bs140513_032310.csv",
        "rows": 594643,
        "sha256": "ab" * 32,
        "size_bytes": 48000000,
        "version_id": "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY",
    },
}


@pytest.mark.parametrize("task", ["Verify", "Train", "Generate"])
def test_sagemaker_job_names_and_paths_fit_the_service_limits(definition, botocore_session, task):
    service, operation, parameters = service_tasks(definition)[task]
    model = botocore_session.get_service_model(service).operation_model(operation)
    state = full_state()
    # What the start function once passed in the job's environment (348 to 380 characters,
    # over SageMaker's 256): the lineage now travels as an object (paths.lineage).
    state["generate"]["lineage"] = json.dumps(BANKSIM_LINEAGE, sort_keys=True)
    params = to_botocore(resolve_parameters(parameters, state), model.input_shape)
    assert check(params, model.input_shape, task).problems == []


def test_verify_job_runs_the_local_scan_on_the_image_without_network_or_output(definition):
    state = definition["States"]["Verify"]
    assert state["Resource"] == "arn:aws:states:::sagemaker:createProcessingJob.sync"
    parameters = resolve_parameters(state["Parameters"], full_state())
    training = definition["States"]["Train"]["Parameters"]
    assert parameters["AppSpecification"] == {
        "ImageUri": training["AlgorithmSpecification"]["TrainingImage"],
        "ContainerArguments": ["verify"],
    }
    assert parameters["ProcessingJobName"] == "synthpipe-verify-20261123T071500Z-1a2b3c4d"
    assert parameters["RoleArn"].split("/")[-1].startswith("VerifyJobRole")
    (cleaned,) = parameters["ProcessingInputs"]
    assert cleaned["S3Input"]["LocalPath"] == (
        "/opt/ml/processing/input/cleaned/banksim/20261123T071500Z-1a2b3c4d"
    )
    assert cleaned["S3Input"]["S3Uri"].endswith("/cleaned/banksim/20261123T071500Z-1a2b3c4d/")
    assert "ProcessingOutputConfig" not in parameters  # the scan writes nothing to S3
    assert parameters["NetworkConfig"] == {"EnableNetworkIsolation": True}
    assert parameters["ProcessingResources"]["ClusterConfig"]["VolumeKmsKeyId"].startswith(
        "arn:aws:kms:"
    )
    assert state["ResultSelector"] == {
        "jobName.$": "$.ProcessingJobName",
        "scan.$": "States.StringToJson($.ExitMessage)",
    }
    assert state["ResultPath"] == "$.verify"


def test_verify_comes_after_prepare_and_before_the_macie_scan(definition):
    assert definition["States"]["Prepare"]["Next"] == "Verify"
    assert definition["States"]["Verify"]["Next"] == "Prepare Macie"
    (catch,) = definition["States"]["Verify"]["Catch"]
    assert catch["Next"] == "Verify failed"
    assert definition["States"]["Verify failed"]["Parameters"]["step"] == "verify"


def test_macie_job_is_scoped_to_the_runs_cleaned_prefix(definition):
    parameters = resolve_parameters(
        definition["States"]["Start Macie job"]["Parameters"], full_state()
    )
    (term,) = parameters["S3JobDefinition"]["Scoping"]["Includes"]["And"]
    assert term["SimpleScopeTerm"] == {
        "Comparator": "STARTS_WITH",
        "Key": "OBJECT_KEY",
        "Values": ["cleaned/banksim/20261123T071500Z-1a2b3c4d/"],
    }
    assert parameters["ClientToken"] == "20261123T071500Z-1a2b3c4d"
    assert parameters["JobType"] == "ONE_TIME"
    assert len(parameters["CustomDataIdentifierIds"]) == 1


def test_findings_are_read_by_job_id(definition):
    parameters = definition["States"]["List Macie findings"]["Parameters"]
    criterion = parameters["FindingCriteria"]["Criterion"]
    assert criterion == {"classificationDetails.jobId": {"Eq.$": "States.Array($.macie.jobId)"}}


def test_training_uses_spot_with_checkpoints_on_the_image(definition):
    parameters = definition["States"]["Train"]["Parameters"]
    assert parameters["EnableManagedSpotTraining"] is True
    assert parameters["CheckpointConfig"]["LocalPath"] == "/opt/ml/checkpoints"
    assert (
        parameters["StoppingCondition"]["MaxWaitTimeInSeconds"]
        >= (parameters["StoppingCondition"]["MaxRuntimeInSeconds"])
    )
    assert parameters["HyperParameters.$"] == "$.hyperparameters"
    image = parameters["AlgorithmSpecification"]["TrainingImage"]
    generate = definition["States"]["Generate"]["Parameters"]["AppSpecification"]
    assert generate["ImageUri"] == image
    assert generate["ContainerArguments"] == ["generate_evaluate"]


def test_generate_job_reads_the_lineage_object_not_an_environment_value(definition):
    from synthpipe.processing import LINEAGE_INPUT

    state = full_state()
    parameters = resolve_parameters(definition["States"]["Generate"]["Parameters"], state)
    assert not [name for name in parameters["Environment"] if "LINEAGE" in name]
    (lineage,) = [i for i in parameters["ProcessingInputs"] if i["InputName"] == "lineage"]
    assert lineage["S3Input"]["S3Uri"] == (
        "s3://synthpipe-data-123456789012-eu-west-1/staging/banksim/"
        "20261123T071500Z-1a2b3c4d/lineage.json"
    )
    # SageMaker puts the object under LocalPath by its name: where the job reads it.
    local = f"{lineage['S3Input']['LocalPath']}/lineage.json"
    assert local == f"/opt/ml/processing/{LINEAGE_INPUT.as_posix()}"
