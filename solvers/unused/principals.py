"""IAM roles and users of one account, with their identity policies, from GetAccountAuthorizationDetails
(the connectors keep AWS's field names; documents are JSON text)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from solvers.unused.tracking import parse_time

SERVICE_LINKED_PATH = "/aws-service-role/"  # AWS manages these roles; Access Analyzer does not judge them


@dataclass(frozen=True)
class AttachedPolicy:
    """One identity policy of a principal. `policy_id` is the managed policy's ARN, or
    `ROLE_OR_USER_ARN#inline/NAME` (`GROUP_ARN#inline/NAME` for a group's) for inline ones;
    `document` is None when the authorization details did not carry it."""
    policy_id: str
    name: str
    kind: str  # "managed" | "inline"
    via_group: str | None
    document: str | None
    updated_at: str | None = None


@dataclass(frozen=True)
class Principal:
    arn: str
    kind: str  # "role" | "user"
    name: str
    account: str
    created: datetime | None
    tags: Mapping[str, str]
    policies: tuple[AttachedPolicy, ...]
    last_used: datetime | None = None  # RoleLastUsed (roles only)

    @property
    def service_linked(self) -> bool:
        return self.kind == "role" and self.arn.split(":", 5)[-1].startswith("role" + SERVICE_LINKED_PATH)

    @property
    def canonical_arn(self) -> str:
        """The ARN without its path: how CloudTrail activity is keyed."""
        partition = self.arn.split(":", 2)[1]
        return f"arn:{partition}:iam::{self.account}:{self.kind}/{self.name}"

    @property
    def resource_type(self) -> str:
        return "AWS::IAM::Role" if self.kind == "role" else "AWS::IAM::User"


def _default_document(policy: Mapping) -> tuple[str | None, str | None]:
    for version in policy.get("PolicyVersionList", []):
        if version.get("IsDefaultVersion"):
            return version.get("Document"), policy.get("UpdateDate")
    return None, policy.get("UpdateDate")


def _attached(owner_arn: str, inline: list, managed: list, documents: Mapping[str, tuple],
              via_group: str | None = None) -> list[AttachedPolicy]:
    out = [AttachedPolicy(f"{owner_arn}#inline/{p['PolicyName']}", p["PolicyName"], "inline", via_group,
                          p.get("PolicyDocument")) for p in inline]
    for p in managed:
        document, updated = documents.get(p["PolicyArn"], (None, None))
        out.append(AttachedPolicy(p["PolicyArn"], p["PolicyName"], "managed", via_group, document, updated))
    return out


def _tags(entity: Mapping) -> dict[str, str]:
    return {t["Key"]: t.get("Value", "") for t in entity.get("Tags", [])}


def principals_of(details: Mapping, account: str) -> list[Principal]:
    """Every role and user of the account (a user's group policies count as its own)."""
    documents = {p["Arn"]: _default_document(p) for p in details.get("Policies", [])}
    groups = {g["GroupName"]: g for g in details.get("GroupDetailList", [])}
    out = []
    for role in details.get("RoleDetailList", []):
        policies = _attached(role["Arn"], role.get("RolePolicyList", []), role.get("AttachedManagedPolicies", []),
                             documents)
        out.append(Principal(role["Arn"], "role", role["RoleName"], account, parse_time(role.get("CreateDate")),
                             _tags(role), tuple(policies),
                             parse_time((role.get("RoleLastUsed") or {}).get("LastUsedDate"))))
    for user in details.get("UserDetailList", []):
        policies = _attached(user["Arn"], user.get("UserPolicyList", []), user.get("AttachedManagedPolicies", []),
                             documents)
        for name in user.get("GroupList", []):
            group = groups.get(name)
            if group is not None:
                policies += _attached(group["Arn"], group.get("GroupPolicyList", []),
                                      group.get("AttachedManagedPolicies", []), documents, via_group=group["Arn"])
        out.append(Principal(user["Arn"], "user", user["UserName"], account, parse_time(user.get("CreateDate")),
                             _tags(user), tuple(policies)))
    return out
