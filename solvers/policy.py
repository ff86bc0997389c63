"""The policy model: a policy document parsed into frozen, typed objects that keep source spans.

All legal spellings are normalised here, once: a single value or a list, `"*"` or `{"AWS": "*"}`,
an account id or its `:root` ARN, numbers and booleans in condition values (kept as written).
Anything the evaluator could not interpret raises PolicyError naming the element and the place.
Style problems that AWS accepts are left to validation, which also sees `Policy.tree`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from solvers.errors import PolicyError
from solvers.jsonspan import (
    JArray,
    JBool,
    JNumber,
    JObject,
    JString,
    Node,
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

    Ordinary documents are built by `solvers.policy_fast`; anything it does not accept (every
    malformed document among others) goes through `_full_policy`, the only source of errors. Both give
    equal models; the fast one's spans are LazySpans."""
    from solvers.policy_fast import fast_policy  # it builds this module's classes

    policy = fast_policy(text)
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
