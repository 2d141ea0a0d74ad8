"""One synthesized app per configuration, shared by every infrastructure test.

Synth is slow here (jsii, 2 shared cores), so each configuration is synthesized once per
session. Assertion tests read templates of apps built without cdk-nag (with the plugin
attached, any open finding makes synth raise); the nag tests build their own app with it.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

sys.dont_write_bytecode = True  # __pycache__ in an asset folder would change its hash
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from tests.infra.cfn import state_machine_definition  # noqa: E402
from tests.infra.scenarios import BUCKET, REGION  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
STORAGE, PIPELINE = "SynthpipeStorage", "SynthpipePipeline"
# A configuration other than the defaults: every optional branch of the app.
VARIANT = {
    "skipMacie": "true",
    "retainData": "false",
    "glueFlex": "true",
    "useSpotTraining": "false",
    "enableMacieSession": "true",
    "notificationEmail": "data-owner@example.com",
}


def cdk_context(**overrides: Any) -> dict[str, Any]:
    context = json.loads((REPO / "cdk.json").read_text())["context"]
    return {**context, **overrides}


@dataclass
class Synthesized:
    outdir: Path
    templates: dict[str, dict[str, Any]]

    @property
    def storage(self) -> dict[str, Any]:
        return self.templates[STORAGE]

    @property
    def pipeline(self) -> dict[str, Any]:
        return self.templates[PIPELINE]

    def report(self) -> dict[str, Any]:
        path = self.outdir / "validation-report.json"
        return json.loads(path.read_text()) if path.exists() else {"pluginReports": []}


def synthesize(outdir: Path, *, checks: bool, **overrides: Any) -> Synthesized:
    import aws_cdk as cdk

    from stacks import build

    app = cdk.App(outdir=str(outdir), context=cdk_context(**overrides))
    build(app, checks=checks)
    assembly = app.synth()
    templates = {s.stack_name: s.template for s in assembly.stacks}
    return Synthesized(outdir=outdir, templates=templates)


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory) -> Synthesized:
    """The default configuration (cdk.json), without cdk-nag."""
    return synthesize(tmp_path_factory.mktemp("cdk-default"), checks=False)


@pytest.fixture(scope="session")
def variant(tmp_path_factory) -> Synthesized:
    """Macie skipped, data not retained, Glue Flex, no spot, e-mail: with cdk-nag."""
    return synthesize(tmp_path_factory.mktemp("cdk-variant"), checks=True, **VARIANT)


# raw/ guarded by a named admin role and S3 Object Lock (off by default).
LOCKED = {
    "rawAdminRoleArn": "arn:aws:iam::123456789012:role/data-admin",
    "rawObjectLockDays": "30",
}


@pytest.fixture(scope="session")
def locked(tmp_path_factory) -> Synthesized:
    """A named raw/ admin role and Object Lock on raw/: with cdk-nag."""
    return synthesize(tmp_path_factory.mktemp("cdk-locked"), checks=True, **LOCKED)


@pytest.fixture(scope="session")
def definition(synthesized) -> dict[str, Any]:
    return state_machine_definition(synthesized.pipeline)


@pytest.fixture
def aws(monkeypatch):
    """moto: the versioned data bucket and a state machine to start."""
    import boto3
    from moto import mock_aws

    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        sfn = boto3.client("stepfunctions", region_name=REGION)
        machine = sfn.create_state_machine(
            name="synthpipe",
            definition=json.dumps({"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}),
            roleArn="arn:aws:iam::123456789012:role/sfn",
        )["stateMachineArn"]
        yield {"s3": s3, "sfn": sfn, "env": {"STATE_MACHINE_ARN": machine}}
