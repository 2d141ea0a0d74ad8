"""Prepare on full-size generated BankSim (594,643 rows): wall time and peak memory.

    .venv/bin/python benchmarks/prepare_bench.py [--rows N] [--cores 2] [--csv FILE]
        [--quick-start]

--csv prepares a given file instead of generated BankSim; --quick-start starts the JVM
with `synthpipe.spark.QUICK_START_OPTIONS`, as the local runner does for inputs up to
`QUICK_START_MAX_BYTES`: run the same file with and without it, one after the other.

Prints the time to generate the CSV, to start Spark, to validate, and Prepare's own
Spark time, with the peak resident memory of the driver JVM and of this Python process.
Target (issue 2): Prepare under 60 s of Spark time on 2 cores. No assertion: the machine
is shared and noisy; compare runs made one after the other.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import threading
import time
from pathlib import Path

from synthpipe.layout import RunLayout
from synthpipe.prepare import CsvDialect, prepare
from synthpipe.sample_data import BANKSIM_ROWS, write_banksim_csv
from synthpipe.spark import local_session
from synthpipe.validate import validate_file


class PeakRss(threading.Thread):
    """Polls a process's resident memory (the JVM is a child process)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_kib, self.running = pid, 0, True

    def run(self) -> None:
        while self.running:
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    self.peak_kib = max(self.peak_kib, int(line.split()[1]))
            time.sleep(0.1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=BANKSIM_ROWS)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--csv", type=Path, help="prepare this file instead of BankSim")
    parser.add_argument("--quick-start", action="store_true", help="QUICK_START_OPTIONS")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="prepare-bench-"))

    started = time.perf_counter()
    if args.csv:
        source = work / "raw" / "bench" / args.csv.name
        source.parent.mkdir(parents=True)
        source.write_bytes(args.csv.read_bytes())
    else:
        source = write_banksim_csv(work / "raw" / "banksim" / "banksim.csv", rows=args.rows)
    generated = time.perf_counter()
    spark = local_session("prepare-bench", cores=args.cores, quick_start=args.quick_start)
    jvm = PeakRss(spark.sparkContext._jvm.ProcessHandle.current().pid())
    jvm.start()
    session = time.perf_counter()
    report = validate_file(source)
    validated = time.perf_counter()
    schema = prepare(
        spark,
        source=str(source),
        dialect=CsvDialect.from_report(report),
        layout=RunLayout(str(work), source.parent.name, "bench"),
    )
    prepared = time.perf_counter()
    jvm.running = False
    jvm.join()

    size_mb = source.stat().st_size / 1e6
    jvm_options = "quick start" if args.quick_start else "default"
    print(
        f"rows                {report.data_rows:>12,}   ({size_mb:.1f} MB CSV, {args.cores} "
        f"cores, {jvm_options} JVM)"
    )
    print(f"write CSV           {generated - started:>10.1f} s")
    print(f"start Spark         {session - generated:>10.1f} s")
    print(f"validate            {validated - session:>10.1f} s")
    print(f"prepare (Spark)     {prepared - validated:>10.1f} s   target < 60 s")
    print(f"rows out            {schema.rows:>12,}   columns kept {len(schema.kept())}")
    print(f"peak RSS driver JVM {jvm.peak_kib / 1024:>10.0f} MiB")
    python_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS Python     {python_peak:>10.0f} MiB")
    print(f"output              {work}")


if __name__ == "__main__":
    main()
