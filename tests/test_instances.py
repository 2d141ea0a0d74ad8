"""The instance-family table that picks a job's image and volume settings."""

from __future__ import annotations

import re
from pathlib import Path

import botocore.session
import pytest

from synthpipe import instances

REPO = Path(__file__).resolve().parents[1]
KEY = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def sagemaker_families() -> set[str]:
    """Every ml.* family SageMaker's API model knows (training, processing, hosting)."""
    model = botocore.session.get_session().get_service_model("sagemaker")
    names = ("TrainingInstanceType", "ProcessingInstanceType", "ProductionVariantInstanceType")
    return {value.split(".")[1] for name in names for value in model.shape_for(name).enum}


def test_every_family_in_the_tables_is_a_sagemaker_family():
    known = sagemaker_families()
    listed = set(instances.CUDA_FAMILIES) | set(instances.INSTANCE_STORE_GB)
    assert listed - known == set()
    assert set(instances.UNSUPPORTED) - known == set()


@pytest.mark.parametrize(
    ("instance_type", "gpu", "store"),
    [
        ("ml.m5.xlarge", False, False),
        ("ml.c5.2xlarge", False, False),
        ("ml.m5d.xlarge", False, True),
        ("ml.g4dn.xlarge", True, True),
        ("ml.g5.xlarge", True, True),
        ("ml.p3.2xlarge", True, False),  # V100 on EBS only
        ("ml.p4d.24xlarge", True, True),
        ("ml.p6-b200.48xlarge", True, True),
        ("ml.trn1.2xlarge", False, True),  # Trainium: no CUDA
    ],
)
def test_gpu_and_local_storage_by_family(instance_type, gpu, store):
    assert instances.has_gpu(instance_type) is gpu
    assert instances.has_instance_store(instance_type) is store
    assert instances.torch_variant(instance_type) == ("cu128" if gpu else "cpu")


def test_an_ebs_type_keeps_the_data_key_and_the_size():
    assert instances.volume_settings("ml.m5.xlarge", 500, KEY) == {
        "VolumeSizeInGB": 500,
        "VolumeKmsKeyId": KEY,
    }


def test_a_local_nvme_type_has_no_key_and_at_most_its_store():
    assert instances.volume_settings("ml.g5.xlarge", 30, KEY) == {"VolumeSizeInGB": 30}
    # m5d.large has 75 GB of NVMe: SageMaker refuses a bigger VolumeSizeInGB.
    assert instances.volume_settings("ml.m5d.large", 500, KEY) == {"VolumeSizeInGB": 75}


def test_unsupported_types_say_why():
    assert "K80" in instances.unsupported_reason("ml.p2.xlarge")
    assert instances.unsupported_reason("ml.g5.xlarge") == ""


def test_not_an_instance_type_is_an_error():
    with pytest.raises(ValueError, match=r"ml\.FAMILY\.SIZE"):
        instances.family("g5.xlarge")


def test_the_dockerfile_builds_the_variants_the_table_names():
    dockerfile = (REPO / "training" / "Dockerfile").read_text()
    assert re.search(r"^ARG TORCH_VARIANT=cpu$", dockerfile, re.M)
    assert "download.pytorch.org/whl/${TORCH_VARIANT}" in dockerfile
    # The image's torch is the one the project is tested with.
    (version,) = re.findall(r"^ARG TORCH_VERSION=(\S+)$", dockerfile, re.M)
    requirements = (REPO / "requirements.txt").read_text()
    assert f"torch=={version}" in requirements
    assert f"TORCH_VARIANT={instances.CUDA_TORCH_VARIANT}" in dockerfile
