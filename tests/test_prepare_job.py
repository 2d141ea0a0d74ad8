"""Prepare as Glue runs it: the job function, and the Glue script with awsglue stood in."""

from __future__ import annotations

import json
import runpy
import sys
import types
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from synthpipe.layout import RunLayout
from synthpipe.prepare.job import run_prepare_job
from tests.conftest import REPO

pytestmark = pytest.mark.slow


def _bucket_with(tmp_path: Path, banksim_csv: Path, config: dict | None = None) -> Path:
    raw = tmp_path / "raw" / "banksim" / "banksim.csv"
    raw.parent.mkdir(parents=True)
    raw.write_bytes(banksim_csv.read_bytes())
    if config is not None:
        (tmp_path / "config").mkdir()
        (tmp_path / "config" / "banksim.json").write_text(json.dumps(config))
    return raw


def test_job_validates_reads_the_dataset_config_and_prepares(spark, banksim_csv, tmp_path):
    raw = _bucket_with(tmp_path, banksim_csv, {"columns": {"zipcodeOri": {"type": "categorical"}}})
    schema = run_prepare_job(
        spark, source=str(raw), root=str(tmp_path), dataset="banksim", run_id="r1"
    )
    assert schema.column("zipcode_ori").type == "categorical"
    layout = RunLayout(str(tmp_path), "banksim", "r1")
    assert pq.read_table(layout.cleaned_data).num_rows == schema.rows
    assert raw.read_bytes() == banksim_csv.read_bytes()


def _stand_in_for_awsglue(spark, monkeypatch) -> None:
    def get_resolved_options(args, names):  # awsglue.utils.getResolvedOptions, in short
        return {name: args[args.index(f"--{name}") + 1] for name in names}

    glue = types.ModuleType("awsglue")
    context = types.ModuleType("awsglue.context")
    context.GlueContext = lambda sc: types.SimpleNamespace(spark_session=spark)
    utils = types.ModuleType("awsglue.utils")
    utils.getResolvedOptions = get_resolved_options
    monkeypatch.setitem(sys.modules, "awsglue", glue)
    monkeypatch.setitem(sys.modules, "awsglue.context", context)
    monkeypatch.setitem(sys.modules, "awsglue.utils", utils)


# What the state machine passes besides --source (the version and what validation hashed),
# and the job's default arguments: the start function's limits.
GLUE_ARGUMENTS = {
    "version_id": "",
    "source_sha256": "",
    "max_input_bytes": str(5 * 1024**3),
    "max_columns": "1000",
    "max_record_bytes": str(1024 * 1024),
}


def _run_glue_script(monkeypatch, argv: list[str], **given: str) -> None:
    options = GLUE_ARGUMENTS | given
    more = [item for name, value in options.items() for item in (f"--{name}", value)]
    monkeypatch.setattr(sys, "argv", ["prepare.py", *argv, *more])
    runpy.run_path(str(REPO / "glue_scripts" / "prepare.py"), run_name="__main__")


def test_glue_job_pseudonymises_with_the_key_of_the_secret_it_is_given(
    spark, banksim_csv, tmp_path, monkeypatch
):
    """--key_secret_id reaches Prepare: the pseudonyms follow the secret's key."""
    import boto3
    from moto import mock_aws

    from synthpipe.pii.keys import ENV_VAR

    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    _bucket_with(tmp_path, banksim_csv, {"columns": {"customer": {"pii_action": "pseudonymise"}}})
    _stand_in_for_awsglue(spark, monkeypatch)
    raw_ids = {line.split(",")[1].strip("'\"") for line in banksim_csv.read_text().splitlines()[1:]}
    pseudonyms = {}
    with mock_aws():
        secrets = boto3.client("secretsmanager")
        for name, key in (("first", "a" * 64), ("second", "b" * 64)):
            arn = secrets.create_secret(Name=f"synthpipe/{name}", SecretString=key)["ARN"]
            argv = ["--source", str(tmp_path / "raw" / "banksim" / "banksim.csv")]
            argv += ["--root", str(tmp_path), "--dataset", "banksim", "--run_id", name]
            _run_glue_script(monkeypatch, [*argv, "--key_secret_id", arn])
            layout = RunLayout(str(tmp_path), "banksim", name)
            column = pq.read_table(layout.cleaned_data).column("customer").to_pylist()
            pseudonyms[name] = set(column)
    assert pseudonyms["first"] and not pseudonyms["first"] & raw_ids
    assert not pseudonyms["first"] & pseudonyms["second"]  # another key, other pseudonyms
    actions = json.loads(
        Path(RunLayout(str(tmp_path), "banksim", "first").pii_actions_json).read_text()
    )
    assert {a["column"]: a["action"] for a in actions}["customer"] == "pseudonymise"


def test_glue_job_failure_leaves_only_its_code(spark, banksim_csv, tmp_path, monkeypatch):
    from synthpipe.failure_codes import CodedFailure
    from synthpipe.pii.keys import ENV_VAR

    monkeypatch.delenv(ENV_VAR, raising=False)
    _bucket_with(tmp_path, banksim_csv, {"columns": {"customer": {"pii_action": "pseudonymise"}}})
    _stand_in_for_awsglue(spark, monkeypatch)
    argv = ["--source", str(tmp_path / "raw" / "banksim" / "banksim.csv"), "--root"]
    argv += [str(tmp_path), "--dataset", "banksim", "--run_id", "r", "--key_secret_id", ""]
    with pytest.raises(CodedFailure) as raised:
        _run_glue_script(monkeypatch, argv)
    assert str(raised.value) == "synthpipe:pseudonymisation_key_missing"


def test_glue_script_passes_its_arguments_to_the_job(spark, banksim_csv, tmp_path, monkeypatch):
    raw = _bucket_with(tmp_path, banksim_csv)
    argv = ["--source", str(raw), "--root", str(tmp_path)]
    argv += ["--dataset", "banksim", "--run_id", "glue-run", "--key_secret_id", ""]
    _stand_in_for_awsglue(spark, monkeypatch)

    _run_glue_script(monkeypatch, argv)

    assert (tmp_path / "cleaned" / "banksim" / "glue-run" / "schema.json").exists()


@pytest.mark.parametrize(
    ("given", "code"),
    [
        pytest.param({"source_sha256": "0" * 64}, "input_changed", id="other-bytes"),
        pytest.param({"max_columns": "3"}, "too_many_columns", id="start-function-limits"),
    ],
)
def test_glue_script_checks_the_input_against_what_the_start_function_saw(
    spark, banksim_csv, tmp_path, monkeypatch, given, code
):
    from synthpipe.failure_codes import CodedFailure

    raw = _bucket_with(tmp_path, banksim_csv)
    argv = ["--source", str(raw), "--root", str(tmp_path), "--dataset", "banksim"]
    argv += ["--run_id", "r", "--key_secret_id", ""]
    _stand_in_for_awsglue(spark, monkeypatch)

    with pytest.raises(CodedFailure) as raised:
        _run_glue_script(monkeypatch, argv, **given)

    assert str(raised.value) == f"synthpipe:{code}"
    assert not (tmp_path / "cleaned").exists()
    assert not (tmp_path / "staging" / "banksim" / "r" / "input" / "source.csv").exists()
