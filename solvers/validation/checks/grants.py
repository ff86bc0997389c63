"""Allow statements that hand out iam:PassRole or iam:CreateServiceLinkedRole too broadly: on every
role, through a wildcard action, or through NotAction/NotResource."""
from __future__ import annotations

from dataclasses import dataclass

from solvers.validation.checks.actions import covers
from solvers.validation.findings import SECURITY_WARNING, WARNING
from solvers.validation.rules import GRANTING, Context, Family, Rule


@dataclass(frozen=True)
class Grant:
    action: str  # lower case
    prefix: str  # issue code prefix
    exempt_key: str  # a condition on this key already narrows the grant
    finding_type: str
    what: str


PASS_ROLE = Grant("iam:passrole", "PASS_ROLE", "iam:passedtoservice", SECURITY_WARNING,
                  "pass any role to any service, which then acts with that role's permissions")
CREATE_SLR = Grant("iam:createservicelinkedrole", "CREATE_SLR", "iam:awsservicename", WARNING,
                   "create service-linked roles for any service")

_VARIANTS = (  # suffix, message
    ("WITH_NOT_RESOURCE", "{action} is allowed with NotResource: the principal can {what}."),
    ("WITH_STAR_IN_ACTION_AND_NOT_RESOURCE", "{by} covers {action} and is allowed with NotResource: the "
                                             "principal can {what}."),
    ("WITH_NOT_ACTION_AND_NOT_RESOURCE", "NotAction and NotResource together leave {action} allowed: the "
                                         "principal can {what}."),
    ("WITH_STAR_IN_RESOURCE", "{action} is allowed on every role ({resource}): the principal can {what}. Name "
                              "the roles, or add a condition on {key}."),
    ("WITH_STAR_IN_ACTION_AND_RESOURCE", "{by} covers {action} on every resource: the principal can {what}."),
    ("WITH_STAR_IN_RESOURCE_AND_NOT_ACTION", "NotAction leaves {action} allowed on every resource: the "
                                             "principal can {what}."),
)

RULES = tuple(
    Rule(f"{g.prefix}_{suffix}", g.finding_type, GRANTING, message,
         f"A broad {g.action} grant lets the holder {g.what}.")
    for g in (PASS_ROLE, CREATE_SLR) for suffix, message in _VARIANTS)


def _every_resource(text: str) -> bool:
    return text == "*" or text.endswith((":role/*", ":*"))


def _may_grant_iam(text: str) -> bool:
    prefix = text.partition(":")[0].lower()
    return prefix == "iam" or "*" in prefix or "?" in prefix


def check_grants(ctx: Context) -> None:
    for s in ctx.statements:
        if s.effect != "Allow":
            continue
        action, not_action = s.action_element
        resource, not_resource = s.resource_element
        if action is None or resource is None:
            continue
        if not not_action and not any(_may_grant_iam(n.text) for n in s.action_values):
            continue  # the common case: no entry can reach an iam: action
        keys = s.condition_keys()
        for g in (PASS_ROLE, CREATE_SLR):
            if g.exempt_key in keys:
                continue
            _grant(ctx, g, s, not_action, not_resource)


def _grant(ctx: Context, g: Grant, s, not_action: bool, not_resource: bool) -> None:
    action, _ = s.action_element
    resource, _ = s.resource_element
    names = s.action_values
    specifics = {"action": g.action.replace("iam:passrole", "iam:PassRole").replace(
        "iam:createservicelinkedrole", "iam:CreateServiceLinkedRole"), "what": g.what, "key": g.exempt_key}
    if not_action:
        if any(covers(n.text, g.action) for n in names):
            return
        if not_resource:
            ctx.report(f"{g.prefix}_WITH_NOT_ACTION_AND_NOT_RESOURCE", [action, resource], **specifics)
        else:
            stars = [r for r in s.resource_values if r.text == "*"]
            if stars:
                ctx.report(f"{g.prefix}_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION", [action, *stars], **specifics)
        return
    explicit = [n for n in names if n.text.lower() == g.action]
    wild = [n for n in names if n.text.lower() != g.action and covers(n.text, g.action)]
    if not_resource:
        for n in explicit:
            ctx.report(f"{g.prefix}_WITH_NOT_RESOURCE", [n, resource], **specifics)
        for n in wild:
            ctx.report(f"{g.prefix}_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE", [n, resource], by=n.text, **specifics)
        return
    broad = [r for r in s.resource_values if _every_resource(r.text)]
    if not broad:
        return
    for n in explicit:
        ctx.report(f"{g.prefix}_WITH_STAR_IN_RESOURCE", [n, *broad], resource=broad[0].text, **specifics)
    stars = [r for r in broad if r.text == "*"]
    for n in wild if stars else ():
        ctx.report(f"{g.prefix}_WITH_STAR_IN_ACTION_AND_RESOURCE", [n, *stars], by=n.text, **specifics)


FAMILY = Family("grants", RULES, check_grants)
