"""The CDK app of synthpipe: a stateful storage stack and a stateless pipeline stack."""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from stacks.pipeline_stack import PipelineStack
from stacks.settings import Settings
from stacks.storage_stack import StorageStack


@dataclass(frozen=True)
class Stacks:
    settings: Settings
    storage: StorageStack
    pipeline: PipelineStack


def build(app: cdk.App, *, checks: bool = True) -> Stacks:
    """Add synthpipe's stacks to `app`; `checks` attaches cdk-nag's AwsSolutions pack.

    Tests that read templates build without checks: with the plugin attached,
    `Template.from_stack` raises on any open finding (cdk-nag 3.x).
    """
    settings = Settings.from_context(app.node.try_get_context)
    storage = StorageStack(
        app,
        "SynthpipeStorage",
        settings=settings,
        description="synthpipe: key, data bucket and pseudonymisation secret",
    )
    pipeline = PipelineStack(
        app,
        "SynthpipePipeline",
        settings=settings,
        key=storage.key,
        pseudonymisation_secret=storage.pseudonymisation_secret,
        description="synthpipe: the state machine, its steps, trigger and monitoring",
    )
    if checks:
        cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app, verbose=True))
    return Stacks(settings=settings, storage=storage, pipeline=pipeline)
