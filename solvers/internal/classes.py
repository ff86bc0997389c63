"""Principals that must get the same answer on one resource, so that one analysis serves them all.

Two principals share a class when their identity policies, boundary and SCP path are the same texts,
they stand on the same side of the account line, and the resource policy and RCPs name them the same
way (statement by statement, same kind). A principal whose answer may depend on its own name (a policy
that reads principal keys or uses policy variables) is a class of its own. Members other than the
representative still have every answer replayed through `decide` (analyze.py), so a class never
stands in for a principal it does not fit.
"""
from __future__ import annotations

from collections.abc import Iterable

from solvers.authorization.context import Caller, Source
from solvers.authorization.principals import statement_kind
from solvers.internal.model import Target

# condition keys and variables through which a policy can tell two principals of one class apart
_PERSONAL = ("aws:principalarn", "aws:principalaccount", "aws:userid", "aws:username", "aws:principaltag",
             "aws:principalorgpaths", "aws:sourceaccount", "aws:sourcearn", "aws:sourceowner", "${")


def _texts(sources: Iterable[Source]) -> tuple[str, ...]:
    return tuple(s.policy.text for s in sources)


def personal(sources: Iterable[Source]) -> bool:
    return any(p in s.policy.text.lower() for s in sources for p in _PERSONAL)


def naming(target: Target, caller: Caller, has_boundary: bool) -> tuple:
    """How the resource policy and the RCPs name the caller, statement by statement."""
    out = []
    named = [target.policy] if target.policy else []
    named += [s for level in target.rcp_levels or () for s in level]
    named += [ap.policy for ap in target.access_points or () if ap.policy is not None]
    for src in named:
        for stmt in src.policy.statements:
            if stmt.principal is not None:
                out.append(statement_kind(stmt.principal, stmt.effect, caller, has_boundary))
    return tuple(out)
