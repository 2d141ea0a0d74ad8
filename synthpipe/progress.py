"""How a run shows progress: a small interface, a silent and a terminal implementation."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class StepRecord:
    name: str
    status: str = "pending"  # pending, running, done, failed, not built, skipped
    seconds: float = 0.0
    rows: int | None = None
    note: str = ""
    started: float = field(default=0.0, repr=False)


class Reporter:
    """Silent by default; the CLI uses `TerminalReporter`."""

    def step_started(self, record: StepRecord) -> None:
        record.status = "running"
        record.started = time.monotonic()

    def step_finished(
        self, record: StepRecord, status: str, rows: int | None = None, note: str = ""
    ) -> None:
        record.status = status
        record.seconds = time.monotonic() - record.started
        record.rows = rows if rows is not None else record.rows
        record.note = note or record.note

    def message(self, text: str) -> None:
        """A line of progress inside a step (training epochs, for instance)."""


class TerminalReporter(Reporter):
    """A spinner with the step's elapsed time while it runs, a line when it ends."""

    def __init__(self) -> None:
        from rich.console import Console

        self.console = Console(stderr=True)
        self._progress = None
        self._task = None

    def step_started(self, record: StepRecord) -> None:
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        super().step_started(record)
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.fields[step]:<9}[/]"),
            TimeElapsedColumn(),
            TextColumn("{task.description}"),
            console=self.console,
            transient=True,
        )
        self._progress.start()
        self._task = self._progress.add_task("running", step=record.name, total=None)

    def step_finished(
        self, record: StepRecord, status: str, rows: int | None = None, note: str = ""
    ) -> None:
        super().step_finished(record, status, rows, note)
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
        mark = {"done": "[green]done[/]", "failed": "[red]failed[/]"}.get(status, status)
        count = f"{record.rows:,} rows" if record.rows is not None else ""
        self.console.print(
            f"{mark:>16} [bold]{record.name:<9}[/] {record.seconds:7.1f} s  {count:>14}  "
            f"{record.note}",
            highlight=False,
        )

    def message(self, text: str) -> None:
        # Off a terminal (CI logs, `| tee`) a spinner draws nothing: print each line.
        if self._progress is not None and self.console.is_terminal:
            self._progress.update(self._task, description=text)
        else:
            self.console.print(text, highlight=False, soft_wrap=True)


class _Forward(logging.Handler):
    def __init__(self, reporter: Reporter, step: str) -> None:
        super().__init__(logging.INFO)
        self.reporter, self.step = reporter, step

    def emit(self, record: logging.LogRecord) -> None:
        self.reporter.message(f"{self.step}: {record.getMessage()}")


@contextmanager
def showing_log(reporter: Reporter, step: str, logger: str) -> Iterator[None]:
    """Show a step's log lines (training epochs) as progress while the block runs."""
    forward = _Forward(reporter, step)
    target = logging.getLogger(logger)
    level = target.level
    if target.getEffectiveLevel() > logging.INFO:
        target.setLevel(logging.INFO)
    target.addHandler(forward)
    try:
        yield
    finally:
        target.removeHandler(forward)
        target.setLevel(level)


def print_summary(steps: list[StepRecord], lines: list[str]) -> None:
    """The table at the end of a run, then where the results are (stdout)."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Run summary")
    for column in ("step", "status", "seconds", "rows", "note"):
        table.add_column(column, justify="right" if column in ("seconds", "rows") else "left")
    for step in steps:
        rows = f"{step.rows:,}" if step.rows is not None else ""
        table.add_row(step.name, step.status, f"{step.seconds:.1f}", rows, step.note)
    console = Console(file=sys.stdout)
    console.print(table)
    for line in lines:
        console.print(line, soft_wrap=True, highlight=False)
