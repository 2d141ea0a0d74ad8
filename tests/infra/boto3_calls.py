"""Which AWS API operations our Python can call: a static walk of the code's syntax trees.

From an entry point (a Lambda handler's module, the Glue script, the training image's
entry point) the walk follows every function, class and module that the code names,
through imports (also those inside functions), and collects the calls made on boto3
clients: `boto3.client("s3").get_object(...)`, a client kept in a variable or returned
by a factory (`_client("sns")`, `_s3()`), a client passed in under a service's name
(`s3`, `sfn`, `sns`), paginators, and boto3's managed copy. Each call becomes
(service, botocore operation), checked against botocore's service model, so a typo or a
method this walk does not know fails loudly instead of being skipped.

It over-approximates: a function that is named is taken as called, whatever branch
names it. What it cannot see (a client reached through another object) it does not
report; the dynamic capture of the handlers' calls (test_iam_coverage) covers those.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import botocore.session
from botocore import xform_name

REPO = Path(__file__).resolve().parents[2]
SOURCES = ("synthpipe", "lambdas", "glue_scripts", "training")
# A client passed into a function under the name of its service (synthpipe.cloud).
CLIENT_NAMES = {"s3": "s3", "sfn": "stepfunctions", "sns": "sns"}
# boto3's managed transfer: what `s3.copy` may call (multipart above 8 MB).
MANAGED = {
    ("s3", "copy"): (
        "HeadObject",
        "CopyObject",
        "CreateMultipartUpload",
        "UploadPartCopy",
        "CompleteMultipartUpload",
        "AbortMultipartUpload",
    )
}
MODULE_BODY = "<module>"


@dataclass(frozen=True)
class Call:
    service: str  # botocore's service name ("s3", "stepfunctions")
    operation: str  # botocore's operation name ("HeadObject")
    where: str  # module:line of the call


@cache
def _operations(service: str) -> dict[str, str]:
    model = botocore.session.get_session().get_service_model(service)
    return {xform_name(name): name for name in model.operation_names}


class _Module:
    def __init__(self, name: str, path: Path) -> None:
        self.name = name
        self.tree = ast.parse(path.read_text(), filename=str(path))
        self.imports: dict[str, str] = {}
        for node in ast.walk(self.tree):  # imports inside functions count too (lazy ones)
            if isinstance(node, ast.Import):
                for alias in node.names:
                    self.imports[alias.asname or alias.name.split(".")[0]] = (
                        alias.name if alias.asname else alias.name.split(".")[0]
                    )
            elif isinstance(node, ast.ImportFrom) and node.module:
                for alias in node.names:
                    self.imports[alias.asname or alias.name] = f"{node.module}.{alias.name}"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


@cache
def _index() -> tuple[dict[str, _Module], dict[str, tuple[_Module, ast.AST, str | None]]]:
    """Modules by name, and every function, method, class and module body by qualified
    name: (module, node, enclosing class)."""
    modules: dict[str, _Module] = {}
    nodes: dict[str, tuple[_Module, ast.AST, str | None]] = {}
    for source in SOURCES:
        for path in sorted((REPO / source).rglob("*.py")):
            module = _Module(_module_name(path), path)
            modules[module.name] = module
            nodes[f"{module.name}.{MODULE_BODY}"] = (module, _module_body(module.tree), None)
            for node in module.tree.body:
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    nodes[f"{module.name}.{node.name}"] = (module, node, None)
                elif isinstance(node, ast.ClassDef):
                    nodes[f"{module.name}.{node.name}"] = (module, node, node.name)
                    for item in node.body:
                        if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                            key = f"{module.name}.{node.name}.{item.name}"
                            nodes[key] = (module, item, node.name)
    return modules, nodes


def _module_body(tree: ast.Module) -> ast.Module:
    """The statements that run on import (definitions' bodies left out)."""
    body = [n for n in tree.body if not isinstance(n, ast.FunctionDef | ast.ClassDef)]
    return ast.Module(body=body, type_ignores=[])


def _resolve(module: _Module, name: str) -> str:
    """A name used in `module` as a qualified name: its import, or its own definition."""
    return module.imports.get(name, f"{module.name}.{name}")


def _references(key: str) -> set[str]:
    """The functions, classes and modules that the node `key` names."""
    modules, nodes = _index()
    module, node, cls = nodes[key]
    found: set[str] = set()
    for child in ast.walk(node):
        target = None
        if isinstance(child, ast.Name):
            target = _resolve(module, child.id)
        elif isinstance(child, ast.Attribute) and isinstance(child.value, ast.Name):
            if child.value.id == "self" and cls:
                target = f"{module.name}.{cls}.{child.attr}"
            else:
                base = _resolve(module, child.value.id)
                target = f"{base}.{child.attr}"
        if target is None:
            continue
        if target in nodes:
            found.add(target)
            if nodes[target][2] and target.count(".") == nodes[target][0].name.count(".") + 1:
                # a class: any of its methods may run
                found |= {k for k in nodes if k.startswith(target + ".")}
        if target in modules:
            found.add(f"{target}.{MODULE_BODY}")
    return found


def reachable(entry: str) -> set[str]:
    """Every node reachable from `entry` ("lambdas.start.<module>", a qualified name)."""
    seen, todo = set(), [entry]
    while todo:
        key = todo.pop()
        if key in seen:
            continue
        seen.add(key)
        todo.extend(_references(key) - seen)
    return seen


def _literal(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


@cache
def _factories() -> dict[str, str | None]:
    """Functions that return a boto3 client: the service they fix, or None when the
    caller names it (`_client(name)`)."""
    _, nodes = _index()
    found: dict[str, str | None] = {}
    for key, (_, node, _) in nodes.items():
        for child in ast.walk(node):
            if isinstance(child, ast.Return) and _is_client_call(child.value):
                found[key] = _literal(child.value.args[0]) if child.value.args else None
    return found


def _is_client_call(node: ast.AST | None) -> bool:
    """`boto3.client(...)`, `session.client(...)`."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "client"
        and bool(node.args)
    )


def _service_of(expr: ast.AST, module: _Module, local: dict[str, str]) -> str | None:
    if _is_client_call(expr):
        return _literal(expr.args[0])
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name):
        factory = _resolve(module, expr.func.id)
        if factory in _factories():
            fixed = _factories()[factory]
            return fixed or (_literal(expr.args[0]) if expr.args else None)
    if isinstance(expr, ast.BoolOp):  # `s3 = s3 or _client("s3")`
        services = {_service_of(v, module, local) for v in expr.values} - {None}
        return services.pop() if len(services) == 1 else None
    if isinstance(expr, ast.Name):
        return local.get(expr.id) or CLIENT_NAMES.get(expr.id)
    return None


def calls_in(key: str) -> tuple[list[Call], list[str]]:
    """The boto3 calls written in one node, and the client methods it could not map."""
    _, nodes = _index()
    module, node, _ = nodes[key]
    local: dict[str, str] = {}
    for child in ast.walk(node):  # variables that hold a client
        if isinstance(child, ast.Assign) and len(child.targets) == 1:
            target = child.targets[0]
            if isinstance(target, ast.Name):
                service = _service_of(child.value, module, local)
                if service:
                    local[target.id] = service
    calls: list[Call] = []
    unknown: list[str] = []
    for child in ast.walk(node):
        if not (isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute)):
            continue
        service = _service_of(child.func.value, module, local)
        if service is None:
            continue
        method, where = child.func.attr, f"{module.name}:{child.lineno}"
        if method == "get_paginator" and child.args and _literal(child.args[0]):
            operations = [_operations(service)[_literal(child.args[0])]]
        elif (service, method) in MANAGED:
            operations = list(MANAGED[(service, method)])
        elif method in _operations(service):
            operations = [_operations(service)[method]]
        else:
            unknown.append(f"{where}: {service}.{method}")
            continue
        calls += [Call(service, operation, where) for operation in operations]
    return calls, unknown


def boto3_calls(entry: str) -> tuple[set[Call], list[str]]:
    """Every boto3 call reachable from `entry`, and the methods that could not be mapped."""
    calls: set[Call] = set()
    unknown: list[str] = []
    for key in sorted(reachable(entry)):
        found, missed = calls_in(key)
        calls |= set(found)
        unknown += missed
    return calls, unknown
