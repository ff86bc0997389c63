"""The grammar of a policy: elements, their JSON types, the required ones, Sids, empty values."""
from __future__ import annotations

import re
from collections import Counter

from solvers.jsonspan import JArray, JObject, JString, kind_name
from solvers.policy import VERSIONS
from solvers.validation.document import STATEMENT_ELEMENTS, TOP_ELEMENTS, At, scalar_text
from solvers.validation.findings import ERROR, IDENTITY, RCP, RESOURCE, SCP, SUGGESTION, TRUST, WARNING
from solvers.validation.rules import (
    EVERY_POLICY,
    NO_RESOURCE_TYPE,
    NOT_TRUST,
    RESOURCE_NOT_TRUST,
    Context,
    Family,
    Rule,
    scope,
)

_SID = re.compile(r"^[A-Za-z0-9]*$")
_STRICT_SIDS = scope(IDENTITY, SCP, RCP, "RESOURCE_POLICY", resource_types=(TRUST,))
_PAIRS = (("Action", "NotAction"), ("Resource", "NotResource"), ("Principal", "NotPrincipal"))

RULES = (
    Rule("JSON_SYNTAX_ERROR", ERROR, EVERY_POLICY, "The policy is not valid JSON: {problem}.",
         "Nothing else can be checked until the document parses."),
    Rule("DATA_TYPE_MISMATCH", ERROR, EVERY_POLICY, "{element} must be {expected}, not {found}.",
         "AWS rejects a policy whose elements have the wrong JSON type."),
    Rule("INVALID_POLICY_ELEMENT", ERROR, EVERY_POLICY,
         "{element} is not a policy element; the allowed ones are {allowed}.",
         "Element names are case-sensitive and a misspelt one is rejected, not ignored."),
    Rule("INVALID_VERSION", ERROR, EVERY_POLICY, "Version {version!r} is not one of {versions}.",
         "Only two policy language versions exist."),
    Rule("MISSING_VERSION", WARNING, EVERY_POLICY,
         "The policy has no Version; add \"Version\": \"2012-10-17\" so that policy variables work.",
         "Without a Version the 2008 language applies and policy variables are read literally."),
    Rule("MISSING_STATEMENT", ERROR, EVERY_POLICY, "The policy has no Statement element.",
         "A policy without statements is rejected."),
    Rule("MISSING_EFFECT", ERROR, EVERY_POLICY, "Statement {index} has no Effect; add Allow or Deny.",
         "Every statement must say whether it allows or denies."),
    Rule("INVALID_EFFECT", ERROR, EVERY_POLICY, "Effect {effect!r} must be Allow or Deny (case-sensitive).",
         "Only two effects exist."),
    Rule("MISSING_ACTION", ERROR, EVERY_POLICY, "Statement {index} has neither Action nor NotAction.",
         "A statement must name the actions it is about."),
    Rule("MISSING_RESOURCE", ERROR, NOT_TRUST, "Statement {index} has neither Resource nor NotResource.",
         "Except in role trust policies, a statement must name its resources."),
    Rule("MISSING_PRINCIPAL", ERROR, scope("RESOURCE_POLICY", RCP),
         "Statement {index} of a resource-based policy has neither Principal nor NotPrincipal.",
         "A resource policy must say whom it applies to."),
    Rule("UNSUPPORTED_ELEMENT_COMBINATION", ERROR, EVERY_POLICY,
         "{first} and {second} cannot appear in the same statement.",
         "An element and its Not- form are mutually exclusive."),
    Rule("EMPTY_SID_VALUE", SUGGESTION, EVERY_POLICY, "The Sid is empty; give it a name or remove it.",
         "An empty Sid identifies nothing."),
    Rule("UNSUPPORTED_SID", ERROR, _STRICT_SIDS,
         "Sid {sid!r} may only contain letters A-Z, a-z and digits 0-9.",
         "IAM-managed policy types accept only alphanumeric statement ids."),
    Rule("UNIQUE_SIDS_REQUIRED", ERROR, _STRICT_SIDS, "Sid {sid!r} is used by more than one statement.",
         "This policy type rejects duplicate statement ids."),
    Rule("UNIQUE_SIDS_RECOMMENDED", WARNING, RESOURCE_NOT_TRUST,
         "Sid {sid!r} is used by more than one statement; unique Sids make statements addressable.",
         "Duplicate statement ids are accepted here but confuse whoever reads or edits the policy."),
    Rule("EMPTY_ARRAY_ACTION", SUGGESTION, EVERY_POLICY, "{element} is an empty list: the statement matches no action.",
         "A statement without actions has no effect."),
    Rule("EMPTY_ARRAY_RESOURCE", SUGGESTION, EVERY_POLICY,
         "{element} is an empty list: the statement matches no resource.",
         "A statement without resources has no effect."),
    Rule("EMPTY_OBJECT_CONDITION", SUGGESTION, EVERY_POLICY, "The Condition block is empty; remove it.",
         "An empty Condition adds nothing."),
)


def _string_list(ctx: Context, at: At, element: str) -> None:
    """A one-or-many list of strings (Action, Resource, principal values)."""
    if isinstance(at.node, JArray):
        for item in at.items():
            if not isinstance(item.node, JString):
                ctx.report("DATA_TYPE_MISMATCH", item, element=element, expected="a string",
                           found=kind_name(item.node))
    elif not isinstance(at.node, JString):
        ctx.report("DATA_TYPE_MISMATCH", at, element=element, expected="a string or a list of strings",
                   found=kind_name(at.node))


def _string(ctx: Context, at: At, element: str) -> bool:
    if isinstance(at.node, JString):
        return True
    ctx.report("DATA_TYPE_MISMATCH", at, element=element, expected="a string", found=kind_name(at.node))
    return False


def _condition_types(ctx: Context, cond: At) -> None:
    if not isinstance(cond.node, JObject):
        ctx.report("DATA_TYPE_MISMATCH", cond, element="Condition", expected="an object",
                   found=kind_name(cond.node))
        return
    if not cond.node.pairs:
        ctx.report("EMPTY_OBJECT_CONDITION", cond)
    for op, block in cond.members():
        if not isinstance(block.node, JObject):
            ctx.report("DATA_TYPE_MISMATCH", block, element=f"Condition operator {op.value}",
                       expected="an object", found=kind_name(block.node))
            continue
        for key, value in block.members():
            for item in value.items():
                if scalar_text(item.node) is None:
                    ctx.report("DATA_TYPE_MISMATCH", item, element=f"The value of {key.value}",
                               expected="a string, number or boolean", found=kind_name(item.node))


def check_structure(ctx: Context) -> None:
    root = ctx.document.root
    if not isinstance(root.node, JObject):
        ctx.report("DATA_TYPE_MISMATCH", root, element="A policy", expected="an object",
                   found=kind_name(root.node))
        return
    seen = {k.value for k, _ in root.members()}
    for key, value in root.members():
        if key.value not in TOP_ELEMENTS:
            ctx.report("INVALID_POLICY_ELEMENT", value, element=key.value, allowed=", ".join(TOP_ELEMENTS))
        elif key.value == "Version" and _string(ctx, value, "Version") and value.text not in VERSIONS:
            ctx.report("INVALID_VERSION", value, version=value.text, versions=" or ".join(VERSIONS))
        elif key.value == "Id":
            _string(ctx, value, "Id")
        elif key.value == "Statement":
            if isinstance(value.node, JArray):
                for item in value.items():
                    if not isinstance(item.node, JObject):
                        ctx.report("DATA_TYPE_MISMATCH", item, element="A statement", expected="an object",
                                   found=kind_name(item.node))
            elif not isinstance(value.node, JObject):
                ctx.report("DATA_TYPE_MISMATCH", value, element="Statement",
                           expected="an object or a list of objects", found=kind_name(value.node))
    if "Version" not in seen:
        ctx.report("MISSING_VERSION", root)
    if "Statement" not in seen:
        ctx.report("MISSING_STATEMENT", root)
    for s in ctx.statements:
        _statement(ctx, s)
    _sids(ctx)


def _statement(ctx: Context, s) -> None:
    for name, value in s.elements.items():
        if name not in STATEMENT_ELEMENTS:
            ctx.report("INVALID_POLICY_ELEMENT", value, element=name, allowed=", ".join(STATEMENT_ELEMENTS))
        elif name in ("Action", "NotAction", "Resource", "NotResource"):
            _string_list(ctx, value, name)
            if isinstance(value.node, JArray) and not value.node.items:
                code = "EMPTY_ARRAY_ACTION" if "Action" in name else "EMPTY_ARRAY_RESOURCE"
                ctx.report(code, value, element=name)
        elif name in ("Sid", "Effect"):
            if _string(ctx, value, name) and name == "Effect" and value.text not in ("Allow", "Deny"):
                ctx.report("INVALID_EFFECT", value, effect=value.text)
        elif name == "Condition":
            _condition_types(ctx, value)
        elif name in ("Principal", "NotPrincipal"):
            if isinstance(value.node, JObject):
                for key, member in value.members():
                    _string_list(ctx, member, f"{name}.{key.value}")
            elif not isinstance(value.node, JString):
                ctx.report("DATA_TYPE_MISMATCH", value, element=name, expected='an object or "*"',
                           found=kind_name(value.node))
    names = s.elements
    if "Effect" not in names:
        ctx.report("MISSING_EFFECT", s.at, index=s.index)
    if "Action" not in names and "NotAction" not in names:
        ctx.report("MISSING_ACTION", s.at, index=s.index)
    if "Resource" not in names and "NotResource" not in names and not ctx.is_trust \
            and not _federated_trust(ctx, s):
        ctx.report("MISSING_RESOURCE", s.at, index=s.index)
    if "Principal" not in names and "NotPrincipal" not in names:
        ctx.report("MISSING_PRINCIPAL", s.at, index=s.index)
    for first, second in _PAIRS:
        if first in names and second in names:
            ctx.report("UNSUPPORTED_ELEMENT_COMBINATION", [names[first], names[second]], first=first,
                       second=second)


def _federated_trust(ctx: Context, s) -> bool:
    """A statement of a resource policy given without a resource type whose Principal is Federated: only
    a role trust policy can name a federated identity provider, and a trust policy has no Resource.
    AWS answers so (the recorded Cognito trust policy validated as RESOURCE_POLICY gets no
    MISSING_RESOURCE); a Service or AWS principal with sts: actions alone does not make a trust policy."""
    if ctx.policy_type != RESOURCE or ctx.resource_type != NO_RESOURCE_TYPE:
        return False
    principal, negated = s.principal_element
    return not negated and principal is not None and isinstance(principal.node, JObject) \
        and any(k.value == "Federated" for k, _ in principal.members())


def _sids(ctx: Context) -> None:
    sids = [s.get("Sid") for s in ctx.statements]
    present = [a for a in sids if a is not None and a.is_string]
    counts = Counter(a.text for a in present if a.text)
    seen: set[str] = set()
    for a in present:
        if a.text == "":
            ctx.report("EMPTY_SID_VALUE", a)
            continue
        if not _SID.match(a.text):
            ctx.report("UNSUPPORTED_SID", a, sid=a.text)
        if counts[a.text] > 1 and a.text in seen:
            ctx.report("UNIQUE_SIDS_REQUIRED", a, sid=a.text)
            ctx.report("UNIQUE_SIDS_RECOMMENDED", a, sid=a.text)
        seen.add(a.text)


FAMILY = Family("structure", RULES, check_structure)
