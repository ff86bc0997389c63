"""Access Analyzer's external-access findings for one resource.

`analyze_resource` reads a configuration (see `resources`), runs the findings engine on each source
and applies what S3 adds on top: Block Public Access, access points, ACLs. The result is a list of
finding dicts in Access Analyzer's `Finding` shape (plus `example`). A source that cannot be read or
decided becomes an error finding: trustmap never reports "no access" when it is unsure.
"""
from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from solvers.errors import InputError, PolicyError, UndecidedError
from solvers.external.access import Access, external_access
from solvers.external.guardrails import Levels
from solvers.external.resources import ResourceAccess, Source, resource_access
from solvers.external.zone import ZoneOfTrust
from solvers.policy import parse_policy

_ID_NAMESPACE = uuid.UUID("6f1c9a53-55a7-4d3e-9a51-54a0a2b1c0de")
ACCESS_POINT_KEYS = ("s3:DataAccessPointAccount", "s3:DataAccessPointArn")


def finding_id(resource: str, principal: dict, condition: dict, sources: Sequence[dict], error: str | None) -> str:
    """Stable across runs: the same access to the same resource keeps its id (archive rules, SIEMs)."""
    key = json.dumps([resource, principal, condition, sorted(json.dumps(s, sort_keys=True) for s in sources),
                      error], sort_keys=True)
    return str(uuid.uuid5(_ID_NAMESPACE, key))


def _finding(res: ResourceAccess, principal: dict, actions: Sequence[str], condition: dict, public: bool,
             sources: list[dict], now: str, error: str | None = None, example: dict | None = None,
             detail: str | None = None) -> dict:
    # Sources are reported for S3 only (as Access Analyzer does), and the id derives from what a finding
    # reports: a finding copied onto another resource of the same analysis key (pipeline.stages.stamp)
    # then gets the id its own analysis would give, whichever resource was analysed.
    reported = sources if res.resource_type in ("AWS::S3::Bucket", "AWS::S3Express::DirectoryBucket") else None
    out = {"id": finding_id(res.arn, principal, condition, reported or [], error), "principal": principal,
           "action": list(actions), "resource": res.arn, "resourceType": res.resource_type,
           "isPublic": public, "condition": condition, "status": "ACTIVE", "resourceOwnerAccount": res.account,
           "createdAt": now, "analyzedAt": now, "updatedAt": now, "error": error}
    if reported is not None:
        out["sources"] = reported
    if example is not None:
        out["example"] = example
    if detail:
        out["errorDetail"] = detail
    return out


def error_finding(resource_type: str, arn: str, account: str, error: str, detail: str) -> dict:
    res = ResourceAccess(resource_type, arn, account, (), ())
    return _finding(res, {}, [], {}, False, [], _now(), error=error, detail=detail)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def analyze_resource(resource_type: str, arn: str, account: str, configuration: dict, zone: ZoneOfTrust,
                     account_block: dict | None = None, guardrails: Levels | None = None) -> list[dict]:
    """Findings for one resource. Bad configurations raise InputError; undecidable sources become
    error findings. `guardrails`: the owner's RCP levels, folded into every source (`--apply-guardrails`:
    an RCP binds a request however it is granted, through the policy, an access point or an ACL)."""
    res = resource_access(resource_type, arn, account, configuration, account_block)
    now = _now()
    if res.suppressed:
        return []
    findings: list[dict] = []
    bucket_delegates = False
    for source in res.sources:
        try:
            accesses = external_access(parse_policy(source.policy_text), zone, source.resources, res.services,
                                       guardrails=guardrails)
        except (PolicyError, UndecidedError) as exc:
            findings.append(_finding(res, {}, [], {}, False, [], now, error="INTERNAL_ERROR",
                                     detail=f"{source.kind}: {exc}"))
            continue
        if source.kind == "POLICY":
            bucket_delegates = bool(accesses)
        if source.kind == "S3_ACCESS_POINT" and not bucket_delegates:
            continue  # the bucket policy lets nobody outside in through an access point
        findings.extend(_shape(res, source, accesses, zone, now))
    return findings


def _shape(res: ResourceAccess, source: Source, accesses: list[Access], zone: ZoneOfTrust, now: str) -> list[dict]:
    """Apply a source's own rules (Block Public Access, VPC-only access points) and shape findings."""
    if not source.public_allowed:
        accesses = [a for a in accesses if not a.is_public]
    out = []
    restricted = source.restrict_public and any(a.is_public for a in accesses)
    for a in accesses:
        principal, condition, public = dict(a.principal), dict(a.condition), a.is_public
        sources: list[dict] = [{"type": source.kind}] if source.kind in ("POLICY", "BUCKET_ACL") else []
        if source.kind == "S3_ACCESS_POINT":
            sources = [{"type": "S3_ACCESS_POINT", "detail": dict(source.detail)}]
        via = {k: v for k, v in condition.items() if k in ACCESS_POINT_KEYS}
        if via:
            other = via.get("s3:DataAccessPointAccount") or via["s3:DataAccessPointArn"].split(":")[4]
            if zone.trusts_account(other):
                continue  # through the owner's own access points: their policies are analysed instead
            # another account's access point: whoever that account lets in, so public unless blocked
            sources = [{"type": "S3_ACCESS_POINT_ACCOUNT", "detail": {"accessPointAccount": other}}]
            if source.restrict_public:
                principal, public = {"AWS": other}, False
            else:
                public = principal == {"AWS": "*"}
        elif restricted:
            continue  # RestrictPublicBuckets: a public policy admits only the owner and AWS services
        if source.vpc:
            condition["aws:SourceVpc"] = source.vpc
            public = False
        findings_example = a.example.as_dict()
        out.append(_finding(res, principal, a.actions, condition, public, sources, now, example=findings_example))
    return out


def configuration_for_policy(resource_type: str, policy_text: str) -> dict:
    """The configuration of a resource whose only access setting is the given policy (for `analyze`)."""
    from solvers.external.resources import MEMBER_OF_TYPE, POLICY_MEMBERS
    member = MEMBER_OF_TYPE.get(resource_type)
    if member is None:
        raise InputError(f"unsupported resource type {resource_type!r}")
    policy_field = POLICY_MEMBERS[member][1]
    if member == "kmsKey":
        return {member: {"keyPolicies": {"default": policy_text}}}
    if member == "secretsManagerSecret":  # a policy alone says nothing of the key: assume a customer key
        return {member: {policy_field: policy_text, "kmsKeyId": "customer-managed"}}
    if policy_field is None:
        raise InputError(f"{resource_type} has no resource policy: give its configuration instead")
    return {member: {policy_field: policy_text}}
