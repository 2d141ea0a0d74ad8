"""The trigger end to end in moto: S3 -> EventBridge -> the rule's pattern -> start."""

from __future__ import annotations

import json

import boto3
import pytest

from synthpipe import cloud
from tests.infra.cfn import resolve
from tests.infra.scenarios import BUCKET, REGION
from tests.infra.test_handlers import CSV


@pytest.fixture
def rule_pattern(synthesized) -> dict:
    resources = synthesized.pipeline["Resources"]
    (rule,) = [r for r in resources.values() if r["Type"] == "AWS::Events::Rule"]
    pattern = resolve(rule["Properties"]["EventPattern"], resources)
    pattern["detail"]["bucket"]["name"] = [BUCKET]  # the test bucket's account and region
    return pattern


def test_only_csv_objects_under_raw_reach_the_start_function(aws, rule_pattern):
    s3, events, sqs = (
        aws["s3"],
        boto3.client("events", region_name=REGION),
        boto3.client("sqs", region_name=REGION),
    )
    s3.put_bucket_notification_configuration(
        Bucket=BUCKET, NotificationConfiguration={"EventBridgeConfiguration": {}}
    )
    queue = sqs.create_queue(QueueName="start")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]
    events.put_rule(Name="raw-csv", EventPattern=json.dumps(rule_pattern))
    events.put_targets(Rule="raw-csv", Targets=[{"Id": "start", "Arn": arn["QueueArn"]}])

    for key in (
        "raw/banksim/transactions.csv",
        "raw/loose.csv",
        "raw/banksim/notes.txt",
        "staging/banksim/run/synthetic.csv",
        "config/banksim.json",
    ):
        s3.put_object(Bucket=BUCKET, Key=key, Body=CSV)

    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    delivered = [json.loads(m["Body"]) for m in messages]
    assert sorted(e["detail"]["object"]["key"] for e in delivered) == [
        "raw/banksim/transactions.csv",
        "raw/loose.csv",
    ]
    answers = [cloud.handle_start(e, s3=s3, sfn=aws["sfn"], env=aws["env"]) for e in delivered]
    assert all(a["started"] for a in answers)
    assert sorted(a["executionName"].split("-2")[0] for a in answers) == ["banksim", "loose"]
