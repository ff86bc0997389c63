"""The fast policy builder (`solvers.policy_fast.fast_policy`) against the full span-keeping path: equal
models for every legal spelling, every lazy span resolving to the full parser's span, and every
document the full path rejects (or that the fast path does not know) handed to the full path, so that
errors are the same whichever path a document would have taken."""
from __future__ import annotations

import json
from dataclasses import fields, is_dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from solvers.errors import PolicyError
from solvers.jsonspan import MAX_DEPTH, LazySpan, Span
from solvers.policy import MAX_POLICY_CHARS, PRINCIPAL_KINDS, Policy, _full_policy, parse_policy
from solvers.policy_fast import fast_policy as _fast_policy

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"


# ------------------------------------------------------------------------------------------- helpers

def _strip(obj):
    """A model object with every span left out, to compare models whatever their span type."""
    if is_dataclass(obj) and not isinstance(obj, type):
        return (type(obj).__name__,) + tuple(_strip(getattr(obj, f.name)) for f in fields(obj)
                                             if f.name not in ("span", "_tree"))
    if isinstance(obj, tuple):
        return tuple(_strip(x) for x in obj)
    return obj


def _spans(obj, where: str = "") -> list[tuple[str, Span | LazySpan]]:
    """Every span of a model object, named by where it is, in a fixed order."""
    out: list = []
    if is_dataclass(obj) and not isinstance(obj, type):
        for f in fields(obj):
            value = getattr(obj, f.name)
            if f.name == "span":
                out.append((where, value))
            elif f.name != "_tree":
                out.extend(_spans(value, f"{where}.{f.name}"))
    elif isinstance(obj, tuple):
        for i, x in enumerate(obj):
            out.extend(_spans(x, f"{where}[{i}]"))
    return out


def _same_model(text: str) -> Policy:
    """The fast path takes `text` and builds the full path's model, spans included; returns it."""
    fast = _fast_policy(text)
    assert fast is not None, text
    full = _full_policy(text)
    assert _strip(fast) == _strip(full)
    fast_spans, full_spans = _spans(fast), _spans(full)
    assert [w for w, _ in fast_spans] == [w for w, _ in full_spans]
    for (where, lazy), (_, span) in zip(fast_spans, full_spans, strict=True):
        assert isinstance(lazy, LazySpan) and isinstance(span, Span), where
        assert (lazy.start_offset, lazy.end_offset) == (span.start_offset, span.end_offset), where
        assert (lazy.start, lazy.end) == (span.start, span.end), where
        assert lazy.as_dict() == span.as_dict(), where
    assert fast.tree == full.tree
    assert parse_policy(text) == fast
    return fast


def _same_error(text: str) -> PolicyError:
    """The full path rejects `text`; the fast path does not take it, so parse_policy's error is the
    full path's (message, place, line and column)."""
    assert _fast_policy(text) is None
    with pytest.raises(PolicyError) as full:
        _full_policy(text)
    with pytest.raises(PolicyError) as got:
        parse_policy(text)
    a, b = got.value, full.value
    assert (str(a), a.message, a.where, a.line, a.column) == (str(b), b.message, b.where, b.line, b.column)
    return a


class Raw:
    """A JSON token written as is (numbers as written: 1.0, 1e3, -0)."""

    def __init__(self, text: str):
        self.text = text


def _dump(value, indent: str | None, ascii_only: bool, level: int = 0) -> str:
    """A JSON writer that keeps Raw tokens and writes with or without line breaks."""
    nl, pad, inner = ("", "", "") if indent is None else ("\n", indent * level, indent * (level + 1))
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{inner}{json.dumps(k, ensure_ascii=ascii_only)}: {_dump(v, indent, ascii_only, level + 1)}"
                 for k, v in value.items()]
        return "{" + nl + f",{nl if nl else ' '}".join(items) + nl + pad + "}"
    if isinstance(value, list):
        if not value:
            return "[]"
        items = [inner + _dump(v, indent, ascii_only, level + 1) for v in value]
        return "[" + nl + f",{nl if nl else ' '}".join(items) + nl + pad + "]"
    return json.dumps(value, ensure_ascii=ascii_only)


# ---------------------------------------------------------------------------------------- strategies

_TEXT = st.sampled_from(["a", "alice", "Bob", "é-ü", "tab\there", 'quote"d', "back\\slash", "", "${aws:username}",
                         "x/y/*", "☃"])
_ACTIONS = st.sampled_from(["*", "s3:GetObject", "s3:Get*", "ec2:Describe*", "iam:?etRole", "S3:getobject",
                            "*:Describe*", "sqs:Send\u00e9"])
_RESOURCES = st.sampled_from(["*", "arn:aws:s3:::b/*", "arn:aws:s3:::b", "arn:aws:sqs:us-east-1:111122223333:q",
                              "arn:aws:s3:::b/${aws:username}/*"])
_AWS = st.sampled_from(["*", "111122223333", "arn:aws:iam::111122223333:root", "arn:aws-cn:iam::444455556666:root",
                        "arn:aws:iam::111122223333:role/r", "arn:aws:iam::111122223333:user/u", "arn:aws:iam::1:root"])
_OTHER_PRINCIPALS = st.sampled_from(["s3.amazonaws.com", "111122223333", "cognito-identity.amazonaws.com",
                                     "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"])
_NUMBERS = st.sampled_from(["0", "-0", "1", "12", "1.0", "1e3", "2.5E-2", "-7", "10.50", "1E+2"]).map(Raw)
_OPERATORS = st.sampled_from(["StringEquals", "StringNotEquals", "StringLike", "ForAnyValue:StringLike",
                              "ForAllValues:StringEquals", "StringEqualsIgnoreCaseIfExists", "ArnLike",
                              "NumericLessThan", "NumericEquals", "DateGreaterThan", "IpAddress", "NotIpAddress",
                              "Bool", "BoolIfExists", "Null", "BinaryEquals"])
_KEYS = st.sampled_from(["aws:username", "aws:PrincipalTag/team", "s3:prefix", "aws:SourceIp", "AWS:SecureTransport",
                         "aws:CurrentTime", "é:key", "aws:ResourceTag/${aws:username}"])


def _one_or_list(values, min_size: int = 1):
    return values | st.lists(values, min_size=min_size, max_size=4)


_CONDITION_VALUE = st.one_of(_TEXT, _NUMBERS, st.booleans())
_CONDITIONS = st.dictionaries(_OPERATORS, st.dictionaries(_KEYS, _one_or_list(_CONDITION_VALUE), max_size=3),
                              max_size=3)


@st.composite
def _principals(draw):
    if draw(st.booleans()):
        return "*"
    kinds = draw(st.lists(st.sampled_from(PRINCIPAL_KINDS), min_size=1, max_size=4, unique=True))
    return {k: draw(_one_or_list(_AWS if k == "AWS" else _OTHER_PRINCIPALS)) for k in kinds}


@st.composite
def _statements(draw, identity: bool):
    out: dict = {}
    if draw(st.booleans()):
        out["Sid"] = draw(_TEXT)
    out["Effect"] = draw(st.sampled_from(["Allow", "Deny"]))
    if not identity and draw(st.booleans()):
        out[draw(st.sampled_from(["Principal", "NotPrincipal"]))] = draw(_principals())
    out[draw(st.sampled_from(["Action", "NotAction"]))] = draw(_one_or_list(_ACTIONS))
    if draw(st.booleans()):
        out[draw(st.sampled_from(["Resource", "NotResource"]))] = draw(_one_or_list(_RESOURCES))
    if draw(st.booleans()):
        out["Condition"] = draw(_CONDITIONS)
    order = draw(st.permutations(list(out)))
    return {k: out[k] for k in order}


@st.composite
def _documents(draw) -> str:
    identity = draw(st.booleans())
    doc: dict = {}
    version = draw(st.sampled_from(["2012-10-17", "2008-10-17", None]))
    if version is not None:
        doc["Version"] = version
    if draw(st.booleans()):
        doc["Id"] = draw(_TEXT)
    if draw(st.integers(0, 4)) == 0:
        doc["Statement"] = draw(_statements(identity))  # a single statement, not a list
    else:
        doc["Statement"] = draw(st.lists(_statements(identity), max_size=4))
    order = draw(st.permutations(list(doc)))
    doc = {k: doc[k] for k in order}
    return _dump(doc, draw(st.sampled_from([None, "  ", "\t"])), draw(st.booleans()))


# ------------------------------------------------------------------------- (a) equal models and spans

@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_documents())
def test_fast_model_equals_full_model_and_every_span_resolves_to_the_full_span(text: str) -> None:
    _same_model(text)


# Near-policies: every element present or not, holding a legal value or anything else (nulls, numbers,
# booleans, empty or nested containers, strings without a colon, unknown kinds and operators).
_ANY = st.recursive(st.none() | st.booleans() | _NUMBERS | _TEXT | st.sampled_from(["s3", "*", "Allow"]),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT | _KEYS, inner, max_size=3),
                    max_leaves=6)


def _maybe(legal):
    """Mostly a legal value, one time in ten anything."""
    return st.integers(0, 9).flatmap(lambda i: _ANY if i == 0 else legal)


def _some(draw, candidates: dict, usual: tuple[str, ...]) -> dict:
    """The usual elements nine times in ten each, the others one time in six each, in any order."""
    names = [n for n in candidates if draw(st.integers(0, 9)) > 0 if n in usual] + \
        [n for n in candidates if n not in usual and draw(st.integers(0, 5)) == 0]
    names = draw(st.permutations(names))
    return {n: draw(candidates[n]) for n in names}


@st.composite
def _near_statements(draw):
    candidates = {
        "Sid": _maybe(_TEXT), "Effect": _maybe(st.sampled_from(["Allow", "Deny"])),
        "Principal": _maybe(_principals()), "NotPrincipal": _maybe(_principals()),
        "Action": _maybe(_one_or_list(_ACTIONS)), "NotAction": _maybe(_one_or_list(_ACTIONS)),
        "Resource": _maybe(_one_or_list(_RESOURCES, min_size=0)), "NotResource": _maybe(_one_or_list(_RESOURCES)),
        "Condition": _maybe(st.dictionaries(_OPERATORS | st.sampled_from(["StringEqual", "NullIfExists", "x"]),
                                            _maybe(st.dictionaries(_KEYS, _maybe(_one_or_list(_CONDITION_VALUE, 0)),
                                                                   max_size=2)), max_size=2)),
        "Extra": _ANY,
    }
    return _some(draw, candidates, ("Effect", "Action"))


@st.composite
def _near_documents(draw) -> str:
    candidates = {"Version": _maybe(st.sampled_from(["2012-10-17", "2008-10-17"])), "Id": _maybe(_TEXT),
                  "Statement": _maybe(_near_statements() | st.lists(_near_statements(), max_size=3)),
                  "Other": _ANY}
    return _dump(_some(draw, candidates, ("Statement",)), draw(st.sampled_from([None, " "])), draw(st.booleans()))


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_near_documents())
def test_the_fast_path_never_takes_what_the_full_path_rejects(text: str) -> None:
    try:
        _full_policy(text)
    except PolicyError:
        event("rejected")
        _same_error(text)
        return
    if _fast_policy(text) is not None:
        event("legal, fast path")
        _same_model(text)
    else:
        event("legal, full path")


def test_spellings_one_by_one() -> None:
    base = {"Effect": "Allow", "Action": "s3:GetObject"}
    for extra in ({"Principal": "*"}, {"Principal": {"AWS": "*"}}, {"NotPrincipal": {"AWS": ["111122223333"]}},
                  {"Principal": {"AWS": "arn:aws:iam::111122223333:root", "Service": ["s3.amazonaws.com"]}},
                  {"Principal": {"Federated": "cognito-identity.amazonaws.com", "CanonicalUser": "abc"}},
                  {"NotAction": ["s3:*", "*"], "Action": None}, {"NotResource": "arn:aws:s3:::b"},
                  {"Resource": ["*", "arn:aws:s3:::b/*"]}, {"Condition": {}}, {"Condition": {"StringEquals": {}}},
                  {"Condition": {"NumericLessThan": {"s3:max-keys": [Raw("1.0"), Raw("1e3"), Raw("-0")]}}},
                  {"Condition": {"Bool": {"aws:SecureTransport": [True, False, "true"]}}},
                  {"Condition": {"StringLike": {"s3:prefix": ["a/*", "b/*"]}, "Null": {"aws:TokenIssueTime": True}}}):
        statement = {k: v for k, v in {**base, **extra}.items() if v is not None}
        for doc in ({"Version": "2012-10-17", "Statement": [statement]}, {"Statement": statement},
                    {"Id": "x", "Statement": [statement, statement]}, {"Statement": []}):
            for indent in (None, "    "):
                _same_model(_dump(doc, indent, ascii_only=True))


def test_numbers_and_booleans_are_kept_as_written() -> None:
    text = '{"Statement": {"Effect": "Allow", "Action": "*", "Condition": {"NumericEquals": {"k": [1.0, 1e3, -0, 12]},' \
           ' "Bool": {"b": true}, "Null": {"n": false}}}}'
    policy = _same_model(text)
    assert [[v.text for v in c.values] for c in policy.statements[0].conditions] == \
        [["1.0", "1e3", "-0", "12"], ["true"], ["false"]]
    assert all(type(v.text) is str for c in policy.statements[0].conditions for v in c.values)


def test_root_arn_and_star_principal() -> None:
    text = '{"Statement": [{"Effect": "Allow", "Action": "*", "Principal": {"AWS": ["arn:aws:iam::111122223333:root", ' \
           '"arn:aws:iam::111122223333:role/r"]}}, {"Effect": "Deny", "Action": "*", "Principal": "*"}]}'
    policy = _same_model(text)
    p0, p1 = policy.statements[0].principal, policy.statements[1].principal
    assert p0 is not None and p1 is not None
    assert [(v.kind, v.text, v.is_account) for v in p0.values] == \
        [("AWS", "111122223333", True), ("AWS", "arn:aws:iam::111122223333:role/r", False)]
    assert [(v.kind, v.text) for v in p1.values] == [("*", "*")]
    assert p1.values[0].span == p1.span


def test_escaped_keys_and_values() -> None:
    text = '{"St\\u0061tement": [{"Effect": "Allow", "Action": "s3:Get\\u00e9", "Condition": {"StringEquals": ' \
           '{"aws:PrincipalTag/\\u00e9\\"q": "a\\nb"}}}]}'
    policy = _same_model(text)
    cond = policy.statements[0].conditions[0]
    assert cond.key == 'aws:PrincipalTag/é"q' and cond.values[0].text == "a\nb"
    assert text[cond.span.start_offset:cond.span.end_offset] == '"aws:PrincipalTag/\\u00e9\\"q"'


def test_lazy_spans_give_lines_for_error_messages() -> None:
    text = '{\n  "Statement": [\n    {"Effect": "Allow",\n     "Action": ["s3:GetObject",\n       "s3:Put*"]}\n  ]\n}'
    policy = _same_model(text)
    value = policy.statements[0].action.values[1]
    assert (value.span.start.line, value.span.start.column) == (5, 7)
    assert value.span.lines.position(value.span.start_offset) == value.span.start


def test_lazy_document_is_parsed_only_when_a_span_or_the_tree_is_read() -> None:
    policy = _fast_policy('{"Statement": {"Effect": "Allow", "Action": "*"}}')
    assert policy is not None
    source = policy.statements[0].span.source  # type: ignore[union-attr]
    assert source._tree is None
    assert policy.tree is source.tree  # parsed once, shared by the tree and every span
    assert policy.statements[0].span.end_offset == len(policy.text) - 1


def test_models_of_one_text_are_equal_and_hash_alike() -> None:
    text = '{"Statement": [{"Effect": "Allow", "Action": "*", "Condition": {"Bool": {"k": true}}}]}'
    a, b = _fast_policy(text), _fast_policy(text)
    assert a is not None and b is not None
    assert a == b and hash(a) == hash(b)
    assert hash(a.statements[0]) == hash(b.statements[0])
    other = _fast_policy(text.replace("[{", "[ {"))  # same model, other places
    assert other is not None and other != a and _strip(other.statements) == _strip(a.statements)
    assert other.statements[0] != a.statements[0]


# --------------------------------------------------------------------------- (b) the full path decides

def _deep(n: int) -> str:
    return "[" * n + "]" * n


REJECTED = [
    "", "not json", "{", '{"Statement": []} x', '{"Statement": [],}', "{'Statement': []}",
    '{"Statement": [], "Version": NaN}', '{"Statement": [{"Effect": "Allow", "Action": "*", "Condition": '
    '{"NumericEquals": {"k": Infinity}}}]}', '{"Statement": [{"Effect": "Allow", "Action": "*", "Condition": '
    '{"NumericEquals": {"k": -Infinity}}}]}',
    '{"Statement": [], "X": ' + _deep(MAX_DEPTH + 5) + "}",
    '{"Statement": [{"Effect": "Allow", "Action": "*", "Condition": {"StringEquals": {"k": ' + _deep(MAX_DEPTH + 5)
    + "}}}]}",
    '{"Statement": [{"Effect": "Allow", "Action": "*", "Sid": "x", "Extra": ' + _deep(MAX_DEPTH + 1) + "}]}",
    "[]", '"x"', "1", '{"Version": "2012-10-17"}', '{"Version": "2020-01-01", "Statement": []}',
    '{"Version": 2012, "Statement": []}', '{"Id": 3, "Statement": []}', '{"Id": null, "Statement": []}',
    '{"Statement": "x"}', '{"Statement": [1]}', '{"Statement": null}', '{"Statement": {}}',
    '{"Statement": [{"Action": "*"}]}', '{"Statement": [{"Effect": "allow", "Action": "*"}]}',
    '{"Statement": [{"Effect": 1, "Action": "*"}]}', '{"Statement": [{"Effect": null, "Action": "*"}]}',
    '{"Statement": [{"Effect": "Allow", "Sid": 5, "Action": "*"}]}',
    '{"Statement": [{"Effect": "Allow", "Sid": null, "Action": "*"}]}',
    '{"Statement": [{"Effect": "Allow"}]}', '{"Statement": [{"Effect": "Allow", "Action": "*", "NotAction": "*"}]}',
    '{"Statement": [{"Effect": "Allow", "Action": "s3:x", "NotAction": null}]}',
    '{"Statement": [{"Effect": "Allow", "Action": []}]}', '{"Statement": [{"Effect": "Allow", "Action": "s3"}]}',
    '{"Statement": [{"Effect": "Allow", "NotAction": ["s3:x", "iam"]}]}',
    '{"Statement": [{"Effect": "Allow", "Action": 5}]}', '{"Statement": [{"Effect": "Allow", "Action": true}]}',
    '{"Statement": [{"Effect": "Allow", "Action": null}]}', '{"Statement": [{"Effect": "Allow", "Action": {}}]}',
    '{"Statement": [{"Effect": "Allow", "Action": ["s3:x", 1]}]}',
    '{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": []}]}',
    '{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": null}]}',
    '{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "NotResource": "*"}]}',
    '{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": [["*"]]}]}',
    '{"Statement": [{"Effect": "Allow", "Action": "*", "Principal": "arn:aws:iam::111122223333:root"}]}',
    '{"Statement": [{"Effect": "Allow", "Action": "*", "Principal": {}}]}',
    '{"Statement": [{"Effect": "Allow", "Action": "*", "Principal": []}]}',
    '{"Statement": [{"Effect": "Allow", "Action": "*", "Principal": null}]}',
    '{"Statement": [{"Effect": "Allow", "Action": "*", "Principal": {"Foo": "x"}}]}',
    '{"Statement": [{"Effect": "Allow", "Action": "*", "Principal": {"aws": "*"}}]}',
    '{"Statement": [{"Effect": "Allow", "Action": "*", "Principal": {"AWS": 111122223333}}]}',
    '{"Statement": [{"Effect": "Allow", "Action": "*", "Principal": {"AWS": []}}]}',
    '{"Statement": [{"Effect": "Allow", "Action": "*", "Principal": "*", "NotPrincipal": "*"}]}',
    '{"Statement": [{"Effect": "Allow", "Action": "*", "Condition": []}]}',
    '{"Statement": [{"Effect": "Allow", "Action": "*", "Condition": null}]}',
    '{"Statement": [{"Effect": "Allow", "Action": "*", "Condition": "x"}]}',
    '{"Statement": [{"Effect": "Allow", "Action": "*", "Condition": {"StringEquals": "x"}}]}',
    '{"Statement": [{"Effect": "Allow", "Action": "*", "Condition": {"StringEquals": []}}]}',
    '{"Statement": [{"Effect": "Allow", "Action": "*", "Condition": {"StringEqual": {"k": "v"}}}]}',
    '{"Statement": [{"Effect": "Allow", "Action": "*", "Condition": {"NullIfExists": {"k": "true"}}}]}',
    '{"Statement": [{"Effect": "Allow", "Action": "*", "Condition": {"ForAnyValue:Null": {"k": "true"}}}]}',
    '{"Statement": [{"Effect": "Allow", "Action": "*", "Condition": {"StringEquals": {"k": []}}}]}',
    '{"Statement": [{"Effect": "Allow", "Action": "*", "Condition": {"StringEquals": {"k": null}}}]}',
    '{"Statement": [{"Effect": "Allow", "Action": "*", "Condition": {"StringEquals": {"k": {"a": "b"}}}}]}',
    '{"Statement": [{"Effect": "Allow", "Action": "*", "Condition": {"StringEquals": {"k": ["a", null]}}}]}',
    '\ufeff{"Statement": [{"Effect": "Allow", "Action": "s3"}]}',
    '{"Statement": [{"Effect": "Allow", "Action": "*", "Effect": "Maybe"}]}',
    '{"Statement": [{"Effect": "Allow", "Action": "*\\ud800"}], "Version": "2012-10-17", "Version": "1"}',
    " " * (MAX_POLICY_CHARS + 1),
    '{"Statement": [{"Effect": "Allow", "Action": "*"}], "Id": "' + "x" * MAX_POLICY_CHARS + '"}',
]


@pytest.mark.parametrize("text", REJECTED, ids=range(len(REJECTED)))
def test_rejected_documents_raise_the_full_paths_error(text: str) -> None:
    _same_error(text)


def test_a_fall_back_error_keeps_its_place() -> None:
    err = _same_error('{"Statement": [\n  {"Effect": "Allow",\n   "Action": "*",\n   "Condition": '
                      '{"StringEqual": {"k": "v"}}}]}')
    assert (err.where, err.line, err.column) == ("Statement[0].Condition", 4, 17)


FALL_BACK_BUT_LEGAL = [
    '\ufeff{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}',
    '{"Statement": [{"Effect": "Deny", "Effect": "Allow", "Action": "*"}]}',
    '{"Statement": [{"Effect": "Allow", "Action": "s3", "Action": "s3:x"}], "X": 1}',
    '{"Statement": [{"Effect": "Allow", "Action": "*"}], "Statement": {"Effect": "Deny", "Action": "s3:x"}}',
    '{"Statement": [{"Effect": "Allow", "Action": "*", "Principal": {"AWS": "1", "AWS": "2"}}]}',
    '{"Statement": [{"Effect": "Allow", "Action": "*", "Condition": {"Bool": {"k": "true"}, "Bool": {"j": "x"}}}]}',
    '{"Statement": [{"Effect": "Allow", "Action": "*", "Condition": {"Bool": {"k": "true", "k": "x"}}}]}',
    '{"Statement": [{"Effect": "Allow", "Action": "*"}], "Comment": {"any": [1, 2, {"x": null}]}}',
    '{"Statement": [{"Effect": "Allow", "Action": "*", "Description": "x"}]}',
    '{"Statement": [], "X": ' + _deep(MAX_DEPTH - 2) + "}",
]


@pytest.mark.parametrize("text", FALL_BACK_BUT_LEGAL, ids=range(len(FALL_BACK_BUT_LEGAL)))
def test_documents_the_fast_path_does_not_take_parse_as_before(text: str) -> None:
    assert _fast_policy(text) is None
    assert parse_policy(text) == _full_policy(text)


def test_a_bom_document_parses_equal_to_the_same_document_without_it() -> None:
    text = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}'
    with_bom = parse_policy("\ufeff" + text)
    assert with_bom == _full_policy("\ufeff" + text)
    plain = _same_model(text)
    assert (with_bom.version, _strip(with_bom.statements)) == (plain.version, _strip(plain.statements))
    assert with_bom.statements[0].span.start_offset == 1 + _full_policy(text).statements[0].span.start_offset


# -------------------------------------------------------------------------------------- (c) corpus

def _corpus_policies() -> list[str]:
    files = sorted((CORPUS / "aa-recorded").glob("*/cases.jsonl")) + [CORPUS / "peers" / "quacky" / "checks"
                                                                        / "cases.jsonl"]
    found: dict[str, None] = {}

    def visit(value) -> None:
        if isinstance(value, dict):
            for v in value.values():
                visit(v)
        elif isinstance(value, list):
            for v in value:
                visit(v)
        elif isinstance(value, str) and value.lstrip("\ufeff \t\r\n").startswith("{"):
            try:
                doc = json.loads(value.lstrip("\ufeff"))
            except ValueError:
                return
            if isinstance(doc, dict) and "Statement" in doc:
                found[value] = None

    for path in files:
        if path.is_file():
            for line in path.read_text().splitlines():
                if line.strip():
                    visit(json.loads(line))
    return list(found)


CORPUS_POLICIES = _corpus_policies()


@pytest.mark.skipif(not CORPUS_POLICIES, reason="shared corpus not present")
def test_corpus_policies_parse_equal_and_mostly_on_the_fast_path() -> None:
    fast = legal = 0
    for text in CORPUS_POLICIES:
        try:
            _full_policy(text)
        except PolicyError:  # a few recorded cases are malformed on purpose
            _same_error(text)
            continue
        legal += 1
        if _fast_policy(text) is None:
            assert parse_policy(text) == _full_policy(text)
        else:
            _same_model(text)
            fast += 1
    assert len(CORPUS_POLICIES) > 200 and legal > 190  # 218 distinct documents, 207 legal, when written
    assert fast >= 0.95 * legal, (fast, legal)
