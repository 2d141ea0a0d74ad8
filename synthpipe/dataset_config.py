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
import math
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
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
class PublicDeclarations:
    """Bounds and category sets the data owner declares public in config (no budget):
    `privacy.public`, read here once for the config check and for training
    (synthpipe.train.dp_stats). Column keys are normalised as `columns` keys are; date
    bounds may be ISO-8601 text and are kept as seconds since 1970 (UTC)."""

    bounds: dict[str, tuple[float, float]] = field(default_factory=dict)
    categories: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict | None) -> PublicDeclarations:
        """From config: {"bounds": {col: [low, high]}, "categories": {col: [label, ...]}}.
        ValueError, saying what to write instead, for anything else."""
        if data is None:
            return cls()
        if not isinstance(data, dict):
            raise ValueError(
                "public declarations must be an object with 'bounds' and/or 'categories'"
            )
        unknown = sorted(set(data) - set(PUBLIC_KEYS))
        if unknown:
            raise ValueError(
                f"public declarations: unknown keys {unknown}; allowed: {list(PUBLIC_KEYS)}"
            )
        bounds = _by_column(data.get("bounds"), "bounds")
        categories = _by_column(data.get("categories"), "categories")
        return cls(
            bounds={name: _bound_pair(name, pair) for name, pair in bounds.items()},
            categories={name: _label_set(name, labels) for name, labels in categories.items()},
        )

    def to_dict(self) -> dict[str, Any]:
        """What `from_dict` reads back to an equal object (dates already as seconds)."""
        out: dict[str, Any] = {}
        if self.bounds:
            out["bounds"] = {name: list(pair) for name, pair in self.bounds.items()}
        if self.categories:
            out["categories"] = {name: list(labels) for name, labels in self.categories.items()}
        return out


def _by_column(value: Any, key: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) and k for k in value):
        raise ValueError(f"public '{key}' must be an object keyed by column name")
    named: dict[str, Any] = {}
    for name, setting in value.items():
        key_name = snake_case(name)
        if key_name in named:
            raise ValueError(f"public '{key}' names column {key_name!r} twice (as {name!r} too)")
        named[key_name] = setting
    return named


def _bound_value(name: str, value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            stamp = datetime.fromisoformat(value)
        except ValueError as error:
            raise ValueError(
                f"public bounds of column {name!r}: text bounds must be ISO-8601 dates"
            ) from error
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=UTC)
        number = stamp.timestamp()
    else:
        raise ValueError(f"public bounds of column {name!r}: a bound must be a number or a date")
    if not math.isfinite(number):
        raise ValueError(f"public bounds of column {name!r} must be finite")
    return number


def _bound_pair(name: str, pair: Any) -> tuple[float, float]:
    if not isinstance(pair, list | tuple) or len(pair) != 2:
        raise ValueError(f"public bounds of column {name!r} must be a pair [low, high]")
    low, high = (_bound_value(name, value) for value in pair)
    if not low < high:
        raise ValueError(
            f"public bounds of column {name!r}: low must be below high ([low, high], low < high)"
        )
    return low, high


def _label_set(name: str, labels: Any) -> tuple[str, ...]:
    if not isinstance(labels, list | tuple) or not labels:
        raise ValueError(f"public categories of column {name!r} must be a non-empty list")
    if not all(isinstance(label, str | int) and not isinstance(label, bool) for label in labels):
        raise ValueError(f"public categories of column {name!r} must be text or whole numbers")
    text = tuple(str(label) for label in labels)
    if len(set(text)) != len(text):
        raise ValueError(f"public categories of column {name!r} repeat a label")
    return text


@dataclass(frozen=True)
class PrivacyConfig:
    """Differential privacy for training (synthpipe.train.dp): epsilon, delta ("auto" or a
    number in (0, 1)), and public facts (numeric bounds, category sets) that cost no
    privacy because they are not learned from the data."""

    epsilon: float
    delta: str = "auto"
    public: PublicDeclarations = field(default_factory=PublicDeclarations)

    def hyperparameters(self) -> dict[str, str]:
        """What the training job receives (all values strings, as SageMaker passes them)."""
        return {
            "dp_epsilon": repr(float(self.epsilon)),
            "dp_delta": self.delta,
            "dp_public": public_json(self.public),
        }


def public_json(public: PublicDeclarations) -> str:
    data = public.to_dict()
    return json.dumps(data, sort_keys=True, separators=(",", ":")) if data else ""


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
    if protection.holders:
        protection = replace(protection, holders=snake_case(protection.holders))
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
    try:
        public = PublicDeclarations.from_dict(data.get("public"))
    except ValueError as error:
        raise _bad(source, f"'privacy': {error}") from error
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
