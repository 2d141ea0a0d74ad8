"""`config/<dataset>.json`: per-dataset overrides a data owner writes next to `raw/`.

Example:
    {
      "target_column": "fraud",
      "columns": {
        "zipcodeOri": {"type": "categorical"},
        "opened": {"type": "date", "format": "dd/MM/yyyy"},
        "customer": {"role": "identifier"},
        "email": {"pii_action": "keep"}
      },
      "drop_columns": ["notes"],
      "thresholds": {"quality": 0.85},
      "rows_to_generate": 50000,
      "hyperparameters": {"epochs": "300"},
      "value_protection": {"min_category_count": 20, "clip_quantiles": [0.005, 0.995]},
      "privacy": {"epsilon": 3, "delta": "auto",
                  "public": {"bounds": {"amount": [0, 10000]},
                             "categories": {"gender": ["F", "M", "U"]}}}
    }

Column keys may be written as in the CSV header or normalised; both are matched.
Unknown keys are refused, so that a typo does not silently do nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from typing import Any

from synthpipe.errors import InputRefused
from synthpipe.names import snake_case
from synthpipe.protection import ValueProtection
from synthpipe.schema import ROLES, TYPES

PII_ACTIONS = ("drop", "pseudonymise", "generalise", "mask", "keep")
# SageMaker's cap on a processing job's environment value (SYNTHPIPE_TARGET_COLUMN).
TARGET_COLUMN_MAX = 256
# SageMaker's cap on a training job's hyperparameter value (privacy.public travels as one).
HYPERPARAMETER_MAX = 2500
PRIVACY_KEYS = ("epsilon", "delta", "public")
PUBLIC_KEYS = ("bounds", "categories")


@dataclass(frozen=True)
class PrivacyConfig:
    """Differential privacy for training (synthpipe.train.dp): epsilon, delta ("auto" or a
    number in (0, 1)), and public facts (numeric bounds, category sets) that cost no
    privacy because they are not learned from the data."""

    epsilon: float
    delta: str = "auto"
    public: dict[str, Any] = field(default_factory=dict)

    def hyperparameters(self) -> dict[str, str]:
        """What the training job receives (all values strings, as SageMaker passes them)."""
        return {
            "dp_epsilon": repr(float(self.epsilon)),
            "dp_delta": self.delta,
            "dp_public": public_json(self.public),
        }


def public_json(public: dict[str, Any]) -> str:
    return json.dumps(public, sort_keys=True, separators=(",", ":")) if public else ""


@dataclass(frozen=True)
class ColumnConfig:
    type: str | None = None
    format: str | None = None
    role: str | None = None
    pii_action: str | None = None


@dataclass(frozen=True)
class DatasetConfig:
    target_column: str | None = None
    columns: dict[str, ColumnConfig] = field(default_factory=dict)
    drop_columns: tuple[str, ...] = ()
    thresholds: dict[str, float] = field(default_factory=dict)
    rows_to_generate: int | None = None
    hyperparameters: dict[str, str] = field(default_factory=dict)
    # Rare categories and extreme values (synthpipe.protection): safe defaults, which a
    # config may change within bounds but not switch off.
    value_protection: ValueProtection = field(default_factory=ValueProtection)
    # Differential privacy for training; None trains without it.
    privacy: PrivacyConfig | None = None

    def training_hyperparameters(self) -> dict[str, str]:
        """The config's hyperparameters plus what its other keys carry to training."""
        values = dict(self.hyperparameters)
        if self.target_column:
            values.setdefault("target_column", self.target_column)
        if self.privacy:
            values |= self.privacy.hyperparameters()
        return values

    def column(self, name: str) -> ColumnConfig:
        """Settings of a column by its normalised name (empty when none)."""
        return self.columns.get(name, ColumnConfig())

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: str = "config") -> DatasetConfig:
        return _parse(data, source)

    @classmethod
    def from_json(cls, text: str, *, source: str = "config") -> DatasetConfig:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise _bad(source, f"is not valid JSON ({exc.msg} at line {exc.lineno})") from exc
        return _parse(data, source)


def _bad(source: str, problem: str) -> InputRefused:
    return InputRefused(
        code="bad_dataset_config",
        message=f"{source} {problem}.",
        fix="Correct the dataset config (see the README, 'Dataset config') and run again.",
        details={"config": source},
        step="config",
    )


def _parse(data: Any, source: str) -> DatasetConfig:
    if not isinstance(data, dict):
        raise _bad(source, "must hold a JSON object")
    known = {f.name for f in fields(DatasetConfig)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise _bad(source, f"has unknown keys {unknown}; allowed: {sorted(known)}")
    _check_types(data, source)
    columns = {}
    for name, settings in (data.get("columns") or {}).items():
        key = snake_case(name)
        if key in columns:
            raise _bad(source, f"names column {key!r} twice in 'columns' (as {name!r} too)")
        columns[key] = _parse_column(name, settings, source)
    target = data.get("target_column")
    if target and len(snake_case(target)) > TARGET_COLUMN_MAX:
        raise _bad(
            source,
            f"names a 'target_column' of {len(snake_case(target))} characters once "
            f"normalised; at most {TARGET_COLUMN_MAX} (on AWS the generate job receives it "
            "as an environment value, which SageMaker limits to 256 characters): rename "
            "the column",
        )
    rows = data.get("rows_to_generate")
    if rows is not None and (not isinstance(rows, int) or isinstance(rows, bool) or rows < 1):
        raise _bad(source, f"'rows_to_generate' must be a positive integer, not {rows!r}")
    thresholds = data.get("thresholds") or {}
    for key, value in thresholds.items():
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise _bad(source, f"threshold {key!r} must be a number, not {value!r}")
    try:
        protection = ValueProtection.from_dict(data.get("value_protection"))
    except (TypeError, ValueError) as error:
        raise _bad(source, f"'value_protection': {error}") from error
    return DatasetConfig(
        target_column=snake_case(target) if target else None,
        columns=columns,
        drop_columns=tuple(snake_case(c) for c in data.get("drop_columns") or ()),
        thresholds={k: float(v) for k, v in thresholds.items()},
        rows_to_generate=rows,
        hyperparameters={k: str(v) for k, v in (data.get("hyperparameters") or {}).items()},
        value_protection=protection,
        privacy=_parse_privacy(data.get("privacy"), source),
    )


def _parse_privacy(data: Any, source: str) -> PrivacyConfig | None:
    if data is None:
        return None
    unknown = sorted(set(data) - set(PRIVACY_KEYS))
    if unknown:
        raise _bad(source, f"'privacy' has unknown keys {unknown}; allowed: {list(PRIVACY_KEYS)}")
    epsilon = data.get("epsilon")
    if not isinstance(epsilon, int | float) or isinstance(epsilon, bool) or not 0 < epsilon <= 1000:
        raise _bad(
            source, f"'privacy.epsilon' must be a number above 0 (at most 1000), not {epsilon!r}"
        )
    delta = data.get("delta", "auto")
    if delta != "auto" and (
        not isinstance(delta, int | float) or isinstance(delta, bool) or not 0 < delta < 1
    ):
        raise _bad(
            source,
            f"'privacy.delta' must be \"auto\" or a number strictly between 0 and 1, not {delta!r}",
        )
    public = data.get("public") or {}
    _check_public(public, source)
    text = public_json(public)
    if len(text) > HYPERPARAMETER_MAX:
        raise _bad(
            source,
            f"declares {len(text)} characters of 'privacy.public' (as compact JSON); at most "
            f"{HYPERPARAMETER_MAX} (the training job receives it as one SageMaker "
            "hyperparameter): declare fewer columns or categories, and let the rest come "
            "from DP statistics",
        )
    return PrivacyConfig(
        epsilon=float(epsilon),
        delta="auto" if delta == "auto" else repr(float(delta)),
        public=public,
    )


def _check_public(public: Any, source: str) -> None:
    where = "'privacy.public'"
    if not isinstance(public, dict):
        raise _bad(source, f'{where} must be an object like {{"bounds": {{...}}}}')
    unknown = sorted(set(public) - set(PUBLIC_KEYS))
    if unknown:
        raise _bad(source, f"{where} has unknown keys {unknown}; allowed: {list(PUBLIC_KEYS)}")
    bounds = public.get("bounds") or {}
    categories = public.get("categories") or {}
    if not isinstance(bounds, dict) or not isinstance(categories, dict):
        raise _bad(source, f"{where}: 'bounds' and 'categories' must map column -> value")
    for column, pair in bounds.items():
        if (
            not isinstance(pair, list)
            or len(pair) != 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in pair)
            or not pair[0] < pair[1]
        ):
            raise _bad(
                source, f"{where}: bounds of column {column!r} must be [low, high], low < high"
            )
    for column, labels in categories.items():
        if not isinstance(labels, list) or not labels:
            raise _bad(source, f"{where}: categories of column {column!r} must be a non-empty list")
        if not all(isinstance(v, str | int | float | bool) for v in labels):
            raise _bad(source, f"{where}: categories of column {column!r} must be plain values")


_SHAPES = {
    "target_column": (str, "a column name"),
    "columns": (dict, "an object of column name -> settings"),
    "drop_columns": (list, "a list of column names"),
    "thresholds": (dict, "an object of gate name -> number"),
    "hyperparameters": (dict, "an object of name -> value"),
    "value_protection": (dict, 'an object like {"min_category_count": 10}'),
    "privacy": (dict, 'an object like {"epsilon": 3, "delta": "auto"}'),
}


def _check_types(data: dict[str, Any], source: str) -> None:
    for key, (kind, described) in _SHAPES.items():
        value = data.get(key)
        if value is not None and not isinstance(value, kind):
            raise _bad(source, f"{key!r} must be {described}, not {type(value).__name__}")
    for name in data.get("drop_columns") or ():
        if not isinstance(name, str):
            raise _bad(source, f"'drop_columns' must hold column names, not {name!r}")


def _parse_column(name: str, settings: Any, source: str) -> ColumnConfig:
    if not isinstance(settings, dict):
        raise _bad(source, f'column {name!r} must map to an object like {{"type": ...}}')
    known = {f.name for f in fields(ColumnConfig)}
    unknown = sorted(set(settings) - known)
    if unknown:
        raise _bad(source, f"column {name!r} has unknown keys {unknown}; allowed: {sorted(known)}")
    for key, value in settings.items():
        if value is not None and not isinstance(value, str):
            raise _bad(source, f"column {name!r}: {key} must be a string, not {value!r}")
    allowed = {"type": TYPES, "role": ROLES, "pii_action": PII_ACTIONS}
    for key, choices in allowed.items():
        value = settings.get(key)
        if value is not None and value not in choices:
            raise _bad(source, f"column {name!r}: {key} {value!r} is not one of {list(choices)}")
    return ColumnConfig(**settings)
