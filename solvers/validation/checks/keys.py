"""Condition keys: their format, whether they exist (globally, for the service, for the listed
actions), tag keys without a tag name, set qualifiers on single- and multivalued keys, and keys that
mean nothing in a given resource policy."""
from __future__ import annotations

import functools
import re

from solvers.catalog import GLOBAL_KEYS, Action, load_catalog
from solvers.validation.checks.actions import covers
from solvers.validation.findings import (
    DYNAMODB_TABLE,
    ERROR,
    IDENTITY,
    RCP,
    RESOURCE,
    S3_ACCESS_POINT,
    S3_BUCKET,
    S3_MRAP,
    SCP,
    SECURITY_WARNING,
    SUGGESTION,
    WARNING,
)
from solvers.validation.rules import EVERY_POLICY, Context, Family, Rule, scope

# ${TagKey} and <key> are placeholders; ssm and secretsmanager write the tag name as the word tag-key
_PLACEHOLDER = re.compile(r"\$\{[^}]*\}|<[^>]*>|(?<=tag/)tag-key$")
_TAG_KEYS = re.compile(r"^[a-z0-9-]+:(resourcetag|requesttag|principaltag|existingobjecttag|requestobjecttag)/?$",
                       re.IGNORECASE)
_IRRELEVANT_IN_OWN_POLICY = ("aws:resourceaccount", "aws:resourceorgid", "aws:resourceorgpaths",
                             "s3:resourceaccount")

RULES = (
    Rule("INVALID_CONDITION_KEY_FORMAT", ERROR, EVERY_POLICY,
         "{key!r} is not a condition key: keys are written prefix:name.", "A malformed key never matches."),
    Rule("INVALID_GLOBAL_CONDITION_KEY", ERROR, EVERY_POLICY, "{key!r} is not a global condition key.{hint}",
         "An unknown aws: key is never present, so the condition never matches (or always, if negated)."),
    Rule("INVALID_SERVICE_CONDITION_KEY", ERROR, EVERY_POLICY, "{service} has no condition key {key!r}.{hint}",
         "An unknown service key is never present in a request."),
    Rule("INVALID_SERVICE", ERROR, EVERY_POLICY, "{prefix!r} in {key!r} is not a service prefix.",
         "Keys of an unknown service are never present in a request."),
    Rule("UNSUPPORTED_GLOBAL_CONDITION_KEY", ERROR, scope(IDENTITY, SCP, RCP),
         "aws:ARN is not supported as a condition key; use aws:PrincipalArn or aws:SourceArn.",
         "aws:ARN is a legacy key that does not describe the request."),
    Rule("DEPRECATED_GLOBAL_CONDITION_KEY", WARNING, scope(RESOURCE),
         "aws:ARN is deprecated; use aws:PrincipalArn or aws:SourceArn.", "Deprecated keys may stop working."),
    Rule("MISSING_TAG_KEY_IN_CONDITION", ERROR, EVERY_POLICY,
         "{key!r} needs the tag's name after a slash, as in {example}.", "A tag key without a tag name never matches."),
    Rule("UNSUPPORTED_ACTION_FOR_CONDITION_KEY", ERROR, EVERY_POLICY,
         "{key} is never in the request context of {actions}: for them this condition is not met.",
         "A condition on a key an action does not supply never matches that action (unless IfExists)."),
    Rule("MISSING_ACTION_FOR_CONDITION_KEY", ERROR, EVERY_POLICY,
         "{key} is only present for {required}, which the statement does not list.",
         "The condition can never be evaluated for the listed actions."),
    Rule("MISSING_QUALIFIER", ERROR, EVERY_POLICY,
         "{key} holds a set of values; say how to compare it with ForAnyValue: or ForAllValues:{operator}.",
         "Without a set qualifier a multivalued key is compared in a way that is easy to get wrong."),
    Rule("FORALLVALUES_WITH_SINGLE_VALUED_KEY", SECURITY_WARNING, EVERY_POLICY,
         "ForAllValues with the single-valued key {key} also matches when the key is absent; drop the "
         "qualifier.", "ForAllValues is vacuously true on a missing key."),
    Rule("DUPLICATE_KEYS_WITH_DIFFERENT_CASE", ERROR, EVERY_POLICY,
         "{key!r} appears twice under {operator}, spelt differently; keys are case-insensitive, so merge them.",
         "AWS rejects keys that differ only in case within one operator."),
    Rule("IRRELEVANT_CONDITION_KEY_IN_POLICY", SUGGESTION,
         scope(RESOURCE, resource_types=(S3_BUCKET, S3_ACCESS_POINT, S3_MRAP, DYNAMODB_TABLE)),
         "{key} always names the owner of this resource in its own policy; the condition adds nothing.",
         "The resource of a resource policy is fixed."),
)


@functools.lru_cache(maxsize=4096)
def _supported_keys(action: Action) -> tuple[frozenset[str], tuple[tuple[str, ...], ...]]:
    """An action's condition keys in lower case, split into exact names and templates' pieces. As the
    Service Authorization Reference reads, the keys of the resource types an action acts on (its
    resource types table) apply to the action too: sts:TagSession on a role supplies iam:ResourceTag/."""
    svc = load_catalog().service(action.service)
    table = svc.resource_types if svc is not None else {}
    keys = list(action.condition_keys)
    for row in action.resource_types:
        rtype = table.get(row.name)
        if rtype is not None:
            keys += rtype.condition_keys
    exact, templates = set(), []
    for k in dict.fromkeys(keys):
        low = k.lower()
        parts = tuple(_PLACEHOLDER.split(low))
        if len(parts) > 1:
            templates.append(parts)
        else:
            exact.add(low)
    return frozenset(exact), tuple(templates)


def supports(action: Action, key_lower: str) -> bool:
    exact, templates = _supported_keys(action)
    if key_lower in exact:
        return True
    for parts in templates:
        head, tail = parts[0], parts[-1]
        if key_lower.startswith(head) and key_lower.endswith(tail) and len(key_lower) > len(head) + len(tail):
            return True
    return False


@functools.lru_cache(maxsize=2048)
def actions_supporting(service: str, key_lower: str) -> tuple[str, ...]:
    svc = load_catalog().service(service)
    if svc is None:
        return ()
    return tuple(a.full_name for a in svc.actions.values() if supports(a, key_lower))


def known_key(catalog, key: str):
    """The catalog's key, also for keys whose table writes the tag placeholder as a plain word
    (secretsmanager:ResourceTag/tag-key) instead of ${TagKey}."""
    found = catalog.condition_key(key)
    if found is not None or "/" not in key:
        return found
    prefix, _, _ = key.partition(":")
    svc = catalog.service(prefix)
    head = key.split("/", 1)[0].lower() + "/"
    for name, k in (svc.condition_keys.items() if svc else ()):
        if name.startswith(head):
            return k
    return None


def check_keys(ctx: Context) -> None:
    catalog = load_catalog()
    for s in ctx.statements:
        conditions = s.conditions()
        for c in conditions:
            _key(ctx, catalog, c)
        _duplicates(ctx, s)
        _per_action(ctx, catalog, s, conditions)


def _key(ctx: Context, catalog, c) -> None:
    key, low = c.key, c.key_lower
    prefix, sep, name = low.partition(":")
    if not sep or not prefix or not name:
        ctx.report("INVALID_CONDITION_KEY_FORMAT", c.value, key=key)
        return
    if _TAG_KEYS.match(low):
        ctx.report("MISSING_TAG_KEY_IN_CONDITION", c.value, key=key, example=key.rstrip("/") + "/team")
        return
    known = known_key(catalog, key)
    if prefix == "aws":
        if low == "aws:arn":
            ctx.report("UNSUPPORTED_GLOBAL_CONDITION_KEY", c.value)
            ctx.report("DEPRECATED_GLOBAL_CONDITION_KEY", c.value)
        elif known is None:
            ctx.report("INVALID_GLOBAL_CONDITION_KEY", c.value, key=key, hint=_hint(low, GLOBAL_KEYS))
            return
    elif known is None and "." not in prefix:
        svc = catalog.service(prefix)
        if svc is None:
            ctx.report("INVALID_SERVICE", c.value, key=key, prefix=prefix)
        else:
            ctx.report("INVALID_SERVICE_CONDITION_KEY", c.value, key=key, service=svc.prefix,
                       hint=_hint(low, svc.condition_keys))
        return
    if known is None:
        return
    op = c.operator
    # Service tables mark some keys multivalued that AWS's own policies compare without a qualifier;
    # the rule is held firm for the documented global ones.
    if known.multivalued and prefix == "aws" and op.qualifier is None and op.base != "Null":
        ctx.report("MISSING_QUALIFIER", c.value, key=key, operator=op.text)
    if op.qualifier == "ForAllValues" and not known.multivalued and not low.endswith((":aud", ":oaud")):
        ctx.report("FORALLVALUES_WITH_SINGLE_VALUED_KEY", c.value, key=key)
    if low in _IRRELEVANT_IN_OWN_POLICY:
        ctx.report("IRRELEVANT_CONDITION_KEY_IN_POLICY", c.value, key=key)


def _hint(low: str, names) -> str:
    import difflib
    close = difflib.get_close_matches(low, [n.lower() for n in names], n=1, cutoff=0.75)
    return f" Did you mean {close[0]}?" if close else ""


def _duplicates(ctx: Context, s) -> None:
    cond = s.get("Condition")
    for op, block in cond.members() if cond is not None else ():
        seen: dict[str, str] = {}
        for key, value in block.members():
            low = key.value.lower()
            if low in seen and seen[low] != key.value:
                ctx.report("DUPLICATE_KEYS_WITH_DIFFERENT_CASE", value, key=key.value, operator=op.value)
            seen.setdefault(low, key.value)


def _per_action(ctx: Context, catalog, s, conditions) -> None:
    """Service keys (and OIDC/SAML claims) that the listed actions never carry."""
    if not conditions or not ctx.on("UNSUPPORTED_ACTION_FOR_CONDITION_KEY"):
        return
    listed = []
    for a in s.actions:
        if "*" in a.text or "?" in a.text:
            continue
        found = catalog.action(a.text)
        if found is not None:
            listed.append((a, found))
    if not listed:
        return
    for c in conditions:
        low = c.key_lower
        # aws: keys are either available to every action or tag keys, which the tag checks judge per service
        if c.operator.if_exists or c.operator.base == "Null" or low.startswith("aws:"):
            continue
        if known_key(catalog, c.key) is None:
            continue
        if low in GLOBAL_KEYS:
            continue  # session properties (glue:RoleAssumedBy, ...) are present for every action
        prefix = low.partition(":")[0]
        # Every listed action that the catalog says never carries the key is reported, whichever service it
        # belongs to (AWS's console flags kms:GetKeyPolicy under kms:RecipientAttestation:PCR8). The one
        # exception: when no action of the key's own service lists the key, the catalog knows too little
        # about that service to judge its actions, so only other services' actions are judged then.
        own_supported = any(supports(act, low) for _, act in listed if act.service.lower() == prefix)
        required = () if own_supported else actions_supporting(prefix, low)
        if len(required) == 1 and not any(covers(a.text, required[0]) for a in s.actions):
            ctx.report("MISSING_ACTION_FOR_CONDITION_KEY", [c.value], key=c.key, required=required[0])
            continue
        judge_own = own_supported or bool(required)
        missing = [(a, act) for a, act in listed
                   if (judge_own or act.service.lower() != prefix) and not supports(act, low)]
        if not missing:
            continue
        ctx.report("UNSUPPORTED_ACTION_FOR_CONDITION_KEY", [*(a for a, _ in missing), c.value], key=c.key,
                   actions=", ".join(a.text for a, _ in missing))


FAMILY = Family("keys", RULES, check_keys)
