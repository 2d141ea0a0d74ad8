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
maximum, and category labels seen at least k times).
"""

from synthpipe.evaluate.core import evaluate
from synthpipe.evaluate.gate import Gate, Thresholds
from synthpipe.evaluate.html import render_html
from synthpipe.evaluate.report import REPORT_VERSION, Report, load_schema, write_report

__all__ = [
    "REPORT_VERSION",
    "Gate",
    "Report",
    "Thresholds",
    "evaluate",
    "load_schema",
    "render_html",
    "write_report",
]
