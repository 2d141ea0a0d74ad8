"""Train, generate and evaluate a small cleaned table, as the pipeline does after Prepare:
what the tests of tails and orders read back."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from synthpipe.evaluate.step import evaluate_run
from synthpipe.generate import generate
from synthpipe.schema import DatasetSchema
from synthpipe.train import contract
from tests.test_generate import FAST


def train_generate_evaluate(root: Path, frame: pd.DataFrame, schema: DatasetSchema) -> dict:
    """`frame` written as Prepare's output under `root`, trained (TVAE, as test_generate
    trains it), generated and evaluated: the cleaned, model and staging folders."""
    cleaned = root / "cleaned"
    (cleaned / "data").mkdir(parents=True)
    frame.to_parquet(cleaned / "data" / "part-00000.parquet", index=False)
    (cleaned / "schema.json").write_text(schema.to_json(), encoding="utf-8")
    (cleaned / "pii_actions.json").write_text("[]", encoding="utf-8")
    train = root / "train"
    data = train / "input" / "data" / "train"
    data.mkdir(parents=True)
    (data / "data").symlink_to(cleaned / "data")
    (data / "schema.json").write_text(schema.to_json(), encoding="utf-8")
    config = train / "input" / "config"
    config.mkdir(parents=True)
    (config / "hyperparameters.json").write_text(json.dumps({**FAST, "target_column": ""}))
    assert contract.run(train) == 0
    staging = root / "staging"
    generate(model_dir=train / "model", out_dir=str(staging), seed=3, cleaned_dir=cleaned)
    evaluate_run(
        cleaned_dir=cleaned,
        model_dir=train / "model",
        staging_dir=staging,
        target_column=None,
        thresholds=None,
        seed=3,
        lineage={},
    )
    return {"cleaned": cleaned, "model": train / "model", "staging": staging}
