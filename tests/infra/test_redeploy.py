"""`cdk destroy` then `cdk deploy` again: nothing left behind may block the new stacks.

A resource kept on destroy (DeletionPolicy Retain) under a fixed physical name makes the
next create of its stack fail with AlreadyExists. Only the data bucket may be one (its
name is the pipeline's address for uploads); the README says how to deploy again over it.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.infra.conftest import REPO, STORAGE

# Kept on purpose, under a fixed name: (stack, logical id prefix).
DOCUMENTED = {(STORAGE, "DataBucket")}


def _fixed_names(properties: dict[str, Any]) -> dict[str, Any]:
    """Properties that name the resource: a literal, or one built from literals and
    pseudo parameters (account, region), none of which changes on a new deploy."""

    def fixed(value: Any) -> bool:
        if isinstance(value, str):
            return True
        if isinstance(value, dict) and set(value) == {"Ref"}:
            return value["Ref"].startswith("AWS::") and value["Ref"] != "AWS::StackId"
        if isinstance(value, dict) and set(value) == {"Fn::Join"}:
            return all(fixed(part) for part in value["Fn::Join"][1])
        return False

    return {k: v for k, v in properties.items() if k.endswith("Name") and fixed(v)}


def retained_with_fixed_names(templates: dict[str, dict]) -> set[tuple[str, str]]:
    found = set()
    for stack, template in templates.items():
        for logical, resource in template["Resources"].items():
            if resource.get("DeletionPolicy") != "Retain":
                continue
            if _fixed_names(resource.get("Properties", {})):
                found.add((stack, logical))
    return found


@pytest.mark.parametrize("config", ["synthesized", "variant"])
def test_nothing_kept_on_destroy_under_a_fixed_name_but_the_documented_bucket(config, request):
    templates = request.getfixturevalue(config).templates
    found = retained_with_fixed_names(templates)
    undocumented = {
        (stack, logical)
        for stack, logical in found
        if not any(stack == s and logical.startswith(p) for s, p in DOCUMENTED)
    }
    assert not undocumented


def test_the_glue_security_configuration_goes_with_the_stack(synthesized):
    (security,) = [
        r
        for r in synthesized.pipeline["Resources"].values()
        if r["Type"] == "AWS::Glue::SecurityConfiguration"
    ]
    assert security["DeletionPolicy"] == "Delete"


def test_the_readme_says_how_to_deploy_again_over_the_kept_bucket():
    readme = (REPO / "README.md").read_text()
    section = readme.split("### Tear down", 1)[1].split("\n### ", 1)[0]
    assert "npx cdk destroy SynthpipePipeline" in section
    assert "npx cdk import SynthpipeStorage" in section
