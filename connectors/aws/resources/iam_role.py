"""IAM roles (trust policies) and the account's whole authorization picture.

Both come from one paginated GetAccountAuthorizationDetails, read once per account (IAM is global).
botocore normally turns IAM's URL-encoded policy documents into dicts; that handler is removed from our
IAM client so that documents keep AWS's exact text (validation findings point into it).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import unquote

from botocore.handlers import json_decode_policies

from connectors.aws.scope import GLOBAL_REGION, Scope, record

RESOURCE_TYPE = "AWS::IAM::Role"
GLOBAL = True
DETAIL_LISTS = ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")
DOCUMENT_KEYS = ("AssumeRolePolicyDocument", "PolicyDocument", "Document")


def _decode_documents(value: Any) -> Any:
    """Every policy document in a response: URL-encoded JSON text → JSON text; dates → ISO 8601 text
    (so that a snapshot read back equals what was collected)."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: unquote(v) if k in DOCUMENT_KEYS and isinstance(v, str) else _decode_documents(v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_decode_documents(v) for v in value]
    return value


def authorization_details(scope: Scope) -> dict:
    """GetAccountAuthorizationDetails merged over its pages, documents as text (memoised per scope).
    Errors propagate to the caller's gap recorder."""
    if "iam" not in scope.memo:
        iam = scope.client("iam")
        iam.meta.events.unregister("after-call.iam", json_decode_policies)
        merged: dict[str, list] = {key: [] for key in DETAIL_LISTS}
        for page in iam.get_paginator("get_account_authorization_details").paginate():
            for key in DETAIL_LISTS:
                merged[key].extend(_decode_documents(page.get(key, [])))
        scope.memo["iam"] = merged
    return scope.memo["iam"]


def collect(scope: Scope) -> list[dict]:
    out: list[dict] = []
    with scope.gaps.attempt(RESOURCE_TYPE, "GetAccountAuthorizationDetails", region=GLOBAL_REGION):
        for role in authorization_details(scope)["RoleDetailList"]:
            out.append(record(scope, role["Arn"], RESOURCE_TYPE, "iamRole",
                              {"trustPolicy": role.get("AssumeRolePolicyDocument")}, region=GLOBAL_REGION))
    return out

