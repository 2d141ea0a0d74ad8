"""Helpers over synthesized templates: resolve intrinsics with placeholders, normalise."""

from __future__ import annotations

import json
import re
from typing import Any

ACCOUNT = "123456789012"
REGION = "eu-west-1"
PSEUDO = {
    "AWS::Partition": "aws",
    "AWS::Region": REGION,
    "AWS::AccountId": ACCOUNT,
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": "stack",
}
HASH = re.compile(r"\b[0-9a-f]{64}\b")
KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/00000000-0000-0000-0000-000000000000"
SECRET_ARN = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:PseudonymisationSecret-AbCdEf"


def normalise(template: dict[str, Any]) -> dict[str, Any]:
    """Asset hashes (64 hex characters) in keys and image tags become <hash>."""
    return json.loads(HASH.sub("<hash>", json.dumps(template, sort_keys=True)))


def _placeholder(logical_id: str, attribute: str, resources: dict[str, Any]) -> str:
    kind = resources.get(logical_id, {}).get("Type", "")
    if kind == "AWS::Lambda::Function":
        return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{logical_id}"
    if kind == "AWS::IAM::Role":
        return f"arn:aws:iam::{ACCOUNT}:role/{logical_id}"
    if kind == "AWS::Logs::LogGroup" and attribute == "Arn":
        return f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{logical_id}"
    if kind == "AWS::Macie::CustomDataIdentifier":
        return "11111111-2222-3333-4444-555555555555"
    return f"{logical_id}-{attribute}"


def _reference(logical_id: str, resources: dict[str, Any]) -> str:
    """What Ref returns: an ARN for a state machine and a topic, else the logical id
    (names: a Glue job's, a bucket's)."""
    resource = resources.get(logical_id, {})
    if resource.get("Type") == "AWS::StepFunctions::StateMachine":
        name = resource["Properties"].get("StateMachineName", logical_id)
        return f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{name}"
    if resource.get("Type") == "AWS::SNS::Topic":
        return f"arn:aws:sns:{REGION}:{ACCOUNT}:{logical_id}"
    return logical_id


def resolve(value: Any, resources: dict[str, Any]) -> Any:
    """Resolve Ref, Fn::GetAtt, Fn::Join, Fn::Sub and Fn::GetStackOutput to sample values."""
    if isinstance(value, list):
        return [resolve(v, resources) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((name, arg),) = value.items()
        if name == "Ref":
            return PSEUDO.get(arg) or _reference(arg, resources)
        if name == "Fn::GetAtt":
            return _placeholder(arg[0], arg[1], resources)
        if name == "Fn::Join":
            return arg[0].join(str(resolve(part, resources)) for part in arg[1])
        if name == "Fn::Sub":
            text = arg if isinstance(arg, str) else arg[0]
            return re.sub(r"\$\{([^}]+)\}", lambda m: str(PSEUDO.get(m.group(1), m.group(1))), text)
        if name == "Fn::GetStackOutput":
            if "Secret" in arg["OutputName"]:
                return SECRET_ARN
            return KEY_ARN if "Key" in arg["OutputName"] else arg["OutputName"]
    return {k: resolve(v, resources) for k, v in value.items()}


def state_machine_definition(template: dict[str, Any]) -> dict[str, Any]:
    resources = template["Resources"]
    (machine,) = [r for r in resources.values() if r["Type"] == "AWS::StepFunctions::StateMachine"]
    return json.loads(resolve(machine["Properties"]["DefinitionString"], resources))
