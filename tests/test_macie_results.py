"""Macie's per-object results decide whether its scan covered the run (moto S3)."""

from __future__ import annotations

import gzip
import json
from typing import Any

import boto3
import pytest
from moto import mock_aws

from synthpipe import cloud
from synthpipe.errors import StepFailed
from synthpipe.failure_codes import CodedFailure

REGION, ACCOUNT = "eu-west-1", "123456789012"
BUCKET = f"synthpipe-data-{ACCOUNT}-{REGION}"
JOB = "0123456789abcdef0123456789abcdef"
CLEANED = "cleaned/banksim/20261123T071500Z-1a2b3c4d/"
RESULTS = f"macie-results/AWSLogs/{ACCOUNT}/Macie/{REGION}/{JOB}/"
PARTS = [f"{CLEANED}data/part-0000{i}.parquet" for i in range(3)]


class Macie:
    """GetClassificationExportConfiguration as Macie answers it (moto has no such API)."""

    def __init__(self, bucket: str | None = BUCKET, prefix: str = "macie-results/") -> None:
        self.destination = {"bucketName": bucket, "keyPrefix": prefix} if bucket else None

    def get_classification_export_configuration(self) -> dict[str, Any]:
        if self.destination is None:
            return {}
        return {"configuration": {"s3Destination": {**self.destination, "kmsKeyArn": "k"}}}


def record(key: str, code: str = "COMPLETE", reason: str | None = None) -> dict[str, Any]:
    """A sensitive data discovery result, as Macie writes one per object."""
    status = {"code": code, **({"reason": reason} if reason else {})}
    return {
        "classificationDetails": {"jobId": JOB, "result": {"status": status}},
        "resourcesAffected": {"s3Bucket": {"name": BUCKET}, "s3Object": {"key": key}},
    }


@pytest.fixture
def s3(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        client = boto3.client("s3", region_name=REGION)
        client.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        for key in PARTS:
            client.put_object(Bucket=BUCKET, Key=key, Body=b"PAR1 data PAR1")
        for name in ("schema.json", "pii_actions.json"):
            client.put_object(Bucket=BUCKET, Key=CLEANED + name, Body=b"{}")
        client.put_object(Bucket=BUCKET, Key=f"{CLEANED}data/_SUCCESS", Body=b"")
        yield client


def write_results(s3, records: list[dict[str, Any]], name: str = "a") -> None:
    body = "\n".join(json.dumps(r) for r in records).encode()
    s3.put_object(
        Bucket=BUCKET, Key=f"{RESULTS}{ACCOUNT}-{name}.jsonl.gz", Body=gzip.compress(body)
    )


EVERY_OBJECT = [*PARTS, CLEANED + "schema.json", CLEANED + "pii_actions.json"]


def handle(s3, macie=None, sleeps: list[float] | None = None) -> dict[str, Any]:
    state = {"bucket": BUCKET, "paths": {"cleanedPrefix": CLEANED}, "macie": {"jobId": JOB}}
    return cloud.handle_macie_results(
        state,
        s3=s3,
        macie=macie or Macie(),
        env={"ACCOUNT_ID": ACCOUNT, "AWS_REGION": REGION},
        sleep=(sleeps if sleeps is not None else []).append,
    )


def test_every_object_read_whole_passes(s3):
    write_results(s3, [record(k) for k in EVERY_OBJECT[:3]], "a")
    write_results(s3, [record(k) for k in EVERY_OBJECT[3:]], "b")
    assert handle(s3) == {"objectsRead": 5, "results": 5}


def test_an_object_macie_skipped_stops_the_run(s3):
    """A job that skipped an object is COMPLETE, error-free and finding-free."""
    records = [record(k) for k in EVERY_OBJECT]
    records[1] = record(PARTS[1], "SKIPPED", "PERMISSION_DENIED")
    write_results(s3, records)
    with pytest.raises(StepFailed) as raised:
        cloud.macie_results.check(
            s3, Macie(), bucket=BUCKET, cleaned_prefix=CLEANED, job_id=JOB,
            account=ACCOUNT, region=REGION, sleep=lambda _: None,
        )  # fmt: skip
    assert raised.value.code == "macie_objects_skipped"
    assert raised.value.details == {
        "objects": 5,
        "unread": 1,
        "statuses": {"SKIPPED": 1},
        "reasons": {"PERMISSION_DENIED": 1},
    }


def test_an_object_read_only_in_part_stops_the_run(s3):
    records = [record(k) for k in EVERY_OBJECT]
    records[0] = record(PARTS[0], "PARTIAL", "FILE_EXCEEDS_SIZE_LIMIT")
    write_results(s3, records)
    with pytest.raises(CodedFailure, match="synthpipe:macie_objects_skipped"):
        cloud.lambda_handler(lambda e: handle(s3), step="verify")({})


def test_an_object_without_a_result_stops_the_run_after_waiting(s3):
    write_results(s3, [record(k) for k in EVERY_OBJECT if k != PARTS[2]])
    sleeps: list[float] = []
    with pytest.raises(StepFailed) as raised:
        handle(s3, sleeps=sleeps)
    assert raised.value.code == "macie_results_missing"
    assert raised.value.details == {"objects": 5, "missing": 1}
    assert len(sleeps) == 9  # ten looks, results can land after the job is COMPLETE


def test_results_that_land_late_are_waited_for(s3):
    write_results(s3, [record(k) for k in EVERY_OBJECT[:4]], "a")
    late = [record(EVERY_OBJECT[4])]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        write_results(s3, late, "b")

    state = {"bucket": BUCKET, "paths": {"cleanedPrefix": CLEANED}, "macie": {"jobId": JOB}}
    answer = cloud.handle_macie_results(
        state, s3=s3, macie=Macie(), env={"ACCOUNT_ID": ACCOUNT, "AWS_REGION": REGION}, sleep=sleep
    )
    assert answer == {"objectsRead": 5, "results": 5} and len(sleeps) == 1


def test_results_of_another_bucket_or_job_do_not_count(s3):
    other = record(PARTS[0])
    other["resourcesAffected"]["s3Bucket"]["name"] = "another-bucket"
    write_results(s3, [other, *[record(k) for k in EVERY_OBJECT[1:]]])
    s3.put_object(
        Bucket=BUCKET,
        Key=RESULTS.replace(JOB, "f" * 32) + "x.jsonl.gz",
        Body=gzip.compress(json.dumps(record(PARTS[0])).encode()),
    )
    with pytest.raises(StepFailed) as raised:
        handle(s3)
    assert raised.value.code == "macie_results_missing"


@pytest.mark.parametrize("macie", [Macie(bucket=None), Macie(bucket="central-results")])
def test_a_results_repository_the_pipeline_cannot_read_stops_the_run(s3, macie):
    write_results(s3, [record(k) for k in EVERY_OBJECT])
    with pytest.raises(StepFailed) as raised:
        handle(s3, macie=macie)
    assert raised.value.code == "macie_results_unavailable"
    assert "put-classification-export-configuration" in raised.value.fix
