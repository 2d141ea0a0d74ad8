"""What the report may print of the real data (the report's half of value protection).

Prepare replaces rare categories and clips extreme numbers before training
(`synthpipe.protection`). The report applies the same k once more to whatever it
summarises, so that a run whose Prepare did not (an older schema.json), or a model that
emits a real rare value, still publishes no one-off value:

* a category label is printed only when the real rows (training + holdout) hold it at
  least k times; rarer labels are counted together as OTHER_RARE, and a synthetic label
  is printed only when the same label may be printed for the real side;
* numbers, dates and timestamps are summarised by quantiles (p1 to p99), never by a
  minimum or a maximum, after each end's k - 1 most extreme values are pulled in to the
  k-th: so on small data too, p1 and p99 (and the mean) cannot be a single record's
  extreme, or be computed from one;
* text columns are never evaluated (`synthpipe.train.metadata`): no label of theirs
  reaches the report.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from synthpipe.evaluate.frames import MISSING_LABEL, NUMERIC_SDTYPES, as_labels

OTHER_RARE = "other (rare)"
# The quantiles the report shows for numbers, dates and timestamps, by name.
QUANTILES = {"p1": 0.01, "p25": 0.25, "median": 0.5, "p75": 0.75, "p99": 0.99}


@dataclass(frozen=True)
class Disclosure:
    """k, and per category column the labels seen at least k times in the real rows."""

    min_count: int
    labels: dict[str, frozenset[str]]

    @classmethod
    def from_real(
        cls, frames: list[pd.DataFrame], sdtypes: dict[str, str], min_count: int
    ) -> Disclosure:
        """Count each category column's labels over all `frames` (training and holdout)."""
        labels = {}
        for column, sdtype in sdtypes.items():
            if sdtype in NUMERIC_SDTYPES:
                continue
            counts = pd.concat([as_labels(f[column]) for f in frames]).value_counts()
            frequent = counts[counts >= min_count].index
            # "(missing)" is our marker for an empty cell, not a value of the data.
            labels[column] = frozenset(str(v) for v in frequent) | {MISSING_LABEL}
        return cls(min_count=min_count, labels=labels)

    def shown(self, column: str, labels: pd.Series | pd.Index) -> pd.Series | np.ndarray:
        """A boolean mask: which of `labels` (strings from as_labels) may be printed."""
        return labels.isin(self.labels.get(column, frozenset()))

    def label(self, column: str, label: str) -> str:
        """`label` when it may be printed, OTHER_RARE when not."""
        return label if label in self.labels.get(column, frozenset()) else OTHER_RARE

    def numbers(self, values: np.ndarray) -> np.ndarray | None:
        """The present values, sorted, each end's k - 1 most extreme set to the k-th.

        None when fewer than 2k values are present: then every quantile would come from
        a handful of records, and the report shows counts only.
        """
        present = np.sort(values[~np.isnan(values)])
        k = self.min_count
        if len(present) < 2 * k:
            return None
        return np.clip(present, present[k - 1], present[-k])
