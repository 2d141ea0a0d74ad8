"""Evaluation step: fidelity, privacy and utility of synthetic data, the gate, the report.

    from synthpipe.evaluate import Thresholds, evaluate, write_report

    report = evaluate(train=..., holdout=..., synthetic=..., schema=..., target_column="fraud",
                      thresholds=Thresholds.from_settings({"quality": 0.85}), seed=0,
                      lineage={...}, prepare_summary=[...])
    write_report(report, "staging/banksim/<run_id>")   # report.json + report.html
    report.verdict, report.failed_gates

Modules: `fidelity` (SDMetrics quality and diagnostic, summaries, chart data), `privacy`
(closer-to-training share, DCR, exact copies, PII rescan; how our share differs from
SDMetrics' DCROverfittingProtection), `utility` (TSTR vs TRTR, target rate), `gate`
(thresholds and verdict), `report` (report.json contract), `html` (report.html),
`disclosure` (what the report may print of the real data: quantiles, never a minimum or a
maximum, and category labels seen at least k times), `attacks` (singling out, linkability,
attribute and membership inference against the holdout as control; with `singling_out`
and `risk`, their statistics).
"""

from __future__ import annotations

import importlib
from typing import Any

# Imported on first use, so that `synthpipe.evaluate.gate` (the thresholds, which the
# start Lambda and the CDK settings check) loads without pandas and SDMetrics.
_EXPORTS = {
    "REPORT_VERSION": "synthpipe.evaluate.report",
    "Gate": "synthpipe.evaluate.gate",
    "Report": "synthpipe.evaluate.report",
    "Thresholds": "synthpipe.evaluate.gate",
    "evaluate": "synthpipe.evaluate.core",
    "load_schema": "synthpipe.evaluate.report",
    "render_html": "synthpipe.evaluate.html",
    "write_report": "synthpipe.evaluate.report",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
