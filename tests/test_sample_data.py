"""The bundled BankSim-shaped sample: schema, shape, determinism, quoting, personal data."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd
import pytest
from stdnum import iban, luhn

from synthpipe.sample_data import (
    BANKSIM_COLUMNS,
    BANKSIM_ROWS,
    PII_COLUMNS,
    banksim_frame,
    banksim_pii_frame,
    write_banksim_csv,
)

BANKSIM_HEADER = (
    '"step","customer","age","gender","zipcodeOri","merchant","zipMerchant",'
    '"category","amount","fraud"'
)
PER_CUSTOMER = [c for c in PII_COLUMNS if c != "memo"]


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    return banksim_frame(50_000, seed=0)


@pytest.fixture(scope="module")
def pii() -> pd.DataFrame:
    return banksim_pii_frame(10_000, seed=0)


def read_back(path: Path) -> pd.DataFrame:
    """Read a written sample as Prepare would: strip BankSim's single quotes."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    return frame.apply(lambda column: column.str.strip("'"))


# Schema


def test_columns_are_banksim_columns_in_order() -> None:
    frame = banksim_frame(100)

    assert list(frame.columns) == [
        "step",
        "customer",
        "age",
        "gender",
        "zipcodeOri",
        "merchant",
        "zipMerchant",
        "category",
        "amount",
        "fraud",
    ]
    assert tuple(frame.columns) == BANKSIM_COLUMNS


def test_frame_has_the_rows_asked_for() -> None:
    assert len(banksim_frame(1_234)) == 1_234


def test_numbers_are_numeric_and_text_is_unquoted(sample: pd.DataFrame) -> None:
    assert str(sample["step"].dtype) == "int64"
    assert str(sample["amount"].dtype) == "float64"
    assert str(sample["fraud"].dtype) == "int64"
    assert not sample["customer"].str.contains("'").any()


def test_values_are_in_banksim_domains(sample: pd.DataFrame) -> None:
    assert sample["step"].between(0, 179).all()
    assert set(sample["age"]) <= {"0", "1", "2", "3", "4", "5", "6", "U"}
    assert set(sample["gender"]) <= {"E", "F", "M", "U"}
    assert set(sample["fraud"]) == {0, 1}


def test_rows_are_in_step_order_across_all_steps(sample: pd.DataFrame) -> None:
    assert sample["step"].is_monotonic_increasing
    assert sample["step"].nunique() == 180


def test_ids_look_like_banksim_ids(sample: pd.DataFrame) -> None:
    assert sample["customer"].str.fullmatch(r"C\d{9,10}").all()
    assert sample["merchant"].str.fullmatch(r"M\d{9,10}").all()


# Shape


def test_fraud_rate_is_about_banksims(sample: pd.DataFrame) -> None:
    assert 0.010 <= sample["fraud"].mean() <= 0.014


def test_transportation_is_most_rows(sample: pd.DataFrame) -> None:
    share = (sample["category"] == "es_transportation").mean()

    assert 0.8 <= share <= 0.9


def test_there_are_fifteen_banksim_categories(sample: pd.DataFrame) -> None:
    assert sample["category"].nunique() == 15
    assert sample["category"].str.startswith("es_").all()


def test_fifty_merchants_each_in_one_category(sample: pd.DataFrame) -> None:
    categories_per_merchant = sample.groupby("merchant")["category"].nunique()

    assert len(categories_per_merchant) == 50
    assert (categories_per_merchant == 1).all()


def test_zip_codes_are_one_constant(sample: pd.DataFrame) -> None:
    assert set(sample["zipcodeOri"]) == {"28007"}
    assert set(sample["zipMerchant"]) == {"28007"}


def test_amounts_have_banksims_mean_and_heavy_tail(sample: pd.DataFrame) -> None:
    assert 30 <= sample["amount"].mean() <= 46
    assert sample["amount"].max() > 1_000
    assert sample["amount"].min() >= 0


def test_amounts_have_two_decimals(sample: pd.DataFrame) -> None:
    assert (sample["amount"].round(2) == sample["amount"]).all()


def test_amounts_depend_on_category(sample: pd.DataFrame) -> None:
    mean = sample.groupby("category")["amount"].mean()

    assert mean["es_travel"] > 10 * mean["es_transportation"]


def test_fraud_is_in_risky_categories_not_transport(sample: pd.DataFrame) -> None:
    rate = sample.groupby("category")["fraud"].mean()

    assert rate["es_transportation"] < 0.001
    assert rate[["es_leisure", "es_travel", "es_sportsandtoys"]].min() > 0.3


def test_fraud_costs_more_than_genuine_spending(sample: pd.DataFrame) -> None:
    risky = sample[sample["category"].isin(["es_health", "es_sportsandtoys", "es_home"])]
    mean = risky.groupby("fraud")["amount"].mean()

    assert mean[1] > 2 * mean[0]


def test_age_and_gender_belong_to_the_customer(sample: pd.DataFrame) -> None:
    per_customer = sample.groupby("customer")[["age", "gender"]].nunique()

    assert (per_customer == 1).all().all()


def test_female_and_male_customers_are_most_rows(sample: pd.DataFrame) -> None:
    assert sample["gender"].isin(["F", "M"]).mean() > 0.99


def test_full_size_has_about_4100_customers() -> None:
    frame = banksim_frame(BANKSIM_ROWS)

    assert len(frame) == 594_643
    assert 4_000 <= frame["customer"].nunique() <= 4_200


def test_smaller_samples_have_fewer_customers(sample: pd.DataFrame) -> None:
    small = banksim_frame(1_000)

    assert small["customer"].nunique() < 1_000
    assert small["customer"].nunique() < sample["customer"].nunique()


# Determinism


def test_same_seed_writes_identical_file(tmp_path: Path) -> None:
    first = write_banksim_csv(tmp_path / "a.csv", 2_000, seed=7, with_pii=True)
    second = write_banksim_csv(tmp_path / "b.csv", 2_000, seed=7, with_pii=True)

    assert first.read_bytes() == second.read_bytes()


def test_different_seed_gives_different_data() -> None:
    assert not banksim_frame(1_000, seed=1).equals(banksim_frame(1_000, seed=2))


# The written file


def test_csv_header_names_are_double_quoted(tmp_path: Path) -> None:
    path = write_banksim_csv(tmp_path / "raw" / "bs.csv", 10)

    assert path.read_text().splitlines()[0] == BANKSIM_HEADER


def test_csv_wraps_strings_in_single_quotes(tmp_path: Path) -> None:
    path = write_banksim_csv(tmp_path / "bs.csv", 10)
    row = path.read_text().splitlines()[1]

    banksim_row = r"\d+,'C\d+','[0-6U]','[EFMU]','28007','M\d+','28007','es_[a-z]+',\d+\.\d+,[01]"
    assert re.fullmatch(banksim_row, row)


def test_csv_reads_back_as_the_frame(tmp_path: Path) -> None:
    path = write_banksim_csv(tmp_path / "bs.csv", 500, seed=3)
    expected = banksim_frame(500, seed=3)

    back = read_back(path)
    assert list(back.columns) == list(BANKSIM_COLUMNS)
    assert back["customer"].tolist() == expected["customer"].tolist()
    assert back["amount"].astype(float).tolist() == expected["amount"].tolist()


def test_pii_csv_double_quotes_values_with_commas(tmp_path: Path) -> None:
    path = write_banksim_csv(tmp_path / "pii.csv", 500, with_pii=True)
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))

    assert {len(row) for row in rows} == {len(BANKSIM_COLUMNS) + len(PII_COLUMNS)}
    assert "\"'" in path.read_text(encoding="utf-8")
    assert read_back(path)["street_address"].str.contains(",").any()


# Personal data


def test_pii_frame_is_the_banksim_frame_plus_pii_columns(pii: pd.DataFrame) -> None:
    assert list(pii.columns) == list(BANKSIM_COLUMNS) + list(PII_COLUMNS)
    pd.testing.assert_frame_equal(pii[list(BANKSIM_COLUMNS)], banksim_frame(10_000))


def test_card_numbers_pass_luhn(pii: pd.DataFrame) -> None:
    digits = pii["card_number"].str.replace(r"[ -]", "", regex=True)

    assert digits.map(luhn.is_valid).all()
    assert pii["card_number"].str.contains(r"[ -]").any()


def test_ibans_pass_mod97_in_several_countries(pii: pd.DataFrame) -> None:
    assert pii["iban"].map(iban.is_valid).all()
    assert pii["iban"].str[:2].nunique() >= 4


def test_about_five_percent_of_memos_hold_an_email(pii: pd.DataFrame) -> None:
    share = pii["memo"].str.contains(r"[\w.]+@[\w.]+\.[a-z]{2,}").mean()

    assert 0.04 <= share <= 0.06


def test_pii_is_consistent_per_customer(pii: pd.DataFrame) -> None:
    per_customer = pii.groupby("customer")[PER_CUSTOMER].nunique()

    assert (per_customer == 1).all().all()


def test_a_customer_is_the_same_person_in_any_sample_size(pii: pd.DataFrame) -> None:
    small = banksim_pii_frame(500).drop_duplicates("customer").set_index("customer")
    large = pii.drop_duplicates("customer").set_index("customer")
    both = small.index.intersection(large.index)

    assert len(both) > 100
    pd.testing.assert_frame_equal(small.loc[both, PER_CUSTOMER], large.loc[both, PER_CUSTOMER])


def test_phones_come_in_national_and_international_formats(pii: pd.DataFrame) -> None:
    international = pii["phone"].str.startswith("+")

    assert international.any()
    assert not international.all()


def test_addresses_are_single_lines(pii: pd.DataFrame) -> None:
    assert not pii["street_address"].str.contains("\n").any()


def test_dates_of_birth_are_iso_dates(pii: pd.DataFrame) -> None:
    assert pii["date_of_birth"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    pd.to_datetime(pii["date_of_birth"], format="%Y-%m-%d")


def test_emails_use_the_customers_name_often(pii: pd.DataFrame) -> None:
    people = pii.drop_duplicates("customer")
    last_names = people["last_name"].str.lower().str.replace(r"[^a-z]", "", regex=True)
    has_name = [
        name in mail for name, mail in zip(last_names, people["email"], strict=True) if name
    ]

    assert sum(has_name) / len(has_name) > 0.3
