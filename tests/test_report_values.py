"""report.json and report.html never print a one-off real value (value protection).

A small cleaned table gets planted values: a unique largest and smallest number, a
one-off category, a unique date and timestamp, e-mail-like categories seen fewer than k
times, a rare target class and a text value. The synthetic output repeats some of them,
as a model that learned them would. The evaluation runs for real (`evaluate_run` over
run folders) and no planted value may appear in either file, in any usual formatting.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import pytest

from synthpipe.cli import main
from synthpipe.evaluate import load_schema
from synthpipe.evaluate.disclosure import OTHER_RARE, Disclosure
from synthpipe.evaluate.fidelity import column_summaries
from synthpipe.evaluate.html import render_html
from synthpipe.evaluate.step import evaluate_run
from synthpipe.protection import ValueProtection
from synthpipe.schema import ColumnSchema, DatasetSchema
from tests.test_generate import write_parquet

K = 6  # not the default (10): the report must read k from schema.json
ROWS, HOLDOUT_ROWS = 400, 100
HUGE, TINY = 987654.321, -4321.987
ODD_DATE = pd.Timestamp("1931-07-19")
ODD_TIME = pd.Timestamp("2049-03-17T05:06:07", tz="UTC")
ONE_OFF = "zebra-one-off-segment"
RARE_CLASS = "maybe-planted-class"
TEXT_VALUE = "secret-note-planted"
INVENTED = "invented.only@example.org"  # synthetic only: no real row has it
EXACTLY_K = "k.exact@example.org"  # seen K times: may be shown
# E-mail-like labels seen 1, 2 and K - 1 times.
RARE_EMAILS = {"rare.person1@example.org": 1, "rare.person2@example.org": 2}
RARE_EMAILS["rare.person3@example.org"] = K - 1
COLUMNS = {
    "amount": "decimal",
    "opened": "date",
    "seen_at": "timestamp",
    "segment": "categorical",
    "contact": "categorical",
    "outcome": "categorical",
    "note": "text",
}
# Prepare's per-column counts, as schema.json records them.
PROTECTION = {
    "amount": {"clipped_low_rows": 3, "clipped_high_rows": 4},
    "segment": {"rare_categories": 2, "rare_rows": 2},
}


def real_frame(seed: int = 0) -> pd.DataFrame:
    """Cleaned rows; planted values sit in the first rows, which are training rows."""
    rng = np.random.default_rng(seed)
    teams = ["team.alpha@example.org", "team.beta@example.org"]
    contact = rng.choice(teams, ROWS, p=[0.6, 0.4]).astype(object)  # longer labels fit
    planted = [EXACTLY_K] * K + [e for e, n in RARE_EMAILS.items() for _ in range(n)]
    contact[: len(planted)] = planted
    frame = pd.DataFrame(
        {
            "amount": np.round(rng.lognormal(3, 0.5, ROWS), 2),
            "opened": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, ROWS), "D"),
            "seen_at": pd.Timestamp("2024-06-01", tz="UTC")
            + pd.to_timedelta(rng.integers(0, 86_400 * 30, ROWS), unit="s"),
            "segment": rng.choice(["retail", "business", "public"], ROWS),
            "contact": contact,
            "outcome": rng.choice(["yes", "no"], ROWS, p=[0.3, 0.7]),
            "note": rng.choice(["free text a", "free text b"], ROWS),
        }
    )
    # One row each: the extremes, the one-offs.
    frame.loc[20, ["amount", "opened", "segment", "outcome", "note"]] = [
        HUGE,
        ODD_DATE,
        ONE_OFF,
        RARE_CLASS,
        TEXT_VALUE,
    ]
    frame.loc[21, ["amount", "seen_at"]] = [TINY, ODD_TIME]
    return frame


def synthetic_frame(real: pd.DataFrame) -> pd.DataFrame:
    """Fresh rows that also repeat the planted values, and a label no real row has."""
    synthetic = real.drop(columns=["note"]).sample(frac=1.0, random_state=1)
    synthetic = synthetic.reset_index(drop=True)
    synthetic.loc[0:3, "contact"] = [*RARE_EMAILS, INVENTED]
    synthetic.loc[4, ["amount", "opened", "segment", "outcome"]] = [
        HUGE,
        ODD_DATE,
        ONE_OFF,
        RARE_CLASS,
    ]
    return synthetic


def schema() -> DatasetSchema:
    columns = [
        ColumnSchema(name, name, kind, protection=PROTECTION.get(name, {}))
        for name, kind in COLUMNS.items()
    ]
    protection = ValueProtection(min_category_count=K).to_dict()
    return DatasetSchema("demo", "r1", columns, rows=ROWS, value_protection=protection)


@pytest.fixture(scope="module")
def report_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("run")
    cleaned, model, staging = root / "cleaned", root / "model", root / "staging"
    for folder in (cleaned / "data", model, staging):
        folder.mkdir(parents=True)
    real = real_frame()
    write_parquet(real, cleaned / "data" / "part-00000.parquet")
    (cleaned / "schema.json").write_text(schema().to_json(), encoding="utf-8")
    (cleaned / "pii_actions.json").write_text("[]", encoding="utf-8")
    real.drop(columns=["note"]).iloc[-HOLDOUT_ROWS:].to_parquet(model / "holdout.parquet")
    write_parquet(synthetic_frame(real), staging / "synthetic.parquet")
    evaluate_run(
        cleaned_dir=cleaned,
        model_dir=model,
        staging_dir=staging,
        target_column="outcome",
        thresholds=None,
        seed=0,
        lineage={"run_id": "r1"},
    )
    return {
        "dir": str(staging),
        "json": (staging / "report.json").read_text(encoding="utf-8"),
        "html": (staging / "report.html").read_text(encoding="utf-8"),
    }


def number_forms(value: float) -> set[str]:
    """How a report could print `value`: repr, str, rounded, grouped, scientific."""
    return {
        repr(value),
        str(value),
        *(f"{value:.{d}f}" for d in range(4)),
        *(f"{value:,.{d}f}" for d in range(3)),
        *(f"{value:.{d}g}" for d in range(3, 8)),
        f"{value:g}",
        f"{value:.3e}",
    }


def date_forms(value: pd.Timestamp) -> set[str]:
    return {
        value.isoformat(),
        str(value),
        value.strftime("%Y-%m-%d"),
        value.strftime("%d/%m/%Y"),
        value.strftime("%m/%d/%Y"),
        value.strftime("%Y"),  # the year alone is as unusual as the date here
        str(value.value),  # nanoseconds
    }


def text_forms(value: str) -> set[str]:
    """The label, and the first 12 characters (charts shorten long labels)."""
    return {value, value[:12]}


PLANTED = (
    number_forms(HUGE)
    | number_forms(TINY)
    | date_forms(ODD_DATE)
    | date_forms(ODD_TIME)
    | date_forms(ODD_TIME.tz_localize(None))
    | {ODD_TIME.strftime("%H:%M:%S")}
    | text_forms(ONE_OFF)
    | text_forms(RARE_CLASS)
    | text_forms(TEXT_VALUE)
    | text_forms(INVENTED)
    | set().union(*(text_forms(e) for e in RARE_EMAILS))
)


def found(form: str, text: str) -> bool:
    """`form` as a whole token: not inside a longer number (0.987654321 holds 987654)."""
    return re.search(rf"(?<![\d.]){re.escape(form)}(?!\d)", text) is not None


@pytest.mark.parametrize("kind", ["json", "html"])
def test_planted_values_appear_nowhere(report_files: dict[str, str], kind: str) -> None:
    text = report_files[kind]
    assert [form for form in sorted(PLANTED) if found(form, text)] == []


def test_summaries_show_quantiles_never_min_or_max(report_files: dict[str, str]) -> None:
    data = json.loads(report_files["json"])
    jsonschema.validate(data, load_schema())
    columns = data["quality"]["columns"]
    for name, info in columns.items():
        for side in ("real", "synthetic"):
            assert not {"min", "max"} & set(info[side]), (name, side)
    amount = columns["amount"]["real"]
    assert 0 < amount["p1"] < amount["median"] < amount["p99"] < 1_000
    assert "1931" not in columns["opened"]["real"]["p1"]
    assert "note" not in columns  # text is never evaluated, so never labelled


def test_few_rows_never_show_an_extreme() -> None:
    """On small data p99 would be mostly the maximum; values are pulled in to the k-th
    largest first, and with fewer than 2k values no statistic is shown at all."""
    values = np.arange(1.0, 31.0)
    values[-1] = HUGE
    frame, kinds = pd.DataFrame({"x": values}), {"x": "numerical"}
    disclosure = Disclosure(min_count=K, labels={})
    summary = column_summaries(frame, frame, kinds, disclosure)["x"]["real"]
    kth_largest, kth_smallest = np.sort(values)[-K], np.sort(values)[K - 1]
    assert kth_smallest <= summary["p1"] < summary["p99"] <= kth_largest
    assert summary["mean"] <= kth_largest
    few = frame.iloc[: 2 * K - 1]
    assert column_summaries(few, few, kinds, disclosure)["x"]["real"] == {
        "count": 2 * K - 1,
        "missing": 0,
    }


def test_labels_seen_k_times_are_shown_and_rarer_ones_pooled(
    report_files: dict[str, str],
) -> None:
    data = json.loads(report_files["json"])
    contact = data["quality"]["columns"]["contact"]
    assert EXACTLY_K in [t["value"] for t in contact["real"]["top"]]
    assert EXACTLY_K in [t["value"] for t in contact["synthetic"]["top"]]
    rare_rows = sum(RARE_EMAILS.values())
    train_rows = ROWS - HOLDOUT_ROWS
    assert contact["real"]["rare"] == {
        "label": OTHER_RARE,
        "values": len(RARE_EMAILS),
        "share": pytest.approx(rare_rows / train_rows),
    }
    chart = data["plots"]["columns"]["contact"]
    assert EXACTLY_K in chart["labels"] and chart["labels"][-1] == OTHER_RARE
    # Synthetic rows with a rare real label or a label of their own count as rare too.
    synthetic = synthetic_frame(real_frame())["contact"]
    rare_share = synthetic.isin([*RARE_EMAILS, INVENTED]).mean()
    assert chart["synthetic"][-1] == pytest.approx(rare_share)
    assert data["target_rate"]["classes"][OTHER_RARE]["real_rate"] == pytest.approx(1 / ROWS)
    assert data["utility"]["positive_class"] == OTHER_RARE  # the rarest class
    assert EXACTLY_K in report_files["html"]


def test_protection_settings_and_counts_are_recorded(report_files: dict[str, str]) -> None:
    data = json.loads(report_files["json"])
    record = data["value_protection"]
    assert record["applied_by_prepare"] is True
    assert record["settings"] == ValueProtection(min_category_count=K).to_dict()
    assert record["columns"] == PROTECTION
    html = report_files["html"]
    assert f"Values seen fewer than {K} times were replaced by <code>_RARE_</code>" in html
    assert f"clipped so that at least {K} real rows lie at or beyond each bound:" in html
    assert "<td>Rows clipped high</td>" not in html and "<th>Rows clipped high</th>" in html


def test_counting_by_holders_is_said_in_the_report(report_files: dict[str, str]) -> None:
    data = json.loads(report_files["json"])
    assert data["value_protection"]["counted"] == "rows"  # this table has no repeated key
    data["value_protection"]["counted"] = "holders"
    html = render_html(data)
    assert f"Values fewer than {K} different customers" in html
    assert f"at least {K} real rows, and {K} customers, lie at or beyond" in html


def test_a_config_s_tighter_quantiles_are_said_in_the_report(report_files: dict[str, str]) -> None:
    data = json.loads(report_files["json"])
    tight = ValueProtection(min_category_count=K, clip_quantiles=(0.01, 0.99)).to_dict()
    data["value_protection"]["settings"] = tight
    html = render_html(data)
    assert "each bound, and no wider than the p1–p99 range:" in html
    assert "no wider than" not in report_files["html"]


def test_report_command_renders_again_and_refuses_older_versions(
    report_files: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "report.json").write_text(report_files["json"], encoding="utf-8")
    assert main(["report", str(tmp_path)]) == 0
    again = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Rare values and extremes" in again
    assert not [form for form in PLANTED if found(form, again)]
    older = json.loads(report_files["json"]) | {"version": "1"}
    (tmp_path / "report.json").write_text(json.dumps(older), encoding="utf-8")
    assert main(["report", str(tmp_path)]) == 2
