"""Read and write small objects under a root that is a local folder or `s3://bucket`.

Only for the run's small artefacts (JSON, copies of one file); bulk data goes through
Spark or pyarrow, which speak both kinds of path themselves.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any, BinaryIO


def is_s3(path: str) -> bool:
    return path.startswith("s3://")


def _split_s3(path: str) -> tuple[str, str]:
    bucket, _, key = path[len("s3://") :].partition("/")
    return bucket, key


def _s3():
    import boto3  # imported lazily: the local runner needs no AWS SDK set-up

    return boto3.client("s3")


def _version(version_id: str | None) -> dict[str, str]:
    """The VersionId argument of an S3 call: one object version, or the current one."""
    return {"VersionId": version_id} if version_id else {}


def read_bytes(path: str, version_id: str | None = None) -> bytes:
    """The object's bytes; on S3, of `version_id` when given (a local file has one version)."""
    if is_s3(path):
        bucket, key = _split_s3(path)
        return _s3().get_object(Bucket=bucket, Key=key, **_version(version_id))["Body"].read()
    return Path(path).read_bytes()


def open_read(path: str, version_id: str | None = None) -> tuple[BinaryIO, int]:
    """A readable binary stream and the object's size, without loading it whole; on S3, of
    `version_id` when given."""
    if is_s3(path):
        bucket, key = _split_s3(path)
        response = _s3().get_object(Bucket=bucket, Key=key, **_version(version_id))
        return response["Body"], int(response["ContentLength"])
    return Path(path).open("rb"), Path(path).stat().st_size


def sha256(path: str, version_id: str | None = None) -> str:
    """The hex sha256 of the object's bytes, read in blocks."""
    stream, _ = open_read(path, version_id)
    digest = hashlib.sha256()
    with stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_bytes(path: str, data: bytes) -> None:
    if is_s3(path):
        bucket, key = _split_s3(path)
        _s3().put_object(Bucket=bucket, Key=key, Body=data)
        return
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)


def read_json(path: str) -> Any:
    return json.loads(read_bytes(path))


def write_json(path: str, payload: Any) -> None:
    write_bytes(path, (json.dumps(payload, indent=2, default=str) + "\n").encode())


def exists(path: str) -> bool:
    if is_s3(path):
        bucket, key = _split_s3(path)
        try:
            _s3().head_object(Bucket=bucket, Key=key)
        except Exception:  # botocore's ClientError 404, or no access: both mean "not there"
            return False
        return True
    return Path(path).exists()


def copy_file(source: str, target: str, version_id: str | None = None) -> None:
    """Copy one object (on S3, its version `version_id` when given); the source is never
    modified. S3 to S3 is a server-side copy: S3's managed copy, multipart above 5 GB."""
    if is_s3(source) and is_s3(target):
        bucket, key = _split_s3(source)
        target_bucket, target_key = _split_s3(target)
        origin = {"Bucket": bucket, "Key": key, **_version(version_id)}
        _s3().copy(origin, target_bucket, target_key)
        return
    if is_s3(source) or is_s3(target):
        write_bytes(target, read_bytes(source, version_id))
        return
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


def delete_file(path: str) -> None:
    """Delete one derived object if it is there (never under raw/)."""
    _refuse_raw(path)
    if is_s3(path):
        bucket, key = _split_s3(path)
        _s3().delete_object(Bucket=bucket, Key=key)
        return
    Path(path).unlink(missing_ok=True)


def copy_tree(source: str, target: str) -> None:
    """Copy a folder (a local run's cleaned output) into quarantine."""
    if is_s3(source) or is_s3(target):
        raise NotImplementedError("tree copies on S3 are done by the quarantine Lambda")
    shutil.copytree(source, target, dirs_exist_ok=True)


def remove_tree(path: str) -> None:
    """Clear a local run's derived output before it is written again (never raw/)."""
    if is_s3(path):
        raise NotImplementedError("derived S3 prefixes are written once per run id")
    _refuse_raw(path)
    shutil.rmtree(path, ignore_errors=True)


def _refuse_raw(path: str) -> None:
    if "/raw/" in path.replace("\\", "/") + "/":
        raise ValueError("refusing to delete under raw/: raw objects are never deleted")
