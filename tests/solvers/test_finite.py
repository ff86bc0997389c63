"""The enumerated class space (`solvers.symbolic.finite`) answers exactly as Z3 does on the same encoding.

Each random pair of policies is asked the same questions twice: once on a Question that enumerates its
class space, once on one forced to use Z3. Satisfiability must agree on every question; enumerated
witnesses must satisfy their question (replayed through the evaluator where the question is
"allowed"); every unsat core the enumeration reports must be unsatisfiable on its own for Z3.
"""
from __future__ import annotations

import policygen as pg  # tests/solvers/policygen.py (pytest pythonpath)
import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from solvers.errors import UndecidedError
from solvers.evaluator import is_allowed, statement_matches
from solvers.policy import parse_policy
from solvers.symbolic.engine import Question
from solvers.symbolic.finite import FiniteSpace, _repeat
from solvers.symbolic.terms import Term


def _question(texts: list[str], limit: int):
    q = Question(multivalued=pg.multivalued, timeout_ms=5_000)
    q.enumeration_limit = limit
    compiled = [q.compile(parse_policy(text)) for text in texts]
    return q, compiled


def _goals(q: Question, compiled) -> list[Term]:
    """Allowed, denied, each statement, and "the first allows what the second does not"."""
    t = q.t
    out: list[Term] = []
    for cp in compiled:
        out += [cp.allows, cp.denies, *cp.statements]
    out.append(t.and_(compiled[0].allows, t.not_(compiled[1].allows)))
    return out


@settings(max_examples=150, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.booleans().flatmap(lambda rp: st.tuples(pg.policies(resource_policy=rp, max_statements=3),
                                                  pg.policies(resource_policy=rp, max_statements=3))))
def test_enumeration_and_z3_agree(cases) -> None:
    texts = [c.text for c in cases]
    for text in texts:
        note(text)
    try:
        fq, fcompiled = _question(texts, 1 << 20)
        zq, zcompiled = _question(texts, 0)
        fgoals, zgoals = _goals(fq, fcompiled), _goals(zq, zcompiled)
        fq.exists(fgoals[0])  # fixes the classes; string-mode questions never enumerate
        zq.exists(zgoals[0])
    except UndecidedError:
        return
    if not isinstance(fq._prepare(), FiniteSpace):
        return
    policies = [cp.policy for cp in fcompiled]
    for i, (fg, zg) in enumerate(zip(fgoals, zgoals, strict=True)):
        witness = fq.find(fg)
        assert (witness is not None) == zq.exists(zg), f"goal {i}"
        if witness is not None and i == 0:
            assert is_allowed(policies[0], witness)
    stmts = [s for cp in fcompiled for s in cp.policy.statements]
    n0 = len(fcompiled[0].statements)
    owner = [0] * n0 + [1] * (len(stmts) - n0)
    fterms = [s for cp in fcompiled for s in cp.statements]
    for k, (stmt, term) in enumerate(zip(stmts, fterms, strict=True)):
        witness = fq.find(term)
        if witness is not None:
            assert statement_matches(stmt, policies[owner[k]], witness)
    # exists_each and sessions: the same verdicts; cores that Z3 confirms
    assert fq.exists_each(fgoals[0], fterms) == zq.exists_each(zgoals[0], [s for cp in zcompiled for s in cp.statements])
    zterms = [s for cp in zcompiled for s in cp.statements]
    t_f, t_z = fq.t, zq.t
    with fq.session(fcompiled[1].allows) as fs, zq.session(zcompiled[1].allows) as zs:
        fparts = [t_f.not_(x) for x in fterms[:3]] + [fcompiled[0].allows]
        zparts = [t_z.not_(x) for x in zterms[:3]] + [zcompiled[0].allows]
        fw, fcore = fs.witness_or_core(fparts)
        zw, _ = zs.witness_or_core(zparts)
        assert (fw is None) == (zw is None)
        if fw is None:
            core_w, _ = zs.witness_or_core([zparts[j] for j in sorted(fcore)])
            assert core_w is None, f"core {sorted(fcore)} is satisfiable"


@pytest.mark.parametrize("period,count", [(1, 1), (1, 7), (3, 5), (5, 8), (64, 3), (2, 0)])
def test_repeat_lays_copies_side_by_side(period: int, count: int) -> None:
    pattern = 0b101 & ((1 << period) - 1)
    expected = sum(pattern << (k * period) for k in range(count))
    assert _repeat(pattern, period, count) == expected
