"""Peak memory of reading the cleaned data for training: whole table vs the bounded sample.

    .venv/bin/python benchmarks/train_load_bench.py [--rows 5000000]

Writes a BankSim-shaped cleaned Parquet (3 parts) to a temporary folder, then loads it in
a fresh process each way and prints that process's peak RSS (printed, never asserted).
"""

from __future__ import annotations

import argparse
import math
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from synthpipe.schema import ColumnSchema, DatasetSchema

COLUMNS = {
    "step": ("integer", "feature"),
    "customer": ("categorical", "identifier"),
    "age": ("categorical", "feature"),
    "gender": ("categorical", "feature"),
    "merchant": ("categorical", "feature"),
    "category": ("categorical", "feature"),
    "amount": ("decimal", "feature"),
    "fraud": ("integer", "feature"),
}
MODELLED = ["step", "age", "gender", "merchant", "category", "amount", "fraud"]


def write(folder: Path, rows: int) -> None:
    data = folder / "data"
    data.mkdir()
    rng = np.random.default_rng(0)
    per_part = math.ceil(rows / 3)
    for part in range(3):
        n = min(per_part, rows - part * per_part)
        pd.DataFrame(
            {
                "step": rng.integers(0, 180, n),
                "customer": np.char.add("C", rng.integers(10**9, 10**10, n).astype(str)),
                "age": rng.choice(list("0123456U"), n),
                "gender": rng.choice(list("EFMU"), n),
                "merchant": np.char.add("M", rng.integers(10**8, 10**8 + 50, n).astype(str)),
                "category": rng.choice([f"es_{i}" for i in range(15)], n),
                "amount": np.round(rng.lognormal(3, 1, n), 2),
                "fraud": (rng.random(n) < 0.012).astype("int64"),
            }
        ).to_parquet(data / f"part-{part:05d}.parquet", index=False)
    schema = DatasetSchema(
        dataset="bench",
        run_id="r",
        columns=[
            ColumnSchema(original_name=c, name=c, type=t, role=r) for c, (t, r) in COLUMNS.items()
        ],
        rows=rows,
    )
    (folder / "schema.json").write_text(schema.to_json(), encoding="utf-8")


def load(folder: str, mode: str) -> None:
    from synthpipe.train.data import load_table, read_schema

    root = Path(folder)
    schema = read_schema(root / "schema.json")
    started = time.monotonic()
    if mode == "imports":  # the modules alone, for reference
        frame = pd.DataFrame()
    elif mode == "whole":  # what training did before: every row and column, then select
        frame = load_table(root / "data", schema)[MODELLED]
    else:  # what it does now: the modelled columns, capped (max_train_rows / 0.8)
        frame = load_table(root / "data", schema, columns=MODELLED, max_rows=125_000, seed=1)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    seconds = time.monotonic() - started
    print(f"{mode}: rows={len(frame)} peak_rss={peak:.2f} GiB seconds={seconds:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--load", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load:
        load(*args.load)
        return
    with tempfile.TemporaryDirectory() as folder:
        write(Path(folder), args.rows)
        size = sum(p.stat().st_size for p in Path(folder, "data").iterdir()) / 1024**2
        print(f"cleaned Parquet: {args.rows} rows, {size:.0f} MiB")
        for mode in ("imports", "whole", "sample"):
            subprocess.run([sys.executable, __file__, "--load", folder, mode], check=True)


if __name__ == "__main__":
    main()
