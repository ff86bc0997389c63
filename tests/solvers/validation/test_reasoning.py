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
