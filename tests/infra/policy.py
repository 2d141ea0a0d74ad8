"""IAM's rules, offline: which Deny statements refuse a request, and whether a role's
policies (with the KMS key's policy, or the bucket's) allow it.

moto does not evaluate policies or their conditions, so the stacks' policies are checked
here against IAM's documented semantics, for the operators the stacks use:
- keys of one operator, and operators of one statement, must all hold (AND); the values
  of one key are alternatives (OR);
- a key missing from the request makes a positive operator (StringEquals, ArnLike, Bool)
  false and a negated one (StringNotEquals, ArnNotLike) true, which is why the stack
  pairs each negated test of a header with `Null: false`; `...IfExists` holds when the
  key is missing;
- `Null: "true"` holds when the key is missing, `"false"` when it is present;
- actions match case-insensitively, resources and values case-sensitively, both with
  `*` and `?`;
- a request is allowed when an Allow matches and no Deny does. A statement with a
  Principal (key and bucket policies) applies to the principals it names; one naming
  the account (`:root`) hands the decision to the principal's identity policies, which
  must allow too (how a KMS key policy delegates to IAM).
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
    if operator.endswith("IfExists"):
        return not present or _holds(operator[: -len("IfExists")], key, expected, context)
    if operator == "Null":
        (flag,) = expected
        return (not present) if str(flag).lower() == "true" else present
    value = context.get(key)
    if operator == "StringEquals":
        return present and value in expected
    if operator == "StringNotEquals":
        return not present or value not in expected
    if operator in ("ArnLike", "ArnEquals", "StringLike"):  # ArnEquals takes wildcards too
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


def _holds_all(statement: dict[str, Any], context: dict[str, Any]) -> bool:
    return all(
        _holds(operator, key, _as_list(expected), context)
        for operator, keys in statement.get("Condition", {}).items()
        for key, expected in keys.items()
    )


def _action_matches(statement: dict[str, Any], action: str) -> bool:
    if "NotAction" in statement:
        return not any(_like(a.lower(), action.lower()) for a in _as_list(statement["NotAction"]))
    return any(_like(a.lower(), action.lower()) for a in _as_list(statement["Action"]))


def _resource_matches(statement: dict[str, Any], resource: str) -> bool:
    if "NotResource" in statement:
        return not any(_like(r, resource) for r in _as_list(statement["NotResource"]))
    return any(_like(r, resource) for r in _as_list(statement.get("Resource", "*")))


def _principals(statement: dict[str, Any]) -> list[str]:
    named = statement["Principal"]
    if named == "*":
        return ["*"]
    return [p for values in named.values() for p in _as_list(values)]


def _account_root(principal: str) -> str:
    account = principal.split(":")[4]
    return f"arn:{principal.split(':')[1]}:iam::{account}:root"


def matching(
    statements: list[dict[str, Any]],
    *,
    effect: str,
    action: str,
    resource: str,
    context: dict[str, Any],
    principal: str | None = None,
    through_account: bool = False,
) -> list[dict[str, Any]]:
    """The statements of `effect` that apply to the request. An identity policy's
    statements (no Principal) apply to its role; a resource policy's to the principals
    it names, or, with `through_account`, to those of the account it names (`:root`)."""
    found = []
    for statement in statements:
        if statement["Effect"] != effect:
            continue
        if not (_action_matches(statement, action) and _resource_matches(statement, resource)):
            continue
        if "Principal" in statement:
            named = _principals(statement)
            direct = "*" in named or principal in named
            delegated = through_account and principal and _account_root(principal) in named
            if not (direct or delegated):
                continue
        if _holds_all(statement, context):
            found.append(statement)
    return found


def allows(
    identity: list[dict[str, Any]],
    *,
    action: str,
    resource: str,
    context: dict[str, Any],
    principal: str,
    resource_policy: list[dict[str, Any]] | None = None,
    resource_policy_required: bool = False,
) -> bool:
    """Whether `principal` (a role's ARN) may do `action` on `resource`.

    `identity`: the role's statements. `resource_policy`: the key's or bucket's. With
    `resource_policy_required` (a KMS key) the resource policy must allow, by naming
    the principal, or by naming the account and the identity policy allowing too;
    otherwise (same-account S3) either policy's Allow is enough. A Deny anywhere wins.
    """
    context = {"aws:PrincipalArn": principal, **context}
    request = {"action": action, "resource": resource, "context": context, "principal": principal}
    resource_policy = resource_policy or []
    if matching(identity, effect="Deny", **request):
        return False
    if matching(resource_policy, effect="Deny", through_account=True, **request):
        return False
    by_identity = bool(matching(identity, effect="Allow", **request))
    direct = matching(resource_policy, effect="Allow", **request)
    through_account = bool(
        matching(resource_policy, effect="Allow", through_account=True, **request)
    )
    if resource_policy_required:
        return bool(direct) or (through_account and by_identity)
    return by_identity or bool(direct)
