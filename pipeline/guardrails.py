"""`resourceControlPolicyRestriction` on external-access findings, as Access Analyzer reports it.

RCPs are not folded into external access (AWS: "not currently applicable to external access"): the field
says `APPLICABLE` when RCPs bind the resource (the organization has RCPs enabled, the owner is a member
account, the resource's service is one RCPs support) and `NOT_APPLICABLE` otherwise. Error findings get
no field.
"""
from __future__ import annotations

from collections.abc import Iterable


def _service(resource_type: str) -> str:
    from solvers.external.resources import SERVICES
    return (SERVICES.get(resource_type) or ("",))[0]


def with_rcp_restriction(findings: Iterable[dict], organization) -> list[dict]:
    from pipeline.simulate_snapshot import org_levels
    from solvers.authorization.rules import RCP_SERVICES
    from solvers.errors import InputError
    binds: dict[tuple[str, str], str] = {}
    out = []
    for f in findings:
        if f.get("findingType", "ExternalAccess") != "ExternalAccess" or f.get("error"):
            out.append(f)
            continue
        key = (f["resourceOwnerAccount"], f["resourceType"])
        if key not in binds:
            try:
                levels = org_levels(organization, key[0], "RESOURCE_CONTROL_POLICY")
                binds[key] = "APPLICABLE" if levels is not None and _service(key[1]) in RCP_SERVICES \
                    else "NOT_APPLICABLE"
            except InputError:  # an RCP that cannot be read
                binds[key] = "FAILED_TO_EVALUATE_RCP"
        out.append({**f, "resourceControlPolicyRestriction": binds[key]})
    return out
