"""The text of run notifications: what happened, where to look, what to do.

Built from the execution's state (dataset, run id, paths, `$.reason` on failure); never
from cell values. Subjects fit SNS's 100 characters.
"""

from __future__ import annotations

from typing import Any

from synthpipe import fixes

SUBJECT_MAX = 100
# What to do, by the reason's code, when the step's own message carries no fix.
FIXES = {
    "pii_found": fixes.PII_FOUND + " Macie's findings for the job are in the Macie console.",
    "nothing_classified": (
        "Check that Prepare wrote Parquet under cleaned/ and that Macie may decrypt it (the "
        "data key's policy names Macie's service-linked role); then upload the file again."
    ),
    "macie_timeout": (
        "Macie did not finish in time; raise macieTimeoutMinutes, or upload again later."
    ),
    "macie_job_stopped": "Someone cancelled or paused the Macie job; upload the file again.",
    "gate_failed": fixes.GATE_FAILED,
    "no_report": "The evaluation wrote no report.json; see the generate job's log.",
}
DEFAULT_FIX = "See the step's log in the execution history, fix the cause, upload again."


def _subject(text: str) -> str:
    return text if len(text) <= SUBJECT_MAX else text[: SUBJECT_MAX - 3] + "..."


def success_message(state: dict[str, Any]) -> tuple[str, str]:
    dataset, run_id = state["dataset"], state["runId"]
    synthetic = state["paths"]["synthetic"]
    scan = state.get("privacyScan") or {}
    scan_line = (
        f"Macie found no personal data in the cleaned data (job {scan.get('jobId')})."
        if scan.get("engine") == "macie"
        else "Macie was skipped (skipMacie); only Prepare's own personal-data detection ran."
    )
    gate = state.get("gate") or {}
    lines = [
        f"The synthetic version of {state['key']} (version {state['versionId']}) is ready.",
        "",
        f"Synthetic data: {synthetic}",
        f"Report:         {synthetic}report.html",
        f"Manifest:       {synthetic}manifest.json",
        "",
        scan_line,
        f"Quality and privacy gates: {gate.get('verdict', 'pass')}.",
        "",
        "What to do: read report.html before using the data; manifest.json records what "
        "was removed, the model and every metric against its threshold.",
        f"Run: {dataset} / {run_id}",
    ]
    return _subject(f"synthpipe: {dataset} run {run_id} published"), "\n".join(lines)


def failure_message(state: dict[str, Any]) -> tuple[str, str]:
    dataset, run_id = state.get("dataset", "?"), state.get("runId", "?")
    reason = state.get("reason") or {}
    step = reason.get("step") or (state.get("failure") or {}).get("step") or "?"
    code = reason.get("code", "unknown")
    fix = reason.get("fix") or FIXES.get(code, DEFAULT_FIX)
    lines = [
        f"The run for {state.get('key', '?')} (version {state.get('versionId', '?')}) "
        f"stopped at step '{step}'.",
        "",
        f"What happened: {reason.get('message', 'no reason was recorded')} [{code}]",
        f"What to do:    {fix}",
    ]
    if reason.get("quarantine"):
        lines.append(f"Quarantined:   {reason['quarantine']} (reason.json inside)")
    if step == "gate" and state.get("paths"):
        lines.append(f"Kept for review: {state['paths']['staging']} (report.html)")
    lines += ["", "raw/ is never changed: upload a corrected file as a new object.", ""]
    lines.append(f"Run: {dataset} / {run_id}")
    return _subject(f"synthpipe: {dataset} run stopped at {step} ({code})"), "\n".join(lines)
