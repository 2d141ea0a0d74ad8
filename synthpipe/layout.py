"""The S3 layout of DESIGN.md, shared by the cloud and the local runner.

A root is either `s3://bucket` or a local folder; every path is built with '/' so the
same code serves both (Spark and the storage helpers accept either).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

PREFIXES = ("raw", "config", "cleaned", "quarantine", "models", "staging", "synthetic")


def run_id_for(bucket: str, key: str, version_id: str, created: datetime) -> str:
    """Sortable and deterministic for one object version.

    `20261123T071500Z-1a2b3c4d`: the object's creation time, then 8 hex digits of
    sha256(bucket/key/versionId). A duplicate event for the same version gives the
    same id, so it can start no second run.
    """
    stamp = created.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    digest = hashlib.sha256(f"{bucket}/{key}/{version_id}".encode()).hexdigest()[:8]
    return f"{stamp}-{digest}"


@dataclass(frozen=True)
class RunLayout:
    """Where one run of one dataset reads and writes."""

    root: str
    dataset: str
    run_id: str

    def _path(self, prefix: str, *parts: str) -> str:
        return "/".join([self.root.rstrip("/"), prefix, self.dataset, self.run_id, *parts])

    @property
    def cleaned(self) -> str:
        return self._path("cleaned")

    @property
    def cleaned_data(self) -> str:
        return self._path("cleaned", "data")

    @property
    def schema_json(self) -> str:
        return self._path("cleaned", "schema.json")

    @property
    def pii_actions_json(self) -> str:
        return self._path("cleaned", "pii_actions.json")

    @property
    def quarantine(self) -> str:
        return self._path("quarantine")

    @property
    def models(self) -> str:
        return self._path("models")

    @property
    def staging(self) -> str:
        return self._path("staging")

    @property
    def synthetic(self) -> str:
        return self._path("synthetic")

    @property
    def prepare_input(self) -> str:
        """Prepare's own copy of the validated object version, while Prepare runs: a name
        free of glob characters (`synthpipe.pinning`)."""
        return self._path("staging", "input", "source.csv")

    @property
    def manifest_json(self) -> str:
        """The run's working manifest; publish copies it next to the synthetic data."""
        return self._path("staging", "manifest.json")

    @property
    def lineage_json(self) -> str:
        """On AWS, the run's lineage for the generate + evaluate job, written by the start
        function: SageMaker caps an environment value at 256 characters, and an S3 key
        alone may be 1,024 bytes."""
        return self._path("staging", "lineage.json")

    @property
    def config_json(self) -> str:
        return "/".join([self.root.rstrip("/"), "config", f"{self.dataset}.json"])

    def raw_key(self, file_name: str) -> str:
        return f"raw/{self.dataset}/{file_name}"
