"""The span-keeping JSON parser reads exactly what the standard library reads, and spans cover tokens."""
from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solvers.errors import PolicyError
from solvers.jsonspan import JArray, JBool, JNull, JNumber, JObject, JString, Node, parse_json

_SCALARS = st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.text(max_size=8)
_VALUES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=4)
                       | st.dictionaries(st.text(max_size=5), inner, max_size=4), max_leaves=20)


def _plain(node: Node, text: str):
    """The Python value of a node, checking on the way that each span covers its token exactly."""
    token = text[node.span.start_offset:node.span.end_offset]
    if isinstance(node, JObject):
        assert token.startswith("{") and token.endswith("}")
        return {k.value: _plain(v, text) for k, v in node.pairs}
    if isinstance(node, JArray):
        assert token.startswith("[") and token.endswith("]")
        return [_plain(v, text) for v in node.items]
    if isinstance(node, JString):
        assert json.loads(token) == node.value
        return node.value
    if isinstance(node, JNumber):
        assert token == node.text
        return json.loads(node.text)
    if isinstance(node, JBool):
        return node.value
    assert isinstance(node, JNull) and token == "null"
    return None


@settings(max_examples=300, deadline=None)
@given(_VALUES, st.sampled_from([None, 2]))
def test_reads_what_the_standard_library_reads(value, indent) -> None:
    text = json.dumps(value, indent=indent)
    assert _plain(parse_json(text), text) == json.loads(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet='{}[]:,"a1 .-e\\ntrufalsn', max_size=16))
def test_accepts_exactly_the_documents_the_standard_library_accepts(text) -> None:
    try:
        expected = json.loads(text)
    except ValueError:
        with pytest.raises(PolicyError):
            parse_json(text)
        return
    assert _plain(parse_json(text), text) == expected


@pytest.mark.parametrize("text", ["[1,2", '{"a":', "[", '{"a":1', '{"a":1,}', "[1,]", "{1:2}", "01", "1 2"])
def test_incomplete_or_malformed_documents_are_errors(text) -> None:
    with pytest.raises(PolicyError):
        parse_json(text)
