"""Internal access from a `trustmap collect` snapshot (authorization.md §6.4): the candidates (every
role and user of GetAccountAuthorizationDetails, with their groups' policies, boundary and SCP path),
the target resources (their policy and RCP path), and `trustmap internal-access` for one resource.

Nothing goes missing silently: a principal whose policies or SCPs cannot be read is a principal-level
error finding, a resource whose policy or RCPs cannot be read a resource-level one.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from connectors.aws.collect import Collection
from connectors.aws.organization import Organization
from pipeline.simulate_snapshot import identity_of, org_levels, record_policy, source_of
from solvers.authorization.context import Caller, Level, Source
from solvers.errors import InputError
from solvers.internal.analyze import INTERNAL_ERROR, ORGANIZATION, Stats, analyze_resource, resource_error
from solvers.internal.model import ROLE, USER, Candidate, Target
from solvers.internal.universe import S3_TYPES, is_supported

ZONES = ("ORGANIZATION", "ACCOUNT")
SCP, RCP = "SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"


def _account_path(org: Organization, account: str) -> str | None:
    member = next((a for a in org.accounts if a.id == account), None)
    return member.path if member is not None and member.path else None


def _member(org: Organization, account: str) -> None:
    """InputError when the snapshot has an organization that does not list the account: whether its SCPs
    and RCPs bind, and which, is unknown (org_levels reads an account outside it as unbound)."""
    if org.id and account != org.management_account and not any(a.id == account for a in org.accounts):
        raise InputError(f"the organization data does not list account {account}")


def candidates(collection: Collection) -> list[Candidate]:
    """Every role and user of every account the snapshot read IAM details of (once per account)."""
    org = collection.organization
    out: list[Candidate] = []
    seen: set[str] = set()
    shared: dict[tuple[str, str, str], Source] = {}  # equal policies as one object: pickled once per task

    def one(src: Source) -> Source:
        return shared.setdefault((src.policy.text, src.id, src.type), src)
    for scope in collection.scopes:
        details = scope.iam_authorization_details
        if not details or scope.account in seen:
            continue
        seen.add(scope.account)
        try:
            scps, scp_error = org_levels(org, scope.account, SCP), None
            _member(org, scope.account)
            scps = tuple(tuple(map(one, level)) for level in scps) if scps is not None else None
        except InputError:  # an unreadable SCP, the account's place in the organization unknown
            scps, scp_error = None, INTERNAL_ERROR
        path = _account_path(org, scope.account)
        entities = [(r, ROLE) for r in details.get("RoleDetailList", [])]
        entities += [(u, USER) for u in details.get("UserDetailList", [])]
        for entity, kind in entities:
            arn = entity["Arn"]
            try:
                identity, boundary = identity_of(details, Caller.from_arn(arn))
                identity, boundary, error = tuple(map(one, identity)), one(boundary) if boundary else None, scp_error
            except InputError:
                identity, boundary, error = (), None, INTERNAL_ERROR
            out.append(Candidate(arn, scope.account, kind, identity, boundary, scps, path, error))
    return out


def targets_of(collection: Collection, arns: Iterable[str]) -> list[tuple[Target, str | None]]:
    """Each resource (InputError when the snapshot lacks it or its type is not analysed), and a
    resource-level error code when its policy or RCPs cannot be read. The snapshot's records and its
    accounts' S3 canonical ids are indexed once, each owner's RCP path read once (the scan asks for
    thousands)."""
    records: dict[str, dict] = {}
    for r in collection.resources():
        records.setdefault(r["resourceArn"], r)
    accounts: dict[str, dict] = {}  # account -> its account record (the first scope's that has one)
    for s in collection.scopes:
        if s.account_record:
            accounts.setdefault(s.account, s.account_record)
    canonical = {rec["s3CanonicalUserId"]: rec["account"] for s in collection.scopes
                 if (rec := s.account_record) and rec.get("s3CanonicalUserId")}
    org = collection.organization
    rcp_paths: dict[str, tuple[Level, ...] | None] = {}
    out: list[tuple[Target, str | None]] = []
    for arn in arns:
        record = records.get(arn)
        if record is None:
            raise InputError(f"the snapshot holds no resource {arn}")
        if not is_supported(record["resourceType"]):
            raise InputError(f"{arn}: internal access does not analyse {record['resourceType']}")
        owner = record["account"]
        base = Target(arn, record["resourceType"], owner, None, None, org.id, _account_path(org, owner))
        try:
            if owner not in rcp_paths:
                _member(org, owner)
                rcp_paths[owner] = org_levels(org, owner, RCP)
            policy, rcps = record_policy(record), rcp_paths[owner]
            points = None
            if base.type in S3_TYPES:
                policy, points = _s3_sides(record, policy, canonical, accounts.get(owner) or {})
        except InputError:
            out.append((base, INTERNAL_ERROR))
            continue
        out.append((Target(arn, base.type, owner, policy, rcps, org.id, base.org_path, points), None))
    return out


def _s3_sides(record: dict, policy: Source | None, accounts: dict[str, str],
              own: dict) -> tuple[Source | None, tuple]:
    """The bucket policy with the bucket ACL's grants to other accounts of the organization joined in, and
    the bucket's access points (s3_sources.py). `accounts`: S3 canonical user id -> account; `own`: the
    owner's account record. InputError when an access point policy cannot be read."""
    from solvers.internal.s3_sources import AccessPoint, acl_statements, with_acl
    (_, body), = record["configuration"].items()
    ignore = any((block or {}).get("ignorePublicAcls") for block in (body.get("bucketPublicAccessBlock"),
                                                                        own.get("accountPublicAccessBlock")))
    grants = [g for g in body.get("bucketAclGrants") or [] if isinstance(g, dict)]
    owner_id = body.get("ownerCanonicalId") or own.get("s3CanonicalUserId")
    text = with_acl(policy.policy.text if policy else None,
                    acl_statements(record["resourceArn"], grants, owner_id, accounts, ignore))
    if text is not None and (policy is None or text != policy.policy.text):
        policy = source_of(text, "ResourcePolicy", "resource")
    points = []
    for ap_arn, ap in sorted((body.get("accessPoints") or {}).items()):
        ap = ap if isinstance(ap, dict) else {}
        text = ap.get("accessPointPolicy")
        vpc = ((ap.get("networkOrigin") or {}).get("vpcConfiguration") or {}).get("vpcId")
        points.append(AccessPoint(ap_arn, source_of(text, ap_arn, "resource") if text else None, vpc))
    return policy, tuple(points)


def analyze_targets(collection: Collection, arns: Iterable[str], zone: str, stats: Stats | None = None,
                    aws_compatible: bool = False) -> list[dict]:
    if zone not in ZONES:
        raise InputError(f"zone {zone!r} is not ORGANIZATION or ACCOUNT")
    from solvers.internal.population import Population
    people = Population.of(candidates(collection))
    out: list[dict] = []
    for t, error in targets_of(collection, arns):
        out += [resource_error(zone, t, error)] if error else analyze_resource(t, people, zone, stats=stats,
                                                                                    aws_compatible=aws_compatible)
    return out


def stamp(findings: list[dict], now: str) -> list[dict]:
    return [{**f, "createdAt": now, "analyzedAt": now, "updatedAt": now} for f in findings]


def internal_access_command(snapshot: str, resource: str, zone: str = ORGANIZATION,
                            aws_compatible: bool = False) -> dict:
    """`trustmap internal-access`: the findings of one resource of a snapshot."""
    from connectors.snapshot import read_snapshot
    collection = read_snapshot(snapshot)
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"findings": stamp(analyze_targets(collection, [resource], zone.upper(), aws_compatible=aws_compatible), now)}


def render_text(result: dict) -> str:
    """One line per finding: principal, access type, actions, condition (or the error code)."""
    lines = []
    for f in result["findings"]:
        d = f["findingDetails"][0]["internalAccessDetails"] if f["findingDetails"] else {}
        who = d.get("principal", {}).get("AWS", f["resource"])
        if f.get("error"):
            lines.append(f"{who}  ERROR {f['error']}")
            continue
        cond = " ".join(f"{k}={v}" for k, v in d["condition"].items())
        lines.append(f"{who}  {d['accessType']}  {','.join(d['action'])}" + (f"  when {cond}" if cond else ""))
    return "\n".join(lines) if lines else "no internal access"
