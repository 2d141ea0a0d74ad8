"""Gate and publish: only a run whose report passes reaches `synthetic/`.

The same functions serve the local runner and the publish Lambda (roots are local
folders or `s3://bucket`).
"""

from __future__ import annotations

from typing import Any

from synthpipe import fixes, storage
from synthpipe.errors import StepFailed
from synthpipe.layout import RunLayout

PUBLISHED = ("synthetic.csv", "synthetic.parquet", "report.html", "report.json")


def check_gate(report: dict[str, Any]) -> None:
    """Raise `gate_failed`, naming each failed gate with its value and threshold."""
    failed = [g for g in report.get("gates", []) if not g.get("passed")]
    if report.get("verdict") == "pass" and not failed:
        return
    described = "; ".join(
        f"{g['name']} = {_figure(g['value'])} (needs {_figure(g['threshold'])})" for g in failed
    )
    raise StepFailed(
        code="gate_failed",
        message=f"The synthetic data did not pass the release gate: {described or 'no verdict'}.",
        fix=fixes.GATE_FAILED,
        details={"failed_gates": [g["name"] for g in failed]},
        step="publish",
    )


def _figure(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def publish(layout: RunLayout, manifest: dict[str, Any]) -> list[str]:
    """Copy the staged output to synthetic/<dataset>/<run_id>/ with manifest.json last,
    so that a reader who sees the manifest finds every file it lists."""
    report = storage.read_json(f"{layout.staging}/report.json")
    check_gate(report)
    written = []
    for name in PUBLISHED:
        target = f"{layout.synthetic}/{name}"
        storage.copy_file(f"{layout.staging}/{name}", target)
        written.append(target)
    manifest = manifest | {"status": "published", "published": written}
    storage.write_json(f"{layout.synthetic}/manifest.json", manifest)
    return [*written, f"{layout.synthetic}/manifest.json"]
