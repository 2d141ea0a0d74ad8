"""A series' calendar spans decades of past dates like births do, and is no personal data;
births stay births however many there are."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from synthpipe.calendars import calendar_anchor, clock_step, snap_to_calendar
from synthpipe.errors import StepFailed
from synthpipe.evaluate import privacy
from synthpipe.layout import RunLayout
from synthpipe.pii import DATE_OF_BIRTH, classify_column, scan_values
from synthpipe.verify import verify_cleaned

TODAY = date.today()


def _range(freq: str, start: str, end: str | None = None) -> list[date]:
    return [d.date() for d in pd.date_range(start, end or TODAY.isoformat(), freq=freq)]


def _births(rows: int, seed: int = 1, day_of_month: int | None = None) -> list[date]:
    rng = random.Random(seed)
    born = [TODAY - timedelta(days=rng.randint(18 * 365, 90 * 365)) for _ in range(rows)]
    return [d.replace(day=day_of_month) for d in born] if day_of_month else born


def _trading_days() -> list[date]:
    days = _range("B", "1990-01-02")
    holidays = set(random.Random(4).sample(days, len(days) // 25))
    return [d for d in days if d not in holidays]


CALENDARS = {
    "month ends since 1967": (_range("ME", "1967-06-30"), "%Y-%m-%d"),
    "months' first days": (_range("MS", "1960-01-01"), "%d/%m/%Y"),
    "quarters": (_range("QE", "1947-01-01"), "%m/%d/%Y"),
    "weeks": (_range("W-SAT", "1958-03-29"), "%Y-%m-%d"),
    "trading days": (_trading_days(), "%Y-%m-%d"),
    "years": (_range("YS", "1920-01-01"), "%d.%m.%Y"),
    "every day, a panel of three": (_range("D", "1980-01-01", "2019-12-31") * 3, "%Y-%m-%d"),
}


@pytest.mark.parametrize("name", CALENDARS)
def test_a_series_calendar_is_no_dates_of_birth(name):
    days, written = CALENDARS[name]
    values = [d.strftime(written) for d in days]
    random.Random(2).shuffle(values)  # a file need not be sorted
    assert scan_values("d", values).entity_types == []


@pytest.mark.parametrize(
    "births",
    [
        _births(60_000),  # fills every day of the span, a different number each day
        _births(5_000, day_of_month=1),  # month and year only, written as the 1st
    ],
    ids=["every day filled", "first of the month"],
)
def test_births_stay_births_however_many(births):
    finding = scan_values("d", [d.isoformat() for d in births])
    assert finding.entity_types == [DATE_OF_BIRTH]


def test_quarters_over_decades_are_no_births_and_years_as_january_1st_are():
    """A loan book's vintages (2000Q1 ... read as each quarter's first day), in uneven
    numbers, are no calendar and no births; years of birth written as 1 January are."""
    rng = random.Random(7)
    quarters = [f"{rng.randint(1990, 2024)}Q{rng.randint(1, 4)}" for _ in range(2_000)]
    assert scan_values("d", quarters).entity_types == []
    assert (
        scan_values("d", [f"{q[:4]}-{int(q[5]) * 3 - 2:02d}-01" for q in quarters]).entity_types
        == []
    )
    years = [f"{d.year}-01-01" for d in _births(2_000)]
    assert scan_values("d", years).entity_types == [DATE_OF_BIRTH]


def test_a_calendar_with_many_dates_missing_is_judged_as_births():
    """Prefer a doubt refused: a fifth of the months gone is no calendar any more."""
    months = _range("ME", "1960-01-31")
    kept = random.Random(5).sample(months, int(0.8 * len(months)))
    assert scan_values("d", [d.isoformat() for d in kept]).entity_types == [DATE_OF_BIRTH]


def test_a_sample_cannot_tell_a_calendar_every_row_can():
    """Why Prepare counts every row of a sample's dates of birth again."""
    days = [d.isoformat() for d in _range("D", "1980-01-01", "2019-12-31")]
    sample = random.Random(6).sample(days, 1000)
    assert classify_column("d", sample).entity_types == [DATE_OF_BIRTH]
    assert scan_values("d", days).entity_types == []


def _layout_with_objects(tmp_path: Path, column: list[str], objects: int) -> RunLayout:
    layout = RunLayout(str(tmp_path), "ds", "r1")
    Path(layout.cleaned_data).mkdir(parents=True)
    frame = pd.DataFrame({"d": column, "n": range(len(column))})
    frame = frame.sample(frac=1.0, random_state=3)
    size = -(-len(frame) // objects)
    for index in range(objects):
        part = frame.iloc[index * size : (index + 1) * size]
        part.to_parquet(f"{layout.cleaned_data}/part-{index:05d}.parquet", index=False)
    return layout


def test_verify_judges_dates_of_birth_over_every_object(tmp_path):
    """Forty objects of 15 rows each: no object alone holds the 20 dates a column of
    births needs, the column does."""
    births = [d.isoformat() for d in _births(600)]
    with pytest.raises(StepFailed) as caught:
        verify_cleaned(_layout_with_objects(tmp_path, births, 40))
    assert caught.value.details["columns"] == {"d": [DATE_OF_BIRTH]}


def test_verify_passes_a_calendar_spread_over_objects(tmp_path):
    months = [d.isoformat() for d in _range("ME", "1967-06-30")]
    result = verify_cleaned(_layout_with_objects(tmp_path, months, 4))
    assert result.findings == [] and result.files == 4


def _frames(real: list[date]) -> list[pd.DataFrame]:
    frame = pd.DataFrame({"d": pd.to_datetime(real), "n": range(len(real))})
    frame = frame.sample(frac=1.0, random_state=1)
    cut = int(0.8 * len(frame))
    return [frame.iloc[:cut], frame.iloc[cut:]]


def test_synthetic_dates_of_a_calendar_are_judged_on_the_real_column():
    """A model's dates for a monthly series fall on any day, and spread like births."""
    months = _range("ME", "1967-06-30")
    rng = np.random.default_rng(7)
    low, high = pd.Timestamp(months[0]).value, pd.Timestamp(months[-1]).value
    stamps = pd.to_datetime(rng.integers(low, high, 500)).normalize()
    synthetic = pd.DataFrame({"d": stamps, "n": range(500)})
    assert scan_values("d", synthetic["d"].dt.date.astype(str)).entity_types == [DATE_OF_BIRTH]
    rescan = privacy.pii_rescan(synthetic, _frames(months))
    assert rescan["pii_hits"] == 0 and rescan["pii_dates_judged_on_real"] == ["d"]
    # Learnt from births, the same dates are flagged.
    rescan = privacy.pii_rescan(synthetic, _frames(_births(len(months))))
    assert rescan["pii_columns"] == {"d": [DATE_OF_BIRTH]}
    assert rescan["pii_dates_judged_on_real"] == []


@pytest.mark.slow
def test_prepare_keeps_a_daily_calendar_and_generalises_births(spark, tmp_path):
    from tests.test_prepare_privacy import run_prepare

    days = _range("D", "1980-01-01", "2019-12-31")
    random.Random(9).shuffle(days)  # so that Prepare's sample spreads over the decades
    births = _births(len(days), seed=8)
    lines = ["day,born,x"] + [
        f"{d.isoformat()},{b.isoformat()},{i % 13}"
        for i, (d, b) in enumerate(zip(days, births, strict=True))
    ]
    raw = tmp_path / "raw" / "ds" / "input.csv"
    raw.parent.mkdir(parents=True)
    raw.write_text("\n".join(lines) + "\n")
    schema, _, layout = run_prepare(spark, tmp_path, raw)
    assert schema.column("day").type == "date" and schema.column("day").pii_action is None
    assert schema.column("born").pii_action == "generalise"
    assert verify_cleaned(layout).findings == []


ANCHORS = {
    "month ends since 1967": {"grid": "month", "anchor": "end"},
    "months' first days": {"grid": "month", "anchor": 1},
    "quarters": {"grid": "quarter", "anchor": (0, "end")},
    "weeks": {"grid": "week", "anchor": 5},
    "trading days": {"grid": "weekday", "anchor": True},
    "years": {"grid": "year", "anchor": (1, 1)},
    "every day, a panel of three": None,
}


@pytest.mark.parametrize("name", ANCHORS)
def test_the_training_part_of_a_calendar_keeps_its_spot(name):
    days, _ = CALENDARS[name]
    training = random.Random(3).sample(days, int(0.8 * len(days)))
    assert calendar_anchor(training) == ANCHORS[name]


def test_births_keep_no_spot():
    assert calendar_anchor(_births(5_000)) is None


@pytest.mark.parametrize("name", [n for n, anchor in ANCHORS.items() if anchor])
def test_synthetic_dates_move_to_the_nearest_day_of_the_calendar(name):
    days, _ = CALENDARS[name]
    spots = pd.to_datetime(sorted(set(days)))
    rng = np.random.default_rng(4)
    made = pd.Series(pd.to_datetime(rng.integers(spots[1].value, spots[-2].value, 400)).normalize())
    made.iloc[::10] = pd.NaT
    snapped = snap_to_calendar(made, ANCHORS[name])
    assert snapped.isna().equals(made.isna())
    known = snapped.dropna()
    assert calendar_anchor(known.dt.date) == ANCHORS[name]  # every one on the spot
    # Moved by half a step at most (a trading day: to the weekday beside a weekend).
    step = pd.Series(spots).diff().max()
    assert (abs(known - made.dropna()) <= step / 2).all()


@pytest.mark.parametrize(
    ("freq", "step"), [("D", 86_400), ("h", 3_600), ("15min", 900), ("5min", 300), ("37s", None)]
)
def test_the_clock_step_of_real_timestamps(freq, step):
    stamps = pd.Series(pd.date_range("2013-01-01", periods=2_000, freq=freq, tz="UTC"))
    training = stamps.sample(frac=0.8, random_state=1)
    assert clock_step(training) == step


def test_synthetic_timestamps_move_to_the_nearest_step():
    """Weather read every hour comes back on the hour (the input's form, 14:00:00Z)."""
    rng = np.random.default_rng(5)
    low, high = (
        pd.Timestamp("2013-01-01", tz="UTC").value,
        pd.Timestamp("2013-12-31", tz="UTC").value,
    )
    made = pd.Series(pd.to_datetime(rng.integers(low, high, 300), utc=True))
    made.iloc[::7] = pd.NaT
    snapped = snap_to_calendar(made, {"grid": "clock", "seconds": 3_600})
    assert snapped.isna().equals(made.isna())
    known, before = snapped.dropna(), made.dropna()
    assert (known.dt.minute == 0).all() and (known.dt.second == 0).all()
    assert (abs(known - before) <= pd.Timedelta(minutes=30)).all()
