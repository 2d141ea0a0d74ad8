"""Prepare reads exactly the object version that was validated, whatever it is called.

Spark reads a path as a Hadoop glob and a URI; S3 keys and local names may hold `*?[]{}`,
`:`, `..` and `//`. Prepare reads its own copy of the validated bytes instead
(`synthpipe.pinning`), locally and in the Glue job, and stops with
`input_changed` when what it read is not what validation accepted.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from synthpipe.errors import StepFailed
from synthpipe.layout import RunLayout
from synthpipe.progress import Reporter
from synthpipe.runner import run_local

# The fault catalogue (issue 11): glob-named files and overwrites mid-run.
pytestmark = pytest.mark.fault_catalogue

TARGET = "a,b\n1,x\n2,y\n3,z\n"  # 3 rows: what validation accepts and Prepare must read
DECOY = "p,q,r\n1,2,3\n4,5,6\n7,8,9\n10,11,12\n"  # what a glob would add: other columns
DECOYS = ("a.csv", "b.csv", "ab.csv", "x1.csv", "x2.csv", "other.csv")
# One per glob character, then ':' and '..' (a name cannot hold '/': see the '//' tests).
NAMES = {
    "star": "*.csv",
    "question-mark": "?.csv",
    "open-bracket": "[.csv",
    "close-bracket": "].csv",
    "open-brace": "{.csv",
    "close-brace": "}.csv",
    "brace-alternatives": "x{1,2}.csv",
    "colon": "a:b.csv",
    "two-dots": "a..b.csv",
    "leading-dots": "..csv",
}
BUCKET = "synthpipe-pinning-test"
REGION = "eu-west-1"


def sha256(data: str | bytes) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


def raw_folder_with_decoys(work: Path, dataset: str, name: str) -> dict[str, bytes]:
    """Files that a glob or a normalised path would read instead of (or with) `name`."""
    raw = work / "raw" / dataset
    raw.mkdir(parents=True)
    for decoy in DECOYS:
        if decoy != name:
            (raw / decoy).write_text(DECOY)
    return {p.name: p.read_bytes() for p in raw.iterdir()}


def assert_read_only_the_target(result, work: Path, before: dict[str, bytes], name: str):
    assert (result.status, result.exit_code) == ("stopped", 0), result.message
    cleaned = Path(result.outputs["cleaned"])
    schema = json.loads((cleaned / "schema.json").read_text())
    assert schema["input_rows"] == 3
    assert [c["original_name"] for c in schema["columns"]] == ["a", "b"]
    assert pq.read_table(cleaned / "data").num_rows == 3
    raw = work / "raw" / result.dataset
    assert {p.name: p.read_bytes() for p in raw.iterdir()} == before | {name: TARGET.encode()}
    layout = RunLayout(str(work), result.dataset, result.run_id)
    assert not Path(layout.prepare_input).parent.exists()  # Prepare's copy and its folder


# --- locally, for real (Spark) ---------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES.values(), ids=NAMES.keys())
def test_prepare_reads_only_the_validated_file_whatever_its_name(spark, tmp_path, name):
    work = tmp_path / "work"
    before = raw_folder_with_decoys(work, "g", name)
    source = tmp_path / "in" / name
    source.parent.mkdir()
    source.write_text(TARGET)

    result = run_local(source, dataset="g", workdir=work, until="prepare")

    assert_read_only_the_target(result, work, before, name)


@pytest.mark.slow
def test_a_path_given_with_double_slashes_reads_that_file(spark, tmp_path):
    work = tmp_path / "work"
    before = raw_folder_with_decoys(work, "g", "t.csv")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "t.csv").write_text(TARGET)

    result = run_local(f"{tmp_path}/in//t.csv", dataset="g", workdir=work, until="prepare")

    assert_read_only_the_target(result, work, before, "t.csv")


@pytest.mark.slow
def test_a_work_folder_named_like_a_glob_is_read_literally(spark, tmp_path):
    work = tmp_path / "runs[1]{a,b}*?"
    before = raw_folder_with_decoys(work, "g", "t.csv")
    (tmp_path / "t.csv").write_text(TARGET)

    result = run_local(tmp_path / "t.csv", dataset="g", workdir=work, until="prepare")

    assert_read_only_the_target(result, work, before, "t.csv")


class ChangesRawBefore(Reporter):
    """Another process overwriting the raw file when the run reaches `step`."""

    def __init__(self, raw: Path, step: str, content: str) -> None:
        self.raw, self.step, self.content = raw, step, content

    def step_started(self, record) -> None:
        super().step_started(record)
        if record.name == self.step:
            self.raw.write_text(self.content)


@pytest.mark.slow
@pytest.mark.parametrize(
    "content",
    [
        pytest.param(TARGET + "4,w\n", id="more-rows"),
        pytest.param(TARGET.replace("x", "X"), id="same-rows-other-bytes"),
        pytest.param("not,a,table\n1\n", id="now-invalid"),
    ],
)
def test_raw_file_overwritten_between_validate_and_prepare_stops_with_input_changed(
    spark, tmp_path, content
):
    work = tmp_path / "work"
    source = tmp_path / "t.csv"
    source.write_text(TARGET)
    raw = work / "raw" / "g" / "t.csv"

    result = run_local(
        source,
        dataset="g",
        workdir=work,
        until="prepare",
        reporter=ChangesRawBefore(raw, "prepare", content),
    )

    assert (result.status, result.exit_code) == ("failed", 1)
    assert result.error is not None and result.error.code == "input_changed"
    quarantine = work / "quarantine" / "g" / result.run_id
    reason = json.loads((quarantine / "reason.json").read_text())
    assert (reason["step"], reason["code"]) == ("prepare", "input_changed")
    assert reason["fix"] and "changed" in reason["message"]
    assert not (work / "cleaned" / "g" / result.run_id / "data").exists()
    assert raw.read_text() == content  # what the other process wrote; the run changed nothing
    manifest = json.loads(Path(result.outputs["manifest"]).read_text())
    assert manifest["source"]["sha256"] == sha256(TARGET)


def test_raw_file_overwritten_between_ingest_and_validate_stops_with_input_changed(tmp_path):
    work = tmp_path / "work"
    source = tmp_path / "t.csv"
    source.write_text(TARGET)
    raw = work / "raw" / "g" / "t.csv"
    reporter = ChangesRawBefore(raw, "validate", TARGET + "4,w\n")

    result = run_local(source, dataset="g", workdir=work, until="validate", reporter=reporter)

    assert result.error is not None
    assert (result.error.code, result.error.step) == ("input_changed", "validate")
    assert result.exit_code == 1


@pytest.mark.slow
def test_spark_counting_other_rows_than_validation_writes_nothing(spark, tmp_path):
    from synthpipe.prepare import CsvDialect, prepare
    from synthpipe.validate import validate_file

    source = tmp_path / "t.csv"
    source.write_text(TARGET)
    report = validate_file(source)
    layout = RunLayout(str(tmp_path), "g", "r1")
    with pytest.raises(StepFailed) as info:
        prepare(
            spark,
            source=str(source),
            dialect=CsvDialect.from_report(report),
            layout=layout,
            expected_rows=report.data_rows + 1,
        )
    assert info.value.code == "input_changed"
    assert info.value.details == {"changed": "rows", "validated_rows": 4, "read_rows": 3}
    assert not Path(layout.cleaned).exists()


# --- on S3 (moto): the Glue job's copy of one object version -----------------------------------


@pytest.fixture
def s3(monkeypatch):
    import boto3
    from moto import mock_aws

    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    with mock_aws():
        client = boto3.client("s3", region_name=REGION)
        client.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        client.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        yield client


def put(s3, key: str, body: str) -> str:
    return s3.put_object(Bucket=BUCKET, Key=key, Body=body.encode())["VersionId"]


def versions(s3) -> list[tuple[str, str]]:
    listed = s3.list_object_versions(Bucket=BUCKET, Prefix="raw/").get("Versions", [])
    return sorted((v["Key"], v["VersionId"]) for v in listed)


# The keys of NAMES under raw/g/, and the ones a local name cannot be: '//' and '..' as
# path segments, which a URI normalises to another object's key.
KEYS = {k: f"raw/g/{n}" for k, n in NAMES.items()}
KEYS |= {"double-slash": "raw/g//a.csv", "dot-dot-segment": "raw/g/x/../a.csv"}


@pytest.mark.parametrize("key", KEYS.values(), ids=KEYS.keys())
def test_s3_copy_is_exactly_the_validated_version_of_that_key(s3, key):
    from synthpipe.pinning import pin_input

    for decoy in DECOYS:
        put(s3, f"raw/g/{decoy}", DECOY)
    version = put(s3, key, TARGET)
    put(s3, key, DECOY)  # overwritten after validation: the run is for the first version
    before = versions(s3)
    layout = RunLayout(f"s3://{BUCKET}", "g", "r1")

    pinned, report = pin_input(
        f"s3://{BUCKET}/{key}", layout=layout, version_id=version, expected_sha256=sha256(TARGET)
    )

    assert pinned == f"s3://{BUCKET}/staging/g/r1/input/source.csv"
    body = s3.get_object(Bucket=BUCKET, Key="staging/g/r1/input/source.csv")["Body"].read()
    assert body == TARGET.encode()
    assert (report.data_rows, report.columns) == (3, ["a", "b"])
    assert versions(s3) == before  # raw/ is only read


def test_s3_current_object_other_than_the_validated_one_is_input_changed(s3):
    """Without a version (an unversioned bucket's "null"), an overwrite is caught by hash."""
    from synthpipe import storage
    from synthpipe.pinning import pin_input

    put(s3, "raw/g/t.csv", TARGET)
    put(s3, "raw/g/t.csv", TARGET.replace("x", "X"))
    before = versions(s3)
    layout = RunLayout(f"s3://{BUCKET}", "g", "r1")

    with pytest.raises(StepFailed) as info:
        pin_input(f"s3://{BUCKET}/raw/g/t.csv", layout=layout, expected_sha256=sha256(TARGET))

    assert info.value.code == "input_changed"
    assert not storage.exists(layout.prepare_input)
    assert versions(s3) == before  # both versions kept: nothing lost


@pytest.mark.slow
def test_glue_job_prepares_the_pinned_version_of_a_glob_named_key(spark, s3, tmp_path):
    from synthpipe.prepare.job import run_prepare_job

    for decoy in DECOYS:
        put(s3, f"raw/g/{decoy}", DECOY)
    version = put(s3, "raw/g/*.csv", TARGET)
    put(s3, "raw/g/*.csv", DECOY)

    schema = run_prepare_job(
        spark,
        source=f"s3://{BUCKET}/raw/g/*.csv",
        version_id=version,
        source_sha256=sha256(TARGET),
        root=str(tmp_path),  # Spark here has no S3 connector: the bucket's other prefixes
        dataset="g",
        run_id="r1",
    )

    assert schema.input_rows == 3
    assert [c.original_name for c in schema.columns] == ["a", "b"]
    layout = RunLayout(str(tmp_path), "g", "r1")
    assert pq.read_table(layout.cleaned_data).num_rows == 3
    assert not Path(layout.prepare_input).parent.exists()
