"""From an S3 "Object Created" event to one run: dataset, run id, execution name, paths.

The run id is deterministic for one object version (`layout.run_id_for`), and the Step
Functions execution is named from it, so a duplicate event for the same version cannot
start a second run: StartExecution refuses a name already used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

from synthpipe.errors import InputRefused
from synthpipe.layout import RunLayout
from synthpipe.names import check_dataset_name, dataset_slug

# Step Functions execution names: 1-80 characters of [A-Za-z0-9-_].
EXECUTION_NAME_MAX = 80
_NOT_NAME = re.compile(r"[^A-Za-z0-9_-]")


class NotARunEvent(ValueError):
    """The event is not an "Object Created" event for a file under raw/ (nothing to do)."""


@dataclass(frozen=True)
class ObjectCreated:
    bucket: str
    key: str
    version_id: str
    size: int

    @property
    def file_name(self) -> str:
        return self.key.rsplit("/", 1)[-1]

    @property
    def source(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


def unquoted(obj: ObjectCreated) -> ObjectCreated | None:
    """The object with its key URL-decoded, if that differs (S3 event notifications encode
    keys; the key is tried as sent first, so a '+' in a real key is kept)."""
    key = unquote_plus(obj.key)
    if key == obj.key:
        return None
    return ObjectCreated(bucket=obj.bucket, key=key, version_id=obj.version_id, size=obj.size)


def parse_object_created(event: dict[str, Any]) -> ObjectCreated:
    """The object of an EventBridge S3 "Object Created" event."""
    if event.get("source") != "aws.s3" or event.get("detail-type") != "Object Created":
        raise NotARunEvent("not an S3 Object Created event")
    detail = event.get("detail") or {}
    bucket = (detail.get("bucket") or {}).get("name")
    obj = detail.get("object") or {}
    key = obj.get("key")
    if not bucket or not key:
        raise NotARunEvent("the event names no bucket or key")
    if not key.startswith("raw/"):
        raise NotARunEvent("the key is not under raw/")
    # Any name is a run: validation reads the content, so `data.CSV` and `export.txt` run
    # when they hold a CSV, and `data.csv.gz` is refused as `compressed` and notified.
    # Only a folder marker (what "Create folder" in the console writes) is not a file.
    if key.endswith("/"):
        raise NotARunEvent("the key is a folder marker")
    return ObjectCreated(
        bucket=bucket,
        key=key,
        # An unversioned bucket sends no version id; ours is versioned, "null" is S3's name.
        version_id=obj.get("version-id") or "null",
        size=int(obj.get("size") or 0),
    )


def dataset_for_key(key: str) -> str:
    """`raw/<dataset>/<file>.csv` -> dataset; `raw/<file>.csv` -> a dataset from the name.

    Raises `InputRefused` when the folder is not a valid dataset name (it becomes an S3
    key segment of every output).
    """
    parts = key.split("/")
    if len(parts) == 2:
        return dataset_slug(parts[1])
    try:
        return check_dataset_name(parts[1])
    except ValueError:
        raise InputRefused(
            code="bad_dataset_name",
            message=f"The folder {parts[1]!r} under raw/ is not a valid dataset name.",
            fix="Upload to raw/<dataset>/ where <dataset> has 1-63 lowercase letters, "
            "digits, '-' or '_', starting with a letter or digit.",
            details={"folder": parts[1]},
            step="validate",
        ) from None


def fallback_dataset(key: str) -> str:
    """A safe dataset name for quarantining an object whose folder name was refused."""
    parts = key.split("/")
    return dataset_slug(parts[1] if len(parts) > 2 else parts[-1])


def execution_name(dataset: str, run_id: str) -> str:
    """`<dataset>-<run id>`, cut to Step Functions' 80 characters (the run id is kept)."""
    room = EXECUTION_NAME_MAX - len(run_id) - 1
    return f"{_NOT_NAME.sub('-', dataset)[:room]}-{run_id}"


def execution_arn(state_machine_arn: str, name: str) -> str:
    """arn:...:stateMachine:<machine> -> arn:...:execution:<machine>:<name>."""
    return state_machine_arn.replace(":stateMachine:", ":execution:", 1) + f":{name}"


def run_paths(bucket: str, dataset: str, run_id: str) -> dict[str, str]:
    """The S3 URIs the state machine hands to Glue, Macie, SageMaker: prefixes (with a
    trailing '/') and one object, the run's lineage."""
    layout = RunLayout(f"s3://{bucket}", dataset, run_id)
    cleaned_prefix = layout.cleaned.split("/", 3)[3] + "/"
    return {
        "cleaned": layout.cleaned + "/",
        "cleanedPrefix": cleaned_prefix,
        "models": layout.models + "/",
        "checkpoints": layout.models + "/checkpoints/",
        "staging": layout.staging + "/",
        "lineage": layout.lineage_json,
        "synthetic": layout.synthetic + "/",
        "quarantine": layout.quarantine + "/",
    }
