"""Calendars: the dates a series is kept by (every month's end, every trading day).

Two uses, one notion of a grid.

Not dates of birth (`calendar_grid`). Past dates spread over decades read as dates of
birth (`pii.columns._birth_dates_by_value`), and so does the date column of a time
series: monthly figures since 1967, a share price every trading day since 1990. Births
fall on any day, in any number. A column is a calendar when its dates

- sit on one grid: every day, every weekday, one day of the week, one day of the month
  (or the month's end) every month or every quarter, one day of the year;
- fill that grid from the first date to the last, a tenth of it missing at most;
- and hold the same number of rows each (one per date, or one per series of a panel)
  on at least `EVEN_SHARE` of the dates.

A column of births fills a grid only when it holds several rows per day on average, and
then its counts vary from day to day. A calendar is judged on every row: a sample of one
keeps neither its fill nor its counts (see `prepare._privacy`).

Synthetic dates on the real calendar (`calendar_anchor`, `snap_to_calendar`). A model
makes dates on any day; where the real dates sit on one spot of a coarser grid (month
ends, Mondays, weekdays only), training records that spot and generate moves each
synthetic date to the nearest such day, so that a monthly series comes back monthly;
timestamps on a clock step (every hour, every quarter of an hour) come back on it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

MIN_DATES = 20
ON_GRID_SHARE = 0.95
FILL_SHARE = 0.9
EVEN_SHARE = 0.8


@dataclass(frozen=True)
class _Grid:
    """`anchor(d)` names where on its slot a date sits (the weekday, the day of the
    month); `slot(d)` numbers the slots (days, weeks, months) in order."""

    name: str
    anchor: Callable[[date], object]
    slot: Callable[[date], int]


def _month_anchor(day: date) -> object:
    return "end" if (day + timedelta(days=1)).day == 1 else day.day


def _business_slot(day: date) -> int:
    weeks, weekday = divmod(day.toordinal() - 1, 7)  # ordinal 1 is a Monday
    return weeks * 5 + min(weekday, 4)


_GRIDS = (
    _Grid("day", lambda d: None, lambda d: d.toordinal()),
    _Grid("weekday", lambda d: d.weekday() < 5, _business_slot),
    _Grid("week", lambda d: d.weekday(), lambda d: (d.toordinal() - 1) // 7),
    _Grid("month", _month_anchor, lambda d: d.year * 12 + d.month - 1),
    _Grid(
        "quarter",
        lambda d: (d.month % 3, _month_anchor(d)),
        lambda d: d.year * 4 + (d.month - 1) // 3,
    ),
    _Grid("year", lambda d: (d.month, _month_anchor(d)), lambda d: d.year),
)


def calendar_grid(counts: Mapping[date, int]) -> str | None:
    """The grid a column's dates keep ('month', 'weekday'...), or None when they are
    not a calendar. `counts`: rows per distinct date, over every row of the column."""
    if len(counts) < MIN_DATES or not _even(counts):
        return None
    for grid in _GRIDS:
        if _fills(sorted(counts), grid):
            return grid.name
    return None


def _even(counts: Mapping[date, int]) -> bool:
    most = Counter(counts.values()).most_common(1)[0][1]
    return most >= EVEN_SHARE * len(counts)


def _fills(days: list[date], grid: _Grid) -> bool:
    spot = _spot(days, grid)
    return spot is not None and len(spot[1]) >= FILL_SHARE * (max(spot[1]) - min(spot[1]) + 1)


def _spot(days: list[date], grid: _Grid) -> tuple[object, set[int]] | None:
    """The spot of `grid` that most of the distinct `days` sit on, and their slots: when
    ON_GRID_SHARE of them sit there, one per slot (two in one: a finer grid, or none)."""
    anchor, on_anchor = Counter(map(grid.anchor, days)).most_common(1)[0]
    if grid.name == "weekday" and anchor is not True:
        return None
    if on_anchor < ON_GRID_SHARE * len(days):
        return None
    slots = {grid.slot(d) for d in days if grid.anchor(d) == anchor}
    return (anchor, slots) if len(slots) == on_anchor else None


# --- a synthetic column on its real calendar ----------------------------------------------

_BY_NAME = {grid.name: grid for grid in _GRIDS}
# Coarsest first: quarter ends are month ends too.
_ANCHORED = ("year", "quarter", "month", "week", "weekday")


def calendar_anchor(days: Iterable[date]) -> dict[str, Any] | None:
    """Where a real date column's dates sit ({"grid": "month", "anchor": "end"}), when
    nearly all sit on one spot of a grid coarser than a day, one date per slot; None
    otherwise (births, events, a daily series). A random part of a calendar (the
    training rows) keeps its spot, if not its fill."""
    distinct = sorted(set(days))
    if len(distinct) < MIN_DATES:
        return None
    for name in _ANCHORED:
        if (spot := _spot(distinct, _BY_NAME[name])) is not None:
            return {"grid": name, "anchor": spot[0]}
    return None


def snap_to_calendar(values: pd.Series, calendar: Mapping[str, Any]) -> pd.Series:
    """Each date moved to the nearest date of `calendar` (calendar_anchor's), nulls kept:
    a model's dates for a monthly series fall on any day of the month."""
    stamps = pd.to_datetime(values, errors="coerce")
    known = stamps.dropna()
    if known.empty:
        return values
    if calendar["grid"] == "clock":  # timestamps: to the nearest whole step
        return stamps.dt.round(f"{calendar['seconds']}s")
    grid = _BY_NAME[calendar["grid"]]
    anchor = calendar["anchor"]
    anchor = tuple(anchor) if isinstance(anchor, list) else anchor  # read back from JSON
    low, high = known.min().date() - timedelta(days=400), known.max().date() + timedelta(days=400)
    spots = [d for d in _days(low, high) if grid.anchor(d) == anchor]
    ordinals = np.array([d.toordinal() for d in spots])
    wanted = np.array([d.toordinal() for d in known.dt.date])
    right = np.clip(np.searchsorted(ordinals, wanted), 1, len(ordinals) - 1)
    nearer_left = wanted - ordinals[right - 1] <= ordinals[right] - wanted
    chosen = np.where(nearer_left, ordinals[right - 1], ordinals[right])
    snapped = stamps.to_numpy(copy=True)
    snapped[stamps.notna().to_numpy()] = (chosen - _EPOCH).astype("datetime64[D]")
    return pd.Series(snapped, index=values.index, name=values.name)


_EPOCH = date(1970, 1, 1).toordinal()


def _days(low: date, high: date) -> Iterable[date]:
    return (low + timedelta(days=n) for n in range((high - low).days + 1))


# Clock steps, coarsest first: midnight, every hour, half and quarter hour, every 10, 5
# minutes, every minute.
_CLOCK_STEPS = (86_400, 3_600, 1_800, 900, 600, 300, 60)


def clock_step(stamps: pd.Series) -> int | None:
    """The coarsest of _CLOCK_STEPS (seconds) that ON_GRID_SHARE of a real timestamp
    column's distinct values are whole multiples of (weather read every hour, a meter
    every quarter of an hour), or None."""
    known = pd.DatetimeIndex(pd.to_datetime(stamps, errors="coerce", utc=True).dropna().unique())
    if len(known) < MIN_DATES:
        return None
    seconds = (known - pd.Timestamp(0, tz="UTC")).total_seconds()
    for step in _CLOCK_STEPS:
        if (seconds % step == 0).mean() >= ON_GRID_SHARE:
            return step
    return None


def calendars_of(
    frame: pd.DataFrame, dates: Iterable[str], timestamps: Iterable[str] = ()
) -> dict[str, dict[str, Any]]:
    """Column -> where its real values sit, for the columns that keep one spot
    (training.json's `calendars`, which generate snaps its values to): dates on a
    calendar (calendar_anchor), timestamps on a clock step ({"grid": "clock", "seconds":
    3600}: every hour)."""
    found = {}
    for name in dates:
        days = pd.to_datetime(frame[name], errors="coerce").dropna().dt.date
        if (calendar := calendar_anchor(days)) is not None:
            found[name] = calendar
    for name in timestamps:
        if (step := clock_step(frame[name])) is not None:
            found[name] = {"grid": "clock", "seconds": step}
    return found
