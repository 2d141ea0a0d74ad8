"""Codes are categories: numbers that are codes are modelled as categories, and no
synthetic row carries a category or code that the real data lacks."""

from __future__ import annotations

import pandas as pd
import pytest

from synthpipe.errors import StepFailed
from synthpipe.evaluate.copies import filter_off
from synthpipe.evaluate.fidelity import unknown_categories
from synthpipe.generate import TrainedModel, keep_real_rows
from synthpipe.prepare._infer import code_reason, dense_codes
from synthpipe.schema import ColumnSchema, DatasetSchema
from synthpipe.train.categories import real_categories, unknown_counts, unknown_rows
from synthpipe.train.metadata import column_metadata, sdv_semantic_sdtypes


def reason(name: str, distinct: int, low: int, high: int, rows: int = 5000) -> str | None:
    return code_reason(name, distinct=distinct, non_null=rows, minimum=low, maximum=high)


@pytest.mark.parametrize(
    ("name", "distinct", "low", "high"),
    [
        ("state", 51, 1, 56),  # the unemployment-benefits table's state codes
        ("home_state", 51, 1, 56),
        ("commune", 194, 1, 194),
        ("industry", 40, 1, 99),
        ("occ_code", 120, 10, 990),
        ("region", 12, 1, 12),
        ("year", 46, 1963, 2008),  # a year-like key
        ("zipcode", 200, 10001, 99950),
        ("plz", 30, 10115, 99998),
        ("sic4", 80, 1000, 9999),  # no name hint: four-digit codes, each seen often
    ],
)
def test_whole_numbers_that_are_codes_are_told_by_name_and_values(name, distinct, low, high):
    assert reason(name, distinct, low, high)


@pytest.mark.parametrize(
    ("name", "distinct", "low", "high", "rows"),
    [
        ("statemb", 200, 84, 293, 5000),  # a benefit amount, not a state
        ("age", 60, 18, 80, 5000),
        ("amount", 240, 1000, 9990, 2000),  # four digits, but seldom repeated
        ("state", 8, 1, 8, 5000),  # ten values or fewer: training's small-integer rule
        ("state", 400, 1, 400, 50000),  # too many for a category
        ("year", 30, 1, 30, 5000),  # not years
        ("step", 180, 0, 179, 50000),
    ],
)
def test_quantities_stay_numbers(name, distinct, low, high, rows):
    assert reason(name, distinct, low, high, rows) is None


def test_many_codes_filling_their_range_stay_numbers():
    """194 communes numbered 1-194: a number rounded into the range is a real code."""
    assert dense_codes(distinct=194, minimum=1, maximum=194)
    assert not dense_codes(distinct=51, minimum=1, maximum=56)  # few: a category
    assert not dense_codes(distinct=150, minimum=10001, maximum=99950)  # gaps: a category


def test_codes_kept_as_numbers_are_checked_like_categories():
    real = pd.DataFrame({"commune": [1, 2, 3, 5], "x": [0.1, 0.2, 0.3, 0.4]})
    sdtypes = {"commune": "numerical", "x": "numerical"}
    assert real_categories(real, sdtypes) == {}
    categories = real_categories(real, sdtypes, codes=("commune",))
    assert categories == {"commune": ["1", "2", "3", "5"]}
    synthetic = pd.DataFrame({"commune": [1, 4], "x": [0.5, 0.6]})
    assert unknown_rows(synthetic, categories).tolist() == [False, True]
    counted = unknown_categories(real, synthetic, sdtypes, ("commune",))
    assert counted["columns"] == {"commune": 1}


def test_sdv_detection_is_an_input_for_integer_columns():
    """SDV 2.0 names `state`, `zipcode`, `CountryCode` an administrative unit, a post code
    and a country code from the name alone."""
    detected = sdv_semantic_sdtypes(("state", "zipcode", "CountryCode", "amount"))
    assert detected["state"] == "administrative_unit"
    assert detected["zipcode"] == "postcode"
    assert detected["amount"] == "numerical"

    def column(name: str, **kwargs) -> ColumnSchema:
        base = {"original_name": name, "name": name.lower(), "type": "integer"}
        return ColumnSchema(**{**base, "distinct_count": 40, **kwargs})

    assert column_metadata(column("ZipCode")) == {"sdtype": "categorical"}
    assert column_metadata(column("amount")) == {"sdtype": "numerical"}
    # Forced by the dataset config: a number stays a number.
    assert column_metadata(column("ZipCode", type_source="config")) == {"sdtype": "numerical"}
    # Too many values for a category.
    assert column_metadata(column("ZipCode", distinct_count=5000)) == {"sdtype": "numerical"}
    # Prepare saw codes that fill their range and kept them a number: the name alone
    # does not undo that.
    kept = column("ZipCode", distinct_count=200, code_reason="name")
    assert column_metadata(kept) == {"sdtype": "numerical"}


def test_a_bad_column_schema_names_no_column():
    """The column's name is the user's header: it stays out of the error text."""
    with pytest.raises(ValueError) as raised:
        ColumnSchema(name="jane_doe", original_name="Jane Doe", type="integer", role="nope")
    assert "jane" not in str(raised.value).lower()


def test_unknown_rows_flag_labels_and_missing_values_the_real_rows_lack():
    real = pd.DataFrame({"state": ["1", "2", "3"], "flag": [True, False, None], "x": [1.0] * 3})
    sdtypes = {"state": "categorical", "flag": "boolean", "x": "numerical"}
    categories = real_categories(real, sdtypes)
    assert set(categories) == {"state", "flag"}
    synthetic = pd.DataFrame(
        {"state": ["1", "74", "2", None], "flag": [True, None, False, True], "x": [9.0] * 4}
    )
    assert unknown_rows(synthetic, categories).tolist() == [False, True, False, True]
    assert unknown_counts(synthetic, categories) == {"state": 2, "flag": 0}
    counted = unknown_categories(real, synthetic, {"state": "categorical", "flag": "boolean"})
    assert counted["rows"] == 2 and counted["share"] == 0.5
    assert counted["columns"] == {"state": 2, "flag": 0}


class FakeSynthesizer:
    """Samples from a fixed cycle of rows (SDV's sample/seed interface)."""

    def __init__(self, rows: list[dict]) -> None:
        self.rows, self.next = rows, 0

    def reset_sampling(self) -> None:
        self.next = 0

    def _set_random_state(self, seed: int) -> None:
        self.next = seed % len(self.rows)

    def sample(self, n: int) -> pd.DataFrame:
        picked = [self.rows[(self.next + i) % len(self.rows)] for i in range(n)]
        self.next += n
        return pd.DataFrame(picked)


def model_with(rows: list[dict], categories: dict[str, list[str]] | None) -> TrainedModel:
    schema = DatasetSchema(
        dataset="d", run_id="r", columns=[ColumnSchema("state", "state", "categorical")]
    )
    summary = {"rows": {"cleaned": 10}, "hyperparameters": {"target_rate_tolerance": 0.2}}
    return TrainedModel(FakeSynthesizer(rows), schema, summary, categories)


NO_FILTER = filter_off("copies are not what these tests check")


def test_generate_replaces_rows_with_a_code_the_real_data_lacks():
    model = model_with([{"state": "1"}, {"state": "74"}, {"state": "2"}], {"state": ["1", "2"]})
    sampled = pd.DataFrame({"state": ["1", "74", "2", "74"]})
    kept, replaced = keep_real_rows(model, sampled, seed=0, copies=NO_FILTER)
    assert replaced.unknown_categories == 2
    assert len(kept) == 4 and set(kept["state"]) <= {"1", "2"}


def test_generate_fails_rather_than_write_a_code_the_real_data_lacks():
    model = model_with([{"state": "74"}], {"state": ["1", "2"]})
    with pytest.raises(StepFailed) as error:
        keep_real_rows(model, pd.DataFrame({"state": ["1", "74"]}), seed=0, copies=NO_FILTER)
    assert error.value.code == "unknown_categories"


def test_an_older_model_folder_without_categories_is_left_as_sampled():
    model = model_with([{"state": "74"}], None)
    sampled = pd.DataFrame({"state": ["74"]})
    kept, replaced = keep_real_rows(model, sampled, seed=0, copies=NO_FILTER)
    assert replaced.unknown_categories is None and kept.equals(sampled)
