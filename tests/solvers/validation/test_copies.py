"""REDUNDANT_STATEMENT for copies: a statement whose elements other than its Sid are written as another's
(element order aside) is reported against the first such statement; one that differs in anything
written, a condition value or the way a value is written, is not taken for a copy."""
from __future__ import annotations

import json

from solvers.validation import validate_policy

BASE = {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::b/*",
        "Condition": {"StringEquals": {"aws:PrincipalTag/team": "blue"}}}


def _copies(*statements: str) -> list[tuple[int, str]]:
    text = '{"Version": "2012-10-17", "Statement": [' + ", ".join(statements) + "]}"
    return [(int(f.details.split()[1]), f.details.split("to ")[1]) for f in validate_policy(text, "IDENTITY_POLICY")
            if f.issue_code == "REDUNDANT_STATEMENT"]


def test_copies_are_reported_against_the_first_one() -> None:
    plain = json.dumps(BASE)
    with_sid = json.dumps({"Sid": "Again", **BASE})
    reordered = json.dumps(dict(reversed(list(BASE.items()))))
    assert _copies(plain, with_sid, reordered, plain) == [(1, "statement 0; remove it."), (2, "statement 0; remove it."),
                                                          (3, "statement 0; remove it.")]


def test_statements_written_otherwise_are_not_copies() -> None:
    plain = json.dumps(BASE)
    other_value = json.dumps({**BASE, "Condition": {"StringEquals": {"aws:PrincipalTag/team": "red"}}})
    other_key = json.dumps({**BASE, "Condition": {"StringEquals": {"aws:PrincipalTag/Team": "blue"}}})
    escaped = plain.replace("blue", "\\u0062lue")  # the same value, written another way
    list_value = json.dumps({**BASE, "Resource": ["arn:aws:s3:::b/*"]})
    assert _copies(plain, other_value, other_key, escaped, list_value) == []
    assert _copies(other_value, plain, escaped, plain) == [(3, "statement 1; remove it.")]
