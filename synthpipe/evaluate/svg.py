"""Inline SVG charts for report.html: grouped bars, heatmaps, a share gauge.

Static markup, no script: hovering a bar or a cell shows its values through SVG
<title> tooltips. All text is escaped.
"""

from __future__ import annotations

from html import escape
from typing import Any

REAL = "#1f77b4"
SYNTHETIC = "#ff7f0e"
BASELINE = "#9aa0a6"
MISSING_CELL = "#d0d4d9"
MAX_HEATMAP_COLUMNS = 30


def legend() -> str:
    return (
        '<p class="legend">'
        f'<span><i class="swatch" style="background:{REAL}"></i>real (training)</span>'
        f'<span><i class="swatch" style="background:{SYNTHETIC}"></i>synthetic</span></p>'
    )


def _svg(width: float, height: float, body: str, label: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" role="img" aria-label="{escape(label)}">'
        f"{body}</svg>"
    )


def _y_axis(left: float, top: float, plot_h: float, width: float, y_max: float, pct: bool) -> str:
    parts = []
    for k in range(5):
        value = y_max * k / 4
        y = top + plot_h - plot_h * k / 4
        text = f"{100 * value:.0f}%" if pct else f"{value:.3g}"
        if pct and y_max < 0.04:
            text = f"{100 * value:.1f}%"
        parts.append(
            f'<line x1="{left}" x2="{width - 6}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e6ea"/>'
            f'<text x="{left - 4}" y="{y + 3:.1f}" font-size="9" text-anchor="end" '
            f'fill="#5b6570">{text}</text>'
        )
    return "".join(parts)


def bar_chart(
    labels: list[str],
    series: list[tuple[str, list[float], str]],
    *,
    width: float = 360,
    height: float = 210,
    pct: bool = True,
) -> str:
    """Vertical bars, one group per label and one bar per series (name, values, colour)."""
    left, top, bottom = 56.0, 8.0, 62.0
    plot_w, plot_h = width - left - 6, height - top - bottom
    y_max = max([v for _, values, _ in series for v in values if v is not None] + [1e-9]) * 1.08
    if pct:
        y_max = min(y_max, 1.0)
    group_w = plot_w / max(1, len(labels))
    bar_w = group_w * 0.8 / len(series)
    step = max(1, len(labels) // 12)  # at most about 12 axis labels
    parts = [_y_axis(left, top, plot_h, width, y_max, pct)]
    for i, label in enumerate(labels):
        x0 = left + i * group_w
        tip = "; ".join(f"{name} {_value_text(values[i], pct)}" for name, values, _ in series)
        parts.append(f"<g><title>{escape(str(label))}: {escape(tip)}</title>")
        for k, (_, values, colour) in enumerate(series):
            value = values[i] or 0.0
            h = plot_h * value / y_max
            x = x0 + group_w * 0.1 + k * bar_w
            y = top + plot_h - h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{colour}"/>'
            )
        parts.append("</g>")
        if i % step == 0:
            parts.append(_x_label(x0 + group_w / 2, top + plot_h + 4, str(label)))
    return _svg(width, height, "".join(parts), "bar chart")


def _value_text(value: float | None, pct: bool) -> str:
    if value is None:
        return "n/a"
    return f"{100 * value:.2f}%" if pct else f"{value:.4g}"


def _x_label(x: float, y: float, text: str) -> str:
    short = text if len(text) <= 16 else text[:15] + "…"
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="9" text-anchor="end" fill="#3a434c" '
        f'transform="rotate(-45 {x:.1f} {y:.1f})">{escape(short)}</text>'
    )


def grouped_bars(labels: list[str], real: list[float], synthetic: list[float]) -> str:
    """Real vs synthetic shares per bin or category."""
    return bar_chart(labels, [("real", real, REAL), ("synthetic", synthetic, SYNTHETIC)])


def _colour(value: float | None, low: float) -> str:
    """Diverging blue-white-red for -1..1; white to dark purple for 0..1."""
    if value is None:
        return MISSING_CELL
    v = max(-1.0, min(1.0, value))
    if low >= 0:
        v = max(0.0, v)
        r, g, b = 255 - 170 * v, 255 - 200 * v, 255 - 80 * v
    elif v >= 0:
        r, g, b = 255 - 41 * v, 255 - 216 * v, 255 - 208 * v
    else:
        r, g, b = 255 + 224 * v, 255 + 136 * v, 255 + 75 * v
    return f"rgb({r:.0f},{g:.0f},{b:.0f})"


def heatmap(columns: list[str], matrix: list[list[float | None]], low: float, high: float) -> str:
    """A square matrix of pairwise values with column names on both axes."""
    n = max(1, len(columns))
    margin = 96.0
    cell = max(10.0, min(28.0, 260.0 / n))
    size = margin + cell * n + 8
    parts = []
    for i, name in enumerate(columns):
        y = margin + cell * i + cell / 2 + 3
        x = margin + cell * i + cell / 2
        short = escape(name if len(name) <= 14 else name[:13] + "…")
        parts.append(
            f'<text x="{margin - 4}" y="{y:.1f}" font-size="9" text-anchor="end">{short}</text>'
            f'<text x="{x:.1f}" y="{margin - 4}" font-size="9" '
            f'transform="rotate(-60 {x:.1f} {margin - 4})">{short}</text>'
        )
    for i, row in enumerate(matrix):
        for j, value in enumerate(row):
            text = "n/a" if value is None else f"{value:.2f}"
            tip = escape(f"{columns[i]} × {columns[j]}: {text}")
            parts.append(
                f'<rect x="{margin + cell * j:.1f}" y="{margin + cell * i:.1f}" '
                f'width="{cell:.1f}" height="{cell:.1f}" fill="{_colour(value, low)}" '
                f'stroke="#fff" stroke-width="0.5"><title>{tip}</title></rect>'
            )
    scale = f"scale {low:g} to {high:g}"
    parts.append(
        f'<text x="4" y="{size - 2:.0f}" font-size="9" fill="#5b6570">{escape(scale)}</text>'
    )
    return _svg(size, size + 4, "".join(parts), "heatmap")


def share_gauge(share: float, bar: float, width: float = 520) -> str:
    """A 0..1 axis: the ideal 0.5, the bar (threshold) and the measured share."""
    left, right, y = 20.0, width - 20.0, 30.0

    def x(v: float) -> float:
        return left + (right - left) * max(0.0, min(1.0, v))

    colour = "#1e7b34" if share <= bar else "#b42318"
    parts = [
        f'<line x1="{left}" x2="{right}" y1="{y}" y2="{y}" stroke="#8a939c" stroke-width="2"/>',
        f'<rect x="{x(bar):.1f}" y="{y - 8}" width="{x(1) - x(bar):.1f}" height="16" '
        'fill="#fdecea"><title>above the bar: memorisation</title></rect>',
    ]
    for v in (0.0, 0.25, 0.5, 0.75, 1.0):
        parts.append(
            f'<text x="{x(v):.1f}" y="{y + 22}" font-size="10" text-anchor="middle">{v:g}</text>'
        )
    parts += [
        f'<line x1="{x(0.5):.1f}" x2="{x(0.5):.1f}" y1="{y - 12}" y2="{y + 12}" '
        'stroke="#1e7b34" stroke-dasharray="3 2"/>',
        f'<text x="{x(0.5):.1f}" y="{y - 15}" font-size="10" text-anchor="middle">'
        "0.5 = no memorisation</text>",
        f'<line x1="{x(bar):.1f}" x2="{x(bar):.1f}" y1="{y - 12}" y2="{y + 12}" '
        'stroke="#b42318" stroke-width="2"/>',
        f'<circle cx="{x(share):.1f}" cy="{y}" r="7" fill="{colour}">'
        f"<title>measured share {share:.3f}</title></circle>",
    ]
    return _svg(width, 62, "".join(parts), "closer-to-training share")


def dcr_chart(dcr: dict[str, Any]) -> str:
    """Distance percentiles: synthetic to training, to holdout, and the real baseline."""
    labels = [f"p{p}" for p in dcr["percentiles"]]
    series = [
        ("synthetic → training", dcr["synthetic_to_train"], SYNTHETIC),
        ("synthetic → holdout", dcr["synthetic_to_holdout"], REAL),
        ("real holdout → training", dcr["holdout_to_train"], BASELINE),
    ]
    key = "".join(
        f'<span><i class="swatch" style="background:{colour}"></i>{escape(name)}</span>'
        for name, _, colour in series
    )
    chart = bar_chart(labels, series, width=520, height=220, pct=False)
    return f'<p class="legend">{key}</p>{chart}'
