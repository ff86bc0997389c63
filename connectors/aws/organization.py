"""The organization: accounts (with status), OUs and their paths, SCPs and RCPs with their targets,
delegated administrators. Without Organizations access it degrades to the caller's account alone,
with the reason recorded as a coverage gap.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

from botocore.exceptions import ClientError

from connectors.aws.gaps import CoverageGap, GapRecorder
from connectors.aws.scope import paginate
from connectors.aws.session import Sessions

POLICY_TYPES = ("SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY")
NOT_IN_ORGANIZATION = "AWSOrganizationsNotInUseException"
ORG = "AWS::Organizations::Organization"


@dataclass(frozen=True)
class Account:
    id: str
    name: str = ""
    status: str = "ACTIVE"
    path: str = ""  # o-id/r-root/ou-a/ou-b/ — Access Analyzer's and aws:PrincipalOrgPaths' form


@dataclass(frozen=True)
class Organization:
    id: str | None  # None: the caller's account is not in an organization (or may not read it)
    management_account: str | None
    caller_account: str
    accounts: tuple[Account, ...]
    organizational_units: tuple[dict, ...] = ()  # {id, name, parentId, path}
    policies: tuple[dict, ...] = ()  # {id, arn, name, type, awsManaged, content, targets[{targetId, type, name}]}
    delegated_administrators: tuple[dict, ...] = ()
    gaps: tuple[CoverageGap, ...] = field(default=())

    def as_dict(self) -> dict:
        data = asdict(self)
        data["gaps"] = [g.as_dict() for g in self.gaps]
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Organization:
        return cls(id=data["id"], management_account=data["management_account"],
                   caller_account=data["caller_account"],
                   accounts=tuple(Account(**a) for a in data["accounts"]),
                   organizational_units=tuple(data.get("organizational_units", ())),
                   policies=tuple(data.get("policies", ())),
                   delegated_administrators=tuple(data.get("delegated_administrators", ())),
                   gaps=tuple(CoverageGap(**g) for g in data.get("gaps", ())))

    def active_accounts(self) -> tuple[str, ...]:
        return tuple(a.id for a in self.accounts if a.status == "ACTIVE")


def _walk(org: Any, org_id: str, root_id: str) -> tuple[list[dict], dict[str, str]]:
    """OUs breadth-first from the root, and the path of every account."""
    ous: list[dict] = []
    account_paths: dict[str, str] = {}
    queue = [(root_id, f"{org_id}/{root_id}/")]
    while queue:
        parent, path = queue.pop(0)
        for account in paginate(org, "list_accounts_for_parent", "Accounts", ParentId=parent):
            account_paths[account["Id"]] = path
        for ou in paginate(org, "list_organizational_units_for_parent", "OrganizationalUnits", ParentId=parent):
            ou_path = f"{path}{ou['Id']}/"
            ous.append({"id": ou["Id"], "name": ou.get("Name", ""), "parentId": parent, "path": ou_path})
            queue.append((ou["Id"], ou_path))
    return ous, account_paths


def _policies(org: Any, gaps: GapRecorder) -> list[dict]:
    out: list[dict] = []
    for policy_type in POLICY_TYPES:
        with gaps.attempt(ORG, "ListPolicies"):
            for summary in paginate(org, "list_policies", "Policies", Filter=policy_type):
                with gaps.attempt(ORG, "DescribePolicy", resource_arn=summary["Arn"]):
                    content = org.describe_policy(PolicyId=summary["Id"])["Policy"]["Content"]
                    targets = [{"targetId": t["TargetId"], "type": t["Type"], "name": t.get("Name", "")}
                               for t in paginate(org, "list_targets_for_policy", "Targets", PolicyId=summary["Id"])]
                    out.append({"id": summary["Id"], "arn": summary["Arn"], "name": summary.get("Name", ""),
                                "type": policy_type, "awsManaged": bool(summary.get("AwsManaged")),
                                "content": content, "targets": targets})
    return out


def read_organization(sessions: Sessions) -> Organization:
    """Read what the caller may read. Only a failure to identify the caller is an error (no usable
    credentials); everything after that degrades into gaps."""
    caller = sessions.caller_account()
    gaps = GapRecorder(caller, "global")
    org = sessions.client(sessions.base(), "organizations", sessions.config.home_region)
    alone = Organization(id=None, management_account=None, caller_account=caller, accounts=(Account(caller),))
    try:
        description = org.describe_organization()["Organization"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == NOT_IN_ORGANIZATION:
            return alone
        gaps.record(ORG, "DescribeOrganization", exc)
        return replace(alone, gaps=tuple(gaps.gaps))
    org_id, management = description["Id"], description.get("MasterAccountId")
    accounts: list[Account] = []
    ous: list[dict] = []
    policies: list[dict] = []
    delegated: list[dict] = []
    with gaps.attempt(ORG, "ListAccounts"):
        paths: dict[str, str] = {}
        with gaps.attempt(ORG, "ListRoots"):
            for root in paginate(org, "list_roots", "Roots"):
                found_ous, found_paths = _walk(org, org_id, root["Id"])
                ous.extend(found_ous)
                paths.update(found_paths)
        for account in paginate(org, "list_accounts", "Accounts"):
            status = account.get("State") or account.get("Status", "ACTIVE")
            accounts.append(Account(account["Id"], account.get("Name", ""), status, paths.get(account["Id"], "")))
        policies = _policies(org, gaps)
        with gaps.attempt(ORG, "ListDelegatedAdministrators"):
            delegated = [{"id": d["Id"], "name": d.get("Name", "")}
                         for d in paginate(org, "list_delegated_administrators", "DelegatedAdministrators")]
    if not accounts:  # a member account without delegated admin rights sees only itself
        accounts = [Account(caller)]
    return Organization(id=org_id, management_account=management, caller_account=caller, accounts=tuple(accounts),
                        organizational_units=tuple(ous), policies=tuple(policies),
                        delegated_administrators=tuple(delegated), gaps=tuple(gaps.gaps))
