"""The pipeline stack: each step's resource, its scoping, the trigger and operations."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from tests.infra.cfn import ACCOUNT, REGION, resolve


@pytest.fixture(scope="module")
def pipeline(synthesized) -> Template:
    return Template.from_json(synthesized.pipeline)


def resources(template: dict, kind: str) -> dict[str, Any]:
    return {k: r for k, r in template["Resources"].items() if r["Type"] == kind}


def object_access(template: dict, role_prefix: str) -> dict[str, set[str]]:
    """S3 object actions of a role -> the prefixes they reach (from the resolved ARNs)."""
    access: dict[str, set[str]] = {}
    for policy in resources(template, "AWS::IAM::Policy").values():
        roles = [r["Ref"] for r in policy["Properties"]["Roles"]]
        if not any(r.startswith(role_prefix) for r in roles):
            continue
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            actions = statement["Action"]
            actions = [actions] if isinstance(actions, str) else actions
            targets = statement["Resource"]
            targets = targets if isinstance(targets, list) else [targets]
            for action in actions:
                if not action.startswith("s3:") or action == "s3:ListBucket":
                    continue
                for target in targets:
                    arn = str(resolve(target, template["Resources"]))
                    match = re.match(r"arn:aws:s3:::synthpipe-data-[^/]+/(.*)$", arn)
                    if match:
                        access.setdefault(action, set()).add(match.group(1))
    return access


def test_glue_job_runs_prepare_on_glue_5_1_with_the_package(synthesized):
    (job,) = resources(synthesized.pipeline, "AWS::Glue::Job").values()
    props = job["Properties"]
    assert props["GlueVersion"] == "5.1"
    assert props["Command"]["Name"] == "glueetl"
    assert props["Command"]["PythonVersion"] == "3"
    args = props["DefaultArguments"]
    assert args["--job-bookmark-option"] == "job-bookmark-disable"
    assert args["--enable-continuous-cloudwatch-log"] == "true"
    assert re.fullmatch(
        r"anyascii==[\d.]+,python-stdnum==[\d.]+,phonenumbers==[\d.]+,email-validator==[\d.]+"
        r",faker==[\d.]+,names==[\d.]+,charset-normalizer==[\d.]+",
        args["--additional-python-modules"],
    )
    assert json.dumps(args["--extra-py-files"]).count(".zip") == 1
    assert props["WorkerType"] == "G.1X" and props["NumberOfWorkers"] == 2
    assert "SecurityConfiguration" in props
    assert "ExecutionClass" not in props


def test_prepare_reads_the_executions_version_under_the_start_functions_limits(
    synthesized, definition
):
    arguments = definition["States"]["Prepare"]["Parameters"]["Arguments"]
    assert arguments["--version_id.$"] == "$.versionId"
    assert arguments["--source_sha256.$"] == "$.validation.sha256"
    (job,) = resources(synthesized.pipeline, "AWS::Glue::Job").values()
    defaults = job["Properties"]["DefaultArguments"]
    (start,) = [
        f
        for f in resources(synthesized.pipeline, "AWS::Lambda::Function").values()
        if f["Properties"].get("Handler") == "start.handler"
    ]
    env = start["Properties"]["Environment"]["Variables"]
    limits = ("MAX_INPUT_BYTES", "MAX_COLUMNS", "MAX_RECORD_BYTES")
    assert {name: defaults[f"--{name.lower()}"] for name in limits} == {
        name: env[name] for name in limits
    }
    assert env["MAX_COLUMNS"] == "1000" and env["MAX_RECORD_BYTES"] == str(1024 * 1024)


def test_glue_zip_holds_the_synthpipe_package(synthesized):
    import zipfile

    (zip_path,) = synthesized.outdir.glob("asset.*.zip")
    names = zipfile.ZipFile(zip_path).namelist()
    assert "synthpipe/prepare/job.py" in names
    assert not [n for n in names if "__pycache__" in n or not n.startswith("synthpipe/")]


def test_glue_security_configuration_encrypts_with_kms(pipeline):
    pipeline.has_resource_properties(
        "AWS::Glue::SecurityConfiguration",
        {
            "EncryptionConfiguration": {
                "S3Encryptions": [Match.object_like({"S3EncryptionMode": "SSE-KMS"})],
                "CloudWatchEncryption": Match.object_like({"CloudWatchEncryptionMode": "SSE-KMS"}),
                "JobBookmarksEncryption": Match.object_like(
                    {"JobBookmarksEncryptionMode": "CSE-KMS"}
                ),
            }
        },
    )


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (
            "PrepareRole",
            {
                "s3:GetObject": {"raw/*", "config/*", "cleaned/*", "staging/*/input/*"},
                "s3:PutObject": {"cleaned/*", "staging/*/input/*"},
                "s3:DeleteObject": {"cleaned/*", "staging/*/input/*"},
            },
        ),
        (
            "TrainingJobRole",
            {
                # staging/: the run's lineage.json, an input of the generate job
                "s3:GetObject": {"cleaned/*", "models/*", "staging/*"},
                "s3:PutObject": {"models/*", "staging/*"},
            },
        ),
        ("VerifyJobRole", {"s3:GetObject": {"cleaned/*"}}),
        (
            "StartRole",  # and each run's lineage.json, for the generate job
            {"s3:GetObject": {"raw/*", "config/*"}, "s3:PutObject": {"staging/*/lineage.json*"}},
        ),
        (
            "GateRole",  # a failed gate withdraws the run's release
            {
                "s3:GetObject": {"staging/*", "synthetic/*"},
                "s3:PutObject": {"synthetic/*"},
                "s3:DeleteObject": {"synthetic/*"},
            },
        ),
        (
            "PublishRole",  # .incoming-<attempt>/ moved into place, the old marker deleted
            {
                "s3:GetObject": {"staging/*", "cleaned/*", "synthetic/*"},
                "s3:PutObject": {"synthetic/*"},
                "s3:DeleteObject": {"synthetic/*"},
            },
        ),
        (
            "QuarantineRole",  # any other failure withdraws the run's release too
            {
                "s3:GetObject": {"raw/*", "cleaned/*", "synthetic/*"},
                "s3:PutObject": {"quarantine/*", "synthetic/*"},
                "s3:DeleteObject": {"cleaned/*", "synthetic/*"},
            },
        ),
        ("NotifyRole", {}),
    ],
)
def test_each_role_reaches_only_its_prefixes(synthesized, role, expected):
    access = object_access(synthesized.pipeline, role)
    access.pop("s3:GetObjectVersion", None)
    assert access == expected


def test_nothing_may_write_or_delete_under_raw(synthesized):
    for policy in resources(synthesized.pipeline, "AWS::IAM::Policy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            text = json.dumps(resolve(statement["Resource"], synthesized.pipeline["Resources"]))
            actions = json.dumps(statement["Action"])
            if "/raw/" in text:
                assert "Put" not in actions and "Delete" not in actions


def start_environment(template: dict) -> dict[str, Any]:
    (start,) = [
        r
        for k, r in resources(template, "AWS::Lambda::Function").items()
        if k.startswith("StartFunction")
    ]
    return start["Properties"]["Environment"]["Variables"]


def test_start_function_locks_nothing_by_default(synthesized):
    assert start_environment(synthesized.pipeline)["RAW_OBJECT_LOCK_DAYS"] == "0"
    assert "Retention" not in json.dumps(statements(synthesized.pipeline, "StartRole"))


def test_with_object_lock_the_start_function_may_only_lock_raw_versions(locked):
    from tests.infra.test_checks import open_findings

    assert open_findings(locked.report()) == []
    assert start_environment(locked.pipeline)["RAW_OBJECT_LOCK_DAYS"] == "30"
    retention = [s for s in statements(locked.pipeline, "StartRole") if "Retention" in str(s)]
    assert retention == [
        {
            "actions": ["s3:GetObjectRetention", "s3:PutObjectRetention"],
            "resources": [f"arn:aws:s3:::synthpipe-data-{ACCOUNT}-{REGION}/raw/*"],
            "condition": None,
        }
    ]
    # Locking is the only new right: no role may bypass governance mode or delete raw/.
    for policy in resources(locked.pipeline, "AWS::IAM::Policy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            actions = json.dumps(statement["Action"])
            assert "Bypass" not in actions
            if "/raw/" in json.dumps(resolve(statement["Resource"], locked.pipeline["Resources"])):
                assert "Delete" not in actions and '"s3:PutObject"' not in actions


def test_listing_is_limited_to_the_same_prefixes(pipeline):
    pipeline.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "Roles": [{"Ref": Match.string_like_regexp("^StartRole")}],
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Action": "s3:ListBucket",
                                "Condition": {
                                    "StringLike": {
                                        "s3:prefix": [
                                            "config/*",
                                            "raw/*",
                                            "staging/*/lineage.json*",
                                        ]
                                    }
                                },
                            }
                        )
                    ]
                )
            },
        },
    )


def test_functions_run_the_newest_python_with_tracing_and_json_logs(synthesized):
    functions = {
        k: r
        for k, r in resources(synthesized.pipeline, "AWS::Lambda::Function").items()
        if not k.startswith("BucketNotificationsHandler")
    }
    assert {k.split("Function")[0] for k in functions} == {
        "Start",
        "Gate",
        "Publish",
        "Quarantine",
        "Notify",
        "MacieResults",
        "MacieSetup",
    }
    for function in functions.values():
        props = function["Properties"]
        assert props["Runtime"] == "python3.14"
        assert props["TracingConfig"] == {"Mode": "Active"}
        assert props["LoggingConfig"]["LogFormat"] == "JSON"
        assert props["Handler"].endswith(".handler")


def test_no_role_uses_an_aws_managed_policy(synthesized):
    for role in resources(synthesized.pipeline, "AWS::IAM::Role").values():
        assert "ManagedPolicyArns" not in role["Properties"]


def test_log_groups_are_kms_encrypted(synthesized):
    groups = resources(synthesized.pipeline, "AWS::Logs::LogGroup")
    assert len(groups) == 8  # 7 functions and the state machine
    for group in groups.values():
        assert "KmsKeyId" in group["Properties"]
        assert group["Properties"]["RetentionInDays"] == 90


def test_rule_matches_every_object_created_under_raw(pipeline):
    pipeline.has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventPattern": {
                "source": ["aws.s3"],
                "detail-type": ["Object Created"],
                "detail": {
                    "bucket": {"name": [Match.any_value()]},
                    # No name filter: validation refuses what is not a CSV, and says so.
                    "object": {"key": [{"prefix": "raw/"}]},
                },
            },
            "Targets": [
                Match.object_like(
                    {
                        "Arn": {"Fn::GetAtt": [Match.string_like_regexp("^StartFunction"), "Arn"]},
                        "DeadLetterConfig": Match.any_value(),
                        "RetryPolicy": {
                            "MaximumEventAgeInSeconds": 7200,
                            "MaximumRetryAttempts": 4,
                        },
                    }
                )
            ],
        },
    )


def test_topic_is_kms_encrypted_and_tls_only(pipeline):
    pipeline.has_resource_properties("AWS::SNS::Topic", {"KmsMasterKeyId": Match.any_value()})
    pipeline.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Effect": "Deny",
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                            }
                        )
                    ]
                )
            }
        },
    )
    pipeline.resource_count_is("AWS::SNS::Subscription", 0)


def test_state_machine_is_standard_traced_and_logs_everything(pipeline):
    pipeline.has_resource_properties(
        "AWS::StepFunctions::StateMachine",
        {
            "StateMachineType": "STANDARD",
            "TracingConfiguration": {"Enabled": True},
            "LoggingConfiguration": {"Level": "ALL", "IncludeExecutionData": True},
        },
    )


def test_start_function_may_start_executions(pipeline):
    pipeline.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "Roles": [{"Ref": Match.string_like_regexp("^StartRole")}],
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [Match.object_like({"Action": "states:StartExecution"})]
                )
            },
        },
    )


def test_the_deploy_creates_nothing_that_needs_macie_enabled(pipeline):
    """A Macie identifier or session resource fails where Macie is off (or, for the
    session, on): the identifier is made by the run (synthpipe.macie_identifier)."""
    pipeline.resource_count_is("AWS::Macie::CustomDataIdentifier", 0)
    pipeline.resource_count_is("AWS::Macie::Session", 0)


def test_training_image_is_staged_from_training_synthpipe_and_the_argn_pins_only(synthesized):
    manifest = json.loads((synthesized.outdir / "SynthpipePipeline.assets.json").read_text())
    (image,) = manifest["dockerImages"].values()
    assert image["source"]["dockerFile"] == "training/Dockerfile"
    context = synthesized.outdir / image["source"]["directory"]
    # requirements-argn.txt: the second engine's pins, shared with the Makefile.
    names = sorted(p.name for p in context.iterdir())
    assert names == ["requirements-argn.txt", "synthpipe", "training"]


def test_alarms_notify_the_topic(synthesized):
    alarms = resources(synthesized.pipeline, "AWS::CloudWatch::Alarm")
    metrics = {a["Properties"]["MetricName"] for a in alarms.values()}
    assert {"ExecutionsFailed", "ExecutionsTimedOut"} <= metrics
    for alarm in alarms.values():
        (action,) = alarm["Properties"]["AlarmActions"]
        assert action["Ref"].startswith("NotificationsTopic")
    assert resources(synthesized.pipeline, "AWS::CloudWatch::Dashboard")


def test_outputs_name_bucket_state_machine_and_topic(synthesized):
    assert {"DataBucketName", "StateMachineArn", "TopicArn"} <= set(synthesized.pipeline["Outputs"])


def test_variant_skips_macie_uses_flex_and_subscribes_the_email(variant):
    template = Template.from_json(variant.pipeline)
    template.resource_count_is("AWS::Macie::CustomDataIdentifier", 0)
    template.has_resource_properties("AWS::Glue::Job", {"ExecutionClass": "FLEX"})
    template.has_resource_properties(
        "AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": "data-owner@example.com"}
    )
    definition = json.dumps(variant.pipeline)
    assert "macie2" not in definition and "Macie skipped" in definition
    assert "EnableManagedSpotTraining" not in definition


def statements(template: dict, role_prefix: str) -> list[dict[str, Any]]:
    """The policy statements attached to roles whose logical id starts with `role_prefix`,
    resources resolved to sample ARNs."""
    found = []
    for policy in resources(template, "AWS::IAM::Policy").values():
        roles = [r["Ref"] for r in policy["Properties"]["Roles"]]
        if any(r.startswith(role_prefix) for r in roles):
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
                actions = statement["Action"]
                targets = statement["Resource"]
                found.append(
                    {
                        "actions": [actions] if isinstance(actions, str) else actions,
                        "resources": resolve(
                            targets if isinstance(targets, list) else [targets],
                            template["Resources"],
                        ),
                        "condition": statement.get("Condition"),
                    }
                )
    return found


def test_glue_job_reads_exactly_the_pseudonymisation_secret(synthesized):
    from tests.infra.cfn import SECRET_ARN

    (job,) = resources(synthesized.pipeline, "AWS::Glue::Job").values()
    argument = job["Properties"]["DefaultArguments"]["--key_secret_id"]
    assert resolve(argument, synthesized.pipeline["Resources"]) == SECRET_ARN
    secret_reads = [
        s for s in statements(synthesized.pipeline, "PrepareRole") if "secretsmanager" in str(s)
    ]
    assert secret_reads == [
        {"actions": ["secretsmanager:GetSecretValue"], "resources": [SECRET_ARN], "condition": None}
    ]
    # The secret's value is decrypted with the data key, which the role may use.
    assert any(
        "kms:Decrypt" in s["actions"] for s in statements(synthesized.pipeline, "PrepareRole")
    )


def test_no_other_role_may_read_a_secret(synthesized):
    for policy in resources(synthesized.pipeline, "AWS::IAM::Policy").values():
        if any(r["Ref"].startswith("PrepareRole") for r in policy["Properties"]["Roles"]):
            continue
        assert "secretsmanager" not in json.dumps(policy["Properties"]["PolicyDocument"])


def test_verify_job_role_reads_cleaned_only_and_writes_nothing(synthesized):
    found = statements(synthesized.pipeline, "VerifyJobRole")
    actions = {a for s in found for a in s["actions"]}
    assert not {
        a
        for a in actions
        if a.startswith("s3:") and a not in ("s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket")
    }
    (listing,) = [s for s in found if "s3:ListBucket" in s["actions"]]
    assert listing["condition"] == {"StringLike": {"s3:prefix": ["cleaned/*"]}}
    assert not {a for a in actions if a.startswith(("secretsmanager:", "sagemaker:", "iam:"))}


def test_state_machine_runs_and_passes_only_the_verify_role_to_the_verify_job(synthesized):
    found = statements(synthesized.pipeline, "WorkflowStateMachineRole")
    jobs = "arn:aws:sagemaker:eu-west-1:123456789012:processing-job/synthpipe-verify-*"
    assert any(
        "sagemaker:CreateProcessingJob" in s["actions"] and s["resources"] == [jobs] for s in found
    )
    passes = [s for s in found if s["actions"] == ["iam:PassRole"]]
    names = [r.rsplit("/", 1)[-1] for s in passes for r in s["resources"]]
    assert {re.sub(r"[0-9A-F]{8}$", "", name) for name in names} == {
        "VerifyJobRole",
        "TrainingJobRole",
    }
    for statement in passes:
        assert statement["condition"] == {
            "StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}
        }
