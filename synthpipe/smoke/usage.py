"""Step 6: what the run used, from each service's own record of it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from synthpipe.layout import RunLayout
from synthpipe.smoke.actions import DATASET, PIPELINE, Actions, pages

GLUE_WORKER_DPU = {"G.025X": 0.25, "G.1X": 1, "G.2X": 2, "G.4X": 4, "G.8X": 8}


def history(actions: Actions, arn: str) -> Iterator[dict[str, Any]]:
    return pages(
        actions,
        "stepfunctions",
        "get_execution_history",
        "events",
        "nextToken",
        {"events": []},
        executionArn=arn,
        maxResults=1000,
    )


# --- 6. usage -----------------------------------------------------------------------------


def usage(
    actions: Actions, outputs: dict[str, str], run_id: str, execution_arn: str
) -> dict[str, Any]:
    """What the run used, from each service's own record of it (absent where the run
    did not get that far)."""
    found: dict[str, Any] = {}
    if glue := _glue_usage(actions, outputs.get("GlueJobName", ""), run_id):
        found["glue"] = glue
    for kind in ("verify", "train", "generate"):
        if job := _sagemaker_usage(actions, kind, run_id):
            found[f"sagemaker_{kind}"] = job
    if macie := _macie_usage(actions, outputs["DataBucketName"], run_id):
        found["macie"] = macie
    found["lambda_invocations"] = _lambda_invocations(actions)
    found["state_transitions"] = sum(
        1 for e in history(actions, execution_arn) if e.get("type", "").endswith("StateEntered")
    )
    if not actions.dry:
        for name, value in found.items():
            actions.out(f"  {name}: {value}")
    return found


def _glue_usage(actions: Actions, job: str, run_id: str) -> dict[str, Any] | None:
    if not job:
        return None
    runs = actions.call(
        "glue",
        "get_job_runs",
        JobName=job,
        MaxResults=50,
        dry={"JobRuns": [{"Arguments": {"--run_id": run_id}}]},
    )
    for run in runs.get("JobRuns", []):
        if run.get("Arguments", {}).get("--run_id") == run_id:
            seconds = int(run.get("ExecutionTime", 0))
            workers = int(run.get("NumberOfWorkers") or 0)
            per_worker = GLUE_WORKER_DPU.get(run.get("WorkerType", ""), 0)
            capacity = float(run.get("MaxCapacity") or workers * per_worker)
            # DPUSeconds is reported for Flex and auto-scaled runs; otherwise it is the
            # run's time by its capacity (Glue bills per second, 1 minute minimum).
            dpu_seconds = run.get("DPUSeconds") or seconds * capacity
            return {
                "state": run.get("JobRunState", ""),
                "execution_seconds": seconds,
                "dpu_seconds": round(float(dpu_seconds), 1),
                "worker_type": run.get("WorkerType", ""),
                "workers": run.get("NumberOfWorkers", 0),
                "execution_class": run.get("ExecutionClass", "STANDARD"),
            }
    return None


def _sagemaker_usage(actions: Actions, kind: str, run_id: str) -> dict[str, Any] | None:
    from botocore.exceptions import ClientError

    name = f"synthpipe-{kind}-{run_id}"
    training = kind == "train"
    operation = "describe_training_job" if training else "describe_processing_job"
    key = "TrainingJobName" if training else "ProcessingJobName"
    try:
        job = actions.call("sagemaker", operation, **{key: name}, dry={})
    except ClientError:
        return None  # the run stopped before this job
    if actions.dry:
        return None
    if training:
        return {
            "status": job.get("TrainingJobStatus", ""),
            "instance_type": job["ResourceConfig"]["InstanceType"],
            "spot": bool(job.get("EnableManagedSpotTraining")),
            "training_seconds": job.get("TrainingTimeInSeconds", 0),
            "billable_seconds": job.get("BillableTimeInSeconds", 0),
        }
    cluster = job.get("ProcessingResources", {}).get("ClusterConfig", {})
    start, end = job.get("ProcessingStartTime"), job.get("ProcessingEndTime")
    return {
        "status": job.get("ProcessingJobStatus", ""),
        "instance_type": cluster.get("InstanceType", ""),
        "instances": cluster.get("InstanceCount", 1),
        "processing_seconds": round((end - start).total_seconds()) if start and end else 0,
    }


def _macie_usage(actions: Actions, bucket: str, run_id: str) -> dict[str, Any] | None:
    from botocore.exceptions import ClientError

    name = f"synthpipe-{DATASET}-{run_id}"
    try:
        jobs = actions.call(
            "macie2",
            "list_classification_jobs",
            filterCriteria={"includes": [{"comparator": "EQ", "key": "name", "values": [name]}]},
            dry={"items": [{"jobId": "<jobId>"}]},
        )
    except ClientError:
        return None  # Macie not enabled, or skipped
    items = jobs.get("items", [])
    if not items:
        return None
    job = actions.call("macie2", "describe_classification_job", jobId=items[0]["jobId"])
    # Macie bills by the bytes of the objects it analyses: the cleaned objects in the
    # job's scope (their S3 sizes; the job reports counts, not bytes).
    prefix = RunLayout(f"s3://{bucket}", DATASET, run_id).cleaned.removeprefix(f"s3://{bucket}/")
    listed = actions.call("s3", "list_objects_v2", Bucket=bucket, Prefix=prefix + "/")
    size = sum(int(o.get("Size", 0)) for o in listed.get("Contents", []))
    statistics = job.get("statistics", {})
    return {
        "status": job.get("jobStatus", ""),
        "objects": statistics.get("approximateNumberOfObjectsToProcess", 0),
        "bytes_in_scope": size,
    }


def _lambda_invocations(actions: Actions) -> dict[str, int]:
    """Invocations of the stack's functions over the last day (CloudWatch's Sum; its
    figures arrive a minute or two late)."""
    dry = {
        "StackResourceSummaries": [
            {"ResourceType": "AWS::Lambda::Function", "PhysicalResourceId": "<function>"}
        ]
    }
    resources = pages(
        actions,
        "cloudformation",
        "list_stack_resources",
        "StackResourceSummaries",
        "NextToken",
        dry,
        StackName=PIPELINE,
    )
    functions = [
        r["PhysicalResourceId"] for r in resources if r["ResourceType"] == "AWS::Lambda::Function"
    ]
    end = datetime.now(UTC)
    counts: dict[str, int] = {}
    for function in functions:
        stats = actions.call(
            "cloudwatch",
            "get_metric_statistics",
            Namespace="AWS/Lambda",
            MetricName="Invocations",
            Dimensions=[{"Name": "FunctionName", "Value": function}],
            StartTime=end - timedelta(days=1),
            EndTime=end,
            Period=86400,
            Statistics=["Sum"],
        )
        counts[function] = int(sum(p.get("Sum", 0) for p in stats.get("Datapoints", [])))
    return counts
