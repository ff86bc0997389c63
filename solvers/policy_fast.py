"""The fast path of `solvers.policy.parse_policy`.

The standard library's C decoder, then the same checks as the full path's on plain values, with spans kept as
(document, path) and found (`solvers.jsontree.locate`) only if one is ever read. It accepts a subset of what
the full path accepts and must build an equal model: whenever anything is unusual (a duplicate key,
an element it does not know, a value of another type, anything the full path would reject) it gives
up and the full path decides. Objects decode to tuples of pairs (duplicates kept, told from arrays,
which decode to lists); numbers to Num, their text as written; NaN and Infinity are refused
(`solvers.jsontree.DECODER`).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from typing import cast

from solvers.jsonspan import KEY, LazySpan, PathStep, SpanLike, SpanSource
from solvers.jsontree import DECODER, Num
from solvers.operators import ParsedOperator, parse_operator
from solvers.policy import (
    _ROOT_ARN,
    MAX_POLICY_CHARS,
    PRINCIPAL_KINDS,
    VERSIONS,
    Condition,
    Policy,
    PrincipalList,
    PrincipalValue,
    Statement,
    Value,
    ValueList,
)

_POLICY_KEYS = frozenset(("Version", "Id", "Statement"))
_STATEMENT_KEYS = frozenset(("Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource",
                             "NotResource", "Condition"))
_OPERATORS: dict[str, ParsedOperator] = {}  # the operators met so far (at most a few hundred exist)


class _GiveUp(Exception):
    """The fast path does not take this document."""


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
        if type(value) is Num:
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


def _element(get: Callable[[str, object], object], name: str, not_name: str) -> tuple[object, bool, str] | None:
    """As `_one_of`: an element given in its positive or its Not- spelling, as (value, negated, the name
    written), or None when neither is; gives up when both are."""
    pos, neg = get(name, _ABSENT), get(not_name, _ABSENT)
    if pos is not _ABSENT:
        if neg is not _ABSENT:
            raise _GiveUp
        return pos, False, name
    return None if neg is _ABSENT else (neg, True, not_name)


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
    found = _element(get, "Principal", "NotPrincipal")
    if found is not None:
        principal = _fast_principal(source, found[0], found[1], path + (found[2],))
    found = _element(get, "Action", "NotAction")
    if found is None:
        raise _GiveUp
    action = _fast_list(source, found[0], found[1], path + (found[2],), True)
    resource = None
    found = _element(get, "Resource", "NotResource")
    if found is not None:
        resource = _fast_list(source, found[0], found[1], path + (found[2],), False)
    cond = get("Condition", _ABSENT)
    conditions = () if cond is _ABSENT else _fast_conditions(source, cond, path + ("Condition",))
    return _statement_of(index, sid, effect_text, principal, action, resource, conditions, LazySpan(source, path))


def fast_policy(text: str) -> Policy | None:
    """The model of an ordinary policy document, equal to `solvers.policy._full_policy`'s; None when this path does
    not take the document (then `solvers.policy._full_policy` decides, and raises if it is malformed)."""
    if len(text) > MAX_POLICY_CHARS or text.startswith("\ufeff"):
        return None
    try:
        root = DECODER.decode(text)
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
