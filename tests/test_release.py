"""Releases under synthetic/: one complete release or none, on disk and on S3 (moto).

The fault catalogue of publishing: a crash after every write of `publish` and of
`withdraw`, and re-runs of the same file that fail after a pass, through the runner and
the CLI. Training is not needed: the staged output is written directly.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any
from unittest.mock import ANY

import pytest

from synthpipe import fixes, storage
from synthpipe.cli import main
from synthpipe.errors import StepFailed
from synthpipe.evaluate.gate import ADVICE, Thresholds, check
from synthpipe.layout import RunLayout
from synthpipe.publish import (
    MARKER,
    PUBLISHED,
    WITHDRAWN,
    check_gate,
    current_release,
    last_withdrawal,
    publish,
    withdraw,
)
from synthpipe.runner import _Run, run_local

# The fault catalogue (issue 11): a crash at each publish stage, re-runs that fail after a pass.
pytestmark = pytest.mark.fault_catalogue

BUCKET = "synthpipe-data-test"
REGION = "eu-west-1"
MUTATIONS = ("copy_file", "move_file", "delete_file", "write_bytes")


class Crash(Exception):
    """The process dies here (a Lambda timeout, a kill): nothing after it runs."""


@pytest.fixture(params=["local", "s3"])
def root(request, tmp_path, monkeypatch) -> Any:
    """A local folder, or a versioned bucket in moto, as the pipeline's root."""
    if request.param == "local":
        yield str(tmp_path / "bucket")
        return
    import boto3
    from moto import mock_aws

    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        yield f"s3://{BUCKET}"


def gates(passed: bool) -> list[dict[str, Any]]:
    value = 0.95 if passed else 0.5
    return [{"name": "quality", "value": value, "threshold": 0.9, "passed": passed}]


def stage(layout: RunLayout, tag: str, *, verdict: str = "pass") -> None:
    """Staged output whose every file carries `tag`, so a mix of releases shows."""
    for name in PUBLISHED:
        if name == "report.json":
            report = {"verdict": verdict, "gates": gates(verdict == "pass"), "tag": tag}
            storage.write_json(f"{layout.staging}/{name}", report)
        else:
            storage.write_bytes(f"{layout.staging}/{name}", f"{name} of {tag}\n".encode())


def tag_of(layout: RunLayout) -> str | None:
    """What a reader sees: the tag of the release that stands, or None. A release whose
    files carry different tags would be a mix, which must never stand."""
    release = current_release(layout)
    if release is None:
        return None
    tags = {json.loads(storage.read_bytes(release.path("report.json")))["tag"]}
    for name in PUBLISHED:
        if name != "report.json":
            tags.add(storage.read_bytes(release.path(name)).decode().split(" of ")[1].strip())
    assert len(tags) == 1, f"a mix of releases stands: {tags}"
    return tags.pop()


def crash_after(monkeypatch, writes: int) -> None:
    """Make the process die right after the `writes`-th write to storage (nested writes,
    such as the copy inside an S3 move, count on their own: more crash points)."""
    done = [0]
    for name in MUTATIONS:
        original = getattr(storage, name)

        def wrapped(*args, _original=original, **kwargs):
            _original(*args, **kwargs)
            done[0] += 1
            if done[0] == writes:
                raise Crash(f"after write {writes}")

        monkeypatch.setattr(storage, name, wrapped)


def release_files(layout: RunLayout) -> list[str]:
    return storage.list_files(layout.synthetic)


# --- the protocol ---------------------------------------------------------------------------


def test_publish_writes_the_files_then_the_marker_with_sizes_and_hashes(root):
    layout = RunLayout(root, "ds", "run")
    stage(layout, "A")
    release = publish(layout, {"run_id": "run"})
    assert (release.attempt, tag_of(layout)) == (1, "A")
    assert release_files(layout) == sorted([MARKER, *PUBLISHED])
    marker = storage.read_json(f"{layout.synthetic}/{MARKER}")
    assert marker["status"] == "published" and marker["run_id"] == "run"
    for name in PUBLISHED:
        recorded = marker["release"]["files"][name]
        assert recorded["bytes"] == storage.stat(release.path(name)).bytes
        assert recorded.get("sha256" if root.startswith("/") else "etag")


def test_publish_again_replaces_the_release_with_the_next_attempt(root):
    layout = RunLayout(root, "ds", "run")
    stage(layout, "A")
    first = publish(layout, {})
    stage(layout, "B")
    second = publish(layout, {})
    assert (second.attempt, tag_of(layout)) == (2, "B")
    replaces = second.manifest["release"]["replaces"]
    assert replaces == first.summary() | {"reason": "replaced", "withdrawn_at": ANY}
    assert last_withdrawal(layout) | {"attempt": 1, "reason": "replaced"} == last_withdrawal(layout)
    assert release_files(layout) == sorted([MARKER, WITHDRAWN, *PUBLISHED])


def test_a_failed_gate_touches_nothing_under_synthetic(root):
    layout = RunLayout(root, "ds", "run")
    stage(layout, "A")
    publish(layout, {})
    stage(layout, "B", verdict="fail")
    with pytest.raises(StepFailed) as raised:
        publish(layout, {})
    assert raised.value.code == "gate_failed"
    assert tag_of(layout) == "A"


def test_a_failed_gate_says_which_way_it_failed_and_what_was_not_measured():
    gates = [
        {"name": "quality", "value": 0.85, "threshold": 0.9, "passed": False, "direction": "min"},
        {"name": "association_gap", "value": 0.84, "threshold": 0.5, "passed": False},
        {"name": "linkability_risk", "value": None, "threshold": 0.05, "passed": False},
        {"name": "pii_hits", "value": 0, "threshold": 0, "passed": True, "direction": "max"},
    ]
    pair = {"value": 0.84, "columns": ["engines", "engine"], "real": 0.91, "synthetic": 0.07}
    with pytest.raises(StepFailed) as raised:
        check_gate({"verdict": "fail", "gates": gates, "quality": {"association_gap": pair}})
    assert raised.value.message == (
        "The synthetic data did not pass the release gate: quality = 0.85 (needs at least "
        "0.9); association_gap = 0.84 (needs at most 0.5) between 'engines' and 'engine': "
        "0.91 real, 0.07 synthetic; linkability_risk not measured (needs at most 0.05)."
    )
    assert raised.value.fix == fixes.GATE_FAILED  # these gates carry no advice


def test_a_figure_that_rounds_to_its_threshold_is_written_apart_from_it(tmp_path):
    """A quality of 0.8996 failed the gate of 0.9, and was written 0.9 in the message,
    0.900 in the verdict's lines and the report: as if it had passed."""
    from synthpipe.cli import _gate_lines
    from synthpipe.evaluate.gate import places_apart
    from synthpipe.evaluate.html import _gate_value
    from synthpipe.runner import RunResult

    gates = [asdict(check("quality", 0.8996, Thresholds()))]
    with pytest.raises(StepFailed) as raised:
        check_gate({"verdict": "fail", "gates": gates})
    assert "quality = 0.8996 (needs at least 0.9)" in raised.value.message
    assert places_apart(0.8996, 0.9) == 4 and places_apart(0.864, 0.9) == 3
    report = tmp_path / "report.json"
    report.write_text(json.dumps({"verdict": "fail", "gates": gates}))
    result = RunResult(
        dataset="ds",
        run_id="r",
        workdir=tmp_path,
        status="failed",
        exit_code=1,
        message="",
        steps=[],
        outputs={"report": str(report.with_name("report.html"))},
    )
    assert "  FAIL  quality: 0.8996 (threshold 0.9)" in _gate_lines(result)
    assert _gate_value(gates[0]) == ("0.8996", "≥ 0.90")  # report.html's row


def test_a_failed_gate_says_what_to_try_for_that_gate():
    thresholds = Thresholds()
    gates = [
        asdict(check("membership_inference_auc", 0.56, thresholds)),
        asdict(check("linkability_risk", 0.2, thresholds)),
        asdict(check("quality", 0.95, thresholds)),
    ]
    with pytest.raises(StepFailed) as raised:
        check_gate({"verdict": "fail", "gates": gates})
    fix = raised.value.fix
    assert fix.startswith(ADVICE["membership_inference_auc"])
    assert ADVICE["linkability_risk"] in fix
    assert ADVICE["quality"] not in fix  # it passed
    assert fix.endswith(fixes.GATE_FAILED)


@pytest.mark.parametrize("earlier", [True, False], ids=["over-a-release", "first-release"])
def test_a_crash_at_any_write_of_publish_leaves_the_earlier_release_or_none(
    root, monkeypatch, earlier
):
    """Readers see, crash point after crash point: the earlier release (while the new
    files are written beside it), then none (from its withdrawal until the new marker),
    then the new release; never a mix. Publishing again always completes."""
    seen = []
    for writes in range(1, 60):
        layout = RunLayout(root, "ds", f"run-{writes}")
        if earlier:
            stage(layout, "A")
            publish(layout, {})
        stage(layout, "B")
        with monkeypatch.context() as patch:
            crash_after(patch, writes)
            try:
                publish(layout, {})
            except Crash:
                seen.append(tag_of(layout))
            else:
                break
        recovered = publish(layout, {})
        # Publishing again after the new release stood is one more attempt.
        replaced = earlier or seen[-1] == "B"
        assert tag_of(layout) == "B" and recovered.attempt == (2 if earlier else 1) + (
            seen[-1] == "B"
        )
        assert release_files(layout) == sorted([MARKER, *PUBLISHED, *[WITHDRAWN][:replaced]])
    else:
        pytest.fail("publish never completed")
    order = ["A", None, "B"] if earlier else [None, "B"]
    assert seen == sorted(seen, key=order.index), seen
    assert set(seen) == set(order), seen  # every phase was hit by some crash
    # Four copies, the withdrawal (over a release), four moves, the marker at least.
    assert len(seen) >= (10 if earlier else 9)


def test_a_crash_at_any_write_of_withdraw_leaves_the_release_or_none(root, monkeypatch):
    seen = []
    for writes in range(1, 30):
        layout = RunLayout(root, "ds", f"run-{writes}")
        stage(layout, "A")
        publish(layout, {})
        with monkeypatch.context() as patch:
            crash_after(patch, writes)
            try:
                withdraw(layout, reason="rerun", message="test")
            except Crash:
                seen.append(tag_of(layout))
            else:
                break
        assert withdraw(layout, reason="rerun", message="test") is None
        assert release_files(layout) == [WITHDRAWN]
    assert seen == [None] * len(seen) and len(seen) >= 5  # the record is written first


def test_a_replaced_file_of_the_same_size_is_no_release(root):
    layout = RunLayout(root, "ds", "run")
    stage(layout, "A")
    publish(layout, {})
    storage.write_bytes(f"{layout.synthetic}/synthetic.csv", b"synthetic.csv of Z\n")
    assert current_release(layout) is None


def test_a_missing_file_is_no_release(root):
    layout = RunLayout(root, "ds", "run")
    stage(layout, "A")
    publish(layout, {})
    storage.delete_file(f"{layout.synthetic}/synthetic.parquet")
    assert current_release(layout) is None


def test_a_manifest_without_a_release_record_is_no_release(root):
    """What publish wrote before releases were marked: files, then a manifest that lists
    no sizes or hashes. Nothing proves those files belong together."""
    layout = RunLayout(root, "ds", "run")
    stage(layout, "A")
    for name in PUBLISHED:
        storage.copy_file(f"{layout.staging}/{name}", f"{layout.synthetic}/{name}")
    storage.write_json(f"{layout.synthetic}/{MARKER}", {"status": "published"})
    assert current_release(layout) is None


def test_withdrawn_json_naming_the_attempt_withdraws_it(root):
    layout = RunLayout(root, "ds", "run")
    stage(layout, "A")
    publish(layout, {})
    storage.write_json(f"{layout.synthetic}/{WITHDRAWN}", {"attempt": 1})
    assert current_release(layout) is None
    storage.write_json(f"{layout.synthetic}/{WITHDRAWN}", {"attempt": 0})
    assert tag_of(layout) == "A"


def test_withdraw_keeps_a_record_and_the_next_release_counts_on(root):
    layout = RunLayout(root, "ds", "run")
    stage(layout, "A")
    publish(layout, {})
    withdrawn = withdraw(layout, reason="rerun", message="A re-run started.")
    assert withdrawn is not None and withdrawn.attempt == 1
    assert release_files(layout) == [WITHDRAWN]
    record = last_withdrawal(layout)
    assert (record["attempt"], record["reason"], record["run_id"]) == (1, "rerun", "run")
    stage(layout, "B")
    assert publish(layout, {}).attempt == 2


def test_withdraw_with_nothing_published_writes_nothing(root):
    layout = RunLayout(root, "ds", "run")
    assert withdraw(layout, reason="rerun", message="test") is None
    assert release_files(layout) == []
    if not root.startswith("s3://"):
        assert not Path(layout.synthetic).exists()


# --- the runner and the CLI: re-runs of the same file ----------------------------------------


@pytest.fixture
def fake_steps(monkeypatch):
    """Prepare to evaluate replaced by writers of staged output: each run's files carry
    its number, and `verdicts` says whether each run passes its gate."""
    state = {"runs": 0, "verdicts": []}

    def skip(self) -> tuple[int, str]:
        return 10, "fake"

    def generate(self) -> tuple[int, str]:
        state["runs"] += 1
        self.manifest.record("generate", rows=10)
        for name in ("synthetic.csv", "synthetic.parquet", "report.html"):
            storage.write_bytes(
                f"{self.layout.staging}/{name}", f"{name} of run {state['runs']}\n".encode()
            )
        return 10, ""

    def evaluate(self) -> tuple[int, str]:
        verdict = state["verdicts"].pop(0)
        report = {"verdict": verdict, "gates": gates(verdict == "pass"), "tag": state["runs"]}
        storage.write_json(f"{self.layout.staging}/report.json", report)
        self.manifest.record("evaluate", verdict=verdict)
        return 10, f"verdict {verdict}"

    for step in ("prepare", "verify", "train"):
        monkeypatch.setattr(_Run, f"_{step}", skip)
    monkeypatch.setattr(_Run, "_generate", generate)
    monkeypatch.setattr(_Run, "_evaluate", evaluate)
    return state


@pytest.fixture
def source(tmp_path) -> Path:
    path = tmp_path / "in" / "loans.csv"
    path.parent.mkdir()
    path.write_text("region,amount\n" + "".join(f"r{i % 3},{i}\n" for i in range(30)))
    return path


def published_tag(result) -> int | None:
    layout = RunLayout(str(result.workdir), result.dataset, result.run_id)
    release = current_release(layout)
    return json.loads(Path(release.path("report.json")).read_text())["tag"] if release else None


def test_a_rerun_that_fails_its_gate_withdraws_the_earlier_release(fake_steps, source, tmp_path):
    work = tmp_path / "work"
    fake_steps["verdicts"] = ["pass", "fail", "pass"]
    first = run_local(source, workdir=work)
    assert first.exit_code == 0 and published_tag(first) == 1
    assert first.outputs["synthetic"].endswith(f"synthetic/loans/{first.run_id}")

    second = run_local(source, workdir=work)
    assert (second.run_id, second.exit_code, second.error.code) == (first.run_id, 1, "gate_failed")
    assert published_tag(second) is None
    synthetic = work / "synthetic" / "loans" / first.run_id
    assert sorted(p.name for p in synthetic.iterdir()) == [WITHDRAWN]
    record = json.loads((synthetic / WITHDRAWN).read_text())
    assert (record["attempt"], record["reason"]) == (1, "rerun")
    assert "synthetic" not in second.outputs
    assert second.outputs["report"] == str(
        work / "staging" / "loans" / first.run_id / "report.html"
    )
    assert "No release stands for this run" in second.release and "attempt 1" in second.release
    assert "The earlier release (attempt 1, published" in second.message
    manifest = json.loads(Path(second.outputs["manifest"]).read_text())
    assert manifest["status"] == "failed"
    assert (
        manifest["release"]["attempt"] is None and manifest["release"]["withdrawn"]["attempt"] == 1
    )

    third = run_local(source, workdir=work)
    assert third.exit_code == 0 and published_tag(third) == 3
    assert "Release attempt 2, published" in third.release
    marker = json.loads((synthetic / MARKER).read_text())
    assert marker["release"]["attempt"] == 2 and marker["release"]["replaces"]["attempt"] == 1
    assert json.loads(Path(third.outputs["manifest"]).read_text())["release"]["attempt"] == 2


def test_the_cli_prints_only_this_runs_verdict_and_release(fake_steps, source, tmp_path, capsys):
    work = str(tmp_path / "work")
    fake_steps["verdicts"] = ["pass", "fail"]
    assert main(["run", str(source), "--workdir", work]) == 0
    out = capsys.readouterr().out
    assert "Verdict: PASS" in out and "Synthetic data:" in out and "Release attempt 1" in out

    assert main(["run", str(source), "--workdir", work]) == 1
    captured = capsys.readouterr()
    assert "Verdict: FAIL" in captured.out and "Verdict: PASS" not in captured.out
    assert "Synthetic data:" not in captured.out and "synthetic/loans" not in captured.out
    assert "No release stands for this run" in captured.out
    assert "gate_failed" in captured.err and "was withdrawn" in captured.err


def test_a_rerun_killed_midway_leaves_no_release_claiming_to_be_its_result(
    fake_steps, source, tmp_path, monkeypatch
):
    work = tmp_path / "work"
    fake_steps["verdicts"] = ["pass"]
    first = run_local(source, workdir=work)
    assert published_tag(first) == 1

    def killed(self) -> tuple[int, str]:
        raise KeyboardInterrupt  # Ctrl-C, or the machine going away, during training

    monkeypatch.setattr(_Run, "_train", killed)
    with pytest.raises(KeyboardInterrupt):
        run_local(source, workdir=work)
    assert published_tag(first) is None
    layout = RunLayout(str(work), "loans", first.run_id)
    assert last_withdrawal(layout)["attempt"] == 1


def test_a_publish_that_crashes_halfway_ends_the_run_with_nothing_published(
    fake_steps, source, tmp_path, monkeypatch
):
    work = tmp_path / "work"
    fake_steps["verdicts"] = ["pass", "pass", "pass"]
    first = run_local(source, workdir=work)
    original = storage.move_file
    calls = []

    def disk_full(source_path: str, target: str) -> None:
        calls.append(target)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        original(source_path, target)

    monkeypatch.setattr(storage, "move_file", disk_full)
    second = run_local(source, workdir=work)
    assert (second.exit_code, second.error.code, second.error.step) == (
        1,
        "step_crashed",
        "publish",
    )
    assert published_tag(second) is None
    synthetic = work / "synthetic" / "loans" / first.run_id
    assert sorted(p.name for p in synthetic.iterdir()) == [WITHDRAWN]  # no half release left
    assert "synthetic" not in second.outputs

    monkeypatch.setattr(storage, "move_file", original)
    third = run_local(source, workdir=work)
    assert third.exit_code == 0 and published_tag(third) == 3
    assert current_release(RunLayout(str(work), "loans", first.run_id)).attempt == 2


def test_the_report_command_refuses_to_rewrite_a_release(fake_steps, source, tmp_path, capsys):
    work = tmp_path / "work"
    fake_steps["verdicts"] = ["pass"]
    result = run_local(source, workdir=work)
    release = Path(result.outputs["synthetic"])
    assert main(["report", str(release)]) == 2
    assert "holds a release" in capsys.readouterr().err
    assert published_tag(result) == 1  # still stands, untouched
    # The run's working manifest in staging/ records its release too, but is no marker.
    main(["report", str(Path(result.outputs["manifest"]).parent)])
    assert "holds a release" not in capsys.readouterr().err
