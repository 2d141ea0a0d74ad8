"""Generate + evaluate as a SageMaker Processing job on the training image.

In:  <root>/input/model/model.tar.gz   the training job's model folder, tarred
     <root>/input/cleaned/              the run's cleaned/ prefix (schema.json, data/, ...)
     environment: SYNTHPIPE_ROWS_TO_GENERATE (0 = as many as the input),
     SYNTHPIPE_TARGET_COLUMN ('' = none), SYNTHPIPE_THRESHOLDS (JSON object),
     SYNTHPIPE_SEED, SYNTHPIPE_LINEAGE (JSON object)
Out: <root>/output/  synthetic.csv, synthetic.parquet, report.json, report.html
     (SageMaker uploads it to staging/<dataset>/<run_id>/)
The same two functions the local runner calls: `generate` and `evaluate_run`.
"""

from __future__ import annotations

import json
import logging
import os
import tarfile
import tempfile
from pathlib import Path

from synthpipe.errors import PipelineError, StepFailed
from synthpipe.evaluate.step import evaluate_run
from synthpipe.generate import generate

log = logging.getLogger("synthpipe.processing")


def _env_json(name: str) -> dict:
    text = os.environ.get(name, "") or "{}"
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise StepFailed(
            code="bad_job_environment",
            message=f"{name} is not valid JSON ({error.msg}).",
            fix="Check the state machine's processing job environment.",
            step="generate",
        ) from error
    if not isinstance(value, dict):
        raise StepFailed(
            code="bad_job_environment",
            message=f"{name} must hold a JSON object.",
            fix="Check the state machine's processing job environment.",
            step="generate",
        )
    return value


def _extract_model(archive: Path, into: Path) -> Path:
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")  # the data filter refuses links and absolute paths
    return into


def run_processing(root: Path) -> int:
    """0 when the report was written (its verdict is the gate's business), 1 on failure."""
    output = root / "output"
    output.mkdir(parents=True, exist_ok=True)
    try:
        rows = int(os.environ.get("SYNTHPIPE_ROWS_TO_GENERATE", "0") or 0)
        seed = int(os.environ.get("SYNTHPIPE_SEED", "0") or 0)
        with tempfile.TemporaryDirectory() as scratch:
            model_dir = _extract_model(root / "input" / "model" / "model.tar.gz", Path(scratch))
            generate(model_dir=model_dir, out_dir=str(output), rows=rows or None, seed=seed)
            report = evaluate_run(
                cleaned_dir=root / "input" / "cleaned",
                model_dir=model_dir,
                staging_dir=output,
                target_column=os.environ.get("SYNTHPIPE_TARGET_COLUMN") or None,
                thresholds=_env_json("SYNTHPIPE_THRESHOLDS"),
                seed=seed,
                lineage=_env_json("SYNTHPIPE_LINEAGE"),
            )
        log.info("verdict=%s failed=%s", report.verdict, ",".join(report.failed_gates))
        return 0
    except (PipelineError, ValueError, OSError) as error:
        log.error("generate_evaluate failed: %s", error)
        (output / "failure").write_text(" ".join(str(error).split()) + "\n", encoding="utf-8")
        return 1
