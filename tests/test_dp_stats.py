"""DP statistics for preprocessing: bounds, category sets and the proxy table."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from synthpipe.errors import StepFailed
from synthpipe.train.dp_stats import PublicDeclarations, dp_statistics

ROWS = 4000
SDTYPES = {
    "amount": "numerical",
    "step": "numerical",
    "merchant": "categorical",
    "fraud": "boolean",
    "when": "datetime",
    "age": "categorical",
}
NO_PUBLIC = PublicDeclarations()


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    """BankSim-shaped: a heavy-tailed float with nulls, a wide integer, categories with
    a rare tail and nulls, a boolean target, a timestamp within 2024."""
    rng = np.random.default_rng(7)
    amount = np.round(rng.lognormal(3, 1, ROWS), 2)
    amount[rng.random(ROWS) < 0.1] = np.nan
    return pd.DataFrame(
        {
            "amount": amount,
            "step": rng.integers(0, 180, ROWS),
            "merchant": rng.choice(["m_one", "m_two", "m_three"], ROWS, p=[0.7, 0.2, 0.1]).astype(
                object
            ),
            "fraud": rng.random(ROWS) < 0.05,
            "when": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 365 * 86400, ROWS), unit="s"),
            "age": pd.Series(rng.choice(["1", "2", None], ROWS, p=[0.5, 0.3, 0.2]), dtype=object),
        }
    )


def with_label(frame: pd.DataFrame, column: str, label: str, rows: int) -> pd.DataFrame:
    planted = frame.copy()
    planted.loc[planted.index[:rows], column] = label
    return planted


def stats_of(frame: pd.DataFrame, epsilon: float = 3.0, seed: int = 0, **kwargs):
    kwargs.setdefault("public", NO_PUBLIC)
    return dp_statistics(frame, SDTYPES, epsilon, 1e-6, seed=seed, **kwargs)


def column(stats, name: str) -> dict:
    return next(c for c in stats.columns if c["name"] == name)


def test_a_label_seen_once_is_never_kept_at_a_small_epsilon(frame):
    planted = with_label(frame, "merchant", "m_once", 1)
    for seed in range(30):
        stats = stats_of(planted, epsilon=1.0, seed=seed)
        assert "m_once" not in stats.kept_categories()["merchant"]
        assert "m_once" not in set(stats.proxy["merchant"])


def test_a_frequent_label_is_always_kept(frame):
    planted = with_label(frame, "merchant", "m_frequent", 400)  # 10% of the rows
    for seed in range(30):
        stats = stats_of(planted, epsilon=1.0, seed=seed)
        assert "m_frequent" in stats.kept_categories()["merchant"]
        assert "m_frequent" in set(stats.proxy["merchant"])


def test_public_bounds_are_used_verbatim_and_spend_no_budget(frame):
    public = PublicDeclarations.from_dict({"bounds": {"amount": [5, 50.5]}})
    stats = stats_of(frame, public=public)
    amount = column(stats, "amount")
    assert amount["source"] == "public"
    assert amount["bounds"] == [5.0, 50.5]
    assert amount["epsilon_bounds"] == 0.0
    assert amount["epsilon_histogram"] == amount["epsilon"]
    assert (stats.proxy["amount"].min(), stats.proxy["amount"].max()) == (5.0, 50.5)
    rows, _ = stats.restrict(frame)
    assert (rows["amount"].min(), rows["amount"].max()) == (5.0, 50.5)
    # Without the declaration, half of the column's share buys its bounds.
    private = column(stats_of(frame), "amount")
    assert private["source"] == "dp" and private["epsilon_bounds"] > 0
    assert "bounds" not in private


def test_dp_bounds_cover_the_bulk_of_the_data(frame):
    stats = stats_of(frame)
    amount = stats.proxy["amount"]
    low, high = frame["amount"].quantile([0.01, 0.99])
    # Within the coarse grid's step (a factor of 1.78) of the real 1% and 99% quantiles.
    assert low / 1.8 <= amount.min() <= low * 1.8
    assert high / 1.8 <= amount.max() <= high * 1.8
    when = stats.proxy["when"]
    assert when.min() >= pd.Timestamp("2024-01-01")
    assert when.max() <= pd.Timestamp("2025-01-01")


def test_the_proxy_has_the_input_columns_dtypes_and_rows(frame):
    stats = stats_of(frame, proxy_rows=1234)
    assert list(stats.proxy.columns) == list(SDTYPES)
    assert stats.proxy.dtypes.to_dict() == frame[list(SDTYPES)].dtypes.to_dict()
    assert len(stats.proxy) == 1234
    step = stats.proxy["step"]
    assert step.between(0, 179 + 20).all()  # bounds lie on the coarse grid
    assert stats.proxy["amount"].isna().mean() == pytest.approx(0.1, abs=0.03)
    assert stats.proxy["age"].isna().mean() == pytest.approx(0.2, abs=0.03)


def test_a_column_without_nulls_gets_none_in_the_proxy(frame):
    for seed in range(10):
        proxy = stats_of(frame, epsilon=1.0, seed=seed).proxy
        assert not proxy["when"].isna().any()
        assert not proxy["merchant"].isna().any()


def test_floats_named_as_integers_stay_whole(frame):
    whole = frame.assign(amount=frame["amount"].round())
    stats = stats_of(whole, integers=("amount",))
    present = stats.proxy["amount"].dropna()
    assert (present == present.round()).all()
    assert column(stats, "amount")["integer"] is True


def test_dates_stay_whole_days(frame):
    days = frame.assign(when=frame["when"].dt.floor("D"))
    proxy = stats_of(days, dates=("when",)).proxy["when"]
    assert (proxy == proxy.dt.floor("D")).all()
    assert proxy.nunique() > 100


def test_restrict_clips_numbers_and_dates_and_drops_rows_outside_the_kept_set(frame):
    planted = with_label(frame, "merchant", "m_once", 1)
    planted.loc[planted.index[10:13], "amount"] = 1e9
    planted.loc[planted.index[20:22], "when"] = pd.Timestamp("1990-05-05")
    public = PublicDeclarations.from_dict({"bounds": {"amount": [0, 1000]}})
    stats = stats_of(planted, public=public)
    rows, dropped = stats.restrict(planted)
    assert dropped == 1 and len(rows) == ROWS - 1
    assert "m_once" not in set(rows["merchant"])
    assert (rows.loc[planted.index[10:13], "amount"] == 1000.0).all()
    assert (rows.loc[planted.index[20:22], "when"] == stats.proxy["when"].min()).all()
    kept = planted.drop(index=planted.index[0])  # the row of m_once
    assert rows["amount"].isna().sum() == kept["amount"].isna().sum()  # nulls stay
    assert rows.dtypes.to_dict() == planted.dtypes.to_dict()


def test_clip_clips_as_restrict_does_but_keeps_every_row(frame):
    # TabularARGN's path: its own unknown token stands for a label outside the kept set.
    planted = with_label(frame, "merchant", "m_once", 1)
    planted.loc[planted.index[10:13], "amount"] = 1e9
    public = PublicDeclarations.from_dict({"bounds": {"amount": [0, 1000]}})
    stats = stats_of(planted, public=public)
    clipped = stats.clip(planted)
    assert len(clipped) == ROWS and "m_once" in set(clipped["merchant"])
    assert (clipped.loc[planted.index[10:13], "amount"] == 1000.0).all()
    restricted, _ = stats.restrict(planted)
    assert clipped.loc[restricted.index].equals(restricted)
    assert clipped.dtypes.to_dict() == planted.dtypes.to_dict()


def test_restrict_drops_labels_outside_a_public_set(frame):
    public = PublicDeclarations.from_dict({"categories": {"merchant": ["m_one", "m_two", "m_new"]}})
    stats = stats_of(frame, public=public)
    rows, dropped = stats.restrict(frame)
    assert dropped == (frame["merchant"] == "m_three").sum()
    assert set(rows["merchant"]) == {"m_one", "m_two"}
    assert set(stats.proxy["merchant"]) == {"m_one", "m_two", "m_new"}
    merchant = column(stats, "merchant")
    assert merchant["source"] == "public" and merchant["delta"] == 0.0


def test_the_epsilon_split_adds_up_to_the_budget(frame):
    public = PublicDeclarations.from_dict({"bounds": {"step": [0, 179]}})
    stats = stats_of(frame, epsilon=2.0, public=public)
    shares = [c["epsilon"] for c in stats.columns]
    assert shares == pytest.approx([2.0 / len(SDTYPES)] * len(SDTYPES))
    assert sum(shares) == pytest.approx(2.0)
    assert stats.epsilon == pytest.approx(2.0)
    for c in stats.columns:
        if "epsilon_bounds" in c:
            assert c["epsilon_bounds"] + c["epsilon_histogram"] == pytest.approx(c["epsilon"])
    # Two private category sets (merchant, age) share delta; the boolean is public.
    assert [c["delta"] for c in stats.columns if c["delta"]] == [5e-7, 5e-7]
    assert 0 < stats.delta <= 1e-6


def test_no_real_label_or_value_reaches_the_report(frame):
    planted = with_label(frame, "merchant", "Zq7-unique-label", 1)
    planted = with_label(planted, "age", "Frequent-Label-Kx", 2000)
    planted.loc[planted.index[5], "amount"] = 98765.4321
    stats = stats_of(planted)
    assert "Frequent-Label-Kx" in stats.kept_categories()["age"]  # kept, yet not reported
    text = json.dumps(stats.to_dict()) + json.dumps(stats.columns)
    for secret in ("Zq7-unique-label", "Frequent-Label-Kx", "m_one", "98765"):
        assert secret not in text
    assert "Zq7" not in repr(stats)


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ([1, 2], "must be an object"),
        ({"bound": {}}, "unknown keys"),
        ({"bounds": [1, 2]}, "keyed by column name"),
        ({"bounds": {"amount": [1]}}, "pair [low, high]"),
        ({"bounds": {"amount": [5, 1]}}, "low must be below high"),
        ({"bounds": {"amount": [0, float("inf")]}}, "finite"),
        ({"bounds": {"amount": [True, 3]}}, "number or a date"),
        ({"bounds": {"when": ["2024-01-01", "not a date"]}}, "ISO-8601"),
        ({"categories": {"merchant": []}}, "non-empty list"),
        ({"categories": {"merchant": ["a", "a"]}}, "repeat"),
        ({"categories": {"merchant": [1.5]}}, "text or whole numbers"),
    ],
)
def test_bad_public_declarations_get_a_clear_error(data, says):
    with pytest.raises(ValueError, match="public") as error:
        PublicDeclarations.from_dict(data)
    assert says in str(error.value)


def test_public_declarations_read_dates_and_numbers():
    public = PublicDeclarations.from_dict(
        {
            "bounds": {"when": ["1970-01-02", "2024-01-01"], "n": [0, 9]},
            "categories": {"c": ["x", 2]},
        }
    )
    assert public.bounds == {"when": (86400.0, 1704067200.0), "n": (0.0, 9.0)}
    assert public.categories == {"c": ("x", "2")}
    assert PublicDeclarations.from_dict(None) == PublicDeclarations()


def test_declarations_that_do_not_fit_the_columns_are_refused(frame):
    for data in ({"bounds": {"merchant": [0, 1]}}, {"categories": {"amount": ["1"]}}):
        with pytest.raises(ValueError, match="public"):
            stats_of(frame, public=PublicDeclarations.from_dict(data))
    with pytest.raises(ValueError, match="does not fit its type"):
        stats_of(frame, public=PublicDeclarations.from_dict({"categories": {"fraud": ["maybe"]}}))


def test_refuses_when_no_category_survives_the_threshold(frame):
    unique = frame.assign(merchant=[f"shop-{i}" for i in range(ROWS)])
    with pytest.raises(StepFailed) as error:
        stats_of(unique, epsilon=1.0)
    assert error.value.code == "dp_budget_unreachable"
    # Named by position (the column's header stays out of messages), never by a value.
    position = list(unique.columns).index("merchant") + 1
    assert f"training column {position} " in str(error.value)
    assert error.value.details == {"column_position": position}
    assert "merchant" not in str(error.value) and "shop-" not in str(error.value)
    assert error.value.fix


def test_refuses_private_categories_without_delta(frame):
    with pytest.raises(StepFailed) as error:
        dp_statistics(frame, SDTYPES, 1.0, 0.0, NO_PUBLIC, seed=0)
    assert error.value.code == "dp_budget_unreachable"


def test_refuses_sdtypes_it_has_no_statistic_for(frame):
    with pytest.raises(ValueError, match="sdtypes"):
        dp_statistics(frame, {"merchant": "id"}, 1.0, 1e-6, NO_PUBLIC, seed=0)
    with pytest.raises(ValueError, match="integers must be numerical"):
        stats_of(frame, integers=("merchant",))


def test_the_same_seed_gives_the_same_result(frame):
    first, again, other = stats_of(frame, seed=3), stats_of(frame, seed=3), stats_of(frame, seed=4)
    pd.testing.assert_frame_equal(first.proxy, again.proxy)
    assert first.to_dict() == again.to_dict()
    assert first.target_rates == again.target_rates
    assert not first.proxy.equals(other.proxy)


def test_target_rates_are_near_the_real_class_shares(frame):
    stats = stats_of(frame, target="fraud")
    assert set(stats.target_rates) == {"False", "True"}
    assert stats.target_rates["True"] == pytest.approx(frame["fraud"].mean(), abs=0.01)
    assert stats.to_dict()["target_classes"] == 2


def test_count_noise_has_the_scale_epsilon_asks_for():
    """200 public labels of 500 rows each: the proxy's shares give back the noisy counts'
    spread, which must match the two-sided geometric noise at the column's epsilon."""
    labels = [f"l{i}" for i in range(200)]
    table = pd.DataFrame({"c": np.repeat(labels, 500).astype(object)})
    public = PublicDeclarations.from_dict({"categories": {"c": labels}})
    epsilon = 0.5
    errors = []
    for seed in range(5):
        stats = dp_statistics(table, {"c": "categorical"}, epsilon, 0.0, public, seed=seed)
        errors.extend(stats._stats["c"].counts - 500)
    alpha = math.exp(-epsilon)
    expected = math.sqrt(2 * alpha) / (1 - alpha)  # sd of the two-sided geometric
    assert np.std(errors) == pytest.approx(expected, rel=0.1)
    assert abs(np.mean(errors)) < 3 * expected / math.sqrt(len(errors))


def test_sdv_and_ctgan_fit_on_the_proxy_and_transform_the_restricted_rows(frame):
    """The use it is made for (fit.prepare under DP): SDV's data processor and ctgan's
    transformer fitted on the proxy only; the real rows, restricted, encode completely."""
    import joblib
    from ctgan.data_transformer import DataTransformer
    from sdv.metadata import Metadata
    from sdv.single_table import TVAESynthesizer
    from sdv.single_table.utils import detect_discrete_columns

    from synthpipe.train.metadata import TABLE

    planted = with_label(frame, "merchant", "m_once", 1)
    stats = stats_of(planted, proxy_rows=2000)
    real, _ = stats.restrict(planted)
    columns = {name: {"sdtype": sdtype} for name, sdtype in SDTYPES.items()}
    metadata = Metadata.load_from_dict(
        {"METADATA_SPEC_VERSION": "V1", "tables": {TABLE: {"columns": columns}}}
    )
    synthesizer = TVAESynthesizer(metadata, enable_gpu=False)
    processed_proxy = synthesizer.preprocess({TABLE: stats.proxy.copy()})[TABLE]
    processed = synthesizer._data_processor.transform(real.copy())
    transformers = synthesizer._data_processor._hyper_transformer.field_transformers
    discrete = detect_discrete_columns(synthesizer.metadata, processed_proxy, transformers)
    transformer = DataTransformer()
    transformer.fit(processed_proxy, discrete)
    with joblib.parallel_config(backend="sequential"):
        matrix = transformer.transform(processed)
    assert matrix.shape[0] == len(real) and not np.isnan(matrix).any()
    start = 0
    for info in transformer._column_transform_info_list:
        if info.column_type == "discrete":
            block = matrix[:, start : start + info.output_dimensions]
            assert (block.sum(axis=1) == 1).all()  # every real category is a known one
        start += info.output_dimensions
