"""Static checks of the synthesized app: cdk-nag, cfn-lint, and the pinned CDK CLI."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.infra.conftest import REPO

CDK = REPO / "node_modules" / ".bin" / "cdk"
# cfn-lint's only remark on CDK output: CDK's own DependsOn next to a GetAtt (FIELD_NOTES).
CFN_LINT_IGNORED = "W3005"


def open_findings(report: dict) -> list[str]:
    return [
        f"{violation['ruleName']} @ {construct['constructPath']}"
        for plugin in report.get("pluginReports", [])
        for violation in plugin.get("violations", [])
        for construct in violation.get("violatingConstructs", [])
    ]


@pytest.fixture(scope="module")
def cli_synth(tmp_path_factory) -> Path:
    """`cdk synth` through the pinned CLI, cdk-nag attached (as app.py always does)."""
    outdir = tmp_path_factory.mktemp("cdk-cli")
    env = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    result = subprocess.run(
        [str(CDK), "synth", "--quiet", "--output", str(outdir), "--no-notices"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = outdir / "validation-report.json"
    findings = open_findings(json.loads(report.read_text())) if report.exists() else []
    assert result.returncode == 0, "\n".join([result.stderr[-3000:], *findings])
    return outdir


def test_cli_synth_of_the_default_app_is_cdk_nag_clean(cli_synth):
    templates = sorted(p.name for p in cli_synth.glob("*.template.json"))
    assert templates == ["SynthpipePipeline.template.json", "SynthpipeStorage.template.json"]
    report = cli_synth / "validation-report.json"
    assert not report.exists() or open_findings(json.loads(report.read_text())) == []


def test_variant_app_is_cdk_nag_clean(variant):
    # The fixture synthesized with the AwsSolutions pack attached: open findings raise.
    assert open_findings(variant.report()) == []


def test_every_acknowledgment_has_a_written_reason(cli_synth):
    acknowledged: dict[str, str] = {}
    for path in cli_synth.glob("*.metadata.json"):
        for entries in json.loads(path.read_text()).values():
            for entry in entries:
                if entry["type"] == "aws:cdk:acknowledged-rules":
                    acknowledged.update(entry["data"])
    assert len(acknowledged) >= 10
    short = {rule: reason for rule, reason in acknowledged.items() if len(reason) < 30}
    assert not short


@pytest.mark.parametrize("which", ["synthesized", "variant", "locked"])
def test_templates_are_cfn_lint_clean(which, request):
    outdir = request.getfixturevalue(which).outdir
    templates = sorted(str(p) for p in outdir.glob("*.template.json"))
    result = subprocess.run(
        [
            str(REPO / ".venv" / "bin" / "cfn-lint"),
            "--ignore-checks",
            CFN_LINT_IGNORED,
            "--",
            *templates,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
