"""Resource control policies: the shape of their Allow statements and the companion keys that keep a
Deny from catching AWS services acting on a customer's behalf."""
from __future__ import annotations

from solvers.validation.findings import ERROR, WARNING
from solvers.validation.rules import RCP_ONLY, Context, Family, Rule

PRINCIPAL_SCOPING = ("aws:principalorgid", "aws:principalaccount", "aws:principalorgpaths", "aws:principalarn")
SERVICE_SCOPING = ("aws:sourceorgid", "aws:sourceaccount", "aws:sourceorgpaths", "aws:sourcearn")

RULES = (
    Rule("RCP_SYNTAX_ERROR_ALLOW", ERROR, RCP_ONLY,
         "An Allow statement in a resource control policy must be exactly Principal \"*\", Action \"*\", "
         "Resource \"*\" and no Condition; restrict access with Deny statements.",
         "RCPs only filter access; their Allow statements cannot be narrowed."),
    Rule("RCP_MISSING_RELATED_PRINCIPAL_CONDITION_KEY", WARNING, RCP_ONLY,
         "{key} also denies AWS services acting for you; add BoolIfExists aws:PrincipalIsAWSService = false.",
         "Service principals have no organization or account of yours."),
    Rule("RCP_MISSING_RELATED_SERVICE_PRINCIPAL_CONDITION_KEY", WARNING, RCP_ONLY,
         "{key} is only present for service principals; add BoolIfExists aws:PrincipalIsAWSService = true.",
         "Without it the Deny also applies to your own principals, which carry no source key."),
    Rule("RCP_MISSING_SERVICE_CONDITION_KEY_NULL_CHECK", WARNING, RCP_ONLY,
         "{key} is absent from some service requests; add Null aws:SourceAccount (or aws:SourceArn) = false.",
         "A Deny on a missing source key also catches service calls made without one."),
)


def _star(at) -> bool:
    return at is not None and at.is_string and at.text == "*"


def check_organizations(ctx: Context) -> None:
    if not ctx.on("RCP_SYNTAX_ERROR_ALLOW"):
        return
    for s in ctx.statements:
        if s.effect == "Allow":
            if not (_star(s.get("Principal")) and _star(s.get("Resource")) and _star(s.get("Action"))) \
                    or s.get("Condition") is not None:
                ctx.report("RCP_SYNTAX_ERROR_ALLOW", s.at)
            continue
        conditions = s.conditions()
        keys = {c.key_lower for c in conditions}
        null_checked = {c.key_lower for c in conditions if c.operator.base == "Null"}
        for c in conditions:
            if c.operator.base == "Null":
                continue
            if c.key_lower in PRINCIPAL_SCOPING and "aws:principalisawsservice" not in keys:
                ctx.report("RCP_MISSING_RELATED_PRINCIPAL_CONDITION_KEY", c.value, key=c.key)
            if c.key_lower in SERVICE_SCOPING:
                if "aws:principalisawsservice" not in keys:
                    ctx.report("RCP_MISSING_RELATED_SERVICE_PRINCIPAL_CONDITION_KEY", c.value, key=c.key)
                if not null_checked & {"aws:sourceaccount", "aws:sourcearn"}:
                    ctx.report("RCP_MISSING_SERVICE_CONDITION_KEY_NULL_CHECK", c.value, key=c.key)


FAMILY = Family("organizations", RULES, check_organizations)
