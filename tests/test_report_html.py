"""report.html: self-contained, escaped, and loads cleanly in a real headless Chromium.

The browser test needs Debian's Chromium (`apt-get install -y chromium`, /usr/bin/chromium)
and the Python package playwright (which drives that Chromium; no browser download). It
saves a screenshot to test-artifacts/report.png.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import jsonschema
import pytest

from synthpipe.evaluate import Report, load_schema, render_html, write_report
from tests.test_evaluate import banksim_sets, run

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def reports() -> dict[str, Report]:
    """A passing report and a failing one (planted e-mail column)."""
    sets = banksim_sets()
    emails = [f"person{i}@example.org" for i in range(len(sets["good"]))]
    leaky = sets["good"].assign(contact=emails)
    return {"pass": run(sets, sets["good"]), "fail": run(sets, leaky)}


def test_html_is_self_contained_and_small(reports: dict[str, Report], tmp_path: Path) -> None:
    _, html_path = write_report(reports["pass"], tmp_path)
    text = html_path.read_text(encoding="utf-8")
    assert len(text.encode()) < 400_000
    # Nothing to fetch: no script or stylesheet link, no image source, no remote URL
    # other than the SVG namespace name (an identifier, never fetched).
    assert "<script" not in text and "<link" not in text and "src=" not in text
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", text))
    assert urls <= {"http://www.w3.org/2000/svg"}
    for heading in ("Release gates", "Fidelity", "Privacy", "Utility", "Prepare", "Lineage"):
        assert heading in text
    assert "validity only" in text.lower()
    assert text.count("<svg") >= 7 + 3 + 2  # columns, heatmaps, gauge and distances


def test_failing_report_says_what_to_try(reports: dict[str, Report]) -> None:
    text = render_html(reports["fail"].to_dict())
    assert 'class="verdict fail"' in text
    assert "Failed: Personal data found in the synthetic output" in text
    assert "<code>contact</code> (EMAIL_ADDRESS)" in text
    assert "Try:</strong> The personal-data scan flagged" in text
    assert "person0@example.org" not in text  # names and types only, never a value


def test_text_from_the_data_is_escaped(reports: dict[str, Report]) -> None:
    data = reports["pass"].to_dict()
    data["lineage"] = {"source": "<script>alert(1)</script>"}
    data["prepare"] = [
        {"column": "<b>x</b>", "action": "drop", "entity_types": ["NAME"], "reason": "a & b"}
    ]
    text = render_html(data)
    assert "<script>" not in text and "<b>x</b>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text and "a &amp; b" in text


def test_each_attack_shows_its_risk_interval_gate_and_one_sentence(
    reports: dict[str, Report],
) -> None:
    data = reports["pass"].to_dict()
    text = render_html(data)
    attacks = data["attacks"]
    section = text[text.index('id="attacks"') :]
    for label, sentence in (
        ("Singling out, one column", "pick out exactly one real person"),
        ("Singling out, several columns", "combination of a few column values"),
        ("Singling out, both kinds", "too few to decide alone"),
        ("Linkability", "two halves of a person&#x27;s record"),
        ("Attribute inference", "give away the remaining one"),
        ("Membership inference", "no better than a coin toss"),
    ):
        assert label in section and sentence in section, label
    auc = attacks["membership_inference"]
    assert f"{auc['auc']:.3f}" in section
    assert f"{auc['ci'][0]:.3f} – {auc['ci'][1]:.3f}" in section
    link = attacks["linkability"]
    assert f"{link['ci'][0]:.3f} – {link['ci'][1]:.3f}" in section
    assert section.count('class="badge pass"') >= 5  # one gate per row
    assert "≤ 0.55" in section  # the membership gate's threshold
    assert "Attribute inference per secret column" in section
    assert "<code>fraud</code>" in section and "not gated" in section
    assert f"{attacks['sizes']['draws']} draws pooled" in section


def test_a_failed_attack_gate_is_marked_and_explained(reports: dict[str, Report]) -> None:
    data = reports["pass"].to_dict()
    gate = next(g for g in data["gates"] if g["name"] == "membership_inference_auc")
    gate["passed"], data["verdict"] = False, "fail"
    text = render_html(data)
    assert "Failed: Attack: telling who was in the training data (AUC)" in text
    assert "Try:</strong> Training rows lie closer to the synthetic data" in text
    section = text[text.index('id="attacks"') :]
    assert '<tr class="failed"><td>Membership inference' in section


def test_a_report_without_attacks_still_renders(reports: dict[str, Report]) -> None:
    data = reports["pass"].to_dict()
    del data["attacks"]
    jsonschema.validate(data, load_schema())  # a version-2 report from before attacks
    text = render_html(data)
    assert "Not measured: this report predates attack-based evaluation." in text


def test_the_copies_section_says_what_generate_replaced(reports: dict[str, Report]) -> None:
    from synthpipe.evaluate.copies import FILTER_MAX_CHANCE_RATE

    data = reports["pass"].to_dict()
    assert "Generate replaced" not in render_html(data)  # a report from before the filter
    data["privacy"]["copies"]["replaced_at_generate"] = {
        "on": True,
        "reason": "real rows rarely repeat (0.00% of them, under 1%): ...",
        "chance_rate": 0.0,
        "max_chance_rate": FILTER_MAX_CHANCE_RATE,
        "rows_replaced": 1234,
    }
    jsonschema.validate(data, load_schema())
    assert "Generate replaced <strong>1,234</strong> sampled rows" in render_html(data)
    data["privacy"]["copies"]["replaced_at_generate"].update(
        on=False, rows_replaced=None, reason="real <rows> repeat by chance"
    )
    text = render_html(data)
    assert "Generate did not filter copies: real &lt;rows&gt; repeat by chance." in text


def test_the_memorisation_share_says_it_is_a_mean_of_draws(reports: dict[str, Report]) -> None:
    data = reports["pass"].to_dict()
    data["privacy"]["closer_to_training_share"] = 0.52
    data["privacy"]["dcr"]["closer_to_training_draws"] = [0.51, 0.53, 0.52, 0.515, 0.525]
    assert "the mean of 5 independent samples, which read 0.510 to 0.530" in render_html(data)
    del data["privacy"]["dcr"]["closer_to_training_draws"]
    jsonschema.validate(data, load_schema())  # a report from before the draws
    assert "independent samples" not in render_html(data)


def test_the_fidelity_section_shows_the_ceiling_and_the_ratio(
    reports: dict[str, Report],
) -> None:
    data = reports["pass"].to_dict()
    ceiling = data["quality"]["ceiling"]
    section = render_html(data)
    section = section[section.index('id="fidelity"') : section.index("<h3>Columns")]
    assert "The ceiling is the same score for real rows the model never saw" in section
    assert f'<td class="num">{ceiling["score"]:.3f}</td>' in section
    assert f'<td class="num">{ceiling["ratio"]:.3f}</td>' in section
    assert "measured on 2,500 holdout rows, the quality on 10,000 synthetic rows" in section
    gate = next(g for g in data["gates"] if g["name"] == "quality_ratio")
    gate["passed"], data["verdict"] = False, "fail"
    text = render_html(data)
    assert "Failed: Fidelity: quality as a share of the ceiling" in text
    assert "Try:</strong> The synthetic data scores well below the ceiling" in text


def test_the_fidelity_section_names_the_engine_and_the_auto_candidates(
    reports: dict[str, Report],
) -> None:
    data = reports["pass"].to_dict()
    data["engine"] = {
        "name": "argn",
        "setting": "auto",
        "reason": "argn: the higher holdout quality of those within the privacy bar",
        "candidates": [
            {
                "engine": "argn",
                "quality": 0.912,
                "closer_to_training": 0.51,
                "seconds": 61.0,
                "failure": "",
            },
            {
                "engine": "tvae",
                "quality": None,
                "closer_to_training": None,
                "seconds": 80.0,
                "failure": "privacy_bar_not_met",
            },
        ],
    }
    jsonschema.validate(data, load_schema())
    section = render_html(data).split('id="fidelity"', 1)[1]
    assert "Made by TabularARGN (mostlyai-engine): with <code>engine: auto</code>" in section
    assert '<td class="num">0.912</td><td class="num">0.510</td>' in section
    assert "<td>kept</td>" in section and "<td>privacy_bar_not_met</td>" in section
    # A TVAE that auto did not train says why, and the reason is shown.
    skipped = "argn met the privacy bar and the default quality gates on the holdout"
    data["engine"]["candidates"][1] |= {"failure": "", "seconds": 0.0, "skipped": skipped}
    data["engine"]["ceiling"] = 0.95
    data["engine"]["reason"] = "argn: within the privacy bar; tvae not trained"
    jsonschema.validate(data, load_schema())
    section = render_html(data).split('id="fidelity"', 1)[1]
    assert f"<td>not trained: {skipped}</td>" in section
    assert "argn: within the privacy bar; tvae not trained." in section
    data["engine"] = {"name": "tvae", "setting": "tvae"}
    assert "Made by TVAE (SDV) (setting <code>engine</code>: tvae)" in render_html(data)


def test_the_fidelity_section_names_the_retried_argn_and_the_one_kept(
    reports: dict[str, Report],
) -> None:
    data = reports["pass"].to_dict()
    first = {"engine": "argn", "quality": 0.901, "closer_to_training": 0.554, "seconds": 72.0}
    retry = {"engine": "argn", "quality": 0.887, "closer_to_training": 0.537, "seconds": 57.0}
    data["engine"] = {
        "name": "argn",
        "setting": "auto",
        "variant": "small network",
        "reason": "argn retried with its small network because argn closer-to-training "
        "0.554 > 0.55",
        "candidates": [
            first | {"failure": "", "skipped": "", "variant": ""},
            retry | {"failure": "", "skipped": "", "variant": "small network"},
        ],
    }
    jsonschema.validate(data, load_schema())
    section = render_html(data).split('id="fidelity"', 1)[1]
    engine_table = section.split("with <code>engine: auto</code>", 1)[1]
    rows = engine_table.split("<tbody>", 1)[1].split("</tr>")
    assert "<td>TabularARGN (mostlyai-engine)</td>" in rows[0]
    assert "<td>not kept</td>" in rows[0]
    assert "<td>TabularARGN (mostlyai-engine), small network</td>" in rows[1]
    assert "<td>kept</td>" in rows[1]
    assert "argn retried with its small network because" in section
    assert "Made by TabularARGN (mostlyai-engine), small network: with" in section
    # A report written before the retry (no variant anywhere) still marks ARGN kept.
    del data["engine"]["variant"]
    data["engine"]["candidates"] = [first | {"failure": ""}]
    jsonschema.validate(data, load_schema())
    assert "<td>kept</td>" in render_html(data).split('id="fidelity"', 1)[1]


def test_a_report_without_the_ceiling_still_renders(reports: dict[str, Report]) -> None:
    data = reports["pass"].to_dict()
    del data["quality"]["ceiling"]
    data["gates"] = [g for g in data["gates"] if g["name"] != "quality_ratio"]
    del data["thresholds"]["quality_ratio"]
    jsonschema.validate(data, load_schema())  # a version-2 report from before the ceiling
    assert "The ceiling is" not in render_html(data)


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.skip("Chromium is not installed: apt-get update && apt-get install -y chromium")
    return path


def test_report_loads_in_headless_chromium(reports: dict[str, Report], tmp_path: Path) -> None:
    executable = _chromium()
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="pip install playwright (drives the Debian Chromium)"
    )
    ARTIFACTS.mkdir(exist_ok=True)
    pages = {}
    for name, report in reports.items():
        _, pages[name] = write_report(report, tmp_path / name)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            for name, path in pages.items():
                _check_page(browser, path, name)
        finally:
            browser.close()
    assert (ARTIFACTS / "report.png").stat().st_size > 10_000


def _check_page(browser, path: Path, verdict: str) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    problems: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: problems.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri(), wait_until="load")
    banner = page.locator("#verdict")
    assert banner.is_visible()
    assert banner.inner_text().startswith(verdict.upper())
    box = banner.bounding_box()
    assert box is not None and box["y"] < 400  # at the top, without scrolling
    assert page.get_by_text("Release gates").is_visible()
    assert page.locator("svg").count() >= 12
    assert problems == []
    assert requests == [path.as_uri()]  # the file itself, nothing else
    screenshot = "report.png" if verdict == "pass" else f"report-{verdict}.png"
    page.screenshot(path=str(ARTIFACTS / screenshot), full_page=False)
    page.close()
