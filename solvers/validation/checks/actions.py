"""Actions against the IAM catalog: unknown services and actions (with the closest valid name),
actions a resource type's policy cannot use, wildcards covering other entries, SCP/RCP action rules."""
from __future__ import annotations

import difflib
import functools
import re

from solvers.catalog import Catalog, load_catalog
from solvers.validation import sdk
from solvers.validation.document import At
from solvers.validation.findings import (
    DYNAMODB_TABLE,
    ERROR,
    RESOURCE,
    S3_ACCESS_POINT,
    S3_BUCKET,
    S3_MRAP,
    S3_OBJECT_LAMBDA,
    SUGGESTION,
    TRUST,
)
from solvers.validation.rules import EVERY_POLICY, RCP_ONLY, SCP_ONLY, Context, Family, Rule, scope

# Services whose actions a resource policy of each type can grant.
RESOURCE_TYPE_SERVICES = {S3_BUCKET: ("s3", "s3express"), S3_ACCESS_POINT: ("s3",), S3_MRAP: ("s3",),
                          S3_OBJECT_LAMBDA: ("s3-object-lambda",), TRUST: ("sts",), DYNAMODB_TABLE: ("dynamodb",)}
# Services resource control policies apply to (AWS Organizations documentation).
RCP_SERVICES = ("s3", "sts", "sqs", "secretsmanager", "kms", "dynamodb", "ecr", "aoss", "cognito-identity", "logs",
                "s3tables")

RULES = (
    Rule("INVALID_SERVICE_IN_ACTION", ERROR, EVERY_POLICY,
         "There is no service with the prefix {service!r} (in {action!r}).{hint}",
         "An action of an unknown service matches nothing."),
    Rule("INVALID_ACTION", ERROR, EVERY_POLICY, "{action!r} is not an action of {service}.{hint}",
         "An unknown action matches nothing, so the statement does less than intended."),
    Rule("UNSUPPORTED_ACTION_IN_POLICY", ERROR, scope(RESOURCE, resource_types=RESOURCE_TYPE_SERVICES),
         "{action!r} cannot be used in a {resource_type} policy; it accepts actions of {services}.",
         "A resource policy can only grant actions on its own resource type."),
    Rule("REDUNDANT_ACTION", SUGGESTION, EVERY_POLICY, "{action!r} is already covered by {by!r}; remove it.",
         "Entries covered by a wildcard make a policy longer without changing it."),
    Rule("SCP_SYNTAX_ERROR_ACTION_WILDCARD", ERROR, SCP_ONLY,
         "{action!r}: in a service control policy a wildcard may only end an action name.",
         "SCPs accept wildcards only as the last character of an action."),
    Rule("RCP_SYNTAX_ERROR_ACTION", ERROR, RCP_ONLY,
         "{action!r}: resource control policies apply only to {services}.",
         "Actions of other services are outside what an RCP can control."),
    Rule("RCP_SYNTAX_ERROR_NOTACTION", ERROR, RCP_ONLY, "Resource control policies cannot use NotAction.",
         "RCPs must list the actions they restrict."),
)


@functools.lru_cache(maxsize=8192)
def _glob(pattern: str) -> re.Pattern[str]:
    # `?` in a covering pattern may stand for a literal character but not for another entry's `*`
    return re.compile("".join(".*" if c == "*" else "[^\x00]" if c == "?" else re.escape(c) for c in pattern.lower()))


def covers(pattern: str, other: str) -> bool:
    """Whether every action `other` (itself possibly a pattern) matches is matched by `pattern`."""
    if not _has_wildcard(pattern):
        return pattern.lower() == other.lower()
    if _trailing_star(pattern):  # most patterns ("s3:Get*"): a prefix test, no regex to compile
        return other.lower().startswith(pattern[:-1].lower())
    return bool(_glob(pattern).fullmatch(other.lower().replace("*", "\x00")))


def _has_wildcard(text: str) -> bool:
    return "*" in text or "?" in text


def _trailing_star(pattern: str) -> bool:
    return pattern.endswith("*") and not _has_wildcard(pattern[:-1])


def _hint(words: list[str], candidates) -> str:
    # only names sharing the first letter: difflib over every service costs milliseconds per call
    close = difflib.get_close_matches(words[0], [c for c in candidates if c[:1] == words[0][:1]], n=1,
                                      cutoff=0.6) if words[0] else []
    return f" Did you mean {close[0]}?" if close else ""


@functools.lru_cache(maxsize=65536)
def check_action(catalog: Catalog, text: str) -> tuple[str, dict] | None:
    """The catalog problem of one action string, as (code, specifics), or None when it is fine."""
    if text == "*":
        return None
    prefix, sep, name = text.partition(":")
    if not sep:
        return "INVALID_ACTION", {"action": text, "service": "any service",
                                  "hint": " Actions are written service:ActionName."}
    if _has_wildcard(prefix):
        return None
    svc = catalog.service(prefix)
    if svc is None:
        if sdk.knows_service(prefix) and (_has_wildcard(name) or sdk.knows_action(prefix, name)):
            return None
        return "INVALID_SERVICE_IN_ACTION", {"action": text, "service": prefix,
                                             "hint": _hint([prefix.lower()], catalog.services)}
    if _has_wildcard(name):
        if _trailing_star(name):
            stem = name[:-1].lower()
            if any(n.startswith(stem) for n in svc.actions):
                return None
        elif any(_glob(text).fullmatch(f"{svc.prefix}:{n}") for n in svc.actions):
            return None
        return "INVALID_ACTION", {"action": text, "service": svc.prefix, "hint": " It matches no action."}
    if name.lower() in svc.actions or sdk.knows_action(prefix, name):
        return None
    low = name.lower()
    # candidates that start like it (the verb: Get, List, Put...) and are of a similar length keep the
    # search cheap; difflib over a whole service costs milliseconds
    candidates = [n for n in svc.actions if n[:3] == low[:3] and abs(len(n) - len(low)) <= 6]
    close = difflib.get_close_matches(low, candidates, n=1, cutoff=0.6)
    hint = f" Did you mean {svc.prefix}:{svc.actions[close[0]].name}?" if close else ""
    return "INVALID_ACTION", {"action": text, "service": svc.prefix, "hint": hint}


def check_actions(ctx: Context) -> None:
    catalog = load_catalog()
    allowed = RESOURCE_TYPE_SERVICES.get(ctx.resource_type) if ctx.on("UNSUPPORTED_ACTION_IN_POLICY") else None
    scp, rcp = ctx.on("SCP_SYNTAX_ERROR_ACTION_WILDCARD"), ctx.on("RCP_SYNTAX_ERROR_ACTION")
    for s in ctx.statements:
        element, negated = s.action_element
        if element is None:
            continue
        if negated:
            ctx.report("RCP_SYNTAX_ERROR_NOTACTION", element)
        values = s.action_values
        for v in values:
            text = v.text
            problem = check_action(catalog, text)
            if problem:
                ctx.report(problem[0], v, **problem[1])
            if text == "*" or not (allowed or scp or rcp):
                continue  # the rules below apply to typed resource policies, SCPs and RCPs only
            prefix = text.partition(":")[0].lower()
            if allowed and not _has_wildcard(prefix) and prefix not in allowed:
                ctx.report("UNSUPPORTED_ACTION_IN_POLICY", v, action=text, resource_type=ctx.resource_type,
                           services=", ".join(allowed))
            if scp and _has_wildcard(text.rstrip("*")):
                ctx.report("SCP_SYNTAX_ERROR_ACTION_WILDCARD", v, action=text)
            if rcp and prefix not in RCP_SERVICES:
                ctx.report("RCP_SYNTAX_ERROR_ACTION", v, action=text, services=", ".join(RCP_SERVICES))
        _redundant(ctx, values)


def _redundant(ctx: Context, values) -> None:
    """Entries repeated, or covered by a wildcard entry of the same element. An entry is compared only
    with the wildcard entries of its own service (and those with a wildcard service), so that long
    lists stay fast."""
    if len(values) < 2:
        return
    first: dict[str, At] = {}
    by_service: dict[str, list[tuple[str, str]]] = {}
    lows = [v.text.lower() for v in values]
    for v, low in zip(values, lows, strict=True):
        if _has_wildcard(low):
            prefix = low.partition(":")[0]
            by_service.setdefault("*" if _has_wildcard(prefix) else prefix, []).append((low, v.text))
    anywhere = by_service.get("*", [])
    for v, low in zip(values, lows, strict=True):
        if low in first:
            ctx.report("REDUNDANT_ACTION", v, action=v.text, by=first[low].text)
            continue
        first[low] = v
        if not by_service:
            continue  # no wildcard entry: only repeats can be redundant
        own = by_service.get(low.partition(":")[0])
        for pattern, text in (own + anywhere if own and anywhere else own or anywhere):
            if pattern != low and covers(pattern, low):
                ctx.report("REDUNDANT_ACTION", v, action=v.text, by=text)
                break


FAMILY = Family("actions", RULES, check_actions)
