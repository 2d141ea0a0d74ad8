"""Gate, publish and withdraw: a run reaches `synthetic/` only as one complete release.

The same functions serve the local runner and the Lambdas (roots are local folders or
`s3://bucket`). `synthetic/<dataset>/<run_id>/` holds at most one release, the one that
stands:

    synthetic.csv, synthetic.parquet, report.html, report.json   its files
    manifest.json          the completion marker, written last: the run's lineage and
                           `release` {attempt, published_at, files {name: {bytes, sha256
                           (local) or etag and version_id (S3)}}, replaces}
    withdrawn.json         the last release withdrawn: its attempt, when and why
    .incoming-<attempt>/   a release being written: never read

A release stands only when manifest.json is there, withdrawn.json does not name its
attempt, and every file it lists is there with the size and hash it records
(`current_release`). Every reader goes through that check, so whatever point a publish
or a withdrawal stops at, readers see the earlier release or none, never a mix.

Attempts count the releases of one run id (1, 2, ...): a run id names one object
version, and running it again (locally: the same file) is a new attempt whose outcome
replaces the earlier one; a failed attempt leaves no release standing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from synthpipe import fixes, storage
from synthpipe.errors import StepFailed
from synthpipe.evaluate.gate import places_apart
from synthpipe.layout import RunLayout

PUBLISHED = ("synthetic.csv", "synthetic.parquet", "report.html", "report.json")
MARKER = "manifest.json"
WITHDRAWN = "withdrawn.json"
INCOMING = ".incoming-"
# Why a release was withdrawn (withdrawn.json's `reason`).
RERUN = "rerun"
REPLACED = "replaced"
ATTEMPT_FAILED = "attempt_failed"


def check_gate(report: dict[str, Any]) -> None:
    """Raise `gate_failed`, naming each failed gate with its value and threshold."""
    failed = [g for g in report.get("gates", []) if not g.get("passed")]
    if report.get("verdict") == "pass" and not failed:
        return
    described = "; ".join(_failed_gate(g) + _where(g, report) for g in failed)
    # Each failed gate's own advice (report.json's, as report.html shows it), once each.
    advice = " ".join(dict.fromkeys(g["advice"] for g in failed if g.get("advice")))
    raise StepFailed(
        code="gate_failed",
        message=f"The synthetic data did not pass the release gate: {described or 'no verdict'}.",
        fix=f"{advice} {fixes.GATE_FAILED}" if advice else fixes.GATE_FAILED,
        details={"failed_gates": [g["name"] for g in failed]},
        step="publish",
    )


def _failed_gate(gate: dict[str, Any]) -> str:
    """`name = value (needs at most threshold)`; a figure that was not measured (NaN,
    null in report.json) says so, since it fails the gate for that reason alone."""
    value, bound = gate.get("value"), "at least" if gate.get("direction") == "min" else "at most"
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return f"{gate['name']} not measured (needs {bound} {_figure(gate['threshold'])})"
    threshold, shown = gate["threshold"], _figure(value)
    if isinstance(value, float) and shown == _figure(threshold):  # 0.8996 is not 0.9
        shown = f"{value:.{places_apart(value, threshold)}f}"
    return f"{gate['name']} = {shown} (needs {bound} {_figure(threshold)})"


def _where(gate: dict[str, Any], report: dict[str, Any]) -> str:
    """Where a failed association gap is: its pair of columns (their names, never a
    value), so that the owner knows which relation the model missed."""
    if gate["name"] != "association_gap":
        return ""
    pair = (report.get("quality") or {}).get("association_gap") or {}
    if not pair.get("columns"):
        return ""
    first, second = pair["columns"]
    real, synthetic = pair.get("real"), pair.get("synthetic")
    if real is None or synthetic is None:
        return f" between {first!r} and {second!r}"
    return (
        f" between {first!r} and {second!r}: {_figure(real)} real, {_figure(synthetic)} synthetic"
    )


def _figure(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


@dataclass(frozen=True)
class Release:
    """A complete release: its marker is there and every file it lists matches."""

    prefix: str  # synthetic/<dataset>/<run_id>, a local folder or an s3:// URI
    attempt: int
    published_at: str
    files: dict[str, dict[str, Any]]
    manifest: dict[str, Any]

    def path(self, name: str) -> str:
        return f"{self.prefix}/{name}"

    def describe(self) -> str:
        return f"attempt {self.attempt}, published {self.published_at}"

    def summary(self) -> dict[str, Any]:
        """What manifests, answers and withdrawal records say of it."""
        return {"attempt": self.attempt, "published_at": self.published_at}


def current_release(layout: RunLayout) -> Release | None:
    """The release that stands for this run id, or None.

    Trusts nothing but a marker whose attempt is not withdrawn and whose every listed
    file is there with the recorded size and hash (sha256 on disk; ETag on S3, which a
    copy or an overwrite changes). Anything else (no marker, a marker from before
    releases were marked, a file missing or replaced) is no release.
    """
    marker = _read_json(f"{layout.synthetic}/{MARKER}")
    if not is_marker(marker):
        return None
    release = marker["release"]
    attempt, files = release["attempt"], release["files"]
    withdrawn = last_withdrawal(layout)
    if withdrawn is not None and withdrawn.get("attempt") == attempt:
        return None
    if not all(_matches(f"{layout.synthetic}/{n}", r) for n, r in files.items()):
        return None
    return Release(
        prefix=layout.synthetic,
        attempt=attempt,
        published_at=str(release.get("published_at", "")),
        files=files,
        manifest=marker,
    )


def is_marker(record: Any) -> bool:
    """A release's manifest.json (not a run's working manifest in staging/): published,
    with an attempt number and the files it vouches for."""
    release = record.get("release") if isinstance(record, dict) else None
    return (
        isinstance(release, dict)
        and record.get("status") == "published"
        and isinstance(release.get("attempt"), int)
        and isinstance(release.get("files"), dict)
        and bool(release["files"])
    )


def last_withdrawal(layout: RunLayout) -> dict[str, Any] | None:
    """withdrawn.json: the last release of this run id that was withdrawn, and why."""
    record = _read_json(f"{layout.synthetic}/{WITHDRAWN}")
    return record if isinstance(record, dict) else None


def publish(layout: RunLayout, manifest: dict[str, Any]) -> Release:
    """Release the staged output of a passing run as the next attempt of its run id.

    1. check the gate on staging/report.json (nothing is touched when it fails);
    2. copy the staged files to `.incoming-<attempt>/`: the standing release, if any,
       still stands and is untouched;
    3. withdraw the standing release (withdrawn.json names it: from here none stands),
       then delete its marker;
    4. put the files in place (a rename on disk, a copy on S3), then write the marker
       with each file's size and hash: from here the new release stands;
    5. clear `.incoming-<attempt>/`, and read the release back through `current_release`.
    """
    check_gate(storage.read_json(f"{layout.staging}/report.json"))
    previous = current_release(layout)
    attempt = _next_attempt(layout)
    incoming = f"{layout.synthetic}/{INCOMING}{attempt}"
    for name in PUBLISHED:
        storage.copy_file(f"{layout.staging}/{name}", f"{incoming}/{name}")
    if previous is not None:
        _record_withdrawal(layout, previous, REPLACED, f"Replaced by attempt {attempt}.")
    _delete_marker(layout)
    for name in PUBLISHED:
        storage.move_file(f"{incoming}/{name}", f"{layout.synthetic}/{name}")
    release = {
        "attempt": attempt,
        "published_at": _now(),
        "files": {name: _identity(f"{layout.synthetic}/{name}") for name in PUBLISHED},
        # One shape whether a release stood until step 3 or an earlier one had been
        # withdrawn already: what withdrawn.json now says of the release replaced.
        "replaces": _replaced(last_withdrawal(layout)),
    }
    marker = manifest | {"status": "published", "release": release}
    storage.write_json(f"{layout.synthetic}/{MARKER}", marker)
    _clear(layout, keep={MARKER, WITHDRAWN, *PUBLISHED})
    standing = current_release(layout)
    if standing is None or standing.attempt != attempt:
        raise StepFailed(
            code="release_incomplete",
            message=f"Release attempt {attempt} does not read back as complete.",
            fix="Publish again (run the file again locally; on AWS, redrive the execution). "
            "Until then no release stands for this run.",
            details={"attempt": attempt},
            step="publish",
        )
    return standing


def withdraw(layout: RunLayout, *, reason: str, message: str) -> Release | None:
    """Withdraw the release that stands for this run id, and clear what an unfinished
    publish left. Returns the release withdrawn, or None when none stood.

    withdrawn.json is written first (one write: from then on the release does not stand,
    wherever this stops), then the marker goes, then the files; withdrawn.json stays as
    the record of what was withdrawn and why.
    """
    standing = current_release(layout)
    if standing is not None:
        _record_withdrawal(layout, standing, reason, message)
    _clear(layout, keep={WITHDRAWN})
    return standing


def standing_note(published: Release | None, withdrawn: Release | None) -> str:
    """One sentence for the user: which release of the run stands after this attempt."""
    if published is not None:
        replaced = f"; it replaces attempt {withdrawn.attempt}" if withdrawn else ""
        return f"Release {published.describe()} stands at {published.prefix}{replaced}."
    if withdrawn is not None:
        return (
            f"No release stands for this run: the earlier release ({withdrawn.describe()}) "
            "was withdrawn, and this attempt published none."
        )
    return "No release stands for this run."


# --- helpers -----------------------------------------------------------------------------


def _read_json(path: str) -> Any:
    if storage.stat(path) is None:
        return None
    try:
        return storage.read_json(path)
    except ValueError:  # not JSON: not a marker anyone can trust
        return None


def _identity(path: str) -> dict[str, Any]:
    """Size and hash of a file in place: sha256 on disk; on S3 the ETag and version that
    S3 reports (reading every byte back through a Lambda to hash it would cost more)."""
    info = storage.stat(path)
    if info is None:
        raise FileNotFoundError(path)
    if storage.is_s3(path):
        return {"bytes": info.bytes, "etag": info.etag, "version_id": info.version_id}
    return {"bytes": info.bytes, "sha256": storage.sha256(path)}


def _matches(path: str, recorded: Any) -> bool:
    info = storage.stat(path)
    if info is None or not isinstance(recorded, dict) or info.bytes != recorded.get("bytes"):
        return False
    if storage.is_s3(path):
        return info.etag is not None and info.etag == recorded.get("etag")
    return storage.sha256(path) == recorded.get("sha256")


def _next_attempt(layout: RunLayout) -> int:
    """One more than any attempt a marker or withdrawn.json names, complete or not."""
    seen = [0]
    for name in (MARKER, WITHDRAWN):
        record = _read_json(f"{layout.synthetic}/{name}")
        if isinstance(record, dict):
            attempt = (record.get("release") or {}) if name == MARKER else record
            if isinstance(attempt, dict) and isinstance(attempt.get("attempt"), int):
                seen.append(attempt["attempt"])
    return max(seen) + 1


def _record_withdrawal(layout: RunLayout, release: Release, reason: str, message: str) -> None:
    record = {
        "dataset": layout.dataset,
        "run_id": layout.run_id,
        **release.summary(),
        "withdrawn_at": _now(),
        "reason": reason,
        "message": message,
    }
    storage.write_json(f"{layout.synthetic}/{WITHDRAWN}", record)


def _replaced(withdrawal: dict[str, Any] | None) -> dict[str, Any] | None:
    if withdrawal is None:
        return None
    keys = ("attempt", "published_at", "withdrawn_at", "reason")
    return {key: withdrawal.get(key) for key in keys}


def _delete_marker(layout: RunLayout) -> None:
    marker = f"{layout.synthetic}/{MARKER}"
    if storage.stat(marker) is not None:  # on S3 a delete of nothing still adds a marker
        storage.delete_file(marker)


def _clear(layout: RunLayout, *, keep: set[str]) -> None:
    """Delete what is under the run's synthetic/ prefix but `keep`, the marker first."""
    names = [n for n in storage.list_files(layout.synthetic) if n not in keep]
    for name in sorted(names, key=lambda n: n != MARKER):
        storage.delete_file(f"{layout.synthetic}/{name}")
    storage.remove_empty_folders(layout.synthetic)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
