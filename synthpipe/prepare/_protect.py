"""Value protection in Spark (see `synthpipe.protection`): before the cleaned data is
written, so that neither the model nor the report ever sees a one-off value.

* categorical features: a value seen fewer than k times becomes `_RARE_`;
* numbers, dates and timestamps with few distinct values (codes, counts, flags): clipped
  to the smallest and largest value seen at least k times, so a 0/1 flag with a 0.5%
  class keeps it;
* the other numbers, dates and timestamps: clipped to the inner quantiles, moved inwards
  where needed so that at least k rows lie at or beyond each bound.

What changed is counted per column in schema.json (never the values or the bounds).
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from synthpipe.protection import RARE_TOKEN, ValueProtection
from synthpipe.schema import DatasetSchema

ORDERED_TYPES = ("integer", "decimal", "date", "timestamp")
# Up to this many distinct values an ordered column is treated value by value.
DISCRETE_MAX = 25
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
    frequent = _frequent_values(frame, categorical, k)
    bounds = _discrete_bounds(frame, discrete, k)
    bounds |= _quantile_bounds(frame, continuous, schema.rows or schema.input_rows, protection)
    _count_changes(frame, schema, frequent, bounds)
    replaced = {name: _fold_rare(name, frequent[name]) for name in categorical}
    replaced |= {name: _clip(name, *bounds[name]) for name in bounds}
    return frame.select(*[replaced.get(n, F.col(f"`{n}`")).alias(n) for n in frame.columns])


def _frequent_values(frame: DataFrame, names: list[str], k: int) -> dict[str, list[str]]:
    """Per categorical column, the values seen at least k times (one aggregation)."""
    if not names:
        return {}
    counted = (
        cells_by_column(frame, names)
        .where(F.col("v").isNotNull())
        .groupBy("i", "v")
        .count()
        .where(F.col("count") >= k)
    )
    frequent: dict[str, list[str]] = {name: [] for name in names}
    for row in counted.collect():
        frequent[names[row["i"]]].append(row["v"])
    return frequent


def cells_by_column(frame: DataFrame, names: list[str]) -> DataFrame:
    """Every cell of `names` as a row (i: the column's index in `names`, v: its value as
    text): one aggregation then counts values of all columns at once."""
    pairs = F.explode(
        F.array(
            *[
                F.struct(F.lit(i).alias("i"), F.col(f"`{n}`").cast("string").alias("v"))
                for i, n in enumerate(names)
            ]
        )
    )
    return frame.select(pairs.alias("p")).select("p.i", "p.v")


def _discrete_bounds(frame: DataFrame, names: list[str], k: int) -> dict[str, tuple]:
    """[smallest, largest] value seen at least k times, per column with few values."""
    bounds = {}
    for name in names:
        c = F.col(f"`{name}`")
        # Not .count(): a column may itself be called "count".
        row = (
            frame.where(c.isNotNull())
            .groupBy(c.alias("value"))
            .agg(F.count(F.lit(1)).alias("rows"))
            .where(F.col("rows") >= k)
            .agg(F.min("value").alias("low"), F.max("value").alias("high"))
            .collect()[0]
        )
        if row["low"] is not None:
            bounds[name] = (row["low"], row["high"])
    return bounds


def _quantile_bounds(
    frame: DataFrame, names: list[str], rows: int, protection: ValueProtection
) -> dict[str, tuple]:
    """Inner quantiles, moved inwards to leave at least k rows at or beyond each bound."""
    if not names or rows <= 0:
        return {}
    low_q, high_q = protection.clip_quantiles
    share = min(0.5, protection.min_category_count / rows)
    low_q, high_q = max(low_q, share), min(high_q, 1.0 - share)
    exprs = [
        F.percentile_approx(F.col(f"`{n}`"), [low_q, high_q], _ACCURACY).alias(n) for n in names
    ]
    row = frame.agg(*exprs).collect()[0]
    return {n: tuple(row[n]) for n in names if row[n] is not None and None not in row[n]}


def _count_changes(
    frame: DataFrame,
    schema: DatasetSchema,
    frequent: dict[str, list[str]],
    bounds: dict[str, tuple],
) -> None:
    """One aggregation: rows folded or clipped per column, and rare categories."""
    exprs = []
    for name, values in frequent.items():
        c = F.col(f"`{name}`")
        rare = c.isNotNull() & ~c.isin(values)
        exprs += [
            F.sum(F.when(rare, 1).otherwise(0)).alias(f"{name}__rare_rows"),
            F.countDistinct(F.when(rare, c)).alias(f"{name}__rare_categories"),
        ]
    for name, (low, high) in bounds.items():
        c = F.col(f"`{name}`")
        exprs += [
            F.sum(F.when(c < F.lit(low), 1).otherwise(0)).alias(f"{name}__clipped_low_rows"),
            F.sum(F.when(c > F.lit(high), 1).otherwise(0)).alias(f"{name}__clipped_high_rows"),
        ]
    if not exprs:
        return
    row = frame.agg(*exprs).collect()[0].asDict()
    for column in schema.columns:
        prefix = f"{column.name}__"
        counts = {k[len(prefix) :]: int(v or 0) for k, v in row.items() if k.startswith(prefix)}
        if counts:
            column.protection = counts


def _fold_rare(name: str, frequent: list[str]) -> Column:
    c = F.col(f"`{name}`")
    return F.when(c.isNull() | c.isin(frequent), c).otherwise(F.lit(RARE_TOKEN))


def _clip(name: str, low, high) -> Column:
    c = F.col(f"`{name}`")
    return F.when(c < F.lit(low), F.lit(low)).when(c > F.lit(high), F.lit(high)).otherwise(c)
