"""The key of the keyed hash (HMAC-SHA256) that pseudonymises identifier columns.

Locally it comes from the environment (`SYNTHPIPE_PSEUDONYMISATION_KEY`), on AWS from a
Secrets Manager secret whose id the job receives. It is never written next to the data.
"""

from __future__ import annotations

import os

from synthpipe.errors import StepFailed

ENV_VAR = "SYNTHPIPE_PSEUDONYMISATION_KEY"
MIN_KEY_BYTES = 16


def pseudonymisation_key(secret_id: str | None = None) -> bytes:
    """The key as bytes; a clear error when none is configured or it is too short."""
    if secret_id:
        import boto3  # only the cloud path needs the AWS SDK

        key = boto3.client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"]
        where = f"the secret {secret_id}"
    else:
        key = os.environ.get(ENV_VAR, "")
        where = f"the environment variable {ENV_VAR}"
    if len(key.encode()) < MIN_KEY_BYTES:
        raise StepFailed(
            code="pseudonymisation_key_missing",
            message=f"A column is to be pseudonymised, but {where} holds no key of at least "
            f"{MIN_KEY_BYTES} bytes.",
            fix=f"Set {ENV_VAR} to a long random secret (e.g. `openssl rand -hex 32`), or on "
            "AWS the pseudonymisation secret; or choose `drop` for the column.",
            step="prepare",
        )
    return key.encode()
