"""Identity policies: IAM roles, users, groups, SSO permission sets, and the policies attached to them.

Principals are named by their name property (else logical id). A role's trust policy is a resource
policy of type AWS::IAM::AssumeRolePolicyDocument. A managed or inline policy naming principals by
`Roles`/`Users`/`Groups` (or `RoleName`...) is one site attached to each principal of the template with
that name; `ManagedPolicyArns` of a principal attach the template's managed policies by ARN, and list the
others on the principal (external: their documents are not in the template).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from connectors.iac.cfn.props import InvalidResource, Props, check, sub_resolution
from connectors.iac.cfn.resolve import FUNCTIONS, NO_VALUE, Resolution, Unresolved
from connectors.iac.sites import Place, Principal, Site, Unknown
from solvers.jsonspan import JArray, JObject, JString, Node

if TYPE_CHECKING:
    from connectors.iac.cfn.extract import Extractor

IDENTITY = "IDENTITY_POLICY"
TRUST = "AWS::IAM::AssumeRolePolicyDocument"
_NAME = {"AWS::IAM::Role": "RoleName", "AWS::IAM::User": "UserName", "AWS::IAM::Group": "GroupName"}


def _attachment(p: Principal) -> dict:
    return {"type": p.type, "logicalId": p.logical_id, "name": p.name}


def _principal(ex: Extractor, logical_id: str, props: Props, rtype: str) -> Principal:
    name = props.get(_NAME[rtype], "string") or logical_id
    path = props.get("Path", "string") or "/"
    p = Principal(logical_id, rtype, name, path)
    ex.principal(p)
    return p


def _inline_policies(ex: Extractor, props: Props, p: Principal, rtype: str) -> None:
    node = props.child("Policies")
    if node is None:
        return
    entries: list[tuple[Node, Resolution | None]] = []
    if isinstance(node, JArray) and not _is_function(node):
        for item in node.items:
            try:
                res = ex.resolver.resolve(item)
            except Unresolved as exc:  # this policy cannot be read: listed, the others still are
                site = Site(rtype, IDENTITY, None, _literal_name(item), ex.place(p.logical_id),
                            logical_id=p.logical_id, prop=f"Policies[{len(entries)}].PolicyDocument",
                            attached_to=[_attachment(p)])
                site.place = ex.place(p.logical_id, "Properties", "Policies", len(entries), span=item.span)
                site.unresolved.append(Unknown(exc.what, Place(site.place.file, site.place.path,
                                                               exc.span or item.span)))
                ex.sites.append(site)
                entries.append((item, None))
                continue
            if res.value is not NO_VALUE:
                entries.append((item, res))
    else:
        whole = ex.resolver.resolve(node)
        if whole.value is NO_VALUE:
            return
        check(whole.value, "array", props.where("Policies"), node.span)
        entries = [(node, sub_resolution(whole, (i,))) for i in range(len(whole.value))]
    for i, (item, found) in enumerate(entries):
        if found is None:
            continue
        res = found
        check(res.value, "object", props.where("Policies", i), item.span)
        for member in ("PolicyName", "PolicyDocument"):
            if member not in res.value:
                raise InvalidResource(f"'{member}' is a required property of {props.where('Policies', i)}",
                                      item.span)
        check(res.value["PolicyName"], "string", props.where("Policies", i, "PolicyName"), item.span)
        doc_node = item.get("PolicyDocument") if isinstance(item, JObject) and not _is_function(item) else None
        site = Site(rtype, IDENTITY, None, res.value["PolicyName"], ex.place(p.logical_id),
                    logical_id=p.logical_id, prop=f"Policies[{i}].PolicyDocument", attached_to=[_attachment(p)])
        ex.resolved_site(props, doc_node or item, ("Policies", i, "PolicyDocument"), site,
                         sub_resolution(res, ("PolicyDocument",)))


def _literal_name(item) -> str | None:
    name = item.get("PolicyName") if isinstance(item, JObject) else None
    return name.value if isinstance(name, JString) else None


def _is_function(node) -> bool:
    return isinstance(node, JObject) and len(node.pairs) == 1 and node.pairs[0][0].value in FUNCTIONS


def _managed_arns(ex: Extractor, props: Props, p: Principal, prop: str = "ManagedPolicyArns") -> None:
    arns = props.get(prop, "array", item="string") or []
    p.place = ex.place(p.logical_id, "Properties", prop) if props.child(prop) is not None else ex.place(p.logical_id)

    def attach() -> None:
        for arn in arns:
            site = ex.managed_by_arn.get(arn)
            if site is not None and site.attached_to is not None:
                if _attachment(p) not in site.attached_to:
                    site.attached_to.append(_attachment(p))
            elif arn not in p.external_managed_policy_arns:
                p.external_managed_policy_arns.append(arn)
    ex.after.append(attach)


def role(ex: Extractor, logical_id: str, props: Props) -> None:
    props.require_properties()
    p = _principal(ex, logical_id, props, "AWS::IAM::Role")
    trust = props.child("AssumeRolePolicyDocument")
    if trust is None:
        raise InvalidResource(f"'AssumeRolePolicyDocument' is a required property of {props.where()}", props.span())
    ex.policy_site(props, trust, ("AssumeRolePolicyDocument",),
                   Site("AWS::IAM::Role", "RESOURCE_POLICY", TRUST, "TrustPolicy", ex.place(logical_id),
                        logical_id=logical_id, prop="AssumeRolePolicyDocument", resource_name=p.name))
    _inline_policies(ex, props, p, "AWS::IAM::Role")
    _managed_arns(ex, props, p)


def user(ex: Extractor, logical_id: str, props: Props) -> None:
    p = _principal(ex, logical_id, props, "AWS::IAM::User")
    _inline_policies(ex, props, p, "AWS::IAM::User")
    _managed_arns(ex, props, p)


def group(ex: Extractor, logical_id: str, props: Props) -> None:
    p = _principal(ex, logical_id, props, "AWS::IAM::Group")
    _inline_policies(ex, props, p, "AWS::IAM::Group")
    _managed_arns(ex, props, p)


def permission_set(ex: Extractor, logical_id: str, props: Props) -> None:
    props.require_properties()
    name = props.get("Name", "string", required=True)
    p = Principal(logical_id, "AWS::SSO::PermissionSet", name, path=None)
    ex.principal(p)
    inline = props.child("InlinePolicy")
    if inline is not None:
        ex.policy_site(props, inline, ("InlinePolicy",),
                       Site("AWS::SSO::PermissionSet", IDENTITY, None, "InlinePolicy", ex.place(logical_id),
                            logical_id=logical_id, prop="InlinePolicy", attached_to=[_attachment(p)]))
    _managed_arns(ex, props, p, "ManagedPolicies")


def _attach_by_name(ex: Extractor, site: Site, rtype: str, names: list[str]) -> None:
    def attach() -> None:
        index = ex.principals_by_name()
        for name in names:
            for p in index.get((rtype, name), ()):
                if _attachment(p) not in site.attached_to:  # type: ignore[operator]
                    site.attached_to.append(_attachment(p))  # type: ignore[union-attr]
    ex.after.append(attach)


def _policy_resource(ex: Extractor, logical_id: str, props: Props, rtype: str, name: str | None,
                     targets: dict[str, list[str]]) -> Site:
    doc = props.child("PolicyDocument")
    if doc is None:
        raise InvalidResource(f"'PolicyDocument' is a required property of {props.where()}", props.span())
    site = ex.policy_site(props, doc, ("PolicyDocument",),
                          Site(rtype, IDENTITY, None, name, ex.place(logical_id), logical_id=logical_id,
                               prop="PolicyDocument", attached_to=[]))
    for ptype, names in targets.items():
        _attach_by_name(ex, site, ptype, names)
    return site


def _targets(props: Props) -> dict[str, list[str]]:
    return {"AWS::IAM::Role": props.get("Roles", "array", item="string") or [],
            "AWS::IAM::User": props.get("Users", "array", item="string") or [],
            "AWS::IAM::Group": props.get("Groups", "array", item="string") or []}


def managed_policy(ex: Extractor, logical_id: str, props: Props) -> None:
    props.require_properties()
    name = props.get("ManagedPolicyName", "string") or logical_id
    path = props.get("Path", "string") or "/"
    targets = _targets(props)
    site = _policy_resource(ex, logical_id, props, "AWS::IAM::ManagedPolicy", name, targets)
    site.policy_path = path
    arn = ex.resolver.arn_of(logical_id, "Ref", props.span())
    if arn is not None:
        ex.managed_by_arn[arn] = site


def inline_policy(ex: Extractor, logical_id: str, props: Props) -> None:
    props.require_properties()
    name = props.get("PolicyName", "string", required=True)
    _policy_resource(ex, logical_id, props, "AWS::IAM::Policy", name, _targets(props))


def _one_principal_policy(rtype: str, target_prop: str, principal_type: str):
    def family(ex: Extractor, logical_id: str, props: Props) -> None:
        props.require_properties()
        name = props.get("PolicyName", "string", required=True)
        target = props.get(target_prop, "string", required=True)
        _policy_resource(ex, logical_id, props, rtype, name, {principal_type: [target]})
    return family


FAMILIES = {
    "AWS::IAM::Role": role, "AWS::IAM::User": user, "AWS::IAM::Group": group,
    "AWS::SSO::PermissionSet": permission_set, "AWS::IAM::ManagedPolicy": managed_policy,
    "AWS::IAM::Policy": inline_policy,
    "AWS::IAM::RolePolicy": _one_principal_policy("AWS::IAM::RolePolicy", "RoleName", "AWS::IAM::Role"),
    "AWS::IAM::UserPolicy": _one_principal_policy("AWS::IAM::UserPolicy", "UserName", "AWS::IAM::User"),
    "AWS::IAM::GroupPolicy": _one_principal_policy("AWS::IAM::GroupPolicy", "GroupName", "AWS::IAM::Group"),
}
