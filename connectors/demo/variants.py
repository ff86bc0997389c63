"""The access patterns the demo seeds, each with the findings a correct scan must report.

Findings are written per zone of trust: with the ORGANIZATION zone, access by other member accounts is
not external; with the ACCOUNT zone it is. A finding is `{"principal", "isPublic", "action"}` (plus
`condition` where the access is narrowed), Access Analyzer's own field names.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

EXTERNAL_ACCOUNT = "999988887777"  # outside the demo organization
COGNITO = "cognito-identity.amazonaws.com"
COGNITO_POOL = "us-east-1:6d0f5bd2-5c1b-4a58-9f5e-9c0d1e2f3a4b"

KINDS = ("public", "cross_account", "in_org_account", "federated", "org_restricted", "service_only",
         "deny_guarded", "safe")


@dataclass(frozen=True)
class Target:
    """Where a policy is attached and what it talks about."""

    account: str
    org_id: str
    in_org_account: str  # another member account
    resource: str  # the Resource element ("*" when the policy's resource is implied)
    actions: tuple[str, ...]
    service: str  # a service principal that plausibly uses the resource


def _doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, indent=2)


def _finding(principal: dict, public: bool, actions: tuple[str, ...], condition: dict | None = None) -> dict:
    return {"principal": principal, "isPublic": public, "action": sorted(actions), "condition": condition or {}}


def resource_policy(kind: str, t: Target) -> tuple[str | None, dict[str, list[dict]]]:
    """(policy text or None, {"ORGANIZATION": findings, "ACCOUNT": findings}) for one kind.
    `federated` is a trust-policy pattern; for other resources it falls back to `cross_account`."""
    allow = {"Effect": "Allow", "Action": list(t.actions), "Resource": t.resource}
    org_cond = {"aws:PrincipalOrgID": t.org_id}
    if kind == "public":
        found = [_finding({"AWS": "*"}, True, t.actions)]
        return _doc({"Sid": "Public", **allow, "Principal": "*"}), {"ORGANIZATION": found, "ACCOUNT": found}
    if kind in ("cross_account", "federated"):
        found = [_finding({"AWS": EXTERNAL_ACCOUNT}, False, t.actions)]
        return (_doc({"Sid": "Partner", **allow, "Principal": {"AWS": f"arn:aws:iam::{EXTERNAL_ACCOUNT}:root"}}),
                {"ORGANIZATION": found, "ACCOUNT": found})
    if kind == "in_org_account":
        return (_doc({"Sid": "Sibling", **allow, "Principal": {"AWS": f"arn:aws:iam::{t.in_org_account}:root"}}),
                {"ORGANIZATION": [], "ACCOUNT": [_finding({"AWS": t.in_org_account}, False, t.actions)]})
    if kind == "org_restricted":
        return (_doc({"Sid": "Organization", **allow, "Principal": "*",
                      "Condition": {"StringEquals": org_cond}}),
                {"ORGANIZATION": [], "ACCOUNT": [_finding({"AWS": "*"}, False, t.actions, org_cond)]})
    if kind == "service_only":
        return (_doc({"Sid": "Service", **allow, "Principal": {"Service": t.service},
                      "Condition": {"StringEquals": {"aws:SourceAccount": t.account}}}),
                {"ORGANIZATION": [], "ACCOUNT": []})
    if kind == "deny_guarded":
        deny = {"Sid": "OnlyOrganization", "Effect": "Deny", "Principal": "*", "Action": list(t.actions),
                "Resource": t.resource, "Condition": {"StringNotEquals": org_cond}}
        return (_doc({"Sid": "Anyone", **allow, "Principal": "*"}, deny),
                {"ORGANIZATION": [], "ACCOUNT": [_finding({"AWS": "*"}, False, t.actions, org_cond)]})
    if kind == "safe":
        return (_doc({"Sid": "Owner", **allow, "Principal": {"AWS": f"arn:aws:iam::{t.account}:root"}}),
                {"ORGANIZATION": [], "ACCOUNT": []})
    raise ValueError(f"unknown kind {kind}")


def trust_policy(kind: str, t: Target) -> tuple[str, dict[str, list[dict]]]:
    """Role trust policies: the same kinds, with `sts:AssumeRole` (and web identity for federation)."""
    assume = ("sts:AssumeRole",)
    allow = {"Effect": "Allow", "Action": "sts:AssumeRole"}
    if kind == "federated":
        cond = {f"{COGNITO}:aud": COGNITO_POOL}
        found = [_finding({"Federated": COGNITO}, False, ("sts:AssumeRoleWithWebIdentity",), cond)]
        return (_doc({"Effect": "Allow", "Principal": {"Federated": COGNITO},
                      "Action": "sts:AssumeRoleWithWebIdentity", "Condition": {"StringEquals": cond}}),
                {"ORGANIZATION": found, "ACCOUNT": found})
    if kind == "service_only":
        return _doc({**allow, "Principal": {"Service": "lambda.amazonaws.com"}}), {"ORGANIZATION": [], "ACCOUNT": []}
    if kind == "deny_guarded":  # a trust policy cannot say Deny-unless-org usefully; seed an org condition
        kind = "org_restricted"
    policy, findings = resource_policy(kind, Target(t.account, t.org_id, t.in_org_account, "*", assume, t.service))
    assert policy is not None
    # Trust policies have no Resource element.
    doc = json.loads(policy)
    for statement in doc["Statement"]:
        statement.pop("Resource", None)
        statement["Action"] = "sts:AssumeRole"
    return json.dumps(doc, indent=2), findings
