"""Prepare's input: exactly the object version that was validated, and nothing else.

Spark reads a path as a Hadoop glob (`*?[]{}` select other files, `{a,b}` several) and
normalises it as a URI (`:` makes a scheme, `//` and `..` collapse), and on S3 it can only
read a key's current version. So Prepare never hands the raw key to Spark: it copies the
validated version (S3 CopyObject with its VersionId; locally a file copy) to the run's own
`staging/<dataset>/<run_id>/input/source.csv`, a name built from checked parts only,
validates the copy again (for the dialect, and its sha256), and checks that it is what
validation saw: the same sha256 here, the same row count once Spark has read it. Anything
else stops the run with `input_changed`. The same code runs locally and in the Glue job;
the copy is deleted once Prepare is done (`discard_input`; staging/ also expires on S3).
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

from synthpipe import fixes, storage
from synthpipe.errors import InputRefused, StepFailed
from synthpipe.layout import RunLayout
from synthpipe.validate import InputLimits, InputReport, validate_stream

# Hadoop's glob metacharacters, and the backslash that escapes them.
_GLOB = re.compile(r"([\\*?\[\]{}])")


def spark_path(path: str) -> str:
    """`path` with Hadoop's glob characters escaped, so that Spark reads that one path.

    The input copy's own name is glob-free; a local work folder may not be.
    """
    return _GLOB.sub(r"\\\1", path)


def input_changed(details: dict, *, step: str = "prepare") -> StepFailed:
    """The input a step read is not the version the run is for (`details` say how)."""
    reader, checked = ("Prepare", "validated") if step == "prepare" else ("Validation", "ingested")
    return StepFailed(
        code="input_changed",
        message=f"The input that {reader} read is not the one that was {checked}: it changed "
        "in between (or was read differently), so the run stopped before writing.",
        fix=fixes.INPUT_CHANGED,
        details=details,
        step=step,
    )


def pin_input(
    source: str,
    *,
    layout: RunLayout,
    version_id: str | None = None,
    expected_sha256: str | None = None,
    limits: InputLimits | None = None,
) -> tuple[str, InputReport]:
    """Copy `source` (its `version_id` on S3) to `layout.prepare_input` and validate the copy.

    Returns the copy's path and its validation report. With `expected_sha256` (what
    validation hashed), a copy with other bytes raises `input_changed`, as does a copy that
    validation now refuses while its bytes differ. The caller deletes the copy when done.
    """
    target = layout.prepare_input
    storage.copy_file(source, target, version_id)
    try:
        report = _validate_copy(target, source.rsplit("/", 1)[-1], expected_sha256, limits)
    except BaseException:
        discard_input(target)
        raise
    return target, report


def discard_input(pinned: str) -> None:
    """Delete Prepare's copy once it is read (and, locally, its folder if now empty)."""
    storage.delete_file(pinned)
    if not storage.is_s3(pinned):
        # Not empty, or already gone: then it is nothing of ours to remove.
        with contextlib.suppress(OSError):
            Path(pinned).parent.rmdir()


def _validate_copy(
    path: str, name: str, expected_sha256: str | None, limits: InputLimits | None
) -> InputReport:
    try:
        stream, size = storage.open_read(path)
        with stream:
            report = validate_stream(
                stream, size=size, name=name, **(limits or InputLimits()).kwargs()
            )
    except InputRefused as refusal:
        # That version was accepted once: refused now, it is other bytes (or other limits).
        if expected_sha256 and storage.sha256(path) != expected_sha256:
            raise input_changed({"changed": "content", "refused_as": refusal.code}) from None
        raise
    if expected_sha256 and report.sha256 != expected_sha256:
        raise input_changed({"changed": "content", "rows_now": report.data_rows})
    return report


def check_rows(read_rows: int, validated_rows: int | None) -> None:
    """Spark's row count must be validation's: otherwise they did not read the same thing."""
    if validated_rows is not None and read_rows != validated_rows:
        raise input_changed(
            {"changed": "rows", "validated_rows": validated_rows, "read_rows": read_rows}
        )
