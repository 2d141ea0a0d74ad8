"""`report.html`: one self-contained page rendered from report.json alone.

No script, no external style, font or image: charts are inline SVG drawn here, so the
file opens offline, stays small (tens of kilobytes) and cannot raise a console error.
Every text from the data (column names, categories, lineage) is HTML-escaped.
"""

from __future__ import annotations

import json
import math
from html import escape
from pathlib import Path
from string import Template
from typing import Any

from synthpipe.evaluate import svg
from synthpipe.evaluate.attacks import MIN_DECIDING_QUERIES
from synthpipe.evaluate.disclosure import OTHER_RARE
from synthpipe.evaluate.gate import places_apart
from synthpipe.protection import ValueProtection

TEMPLATE_PATH = Path(__file__).with_name("report_template.html")

GATE_LABELS = {
    "quality": "Fidelity: SDMetrics quality score",
    "quality_ratio": "Fidelity: quality as a share of the ceiling (real unseen rows)",
    "association_gap": "Fidelity: largest change in a relationship between two columns",
    "closer_to_training_share": "Memorisation: share of synthetic rows closer to training",
    "exact_copies_beyond_chance": "Exact copies of training rows, beyond chance",
    "pii_hits": "Personal data found in the synthetic output (columns)",
    "target_rate": "Target class rate: largest relative deviation",
    "singling_out_risk": "Attack: singling out a real person (risk)",
    "linkability_risk": "Attack: linking two halves of a real record (risk)",
    "attribute_inference_risk": "Attack: inferring a column of a real person (risk)",
    "membership_inference_auc": "Attack: telling who was in the training data (AUC)",
}
# One plain sentence per attack: what it asks. (report key, gate name, label, sentence)
ATTACKS = (
    (
        "singling_out_univariate",
        "singling_out_risk",
        "Singling out, one column",
        "Can a value that appears once in the synthetic data pick out exactly one real person "
        "of the training data, more often than one of the people the model never saw?",
    ),
    (
        "singling_out_multivariate",
        "singling_out_risk",
        "Singling out, several columns",
        "Can a combination of a few column values taken from a synthetic row pick out exactly "
        "one real person of the training data, more often than an unseen person?",
    ),
    (
        "singling_out_pooled",
        "singling_out_risk",
        "Singling out, both kinds",
        "The two kinds of query above counted together. A kind holding fewer than "
        f"{MIN_DECIDING_QUERIES} queries "
        "is too few to decide alone (one success moves its rate a lot); it decides this way.",
    ),
    (
        "linkability",
        "linkability_risk",
        "Linkability",
        "Can someone holding two halves of a person's record (two data sets with different "
        "columns) join them through the synthetic data, more often for training rows?",
    ),
    (
        "attribute_inference",
        "attribute_inference_risk",
        "Attribute inference",
        "Knowing all other columns of a person, does the most similar synthetic row give away "
        "the remaining one, more often for training rows than for unseen rows?",
    ),
    (
        "membership_inference",
        "membership_inference_auc",
        "Membership inference",
        "Can someone tell whether a person was in the training data from how close their "
        "record lies to the synthetic data? (AUC 0.5: no better than a coin toss.)",
    ),
)
PERCENT_GATES = ("target_rate",)
# schema.json's per-column protection counts (synthpipe.schema.ColumnSchema.protection).
PROTECTION_COUNTS = {
    "rare_categories": "Rare categories replaced",
    "rare_rows": "Rows with a rare category",
    "clipped_low_rows": "Rows clipped low",
    "clipped_high_rows": "Rows clipped high",
}


def render_html(report: dict[str, Any]) -> str:
    """The page for one report (the dict of report.json)."""
    sections = [
        _gates(report),
        _fidelity(report),
        _privacy(report),
        _differential_privacy(report),
        _utility(report),
        _prepare(report),
        _protection(report),
        _lineage(report),
        _sizes(report),
    ]
    template = Template(TEMPLATE_PATH.read_text(encoding="utf-8"))
    title = f"Synthetic data report: {report['dataset']} {report['run_id']}"
    return template.substitute(
        title=escape(title),
        header=_header(report),
        body="\n".join(sections),
        version=escape(str(report["version"])),
    )


# --- helpers ------------------------------------------------------------------------------


def _fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return escape(str(value))


def _pct(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None else f"{100 * value:.{digits}f}%"


def _table(headers: list[str], rows: list[list[str]], row_classes: list[str] | None = None) -> str:
    """A table; cells are already HTML (escaped by the caller)."""
    head = "".join(f"<th>{h}</th>" for h in headers)
    body = []
    for i, row in enumerate(rows):
        css = f' class="{row_classes[i]}"' if row_classes and row_classes[i] else ""
        cells = "".join(row)
        body.append(f"<tr{css}>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _values(count: int) -> str:
    return f"{_fmt(count)} value" if count == 1 else f"{_fmt(count)} values"


def _td(text: str, numeric: bool = False) -> str:
    return f'<td class="num">{text}</td>' if numeric else f"<td>{text}</td>"


def _badge(passed: bool) -> str:
    return (
        '<span class="badge pass">PASS</span>' if passed else '<span class="badge fail">FAIL</span>'
    )


# --- sections -----------------------------------------------------------------------------


def _header(report: dict[str, Any]) -> str:
    verdict = report["verdict"]
    failed = [g["name"] for g in report["gates"] if not g["passed"]]
    if verdict == "pass":
        summary = f"All {len(report['gates'])} gates passed: this data may be released."
    else:
        names = ", ".join(escape(GATE_LABELS.get(n, n)) for n in failed)
        summary = f"Not released. Failed: {names}. See what to try below."
    nav = "".join(
        f'<a href="#{anchor}">{label}</a>'
        for anchor, label in (
            ("gates", "Gates"),
            ("fidelity", "Fidelity"),
            ("privacy", "Privacy"),
            ("utility", "Utility"),
            ("prepare", "Prepare"),
            ("protection", "Rare values"),
            ("lineage", "Lineage"),
        )
    )
    return (
        f"<h1>Synthetic data report: {escape(report['dataset'])}</h1>"
        f'<p class="sub">Run <code>{escape(report["run_id"])}</code></p>'
        f'<div id="verdict" class="verdict {escape(verdict)}">'
        f"<strong>{escape(verdict.upper())}</strong>{summary}</div>"
        f"<nav>{nav}</nav>"
    )


def _gate_value(gate: dict[str, Any]) -> tuple[str, str]:
    sign = "≥" if gate["direction"] == "min" else "≤"
    if gate["name"] in PERCENT_GATES:
        return _pct(gate["value"]), f"{sign} {_pct(gate['threshold'], 0)}"
    value, threshold = gate["value"], gate["threshold"]
    places = places_apart(value, threshold) if isinstance(value, float) else 3
    return _fmt(value, places), f"{sign} {_fmt(threshold, 2)}"


def _gates(report: dict[str, Any]) -> str:
    rows, classes = [], []
    for gate in report["gates"]:
        value, threshold = _gate_value(gate)
        advice = escape(gate["advice"])
        if gate["passed"]:
            advice = f'<span class="meta">If it fails: {advice}</span>'
        else:
            advice = f"<strong>Try:</strong> {advice}"
        rows.append(
            [
                _td(escape(GATE_LABELS.get(gate["name"], gate["name"]))),
                _td(f"<code>{escape(gate['name'])}</code>"),
                _td(value, numeric=True),
                _td(threshold, numeric=True),
                _td(_badge(gate["passed"])),
                _td(advice),
            ]
        )
        classes.append("" if gate["passed"] else "failed")
    headers = ["Gate", "Name in settings", "Value", "Threshold", "Result", "What to try"]
    return '<h2 id="gates">Release gates</h2>' + _table(headers, rows, classes)


def _fidelity(report: dict[str, Any]) -> str:
    quality = report["quality"]
    sizes = report["sample_sizes"]
    parts = [
        '<h2 id="fidelity">Fidelity: does the synthetic data look like the real data?</h2>',
        '<div class="explain">Scores from SDMetrics, 0 to 1 (1: identical distributions). '
        "<em>Column shapes</em> compares each column's distribution; <em>column pair "
        "trends</em> compares correlations and associations between pairs of columns "
        "(averaged over the pairs that have a real trend to keep). Measured on "
        f"{_fmt(sizes['quality_rows'])} random rows of each; the real side is the "
        "training data.</div>",
        _table(
            ["Overall quality", "Column shapes", "Column pair trends"],
            [
                [
                    _td(_fmt(quality["score"]), True),
                    _td(_fmt(quality["column_shapes"]), True),
                    _td(_fmt(quality["column_pair_trends"]), True),
                ]
            ],
        ),
        _ceiling(quality),
        _tails(quality.get("tails")),
        _engine(report.get("engine")),
        "<h3>Columns: score and summary statistics, real vs synthetic</h3>",
        _column_table(quality["columns"]),
        "<h3>Distributions per column</h3>",
        svg.legend(),
        _column_charts(report),
        "<h3>Associations between columns</h3>",
        _heatmaps(report["plots"]["associations"], quality["association_gap"]),
        "<h3>Column pairs with the lowest scores</h3>",
        _pairs_table(quality["pairs"]),
        _diagnostic(report["diagnostic"]),
    ]
    return "\n".join(parts)


def _ceiling(quality: dict[str, Any]) -> str:
    """The ceiling and the ratio, with one sentence on how to read them (absent from
    reports written before the ceiling existed)."""
    ceiling = quality.get("ceiling")
    if not ceiling:
        return ""
    note = f" {escape(ceiling['note'])}" if ceiling.get("note") else ""
    return (
        '<div class="explain">The ceiling is the same score for real rows the model never '
        "saw (the holdout) against the training rows: the best a generator can be expected "
        "to reach on this data. A low ratio (quality / ceiling) means a weak model; a low "
        f"ceiling means data that is hard to model.{note}</div>"
        + _table(
            ["Ceiling (holdout vs training)", "Quality / ceiling"],
            [[_td(_fmt(ceiling["score"]), True), _td(_fmt(ceiling["ratio"]), True)]],
        )
    )


def _tails(tails: dict[str, Any] | None) -> str:
    """How many synthetic rows lie beyond the protection bounds, per column (counts only;
    absent when generate drew none)."""
    if not tails:
        return ""
    rows = [
        [
            _td(escape(name)),
            _td(_fmt(sides.get("low", 0)), True),
            _td(_fmt(sides.get("high", 0)), True),
        ]
        for name, sides in tails["rows"].items()
    ]
    return f'<div class="explain">{escape(tails["note"])}</div>' + _table(
        ["Column", "Rows below the low bound", "Rows above the high bound"], rows
    )


def _engine(engine: dict[str, Any] | None) -> str:
    """Which engine made the rows and, with engine=auto, every candidate's holdout scores
    (absent from reports written before engines)."""
    if not engine:
        return ""
    text = f"Made by {_engine_name(engine['name'], engine.get('variant'))}"
    if engine.get("setting") != "auto":
        return f'<div class="explain">{text} (setting <code>engine</code>: ' + (
            f"{escape(engine['setting'])}).</div>"
        )
    rows = [
        [
            _td(_engine_name(c["engine"], c.get("variant"))),
            _td(_fmt(c["quality"]), True),
            _td(_fmt(c["closer_to_training"]), True),
            _td(_fmt(c["seconds"], 0), True),
            _td(_candidate_result(c, engine)),
        ]
        for c in engine.get("candidates", [])
    ]
    reason = f" {escape(engine['reason'])}." if engine.get("reason") else ""
    return (
        f'<div class="explain">{text}: with <code>engine: auto</code> TabularARGN trains '
        "first and is scored against the holdout (quality of its rows against real rows "
        "it never saw, and the share of its rows closer to training than to holdout "
        "rows). Above the privacy bar it trains once more with a smaller network. TVAE "
        "trains too only when ARGN misses the privacy bar or the default quality gates; "
        f"then the one within the privacy bar with the higher quality is kept.{reason}</div>"
        + _table(["Engine", "Holdout quality", "Closer to training", "Seconds", "Result"], rows)
    )


def _engine_name(engine: str, variant: str | None) -> str:
    """The engine's name, and how it was trained when not with its defaults (`variant`,
    absent from reports written before auto could retry ARGN)."""
    names = {"tvae": "TVAE (SDV)", "argn": "TabularARGN (mostlyai-engine)"}
    name = names.get(engine, escape(engine))
    return f"{name}, {escape(variant)}" if variant else name


def _candidate_result(candidate: dict[str, Any], engine: dict[str, Any]) -> str:
    kept = (engine["name"], engine.get("variant", ""))
    if (candidate["engine"], candidate.get("variant", "")) == kept:
        return "kept"
    # `skipped` is absent from reports written before auto could skip TVAE.
    if candidate.get("skipped"):
        return f"not trained: {escape(candidate['skipped'])}"
    return escape(candidate["failure"] or "not kept")


def _summary_text(stats: dict[str, Any], sdtype: str) -> str:
    """One cell: the labels or quantiles report.json holds (never a minimum or maximum)."""
    if "top" in stats:
        shown = [f"{escape(t['value'])} {_pct(t['share'])}" for t in stats["top"][:3]]
        rare = stats.get("rare") or {}
        if rare.get("values"):
            shown.append(
                f"{escape(rare['label'])} {_pct(rare['share'])} ({_values(rare['values'])})"
            )
        return f"{_values(stats['distinct'])}; top: {', '.join(shown) or '–'}"
    if "median" not in stats:
        present = stats["count"] - stats["missing"]
        return "too few values to summarise" if present else "no values"
    if sdtype == "datetime":
        low, high, median = (escape(stats[k]) for k in ("p1", "p99", "median"))
        return f"p1 {low} … p99 {high}, median {median}"
    return (
        f"mean {_fmt(stats['mean'], 2)}, sd {_fmt(stats['std'], 2)}, median "
        f"{_fmt(stats['median'], 2)}, p1–p99 {_fmt(stats['p1'], 2)} – {_fmt(stats['p99'], 2)}"
    )


def _column_table(columns: dict[str, Any]) -> str:
    rows = []
    for name, info in columns.items():
        missing = f"{_fmt(info['real']['missing'])} / {_fmt(info['synthetic']['missing'])}"
        rows.append(
            [
                _td(f"<code>{escape(name)}</code>"),
                _td(escape(info["sdtype"])),
                _td(escape(str(info.get("metric")))),
                _td(_fmt(info.get("score")), True),
                _td(_summary_text(info["real"], info["sdtype"])),
                _td(_summary_text(info["synthetic"], info["sdtype"])),
                _td(missing, True),
            ]
        )
    headers = ["Column", "Type", "Metric", "Score", "Real", "Synthetic", "Missing (real / syn.)"]
    return _table(headers, rows)


def _column_charts(report: dict[str, Any]) -> str:
    cards = []
    scores = report["quality"]["columns"]
    for name, plot in report["plots"]["columns"].items():
        score = scores.get(name, {}).get("score")
        kind = (
            "histogram, share of rows per bin" if plot["kind"] == "histogram" else "share of rows"
        )
        cards.append(
            f'<div class="card"><h3>{escape(name)}</h3>'
            f'<p class="meta">{kind}; score {_fmt(score)}</p>'
            f"{svg.grouped_bars(plot['labels'], plot['real'], plot['synthetic'])}</div>"
        )
    return f'<div class="grid">{"".join(cards)}</div>'


def _heatmaps(assoc: dict[str, Any], gap: dict[str, Any]) -> str:
    limit = svg.MAX_HEATMAP_COLUMNS
    columns = assoc["columns"][:limit]
    text = (
        '<div class="explain">Two numbers: Spearman correlation (−1 to 1). Otherwise '
        "Cramér's V (0 to 1), numbers cut into 10 quantile bins. The third map is the "
        "absolute difference: dark cells are relationships the synthetic data lost or "
        "invented.</div>"
    )
    if gap.get("columns"):
        a, b = (escape(c) for c in gap["columns"])
        text += (
            f"<p>Largest difference: <code>{a}</code> × <code>{b}</code>, "
            f"{_fmt(gap['real'])} real vs {_fmt(gap['synthetic'])} synthetic "
            f"(gap {_fmt(gap['value'])}).</p>"
        )
    omitted = len(assoc["columns"]) - len(columns) + len(assoc.get("omitted_columns") or [])
    if omitted:
        text += f'<p class="note">{omitted} more columns are not drawn.</p>'

    def square(matrix: list[list[float | None]]) -> list[list[float | None]]:
        return [row[:limit] for row in matrix[:limit]]

    maps = [
        ("Real", square(assoc["real"]), -1.0, 1.0),
        ("Synthetic", square(assoc["synthetic"]), -1.0, 1.0),
        ("Difference |real − synthetic|", square(assoc["difference"]), 0.0, 1.0),
    ]
    cards = "".join(
        f'<div class="card"><h3>{title}</h3>{svg.heatmap(columns, matrix, low, high)}</div>'
        for title, matrix, low, high in maps
    )
    return text + f'<div class="grid">{cards}</div>'


def _pairs_table(pairs: list[dict[str, Any]], limit: int = 10) -> str:
    scored = [p for p in pairs if p.get("score") is not None]
    scored.sort(key=lambda p: p["score"])
    rows = [
        [
            _td(f"<code>{escape(p['columns'][0])}</code> × <code>{escape(p['columns'][1])}</code>"),
            _td(escape(p["metric"])),
            _td(_fmt(p["score"]), True),
            _td(_fmt(p.get("real_correlation") or p.get("real_association")), True),
            _td(_fmt(p.get("synthetic_correlation")), True),
            _td(_fmt(p.get("counted_in_score"))),
        ]
        for p in scored[:limit]
    ]
    if not rows:
        return "<p>No pair of columns was scored.</p>"
    headers = ["Pair", "Metric", "Score", "Real trend", "Synthetic corr.", "Counted in score"]
    return _table(headers, rows)


def _diagnostic(diagnostic: dict[str, Any]) -> str:
    rows = [
        [
            _td(f"<code>{escape(name)}</code>"),
            _td(escape(info["metric"])),
            _td(_fmt(info["score"]), True),
        ]
        for name, info in diagnostic["columns"].items()
    ]
    return (
        "<h3>Diagnostic (validity only)</h3>"
        f'<p class="note">{escape(diagnostic["note"])}</p>'
        + _table(
            ["Diagnostic score", "Data validity", "Data structure"],
            [
                [
                    _td(_fmt(diagnostic["score"]), True),
                    _td(_fmt(diagnostic["data_validity"]), True),
                    _td(_fmt(diagnostic["data_structure"]), True),
                ]
            ],
        )
        + _table(["Column", "Metric", "Score"], rows)
        + _unknown_categories(diagnostic.get("unknown_categories"))
        + _orders(diagnostic.get("orders"))
        + _lookups(diagnostic.get("lookups"))
    )


def _unknown_categories(unknown: dict[str, Any] | None) -> str:
    """Rows with a category the real data lacks (absent from reports made before it)."""
    if not unknown:
        return ""
    columns = ", ".join(
        f"<code>{escape(name)}</code>: {count:,}" for name, count in unknown["columns"].items()
    )
    return (
        "<h3>Categories and codes the real data lacks</h3>"
        f'<p class="note">{escape(unknown["note"])}</p>'
        + _table(
            ["Rows", "Share of synthetic rows", "Per column"],
            [
                [
                    _td(f"{unknown['rows']:,}", True),
                    _td(f"{100 * unknown['share']:.2f}%", True),
                    _td(columns or "no column is modelled as a category"),
                ]
            ],
        )
    )


def _orders(orders: dict[str, Any] | None) -> str:
    """The orders the real rows keep and the synthetic rows that break one (absent when
    the real rows keep none, and from reports made before orders)."""
    if not orders:
        return ""
    pairs = ", ".join(
        f"<code>{escape(o['low'])}</code> &le; <code>{escape(o['high'])}</code>"
        for o in orders["pairs"]
    )
    at_generate = orders.get("at_generate") or {}
    return (
        "<h3>Orders the real rows keep</h3>"
        f'<p class="note">{escape(orders["note"])}</p>'
        + _table(
            ["Pairs", "Rows breaking one", "Replaced at generate", "Mended at generate"],
            [
                [
                    _td(pairs),
                    _td(f"{orders['rows']:,}", True),
                    _td(f"{at_generate.get('rows_replaced', 0):,}", True),
                    _td(f"{at_generate.get('rows_mended', 0):,}", True),
                ]
            ],
        )
    )


def _lookups(lookups: dict[str, Any] | None) -> str:
    """The columns another decides and the synthetic rows that break one (absent when no
    column decides another, and from reports made before lookups)."""
    if not lookups:
        return ""
    pairs = ", ".join(
        f"<code>{escape(p['source'])}</code> &rarr; <code>{escape(p['target'])}</code>"
        for p in lookups["pairs"]
    )
    return (
        "<h3>Columns another column decides</h3>"
        f'<p class="note">{escape(lookups["note"])}</p>'
        + _table(["Pairs", "Rows breaking one"], [[_td(pairs), _td(f"{lookups['rows']:,}", True)]])
    )


def _draws(dcr: dict[str, Any]) -> str:
    """How the share was averaged; empty for reports written before the draws."""
    draws = dcr.get("closer_to_training_draws") or []
    if len(draws) < 2:
        return ""
    return (
        f", the mean of {len(draws)} independent samples, which read "
        f"{_fmt(min(draws))} to {_fmt(max(draws))}"
    )


def _privacy(report: dict[str, Any]) -> str:
    privacy = report["privacy"]
    dcr = privacy["dcr"]
    copies = privacy["copies"]
    share = privacy["closer_to_training_share"]
    bar = report["thresholds"]["closer_to_training_share"]
    pii = privacy["pii_columns"]
    pii_text = (
        "No column of the synthetic output was flagged."
        if not pii
        else "Flagged: "
        + "; ".join(f"<code>{escape(c)}</code> ({escape(', '.join(t))})" for c, t in pii.items())
    )
    on_real = privacy.get("pii_dates_judged_on_real") or []
    if on_real:
        pii_text += (
            " The synthetic dates of "
            + ", ".join(f"<code>{escape(c)}</code>" for c in on_real)
            + " spread like dates of birth; the real column the model learnt holds none"
            " (a series' calendar), so they were not flagged."
        )
    return "\n".join(
        [
            '<h2 id="privacy">Privacy: could the synthetic data reveal a real person?</h2>',
            "<h3>Memorisation</h3>",
            '<div class="explain">For each synthetic row we find the most similar real row in '
            "the training data (which the model learned from) and in the holdout data (real "
            "rows the model never saw). A model that generalises is as close to one as to the "
            "other: about half of the synthetic rows are closer to training (0.5). A model "
            "that memorised its training rows makes more than half of them closer to training. "
            f"Measured on {_fmt(dcr['synthetic_rows'])} synthetic rows against "
            f"{_fmt(dcr['reference_rows'])} training and {_fmt(dcr['reference_rows'])} "
            f"holdout rows (of {_fmt(report['sample_sizes']['train_rows'])} training rows: "
            "only copies of the sampled ones can be closer to training, so even pure copies "
            f"would score only {_fmt(dcr['max_share_for_pure_copies'])}).</div>",
            f"<p>Share closer to training: <strong>{_fmt(share)}</strong> (bar: at most "
            f"{_fmt(bar, 2)}){_draws(dcr)}.</p>",
            svg.share_gauge(share, bar),
            "<h3>Distance to the closest real record</h3>",
            '<div class="explain">Distances run from 0 (identical row) to 1 (every column '
            "different); each column weighs the same (numbers by percentile, categories equal "
            "or not). The grey bars are real holdout rows measured against the training rows: "
            "what a genuinely new real row looks like. Synthetic rows much closer to training "
            "than that, or many at 0, would be a warning.</div>",
            svg.dcr_chart(dcr),
            _dcr_table(dcr),
            "<h3>Exact copies</h3>",
            f"<p>{_fmt(privacy['exact_copies'])} of "
            f"{_fmt(report['sample_sizes']['synthetic_rows'])} "
            "synthetic rows equal a training row on every evaluated column. On this data, "
            f"{_pct(copies['chance_rate'], 3)} of real rows equal another real row by chance "
            f"({_fmt(copies['holdout_rows_equal_to_training'])} holdout rows equal a training "
            f"row, {_fmt(copies['training_rows_with_twin'])} training rows have a twin"
            f"{_dropped_duplicates(copies)}), so "
            f"about {_fmt(privacy['exact_copies_expected_by_chance'], 1)} copies are expected "
            f"by chance and up to {_fmt(copies['exact_copies_allowed_by_chance'])} are allowed. "
            f"Beyond chance: <strong>{_fmt(privacy['exact_copies_beyond_chance'])}</strong>.</p>",
            _copy_filter(copies.get("replaced_at_generate")),
            "<h3>Personal data rescan</h3>",
            "<p>Every value of every column of the synthetic output "
            f"({_fmt(report['sample_sizes']['full_scan_rows'])} rows) was scanned with the "
            f"personal-data detectors Prepare uses. {pii_text}</p>",
            _attacks(report),
        ]
    )


# What differs when TabularARGN trained with its own DP-SGD (synthpipe.train.argn).
ARGN_DP_NOTE = (
    " TabularARGN trained with its own DP-SGD; its encodings were learned from rows drawn "
    "from the DP statistics, and its checkpoint choice, learning-rate schedule and early "
    "stop read its loss on such rows, not on real ones."
)


def _dropped_duplicates(copies: dict[str, Any]) -> str:
    """The input's duplicate rows counted as chance (absent from earlier reports)."""
    share = copies.get("input_duplicate_share")
    if not share:
        return ""
    return f", and {_pct(share, 3)} of input rows repeated another and were dropped in Prepare"


def _copy_filter(record: dict[str, Any] | None) -> str:
    """Generate's filter of copies of real rows (absent from earlier reports)."""
    if not record:
        return ""
    if not record.get("on"):
        return f"<p>Generate did not filter copies: {escape(record['reason'])}.</p>"
    return (
        f"<p>Generate replaced <strong>{_fmt(record['rows_replaced'])}</strong> sampled rows "
        "equal to a real row (training or holdout) with fresh samples before writing: "
        f"{escape(record['reason'])}.</p>"
    )


def _differential_privacy(report: dict[str, Any]) -> str:
    """The DP guarantee in one plain sentence, its budget, and each column's source."""
    head = '<h3 id="dp">Differential privacy</h3>'
    record = report.get("differential_privacy") or {"mode": "off"}
    if record.get("mode") != "dp":
        return head + (
            "<p>Off: the model was trained without differential privacy (set "
            "<code>privacy.epsilon</code> in the dataset config to turn it on).</p>"
        )
    sgd, stats = record["sgd"], record["statistics"]
    argn = record.get("engine") == "argn"
    explain = (
        '<div class="explain">With differential privacy at ε = '
        f"{_fmt(record['epsilon'], 3)} (δ = {record['delta']:.2g}), adding or removing any "
        "one person's row changes the odds of getting this model by at most a factor of "
        f"e<sup>ε</sup> (≈ {_fmt(math.exp(record['epsilon']), 3)}), except with probability "
        "δ. The guarantee covers the rows training reads (the training rows, not the "
        "holdout). Prepare's own protections (rare categories replaced, numbers clipped at "
        "quantiles) read the whole table before training and are not part of it; the "
        "evaluations logged during training read real rows but changed nothing that was "
        f"released.{ARGN_DP_NOTE if argn else ''}</div>"
    )
    budget = _table(
        ["Part", "ε", "δ", "How"],
        [
            [
                _td("Statistics for preprocessing"),
                _td(_fmt(stats["epsilon"], 3), True),
                _td(f"{stats['delta']:.2g}", True),
                _td(
                    "bounds, category sets and class rates; the data transformers were "
                    "fitted on rows drawn from them"
                ),
            ],
            [
                _td("DP-SGD training" + (" (TabularARGN's own)" if argn else "")),
                _td(_fmt(sgd["epsilon"], 3), True),
                _td(f"{sgd['delta']:.2g}", True),
                _td(
                    f"noise multiplier {_fmt(record['noise_multiplier'], 3)}, clipping norm "
                    f"{_fmt(record['max_grad_norm'], 3)}, {_fmt(record['steps'])} steps at "
                    f"sample rate {_fmt(record['sample_rate'], 4)} ({escape(record['accountant'])} "
                    f"accountant: ε spent {_fmt(sgd.get('epsilon_spent'), 3)})"
                ),
            ],
        ],
    )
    columns = (record.get("preprocessing") or {}).get("columns") or []
    rows = [
        [
            _td(f"<code>{escape(str(c['name']))}</code>"),
            _td("public (declared in config)" if c.get("source") == "public" else "DP statistics"),
            _td(_fmt(c["categories_kept"]) if "categories_kept" in c else "–", True),
        ]
        for c in columns
    ]
    sources = _table(["Column", "Bounds or categories from", "Categories kept"], rows)
    return head + explain + budget + sources


def _attacks(report: dict[str, Any]) -> str:
    """The attack-based risks, each with its interval, gate and one plain sentence."""
    head = '<h3 id="attacks">Attacks on the synthetic data</h3>'
    attacks = report.get("attacks")
    if not attacks:
        return head + "<p>Not measured: this report predates attack-based evaluation.</p>"
    gates = {g["name"]: g for g in report["gates"]}
    sizes = attacks["sizes"]
    level = _pct(attacks["confidence"], 0)
    rows, classes = [], []
    for key, gate_name, label, sentence in ATTACKS:
        if key == "singling_out_pooled" and key not in attacks:
            continue  # reports before December 2026 gated the larger mode alone
        part = attacks.get(key) or {}
        value = part.get("auc", part.get("risk"))
        low, high = part.get("ci") or [None, None]
        gate = gates.get(gate_name)
        note = f" Not measured: {escape(part['not_measured'])}." if part.get("not_measured") else ""
        note += f" ({escape(part['note'])}.)" if part.get("note") else ""
        if key == "attribute_inference" and part.get("secret"):
            note += f" Worst secret column: <code>{escape(part['secret'])}</code>."
        verdict = "–" if gate is None else f"{_gate_value(gate)[1]} {_badge(gate['passed'])}"
        rows.append(
            [
                _td(escape(label)),
                _td(escape(sentence) + note),
                _td(_fmt(value), True),
                _td(f"{_fmt(low)} – {_fmt(high)}", True),
                _td(verdict),
            ]
        )
        classes.append("" if gate is None or gate["passed"] else "failed")
    explain = (
        '<div class="explain">Each attack is run against real rows the model was trained on '
        "and, as a control, against holdout rows it never saw, using the synthetic data. A "
        "risk of 0 means the attack does no better on the training rows than on the unseen "
        "ones (what a good model teaches about everyone is not a leak); 1 means every attack "
        "that failed on the unseen rows succeeded on the training rows. Method: Anonymeter "
        f"(singling out, linkability, inference). {_fmt(sizes['targets'])} real rows "
        f"attacked on each side, {_fmt(sizes['synthetic_rows_searched'])} synthetic rows "
        f"searched{_attack_draws(sizes)}; intervals at {level}; the gates read the "
        f"estimate. Runtime {_fmt(attacks['runtime_s'], 1)} s.</div>"
    )
    headers = ["Attack", "What it asks", "Risk", f"{level} interval", "Gate"]
    return head + explain + _table(headers, rows, classes) + _secrets_table(attacks)


def _attack_draws(sizes: dict[str, Any]) -> str:
    draws = sizes.get("draws") or 1  # reports before December 2026 had one draw
    if draws == 1:
        return ""
    return (
        f", {draws} draws pooled for linkability, inference and membership (fresh rows "
        "and tie-breaks each time)"
    )


def _secrets_table(attacks: dict[str, Any]) -> str:
    secrets = (attacks.get("attribute_inference") or {}).get("secrets") or {}
    if not secrets:
        return ""
    rows = [
        [
            _td(f"<code>{escape(name)}</code>"),
            _td(_fmt(part.get("risk")), True),
            _td(f"{_fmt(part['ci'][0])} – {_fmt(part['ci'][1])}", True),
            _td(_pct(part.get("training_rate")), True),
            _td(_pct(part.get("control_rate")), True),
            _td(_pct(part.get("baseline_rate")), True),
            _td(_fmt(part.get("gated"))),
        ]
        for name, part in secrets.items()
    ]
    headers = [
        "Secret column",
        "Risk",
        "Interval",
        "Guessed right: training rows",
        "holdout rows",
        "a random synthetic row",
        "Gated",
    ]
    limit = _pct((attacks.get("attribute_inference") or {}).get("max_control_rate"), 0)
    note = (
        '<p class="note">A column guessed right for more than '
        f"{limit} of the holdout rows is shown but not gated: the other columns already "
        "give it away for everyone, and its risk, measured on the few rows left, is mostly "
        "noise.</p>"
    )
    return "<h3>Attribute inference per secret column</h3>" + _table(headers, rows) + note


def _dcr_table(dcr: dict[str, Any]) -> str:
    headers = ["Distance percentile"] + [f"p{p}" for p in dcr["percentiles"]] + ["Share at 0"]
    rows = []
    for key, label in (
        ("synthetic_to_train", "synthetic → training"),
        ("synthetic_to_holdout", "synthetic → holdout"),
        ("holdout_to_train", "real holdout → training (baseline)"),
    ):
        cells = [_td(label)] + [_td(_fmt(v, 4), True) for v in dcr[key]]
        cells.append(_td(_pct(dcr["share_at_zero"][key], 2), True))
        rows.append(cells)
    return _table(headers, rows)


def _utility(report: dict[str, Any]) -> str:
    rate, useful = report["target_rate"], report["utility"]
    head = '<h2 id="utility">Utility: can the synthetic data train a model?</h2>'
    if rate is None and useful is None:
        return head + "<p>No target column is configured: utility was not measured.</p>"
    parts = [head]
    if useful is not None:
        parts.append(_utility_table(useful))
    if rate is not None:
        parts.append(_rate_table(rate))
    return "\n".join(parts)


def _utility_table(useful: dict[str, Any]) -> str:
    rows = []
    for metric, label in (("roc_auc", "ROC AUC"), ("f1", "F1")):
        rows.append(
            [
                _td(label),
                _td(_fmt(useful["trtr"].get(metric)), True),
                _td(_fmt(useful["tstr"].get(metric)), True),
                _td(_fmt(useful["ratio"].get(metric)), True),
            ]
        )
    text = (
        '<div class="explain">The same classifier ('
        f"{escape(useful['classifier'])}) predicts <code>{escape(useful['target'])}</code>, "
        f"trained once on {_fmt(useful['training_rows'])} real training rows (TRTR) and once "
        f"on as many synthetic rows (TSTR), both tested on {_fmt(useful['test_rows'])} real "
        "holdout rows. A ratio near 1 means the synthetic data is as useful. Positive class: "
        f"<code>{escape(useful['positive_class'])}</code>.</div>"
    )
    headers = ["Metric", "Train real (TRTR)", "Train synthetic (TSTR)", "Ratio TSTR / TRTR"]
    return text + _table(headers, rows)


def _rate_table(rate: dict[str, Any]) -> str:
    rows = [
        [
            _td(f"<code>{escape(label)}</code>"),
            _td(_pct(info["real_rate"], 2), True),
            _td(_pct(info["synthetic_rate"], 2), True),
            _td(_pct(info["relative_deviation"]), True),
        ]
        for label, info in rate["classes"].items()
    ]
    return (
        f"<h3>Target rate: <code>{escape(rate['column'])}</code></h3>"
        + _table(["Class", "Real rate", "Synthetic rate", "Relative deviation"], rows)
        + f"<p>Largest relative deviation {_pct(rate['max_relative_deviation'])}; "
        f"tolerance ±{_pct(rate['tolerance'], 0)}.</p>"
    )


def _prepare(report: dict[str, Any]) -> str:
    head = '<h2 id="prepare">What Prepare removed or changed, and why</h2>'
    items = report["prepare"]
    if not items:
        return head + "<p>Prepare removed or changed no column.</p>"
    rows = [
        [
            _td(f"<code>{escape(str(item.get('column')))}</code>"),
            _td(escape(str(item.get("action")))),
            _td(escape(", ".join(item.get("entity_types") or []) or "–")),
            _td(escape(str(item.get("reason") or ""))),
        ]
        for item in items
    ]
    return head + _table(["Column", "Action", "Personal data types", "Why"], rows)


def _protection(report: dict[str, Any]) -> str:
    """Value protection in plain words, and Prepare's counts per column (never values)."""
    record = report["value_protection"]
    settings = record["settings"]
    k = _fmt(settings["min_category_count"])
    quantiles = settings["clip_quantiles"]
    low, high = (f"p{100 * q:g}" for q in quantiles)
    # The default sets no quantile: the k rows alone place each bound.
    default = list(ValueProtection().clip_quantiles)
    tighter = "" if list(quantiles) == default else f", and no wider than the {low}–{high} range"
    holders = record.get("counted") == "holders"
    if record["applied_by_prepare"] and holders:
        done = (
            f"Values fewer than {k} different customers (the holders of a repeated key, such "
            "as an account number on each of its rows) held were replaced by "
            f"<code>{escape(settings['rare_token'])}</code> before training. Numbers, dates "
            f"and timestamps were clipped so that at least {k} real rows, and {k} "
            f"customers, lie at or beyond each bound{tighter}: no one's extreme reached "
            "the model."
        )
    elif record["applied_by_prepare"]:
        done = (
            f"Values seen fewer than {k} times were replaced by "
            f"<code>{escape(settings['rare_token'])}</code> before training. Numbers, dates "
            f"and timestamps were clipped so that at least {k} real rows lie at or beyond "
            f"each bound{tighter}: no real extreme reached the model."
        )
    else:
        done = (
            "Prepare recorded no value protection for this run: the model may have learned "
            "rare categories and extreme numbers."
        )
    shown = (
        f" This report shows quantiles ({escape(', '.join(record['report_quantiles']))}), "
        f"never a minimum or a maximum, and only category labels seen at least {k} times in "
        f"the real data; rarer ones are counted together as “{escape(OTHER_RARE)}”."
    )
    head = '<h2 id="protection">Rare values and extremes</h2>'
    body = f'<div class="explain">{done}{shown}</div>'
    rows = [
        [_td(f"<code>{escape(name)}</code>")]
        + [_td(_fmt(counts[key]) if key in counts else "–", True) for key in PROTECTION_COUNTS]
        for name, counts in record["columns"].items()
    ]
    if rows:
        body += _table(["Column", *PROTECTION_COUNTS.values()], rows)
    return head + body


def _lineage(report: dict[str, Any]) -> str:
    rows = [
        [_td(f"<code>{escape(str(key))}</code>"), _td(escape(_lineage_value(value)))]
        for key, value in report["lineage"].items()
    ]
    body = _table(["Item", "Value"], rows) if rows else "<p>No lineage recorded.</p>"
    return '<h2 id="lineage">Lineage</h2>' + body


def _lineage_value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _sizes(report: dict[str, Any]) -> str:
    sizes = report["sample_sizes"]
    rows = [[_td(escape(k.replace("_", " "))), _td(_fmt(v), True)] for k, v in sizes.items()]
    timings = report.get("timings") or {}
    timing_rows = [[_td(escape(k)), _td(f"{v:.2f} s", True)] for k, v in timings.items()]
    return (
        "<h2>Sample sizes and timings</h2>"
        + _table(["Rows", "Count"], rows)
        + (_table(["Part", "Seconds"], timing_rows) if timing_rows else "")
        + f"<p>Seed {_fmt(report['seed'])}.</p>"
    )
