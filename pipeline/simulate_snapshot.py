"""`trustmap simulate --snapshot DIR --principal ARN`: SimulatePrincipalPolicy, offline.

A principal's identity policies (inline, managed, through its groups), its boundary, the SCPs on its
account's path, the resource's policy and the RCPs on its owner's path, all read from a `trustmap
collect` snapshot, then simulated as an input file would be.
"""
from __future__ import annotations

from collections.abc import Sequence

from connectors.aws.collect import Collection
from connectors.aws.organization import Organization
from pipeline.simulate import context_entry
from solvers.authorization.context import AuthContext, Caller, CallerKind, Level, Source
from solvers.authorization.simulate_input import Simulation, read_simulation
from solvers.errors import InputError, PolicyError
from solvers.external.resources import POLICY_MEMBERS
from solvers.policy import parse_policy


def source_of(text: str, source_id: str, source_type: str) -> Source:
    """A policy text as a Source; InputError (a one-line reason) when it does not parse."""
    try:
        return Source(parse_policy(text), source_id, source_type)
    except PolicyError as exc:
        raise InputError(f"{source_id}: {exc}") from None


def _iam_details(collection: Collection, account: str) -> dict:
    for scope in collection.scopes:
        if scope.account == account and scope.iam_authorization_details:
            return scope.iam_authorization_details
    raise InputError(f"the snapshot holds no IAM authorization details for account {account}")


def _managed(details: dict, attached: list[dict]) -> list[Source]:
    documents = {}
    for p in details.get("Policies", []):
        for version in p.get("PolicyVersionList") or []:
            if version.get("IsDefaultVersion"):
                documents[p["Arn"]] = version["Document"]
    out = []
    for a in attached:
        arn = a["PolicyArn"]
        if arn not in documents:
            raise InputError(f"the snapshot lacks the document of managed policy {arn}")
        out.append(source_of(documents[arn], arn, "aws-managed" if ":aws:policy/" in arn else "user-managed"))
    return out


def _entity(details: dict, caller: Caller) -> tuple[dict | None, str]:
    if caller.kind is CallerKind.USER:
        found = [u for u in details.get("UserDetailList", []) if u.get("Arn") == caller.arn]
        return (found[0] if found else None), "user"
    if caller.kind is CallerKind.ROLE_SESSION:
        found = [r for r in details.get("RoleDetailList", []) if r.get("RoleName") == caller.role_name]
        return (found[0] if found else None), "role"
    return None, ""


def principal_facts(details: dict, caller: Caller) -> dict[str, tuple[str, ...]]:
    """Principal keys the snapshot knows: the caller's tags and unique id (aws:userid)."""
    entity, kind = _entity(details, caller)
    if entity is None:
        return {}
    out: dict[str, tuple[str, ...]] = {f"aws:PrincipalTag/{t['Key']}": (t["Value"],)
                                       for t in entity.get("Tags") or []}
    if kind == "user" and entity.get("UserId"):
        out["aws:userid"] = (entity["UserId"],)
    elif kind == "role" and entity.get("RoleId") and caller.arn != caller.role_arn and caller.arn:
        out["aws:userid"] = (f"{entity['RoleId']}:{caller.arn.rsplit('/', 1)[1]}",)
    return out


def org_facts(org: Organization, account: str, side: str) -> dict[str, tuple[str, ...]]:
    """aws:PrincipalOrgID/OrgPaths (side "Principal") or aws:ResourceOrgID/OrgPaths ("Resource")."""
    member = next((a for a in org.accounts if a.id == account), None)
    if org.id is None or member is None:
        return {}
    out: dict[str, tuple[str, ...]] = {f"aws:{side}OrgID": (org.id,)}
    if member.path:
        out[f"aws:{side}OrgPaths"] = (member.path,)
    return out


def identity_of(details: dict, caller: Caller) -> tuple[tuple[Source, ...], Source | None]:
    """The caller's identity policies and boundary, as GetAccountAuthorizationDetails lists them."""
    if caller.kind is CallerKind.ROOT:
        return (), None
    entity, kind = _entity(details, caller)
    if entity is None:
        raise InputError(f"the snapshot has no {kind or 'user or role'} {caller.arn}")
    inline_key = {"user": "UserPolicyList", "role": "RolePolicyList"}[kind]
    out = [source_of(p["PolicyDocument"], p["PolicyName"], kind) for p in entity.get(inline_key) or []]
    out += _managed(details, entity.get("AttachedManagedPolicies") or [])
    groups = {g["GroupName"]: g for g in details.get("GroupDetailList", [])}
    for name in entity.get("GroupList") or []:
        group = groups.get(name)
        if group is None:
            raise InputError(f"the snapshot lacks group {name} of {caller.arn}")
        out += [source_of(p["PolicyDocument"], f"{name}/{p['PolicyName']}", "group") for p in group.get("GroupPolicyList") or []]
        out += _managed(details, group.get("AttachedManagedPolicies") or [])
    boundary = None
    if (entity.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn"):
        arn = entity["PermissionsBoundary"]["PermissionsBoundaryArn"]
        boundary = _managed(details, [{"PolicyArn": arn}])[0]
    return tuple(out), boundary


def path_targets(org: Organization, account: str, path: str) -> list[str]:
    """The root and OU ids of a member account's path (`o-id/r-root/ou-a/.../`), root first. InputError when
    the organization data cannot say them: no path, another organization's, an OU twice (a cycle), or an OU
    whose recorded parent is not the one before it."""
    parts = path.strip("/").split("/") if path else []
    if len(parts) < 2 or parts[0] != org.id or not parts[1].startswith("r-"):
        raise InputError(f"the organization data gives account {account} no path under {org.id} ({path!r})")
    if len(set(parts)) != len(parts):
        raise InputError(f"the organization data puts account {account} on a cyclic path {path!r}")
    parents = {ou.get("id"): ou.get("parentId") for ou in org.organizational_units}
    for parent, ou in zip(parts[1:], parts[2:], strict=False):
        if parents and parents.get(ou) != parent:
            raise InputError(f"the organization data contradicts account {account}'s path {path!r} at {ou}")
    return parts[1:]


def org_levels(org: Organization, account: str, policy_type: str) -> tuple[Level, ...] | None:
    """The policies of one type on each level of the account's path, root first; None when they do not
    bind (no organization, the management account, an account outside it, a policy type not enabled:
    once enabled, FullAWSAccess / RCPFullAWSAccess sits on every level and is listed)."""
    if org.id is None or account == org.management_account or not any(p.get("type") == policy_type
                                                                        for p in org.policies):
        return None
    member = next((a for a in org.accounts if a.id == account), None)
    if member is None:
        return None
    targets = [*path_targets(org, account, member.path), account]
    levels = []
    for target in targets:
        levels.append(tuple(source_of(p["content"], p.get("arn") or p["id"], "none") for p in org.policies
                            if p.get("type") == policy_type and any(t["targetId"] == target for t in p["targets"])))
    return tuple(levels)


def resource_policy_of(collection: Collection, arn: str) -> tuple[str | None, Source | None]:
    """The owner and policy of the collected resource ARN names (a bucket for its objects)."""
    for record in collection.resources():
        base = record["resourceArn"]
        if arn != base and not (record["resourceType"] == "AWS::S3::Bucket" and arn.startswith(base + "/")):
            continue
        (member, body), = record["configuration"].items()
        field = POLICY_MEMBERS.get(member, (None, None))[1]
        text = body.get(field) if field else (body.get("keyPolicies") or {}).get("default")
        return record["account"], source_of(text, "ResourcePolicy", "resource") if isinstance(text, str) else None
    return None, None


def snapshot_input(snapshot_dir: str, principal: str | None, actions: Sequence[str], resources: Sequence[str],
                   context: Sequence[str]) -> Simulation:
    from connectors.snapshot import read_snapshot
    if not principal:
        raise InputError("--snapshot needs --principal")
    if len(resources) > 1:
        raise InputError("--snapshot takes one --resource")
    caller = Caller.from_arn(principal)
    collection = read_snapshot(snapshot_dir)
    details = _iam_details(collection, caller.account or "")
    identity, boundary = identity_of(details, caller)
    resource = resources[0] if resources else "*"
    owner, rp = resource_policy_of(collection, resource) if resource != "*" else (None, None)
    owner = owner or caller.account
    org = collection.organization
    # the flag form's reader checks actions, resources and context; the policies come from the snapshot
    base = read_simulation({"ActionNames": list(actions), "ResourceArns": [resource], "CallerArn": principal,
                            "ContextEntries": [context_entry(c) for c in context]})
    ctx = AuthContext(caller, owner, identity, rp, boundary, None,
                      org_levels(org, caller.account or "", "SERVICE_CONTROL_POLICY"),
                      org_levels(org, owner or "", "RESOURCE_CONTROL_POLICY"))
    facts = {**principal_facts(details, caller), **org_facts(org, caller.account or "", "Principal"),
             **org_facts(org, owner or "", "Resource")}
    return Simulation(ctx, base.actions, base.resources, base.request_context, base.key_names, facts)

