"""The GPU path: a job's image and volume settings follow its instance type
(synthpipe.instances), in the state machine as in `synthpipe train --on-sagemaker`."""

from __future__ import annotations

import json
from typing import Any

import pytest

from stacks.settings import SettingsError
from tests.infra.cfn import state_machine_definition
from tests.infra.conftest import Synthesized, synthesize
from tests.infra.test_checks import open_findings
from tests.infra.test_settings import settings

# Training on a GPU with local NVMe (g5), Verify on a CPU type with local NVMe (r5d),
# generate + evaluate on the default ml.m5.xlarge (EBS only).
GPU = {"trainingInstanceType": "ml.g5.xlarge", "verifyInstanceType": "ml.r5d.xlarge"}


@pytest.fixture(scope="module")
def gpu(tmp_path_factory) -> Synthesized:
    """With cdk-nag: the second image and its grants raise no open finding."""
    return synthesize(tmp_path_factory.mktemp("cdk-gpu"), checks=True, **GPU)


def jobs(synthesized: Synthesized) -> dict[str, dict[str, Any]]:
    states = state_machine_definition(synthesized.pipeline)["States"]
    return {
        "train": {
            "image": states["Train"]["Parameters"]["AlgorithmSpecification"]["TrainingImage"],
            "resources": states["Train"]["Parameters"]["ResourceConfig"],
        },
        **{
            name.lower(): {
                "image": states[name]["Parameters"]["AppSpecification"]["ImageUri"],
                "resources": states[name]["Parameters"]["ProcessingResources"]["ClusterConfig"],
            }
            for name in ("Verify", "Generate")
        },
    }


def images(synthesized: Synthesized) -> list[dict[str, Any]]:
    manifest = json.loads((synthesized.outdir / "SynthpipePipeline.assets.json").read_text())
    return [image["source"] for image in manifest["dockerImages"].values()]


def test_by_default_every_job_runs_the_cpu_image_on_an_encrypted_ebs_volume(synthesized):
    (image,) = images(synthesized)
    assert "dockerBuildArgs" not in image  # the Dockerfile's default: TORCH_VARIANT=cpu
    found = jobs(synthesized)
    assert len({job["image"] for job in found.values()}) == 1
    for job in found.values():
        assert job["resources"]["InstanceType"] == "ml.m5.xlarge"
        assert job["resources"]["VolumeSizeInGB"] == 30
        assert job["resources"]["VolumeKmsKeyId"].startswith("arn:aws:kms:")


def test_a_gpu_training_type_builds_and_trains_on_the_cuda_image(gpu):
    assert open_findings(gpu.report()) == []  # cdk-nag
    built = images(gpu)
    assert sorted(json.dumps(i.get("dockerBuildArgs", {})) for i in built) == sorted(
        ["{}", json.dumps({"TORCH_VARIANT": "cu128"})]
    )
    assert all(i["dockerFile"] == "training/Dockerfile" for i in built)
    found = jobs(gpu)
    # Training on the CUDA build; Verify and Generate (no GPU) on the CPU build.
    assert found["train"]["image"] != found["generate"]["image"]
    assert found["verify"]["image"] == found["generate"]["image"]


def test_local_nvme_types_get_no_volume_key(gpu):
    found = jobs(gpu)
    # g5 and r5d have local NVMe storage, encrypted by the instance: SageMaker refuses a
    # VolumeKmsKeyId there. The EBS-only generate instance keeps the data key.
    assert found["train"]["resources"] == {
        "InstanceCount": 1,
        "InstanceType": "ml.g5.xlarge",
        "VolumeSizeInGB": 30,
    }
    assert "VolumeKmsKeyId" not in found["verify"]["resources"]
    assert found["generate"]["resources"]["VolumeKmsKeyId"].startswith("arn:aws:kms:")


def test_the_job_role_may_pull_both_images(gpu):
    resources = gpu.pipeline["Resources"]
    policies = [
        statement
        for r in resources.values()
        if r["Type"] == "AWS::IAM::Policy" and "JobRole" in json.dumps(r["Properties"]["Roles"])
        for statement in r["Properties"]["PolicyDocument"]["Statement"]
    ]
    pulls = [s for s in policies if "ecr:BatchGetImage" in json.dumps(s["Action"])]
    assert pulls, "the training job role may pull no image"


def test_an_instance_type_the_image_cannot_run_on_is_refused_at_synth():
    with pytest.raises(SettingsError, match=r"trainingInstanceType='ml.p2.xlarge'.*K80"):
        settings(trainingInstanceType="ml.p2.xlarge")
    with pytest.raises(SettingsError, match=r"generateInstanceType=.*Arm"):
        settings(generateInstanceType="ml.p6e-gb200.36xlarge")
