"""Compile policies into terms over a shared request space.

Every policy of one question is compiled into the same `Space`, so that each dimension's patterns
come from all of them and one partition serves the whole question. The meaning of each element and
condition operator mirrors `solvers.evaluator` rule for rule.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from solvers.errors import PolicyError, UndecidedError
from solvers.evaluator import ascii_lower
from solvers.operators import Family, Test
from solvers.policy import Condition, Policy, PrincipalValue, Statement
from solvers.symbolic.domains import (
    ACTION_UNIVERSE,
    ARN_UNIVERSE,
    PRINCIPAL_UNIVERSE,
    Compare,
    Dim,
    check_family,
    compare_from_text,
)
from solvers.symbolic.patterns import (
    ANY_STAR,
    FIELD_STAR,
    Pattern,
    VarTok,
    has_vars,
    literal,
    template_pattern,
)
from solvers.symbolic.terms import FALSE, TRUE, Term, Terms
from solvers.variables import Glob, parse_template, template_vars

ACTION, RESOURCE, PRINCIPAL = "action", "resource", "principal"


def _context_dim(key: str) -> str:
    return "ctx:" + key


class Space:
    """The dimensions of one question and the factory for terms over them."""

    def __init__(self, multivalued: Callable[[str], bool] | None = None):
        self.dims: dict[str, Dim] = {
            ACTION: Dim(ACTION, Family.STRING, optional=False, universe=ACTION_UNIVERSE),
            RESOURCE: Dim(RESOURCE, Family.STRING, optional=False, universe=ARN_UNIVERSE),
            PRINCIPAL: Dim(PRINCIPAL, Family.STRING, optional=False, universe=PRINCIPAL_UNIVERSE),
        }
        self.t = Terms(self.dims)
        self.uses_principal = False  # identity policies never name one; witnesses then carry none
        self._multivalued = multivalued or (lambda key: False)

    def key(self, key: str, family: Family) -> Dim:
        name = _context_dim(key)
        dim = self.dims.get(name)
        if dim is None:
            dim = self.dims[name] = Dim(name, family, multivalued=self._multivalued(key))
        check_family(dim, family)
        return dim

    def context_keys(self) -> list[str]:
        return [n[4:] for n in self.dims if n.startswith("ctx:")]

    # ------------------------------------------------------------------ element patterns

    def action_pattern(self, text: str) -> int:
        return self.dims[ACTION].register(_action_pattern(text))

    def principal_pattern(self, v: PrincipalValue) -> int | None:
        """None means the value matches every principal."""
        if v.kind == "*" or (v.kind == "AWS" and v.text == "*"):
            return None
        return self.dims[PRINCIPAL].register(_principal_pattern(v.kind, v.text, v.is_account))

    def string_pattern(self, dim: Dim, text: str, test: Test, variables: bool) -> int:
        pat = _string_pattern(text, test, variables)
        for tok in (pat if has_vars(pat) else ()):
            if isinstance(tok, VarTok):
                if test is Test.EQUALS_IGNORE_CASE:
                    # Z3 cannot fold the case of a string it has to choose; say so rather than guess
                    raise UndecidedError(f"case-insensitive comparison with the policy variable "
                                         f"${{{tok.key}}} is beyond the symbolic engine")
                self.variable(tok.key)
        return dim.register(pat)

    def variable(self, key: str) -> Dim:
        dim = self.key(key, Family.STRING)
        if dim.multivalued:
            raise UndecidedError(f"policy variable ${{{key}}} names a multi-valued key")
        dim.string_mode = True
        return dim


# The same values come back in policy after policy (an organisation's ARNs, accounts, actions): their
# patterns are pure functions of the text, memoised so that compiling is mostly dictionary lookups.

@lru_cache(maxsize=8192)
def _action_pattern(text: str) -> Pattern:
    return template_pattern((Glob(ascii_lower(text)),), wildcards=True)


@lru_cache(maxsize=4096)
def _principal_pattern(kind: str, text: str, is_account: bool) -> Pattern:
    if is_account:
        return (literal("AWS|arn:") + (FIELD_STAR,) + literal(":") + (FIELD_STAR,)
                + literal(":") + (FIELD_STAR,) + literal(":" + text + ":") + (ANY_STAR,))
    return literal(f"{kind}|{text}")


@lru_cache(maxsize=16384)
def _string_pattern(text: str, test: Test, variables: bool) -> Pattern:
    return template_pattern(parse_template(text, variables), wildcards=test in (Test.LIKE, Test.ARN_LIKE),
                            arn_fields=test is Test.ARN_LIKE, ignore_case=test is Test.EQUALS_IGNORE_CASE)


@dataclass(frozen=True)
class CompiledPolicy:
    policy: Policy
    statements: tuple[Term, ...]  # match condition of each statement
    allows: Term
    denies: Term


def compile_policy(policy: Policy, space: Space) -> CompiledPolicy:
    stmts = tuple(compile_statement(s, policy, space) for s in policy.statements)
    t = space.t
    denies = t.or_(*(m for s, m in zip(policy.statements, stmts, strict=True) if s.effect == "Deny"))
    allows = t.and_(t.or_(*(m for s, m in zip(policy.statements, stmts, strict=True) if s.effect == "Allow")),
                    t.not_(denies))
    return CompiledPolicy(policy, stmts, allows, denies)


def compile_statement(stmt: Statement, policy: Policy, space: Space) -> Term:
    t = space.t
    parts: list[Term] = []
    needed_vars: set[str] = set()
    if stmt.principal is not None:
        space.uses_principal = True
        pids = [space.principal_pattern(v) for v in stmt.principal.values]
        hit = TRUE if None in pids else t.some(PRINCIPAL, [p for p in pids if p is not None])
        parts.append(t.not_(hit) if stmt.principal.negated else hit)
    if any(v.text == "*" for v in stmt.action.values):
        hit = TRUE
    else:
        hit = t.some(ACTION, [space.action_pattern(v.text) for v in stmt.action.values])
    parts.append(t.not_(hit) if stmt.action.negated else hit)
    if stmt.resource is not None:
        variables = policy.supports_variables
        rdim = space.dims[RESOURCE]
        rpids = []
        hit = FALSE
        for v in stmt.resource.values:
            needed_vars |= _required_vars(v.text, variables)
            if v.text == "*":
                hit = TRUE
            rpids.append(space.string_pattern(rdim, v.text, Test.ARN_LIKE, variables))
        if hit != TRUE:
            hit = t.some(RESOURCE, rpids)
        parts.append(t.not_(hit) if stmt.resource.negated else hit)
    for cond in stmt.conditions:
        if cond.operator.spec.family is Family.STRING:
            for v in cond.values:
                needed_vars |= _required_vars(v.text, policy.supports_variables)
        parts.append(compile_condition(cond, policy, space))
    for key in sorted(needed_vars):
        space.variable(key)
        parts.append(t.present(_context_dim(key)))
    return t.and_(*parts)


def _required_vars(text: str, variables: bool) -> set[str]:
    """Variables without a default: the statement matches only when the request has them."""
    return {v.key for v in template_vars(parse_template(text, variables)) if v.default is None}


def typed_constants(cond: Condition) -> list[Compare]:
    """The constants of a numeric, date or IP condition; PolicyError names a value of the wrong type."""
    spec = cond.operator.spec
    out = []
    for v in cond.values:
        c = compare_from_text(spec.family, spec.test, v.text)
        if c is None:
            raise PolicyError(f"{v.text!r} is not a valid {spec.family.value} value for {cond.operator.text}",
                              f"Condition.{cond.operator.text}.{cond.key}", v.span.start.line, v.span.start.column)
        out.append(c)
    return out


def check_typed_values(policy: Policy) -> None:
    """Raise the PolicyError compiling would raise for a typed condition value of the wrong type, for
    every statement (a question may compile only some of them)."""
    for stmt in policy.statements:
        for cond in stmt.conditions:
            if cond.operator.spec.family not in (Family.STRING, Family.NULL):
                typed_constants(cond)


def compile_condition(cond: Condition, policy: Policy, space: Space) -> Term:
    t, op = space.t, cond.operator
    spec = op.spec
    dim = space.key(cond.key_lower, spec.family)
    if spec.family is Family.NULL:
        wanted = {ascii_lower(v.text) for v in cond.values}
        present = t.present(dim.name)
        return t.or_(*([t.not_(present)] if "true" in wanted else []) + ([present] if "false" in wanted else []))
    if spec.family is Family.STRING:
        pids = [space.string_pattern(dim, v.text, spec.test, policy.supports_variables) for v in cond.values]
    else:
        pids = [dim.register(c) for c in typed_constants(cond)]
    missing = t.not_(t.present(dim.name))
    match_some = t.some(dim.name, pids, True)  # some value passes the positive test
    miss_some = t.some(dim.name, pids, False)  # some value fails it
    if op.qualifier == "ForAllValues":
        return t.not_(match_some) if spec.negated else t.not_(miss_some)
    if op.qualifier == "ForAnyValue":
        core = miss_some if spec.negated else match_some
        return t.or_(missing, core) if op.if_exists else core
    if spec.negated:
        return t.not_(match_some)
    return t.or_(missing, match_some) if op.if_exists else match_some
