"""Wide tables: validation, `synthpipe scan` and Prepare on generated files of many columns.

    .venv/bin/python benchmarks/wide_bench.py [--widths 200 500 1000] [--rows 1000]
                                              [--cores 2] [--timeout 900]

For each width, writes `rows` x `width` of mixed columns (amounts, prices with a decimal
point, small codes, 0/1 flags, categories with a rare tail, ISO and numeric dates,
booleans, e-mails, dates of birth, account ids, free text), then, in a fresh Python process
per width (so that a width that runs past `--timeout` is stopped without taking the others
with it), times validation, the scan and Prepare, and reports the peak resident memory of
the driver JVM and of the Python process. Figures are printed, never asserted: the machine
is shared; compare runs made one after the other.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

_CATEGORIES = ("north", "south", "east", "west", "centre")
_WORDS = ("paid", "late", "card", "online", "branch", "refund", "fee", "transfer")


def _cell(kind: int, row: int, rng: random.Random) -> str:
    """One cell of a column of `kind` (the column's index modulo 12)."""
    day = date(2020, 1, 1) + timedelta(days=rng.randrange(1500))
    if kind == 0:
        return str(rng.randrange(1, 100_000))  # amount in cents: continuous integer
    if kind == 1:
        return f"{rng.uniform(0, 5000):.2f}"  # continuous decimal
    if kind == 2:
        return str(rng.randrange(5))  # small code: discrete
    if kind == 3:
        return "1" if rng.random() < 0.03 else "0"  # flag with a small class
    if kind == 4:
        # a category with a rare tail (one-off values folded by value protection)
        return rng.choice(_CATEGORIES) if rng.random() < 0.97 else f"other{row}"
    if kind == 5:
        return day.isoformat()
    if kind == 6:
        return day.strftime("%d/%m/%Y")
    if kind == 7:
        return rng.choice(("yes", "no"))
    if kind == 8:
        return f"user{row}.{rng.randrange(100)}@example.com"  # personal data
    if kind == 9:
        born = date(1950, 1, 1) + timedelta(days=rng.randrange(18_000))
        return born.isoformat()
    if kind == 10:
        return "" if rng.random() < 0.2 else " ".join(rng.choices(_WORDS, k=6))
    return f"ACC{row:07d}"  # an account number: an identifier


_NAMES = (
    "amount",
    "price",
    "code",
    "flag",
    "region",
    "booked_on",
    "value_date",
    "active",
    "email",
    "date_of_birth",
    "note",
    "account_id",
)


def write_wide_csv(path: Path, *, width: int, rows: int, seed: int = 0) -> Path:
    """`rows` x `width` of the twelve kinds above, cycling by column."""
    rng = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as out:
        out.write(",".join(f"{_NAMES[i % 12]}_{i}" for i in range(width)) + "\n")
        for r in range(rows):
            out.write(",".join(_cell(i % 12, r, rng) for i in range(width)) + "\n")
    return path


def child(source: str, workdir: str, cores: int) -> None:
    """Runs in the fresh process: validate, scan, Prepare; prints one JSON line."""
    import resource

    from benchmarks.prepare_bench import PeakRss
    from synthpipe.layout import RunLayout
    from synthpipe.prepare import CsvDialect, prepare
    from synthpipe.scan import scan_file
    from synthpipe.spark import local_session
    from synthpipe.validate import validate_file

    figures: dict = {}
    started = time.perf_counter()
    report = validate_file(source)
    figures["validate_s"] = time.perf_counter() - started
    started = time.perf_counter()
    scan_file(Path(source))
    figures["scan_s"] = time.perf_counter() - started
    spark = local_session("wide-bench", cores=cores)
    jvm = PeakRss(spark.sparkContext._jvm.ProcessHandle.current().pid())
    jvm.start()
    started = time.perf_counter()
    schema = prepare(
        spark,
        source=source,
        dialect=CsvDialect.from_report(report),
        layout=RunLayout(workdir, "wide", "20240101T000000Z"),
    )
    figures["prepare_s"] = time.perf_counter() - started
    jvm.running = False
    jvm.join()
    figures["kept"] = len(schema.kept())
    figures["jvm_mib"] = jvm.peak_kib / 1024
    figures["python_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(figures))


def measure(source: Path, workdir: Path, cores: int, timeout: float) -> dict:
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONDONTWRITEBYTECODE": "1"}
    command = [sys.executable, __file__, "--child", str(source), str(workdir), str(cores)]
    # A session of its own, so that the Spark JVM it starts is stopped with it.
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        start_new_session=True,
    )  # fmt: skip
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        return {"outcome": f"still running after {timeout:.0f} s (stopped)"}
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    if not lines:
        tail = (stderr.strip().splitlines() or ["no output"])[-1]
        return {"outcome": f"died (rc {process.returncode}): {tail[:100]}"}
    return json.loads(lines[-1]) | {"outcome": "done"}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widths", type=int, nargs="+", default=[200, 500, 1000])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=900.0)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="wide-bench-"))
    print(f"{args.rows:,} rows, {args.cores} cores")
    header = ("columns", "MB", "validate", "scan", "prepare", "kept", "JVM peak", "Python peak")
    print("{:>8} {:>6} {:>10} {:>8} {:>10} {:>6} {:>10} {:>12}".format(*header))
    for width in args.widths:
        source = write_wide_csv(work / f"wide_{width}.csv", width=width, rows=args.rows)
        f = measure(source, work / f"runs_{width}", args.cores, args.timeout)
        size = source.stat().st_size / 1e6
        if f["outcome"] != "done":
            print(f"{width:>8} {size:>6.1f}   {f['outcome']}")
            continue
        print(
            f"{width:>8} {size:>6.1f} {f['validate_s']:>8.1f} s {f['scan_s']:>6.1f} s "
            f"{f['prepare_s']:>8.1f} s {f['kept']:>6} {f['jvm_mib']:>6.0f} MiB "
            f"{f['python_mib']:>8.0f} MiB"
        )
    print(f"files: {work}")


if __name__ == "__main__":
    main()
