"""`report.json`: the evaluation's contract, versioned by `report.schema.json`.

Readers key on `version`; a change that removes or renames a field bumps it. Plot data
is kept in the report (`plots`), so report.html can be rendered again from report.json
alone (`render_html`).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from synthpipe.evaluate.gate import Gate

# 2: column summaries show p1 and p99 instead of min and max, category labels seen fewer
# than k times are pooled as "other (rare)", and `value_protection` is recorded.
REPORT_VERSION = "2"
SCHEMA_PATH = Path(__file__).with_name("report.schema.json")


@dataclass
class SampleSizes:
    """Rows behind each figure. Quadratic or per-pair parts run on random subsamples."""

    train_rows: int
    holdout_rows: int
    synthetic_rows: int
    # Real (training) and synthetic rows each: SDMetrics quality and the heatmaps. The
    # ceiling scores at most as many holdout rows (quality.ceiling.holdout_rows).
    quality_rows: int
    # Synthetic rows whose closest records were measured, and rows of the training and
    # of the holdout sample they were measured against (equal sizes).
    privacy_rows: int
    privacy_reference_rows: int
    # Rows each classifier was fitted on (None without a target).
    utility_rows: int | None
    # All rows: summary statistics, diagnostic, exact copies, PII rescan.
    full_scan_rows: int


@dataclass
class Quality:
    """SDMetrics quality (0..1) with per-column and per-pair details."""

    score: float | None
    column_shapes: float | None
    column_pair_trends: float | None
    # name -> {sdtype, metric, score, real: {...}, synthetic: {...}} (summary statistics:
    # quantiles p1..p99 of numbers and dates, labels seen at least k times; no min or max)
    columns: dict[str, dict[str, Any]]
    # [{columns: [a, b], metric, score, real_correlation, ...}]
    pairs: list[dict[str, Any]]
    # {value, columns: [a, b], real, synthetic}: see fidelity.association_gap
    association_gap: dict[str, Any]
    # {score, ratio, holdout_rows, synthetic_rows, note}: see fidelity.ceiling. Added to
    # version 2 without a bump: reports written before it lack the key.
    ceiling: dict[str, Any] | None = None
    # {rows: {column: {low, high}}, note}: the synthetic rows generate drew beyond the
    # protection bounds (`synthpipe.tails`); None when none were.
    tails: dict[str, Any] | None = None


@dataclass
class Privacy:
    closer_to_training_share: float
    exact_copies: int
    exact_copies_beyond_chance: int
    exact_copies_expected_by_chance: float
    pii_hits: int
    # column -> entity types found (never a value)
    pii_columns: dict[str, list[str]]
    # distance-to-closest-record percentiles (see privacy.memorisation)
    dcr: dict[str, Any]
    # how the chance allowance for copies was found (see privacy.exact_copies)
    copies: dict[str, Any]
    # synthetic date columns that spread like births, judged on the real column (see
    # privacy.pii_rescan); added to version 2 without a bump
    pii_dates_judged_on_real: list[str] = field(default_factory=list)


@dataclass
class Report:
    dataset: str
    run_id: str
    verdict: str
    gates: list[Gate]
    thresholds: dict[str, Any]
    quality: Quality
    privacy: Privacy
    utility: dict[str, Any] | None
    target_rate: dict[str, Any] | None
    diagnostic: dict[str, Any]
    sample_sizes: SampleSizes
    # What Prepare removed or changed: [{column, action, entity_types, reason}]
    prepare: list[dict[str, Any]]
    # {applied_by_prepare, settings: ValueProtection.to_dict(), report_quantiles,
    #  columns: {name: schema.json's protection counts}}: see evaluate.disclosure
    value_protection: dict[str, Any]
    lineage: dict[str, Any]
    plots: dict[str, Any]
    seed: int
    timings: dict[str, float] = field(default_factory=dict)
    # Attack-based privacy risks with their intervals, sizes and runtime (see `attacks`).
    # Added to version 2 without a bump (nothing removed or renamed): reports written
    # before it lack the key.
    attacks: dict[str, Any] | None = None
    # The engine that made the rows, from training.json: {name, setting, reason,
    # candidates} (`synthpipe.train.engines`; reason and candidates with engine=auto).
    # Added to version 2 without a bump: reports written before it lack the key.
    engine: dict[str, Any] | None = None
    # Differential privacy of training: {"mode": "off"}, or training.json's `privacy`
    # (epsilon, delta, noise multiplier, clipping norm, steps, sample rate, and per
    # column whether preprocessing took it from public declarations or DP statistics).
    # Added to version 2 without a bump: reports written before it lack the key.
    differential_privacy: dict[str, Any] | None = None
    version: str = REPORT_VERSION

    @property
    def failed_gates(self) -> list[str]:
        return [g.name for g in self.gates if not g.passed]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types only (NaN becomes null), in the shape of report.schema.json."""
        return jsonable(asdict(self))


def jsonable(value: Any) -> Any:
    """Numpy scalars to Python, NaN and infinities to None, tuples to lists."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def load_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def write_report(report: Report | dict[str, Any], out_dir: str | Path) -> tuple[Path, Path]:
    """Write report.json and report.html into `out_dir`; returns both paths."""
    from synthpipe.evaluate.html import render_html  # html imports report: avoid a cycle

    data = report.to_dict() if isinstance(report, Report) else report
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    json_path, html_path = out / "report.json", out / "report.html"
    json_path.write_text(json.dumps(data, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    html_path.write_text(render_html(data), encoding="utf-8")
    return json_path, html_path
