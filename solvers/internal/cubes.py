"""The condition cubes of one conditional access (authorization.md §6.3 step 5): Access Analyzer reports one
finding per (resource, principal, condition), so an action that opens under two different conditions
(two statements, say `aws:SourceVpc` vpc-1 and vpc-2) is listed in two findings.

Given one allowed request (the witness), every statement that may match the access and carries
conditions is tried with the witness's context overridden by the statement's own values, one value per
key (the values of an Allow open it; those of a Deny with a negated operator, such as a Region lock's
`StringNotEquals aws:RequestedRegion`, are its way out); whatever `decide` allows is one cube. A cube's condition is then cut down to the keys the decision needs: a key
whose removal keeps the request allowed is dropped, in a fixed order, so the same input always gives the
same condition (and the same finding id). When no statement's values open the access (negated operators,
numeric bounds), the witness's own context is the one cube. Every cube is a request `decide` allowed.
"""
from __future__ import annotations

from collections.abc import Mapping
from itertools import islice, product

from solvers.authorization.context import AuthContext, AuthRequest
from solvers.authorization.decide import Decision, decide
from solvers.overlap import Shape, may_overlap, shape

Context = dict[str, tuple[str, ...]]
MAX_COMBINATIONS = 16  # value combinations tried per statement (one value per condition key)


def _minimal(ctx: AuthContext, action: str, resource: str, context: Context,
             fixed: Mapping[str, tuple[str, ...]]) -> tuple[AuthRequest, Decision]:
    request = AuthRequest(action, resource, context)
    decision = decide(ctx, request)
    for key in sorted(k for k in context if k not in fixed):
        fewer = {k: v for k, v in request.context.items() if k != key}
        trial = AuthRequest(action, resource, fewer)
        shorter = decide(ctx, trial)
        if shorter.allowed:
            request, decision = trial, shorter
    return request, decision


def cubes(ctx: AuthContext, access_shape: Shape, witness: AuthRequest,
          fixed: Mapping[str, tuple[str, ...]]) -> list[tuple[AuthRequest, Decision]]:
    """The cubes of the access the witness opens, each as a minimal allowed request; distinct conditions,
    in a fixed order. The witness must be allowed."""
    tried: list[Context] = []
    for _, src in ctx.sources():
        for stmt in src.policy.statements:
            if not stmt.conditions or not may_overlap(shape(stmt), access_shape):
                continue
            keys = [c for c in stmt.conditions if c.key_lower not in fixed and "$" not in c.key_lower]
            for combo in islice(product(*(tuple(str(v.text) for v in c.values) for c in keys)), MAX_COMBINATIONS):
                context = {**witness.context, **{c.key_lower: (v,) for c, v in zip(keys, combo, strict=True)}}
                if keys and context not in tried:
                    tried.append(context)
    found: dict[tuple, tuple[AuthRequest, Decision]] = {}
    for context in tried:
        if not decide(ctx, AuthRequest(witness.action, witness.resource, context)).allowed:
            continue
        request, decision = _minimal(ctx, witness.action, witness.resource, context, fixed)
        found.setdefault(_key(request, fixed), (request, decision))
    if not found:
        request, decision = _minimal(ctx, witness.action, witness.resource, dict(witness.context), fixed)
        found[_key(request, fixed)] = (request, decision)
    if () in found:  # unconditional: every other cube lies inside it
        return [found[()]]
    return [found[k] for k in sorted(found)]


def _key(request: AuthRequest, fixed: Mapping[str, tuple[str, ...]]) -> tuple:
    return tuple(sorted((k, v) for k, v in request.context.items() if k not in fixed))
