"""Retrain a run's model with other hyperparameters: on SageMaker, or on this machine.

On SageMaker the new job is a copy of the run's own training job (`synthpipe-train-<run
id>`, started by the state machine): the same image, role, cleaned/ input, KMS key,
network isolation and metric definitions, with the hyperparameters changed and its own
checkpoint prefix, so that it never resumes from the first job's checkpoints. Its model
lands beside the first one, under models/<dataset>/<run_id>/<new job>/output/.

Locally the same contract runs on the run's cleaned/ folder, into
models/<dataset>/<run_id>/retrain-<time>/ (the run's own model is left as it is).

The SageMaker side uses `sagemaker-core` (the SageMaker Python SDK's resource layer); it
is imported only here, so the Glue job, the Lambdas and the training image never load it.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from synthpipe import instances, storage
from synthpipe.errors import InputRefused, PipelineError
from synthpipe.layout import RunLayout
from synthpipe.train.hyperparameters import refuse_bad_hyperparameters

log = logging.getLogger("synthpipe.retrain")

STEP = "retrain"
# The state machine names its jobs `synthpipe-<kind>-<run id>` (stacks/training.py).
JOB_PREFIX = "synthpipe-train-"
JOB_NAME_MAX = 63
# The stack's trainingVolumeGb default, for a source job that reports no volume size.
DEFAULT_VOLUME_GB = 30


@dataclass(frozen=True)
class RetrainRequest:
    dataset: str
    run_id: str
    # name -> value, as strings (SageMaker's form); checked before anything starts.
    overrides: dict[str, str] = field(default_factory=dict)
    instance_type: str | None = None
    spot: bool | None = None
    max_runtime_minutes: int | None = None


@dataclass(frozen=True)
class RetrainJob:
    name: str
    source: str
    status: str
    hyperparameters: dict[str, str]
    changed: dict[str, str]
    model: str
    checkpoints: str = ""
    failure_reason: str = ""
    # The last value of each metric definition, once the job has ended (--wait).
    metrics: dict[str, float] = field(default_factory=dict)


def training_job_name(run_id: str) -> str:
    return f"{JOB_PREFIX}{run_id}"


def parse_overrides(pairs: list[str]) -> dict[str, str]:
    """`NAME=VALUE` pairs (the CLI's `--set`), checked by the training step's own rules."""
    overrides: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise InputRefused(
                code="bad_hyperparameter",
                message=f"'{pair}' is not NAME=VALUE.",
                fix="Write each hyperparameter as --set NAME=VALUE, e.g. --set epochs=400.",
                step=STEP,
            )
        overrides[name.strip()] = value.strip()
    _check(overrides)
    return overrides


def merged_hyperparameters(base: dict[str, str], overrides: dict[str, str]) -> dict[str, str]:
    """The run's hyperparameters with the overrides, checked as a whole."""
    values = dict(base) | overrides
    _check(values)
    return dict(sorted(values.items()))


def _check(values: dict[str, str]) -> None:
    """The training step's own rules, so that a typo fails here and not on an instance."""
    refuse_bad_hyperparameters(
        values,
        fix="Correct the --set values (the README's table of hyperparameters gives each "
        "one's meaning and default).",
        step=STEP,
    )


def _stamp(now: datetime | None) -> str:
    return (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")


# --- SageMaker -------------------------------------------------------------------------


def retrain_on_sagemaker(
    request: RetrainRequest,
    *,
    session: Any,
    wait: bool = False,
    now: datetime | None = None,
) -> RetrainJob:
    """Start a copy of the run's training job with other hyperparameters.

    `session` is a boto3 Session (its credentials and region). With `wait`, follow the
    job to its end, showing its log, and return its final status.
    """
    from sagemaker.core.resources import Tag, TrainingJob

    source = _source_job(request, session)
    hyperparameters = merged_hyperparameters(dict(source.hyper_parameters or {}), request.overrides)
    cleaned = _cleaned_uri(source, request)
    _check_cleaned_exists(session, cleaned, request)
    name = f"{source.training_job_name}-{_stamp(now)}"[:JOB_NAME_MAX]
    output = source.output_data_config
    models = RunLayout(_bucket_uri(cleaned), request.dataset, request.run_id).models + "/"
    checkpoints = f"{models}checkpoints/{name}/"
    arguments = _job_arguments(source, request, checkpoints)
    job = TrainingJob.create(
        training_job_name=name,
        role_arn=source.role_arn,
        algorithm_specification=source.algorithm_specification,
        hyper_parameters=hyperparameters,
        input_data_config=source.input_data_config,
        output_data_config=output,
        tags=[Tag(key="synthpipe:retrain-of", value=source.training_job_name)],
        session=session,
        region=session.region_name,
        **arguments,
    )
    log.info("retrain.started job=%s source=%s", name, source.training_job_name)
    if wait:
        job = _wait(job)
    return RetrainJob(
        name=name,
        source=source.training_job_name,
        status=str(job.training_job_status),
        hyperparameters=hyperparameters,
        changed=_changed(dict(source.hyper_parameters or {}), hyperparameters),
        model=f"{output.s3_output_path.rstrip('/')}/{name}/output/model.tar.gz",
        checkpoints=checkpoints if "checkpoint_config" in arguments else "",
        failure_reason=_text(getattr(job, "failure_reason", None)),
        metrics=_final_metrics(job),
    )


def _source_job(request: RetrainRequest, session: Any) -> Any:
    from botocore.exceptions import ClientError
    from sagemaker.core.resources import TrainingJob

    name = training_job_name(request.run_id)
    try:
        return TrainingJob.get(name, session=session, region=session.region_name)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ValidationException":
            raise
        raise InputRefused(
            code="training_job_not_found",
            message=f"No SageMaker training job '{name}' in {session.region_name}: the run "
            f"'{request.run_id}' did not reach the train step on AWS, or ran in another "
            "account or region.",
            fix="Take the run id from the run's notification or manifest.json, and use the "
            "region (--region or AWS_REGION) where the pipeline is deployed.",
            details={"job": name, "region": session.region_name},
            step=STEP,
        ) from None


def _cleaned_uri(source: Any, request: RetrainRequest) -> str:
    channels = {c.channel_name: c for c in source.input_data_config or []}
    if "train" not in channels:
        raise _not_ours(source, "it has no 'train' channel")
    uri = channels["train"].data_source.s3_data_source.s3_uri
    expected = f"/cleaned/{request.dataset}/{request.run_id}"
    if expected not in uri.rstrip("/") + "/" or not uri.startswith("s3://"):
        raise InputRefused(
            code="dataset_mismatch",
            message=f"Job {source.training_job_name} trained on {uri}, not on "
            f"cleaned/{request.dataset}/{request.run_id}/.",
            fix="Check --dataset: it must be the dataset of this run.",
            details={"job": source.training_job_name, "input": uri},
            step=STEP,
        )
    return uri


def _not_ours(source: Any, why: str) -> PipelineError:
    return InputRefused(
        code="not_a_synthpipe_job",
        message=f"Job {source.training_job_name} is not a synthpipe training job: {why}.",
        fix="Retrain runs started by the synthpipe state machine.",
        details={"job": source.training_job_name},
        step=STEP,
    )


def _bucket_uri(uri: str) -> str:
    return "s3://" + uri.removeprefix("s3://").split("/", 1)[0]


def _check_cleaned_exists(session: Any, cleaned: str, request: RetrainRequest) -> None:
    """The cleaned data may have expired (retention) since the run: say so before paying."""
    bucket, _, prefix = cleaned.removeprefix("s3://").partition("/")
    prefix = prefix.rstrip("/") + "/"
    listing = session.client("s3").list_objects_v2(Bucket=bucket, Prefix=prefix + "schema.json")
    if not listing.get("KeyCount"):
        raise InputRefused(
            code="cleaned_missing",
            message=f"{cleaned} holds no schema.json: the run's cleaned data is gone "
            "(expired by the retention setting, or moved to quarantine).",
            fix="Upload the raw file again to start a new run, then retrain that run.",
            details={"cleaned": cleaned, "run_id": request.run_id},
            step=STEP,
        )


def _job_arguments(source: Any, request: RetrainRequest, checkpoints: str) -> dict[str, Any]:
    """Resources, stopping condition, spot and checkpoints: the source's unless overridden."""
    from sagemaker.core import shapes

    resources = _resources(source, request)
    stopping = source.stopping_condition
    if request.max_runtime_minutes:
        seconds = request.max_runtime_minutes * 60
        stopping = stopping.model_copy(update={"max_runtime_in_seconds": seconds})
    spot = bool(source.enable_managed_spot_training) if request.spot is None else request.spot
    arguments: dict[str, Any] = {
        "resource_config": resources,
        "stopping_condition": stopping,
        "enable_network_isolation": bool(source.enable_network_isolation),
        "enable_managed_spot_training": spot,
    }
    vpc = getattr(source, "vpc_config", None)
    if _assigned(vpc):
        arguments["vpc_config"] = vpc
    if spot:
        wait = _assigned_int(getattr(stopping, "max_wait_time_in_seconds", None))
        runtime = _assigned_int(stopping.max_runtime_in_seconds) or 0
        if wait < runtime:
            # Spot needs a wait at least as long as the runtime (SageMaker refuses less).
            arguments["stopping_condition"] = stopping.model_copy(
                update={"max_wait_time_in_seconds": max(runtime * 2, runtime + 3600)}
            )
        arguments["checkpoint_config"] = shapes.CheckpointConfig(
            s3_uri=checkpoints, local_path="/opt/ml/checkpoints"
        )
    else:
        arguments["stopping_condition"] = stopping.model_copy(
            update={"max_wait_time_in_seconds": None}
        )
    return arguments


def _resources(source: Any, request: RetrainRequest) -> Any:
    """The source's ResourceConfig on the requested instance type, with the volume
    settings of that type (synthpipe.instances: no VolumeKmsKeyId on local NVMe storage)
    and refused where the run's image cannot use the type's GPU."""
    resources = source.resource_config
    before = str(resources.instance_type)
    after = request.instance_type or before
    if why := instances.unsupported_reason(after):
        raise InputRefused(
            code="unsupported_instance_type",
            message=f"The training image cannot run on {after}: {why}.",
            fix="Choose another --instance-type (ml.m5.xlarge on CPU, ml.g5.xlarge on a GPU).",
            details={"instance_type": after},
            step=STEP,
        )
    if instances.torch_variant(after) != instances.torch_variant(before) and instances.has_gpu(
        after
    ):
        # The state machine ran the run's job on the CPU build of the image (its instance
        # has no GPU); the CUDA build exists only where a job's instance type has a GPU.
        raise InputRefused(
            code="gpu_image_missing",
            message=f"{after} has a GPU, but run '{request.run_id}' trained on {before} with "
            "the CPU-only build of the training image: this job would not use the GPU.",
            fix="Retrain on a CPU type (omit --instance-type), or deploy with "
            f"-c trainingInstanceType={after} (this builds the CUDA image) and upload the "
            "file again: that run trains on the GPU and can be retrained on any GPU type.",
            details={"instance_type": after, "run_instance_type": before},
            step=STEP,
        )
    # The job's volume key is the data key, which the output config names too: a run
    # trained on local NVMe storage has no VolumeKmsKeyId to copy.
    key = _text(getattr(resources, "volume_kms_key_id", None)) or _text(
        source.output_data_config.kms_key_id
    )
    volume = instances.volume_settings(
        after, _assigned_int(resources.volume_size_in_gb) or DEFAULT_VOLUME_GB, key
    )
    return resources.model_copy(
        update={
            "instance_type": after,
            "volume_size_in_gb": volume["VolumeSizeInGB"],
            "volume_kms_key_id": volume.get("VolumeKmsKeyId"),
        }
    )


def _assigned(value: Any) -> bool:
    """sagemaker-core marks a field the API did not return with an `Unassigned` object."""
    from sagemaker.core.utils.utils import Unassigned

    return value is not None and not isinstance(value, Unassigned)


def _assigned_int(value: Any) -> int:
    return int(value) if _assigned(value) else 0


def _text(value: Any) -> str:
    return str(value) if _assigned(value) else ""


def _final_metrics(job: Any) -> dict[str, float]:
    data = getattr(job, "final_metric_data_list", None)
    if not _assigned(data):
        return {}
    return {m.metric_name: float(m.value) for m in data}


def _changed(before: dict[str, str], after: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in after.items() if before.get(k) != v}


def _wait(job: Any) -> Any:
    from sagemaker.core.utils.exceptions import FailedStatusError

    # A failed job is no error here: its status and failure reason go back to the caller.
    with contextlib.suppress(FailedStatusError):
        job.wait(poll=30, logs=True)
    job.refresh()
    return job


# --- local -----------------------------------------------------------------------------


def retrain_locally(
    request: RetrainRequest, *, workdir: Path, now: datetime | None = None
) -> RetrainJob:
    """The training contract on the run's cleaned/ folder, into a new models/ folder."""
    from synthpipe.train import contract

    layout = RunLayout(str(workdir), request.dataset, request.run_id)
    cleaned = Path(layout.cleaned)
    if not (cleaned / "schema.json").exists():
        raise InputRefused(
            code="cleaned_missing",
            message=f"{cleaned} holds no schema.json: no cleaned data for run "
            f"'{request.run_id}' of dataset '{request.dataset}'.",
            fix="Check --workdir, --dataset and --run-id (the run's folder under cleaned/).",
            details={"cleaned": str(cleaned)},
            step=STEP,
        )
    run_paths = contract.TrainingPaths(Path(layout.models))
    # What the run trained with, or nothing (the defaults) when it never reached training.
    source = run_paths.hyperparameters
    base = dict(storage.read_json(str(source))) if source.exists() else {}
    hyperparameters = merged_hyperparameters(base, request.overrides)
    root = Path(layout.models) / f"retrain-{_stamp(now)}"
    contract.TrainingPaths(root).set_input(cleaned, hyperparameters)
    paths = contract.run_or_raise(
        root, fix="See the reason; change the hyperparameters and retrain.", step=STEP
    )
    return RetrainJob(
        name=root.name,
        source=str(Path(layout.models) / "model"),
        status="Completed",
        hyperparameters=hyperparameters,
        changed=_changed(base, hyperparameters),
        model=str(paths.model_dir),
    )
