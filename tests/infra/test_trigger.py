"""The trigger end to end in moto: S3 -> EventBridge -> the rule's pattern -> start -> the
state machine, executed locally from the input the start function gave it."""

from __future__ import annotations

import gzip
import json

import boto3
import pytest

from synthpipe import cloud
from tests.infra.cfn import resolve
from tests.infra.scenarios import BUCKET, REGION, handlers
from tests.infra.test_handlers import CSV

UPLOADS = {
    "raw/banksim/transactions.csv": CSV,
    "raw/banksim/TRANSACTIONS_2.CSV": CSV,
    "raw/Loose.Csv": CSV,
    "raw/banksim/export.txt": CSV,
    "raw/banksim/transactions.csv.gz": gzip.compress(CSV),
    "raw/banksim/": b"",  # the console's "Create folder"
    "staging/banksim/run/synthetic.csv": CSV,
    "synthetic/banksim/run/synthetic.CSV": CSV,
    "config/banksim.json": b"{}",
    "rawdata/banksim.csv": CSV,
}
UNDER_RAW = sorted(k for k in UPLOADS if k.startswith("raw/"))


@pytest.fixture
def rule_pattern(synthesized) -> dict:
    resources = synthesized.pipeline["Resources"]
    (rule,) = [r for r in resources.values() if r["Type"] == "AWS::Events::Rule"]
    pattern = resolve(rule["Properties"]["EventPattern"], resources)
    pattern["detail"]["bucket"]["name"] = [BUCKET]  # the test bucket's account and region
    return pattern


@pytest.fixture
def delivered(aws, rule_pattern) -> list[dict]:
    """What the rule delivers for each upload (an SQS queue stands in for the function)."""
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
    events.put_rule(Name="raw-objects", EventPattern=json.dumps(rule_pattern))
    events.put_targets(Rule="raw-objects", Targets=[{"Id": "start", "Arn": arn["QueueArn"]}])
    for key, body in UPLOADS.items():
        s3.put_object(Bucket=BUCKET, Key=key, Body=body)
    messages = []
    while batch := sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages"):
        messages += batch
        for message in batch:
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
    return [json.loads(m["Body"]) for m in messages]


def key_of(event: dict) -> str:
    return event["detail"]["object"]["key"]


def test_every_object_under_raw_reaches_the_start_function_whatever_its_name(delivered):
    assert sorted(key_of(e) for e in delivered) == UNDER_RAW


def test_start_runs_csv_content_under_any_case_or_extension_and_refuses_the_rest(aws, delivered):
    answers = {
        key_of(e): cloud.handle_start(e, s3=aws["s3"], sfn=aws["sfn"], env=aws["env"])
        for e in delivered
    }
    assert answers.pop("raw/banksim/") == {"started": False, "ignored": True}
    assert all(a["started"] for a in answers.values())
    validations = {
        key: json.loads(
            aws["sfn"].describe_execution(executionArn=answer["executionArn"])["input"]
        )["validation"]
        for key, answer in answers.items()
    }
    refused = {k: v["reason"]["code"] for k, v in validations.items() if v["status"] != "ok"}
    assert refused == {"raw/banksim/transactions.csv.gz": "compressed"}
    assert answers["raw/Loose.Csv"]["executionName"].startswith("loose-")


def test_an_upper_case_csv_runs_to_publish_and_a_gzip_is_quarantined(aws, delivered, definition):
    from tests.infra.test_execution import reason, run_local

    (event,) = [e for e in delivered if key_of(e) == "raw/banksim/TRANSACTIONS_2.CSV"]
    (zipped,) = [e for e in delivered if key_of(e).endswith(".gz")]
    inputs = {}
    for name, upload in (("upper", event), ("zipped", zipped)):
        answer = cloud.handle_start(upload, s3=aws["s3"], sfn=aws["sfn"], env=aws["env"])
        execution = aws["sfn"].describe_execution(executionArn=answer["executionArn"])
        inputs[name] = json.loads(execution["input"])
    runs = run_local(
        definition,
        {
            "upper": {"input": inputs["upper"], "handlers": handlers()},
            "zipped": {
                "input": inputs["zipped"],
                "handlers": handlers({"Quarantine": reason("validate", "compressed")}),
            },
        },
    )
    assert runs["upper"]["status"] == "SUCCEEDED"
    assert runs["upper"]["states"][-1] == "Run published"
    zipped = runs["zipped"]
    assert (zipped["status"], zipped["error"]) == ("FAILED", "compressed")
    assert zipped["states"][:2] == ["Input valid?", "Input refused"]
    assert zipped["calls"]["Prepare"] == []
    # The real quarantine handler, on what the state machine handed it: the refused file
    # is copied beside its reason, and raw/ keeps it unchanged.
    (call,) = zipped["calls"]["Quarantine"]
    assert call["failure"]["Error"] == "InputRefused"
    quarantined = cloud.handle_quarantine(call, s3=aws["s3"])
    assert (quarantined["step"], quarantined["code"]) == ("validate", "compressed")
    prefix = f"quarantine/banksim/{inputs['zipped']['runId']}/"
    listed = aws["s3"].list_objects_v2(Bucket=BUCKET, Prefix=prefix)["Contents"]
    assert sorted(o["Key"] for o in listed) == [
        prefix + "reason.json",
        prefix + "transactions.csv.gz",
    ]
    assert aws["s3"].head_object(Bucket=BUCKET, Key="raw/banksim/transactions.csv.gz")


def _start_function(resources: dict) -> str:
    (logical,) = [
        name
        for name, r in resources.items()
        if r["Type"] == "AWS::Lambda::Function"
        and r["Properties"].get("Handler") == "start.handler"
    ]
    return logical


def test_an_event_the_start_function_fails_on_goes_to_the_dead_letter_queue(synthesized):
    """Lambda drops an asynchronous event after its retries unless a destination takes it."""
    resources = synthesized.pipeline["Resources"]
    start = _start_function(resources)
    (rule,) = [r for r in resources.values() if r["Type"] == "AWS::Events::Rule"]
    (target,) = rule["Properties"]["Targets"]
    queue = target["DeadLetterConfig"]["Arn"]
    (config,) = [
        r["Properties"]
        for r in resources.values()
        if r["Type"] == "AWS::Lambda::EventInvokeConfig"
        and r["Properties"]["FunctionName"] == {"Ref": start}
    ]
    assert config["DestinationConfig"]["OnFailure"]["Destination"] == queue
    assert config["MaximumRetryAttempts"] == 2
    # The function's role may send to that queue.
    role = resources[start]["Properties"]["Role"]["Fn::GetAtt"][0]
    statements = [
        s
        for r in resources.values()
        if r["Type"] == "AWS::IAM::Policy" and {"Ref": role} in r["Properties"]["Roles"]
        for s in r["Properties"]["PolicyDocument"]["Statement"]
    ]
    assert any(
        "sqs:SendMessage" in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
        and s["Resource"] == queue
        for s in statements
    )
