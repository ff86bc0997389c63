"""Whole-request authorization as a question for the symbolic engine.

"Is there a request under which this caller performs one of these actions on one of these resources,
and under which conditions?" The caller is fixed, so every Principal element is resolved here, once,
into the kind by which it names the caller (principals.py); what remains free is the action, the
resource and the context keys, over the engine's equivalence classes (finite action domain included).
The term mirrors `decide` rule for rule (R0-R9); each witness is replayed through `decide` before it
is returned, and a disagreement or an undecided solver call raises UndecidedError, never "denied".

Statements whose actions or resources cannot meet the asked ones are cut before anything is compiled
(as `overlap` does), so a caller with many identity policies and several SCP levels stays cheap.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from solvers.authorization.context import AuthContext, AuthRequest, CallerKind, Source
from solvers.authorization.decide import Decision, decide, principal_kind
from solvers.authorization.principals import Kind
from solvers.authorization.rules import GET_CALLER_IDENTITY, RCP_SERVICES
from solvers.errors import UndecidedError
from solvers.evaluator import Request
from solvers.operators import Family, Test
from solvers.overlap import Shape, _action_shape, _resource_shape, may_overlap, shape
from solvers.symbolic.compile import ACTION, RESOURCE, compile_statement
from solvers.symbolic.engine import Question
from solvers.symbolic.patterns import literal
from solvers.symbolic.terms import FALSE, TRUE, Term

# R7 and R0 as ARN globs, in the engine's ARN-field semantics (rules.py's regexes say the same)
_MUST_GRANT = (("sts:assumerole*", "arn:*:iam::*:role/*"), ("kms:*", "arn:*:kms:*:*:key/*"))
_AWS_OWNED = ("arn:*:iam::aws:policy/*", "arn:*:iam::*:role/aws-reserved/*", "arn:*:kms:*:*:alias/aws/*")
_WRITE_LEVELS = frozenset({"Write", "Permissions management", "Tagging"})


@dataclass(frozen=True)
class Answer:
    """A request the caller is allowed to make (replayed through `decide`), or None when there is none."""
    request: AuthRequest | None
    decision: Decision | None

    @property
    def allowed(self) -> bool:
        return self.request is not None


@lru_cache(maxsize=1)
def _owned_write_actions() -> tuple[str, ...]:
    """The catalog's write actions of the services that own AWS-owned resources (R0)."""
    from solvers.catalog import load_catalog
    cat = load_catalog()
    out = []
    for prefix in ("iam", "kms"):
        svc = cat.service(prefix)
        for a in (svc.actions.values() if svc else ()):
            if a.access_level in _WRITE_LEVELS:
                out.append(a.full_name.lower())
    return tuple(out)


class AuthorizationQuestion:
    """The `allowed` term of one context over a request space restricted to `actions` x `resources`
    (globs; empty: any; the resource "*" is the literal resource of actions that take none). Add pins
    with `pin` before the first `find`/`holds`."""

    def __init__(self, ctx: AuthContext, actions: Sequence[str] = (), resources: Sequence[str] = (),
                 question: Callable[[], Question] | None = None,
                 fixed_context: Mapping[str, Sequence[str]] | None = None):
        if question is None:
            from solvers.checks import catalog_question
            question = catalog_question
        self.ctx = ctx
        self.q = question()
        acts = _action_shape(tuple(actions)) if actions else (None, None)
        self._access = Shape(*acts, _resource_shape(tuple(resources)) if resources else None) \
            if actions or resources else None
        self.actions, self.resources = tuple(actions), tuple(resources)
        if not resources or "*" in resources:
            # actions that take no resource are asked on the literal "*", which is not an ARN
            rdim = self.q.space.dims[RESOURCE]
            rdim.universe = (*rdim.universe, literal("*"))
        self.term = self._build(fixed_context or {})

    # ------------------------------------------------------------------ pieces

    def _kept(self, src: Source) -> list:
        stmts = src.policy.statements
        if self._access is None:
            return list(stmts)
        return [s for s in stmts if may_overlap(shape(s), self._access)]

    def _compile(self, src: Source, named: str | None) -> tuple[Term, dict[Kind, Term], Term]:
        """(Allow term, Allow terms by principal kind, Deny term) of one policy."""
        t, space = self.q.t, self.q.space
        allows: list[Term] = []
        by_kind: dict[Kind, list[Term]] = {}
        denies: list[Term] = []
        caller, has_boundary = self.ctx.caller, self.ctx.boundary is not None
        for stmt in self._kept(src):
            kind = None
            if named:  # the policy type of a policy that names principals
                kind = principal_kind(named, stmt, caller, has_boundary)
                if kind is None:
                    continue
                stmt = dataclasses.replace(stmt, principal=None)  # resolved: the caller is fixed
            term = compile_statement(stmt, src.policy, space)
            if stmt.effect == "Deny":
                denies.append(term)
            else:
                allows.append(term)
                if kind is not None:
                    by_kind.setdefault(kind, []).append(term)
        return t.or_(*allows), {k: t.or_(*v) for k, v in by_kind.items()}, t.or_(*denies)

    def _actions(self, *globs: str) -> Term:
        return self.q.t.some(ACTION, [self.q.space.action_pattern(g) for g in globs])

    def _resources(self, *globs: str) -> Term:
        """ARN globs; "*" alone is the literal resource of actions that take none (§1), not a wildcard."""
        space, dim = self.q.space, self.q.space.dims[RESOURCE]
        return self.q.t.some(RESOURCE, [dim.register(literal("*")) if g == "*" else
                                        space.string_pattern(dim, g, Test.ARN_LIKE, False) for g in globs])

    def _may_reach(self, globs: Sequence[str]) -> bool:
        """Whether the asked resources may meet any of these ARN globs (else a rule about them is moot)."""
        if not self.resources:
            return True
        mine = Shape(None, None, _resource_shape(self.resources))
        return may_overlap(mine, Shape(None, None, _resource_shape(tuple(globs))))

    # ------------------------------------------------------------------ the term (decide.py, rule by rule)

    def _build(self, fixed: Mapping[str, Sequence[str]]) -> Term:
        ctx, t = self.ctx, self.q.t
        caller = ctx.caller
        has_identity = caller.has_identity
        deny_parts: list[Term] = []
        guard: list[Term] = []

        def plain(src: Source) -> Term:
            allow, _, deny = self._compile(src, named=None)
            deny_parts.append(deny)
            return allow

        def named(src: Source, policy_type: str) -> tuple[Term, dict[Kind, Term]]:
            allow, kinds, deny = self._compile(src, named=policy_type)
            deny_parts.append(deny)
            return allow, kinds

        identity: Term = TRUE if caller.kind is CallerKind.ROOT else FALSE
        boundary: Term = TRUE
        session: Term = TRUE
        if has_identity:
            ids = [plain(s) for s in ctx.identity]
            if caller.kind is not CallerKind.ROOT:
                identity = t.or_(*ids)
            if ctx.boundary:
                boundary = plain(ctx.boundary)
            if caller.is_session:
                if ctx.session_policy:
                    session = plain(ctx.session_policy)
                elif caller.kind is CallerKind.FEDERATED:
                    session = FALSE
            if ctx.scp_levels is not None and not caller.service_linked:
                guard += [t.or_(*(plain(s) for s in level)) for level in ctx.scp_levels]
        if ctx.rcp_levels is not None and not caller.service_linked:  # RCPs bind some services only
            levels, rcp_denies = [], []
            for level in ctx.rcp_levels:
                compiled = [self._compile(s, named="rcp") for s in level]
                levels.append(t.or_(*(c[0] for c in compiled)))
                rcp_denies += [c[2] for c in compiled]
            binds = self._actions(*(f"{svc}:*" for svc in sorted(RCP_SERVICES)))
            deny_parts.append(t.and_(binds, t.or_(*rcp_denies)))
            guard.append(t.or_(t.not_(binds), t.and_(*levels)))
        kinds: dict[Kind, Term] = {}
        if ctx.resource_policy:
            kinds = named(ctx.resource_policy, "resource")[1]
        for src in ctx.endpoint_policies:
            guard.append(named(src, "endpoint")[0])

        direct, role, account = (kinds.get(k, FALSE) for k in (Kind.DIRECT, Kind.ROLE, Kind.ACCOUNT))
        identity_path = t.and_(identity, boundary, session)
        role_path = t.and_(role, boundary, session)
        if not has_identity:
            core = direct
        elif ctx.cross_account:
            core = t.and_(identity_path, t.or_(direct, role, account))
        else:
            ordinary = t.or_(identity_path, direct, role_path)
            granting = t.or_(direct, role_path, t.and_(account, identity_path))
            must = t.or_(*(t.and_(self._actions(a), self._resources(r)) for a, r in _MUST_GRANT
                           if self._may_reach([r])))
            core = t.or_(t.and_(must, granting), t.and_(t.not_(must), ordinary))
        if self._may_reach(_AWS_OWNED):
            owned = t.and_(self._resources(*_AWS_OWNED), self._actions(*_owned_write_actions()))
            core = t.and_(core, t.not_(owned))
        allowed = t.and_(t.not_(t.or_(*deny_parts)), *guard, core)
        if caller.signed:
            allowed = t.or_(self._actions(GET_CALLER_IDENTITY), allowed)

        restrict = []
        if self.actions:
            restrict.append(self._actions(*self.actions))
        if self.resources:
            restrict.append(self._resources(*self.resources))
        for key, values in fixed.items():
            restrict.append(self._fix(key.lower(), values))
        return t.and_(allowed, *restrict)

    def _fix(self, key: str, values: Sequence[str]) -> Term:
        """The key holds exactly these (string) values, as a request that fixes it would."""
        t, dim = self.q.t, self.q.space.key(key, Family.STRING)
        pids = [dim.register(literal(v)) for v in values]
        return t.and_(t.present(dim.name), *(t.some(dim.name, [p]) for p in pids), t.not_(t.some(dim.name, pids, False)))

    # ------------------------------------------------------------------ questions

    def pin(self, request: AuthRequest) -> Term:
        return self.q.pin(Request(request.action, request.resource, None, request.context))

    def holds(self, extra: Term = TRUE) -> bool:
        """Whether some request satisfies the term (and `extra`)."""
        return self.q.exists(self.q.t.and_(self.term, extra))

    def find(self) -> Answer:
        """A request the caller is allowed to make, replayed through `decide`; Answer(None) when none is."""
        found = self.q.find(self.term)
        if found is None:
            return Answer(None, None)
        request = AuthRequest(found.action, found.resource, dict(found.context))
        decision = decide(self.ctx, request)
        if not decision.allowed:
            raise UndecidedError("internal disagreement: the solver's witness does not replay as allowed")
        return Answer(request, decision)


def allowed_request(ctx: AuthContext, actions: Sequence[str] = (), resources: Sequence[str] = (),
                    fixed_context: Mapping[str, Sequence[str]] | None = None,
                    question: Callable[[], Question] | None = None) -> Answer:
    """Is there a request under which the caller performs one of `actions` on one of `resources`
    (globs; empty: any)? The answer carries one such request, with the context keys it needs."""
    return AuthorizationQuestion(ctx, actions, resources, question, fixed_context).find()
