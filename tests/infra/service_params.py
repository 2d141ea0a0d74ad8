"""Parameters of AWS calls checked against botocore's service models, every constraint.

botocore's own ParamValidator checks types, required members and minimum lengths and
values only (FIELD_NOTES: `range_check` never reads `max`). This walker checks what the
service enforces when the call is made: required and unknown members, types, minimum and
maximum lengths of strings, lists and maps, ranges of numbers, enums and patterns. It
counts the values it checked, so a test can say how much each execution exercised.

Step Functions writes every parameter name in PascalCase, also where the service's own
API (and botocore's model, e.g. macie2) uses camelCase: `to_botocore` maps names first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import botocore.session

# Step Functions caps the data a state passes (its input, a task's payload) at 256 KiB.
STATE_DATA_MAX = 256 * 1024


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    values: int = 0  # scalar values checked
    patterns: int = 0  # values checked against a pattern
    unchecked_patterns: set[str] = field(default_factory=set)  # not expressible in Python

    def merge(self, other: Report) -> None:
        self.problems += other.problems
        self.values += other.values
        self.patterns += other.patterns
        self.unchecked_patterns |= other.unchecked_patterns


@cache
def operation_model(service: str, operation: str):
    return botocore.session.get_session().get_service_model(service).operation_model(operation)


_PAIR = re.compile(r"\\u(D[89AB][0-9A-F]{2})\\u(D[C-F][0-9A-F]{2})", re.IGNORECASE)


def _code_point(match: re.Match) -> str:
    high, low = int(match.group(1), 16), int(match.group(2), 16)
    return f"\\U{0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00):08X}"


@cache
def _pattern(pattern: str) -> re.Pattern | None:
    """The model's pattern (Java syntax) as a Python regex; None if Python has no
    equivalent (then the value is reported as unchecked, never passed silently)."""
    translated = pattern.replace(r"\p{XDigit}", "[0-9A-Fa-f]").replace(r"\p{Alnum}", "[A-Za-z0-9]")
    # Java writes characters beyond U+FFFF as UTF-16 surrogate pairs (\uD800\uDC00).
    translated = _PAIR.sub(_code_point, translated)
    try:
        return re.compile(translated, re.DOTALL)
    except re.error:
        return None


def to_botocore(value: Any, shape: Any) -> Any:
    """PascalCase names (Step Functions) -> the model's names (camelCase for some)."""
    if shape.type_name == "structure" and isinstance(value, dict):
        members = {name[0].upper() + name[1:]: name for name in shape.members}
        converted = {}
        for key, item in value.items():
            name = members.get(key, key)  # an unknown name stays, for the check to report
            member = shape.members.get(name)
            converted[name] = to_botocore(item, member) if member is not None else item
        return converted
    if shape.type_name == "list" and isinstance(value, list):
        return [to_botocore(item, shape.member) for item in value]
    if shape.type_name == "map" and isinstance(value, dict):
        return {key: to_botocore(item, shape.value) for key, item in value.items()}
    return value


def _size(report: Report, where: str, size: int, shape: Any, unit: str) -> None:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and size < low:
        report.problems.append(f"{where}: {size} {unit}, at least {low}")
    if high is not None and size > high:
        report.problems.append(f"{where}: {size} {unit}, at most {high}")


def check(value: Any, shape: Any, where: str) -> Report:
    """Every constraint of `shape` on `value` (already in the model's names)."""
    report = Report()
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            report.problems.append(f"{where}: {type(value).__name__}, not a structure")
            return report
        for name in shape.required_members:
            if name not in value:
                report.problems.append(f"{where}: required member {name} missing")
        for name, item in value.items():
            if name not in shape.members:
                report.problems.append(f"{where}: unknown member {name}")
            else:
                report.merge(check(item, shape.members[name], f"{where}.{name}"))
    elif kind == "list":
        if not isinstance(value, list):
            report.problems.append(f"{where}: {type(value).__name__}, not a list")
            return report
        _size(report, where, len(value), shape, "items")
        for index, item in enumerate(value):
            report.merge(check(item, shape.member, f"{where}[{index}]"))
    elif kind == "map":
        if not isinstance(value, dict):
            report.problems.append(f"{where}: {type(value).__name__}, not a map")
            return report
        _size(report, where, len(value), shape, "entries")
        for key, item in value.items():
            report.merge(check(key, shape.key, f"{where} key {key!r}"))
            report.merge(check(item, shape.value, f"{where}.{key}"))
    elif kind == "string":
        report.values += 1
        if not isinstance(value, str):
            report.problems.append(f"{where}: {type(value).__name__}, not a string")
            return report
        _size(report, where, len(value), shape, "characters")
        if shape.enum and value not in shape.enum:
            report.problems.append(f"{where}: {value!r} is none of {shape.enum}")
        pattern = shape.metadata.get("pattern")
        if pattern is not None:
            compiled = _pattern(pattern)
            if compiled is None:
                report.unchecked_patterns.add(pattern)
            else:
                report.patterns += 1
                if not compiled.fullmatch(value):
                    shown = value if len(value) <= 80 else value[:77] + "..."
                    report.problems.append(f"{where}: {shown!r} does not match {pattern}")
    elif kind in ("integer", "long", "float", "double"):
        report.values += 1
        numeric = int if kind in ("integer", "long") else (int, float)
        if isinstance(value, bool) or not isinstance(value, numeric):
            report.problems.append(f"{where}: {value!r} is not {kind}")
            return report
        low, high = shape.metadata.get("min"), shape.metadata.get("max")
        if (low is not None and value < low) or (high is not None and value > high):
            report.problems.append(f"{where}: {value} outside [{low}, {high}]")
    elif kind == "boolean":
        report.values += 1
        if not isinstance(value, bool):
            report.problems.append(f"{where}: {value!r} is not a boolean")
    elif kind == "blob":
        report.values += 1
        size = len(value.encode() if isinstance(value, str) else value)
        _size(report, where, size, shape, "bytes")
    elif kind == "timestamp":
        report.values += 1
    else:
        raise AssertionError(f"{where}: shape type {kind} is not walked here")
    return report


def check_call(service: str, operation: str, parameters: dict[str, Any], where: str) -> Report:
    """A call as Step Functions makes it (PascalCase names) against the service model."""
    model = operation_model(service, operation)
    return check(to_botocore(parameters, model.input_shape), model.input_shape, where)
