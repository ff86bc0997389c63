"""Recommendations for an UnusedPermission finding, in GetFindingRecommendation's shape: per identity
policy of the principal, detach it when everything it grants is unused, or replace it with a copy whose
Allow statements keep only the actions still in use.

The copy keeps every statement's resources, conditions and Sid, every Deny and NotAction statement, and
every pattern naming actions the catalog does not know; a pattern that grants some unused actions becomes
the list of its used actions, written back as `service:*` or `service:Verb*` wherever one of those covers
exactly kept actions (shorter policies, same grant).
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from solvers.unused.granted import element_strings, expand, expand_by_service, grant_of
from solvers.unused.principals import AttachedPolicy, Principal

if TYPE_CHECKING:
    from solvers.unused.findings import UnusedSet

_VERB = re.compile(r"^[A-Z][a-z]+")


def compact(actions: Iterable[str]) -> list[str]:
    """A short list of patterns granting exactly `actions` (catalog full names)."""
    keep = set(actions)
    out: list[str] = []
    by_service: dict[str, list[str]] = {}
    for action in sorted(keep):
        by_service.setdefault(action.partition(":")[0], []).append(action)
    for namespace, names in by_service.items():
        if expand(f"{namespace}:*") <= keep:
            out.append(f"{namespace}:*")
            continue
        done: set[str] = set()
        for action in names:
            if action in done:
                continue
            verb = _VERB.match(action.partition(":")[2])
            covered = expand(f"{namespace}:{verb.group(0)}*") if verb else frozenset()
            if verb and len(covered) > 1 and covered <= keep:
                out.append(f"{namespace}:{verb.group(0)}*")
                done |= covered
            else:
                out.append(action)
                done.add(action)
    return out


def trimmed(document: str, unused: UnusedSet) -> str:
    """The policy without the unused actions (see the module docstring)."""
    policy = json.loads(document)
    statements = policy.get("Statement", [])
    single = isinstance(statements, dict)
    kept_statements = []
    for statement in [statements] if single else statements:
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow" or "Action" not in statement:
            kept_statements.append(statement)
            continue
        patterns: list[str] = []
        for pattern in element_strings(statement["Action"]):
            granted = expand_by_service(pattern)
            kept: set[str] = set()
            for namespace, actions in granted.items():
                if namespace not in unused.services:
                    kept |= actions - unused.actions
            whole = sum(len(actions) for actions in granted.values())
            patterns += [pattern] if not granted or len(kept) == whole else compact(kept)
        patterns = list(dict.fromkeys(patterns))
        if patterns:
            kept_statements.append({**statement, "Action": patterns[0] if len(patterns) == 1 else patterns})
    policy["Statement"] = kept_statements[0] if single and kept_statements else kept_statements
    return json.dumps(policy, indent=2)


def _step(action: str, policy: AttachedPolicy, recommended: str | None) -> dict:
    body = {"recommendedAction": action, "existingPolicyId": policy.policy_id, "policyUpdatedAt": policy.updated_at,
            "recommendedPolicy": recommended}
    return {"unusedPermissionsRecommendedStep": {k: v for k, v in body.items() if v is not None}}


def recommendation(p: Principal, unused: UnusedSet, now: str) -> dict:
    steps = []
    for policy in p.policies:
        grant = grant_of(policy.document)
        if not grant.readable or not unused.touches(grant.by_service):
            continue
        if unused.covers(grant.by_service) and not grant.unknown:
            steps.append(_step("DETACH_POLICY", policy, None))
        else:
            steps.append(_step("CREATE_POLICY", policy, trimmed(policy.document or "{}", unused)))
    return {"recommendationType": "UnusedPermissionRecommendation", "status": "SUCCEEDED", "resourceArn": p.arn,
            "startedAt": now, "completedAt": now, "recommendedSteps": steps}
