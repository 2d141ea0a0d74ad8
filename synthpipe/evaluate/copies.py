"""Synthetic rows equal to a real row: row keys, the chance rate, and generate's filter.

The release gate counts copies of training rows beyond what chance explains
(`synthpipe.evaluate.privacy.exact_copies`). The chance rate is measured on the real
rows: holdout rows equal to a training row, training rows with a twin, and the share of
input rows Prepare dropped as duplicates (rows the deduplicated frames can no longer
show repeating).

Where real rows (almost) never repeat, a synthetic row equal to one points at one real
record, and a faithful model makes such a row only rarely, by chance. One such row out
of thousands failed the gate on a real table (bundesliga: no real row repeated, so the
allowance was 0) although nothing else pointed to memorisation. Rather than publish it,
or loosen the gate, generate replaces every sampled row equal to a real row (training
or holdout, so that the absence of copies says nothing about who was trained on) when
the chance rate is below `FILTER_MAX_CHANCE_RATE`: the rows dropped are then at most
about that share of the output, so the distribution barely moves. A model that copies
more than that (and more than chance explains: `CopyFilter.limit`) has memorised rows:
generate refuses it rather than hide it behind replacements. Above the rate (coarse
data, where the same row is many people's), copies are the data's nature and the gate
judges them against chance. Under differential privacy the filter is off: it reads real
rows, which the privacy accounting does not count.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from synthpipe.evaluate.frames import NUMERIC_SDTYPES, as_labels
from synthpipe.train.data import as_numbers

# Below this share of real rows repeating another by chance, generate replaces copies.
FILTER_MAX_CHANCE_RATE = 0.01
# Copies allowed beyond the expected count, in standard deviations of a Poisson count.
CHANCE_SIGMAS = 3.0


def row_keys(frame: pd.DataFrame, sdtypes: dict[str, str]) -> np.ndarray:
    """One 64-bit hash per row of the evaluated columns, normalised per sdtype.

    Numbers become float64 (27 and 27.0 are equal), categories strings ('1' and 1 are
    equal), so that dtype differences between real and synthetic frames do not hide a copy.
    """
    normalised = pd.DataFrame(index=range(len(frame)))
    for column, sdtype in sdtypes.items():
        if sdtype in NUMERIC_SDTYPES:
            normalised[column] = as_numbers(frame[column])
        else:
            normalised[column] = as_labels(frame[column]).to_numpy(dtype=object)
    return pd.util.hash_pandas_object(normalised, index=False).to_numpy()


def allowed_by_chance(expected: float) -> int:
    """Copies chance explains when `expected` are expected: a Poisson upper bound."""
    return math.floor(expected + CHANCE_SIGMAS * math.sqrt(expected))


@dataclass(frozen=True)
class ChanceRate:
    """How often a real row equals another real row, and what it was measured from."""

    rate: float
    holdout_rows_equal_to_training: int
    training_rows_with_twin: int
    input_duplicate_share: float


def chance_rate(
    train_keys: np.ndarray, holdout_keys: np.ndarray, duplicate_share: float = 0.0
) -> ChanceRate:
    """The share of real rows equal to another real row (see module)."""
    holdout_matches = int(np.isin(holdout_keys, train_keys).sum())
    twins = int(pd.Series(train_keys).duplicated(keep=False).sum())
    measured = (holdout_matches + twins) / max(1, len(holdout_keys) + len(train_keys))
    return ChanceRate(
        rate=min(1.0, measured + duplicate_share),
        holdout_rows_equal_to_training=holdout_matches,
        training_rows_with_twin=twins,
        input_duplicate_share=duplicate_share,
    )


@dataclass(frozen=True)
class CopyFilter:
    """Which sampled rows generate replaces: those whose key is among `real_keys`.

    `real_keys` is None when the filter is off; `reason` says why it is on or off.
    """

    sdtypes: dict[str, str]
    real_keys: np.ndarray | None
    chance_rate: float | None
    reason: str
    # The training rows' keys: copies of these are what the gate and `limit` count.
    train_keys: np.ndarray | None = None

    @property
    def on(self) -> bool:
        return self.real_keys is not None

    def matches(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Masks of `frame`'s rows equal to a real row, and to a training row (all False
        when off)."""
        if self.real_keys is None or self.train_keys is None or len(frame) == 0:
            none = np.zeros(len(frame), dtype=bool)
            return none, none
        keys = row_keys(frame, self.sdtypes)
        return np.isin(keys, self.real_keys), np.isin(keys, self.train_keys)

    def limit(self, rows: int) -> int:
        """The most copies of training rows among `rows` sampled rows that the filter
        replaces rather than refuse the model: 1% of them, or what chance explains (the
        gate's allowance, on the same count) when more."""
        by_chance = allowed_by_chance((self.chance_rate or 0.0) * rows)
        return max(math.ceil(FILTER_MAX_CHANCE_RATE * rows), by_chance)

    def summary(self, replaced: int | None) -> dict[str, object]:
        return {
            "on": self.on,
            "reason": self.reason,
            "chance_rate": self.chance_rate,
            "max_chance_rate": FILTER_MAX_CHANCE_RATE,
            "rows_replaced": replaced,
        }


def copy_filter(
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    sdtypes: dict[str, str],
    duplicate_share: float,
) -> CopyFilter:
    """The filter for these real rows (frames already in the evaluated representation)."""
    train_keys, holdout_keys = row_keys(train, sdtypes), row_keys(holdout, sdtypes)
    chance = chance_rate(train_keys, holdout_keys, duplicate_share).rate
    if chance >= FILTER_MAX_CHANCE_RATE:
        reason = (
            f"real rows repeat by chance ({chance:.2%} of them, at least "
            f"{FILTER_MAX_CHANCE_RATE:.0%}): copies are judged against chance by the gate"
        )
        return CopyFilter(sdtypes, None, chance, reason)
    reason = (
        f"real rows rarely repeat ({chance:.2%} of them, under {FILTER_MAX_CHANCE_RATE:.0%}): "
        "sampled rows equal to a real row are replaced"
    )
    keys = np.unique(np.concatenate([train_keys, holdout_keys]))
    return CopyFilter(sdtypes, keys, chance, reason, train_keys=np.unique(train_keys))


def filter_off(reason: str) -> CopyFilter:
    return CopyFilter({}, None, None, reason)
