"""The internal-access findings of one resource (authorization.md §6.2-6.3).

For each class of candidates (classes.py) the representative is asked, action by action:
1. the syntactic prefilter: an action no identity Allow of the class can match and no resource-policy
   Allow naming the principal can match is dismissed (sound: nothing else grants);
2. the concrete decision on one request inside the action's ARNs, the request's fixed keys set
   (principal and resource account, organization, ARN): allowed gives an unconditional answer;
3. when that is denied but some statement that may match has a condition or a resource pattern that
   covers only part of the action's ARNs, the symbolic question (authorization's AuthorizationQuestion)
   looks for any context and ARN that allows it; its witness, replayed through `decide`, is the answer
   and its free keys the finding's condition. An undecided question is a principal-level error finding.
Every other member of the class gets each answer replayed through `decide` with its own name; a member
for which one does not replay is analysed on its own.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

from solvers.authorization.context import AuthContext, AuthRequest, Caller, Source
from solvers.authorization.decide import Decision, Outcome, decide
from solvers.authorization.principals import statement_kind
from solvers.errors import UndecidedError
from solvers.internal.classes import naming, personal
from solvers.internal.cubes import cubes
from solvers.internal.example import key_name, simulate_input
from solvers.internal.model import ROLE, Candidate, Target
from solvers.internal.population import Population, arn_free
from solvers.internal.s3_sources import (
    AccessPoint,
    access_point_keys,
    access_point_universe,
    sources,
    through_own_point,
)
from solvers.internal.universe import EXTENSION_TYPES, S3_TYPES, Access, service_of, universe
from solvers.overlap import Shape, _action_shape, _resource_shape, may_overlap, shape
from solvers.policy import Statement, parse_policy

ORGANIZATION, ACCOUNT = "ORGANIZATION", "ACCOUNT"
INTERNAL_ERROR = "INTERNAL_ERROR"
PRINCIPAL_LIMIT = 3_000  # Access Analyzer's: more principals on one resource is PRINCIPAL_LIMIT_EXCEEDED


@dataclass(frozen=True)
class Answer:
    access: Access
    request: AuthRequest
    decision: Decision
    condition: tuple[tuple[str, str], ...]  # the keys beyond the fixed ones the access depends on
    via: str | None = None  # S3: the access point the request goes through (request and decision are its)
    ctx: AuthContext | None = None  # with `via`: the context at the access point


@dataclass
class Stats:
    """How much work the analysis did (for the bench and run.json)."""
    principals: int = 0
    classes: int = 0
    pairs: int = 0  # (class, action) pairs considered
    prefiltered: int = 0  # dismissed by the syntactic prefilter
    concrete: int = 0  # concrete decisions
    questions: int = 0  # symbolic questions asked
    errors: int = 0
    key_names: dict[str, str] = field(default_factory=dict)

    def add(self, other: Stats) -> None:
        for name in ("principals", "classes", "pairs", "prefiltered", "concrete", "questions", "errors"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


Solver = Callable[[AuthContext, Sequence[str], Sequence[str], dict[str, tuple[str, ...]]], AuthRequest | None]


def symbolic_solver(ctx: AuthContext, actions: Sequence[str], resources: Sequence[str],
                    fixed: dict[str, tuple[str, ...]]) -> AuthRequest | None:
    """A request (replayed as allowed) for one of `actions` on `resources` under the fixed keys, or None."""
    from solvers.authorization.symbolic import AuthorizationQuestion
    found = AuthorizationQuestion(ctx, actions, resources, fixed_context=fixed).find()
    return found.request


def fixed_context(c: Candidate, t: Target) -> dict[str, tuple[str, ...]]:
    """The keys a request by this principal on this resource always carries (§6.3 step 4)."""
    out: dict[str, tuple[str, ...]] = {"aws:principalarn": (c.arn,), "aws:principalaccount": (c.account,),
           "aws:principaltype": ("AssumedRole" if c.type == ROLE else "User",),
           "aws:resourceaccount": (t.owner,)}
    if c.type != ROLE:
        out["aws:username"] = (c.arn.rpartition("/")[2],)
    if t.org_id:
        out["aws:principalorgid"] = out["aws:resourceorgid"] = (t.org_id,)
    if c.org_path:
        out["aws:principalorgpaths"] = (c.org_path,)
    if t.org_path:
        out["aws:resourceorgpaths"] = (t.org_path,)
    return out


def context_of(c: Candidate, t: Target, zone: str) -> AuthContext:
    guarded = zone == ORGANIZATION
    return AuthContext(Caller.from_arn(c.arn), t.owner, c.identity, t.policy, c.boundary, None,
                       c.scp_levels if guarded else None, t.rcp_levels if guarded else None)


# ---------------------------------------------------------------------------------------------- prefilter

def _access_shape(a: Access) -> Shape:
    return Shape(*_action_shape((a.action,)), _resource_shape((a.glob,)))


def _grants(ctx: AuthContext) -> tuple[list[Statement], list[Statement]]:
    """Allow statements that can grant to this caller: (identity ones, resource ones naming it)."""
    identity = [s for src in ctx.identity for s in src.policy.statements if s.effect == "Allow"]
    resource = [s for s in (ctx.resource_policy.policy.statements if ctx.resource_policy else ())
                if s.effect == "Allow" and s.principal is not None
                and statement_kind(s.principal, s.effect, ctx.caller, ctx.boundary is not None) is not None]
    return identity, resource


def prefilter(ctx: AuthContext, accesses: Iterable[Access]) -> list[Access]:
    """The accesses some granting statement may match (§6.3 step 3); the others cannot be allowed.
    Across accounts both sides must grant (R5), so both must have a statement that may match."""
    services = {a.action.partition(":")[0].lower() for a in accesses}

    def shapes(stmts: list[Statement]) -> list:
        return [sh for s in stmts if (sh := shape(s)).services is None or sh.services & services]
    identity, resource = (shapes(side) for side in _grants(ctx))

    def some(side: list, a: Access) -> bool:
        return any(may_overlap(sh, _access_shape(a)) for sh in side)
    if ctx.cross_account:
        return [a for a in accesses if some(identity, a) and some(resource, a)]
    return [a for a in accesses if some(identity, a) or some(resource, a)]


def _covers(pattern: str, glob: str) -> bool:
    """Whether an ARN pattern matches every ARN of the glob (both end in one `*` at most)."""
    if pattern == "*":
        return True
    head = pattern[:-1] if pattern.endswith("*") else None
    return head is not None and not any(ch in head for ch in "*?$") and glob.rstrip("*").startswith(head)


def _varies(s: Statement, a: Access) -> bool:
    """Whether the statement's match on `a` may change with the context or the ARN inside `a.glob`: it
    has a condition, or a resource pattern that splits the glob."""
    if s.conditions:
        return True
    return a.glob.endswith("*") and s.resource is not None and not all(
        _covers(v.text, a.glob) or not may_overlap(Shape(None, None, _resource_shape((v.text,))),
                                                   Shape(None, None, _resource_shape((a.glob,))))
        for v in s.resource.values)


def _depends(ctx: AuthContext, a: Access, decision: Decision) -> bool:
    """Whether some other request on `a` (context, ARN inside the glob) may be allowed, given that the
    concrete one was denied. Not when a matching Deny cannot stop matching (no condition, the whole glob);
    not for an implicit deny when no Allow that may match can change (Denies only take away)."""
    if decision.outcome is Outcome.EXPLICIT_DENY and any(not _varies(m.statement, a) for m in decision.decisive):
        return False
    mine = _access_shape(a)
    allows_only = decision.outcome is Outcome.IMPLICIT_DENY
    for _, src in ctx.sources():
        for s in src.policy.statements:
            if allows_only and s.effect != "Allow":
                continue
            if may_overlap(shape(s), mine) and _varies(s, a):
                return True
    return False


# ---------------------------------------------------------------------------------------------- answers

def _condition(request: AuthRequest, fixed: dict[str, tuple[str, ...]]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, ",".join(v)) for k, v in request.context.items() if k not in fixed))


def answers(ctx: AuthContext, accesses: Sequence[Access], fixed: dict[str, tuple[str, ...]], solver: Solver,
            stats: Stats) -> list[Answer]:
    """The accesses this context allows, each with one allowed request. UndecidedError when unsure."""
    out: list[Answer] = []
    pending: dict[str, list[Access]] = {}
    kept = prefilter(ctx, accesses)
    stats.pairs += len(accesses)
    stats.prefiltered += len(accesses) - len(kept)
    for a in kept:
        request = AuthRequest(a.action, a.example, fixed)
        stats.concrete += 1
        decision = decide(ctx, request)
        if decision.allowed:
            out.append(Answer(a, request, decision, ()))
        elif _depends(ctx, a, decision):
            pending.setdefault(a.glob, []).append(a)
    seen: list[AuthRequest] = [AuthRequest("", "", probe) for probe in _probes(ctx, fixed)] if pending else []
    for glob, group in pending.items():
        group = _replay_seen(ctx, group, seen, fixed, out, stats)
        while group:
            stats.questions += 1
            found = solver(ctx, [a.action for a in group], [glob], fixed)
            if found is None:
                break
            hit = next((a for a in group if a.action.lower() == found.action.lower()), None)
            decision = decide(ctx, found)
            if hit is None or not decision.allowed:
                raise UndecidedError(f"the witness for {found.action} on {found.resource} does not replay")
            out.append(Answer(hit, found, decision, _condition(found, fixed)))
            seen.append(found)
            # the witness's ARN and context often open other actions too: replay them before asking again
            group = _replay_seen(ctx, [a for a in group if a is not hit], [found], fixed, out, stats)
    return _split(ctx, out, fixed, stats)


def _split(ctx: AuthContext, found: list[Answer], fixed: dict[str, tuple[str, ...]], stats: Stats) -> list[Answer]:
    """Each conditional answer as its condition cubes (cubes.py): one answer per (access, cube). Answers
    found under one condition are split together (they share the candidate contexts)."""
    out = [ans for ans in found if not ans.condition]
    by_condition: dict[tuple, list[Answer]] = {}
    for ans in found:
        if ans.condition:
            by_condition.setdefault(ans.condition, []).append(ans)
    for group in by_condition.values():
        split = cubes(ctx, [(_access_shape(a.access), a.request) for a in group], fixed)
        for ans, found_cubes in zip(group, split, strict=True):
            stats.concrete += len(found_cubes)
            out += [Answer(ans.access, request, decision, _condition(request, fixed)) for request, decision in found_cubes]
    return out


MAX_PROBES = 4


def _probes(ctx: AuthContext, fixed: dict[str, tuple[str, ...]]) -> list[dict[str, tuple[str, ...]]]:
    """Contexts made of the values the policies compare keys with: the i-th probe sets every free key
    to its i-th value (cycling). Most conditional access opens under one of them, found by `decide`
    alone; the solver is asked only for what no probe opens (and to prove that nothing does)."""
    values: dict[str, list[str]] = {}
    for _, src in ctx.sources():
        for stmt in src.policy.statements:
            for cond in stmt.conditions:
                key = cond.key_lower
                if key in fixed or "$" in key:
                    continue
                texts = [v.text for v in cond.values if isinstance(v.text, str)]
                bucket = values.setdefault(key, [])
                bucket.extend(t for t in texts if t not in bucket)
    if not values:
        return []
    width = min(MAX_PROBES, max(len(v) for v in values.values()))
    return [{**fixed, **{k: (v[i % len(v)],) for k, v in values.items() if v}} for i in range(width)]


def _replay_seen(ctx: AuthContext, group: list[Access], seen: list[AuthRequest], fixed: dict[str, tuple[str, ...]],
                 out: list[Answer], stats: Stats) -> list[Access]:
    """The accesses of `group` that no earlier witness's context opens (on the witness's ARN when it lies
    in the access's glob, else the access's example ARN); the ones it opens are answered with that
    context, so that one condition gathers its actions."""
    rest = []
    for a in group:
        for w in seen:
            inside = w.resource == a.glob or (a.glob.endswith("*") and w.resource.startswith(a.glob[:-1]))
            request = AuthRequest(a.action, w.resource if inside else a.example, w.context)
            stats.concrete += 1
            decision = decide(ctx, request)
            if decision.allowed:
                out.append(Answer(a, request, decision, _condition(request, fixed)))
                break
        else:
            rest.append(a)
    return rest


def _replay(ctx: AuthContext, mine: list[Answer], fixed: dict[str, tuple[str, ...]]) -> list[Answer] | None:
    """The representative's answers for another member of its class, or None when one does not hold.
    The class key guarantees they hold; the request each finding shows as its example (the first of its
    condition, as `_findings` picks it) is still replayed, so every example is a checked one."""
    out = []
    shown: set[tuple] = set()
    for ans in sorted(mine, key=lambda a: a.access.action):
        request = AuthRequest(ans.request.action, ans.request.resource, {**ans.request.context, **fixed})
        decision = ans.decision
        if ans.condition not in shown:
            shown.add(ans.condition)
            decision = decide(ctx, request)
            if not decision.allowed:
                return None
        out.append(Answer(ans.access, request, decision, ans.condition))
    return out


# ---------------------------------------------------------------------------------------------- findings

def finding_id(zone: str, resource: str, principal: str, condition: Iterable[tuple[str, str]]) -> str:
    raw = json.dumps([zone, resource, principal, sorted(condition)])
    digest = hashlib.sha256(raw.encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


def _restriction(levels: object, zone: str) -> str:
    if levels is None:
        return "NOT_APPLICABLE"
    return "APPLIED" if zone == ORGANIZATION else "APPLICABLE"


def _base(t: Target) -> dict:
    out: dict = {"resource": t.arn, "resourceType": t.type, "resourceOwnerAccount": t.owner, "status": "ACTIVE",
           "findingType": "InternalAccess"}
    if t.type in EXTENSION_TYPES:
        out["extensionType"] = True
    return out


def _principal_details(c: Candidate, t: Target) -> dict:
    return {"principal": {"AWS": c.arn}, "principalOwnerAccount": c.account, "principalType": c.type,
            "accessType": "INTRA_ACCOUNT" if c.account == t.owner else "INTRA_ORG"}


def resource_error(zone: str, t: Target, code: str) -> dict:
    """A resource-level error finding: it replaces the resource's normal findings."""
    return {"id": finding_id(zone, t.arn, "", [("error", code)]), **_base(t), "error": code, "findingDetails": []}


def error_finding(zone: str, t: Target, c: Candidate, code: str = INTERNAL_ERROR) -> dict:
    return {"id": finding_id(zone, t.arn, c.arn, [("error", code)]), **_base(t), "error": code,
            "findingDetails": [{"internalAccessDetails": _principal_details(c, t)}]}


def _findings(zone: str, t: Target, c: Candidate, ctx: AuthContext, found: list[Answer]) -> list[dict]:
    """One finding per (principal, condition): the distinct conditions under which access is granted are
    distinct findings, each with its own stable id, its actions and its sources."""
    by_condition: dict[tuple, list[Answer]] = {}
    for ans in found:
        by_condition.setdefault(ans.condition, []).append(ans)
    out = []
    for condition, group in sorted(by_condition.items()):
        group.sort(key=lambda a: (a.via is not None, a.access.action))  # the example: a direct request first
        details = {**_principal_details(c, t), "action": sorted({a.access.action for a in group}),
                   "condition": {key_name(k): v for k, v in condition},
                   "serviceControlPolicyRestriction": _restriction(c.scp_levels, zone),
                   "resourceControlPolicyRestriction": _restriction(t.rcp_levels, zone)}
        if t.type in S3_TYPES:
            details["sources"] = sources([a.decision for a in group if a.via is None], condition, t.owner,
                                         sorted({a.via for a in group if a.via is not None}))
        first = group[0]
        out.append({"id": finding_id(zone, t.arn, c.arn, condition), **_base(t), "error": None,
                    "findingDetails": [{"internalAccessDetails": details}],
                    "example": simulate_input(first.ctx or ctx, first.request)})
    return out


# ---------------------------------------------------------------------------------------------- access points

@lru_cache(maxsize=1)
def _allow_all() -> Source:
    return Source(parse_policy('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", '
                               '"Resource": "*"}]}'), "identity-taken-as-allowing")


def _bucket_side(t: Target, c: Candidate) -> AuthContext:
    """The bucket's check of a request through an access point (s3_sources.py): the bucket policy, the
    caller's identity taken to allow."""
    return AuthContext(Caller.from_arn(c.arn), t.owner, (_allow_all(),), t.policy)


PointAccesses = tuple[AccessPoint, list[Access], dict[tuple[str, str], Access]]


def _point_accesses(t: Target) -> list[PointAccesses]:
    """Each access point of the bucket that serves some action: its accesses, and each one's twin at the
    bucket by (action, glob). The same for every candidate: built once per resource."""
    out = []
    for ap in t.access_points or ():
        pairs = access_point_universe(t.type, t.arn, ap.arn)
        if pairs:
            out.append((ap, [p[0] for p in pairs], {(p[0].action, p[0].glob): p[1] for p in pairs}))
    return out


def _via_access_points(t: Target, c: Candidate, zone: str, fixed: dict[str, tuple[str, ...]], solver: Solver,
                       stats: Stats, known: dict[str, list[Answer]], points: list[PointAccesses]) -> list[Answer]:
    """The candidate's access to the bucket through each of its access points (`points`, _point_accesses),
    as bucket accesses with `via` set. `known`: the class representative's access-point answers by access
    point (filled when empty); a member replays them. UndecidedError when the bucket side may allow
    another context."""
    out: list[Answer] = []
    bucket = _bucket_side(t, c)
    for ap, at_point, twins in points:
        ctx = context_of(c, replace(t, arn=ap.arn, policy=ap.policy), zone)
        fixed_ap = {**fixed, **access_point_keys(ap.arn)}
        got = _replay(ctx, known[ap.arn], fixed_ap) if ap.arn in known else None
        if got is None:
            stats.classes += 1
            got = answers(ctx, at_point, fixed_ap, solver, stats)
            known.setdefault(ap.arn, got)
        for ans in got:
            twin = twins[(ans.access.action, ans.access.glob)]
            key = ans.request.resource[len(ap.arn) + len("/object/"):] if twin.glob != t.arn else ""
            request = AuthRequest(ans.request.action, f"{t.arn}/{key}" if key else t.arn, ans.request.context)
            stats.concrete += 1
            decision = decide(bucket, request)
            if decision.allowed:
                cond = ans.condition
                if ap.vpc and "aws:sourcevpc" not in dict(cond):
                    cond = tuple(sorted((*cond, ("aws:sourcevpc", ap.vpc))))
                out.append(Answer(twin, ans.request, ans.decision, cond, ap.arn, ctx))
            elif _depends(bucket, twin, decision):
                raise UndecidedError(f"the bucket side of {ans.request.action} through {ap.arn} depends on "
                                     f"the context")
    return out


def _class_key(pop: Population, i: int, t: Target, guarded: bool, shared_personal: bool) -> tuple:
    """Candidates with equal keys get the same answers on this resource (classes.py)."""
    c = pop.candidates[i]
    if shared_personal or (pop.own_personal[i] and (guarded or personal([*c.identity, *([c.boundary] if c.boundary else [])]))):
        return ("principal", c.arn)
    return (pop.identity_key[i], pop.scp_key[i] if guarded else None, c.account == t.owner,
            naming(t, pop.callers[i], c.boundary is not None))


def _resource_view(t: Target) -> tuple | None:
    """What the resource side looks like with its own ARN blanked out, when that is all it says about
    resources (then answers carry over to another resource of the type with the same view), else None."""
    if t.access_points or any(not arn_free(src) for lv in t.rcp_levels or () for src in lv):
        return None
    text = t.policy.policy.text if t.policy else ""
    if any(k in text.lower() for k in ("aws:resource", ":resourceaccount", "resourcetag", "${")):
        return None  # the policy reads a key of the resource: its answers stay with it
    for stmt in t.policy.policy.statements if t.policy else ():
        if stmt.resource is None or stmt.resource.negated or not all(
                v.text == "*" or v.text == t.arn or v.text.startswith(t.arn + "/") for v in stmt.resource.values):
            return None
    rcps = tuple(tuple(src.policy.text for src in lv) for lv in t.rcp_levels) if t.rcp_levels is not None else None
    return (t.type, text.replace(t.arn, "\0"), rcps, t.org_id)


def _rebase(known: list[Answer], old: str, accesses: Sequence[Access], new: str) -> list[Answer] | None:
    """Answers found on resource `old` restated for `new` (same type, same view); None if one has no twin."""
    twins = {(a.action, a.glob[len(new):]): a for a in accesses}
    out = []
    for ans in known:
        twin = twins.get((ans.access.action, ans.access.glob[len(old):]))
        if twin is None or not ans.request.resource.startswith(old):
            return None
        request = AuthRequest(ans.request.action, new + ans.request.resource[len(old):], ans.request.context)
        out.append(Answer(twin, request, ans.decision, ans.condition))
    return out


def analyze_resource(t: Target, candidates: Iterable[Candidate] | Population, zone: str = ORGANIZATION,
                     solver: Solver = symbolic_solver, stats: Stats | None = None,
                     memo: dict | None = None, aws_compatible: bool = False) -> list[dict]:
    """The findings of one resource: one per (principal, condition) with its sorted actions, and a
    principal-level error finding for each principal the analysis could not decide. `memo` (shared by
    the resources of one task) carries a class's answers to the next resource with the same view when
    no policy of the class names a resource but `*`; each carried answer is replayed (`_replay`).
    `aws_compatible`: more than PRINCIPAL_LIMIT principals give AWS's one PRINCIPAL_LIMIT_EXCEEDED error
    finding instead of theirs (by default every finding is reported)."""
    stats = stats if stats is not None else Stats()
    memo = memo if memo is not None else {}
    view = _resource_view(t)
    pop = candidates if isinstance(candidates, Population) else Population.of(candidates)
    accesses = universe(t.type, t.arn)
    guarded = zone == ORGANIZATION
    shared = [*([t.policy] if t.policy else []), *(s for lv in t.rcp_levels or () for s in lv),
              *(ap.policy for ap in t.access_points or () if ap.policy is not None)]
    shared_personal = personal(shared)
    out: list[dict] = []
    classes: dict[tuple, list[Answer] | None] = {}  # class key -> the representative's answers (None: error)
    in_zone = [i for i, c in enumerate(pop.candidates) if zone != ACCOUNT or c.account == t.owner]
    stats.principals += sum(1 for i in in_zone if not pop.callers[i].service_linked)
    kept = set(pop.relevant(t, service_of(t.type)))
    for ap in t.access_points or ():  # an access point policy may name principals the bucket policy does not
        kept.update(pop.relevant(replace(t, policy=ap.policy), service_of(t.type)))
    via_points: dict[tuple, dict[str, list[Answer]]] = {}  # class key -> access point -> answers
    points = _point_accesses(t)
    for i in in_zone:
        c, caller = pop.candidates[i], pop.callers[i]
        if caller.service_linked:
            continue
        if c.error:
            stats.errors += 1
            out.append(error_finding(zone, t, c, c.error))
            continue
        if i not in kept:
            stats.pairs += len(accesses)
            stats.prefiltered += len(accesses)
            continue
        ctx = context_of(c, t, zone)
        fixed = fixed_context(c, t)
        key = _class_key(pop, i, t, guarded, shared_personal)
        found: list[Answer] | None = None
        carried = (key, view) if view is not None and pop.arn_free[i] else None
        if key not in classes and carried is not None and carried in memo:
            origin, earlier = memo[carried]
            rebased = _rebase(earlier, origin, accesses, t.arn)
            if rebased is not None:
                found = _replay(ctx, rebased, fixed)
                if found is not None:
                    classes[key] = rebased
        if found is None and key in classes:
            known = classes[key]
            found = _replay(ctx, known, fixed) if known is not None else None
        if found is None and not (key in classes and classes[key] is None):  # an undecided class stays so
            stats.classes += 1
            try:
                found = answers(ctx, accesses, fixed, solver, stats)
            except UndecidedError:
                found = None
            classes.setdefault(key, found)
            if carried is not None and found is not None:
                memo[carried] = (t.arn, found)
        if found is not None and t.access_points is not None:
            # the owner's access points are all known and analysed on their own (`via`): a direct answer
            # that needs one of them is that access, already found there
            found = [a for a in found if not through_own_point(a.condition, t.owner)]
            try:
                found += _via_access_points(t, c, zone, fixed, solver, stats, via_points.setdefault(key, {}), points)
            except UndecidedError:
                found = None
        if found is None:
            stats.errors += 1
            out.append(error_finding(zone, t, c))
            continue
        out.extend(_findings(zone, t, c, ctx, found))
    if aws_compatible and len({f["findingDetails"][0]["internalAccessDetails"]["principal"]["AWS"]
                               for f in out if f["findingDetails"]}) > PRINCIPAL_LIMIT:
        return [resource_error(zone, t, "PRINCIPAL_LIMIT_EXCEEDED")]
    return out
