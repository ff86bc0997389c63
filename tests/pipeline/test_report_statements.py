"""The report's statement places are the span parser's; its granting
statements, each question judged once for many resources, are the evaluator's."""
from __future__ import annotations

import json

import pytest

from pipeline.report.statements import PolicyTexts
from solvers.evaluator import Principal, Request, statement_matches
from solvers.policy import _full_policy, parse_policy

_ALLOW = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}


@pytest.mark.parametrize("text", [
    json.dumps({"Version": "2012-10-17", "Statement": [_ALLOW, {**_ALLOW, "Effect": "Deny"}]}),
    json.dumps({"Statement": _ALLOW}, indent=4),
    ' \n{ "Statement" :\t[ ' + json.dumps(_ALLOW) + " ,\r\n" + json.dumps(_ALLOW, indent=1) + " ] , \"Id\" : \"x\" }\n",
    '{"Statem\\u0065nt": [' + json.dumps(_ALLOW, ensure_ascii=False).replace("GetObject", "Get\u00e9") + "]}",
    json.dumps({"Statement": [{**_ALLOW, "Sid": "caf\u00e9 [x] {y}", "Condition": {"StringLike": {"a:b": ["]"]}}}]}),
])
def test_statement_places_equal_the_span_parsers(text: str) -> None:
    want = [[s.span.start_offset, s.span.end_offset] for s in _full_policy(text).statements]
    assert PolicyTexts().statement_spans(text) == want


@pytest.mark.parametrize("text", ['["Statement"]', '{"Statement": "x"}', '{"Id": "x"}', '{"Statement": [}', ""])
def test_what_is_not_a_policy_object_has_no_statement_places(text: str) -> None:
    assert PolicyTexts().statement_spans(text) == []


def test_a_document_that_does_not_parse_has_no_statements() -> None:
    assert PolicyTexts().statement_spans('{"Statement": [{"Effect": "Allow"}]}') == []


_QUEUES = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Sid": "One", "Effect": "Allow", "Principal": {"AWS": "444455556666"}, "Action": "sqs:SendMessage",
     "Resource": "arn:aws:sqs:us-east-1:111122223333:one"},
    {"Sid": "Prefix", "Effect": "Allow", "Principal": "*", "Action": "sqs:*", "Resource": "arn:aws:sqs:*:*:b*",
     "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1"}}},
    {"Sid": "Own", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "sqs:Send*",
     "NotResource": "arn:aws:sqs:us-east-1:111122223333:one"},
    {"Sid": "Named", "Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage",
     "Resource": "arn:aws:sqs:us-east-1:111122223333:${aws:PrincipalTag/queue}"},
    {"Sid": "Never", "Effect": "Deny", "Principal": "*", "Action": "sqs:*", "Resource": "*"}]})


def test_granting_statements_are_the_evaluators_for_every_resource_of_a_question() -> None:
    """The same question for several resources: judged once but for the resource, the answer for each
    is what the evaluator says of the whole request."""
    policy, texts = parse_policy(_QUEUES), PolicyTexts()
    answers = set()
    for context in ({}, {"aws:PrincipalOrgID": "o-1", "aws:PrincipalTag/queue": "bq"}):
        for name in ("one", "two", "bq", "ONE"):
            resource = f"arn:aws:sqs:us-east-1:111122223333:{name}"
            example = {"action": "sqs:SendMessage", "resource": resource,
                       "principal": {"AWS": "arn:aws:iam::444455556666:root"}, "context": context}
            request = Request.of("sqs:SendMessage", resource, Principal("AWS", "arn:aws:iam::444455556666:root"), context)
            want = [s.index for s in policy.statements if s.effect == "Allow" and statement_matches(s, policy, request)]
            assert texts.granting_statements(_QUEUES, example) == want
            answers.add(tuple(want))
    assert answers == {(0,), (2,), (1, 2, 3)}  # resource and context both decide
