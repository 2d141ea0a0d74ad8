"""`manifest.json`: the lineage of one run, built up step by step.

Source object (key, version, sha256, rows), code version, what each step found and
decided, timings; later steps add hyperparameters, metrics and thresholds. Publish
copies it next to the synthetic data.
"""

from __future__ import annotations

import platform
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from synthpipe import __version__, storage

MANIFEST_VERSION = "1"


@dataclass
class SourceObject:
    bucket: str
    key: str
    version_id: str
    sha256: str
    size_bytes: int
    rows: int | None = None


@dataclass
class Manifest:
    dataset: str
    run_id: str
    source: SourceObject
    version: str = MANIFEST_VERSION
    code_version: str = __version__
    runtime: dict[str, str] = field(
        default_factory=lambda: {"python": platform.python_version(), "engine": "local"}
    )
    started_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    status: str = "running"
    seed: int = 0
    steps: dict[str, dict[str, Any]] = field(default_factory=dict)
    timings_s: dict[str, float] = field(default_factory=dict)
    # Which release of the run id stands after this attempt (the runner's record); in
    # synthetic/'s manifest.json, the release itself (synthpipe.publish).
    release: dict[str, Any] | None = None

    def record(self, step: str, **facts: Any) -> None:
        """What a step found and decided (its timing is added by the runner)."""
        self.steps[step] = facts

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def write(self, path: str) -> None:
        storage.write_json(path, self.to_dict())
