"""`resourceControlPolicyRestriction` on external-access findings, and RCPs folded into them.

By default RCPs are not folded into external access (AWS: "not currently applicable to external access"):
the field says `APPLICABLE` when RCPs bind the resource (the organization has RCPs enabled, the owner is a
member account, the resource's service is one RCPs support) and `NOT_APPLICABLE` otherwise. With
`--apply-guardrails` (beyond AWS) the owner's RCPs are folded into the analysis (solvers/external/
guardrails.py), actions they block disappear, and the field says `APPLIED`. An RCP that cannot be read
gives `FAILED_TO_EVALUATE_RCP` (and nothing is folded). Error findings get no field.
"""
from __future__ import annotations

from collections.abc import Iterable

RCP = "RESOURCE_CONTROL_POLICY"


def _service(resource_type: str) -> str:
    from solvers.external.resources import SERVICES
    return (SERVICES.get(resource_type) or ("",))[0]


def restriction(resource_type: str, bound: bool, applied: bool) -> str:
    """The field's value for a resource whose owner has RCP levels (`bound`) or none."""
    from solvers.authorization.rules import RCP_SERVICES
    if not bound or _service(resource_type) not in RCP_SERVICES:
        return "NOT_APPLICABLE"
    return "APPLIED" if applied else "APPLICABLE"


def owner_rcps(organization, account: str):
    """The owner's RCP levels as parsed policies (None: RCPs do not bind it). InputError when one
    cannot be read."""
    from pipeline.simulate_snapshot import org_levels
    levels = org_levels(organization, account, RCP)
    return None if levels is None else tuple(tuple(src.policy for src in level) for level in levels)


def with_rcp_restriction(findings: Iterable[dict], organization, applied: bool = False) -> list[dict]:
    """Every external finding with the field; `applied`: the scan folded the RCPs in (`apply_guardrails`)."""
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
                binds[key] = restriction(key[1], owner_rcps(organization, key[0]) is not None, applied)
            except InputError:  # an RCP that cannot be read
                binds[key] = "FAILED_TO_EVALUATE_RCP"
        out.append({**f, "resourceControlPolicyRestriction": binds[key]})
    return out
