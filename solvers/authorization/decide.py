"""The whole-request decision: every policy type AWS combines, rule by rule (authorization.md §4).

`decide(context, request)` reads each bound policy once, collects the statements that match, and
combines them: an explicit Deny in any bound type wins (R1); every guardrail must allow (R2-R4); then
the paths of R5-R9 by caller kind and account. The result says which statements decided and which
guardrail blocked, so the same object serves `trustmap simulate` and the internal-access analysis.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum

from solvers.authorization.context import AuthContext, AuthRequest, Caller, CallerKind, Source
from solvers.authorization.principals import Kind, statement_kind
from solvers.authorization.rules import always_allowed, aws_owned_write, rcp_binds, resource_must_grant
from solvers.evaluator import Request, body_matches
from solvers.policy import Statement


class Outcome(StrEnum):
    ALLOWED = "allowed"
    EXPLICIT_DENY = "explicitDeny"
    IMPLICIT_DENY = "implicitDeny"


class Path(StrEnum):
    IDENTITY = "identity"
    RESOURCE_DIRECT = "resource-direct"
    RESOURCE_ROLE = "resource-role"
    DELEGATION = "delegation"  # an account grant in the resource policy, through identity policies
    INTRINSIC = "intrinsic"  # R0: the service decides on its own


@dataclass(frozen=True, slots=True)
class Match:
    """One statement that matched the request, in the policy it came from."""
    type: str  # identity|resource|boundary|session|scp|rcp|endpoint
    source: Source
    statement: Statement
    level: int | None = None  # SCP/RCP level from the root (1-based); endpoint policy number
    kind: Kind | None = None  # resource policies: how the principal named the caller


@dataclass(frozen=True, slots=True)
class Blocker:
    type: str  # scp|rcp|endpoint|boundary|session|identity|resource|intrinsic
    level: int | None = None
    explicit: bool = False  # an explicit Deny (else: no matching Allow)

    def as_dict(self) -> dict:
        out: dict = {"type": self.type, "effect": "Deny" if self.explicit else "NoAllow"}
        if self.level is not None:
            out["level"] = self.level
        return out


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    path: Path | None  # how an allowed request got through
    decisive: tuple[Match, ...]  # the deciding statements (only the Denies when a Deny wins)
    matches: tuple[Match, ...]  # every matching statement of every bound policy
    blocked_by: tuple[Blocker, ...] = ()
    allowed_by_organizations: bool = True
    allowed_by_boundary: bool = True
    bound: frozenset[str] = field(default_factory=frozenset)  # the policy types that bound the request

    @property
    def allowed(self) -> bool:
        return self.outcome is Outcome.ALLOWED


def binding_types(ctx: AuthContext, action: str) -> frozenset[str]:
    """The policy types that bind a request of this caller (§2, R8, R9)."""
    c = ctx.caller
    out = {"resource", "endpoint"}
    if c.has_identity:
        out |= {"identity", "boundary"}
        if c.is_session:
            out.add("session")
        if ctx.scp_levels is not None and not c.service_linked:
            out.add("scp")
    if ctx.rcp_levels is not None and not c.service_linked and rcp_binds(action):
        out.add("rcp")
    return frozenset(out)


def principal_kind(policy_type: str, stmt: Statement, caller: Caller, has_boundary: bool) -> Kind | None:
    """How a statement of a policy that names principals applies to the caller. Without a Principal
    element, a resource-policy statement never applies (§3); an RCP's or an endpoint policy's applies to
    every caller (inference: their principal is always `*`)."""
    if stmt.principal is None:
        return None if policy_type == "resource" else Kind.DIRECT
    return statement_kind(stmt.principal, stmt.effect, caller, has_boundary)


def _scan(ctx: AuthContext, request: Request, types: frozenset[str]) -> list[Match]:
    """Every matching statement of every bound policy."""
    out: list[Match] = []
    caller, has_boundary = ctx.caller, ctx.boundary is not None

    def plain(kind: str, src: Source, level: int | None = None) -> None:
        for stmt in src.policy.statements:
            if body_matches(stmt, src.policy, request):
                out.append(Match(kind, src, stmt, level))

    def named(kind: str, src: Source, level: int | None = None) -> None:
        for stmt in src.policy.statements:
            who = principal_kind(kind, stmt, caller, has_boundary)
            if who is not None and body_matches(stmt, src.policy, request):
                out.append(Match(kind, src, stmt, level, who))

    if "identity" in types:
        for src in ctx.identity:
            plain("identity", src)
    if "boundary" in types and ctx.boundary:
        plain("boundary", ctx.boundary)
    if "session" in types and ctx.session_policy:
        plain("session", ctx.session_policy)
    if "scp" in types:
        for i, level in enumerate(ctx.scp_levels or (), 1):
            for src in level:
                plain("scp", src, i)
    if "rcp" in types:
        for i, level in enumerate(ctx.rcp_levels or (), 1):
            for src in level:
                named("rcp", src, i)
    if ctx.resource_policy:
        named("resource", ctx.resource_policy)
    for i, src in enumerate(ctx.endpoint_policies, 1):
        named("endpoint", src, i)
    return out


@dataclass(frozen=True, slots=True)
class _Grants:
    """What the matching Allows give, step by step (R2-R9)."""
    identity: bool
    boundary: bool
    session: bool
    resource_kinds: frozenset[Kind]  # the kinds by which resource-policy Allows name the caller


def _core(caller: Caller, ctx: AuthContext, must_grant: bool, g: _Grants) -> Path | None:
    """The path by which the request is allowed before the organization guardrails, or None (R5-R9)."""
    kinds = g.resource_kinds
    if not caller.has_identity:  # R8: only a direct grant in the resource policy
        return Path.RESOURCE_DIRECT if Kind.DIRECT in kinds else None
    identity_path = g.identity and g.boundary and g.session
    role_path = Kind.ROLE in kinds and g.boundary and g.session
    if ctx.cross_account:  # R5: both accounts must allow
        if not identity_path or not kinds:
            return None
        return {Kind.DIRECT: Path.RESOURCE_DIRECT, Kind.ROLE: Path.RESOURCE_ROLE,
                Kind.ACCOUNT: Path.DELEGATION}[max(kinds)]
    if Kind.DIRECT in kinds and (must_grant or not identity_path):
        return Path.RESOURCE_DIRECT
    if role_path and (must_grant or not identity_path):
        return Path.RESOURCE_ROLE
    if must_grant:  # R7: only an account grant remains, which enables the identity path
        return Path.DELEGATION if Kind.ACCOUNT in kinds and identity_path else None
    return Path.IDENTITY if identity_path else None


def decide(ctx: AuthContext, req: AuthRequest) -> Decision:
    caller = ctx.caller
    request = req.for_caller(caller)
    types = binding_types(ctx, req.action)
    matches = _scan(ctx, request, types)
    allows = [m for m in matches if m.statement.effect == "Allow"]
    denies = [m for m in matches if m.statement.effect == "Deny"]

    if always_allowed(req.action, caller.signed):
        return Decision(Outcome.ALLOWED, Path.INTRINSIC, (), tuple(matches), bound=types)
    if denies:  # R1
        by = tuple(dict.fromkeys(Blocker(m.type, m.level, True) for m in denies))
        return Decision(Outcome.EXPLICIT_DENY, None, tuple(denies), tuple(matches), by,
                        allowed_by_organizations=not any(m.type == "scp" for m in denies),
                        allowed_by_boundary=not any(m.type == "boundary" for m in denies), bound=types)

    def has(kind: str, level: int | None = None) -> bool:
        return any(m.type == kind and (level is None or m.level == level) for m in allows)

    guard: list[Blocker] = []  # R2-R4: organization levels and endpoint policies, each must allow
    if "scp" in types:
        guard += [Blocker("scp", i) for i in range(1, len(ctx.scp_levels or ()) + 1) if not has("scp", i)]
    if "rcp" in types:
        guard += [Blocker("rcp", i) for i in range(1, len(ctx.rcp_levels or ()) + 1) if not has("rcp", i)]
    guard += [Blocker("endpoint", i) for i in range(1, len(ctx.endpoint_policies) + 1) if not has("endpoint", i)]

    session_ok = True  # R9
    if "session" in types:
        session_ok = has("session") if ctx.session_policy else caller.kind is not CallerKind.FEDERATED
    kinds = frozenset(m.kind for m in allows if m.type == "resource" and m.kind is not None)
    grants = _Grants(identity=caller.kind is CallerKind.ROOT or has("identity"),
                     boundary=ctx.boundary is None or "boundary" not in types or has("boundary"),
                     session=session_ok, resource_kinds=kinds)
    must_grant = resource_must_grant(req.action, req.resource)
    path = _core(caller, ctx, must_grant, grants)
    if path is not None and aws_owned_write(req.action, req.resource):  # R0: no policy can allow it
        path, guard = None, [*guard, Blocker("intrinsic")]

    blockers = list(guard)
    boundary_blocked = False
    if path is None and "intrinsic" not in {b.type for b in guard}:
        # which missing step, if granted, would have opened a path: those are what blocked it
        boundary_blocked = not grants.boundary and _core(caller, ctx, must_grant, replace(grants, boundary=True)) is not None
        session_blocked = not grants.session and _core(caller, ctx, must_grant, replace(grants, session=True)) is not None
        if boundary_blocked:
            blockers.append(Blocker("boundary"))
        if session_blocked:
            blockers.append(Blocker("session"))
        if not boundary_blocked and not session_blocked:
            blockers += _missing_grants(caller, ctx, must_grant, grants)
    scp_blocked = any(b.type == "scp" for b in guard)
    if path is not None and not guard:
        decisive = _decisive(path, allows)
        return Decision(Outcome.ALLOWED, path, decisive, tuple(matches), bound=types)
    return Decision(Outcome.IMPLICIT_DENY, None, (), tuple(matches), tuple(blockers),
                    allowed_by_organizations=not scp_blocked, allowed_by_boundary=not boundary_blocked, bound=types)


def _missing_grants(caller: Caller, ctx: AuthContext, must_grant: bool, g: _Grants) -> list[Blocker]:
    """No path exists even with the boundary and session policy passing: name the grants that are missing."""
    out = []
    needs_resource = not caller.has_identity or must_grant or ctx.cross_account
    if caller.has_identity and not g.identity and not (must_grant and g.resource_kinds - {Kind.ACCOUNT}):
        out.append(Blocker("identity"))
    if needs_resource and not (g.resource_kinds if caller.has_identity else Kind.DIRECT in g.resource_kinds):
        out.append(Blocker("resource"))
    return out or [Blocker("identity")]


def _decisive(path: Path, allows: list[Match]) -> tuple[Match, ...]:
    """The granting statements of the path taken: identity Allows and/or the resource Allows of its kind."""
    want_kind = {Path.RESOURCE_DIRECT: Kind.DIRECT, Path.RESOURCE_ROLE: Kind.ROLE, Path.DELEGATION: Kind.ACCOUNT}
    identity = [m for m in allows if m.type == "identity"]
    resource = [m for m in allows if m.type == "resource"]
    if path is Path.IDENTITY:
        return tuple(identity)
    kind = want_kind[path]
    chosen = [m for m in resource if m.kind == kind]
    return tuple(identity + chosen) if path is Path.DELEGATION or identity else tuple(chosen)
