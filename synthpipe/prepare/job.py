"""Prepare as a job over the bucket: what the Glue entry point calls.

Validation runs again on the object itself (the start Lambda validated it too): Prepare
must read the file exactly as validation understood it, and the object is its own
source of truth.
"""

from __future__ import annotations

from synthpipe import storage
from synthpipe.dataset_config import DatasetConfig
from synthpipe.layout import RunLayout
from synthpipe.prepare import CsvDialect, prepare
from synthpipe.schema import DatasetSchema
from synthpipe.validate import validate_stream


def run_prepare_job(
    spark,
    *,
    source: str,
    root: str,
    dataset: str,
    run_id: str,
    key_secret_id: str | None = None,
) -> DatasetSchema:
    """Validate `source`, read `config/<dataset>.json` if present, and run Prepare.

    `key_secret_id` names the Secrets Manager secret of the pseudonymisation key (the
    Glue job's `--key_secret_id`); without it, the key comes from the environment.
    """
    layout = RunLayout(root, dataset, run_id)
    stream, size = storage.open_read(source)
    with stream:
        report = validate_stream(stream, size=size, name=source.rsplit("/", 1)[-1])
    config = DatasetConfig()
    if storage.exists(layout.config_json):
        text = storage.read_bytes(layout.config_json).decode("utf-8")
        config = DatasetConfig.from_json(text, source=f"config/{dataset}.json")
    return prepare(
        spark,
        source=source,
        dialect=CsvDialect.from_report(report),
        layout=layout,
        config=config,
        key_secret_id=key_secret_id,
    )
