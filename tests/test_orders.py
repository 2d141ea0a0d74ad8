"""Orders the real rows keep (a start before its end): found at training, kept at
generate, counted by the evaluation."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import pytest

from synthpipe.evaluate.copies import filter_off
from synthpipe.evaluate.report import load_schema
from synthpipe.generate import TrainedModel, floor_as, keep_real_rows, mend_orders
from synthpipe.orders import MIN_ROWS, Order, broken, find_orders, repair
from synthpipe.schema import ColumnSchema, DatasetSchema
from tests.model_steps import train_generate_evaluate
from tests.test_codes import FakeSynthesizer

NO_FILTER = filter_off("copies are not what these tests check")
NUMBERS = {"due": "numerical", "paid": "numerical", "noise": "numerical"}


def loans(rows: int, seed: int = 0) -> pd.DataFrame:
    """Loans: a start date, an end timestamp after it (missing while open), an amount due
    and the part of it paid, and a number unrelated to either."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 900, rows), "D")
    end = start + pd.to_timedelta(rng.integers(0, 400 * 24, rows), "h")
    due = np.round(rng.lognormal(7, 0.5, rows), 2)
    frame = pd.DataFrame(
        {
            "due": due,
            "start": start.date,
            "end": pd.Series(end, dtype="datetime64[us]").dt.tz_localize("UTC"),
            "paid": np.round(due * rng.uniform(0, 1, rows), 2),
            "noise": rng.normal(1000, 300, rows),
        }
    )
    frame.loc[rng.uniform(size=rows) < 0.2, "end"] = pd.NaT
    return frame


def test_training_finds_the_orders_every_row_keeps_whichever_column_comes_first() -> None:
    frame = loans(500)
    sdtypes = {**NUMBERS, "start": "datetime", "end": "datetime"}
    assert find_orders(frame, sdtypes) == [Order("paid", "due"), Order("start", "end")]


def test_no_order_from_one_row_the_other_way_from_ranges_apart_or_from_few_rows() -> None:
    frame = loans(500)
    frame.loc[7, "paid"] = frame.loc[7, "due"] + 1  # one real row pays more than due
    frame["years"] = frame["due"] + 1e6  # always above due, as its range alone says
    frame["copy"] = frame["noise"]  # equal on every row: no row is below the other
    sdtypes = {**NUMBERS, "years": "numerical", "copy": "numerical"}
    assert find_orders(frame, sdtypes) == []
    few = loans(MIN_ROWS - 1)
    assert find_orders(few, NUMBERS) == []


def test_repair_lowers_the_first_value_down_a_chain_until_none_is_broken() -> None:
    frame = pd.DataFrame(
        {"a": [5.0, 1.0, 9.0, np.nan], "b": [3.0, 2.0, 4.0, 1.0], "c": [4, 3, 2, 1]}
    )
    orders = [Order("a", "b"), Order("b", "c")]
    fixed, changed = repair(frame, orders)
    assert not broken(fixed, orders).any()
    assert changed == 2  # rows 0 and 2; the missing value breaks nothing
    assert fixed["a"].tolist()[:3] == [3.0, 1.0, 2.0]
    assert fixed["b"].tolist() == [3.0, 2.0, 2.0, 1.0]


def test_a_whole_number_lowered_to_a_decimal_is_rounded_down_not_up() -> None:
    column = ColumnSchema("paid", "paid", "integer")
    assert floor_as(pd.Series([3.7, 4.0, np.nan]), column).tolist() == [3, 4, pd.NA]
    cents = ColumnSchema("paid", "paid", "decimal", decimal_places=1)
    assert floor_as(pd.Series([3.79]), cents).tolist() == [3.7]


def model_with(rows: list[dict]) -> TrainedModel:
    """A model that samples `rows` in a cycle, trained on rows keeping paid <= due."""
    columns = [
        ColumnSchema("paid", "paid", "integer"),
        ColumnSchema("due", "due", "decimal", decimal_places=2),
    ]
    schema = DatasetSchema(dataset="d", run_id="r", columns=columns)
    summary = {
        "rows": {"cleaned": 10},
        "hyperparameters": {"target_rate_tolerance": 0.2},
        "orders": [{"low": "paid", "high": "due"}],
    }
    return TrainedModel(FakeSynthesizer(rows), schema, summary, categories={})


def test_generate_replaces_rows_that_break_an_order_with_rows_that_keep_it() -> None:
    model = model_with([{"paid": 1.0, "due": 2.0}, {"paid": 9.0, "due": 2.0}])
    sampled = pd.DataFrame({"paid": [1.0, 9.0, 1.0, 9.0], "due": [2.0, 2.0, 2.0, 2.0]})
    kept, replaced = keep_real_rows(model, sampled, seed=0, copies=NO_FILTER)
    assert (replaced.orders, replaced.orders_mended) == (2, 0)
    assert len(kept) == 4 and (kept["paid"] <= kept["due"]).all()


def test_rows_a_model_always_breaks_are_mended_as_written() -> None:
    model = model_with([{"paid": 9.0, "due": 2.5}])
    sampled = pd.DataFrame({"paid": [9.0, 9.0], "due": [2.5, 2.5]})
    kept, replaced = keep_real_rows(model, sampled, seed=0, copies=NO_FILTER)
    assert (replaced.orders, replaced.orders_mended) == (2, 2)
    # The whole number is written at or below 2.5: 2, not 3 (2.5 rounded).
    assert kept["paid"].tolist() == [2, 2] and kept["due"].tolist() == [2.5, 2.5]
    assert mend_orders(model, kept) == (kept, 0)


@pytest.fixture(scope="module")
def run_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The loans, trained (TVAE, as test_generate trains it), generated and evaluated."""
    root = tmp_path_factory.mktemp("orders")
    frame = loans(1_200, seed=4)
    kinds = {"due": "decimal", "start": "date", "end": "timestamp", "paid": "decimal"}
    kinds["noise"] = "decimal"
    columns = [
        ColumnSchema(name, name, kind, role="feature", distinct_count=int(frame[name].nunique()))
        for name, kind in kinds.items()
    ]
    schema = DatasetSchema(dataset="d", run_id="r", columns=columns, rows=len(frame))
    return train_generate_evaluate(root, frame, schema)


def test_a_release_keeps_every_order_training_found(run_dirs: dict[str, Path]) -> None:
    training = json.loads((run_dirs["model"] / "training.json").read_text())
    assert training["orders"] == [{"low": "paid", "high": "due"}, {"low": "start", "high": "end"}]
    synthetic = pd.read_parquet(run_dirs["staging"] / "synthetic.parquet")
    assert (synthetic["paid"] <= synthetic["due"]).all()
    both = synthetic.dropna(subset=["end"])
    starts = pd.to_datetime(both["start"]).dt.tz_localize("UTC")
    assert (starts <= both["end"]).all() and len(both) > 0
    assert all(isinstance(day, dt.date) for day in synthetic["start"].dropna())


def test_the_report_counts_the_orders_and_the_rows_generate_replaced(
    run_dirs: dict[str, Path],
) -> None:
    report = json.loads((run_dirs["staging"] / "report.json").read_text())
    jsonschema.validate(report, load_schema())
    orders = report["diagnostic"]["orders"]
    assert orders["rows"] == 0 and orders["broken"] == {}
    generation = json.loads((run_dirs["staging"] / "generation.json").read_text())
    assert orders["at_generate"] == generation["orders"]
    assert generation["orders"]["pairs"] == 2
    # A model drawing paid and due from what it learned of each breaks the order on a
    # share of its rows: generate replaced them.
    assert generation["orders"]["rows_replaced"] > 0
    html = (run_dirs["staging"] / "report.html").read_text()
    assert "Orders the real rows keep" in html and "<code>paid</code> &le;" in html
