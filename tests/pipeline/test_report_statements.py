"""The report's statement places, read with the C decoder, are the span parser's."""
from __future__ import annotations

import json

import pytest

from pipeline.report.statements import PolicyTexts, statement_offsets
from solvers.policy import _full_policy

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
    assert statement_offsets(text) == want
    assert PolicyTexts().statement_spans(text) == want


@pytest.mark.parametrize("text", ['["Statement"]', '{"Statement": "x"}', '{"Id": "x"}', '{"Statement": [}', ""])
def test_what_is_not_a_policy_object_has_no_fast_places(text: str) -> None:
    assert statement_offsets(text) is None


def test_a_document_that_does_not_parse_has_no_statements() -> None:
    assert PolicyTexts().statement_spans('{"Statement": [{"Effect": "Allow"}]}') == []
