"""Symbolic whole-request authorization: witnesses with the conditions they need, the statement cut, and
undecided answers raised as errors (never read as "denied")."""
from __future__ import annotations

import json

import pytest

from solvers.authorization import symbolic
from solvers.authorization.context import AuthContext, Caller, Source
from solvers.authorization.decide import Outcome, Path
from solvers.authorization.symbolic import AuthorizationQuestion, allowed_request
from solvers.errors import UndecidedError
from solvers.policy import parse_policy
from solvers.symbolic.compile import ACTION

A, B = "111111111111", "222222222222"
ALICE = Caller.from_arn(f"arn:aws:iam::{A}:user/alice")
OBJ = "arn:aws:s3:::bucket/key"


def pol(*statements: dict, sid: str = "p") -> Source:
    return Source(parse_policy(json.dumps({"Version": "2012-10-17", "Statement": list(statements)})), sid)


FULL = pol({"Effect": "Allow", "Action": "*", "Resource": "*"})


def test_witness_carries_the_conditions_every_policy_needs():
    identity = pol({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
                    "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}})
    scp = pol({"Effect": "Allow", "Action": "*", "Resource": "*"},
              {"Effect": "Deny", "Action": "*", "Resource": "*",
               "Condition": {"StringNotEquals": {"aws:PrincipalTag/team": "data"}}})
    ctx = AuthContext(ALICE, None, (identity,), scp_levels=((FULL,), (scp,)))
    answer = allowed_request(ctx, ["s3:GetObject"], [OBJ])
    assert answer.allowed and answer.decision is not None and answer.decision.path is Path.IDENTITY
    assert answer.request is not None
    assert answer.request.context["aws:requestedregion"] == ("eu-west-1",)
    assert answer.request.context["aws:principaltag/team"] == ("data",)


def test_no_request_when_a_guardrail_blocks_every_one():
    rcp = pol({"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"},
              {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"})
    ctx = AuthContext(ALICE, B, (FULL,), resource_policy=pol({"Effect": "Allow", "Principal": {"AWS": A},
                                                              "Action": "s3:*", "Resource": "*"}),
                      rcp_levels=((rcp,),))
    assert not allowed_request(ctx, ["s3:GetObject"], [OBJ]).allowed
    assert allowed_request(ctx, ["s3:GetObject"], [OBJ]).decision is None


def test_cross_account_needs_both_sides_symbolically():
    rp = pol({"Effect": "Allow", "Principal": {"AWS": A}, "Action": "s3:GetObject", "Resource": "*",
              "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1"}}})
    assert not allowed_request(AuthContext(ALICE, B, (), resource_policy=rp), ["s3:GetObject"], [OBJ]).allowed
    answer = allowed_request(AuthContext(ALICE, B, (FULL,), resource_policy=rp), ["s3:GetObject"], [OBJ])
    assert answer.request is not None and answer.request.context["aws:sourcevpce"] == ("vpce-1",)
    assert answer.decision is not None and answer.decision.path is Path.DELEGATION


def test_statements_that_cannot_meet_the_action_never_reach_the_engine():
    """The cut of overlap.py: 40 identity policies about other services leave no pattern behind."""
    others = tuple(pol({"Effect": "Allow", "Action": f"ec2:Describe{i}*", "Resource": "*"}, sid=f"p{i}")
                   for i in range(40))
    ctx = AuthContext(ALICE, None, (*others, pol({"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"})))
    aq = AuthorizationQuestion(ctx, ["s3:GetObject"], [OBJ])
    patterns = aq.q.space.dims[ACTION].patterns
    assert not any("ec2" in "".join(t.lit or "" for t in p) for p in patterns)
    assert aq.find().allowed


def test_undecided_solver_raises(monkeypatch):
    def undecided(self, goal):
        raise UndecidedError("solver gave no answer: timeout")
    monkeypatch.setattr(symbolic.Question, "find", undecided)
    with pytest.raises(UndecidedError):
        allowed_request(AuthContext(ALICE, None, (FULL,)), ["s3:GetObject"], [OBJ])


def test_a_witness_that_does_not_replay_is_an_error(monkeypatch):
    from solvers.authorization.decide import Decision
    monkeypatch.setattr(symbolic, "decide", lambda ctx, req: Decision(Outcome.IMPLICIT_DENY, None, (), ()))
    with pytest.raises(UndecidedError, match="does not replay"):
        allowed_request(AuthContext(ALICE, None, (FULL,)), ["s3:GetObject"], [OBJ])


def test_fixed_context_keys_bind_the_question():
    """Keys the request itself fixes (the caller's account, for #16) are bound, not free."""
    identity = pol({"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                    "Condition": {"StringEquals": {"aws:PrincipalAccount": B}}})
    ctx = AuthContext(ALICE, None, (identity,))
    assert allowed_request(ctx, ["s3:GetObject"], [OBJ]).allowed
    assert not allowed_request(ctx, ["s3:GetObject"], [OBJ], fixed_context={"aws:PrincipalAccount": [A]}).allowed


def test_actions_without_a_resource_use_the_literal_star():
    ctx = AuthContext(ALICE, None, (pol({"Effect": "Allow", "Action": "kms:ListKeys", "Resource": "*"}),))
    answer = allowed_request(ctx, ["kms:ListKeys"], ["*"])
    assert answer.request is not None and answer.request.resource == "*"
