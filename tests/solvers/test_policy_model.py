"""The policy model: every legal spelling parses into the same typed objects, spans are exact, and
every malformed document raises PolicyError that names the element and its place (never a crash)."""

from __future__ import annotations

import json
import time

import pytest

from solvers.errors import InputError, PolicyError
from solvers.jsonspan import MAX_DEPTH
from solvers.policy import MAX_POLICY_CHARS, parse_policy


def doc(statement, version: str | None = "2012-10-17", **extra) -> str:
    out: dict = {}
    if version is not None:
        out["Version"] = version
    out.update(extra)
    out["Statement"] = statement
    return json.dumps(out)


def stmt(**fields) -> dict:
    base = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
    base.update(fields)
    return {k: v for k, v in base.items() if v is not None}


def one(statement: dict, **kw):
    policy = parse_policy(doc([statement], **kw))
    assert len(policy.statements) == 1
    return policy.statements[0]


# ------------------------------------------------------------------------------------------ spellings

def test_action_and_resource_single_value_equals_one_element_list() -> None:
    single = one(stmt(Action="s3:GetObject", Resource="arn:aws:s3:::b/*"))
    listed = one(stmt(Action=["s3:GetObject"], Resource=["arn:aws:s3:::b/*"]))
    for s in (single, listed):
        assert [v.text for v in s.action.values] == ["s3:GetObject"]
        assert [v.text for v in s.resource.values] == ["arn:aws:s3:::b/*"]
        assert s.action.negated is False and s.resource.negated is False
    many = one(stmt(Action=["s3:GetObject", "s3:PutObject"], Resource=["arn:aws:s3:::a", "arn:aws:s3:::b"]))
    assert [v.text for v in many.action.values] == ["s3:GetObject", "s3:PutObject"]
    assert [v.text for v in many.resource.values] == ["arn:aws:s3:::a", "arn:aws:s3:::b"]


def test_action_star_is_legal() -> None:
    s = one(stmt(Action="*"))
    assert [v.text for v in s.action.values] == ["*"]


def test_condition_value_single_vs_list() -> None:
    single = one(stmt(Condition={"StringEquals": {"aws:username": "alice"}}))
    listed = one(stmt(Condition={"StringEquals": {"aws:username": ["alice", "bob"]}}))
    assert [v.text for v in single.conditions[0].values] == ["alice"]
    assert [v.text for v in listed.conditions[0].values] == ["alice", "bob"]
    assert single.conditions[0].key == "aws:username"


def test_condition_key_keeps_case_and_exposes_lower() -> None:
    c = one(stmt(Condition={"StringEquals": {"AWS:UserName": "x"}})).conditions[0]
    assert c.key == "AWS:UserName"
    assert c.key_lower == "aws:username"


def test_principal_bare_star() -> None:
    p = one(stmt(Principal="*")).principal
    assert p is not None and p.negated is False
    assert [(v.kind, v.text) for v in p.values] == [("*", "*")]


def test_principal_aws_star() -> None:
    p = one(stmt(Principal={"AWS": "*"})).principal
    assert [(v.kind, v.text) for v in p.values] == [("AWS", "*")]
    assert not p.values[0].is_account


def test_principal_account_id_and_root_arn_normalise_to_the_same_id() -> None:
    by_id = one(stmt(Principal={"AWS": "123456789012"})).principal.values[0]
    by_root = one(stmt(Principal={"AWS": "arn:aws:iam::123456789012:root"})).principal.values[0]
    for v in (by_id, by_root):
        assert v.kind == "AWS"
        assert v.text == "123456789012"
        assert v.is_account


def test_principal_root_arn_in_other_partition_normalises() -> None:
    v = one(stmt(Principal={"AWS": "arn:aws-cn:iam::123456789012:root"})).principal.values[0]
    assert v.text == "123456789012" and v.is_account


def test_principal_role_arn_is_kept_and_not_an_account() -> None:
    arn = "arn:aws:iam::123456789012:role/Admin"
    v = one(stmt(Principal={"AWS": arn})).principal.values[0]
    assert v.text == arn
    assert not v.is_account


def test_principal_other_kinds_and_lists() -> None:
    p = one(stmt(Principal={
        "Service": ["lambda.amazonaws.com", "ec2.amazonaws.com"],
        "Federated": "cognito-identity.amazonaws.com",
        "CanonicalUser": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be",
        "AWS": ["111122223333", "arn:aws:iam::444455556666:root"],
    })).principal
    got = [(v.kind, v.text) for v in p.values]
    assert got == [
        ("Service", "lambda.amazonaws.com"),
        ("Service", "ec2.amazonaws.com"),
        ("Federated", "cognito-identity.amazonaws.com"),
        ("CanonicalUser", "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"),
        ("AWS", "111122223333"),
        ("AWS", "444455556666"),
    ]
    # only AWS account ids are accounts; a Service name is never one
    assert [v.is_account for v in p.values] == [False, False, False, False, True, True]


def test_service_principal_that_looks_like_an_account_is_not_an_account() -> None:
    v = one(stmt(Principal={"Service": "123456789012"})).principal.values[0]
    assert v.kind == "Service" and not v.is_account


def test_identity_statement_has_no_principal() -> None:
    assert one(stmt()).principal is None


@pytest.mark.parametrize("version", ["2012-10-17", "2008-10-17", None])
def test_versions(version) -> None:
    policy = parse_policy(doc([stmt()], version=version))
    assert policy.version == version
    assert policy.supports_variables is (version == "2012-10-17")


def test_statement_single_object_vs_list() -> None:
    as_object = parse_policy(doc(stmt(Sid="A")))
    as_list = parse_policy(doc([stmt(Sid="A")]))
    for p in (as_object, as_list):
        assert len(p.statements) == 1
        s = p.statements[0]
        assert s.index == 0 and s.sid == "A" and s.effect == "Allow"
        assert [v.text for v in s.action.values] == ["s3:GetObject"]


def test_statement_indexes_and_sids() -> None:
    p = parse_policy(doc([stmt(Sid="first"), stmt(Effect="Deny"), stmt(Sid="third")]))
    assert [(s.index, s.sid, s.effect) for s in p.statements] == [
        (0, "first", "Allow"), (1, None, "Deny"), (2, "third", "Allow")]


def test_id_is_kept() -> None:
    assert parse_policy(doc([stmt()], Id="my-policy")).id == "my-policy"


def test_not_action_not_resource_not_principal_set_negated() -> None:
    s = one({"Effect": "Deny", "NotAction": ["iam:*", "sts:*"], "NotResource": "arn:aws:s3:::b",
             "NotPrincipal": {"AWS": "arn:aws:iam::123456789012:root"}})
    assert s.action.negated and [v.text for v in s.action.values] == ["iam:*", "sts:*"]
    assert s.resource.negated and [v.text for v in s.resource.values] == ["arn:aws:s3:::b"]
    assert s.principal.negated and [(v.kind, v.text) for v in s.principal.values] == [("AWS", "123456789012")]


def test_missing_resource_is_none() -> None:
    s = one({"Effect": "Allow", "Action": "s3:GetObject", "Principal": "*"})
    assert s.resource is None


def test_numbers_and_booleans_in_condition_values_kept_as_written() -> None:
    text = ('{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*",'
            '"Condition":{"NumericLessThan":{"s3:max-keys":1.0},"Bool":{"aws:SecureTransport":true},'
            '"NumericEquals":{"s3:x":[10, 2.50, -3e2]},"Null":{"aws:TokenIssueTime":false}}}}')
    conds = {c.key: [v.text for v in c.values] for c in parse_policy(text).statements[0].conditions}
    assert conds == {"s3:max-keys": ["1.0"], "aws:SecureTransport": ["true"],
                     "s3:x": ["10", "2.50", "-3e2"], "aws:TokenIssueTime": ["false"]}


@pytest.mark.parametrize("written, qualifier, if_exists, name", [
    ("StringEquals", None, False, "StringEquals"),
    ("StringLikeIfExists", None, True, "StringLike"),
    ("ForAnyValue:StringLike", "ForAnyValue", False, "StringLike"),
    ("ForAllValues:StringNotEqualsIgnoreCase", "ForAllValues", False, "StringNotEqualsIgnoreCase"),
    ("ForAnyValue:StringLikeIfExists", "ForAnyValue", True, "StringLike"),
    ("ArnNotLikeIfExists", None, True, "ArnNotLike"),
    ("NumericGreaterThanEqualsIfExists", None, True, "NumericGreaterThanEquals"),
    ("DateLessThan", None, False, "DateLessThan"),
    ("NotIpAddressIfExists", None, True, "NotIpAddress"),
    ("BoolIfExists", None, True, "Bool"),
    ("Null", None, False, "Null"),
])
def test_condition_operator_parsed(written, qualifier, if_exists, name) -> None:
    c = one(stmt(Condition={written: {"aws:SomeKey": "v"}})).conditions[0]
    assert c.operator.text == written
    assert c.operator.qualifier == qualifier
    assert c.operator.if_exists is if_exists
    assert c.operator.spec.name == name


def test_negated_operator_spec() -> None:
    conds = one(stmt(Condition={"StringNotEquals": {"a:b": "x"}, "StringEquals": {"a:c": "y"}})).conditions
    assert [(c.key, c.operator.spec.negated) for c in conds] == [("a:b", True), ("a:c", False)]


def test_multiple_keys_under_one_operator_each_become_a_condition() -> None:
    conds = one(stmt(Condition={"StringEquals": {"a:one": "1", "a:two": ["2", "3"]}})).conditions
    assert [(c.operator.text, c.key, [v.text for v in c.values]) for c in conds] == [
        ("StringEquals", "a:one", ["1"]), ("StringEquals", "a:two", ["2", "3"])]


# ------------------------------------------------------------------------------------------ spans

SPAN_DOC = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "S0",
      "Effect": "Allow",
      "Action": ["s3:GetObject", "s3:PutObject"],
      "Resource": "arn:aws:s3:::b/*",
      "Condition": {"StringEquals": {"aws:PrincipalTag/team": "blue"}}
    }
  ]
}
"""


def test_exact_span_of_an_action_value() -> None:
    policy = parse_policy(SPAN_DOC)
    value = policy.statements[0].action.values[1]
    assert value.text == "s3:PutObject"
    # line 7 is `      "Action": ["s3:GetObject", "s3:PutObject"],` and starts at offset 96
    assert SPAN_DOC.split("\n")[6].startswith('      "Action"') and len("\n".join(SPAN_DOC.split("\n")[:6])) + 1 == 96
    assert (value.span.start.line, value.span.start.column, value.span.start.offset) == (7, 33, 129)
    assert (value.span.end.line, value.span.end.column, value.span.end.offset) == (7, 47, 143)
    assert SPAN_DOC[value.span.start.offset:value.span.end.offset] == '"s3:PutObject"'


def test_exact_span_of_a_condition_key() -> None:
    policy = parse_policy(SPAN_DOC)
    cond = policy.statements[0].conditions[0]
    assert cond.key == "aws:PrincipalTag/team"
    # line 9 starts at offset 184
    assert (cond.span.start.line, cond.span.start.column, cond.span.start.offset) == (9, 37, 221)
    assert (cond.span.end.line, cond.span.end.column, cond.span.end.offset) == (9, 60, 244)
    assert SPAN_DOC[cond.span.start.offset:cond.span.end.offset] == '"aws:PrincipalTag/team"'
    value = cond.values[0]
    assert SPAN_DOC[value.span.start.offset:value.span.end.offset] == '"blue"'


def test_every_value_span_slices_to_its_token() -> None:
    policy = parse_policy(SPAN_DOC)
    s = policy.statements[0]
    lines = SPAN_DOC.split("\n")
    for v in (*s.action.values, *s.resource.values, *s.conditions[0].values):
        assert SPAN_DOC[v.span.start.offset:v.span.end.offset] == json.dumps(v.text)
        # line/column agree with the offset
        line = lines[v.span.start.line - 1]
        assert line[v.span.start.column:].startswith(json.dumps(v.text))


def test_span_of_a_number_token_and_a_list() -> None:
    text = '{"Statement": {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*",\n' \
           ' "Condition": {"NumericLessThan": {"s3:max-keys": 1.50}}}}'
    v = parse_policy(text).statements[0].conditions[0].values[0]
    assert v.text == "1.50"
    assert text[v.span.start.offset:v.span.end.offset] == "1.50"
    assert v.span.start.line == 2
    action = parse_policy(SPAN_DOC).statements[0].action
    assert SPAN_DOC[action.span.start.offset:action.span.end.offset] == '["s3:GetObject", "s3:PutObject"]'


def test_spans_count_characters_not_bytes() -> None:
    text = '{"Statement": {"Sid": "\u00e9\u00e9\u00e9", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}'
    v = parse_policy(text).statements[0].action.values[0]
    assert text[v.span.start.offset:v.span.end.offset] == '"s3:GetObject"'
    assert v.span.start.column == v.span.start.offset  # single line


# ------------------------------------------------------------------------------------------ errors

def raises(text: str) -> PolicyError:
    with pytest.raises(PolicyError) as info:
        parse_policy(text)
    err = info.value
    assert isinstance(err, InputError)
    assert "\n" not in str(err)
    return err


def test_not_json() -> None:
    err = raises('{"Version": "2012-10-17", "Statement": [}')
    assert "not valid JSON" in err.message
    assert (err.line, err.column) == (1, 40)


def test_not_json_position_on_later_line() -> None:
    err = raises('{\n  "Statement": [\n    {"Effect": "Allow",,}\n  ]\n}')
    assert "not valid JSON" in err.message
    assert err.line == 3 and err.column == 23


@pytest.mark.parametrize("text", ["", "   ", "{", '{"Statement": "x"', "nul", "{} {}", "'x'"])
def test_not_json_variants(text) -> None:
    err = raises(text)
    assert "not valid JSON" in err.message
    assert err.line is not None


def test_top_level_array() -> None:
    err = raises(json.dumps([{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]))
    assert "object" in err.message and "array" in err.message
    assert (err.line, err.column) == (1, 0)


def test_missing_statement() -> None:
    err = raises('{"Version": "2012-10-17"}')
    assert "Statement" in err.message
    assert (err.line, err.column) == (1, 0)


def test_bad_version() -> None:
    err = raises(doc([stmt()], version="2020-01-01"))
    assert err.where == "Version"
    assert "Version" in err.message


def test_effect_wrong_case() -> None:
    text = '{"Statement": [{"Effect": "allow", "Action": "s3:GetObject", "Resource": "*"}]}'
    err = raises(text)
    assert err.where == "Statement[0].Effect"
    assert (err.line, err.column) == (1, text.index('"allow"'))


def test_missing_effect() -> None:
    err = raises(doc([{"Action": "s3:GetObject", "Resource": "*"}]))
    assert err.where == "Statement[0]"
    assert "Effect" in err.message


def test_both_action_and_not_action() -> None:
    err = raises(doc([stmt(), stmt(NotAction="s3:PutObject")]))
    assert err.where == "Statement[1]"
    assert "Action" in err.message and "NotAction" in err.message


def test_neither_action_nor_not_action() -> None:
    err = raises(doc([{"Effect": "Allow", "Resource": "*"}]))
    assert err.where == "Statement[0]"
    assert "Action" in err.message


def test_both_resource_and_not_resource() -> None:
    err = raises(doc([stmt(NotResource="arn:aws:s3:::b")]))
    assert err.where == "Statement[0]" and "NotResource" in err.message


def test_both_principal_and_not_principal() -> None:
    err = raises(doc([stmt(Principal="*", NotPrincipal={"AWS": "123456789012"})]))
    assert err.where == "Statement[0]" and "NotPrincipal" in err.message


def test_principal_string_other_than_star() -> None:
    text = '{"Statement": [{"Effect": "Allow", "Principal": "foo", "Action": "s3:GetObject", "Resource": "*"}]}'
    err = raises(text)
    assert err.where == "Statement[0].Principal"
    assert (err.line, err.column) == (1, text.index('"foo"'))


def test_unknown_principal_type() -> None:
    text = '{"Statement": [{"Effect": "Allow", "Principal": {"Aws": "*"}, "Action": "s3:GetObject", "Resource": "*"}]}'
    err = raises(text)
    assert err.where == "Statement[0].Principal"
    assert "Aws" in err.message
    assert (err.line, err.column) == (1, text.index('"Aws"'))


def test_empty_principal_object() -> None:
    err = raises(doc([stmt(Principal={})]))
    assert err.where == "Statement[0].Principal"


def test_not_principal_error_names_not_principal() -> None:
    err = raises(doc([stmt(NotPrincipal="nobody")]))
    assert err.where == "Statement[0].NotPrincipal"


def test_unknown_operator() -> None:
    text = doc([stmt(Condition={"StringEqualz": {"aws:username": "x"}})])
    err = raises(text)
    assert err.where == "Statement[0].Condition"
    assert "StringEqualz" in err.message
    assert (err.line, err.column) == (1, text.index('"StringEqualz"'))


@pytest.mark.parametrize("operator", [
    "ForSomeValues:StringEquals", "forallvalues:StringEquals", "stringequals", "IfExists",
    "NullIfExists", "ForAnyValue:Null", "StringEqualsIfExistsIfExists", "ForAnyValue:ForAllValues:StringEquals",
])
def test_operators_that_are_not_iam_operators(operator) -> None:
    err = raises(doc([stmt(Condition={operator: {"aws:username": "x"}})]))
    assert err.where == "Statement[0].Condition"
    assert operator in err.message


@pytest.mark.parametrize("block", ["x", ["a"], 1, None])
def test_condition_block_not_an_object(block) -> None:
    err = raises(doc([stmt(Condition=block)] if block is not None else [{**stmt(), "Condition": None}]))
    assert err.where == "Statement[0].Condition"
    assert "object" in err.message


def test_operator_block_not_an_object() -> None:
    err = raises(doc([stmt(Condition={"StringEquals": "x"})]))
    assert err.where == "Statement[0].Condition.StringEquals"


def test_condition_value_wrong_type() -> None:
    err = raises(doc([stmt(Condition={"StringEquals": {"aws:username": {"a": 1}}})]))
    assert err.where == "Statement[0].Condition.StringEquals.aws:username"
    err = raises(doc([stmt(Condition={"StringEquals": {"aws:username": ["ok", None]}})]))
    assert err.where == "Statement[0].Condition.StringEquals.aws:username[1]"


def test_empty_action_list() -> None:
    text = '{"Statement": [{"Effect": "Allow", "Action": [], "Resource": "*"}]}'
    err = raises(text)
    assert err.where == "Statement[0].Action"
    assert "empty" in err.message
    assert (err.line, err.column) == (1, text.index("[]"))


def test_empty_resource_list() -> None:
    err = raises(doc([stmt(Resource=[])]))
    assert err.where == "Statement[0].Resource"


def test_action_without_colon() -> None:
    text = '{"Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "foo"], "Resource": "*"}]}'
    err = raises(text)
    assert err.where == "Statement[0].Action"
    assert "foo" in err.message
    assert (err.line, err.column) == (1, text.index('"foo"'))


def test_not_action_without_colon_names_not_action() -> None:
    err = raises(doc([{"Effect": "Deny", "NotAction": "foo", "Resource": "*"}]))
    assert err.where == "Statement[0].NotAction"


@pytest.mark.parametrize("field, value, where", [
    ("Action", 5, "Statement[0].Action"),
    ("Action", [True], "Statement[0].Action[0]"),
    ("Resource", {"a": "b"}, "Statement[0].Resource"),
    ("Effect", 1, "Statement[0].Effect"),
    ("Sid", 3, "Statement[0].Sid"),
])
def test_wrong_element_types(field, value, where) -> None:
    err = raises(doc([stmt(**{field: value})]))
    assert err.where == where


def test_statement_not_an_object() -> None:
    err = raises('{"Statement": "x"}')
    assert err.where == "Statement[0]"
    assert (err.line, err.column) == (1, 14)
    err = raises(doc([stmt(), 7]))
    assert err.where == "Statement[1]"


def test_deep_nesting_is_an_error_not_a_recursion_error() -> None:
    for text in ("[" * 1000 + "]" * 1000,
                 '{"Statement": ' + '{"a": ' * 1000 + "1" + "}" * 1000 + "}",
                 '{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": '
                 + "[" * 1000 + "]" * 1000 + "}]}"):
        t0 = time.perf_counter()
        err = raises(text)  # a RecursionError would fail pytest.raises(PolicyError)
        assert "nesting" in err.message
        assert time.perf_counter() - t0 < 2


def test_nesting_just_inside_the_limit_parses_as_json() -> None:
    # MAX_DEPTH levels of arrays in a condition value is JSON-legal; the model rejects the value type
    inner = "[" * (MAX_DEPTH - 5) + '"x"' + "]" * (MAX_DEPTH - 5)
    err = raises('{"Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": ' + inner + "}}")
    assert "nesting" not in err.message
    assert err.where.startswith("Statement[0].Resource")


def test_one_megabyte_document_is_rejected_fast() -> None:
    text = doc([stmt(Resource="arn:aws:s3:::" + "a" * (1 << 20))])
    assert len(text) > MAX_POLICY_CHARS
    t0 = time.perf_counter()
    err = raises(text)
    assert time.perf_counter() - t0 < 0.5
    assert "limit" in err.message and f"{MAX_POLICY_CHARS:,}" in err.message


def test_one_megabyte_of_garbage_is_rejected_by_size_first() -> None:
    t0 = time.perf_counter()
    err = raises("[" * (1 << 20))
    assert time.perf_counter() - t0 < 0.5
    assert "limit" in err.message


def test_document_at_the_size_limit_is_accepted() -> None:
    base = doc([stmt(Sid="")])
    pad = MAX_POLICY_CHARS - len(base)
    text = doc([stmt(Sid="x" * pad)])
    assert len(text) == MAX_POLICY_CHARS
    assert parse_policy(text).statements[0].sid == "x" * pad
    raises(doc([stmt(Sid="x" * (pad + 1))]))


def test_duplicate_keys_last_wins() -> None:
    text = '{"Statement": {"Effect": "Deny", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}'
    assert parse_policy(text).statements[0].effect == "Allow"


def test_byte_order_mark_is_accepted() -> None:
    text = "\ufeff" + doc([stmt()])
    assert parse_policy(text).statements[0].effect == "Allow"
