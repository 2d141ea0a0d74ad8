"""Value protection: what Prepare does so that no one-off real value reaches the model
or the report (as MOSTLY AI's engine does).

* a category seen fewer than `min_category_count` times becomes one token, `_RARE_`;
* numbers, dates and timestamps are clipped so that at least `min_category_count` rows
  lie at or beyond each bound (MOSTLY AI's engine keeps 5 to 8), and no wider than the
  quantiles `clip_quantiles` when a config sets them tighter than the default (0, 1);
* reports show quantiles (p1, p99), never a minimum or a maximum, and category labels
  only when seen at least `min_category_count` times.

Defaults are safe; `config/<dataset>.json` may change them within the bounds below
(`"value_protection": {"min_category_count": 20, "clip_quantiles": [0.005, 0.995]}`),
but never switch them off. Both the settings and what they changed are recorded in
schema.json (counts only, never the values).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

RARE_TOKEN = "_RARE_"
# Up to this many distinct values an ordered column is treated value by value (clipped to
# the values seen k times); above, as continuous (clipped so that k rows lie beyond).
DISCRETE_MAX = 25
# Bounds a config may choose within: k below 2 would keep one-off values. Quantiles only
# tighten the clip: k rows at or beyond each bound hold whatever they are, so the
# default (0, 1) keeps no record's exact extreme either.
MIN_COUNT_RANGE = (2, 10_000)
LOW_QUANTILE_RANGE = (0.0, 0.25)
HIGH_QUANTILE_RANGE = (0.75, 1.0)


@dataclass(frozen=True)
class ValueProtection:
    """The k of rare categories and of the rows at or beyond each clip bound, and the
    quantiles numbers are clipped to at least.

    The default clips each number only as far as k rows: clipping every column at p1 and
    p99 cut the tail a real sample has (flchain's kappa: p99 4.69, top 20.5), and
    SDMetrics' pair trends bin each side on its own range, so flchain's real holdout,
    clipped at the training rows' p1 and p99, scored 0.858 against a ceiling of 0.949;
    clipped at k rows, 0.902 (benchmarks/clip_check.py). Redrawing the rows beyond a
    bound in Prepare, for the model to train on, was tried and dropped: a model trained
    on ten-row tails scored 0.85 against its own cleaned holdout (0.92 with clipped
    tails). Generate draws heavy tails past the bounds instead, after the model
    (`synthpipe.tails`).
    """

    min_category_count: int = 10
    clip_quantiles: tuple[float, float] = (0.0, 1.0)
    # The column whose values name the people k counts (a customer's id on each of their
    # rows). None: Prepare infers it (`_transform.holders_key`), or counts rows.
    holders: str | None = None

    def __post_init__(self) -> None:
        if self.holders is not None and not (isinstance(self.holders, str) and self.holders):
            raise ValueError(f"holders must be a column's name, not {self.holders!r}")
        k = self.min_category_count
        if isinstance(k, bool) or not isinstance(k, int):
            raise ValueError(f"min_category_count must be a whole number, not {k!r}")
        if not MIN_COUNT_RANGE[0] <= k <= MIN_COUNT_RANGE[1]:
            raise ValueError(
                f"min_category_count must be in [{MIN_COUNT_RANGE[0]}, {MIN_COUNT_RANGE[1]}]"
            )
        quantiles = self.clip_quantiles
        if not (isinstance(quantiles, tuple | list) and len(quantiles) == 2):
            raise ValueError("clip_quantiles must be two numbers [low, high]")
        low, high = quantiles
        for value in (low, high):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"clip_quantiles must hold numbers, not {value!r}")
        if not LOW_QUANTILE_RANGE[0] <= low <= LOW_QUANTILE_RANGE[1]:
            raise ValueError(f"the low clip quantile must be in {list(LOW_QUANTILE_RANGE)}")
        if not HIGH_QUANTILE_RANGE[0] <= high <= HIGH_QUANTILE_RANGE[1]:
            raise ValueError(f"the high clip quantile must be in {list(HIGH_QUANTILE_RANGE)}")
        object.__setattr__(self, "clip_quantiles", (float(low), float(high)))

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ValueProtection:
        """From the config's `value_protection` object (or schema.json's record)."""
        data = dict(data or {})
        data.pop("rare_token", None)
        data.pop("counted", None)  # schema.json's record of how k was counted (rows, holders)
        unknown = sorted(set(data) - {"min_category_count", "clip_quantiles", "holders"})
        if unknown:
            raise ValueError(
                f"unknown keys {unknown}; allowed: ['clip_quantiles', 'holders', "
                "'min_category_count']"
            )
        if "clip_quantiles" in data and isinstance(data["clip_quantiles"], list):
            data["clip_quantiles"] = tuple(data["clip_quantiles"])
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        """What schema.json and the report record."""
        return {
            "min_category_count": self.min_category_count,
            "clip_quantiles": list(self.clip_quantiles),
            "rare_token": RARE_TOKEN,
        }
