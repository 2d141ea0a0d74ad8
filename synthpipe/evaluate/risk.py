"""Risk estimates with confidence intervals, for the attack-based privacy measures.

Anonymeter's statistics (Giomi et al., "A Unified Framework for Quantifying Privacy Risk
in Synthetic Data", PoPETs 2023; `anonymeter.stats.confidence`), written again here
because no anonymeter release installs beside our numpy and pyarrow pins (README,
"Attack-based privacy"):

- an attack's success rate is a Wilson score estimate, with its error at the confidence
  level (robust when the rate is near 0 or 1, or the sample small);
- the risk is the residual success on the training rows over the control (holdout)
  rows: (training rate - control rate) / (1 - control rate). 0 means the synthetic data
  tells the attacker no more about people it was trained on than about people it never
  saw; 1 means every attack that failed on the control succeeded on the training rows.
  Its error is propagated from both rates; value and interval are bound to [0, 1].

Membership inference is scored as a ROC AUC with the Hanley-McNeil (1982) standard error.
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

CONFIDENCE = 0.95


def _z(confidence: float) -> float:
    return NormalDist().inv_cdf(0.5 * (1.0 + confidence))


def success_rate(
    attacks: int, successes: float, confidence: float = CONFIDENCE
) -> tuple[float, float]:
    """Wilson score estimate of a success rate and its error (half-width)."""
    if attacks <= 0:
        return math.nan, math.nan
    z = _z(confidence)
    z2 = z * z
    variance = successes * (attacks - successes) / attacks
    denominator = attacks + z2
    rate = (successes + 0.5 * z2) / denominator
    error = (z / denominator) * math.sqrt(max(variance, 0.0) + 0.25 * z2)
    return rate, error


def residual_risk(
    training: tuple[int, float],
    control: tuple[int, float],
    confidence: float = CONFIDENCE,
) -> dict[str, Any]:
    """The risk from (attacks, successes) on the training rows and on the control rows.

    Returns {risk, ci: [low, high], training_rate, control_rate, attacks, successes}.
    """
    rate_t, error_t = success_rate(*training, confidence)
    rate_c, error_c = success_rate(*control, confidence)
    if math.isnan(rate_t) or math.isnan(rate_c) or rate_c >= 1.0:
        risk, low, high = math.nan, math.nan, math.nan
    else:
        value = (rate_t - rate_c) / (1.0 - rate_c)
        d_training = 1.0 / abs(1.0 - rate_c)
        d_control = (rate_t - 1.0) / (1.0 - rate_c) ** 2
        error = math.sqrt((error_t * d_training) ** 2 + (error_c * d_control) ** 2)
        risk, low, high = (_unit(v) for v in (value, value - error, value + error))
    return {
        "risk": risk,
        "ci": [low, high],
        "training_rate": rate_t,
        "control_rate": rate_c,
        "attacks": {"training": int(training[0]), "control": int(control[0])},
        "successes": {"training": float(training[1]), "control": float(control[1])},
    }


def _unit(value: float) -> float:
    return min(max(value, 0.0), 1.0)


def auc_with_ci(
    member_scores: np.ndarray, other_scores: np.ndarray, confidence: float = CONFIDENCE
) -> dict[str, Any]:
    """ROC AUC of telling members (training rows) from others (holdout rows) by a score
    that is higher for members; ties count one half. Interval: Hanley-McNeil."""
    n1, n2 = len(member_scores), len(other_scores)
    if n1 == 0 or n2 == 0:
        return {"auc": math.nan, "ci": [math.nan, math.nan]}
    ranks = pd.Series(np.concatenate([member_scores, other_scores])).rank().to_numpy()
    auc = (ranks[:n1].sum() - n1 * (n1 + 1) / 2) / (n1 * n2)
    q1, q2 = auc / (2 - auc), 2 * auc * auc / (1 + auc)
    variance = (auc * (1 - auc) + (n1 - 1) * (q1 - auc**2) + (n2 - 1) * (q2 - auc**2)) / (n1 * n2)
    error = _z(confidence) * math.sqrt(max(variance, 0.0))
    return {"auc": float(auc), "ci": [_unit(auc - error), _unit(auc + error)]}
