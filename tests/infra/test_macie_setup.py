"""Macie's account-wide setup: enabled when asked, in the stateful stack, never disabled."""

from __future__ import annotations

import json

import pytest

from tests.infra.conftest import synthesize


@pytest.fixture(scope="module")
def with_session(tmp_path_factory):
    """enableMacieSession=true, with cdk-nag (an open finding would make synth raise)."""
    return synthesize(
        tmp_path_factory.mktemp("cdk-macie-session"), checks=True, enableMacieSession="true"
    )


def _session(template: dict) -> tuple[str, dict]:
    (found,) = [
        (name, r)
        for name, r in template["Resources"].items()
        if r["Type"] == "Custom::AWS" and "enableMacie" in json.dumps(r["Properties"])
    ]
    return found


def test_no_stack_holds_a_macie_session_resource(with_session, synthesized):
    """AWS::Macie::Session fails where Macie is already on, and its delete disables it."""
    for synth in (with_session, synthesized):
        for template in synth.templates.values():
            types = {r["Type"] for r in template["Resources"].values()}
            assert "AWS::Macie::Session" not in types


def test_macie_is_enabled_by_the_storage_stack_and_kept_on_destroy(with_session):
    _, resource = _session(with_session.storage)
    assert resource["DeletionPolicy"] == "Retain"
    create = resource["Properties"]["Create"]
    if isinstance(create, dict):  # joined with the account's tokens
        create = "".join(p if isinstance(p, str) else "TOKEN" for p in create["Fn::Join"][1])
    create = json.loads(create)
    assert create["action"] == "enableMacie"
    assert create["parameters"]["status"] == "ENABLED"
    # Already enabled (ConflictException) counts as done.
    assert create["ignoreErrorCodesMatching"] == "ConflictException"
    assert "Delete" not in resource["Properties"]
    pipeline_types = json.dumps(with_session.pipeline)
    assert "enableMacie" not in pipeline_types


def test_no_session_unless_asked(synthesized):
    with pytest.raises(ValueError):
        _session(synthesized.storage)
