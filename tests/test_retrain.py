"""Retraining a run with other hyperparameters: on SageMaker (moto), and locally."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from synthpipe import cli, instances
from synthpipe.errors import InputRefused
from synthpipe.retrain import (
    RetrainRequest,
    parse_overrides,
    retrain_locally,
    retrain_on_sagemaker,
    training_job_name,
)
from synthpipe.train.metrics import METRIC_DEFINITIONS
from tests.test_train import FAST, banksim_like, schema_for

REGION = "eu-west-1"
BUCKET = "synthpipe-data-123456789012"
RUN_ID = "20261123T071500Z-0a1b2c3d"
KEY_ARN = f"arn:aws:kms:{REGION}:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
IMAGE = f"123456789012.dkr.ecr.{REGION}.amazonaws.com/cdk-assets:abc"
ROLE = "arn:aws:iam::123456789012:role/synthpipe-JobRole"
NOW = datetime(2026, 11, 24, 9, 30, 0, tzinfo=UTC)
RUN_HYPERPARAMETERS = {"epochs": "300", "seed": "0", "target_column": "fraud"}


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch):
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        yield boto3.Session(region_name=REGION)


def start_run_training_job(
    session: boto3.Session, *, spot: bool = True, instance_type: str = "ml.m5.xlarge"
) -> None:
    """The run's training job as the state machine's Train state creates it, and its
    cleaned data."""
    s3 = session.client("s3")
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    cleaned = f"cleaned/banksim/{RUN_ID}/"
    s3.put_object(Bucket=BUCKET, Key=cleaned + "schema.json", Body=b"{}")
    models = f"s3://{BUCKET}/models/banksim/{RUN_ID}/"
    parameters = dict(
        TrainingJobName=training_job_name(RUN_ID),
        AlgorithmSpecification={
            "TrainingImage": IMAGE,
            "TrainingInputMode": "File",
            "MetricDefinitions": list(METRIC_DEFINITIONS),
        },
        RoleArn=ROLE,
        HyperParameters=RUN_HYPERPARAMETERS,
        InputDataConfig=[
            {
                "ChannelName": "train",
                "DataSource": {
                    "S3DataSource": {
                        "S3DataType": "S3Prefix",
                        "S3Uri": f"s3://{BUCKET}/{cleaned}",
                        "S3DataDistributionType": "FullyReplicated",
                    }
                },
            }
        ],
        OutputDataConfig={"S3OutputPath": models, "KmsKeyId": KEY_ARN},
        ResourceConfig={
            "InstanceCount": 1,
            "InstanceType": instance_type,
            **instances.volume_settings(instance_type, 30, KEY_ARN),
        },
        StoppingCondition={"MaxRuntimeInSeconds": 10800},
        EnableNetworkIsolation=True,
    )
    if spot:
        parameters["EnableManagedSpotTraining"] = True
        parameters["StoppingCondition"]["MaxWaitTimeInSeconds"] = 21600
        parameters["CheckpointConfig"] = {
            "S3Uri": models + "checkpoints/",
            "LocalPath": "/opt/ml/checkpoints",
        }
    session.client("sagemaker").create_training_job(**parameters)


def job_names(session: boto3.Session) -> list[str]:
    listing = session.client("sagemaker").list_training_jobs()
    return sorted(j["TrainingJobName"] for j in listing["TrainingJobSummaries"])


def test_retrain_copies_the_run_job_with_new_hyperparameters(aws: boto3.Session) -> None:
    start_run_training_job(aws)
    request = RetrainRequest("banksim", RUN_ID, overrides={"epochs": "400", "batch_size": "500"})

    job = retrain_on_sagemaker(request, session=aws, now=NOW)

    source = training_job_name(RUN_ID)
    assert job.name == f"{source}-20261124T093000Z" and len(job.name) <= 63
    assert job.changed == {"epochs": "400", "batch_size": "500"}
    sagemaker = aws.client("sagemaker")
    described = sagemaker.describe_training_job(TrainingJobName=job.name)
    assert described["HyperParameters"] == RUN_HYPERPARAMETERS | job.changed
    # The image, input mode and metric definitions as the run's job has them (moto
    # describes metric definitions of its own, so compare with its description).
    first = sagemaker.describe_training_job(TrainingJobName=source)
    assert described["AlgorithmSpecification"] == first["AlgorithmSpecification"]
    assert described["AlgorithmSpecification"]["TrainingImage"] == IMAGE
    assert described["RoleArn"] == ROLE
    channel = described["InputDataConfig"][0]["DataSource"]["S3DataSource"]
    assert channel["S3Uri"] == f"s3://{BUCKET}/cleaned/banksim/{RUN_ID}/"
    assert described["OutputDataConfig"]["KmsKeyId"] == KEY_ARN
    assert described["ResourceConfig"]["VolumeKmsKeyId"] == KEY_ARN
    assert described["EnableNetworkIsolation"] is True
    assert described["EnableManagedSpotTraining"] is True
    # Its own checkpoints: resuming from the first job's would mix two trainings.
    checkpoints = described["CheckpointConfig"]["S3Uri"]
    assert checkpoints == f"s3://{BUCKET}/models/banksim/{RUN_ID}/checkpoints/{job.name}/"
    assert job.model == f"s3://{BUCKET}/models/banksim/{RUN_ID}/{job.name}/output/model.tar.gz"
    tags = aws.client("sagemaker").list_tags(ResourceArn=described["TrainingJobArn"])["Tags"]
    assert {"Key": "synthpipe:retrain-of", "Value": source} in tags


def test_retrain_overrides_instance_and_spot(aws: boto3.Session) -> None:
    start_run_training_job(aws)
    request = RetrainRequest(
        "banksim", RUN_ID, instance_type="ml.c5.2xlarge", spot=False, max_runtime_minutes=60
    )
    job = retrain_on_sagemaker(request, session=aws, now=NOW)
    described = aws.client("sagemaker").describe_training_job(TrainingJobName=job.name)
    assert described["ResourceConfig"]["InstanceType"] == "ml.c5.2xlarge"
    assert described["StoppingCondition"] == {"MaxRuntimeInSeconds": 3600}
    assert not described.get("EnableManagedSpotTraining")
    assert "CheckpointConfig" not in described and job.checkpoints == ""
    assert job.changed == {}


def test_a_gpu_run_retrained_on_a_gpu_leaves_out_the_volume_key(aws: boto3.Session) -> None:
    # g5 has local NVMe storage: SageMaker refuses a VolumeKmsKeyId there.
    start_run_training_job(aws, instance_type="ml.g5.xlarge")
    request = RetrainRequest("banksim", RUN_ID, instance_type="ml.g4dn.xlarge")
    job = retrain_on_sagemaker(request, session=aws, now=NOW)
    described = aws.client("sagemaker").describe_training_job(TrainingJobName=job.name)
    assert described["ResourceConfig"] == {
        "InstanceCount": 1,
        "InstanceType": "ml.g4dn.xlarge",
        "VolumeSizeInGB": 30,
    }


def test_a_gpu_run_retrained_on_ebs_gets_the_data_key_back(aws: boto3.Session) -> None:
    start_run_training_job(aws, instance_type="ml.g5.xlarge")
    request = RetrainRequest("banksim", RUN_ID, instance_type="ml.m5.2xlarge")
    job = retrain_on_sagemaker(request, session=aws, now=NOW)
    described = aws.client("sagemaker").describe_training_job(TrainingJobName=job.name)
    resources = described["ResourceConfig"]
    assert resources["InstanceType"] == "ml.m5.2xlarge"
    # The run's job had no volume key (NVMe): the data key comes from its output config.
    assert resources["VolumeKmsKeyId"] == KEY_ARN and resources["VolumeSizeInGB"] == 30


def test_a_cpu_run_keeps_its_volume_key_on_another_cpu_type(aws: boto3.Session) -> None:
    start_run_training_job(aws)
    request = RetrainRequest("banksim", RUN_ID, instance_type="ml.r5d.2xlarge")
    job = retrain_on_sagemaker(request, session=aws, now=NOW)
    resources = aws.client("sagemaker").describe_training_job(TrainingJobName=job.name)[
        "ResourceConfig"
    ]
    # r5d has NVMe too (no GPU): the key goes, the image stays the CPU build.
    assert "VolumeKmsKeyId" not in resources and resources["InstanceType"] == "ml.r5d.2xlarge"
    request = RetrainRequest("banksim", RUN_ID, instance_type="ml.m5.4xlarge")
    job = retrain_on_sagemaker(request, session=aws, now=datetime(2026, 11, 24, 10, tzinfo=UTC))
    resources = aws.client("sagemaker").describe_training_job(TrainingJobName=job.name)[
        "ResourceConfig"
    ]
    assert resources["VolumeKmsKeyId"] == KEY_ARN


def test_a_gpu_retrain_of_a_cpu_run_is_refused_before_anything_starts(
    aws: boto3.Session,
) -> None:
    # The run trained on ml.m5.xlarge, with the CPU-only build of the image.
    start_run_training_job(aws)
    request = RetrainRequest("banksim", RUN_ID, instance_type="ml.g5.xlarge")
    with pytest.raises(InputRefused) as refused:
        retrain_on_sagemaker(request, session=aws, now=NOW)
    assert refused.value.code == "gpu_image_missing"
    assert "trainingInstanceType=ml.g5.xlarge" in refused.value.fix
    assert job_names(aws) == [training_job_name(RUN_ID)]


def test_an_instance_type_the_image_cannot_use_is_refused(aws: boto3.Session) -> None:
    start_run_training_job(aws)
    request = RetrainRequest("banksim", RUN_ID, instance_type="ml.p2.xlarge")
    with pytest.raises(InputRefused) as refused:
        retrain_on_sagemaker(request, session=aws, now=NOW)
    assert refused.value.code == "unsupported_instance_type"
    assert job_names(aws) == [training_job_name(RUN_ID)]


def test_spot_on_a_job_without_spot_gets_a_wait_and_checkpoints(aws: boto3.Session) -> None:
    start_run_training_job(aws, spot=False)
    job = retrain_on_sagemaker(RetrainRequest("banksim", RUN_ID, spot=True), session=aws, now=NOW)
    described = aws.client("sagemaker").describe_training_job(TrainingJobName=job.name)
    stopping = described["StoppingCondition"]
    assert stopping["MaxWaitTimeInSeconds"] >= stopping["MaxRuntimeInSeconds"]
    assert described["CheckpointConfig"]["S3Uri"].endswith(f"/checkpoints/{job.name}/")


def test_wait_follows_the_job_to_its_end(aws: boto3.Session) -> None:
    start_run_training_job(aws)
    job = retrain_on_sagemaker(RetrainRequest("banksim", RUN_ID), session=aws, wait=True, now=NOW)
    assert job.status == "Completed"  # moto completes training jobs at once


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        (["epochz=10"], "unknown hyperparameter"),
        (["epochs=ten"], "epochs"),
        (["epochs"], "NAME=VALUE"),
    ],
)
def test_bad_overrides_are_refused_before_anything_starts(overrides, problem) -> None:
    with pytest.raises(InputRefused) as refused:
        parse_overrides(overrides)
    assert refused.value.code == "bad_hyperparameter"
    assert problem in str(refused.value)


def test_overrides_that_clash_with_the_run_are_refused(aws: boto3.Session) -> None:
    start_run_training_job(aws)
    request = RetrainRequest("banksim", RUN_ID, overrides={"eval_every": "500"})
    with pytest.raises(InputRefused, match="eval_every"):
        retrain_on_sagemaker(request, session=aws, now=NOW)  # 500 > the run's 300 epochs
    assert job_names(aws) == [training_job_name(RUN_ID)]


def test_unknown_run_is_refused(aws: boto3.Session) -> None:
    with pytest.raises(InputRefused) as refused:
        retrain_on_sagemaker(RetrainRequest("banksim", RUN_ID), session=aws)
    assert refused.value.code == "training_job_not_found"
    assert REGION in refused.value.message


def test_wrong_dataset_is_refused(aws: boto3.Session) -> None:
    start_run_training_job(aws)
    with pytest.raises(InputRefused) as refused:
        retrain_on_sagemaker(RetrainRequest("payments", RUN_ID), session=aws)
    assert refused.value.code == "dataset_mismatch"
    assert job_names(aws) == [training_job_name(RUN_ID)]


def test_expired_cleaned_data_is_refused(aws: boto3.Session) -> None:
    start_run_training_job(aws)
    aws.client("s3").delete_object(Bucket=BUCKET, Key=f"cleaned/banksim/{RUN_ID}/schema.json")
    with pytest.raises(InputRefused) as refused:
        retrain_on_sagemaker(RetrainRequest("banksim", RUN_ID), session=aws)
    assert refused.value.code == "cleaned_missing"
    assert job_names(aws) == [training_job_name(RUN_ID)]


def test_cli_starts_the_job_and_says_where_the_model_goes(aws, capsys) -> None:
    start_run_training_job(aws)
    argv = ["train", "--on-sagemaker", "--dataset", "banksim", "--run-id", RUN_ID]
    code = cli.main([*argv, "--set", "epochs=500", "--region", REGION])
    out = capsys.readouterr().out
    assert code == 0, out
    (new,) = [n for n in job_names(aws) if n != training_job_name(RUN_ID)]
    assert new in out and "epochs=500" in out and "model.tar.gz" in out


def test_cli_names_the_problem(aws, capsys) -> None:
    argv = ["train", "--on-sagemaker", "--dataset", "banksim", "--run-id", RUN_ID]
    assert cli.main([*argv, "--region", REGION]) == 1
    assert "training_job_not_found" in capsys.readouterr().err
    assert cli.main([*argv, "--set", "epochz=1", "--region", REGION]) == 1
    assert "bad_hyperparameter" in capsys.readouterr().err


def test_cli_without_credentials_says_what_to_check(monkeypatch, tmp_path, capsys) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    argv = ["train", "--on-sagemaker", "--dataset", "banksim", "--run-id", RUN_ID]
    assert cli.main([*argv, "--region", REGION]) == 2
    err = capsys.readouterr().err
    assert "credentials" in err and "--profile" in err


# --- locally ---------------------------------------------------------------------------


def local_run(workdir: Path) -> Path:
    """A run's cleaned/ folder and the hyperparameters it trained with."""
    frame = banksim_like(600)
    cleaned = workdir / "cleaned" / "banksim" / RUN_ID
    (cleaned / "data").mkdir(parents=True)
    frame.to_parquet(cleaned / "data" / "part-00000.parquet", index=False)
    (cleaned / "schema.json").write_text(schema_for(frame).to_json(), encoding="utf-8")
    config = workdir / "models" / "banksim" / RUN_ID / "input" / "config"
    config.mkdir(parents=True)
    (config / "hyperparameters.json").write_text(json.dumps(FAST), encoding="utf-8")
    return cleaned


@pytest.mark.slow
def test_local_retrain_trains_into_its_own_folder(tmp_path: Path) -> None:
    local_run(tmp_path)
    request = RetrainRequest("banksim", RUN_ID, overrides={"epochs": "2", "eval_every": "1"})

    job = retrain_locally(request, workdir=tmp_path, now=NOW)

    models = tmp_path / "models" / "banksim" / RUN_ID
    assert Path(job.model) == models / "retrain-20261124T093000Z" / "model"
    summary = json.loads((Path(job.model) / "training.json").read_text())
    assert summary["epochs_trained"] == 2
    assert job.hyperparameters == dict(sorted((FAST | job.changed).items()))
    assert job.changed == {"epochs": "2", "eval_every": "1"}
    assert not (models / "model").exists()  # the run's own model folder is not touched


def test_local_retrain_without_cleaned_data_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputRefused) as refused:
        retrain_locally(RetrainRequest("banksim", RUN_ID), workdir=tmp_path)
    assert refused.value.code == "cleaned_missing"
