"""Prepare as a job over the bucket: what the Glue entry point calls.

Prepare reads its own copy of exactly the object version the start function validated
(`synthpipe.pinning.pin_input`): the copy is validated again, which gives the
dialect, and must have the sha256 the start function saw; Spark must then count the rows
validation counted. The copy is deleted when the job ends.
"""

from __future__ import annotations

from synthpipe import storage
from synthpipe.dataset_config import DatasetConfig
from synthpipe.layout import RunLayout
from synthpipe.pinning import discard_input, pin_input
from synthpipe.prepare import CsvDialect, prepare
from synthpipe.schema import DatasetSchema
from synthpipe.validate import InputLimits


def run_prepare_job(
    spark,
    *,
    source: str,
    root: str,
    dataset: str,
    run_id: str,
    version_id: str | None = None,
    source_sha256: str | None = None,
    limits: InputLimits | None = None,
    key_secret_id: str | None = None,
) -> DatasetSchema:
    """Pin the input, read `config/<dataset>.json` if present, and run Prepare.

    `version_id` is the S3 version the run is for (the Glue job's `--version_id`; None
    reads the current one), `source_sha256` the sha256 the start function validated
    (`--source_sha256`), `limits` the start function's limits. `key_secret_id` names the
    Secrets Manager secret of the pseudonymisation key (the Glue job's `--key_secret_id`);
    without it, the key comes from the environment.
    """
    layout = RunLayout(root, dataset, run_id)
    pinned, report = pin_input(
        source,
        layout=layout,
        version_id=version_id,
        expected_sha256=source_sha256,
        limits=limits,
    )
    try:
        config = DatasetConfig()
        if storage.exists(layout.config_json):
            text = storage.read_bytes(layout.config_json).decode("utf-8")
            config = DatasetConfig.from_json(text, source=f"config/{dataset}.json")
        return prepare(
            spark,
            source=pinned,
            dialect=CsvDialect.from_report(report),
            layout=layout,
            config=config,
            key_secret_id=key_secret_id,
            expected_rows=report.data_rows,
        )
    finally:
        discard_input(pinned)
