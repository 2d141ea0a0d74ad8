"""Sampling that keeps the rate of each class of the target column.

TVAE under-produces rare classes (BankSim's fraud rate fell from 1.28% to 0.39% at 300
epochs: FIELD_NOTES). SDV's `sample_from_conditions` cannot condition TVAE natively: it
falls back to sampling and filtering (`TVAESynthesizer._sample` raises
NotImplementedError for conditions). This module does the same filtering with explicit
per-class quotas: sample in batches, keep rows of each class until its quota (its real
rate x rows) is met, and report the rate achieved when a class cannot be filled.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from sdv.single_table import TVAESynthesizer

from synthpipe.train.metadata import TABLE

MISSING = "\0missing"
MIN_BATCH = 1000
MAX_BATCH = 500_000
# Stop looking for a class the model (almost) never makes after this many rows per row
# asked for (and at most MAX_SAMPLED): sampling runs at about 170k rows/s.
SAMPLED_PER_ROW = 50
MAX_SAMPLED = 3_000_000


def class_labels(series: pd.Series) -> pd.Series:
    """Class labels as strings, so 1, '1' and True compare the same everywhere."""
    return series.astype("string").fillna(MISSING)


def class_rates(series: pd.Series) -> dict[str, float]:
    return {str(k): float(v) for k, v in class_labels(series).value_counts(normalize=True).items()}


def quotas(rows: int, rates: dict[str, float]) -> dict[str, int]:
    """Rows per class summing to `rows` (largest remainders get the leftovers)."""
    exact = {label: rows * rate for label, rate in rates.items()}
    counts = {label: math.floor(value) for label, value in exact.items()}
    leftover = rows - sum(counts.values())
    by_remainder = sorted(exact, key=lambda label: exact[label] - counts[label], reverse=True)
    for label in by_remainder[:leftover]:
        counts[label] += 1
    return counts


def seed_sampling(synthesizer: TVAESynthesizer, seed: int) -> None:
    if hasattr(synthesizer, "seed_sampling"):  # another engine (synthpipe.train.argn)
        synthesizer.seed_sampling(seed)
        return
    # `_set_random_state` is SDV's private seeding hook (sdv 2.0.0); `reset_sampling`
    # also resets the data processor's reverse-transform randomness.
    synthesizer.reset_sampling()
    synthesizer._set_random_state(seed)


def sample_rows(
    synthesizer: TVAESynthesizer,
    rows: int,
    seed: int,
    target: str | None = None,
    rates: dict[str, float] | None = None,
    max_rounds: int = 30,
) -> pd.DataFrame:
    """`rows` synthetic rows; with a target, each class at its rate in `rates`."""
    seed_sampling(synthesizer, seed)
    if not target or not rates:
        return _sample(synthesizer, rows)
    remaining = quotas(rows, rates)
    seen = dict.fromkeys(remaining, 0)
    sampled_total = 0
    parts: list[pd.DataFrame] = []
    budget = min(rows * SAMPLED_PER_ROW, MAX_SAMPLED)
    for _ in range(max_rounds):
        if sum(remaining.values()) == 0 or sampled_total >= budget:
            break
        size = _batch_size(remaining, seen, sampled_total, rows)
        batch = _sample(synthesizer, max(1, min(size, budget - sampled_total)))
        sampled_total += len(batch)
        labels = class_labels(batch[target])
        for label in remaining:
            rows_of_class = batch[(labels == label).to_numpy()]
            seen[label] += len(rows_of_class)
            take = rows_of_class.iloc[: remaining[label]]
            parts.append(take)
            remaining[label] -= len(take)
    missing = sum(remaining.values())
    if missing:
        # A class the model (almost) never produces: fill with unconditioned rows and
        # let the recorded achieved rate say so.
        parts.append(_sample(synthesizer, missing))
    result = pd.concat(parts, ignore_index=True)
    order = np.random.default_rng(seed).permutation(len(result))
    return result.iloc[order].reset_index(drop=True)


def _batch_size(
    remaining: dict[str, int], seen: dict[str, int], sampled_total: int, rows: int
) -> int:
    """Enough rows to fill the hardest class at the rate the model produced it so far."""
    if sampled_total == 0:
        return max(MIN_BATCH, min(rows, MAX_BATCH))
    needed = 0.0
    for label, count in remaining.items():
        if count:
            rate = max(seen[label], 1) / sampled_total
            needed = max(needed, 1.2 * count / rate)
    return int(min(max(needed, MIN_BATCH), MAX_BATCH))


def _sample(synthesizer: TVAESynthesizer, rows: int) -> pd.DataFrame:
    sampled = synthesizer.sample(rows)
    return sampled[TABLE] if isinstance(sampled, dict) else sampled


def rate_report(
    real_rates: dict[str, float], achieved_rates: dict[str, float], tolerance: float
) -> dict[str, object]:
    """Per class: real and achieved rates and whether within ±tolerance relative."""
    classes = {}
    for label, real in real_rates.items():
        achieved = achieved_rates.get(label, 0.0)
        relative = abs(achieved - real) / real if real else 0.0
        classes[label] = {
            "real_rate": real,
            "achieved_rate": achieved,
            "relative_deviation": relative,
            "within_tolerance": relative <= tolerance,
        }
    within = all(c["within_tolerance"] for c in classes.values())
    return {"tolerance": tolerance, "within_tolerance": within, "classes": classes}
