"""A request in `trustmap simulate` input form (authorization.md §5): the `example` of a finding.

Every policy of the context goes in as text, the SCP and RCP levels root first, the context keys the
request carries as string entries; `simulate` reads it back into the same context and request.
"""
from __future__ import annotations

from solvers.authorization.context import AuthContext, AuthRequest, Level

_TYPES = {"Numeric": "numeric", "Date": "date", "Bool": "boolean", "IPAddress": "ip", "ArrayOfBool": "boolean"}


def _key_type(key: str, count: int) -> str:
    """The simulate ContextKeyType of a key, from its catalog type (strings when unknown)."""
    from solvers.catalog import load_catalog
    known = load_catalog().condition_key(key)
    base = _TYPES.get(known.type, "string") if known else "string"
    return f"{base}List" if count > 1 or (known is not None and known.multivalued) else base


def _levels(levels: tuple[Level, ...], inner: str) -> list[dict]:
    return [{inner: [s.policy.text for s in level]} for level in levels]


def key_name(key: str) -> str:
    """A lower-cased context key as the catalog spells it (as given when the catalog does not know it)."""
    from solvers.catalog import load_catalog
    head, slash, tag = key.partition("/")
    if slash:  # aws:PrincipalTag/${TagKey}: the catalog spells the prefix, the tag stays as it came
        template = load_catalog().condition_key(head + "/${TagKey}")
        return template.name.partition("/")[0] + "/" + tag if template is not None else key
    known = load_catalog().condition_key(key)
    return known.name if known is not None else key


def simulate_input(ctx: AuthContext, request: AuthRequest) -> dict:
    out: dict = {"CallerArn": ctx.caller.arn, "ActionNames": [request.action], "ResourceArns": [request.resource],
                 "ResourceOwner": f"arn:aws:iam::{ctx.owner}:root",
                 "PolicyInputList": [s.policy.text for s in ctx.identity]}
    if ctx.boundary is not None:
        out["PermissionsBoundaryPolicyInputList"] = [ctx.boundary.policy.text]
    if ctx.resource_policy is not None:
        out["ResourcePolicy"] = ctx.resource_policy.policy.text
    if ctx.scp_levels is not None:
        out["OrderedOrganizationPolicyInputList"] = _levels(ctx.scp_levels, "ServiceControlPolicyInputList")
    if ctx.rcp_levels is not None:
        out["OrderedResourceControlPolicyInputList"] = _levels(ctx.rcp_levels, "ResourceControlPolicyInputList")
    entries = []
    for key in sorted(request.context):
        values = list(request.context[key])
        entries.append({"ContextKeyName": key_name(key), "ContextKeyValues": values,
                        "ContextKeyType": _key_type(key, len(values))})
    out["ContextEntries"] = entries
    return out
