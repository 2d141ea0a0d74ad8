"""`synthpipe smoke`: its logic offline. S3, Glue, SageMaker, STS and CloudWatch are moto;
CloudFormation, Step Functions, Macie and Service Quotas are botocore Stubbers (moto
has no Macie jobs or quotas, and its CloudFormation needs packages we do not ship);
the CDK CLI and Docker are a recorded fake."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber
from moto import mock_aws

from synthpipe import cli, smoke
from synthpipe.layout import run_id_for
from synthpipe.smoke import Actions, SmokeOptions, run_smoke, summary

REGION = "eu-west-1"
ACCOUNT = "123456789012"
BUCKET = f"synthpipe-data-{ACCOUNT}-{REGION}"
MACHINE = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:synthpipe"
GLUE_JOB = "PrepareJob-abc"
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
STACK = {"StackName": "S", "CreationTime": NOW, "StackStatus": "CREATE_COMPLETE"}
OUTPUTS = [
    {"OutputKey": "DataBucketName", "OutputValue": BUCKET},
    {"OutputKey": "StateMachineArn", "OutputValue": MACHINE},
    {"OutputKey": "GlueJobName", "OutputValue": GLUE_JOB},
]


class Clock:
    """Fake monotonic time: each sleep moves it on."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Account:
    """One AWS account as the smoke test sees it, fully offline."""

    def __init__(self, session: boto3.Session) -> None:
        self.session = session
        self.commands: list[list[str]] = []
        self.envs: list[dict[str, str]] = []
        self.failing: set[str] = set()  # cdk verbs that exit 1
        self.printed: list[str] = []
        self.clock = Clock()
        self.after_first_poll = self.run_the_pipeline
        self.record_etags = True
        self.stubs: dict[str, Stubber] = {}
        self.clients = {}
        for service in ("cloudformation", "stepfunctions", "macie2", "service-quotas"):
            client = session.client(service)
            self.clients[service] = client
            self.stubs[service] = Stubber(client)
        self.slept = 0

    # --- the fakes the Actions get ------------------------------------------------------

    def run(self, args: list[str], *, cwd, env, check) -> Any:
        self.commands.append(args)
        self.envs.append(env)
        verb = args[3] if args[:3] == list(smoke.CDK) else args[0]
        if verb == "deploy" and "deploy" not in self.failing:
            s3 = self.session.client("s3")
            s3.create_bucket(
                Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
            )
            s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
            self.session.client("glue").create_job(
                Name=GLUE_JOB,
                Role="r",
                Command={"Name": "glueetl"},
                WorkerType="G.1X",
                NumberOfWorkers=2,
            )
        return type("Done", (), {"returncode": 1 if verb in self.failing else 0})()

    def sleep(self, seconds: float) -> None:
        self.slept += 1
        self.clock.now += seconds
        if self.slept == 1 and self.after_first_poll:
            self.after_first_poll()

    def actions(self, **options: Any) -> Actions:
        settings = SmokeOptions(region=REGION, profile="sandbox", poll_seconds=30, **options)
        return Actions(
            settings,
            session=self.session,
            clients=self.clients,
            out=self.printed.append,
            run=self.run,
            sleep=self.sleep,
            clock=self.clock,
        )

    # --- what the start function and the state machine would do -------------------------

    def run_id(self) -> str:
        s3 = self.session.client("s3")
        head = s3.head_object(Bucket=BUCKET, Key=smoke.SAMPLE_KEY)
        return run_id_for(BUCKET, smoke.SAMPLE_KEY, head["VersionId"], head["LastModified"])

    def run_the_pipeline(self) -> None:
        run_id = self.run_id()
        self.session.client("glue").start_job_run(JobName=GLUE_JOB, Arguments={"--run_id": run_id})
        sagemaker = self.session.client("sagemaker")
        role = f"arn:aws:iam::{ACCOUNT}:role/JobRole"
        sagemaker.create_training_job(
            TrainingJobName=f"synthpipe-train-{run_id}",
            AlgorithmSpecification={"TrainingImage": "image", "TrainingInputMode": "File"},
            RoleArn=role,
            OutputDataConfig={"S3OutputPath": f"s3://{BUCKET}/models/"},
            ResourceConfig={
                "InstanceCount": 1,
                "InstanceType": "ml.m5.xlarge",
                "VolumeSizeInGB": 30,
            },
            StoppingCondition={"MaxRuntimeInSeconds": 600},
            EnableManagedSpotTraining=True,
        )
        for kind in ("verify", "generate"):
            sagemaker.create_processing_job(
                ProcessingJobName=f"synthpipe-{kind}-{run_id}",
                RoleArn=role,
                AppSpecification={"ImageUri": "image"},
                ProcessingResources={
                    "ClusterConfig": {
                        "InstanceCount": 1,
                        "InstanceType": "ml.m5.xlarge",
                        "VolumeSizeInGB": 30,
                    }
                },
                StoppingCondition={"MaxRuntimeInSeconds": 600},
            )
        self.publish(run_id, verdict="pass")

    def publish(self, run_id: str, *, verdict: str) -> None:
        s3 = self.session.client("s3")
        prefix = f"synthetic/{smoke.DATASET}/{run_id}"
        report = json.dumps({"verdict": verdict}).encode()
        put = s3.put_object(Bucket=BUCKET, Key=f"{prefix}/report.json", Body=report)
        recorded = {"bytes": len(report), "etag": put["ETag"]}
        if not self.record_etags:
            del recorded["etag"]
        marker = {
            "status": "published",
            "release": {
                "attempt": 1,
                "published_at": "2026-11-30T09:30:00Z",
                "files": {"report.json": recorded},
            },
        }
        s3.put_object(Bucket=BUCKET, Key=f"{prefix}/manifest.json", Body=json.dumps(marker))

    # --- stubbed answers, in the order the smoke test asks ------------------------------

    def preflight(self, *, existing: tuple[str, ...] = (), macie: str = "ENABLED") -> None:
        cloudformation = self.stubs["cloudformation"]
        cloudformation.add_response(
            "describe_stacks", {"Stacks": [STACK]}, {"StackName": "CDKToolkit"}
        )
        for name in (smoke.STORAGE, smoke.PIPELINE):
            if name in existing:
                cloudformation.add_response(
                    "describe_stacks", {"Stacks": [STACK]}, {"StackName": name}
                )
            else:
                cloudformation.add_client_error(
                    "describe_stacks",
                    "ValidationError",
                    f"Stack with id {name} does not exist",
                    expected_params={"StackName": name},
                )
        if existing:
            return
        if macie == "ENABLED":
            self.stubs["macie2"].add_response("get_macie_session", {"status": "ENABLED"})
        else:
            self.stubs["macie2"].add_client_error(
                "get_macie_session", "AccessDeniedException", "Macie is not enabled."
            )
            return
        self.quota(1.0)

    def quota(self, value: float) -> None:
        self.stubs["service-quotas"].add_response(
            "list_service_quotas",
            {"Quotas": [{"QuotaName": "ml.m5.xlarge for spot training job usage", "Value": value}]},
            {"ServiceCode": "sagemaker"},
        )

    def outputs(self) -> None:
        self.stubs["cloudformation"].add_response(
            "describe_stacks",
            {"Stacks": [{**STACK, "Outputs": OUTPUTS}]},
            {"StackName": smoke.PIPELINE},
        )

    def execution(self, *statuses: str) -> None:
        stepfunctions = self.stubs["stepfunctions"]
        stepfunctions.add_client_error(
            "describe_execution",
            "ExecutionDoesNotExist",
            "not yet",
            expected_params={"executionArn": ANY},
        )
        for status in statuses:
            stepfunctions.add_response(
                "describe_execution",
                {
                    "executionArn": "arn",
                    "stateMachineArn": MACHINE,
                    "status": status,
                    "startDate": NOW,
                },
                {"executionArn": ANY},
            )

    def history(self, events: list[dict[str, Any]]) -> None:
        self.stubs["stepfunctions"].add_response(
            "get_execution_history",
            {"events": events},
            {"executionArn": ANY, "maxResults": 1000},
        )

    def usage(self, events: list[dict[str, Any]]) -> None:
        self.stubs["macie2"].add_response(
            "list_classification_jobs", {"items": [{"jobId": "job-1"}]}, {"filterCriteria": ANY}
        )
        self.stubs["macie2"].add_response(
            "describe_classification_job",
            {
                "jobId": "job-1",
                "jobStatus": "COMPLETE",
                "statistics": {"approximateNumberOfObjectsToProcess": 3.0},
            },
            {"jobId": "job-1"},
        )
        self.stubs["cloudformation"].add_response(
            "list_stack_resources",
            {
                "StackResourceSummaries": [
                    {
                        "LogicalResourceId": "Start",
                        "PhysicalResourceId": "synthpipe-start",
                        "ResourceType": "AWS::Lambda::Function",
                        "LastUpdatedTimestamp": NOW,
                        "ResourceStatus": "CREATE_COMPLETE",
                    }
                ]
            },
            {"StackName": smoke.PIPELINE},
        )
        self.history(events)

    def activate(self) -> None:
        for stub in self.stubs.values():
            stub.activate()

    def done(self) -> None:
        for stub in self.stubs.values():
            stub.assert_no_pending_responses()

    def cdk_verbs(self) -> list[str]:
        return [c[3] for c in self.commands if c[:3] == list(smoke.CDK)]


def entered(name: str) -> dict[str, Any]:
    return {
        "timestamp": NOW,
        "type": "TaskStateEntered",
        "id": 1,
        "stateEnteredEventDetails": {"name": name},
    }


HAPPY_EVENTS = [entered("Validate input"), entered("Prepare"), entered("Train")]
FAILED_EVENTS = [
    entered("Prepare"),
    entered("Train"),
    {
        "timestamp": NOW,
        "type": "TaskFailed",
        "id": 3,
        "taskFailedEventDetails": {
            "resourceType": "sagemaker",
            "resource": "createTrainingJob.sync",
            "error": "States.TaskFailed",
            "cause": "a service's own words, not shown",
        },
    },
    entered("Quarantine"),
    {
        "timestamp": NOW,
        "type": "ExecutionFailed",
        "id": 5,
        "executionFailedEventDetails": {"error": "training_failed", "cause": "Training failed."},
    },
]


def smoke_run(account: Account, **options: Any):
    actions = account.actions(**options)
    return run_smoke(actions.options, actions)


@pytest.fixture
def account(monkeypatch: pytest.MonkeyPatch):
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(shutil, "which", lambda name: f"/usr/bin/{name}")
    with mock_aws():
        yield Account(boto3.Session(region_name=REGION))


def test_a_passing_run_deploys_follows_checks_reports_and_destroys(account: Account) -> None:
    account.preflight()
    account.outputs()
    account.execution("RUNNING", "SUCCEEDED")
    account.usage(HAPPY_EVENTS)
    account.activate()

    result = smoke_run(account)

    account.done()
    assert result.passed, result.problem
    assert result.verdict == "pass" and result.release_attempt == 1
    assert result.run_id == account.run_id()
    assert result.execution_arn == (
        f"arn:aws:states:{REGION}:{ACCOUNT}:execution:synthpipe:smoke-{result.run_id}"
    )
    assert account.cdk_verbs() == ["deploy", "destroy"] and result.destroyed
    deploy = next(c for c in account.commands if "deploy" in c)
    assert deploy[deploy.index("--profile") + 1] == "sandbox"
    assert "retainData=false" in deploy  # the smoke deploy leaves nothing behind
    assert all(env.get("AWS_REGION") == REGION for env in account.envs[1:])
    # The usage, from each service's describe API.
    usage = result.usage
    assert usage["glue"]["dpu_seconds"] == 2 * usage["glue"]["execution_seconds"]  # 2 x G.1X
    assert usage["sagemaker_train"]["instance_type"] == "ml.m5.xlarge"
    assert usage["sagemaker_train"]["spot"] is True
    assert set(usage) >= {"sagemaker_verify", "sagemaker_generate", "macie"}
    assert usage["macie"]["bytes_in_scope"] == 0  # nothing under cleaned/ in this fake
    assert usage["lambda_invocations"] == {"synthpipe-start": 0}
    assert usage["state_transitions"] == 3
    assert set(result.seconds) == {"preflight", "deploy", "upload", "execution", "destroy"}
    lines = summary(result)
    assert lines[-1] == "Smoke test PASSED"
    # The sample and its dataset config are in the bucket, under raw/ and config/.
    s3 = account.session.client("s3")
    assert s3.head_object(Bucket=BUCKET, Key="raw/smoke/banksim.csv")["ContentLength"] > 0
    config = s3.get_object(Bucket=BUCKET, Key="config/smoke.json")["Body"].read()
    assert json.loads(config) == {"target_column": "fraud"}


def test_a_failed_execution_names_the_state_and_the_code_and_still_destroys(
    account: Account,
) -> None:
    account.after_first_poll = None  # nothing published
    account.preflight()
    account.outputs()
    account.execution("RUNNING", "FAILED")
    account.history(FAILED_EVENTS)
    account.usage(FAILED_EVENTS)
    account.activate()

    result = smoke_run(account)

    account.done()
    assert result.status == "FAILED" and not result.passed
    assert result.failed_state == "Train"
    assert result.error == "training_failed"  # the run's code, never the service's words
    assert "own words" not in "\n".join(account.printed)
    assert account.cdk_verbs() == ["deploy", "destroy"] and result.destroyed
    assert "Failed at: Train, code training_failed" in summary(result)


def test_a_run_past_the_time_limit_is_stopped_and_the_stacks_destroyed(account: Account) -> None:
    account.after_first_poll = None
    account.preflight()
    account.outputs()
    account.execution("RUNNING", "RUNNING")  # polls at 30 s and 60 s: the limit
    account.stubs["stepfunctions"].add_response(
        "stop_execution",
        {"stopDate": NOW},
        {"executionArn": ANY, "error": "SmokeTimeout", "cause": ANY},
    )
    account.history([entered("Prepare")])
    account.usage([entered("Prepare")])
    account.activate()

    result = smoke_run(account, timeout_minutes=1)

    account.done()
    assert result.status == "TIMED_OUT"
    assert account.cdk_verbs() == ["deploy", "destroy"] and result.destroyed
    assert summary(result)[-1] == "Smoke test FAILED"


def test_a_release_whose_files_changed_does_not_pass(account: Account) -> None:
    def publish_then_change_the_report() -> None:
        account.run_the_pipeline()
        key = f"synthetic/{smoke.DATASET}/{account.run_id()}/report.json"
        account.session.client("s3").put_object(
            Bucket=BUCKET, Key=key, Body=json.dumps({"verdict": "pass", "more": 1})
        )

    account.after_first_poll = publish_then_change_the_report
    account.preflight()
    account.outputs()
    account.execution("RUNNING", "SUCCEEDED")
    account.activate()

    result = smoke_run(account)

    assert "report.json is not the file the release's manifest.json lists" in result.problem
    assert not result.passed and result.destroyed


def test_a_marker_without_etags_is_no_release(account: Account) -> None:
    # publish.current_release trusts an S3 file only by its recorded ETag: so does smoke.
    account.record_etags = False
    account.preflight()
    account.outputs()
    account.execution("RUNNING", "SUCCEEDED")
    account.activate()

    result = smoke_run(account)

    assert "report.json is not the file the release's manifest.json lists" in result.problem


def test_an_upload_that_starts_no_execution_says_where_to_look(account: Account) -> None:
    account.after_first_poll = None
    account.preflight()
    account.outputs()
    for _ in range(3):  # at 0, 30 and 60 s: the limit
        account.stubs["stepfunctions"].add_client_error(
            "describe_execution",
            "ExecutionDoesNotExist",
            "no such execution",
            expected_params={"executionArn": ANY},
        )
    account.activate()

    result = smoke_run(account, timeout_minutes=1)

    account.done()
    assert "started no execution in 1 minutes" in result.problem
    assert "dead-letter queue" in result.problem
    assert account.cdk_verbs() == ["deploy", "destroy"] and result.destroyed


def test_keep_leaves_the_stacks(account: Account) -> None:
    account.preflight()
    account.outputs()
    account.execution("RUNNING", "SUCCEEDED")
    account.usage(HAPPY_EVENTS)
    account.activate()

    result = smoke_run(account, keep=True)

    account.done()
    assert result.passed, result.problem
    assert account.cdk_verbs() == ["deploy"] and not result.destroyed
    assert any("skipped (--keep)" in line for line in account.printed)


def test_a_failed_deploy_is_destroyed(account: Account) -> None:
    account.failing = {"deploy"}
    account.preflight()
    account.activate()

    result = smoke_run(account)

    assert "exited with 1" in result.problem
    assert account.cdk_verbs() == ["deploy", "destroy"] and result.destroyed
    assert result.status == "NOT_STARTED"


def test_existing_stacks_are_refused_before_anything_is_deployed(account: Account) -> None:
    account.preflight(existing=(smoke.PIPELINE,))
    account.activate()

    result = smoke_run(account)

    account.done()
    assert "SynthpipePipeline already exist" in result.problem
    assert "--keep" in result.problem
    assert account.commands == [] and not result.destroyed


def test_macie_off_is_refused_with_the_setting_to_use(account: Account) -> None:
    account.preflight(macie="off")
    account.activate()

    result = smoke_run(account)

    account.done()
    assert "Macie is not enabled" in result.problem
    assert "-c skipMacie=true" in result.problem
    assert account.cdk_verbs() == []


def test_skip_macie_needs_no_macie(account: Account) -> None:
    cloudformation = account.stubs["cloudformation"]
    cloudformation.add_response("describe_stacks", {"Stacks": [STACK]}, {"StackName": "CDKToolkit"})
    for name in (smoke.STORAGE, smoke.PIPELINE):
        cloudformation.add_client_error(
            "describe_stacks", "ValidationError", f"Stack with id {name} does not exist"
        )
    account.quota(0.0)  # and no spot quota: refused with the way out
    account.activate()

    result = smoke_run(account, context={"skipMacie": "true"})

    account.done()
    assert "spot training job usage' is 0" in result.problem
    assert "-c useSpotTraining=false" in result.problem
    assert any("Macie: skipped" in line for line in account.printed)
    assert account.cdk_verbs() == []


def test_dry_run_prints_every_step_and_touches_nothing(monkeypatch, capsys) -> None:
    def no_aws(*args, **kwargs):
        raise AssertionError("a dry run made an AWS call")

    monkeypatch.setattr(boto3, "Session", no_aws)
    monkeypatch.setattr(subprocess, "run", no_aws)

    code = cli.main(["smoke", "--profile", "sandbox", "--region", REGION, "--dry-run"])

    printed = capsys.readouterr().out
    assert code == 0
    for step in (
        "sts get_caller_identity",
        "cloudformation describe_stacks(StackName=CDKToolkit)",
        "docker info",
        "macie2 get_macie_session",
        "service-quotas list_service_quotas(ServiceCode=sagemaker)",
        "npx --no-install cdk deploy --all --require-approval never --profile sandbox",
        "s3 put_object(Bucket=<DataBucketName>, Key=raw/smoke/banksim.csv",
        "stepfunctions describe_execution(executionArn=arn:aws:states:eu-west-1:<account>:"
        "execution:synthpipe:smoke-<run_id>)",
        "s3 get_object(Bucket=<DataBucketName>, Key=synthetic/smoke/<run_id>/manifest.json)",
        "glue get_job_runs(JobName=<GlueJobName>",
        "sagemaker describe_training_job(TrainingJobName=synthpipe-train-<run_id>)",
        "macie2 describe_classification_job",
        "cloudwatch get_metric_statistics(Namespace=AWS/Lambda, MetricName=Invocations",
        "npx --no-install cdk destroy --all --force --profile sandbox",
        "Dry run: nothing was deployed, uploaded or called",
    ):
        assert step in printed, step


def test_cli_refuses_a_setting_without_a_value(capsys) -> None:
    code = cli.main(["smoke", "--region", REGION, "--dry-run", "-c", "skipMacie"])
    assert code == 2
    assert "-c KEY=VALUE" in capsys.readouterr().err


def test_every_call_of_a_run_is_valid_for_its_service_model(monkeypatch) -> None:
    """Each AWS call the smoke test makes (as its dry run lists them) has the names and
    types of botocore's model of that operation."""
    from botocore.validate import ParamValidator

    calls: list[tuple[str, str, dict[str, Any]]] = []

    class Recording(Actions):
        def call(self, service, operation, *, dry=None, echo=True, **params):
            calls.append((service, operation, params))
            return super().call(service, operation, dry=dry, echo=echo, **params)

    actions = Recording(SmokeOptions(region=REGION, dry_run=True), out=lambda line: None)
    run_smoke(actions.options, actions)

    session = boto3.Session(region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    problems = []
    for service, operation, params in calls:
        client = session.client(service)
        model = client.meta.service_model.operation_model(
            client.meta.method_to_api_mapping[operation]
        )
        report = ParamValidator().validate(params, model.input_shape)
        if report.has_errors():
            problems.append(f"{service}.{operation}: {report.generate_report()}")
    assert len(calls) >= 20
    assert problems == []
