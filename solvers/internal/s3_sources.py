"""Where S3 access comes from (authorization.md §6.3 step 5): the bucket policy (`POLICY`), a bucket ACL
grant (`BUCKET_ACL`), or one of the owner's access points (`S3_ACCESS_POINT` with its ARN), or another
account's access points the bucket policy delegates to (`S3_ACCESS_POINT_ACCOUNT` with that account).

- ACL grants to another account's canonical user (or to the AllUsers / AuthenticatedUsers groups) are
  grants to that account: they join the bucket policy as Allow statements naming the account (`*` for
  the groups), marked by their Sid, so that the bucket policy's Denies still stop them and a decision's
  granting statements say which source allowed it. Grants to the owner add nothing (its principals go
  through their identity policies anyway).
- A request through an access point is decided twice: at the access point (its ARN, its policy, the
  caller's identity policies, boundary, SCPs, RCPs) and at the bucket, which must also let it in
  (the bucket ARN, the bucket policy, the access point keys set). At the bucket the caller's identity
  policies are taken to allow: the bucket side is asked only whether the bucket policy denies the
  request or, across accounts, fails to grant it. That may over-report, never under-report. Access
  through a VPC-only access point carries `aws:SourceVpc` in its condition (as external access says).
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from solvers.authorization.context import Source
from solvers.authorization.decide import Decision, Path
from solvers.external.resources import ACL_ACTIONS, ALL_USERS, AUTHENTICATED_USERS
from solvers.internal.universe import Access, universe

ACL_SID = "trustmap-bucket-acl-"
_RESOURCE_PATHS = (Path.RESOURCE_DIRECT, Path.RESOURCE_ROLE, Path.DELEGATION)


@dataclass(frozen=True)
class AccessPoint:
    arn: str  # arn:aws:s3:REGION:ACCOUNT:accesspoint/NAME
    policy: Source | None
    vpc: str | None = None  # a VPC-only access point: requests through it come from this VPC


def acl_statements(bucket: str, grants: Iterable[Mapping], owner_id: str | None, accounts: Mapping[str, str],
                   ignore_public: bool) -> list[dict]:
    """The bucket ACL's grants as Allow statements; `accounts`: canonical user id -> account id. A grantee
    the organization's accounts do not include is nobody inside it and is left out."""
    out = []
    for i, g in enumerate(grants):
        grantee = g.get("grantee") or {}
        actions = list(ACL_ACTIONS.get(g.get("permission", ""), ()))
        if grantee.get("uri") in (ALL_USERS, AUTHENTICATED_USERS) and not ignore_public:
            who: object = "*"
        elif grantee.get("id") and grantee["id"] != owner_id and grantee["id"] in accounts:
            who = {"AWS": accounts[grantee["id"]]}
        else:
            continue
        if actions:
            out.append({"Sid": f"{ACL_SID}{i}", "Effect": "Allow", "Principal": who, "Action": actions,
                        "Resource": [bucket, bucket + "/*"]})
    return out


def with_acl(policy_text: str | None, statements: list[dict]) -> str | None:
    """The bucket policy with the ACL statements added (the policy itself when there are none)."""
    if not statements:
        return policy_text
    doc = json.loads(policy_text) if policy_text else {"Version": "2012-10-17", "Statement": []}
    own = doc.get("Statement", [])
    doc["Statement"] = [*(own if isinstance(own, list) else [own]), *statements]
    return json.dumps(doc)


# ---------------------------------------------------------------------------------------------- access points

@lru_cache(maxsize=1)
def _through_access_points() -> tuple[frozenset[str], frozenset[str]]:
    """The catalog's S3 actions an access point serves: (on the access point, on its objects)."""
    from solvers.catalog import load_catalog
    service = load_catalog().service("s3")
    point, objects = set(), set()
    for action in service.actions.values() if service else ():
        names = {r.name for r in action.resource_types}
        if "accesspoint" in names and "bucket" in names:
            point.add(action.full_name)
        if "accesspointobject" in names and "object" in names:
            objects.add(action.full_name)
    return frozenset(point), frozenset(objects)


def access_point_universe(resource_type: str, bucket: str, ap: str) -> list[tuple[Access, Access]]:
    """(the access at the access point, the same access at the bucket) for each action it serves."""
    point, objects = _through_access_points()
    out = []
    for a in universe(resource_type, bucket):
        if a.glob == bucket and a.action in point:
            out.append((Access(a.action, ap, ap), a))
        elif a.glob != bucket and a.action in objects:
            out.append((Access(a.action, ap + "/object/*", ap + "/object/example-object"), a))
    return out


def access_point_keys(ap: str) -> dict[str, tuple[str, ...]]:
    """The keys every request through the access point carries."""
    return {"s3:dataaccesspointarn": (ap,), "s3:dataaccesspointaccount": (ap.split(":")[4],)}


def _point_account(condition: Iterable[tuple[str, str]]) -> str | None:
    """The account of the access point a condition needs the request to come through, if any."""
    cond = dict(condition)
    if "s3:dataaccesspointaccount" in cond:
        return cond["s3:dataaccesspointaccount"]
    arn = cond.get("s3:dataaccesspointarn", "")
    return arn.split(":")[4] if arn.count(":") >= 5 else None


def through_own_point(condition: Iterable[tuple[str, str]], owner: str) -> bool:
    return _point_account(condition) == owner


# ---------------------------------------------------------------------------------------------- sources

def sources(decisions: Iterable[Decision], condition: Iterable[tuple[str, str]], owner: str,
            access_points: Iterable[str]) -> list[dict]:
    """The `sources` of one finding: how each of its answers got in, in AWS's order of types."""
    out: dict[tuple, dict] = {}
    for decision in decisions:
        if decision.path not in _RESOURCE_PATHS:
            continue
        for m in decision.decisive:
            if m.type != "resource":
                continue
            acl = (m.statement.sid or "").startswith(ACL_SID)
            out.setdefault(("BUCKET_ACL",) if acl else ("POLICY",), {"type": "BUCKET_ACL" if acl else "POLICY"})
    for ap in access_points:
        out.setdefault(("S3_ACCESS_POINT", ap), {"type": "S3_ACCESS_POINT", "detail": {"accessPointArn": ap}})
    account = _point_account(condition)
    if account and account != owner:  # the bucket policy delegates to another account's access points
        out.setdefault(("S3_ACCESS_POINT_ACCOUNT", account),
                       {"type": "S3_ACCESS_POINT_ACCOUNT", "detail": {"accessPointAccount": account}})
    order = ("POLICY", "BUCKET_ACL", "S3_ACCESS_POINT", "S3_ACCESS_POINT_ACCOUNT")
    return [out[k] for k in sorted(out, key=lambda k: (order.index(k[0]), k[1:]))]
