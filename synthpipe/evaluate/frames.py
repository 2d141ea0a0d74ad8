"""Small helpers on data frames shared by the evaluation modules."""

from __future__ import annotations

import numpy as np
import pandas as pd

from synthpipe.train.data import as_datetime_ns

NUMERIC_SDTYPES = ("numerical", "datetime")
MISSING_LABEL = "(missing)"


def sample(frame: pd.DataFrame, rows: int, seed: int | np.random.Generator) -> pd.DataFrame:
    """Up to `rows` rows drawn at random without replacement (the frame when smaller).
    A generator (rather than a seed) goes on drawing where its last draw ended."""
    if len(frame) <= rows:
        return frame
    positions = np.sort(np.random.default_rng(seed).choice(len(frame), rows, replace=False))
    return frame.iloc[positions]


def with_datetimes(frame: pd.DataFrame, sdtypes: dict[str, str]) -> pd.DataFrame:
    """Datetime columns as naive UTC datetime64[ns] in every frame compared.

    Parquet dates come back from pandas as Python `date` objects and Spark's timestamps
    as microseconds with a zone, while the training step's holdout holds datetime64[ns]:
    compared as they were, every synthetic row looked closer to training (share 1.0)
    because one side's dates read as missing.
    """
    columns = [c for c, t in sdtypes.items() if t == "datetime" and c in frame]
    if not columns:
        return frame
    frame = frame.copy()
    for column in columns:
        frame[column] = as_datetime_ns(frame[column])
    return frame


def as_labels(series: pd.Series) -> pd.Series:
    """Category labels as strings, so that 1, 1.0-as-category and '1' compare the same."""
    labels = series.astype("string")
    if pd.api.types.is_float_dtype(series):
        # 1.0 -> "1": a categorical integer column read back as float.
        whole = series.notna() & (series == series.round())
        labels[whole] = series[whole].astype("int64").astype("string")
    return labels.fillna(MISSING_LABEL)
