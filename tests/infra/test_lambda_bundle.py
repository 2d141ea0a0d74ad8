"""The Lambda bundle is self-contained: the handlers import and run with nothing else.

Lambda's Python runtime has boto3 and the standard library only; the bundle vendors the
pure-Python modules of synthpipe.pii's detectors (no pyarrow, pandas or numpy). The check runs the
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
# The detectors the start function's header scan runs, with what they load at run time.
from synthpipe.pii import mask_text
from synthpipe.redact import redact
from faker.providers.person.de_DE import Provider
from synthpipe.pii.person_names import person_name_kind
from email_validator import validate_email
from stdnum import luhn
import phonenumbers
masked = mask_text("write to jane.doe@example.org")
redacted = redact("bad value 'Jane Doe' at 4111111111111111")
checks = [
    validate_email("jane@example.org", check_deliverability=False).normalized,
    luhn.is_valid("4111111111111111"),
    phonenumbers.is_valid_number(phonenumbers.parse("+44 20 7946 0958")),
    len(Provider.first_names) > 100,
    person_name_kind("Trammell") == "last",  # a surname of the census lists only
]
heavy = sorted(m for m in ("boto3", "pyarrow", "pandas", "numpy") if m in sys.modules)
print(json.dumps({"rows": report.data_rows, "name": name, "masked": masked,
                  "redacted": redacted, "checks": checks, "heavy": heavy}))
"""
# Lambda's limit for a function's code, unzipped.
LAMBDA_UNZIPPED_MAX = 250 * 1024**2


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


def test_bundle_holds_the_handlers_the_package_and_the_detectors_modules(bundle):
    names = sorted(p.name for p in bundle.iterdir())
    assert names == [
        "anyascii",
        "charset_normalizer",
        "dns",
        "email_validator",
        "faker",
        "gate.py",
        "idna",
        "macie_results.py",
        "macie_setup.py",
        "names",
        "notify.py",
        "phonenumbers",
        "publish.py",
        "quarantine.py",
        "start.py",
        "stdnum",
        "synthpipe",
    ]
    assert not list(bundle.rglob("__pycache__"))
    # Compiled for the synthesizing Python, not the runtime's: its pure-Python modules serve.
    assert not list(bundle.rglob("*.so"))


def test_bundle_fits_lambdas_unzipped_limit(bundle):
    size = sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file())
    print(f"Lambda bundle: {size / 1024**2:.1f} MiB unzipped")
    assert size < LAMBDA_UNZIPPED_MAX / 2  # room for the detectors to grow


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
        "masked": "write to <EMAIL_ADDRESS>",
        "redacted": "bad value '<quoted>' at <CREDIT_CARD_NUMBER>",
        "checks": ["jane@example.org", True, True, True, True],
        "heavy": [],
    }
