"""The policy model: a policy document parsed into frozen, typed objects that keep source spans.

All legal spellings are normalised here, once: a single value or a list, `"*"` or `{"AWS": "*"}`,
an account id or its `:root` ARN, numbers and booleans in condition values (kept as written).
Anything the evaluator could not interpret raises PolicyError naming the element and the place.
Style problems that AWS accepts are left to validation, which also sees `Policy.tree`.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import cast

from solvers.errors import PolicyError
from solvers.jsonspan import (
    KEY,
    JArray,
    JBool,
    JNumber,
    JObject,
    JString,
    LazySpan,
    Node,
    PathStep,
    SpanLike,
    SpanSource,
    kind_name,
    parse_json,
)
from solvers.operators import ParsedOperator, parse_operator

MAX_POLICY_CHARS = 131_072  # above every AWS policy size quota; bounds time and memory
VERSIONS = ("2012-10-17", "2008-10-17")
PRINCIPAL_KINDS = ("AWS", "Service", "Federated", "CanonicalUser")
_ACCOUNT_ID = re.compile(r"^\d{12}$")
_ROOT_ARN = re.compile(r"^arn:[a-z-]+:iam::(\d{12}):root$")


@dataclass(frozen=True, slots=True)
class Value:
    """One string of an element (an action, a resource, a condition value), with its span."""
    text: str
    span: SpanLike


@dataclass(frozen=True, slots=True)
class PrincipalValue:
    """kind is '*' for the bare `"Principal": "*"`, else one of PRINCIPAL_KINDS.

    `text` is normalised: an AWS account given as `arn:...:iam::ID:root` becomes the 12-digit ID.
    """
    kind: str
    text: str
    span: SpanLike

    @property
    def is_account(self) -> bool:
        return self.kind == "AWS" and bool(_ACCOUNT_ID.match(self.text))


@dataclass(frozen=True, slots=True)
class ValueList:
    """An Action/NotAction or Resource/NotResource element."""
    negated: bool
    values: tuple[Value, ...]
    span: SpanLike


@dataclass(frozen=True, slots=True)
class PrincipalList:
    """A Principal/NotPrincipal element."""
    negated: bool
    values: tuple[PrincipalValue, ...]
    span: SpanLike


@dataclass(frozen=True, slots=True)
class Condition:
    """One (operator, key) pair of a Condition block; its values are ORed (NORed if negated)."""
    operator: ParsedOperator
    key: str  # as written; compare with key.lower()
    values: tuple[Value, ...]
    span: SpanLike  # the key's span

    @property
    def key_lower(self) -> str:
        return self.key.lower()


@dataclass(frozen=True, slots=True)
class Statement:
    index: int
    sid: str | None
    effect: str  # "Allow" | "Deny"
    principal: PrincipalList | None
    action: ValueList
    resource: ValueList | None
    conditions: tuple[Condition, ...]
    span: SpanLike


@dataclass(frozen=True, slots=True)
class Policy:
    version: str | None
    id: str | None
    statements: tuple[Statement, ...]
    text: str
    # the span tree (full path), or the source whose tree is parsed on first use (fast path); read
    # through `tree`. Not compared: it is a function of `text`.
    _tree: JObject | SpanSource = field(compare=False, repr=False)

    @property
    def tree(self) -> JObject:
        """The document's span tree (for validation-style readers); parsed on first use when the
        policy was built by the fast path."""
        t = self._tree
        if isinstance(t, JObject):
            return t
        tree = t.tree
        assert isinstance(tree, JObject)  # the fast path only accepts an object root
        return tree

    @property
    def supports_variables(self) -> bool:
        """Policy variables are substituted only under Version 2012-10-17."""
        return self.version == "2012-10-17"


def _where(path: list[str | int]) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else p)
    return out


def _error(message: str, node: Node, path: list[str | int]) -> PolicyError:
    return PolicyError(message, _where(path), node.span.start.line, node.span.start.column)


def _scalar_text(node: Node, path: list[str | int], allow_scalars: bool) -> str:
    if isinstance(node, JString):
        return node.value
    if allow_scalars and isinstance(node, JNumber):
        return node.text
    if allow_scalars and isinstance(node, JBool):
        return "true" if node.value else "false"
    raise _error(f"expected a string, found {kind_name(node)}", node, path)


def _values(node: Node, path: list[str | int], allow_scalars: bool = False) -> tuple[Value, ...]:
    """A single value or a non-empty list of values."""
    if isinstance(node, JArray):
        if not node.items:
            raise _error("expected at least one value, found an empty list", node, path)
        return tuple(Value(_scalar_text(item, path + [i], allow_scalars), item.span)
                     for i, item in enumerate(node.items))
    return (Value(_scalar_text(node, path, allow_scalars), node.span),)


def _principal(node: Node, negated: bool, path: list[str | int]) -> PrincipalList:
    if isinstance(node, JString):
        if node.value != "*":
            raise _error('a Principal given as a string must be "*"', node, path)
        return PrincipalList(negated, (PrincipalValue("*", "*", node.span),), node.span)
    if not isinstance(node, JObject):
        raise _error(f"expected an object or \"*\", found {kind_name(node)}", node, path)
    out: list[PrincipalValue] = []
    for key, val in node.pairs:
        if key.value not in PRINCIPAL_KINDS:
            raise _error(f"unknown principal type {key.value!r}", key, path)
        for v in _values(val, path + [key.value]):
            text = v.text
            if key.value == "AWS":
                root = _ROOT_ARN.match(text)
                text = root.group(1) if root else text
            out.append(PrincipalValue(key.value, text, v.span))
    if not out:
        raise _error("a Principal must name at least one principal", node, path)
    return PrincipalList(negated, tuple(out), node.span)


def _conditions(node: Node, path: list[str | int]) -> tuple[Condition, ...]:
    if not isinstance(node, JObject):
        raise _error(f"a Condition must be an object, found {kind_name(node)}", node, path)
    out: list[Condition] = []
    for op_key, block in node.pairs:
        op = parse_operator(op_key.value)
        if op is None:
            raise _error(f"unknown condition operator {op_key.value!r}", op_key, path)
        if not isinstance(block, JObject):
            raise _error(f"the {op_key.value} block must be an object", block, path + [op_key.value])
        for key, vals in block.pairs:
            values = _values(vals, path + [op_key.value, key.value], allow_scalars=True)
            out.append(Condition(op, key.value, values, key.span))
    return tuple(out)


def _one_of(obj: JObject, names: tuple[str, str], path: list[str | int], required: bool):
    """Return (node, negated) for an element that has a positive and a Not- spelling."""
    pos, neg = obj.get(names[0]), obj.get(names[1])
    if pos is not None and neg is not None:
        raise _error(f"a statement cannot have both {names[0]} and {names[1]}", obj, path)
    if pos is None and neg is None:
        if required:
            raise _error(f"a statement needs {names[0]} or {names[1]}", obj, path)
        return None, False
    return (pos, False) if pos is not None else (neg, True)


def _statement(node: Node, index: int, path: list[str | int]) -> Statement:
    if not isinstance(node, JObject):
        raise _error(f"a statement must be an object, found {kind_name(node)}", node, path)
    effect = node.get("Effect")
    if effect is None:
        raise _error("a statement needs an Effect", node, path)
    if not isinstance(effect, JString) or effect.value not in ("Allow", "Deny"):
        raise _error('Effect must be "Allow" or "Deny"', effect, path + ["Effect"])
    sid_node = node.get("Sid")
    sid = None
    if sid_node is not None:
        sid = _scalar_text(sid_node, path + ["Sid"], allow_scalars=False)

    pnode, pneg = _one_of(node, ("Principal", "NotPrincipal"), path, required=False)
    principal = _principal(pnode, pneg, path + ["NotPrincipal" if pneg else "Principal"]) if pnode else None
    anode, aneg = _one_of(node, ("Action", "NotAction"), path, required=True)
    apath = path + ["NotAction" if aneg else "Action"]
    action = ValueList(aneg, _values(anode, apath), anode.span)
    for v in action.values:
        if v.text != "*" and ":" not in v.text:
            raise PolicyError(f"action {v.text!r} is not of the form service:action", _where(apath),
                              v.span.start.line, v.span.start.column)
    rnode, rneg = _one_of(node, ("Resource", "NotResource"), path, required=False)
    resource = None
    if rnode is not None:
        resource = ValueList(rneg, _values(rnode, path + ["NotResource" if rneg else "Resource"]), rnode.span)
    cnode = node.get("Condition")
    conditions = _conditions(cnode, path + ["Condition"]) if cnode is not None else ()
    return Statement(index, sid, effect.value, principal, action, resource, conditions, node.span)


def parse_policy(text: str) -> Policy:
    """Parse a policy document string. Raises PolicyError (one line, with the place) when malformed.

    Ordinary documents are built by `_fast_policy`; anything it does not accept (every malformed
    document among others) goes through `_full_policy`, the only source of errors. Both give equal
    models; the fast one's spans are LazySpans."""
    policy = _fast_policy(text)
    return policy if policy is not None else _full_policy(text)


def _full_policy(text: str) -> Policy:
    """The span-keeping parse: every node's span read as the document is, every error reported."""
    if len(text) > MAX_POLICY_CHARS:
        raise PolicyError(f"policy document is {len(text):,} characters; the limit is {MAX_POLICY_CHARS:,}")
    tree = parse_json(text)
    if not isinstance(tree, JObject):
        raise _error(f"a policy must be a JSON object, found {kind_name(tree)}", tree, [])
    version_node = tree.get("Version")
    version = None
    if version_node is not None:
        if not isinstance(version_node, JString) or version_node.value not in VERSIONS:
            raise _error(f"Version must be one of {', '.join(VERSIONS)}", version_node, ["Version"])
        version = version_node.value
    id_node = tree.get("Id")
    pid = _scalar_text(id_node, ["Id"], allow_scalars=False) if id_node is not None else None
    stmt_node = tree.get("Statement")
    if stmt_node is None:
        raise _error("a policy needs a Statement element", tree, [])
    items = stmt_node.items if isinstance(stmt_node, JArray) else (stmt_node,)
    statements = tuple(_statement(s, i, ["Statement", i]) for i, s in enumerate(items))
    return Policy(version, pid, statements, text, tree)


# ------------------------------------------------------------------------------------- the fast path
#
# The standard library's C decoder, then the same checks as above on plain values, with spans kept as
# (document, path) and resolved by `parse_json` only if one is ever read. It accepts a subset of what
# the full path accepts and must build an equal model: whenever anything is unusual (a duplicate key,
# an element it does not know, a value of another type, anything the full path would reject) it gives
# up and the full path decides. Objects decode to tuples of pairs (duplicates kept, told from arrays,
# which decode to lists); numbers to _Num, their text as written; NaN and Infinity are refused.

_POLICY_KEYS = frozenset(("Version", "Id", "Statement"))
_STATEMENT_KEYS = frozenset(("Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource",
                             "NotResource", "Condition"))
_OPERATORS: dict[str, ParsedOperator] = {}  # the operators met so far (at most a few hundred exist)


class _Num(str):
    """A JSON number, as written."""
    __slots__ = ()


class _GiveUp(Exception):
    """The fast path does not take this document."""


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


_DECODER = json.JSONDecoder(object_pairs_hook=tuple, parse_int=_Num, parse_float=_Num,
                            parse_constant=_refuse_constant)


def _members(pairs: object, allowed: frozenset[str] | None = None) -> dict[str, object]:
    """A decoded object's members; gives up on anything else, a duplicate key or a key not allowed."""
    if type(pairs) is not tuple:
        raise _GiveUp
    members = dict(pairs)
    if len(members) != len(pairs) or (allowed is not None and not members.keys() <= allowed):
        raise _GiveUp
    return members


# Builders of the model's objects. A frozen dataclass's __init__ assigns every field through
# object.__setattr__, which was half of a fast parse. Each builder is a plain slotted class with the
# same slots as its model class (checked below), whose __init__ assigns them directly and then turns
# the instance into the model class: the same object an __init__ call makes (none of the model classes
# has a __post_init__), at half the cost. The full path keeps the dataclass __init__s.


class _MakeValue:
    __slots__ = ("text", "span")

    def __init__(self, text: str, span: LazySpan) -> None:
        self.text = text
        self.span = span
        self.__class__ = Value  # type: ignore[assignment]


class _MakePrincipalValue:
    __slots__ = ("kind", "text", "span")

    def __init__(self, kind: str, text: str, span: SpanLike) -> None:
        self.kind = kind
        self.text = text
        self.span = span
        self.__class__ = PrincipalValue  # type: ignore[assignment]


class _MakeValueList:
    __slots__ = ("negated", "values", "span")

    def __init__(self, negated: bool, values: tuple[Value, ...], span: LazySpan) -> None:
        self.negated = negated
        self.values = values
        self.span = span
        self.__class__ = ValueList  # type: ignore[assignment]


class _MakeCondition:
    __slots__ = ("operator", "key", "values", "span")

    def __init__(self, operator: ParsedOperator, key: str, values: tuple[Value, ...], span: LazySpan) -> None:
        self.operator = operator
        self.key = key
        self.values = values
        self.span = span
        self.__class__ = Condition  # type: ignore[assignment]


class _MakeStatement:
    __slots__ = ("index", "sid", "effect", "principal", "action", "resource", "conditions", "span")

    def __init__(self, index: int, sid: str | None, effect: str, principal: PrincipalList | None, action: ValueList,
                 resource: ValueList | None, conditions: tuple[Condition, ...], span: LazySpan) -> None:
        self.index = index
        self.sid = sid
        self.effect = effect
        self.principal = principal
        self.action = action
        self.resource = resource
        self.conditions = conditions
        self.span = span
        self.__class__ = Statement  # type: ignore[assignment]


# the builders, typed as what they make
_value = cast("Callable[[str, SpanLike], Value]", _MakeValue)
_principal_value = cast("Callable[[str, str, SpanLike], PrincipalValue]", _MakePrincipalValue)
_value_list = cast("Callable[[bool, tuple[Value, ...], SpanLike], ValueList]", _MakeValueList)
_condition = cast("Callable[[ParsedOperator, str, tuple[Value, ...], SpanLike], Condition]", _MakeCondition)
_statement_of = cast("Callable[[int, str | None, str, PrincipalList | None, ValueList, ValueList | None, "
                     "tuple[Condition, ...], SpanLike], Statement]", _MakeStatement)

for _maker, _model in ((_MakeValue, Value), (_MakePrincipalValue, PrincipalValue), (_MakeValueList, ValueList),
                       (_MakeCondition, Condition), (_MakeStatement, Statement)):
    # __class__ assignment needs the same slots in the same order; a model change must change both
    if not _maker.__slots__ == _model.__slots__ == tuple(f.name for f in fields(_model)):
        raise TypeError(f"{_maker.__name__} does not have the slots of {_model.__name__}")


def _fast_values(source: SpanSource, value: object, path: tuple[PathStep, ...],
                 allow_scalars: bool) -> tuple[Value, ...]:
    """As `_values`."""
    if type(value) is not list:
        return (_value(_fast_text(value, allow_scalars), LazySpan(source, path)),)
    if not value:
        raise _GiveUp
    out = []
    for i, item in enumerate(value):
        out.append(_value(item if type(item) is str else _fast_text(item, allow_scalars), LazySpan(source, path + (i,))))
    return tuple(out)


def _fast_str(members: dict[str, object], name: str) -> str | None:
    """A member that must be a string when present. Presence, not truth: a null is present (and the
    full path rejects it)."""
    if name not in members:
        return None
    value = members[name]
    if type(value) is str:
        return value
    raise _GiveUp


def _fast_text(value: object, allow_scalars: bool) -> str:
    """As `_scalar_text`."""
    if type(value) is str:
        return value
    if allow_scalars:
        if type(value) is _Num:
            return str.__str__(value)  # a plain str, as JNumber.text is
        if type(value) is bool:
            return "true" if value else "false"
    raise _GiveUp


def _fast_principal(source: SpanSource, value: object, negated: bool, path: tuple[PathStep, ...]) -> PrincipalList:
    """As `_principal`."""
    span = LazySpan(source, path)
    if type(value) is str:
        if value != "*":
            raise _GiveUp
        return PrincipalList(negated, (PrincipalValue("*", "*", span),), span)
    out: list[PrincipalValue] = []
    for kind, vals in _members(value).items():
        if kind not in PRINCIPAL_KINDS:
            raise _GiveUp
        for v in _fast_values(source, vals, path + (kind,), allow_scalars=False):
            text = v.text
            if kind == "AWS":
                root = _ROOT_ARN.match(text)
                text = root.group(1) if root else text
            out.append(_principal_value(kind, text, v.span))
    if not out:
        raise _GiveUp
    return PrincipalList(negated, tuple(out), span)


def _fast_conditions(source: SpanSource, value: object, path: tuple[PathStep, ...]) -> tuple[Condition, ...]:
    """As `_conditions`."""
    out: list[Condition] = []
    if type(value) is not tuple or len(dict(value)) != len(value):
        raise _GiveUp
    for op_key, block in value:
        op = _OPERATORS.get(op_key)
        if op is None:
            op = parse_operator(op_key)
            if op is None:
                raise _GiveUp
            _OPERATORS[op_key] = op
        if type(block) is not tuple or len(dict(block)) != len(block):
            raise _GiveUp
        for key, vals in block:
            kpath = path + (op_key, key)
            out.append(_condition(op, key, _fast_values(source, vals, kpath, allow_scalars=True),
                                      LazySpan(source, kpath + (KEY,))))
    return tuple(out)


_ABSENT = object()  # a member not in its object (a null member is present: the full path rejects it)


def _fast_list(source: SpanSource, value: object, negated: bool, path: tuple[PathStep, ...],
               is_action: bool) -> ValueList:
    """An Action/NotAction or Resource/NotResource element, as `_statement` builds it."""
    span = LazySpan(source, path)
    if type(value) is str:  # the common single value: one span object for the element and its value
        if is_action and value != "*" and ":" not in value:
            raise _GiveUp
        return _value_list(negated, (_value(value, span),), span)
    values = _fast_values(source, value, path, allow_scalars=False)
    if is_action:
        for v in values:
            if v.text != "*" and ":" not in v.text:
                raise _GiveUp
    return _value_list(negated, values, span)


def _fast_statement(source: SpanSource, value: object, index: int, path: tuple[PathStep, ...]) -> Statement:
    """As `_statement`."""
    if type(value) is not tuple:
        raise _GiveUp
    m = dict(value)
    if len(m) != len(value) or not m.keys() <= _STATEMENT_KEYS:
        raise _GiveUp
    get = m.get
    effect = get("Effect")
    if effect == "Allow":
        effect_text = "Allow"
    elif effect == "Deny":
        effect_text = "Deny"
    else:
        raise _GiveUp
    sid = None
    sid_value = get("Sid", _ABSENT)
    if sid_value is not _ABSENT:
        if type(sid_value) is not str:
            raise _GiveUp
        sid = sid_value
    principal = None
    pos, neg = get("Principal", _ABSENT), get("NotPrincipal", _ABSENT)
    if pos is not _ABSENT:
        if neg is not _ABSENT:
            raise _GiveUp
        principal = _fast_principal(source, pos, False, path + ("Principal",))
    elif neg is not _ABSENT:
        principal = _fast_principal(source, neg, True, path + ("NotPrincipal",))
    pos, neg = get("Action", _ABSENT), get("NotAction", _ABSENT)
    if pos is not _ABSENT:
        if neg is not _ABSENT:
            raise _GiveUp
        action = _fast_list(source, pos, False, path + ("Action",), True)
    elif neg is not _ABSENT:
        action = _fast_list(source, neg, True, path + ("NotAction",), True)
    else:
        raise _GiveUp
    resource = None
    pos, neg = get("Resource", _ABSENT), get("NotResource", _ABSENT)
    if pos is not _ABSENT:
        if neg is not _ABSENT:
            raise _GiveUp
        resource = _fast_list(source, pos, False, path + ("Resource",), False)
    elif neg is not _ABSENT:
        resource = _fast_list(source, neg, True, path + ("NotResource",), False)
    cond = get("Condition", _ABSENT)
    conditions = () if cond is _ABSENT else _fast_conditions(source, cond, path + ("Condition",))
    return _statement_of(index, sid, effect_text, principal, action, resource, conditions, LazySpan(source, path))


def _fast_policy(text: str) -> Policy | None:
    """The model of an ordinary policy document, equal to `_full_policy`'s; None when this path does
    not take the document (then `_full_policy` decides, and raises if it is malformed)."""
    if len(text) > MAX_POLICY_CHARS or text.startswith("\ufeff"):
        return None
    try:
        root = _DECODER.decode(text)
    except (ValueError, RecursionError, TypeError):
        return None
    source = SpanSource(text)
    try:
        m = _members(root, _POLICY_KEYS)
        version = _fast_str(m, "Version")
        if version is not None and version not in VERSIONS:
            raise _GiveUp
        pid = _fast_str(m, "Id")
        if "Statement" not in m:
            raise _GiveUp
        stmts = m["Statement"]
        if type(stmts) is list:
            built = []
            for i, s in enumerate(stmts):
                built.append(_fast_statement(source, s, i, ("Statement", i)))
            statements = tuple(built)
        else:
            statements = (_fast_statement(source, stmts, 0, ("Statement",)),)
    except _GiveUp:
        return None
    return Policy(version, pid, statements, text, source)
