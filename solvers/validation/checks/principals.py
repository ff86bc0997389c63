"""The Principal element: where it may appear, its shape, wildcards, IDs instead of ARNs, and
service principals granted access without a confused-deputy guard."""
from __future__ import annotations

import re

from solvers.jsonspan import JArray, JObject, JString
from solvers.validation.findings import ERROR, IDENTITY, RESOURCE, SECURITY_WARNING, SUGGESTION, WARNING
from solvers.validation.rules import (
    EVERY_POLICY,
    IDENTITY_ONLY,
    RCP_ONLY,
    RESOURCE_NOT_TRUST,
    SCP_ONLY,
    TRUST_ONLY,
    TYPED_RESOURCE_NOT_TRUST,
    Context,
    Family,
    Rule,
    scope,
)

PRINCIPAL_KEYS = ("AWS", "Service", "Federated", "CanonicalUser")
_ROLE_ID = re.compile(r"^AROA[A-Z0-9]{12,}$")
_USER_ID = re.compile(r"^AIDA[A-Z0-9]{12,}$")
SERVICE_PRINCIPAL = re.compile(
    r"^[a-z0-9][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)*\.(amazonaws\.com(\.cn)?|amazon\.com|c2s\.ic\.gov|sc2s\.sgov\.gov)$")
SOURCE_KEYS = ("aws:sourcearn", "aws:sourceaccount", "aws:sourceorgid", "aws:sourceorgpaths")
# Keys that describe a calling principal's identity; a service principal has none of them.
_NOT_FROM_SERVICES = ("aws:principalorgid", "aws:principalorgpaths", "aws:principalaccount", "aws:principalarn",
                      "aws:userid", "aws:username", "aws:principaltag/")

RULES = (
    Rule("UNSUPPORTED_PRINCIPAL", ERROR, IDENTITY_ONLY,
         "{element} is not allowed in an identity policy: the principal is whoever the policy is attached to.",
         "Identity policies apply to their holder and cannot name principals."),
    Rule("SCP_SYNTAX_ERROR_PRINCIPAL", ERROR, SCP_ONLY,
         "{element} is not allowed in a service control policy.",
         "SCPs apply to the accounts they are attached to and cannot name principals."),
    Rule("RCP_SYNTAX_ERROR_PRINCIPAL", ERROR, RCP_ONLY,
         "A resource control policy must use \"Principal\": \"*\" (and no NotPrincipal); use conditions to "
         "narrow it down.", "RCPs accept only the wildcard principal."),
    Rule("EMPTY_OBJECT_PRINCIPAL", SUGGESTION, EVERY_POLICY, "{element} is an empty object: it names nobody.",
         "A statement whose principal is empty applies to nobody."),
    Rule("EMPTY_ARRAY_PRINCIPAL", SUGGESTION, EVERY_POLICY, "{element}.{key} is an empty list: it names nobody.",
         "An empty principal list applies to nobody."),
    Rule("INVALID_PRINCIPAL_KEY", ERROR, EVERY_POLICY,
         "{key!r} is not a principal type; use one of AWS, Service, Federated or CanonicalUser.",
         "Only four principal types exist (case-sensitive)."),
    Rule("INVALID_PRINCIPAL_FORMAT", ERROR, EVERY_POLICY,
         "{element} must be \"*\" or an object of principal types; {value!r} is neither.",
         "A principal string other than the wildcard is rejected."),
    Rule("UNSUPPORTED_WILDCARD_IN_PRINCIPAL", ERROR, EVERY_POLICY,
         "Principal {value!r} contains a wildcard; only a bare \"*\" is a wildcard principal. Use a condition "
         "such as aws:PrincipalArn with ArnLike instead.", "Partial wildcards are not supported in principals."),
    Rule("ALLOW_WITH_NOT_PRINCIPAL", SECURITY_WARNING, EVERY_POLICY,
         "Allow with NotPrincipal grants access to every principal not listed, including anonymous users.",
         "NotPrincipal in an Allow grants far more than it appears to."),
    Rule("INVALID_ROLE_REFERENCE", WARNING, EVERY_POLICY,
         "{value!r} is a role's unique ID; name the role by its ARN.",
         "A unique ID stops matching when the role is recreated."),
    Rule("INVALID_USER_REFERENCE", WARNING, EVERY_POLICY,
         "{value!r} is a user's unique ID; name the user by its ARN.",
         "A unique ID stops matching when the user is recreated."),
    Rule("FEDERATED_PRINCIPAL_NOT_SUPPORTED", ERROR, TYPED_RESOURCE_NOT_TRUST,
         "Federated principals are supported only in role trust policies, not in this resource policy.",
         "Only a role can be assumed by a federated identity."),
    Rule("INVALID_SERVICE_PRINCIPAL_FORMAT", ERROR, EVERY_POLICY,
         "{value!r} is not a service principal; expected a name such as {expected}.",
         "Service principals are DNS names ending in an AWS domain."),
    Rule("ROLE_TRUST_POLICY_SYNTAX_ERROR_NOTPRINCIPAL", ERROR, TRUST_ONLY,
         "A role trust policy cannot use NotPrincipal; list the principals that may assume the role.",
         "Trust policies must name who can assume the role."),
    Rule("ROLE_TRUST_POLICY_UNSUPPORTED_WILDCARD_IN_PRINCIPAL", ERROR, TRUST_ONLY,
         "A role trust policy cannot use \"Principal\": \"*\"; name the principals, or use {{\"AWS\": \"*\"}} "
         "with conditions.", "The bare wildcard principal is rejected in trust policies."),
    Rule("ROLE_TRUST_POLICY_SYNTAX_ERROR_RESOURCE", ERROR, TRUST_ONLY,
         "A role trust policy cannot have {element}: the resource is the role itself.",
         "Trust policies are attached to the role they protect."),
    Rule("RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL", SECURITY_WARNING, RESOURCE_NOT_TRUST,
         "Access granted to {service} is not limited to your own resources; add aws:SourceArn, "
         "aws:SourceAccount, aws:SourceOrgID or aws:SourceOrgPaths.",
         "Without a source condition any customer's resource of that service can act on yours "
         "(the confused deputy problem)."),
    Rule("RECOMMENDED_CONDITION_KEY_FOR_SERVICE_PRINCIPAL", SUGGESTION, RESOURCE_NOT_TRUST,
         "Access granted to {service} is limited with other keys; aws:SourceArn, aws:SourceAccount, "
         "aws:SourceOrgID or aws:SourceOrgPaths name the calling resource reliably.",
         "Source keys are the dependable confused-deputy guard for service principals."),
    Rule("UNSUPPORTED_CONDITION_KEY_FOR_SERVICE_PRINCIPAL", ERROR, scope(RESOURCE, IDENTITY),
         "{key} is never present when a service principal such as {service} calls, so this condition "
         "cannot match it.", "Service principals carry no principal-identity keys."),
)


def check_principals(ctx: Context) -> None:
    for s in ctx.statements:
        for res in ("Resource", "NotResource"):
            found = s.get(res)
            if found is not None:
                ctx.report("ROLE_TRUST_POLICY_SYNTAX_ERROR_RESOURCE", found, element=res)
        p, negated = s.principal_element
        if p is None:
            continue
        element = "NotPrincipal" if negated else "Principal"
        ctx.report("UNSUPPORTED_PRINCIPAL", p, element=element)
        ctx.report("SCP_SYNTAX_ERROR_PRINCIPAL", p, element=element)
        if negated or not (isinstance(p.node, JString) and p.text == "*"):
            ctx.report("RCP_SYNTAX_ERROR_PRINCIPAL", p)
        if negated:
            ctx.report("ROLE_TRUST_POLICY_SYNTAX_ERROR_NOTPRINCIPAL", p)
            if s.effect == "Allow":
                ctx.report("ALLOW_WITH_NOT_PRINCIPAL", p)
        if isinstance(p.node, JString):
            if p.text == "*":
                ctx.report("ROLE_TRUST_POLICY_UNSUPPORTED_WILDCARD_IN_PRINCIPAL", p)
            else:
                ctx.report("INVALID_PRINCIPAL_FORMAT", p, element=element, value=p.text)
            continue
        if isinstance(p.node, JObject) and not p.node.pairs:
            ctx.report("EMPTY_OBJECT_PRINCIPAL", p, element=element)
        for key, member in p.members():
            if key.value not in PRINCIPAL_KEYS:
                ctx.report("INVALID_PRINCIPAL_KEY", member, key=key.value)
                continue
            if isinstance(member.node, JArray) and not member.node.items:
                ctx.report("EMPTY_ARRAY_PRINCIPAL", member, element=element, key=key.value)
            for v in member.strings():
                _value(ctx, key.value, v)
        _service_principals(ctx, s)


def _value(ctx: Context, kind: str, v) -> None:
    text = v.text
    if text != "*" and ("*" in text or "?" in text):
        ctx.report("UNSUPPORTED_WILDCARD_IN_PRINCIPAL", v, value=text)
        return
    if kind == "AWS":
        if _ROLE_ID.match(text):
            ctx.report("INVALID_ROLE_REFERENCE", v, value=text)
        elif _USER_ID.match(text):
            ctx.report("INVALID_USER_REFERENCE", v, value=text)
    elif kind == "Federated":
        ctx.report("FEDERATED_PRINCIPAL_NOT_SUPPORTED", v)
    elif kind == "Service" and text != "*" and not SERVICE_PRINCIPAL.match(text):
        ctx.report("INVALID_SERVICE_PRINCIPAL_FORMAT", v, value=text, expected="lambda.amazonaws.com")


def _service_principals(ctx: Context, s) -> None:
    principals = s.principals()
    services = [v for kind, v in principals if kind == "Service"]
    if not services or s.effect != "Allow" or s.principal_element[1]:
        return
    keys = s.condition_keys()
    if not ctx.trust_like(s):
        if not any(k in keys for k in SOURCE_KEYS):
            code = "RECOMMENDED_CONDITION_KEY_FOR_SERVICE_PRINCIPAL" if keys else "RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL"
            for v in services:
                ctx.report(code, v, service=v.text)
    if len(services) == len(principals):
        for c in s.conditions():
            if c.key_lower.startswith(_NOT_FROM_SERVICES) and not c.operator.if_exists \
                    and c.operator.base != "Null":
                ctx.report("UNSUPPORTED_CONDITION_KEY_FOR_SERVICE_PRINCIPAL",
                           [c.value, *services], key=c.key, service=services[0].text)


FAMILY = Family("principals", RULES, check_principals)
