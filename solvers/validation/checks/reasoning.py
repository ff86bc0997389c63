"""Suggestions that need reasoning, asked of the symbolic engine: a statement whose every request is
already matched by the other statements of the same effect adds nothing.

Only run when asked (`validate_policy(..., reasoning=True)`, the CLI's default): loading Z3 and solving
costs far more than every other check together. Only policies the analysis model accepts, with a few
statements, are considered; a question the engine cannot decide within its budget yields no
suggestion (a suggestion is never a guess).
"""
from __future__ import annotations

import time

from solvers.errors import PolicyError, TrustmapError, UndecidedError
from solvers.validation.findings import IDENTITY, RESOURCE
from solvers.validation.rules import Context, Family

MAX_STATEMENTS = 20
SOLVER_TIMEOUT_MS = 2_000  # per question
BUDGET_SECONDS = 5.0  # per policy: statements not reached in time get no suggestion


def check_reasoning(ctx: Context) -> None:
    if not ctx.reasoning or ctx.policy_type not in (IDENTITY, RESOURCE) or len(ctx.statements) < 2 \
            or len(ctx.statements) > MAX_STATEMENTS or ctx.findings_of("ERROR"):
        return
    from solvers.policy import parse_policy
    try:
        policy = parse_policy(ctx.document.text)
    except PolicyError:
        return  # the structure checks have reported why
    from solvers.catalog import load_catalog
    from solvers.symbolic.engine import Question

    catalog = load_catalog()

    def action_names(service: str) -> list[str]:
        found = catalog.service(service)
        return [a.full_name for a in found.actions.values()] if found else []

    q = Question(multivalued=catalog.is_multivalued, timeout_ms=SOLVER_TIMEOUT_MS, action_names=action_names)
    try:
        compiled = q.compile(policy)
    except TrustmapError:
        return  # a construct the engine does not model: no suggestion rather than a guess
    deadline = time.monotonic() + BUDGET_SECONDS
    t = q.t
    by_index = {s.index: s for s in ctx.statements}
    for effect in ("Allow", "Deny"):
        members = [s.index for s in policy.statements if s.effect == effect]
        redundant: set[int] = set()
        for i in reversed(members):  # of two equivalent statements the later one is reported
            others = [compiled.statements[j] for j in members if j != i and j not in redundant]
            if not others:
                continue
            if time.monotonic() > deadline:
                return
            try:
                adds = q.exists(t.and_(compiled.statements[i], t.not_(t.or_(*others))))
            except (UndecidedError, TrustmapError):
                continue  # not decided within the solver's budget
            if not adds and i in by_index:
                redundant.add(i)
                ctx.report("REDUNDANT_STATEMENT", by_index[i].at, index=i, other=f"the other {effect} statements")


FAMILY = Family("reasoning", (), check_reasoning)
