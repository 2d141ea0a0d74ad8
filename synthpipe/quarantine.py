"""Quarantine: a copy of what was refused and `reason.json`. Raw is never touched."""

from __future__ import annotations

from datetime import UTC, datetime

from synthpipe import storage
from synthpipe.errors import PipelineError
from synthpipe.layout import RunLayout


def quarantine(
    layout: RunLayout,
    error: PipelineError,
    *,
    files: dict[str, str] | None = None,
    folders: dict[str, str] | None = None,
) -> str:
    """Copy `files` (name -> source path) and `folders` into quarantine/<dataset>/<run_id>/.

    Returns the quarantine folder. `reason.json` holds the step, code, message, fix and
    details of the error, never a cell value.
    """
    for name, source in (files or {}).items():
        storage.copy_file(source, f"{layout.quarantine}/{name}")
    for name, source in (folders or {}).items():
        storage.copy_tree(source, f"{layout.quarantine}/{name}")
    reason = error.to_reason() | {
        "dataset": layout.dataset,
        "run_id": layout.run_id,
        "quarantined_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    storage.write_json(f"{layout.quarantine}/reason.json", reason)
    return layout.quarantine
