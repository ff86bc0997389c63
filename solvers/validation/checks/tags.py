"""Tag condition keys (aws:ResourceTag/, aws:RequestTag/, aws:TagKeys) on actions of services that
never supply them: an Allow then never applies to those actions, and a Deny never stops them."""
from __future__ import annotations

import functools

from solvers.catalog import load_catalog
from solvers.validation.checks.keys import supports
from solvers.validation.findings import SECURITY_WARNING, SUGGESTION
from solvers.validation.rules import EVERY_POLICY, Context, Family, Rule

_TAG_PREFIXES = ("aws:resourcetag/", "aws:requesttag/")

RULES = (
    Rule("ALLOW_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE", SUGGESTION, EVERY_POLICY,
         "{key} is never supplied by {services}: this Allow never applies to their actions.",
         "A tag condition on a service without tag support is never met."),
    Rule("ALLOW_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE", SUGGESTION, EVERY_POLICY,
         "With NotAction, this Allow only applies to actions of services that supply {key}.",
         "The tag condition silently narrows a NotAction grant."),
    Rule("DENY_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE", SECURITY_WARNING, EVERY_POLICY,
         "{key} is never supplied by {services}: this Deny does not stop their actions.",
         "A Deny that relies on a missing tag key denies nothing."),
    Rule("DENY_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE", SECURITY_WARNING, EVERY_POLICY,
         "With NotAction, this Deny does not stop actions of services that never supply {key}.",
         "Services without tag support escape the Deny."),
)


def _tag_key(low: str) -> bool:
    return low.startswith(_TAG_PREFIXES) or low == "aws:tagkeys"


@functools.lru_cache(maxsize=4096)
def service_supports(service: str, key_lower: str) -> bool:
    """Whether any action or resource type of the service supplies the key (services either support
    tags or not)."""
    svc = load_catalog().service(service)
    if svc is None:
        return True  # unknown services are reported elsewhere
    if any(supports(a, key_lower) for a in svc.actions.values()):
        return True
    head = key_lower.split("/", 1)[0] + "/"
    return any(k.lower() == key_lower or (k.lower().startswith(head) and "$" in k)
               for rt in svc.resource_types.values() for k in rt.condition_keys)


def check_tags(ctx: Context) -> None:
    for s in ctx.statements:
        if s.effect not in ("Allow", "Deny"):
            continue
        tagged = [c for c in s.conditions() if _tag_key(c.key_lower) and not c.operator.if_exists
                  and "Not" not in c.operator.base and c.operator.base != "Null"]
        if not tagged:
            continue
        element, negated = s.action_element
        if element is None:
            continue
        effect = "ALLOW" if s.effect == "Allow" else "DENY"
        for c in tagged:
            if negated:
                ctx.report(f"{effect}_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
                           [element, c.value], key=c.key)
                continue
            lacking, where = [], []
            for a in s.action_values:
                service = a.text.partition(":")[0].lower()
                if a.text == "*" or "*" in service or "?" in service:
                    continue
                if not service_supports(service, c.key_lower):
                    where.append(a)
                    if service not in lacking:
                        lacking.append(service)
            if lacking:
                ctx.report(f"{effect}_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE", [*where, c.value],
                           key=c.key, services=", ".join(lacking))


FAMILY = Family("tags", RULES, check_tags)
