"""The Lambda bundle is self-contained: the handlers import and run with nothing else.

Lambda's Python runtime has boto3 and the standard library only. The check runs the
bundle in an interpreter started with no site-packages (-S -I): the venv's, and a newer
one when the machine has it (Lambda runs python3.14; the package is developed on 3.11).
"""

from __future__ import annotations

import glob
import json
import subprocess
import sys
from pathlib import Path

import pytest

SMOKE = r"""
import io, json, sys
sys.path.insert(0, sys.argv[1])
import gate, notify, publish, quarantine, start  # every handler imports
from synthpipe.events import execution_name, parse_object_created, run_paths
from synthpipe.validate import validate_stream
event = {"source": "aws.s3", "detail-type": "Object Created",
         "detail": {"bucket": {"name": "b"}, "object": {"key": "raw/ds/a.csv", "version-id": "v"}}}
obj = parse_object_created(event)
data = b"a,b\n1,2\n3,4\n"
report = validate_stream(io.BytesIO(data), size=len(data), name="a.csv")
name = execution_name("ds", "20261123T071500Z-1a2b3c4d")
print(json.dumps({"rows": report.data_rows, "name": name, "boto3_loaded": "boto3" in sys.modules}))
"""


def interpreters() -> list[str]:
    newer = sorted(glob.glob("/root/.pyenv/versions/3.1[3-9]*/bin/python3"))
    return [sys.executable, *newer[-1:]]


@pytest.fixture(scope="module")
def bundle(synthesized) -> Path:
    manifest = json.loads((synthesized.outdir / "SynthpipePipeline.assets.json").read_text())
    folders = [
        synthesized.outdir / f["source"]["path"]
        for f in manifest["files"].values()
        if (synthesized.outdir / f["source"]["path"] / "start.py").exists()
    ]
    (folder,) = set(folders)
    return folder


def test_bundle_holds_the_handlers_the_package_and_anyascii(bundle):
    names = sorted(p.name for p in bundle.iterdir())
    assert names == [
        "anyascii",
        "gate.py",
        "notify.py",
        "publish.py",
        "quarantine.py",
        "start.py",
        "synthpipe",
    ]
    assert not list(bundle.rglob("__pycache__"))


@pytest.mark.parametrize("python", interpreters())
def test_handlers_import_and_validate_without_site_packages(bundle, python):
    result = subprocess.run(
        [python, "-S", "-I", "-c", SMOKE, str(bundle)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "rows": 2,
        "name": "ds-20261123T071500Z-1a2b3c4d",
        "boto3_loaded": False,
    }
