"""Which Deny statement of a bucket policy refuses a request: IAM's rules, offline.

moto does not evaluate bucket-policy conditions, so the data bucket's guards are checked
here against IAM's documented semantics, for the operators the storage stack uses:
- keys of one operator, and operators of one statement, must all hold (AND); the values
  of one key are alternatives (OR);
- a key missing from the request makes a positive operator (StringEquals, ArnLike, Bool)
  false and a negated one (StringNotEquals, ArnNotLike) true, which is why the stack
  pairs each negated test of a header with `Null: false`;
- `Null: "true"` holds when the key is missing, `"false"` when it is present.
Only Deny statements are read: what they refuse, no Allow can grant.
"""

from __future__ import annotations

import fnmatch
from typing import Any


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _like(pattern: str, value: str) -> bool:
    # IAM's '*' and '?' (ARN and String "Like" operators, actions, resources).
    return fnmatch.fnmatchcase(value, pattern)


def _holds(operator: str, key: str, expected: list[Any], context: dict[str, Any]) -> bool:
    present = key in context
    if operator == "Null":
        (flag,) = expected
        return (not present) if str(flag).lower() == "true" else present
    value = context.get(key)
    if operator == "StringEquals":
        return present and value in expected
    if operator == "StringNotEquals":
        return not present or value not in expected
    if operator in ("ArnLike", "StringLike"):
        return present and any(_like(p, value) for p in expected)
    if operator in ("ArnNotLike", "StringNotLike"):
        return not present or not any(_like(p, value) for p in expected)
    if operator == "Bool":
        return present and str(value).lower() in [str(e).lower() for e in expected]
    raise AssertionError(f"operator {operator} is not modelled here")


def denied_by(
    statements: list[dict[str, Any]], *, action: str, resource: str, context: dict[str, Any]
) -> list[str]:
    """The Sids of the Deny statements that refuse `action` on `resource` (resolved ARNs).

    `context` holds the request's condition keys; a header the request does not send is
    simply absent. Principals are taken as `*` (every statement here names all of them).
    """
    refusing = []
    for statement in statements:
        if statement["Effect"] != "Deny":
            continue
        if not any(_like(a, action) for a in _as_list(statement["Action"])):
            continue
        if not any(_like(r, resource) for r in _as_list(statement["Resource"])):
            continue
        conditions = statement.get("Condition", {})
        if all(
            _holds(operator, key, _as_list(expected), context)
            for operator, keys in conditions.items()
            for key, expected in keys.items()
        ):
            refusing.append(statement.get("Sid", "?"))
    return refusing
