"""Orders the real rows keep: `low <= high` on every row, kept in the synthetic rows.

A table often holds two numbers or two dates of one thing: a loan's start and end, an
order's placed and shipped dates, a temperature and its dew point, a player's at-bats and
hits. Every real row has the first at or below the second; a model that draws each column
from what it learned of both still puts a share of its rows the other way round (an end
before its start), which a user sees at once and no score of the columns' shapes shows.

Training finds the pairs (`find_orders`, on the cleaned rows; training.json's `orders`):
two columns modelled as numbers, or two as dates or timestamps, where every row that
holds both has the first at or below the second, on at least `MIN_ROWS` such rows, with
the first below the second on some, and where the two ranges overlap (an order the ranges
already force, ages beside years, needs no check). Generate replaces each sampled row that
breaks one by a fresh sampled row that does not, as it replaces rows with categories the
real rows lack; the rows drawn are then the model's rows given the order, which is what
the real rows are. Where the model breaks an order so often that the replacement rounds
run dry, or where a tail drawn beyond a protection bound breaks one, the row is repaired
instead (`repair`: the first value lowered to the second). The evaluation counts the rows
that still break one (none).

An order is a statement about all rows, not a value of any; it is still read from real
rows, so under differential privacy none is found (training.json has no `orders`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from synthpipe.train.data import as_datetime_ns, as_numbers

# The fewest rows holding both columns for an order to be kept: fewer may be chance.
MIN_ROWS = 50
# Pairs are first tried on this many rows; only those that hold there are read whole.
SCREEN_ROWS = 2000
# The most columns of one kind compared pairwise (the widest tables stay quick).
MAX_COLUMNS = 200
KINDS = ("numerical", "datetime")


@dataclass(frozen=True)
class Order:
    """`low <= high` on every real row that holds both."""

    low: str
    high: str

    @property
    def pair(self) -> tuple[str, str]:
        return self.low, self.high

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


def find_orders(frame: pd.DataFrame, sdtypes: dict[str, str]) -> list[Order]:
    """The orders `frame`'s rows keep between columns of one kind (`KINDS`, by the
    columns' `sdtypes`), in column order."""
    orders: list[Order] = []
    for kind in KINDS:
        names = [n for n, t in sdtypes.items() if t == kind and n in frame][:MAX_COLUMNS]
        values = {name: comparable(frame[name]) for name in names}
        screen = _screen_rows(len(frame))
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                order = _order_of(values[a][screen], values[b][screen], a, b, screened=True)
                if order is not None:
                    order = _order_of(values[order.low], values[order.high], *order.pair)
                if order is not None:
                    orders.append(order)
    return orders


def orders_from(records: Iterable[dict[str, str]] | None) -> list[Order]:
    """training.json's `orders` as `Order`s (none for models trained before them)."""
    return [Order(r["low"], r["high"]) for r in records or ()]


def broken(frame: pd.DataFrame, orders: Sequence[Order]) -> np.ndarray:
    """Per row of `frame`: whether it breaks one of `orders` (a value missing breaks none)."""
    mask = np.zeros(len(frame), dtype=bool)
    for breaks in _each_broken(frame, orders).values():
        mask |= breaks
    return mask


def broken_counts(frame: pd.DataFrame, orders: Sequence[Order]) -> dict[str, int]:
    """Rows of `frame` breaking each of `orders` that any row breaks, as `low <= high`."""
    counts = {
        f"{o.low} <= {o.high}": int(breaks.sum())
        for o, breaks in _each_broken(frame, orders).items()
    }
    return {pair: rows for pair, rows in counts.items() if rows}


def _each_broken(frame: pd.DataFrame, orders: Sequence[Order]) -> dict[Order, np.ndarray]:
    """Per order, the rows of `frame` that break it; each column read once (a wide
    table's chance orders among its counts name a column many times)."""
    values = {name: comparable(frame[name]) for name in columns(orders)}
    with np.errstate(invalid="ignore"):
        return {o: values[o.low] > values[o.high] for o in orders}  # False where NaN


def repair(
    frame: pd.DataFrame,
    orders: Sequence[Order],
    lower: Callable[[str, pd.Series], pd.Series] = lambda _name, values: values,
) -> tuple[pd.DataFrame, int]:
    """`frame` with each broken order mended by lowering its first value to its second,
    as `lower(first column, values)` writes them in the first column (rounded down to
    its places), until none is broken (a lowered value may break an order it is the
    second of); and how many rows changed."""
    out = frame.copy()
    changed = np.zeros(len(out), dtype=bool)
    for _ in range(len(orders) + 1):
        mended = False
        for order in orders:
            rows = _breaks(out, order)
            if rows.any():
                lowered = lower(order.low, out[order.high])
                out[order.low] = out[order.low].where(~rows, lowered)
                changed |= rows
                mended = True
        if not mended:
            break
    return out, int(changed.sum())


def comparable(values: pd.Series) -> np.ndarray:
    """A column as floats (NaN for missing): numbers as they are, dates and timestamps as
    nanoseconds of naive UTC (`as_datetime_ns`: one unit, whether pandas holds them as
    `date` objects, microseconds with a zone or nanoseconds)."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return as_numbers(values)
    return as_numbers(as_datetime_ns(values))


def _order_of(
    a: np.ndarray, b: np.ndarray, a_name: str, b_name: str, *, screened: bool = False
) -> Order | None:
    """The order `a` and `b` keep (a first when both do), or None. A screen passes a pair
    that holds on the rows read, whatever their number."""
    both = ~(np.isnan(a) | np.isnan(b))
    a, b = a[both], b[both]
    if not screened and len(a) < MIN_ROWS:
        return None
    if len(a) == 0 or not _ranges_overlap(a, b):
        return None
    if (a <= b).all() and (a < b).any():
        return Order(a_name, b_name)
    if (b <= a).all() and (b < a).any():
        return Order(b_name, a_name)
    return None


def _ranges_overlap(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether neither column lies wholly at or below the other (an order they force)."""
    return a.max() > b.min() and b.max() > a.min()


def _breaks(frame: pd.DataFrame, order: Order) -> np.ndarray:
    return _each_broken(frame, [order])[order]


def _screen_rows(rows: int) -> np.ndarray:
    """Evenly spread positions of `SCREEN_ROWS` rows (all when fewer)."""
    if rows <= SCREEN_ROWS:
        return np.arange(rows)
    return np.linspace(0, rows - 1, SCREEN_ROWS).astype(int)


def to_records(orders: Sequence[Order]) -> list[dict[str, Any]]:
    """training.json's `orders`."""
    return [order.to_dict() for order in orders]


def columns(orders: Sequence[Order]) -> list[str]:
    """The columns `orders` name, each once, in their order of appearance."""
    return list(dict.fromkeys(name for order in orders for name in order.pair))
