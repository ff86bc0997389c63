"""REDUNDANT_STATEMENT through the symbolic engine: a statement covered by the union of the others of
its effect is reported (the later of two equivalent ones); one that adds access is not."""
from __future__ import annotations

import json

from solvers.validation import validate_policy


def redundant(statements: list[dict], policy_type: str = "IDENTITY_POLICY") -> list[tuple]:
    text = json.dumps({"Version": "2012-10-17", "Statement": statements}, indent=2)
    return [f.locations[0].path for f in validate_policy(text, policy_type, reasoning=True)
            if f.issue_code == "REDUNDANT_STATEMENT"]


WIDE = {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*"}
NARROW = {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::b/reports/*",
          "Condition": {"Bool": {"aws:SecureTransport": "true"}}}
OTHER = {"Effect": "Allow", "Action": "ec2:DescribeInstances", "Resource": "*"}


def test_covered_statement_is_redundant() -> None:
    assert redundant([WIDE, NARROW, OTHER]) == [("Statement", 1)]


def test_covered_by_the_union_of_two() -> None:
    halves = [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::b/*"},
              {"Effect": "Allow", "Action": "s3:Put*", "Resource": "arn:aws:s3:::b/*"}]
    assert redundant([*halves, NARROW]) == [("Statement", 2)]


def test_equivalent_statements_report_the_later_only() -> None:
    reordered = {"Resource": "arn:aws:s3:::b/*", "Action": ["s3:*"], "Effect": "Allow"}
    assert redundant([WIDE, reordered]) == [("Statement", 1)]


def test_statements_that_add_access_are_kept() -> None:
    assert redundant([NARROW, OTHER, {**NARROW, "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]) == []


def test_an_allow_is_not_covered_by_a_deny() -> None:
    assert redundant([NARROW, {**WIDE, "Effect": "Deny"}]) == []


def test_off_unless_asked() -> None:
    text = json.dumps({"Version": "2012-10-17", "Statement": [WIDE, NARROW]})
    assert "REDUNDANT_STATEMENT" not in {f.issue_code for f in validate_policy(text, "IDENTITY_POLICY")}


def test_answered_from_the_text_without_the_engine(monkeypatch) -> None:
    from solvers.validation.checks import reasoning

    def no_engine(group):
        raise AssertionError("the symbolic engine was asked")
    monkeypatch.setattr(reasoning, "_adds", no_engine)
    wide_ec2 = {"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}
    narrow_ec2 = {"Effect": "Allow", "Action": "ec2:DescribeInstances", "Resource": "arn:aws:ec2:*:*:instance/*",
                  "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}}
    # covered glob within glob; the S3 statement meets neither, so nothing is asked about it
    assert redundant([wide_ec2, narrow_ec2, WIDE]) == [("Statement", 1)]
    # resources in other ARN fields (instance/ vs volume/) cannot meet: nothing to ask
    volumes = {"Effect": "Allow", "Action": "ec2:AttachVolume", "Resource": "arn:aws:ec2:*:*:volume/*"}
    instances = {"Effect": "Allow", "Action": "ec2:AttachVolume", "Resource": "arn:aws:ec2:*:*:instance/*"}
    assert redundant([volumes, instances]) == []


def test_arn_wildcards_stay_within_their_field() -> None:
    from solvers.validation.checks.reasoning import _arn_covers
    assert _arn_covers("arn:aws:s3:::b/*", "arn:aws:s3:::b/reports/*")
    assert _arn_covers("arn:aws:logs:*:*:log-group:*", "arn:aws:logs:us-east-1:111122223333:log-group:a:log-stream:b")
    assert not _arn_covers("arn:aws:iam::*:role/*", "arn:aws:iam:us-east-1:111122223333:role/x")  # region field
    assert not _arn_covers("arn:aws:s3:::b/*", "arn:aws:s3:::c/*")


def test_questions_are_cached_by_statement_text(monkeypatch) -> None:
    from solvers.validation.checks import reasoning
    reasoning._adds.cache_clear()
    conditioned = {**WIDE, "Condition": {"StringEquals": {"s3:prefix": "a"}}}
    for sid in ("One", "Two"):  # other Sids, same question
        assert redundant([conditioned, {**NARROW, "Sid": sid}]) == []
    info = reasoning._adds.cache_info()
    assert info.misses >= 1 and info.hits >= 1


def test_an_undecided_question_gives_no_suggestion(monkeypatch) -> None:
    from solvers.validation.checks import reasoning
    either = {**WIDE, "Condition": {"StringEquals": {"s3:ExistingObjectTag/team": ["a", "b"]}}}
    one = {**WIDE, "Action": "s3:GetObject", "Condition": {"StringEquals": {"s3:ExistingObjectTag/team": "a"}}}
    assert redundant([either, one]) == [("Statement", 1)]  # the engine proves it
    monkeypatch.setattr(reasoning, "_adds", lambda group: None)
    assert redundant([either, {**one, "Sid": "Other"}]) == []  # undecided: nothing said


def test_shared_conditions_are_answered_from_the_text(monkeypatch) -> None:
    from solvers.validation.checks import reasoning
    monkeypatch.setattr(reasoning, "_adds", lambda group: None)  # the engine would not decide
    same = {"StringEquals": {"aws:ResourceAccount": "${aws:PrincipalAccount}"}}
    wide = {"Effect": "Allow", "Action": "lambda:*", "Resource": "arn:aws:lambda:*:*:function:*", "Condition": same}
    narrow = {"Effect": "Allow", "Action": "lambda:UpdateFunctionConfiguration",
              "Resource": "arn:aws:lambda:*:*:function:app-*", "Condition": {**same, "Bool": {"aws:ViaAWSService": "true"}}}
    assert redundant([wide, narrow]) == [("Statement", 1)]
