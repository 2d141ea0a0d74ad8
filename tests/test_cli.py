"""The `synthpipe` command: help everywhere, exit codes, where the results are."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
from pathlib import Path

import pytest

from synthpipe.cli import main

REPO = Path(__file__).resolve().parent.parent
RUN_ID = r"\d{8}T\d{6}Z-[0-9a-f]{8}"


def run_main(argv: list[str]) -> int:
    """`main`'s exit code, whether it returns it or argparse raises SystemExit."""
    try:
        return main(argv)
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else 1


def reason_lines(err: str) -> list[str]:
    """The lines the CLI itself writes to stderr (progress and log lines are not counted)."""
    return [line for line in err.splitlines() if line.startswith("synthpipe:")]


def result_path(out: str, label: str) -> Path:
    match = re.search(rf"^{label}: (.+)$", out, re.MULTILINE)
    assert match, f"no '{label}:' line in:\n{out}"
    return Path(match.group(1).strip())


# --- help ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--help"], ["usage: synthpipe", "run", "demo"]),
        (
            ["run", "--help"],
            ["usage: synthpipe run", "FILE", "--until", "--dataset", "--max-columns"],
        ),
        (["demo", "--help"], ["usage: synthpipe demo", "--rows", "--workdir"]),
        (["train", "--help"], ["usage: synthpipe train", "--on-sagemaker", "--set", "--run-id"]),
    ],
)
def test_help_exits_zero_and_describes_the_command(capsys, argv, expected):
    assert run_main(argv) == 0
    out = capsys.readouterr().out
    for text in expected:
        assert text in out


def test_progress_lines_are_printed_off_a_terminal(capsys):
    """In CI logs or behind `| tee` a spinner draws nothing: each line is printed."""
    from synthpipe.progress import StepRecord, TerminalReporter, showing_log

    reporter, record = TerminalReporter(), StepRecord("train")
    reporter.step_started(record)
    with showing_log(reporter, "train", "synthpipe.train"):
        logging.getLogger("synthpipe.train").info("epoch=5 loss=1.0 quality=0.8")
    logging.getLogger("synthpipe.train").info("epoch=10 after the step")
    reporter.step_finished(record, "done")
    err = capsys.readouterr().err
    assert "train: epoch=5 loss=1.0 quality=0.8" in err
    assert "epoch=10" not in err
    assert not logging.getLogger("synthpipe.train").handlers


def test_version_exits_zero_and_prints_the_version(capsys):
    from synthpipe import __version__

    assert run_main(["--version"]) == 0
    assert __version__ in capsys.readouterr().out


def test_no_command_is_a_usage_error(capsys):
    assert run_main([]) == 2
    assert "usage:" in capsys.readouterr().err


def test_unknown_until_step_is_a_usage_error(capsys, tmp_path):
    assert run_main(["run", str(tmp_path / "x.csv"), "--until", "bogus"]) == 2
    assert "--until" in capsys.readouterr().err


def test_demo_refuses_zero_rows(capsys, tmp_path):
    assert run_main(["demo", "--rows", "0", "--workdir", str(tmp_path)]) == 2
    assert "positive" in capsys.readouterr().err


def test_python_dash_m_synthpipe_help():
    done = subprocess.run(
        [sys.executable, "-m", "synthpipe", "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "usage: synthpipe" in done.stdout


def test_console_script_is_installed_and_runs():
    script = Path(sys.executable).parent / "synthpipe"
    assert script.is_file(), f"{script} is missing: is the package installed (pip install -e .)?"
    done = subprocess.run(
        [str(script), "run", "--help"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "usage: synthpipe run" in done.stdout


# --- exit codes and messages ----------------------------------------------------------------


def test_refused_file_exits_one_with_a_single_line_reason(capsys, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert run_main(["run", str(empty), "--workdir", str(tmp_path / "work")]) == 1
    captured = capsys.readouterr()
    lines = reason_lines(captured.err)
    assert len(lines) == 1, captured.err
    assert "empty" in lines[0].lower()
    assert "quarantine" in lines[0]


def test_refused_file_reason_names_the_code(capsys, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert run_main(["run", str(empty), "--workdir", str(tmp_path / "work")]) == 1
    (line,) = reason_lines(capsys.readouterr().err)
    assert "empty_file" in line


def test_refused_file_prints_where_the_quarantine_is(capsys, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert run_main(["run", str(empty), "--workdir", str(tmp_path / "work")]) == 1
    quarantine = result_path(capsys.readouterr().out, "Quarantine")
    assert (quarantine / "reason.json").is_file()
    assert (quarantine / "input" / "empty.csv").read_bytes() == b""


@pytest.mark.fault_catalogue
@pytest.mark.parametrize(
    ("option", "code"),
    [("--max-columns", "too_many_columns"), ("--max-record-bytes", "record_too_long")],
)
def test_limits_on_the_command_line_refuse_the_file(capsys, tmp_path, option, code):
    source = tmp_path / "wide.csv"
    source.write_text("a,b,c,d\n1,2,3,4\n")
    argv = ["run", str(source), "--workdir", str(tmp_path / "work"), option, "3"]
    assert run_main(argv) == 1
    (line,) = reason_lines(capsys.readouterr().err)
    assert code in line


def test_a_limit_below_one_is_a_usage_error(capsys, tmp_path):
    source = tmp_path / "ok.csv"
    source.write_text("a,b\n1,2\n")
    assert run_main(["run", str(source), "--max-columns", "0"]) == 2
    assert "positive" in capsys.readouterr().err


def test_missing_file_exits_one_naming_the_code(capsys, tmp_path):
    assert run_main(["run", str(tmp_path / "nope.csv"), "--workdir", str(tmp_path / "w")]) == 1
    lines = reason_lines(capsys.readouterr().err)
    assert len(lines) == 1 and "file_missing" in lines[0]


def test_bad_dataset_name_exits_two(capsys, tmp_path):
    source = tmp_path / "ok.csv"
    source.write_text("a,b\n1,2\n")
    work = tmp_path / "work"
    assert run_main(["run", str(source), "--dataset", "Bad Name!", "--workdir", str(work)]) == 2
    lines = reason_lines(capsys.readouterr().err)
    assert len(lines) == 1 and "Bad Name!" in lines[0]
    assert not work.exists()


def test_main_leaves_no_log_handlers_behind(capsys, tmp_path):
    before = list(logging.getLogger().handlers)
    run_main(["run", str(tmp_path / "nope.csv"), "--workdir", str(tmp_path / "w")])
    assert logging.getLogger().handlers == before


# --- end to end ------------------------------------------------------------------------------


@pytest.mark.slow
def test_run_until_prepare_on_the_sample_exits_zero_and_says_where_results_are(
    spark, banksim_csv, capsys, tmp_path
):
    work = tmp_path / "work"
    argv = ["run", str(banksim_csv), "--until", "prepare", "--workdir", str(work)]
    assert run_main(argv) == 0
    captured = capsys.readouterr()
    assert reason_lines(captured.err) == []
    assert re.search(rf"Run {RUN_ID} of dataset 'banksim': stopped", captured.out)
    cleaned = result_path(captured.out, "Cleaned data")
    assert cleaned.parent == work.resolve() / "cleaned" / "banksim"
    assert list((cleaned / "data").glob("*.parquet"))
    assert (cleaned / "schema.json").is_file()
    assert result_path(captured.out, "Manifest").is_file()
    assert result_path(captured.out, "Log").is_file()
    for step in ("validate", "prepare"):
        assert re.search(rf"{step}\s.*done", captured.out), step


@pytest.mark.slow
def test_demo_exits_zero_and_says_where_results_are(spark, capsys, tmp_path):
    work = tmp_path / "work"
    assert run_main(["demo", "--rows", "500", "--workdir", str(work), "--until", "verify"]) == 0
    out = capsys.readouterr().out
    assert "500" in out
    cleaned = result_path(out, "Cleaned data")
    assert cleaned.parent == work.resolve() / "cleaned" / "banksim"
    assert list((cleaned / "data").glob("*.parquet"))
    raw = list((work / "raw" / "banksim").iterdir())
    assert len(raw) == 1 and raw[0].stat().st_size > 0
