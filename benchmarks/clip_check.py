"""What value protection's clip costs in the benchmark's score, with no model involved.

    .venv/bin/python -W ignore benchmarks/clip_check.py BENCH_JSON WORKDIR [--k K]

For each table of a `real_bench.py --json BENCH_JSON --workdir WORKDIR` run, the
holdout rows stand in for the synthetic rows and are scored against the training rows as
the benchmark scores a release (SDMetrics quality on the same columns, sdtypes and
samples; as uploaded, that is the ceiling): clipped at the training rows' p1 and p99
(value protection until December 2026), and at the training rows' values with k rows at
or beyond them (the default since). A perfect model of the clipped training rows
samples rows like these, so the scores bound what a release can reach. Only numerical
columns with more than 25 distinct values are clipped, as Prepare does. The last column
also folds each category the training rows hold fewer than k times into the rare token,
as Prepare does: the bound under all of value protection.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.real_bench import QUALITY_ROWS, SEED, align, quality, read_csv, sample
from synthpipe.protection import DISCRETE_MAX, RARE_TOKEN, ValueProtection


def clipped(
    frame: pd.DataFrame,
    bounds_from: pd.DataFrame,
    sdtypes: dict[str, str],
    share: float | None,
    k: int,
) -> pd.DataFrame:
    """`frame` with its many-valued numbers clipped at the `share` quantiles of
    `bounds_from`, or (None) at its values with k values at or beyond them."""
    out = frame.copy()
    for column, sdtype in sdtypes.items():
        values = bounds_from[column]
        if sdtype != "numerical" or values.nunique() <= DISCRETE_MAX:
            continue
        q = share if share is not None else min(0.5, k / values.notna().sum())
        low, high = values.quantile([q, 1 - q], interpolation="nearest")
        out[column] = out[column].clip(low, high)
    return out


def folded(
    frame: pd.DataFrame, counts_from: pd.DataFrame, sdtypes: dict[str, str], k: int
) -> pd.DataFrame:
    """`frame` with each category that `counts_from` holds fewer than k times replaced by
    Prepare's rare token, as value protection folds it (the benchmark then reads the
    token as a category the real rows lack, as it reads a release's)."""
    out = frame.copy()
    for column, sdtype in sdtypes.items():
        if sdtype != "categorical":
            continue
        counts = counts_from[column].value_counts()
        rare = ~out[column].isin(counts[counts >= k].index) & out[column].notna()
        out[column] = out[column].astype(object).where(~rare, RARE_TOKEN)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bench_json", type=Path)
    parser.add_argument("workdir", type=Path)
    parser.add_argument("--k", type=int, default=ValueProtection().min_category_count)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    print("| table | ceiling | as uploaded | p1/p99 clip | k-row clip | k-row clip and fold |")
    print("| --- | --- | --- | --- | --- | --- |")
    for table in json.loads(args.bench_json.read_text())["tables"]:
        name, sdtypes = table["table"], table["sdtypes"]
        columns = table["scored_columns"]
        folder = args.workdir / name
        train = align(read_csv(folder / f"{name}.csv")[columns], sdtypes)
        holdout = align(read_csv(folder / "holdout.csv")[columns], sdtypes)
        real = sample(train, QUALITY_ROWS, args.seed)
        unseen = sample(holdout, QUALITY_ROWS, args.seed + 1)
        scores = [
            quality(real, rows, sdtypes)["score"]
            for rows in (
                unseen,
                clipped(unseen, train, sdtypes, 0.01, args.k),
                clipped(unseen, train, sdtypes, None, args.k),
                folded(clipped(unseen, train, sdtypes, None, args.k), train, sdtypes, args.k),
            )
        ]
        figures = " | ".join(f"{s:.3f}" for s in [table["ceiling"]["score"], *scores])
        print(f"| {name} | {figures} |", flush=True)


if __name__ == "__main__":
    main()
