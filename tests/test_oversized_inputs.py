"""Oversized inputs, end to end through the CLI with the default limits (issue 11).

What the user sees (exit 1, one reason line with the code), and what is left on disk:
the raw copy untouched, a whole copy in quarantine with its reason, the run's log and
manifest, and nothing under cleaned/ or synthetic/.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_cli import reason_lines, result_path, run_main

pytestmark = pytest.mark.fault_catalogue


def wide(columns: int) -> bytes:
    header = ",".join(f"col_{i}" for i in range(columns))
    return (header + "\n" + ",".join(str(i % 7) for i in range(columns)) + "\n").encode()


def long_record(size: int) -> bytes:
    return b"id,amount,note\n1,2.5,short\n" + b"ab," * (size // 3) + b"\n"


def files_under(work: Path) -> set[str]:
    return {str(p.relative_to(work)) for p in work.rglob("*") if p.is_file()}


@pytest.mark.parametrize(
    ("content", "code"),
    [
        pytest.param(wide(1001), "too_many_columns", id="1001-columns"),
        pytest.param(long_record(2 * 1024 * 1024), "record_too_long", id="2-MiB-record"),
    ],
)
def test_an_oversized_file_is_refused_and_quarantined_whole(tmp_path, capsys, content, code):
    source = tmp_path / "big.csv"
    source.write_bytes(content)
    work = tmp_path / "work"

    assert run_main(["run", str(source), "--workdir", str(work)]) == 1

    captured = capsys.readouterr()
    (line,) = reason_lines(captured.err)
    assert code in line
    quarantine = result_path(captured.out, "Quarantine")
    reason = json.loads((quarantine / "reason.json").read_text())
    assert (reason["step"], reason["code"]) == ("validate", code)
    assert reason["fix"]
    assert (quarantine / "input" / "big.csv").read_bytes() == content  # whole, not cut
    assert (work / "raw" / "big" / "big.csv").read_bytes() == content  # never changed
    assert source.read_bytes() == content
    run_id = quarantine.name
    manifest = json.loads((work / "staging" / "big" / run_id / "manifest.json").read_text())
    assert manifest["status"] == "refused"
    assert manifest["source"]["size_bytes"] == len(content)
    assert files_under(work) == {  # the run's log and manifest; nothing read or made from it
        "raw/big/big.csv",
        f"quarantine/big/{run_id}/input/big.csv",
        f"quarantine/big/{run_id}/reason.json",
        f"staging/big/{run_id}/manifest.json",
        f"staging/big/{run_id}/run.log.jsonl",
        f".locks/big/{run_id}.lock",
    }


def test_the_default_column_limit_itself_is_accepted(tmp_path, capsys):
    source = tmp_path / "big.csv"
    source.write_bytes(wide(1000))

    code = run_main(["run", str(source), "--workdir", str(tmp_path / "w"), "--until", "validate"])

    assert code == 0, capsys.readouterr().err
