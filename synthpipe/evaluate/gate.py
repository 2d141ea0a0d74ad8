"""The release gate: thresholds from settings, one pass/fail per figure, and the verdict.

Only a run whose every gate passes is published. Each gate names the report figure it
reads (same name as the threshold key in `config/<dataset>.json` -> `thresholds`):

| gate                        | figure                                      | passes when      |
| --------------------------- | ------------------------------------------- | ---------------- |
| quality                     | quality.score (SDMetrics, 0..1)             | >= 0.90          |
| quality_ratio               | quality.ceiling.ratio (score / ceiling)     | >= 0.90          |
| association_gap             | quality.association_gap.value (0..2)        | <= 0.50          |
| closer_to_training_share    | privacy.closer_to_training_share            | <= 0.55          |
| exact_copies_beyond_chance  | privacy.exact_copies_beyond_chance          | <= 0             |
| pii_hits                    | privacy.pii_hits (columns flagged)          | <= 0 (fixed)     |
| target_rate                 | target_rate.max_relative_deviation          | <= 0.20 (±20%)   |
| singling_out_risk           | attacks: larger of uni-, multivariate, both | <= 0.15          |
| linkability_risk            | attacks.linkability.risk                    | <= 0.05          |
| attribute_inference_risk    | attacks: largest over the gated secrets     | <= 0.20          |
| membership_inference_auc    | attacks.membership_inference.auc            | <= 0.55          |

Singling out reads the larger of the univariate and multivariate risks and the risk of
both kinds' queries together; a kind with fewer than 100 queries decides only together
(`attacks.MIN_DECIDING_QUERIES`). The attack gates read point estimates (the report
shows each with its 95% interval); an
attack that was not measured (time budget spent) reads NaN and fails. The target-rate
gate exists only when a target column is configured. `pii_hits` is fixed
at 0: no setting may relax it (`FIXED`).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any

from synthpipe.errors import StepFailed

STEP = "evaluate"

# What to try when a gate fails; shown in report.html and by the runner.
ADVICE = {
    "quality": (
        "The synthetic data does not look enough like the real data. Train longer (more "
        "epochs), check the column types in schema.json (a number read as text, an id kept "
        "as a feature), or, if this data set is hard to model, lower thresholds.quality in "
        "config/<dataset>.json after reading the per-column and per-pair scores below."
    ),
    "quality_ratio": (
        "The synthetic data scores well below the ceiling: what real rows the model never "
        "saw score against the training rows. The data is not too hard to model; the model "
        "falls short. Train longer (more epochs), check the column types in schema.json, "
        "and read the per-column and per-pair scores below for what it misses."
    ),
    "association_gap": (
        "A relationship between two columns (named below) is lost or invented. Train "
        "longer; check that both columns are modelled with the right types; a column that "
        "is a function of another (merchant -> category) needs enough rows per value."
    ),
    "closer_to_training_share": (
        "The model memorises its training rows. Train fewer epochs (or evaluate more often "
        "so that an earlier checkpoint is kept), give it more rows, or use a smaller model "
        "(embedding_dim, compress_dims)."
    ),
    "exact_copies_beyond_chance": (
        "Synthetic rows repeat training rows more often than unseen real rows do. Treat it "
        "as memorisation: train fewer epochs or use more rows; check that the data has no "
        "large blocks of duplicate rows."
    ),
    "pii_hits": (
        "The personal-data scan flagged columns of the synthetic output (listed below). "
        "Drop or mask them in Prepare (pii_action in config/<dataset>.json) and run again; "
        "never publish this output."
    ),
    "singling_out_risk": (
        "Queries written from the synthetic data pick out single real people of the training "
        "data more often than people the model never saw: the model reproduces rare "
        "combinations. Train fewer epochs, give it more rows, or strengthen value protection "
        "(a higher value_protection.min_category_count, tighter clip_quantiles)."
    ),
    "linkability_risk": (
        "Two halves of a training row lead to the same synthetic row more often than for "
        "unseen rows: synthetic rows stand for real ones. Treat it as memorisation: train "
        "fewer epochs or use more rows."
    ),
    "attribute_inference_risk": (
        "The closest synthetic row gives away a column (named in the report) of training rows "
        "more often than of unseen rows. Train fewer epochs or use more rows; if that column is "
        "sensitive and not needed, drop it in Prepare."
    ),
    "membership_inference_auc": (
        "Training rows lie closer to the synthetic data than unseen rows do, so an attacker "
        "can tell who was in the training data. Train fewer epochs (or keep an earlier "
        "checkpoint), give the model more rows, or use a smaller model."
    ),
    "target_rate": (
        "The rate of a target class differs from the real rate by more than the tolerance. "
        "Sample with per-class quotas (the generate step keeps class rates), train longer so "
        "that the model learns the rare class, or check the target column."
    ),
}


@dataclass(frozen=True)
class Thresholds:
    """The bars a run must meet. Defaults are the pipeline's; override per data set."""

    # Lowest SDMetrics quality score (0..1).
    quality: float = 0.90
    # Lowest quality / ceiling, the ceiling being the quality of the real holdout rows
    # scored against the training rows: tells a weak model (low ratio) from hard data
    # (low ceiling). The demo (50,000 rows, TVAE) scores 0.954 of a ceiling of 0.991:
    # 0.963. A quarter of the rows drawn uniformly (tests, 10,000 BankSim rows): 0.83.
    quality_ratio: float = 0.90
    # Largest |real - synthetic| pairwise association (Spearman or Cramér's V).
    # 0.50: a shuffled-column set scores ~0.97, an independent draw ~0.04, TVAE on the
    # 50k demo 0.45 (age x gender, driven by the 0.2%-rare gender 'E'). Calibrated on
    # that one data set: a frequency-weighted measure would be steadier.
    association_gap: float = 0.50
    # Highest share of synthetic rows closer to a training row than to a holdout row.
    closer_to_training_share: float = 0.55
    # Most synthetic rows equal to a training row beyond what chance explains.
    exact_copies_beyond_chance: int = 0
    # Most synthetic columns flagged by the personal-data scan: fixed (FIXED below).
    pii_hits: int = 0
    # Largest relative deviation of a target class rate from the real rate (0.2 = ±20%).
    target_rate: float = 0.20
    # Attack risks (synthpipe.evaluate.attacks): 0 = the attack does no better on the
    # training rows than on the holdout. Calibrated on BankSim-shaped data
    # (benchmarks/attack_bench.py, 10,000 + 2,500 rows, 3 seeds; README "Attack-based
    # privacy"): independent draw / shuffled / TVAE (demo) / copies of half the training
    # rows: singling out <= 0.035 / 0.037 / 0.027 / >= 0.389; linkability 0.000 / 0.000 /
    # <= 0.003 / >= 0.083 (coarse halves link even copies weakly); inference <= 0.018 /
    # 0.103 / 0.089 / >= 0.514; membership AUC <= 0.504 / 0.520 / 0.512 / >= 0.749.
    # On small tables the size correction errs more: independent draws of 1,600 and
    # 4,000 rows read up to 0.093 (10,000 rows: 0.035), hence 0.15, not 0.10. Since the
    # queries one real row matches are counted exactly (singling_out.
    # expected_training_singles): 1,600 rows independent <= 0.052, copies of half 0.831;
    # 10,000 rows independent 0.000, copies of half >= 0.468.
    singling_out_risk: float = 0.15
    linkability_risk: float = 0.05
    attribute_inference_risk: float = 0.20
    # ROC AUC of telling training from holdout rows by distance to the synthetic data.
    membership_inference_auc: float = 0.55

    @classmethod
    def from_settings(cls, overrides: dict[str, Any] | None, *, step: str = STEP) -> Thresholds:
        """Defaults with `overrides` applied; unknown keys, bad values and a change to a
        fixed threshold (`pii_hits`) are refused with `bad_threshold`, at `step`.

        Example: `Thresholds.from_settings({"quality": 0.85})`.
        """
        overrides = overrides or {}
        if not isinstance(overrides, dict):
            raise _bad("(all)", overrides, "expected an object of name -> number", step)
        known = [f.name for f in fields(cls)]
        values: dict[str, Any] = {}
        for key, value in overrides.items():
            if key not in known:
                raise _bad(key, value, f"unknown threshold; known: {', '.join(known)}", step)
            values[key] = _check(key, value, step)
        return cls(**values)

    def __post_init__(self) -> None:
        for key, value in FIXED.items():  # also when built in code, not from settings
            if getattr(self, key) != value:
                _check(key, getattr(self, key), STEP)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# name -> (kind, low, high), inclusive.
_RULES: dict[str, tuple[str, float, float]] = {
    "quality": ("share", 0.0, 1.0),
    "quality_ratio": ("share", 0.0, 1.0),
    "association_gap": ("share", 0.0, 2.0),
    "closer_to_training_share": ("share", 0.0, 1.0),
    "exact_copies_beyond_chance": ("count", 0, 1e12),
    "pii_hits": ("count", 0, 1e6),
    "target_rate": ("share", 0.0, 10.0),
    "singling_out_risk": ("share", 0.0, 1.0),
    "linkability_risk": ("share", 0.0, 1.0),
    "attribute_inference_risk": ("share", 0.0, 1.0),
    "membership_inference_auc": ("share", 0.0, 1.0),
}


# Thresholds no setting may move. pii_hits: a synthetic column that the personal-data
# rescan flags is never published, whatever a deployment or a data owner asks for.
FIXED = {"pii_hits": 0}


def _bad(key: str, value: Any, problem: str, step: str) -> StepFailed:
    return StepFailed(
        code="bad_threshold",
        message=f"Threshold {key}={value!r}: {problem}.",
        fix="Fix thresholds in the settings or in config/<dataset>.json.",
        details={"key": key},
        step=step,
    )


def _check(key: str, value: Any, step: str) -> float | int:
    kind, low, high = _RULES[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _bad(key, value, f"expected a number in [{low:g}, {high:g}]", step)
    if key in FIXED and value != FIXED[key]:
        raise _bad(
            key,
            value,
            f"fixed at {FIXED[key]} and cannot be relaxed: synthetic data in which the "
            "personal-data scan flags any column is never published; remove the key",
            step,
        )
    if not math.isfinite(value) or not low <= value <= high:
        raise _bad(key, value, f"out of range, expected a number in [{low:g}, {high:g}]", step)
    if kind == "count":
        if value != int(value):
            raise _bad(key, value, "expected a whole number of rows or columns", step)
        return int(value)
    return float(value)


# Gates whose value must reach the threshold; every other gate's must stay below it.
MIN_GATES = ("quality", "quality_ratio")


@dataclass
class Gate:
    """One check of the release gate."""

    name: str
    value: float | int
    threshold: float | int
    passed: bool
    # "min": value must be >= threshold; "max": value must be <= threshold.
    direction: str
    advice: str


def places_apart(value: float, threshold: float, places: int = 3) -> int:
    """Decimal places, from `places` up to 6, at which `value` no longer prints as the
    `threshold` it is judged against: a quality of 0.8996 that failed 0.9 printed as
    0.900 (and 0.9), as if it had passed."""
    while places < 6 and f"{value:.{places}f}" == f"{threshold:.{places}f}":
        places += 1
    return places


def check(name: str, value: float | int, thresholds: Thresholds) -> Gate:
    """The gate `name` on `value`; NaN never passes."""
    threshold = getattr(thresholds, name)
    direction = "min" if name in MIN_GATES else "max"
    if isinstance(value, float) and math.isnan(value):
        passed = False
    elif direction == "min":
        passed = value >= threshold
    else:
        passed = value <= threshold
    return Gate(name, value, threshold, bool(passed), direction, ADVICE[name])


def manifest_metrics(report: dict[str, Any]) -> dict[str, Any]:
    """What manifest.json keeps of a report (report.json's dict): every gate's figure and
    threshold, and the attack risks with their intervals (no distances, no plot data).
    Here, not in `report`, so that the publish Lambda reads it without numpy."""
    attacks = report.get("attacks") or {}
    return {
        "gates": {
            g["name"]: {"value": g["value"], "threshold": g["threshold"]}
            for g in report.get("gates", [])
        },
        "quality": (report.get("quality") or {}).get("score"),
        # Absent from reports written before the ceiling existed.
        "quality_ceiling": ((report.get("quality") or {}).get("ceiling") or {}).get("score"),
        "attacks": {
            name: {key: part.get(key) for key in ("risk", "auc", "ci", "secret") if key in part}
            for name, part in attacks.items()
            if isinstance(part, dict) and ("risk" in part or "auc" in part)
        },
        "attacks_runtime_s": attacks.get("runtime_s"),
        # The engine that made the rows and, with engine=auto, why (report.engine);
        # absent from reports written before engines.
        "engine": report.get("engine"),
    }


def verdict(gates: list[Gate]) -> str:
    return "pass" if gates and all(g.passed for g in gates) else "fail"
