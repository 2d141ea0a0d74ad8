"""SageMaker instance families: which have a CUDA GPU, which have local NVMe storage.

One table, read by the state machine's SageMaker jobs (stacks/training.py, stacks/verify.py)
and by `synthpipe train --on-sagemaker` (synthpipe/retrain.py), so that a job's image and
volume settings follow its instance type the same way everywhere:

- **Image**: a job on an instance with a CUDA GPU runs the CUDA build of the training
  image (training/Dockerfile with `TORCH_VARIANT=CUDA_TORCH_VARIANT`); every other job
  runs the CPU build. A job's image is therefore the CUDA one exactly when its instance
  type has a GPU.
- **Volume**: "Certain Nitro-based instances include local storage ... Local storage
  volumes are encrypted using a hardware module on the instance. You can't request a
  VolumeKmsKeyId when using an instance type with local storage." (SageMaker API
  reference, `ResourceConfig.VolumeKmsKeyId` and `ProcessingClusterConfig.VolumeKmsKeyId`;
  the list is EC2's "Instance store volumes" table). On those types SageMaker mounts the
  instance's own NVMe store instead of an EBS volume, and "You can't request a
  VolumeSizeInGB greater than the total size of the local instance storage"
  (`ProcessingClusterConfig.VolumeSizeInGB`). So the key is left out and the size is
  capped at the family's smallest store; the job gets the whole store either way.

A family missing from `INSTANCE_STORE_GB` keeps `VolumeKmsKeyId`: if it does have local
storage, SageMaker refuses the job with a validation error, which is the safe way to be
wrong (leaving the key out on an EBS-only type would encrypt the volume with SageMaker's
default key instead of the data key). Families are added here once checked.
"""

from __future__ import annotations

from typing import Any

# The PyTorch wheel index of the CUDA build (download.pytorch.org/whl/<variant>). CUDA 12.8
# wheels cover Volta to Blackwell (sm_70 to sm_120) and, by CUDA's minor-version
# compatibility, run on any 12.x-capable driver (525 or newer). torch 2.13.0 on PyPI is a
# CUDA 13.0 build (its metadata requires cuda-toolkit 13.0.3), which needs driver 580 or
# newer and drops Volta (p3): hence the explicit index.
CUDA_TORCH_VARIANT = "cu128"
CPU_TORCH_VARIANT = "cpu"

# Families with an NVIDIA GPU that the CUDA build of torch supports (compute capability
# 7.0 or newer, x86_64 hosts).
CUDA_FAMILIES = frozenset(
    {
        "p3",  # V100
        "p3dn",  # V100
        "p4d",  # A100
        "p4de",  # A100
        "p5",  # H100
        "p5e",  # H200
        "p5en",  # H200
        "p6-b200",  # B200
        "g4dn",  # T4
        "g5",  # A10G
        "g6",  # L4
        "g6e",  # L40S
        "g7",  # RTX PRO 6000 Blackwell
        "g7e",  # RTX PRO 6000 Blackwell
    }
)

# Families this image cannot use, and why (refused at synth and before a retrain starts).
UNSUPPORTED = {
    "p2": "its K80 GPUs (compute capability 3.7) are not supported by current torch builds",
    "p6e-gb200": "it is an Arm (Grace) host and the training image is built for x86_64",
}

# Families with local NVMe instance storage: the smallest store of the family, in GB
# (EC2's instance store table; e.g. m5d.large 1 x 75, g4dn.xlarge 1 x 125, g5.xlarge
# 1 x 250, p4d.24xlarge 8 x 1000).
INSTANCE_STORE_GB = {
    "c5d": 50,
    "m5d": 75,
    "r5d": 75,
    "g4dn": 125,
    "g5": 250,
    "g6": 250,
    "g6e": 250,
    "p3dn": 1800,
    "p4d": 8000,
    "p4de": 8000,
    "p5": 3840,
    "p5e": 30720,
    "p5en": 30720,
    "p6-b200": 30720,
    "trn1": 474,
    "trn1n": 7600,
    "trn2": 7600,
}


def family(instance_type: str) -> str:
    """`ml.g5.xlarge` -> `g5`; `ml.p6-b200.48xlarge` -> `p6-b200`."""
    parts = instance_type.split(".")
    if len(parts) != 3 or parts[0] != "ml":
        raise ValueError(f"'{instance_type}' is not a SageMaker instance type (ml.FAMILY.SIZE)")
    return parts[1]


def has_gpu(instance_type: str) -> bool:
    return family(instance_type) in CUDA_FAMILIES


def has_instance_store(instance_type: str) -> bool:
    return family(instance_type) in INSTANCE_STORE_GB


def unsupported_reason(instance_type: str) -> str:
    """Why the training image cannot run on this type, or '' when it can."""
    return UNSUPPORTED.get(family(instance_type), "")


def torch_variant(instance_type: str) -> str:
    """The training image's build for jobs on this type: the CUDA one on a GPU."""
    return CUDA_TORCH_VARIANT if has_gpu(instance_type) else CPU_TORCH_VARIANT


def volume_settings(instance_type: str, volume_gb: int, key_arn: Any) -> dict[str, Any]:
    """`VolumeSizeInGB` and `VolumeKmsKeyId` of a job's ResourceConfig or ClusterConfig:
    without the key, and at most the family's smallest store, on local NVMe storage."""
    store = INSTANCE_STORE_GB.get(family(instance_type))
    if store is None:
        return {"VolumeSizeInGB": volume_gb, "VolumeKmsKeyId": key_arn}
    return {"VolumeSizeInGB": min(volume_gb, store)}
