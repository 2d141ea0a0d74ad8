"""Prepare on wide files: every column's statistics come from a few passes over all the
cells (long format), and each lands on its own column.

Columns differ on purpose (each its own number of empty cells, rare categories and
outliers), so that a figure given to the wrong column shows.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from synthpipe.layout import RunLayout
from synthpipe.prepare import CsvDialect, prepare
from synthpipe.validate import validate_file

pytestmark = pytest.mark.slow
ROWS = 60
KINDS = ("level", "group", "price", "day")  # discrete integer, category, decimal, date


def nulls(j: int) -> int:
    return j % 5


def rare(j: int) -> int:
    return 1 + j % 4


def high(j: int) -> int:
    return 1 + j % 3


def low(j: int) -> int:
    return j % 2


def cell(j: int, r: int) -> str:
    if r >= ROWS - nulls(j):
        return ""
    kind = KINDS[j % len(KINDS)]
    if kind == "level":  # 0, 1, 2 about 18 times each; outliers above and below
        if r < high(j):
            return "50"
        return "-5" if r < high(j) + low(j) else str(r % 3)
    if kind == "group":
        return f"rare{j}x{r}" if r < rare(j) else "abc"[r % 3]
    if kind == "price":
        # Unique per row (no duplicate rows), and no column a function of another.
        return f"{r * 1.5 + j + r * r * (j + 1) % 53 / 100:.2f}"
    return (date(2020, 1, 1) + timedelta(days=3 * r + j)).isoformat()


def write_wide(path: Path, width: int) -> Path:
    names = [f"{KINDS[j % len(KINDS)]}_{j}" for j in range(width)]
    rows = [",".join(cell(j, r) for j in range(width)) for r in range(ROWS)]
    path.write_text("\n".join([",".join(names), *rows]) + "\n")
    return path


def prepare_wide(spark, tmp_path: Path, width: int) -> tuple[dict, int]:
    """schema.json of a `width`-column file, and the Spark jobs Prepare ran."""
    source = write_wide(tmp_path / f"wide{width}.csv", width)
    layout = RunLayout(str(tmp_path / f"w{width}"), "wide", "20240101T000000Z")
    group = f"prepare-wide-{width}"
    spark.sparkContext.setJobGroup(group, "jobs of one Prepare")
    try:
        dialect = CsvDialect.from_report(validate_file(source))
        prepare(spark, source=str(source), dialect=dialect, layout=layout)
    finally:
        spark.sparkContext.setLocalProperty("spark.jobGroup.id", None)
    jobs = len(spark.sparkContext.statusTracker().getJobIdsForGroup(group))
    return json.loads(Path(layout.schema_json).read_text()), jobs


def test_each_column_of_a_wide_file_gets_its_own_counts(spark, tmp_path):
    schema, _ = prepare_wide(spark, tmp_path, 48)

    assert (schema["input_rows"], schema["rows"]) == (ROWS, ROWS)
    columns = schema["columns"]
    assert [c["name"] for c in columns] == [f"{KINDS[j % 4]}_{j}" for j in range(48)]
    for j, column in enumerate(columns):
        kind = KINDS[j % 4]
        assert column["role"] == "feature", column
        assert column["null_count"] == nulls(j), column
        assert (
            column["type"]
            == {
                "level": "integer",
                "group": "categorical",
                "price": "decimal",
                "day": "date",
            }[kind]
        )
        if kind == "level":
            assert column["distinct_count"] == 3, column  # outliers clipped to 0 and 2
            expected = {"clipped_low_rows": low(j), "clipped_high_rows": high(j)}
            assert column["protection"] == expected, column
        if kind == "group":
            assert column["distinct_count"] == 3 + 1, column  # the rare ones folded
            expected = {"rare_rows": rare(j), "rare_categories": rare(j)}
            assert column["protection"] == expected, column
        if kind in ("price", "day"):  # clipped to inner quantiles, at least k rows out
            assert set(column["protection"]) == {"clipped_low_rows", "clipped_high_rows"}


def test_prepare_runs_as_many_spark_jobs_for_40_columns_as_for_8(spark, tmp_path):
    """Per-column jobs (one aggregation per column) would grow with the width."""
    _, narrow = prepare_wide(spark, tmp_path, 8)
    _, wide = prepare_wide(spark, tmp_path, 40)

    assert narrow == wide
