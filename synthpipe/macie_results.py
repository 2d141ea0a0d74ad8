"""Did Macie read every object of the run's cleaned output? Its per-object results say.

A classification job's status and `lastRunErrorStatus` report only account- and
bucket-level errors: an object Macie skipped (a key it may not use, a file it cannot
parse, a size over its quota) leaves the job COMPLETE, error-free and without findings,
which looks exactly like a clean scan. Macie records what it did with each object in a
*sensitive data discovery result*, written (JSON Lines, gzip) to the account's results
repository, the S3 location of `GetClassificationExportConfiguration`, under
`<keyPrefix>AWSLogs/<account>/Macie/<region>/<jobId>/`. This reads those records and
stops the run unless every non-empty object under the run's cleaned/ prefix has one whose
status is COMPLETE. Empty objects (Spark's `_SUCCESS`) hold nothing to read.

Only codes, counts and Macie's reason codes leave this module: never a key or a value.
"""

from __future__ import annotations

import gzip
import json
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from synthpipe.errors import StepFailed
from synthpipe.fixes import MACIE_RESULTS_REPOSITORY

COMPLETE = "COMPLETE"
# Macie's reason codes (SKIPPED / PARTIAL): upper-case words, passed on as they are.
_REASON = re.compile(r"[A-Z][A-Z0-9_]{0,79}")


@dataclass(frozen=True)
class Coverage:
    objects: int  # non-empty objects under the prefix
    results: int  # result records of this job for them


def results_prefix(key_prefix: str, account: str, region: str, job_id: str) -> str:
    prefix = key_prefix if not key_prefix or key_prefix.endswith("/") else key_prefix + "/"
    return f"{prefix}AWSLogs/{account}/Macie/{region}/{job_id}/"


def repository(macie, *, bucket: str, prefix: str) -> str:
    """The results repository's key prefix, if it is the one the pipeline may read."""
    configuration = macie.get_classification_export_configuration().get("configuration") or {}
    destination = configuration.get("s3Destination") or {}
    where = destination.get("bucketName"), destination.get("keyPrefix") or ""
    if where[0] != bucket or not where[1].startswith(prefix):
        raise StepFailed(
            code="macie_results_unavailable",
            message="Macie's results repository is not configured to the data bucket's "
            f"{prefix} prefix, so whether Macie read every object cannot be checked.",
            fix=MACIE_RESULTS_REPOSITORY,
            details={"configured": bool(where[0]), "same_bucket": where[0] == bucket},
            step="verify",
        )
    return where[1]


def cleaned_objects(s3, bucket: str, prefix: str) -> set[str]:
    """Keys of the non-empty objects under the run's cleaned/ prefix."""
    keys = set()
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys |= {o["Key"] for o in page.get("Contents", []) if o["Size"] > 0}
    return keys


def job_results(s3, bucket: str, prefix: str, data_bucket: str) -> dict[str, tuple[str, str]]:
    """Per object key of the data bucket: (status code, reason) from Macie's records."""
    found: dict[str, tuple[str, str]] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            if not item["Key"].endswith(".jsonl.gz"):
                continue
            body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
            for line in gzip.decompress(body).decode("utf-8").splitlines():
                if line.strip():
                    _record(json.loads(line), data_bucket, found)
    return found


def _record(record: dict[str, Any], data_bucket: str, found: dict) -> None:
    affected = record.get("resourcesAffected") or {}
    if (affected.get("s3Bucket") or {}).get("name") != data_bucket:
        return
    key = (affected.get("s3Object") or {}).get("key")
    status = ((record.get("classificationDetails") or {}).get("result") or {}).get("status") or {}
    code, reason = str(status.get("code") or ""), str(status.get("reason") or "")
    # An object analysed twice keeps its worst answer.
    if key and found.get(key, (COMPLETE, ""))[0] == COMPLETE:
        found[key] = (code, reason)


def check(
    s3,
    macie,
    *,
    bucket: str,
    cleaned_prefix: str,
    job_id: str,
    account: str,
    region: str,
    results_prefix_root: str = "macie-results/",
    attempts: int = 10,
    wait_seconds: float = 30.0,
    sleep: Callable[[float], None] = time.sleep,
) -> Coverage:
    """Every non-empty object under `cleaned_prefix` was read whole by the job, or raise.

    Results can land a little after the job reports COMPLETE: while some are missing it
    looks again, `attempts` times, `wait_seconds` apart.
    """
    key_prefix = repository(macie, bucket=bucket, prefix=results_prefix_root)
    where = results_prefix(key_prefix, account, region, job_id)
    objects = cleaned_objects(s3, bucket, cleaned_prefix)
    for attempt in range(attempts):
        results = job_results(s3, bucket, where, bucket)
        missing = objects - set(results)
        if not missing:
            break
        if attempt < attempts - 1:
            sleep(wait_seconds)
    else:
        raise StepFailed(
            code="macie_results_missing",
            message=f"Macie recorded no result for {len(missing)} of {len(objects)} objects "
            "of the cleaned output, so they may not have been read.",
            fix="See the Macie job's log (CloudWatch /aws/macie/classificationjobs); "
            "upload the file again.",
            details={"objects": len(objects), "missing": len(missing)},
            step="verify",
        )
    unread = {k: results[k] for k in objects if results[k][0] != COMPLETE}
    if unread:
        reasons = Counter(_enum(r) for _, r in unread.values())
        statuses = Counter(_enum(c) for c, _ in unread.values())
        raise StepFailed(
            code="macie_objects_skipped",
            message=f"Macie could not read {len(unread)} of {len(objects)} objects of the "
            "cleaned output whole, so they were not verified.",
            fix="Check the reasons given: PERMISSION_DENIED or INVALID_ENCRYPTION mean the "
            "data key's policy must let Macie's service-linked role decrypt; then upload "
            "the file again.",
            details={
                "objects": len(objects),
                "unread": len(unread),
                "statuses": dict(sorted(statuses.items())),
                "reasons": dict(sorted(reasons.items())),
            },
            step="verify",
        )
    return Coverage(objects=len(objects), results=len(results))


def _enum(value: str) -> str:
    if not value:
        return "NONE"
    return value if _REASON.fullmatch(value) else "OTHER"
