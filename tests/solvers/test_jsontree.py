"""The lazy span tree (`solvers.jsontree`) against the span-keeping parser: the same nodes and values,
every lazy span (values, keys, the whole document) resolving to the full parser's span; every
document the full parser rejects, or that the fast path does not take, refused; and validation giving
the same findings, places included, whichever tree it reads."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solvers.jsonspan import KEY, MAX_DEPTH, JArray, JObject, LazySpan, Node, Span, SpanSource, parse_json
from solvers.jsontree import lazy_tree, locate
from solvers.validation import engine

FIXTURES = Path(__file__).parent / "validation" / "fixtures"

_SCALARS = st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False, allow_infinity=False) \
    | st.text(max_size=6) | st.sampled_from(["${aws:username}", "a\"b\\c", "\u2603", "\ud83d\ude00", "tab\t"])
_VALUES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=4)
                       | st.dictionaries(st.text(max_size=4), inner, max_size=4), max_leaves=20)
_SPACES = st.sampled_from(["", " ", "\n", "\t", "\r\n  ", "   "])


@st.composite
def _written(draw, value=None) -> str:
    """A JSON text of a value, whitespace drawn between tokens, non-ASCII escaped or not."""
    value = draw(_VALUES) if value is None else value
    ascii_only = draw(st.booleans())

    def dump(v) -> str:
        gap = draw(_SPACES)
        if isinstance(v, dict):
            members = [f"{gap}{json.dumps(k, ensure_ascii=ascii_only)}{draw(_SPACES)}:{draw(_SPACES)}{dump(x)}"
                       for k, x in v.items()]
            return "{" + ",".join(members) + draw(_SPACES) + "}"
        if isinstance(v, list):
            return "[" + ",".join(gap + dump(x) for x in v) + draw(_SPACES) + "]"
        return json.dumps(v, ensure_ascii=ascii_only)

    return draw(_SPACES) + dump(value) + draw(_SPACES)


def _same(lazy: Node, full: Node) -> int:
    """The two trees have the same nodes and values and every lazy span is the full one; returns how
    many spans were compared."""
    assert type(lazy) is type(full)
    assert isinstance(lazy.span, LazySpan) and isinstance(full.span, Span)
    assert (lazy.span.start_offset, lazy.span.end_offset) == (full.span.start_offset, full.span.end_offset)
    assert lazy.span.as_dict() == full.span.as_dict()
    count = 1
    if isinstance(lazy, JObject):
        assert isinstance(full, JObject) and len(lazy.pairs) == len(full.pairs)
        for (k, v), (fk, fv) in zip(lazy.pairs, full.pairs, strict=True):
            assert k.value == fk.value and k.span.as_dict() == fk.span.as_dict()
            count += 1 + _same(v, fv)
    elif isinstance(lazy, JArray):
        assert isinstance(full, JArray)
        count += sum(_same(a, b) for a, b in zip(lazy.items, full.items, strict=True))
    else:
        assert {f: getattr(lazy, f) for f in ("value", "text") if hasattr(lazy, f)} == \
            {f: getattr(full, f) for f in ("value", "text") if hasattr(full, f)}
    return count


@settings(max_examples=300, deadline=None)
@given(_written())
def test_lazy_tree_is_the_full_tree_with_every_span_resolving_to_the_full_span(text: str) -> None:
    lazy = lazy_tree(text)
    assert lazy is not None and _same(lazy, parse_json(text)) >= 1


@pytest.mark.parametrize("text", [
    "", "  ", "{", "[1,]", '{"a":1,}', '{"a" 1}', "01", "1.", "-", "NaN", "[Infinity]", '{"a": -Infinity}',
    '"\x01"', '"\\x"', "tru", "[1] [2]", "{} x", "\ufeff{}", '{"a": 1, "a": 2}', '[{"k": 1, "k": 1}]',
    "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1),
])
def test_lazy_tree_refuses_what_the_full_parser_must_decide(text: str) -> None:
    assert lazy_tree(text) is None


def test_nesting_up_to_the_limit_is_taken_past_it_is_left_to_the_full_parser() -> None:
    deep = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    tree = lazy_tree(deep)
    assert tree is not None and _same(tree, parse_json(deep)) == MAX_DEPTH


def test_locate_reads_each_container_once_and_names_keys() -> None:
    text = '{\n  "Statement": [ {"Effect" : "Allow", "Action": ["s3:Get*", "s3:Put*"]} ],\n  "Id": "x"\n}\n'
    places: dict = {}
    assert locate(text, ("Statement", 0, "Action", 1), places) == (text.index('"s3:Put*"'),
                                                                    text.index('"s3:Put*"') + len('"s3:Put*"'))
    read = set(places)
    assert locate(text, ("Statement", 0, "Effect", KEY), places) == (text.index('"Effect"'),
                                                                     text.index('"Effect"') + len('"Effect"'))
    assert set(places) == read  # nothing read again
    assert locate(text, (), places) == (0, len(text) - 1)
    for bad in (("Nope",), ("Statement", "x"), ("Statement", 5), (KEY,), ("Id", 0)):
        with pytest.raises(LookupError):
            locate(text, bad, places)
    assert SpanSource(text).resolve(("Id",)).start.line == 3


def _documents() -> list[tuple[str, str, str | None]]:
    """(text, policy type, resource type) of every fixture's two policies, written two ways."""
    out = []
    for path in sorted(FIXTURES.glob("*.json")):
        fixture = json.loads(path.read_text())
        for key in ("trigger", "clean"):
            policy = fixture[key]
            texts = [policy] if isinstance(policy, str) else [json.dumps(policy, indent=4), json.dumps(policy)]
            out += [(t, fixture["policyType"], fixture.get("resourceType")) for t in texts]
    # variables spelt with escapes (only "${" as written is read as one), copies written apart
    def statement(resource: str) -> str:
        return '{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/' + resource + '"}'

    for resource in ("${aws:username}", "\\u0024{aws:username}", "$\\u007baws:username}", "${aws:username"):
        text = '{"Version": "2012-10-17", "Statement": [' + statement(resource) + ", " + statement("x") + "]}"
        out += [(text, "IDENTITY_POLICY", None), (text.replace("Resource", "NotAction"), "IDENTITY_POLICY", None)]
    copy, respaced = statement("k"), statement("k").replace(": ", ":")
    out += [('{"Statement": [' + ", ".join((copy, respaced, copy, respaced)) + "]}", "IDENTITY_POLICY", None)]
    return out


def test_validation_finds_the_same_whichever_tree_it_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    documents = _documents()
    assert len(documents) > 500
    lazy = [[f.as_dict() for f in engine.validate_policy(*d, reasoning=True)] for d in documents]
    monkeypatch.setattr(engine, "lazy_tree", lambda text: None)  # the span-keeping parse for every document
    full = [[f.as_dict() for f in engine.validate_policy(*d, reasoning=True)] for d in documents]
    assert lazy == full
    assert sum(map(len, full)) > 300
