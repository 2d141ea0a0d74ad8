"""Macie's e-mail identifier, made at a run's first Macie scan rather than at deploy.

Macie has no managed identifier for e-mail addresses, so the scan adds a custom one. As a
CloudFormation resource (`AWS::Macie::CustomDataIdentifier`) it failed the deploy in any
account and region where Macie is not enabled; made here, the deploy never depends on
Macie's state, and a run on an account without Macie stops with `macie_not_enabled`,
which says what to do. Its name carries a hash of the pattern, so a changed pattern gets
an identifier of its own (Macie's identifiers cannot be edited).
"""

from __future__ import annotations

import hashlib

from synthpipe.errors import StepFailed

EMAIL_REGEX = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
NAME_PREFIX = "synthpipe-email-address"
NOT_ENABLED = ("AccessDeniedException", "ResourceNotFoundException")


def identifier_name(regex: str = EMAIL_REGEX) -> str:
    return f"{NAME_PREFIX}-{hashlib.sha256(regex.encode()).hexdigest()[:8]}"


def ensure_email_identifier(macie) -> str:
    """The id of the e-mail identifier, created once; `macie_not_enabled` if Macie is off."""
    try:
        status = macie.get_macie_session().get("status")
    except macie.exceptions.ClientError as error:
        if error.response["Error"]["Code"] not in NOT_ENABLED:
            raise
        status = None
    if status != "ENABLED":
        raise StepFailed(
            code="macie_not_enabled",
            message="Amazon Macie is not enabled (or is paused) in this account and region, "
            "so the Macie scan cannot run.",
            fix="Enable Macie (aws macie2 enable-macie, or deploy with -c "
            "enableMacieSession=true), or deploy with -c skipMacie=true; then upload the "
            "file again.",
            details={"status": status or "NOT_ENABLED"},
            step="verify",
        )
    name = identifier_name()
    for page in macie.get_paginator("list_custom_data_identifiers").paginate():
        for item in page.get("items", []):
            if item.get("name") == name:
                return item["id"]
    created = macie.create_custom_data_identifier(
        name=name,
        regex=EMAIL_REGEX,
        description="E-mail addresses (Macie has no managed identifier for them); synthpipe",
        # Two runs creating it at once make one identifier.
        clientToken=name,
    )
    return created["customDataIdentifierId"]
