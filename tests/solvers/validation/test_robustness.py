"""Bad input never escapes validation: not JSON, duplicate keys, huge and deeply nested documents,
wrong JSON types in every element. Each yields findings (JSON_SYNTAX_ERROR, DATA_TYPE_MISMATCH, ...)
within a time bound, never an exception."""
from __future__ import annotations

import json
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solvers.errors import InputError
from solvers.validation import validate_policy
from solvers.validation.engine import MAX_VALIDATED_CHARS

POLICY_TYPES = ("IDENTITY_POLICY", "RESOURCE_POLICY", "SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY")
GOOD = {"Version": "2012-10-17", "Statement": [{"Sid": "A", "Effect": "Allow", "Action": "s3:GetObject",
                                                 "Resource": "arn:aws:s3:::b/*"}]}


def codes(text: str, policy_type: str = "IDENTITY_POLICY", resource_type: str | None = None) -> list[str]:
    return [f.issue_code for f in validate_policy(text, policy_type, resource_type)]


@pytest.mark.parametrize("text", ["", "   ", "{", "[1, 2", '{"Version": }', "not json", '{"a": 1} extra',
                                  '{"Statement": [{"Effect": "Allow",}]}', '"\\x"', "\ufeff{"])
def test_not_json_is_a_syntax_finding_with_a_location(text: str) -> None:
    findings = validate_policy(text, "IDENTITY_POLICY")
    assert [f.issue_code for f in findings] == ["JSON_SYNTAX_ERROR"]
    span = findings[0].locations[0].span
    assert 0 <= span.start_offset <= len(text) and span.start.line >= 1


def test_syntax_error_points_at_the_offending_token() -> None:
    text = '{\n  "Version": "2012-10-17",\n  "Statement": [ }\n}'
    (f,) = validate_policy(text, "IDENTITY_POLICY")
    assert f.issue_code == "JSON_SYNTAX_ERROR"
    assert (f.locations[0].span.start.line, f.locations[0].span.start.column) == (3, 17)


@pytest.mark.parametrize("value", [1, 1.5, True, None, {"a": "b"}, [1], [["s3:GetObject"]], [{"x": 1}]])
@pytest.mark.parametrize("element", ["Action", "NotAction", "Resource", "Effect", "Sid", "Principal", "Condition"])
def test_wrong_json_types_are_data_type_mismatches(element: str, value) -> None:
    statement = dict(GOOD["Statement"][0])
    statement.pop("NotAction" if element == "Action" else "Action" if element == "NotAction" else "", None)
    statement[element] = value
    text = json.dumps({"Version": "2012-10-17", "Statement": [statement]}, indent=2)
    found = codes(text, "RESOURCE_POLICY" if element == "Principal" else "IDENTITY_POLICY")
    # an object is the right type for a Principal: its unknown key is the problem then
    expected = "INVALID_PRINCIPAL_KEY" if element == "Principal" and isinstance(value, dict) else "DATA_TYPE_MISMATCH"
    assert expected in found


@pytest.mark.parametrize("document", [[], "policy", 5, {"Version": 2012, "Statement": []},
                                      {"Version": "2012-10-17", "Statement": 5},
                                      {"Version": "2012-10-17", "Statement": [5, "x", None]},
                                      {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*",
                                       "Resource": "*", "Condition": {"StringEquals": {"aws:SourceVpc": {"a": 1}}}}]},
                                      {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*",
                                       "Resource": "*", "Condition": {"StringEquals": "x"}}]}])
def test_wrong_types_at_the_top(document) -> None:
    assert "DATA_TYPE_MISMATCH" in codes(json.dumps(document))


def test_duplicate_keys_are_read_like_aws_and_reported_where_it_matters() -> None:
    text = ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Effect": "Deny", "Action": "s3:GetObject",'
            ' "Resource": "*", "Condition": {"StringEquals": {"aws:SourceVpc": "vpc-1a2b3c4d",'
            ' "aws:sourcevpc": "vpc-4d3c2b1a"}}}]}')
    found = codes(text)
    assert "DUPLICATE_KEYS_WITH_DIFFERENT_CASE" in found
    assert "MISSING_EFFECT" not in found and "JSON_SYNTAX_ERROR" not in found


def test_deep_nesting_is_bounded() -> None:
    text = '{"Version": "2012-10-17", "Statement": ' + "[" * 10_000 + "]" * 10_000 + "}"
    start = time.monotonic()
    assert codes(text) == ["JSON_SYNTAX_ERROR"]
    assert time.monotonic() - start < 5


def test_huge_documents_are_bounded() -> None:
    statement = {"Effect": "Allow", "Action": [f"s3:Get{'Object' if i % 2 else 'Bucket'}Acl" for i in range(200)],
                 "Resource": [f"arn:aws:s3:::bucket-{i}/*" for i in range(200)]}
    text = json.dumps({"Version": "2012-10-17", "Statement": [statement] * 40})
    start = time.monotonic()
    found = codes(text)
    assert "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA" in found and "REDUNDANT_STATEMENT" in found
    assert time.monotonic() - start < 60
    assert codes(" " * (MAX_VALIDATED_CHARS + 1)) == ["JSON_SYNTAX_ERROR"]


def test_unknown_policy_or_resource_type_is_an_input_error() -> None:
    with pytest.raises(InputError):
        validate_policy(json.dumps(GOOD), "INLINE_POLICY")
    with pytest.raises(InputError):
        validate_policy(json.dumps(GOOD), "RESOURCE_POLICY", "AWS::S3::Object")
    with pytest.raises(InputError):
        validate_policy(json.dumps(GOOD), "IDENTITY_POLICY", "AWS::S3::Bucket")


_json = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=12)
                     | st.sampled_from(["*", "s3:*", "arn:aws:s3:::b/*", "${aws:username}", "Allow", "10.0.0.1/8"]),
                     lambda kids: st.lists(kids, max_size=4) | st.dictionaries(
                         st.sampled_from(["Version", "Statement", "Effect", "Action", "NotAction", "Resource",
                                          "Principal", "NotPrincipal", "Condition", "Sid", "AWS", "Service",
                                          "StringLike", "aws:SourceIp", "IpAddress", "ForAnyValue:StringEquals",
                                          "Federated", "aws:TagKeys", "x"]), kids, max_size=5),
                     max_leaves=30)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=_json, policy_type=st.sampled_from(POLICY_TYPES),
       resource_type=st.sampled_from([None, "AWS::S3::Bucket", "AWS::IAM::AssumeRolePolicyDocument"]))
def test_any_json_document_gives_findings_not_exceptions(document, policy_type, resource_type) -> None:
    if policy_type != "RESOURCE_POLICY":
        resource_type = None
    text = json.dumps(document, indent=2)
    for f in validate_policy(text, policy_type, resource_type):
        for loc in f.locations:
            assert 0 <= loc.span.start_offset <= loc.span.end_offset <= len(text)
