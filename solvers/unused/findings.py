"""Unused-access findings of one account, in the shape the scan's artifacts turn into FindingV2:

    {"id", "findingType", "resource", "resourceType", "resourceOwnerAccount", "analyzedAt", "error": None,
     "findingDetails": [{"unusedIamRoleDetails" | "unusedIamUserAccessKeyDetails" |
                         "unusedIamUserPasswordDetails" | "unusedPermissionDetails": {...}}],
     "recommendation": {...}  (UnusedPermission only)}

Rules (Access Analyzer's): only principals and credentials that existed for the whole tracking period are
judged; service-linked roles and excluded principals never are; a role not used in the period gets
UnusedIAMRole and nothing else; an active access key or a console password not used gets its own
finding; a principal in use (or any user) gets one UnusedPermission listing each granted service it did
not use, and, where actions are known one by one, each granted action it did not use.
"""
from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from solvers.unused.evidence import Evidence
from solvers.unused.granted import granted_by_service
from solvers.unused.principals import Principal
from solvers.unused.recommend import recommendation
from solvers.unused.tracking import Exclusions, TrackingPeriod, iso, parse_time

_ID_NAMESPACE = uuid.UUID("5f0c8a1e-2b7d-4c61-9a53-7d1e4b3c9f20")
NO_EXCLUSIONS = Exclusions()
UNUSED_TYPES = ("UnusedIAMRole", "UnusedIAMUserAccessKey", "UnusedIAMUserPassword", "UnusedPermission")


def unused_finding_id(finding_type: str, resource: str, detail: str = "") -> str:
    """Stable across runs: the same unused thing keeps its id (lifecycle, archive rules, SIEMs)."""
    return str(uuid.uuid5(_ID_NAMESPACE, json.dumps([finding_type, resource, detail])))


@dataclass
class Tally:
    """How many principals were looked at and why some were not judged."""
    principals: int = 0
    judged: int = 0
    skipped: dict[str, int] = field(default_factory=dict)

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


@dataclass(frozen=True)
class AccountUsage:
    """An account's usage record (connectors.aws.iam_usage) with CloudTrail activity by canonical ARN.
    `activity_complete`: the logs cover the whole tracking period for this account."""
    credential_report: Mapping[str, Mapping] | None
    access_keys: Mapping[str, list[Mapping]]
    last_accessed: Mapping[str, list[Mapping]] | None
    activity: Mapping[str, Iterable[str]] = field(default_factory=dict)
    activity_complete: bool = False

    @classmethod
    def of(cls, record: Mapping | None, activity: Mapping[str, Iterable[str]] | None = None,
           activity_complete: bool = False) -> AccountUsage:
        record = record or {}
        return cls(record.get("credentialReport"), record.get("accessKeys", {}), record.get("lastAccessed"),
                   activity or {}, activity_complete)


def _detail(kind: str, body: dict) -> dict:
    return {kind: {k: v for k, v in body.items() if v is not None}}


def _base(finding_type: str, p: Principal, now: str, details: list[dict], key: str = "") -> dict:
    return {"id": unused_finding_id(finding_type, p.arn, key), "findingType": finding_type, "resource": p.arn,
            "resourceType": p.resource_type, "resourceOwnerAccount": p.account, "analyzedAt": now, "error": None,
            "findingDetails": details}


def evidence_of(p: Principal, usage: AccountUsage) -> Evidence:
    evidence = Evidence()
    if usage.last_accessed is not None and p.arn in usage.last_accessed:
        evidence.add_last_accessed(usage.last_accessed[p.arn])
    evidence.add_activity(usage.activity.get(p.canonical_arn, ()), usage.activity_complete)
    return evidence


def _key_findings(p: Principal, usage: AccountUsage, period: TrackingPeriod, now: str) -> list[dict]:
    out = []
    for key in usage.access_keys.get(p.arn, []):
        if key.get("status") != "Active" or not period.judged(parse_time(key.get("created"))):
            continue
        last = parse_time(key.get("lastUsed"))
        if not period.used(last):
            out.append(_base("UnusedIAMUserAccessKey", p, now, [_detail("unusedIamUserAccessKeyDetails", {
                "accessKeyId": key["accessKeyId"], "lastAccessed": iso(last) if last else None})],
                key["accessKeyId"]))
    return out


def _password_finding(p: Principal, usage: AccountUsage, period: TrackingPeriod, now: str) -> list[dict]:
    row = (usage.credential_report or {}).get(p.arn)
    if not row or not row.get("passwordEnabled"):
        return []
    last = parse_time(row.get("passwordLastUsed"))
    if period.used(last):
        return []
    return [_base("UnusedIAMUserPassword", p, now,
                  [_detail("unusedIamUserPasswordDetails", {"lastAccessed": iso(last) if last else None})])]


class UnusedSet:
    """The permissions judged unused: whole services, plus single actions of services in use."""

    def __init__(self) -> None:
        self.services: set[str] = set()
        self.actions: set[str] = set()

    def __contains__(self, action: object) -> bool:
        return isinstance(action, str) and (action.partition(":")[0] in self.services or action in self.actions)

    def covers(self, by_service: Mapping[str, frozenset[str]]) -> bool:
        return all(ns in self.services or actions <= self.actions for ns, actions in by_service.items())

    def touches(self, by_service: Mapping[str, frozenset[str]]) -> bool:
        return any(ns in self.services or not actions.isdisjoint(self.actions) for ns, actions in by_service.items())


def unused_permissions(p: Principal, evidence: Evidence, period: TrackingPeriod) -> tuple[list[dict], UnusedSet]:
    """The unusedPermissionDetails of a principal, and what it holds unused."""
    by_service = granted_by_service(tuple(policy.document for policy in p.policies))
    details, unused = [], UnusedSet()
    for namespace in sorted(by_service):
        service_used = evidence.service_used(namespace, period)
        known = evidence.actions_known(namespace)
        if service_used and not known:
            continue
        if service_used:
            idle = sorted(a for a in by_service[namespace] if not evidence.action_used(a, period))
            if not idle:
                continue
            unused.actions.update(idle)
        else:
            unused.services.add(namespace)
            idle = sorted(by_service[namespace]) if known else []
        last = evidence.last_service_use(namespace)
        body: dict = {"serviceNamespace": namespace, "lastAccessed": iso(last) if last else None}
        if known:
            times = evidence.action_times(namespace)
            body["actions"] = [{"action": a, "lastAccessed": iso(times[a.lower()])} if times.get(a.lower())
                               else {"action": a} for a in idle]
        details.append(_detail("unusedPermissionDetails", body))
    return details, unused


def account_findings(principals: Iterable[Principal], usage: AccountUsage, period: TrackingPeriod,
                     exclusions: Exclusions = NO_EXCLUSIONS, tally: Tally | None = None,
                     only: str | None = None) -> list[dict]:
    """Every unused-access finding of one account's principals (`only`: one principal ARN)."""
    tally = tally if tally is not None else Tally()
    # When the analysis ran, not the instant it judges as of (a demo or a replay may judge as of a
    # later or earlier time): analyzedAt is never later than the run that wrote it.
    now = iso(datetime.now(UTC).replace(microsecond=0))
    out: list[dict] = []
    for p in principals:
        if only is not None and only not in (p.arn, p.canonical_arn):
            continue
        tally.principals += 1
        if p.service_linked:
            tally.skip("service-linked role")
            continue
        if exclusions.excludes(p.account, p.tags):
            tally.skip("excluded")
            continue
        if not period.judged(p.created):
            tally.skip("younger than the tracking period")
            continue
        tally.judged += 1
        evidence = evidence_of(p, usage)
        if p.kind == "role" and not (period.used(p.last_used) or evidence.used_any(period)):
            last = p.last_used
            out.append(_base("UnusedIAMRole", p, now,
                             [_detail("unusedIamRoleDetails", {"lastAccessed": iso(last) if last else None})]))
            continue
        if p.kind == "user":
            out += _key_findings(p, usage, period, now) + _password_finding(p, usage, period, now)
        if not evidence.complete:
            tally.skip("no usage evidence for permissions")
            continue
        details, unused = unused_permissions(p, evidence, period)
        if details:
            finding = _base("UnusedPermission", p, now, details)
            finding["recommendation"] = recommendation(p, unused, now)
            out.append(finding)
    return out
