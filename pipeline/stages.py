"""The scan's stages as plain functions (the Ray driver only schedules them; tests call them directly).

enumerated scope results → analysis units (one per resource, with its zone) → deduplicated by a
canonical key (same type, same access settings, same zone: one analysis) → findings per unit, then
stamped onto every resource that shares the key.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

from solvers.errors import InputError


@dataclass(frozen=True)
class Zone:
    """The zone of trust of the scan: the owner's account, or the organization with its members."""
    kind: str  # ACCOUNT | ORGANIZATION
    organization_id: str | None = None
    member_accounts: tuple[str, ...] = ()
    # `apply_guardrails`: each owner's RCP levels as texts (None: RCPs do not bind it); an owner missing
    # here had an RCP that could not be read, and its resources are analysed without them
    guardrails: tuple[tuple[str, tuple[tuple[str, ...], ...] | None], ...] | None = None

    def key_for(self, owner: str) -> str:
        base = f"org:{self.organization_id}" if self.kind == "ORGANIZATION" else f"account:{owner}"
        digest = self._rcp_digests.get(owner)
        return base if digest is None else f"{base}|rcp:{digest}"

    def rcp_texts(self, owner: str) -> tuple[tuple[str, ...], ...] | None:
        """The RCP levels to fold into the owner's resources, or None (not folding, or nothing to fold)."""
        return self._rcps.get(owner)

    @cached_property
    def _rcps(self) -> dict[str, tuple[tuple[str, ...], ...] | None]:
        return dict(self.guardrails or ())

    @cached_property
    def _rcp_digests(self) -> dict[str, str]:
        """Each folding owner's RCP levels hashed once, not once per resource (key_for runs per resource)."""
        return {owner: hashlib.sha256(json.dumps(levels).encode()).hexdigest()
                for owner, levels in self._rcps.items() if levels is not None}

    @staticmethod
    def guardrails_of(organization) -> tuple[tuple[str, tuple[tuple[str, ...], ...] | None], ...]:
        from pipeline.guardrails import owner_rcps
        out = []
        for account in organization.accounts:
            try:
                levels = owner_rcps(organization, account.id)
            except InputError:
                continue  # FAILED_TO_EVALUATE_RCP (pipeline.guardrails): nothing folded
            out.append((account.id, None if levels is None else tuple(tuple(p.text for p in lv) for lv in levels)))
        return tuple(out)


@dataclass(frozen=True)
class Unit:
    """One resource to analyse, with everything the findings engine reads."""
    resource_type: str
    arn: str
    account: str
    region: str
    configuration: dict
    account_block: dict | None
    zone_key: str

    @cached_property
    def key(self) -> str:
        """Canonical analysis key: resources with equal keys have equal findings up to their ARN."""
        arn = self.arn if _arn_matters(self.configuration) else ""
        text = json.dumps([self.resource_type, self.configuration, self.account_block, self.zone_key, arn],
                          sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


def _arn_matters(configuration: dict) -> bool:
    """Whether a resource's own ARN can change its findings: only when some policy names resources
    (trust policies and `Resource: "*"` policies, common across accounts, do not)."""
    member, body = next(iter(configuration.items()))
    if member not in ("iamRole", "kmsKey", "sqsQueue", "snsTopic", "secretsManagerSecret", "lambdaFunction",
                      "lambdaLayerVersion", "ecrRepository", "efsFileSystem", "dynamodbTable", "dynamodbStream"):
        return True  # S3 and snapshots: their synthetic policies name the resource
    texts = [v for v in body.values() if isinstance(v, str)] + list((body.get("keyPolicies") or {}).values())
    if body.get("grants"):
        return True
    for text in texts:
        try:
            doc = json.loads(text)
        except (json.JSONDecodeError, TypeError, RecursionError):
            return True
        statements = doc.get("Statement") if isinstance(doc, dict) else None
        statements = statements if isinstance(statements, list) else [statements]
        for st in statements:
            if not isinstance(st, dict) or "NotResource" in st or st.get("Resource", "*") not in ("*", ["*"]):
                return True
    return False


def units_of(scope: dict, zone: Zone, account_records: dict[str, dict]) -> list[Unit]:
    """The analysis units of one enumerated (account, Region): its resource records, in connector shape."""
    out = []
    for r in scope.get("resources", ()):
        owner = r["account"]
        record = account_records.get(owner) or {}
        configuration = r["configuration"]
        bucket = configuration.get("s3Bucket")
        if bucket is not None and "ownerCanonicalId" not in bucket and record.get("s3CanonicalUserId"):
            configuration = {"s3Bucket": {**bucket, "ownerCanonicalId": record["s3CanonicalUserId"]}}
        out.append(Unit(r["resourceType"], r["resourceArn"], owner, r.get("region", scope.get("region", "")),
                        configuration, record.get("accountPublicAccessBlock"), zone.key_for(owner)))
    return out


def dedupe(units: Iterable[Unit], seen: dict[str, list[Unit]]) -> list[Unit]:
    """Group units by key into `seen`; return the units whose key is new (the ones to analyse)."""
    fresh = []
    for u in units:
        group = seen.setdefault(u.key, [])
        if not group:
            fresh.append(u)
        group.append(u)
    return fresh


def analyze_units(units: Sequence[Unit], zone: Zone) -> dict[str, list[dict]]:
    """Findings of each unit, by unit key. A unit whose configuration is unreadable gives an error
    finding; nothing one resource does stops the others."""
    from solvers.external.analyze import analyze_resource, error_finding
    out: dict[str, list[dict]] = {}
    trusts = _ZonesByOwner(zone)
    parsed: dict = {}  # owner -> its RCP levels, parsed
    for u in units:
        try:
            out[u.key] = analyze_resource(u.resource_type, u.arn, u.account, u.configuration, trusts[u.account],
                                          u.account_block, guardrails=_folded(zone, u, parsed))
        except InputError as exc:
            out[u.key] = [error_finding(u.resource_type, u.arn, u.account, "INTERNAL_ERROR", str(exc))]
    return out


def _folded(zone: Zone, u: Unit, parsed: dict):
    """The owner's RCPs to fold into the unit's analysis (parsed once per owner in `parsed`), or None."""
    from pipeline.guardrails import restriction
    from solvers.policy import parse_policy
    levels = zone.rcp_texts(u.account)
    if levels is None or restriction(u.resource_type, True, True) != "APPLIED":
        return None
    if u.account not in parsed:
        parsed[u.account] = tuple(tuple(parse_policy(text) for text in level) for level in levels)
    return parsed[u.account]


class _ZonesByOwner(dict):
    """The zone of trust of each resource owner in a batch, each built once; the organization's member
    accounts are checked once and shared, so a resource's zone costs nothing per member account."""

    def __init__(self, zone: Zone) -> None:
        super().__init__()
        self._zone = zone
        self._members: frozenset[str] | None = None

    def __missing__(self, owner: str):
        from solvers.external.zone import AccountIds, ZoneOfTrust
        if self._zone.kind != "ORGANIZATION":
            trust = ZoneOfTrust(owner)
        else:
            if self._members is None:
                self._members = AccountIds(self._zone.member_accounts)
            trust = ZoneOfTrust(owner, self._zone.organization_id, self._members)
        self[owner] = trust
        return trust


def stamp(findings: list[dict], unit: Unit, representative: Unit) -> list[dict]:
    """The findings of `representative` as findings of `unit` (same key, maybe another resource), each
    with the unit's Region (where Security Hub and OCSF report it, and where the lifecycle looks for it)."""
    if unit is representative:
        return [{**f, "region": unit.region} for f in findings]
    from solvers.external.analyze import finding_id
    out = []
    for f in findings:
        g = {**f, "resource": unit.arn, "resourceOwnerAccount": unit.account, "region": unit.region}
        g["id"] = finding_id(unit.arn, g["principal"], g["condition"], g.get("sources", []), g["error"])
        if "example" in g:
            g["example"] = {**g["example"], "resource": unit.arn}
        out.append(g)
    return out


def trusted_canonical_ids(zone: Zone, owner: str, canonical_ids: dict[str, str]) -> set[str]:
    """S3 canonical user ids inside the zone: the owner's, or every scanned member account's."""
    if zone.kind == "ORGANIZATION":
        return set(canonical_ids.values())
    return {canonical_ids[owner]} if owner in canonical_ids else set()


def drop_trusted_canonical_users(findings: list[dict], zone: Zone, canonical_ids: dict[str, str]) -> list[dict]:
    """ACL grants to a canonical user of the zone are not external (known only once every account of the
    zone has been enumerated, so applied when aggregating)."""
    organization = trusted_canonical_ids(zone, "", canonical_ids) if zone.kind == "ORGANIZATION" else None
    return [f for f in findings
            if f["principal"].get("CanonicalUser") not in
            (organization if organization is not None else
             trusted_canonical_ids(zone, f["resourceOwnerAccount"], canonical_ids))]
