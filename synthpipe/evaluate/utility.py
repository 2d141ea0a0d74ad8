"""Utility: is the synthetic data as useful as the real data for predicting the target?

TSTR (train on synthetic, test on real) against TRTR (train on real, test on real): the
same classifier (scikit-learn's HistGradientBoostingClassifier, seeded, default
settings) is fitted once on training rows and once on as many synthetic rows, and both
are scored on the holdout, which neither the generator nor the classifiers saw.

- Two classes: ROC AUC of the positive class (the rarer real class: `1` for fraud) and
  F1 of that class at the classifier's default decision (probability >= 0.5).
- More classes: macro averages over the classes present in the holdout (one-vs-rest AUC).
- ratio = TSTR / TRTR: 1.0 means the synthetic data trains as good a model.

Also the target rate, real (training + holdout) vs synthetic, per class; its largest
relative deviation is the gate figure (the same rule as training's rate report).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import f1_score, roc_auc_score
from threadpoolctl import threadpool_limits

from synthpipe.evaluate.disclosure import Disclosure
from synthpipe.evaluate.frames import NUMERIC_SDTYPES, as_labels, sample
from synthpipe.train.data import as_numbers

# HistGradientBoosting takes categories natively up to its bin count (255).
MAX_NATIVE_CATEGORIES = 250
# OpenMP threads for the classifier. torch (loaded by SDMetrics) brings a second OpenMP
# runtime; with both, on 2 busy cores, one fit on 10,000 rows took 8.1 s with the default
# threads and 0.18 s with one thread.
OPENMP_THREADS = 1


def target_rate(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    target: str,
    tolerance: float,
    disclosure: Disclosure,
) -> dict[str, Any]:
    """Per class: real and synthetic rates and the relative deviation.

    The gate figure reads every real class. The classes printed are those `disclosure`
    allows; the others (and synthetic classes the real rows lack) are one OTHER_RARE entry.
    """
    real_rates = as_labels(real[target]).value_counts(normalize=True)
    synthetic_rates = as_labels(synthetic[target]).value_counts(normalize=True)
    deviations = [
        abs(float(synthetic_rates.get(label, 0.0)) - rate) / rate
        for label, rate in real_rates.items()
    ]
    unknown = [k for k in synthetic_rates.index if k not in real_rates.index]
    classes = [*real_rates.index, *unknown]  # most common real class first
    positive = str(real_rates.index[-1])  # the rarest real class
    return {
        "column": target,
        "positive_class": disclosure.label(target, positive),
        "real_rate": float(real_rates[positive]),
        "synthetic_rate": float(synthetic_rates.get(positive, 0.0)),
        "max_relative_deviation": float(max(deviations)),
        "tolerance": tolerance,
        "classes": _shown_classes(classes, real_rates, synthetic_rates, target, disclosure),
        "classes_not_in_real": len(unknown),
    }


def _shown_classes(
    classes: list[str],
    real_rates: pd.Series,
    synthetic_rates: pd.Series,
    target: str,
    disclosure: Disclosure,
) -> dict[str, dict[str, float | None]]:
    """Rates per printable class, the rest summed into one OTHER_RARE class."""
    pooled: dict[str, list[float]] = {}
    for label in classes:
        shown = disclosure.label(target, str(label))
        rates = pooled.setdefault(shown, [0.0, 0.0])
        rates[0] += float(real_rates.get(label, 0.0))
        rates[1] += float(synthetic_rates.get(label, 0.0))
    return {
        label: {
            "real_rate": real,
            "synthetic_rate": synthetic,
            "relative_deviation": abs(synthetic - real) / real if real > 0 else None,
        }
        for label, (real, synthetic) in pooled.items()
    }


def utility(
    *,
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    synthetic: pd.DataFrame,
    sdtypes: dict[str, str],
    target: str,
    rows: int,
    seed: int,
    disclosure: Disclosure,
) -> dict[str, Any]:
    """TSTR vs TRTR on the holdout; see the module docstring. The positive class is
    printed only when `disclosure` allows it (OTHER_RARE otherwise)."""
    size = min(rows, len(train), len(synthetic))
    real_fit = sample(train, size, seed)
    synthetic_fit = sample(synthetic, size, seed + 1)
    features = [c for c in sdtypes if c != target]
    y_test = as_labels(holdout[target]).to_numpy()
    positive = str(as_labels(pd.concat([train[target], holdout[target]])).value_counts().index[-1])
    encoder = _Encoder(features, sdtypes, real_fit)
    result: dict[str, Any] = {
        "classifier": "sklearn HistGradientBoostingClassifier (default settings)",
        "target": target,
        "positive_class": disclosure.label(target, positive),
        "training_rows": size,
        "test_rows": len(holdout),
        "features": features,
    }
    trtr = _fit_and_score(encoder, real_fit, holdout, y_test, target, positive, seed)
    tstr = _fit_and_score(encoder, synthetic_fit, holdout, y_test, target, positive, seed)
    result["trtr"], result["tstr"] = trtr, tstr
    result["ratio"] = {
        metric: _ratio(tstr.get(metric), trtr.get(metric)) for metric in ("roc_auc", "f1")
    }
    return result


def _ratio(tstr: float | None, trtr: float | None) -> float | None:
    if tstr is None or trtr is None or trtr <= 0:
        return None
    return tstr / trtr


class _Encoder:
    """Features as a frame HistGradientBoosting reads: numbers, or pandas categories."""

    def __init__(self, features: list[str], sdtypes: dict[str, str], reference: pd.DataFrame):
        self.features = features
        self.sdtypes = sdtypes
        # Categories fixed on the real training rows: a category unseen there is missing.
        self.categories = {
            c: sorted(as_labels(reference[c]).unique())
            for c in features
            if sdtypes[c] not in NUMERIC_SDTYPES
        }

    def transform(self, frame: pd.DataFrame) -> pd.DataFrame:
        out = {}
        for column in self.features:
            if column not in self.categories:
                out[column] = as_numbers(frame[column])
                continue
            codes = pd.Categorical(as_labels(frame[column]), categories=self.categories[column])
            if len(self.categories[column]) <= MAX_NATIVE_CATEGORIES:
                out[column] = codes
            else:  # too many for native categories: ordinal codes, missing for unseen
                out[column] = np.where(codes.codes < 0, np.nan, codes.codes)
        return pd.DataFrame(out, index=range(len(frame)))


def _fit_and_score(
    encoder: _Encoder,
    fit_rows: pd.DataFrame,
    holdout: pd.DataFrame,
    y_test: np.ndarray,
    target: str,
    positive: str,
    seed: int,
) -> dict[str, Any]:
    y_fit = as_labels(fit_rows[target]).to_numpy()
    if len(np.unique(y_fit)) < 2:
        return {"roc_auc": None, "f1": None, "note": "only one class in the fitting rows"}
    model = HistGradientBoostingClassifier(random_state=seed, categorical_features="from_dtype")
    with threadpool_limits(OPENMP_THREADS, user_api="openmp"):
        model.fit(encoder.transform(fit_rows), y_fit)
        probabilities = model.predict_proba(encoder.transform(holdout))
    classes = [str(c) for c in model.classes_]
    predicted = np.asarray(classes, dtype=object)[probabilities.argmax(axis=1)]
    present = sorted(set(y_test))
    if len(present) < 2:
        return {"roc_auc": None, "f1": None, "note": "only one class in the holdout"}
    if len(set(y_test) | set(classes)) <= 2:
        score = _column(probabilities, classes, positive)
        return {
            "roc_auc": float(roc_auc_score(y_test == positive, score)),
            "f1": float(f1_score(y_test == positive, predicted == positive, zero_division=0)),
        }
    aucs = [roc_auc_score(y_test == c, _column(probabilities, classes, c)) for c in present]
    f1 = f1_score(y_test, predicted, labels=present, average="macro", zero_division=0)
    return {"roc_auc": float(np.mean(aucs)), "f1": float(f1)}


def _column(probabilities: np.ndarray, classes: list[str], label: str) -> np.ndarray:
    """The predicted probability of `label` (0 when the model never saw that class)."""
    if label not in classes:
        return np.zeros(len(probabilities))
    return probabilities[:, classes.index(label)]
