"""Hypothesis strategies for random IAM policies and requests over a small, colliding vocabulary.

Imported as `policygen` by `test_differential.py`, `test_finite.py` and `test_overlap.py` (pytest's
`pythonpath` setting in pyproject.toml puts `tests/solvers` on sys.path).

Everything the strategies can emit comes from the tables below, so `test_operator_families_are_covered`
can check those tables deterministically: every condition operator of `solvers.operators.OPERATORS`,
both set qualifiers, `IfExists`, `Null`, policy variables, escapes and every Not- element.

Each condition key is used with one operator family only (as the engine requires); `Null` may test
any key. Values are drawn from short lists so that policy constants and request values collide often.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from hypothesis import strategies as st

from solvers.evaluator import Principal, Request
from solvers.operators import OPERATORS, Test
from solvers.variables import Var, parse_template

# ---------------------------------------------------------------------------------------- operators

STRING_OPS = ("StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase",
              "StringLike", "StringNotLike")
ARN_OPS = ("ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike")
NUMERIC_OPS = ("NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals",
               "NumericGreaterThan", "NumericGreaterThanEquals")
DATE_OPS = ("DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan",
            "DateGreaterThanEquals")
IP_OPS = ("IpAddress", "NotIpAddress")
BOOL_OPS = ("Bool",)
BINARY_OPS = ("BinaryEquals",)
NULL_OP = "Null"
QUALIFIERS = ("ForAllValues", "ForAnyValue")
IF_EXISTS = "IfExists"
NULL_VALUES: tuple[object, ...] = ("true", "false", ["true", "false"], True, False, "TRUE")

VERSIONS = ("2012-10-17", "2008-10-17", None)  # None: no Version element (variables not substituted)
ACTION_ELEMENTS = ("Action", "NotAction")
RESOURCE_ELEMENTS = ("Resource", "NotResource", None)  # None: the element is left out
PRINCIPAL_ELEMENTS = ("Principal", "NotPrincipal")

# ---------------------------------------------------------------------------------------- vocabulary

ACTIONS = ("s3:GetObject", "s3:PutObject", "s3:Get*", "s3:*", "ec2:Describe*", "ec2:DescribeInstances",
           "iam:?etRole", "*", "S3:getobject", "*:Describe*", "s3:*Object", "sqs:Send?essage")
REQUEST_ACTIONS = ("s3:GetObject", "s3:getobject", "s3:PutObject", "s3:GetBucketPolicy", "s3:ListBucket",
                   "ec2:DescribeInstances", "ec2:RunInstances", "ec2:Describe", "iam:GetRole",
                   "iam:SetRole", "iam:PassRole", "sqs:SendMessage", "sqs:SendMessages", "x:y")

RESOURCES = ("*", "arn:aws:s3:::b", "arn:aws:s3:::b/*", "arn:aws:s3:::b/${aws:username}/*",
             "arn:aws:s3:::b/${aws:PrincipalTag/team, 'shared'}/*", "arn:aws:s3:::b/${*}",
             "arn:aws:ec2:*:111122223333:instance/*", "arn:aws:iam::111122223333:role/?",
             "arn:aws:iam::111122223333:role/*", "arn:aws:*:*:*:*", "arn:aws:s3:::*",
             "arn:aws:s3:::b?", "arn:*:ec2:us-east-?:*:instance/i-1", "arn:aws:s3:::b/\\u{41}*")
REQUEST_RESOURCES = ("arn:aws:s3:::b", "arn:aws:s3:::b/x", "arn:aws:s3:::b/alice/k", "arn:aws:s3:::b/bob/",
                     "arn:aws:s3:::b/shared/k", "arn:aws:s3:::b/*", "arn:aws:s3:::b/a*/k", "arn:aws:s3:::bx",
                     "arn:aws:s3:::c", "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
                     "arn:aws:ec2:us-east-1:444455556666:instance/i-1",
                     "arn:aws:ec2:eu-west-1:111122223333:instance/a:b",
                     "arn:aws:iam::111122223333:role/a", "arn:aws:iam::111122223333:role/ab",
                     "arn:aws-cn:s3:::b/x", "arn:aws:s3:::b/\\u{41}", "arn:aws:s3:::b/A", "arn:aws:s3:::b/\u20ac")

# Principal element values for resource policies (JSON fragments).
PRINCIPALS: tuple[object, ...] = (
    "*", {"AWS": "*"}, {"AWS": "111122223333"}, {"AWS": "arn:aws:iam::111122223333:root"},
    {"AWS": "arn:aws:iam::111122223333:role/a"}, {"AWS": ["444455556666", "arn:aws:iam::111122223333:user/alice"]},
    {"AWS": "arn:aws:iam::111122223333:role/*"}, {"Service": "ec2.amazonaws.com"},
    {"Service": ["ec2.amazonaws.com", "s3.amazonaws.com"]}, {"Federated": "cognito-identity.amazonaws.com"},
    {"CanonicalUser": "abc123"}, {"AWS": "444455556666", "Service": "ec2.amazonaws.com"},
)
REQUEST_PRINCIPALS = (
    Principal("AWS", "arn:aws:iam::111122223333:root"), Principal("AWS", "arn:aws:iam::111122223333:role/a"),
    Principal("AWS", "arn:aws:iam::111122223333:user/alice"), Principal("AWS", "arn:aws:iam::444455556666:user/bob"),
    Principal("AWS", "arn:aws:sts::111122223333:assumed-role/a/s"), Principal("AWS", "arn:aws:iam::444455556666:root"),
    Principal("AWS", "arn:aws:iam::111122223333:role/*"), Principal("Service", "ec2.amazonaws.com"),
    Principal("Service", "s3.amazonaws.com"), Principal("Federated", "cognito-identity.amazonaws.com"),
    Principal("CanonicalUser", "abc123"), Principal("CanonicalUser", "111122223333"),
)


@dataclass(frozen=True)
class KeySpec:
    """One condition key: the operators it is used with, policy values, request values."""
    name: str  # as written in policies (requests lower-case it)
    operators: tuple[str, ...]
    policy_values: tuple[object, ...]  # str, or JSON numbers / booleans (kept as written by the parser)
    request_values: tuple[str, ...]
    multivalued: bool = False
    fresh: bool = False  # requests may also carry fresh random strings


KEYS: tuple[KeySpec, ...] = (
    KeySpec("aws:username", STRING_OPS,
            ("alice", "bob", "al*", "?ob", "ALICE", "a${*}", "${aws:PrincipalTag/team}",
             "${aws:PrincipalTag/team, 'alice'}", "${ aws:PrincipalTag/team , 'a*' }", "${nope!}",
             "\u00e4*", "\\u{41}*"),
            ("alice", "bob", "Alice", "al*", "a*", "", "eng", "carol", "${nope!}", "\u00e4", "\u00c4",
             "\\u{41}", "A", "\u20ac"),
            fresh=True),
    KeySpec("aws:PrincipalTag/team", STRING_OPS,
            ("eng", "ops", "e*", "ENG", "${aws:username}", "${aws:username, 'eng'}", "${?}ng"),
            ("eng", "ops", "Eng", "alice", "e*", "?ng", "xng"), fresh=True),
    KeySpec("s3:prefix", STRING_OPS,
            ("home/", "home/*", "home/${aws:username}/*", "home/${aws:username, 'anon'}", "${?}*", "a?c",
             "${$}{x}", "*", ""),
            ("home/", "home/alice/x", "home/bob/", "home/anon", "?x", "abc", "a?c", "", "${x}", "$x"),
            fresh=True),
    KeySpec("aws:SourceArn", ARN_OPS,
            ("arn:aws:sns:us-east-1:111122223333:topic", "arn:aws:sns:*:111122223333:*", "arn:aws:s3:::b*",
             "arn:aws:*:*:111122223333:*", "arn:aws:iam::111122223333:user/${aws:username}",
             "arn:aws:s3:::b/${*}", "arn:*:s3:::?", "*", "arn:aws:sns:us-east-1:111122223333:t:*"),
            ("arn:aws:sns:us-east-1:111122223333:topic", "arn:aws:sns:eu-west-1:111122223333:t:x",
             "arn:aws:s3:::b", "arn:aws:s3:::bx", "arn:aws:s3:::b/*", "arn:aws:iam::111122223333:user/alice",
             "notanarn", "arn:aws:s3:::b:c", "arn:aws:sns:us-east-1:444455556666:topic", "arn:aws:s3:::x"),
            fresh=True),
    KeySpec("aws:TagKeys", STRING_OPS, ("env", "team", "Env", "t*", "*", "cost-?"),
            ("env", "team", "ENV", "cost-1", "other", ""), multivalued=True),
    KeySpec("aws:CalledVia", STRING_OPS,
            ("athena.amazonaws.com", "*.amazonaws.com", "cloudformation.amazonaws.com"),
            ("athena.amazonaws.com", "cloudformation.amazonaws.com", "evil.com"), multivalued=True),
    KeySpec("s3:max-keys", NUMERIC_OPS, ("5", "10", "10.5", 10, "-1", "1e1", 0.5, ".5", "1e-3"),
            ("5", "10", "10.0", "10.5", "7", "-3", "100", "0", "0.5", "1e1", "+5", "5.", "0.001", " 7")),
    KeySpec("test:Numbers", NUMERIC_OPS, ("5", "10", "-1"), ("5", "10", "7", "-3", "10.0"), multivalued=True),
    KeySpec("aws:CurrentTime", DATE_OPS,
            ("2024-01-01T00:00:00Z", "1700000000", "2025-06-01", "2024-01-01T01:00:00+01:00",
             "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z"),
            ("2024-01-01T00:00:00Z", "2023-06-01T12:00:00Z", "1700000000", "1800000000",
             "2030-01-01T00:00:00Z", "2024-01-01T00:00:00.5Z", "2025-06-01", "0001-01-01T00:00:00Z",
             "9999-12-31T23:59:59.999999Z", "0", "-1")),
    KeySpec("aws:SourceIp", IP_OPS,
            ("10.0.0.0/8", "10.1.2.0/24", "192.168.0.1", "2001:db8::/32", "0.0.0.0/0", "::/0", "10.1.2.3/32",
             "2001:db8::1/128"),
            ("10.1.2.3", "10.200.0.1", "192.168.0.1", "8.8.8.8", "2001:db8::1", "2001:db9::1", "::1",
             "255.255.255.255", "0.0.0.0", "::ffff:10.1.2.3", " 10.1.2.3")),
    KeySpec("aws:SecureTransport", BOOL_OPS, ("true", "false", True, False),
            ("true", "false", "TRUE", "yes")),
    KeySpec("aws:RequestTag/blob", BINARY_OPS, ("QUJD", "ZGVm", "QUJD*"), ("QUJD", "ZGVm", "qujd", "QUJD*")),
)
KEY_BY_LOWER = {k.name.lower(): k for k in KEYS}
MULTIVALUED = frozenset(k.name.lower() for k in KEYS if k.multivalued)

FRESH_ALPHABET = "ab*?$/{}:\\\u20ac"


# The engine refuses (UndecidedError, "beyond the symbolic engine") a case-insensitive comparison with
# a policy variable rather than answer it wrongly; random policies keep variables out of these
# operators so that they can be compared at all. The refusal itself is tested deterministically.
IGNORE_CASE_OPERATORS = frozenset(name for name, spec in OPERATORS.items()
                                  if spec.test is Test.EQUALS_IGNORE_CASE)


def has_variable(value: object) -> bool:
    return isinstance(value, str) and any(isinstance(p, Var) for p in parse_template(value, True))


def multivalued(key: str) -> bool:
    """The `multivalued` callback for `Question` (keys arrive lower-cased)."""
    return key in MULTIVALUED


def all_operator_texts() -> list[str]:
    """Every operator spelling the policy strategy can emit, for the coverage test."""
    out = [NULL_OP]
    for spec in KEYS:
        for op in spec.operators:
            for qual in (None,) + QUALIFIERS:
                for if_exists in (False, True):
                    out.append(_operator_text(op, qual, if_exists))
    return sorted(set(out))


def _operator_text(op: str, qualifier: str | None, if_exists: bool) -> str:
    return (f"{qualifier}:" if qualifier else "") + op + (IF_EXISTS if if_exists else "")


# ---------------------------------------------------------------------------------------- policies

def _one_or_list(draw, values: st.SearchStrategy, max_size: int = 3):
    items = draw(st.lists(values, min_size=1, max_size=max_size))
    return items[0] if len(items) == 1 and draw(st.booleans()) else items


def _key_spelling(draw, name: str) -> str:
    """Condition keys are case-insensitive: sometimes write them in another case."""
    return draw(st.sampled_from((name, name, name.lower(), name.upper())))


@st.composite
def condition_entry(draw, spec: KeySpec | None = None):
    """One (operator text, key text, JSON value(s)) triple."""
    if spec is None:
        spec = draw(st.sampled_from(KEYS))
    if draw(st.integers(0, 9)) == 0:
        return NULL_OP, _key_spelling(draw, spec.name), draw(st.sampled_from(NULL_VALUES))
    op = draw(st.sampled_from(spec.operators))
    qualifier = draw(st.sampled_from(QUALIFIERS) if spec.multivalued and draw(st.integers(0, 4))
                     else st.sampled_from((None,) * 6 + QUALIFIERS))
    if_exists = draw(st.integers(0, 3)) == 0
    choices = spec.policy_values
    if op in IGNORE_CASE_OPERATORS:
        choices = tuple(v for v in choices if not has_variable(v)) or choices
    values = _one_or_list(draw, st.sampled_from(choices))
    return _operator_text(op, qualifier, if_exists), _key_spelling(draw, spec.name), values


def _by_family(keys: tuple[KeySpec, ...]) -> tuple[tuple[KeySpec, ...], ...]:
    """Keys grouped by operator list, so that each operator family is drawn about equally often
    (five keys share the String operators; the Date operators have one)."""
    groups: dict[tuple[tuple[str, ...], bool], list[KeySpec]] = {}
    for k in keys:
        groups.setdefault((k.operators, k.multivalued), []).append(k)
    return tuple(tuple(g) for g in groups.values())


@st.composite
def condition_block(draw, keys: tuple[KeySpec, ...] = KEYS, max_entries: int = 3):
    block: dict[str, dict[str, object]] = {}
    groups = _by_family(keys)
    for _ in range(draw(st.integers(1, max_entries))):
        op, key, values = draw(condition_entry(draw(st.sampled_from(draw(st.sampled_from(groups))))))
        block.setdefault(op, {})[key] = values  # a repeated (op, key) keeps the last, as JSON objects do
    return block


@st.composite
def statement(draw, resource_policy: bool, actions: tuple[str, ...] = ACTIONS,
              resources: tuple[str, ...] = RESOURCES, keys: tuple[KeySpec, ...] = KEYS,
              resource_elements: tuple[str | None, ...] = RESOURCE_ELEMENTS):
    stmt: dict[str, object] = {}
    if draw(st.integers(0, 4)) == 0:
        stmt["Sid"] = draw(st.sampled_from(("S1", "Stmt2", "")))
    stmt["Effect"] = draw(st.sampled_from(("Allow", "Allow", "Deny")))
    if resource_policy:
        element = draw(st.sampled_from(PRINCIPAL_ELEMENTS + ("Principal",) * 3))
        principal = draw(st.sampled_from(PRINCIPALS))
        if element == "Principal" and isinstance(principal, dict) and draw(st.integers(0, 3)) == 0:
            other = draw(st.sampled_from([p for p in PRINCIPALS if isinstance(p, dict)]))
            principal = {**other, **principal}
        stmt[element] = principal
    stmt[draw(st.sampled_from(ACTION_ELEMENTS + ("Action",) * 2))] = _one_or_list(draw, st.sampled_from(actions))
    element = draw(st.sampled_from(resource_elements + ("Resource",) * 3))
    if element is not None:
        stmt[element] = _one_or_list(draw, st.sampled_from(resources))
    if keys and draw(st.integers(0, 4)):
        stmt["Condition"] = draw(condition_block(keys))
    return stmt


@dataclass(frozen=True)
class PolicyCase:
    text: str
    resource_policy: bool


@st.composite
def policies(draw, resource_policy: bool | None = None, max_statements: int = 4, **vocabulary):
    """A policy document as JSON text; `vocabulary` overrides statement()'s tables."""
    if resource_policy is None:
        resource_policy = draw(st.booleans())
    doc: dict[str, object] = {}
    version = draw(st.sampled_from(VERSIONS + ("2012-10-17",)))
    if version is not None:
        doc["Version"] = version
    stmts = draw(st.lists(statement(resource_policy, **vocabulary), min_size=1, max_size=max_statements))
    doc["Statement"] = stmts[0] if len(stmts) == 1 and draw(st.booleans()) else stmts
    return PolicyCase(json.dumps(doc, indent=1), resource_policy)


# ---------------------------------------------------------------------------------------- requests

def _fresh(prefix: str = "") -> st.SearchStrategy[str]:
    return st.text(FRESH_ALPHABET, max_size=4).map(lambda s: prefix + s)


def key_value(spec: KeySpec) -> st.SearchStrategy[str]:
    known = st.sampled_from(spec.request_values)
    return st.one_of(known, known, known, _fresh()) if spec.fresh else known


@st.composite
def context(draw, keys: tuple[KeySpec, ...] = KEYS):
    out: dict[str, str | list[str]] = {}
    for spec in keys:
        if draw(st.integers(0, 9)) < 4:
            continue  # absent
        if spec.multivalued:
            out[spec.name] = draw(st.lists(key_value(spec), max_size=3))
        else:
            out[spec.name] = draw(key_value(spec))
    return out


@st.composite
def requests(draw, resource_policy: bool):
    action = draw(st.one_of(st.sampled_from(REQUEST_ACTIONS), st.sampled_from(REQUEST_ACTIONS),
                            st.text("abgt*", min_size=1, max_size=3).map(lambda s: "s3:G" + s)))
    resource = draw(st.one_of(st.sampled_from(REQUEST_RESOURCES), st.sampled_from(REQUEST_RESOURCES),
                              _fresh("arn:aws:s3:::b/")))
    principal = draw(st.sampled_from(REQUEST_PRINCIPALS))
    if not resource_policy and draw(st.booleans()):
        principal = None  # identity policies ignore the principal
    return Request.of(action, resource, principal, draw(context()))
