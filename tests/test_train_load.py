"""Training reads a bounded, seeded sample of a big cleaned table, never the whole of it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from synthpipe.errors import StepFailed
from synthpipe.train.data import ROWS_TOTAL, load_table
from tests.test_train import banksim_like, schema_for


def write_parts(frame: pd.DataFrame, data: Path, parts: int = 3) -> None:
    data.mkdir(parents=True)
    size = -(-len(frame) // parts)
    for i in range(parts):
        frame.iloc[i * size : (i + 1) * size].to_parquet(data / f"part-{i:05d}.parquet")


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> tuple[Path, pd.DataFrame]:
    frame = banksim_like(20_000, seed=3)
    data = tmp_path_factory.mktemp("cleaned") / "data"
    write_parts(frame, data)
    return data, frame


def test_above_the_cap_a_seeded_sample_of_about_the_cap_is_read(big):
    data, frame = big
    schema = schema_for(frame)
    columns = ["step", "category", "amount", "fraud"]
    first = load_table(data, schema, columns=columns, max_rows=4_000, seed=7)
    again = load_table(data, schema, columns=columns, max_rows=4_000, seed=7)
    assert list(first.columns) == columns  # only what is modelled is read
    assert 3_600 <= len(first) <= 4_400
    assert first.attrs[ROWS_TOTAL] == 20_000
    pd.testing.assert_frame_equal(first, again)
    # Each row keeps its position in the whole table (the evaluation drops the holdout's
    # index from the cleaned rows to find the training rows).
    whole = pd.read_parquet(data)[columns]
    pd.testing.assert_frame_equal(first, whole.loc[first.index], check_index_type=False)
    # A uniform sample keeps the class rates.
    assert first["fraud"].mean() == pytest.approx(frame["fraud"].mean(), abs=0.01)


def test_at_or_below_the_cap_every_row_is_read(big):
    data, frame = big
    loaded = load_table(data, schema_for(frame), max_rows=20_000)
    assert len(loaded) == 20_000 and loaded.attrs[ROWS_TOTAL] == 20_000
    assert "note" in loaded.columns  # every kept column when none are named


def test_a_schema_mismatch_is_found_before_any_row_is_read(tmp_path):
    frame = banksim_like(100).drop(columns=["amount"])
    write_parts(frame, tmp_path / "data", parts=1)
    with pytest.raises(StepFailed) as raised:
        load_table(tmp_path / "data", schema_for(banksim_like(100)), max_rows=10)
    assert raised.value.code == "schema_mismatch"
