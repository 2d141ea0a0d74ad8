"""One local run per object at a time: an exclusive lock per dataset and run id.

On AWS the execution's name does this (a second start for the same object version is
refused by Step Functions). Locally, a run clears its run's derived folders before it
writes them again, so two runs of the same object at once would delete each other's
output and log: the second one must stop before it touches anything.

The lock is `flock` on `<workdir>/.locks/<dataset>/<run_id>.lock`: the kernel releases it
when the holder's file is closed or its process ends, however it ends, so a crashed run
never blocks the next one and there is no pid to check. The lock file is left in place:
deleting it while another process has it open would let two runs lock two different
files of the same name.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from synthpipe.errors import StepFailed

LOCKS = ".locks"


def lock_path(workdir: Path, dataset: str, run_id: str) -> Path:
    return Path(workdir) / LOCKS / dataset / f"{run_id}.lock"


@contextmanager
def run_lock(workdir: Path, dataset: str, run_id: str) -> Iterator[Path]:
    """Hold the run's lock for the duration of the block, or raise `run_in_progress`."""
    path = lock_path(workdir, dataset, run_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise _in_progress(workdir, dataset, run_id) from None
        # For a person looking at the file: which process holds it (not used to decide).
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield path
    finally:
        os.close(fd)  # releases the lock


def _in_progress(workdir: Path, dataset: str, run_id: str) -> StepFailed:
    return StepFailed(
        code="run_in_progress",
        message=f"Another run of this file (dataset {dataset}, run {run_id}) is in progress "
        f"in {workdir}; this one stopped and changed nothing.",
        fix="Wait for that run to finish, then run again if you need to; or give this run "
        "another --workdir.",
        details={"dataset": dataset, "run_id": run_id},
    )
