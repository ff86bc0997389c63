"""Per-principal activity → least-privilege policies in Access Analyzer's GetGeneratedPolicy shape.

Actions that acted on the same resources share a statement ("SupportedServiceSid0", ...). A statement's
Resource is the ARNs read from the events when every call of its actions identified them reliably;
otherwise the catalog's ARN templates when placeholders are asked for (Access Analyzer's
includeResourcePlaceholders), else "*". Actions without resource-level permissions always get "*".
Services used without action-level detail get a service-level template statement ("ServiceLevelSid0")
when asked for (includeServiceLevelTemplate): an action placeholder to be replaced by the user.
Statements are packed into policies of at most MAX_POLICY_CHARS characters (whitespace excluded, as
IAM counts them), splitting a statement's Action or Resource list when one statement alone is too big.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import orjson

from solvers.catalog import Catalog
from solvers.generation.mapping import service_prefix
from solvers.generation.resources import ResourceCatalog, placeholders

MAX_POLICY_CHARS = 6144
VERSION = "2012-10-17"
_JOB_NAMESPACE = uuid.UUID("0b8f5d2a-6c43-4e1f-9a7d-3e2c1b5f8a64")
_ENVELOPE = len(b'{"Version":"2012-10-17","Statement":[]}')


@dataclass(frozen=True, slots=True)
class GenerationOptions:
    resource_placeholders: bool = False
    service_level_template: bool = False


def _size(obj: object) -> int:
    return len(orjson.dumps(obj))


def _resources_of(action: str, use: dict, resources: ResourceCatalog, partition: str,
                  options: GenerationOptions) -> tuple[str, ...]:
    listed = use.get("resources")
    kinds = resources.of(action)
    if not kinds.any:
        return ("*",)
    if listed:
        return tuple(sorted(listed))
    if options.resource_placeholders:
        found = placeholders(kinds, partition)
        if found:
            return tuple(sorted(found))
    return ("*",)


def _chunks(items: list[str], limit: int, fixed: int) -> list[list[str]]:
    """Split `items` into runs whose JSON list size plus `fixed` stays within `limit`."""
    out: list[list[str]] = []
    current: list[str] = []
    size = fixed + 2
    for item in items:
        cost = len(orjson.dumps(item)) + 1
        if current and size + cost > limit:
            out.append(current)
            current, size = [], fixed + 2
        current.append(item)
        size += cost
    if current:
        out.append(current)
    return out


def _fit(statement: dict, limit: int) -> list[dict]:
    """One statement, or several with the same Resource (or Action) when it is too big alone."""
    if _size(statement) <= limit:
        return [statement]
    actions, res = statement["Action"], statement["Resource"]
    res_list = res if isinstance(res, list) else [res]
    if len(actions) >= len(res_list):
        fixed = _size({**statement, "Action": []})
        return [{**statement, "Action": part} for part in _chunks(actions, limit, fixed)]
    fixed = _size({**statement, "Resource": []})
    return [{**statement, "Resource": part} for part in _chunks(res_list, limit, fixed)]


def build_statements(activity: dict, catalog: Catalog, options: GenerationOptions,
                     service_level: Iterable[str] = (), resources: ResourceCatalog | None = None) -> list[dict]:
    """Statements for one principal's activity (one entry of a partial's "principals"); pass one
    `resources` when building for many principals."""
    resources = resources or ResourceCatalog(catalog)
    partition = activity["arn"].split(":", 2)[1]
    groups: dict[tuple[str, ...], list[str]] = {}
    for action, use in activity["actions"].items():
        groups.setdefault(_resources_of(action, use, resources, partition, options), []).append(action)
    ordered = sorted(groups.items(), key=lambda kv: (kv[0] != ("*",), kv[0]))
    statements: list[dict] = []
    for i, (res, actions) in enumerate(ordered):
        statements.append({"Sid": f"SupportedServiceSid{i}", "Effect": "Allow", "Action": sorted(actions),
                           "Resource": "*" if res == ("*",) else list(res)})
    if options.service_level_template:
        covered = {a.partition(":")[0] for a in activity["actions"]}
        wanted = set(service_level)
        for label in activity.get("unmapped", {}):
            prefix = service_prefix(label.partition(" ")[0])
            if catalog.service(prefix) is not None:
                wanted.add(catalog.service(prefix).prefix)  # type: ignore[union-attr]
        for j, prefix in enumerate(sorted(wanted - covered)):
            statements.append({"Sid": f"ServiceLevelSid{j}", "Effect": "Allow",
                               "Action": [f"{prefix}:${{Action}}"], "Resource": "*"})
    return statements


def split_policies(statements: list[dict], limit: int = MAX_POLICY_CHARS) -> list[dict]:
    """Pack statements, in order, into as few policy documents of at most `limit` characters as the
    order allows (first fit would reorder statements; users read them in order)."""
    room = limit - _ENVELOPE
    policies: list[list[dict]] = []
    used = room + 1
    for statement in statements:
        for part in _fit(statement, room):
            cost = _size(part) + 1  # the comma
            if used + cost > room:
                policies.append([])
                used = 0
            policies[-1].append(part)
            used += cost
    return [{"Version": VERSION, "Statement": s} for s in policies]


def job_id(principal_arn: str, start_time: str | None, end_time: str | None, started_on: str) -> str:
    """GetGeneratedPolicy's jobId: there is no job service to ask, so the id names the job's inputs
    (principal, window, start), the same for a rerun of the same job."""
    return str(uuid.uuid5(_JOB_NAMESPACE, orjson.dumps([principal_arn, start_time, end_time, started_on]).decode()))


def generated_policy_result(principal_arn: str, activity: dict | None, catalog: Catalog,
                            options: GenerationOptions, *, start_time: str | None, end_time: str | None,
                            started_on: str, completed_on: str, trail_properties: list | None = None,
                            service_level: Iterable[str] = (), resources: ResourceCatalog | None = None) -> dict:
    """The GetGeneratedPolicy response for one principal, plus an "activity" summary (events, denied
    calls, unmappable events, permissions CloudTrail cannot show)."""
    if activity is None:
        activity = {"arn": principal_arn, "events": 0, "denied": 0, "actions": {}, "unmapped": {},
                    "notObservable": {}}
    statements = build_statements(activity, catalog, options, service_level, resources)
    policies = split_policies(statements) if statements else []
    return {
        "jobDetails": {"jobId": job_id(principal_arn, start_time, end_time, started_on), "status": "SUCCEEDED",
                       "startedOn": started_on, "completedOn": completed_on},
        "generatedPolicyResult": {
            "generatedPolicies": [{"policy": orjson.dumps(p).decode()} for p in policies],
            "properties": {
                "isComplete": not activity["unmapped"],
                "principalArn": principal_arn,
                "cloudTrailProperties": {"startTime": start_time, "endTime": end_time,
                                         "trailProperties": trail_properties or []},
            },
        },
        "activity": {
            "events": activity["events"],
            "deniedEvents": activity["denied"],
            "actions": len(activity["actions"]),
            "unmappedEvents": [{"event": label, "count": n} for label, n in sorted(activity["unmapped"].items())],
            "notObservable": [{"action": a, "neededBy": via,
                               "reason": "CloudTrail does not record this permission; it is not granted"}
                              for a, via in sorted(activity["notObservable"].items())],
        },
    }
