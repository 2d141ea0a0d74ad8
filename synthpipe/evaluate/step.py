"""The evaluate step over a run's folders: what the local runner and the SageMaker
processing job both call, so that the two read the same files the same way."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from synthpipe.evaluate.core import evaluate
from synthpipe.evaluate.gate import Thresholds
from synthpipe.evaluate.report import Report, write_report
from synthpipe.schema import DatasetSchema


def evaluate_run(
    *,
    cleaned_dir: Path,
    model_dir: Path,
    staging_dir: Path,
    target_column: str | None,
    thresholds: dict[str, Any] | None,
    seed: int,
    lineage: dict[str, Any],
) -> Report:
    """Evaluate staging_dir/synthetic.parquet; write report.json and report.html beside it.

    cleaned_dir holds Prepare's output (data/, schema.json, pii_actions.json); model_dir
    the training folder (holdout.parquet keeps the cleaned rows' index, so the training
    rows are the cleaned rows without it). schema.json's `value_protection` travels with
    the schema: its k decides which category labels the report may print.
    """
    schema = DatasetSchema.from_json((cleaned_dir / "schema.json").read_text("utf-8"))
    cleaned = pd.read_parquet(cleaned_dir / "data")
    holdout = pd.read_parquet(model_dir / "holdout.parquet")
    actions = json.loads((cleaned_dir / "pii_actions.json").read_text("utf-8"))
    training = training_summary(model_dir)
    report = evaluate(
        train=cleaned.drop(index=holdout.index),
        holdout=holdout,
        synthetic=pd.read_parquet(staging_dir / "synthetic.parquet"),
        schema=schema,
        target_column=target_column,
        thresholds=Thresholds.from_settings(thresholds),
        seed=seed,
        lineage=lineage,
        prepare_summary=prepare_summary(schema, actions),
        # {"mode": "off"} for a model trained without DP.
        differential_privacy=training.get("privacy") or {"mode": "off"},
        tails=training.get("tails") or {},
        orders=training.get("orders") or [],
        lookups=training.get("lookups") or [],
    )
    # What generate replaced before writing (absent for outputs of older versions).
    generation = staging_dir / "generation.json"
    if generation.is_file():
        generated = json.loads(generation.read_text("utf-8"))
        report.privacy.copies["replaced_at_generate"] = generated.get("real_copies")
        report.quality.tails = tails_record(generated.get("tail_rows"))
        if report.diagnostic.get("orders") and generated.get("orders"):
            report.diagnostic["orders"]["at_generate"] = generated["orders"]
    # TVAE for models trained before engines; none without training.json.
    report.engine = training.get("engine") or (
        {"name": "tvae", "setting": "tvae"} if training else None
    )
    write_report(report, staging_dir)
    return report


def tails_record(rows: dict[str, dict[str, int]] | None) -> dict[str, Any] | None:
    """The report's account of the tails generate drew beyond the protection bounds
    (None for outputs written before tails, or when generate moved no row)."""
    if not rows:
        return None
    return {
        "rows": rows,
        "note": "Synthetic rows beyond a protection bound, drawn from a tail fitted to the "
        "cleaned rows (never from a real extreme). Quality and the other fidelity scores "
        "compare the synthetic rows clipped back to the bounds with the cleaned rows.",
    }


def training_summary(model_dir: Path) -> dict[str, Any]:
    """training.json, read once ({} when the model folder has none)."""
    path = model_dir / "training.json"
    return json.loads(path.read_text("utf-8")) if path.is_file() else {}


def prepare_summary(schema: DatasetSchema, actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What Prepare removed or changed, and why: names, actions and types, never values."""
    by_column = {a["column"]: a for a in actions}
    summary = []
    for column in schema.columns:
        action = by_column.get(column.name)
        if action is None and column.role != "dropped":
            continue
        summary.append(
            {
                "column": column.name,
                "action": action["action"] if action else "drop",
                "entity_types": action["entity_types"] if action else [],
                "reason": action["reason"] if action else column.reason,
            }
        )
    return summary
