"""SageMaker Processing jobs on the training image: verify, and generate + evaluate.

Both run the functions the local runner calls, on the files SageMaker downloads. `root`
plays /opt/ml/processing; the job's message file plays /opt/ml/output/message, whose
first 1 KB SageMaker returns as the job's ExitMessage (to the state machine as well).
That message is the only text that leaves the job: on success the verify result
(counts and timings), on failure `synthpipe:<code>` with column positions and entity
types (synthpipe.failure_codes), never an error's own words, which can quote data. Those
go to the job's log, redacted.

verify
  In:  <root>/input/cleaned/<dataset>/<run_id>/   the run's cleaned/ prefix
       environment: SYNTHPIPE_DATASET, SYNTHPIPE_RUN_ID
  Out: the message: {"engine": "local scan", "rows_scanned", "objects_scanned", "seconds"}
  Runs `synthpipe.verify.verify_cleaned`, the local runner's verify step, unchanged.

generate_evaluate
  In:  <root>/input/model/model.tar.gz   the training job's model folder, tarred
       <root>/input/cleaned/              the run's cleaned/ prefix (schema.json, data/, ...)
       environment: SYNTHPIPE_ROWS_TO_GENERATE (0 = as many as the input),
       SYNTHPIPE_TARGET_COLUMN ('' = none), SYNTHPIPE_THRESHOLDS (JSON object),
       SYNTHPIPE_SEED
       <root>/input/lineage/lineage.json      the run's lineage (JSON object), written by
       the start function: an environment value is capped at 256 characters
  Out: <root>/output/  synthetic.csv, synthetic.parquet, generation.json, report.json,
       report.html
       (SageMaker uploads it to staging/<dataset>/<run_id>/)
  The same two functions the local runner calls: `generate` and `evaluate_run`.
"""

from __future__ import annotations

import json
import logging
import os
import tarfile
import tempfile
import traceback
from pathlib import Path
from typing import Any

from synthpipe.errors import PipelineError, StepFailed
from synthpipe.failure_codes import code_line
from synthpipe.layout import RunLayout
from synthpipe.redact import redact

log = logging.getLogger("synthpipe.processing")
VERIFY_ENGINE = "local scan"


def exit_message_path(root: Path) -> Path:
    """/opt/ml/output/message for the root /opt/ml/processing (and likewise elsewhere)."""
    return Path(root).parent / "output" / "message"


def _write_message(root: Path, text: str) -> None:
    path = exit_message_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


LINEAGE_INPUT = Path("input") / "lineage" / "lineage.json"


def _lineage(root: Path) -> dict:
    """The run's lineage for report.json: {} when the job was given none (by hand)."""
    path = Path(root) / LINEAGE_INPUT
    if not path.is_file():
        return {}
    try:
        value = json.loads(path.read_text("utf-8"))
    except ValueError as error:
        raise StepFailed(
            code="bad_job_environment",
            message="The run's lineage.json is not valid JSON.",
            fix="Check staging/<dataset>/<run_id>/lineage.json, which the start function writes.",
            step="generate",
        ) from error
    if not isinstance(value, dict):
        raise StepFailed(
            code="bad_job_environment",
            message="The run's lineage.json holds no JSON object.",
            fix="Check staging/<dataset>/<run_id>/lineage.json, which the start function writes.",
            step="generate",
        )
    return value


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


def _failed(root: Path, step: str, error: BaseException, facts: dict[str, Any] | None) -> int:
    """Log the error redacted, leave only its code in the message; 1."""
    if isinstance(error, PipelineError):
        code = error.code
        log.error("%s failed [%s]: %s", step, code, redact(str(error)))
    else:  # a bug: the trace helps, once its values are masked
        code = f"{step}_failed"
        log.error("%s failed unexpectedly: %s", step, redact(traceback.format_exc(), 4000))
    _write_message(root, code_line(code, facts))
    return 1


# --- verify ----------------------------------------------------------------------------


def run_verify(root: Path) -> int:
    """0 when every value of the cleaned output was scanned and nothing was found; 1 when
    the scan found personal data, could not read an object, had nothing to scan, or
    failed in any other way (fail closed)."""
    from synthpipe.verify import verify_cleaned

    root = Path(root)
    try:
        layout = RunLayout(
            str(root / "input"), os.environ["SYNTHPIPE_DATASET"], os.environ["SYNTHPIPE_RUN_ID"]
        )
        result = verify_cleaned(layout)
        summary = result.to_dict()
        summary.pop("columns")  # empty on success; names never leave the job
        _write_message(root, json.dumps(summary, sort_keys=True))
    except Exception as error:  # anything unverified stops the run
        return _failed(root, "verify", error, _verify_facts(error, root))
    log.info("verify passed: rows=%d objects=%d", result.rows, result.files)
    return 0


def _verify_facts(error: BaseException, root: Path) -> dict[str, Any] | None:
    """Which columns (1-based positions in the input, as schema.json lists them) hold
    which entity types: facts our scan produced, with no name or value in them."""
    found = getattr(error, "details", {}).get("columns") if isinstance(error, StepFailed) else None
    if not isinstance(found, dict) or not found:
        return None
    positions = _input_positions(root)
    columns = [
        {"position": positions.get(name), "entity_types": sorted(types)}
        for name, types in found.items()
    ]
    return {"columns": sorted(columns, key=lambda c: c["position"] or 0)}


def _input_positions(root: Path) -> dict[str, int]:
    try:
        dataset, run_id = os.environ["SYNTHPIPE_DATASET"], os.environ["SYNTHPIPE_RUN_ID"]
        schema_json = Path(RunLayout(str(root / "input"), dataset, run_id).schema_json)
        columns = json.loads(schema_json.read_text("utf-8"))["columns"]
        return {column["name"]: index for index, column in enumerate(columns, start=1)}
    except (KeyError, OSError, ValueError, TypeError):
        return {}


# --- generate + evaluate ---------------------------------------------------------------


def run_processing(root: Path) -> int:
    """0 when the report was written (its verdict is the gate's business), 1 on failure."""
    from synthpipe.evaluate.step import evaluate_run
    from synthpipe.generate import generate

    root = Path(root)
    output = root / "output"
    output.mkdir(parents=True, exist_ok=True)
    try:
        rows = int(os.environ.get("SYNTHPIPE_ROWS_TO_GENERATE", "0") or 0)
        seed = int(os.environ.get("SYNTHPIPE_SEED", "0") or 0)
        with tempfile.TemporaryDirectory() as scratch:
            model_dir = _extract_model(root / "input" / "model" / "model.tar.gz", Path(scratch))
            result = generate(
                model_dir=model_dir,
                out_dir=str(output),
                rows=rows or None,
                seed=seed,
                cleaned_dir=root / "input" / "cleaned",
            )
            # What the local runner records in its manifest, as counts only (no names).
            log.info(
                "generate rows=%d unknown_category_rows_replaced=%s real_copy_rows_replaced=%s "
                "order_rows_replaced=%s target_within_tolerance=%s",
                result.rows,
                result.unknown_category_rows_replaced,
                (result.real_copies or {}).get("rows_replaced"),
                (result.orders or {}).get("rows_replaced"),
                result.target_within_tolerance,
            )
            report = evaluate_run(
                cleaned_dir=root / "input" / "cleaned",
                model_dir=model_dir,
                staging_dir=output,
                target_column=os.environ.get("SYNTHPIPE_TARGET_COLUMN") or None,
                thresholds=_env_json("SYNTHPIPE_THRESHOLDS"),
                seed=seed,
                lineage=_lineage(root),
            )
    except Exception as error:
        return _failed(root, "generate", error, None)
    log.info("verdict=%s failed=%s", report.verdict, ",".join(report.failed_gates))
    return 0
