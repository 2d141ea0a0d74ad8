"""The text of run notifications: what happened, where to look, what to do.

Built from the execution's state (dataset, run id, paths, `$.reason` on failure); never
from cell values. Subjects fit SNS's 100 characters.
"""

from __future__ import annotations

from typing import Any

from synthpipe import fixes

SUBJECT_MAX = 100
# What happened, by code, when a step on AWS failed: fixed texts, never a service's or an
# exception's own words (those can quote data; synthpipe.cloud.failure_error).
MESSAGES = {
    "pii_found": "The pipeline's own scan of every value found personal data in the "
    "cleaned output.",
    "nothing_classified": "The cleaned output holds nothing to scan, so nothing was verified.",
    "unreadable_object": "An object of the cleaned output could not be read, so it was not "
    "verified.",
    "verify_failed": "The pipeline's own privacy scan did not finish, so nothing was verified.",
    "macie_not_enabled": "Amazon Macie is not enabled (or is paused) in this account and "
    "region, so the Macie scan could not run.",
    "macie_objects_skipped": "Macie could not read some objects of the cleaned output whole "
    "(its per-object results say SKIPPED or PARTIAL), so they were not verified.",
    "macie_results_missing": "Macie recorded no result for some objects of the cleaned "
    "output, so they may not have been read.",
    "macie_results_unavailable": "Macie's results repository is not the data bucket's "
    "macie-results/ prefix, so whether Macie read every object cannot be checked.",
    "pseudonymisation_key_missing": "A column is to be pseudonymised, but no key of at least "
    "16 bytes is configured.",
    "gate_failed": "The synthetic data did not pass the release gate.",
    "no_report": "The evaluation wrote no readable report.json.",
    "input_changed": "The input that Prepare read is not the one that was validated, so the "
    "run stopped before writing.",
}
# What to do, by the reason's code, when the step's own message carries no fix.
FIXES = {
    "pii_found": fixes.PII_FOUND + " reason.json names the columns by position (cleaned/"
    "schema.json, quarantined with the data, lists them in the same order); Macie's "
    "findings, when Macie found it, are in the Macie console.",
    "nothing_classified": (
        "Check that Prepare wrote Parquet under cleaned/ (and, for Macie, that the data "
        "key's policy names Macie's service-linked role); then upload the file again."
    ),
    "unreadable_object": (
        "Check that Prepare completed and wrote valid Parquet under cleaned/, and that the "
        "verify job's role may read and decrypt it; then upload the file again."
    ),
    "macie_timeout": (
        "Macie did not finish in time; raise macieTimeoutMinutes, or upload again later."
    ),
    "macie_job_stopped": "Someone cancelled or paused the Macie job; upload the file again.",
    "macie_not_enabled": (
        "Enable Macie (aws macie2 enable-macie, or deploy with -c enableMacieSession=true), "
        "or deploy with -c skipMacie=true; then upload the file again."
    ),
    "macie_objects_skipped": (
        "The function's log (macie.results) gives Macie's reasons: PERMISSION_DENIED or "
        "INVALID_ENCRYPTION mean the data key's policy must let Macie's service-linked role "
        "decrypt; then upload the file again."
    ),
    "macie_results_missing": (
        "See the Macie job's log (CloudWatch /aws/macie/classificationjobs), then upload the "
        "file again."
    ),
    "macie_results_unavailable": fixes.MACIE_RESULTS_REPOSITORY,
    "pseudonymisation_key_missing": (
        "Check the pseudonymisation secret (pseudonymisationSecretArn, or the one the "
        "storage stack creates) and that Prepare may read it; or choose 'drop' for the column."
    ),
    "gate_failed": fixes.GATE_FAILED,
    "input_changed": fixes.INPUT_CHANGED,
    "no_report": "The evaluation wrote no report.json; see the generate job's log.",
}
DEFAULT_FIX = "See the step's log in the execution history, fix the cause, upload again."


def _subject(text: str) -> str:
    return text if len(text) <= SUBJECT_MAX else text[: SUBJECT_MAX - 3] + "..."


def success_message(state: dict[str, Any]) -> tuple[str, str]:
    dataset, run_id = state["dataset"], state["runId"]
    synthetic = state["paths"]["synthetic"]
    scan = state.get("privacyScan") or {}
    verified = (state.get("verify") or {}).get("scan") or {}
    verify_line = (
        f"The pipeline's own scan of every value found no personal data "
        f"({verified.get('rows_scanned', '?')} rows, {verified.get('objects_scanned', '?')} "
        "objects)."
    )
    scan_line = (
        f"Macie found no personal data in the cleaned data (job {scan.get('jobId')})."
        if scan.get("engine") == "macie"
        else "Macie was skipped (skipMacie)."
    )
    gate = state.get("gate") or {}
    published = state.get("published") or {}
    lines = [
        f"The synthetic version of {state['key']} (version {state['versionId']}) is ready.",
        "",
        f"Synthetic data: {synthetic}",
        f"Report:         {synthetic}report.html",
        f"Manifest:       {synthetic}manifest.json",
        f"Release:        attempt {published.get('attempt', '?')}, published "
        f"{published.get('publishedAt', '?')}; it stands while manifest.json (written "
        "last) is there and every file it lists has the size and ETag it records.",
        "",
        verify_line,
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
    if reason.get("release"):
        lines.append(f"Release:       {reason['release']}")
    lines += ["", "raw/ is never changed: upload a corrected file as a new object.", ""]
    lines.append(f"Run: {dataset} / {run_id}")
    return _subject(f"synthpipe: {dataset} run stopped at {step} ({code})"), "\n".join(lines)
