"""Step 1: what a first deploy needs, checked before anything is deployed (the README's
"First deploy" checklist), and the settings the deploy will use."""

from __future__ import annotations

import json
import shutil
from typing import Any

from synthpipe import instances
from synthpipe.smoke.actions import (
    BOOTSTRAP_STACK,
    PIPELINE,
    REPO,
    SMOKE_CONTEXT,
    STORAGE,
    Actions,
    SmokeError,
    SmokeOptions,
    pages,
)

# --- settings ---------------------------------------------------------------------------


def deploy_context(options: SmokeOptions) -> dict[str, str]:
    """cdk.json's context, then the smoke defaults, then -c: what the deploy will use."""
    path = REPO / "cdk.json"
    if not path.exists():
        raise SmokeError(
            f"No cdk.json in {REPO}.", fix="Run the smoke test from the repository's checkout."
        )
    defaults = json.loads(path.read_text())["context"]
    settled = {k: _text(v) for k, v in defaults.items() if not k.startswith("@")}
    return settled | SMOKE_CONTEXT | options.context


def _text(value: Any) -> str:
    return json.dumps(value) if isinstance(value, dict | list | bool) else str(value)


def _true(value: str | None) -> bool:
    return str(value).lower() == "true"


# --- 1. preflight -----------------------------------------------------------------------


def preflight(actions: Actions, context: dict[str, str]) -> None:
    identity = actions.call(
        "sts", "get_caller_identity", dry={"Account": "<account>", "Arn": "<caller>"}
    )
    actions.out(f"  account {identity['Account']} as {identity['Arn']}, {actions.options.region}")
    if not _stack_exists(actions, BOOTSTRAP_STACK):
        raise SmokeError(
            f"The account is not bootstrapped for the CDK in {actions.options.region}.",
            fix=f"Run `npx cdk bootstrap aws://{identity['Account']}/{actions.options.region}`.",
        )
    existing = [name for name in (STORAGE, PIPELINE) if _stack_exists(actions, name)]
    if existing and not actions.options.keep:
        raise SmokeError(
            f"{', '.join(existing)} already exist here: the smoke test would update them "
            "and then destroy them.",
            fix="Run it in an account or Region without synthpipe, or pass --keep to deploy "
            "over them and leave them in place.",
        )
    if not actions.dry and shutil.which("docker") is None:
        raise SmokeError(
            "Docker is not installed: `cdk deploy` builds the training image with it.",
            fix="Install Docker (and start it), then run the smoke test again.",
        )
    actions.command(["docker", "info", "--format", "{{.ServerVersion}}"], env={})
    _check_macie(actions, context)
    _check_spot_quota(actions, context)
    if instances.has_gpu(context["trainingInstanceType"]):
        actions.out(
            f"  {context['trainingInstanceType']} has a GPU: the deploy also builds the "
            "CUDA image (several GB; the first push takes a while)."
        )


def _stack_exists(actions: Actions, name: str) -> bool:
    from botocore.exceptions import ClientError

    try:
        found = actions.call(
            "cloudformation", "describe_stacks", StackName=name, dry={"Stacks": [{}]}
        )
    except ClientError as error:
        if "does not exist" in str(error):
            return False
        raise
    if actions.dry:  # a dry run assumes the bootstrap stack and nothing else
        return name == BOOTSTRAP_STACK
    return bool(found.get("Stacks"))


def _check_macie(actions: Actions, context: dict[str, str]) -> None:
    from botocore.exceptions import ClientError

    if _true(context.get("skipMacie")):
        actions.out("  Macie: skipped (skipMacie=true)")
        return
    try:
        session = actions.call("macie2", "get_macie_session", dry={"status": "ENABLED"})
        enabled = session.get("status") == "ENABLED"
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") not in (
            "AccessDeniedException",
            "ResourceNotFoundException",
        ):
            raise
        enabled = False  # Macie answers AccessDenied when it is not enabled
    wants_session = _true(context.get("enableMacieSession"))
    # enableMacieSession=true where Macie is already on is fine: the storage stack's
    # EnableMacie takes "already enabled" as done and never disables Macie on destroy.
    if not enabled and not wants_session:
        raise SmokeError(
            "Macie is not enabled in this account and Region (or this caller may not read "
            "its status), and the pipeline's Macie identifier and jobs need it.",
            fix="Enable Macie (console or `aws macie2 enable-macie`), or run with "
            "-c skipMacie=true (the pipeline's own Verify scan still runs).",
        )
    actions.out(f"  Macie: {'enabled' if enabled else 'enabled by the stack (enableMacieSession)'}")


def _check_spot_quota(actions: Actions, context: dict[str, str]) -> None:
    from botocore.exceptions import BotoCoreError, ClientError

    if not _true(context.get("useSpotTraining")):
        return
    instance = context["trainingInstanceType"]
    wanted = f"{instance} for spot training job usage"
    try:
        value = _quota(actions, wanted)
    except (BotoCoreError, ClientError) as error:
        actions.out(f"  spot quota: could not be read ({type(error).__name__}); not checked")
        return
    if value is None:
        actions.out(f"  spot quota: no quota named '{wanted}'; not checked")
    elif value < 1:
        raise SmokeError(
            f"The SageMaker quota '{wanted}' is {value:g} in {actions.options.region}: "
            "the Train step would fail with ResourceLimitExceeded.",
            fix="Request an increase in Service Quotas (SageMaker), or run with "
            "-c useSpotTraining=false (on-demand training).",
        )
    else:
        actions.out(f"  spot quota: {wanted} = {value:g}")


def _quota(actions: Actions, name: str) -> float | None:
    dry = {"Quotas": [{"QuotaName": name, "Value": 1.0}]}
    quotas = pages(
        actions,
        "service-quotas",
        "list_service_quotas",
        "Quotas",
        "NextToken",
        dry,
        ServiceCode="sagemaker",
    )
    for quota in quotas:
        if quota.get("QuotaName") == name:
            return float(quota["Value"])
    return None
