"""Role trust policies: which sts: action fits which principal, federation (SAML, OIDC, GitHub),
IAM Roles Anywhere, and redundant session principals."""
from __future__ import annotations

import re

from solvers.validation.findings import ERROR, SECURITY_WARNING, SUGGESTION, WARNING
from solvers.validation.rules import EVERY_POLICY, TRUST_OR_UNTYPED, Context, Family, Rule

_SAML = re.compile(r"^arn:[a-z-]+:iam::\d{12}:saml-provider/[\w+=,.@-]+$")
_OIDC = re.compile(r"^arn:[a-z-]+:iam::\d{12}:oidc-provider/(.+)$")
_DOMAIN = re.compile(r"^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+(/[\w./-]*)?$")
_ROLE = re.compile(r"^arn:([a-z-]+):iam::(\d{12}):role/(?:.*/)?([\w+=,.@-]+)$")
_SESSION = re.compile(r"^arn:([a-z-]+):sts::(\d{12}):assumed-role/([\w+=,.@-]+)/.+$")
GITHUB = "token.actions.githubusercontent.com"
ROLES_ANYWHERE_ACTIONS = ("sts:assumerole", "sts:setsourceidentity", "sts:tagsession")

RULES = (
    Rule("INVALID_FEDERATED_PRINCIPAL_SYNTAX_IN_ROLE_TRUST_POLICY", ERROR, TRUST_OR_UNTYPED,
         "{value!r} is neither an identity provider's domain name nor a SAML or OIDC provider ARN.",
         "A federated principal names the identity provider that vouches for the caller."),
    Rule("MISMATCHED_ACTION_FOR_PRINCIPAL", ERROR, TRUST_OR_UNTYPED,
         "{action} cannot be used by {principal}; {kind} principals assume roles with {expected}.",
         "Each way of assuming a role has its own sts: action: AssumeRole, AssumeRoleWithSAML, "
         "AssumeRoleWithWebIdentity."),
    Rule("MISSING_ACTION_FOR_ROLES_ANYWHERE_TRUST_POLICY", ERROR, TRUST_OR_UNTYPED,
         "A trust policy for IAM Roles Anywhere must allow sts:AssumeRole, sts:SetSourceIdentity and "
         "sts:TagSession; {missing} missing.", "Roles Anywhere calls all three actions when it creates a session."),
    Rule("MISSING_CONDITION_KEY_FOR_OIDC_PRINCIPAL", SECURITY_WARNING, TRUST_OR_UNTYPED,
         "Anyone with a token from {provider} can assume this role; add a condition on a {provider}: key "
         "(such as :aud or :sub).", "An OIDC provider issues tokens to many audiences, not only yours."),
    Rule("MISSING_GITHUB_REPO_CONDITION_KEY", SECURITY_WARNING, TRUST_OR_UNTYPED,
         "Any GitHub repository's workflow can assume this role; restrict {key} to your repositories.",
         "GitHub's OIDC provider is shared by every GitHub user."),
    Rule("SPECIFIC_GITHUB_REPO_AND_BRANCH_RECOMMENDED", WARNING, TRUST_OR_UNTYPED,
         "{value!r} uses a wildcard; name the repository and branch or environment explicitly.",
         "A wildcard in the subject lets more workflows assume the role than intended."),
    Rule("REDUNDANT_PRINCIPAL_IN_ROLE_TRUST_POLICY", SUGGESTION, TRUST_OR_UNTYPED,
         "{session} is redundant: its role {role} is already trusted.",
         "Trusting a role trusts all of its sessions."),
    Rule("FORANYVALUE_WITH_AUDIENCE_CLAIM_TYPE", SECURITY_WARNING, EVERY_POLICY,
         "ForAnyValue with the single-valued audience claim {key} matches when the token lists any "
         "audience you name; use the operator without a qualifier.",
         "A set qualifier on a single-valued claim changes what the condition means."),
    Rule("CONFIRM_AUDIENCE_CLAIM_TYPE", SUGGESTION, EVERY_POLICY,
         "ForAllValues with the audience claim {key} also matches a token without it; confirm that the "
         "claim is multivalued for this provider.", "Most providers issue a single audience."),
)


def federated_kind(value: str) -> str:
    """'saml', 'oidc' or '' (not a federated principal IAM understands)."""
    if _SAML.match(value):
        return "saml"
    if _OIDC.match(value) or (_DOMAIN.match(value) and not value.startswith("arn:")):
        return "oidc"
    return ""


def oidc_provider(value: str) -> str:
    m = _OIDC.match(value)
    return m.group(1) if m else value


_EXPECTED = {"saml": "sts:AssumeRoleWithSAML", "oidc": "sts:AssumeRoleWithWebIdentity",
             "AWS": "sts:AssumeRole", "Service": "sts:AssumeRole"}


def _accepts(action: str, kind: str) -> bool:
    """Whether an exact sts: action can be used by a principal of `kind` (saml, oidc, AWS, Service)."""
    if action == "sts:assumerole":
        return kind in ("AWS", "Service")
    if action == "sts:assumerolewithsaml":
        return kind == "saml"
    if action == "sts:assumerolewithwebidentity":
        return kind == "oidc"
    return True


def check_trust(ctx: Context) -> None:
    for s in ctx.statements:
        if not ctx.trust_like(s) and not ctx.is_trust:
            _audience(ctx, s)
            continue
        principals = []
        for kind, v in s.principals():
            if kind == "Federated":
                fk = federated_kind(v.text)
                if not fk:
                    ctx.report("INVALID_FEDERATED_PRINCIPAL_SYNTAX_IN_ROLE_TRUST_POLICY", v, value=v.text)
                    continue
                principals.append((fk, v))
            elif kind in ("AWS", "Service"):
                principals.append((kind, v))
        for a in s.actions:
            low = a.text.lower()
            wrong = [(k, v) for k, v in principals if not _accepts(low, k)]
            if wrong:
                kind = wrong[0][0]
                ctx.report("MISMATCHED_ACTION_FOR_PRINCIPAL", [a, *(v for _, v in wrong)], action=a.text,
                           principal=wrong[0][1].text, kind=kind.upper() if kind in ("saml", "oidc") else kind,
                           expected=_EXPECTED[kind])
        _roles_anywhere(ctx, s)
        if s.effect == "Allow":
            _oidc(ctx, s, principals)
        _sessions(ctx, s)
        _audience(ctx, s)


def _roles_anywhere(ctx: Context, s) -> None:
    from solvers.validation.checks.actions import covers
    services = [v for kind, v in s.principals() if kind == "Service" and v.text == "rolesanywhere.amazonaws.com"]
    if not services:
        return
    listed = [a.text for a in s.actions]
    missing = [n for n in ROLES_ANYWHERE_ACTIONS if not any(covers(a, n) for a in listed)]
    if missing:
        action = s.get("Action")
        where = services + ([action] if action is not None else [])
        ctx.report("MISSING_ACTION_FOR_ROLES_ANYWHERE_TRUST_POLICY", where, missing=", ".join(missing) + (" is" if len(missing) == 1 else " are"))


def _oidc(ctx: Context, s, principals) -> None:
    keys = s.condition_keys()
    for kind, v in principals:
        if kind != "oidc":
            continue
        provider = oidc_provider(v.text).lower()
        if provider == GITHUB:
            sub = f"{GITHUB}:sub"
            if sub not in keys:
                ctx.report("MISSING_GITHUB_REPO_CONDITION_KEY", v, key=sub)
        elif not any(k.startswith(provider + ":") for k in keys):
            ctx.report("MISSING_CONDITION_KEY_FOR_OIDC_PRINCIPAL", v, provider=provider)
    for c in s.conditions():
        if c.key_lower == f"{GITHUB}:sub":
            for v in c.values:
                text = v.text
                if "*" in text or "?" in text:
                    ctx.report("SPECIFIC_GITHUB_REPO_AND_BRANCH_RECOMMENDED", v, value=text)


def _sessions(ctx: Context, s) -> None:
    aws = [v for kind, v in s.principals() if kind == "AWS"]
    roles = {}
    for v in aws:
        m = _ROLE.match(v.text)
        if m:
            roles[(m.group(2), m.group(3))] = v
    for v in aws:
        m = _SESSION.match(v.text)
        if m and (m.group(2), m.group(3)) in roles:
            parent = roles[(m.group(2), m.group(3))]
            ctx.report("REDUNDANT_PRINCIPAL_IN_ROLE_TRUST_POLICY", [v, parent], session=v.text, role=parent.text)


def _audience(ctx: Context, s) -> None:
    for c in s.conditions():
        prefix, _, claim = c.key_lower.rpartition(":")
        if claim not in ("aud", "oaud") or "." not in prefix:
            continue
        if c.operator.qualifier == "ForAnyValue":
            ctx.report("FORANYVALUE_WITH_AUDIENCE_CLAIM_TYPE", c.value, key=c.key)
        elif c.operator.qualifier == "ForAllValues":
            ctx.report("CONFIRM_AUDIENCE_CLAIM_TYPE", c.value, key=c.key)


FAMILY = Family("trust", RULES, check_trust)
