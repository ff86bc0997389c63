"""The concrete evaluator: the reference semantics every other analysis is checked against.

One request (principal, action, resource, context keys with possibly multi-valued values) against
policies -> ALLOW, EXPLICIT_DENY or IMPLICIT_DENY, following AWS's documented evaluation logic.
String matching here is written directly with `re`, independently of the symbolic engine's automata,
so that the differential tests compare two implementations, not one.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from functools import lru_cache

from solvers.operators import Family, Test
from solvers.policy import Condition, Policy, PrincipalList, Statement, ValueList
from solvers.values import parse_cidr, parse_date, parse_ip, parse_number
from solvers.variables import Glob, Template, Var, parse_template, substitute, template_vars

PRINCIPAL_KINDS = ("AWS", "Service", "Federated", "CanonicalUser")


class Decision(Enum):
    ALLOW = "Allow"
    EXPLICIT_DENY = "ExplicitDeny"
    IMPLICIT_DENY = "ImplicitDeny"


@dataclass(frozen=True, slots=True)
class Principal:
    kind: str  # one of PRINCIPAL_KINDS
    id: str  # an ARN for AWS principals, a service name, a provider, a canonical user id


@dataclass(frozen=True)
class Request:
    action: str
    resource: str
    principal: Principal | None = None
    context: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # lower-cased key -> values

    @staticmethod
    def of(action: str, resource: str, principal: Principal | None = None,
           context: Mapping[str, str | Iterable[str]] | None = None) -> Request:
        ctx = {k.lower(): ((v,) if isinstance(v, str) else tuple(v)) for k, v in (context or {}).items()}
        return Request(action, resource, principal, ctx)

    def as_dict(self) -> dict:
        out: dict = {"action": self.action, "resource": self.resource}
        if self.principal is not None:
            out["principal"] = {self.principal.kind: self.principal.id}
        out["context"] = {k: list(v) if len(v) != 1 else v[0] for k, v in sorted(self.context.items())}
        return out


# ---------------------------------------------------------------------------- string matching

def ascii_lower(text: str) -> str:
    """Case folding used by every case-insensitive comparison: ASCII letters only. (For an ASCII
    string, which is O(1) to tell, str.lower is exactly that, and several times faster.)"""
    return text.lower() if text.isascii() else text.translate(_ASCII_LOWER)


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _glob_regex(template: Template, arn_fields: bool) -> str:
    """Regex for a glob template; with arn_fields, wildcards in the first five ARN fields stop at ':'."""
    out, colons = [], 0
    last_field = sum(p.text.count(":") for p in template if isinstance(p, Glob)) if arn_fields else 0
    for part in template:
        if isinstance(part, Glob):
            for ch in part.text:
                in_last = not arn_fields or colons >= min(5, last_field)
                if ch == "*":
                    out.append(".*" if in_last else "[^:]*")
                elif ch == "?":
                    out.append("." if in_last else "[^:]")
                else:
                    out.append(re.escape(ch))
                    colons += ch == ":"
        elif not isinstance(part, Var):  # variables are substituted before matching
            out.append(re.escape(part.text))
    return "".join(out)


@lru_cache(maxsize=4096)
def _compiled(template: Template, arn_fields: bool, ignore_case: bool) -> re.Pattern:
    flags = re.DOTALL | (re.IGNORECASE | re.ASCII if ignore_case else 0)
    return re.compile(_glob_regex(template, arn_fields), flags)


def glob_match(template: Template, text: str, *, arn_fields: bool = False, ignore_case: bool = False) -> bool:
    if len(template) == 1 and isinstance(template[0], Glob) and "*" not in template[0].text \
            and "?" not in template[0].text:  # no wildcard: equality (a compiled regex per ARN filled the cache)
        return ascii_lower(text) == ascii_lower(template[0].text) if ignore_case else text == template[0].text
    regex = _compiled(template, arn_fields, ignore_case)
    if regex.pattern.count("*") <= 1:  # one wildcard run cannot make `re` backtrack badly
        return regex.fullmatch(text) is not None
    return _simulate(_glob_tokens(template, arn_fields, ignore_case), ascii_lower(text) if ignore_case else text)


@lru_cache(maxsize=16384)
def _glob_tokens(template: Template, arn_fields: bool, ignore_case: bool) -> tuple[tuple[str, str], ...]:
    """The glob as (kind, char) steps: 'c' a character, '?' any, '?:' any but ':', '*'/'*:' runs of them."""
    kinds = {".*": ("*", ""), "[^:]*": ("*:", ""), ".": ("?", ""), "[^:]": ("?:", "")}
    out = []
    for piece in re.findall(r"\.\*|\[\^:\]\*|\[\^:\]|\.|\\.|[^\\]", _glob_regex(template, arn_fields)):
        if piece in kinds:
            out.append(kinds[piece])
        else:
            ch = piece[1:] if piece.startswith("\\") else piece
            out.append(("c", ascii_lower(ch) if ignore_case else ch))
    return tuple(out)


def _simulate(steps: tuple[tuple[str, str], ...], text: str) -> bool:
    """Position-set simulation of the glob: linear in len(text) x len(steps), never exponential."""
    n = len(steps)

    def close(positions: set[int]) -> set[int]:
        stack = list(positions)
        while stack:
            i = stack.pop()
            if i < n and steps[i][0] in ("*", "*:") and i + 1 not in positions:
                positions.add(i + 1)
                stack.append(i + 1)
        return positions

    current = close({0})
    for ch in text:
        following: set[int] = set()
        for i in current:
            if i == n:
                continue
            kind, want = steps[i]
            if kind == "*" or (kind == "*:" and ch != ":"):
                following.add(i)
            elif (kind == "c" and want == ch) or kind == "?" or (kind == "?:" and ch != ":"):
                following.add(i + 1)
        if not following:
            return False
        current = close(following)
    return n in current


def _literal_text(template: Template) -> str:
    """The text of a template whose variables have all been substituted."""
    return "".join(p.text for p in template if not isinstance(p, Var))  # substituted before use


# ---------------------------------------------------------------------------- elements

def principal_matches(plist: PrincipalList | None, principal: Principal | None) -> bool:
    if plist is None:  # identity policies name no principal
        return True
    hit = principal is not None and any(_one_principal(v.kind, v.text, principal) for v in plist.values)
    return hit != plist.negated


def _one_principal(kind: str, text: str, who: Principal) -> bool:
    if kind == "*" or (kind == "AWS" and text == "*"):
        return True
    if kind != who.kind:
        return False
    if kind == "AWS" and re.fullmatch(r"\d{12}", text):
        fields = who.id.split(":", 5)
        return len(fields) == 6 and fields[0] == "arn" and fields[4] == text
    return who.id == text


def action_matches(alist: ValueList, action: str) -> bool:
    if len(action) <= MAX_UNION_ACTION:
        hit = _action_union(tuple(v.text for v in alist.values)).fullmatch(action) is not None
    else:  # long input: the linear-time matcher, whatever the patterns
        hit = any(glob_match((Glob(v.text),), action, ignore_case=True) for v in alist.values)
    return hit != alist.negated


MAX_UNION_ACTION = 128  # real action names are under 100 characters; backtracking stays polynomial and tiny


@lru_cache(maxsize=8192)
def _action_union(texts: tuple[str, ...]) -> re.Pattern:
    """One regex for an Action list: each value's glob, case-insensitive, for short action names."""
    return re.compile("|".join(f"(?:{_glob_regex((Glob(t),), False)})" for t in texts),
                      re.DOTALL | re.IGNORECASE | re.ASCII)


def _lookup(request: Request):
    def get(key: str) -> str | None:
        values = request.context.get(key)
        return values[0] if values is not None and len(values) == 1 else None
    return get


def resource_matches(rlist: ValueList | None, resource: str, templates: Sequence[Template]) -> bool:
    if rlist is None:  # no Resource element: the policy's own resource
        return True
    hit = any(t == (Glob("*"),) or glob_match(t, resource, arn_fields=True) for t in templates)
    return hit != rlist.negated


# ---------------------------------------------------------------------------- conditions

def _positive_test(test: Test, family: Family, actual: str, expected: Template) -> bool:
    if family is Family.STRING:
        if test is Test.EQUALS:
            return actual == _literal_text(expected)
        if test is Test.EQUALS_IGNORE_CASE:
            return ascii_lower(actual) == ascii_lower(_literal_text(expected))
        if test is Test.LIKE:
            return glob_match(expected, actual)
        return glob_match(expected, actual, arn_fields=True)  # ARN_LIKE
    text = _literal_text(expected)
    if family is Family.IP:
        point, cidr = parse_ip(actual), parse_cidr(text)
        return point is not None and cidr is not None and cidr[0] <= point <= cidr[1]
    parse = parse_number if family is Family.NUMERIC else parse_date
    a, e = parse(actual), parse(text)
    if a is None or e is None:
        return False
    return {Test.EQUALS: a == e, Test.LT: a < e, Test.LE: a <= e, Test.GT: a > e, Test.GE: a >= e}[test]


def condition_holds(cond: Condition, request: Request, templates: Sequence[Template]) -> bool:
    spec, op = cond.operator.spec, cond.operator
    actual = request.context.get(cond.key_lower)
    if spec.family is Family.NULL:
        wanted = {ascii_lower(v.text) for v in cond.values}
        return ("true" in wanted and actual is None) or ("false" in wanted and actual is not None)
    if actual is None:
        if op.qualifier == "ForAllValues":
            return True
        if op.qualifier == "ForAnyValue":
            return op.if_exists
        return op.if_exists or spec.negated

    def matches(value: str) -> bool:  # the positive test against any listed value
        return any(_positive_test(spec.test, spec.family, value, t) for t in templates)

    if op.qualifier == "ForAllValues":
        return all(matches(v) != spec.negated for v in actual)
    if op.qualifier == "ForAnyValue":
        return any(matches(v) != spec.negated for v in actual)
    hit = any(matches(v) for v in actual)
    return hit != spec.negated


# ---------------------------------------------------------------------------- statements

def value_templates(values, policy: Policy, family: Family = Family.STRING) -> tuple[Template, ...]:
    variables = policy.supports_variables and family is Family.STRING
    return tuple(parse_template(v.text, variables) for v in values)


def statement_matches(stmt: Statement, policy: Policy, request: Request) -> bool:
    if not principal_matches(stmt.principal, request.principal):
        return False
    return body_matches(stmt, policy, request)


def body_matches(stmt: Statement, policy: Policy, request: Request) -> bool:
    """Whether the statement's action, resource and conditions match (its principal element aside:
    whole-request authorization judges that itself, by the kind of principal named)."""
    if not action_matches(stmt.action, request.action):
        return False
    groups = _resolved_groups(stmt, policy, request)
    if groups is None:
        return False
    if stmt.resource is not None and not resource_matches(stmt.resource, request.resource, groups[0]):
        return False
    return _conditions_hold(stmt, request, groups)


def resource_test(stmt: Statement, policy: Policy, request: Request) -> Callable[[str], bool] | None:
    """When the statement matches the request in everything but its resource: the test a resource ARN
    must pass for the whole statement to match (the same for every request that differs from this one
    only in its resource: nothing else reads the resource). None when something else does not match."""
    if not principal_matches(stmt.principal, request.principal) or not action_matches(stmt.action, request.action):
        return None
    groups = _resolved_groups(stmt, policy, request)
    if groups is None or not _conditions_hold(stmt, request, groups):
        return None
    rlist = stmt.resource
    if rlist is None:
        return lambda _resource: True
    return lambda resource: resource_matches(rlist, resource, groups[0])


def _resolved_groups(stmt: Statement, policy: Policy, request: Request) -> list[list[Template]] | None:
    """The statement's Resource values (first, when it has a Resource element) and each condition's
    values, the request's variables substituted; None when a variable has neither value nor default
    (the statement does not match)."""
    lookup = _lookup(request)

    def resolved(values, family: Family = Family.STRING):
        out = []
        for t in value_templates(values, policy, family):
            s = substitute(t, lookup) if template_vars(t) else t
            if s is None:
                return None
            out.append(s)
        return out

    groups = []
    if stmt.resource is not None:
        groups.append(resolved(stmt.resource.values))
    for cond in stmt.conditions:
        groups.append(resolved(cond.values, cond.operator.spec.family))
    if any(g is None for g in groups):
        return None
    return groups


def _conditions_hold(stmt: Statement, request: Request, groups: list[list[Template]]) -> bool:
    offset = 1 if stmt.resource is not None else 0
    return all(condition_holds(c, request, groups[offset + i]) for i, c in enumerate(stmt.conditions))


def evaluate(policies: Sequence[Policy], request: Request) -> Decision:
    """AWS's rule for one set of policies: an explicit Deny wins, then any Allow, else implicit deny."""
    allowed = False
    for policy in policies:
        for stmt in policy.statements:
            if statement_matches(stmt, policy, request):
                if stmt.effect == "Deny":
                    return Decision.EXPLICIT_DENY
                allowed = True
    return Decision.ALLOW if allowed else Decision.IMPLICIT_DENY


def is_allowed(policy: Policy, request: Request) -> bool:
    return evaluate([policy], request) is Decision.ALLOW
