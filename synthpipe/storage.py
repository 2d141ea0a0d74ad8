"""Read and write small objects under a root that is a local folder or `s3://bucket`.

Only for the run's small artefacts (JSON, copies of one file); bulk data goes through
Spark or pyarrow, which speak both kinds of path themselves.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO


def is_s3(path: str) -> bool:
    return path.startswith("s3://")


def _split_s3(path: str) -> tuple[str, str]:
    bucket, _, key = path[len("s3://") :].partition("/")
    return bucket, key


@functools.cache
def _s3():
    """One client per process: creating one costs tens of milliseconds, and a publish
    makes dozens of calls (a Lambda also keeps it between invocations)."""
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
    # Written beside the target, then renamed over it: a reader (or a crash) never meets a
    # half-written file, as on S3, where a PUT is all or nothing.
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    partial.write_bytes(data)
    partial.replace(target)


def read_json(path: str) -> Any:
    return json.loads(read_bytes(path))


def write_json(path: str, payload: Any) -> None:
    write_bytes(path, (json.dumps(payload, indent=2, default=str) + "\n").encode())


def object_listed(s3, bucket: str, key: str) -> bool:
    """Whether the object `key` is there, by listing its own name.

    Not a HEAD or GET: S3 answers those for a missing object with 404 only to a caller
    allowed s3:ListBucket on the whole bucket, and with 403, which reads like a refusal,
    to the pipeline's roles, which may list their own prefixes only. A listing under the
    key's own name needs no more than that. Any error is raised: an object is never
    taken for absent because the question failed.
    """
    # The key itself sorts first among the keys it is a prefix of.
    listing = s3.list_objects_v2(Bucket=bucket, Prefix=key, MaxKeys=1)
    return any(item["Key"] == key for item in listing.get("Contents", []))


def exists(path: str) -> bool:
    if is_s3(path):
        bucket, key = _split_s3(path)
        return object_listed(_s3(), bucket, key)
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


@dataclass(frozen=True)
class FileInfo:
    """What the store says of one file: its size and, on S3, its ETag and version."""

    bytes: int
    etag: str | None = None
    version_id: str | None = None


def stat(path: str) -> FileInfo | None:
    """The file's size (and S3 identity), or None when it is not there."""
    if is_s3(path):
        bucket, key = _split_s3(path)
        client = _s3()
        # Absent only when the listing says so (object_listed); any other error, and a
        # HEAD that fails after it (an object deleted in between), is raised, so that a
        # release is never taken for withdrawn, or kept, by mistake.
        if not object_listed(client, bucket, key):
            return None
        head = client.head_object(Bucket=bucket, Key=key)
        return FileInfo(int(head["ContentLength"]), head.get("ETag"), head.get("VersionId"))
    target = Path(path)
    return FileInfo(target.stat().st_size) if target.is_file() else None


def list_files(prefix: str) -> list[str]:
    """Every file under a folder or S3 prefix, as paths relative to it, sorted."""
    base = prefix.rstrip("/")
    if is_s3(base):
        bucket, key = _split_s3(base + "/")
        pages = _s3().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=key)
        names = [o["Key"][len(key) :] for page in pages for o in page.get("Contents", [])]
        return sorted(names)
    root = Path(base)
    if not root.is_dir():
        return []
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def delete_file(path: str) -> None:
    """Remove one derived file or object (never under raw/); a missing one is no error."""
    _refuse_raw(path)
    if is_s3(path):
        bucket, key = _split_s3(path)
        _s3().delete_object(Bucket=bucket, Key=key)
        return
    Path(path).unlink(missing_ok=True)


def move_file(source: str, target: str) -> None:
    """Put `source` at `target`: a rename on disk (atomic); a copy, then a delete, on S3
    (which has no rename)."""
    _refuse_raw(source)
    if is_s3(source) or is_s3(target):
        copy_file(source, target)
        delete_file(source)
        return
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    os.replace(source, target)


def _refuse_raw(path: str) -> None:
    """raw/ is never deleted: the S3 key or the local path must not lie under it."""
    if is_s3(path):
        under_raw = _split_s3(path)[1].startswith("raw/")
    else:
        under_raw = "/raw/" in path.replace("\\", "/") + "/"
    if under_raw:
        raise ValueError("refusing to delete under raw/: raw objects are never deleted")


def remove_empty_folders(path: str) -> None:
    """Remove the empty folders under a local folder, and the folder itself when empty
    (S3 has no folders: nothing to do)."""
    if is_s3(path) or not Path(path).is_dir():
        return
    for folder in sorted(Path(path).rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    if not any(Path(path).iterdir()):
        Path(path).rmdir()
