"""Deployment settings: typed, validated, read from CDK context (`cdk.json` or `-c key=value`).

Every setting has a default in `cdk.json`; `-c` overrides arrive as strings, so each value
is parsed by its declared kind. All problems are reported at once, each naming the key,
the value given and what is allowed, before any resource is built.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, fields
from typing import Any

from synthpipe import instances
from synthpipe.evaluate.gate import Thresholds
from synthpipe.train.hyperparameters import parse_hyperparameters

GLUE_WORKER_TYPES = ("G.1X", "G.2X", "G.4X", "G.8X")
# Glue Flex runs only on the two smaller worker types.
GLUE_FLEX_WORKER_TYPES = ("G.1X", "G.2X")
# CloudWatch Logs accepts only these retention periods (days -> aws_logs.RetentionDays).
LOG_RETENTION = {
    1: "ONE_DAY",
    3: "THREE_DAYS",
    5: "FIVE_DAYS",
    7: "ONE_WEEK",
    14: "TWO_WEEKS",
    30: "ONE_MONTH",
    60: "TWO_MONTHS",
    90: "THREE_MONTHS",
    120: "FOUR_MONTHS",
    150: "FIVE_MONTHS",
    180: "SIX_MONTHS",
    365: "ONE_YEAR",
    400: "THIRTEEN_MONTHS",
    545: "EIGHTEEN_MONTHS",
    731: "TWO_YEARS",
    1827: "FIVE_YEARS",
    3653: "TEN_YEARS",
}
_INSTANCE_TYPE = re.compile(r"^ml\.[a-z0-9-]+\.[a-z0-9]+$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# A complete secret ARN ends in the 6 random characters Secrets Manager adds: the Glue
# role is granted exactly that ARN, never a name pattern.
_SECRET_ARN = re.compile(
    r"^arn:aws[a-z-]*:secretsmanager:[a-z]{2}(-[a-z]+)+-\d:\d{12}:secret:[A-Za-z0-9/_+=.@-]+"
    r"-[A-Za-z0-9]{6}$"
)
# An IAM role ARN, path allowed; '*' may stand for parts of the path or name (an IAM
# Identity Center role's suffix), never for the account.
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[A-Za-z0-9+=,.@_/*-]+$")
# Object Lock retention: S3 allows up to 100 years; raw/ expires long before.
OBJECT_LOCK_MAX_DAYS = 36500


class SettingsError(ValueError):
    """One or more context values are not allowed; the message lists every problem."""


def _setting(kind: str, default: Any, help: str, **rules: Any) -> Any:
    return field(default=default, metadata={"kind": kind, "help": help, **rules})


@dataclass(frozen=True)
class Settings:
    """What a platform engineer may set. Context keys are the camelCase field names."""

    # Storage
    retain_data: bool = _setting("bool", True, "keep the bucket, key and logs on cdk destroy")
    raw_retention_days: int = _setting("int", 365, "days raw/ objects are kept", low=1)
    cleaned_expiration_days: int = _setting("int", 30, "days cleaned/ objects are kept", low=1)
    models_expiration_days: int = _setting("int", 90, "days models/ objects are kept", low=1)
    staging_expiration_days: int = _setting("int", 14, "days staging/ objects are kept", low=1)
    quarantine_retention_days: int = _setting(
        "int", 90, "days quarantine/ objects (refused inputs, their reasons) are kept", low=1
    )
    noncurrent_version_expiration_days: int = _setting(
        "int", 30, "days an overwritten object version is kept", low=1
    )
    raw_admin_role_arn: str = _setting(
        "role_arn", "", "the only role that may delete under raw/ ('' = the account root)"
    )
    raw_object_lock_days: int = _setting(
        "int",
        0,
        "S3 Object Lock (governance mode) on each raw/ object version, in days (0 = off)",
        low=0,
        high=OBJECT_LOCK_MAX_DAYS,
    )
    log_retention_days: int = _setting(
        "int", 90, "CloudWatch log retention", choices=tuple(LOG_RETENTION)
    )
    # Notifications
    notification_email: str = _setting("email", "", "e-mail subscribed to the topic ('' = none)")
    # Input
    max_input_bytes: int = _setting("int", 5 * 1024**3, "largest raw CSV accepted", low=1)
    # Privacy scan
    enable_macie_session: bool = _setting(
        "bool", False, "enable Macie in the account and region (storage stack; never disabled)"
    )
    skip_macie: bool = _setting("bool", False, "no Macie job (the pipeline's own scan only)")
    macie_poll_seconds: int = _setting("int", 60, "wait between Macie job polls", low=5, high=3600)
    macie_timeout_minutes: int = _setting(
        "int", 120, "give up on a Macie job after", low=5, high=24 * 60
    )
    # Verify (SageMaker Processing on the training image): the pipeline's own full scan
    verify_instance_type: str = _setting("instance", "ml.m5.xlarge", "verify instance")
    verify_volume_gb: int = _setting("int", 30, "verify volume", low=1, high=16384)
    verify_max_runtime_minutes: int = _setting(
        "int", 60, "verify max runtime", low=1, high=7 * 24 * 60
    )
    # Pseudonymisation key (Secrets Manager): '' = the storage stack creates one.
    pseudonymisation_secret_arn: str = _setting(
        "secret_arn", "", "existing secret holding the pseudonymisation key ('' = create one)"
    )
    # Prepare (Glue)
    glue_worker_type: str = _setting("str", "G.1X", "Glue worker type", choices=GLUE_WORKER_TYPES)
    glue_worker_count: int = _setting("int", 2, "Glue workers", low=2, high=299)
    glue_flex: bool = _setting("bool", False, "Glue Flex execution (cheaper, may start later)")
    glue_timeout_minutes: int = _setting("int", 60, "Glue job timeout", low=1, high=2880)
    # Train (SageMaker)
    training_instance_type: str = _setting("instance", "ml.m5.xlarge", "training instance")
    training_volume_gb: int = _setting("int", 30, "training volume", low=1, high=16384)
    training_max_runtime_minutes: int = _setting(
        "int", 180, "training max runtime", low=1, high=28 * 24 * 60
    )
    use_spot_training: bool = _setting("bool", True, "managed spot training with checkpoints")
    spot_max_wait_minutes: int = _setting(
        "int", 360, "spot: max wait, runtime included", low=1, high=28 * 24 * 60
    )
    # Generate + evaluate (SageMaker Processing, same image)
    generate_instance_type: str = _setting("instance", "ml.m5.xlarge", "generate instance")
    generate_volume_gb: int = _setting("int", 30, "generate volume", low=1, high=16384)
    generate_max_runtime_minutes: int = _setting(
        "int", 60, "generate max runtime", low=1, high=7 * 24 * 60
    )
    hyperparameters: dict[str, str] = field(
        default_factory=dict, metadata={"kind": "object", "help": "training hyperparameters"}
    )
    thresholds: dict[str, float] = field(
        default_factory=dict, metadata={"kind": "thresholds", "help": "gate thresholds by metric"}
    )
    rows_to_generate: int = _setting("int", 0, "synthetic rows (0 = as many as input)", low=0)

    @property
    def log_retention(self) -> str:
        """The name of the `aws_logs.RetentionDays` member."""
        return LOG_RETENTION[self.log_retention_days]

    @classmethod
    def from_context(cls, get: Any) -> Settings:
        """Build from a context getter, e.g. `app.node.try_get_context`."""
        values: dict[str, Any] = {}
        problems: list[str] = []
        for spec in fields(cls):
            key = context_key(spec.name)
            raw = get(key)
            if raw is None:
                continue
            try:
                values[spec.name] = _parse(raw, spec.metadata)
            except ValueError as error:
                problems.append(f"{key}={raw!r}: {error}")
        if not problems:
            problems.extend(_cross_checks(values))
        if problems:
            raise SettingsError(
                "Invalid synthpipe settings in CDK context (cdk.json or -c):\n  "
                + "\n  ".join(problems)
            )
        return cls(**values)


def context_key(name: str) -> str:
    """`glue_worker_type` -> `glueWorkerType`."""
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _parse(raw: Any, rules: Any) -> Any:
    kind = rules["kind"]
    if kind == "bool":
        return _parse_bool(raw)
    if kind == "int":
        return _parse_int(raw, rules)
    if kind == "str":
        value = str(raw)
        if "choices" in rules and value not in rules["choices"]:
            raise ValueError(f"expected one of {', '.join(rules['choices'])}")
        return value
    if kind == "instance":
        value = str(raw)
        if not _INSTANCE_TYPE.match(value):
            raise ValueError("expected a SageMaker instance type such as ml.m5.xlarge")
        if why := instances.unsupported_reason(value):
            raise ValueError(f"the training image cannot run on {value}: {why}")
        return value
    if kind == "email":
        value = str(raw).strip()
        if value and not _EMAIL.match(value):
            raise ValueError("expected an e-mail address, or '' for none")
        return value
    if kind == "secret_arn":
        value = str(raw).strip()
        if value and not _SECRET_ARN.match(value):
            raise ValueError(
                "expected the complete ARN of a Secrets Manager secret "
                "(arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters>), "
                "or '' to create one"
            )
        return value
    if kind == "role_arn":
        return _parse_role_arn(raw)
    if kind == "object":
        return _parse_hyperparameters(raw)
    if kind == "thresholds":
        return _parse_thresholds(raw)
    raise AssertionError(f"unknown setting kind {kind}")


def _parse_role_arn(raw: Any) -> str:
    value = str(raw).strip()
    if not value:
        return value
    name = value.split(":role/", 1)[-1]
    if not _ROLE_ARN.match(value) or not name.replace("*", "").strip("/"):
        raise ValueError(
            "expected the ARN of an IAM role (arn:aws:iam::<account>:role/<path/name>; '*' "
            "only inside the path or name), or '' for the account root"
        )
    return value


def _parse_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise ValueError("expected true or false")


def _parse_int(raw: Any, rules: Any) -> int:
    if isinstance(raw, bool):
        raise ValueError("expected a whole number, not a boolean")
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise ValueError("expected a whole number") from None
    low, high = rules.get("low"), rules.get("high")
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = f"at least {low}" if high is None else f"between {low} and {high}"
        raise ValueError(f"expected a whole number {bounds}")
    if "choices" in rules and value not in rules["choices"]:
        raise ValueError(f"expected one of {', '.join(str(c) for c in rules['choices'])}")
    return value


def _as_object(raw: Any) -> dict[str, Any]:
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError:
            raise ValueError("expected a JSON object") from None
    if not isinstance(raw, dict):
        raise ValueError("expected a JSON object")
    return raw


def _parse_hyperparameters(raw: Any) -> dict[str, str]:
    values = {str(k): str(v) for k, v in _as_object(raw).items()}
    # The training step's own rules: a typo fails here, at synth, not an hour into a run.
    from synthpipe.errors import PipelineError

    try:
        parse_hyperparameters(values)
    except PipelineError as error:
        raise ValueError(error.message) from None
    return values


def _parse_thresholds(raw: Any) -> dict[str, float]:
    values: dict[str, float] = {}
    for key, value in _as_object(raw).items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"threshold {key!r} must be a number")
        values[str(key)] = float(value)
    # The gate's own rules (names, ranges, pii_hits fixed at 0): refused at synth, not
    # when the first run reaches its evaluation.
    from synthpipe.errors import PipelineError

    try:
        Thresholds.from_settings(values)
    except PipelineError as error:
        raise ValueError(error.message) from None
    return values


def _cross_checks(values: dict[str, Any]) -> list[str]:
    settings = Settings(**values)
    problems = []
    if settings.glue_flex and settings.glue_worker_type not in GLUE_FLEX_WORKER_TYPES:
        problems.append(
            f"glueFlex=true needs glueWorkerType {' or '.join(GLUE_FLEX_WORKER_TYPES)}, "
            f"not {settings.glue_worker_type}"
        )
    if settings.use_spot_training and (
        settings.spot_max_wait_minutes < settings.training_max_runtime_minutes
    ):
        problems.append(
            f"spotMaxWaitMinutes={settings.spot_max_wait_minutes} must be at least "
            f"trainingMaxRuntimeMinutes={settings.training_max_runtime_minutes} "
            "(SageMaker counts the runtime inside the wait)"
        )
    if settings.macie_timeout_minutes * 60 < settings.macie_poll_seconds:
        problems.append("macieTimeoutMinutes must be longer than one maciePollSeconds")
    if settings.quarantine_retention_days > settings.raw_retention_days:
        problems.append(
            f"quarantineRetentionDays={settings.quarantine_retention_days} must not exceed "
            f"rawRetentionDays={settings.raw_retention_days} (a quarantined copy of a raw "
            "file would outlive the file itself)"
        )
    if settings.raw_object_lock_days > settings.raw_retention_days:
        problems.append(
            f"rawObjectLockDays={settings.raw_object_lock_days} must not exceed "
            f"rawRetentionDays={settings.raw_retention_days} (a locked version cannot "
            "expire)"
        )
    if settings.raw_object_lock_days and not settings.retain_data:
        problems.append(
            "rawObjectLockDays needs retainData=true: cdk destroy cannot empty a bucket "
            "that holds locked object versions"
        )
    return problems
