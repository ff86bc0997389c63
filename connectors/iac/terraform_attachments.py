"""Terraform: which principals (roles, users, groups) each identity policy of a plan is attached to.

Inline policies name their principal (`aws_iam_role_policy.role`, a role's `inline_policy`); managed
policies are attached by `aws_iam_*_policy_attachment` resources and a role's `managed_policy_arns`, by
ARN. A policy created in the same plan has no ARN until apply: the attachment's configuration then
references it (`aws_iam_policy.p.arn`), and that reference names the site. ARNs that name no policy of
the plan are listed on the principal (external managed policies, not checked offline).
"""
from __future__ import annotations

from connectors.iac.sites import Place, Principal, Site
from solvers.jsonspan import JArray, JObject, JString, Node

_PRINCIPAL_TYPES = ("aws_iam_role", "aws_iam_user", "aws_iam_group")
# inline policy type -> (attribute naming the principal, principal type)
_INLINE = {"aws_iam_role_policy": ("role", "aws_iam_role"), "aws_iam_user_policy": ("user", "aws_iam_user"),
           "aws_iam_group_policy": ("group", "aws_iam_group")}
# attachment type -> [(attribute naming principals, principal type)]
_ATTACHMENTS = {"aws_iam_role_policy_attachment": [("role", "aws_iam_role")],
                "aws_iam_user_policy_attachment": [("user", "aws_iam_user")],
                "aws_iam_group_policy_attachment": [("group", "aws_iam_group")],
                "aws_iam_policy_attachment": [("roles", "aws_iam_role"), ("users", "aws_iam_user"),
                                              ("groups", "aws_iam_group")]}


def _strings(node: Node | None) -> list[str]:
    if isinstance(node, JString):
        return [node.value]
    if isinstance(node, JArray):
        return [x.value for x in node.items if isinstance(x, JString)]
    return []


def attach(reader, resources: list) -> list[Principal]:
    """Fill `attached_to` of the plan's identity sites; returns the principals."""
    principals: dict[tuple[str, str], Principal] = {}
    for r in resources:
        if r.type in _PRINCIPAL_TYPES and r.values is not None:
            name = (_strings(r.values.get("name")) or [r.name])[0]
            path = (_strings(r.values.get("path")) or ["/"])[0]
            principals[(r.type, name)] = Principal(r.address, r.type, name, path, place=Place(
                reader.source.name, ("planned_values", r.address), r.node.span))
    sites = {(s.address, s.attribute): s for s in reader.sites if s.address}

    def link(site: Site, p: Principal) -> None:
        entry = {"type": p.type, "logicalId": p.logical_id, "name": p.name}
        if site.attached_to is None:
            site.attached_to = []
        if entry not in site.attached_to:
            site.attached_to.append(entry)

    for r in resources:
        if r.values is None:
            continue
        if r.type in _INLINE:
            attr, ptype = _INLINE[r.type]
            site = sites.get((r.address, "policy"))
            for name in _strings(r.values.get(attr)):
                if site is not None and (ptype, name) in principals:
                    link(site, principals[(ptype, name)])
        elif r.type == "aws_iam_role":
            role = next((p for p in principals.values() if p.logical_id == r.address), None)
            for (address, attribute), site in sites.items():
                if address == r.address and attribute and attribute.split(".")[0] == "inline_policy" and role:
                    link(site, role)
            if role is not None:
                _attach_arns(reader, r, "managed_policy_arns", [role], sites, link)
        elif r.type in _ATTACHMENTS:
            targets = [principals[(ptype, n)] for attr, ptype in _ATTACHMENTS[r.type]
                       for n in _strings(r.values.get(attr)) if (ptype, n) in principals]
            _attach_arns(reader, r, "policy_arn", targets, sites, link)
    return list(principals.values())


def _attach_arns(reader, r, attribute: str, targets: list[Principal], sites: dict, link) -> None:
    arns = _strings(r.values.get(attribute)) if isinstance(r.values, JObject) else []
    by_arn = {_strings(_arn_of(reader, s))[0]: s for s in sites.values()
              if s.source_type == "aws_iam_policy" and _strings(_arn_of(reader, s))}
    for arn in arns:
        site = by_arn.get(arn)
        for p in targets:
            if site is not None:
                link(site, p)
            elif arn not in p.external_managed_policy_arns:
                p.external_managed_policy_arns.append(arn)
    config = reader.configured_expression(r, attribute)
    refs = _strings(config.get("references")) if isinstance(config, JObject) else []
    for ref in refs:  # a policy of the same module, known only after apply
        prefix = ref[:-len(".arn")] if ref.endswith(".arn") else None
        if prefix is None:
            continue
        module = r.address[:len(r.address) - len(f"{r.type}.{r.name}")]
        site = sites.get((module + prefix, "policy"))
        for p in targets if site is not None else ():
            link(site, p)


def _arn_of(reader, site: Site) -> Node | None:
    values = reader.values_of(site.address)
    return values.get("arn") if isinstance(values, JObject) else None
