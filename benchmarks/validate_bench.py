"""Oversized inputs: how fast, and in how much memory, each one is refused.

    .venv/bin/python benchmarks/validate_bench.py [--timeout 120] [--run]

Writes three files into a temporary folder:

- `one_line.csv`: 45 MB on one line, comma-separated short values (no line break at all);
- `long_row.csv`: a 3-column header, one normal row, then one 45 MB row of short fields;
- `wide.csv`: 25,000 columns x 3 rows (about 0.5 MB).

Each is validated with the default limits (`validate_file`, what the start Lambda runs on
AWS) in a fresh Python process, which reports the outcome (refusal code or `accepted`), its
own seconds and its peak resident memory (ru_maxrss). With `--run`, each file also goes
through `synthpipe run FILE --until prepare` in a fresh process (Python's peak only: a
Spark JVM, if one starts, is another process). A process still going after `--timeout`
seconds is stopped and shown as such. Figures are printed, never asserted: the machine is
shared; compare runs made one after the other.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MB = 1_000_000

# Runs in the child: times the call itself, then reports its own peak memory.
_CHILD = """
import json, resource, sys, time
started = time.perf_counter()
outcome = "accepted"
try:
    {call}
except Exception as error:
    outcome = getattr(error, "code", None) or type(error).__name__
print(json.dumps({{
    "outcome": str(outcome),
    "seconds": time.perf_counter() - started,
    "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}}))
"""
_VALIDATE = "from synthpipe.validate import validate_file; validate_file(sys.argv[1])"
_RUN = (
    "from synthpipe.cli import main; code = main(['run', sys.argv[1], '--workdir', "
    "sys.argv[2], '--until', 'prepare'])\n    outcome = f'exit {code}'"
)


def write_one_line(path: Path, size: int = 45 * MB) -> Path:
    """Distinct names of one width (a name cut by the head is no duplicate either)."""
    with path.open("w") as out:
        written, i = 0, 0
        while written < size:
            chunk = ",".join(f"c{n:07d}" for n in range(i, i + 10_000)) + ","
            out.write(chunk)
            written, i = written + len(chunk), i + 10_000
    return path


def write_long_row(path: Path, size: int = 45 * MB) -> Path:
    with path.open("w") as out:
        out.write("id,amount,note\n1,2.5,short\n")
        chunk = "ab," * (MB // 3)  # many short fields: each one a Python object once parsed
        for _ in range(size // (MB // 3 * 3)):
            out.write(chunk)
        out.write("\n")
    return path


def write_wide(path: Path, columns: int = 25_000, rows: int = 3) -> Path:
    with path.open("w") as out:
        out.write(",".join(f"col_{i}" for i in range(columns)) + "\n")
        for r in range(rows):
            out.write(",".join(str((i * 7 + r) % 1000) for i in range(columns)) + "\n")
    return path


def measure(call: str, args: list[str], timeout: float) -> dict:
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONDONTWRITEBYTECODE": "1"}
    started = time.perf_counter()
    # A session of its own, so that a Spark JVM it starts is stopped with it.
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD.format(call=call), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )
    try:
        stdout, stderr = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.communicate()
        return {"outcome": f"still running after {timeout:.0f} s (stopped)", "wall": timeout}
    wall = time.perf_counter() - started
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    if not lines:
        tail = (stderr.strip().splitlines() or ["no output"])[-1]
        return {"outcome": f"died (rc {child.returncode}): {tail[:80]}", "wall": wall}
    return json.loads(lines[-1]) | {"wall": wall}


def show(label: str, figures: dict) -> None:
    seconds = figures.get("seconds")
    peak = figures.get("peak_mib")
    timed = f"{seconds:8.2f} s" if seconds is not None else "       - "
    memory = f"{peak:8.0f} MiB" if peak is not None else "        -    "
    print(f"{label:<34} {figures['outcome']:<28} {timed} {memory}   wall {figures['wall']:6.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--run", action="store_true", help="also `synthpipe run --until prepare`")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="validate-bench-"))
    files = {
        "45 MB, one line": write_one_line(work / "one_line.csv"),
        "45 MB row after a header": write_long_row(work / "long_row.csv"),
        "25,000 columns x 3 rows": write_wide(work / "wide.csv"),
    }
    print(f"{'input':<34} {'outcome':<28} {'seconds':>10} {'peak RSS':>12}")
    for label, path in files.items():
        size = path.stat().st_size / MB
        show(f"{label} ({size:.1f} MB)", measure(_VALIDATE, [str(path)], args.timeout))
    if args.run:
        print("synthpipe run FILE --until prepare (Python's peak; a Spark JVM is not counted):")
        for label, path in files.items():
            runs = work / f"runs-{path.stem}"
            show(f"  {label}", measure(_RUN, [str(path), str(runs)], args.timeout))
    print(f"files: {work}")


if __name__ == "__main__":
    main()
