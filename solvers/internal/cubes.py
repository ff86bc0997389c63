"""The condition cubes of one conditional access (authorization.md §6.3 step 5): Access Analyzer reports one
finding per (resource, principal, condition), so an action that opens under two different conditions
(two statements, say `aws:SourceVpc` vpc-1 and vpc-2) is listed in two findings.

Given one allowed request (the witness), every statement that may match the access and carries
conditions is tried with the witness's context overridden by the statement's own values, one value per
key (the values of an Allow open it; those of a Deny with a negated operator, such as a Region lock's
`StringNotEquals aws:RequestedRegion`, are its way out); whatever `decide` allows is one cube. A cube's
condition is then cut down to the keys the decision needs: a key whose removal keeps the request allowed
is dropped, in a fixed order, so the same input always gives the same condition (and the same finding
id). When no statement's values open the access (negated operators, numeric bounds), the witness's own
context is the one cube. Every cube is a request `decide` allowed.
"""
from __future__ import annotations

from collections.abc import Mapping
from itertools import islice, product

from solvers.authorization.context import AuthContext, AuthRequest
from solvers.authorization.decide import Decision, decide
from solvers.errors import UndecidedError
from solvers.overlap import Shape, may_overlap, shape

Context = dict[str, tuple[str, ...]]
MAX_COMBINATIONS = 16  # value combinations tried per statement (one value per condition key)


def _minimal(ctx: AuthContext, action: str, resource: str, context: Context,
             fixed: Mapping[str, tuple[str, ...]]) -> tuple[AuthRequest, Decision] | None:
    """The request with the fewest keys of `context` that is still allowed (keys dropped one by one, in a
    fixed order), or None when `context` itself does not allow it."""
    request = AuthRequest(action, resource, context)
    decision = decide(ctx, request)
    if not decision.allowed:
        return None
    for key in sorted(k for k in context if k not in fixed):
        fewer = {k: v for k, v in request.context.items() if k != key}
        trial = AuthRequest(action, resource, fewer)
        shorter = decide(ctx, trial)
        if shorter.allowed:
            request, decision = trial, shorter
    return request, decision


def _candidates(ctx: AuthContext, shapes: list[Shape], witness: Context,
                fixed: Mapping[str, tuple[str, ...]]) -> list[Context]:
    """The witness's context overridden by each conditional statement's values, one value per key, for
    the statements that may match one of the accesses."""
    tried: list[Context] = []
    for _, src in ctx.sources():
        for stmt in src.policy.statements:
            if not stmt.conditions or not any(may_overlap(shape(stmt), sh) for sh in shapes):
                continue
            keys = [c for c in stmt.conditions if c.key_lower not in fixed and "$" not in c.key_lower]
            for combo in islice(product(*(tuple(str(v.text) for v in c.values) for c in keys)), MAX_COMBINATIONS):
                context = {**witness, **{c.key_lower: (v,) for c, v in zip(keys, combo, strict=True)}}
                if keys and context not in tried:
                    tried.append(context)
    return tried


def cubes(ctx: AuthContext, accesses: list[tuple[Shape, AuthRequest]],
          fixed: Mapping[str, tuple[str, ...]]) -> list[list[tuple[AuthRequest, Decision]]]:
    """For accesses opened by witnesses of one context (one condition), the cubes of each as allowed
    requests: distinct conditions, in a fixed order. A candidate context's minimal form, found for the
    first access it opens, is what the others get when it opens them too (one decision each; the keys
    one access needs are, within a group, the keys the others need)."""
    context = dict(accesses[0][1].context)
    tried = _candidates(ctx, [sh for sh, _ in accesses], context, fixed)
    minimal: dict[int, Context] = {}  # candidate -> its minimal context, as found for the first access
    out = []
    for _, witness in accesses:
        found: dict[tuple, tuple[AuthRequest, Decision]] = {}
        for i, candidate in enumerate(tried):
            got = None
            if i in minimal:  # usually the same keys open the other accesses of the group: one decision
                request = AuthRequest(witness.action, witness.resource, minimal[i])
                decision = decide(ctx, request)
                got = (request, decision) if decision.allowed else None
            if got is None:
                got = _minimal(ctx, witness.action, witness.resource, candidate, fixed)
                if got is not None:
                    minimal.setdefault(i, dict(got[0].context))
            if got is not None:
                found.setdefault(_key(got[0], fixed), got)
        if not found:
            got = _minimal(ctx, witness.action, witness.resource, dict(witness.context), fixed)
            if got is None:
                raise UndecidedError(f"the witness for {witness.action} on {witness.resource} no longer replays")
            found[_key(got[0], fixed)] = got
        out.append([found[()]] if () in found else [found[k] for k in sorted(found)])
    return out


def _key(request: AuthRequest, fixed: Mapping[str, tuple[str, ...]]) -> tuple:
    return tuple(sorted((k, v) for k, v in request.context.items() if k not in fixed))
