"""Evaluation on 50,000 BankSim-shaped rows: wall time per part, and the sample sizes.

    .venv/bin/python benchmarks/eval_bench.py [--rows 50000] [--extra-columns 0]

Real rows: `rows` training and rows/4 holdout rows; synthetic: `rows` rows of an
independent draw of the same generator (merchant ids matched by rank). `--extra-columns`
adds copies of the numeric and categorical columns to see how a wider table scales
(pair trends and heatmaps grow with the square of the columns).
Target (issue 5): under 60 s on 2 cores. No assertion: the machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from synthpipe.evaluate import Thresholds, evaluate, write_report
from synthpipe.schema import ColumnSchema, DatasetSchema
from tests.test_evaluate import LINEAGE, PREPARE, TYPES, banksim_sets


def widen(frames: dict[str, pd.DataFrame], extra: int) -> dict[str, dict]:
    """Add `extra` columns: noisy copies of amount and step, and copies of category."""
    types = dict(TYPES)
    for k in range(extra):
        source = ("amount", "step", "category")[k % 3]
        name = f"{source}_{k}"
        types[name] = TYPES[source]
        for key, frame in frames.items():
            rng = np.random.default_rng([k, len(frame), len(key)])
            values = frame[source].to_numpy()
            if source != "category":
                values = values * rng.uniform(0.9, 1.1, len(values))
            frame[name] = values
    return types


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--extra-columns", type=int, default=0)
    args = parser.parse_args()

    started = time.perf_counter()
    sets = banksim_sets(args.rows)
    types = widen(sets, args.extra_columns)
    columns = [
        ColumnSchema(c, c, t, distinct_count=int(sets["real"][c].nunique()))
        for c, t in types.items()
    ]
    schema = DatasetSchema(dataset="banksim", run_id="bench", columns=columns)
    print(f"data: {time.perf_counter() - started:.1f} s ({len(types)} columns)")

    started = time.perf_counter()
    report = evaluate(
        train=sets["train"],
        holdout=sets["holdout"],
        synthetic=sets["good"],
        schema=schema,
        target_column="fraud",
        thresholds=Thresholds(),
        seed=0,
        lineage=LINEAGE,
        prepare_summary=PREPARE,
    )
    evaluated = time.perf_counter() - started
    started = time.perf_counter()
    json_path, html_path = write_report(report, tempfile.mkdtemp(prefix="eval-bench-"))
    written = time.perf_counter() - started

    for part, seconds in report.timings.items():
        print(f"  {part:<20} {seconds:6.2f} s")
    print(f"evaluate: {evaluated:.1f} s  (target: under 60 s on 2 cores)")
    print(f"write report.json + report.html: {written:.2f} s")
    print(f"report.json {json_path.stat().st_size / 1e3:.0f} kB, ", end="")
    print(f"report.html {html_path.stat().st_size / 1e3:.0f} kB")
    print("sample sizes:", report.to_dict()["sample_sizes"])
    print(f"verdict: {report.verdict}", {g.name: round(g.value, 4) for g in report.gates})


if __name__ == "__main__":
    main()
