"""Condition operators and the values under them: unknown operators, operator vs key type, values
that cannot be read as the operator's type, empty value lists, and blocks that are constant
(always or never true) or equivalent to a Null test."""
from __future__ import annotations

import base64
import binascii
import re
from datetime import datetime

from solvers.catalog import load_catalog
from solvers.jsonspan import JArray, JBool, JNumber, JString
from solvers.operators import OPERATORS, QUALIFIERS
from solvers.operators import Family as OpFamily
from solvers.validation.checks import arn_operator_exceptions
from solvers.validation.document import scalar_text
from solvers.validation.findings import ERROR, SECURITY_WARNING, SUGGESTION, WARNING
from solvers.validation.rules import EVERY_POLICY, Context, Family, Rule

_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_EPOCH = re.compile(r"^\d{9,13}$")
# The operator families each key type accepts (Null goes with everything).
_ACCEPTS = {"String": {"String"}, "ARN": {"Arn", "String"}, "Bool": {"Bool"}, "Numeric": {"Numeric"},
            "Date": {"Date"}, "IPAddress": {"Ip"}, "Binary": {"Binary"}}
_EPOCH_KEYS = ("aws:epochtime",)

RULES = (
    Rule("INVALID_CONDITION_OPERATOR", ERROR, EVERY_POLICY, "{operator!r} is not a condition operator.{hint}",
         "An unknown operator makes AWS reject the policy."),
    Rule("NULL_WITH_IF_EXISTS", ERROR, EVERY_POLICY, "Null cannot take IfExists: it already tests whether the "
         "key exists.", "NullIfExists is not an operator."),
    Rule("NULL_WITH_QUALIFIER", SUGGESTION, EVERY_POLICY,
         "{operator} adds a set qualifier to Null, which only tests presence; use plain Null.",
         "A qualifier makes a Null test constant."),
    Rule("INVALID_CONDITION_DATA_TYPE", ERROR, EVERY_POLICY,
         "The values of {key} under {operator} mix JSON types ({types}); use one type.",
         "AWS rejects value lists that mix strings, numbers and booleans."),
    Rule("INVALID_CONDITION_MULTIPLE_BOOLEAN", ERROR, EVERY_POLICY,
         "{key} under {operator} lists several booleans; a Bool test takes one.",
         "Listing true and false makes the condition meaningless."),
    Rule("TYPE_MISMATCH", WARNING, EVERY_POLICY,
         "{key} is of type {key_type}; compare it with {allowed} operators, not {operator}.",
         "An operator of the wrong type compares the value in an unintended way."),
    Rule("TYPE_MISMATCH_BOOLEAN", WARNING, EVERY_POLICY, "{value!r} is not true or false.",
         "Bool compares against the words true and false."),
    Rule("TYPE_MISMATCH_DATE", WARNING, EVERY_POLICY, "{value!r} is not a date; use ISO 8601 such as "
         "2026-01-31T00:00:00Z.", "A value that is not a date never compares as intended."),
    Rule("TYPE_MISMATCH_NUMBER", WARNING, EVERY_POLICY, "{value!r} is not a number.",
         "Numeric operators need numbers."),
    Rule("TYPE_MISMATCH_STRING", WARNING, EVERY_POLICY, "{value!r} is not base64, which BinaryEquals expects.",
         "BinaryEquals compares base64-encoded values."),
    Rule("INVALID_DATE_VALUE", WARNING, EVERY_POLICY,
         "{value!r} reads as an epoch time; write the date in ISO 8601 to be sure of its meaning.",
         "Epoch numbers are accepted but easy to get wrong (seconds or milliseconds)."),
    Rule("WILDCARD_WITHOUT_LIKE_OPERATOR", WARNING, EVERY_POLICY,
         "{value!r} contains a wildcard but {operator} compares literally; use {like}.",
         "Equals operators treat * and ? as ordinary characters."),
    Rule("STRING_LIKE_OPERATOR_WITH_ARN_CONDITION_KEYS", SECURITY_WARNING, EVERY_POLICY,
         "{key} holds an ARN; compare it with {arn_operator} rather than {operator}.",
         "String matching of ARNs lets a wildcard cross field boundaries."),
    Rule("EMPTY_ARRAY_CONDITION", SUGGESTION, EVERY_POLICY, "{key} under {operator} has no values.",
         "A test against nothing never matches."),
    Rule("EMPTY_ARRAY_CONDITION_FORALLVALUES", SUGGESTION, EVERY_POLICY,
         "ForAllValues with no values matches only requests without {key}; say so with Null: true.",
         "The empty list hides the intent."),
    Rule("EMPTY_ARRAY_CONDITION_FORANYVALUE", SUGGESTION, EVERY_POLICY,
         "ForAnyValue with no values never matches: the statement does nothing.", "The statement is dead."),
    Rule("EMPTY_ARRAY_CONDITION_IFEXISTS", SUGGESTION, EVERY_POLICY,
         "{operator} with no values matches only requests without {key}; say so with Null: true.",
         "The empty list hides the intent."),
    Rule("REDUNDANT_CONDITION_VALUE_NUM", SUGGESTION, EVERY_POLICY,
         "{operator} with several values is decided by the {extreme} one alone ({value}); keep only that.",
         "The other values never change the outcome."),
    Rule("EQUIVALENT_TO_NULL_TRUE", SUGGESTION, EVERY_POLICY,
         "This test on {key} only matches when the key is absent; write {{\"Null\": {{\"{key}\": \"true\"}}}}.",
         "A Null test states the intent directly."),
    Rule("EQUIVALENT_TO_NULL_FALSE", SUGGESTION, EVERY_POLICY,
         "This test on {key} matches whenever the key is present; write {{\"Null\": {{\"{key}\": \"false\"}}}}.",
         "A Null test states the intent directly."),
    Rule("REDUNDANT_KEY_DUE_TO_WILDCARD_IN_CONDITION", SUGGESTION, EVERY_POLICY,
         "{operator} with \"*\" on {key} always matches; remove the key.", "The condition adds nothing."),
    Rule("REDUNDANT_STATEMENT_DUE_TO_WILDCARD_IN_CONDITION", SUGGESTION, EVERY_POLICY,
         "{operator} with \"*\" on {key} can never match: the statement never applies.", "The statement is dead."),
)


def _family(base: str) -> str | None:
    """'String', 'Arn', 'Numeric', 'Date', 'Bool', 'Binary', 'Ip' or 'Null' for a known base operator."""
    spec = OPERATORS.get(base)
    if spec is None:
        return None
    if base.startswith("Arn"):
        return "Arn"
    if base == "Bool":
        return "Bool"
    if base == "BinaryEquals":
        return "Binary"
    return {OpFamily.STRING: "String", OpFamily.NUMERIC: "Numeric", OpFamily.DATE: "Date", OpFamily.IP: "Ip",
            OpFamily.NULL: "Null"}[spec.family]


def check_operators(ctx: Context) -> None:
    catalog = load_catalog()
    for s in ctx.statements:
        for c in s.conditions():
            op = c.operator
            family = _family(op.base)
            if family is None or (op.qualifier is not None and op.qualifier not in QUALIFIERS):
                import difflib
                close = difflib.get_close_matches(op.base, list(OPERATORS), n=1)
                ctx.report("INVALID_CONDITION_OPERATOR", c.operator_at, operator=op.text,
                           hint=f" Did you mean {close[0]}?" if close else "")
                continue
            if family == "Null":
                if op.if_exists:
                    ctx.report("NULL_WITH_IF_EXISTS", c.operator_at)
                if op.qualifier:
                    ctx.report("NULL_WITH_QUALIFIER", c.operator_at, operator=op.text)
                continue
            _values(ctx, c, family)
            key = catalog.condition_key(c.key)
            if key is not None:
                _key_type(ctx, s, c, family, key.type.removeprefix("ArrayOf"))


def _values(ctx: Context, c, family: str) -> None:
    op, items = c.operator, c.values
    if isinstance(c.value.node, JArray) and not items:
        if op.qualifier == "ForAllValues":
            ctx.report("EMPTY_ARRAY_CONDITION_FORALLVALUES", c.value, key=c.key)
        elif op.qualifier == "ForAnyValue":
            ctx.report("EMPTY_ARRAY_CONDITION_FORANYVALUE", c.value)
        elif op.if_exists:
            ctx.report("EMPTY_ARRAY_CONDITION_IFEXISTS", c.value, key=c.key, operator=op.text)
        else:
            ctx.report("EMPTY_ARRAY_CONDITION", c.value, key=c.key, operator=op.text)
        return
    kinds = {type(v.node) for v in items if isinstance(v.node, JString | JNumber | JBool)}
    if len(kinds) > 1:
        names = sorted({"string" if k is JString else "number" if k is JNumber else "boolean" for k in kinds})
        ctx.report("INVALID_CONDITION_DATA_TYPE", c.value, key=c.key, operator=op.text, types=", ".join(names))
    texts = [(v, t) for v in items if (t := scalar_text(v.node)) is not None]
    if family == "Bool" and len({t.lower() for _, t in texts}) > 1:
        ctx.report("INVALID_CONDITION_MULTIPLE_BOOLEAN", c.value, key=c.key, operator=op.text)
    for v, t in texts:
        _value(ctx, c, family, v, t)
    if family == "Numeric" and op.base in ("NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan",
                                           "NumericGreaterThanEquals") and len(texts) > 1:
        numbers = [float(t) for _, t in texts if _NUMBER.match(t)]
        if len(numbers) > 1:
            greatest = "LessThan" in op.base
            best = max(numbers) if greatest else min(numbers)
            ctx.report("REDUNDANT_CONDITION_VALUE_NUM", c.value, operator=op.text,
                       extreme="greatest" if greatest else "least", value=f"{best:g}")
    if family in ("String", "Arn") and any(t == "*" for _, t in texts) and ("Like" in op.base or op.base.startswith("Arn")):
        _star(ctx, c)




def _value(ctx: Context, c, family: str, v, text: str) -> None:
    op = c.operator
    if "${" in text:
        return  # policy variables are judged by the variable checks
    if family == "Bool" and text.lower() not in ("true", "false"):
        ctx.report("TYPE_MISMATCH_BOOLEAN", v, value=text)
    elif family == "Numeric" and not _NUMBER.match(text):
        ctx.report("TYPE_MISMATCH_NUMBER", v, value=text)
    elif family == "Date":
        if _EPOCH.match(text):
            if c.key_lower not in _EPOCH_KEYS:
                ctx.report("INVALID_DATE_VALUE", v, value=text)
        elif not _is_date(text):
            ctx.report("TYPE_MISMATCH_DATE", v, value=text)
    elif family == "Binary":
        try:
            base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            ctx.report("TYPE_MISMATCH_STRING", v, value=text)
    elif family == "String" and "Like" not in op.base and ("*" in text or "?" in text):
        ctx.report("WILDCARD_WITHOUT_LIKE_OPERATOR", v, value=text, operator=op.text,
                   like=op.text.replace("Equals", "Like").replace("IgnoreCase", ""))


def _is_date(text: str) -> bool:
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
        return True
    except ValueError:
        return False


def _key_type(ctx: Context, s, c, family: str, key_type: str) -> None:
    op = c.operator
    accepted = _ACCEPTS.get(key_type)
    if accepted is None:
        return
    if c.key_lower in _EPOCH_KEYS and family == "Numeric":
        return
    if family not in accepted:
        ctx.report("TYPE_MISMATCH", c.value, key=c.key, key_type=key_type, operator=op.text,
                   allowed=" or ".join(sorted(accepted)))
    elif key_type == "ARN" and family == "String" and not arn_operator_exceptions.exempt(
            op.text, c.key_lower, [v.text for v in c.values if v.is_string], [a.text for a in s.actions]):
        ctx.report("STRING_LIKE_OPERATOR_WITH_ARN_CONDITION_KEYS", c.value, key=c.key, operator=op.text,
                   arn_operator=op.text.replace("String", "Arn").replace("IgnoreCase", ""))


def _star(ctx: Context, c) -> None:
    """A wildcard-matching operator whose values include "*" tests presence in disguise: positive ones
    hold for any present value, negated ones for none."""
    op = c.operator
    negated = "Not" in op.base
    specifics = {"key": c.key, "operator": op.text}
    if op.qualifier == "ForAnyValue":
        if negated:  # needs a value that is not like "*": there is none
            ctx.report("REDUNDANT_STATEMENT_DUE_TO_WILDCARD_IN_CONDITION", c.value, **specifics)
    elif negated:  # true exactly when the key is absent (or, under ForAllValues, empty)
        ctx.report("EQUIVALENT_TO_NULL_TRUE", c.value, **specifics)
    elif op.if_exists or op.qualifier == "ForAllValues":  # true whether or not the key is present
        ctx.report("REDUNDANT_KEY_DUE_TO_WILDCARD_IN_CONDITION", c.value, **specifics)
    else:  # true exactly when the key is present
        ctx.report("EQUIVALENT_TO_NULL_FALSE", c.value, **specifics)


FAMILY = Family("operators", RULES, check_operators)
