"""Focused semantic tests of the concrete evaluator (the reference every other engine is checked against)."""

from __future__ import annotations

import json

import pytest

from solvers.evaluator import Decision, Principal, Request, evaluate, is_allowed
from solvers.policy import parse_policy

ALLOW, EXPLICIT, IMPLICIT = Decision.ALLOW, Decision.EXPLICIT_DENY, Decision.IMPLICIT_DENY
BUCKET = "arn:aws:s3:::bucket"
OBJ = "arn:aws:s3:::bucket/key"


def policy(*statements: dict, version: str | None = "2012-10-17"):
    out: dict = {"Statement": list(statements)}
    if version is not None:
        out["Version"] = version
    return parse_policy(json.dumps(out))


def allow(action="s3:GetObject", resource="*", condition=None, **extra) -> dict:
    s = {"Effect": "Allow", "Action": action, "Resource": resource, **extra}
    if condition is not None:
        s["Condition"] = condition
    return s


def deny(action="s3:GetObject", resource="*", condition=None, **extra) -> dict:
    return {**allow(action, resource, condition, **extra), "Effect": "Deny"}


def decide(pol, action="s3:GetObject", resource=OBJ, principal=None, context=None) -> Decision:
    return evaluate([pol], Request.of(action, resource, principal=principal, context=context))


def cond_allows(condition: dict, context: dict | None, version="2012-10-17") -> bool:
    """Does an Allow-everything statement with this Condition block allow a request with this context?"""
    return is_allowed(policy(allow(condition=condition), version=version),
                      Request.of("s3:GetObject", OBJ, context=context))


# ------------------------------------------------------------------------------------------ decisions

def test_allow_and_implicit_deny() -> None:
    p = policy(allow("s3:GetObject", OBJ))
    assert decide(p) is ALLOW
    assert decide(p, action="s3:PutObject") is IMPLICIT
    assert decide(p, resource="arn:aws:s3:::bucket/other") is IMPLICIT


def test_empty_policy_set_is_implicit_deny() -> None:
    assert evaluate([], Request.of("s3:GetObject", OBJ)) is IMPLICIT


def test_deny_wins_in_either_order_and_across_policies() -> None:
    a, d = allow("s3:*"), deny("s3:GetObject", OBJ)
    assert decide(policy(a, d)) is EXPLICIT
    assert decide(policy(d, a)) is EXPLICIT
    assert evaluate([policy(a), policy(d)], Request.of("s3:GetObject", OBJ)) is EXPLICIT
    assert evaluate([policy(d), policy(a)], Request.of("s3:GetObject", OBJ)) is EXPLICIT
    # the deny does not reach other actions
    assert decide(policy(a, d), action="s3:PutObject") is ALLOW


def test_deny_alone_is_explicit_deny_not_allow() -> None:
    assert decide(policy(deny())) is EXPLICIT
    assert decide(policy(deny()), action="s3:PutObject") is IMPLICIT


def test_conditional_deny_applies_only_when_its_condition_holds() -> None:
    p = policy(allow("s3:*"), deny("s3:*", condition={"Bool": {"aws:SecureTransport": "false"}}))
    assert decide(p, context={"aws:SecureTransport": "false"}) is EXPLICIT
    assert decide(p, context={"aws:SecureTransport": "true"}) is ALLOW
    assert decide(p) is ALLOW  # key missing: Bool is false, the deny does not apply


# ------------------------------------------------------------------------------------------ Not- elements

def test_not_action_negates_the_whole_list() -> None:
    p = policy({"Effect": "Allow", "NotAction": ["iam:*", "s3:Delete*"], "Resource": "*"})
    assert decide(p, action="s3:GetObject") is ALLOW
    assert decide(p, action="iam:CreateUser") is IMPLICIT
    assert decide(p, action="s3:DeleteObject") is IMPLICIT
    assert decide(p, action="S3:deleteobject") is IMPLICIT  # case-insensitive inside NotAction too


def test_not_resource_negates_the_whole_list() -> None:
    p = policy({"Effect": "Allow", "Action": "s3:*",
                "NotResource": ["arn:aws:s3:::secret", "arn:aws:s3:::secret/*", "arn:aws:s3:::logs"]})
    assert decide(p, resource="arn:aws:s3:::public/x") is ALLOW
    assert decide(p, resource="arn:aws:s3:::secret") is IMPLICIT
    assert decide(p, resource="arn:aws:s3:::secret/a/b") is IMPLICIT
    assert decide(p, resource="arn:aws:s3:::logs") is IMPLICIT
    assert decide(p, resource="arn:aws:s3:::logs2") is ALLOW


def test_deny_with_not_resource() -> None:
    p = policy(allow("s3:*"), {"Effect": "Deny", "Action": "s3:*", "NotResource": "arn:aws:s3:::ok/*"})
    assert decide(p, resource="arn:aws:s3:::ok/x") is ALLOW
    assert decide(p, resource="arn:aws:s3:::other/x") is EXPLICIT


def test_not_principal() -> None:
    p = policy({"Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:role/Admin"},
                "Action": "s3:*", "Resource": "*"},
               {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"})
    admin = Principal("AWS", "arn:aws:iam::111122223333:role/Admin")
    other = Principal("AWS", "arn:aws:iam::111122223333:role/Other")
    assert decide(p, principal=admin) is ALLOW
    assert decide(p, principal=other) is EXPLICIT


# ------------------------------------------------------------------------------------------ actions/resources

@pytest.mark.parametrize("written, requested, expected", [
    ("s3:GetObject", "s3:getobject", True),
    ("S3:GETOBJECT", "s3:GetObject", True),
    ("s3:get*", "s3:GetObjectAcl", True),
    ("s3:Get?bject", "s3:GETOBJECT", True),
    ("s3:Get*", "s3:PutObject", False),
    ("s3:*", "s3express:CreateSession", False),
    ("*", "anything:Whatever", True),
    ("s3:GetObject", "s3:GetObjectAcl", False),
])
def test_actions_are_case_insensitive_globs(written, requested, expected) -> None:
    assert is_allowed(policy(allow(written)), Request.of(requested, OBJ)) is expected


def test_resources_are_case_sensitive() -> None:
    p = policy(allow(resource="arn:aws:s3:::Bucket/Key"))
    assert decide(p, resource="arn:aws:s3:::Bucket/Key") is ALLOW
    assert decide(p, resource="arn:aws:s3:::bucket/key") is IMPLICIT
    assert decide(p, resource="arn:aws:s3:::BUCKET/KEY") is IMPLICIT


def test_resource_wildcards() -> None:
    p = policy(allow(resource=["arn:aws:s3:::b/*", "arn:aws:s3:::c?"]))
    assert decide(p, resource="arn:aws:s3:::b/") is ALLOW
    assert decide(p, resource="arn:aws:s3:::b/x/y") is ALLOW
    assert decide(p, resource="arn:aws:s3:::c1") is ALLOW
    assert decide(p, resource="arn:aws:s3:::c") is IMPLICIT
    assert decide(p, resource="arn:aws:s3:::c12") is IMPLICIT
    assert decide(p, resource="arn:aws:s3:::b") is IMPLICIT


def test_resource_star_matches_any_string() -> None:
    p = policy(allow(resource="*"))
    assert decide(p, resource="arn:aws:s3:::anything/at:all") is ALLOW


def test_resource_wildcard_does_not_cross_colon_in_first_five_fields() -> None:
    p = policy(allow(resource="arn:aws:*:123456789012:thing"))
    # `*` in the service field cannot swallow "sqs:us-east-1"
    assert decide(p, resource="arn:aws:sqs:us-east-1:123456789012:thing") is IMPLICIT
    p = policy(allow(resource="arn:aws:sqs:*:123456789012:queue"))
    assert decide(p, resource="arn:aws:sqs:us-east-1:123456789012:queue") is ALLOW
    assert decide(p, resource="arn:aws:sqs::123456789012:queue") is ALLOW


def test_resource_wildcard_crosses_colon_in_resource_part() -> None:
    p = policy(allow(resource="arn:aws:logs:us-east-1:123456789012:log-group:*"))
    assert decide(p, resource="arn:aws:logs:us-east-1:123456789012:log-group:g:log-stream:s") is ALLOW
    p = policy(allow(resource="arn:aws:s3:::a?b"))
    assert decide(p, resource="arn:aws:s3:::a:b") is ALLOW


# ------------------------------------------------------------------------------------------ ArnLike

@pytest.mark.parametrize("pattern, arn, expected", [
    ("arn:aws:sns:*:123456789012:topic", "arn:aws:sns:us-east-1:123456789012:topic", True),
    ("arn:aws:sns:*:123456789012:topic", "arn:aws:sns:us-east-1:x:123456789012:topic", False),
    ("arn:aws:*:us-east-1:123456789012:topic", "arn:aws:sns:extra:us-east-1:123456789012:topic", False),
    ("arn:aws:s?s:us-east-1:123456789012:topic", "arn:aws:sns:us-east-1:123456789012:topic", True),
    ("arn:aws:s??:us-east-1:123456789012:t", "arn:aws:s::us-east-1:123456789012:t", False),
    ("arn:aws:iam::123456789012:role/*", "arn:aws:iam::123456789012:role/a/b:c", True),
    ("arn:aws:lambda:us-east-1:123456789012:function:*", "arn:aws:lambda:us-east-1:123456789012:function:f:1", True),
    ("arn:aws:iam::123456789012:role/R", "arn:aws:iam::123456789012:role/r", False),
])
def test_arn_like_is_field_wise(pattern, arn, expected) -> None:
    assert cond_allows({"ArnLike": {"aws:SourceArn": pattern}}, {"aws:SourceArn": arn}) is expected
    assert cond_allows({"ArnEquals": {"aws:SourceArn": pattern}}, {"aws:SourceArn": arn}) is expected
    # the negation is the complement when the key is present
    assert cond_allows({"ArnNotLike": {"aws:SourceArn": pattern}}, {"aws:SourceArn": arn}) is (not expected)


# ------------------------------------------------------------------------------------------ operators, missing keys

@pytest.mark.parametrize("operator", ["StringNotEquals", "StringNotLike", "StringNotEqualsIgnoreCase",
                                      "ArnNotLike", "ArnNotEquals", "NumericNotEquals", "DateNotEquals",
                                      "NotIpAddress"])
def test_negated_operators_are_true_on_a_missing_key(operator) -> None:
    assert cond_allows({operator: {"aws:SomeKey": "1"}}, None) is True


@pytest.mark.parametrize("operator", ["StringEquals", "StringLike", "StringEqualsIgnoreCase", "ArnLike",
                                      "ArnEquals", "NumericEquals", "NumericLessThan", "DateEquals",
                                      "DateGreaterThan", "IpAddress", "Bool", "BinaryEquals"])
def test_positive_operators_are_false_on_a_missing_key(operator) -> None:
    assert cond_allows({operator: {"aws:SomeKey": "1"}}, None) is False


def test_string_operators() -> None:
    assert cond_allows({"StringEquals": {"aws:username": "Alice"}}, {"aws:username": "Alice"})
    assert not cond_allows({"StringEquals": {"aws:username": "Alice"}}, {"aws:username": "alice"})
    assert cond_allows({"StringEqualsIgnoreCase": {"aws:username": "Alice"}}, {"aws:username": "aLICE"})
    assert cond_allows({"StringNotEquals": {"aws:username": ["a", "b"]}}, {"aws:username": "c"})
    assert not cond_allows({"StringNotEquals": {"aws:username": ["a", "b"]}}, {"aws:username": "b"})


def test_context_keys_are_case_insensitive() -> None:
    assert cond_allows({"StringEquals": {"AWS:UserName": "alice"}}, {"aws:username": "alice"})
    assert cond_allows({"StringEquals": {"aws:username": "alice"}}, {"Aws:UserName": "alice"})


def test_condition_values_are_ored_and_keys_anded() -> None:
    c = {"StringEquals": {"aws:username": ["alice", "bob"], "aws:PrincipalTag/team": "blue"}}
    assert cond_allows(c, {"aws:username": "bob", "aws:PrincipalTag/team": "blue"})
    assert not cond_allows(c, {"aws:username": "bob", "aws:PrincipalTag/team": "red"})
    assert not cond_allows(c, {"aws:username": "carol", "aws:PrincipalTag/team": "blue"})


def test_if_exists() -> None:
    c = {"StringEqualsIfExists": {"aws:username": "alice"}}
    assert cond_allows(c, None) is True  # missing: true
    assert cond_allows(c, {"aws:username": "alice"}) is True
    assert cond_allows(c, {"aws:username": "bob"}) is False  # present: the test applies
    n = {"NumericLessThanIfExists": {"s3:max-keys": "10"}}
    assert cond_allows(n, None) and cond_allows(n, {"s3:max-keys": "9"}) and not cond_allows(n, {"s3:max-keys": "11"})


def test_null() -> None:
    assert cond_allows({"Null": {"aws:TokenIssueTime": "true"}}, None) is True
    assert cond_allows({"Null": {"aws:TokenIssueTime": "true"}}, {"aws:TokenIssueTime": "x"}) is False
    assert cond_allows({"Null": {"aws:TokenIssueTime": "false"}}, {"aws:TokenIssueTime": "x"}) is True
    assert cond_allows({"Null": {"aws:TokenIssueTime": "false"}}, None) is False
    # JSON booleans and other case spellings
    assert cond_allows({"Null": {"aws:TokenIssueTime": True}}, None) is True
    assert cond_allows({"Null": {"aws:TokenIssueTime": "FALSE"}}, {"aws:TokenIssueTime": "x"}) is True


TAGS = "aws:TagKeys"


def test_for_any_value() -> None:
    c = {"ForAnyValue:StringEquals": {TAGS: ["env", "team"]}}
    assert cond_allows(c, {TAGS: ["x", "team"]}) is True
    assert cond_allows(c, {TAGS: ["x", "y"]}) is False
    assert cond_allows(c, None) is False  # missing
    assert cond_allows(c, {TAGS: []}) is False  # empty


def test_for_all_values() -> None:
    c = {"ForAllValues:StringEquals": {TAGS: ["env", "team"]}}
    assert cond_allows(c, {TAGS: ["env", "team"]}) is True
    assert cond_allows(c, {TAGS: ["env"]}) is True
    assert cond_allows(c, {TAGS: ["env", "other"]}) is False
    assert cond_allows(c, None) is True  # missing: vacuously true
    assert cond_allows(c, {TAGS: []}) is True  # empty list: vacuously true


def test_set_qualifiers_with_negated_operators() -> None:
    # ForAllValues:StringNotEquals: every value differs from every listed value
    c = {"ForAllValues:StringNotEquals": {TAGS: ["secret"]}}
    assert cond_allows(c, {TAGS: ["a", "b"]}) is True
    assert cond_allows(c, {TAGS: ["a", "secret"]}) is False
    # ForAnyValue:StringNotLike: some value matches no listed pattern
    c = {"ForAnyValue:StringNotLike": {TAGS: ["sec*"]}}
    assert cond_allows(c, {TAGS: ["secret", "public"]}) is True
    assert cond_allows(c, {TAGS: ["secret", "second"]}) is False


def test_multivalued_key_without_qualifier_matches_any_value() -> None:
    assert cond_allows({"StringEquals": {TAGS: "team"}}, {TAGS: ["env", "team"]}) is True
    assert cond_allows({"StringNotEquals": {TAGS: "team"}}, {TAGS: ["env", "team"]}) is False


@pytest.mark.parametrize("pattern, value, expected", [
    ("home/*", "home/", True),
    ("home/*", "home/a/b", True),
    ("home/*", "home", False),
    ("a?c", "abc", True),
    ("a?c", "ac", False),
    ("a?c", "abbc", False),
    ("*", "", True),
    ("a*b*c", "a-x-b-y-c", True),
    ("ABC*", "abcd", False),  # case-sensitive
    ("a.c", "abc", False),  # regex metacharacters are literal
    ("x:*", "x:y:z", True),  # StringLike knows nothing of ARN fields
])
def test_string_like(pattern, value, expected) -> None:
    assert cond_allows({"StringLike": {"s3:prefix": pattern}}, {"s3:prefix": value}) is expected
    assert cond_allows({"StringNotLike": {"s3:prefix": pattern}}, {"s3:prefix": value}) is (not expected)


# ------------------------------------------------------------------------------------------ variables

HOME = "arn:aws:s3:::home/${aws:username}/*"


def test_policy_variable_substituted_in_2012_10_17() -> None:
    p = policy(allow(resource=HOME))
    assert decide(p, resource="arn:aws:s3:::home/alice/f", context={"aws:username": "alice"}) is ALLOW
    assert decide(p, resource="arn:aws:s3:::home/bob/f", context={"aws:username": "alice"}) is IMPLICIT


def test_policy_variable_is_literal_in_2008_10_17_and_without_version() -> None:
    for version in ("2008-10-17", None):
        p = policy(allow(resource=HOME), version=version)
        assert decide(p, resource="arn:aws:s3:::home/alice/f", context={"aws:username": "alice"}) is IMPLICIT
        assert decide(p, resource="arn:aws:s3:::home/${aws:username}/f",
                      context={"aws:username": "alice"}) is ALLOW


def test_policy_variable_in_condition_value() -> None:
    c = {"StringEquals": {"s3:prefix": "${aws:username}"}}
    assert cond_allows(c, {"s3:prefix": "alice", "aws:username": "alice"}) is True
    assert cond_allows(c, {"s3:prefix": "bob", "aws:username": "alice"}) is False
    assert cond_allows(c, {"s3:prefix": "${aws:username}", "aws:username": "alice"}, version="2008-10-17")


def test_policy_variable_with_default() -> None:
    p = policy(allow(resource="arn:aws:s3:::home/${aws:username, 'anonymous'}/*"))
    assert decide(p, resource="arn:aws:s3:::home/anonymous/f") is ALLOW
    assert decide(p, resource="arn:aws:s3:::home/alice/f", context={"aws:username": "alice"}) is ALLOW
    assert decide(p, resource="arn:aws:s3:::home/anonymous/f", context={"aws:username": "alice"}) is IMPLICIT


def test_missing_variable_means_the_statement_does_not_match() -> None:
    p = policy(allow(resource=HOME))
    assert decide(p, resource="arn:aws:s3:::home//f") is IMPLICIT
    assert decide(p, resource="arn:aws:s3:::home/${aws:username}/f") is IMPLICIT


def test_missing_variable_in_a_deny_statement_means_the_deny_does_not_apply() -> None:
    p = policy(allow("s3:*"), deny("s3:*", resource=HOME))
    assert decide(p, resource="arn:aws:s3:::home/alice/f") is ALLOW  # no aws:username: deny skipped
    assert decide(p, resource="arn:aws:s3:::home/alice/f", context={"aws:username": "alice"}) is EXPLICIT
    c = policy(allow("s3:*"), deny("s3:*", condition={"StringEquals": {"s3:prefix": "${aws:username}"}}))
    assert decide(c, context={"s3:prefix": "x"}) is ALLOW


def test_variable_names_are_case_insensitive() -> None:
    p = policy(allow(resource="arn:aws:s3:::home/${AWS:UserName}/*"))
    assert decide(p, resource="arn:aws:s3:::home/alice/f", context={"aws:username": "alice"}) is ALLOW


def test_variable_value_is_literal_not_a_wildcard() -> None:
    p = policy(allow(resource=HOME))
    assert decide(p, resource="arn:aws:s3:::home/alice/f", context={"aws:username": "*"}) is IMPLICIT
    assert decide(p, resource="arn:aws:s3:::home/*/f", context={"aws:username": "*"}) is ALLOW


def test_escape_star_is_a_literal_star() -> None:
    p = policy(allow(resource="arn:aws:s3:::a${*}b"))
    assert decide(p, resource="arn:aws:s3:::a*b") is ALLOW
    assert decide(p, resource="arn:aws:s3:::axb") is IMPLICIT
    assert decide(p, resource="arn:aws:s3:::ab") is IMPLICIT
    q = policy(allow(resource="arn:aws:s3:::a${?}b"))
    assert decide(q, resource="arn:aws:s3:::a?b") is ALLOW
    assert decide(q, resource="arn:aws:s3:::axb") is IMPLICIT
    d = policy(allow(resource="arn:aws:s3:::a${$}b"))
    assert decide(d, resource="arn:aws:s3:::a$b") is ALLOW


# ------------------------------------------------------------------------------------------ typed values

@pytest.mark.parametrize("operator, policy_value, actual, expected", [
    ("NumericLessThan", "1.5", "1.25", True),
    ("NumericLessThan", "1.5", "1.5", False),
    ("NumericLessThanEquals", "1.5", "1.50", True),
    ("NumericEquals", "10", "10.0", True),
    ("NumericEquals", 1.0, "1", True),
    ("NumericGreaterThan", "0.1", "0.10000000000000001", True),
    ("NumericGreaterThanEquals", "-2.5", "-3", False),
    ("NumericNotEquals", "3", "3.000", False),
    ("NumericEquals", "10", "ten", False),
])
def test_numeric(operator, policy_value, actual, expected) -> None:
    assert cond_allows({operator: {"s3:max-keys": policy_value}}, {"s3:max-keys": actual}) is expected


@pytest.mark.parametrize("operator, policy_value, actual, expected", [
    ("DateGreaterThan", "2020-01-01T00:00:00Z", "1600000000", True),  # epoch 2020-09-13
    ("DateLessThan", "1600000000", "2020-09-13T12:26:39Z", True),  # one second before
    ("DateLessThan", "1600000000", "2020-09-13T12:26:40Z", False),  # the same instant
    ("DateEquals", "2020-09-13T12:26:40Z", "1600000000", True),
    ("DateEquals", "2020-09-13T14:26:40+02:00", "2020-09-13T12:26:40Z", True),
    ("DateLessThanEquals", "2021-01-01", "2020-12-31T23:59:59Z", True),
    ("DateGreaterThan", "2021-01-01", "2020-12-31T23:59:59Z", False),
    ("DateNotEquals", "2021-01-01T00:00:00Z", "1609459200", False),
    ("DateEquals", "2021-01-01", "not a date", False),
])
def test_dates_iso_and_epoch(operator, policy_value, actual, expected) -> None:
    assert cond_allows({operator: {"aws:CurrentTime": policy_value}}, {"aws:CurrentTime": actual}) is expected


@pytest.mark.parametrize("cidrs, ip, expected", [
    (["10.0.0.0/8"], "10.1.2.3", True),
    (["10.0.0.0/8"], "11.0.0.1", False),
    (["203.0.113.0/24", "198.51.100.7"], "198.51.100.7", True),
    (["203.0.113.0/24", "198.51.100.7"], "198.51.100.8", False),
    (["203.0.113.0/24"], "203.0.113.255", True),
    (["2001:db8::/32"], "2001:db8:1::5", True),
    (["2001:db8::/32"], "2001:db9::1", False),
    (["0.0.0.0/0"], "2001:db8::1", False),  # an IPv4 range never holds an IPv6 address
    (["::/0"], "10.0.0.1", False),  # and the other way round
    (["10.0.0.0/8"], "not-an-ip", False),
])
def test_ip_address(cidrs, ip, expected) -> None:
    assert cond_allows({"IpAddress": {"aws:SourceIp": cidrs}}, {"aws:SourceIp": ip}) is expected


def test_not_ip_address() -> None:
    c = {"NotIpAddress": {"aws:SourceIp": ["10.0.0.0/8", "2001:db8::/32"]}}
    assert cond_allows(c, {"aws:SourceIp": "192.0.2.1"}) is True
    assert cond_allows(c, {"aws:SourceIp": "10.9.9.9"}) is False
    assert cond_allows(c, {"aws:SourceIp": "2001:db8::9"}) is False


@pytest.mark.parametrize("policy_value, actual, expected", [
    ("true", "true", True), ("true", "True", True), ("TRUE", "true", True), (True, "TRUE", True),
    ("true", "false", False), (False, "false", True), ("false", "FaLsE", True), ("true", "yes", False),
])
def test_bool_is_case_insensitive(policy_value, actual, expected) -> None:
    assert cond_allows({"Bool": {"aws:SecureTransport": policy_value}}, {"aws:SecureTransport": actual}) is expected


# ------------------------------------------------------------------------------------------ principals

def resource_policy(principal) -> object:
    return policy({"Effect": "Allow", "Principal": principal, "Action": "s3:GetObject", "Resource": "*"})


@pytest.mark.parametrize("written", ["123456789012", "arn:aws:iam::123456789012:root"])
def test_account_principal_matches_any_arn_in_that_account(written) -> None:
    p = resource_policy({"AWS": written})
    for arn in ("arn:aws:iam::123456789012:root", "arn:aws:iam::123456789012:role/R",
                "arn:aws:iam::123456789012:user/u", "arn:aws:sts::123456789012:assumed-role/R/session"):
        assert decide(p, principal=Principal("AWS", arn)) is ALLOW, arn
    assert decide(p, principal=Principal("AWS", "arn:aws:iam::210987654321:role/R")) is IMPLICIT
    assert decide(p, principal=Principal("Service", "123456789012")) is IMPLICIT
    assert decide(p, principal=None) is IMPLICIT


def test_role_principal_is_exact() -> None:
    p = resource_policy({"AWS": "arn:aws:iam::123456789012:role/R"})
    assert decide(p, principal=Principal("AWS", "arn:aws:iam::123456789012:role/R")) is ALLOW
    assert decide(p, principal=Principal("AWS", "arn:aws:iam::123456789012:role/R2")) is IMPLICIT
    assert decide(p, principal=Principal("AWS", "arn:aws:iam::123456789012:role/r")) is IMPLICIT
    assert decide(p, principal=Principal("AWS", "arn:aws:iam::123456789012:root")) is IMPLICIT


@pytest.mark.parametrize("written", ["*", {"AWS": "*"}])
def test_star_principal_matches_everyone(written) -> None:
    p = resource_policy(written)
    for who in (Principal("AWS", "arn:aws:iam::123456789012:role/R"), Principal("AWS", "arn:aws:iam::999999999999:root"),
                Principal("AWS", "arn:aws:sts::111122223333:assumed-role/X/s"),
                Principal("Service", "lambda.amazonaws.com"), Principal("Federated", "accounts.google.com")):
        assert decide(p, principal=who) is ALLOW, who


def test_service_and_federated_principals_match_by_kind_and_name() -> None:
    p = resource_policy({"Service": "lambda.amazonaws.com", "Federated": "accounts.google.com"})
    assert decide(p, principal=Principal("Service", "lambda.amazonaws.com")) is ALLOW
    assert decide(p, principal=Principal("Federated", "accounts.google.com")) is ALLOW
    assert decide(p, principal=Principal("Service", "ec2.amazonaws.com")) is IMPLICIT
    assert decide(p, principal=Principal("AWS", "lambda.amazonaws.com")) is IMPLICIT


def test_identity_policy_ignores_principal() -> None:
    p = policy(allow())
    assert decide(p, principal=None) is ALLOW
    assert decide(p, principal=Principal("AWS", "arn:aws:iam::123456789012:role/R")) is ALLOW


def test_request_of_lowercases_keys_and_wraps_single_values() -> None:
    r = Request.of("s3:GetObject", OBJ, context={"AWS:UserName": "alice", "aws:TagKeys": ["a", "b"], "x:e": []})
    assert dict(r.context) == {"aws:username": ("alice",), "aws:tagkeys": ("a", "b"), "x:e": ()}
    assert r.as_dict()["context"] == {"aws:tagkeys": ["a", "b"], "aws:username": "alice", "x:e": []}


# ------------------------------------------------------------------------------------------ bounded time

class _Budget(Exception):
    pass


def _within(seconds: float, fn):
    """Run fn() with a wall-clock budget (SIGALRM; `re` checks signals while it backtracks)."""
    import signal

    def expired(signum, frame):
        raise _Budget(f"over {seconds} s")

    old = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return fn()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def test_glob_with_few_wildcards_is_fast() -> None:
    p = policy(allow(resource="arn:aws:s3:::" + "*a" * 4 + "*b"))
    assert _within(2, lambda: decide(p, resource="arn:aws:s3:::" + "a" * 60)) is IMPLICIT
    assert _within(2, lambda: decide(p, resource="arn:aws:s3:::" + "a" * 60 + "b")) is ALLOW


def test_glob_with_many_wildcards_is_not_exponential() -> None:
    p = policy(allow(resource="arn:aws:s3:::" + "*a" * 12 + "*b"))
    assert _within(2, lambda: decide(p, resource="arn:aws:s3:::" + "a" * 60)) is IMPLICIT
    c = {"StringLike": {"s3:prefix": "*a" * 12 + "*b"}}
    assert _within(2, lambda: cond_allows(c, {"s3:prefix": "a" * 60})) is False
