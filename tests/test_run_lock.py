"""One local run per object at a time, and an ingest that two runs cannot race.

The races run in real processes (spawned, so that each has its own logging and file
descriptors) or threads held at a barrier: no sleeps, every wait has an event.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from synthpipe.errors import StepFailed
from synthpipe.progress import Reporter
from synthpipe.run_lock import lock_path, run_lock
from synthpipe.runner import ingest, run_local

# The fault catalogue (issue 11): two concurrent runs.
pytestmark = pytest.mark.fault_catalogue

CONTENT = "city,amount\n" + "".join(f"c{i % 5},{i}.5\n" for i in range(50))
WAIT = 120  # seconds: only ever reached when something is broken


class PausesInValidate(Reporter):
    """Tells the test when the run is inside validate, then waits for its go."""

    def __init__(self, inside, go) -> None:
        self.inside, self.go = inside, go

    def step_started(self, record) -> None:
        super().step_started(record)
        if record.name == "validate":
            self.inside.set()
            self.go.wait(WAIT)


def _first_run(source: str, work: str, inside, go, results) -> None:
    """In a process of its own: a whole run (until validate) that pauses inside it."""
    result = run_local(
        Path(source),
        dataset="d",
        workdir=Path(work),
        until="validate",
        reporter=PausesInValidate(inside, go),
    )
    results.put((result.status, result.exit_code, result.run_id))


def _hold_lock_until_killed(work: str, run_id: str, holding) -> None:
    with run_lock(Path(work), "d", run_id):
        holding.set()
        threading.Event().wait(WAIT)  # until the test kills this process


@pytest.fixture
def spawn():
    return multiprocessing.get_context("spawn")


def test_second_run_of_the_same_object_stops_and_leaves_the_first_unharmed(tmp_path, spawn):
    source = tmp_path / "in" / "data.csv"
    source.parent.mkdir()
    source.write_text(CONTENT)
    work = tmp_path / "work"
    inside, go, results = spawn.Event(), spawn.Event(), spawn.Queue()
    first = spawn.Process(target=_first_run, args=(str(source), str(work), inside, go, results))
    first.start()
    try:
        assert inside.wait(WAIT), "the first run never reached validate"
        (log,) = (work / "staging" / "d").glob("*/run.log.jsonl")
        log_before = log.read_text()

        with pytest.raises(StepFailed) as info:
            run_local(source, dataset="d", workdir=work, until="validate")

        assert info.value.code == "run_in_progress"
        assert info.value.message and info.value.fix
        assert log.exists() and log.read_text() == log_before  # nothing deleted or written
    finally:
        go.set()
    status, exit_code, run_id = results.get(timeout=WAIT)
    first.join(WAIT)
    assert (status, exit_code) == ("stopped", 0)
    assert log.parent.name == run_id
    assert '"event": "run.finished"' in log.read_text()
    assert (work / "raw" / "d" / "data.csv").read_text() == CONTENT


def test_a_lock_left_by_a_killed_run_does_not_block_the_next(tmp_path, spawn):
    source = tmp_path / "data.csv"
    source.write_text(CONTENT)
    work = tmp_path / "work"
    run_id = run_local(source, dataset="d", workdir=work, until="validate").run_id
    holding = spawn.Event()
    holder = spawn.Process(target=_hold_lock_until_killed, args=(str(work), run_id, holding))
    holder.start()
    assert holding.wait(WAIT), "the holder never took the lock"
    with pytest.raises(StepFailed):  # held: refused
        run_local(source, dataset="d", workdir=work, until="validate")

    holder.kill()  # SIGKILL: no clean-up ran, the lock file is still there
    holder.join(WAIT)

    assert lock_path(work, "d", run_id).exists()
    result = run_local(source, dataset="d", workdir=work, until="validate")
    assert (result.status, result.exit_code, result.run_id) == ("stopped", 0, run_id)


def test_runs_of_other_objects_do_not_wait_for_each_other(tmp_path):
    work = tmp_path / "work"
    sources = []
    for i in range(2):
        source = tmp_path / f"in{i}" / "data.csv"
        source.parent.mkdir()
        source.write_text(CONTENT + f"c9,{i}\n")
        sources.append(source)
    first = run_local(sources[0], dataset="d", workdir=work, until="validate")
    with run_lock(work, "d", first.run_id):
        second = run_local(sources[1], dataset="d", workdir=work, until="validate")
    assert second.exit_code == 0 and second.run_id != first.run_id


def test_cli_says_run_in_progress_and_exits_1(tmp_path, capsys):
    from synthpipe.cli import main

    source = tmp_path / "data.csv"
    source.write_text(CONTENT)
    work = tmp_path / "work"
    run_id = run_local(source, dataset="d", workdir=work, until="validate").run_id
    capsys.readouterr()
    with run_lock(work, "d", run_id):
        code = main(["run", str(source), "--dataset", "d", "--workdir", str(work)])
    assert code == 1
    assert "run_in_progress" in capsys.readouterr().err


# --- ingest: a raw file appears whole, once ------------------------------------------------


def _ingest_together(source: Path, work: Path, copies: int) -> list:
    barrier = threading.Barrier(copies)

    def one(_):
        barrier.wait(WAIT)
        return ingest(source, work, "d")

    with ThreadPoolExecutor(copies) as pool:
        return list(pool.map(one, range(copies)))


def test_concurrent_ingests_of_one_file_make_one_whole_raw_file(tmp_path):
    source = tmp_path / "big.csv"
    source.write_text("id,payload\n" + "".join(f"{i},{'x' * 200}\n" for i in range(40_000)))
    digest = hashlib.sha256(source.read_bytes()).hexdigest()

    for attempt in range(6):  # the old check-then-copy lost this race about one time in three
        work = tmp_path / f"work{attempt}"
        stored = _ingest_together(source, work, copies=4)

        assert [p.name for p in (work / "raw" / "d").iterdir()] == ["big.csv"]
        assert {(s.path.name, s.sha256, s.created) for s in stored} == {
            ("big.csv", digest, stored[0].created)
        }
        assert (work / "raw" / "d" / "big.csv").read_bytes() == source.read_bytes()


def test_ingest_never_replaces_a_raw_file_and_leaves_no_partial_copy(tmp_path):
    work = tmp_path / "work"
    first = tmp_path / "a" / "data.csv"
    second = tmp_path / "b" / "data.csv"
    for path, rows in ((first, 10), (second, 12)):
        path.parent.mkdir()
        path.write_text("id\n" + "".join(f"{i}\n" for i in range(rows)))
    ingest(first, work, "d")
    stored = ingest(second, work, "d")

    raw = work / "raw" / "d"
    assert (raw / "data.csv").read_bytes() == first.read_bytes()
    assert stored.path.read_bytes() == second.read_bytes() and stored.path != raw / "data.csv"
    assert not any((work / ".incoming").iterdir())
