"""The span tree of an ordinary JSON document, from the standard library's C decoder.

`solvers.jsonspan.parse_json` reads every token in Python to keep its place; most documents validated
never have a place read (a policy without findings). `lazy_tree` decodes in C, then builds the same
nodes (`JString`, `JObject`...) with LazySpans: (document, path) pairs that `parse_json` resolves, for
the whole document at once, the first time any of them is read. It takes a subset of what
`parse_json` accepts and gives None for anything else (malformed JSON, a duplicate key, a byte order
mark, NaN, nesting deeper than MAX_DEPTH): the full parser then decides, and reports the error.

A LazySpan is resolved by `locate`, which walks its path with the C scanner rather than parsing the
document in Python: each object or array on the way is read once per document, its members' places
kept.

Objects decode to tuples of pairs (duplicates kept, told from arrays, which decode to lists); numbers
to Num, their text as written, so that "1.0" stays "1.0".
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, cast

from solvers.jsonspan import (
    KEY,
    MAX_DEPTH,
    JArray,
    JBool,
    JNull,
    JNumber,
    JObject,
    JString,
    LazySpan,
    Node,
    PathStep,
    Span,
    SpanSource,
)


class Num(str):
    """A JSON number, as written."""
    __slots__ = ()


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


DECODER = json.JSONDecoder(object_pairs_hook=tuple, parse_int=Num, parse_float=Num,
                           parse_constant=_refuse_constant)
# the decoder's C scanner: (value, end) of the JSON value at an offset; strings from after their quote
_scan_value: Callable[[str, int], tuple[Any, int]] = DECODER.scan_once  # type: ignore[attr-defined]
_scan_string: Callable[[str, int], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]
# LazySpans stand in for Spans in the tree: they read exactly like one
_lazy = cast(Callable[[SpanSource, tuple[PathStep, ...]], Span], LazySpan)


class _GiveUp(Exception):
    """The document is not one this path takes."""


def lazy_tree(text: str) -> Node | None:
    """The span tree `parse_json(text)` gives, its spans resolved on first read; None when this path
    does not take the document."""
    if text.startswith("\ufeff"):
        return None  # `parse_json` skips a byte order mark, the decoder refuses it
    try:
        decoded = DECODER.decode(text)
    except (ValueError, RecursionError):
        return None
    try:
        return _node(SpanSource(text), decoded, (), 0)
    except _GiveUp:
        return None


def _node(source: SpanSource, value: Any, path: tuple[PathStep, ...], depth: int) -> Node:
    # strings, most of a policy's values, are made in place rather than by a call of their own
    kind = type(value)
    if kind is str:
        return JString(value, _lazy(source, path))
    if kind is tuple:
        if depth >= MAX_DEPTH or len(dict(value)) != len(value):
            raise _GiveUp  # too deep (an error), or a duplicate key (a LazySpan path must name one member)
        pairs = []
        for k, v in value:
            at = path + (k,)
            pairs.append((JString(k, _lazy(source, at + (KEY,))),
                          JString(v, _lazy(source, at)) if type(v) is str else _node(source, v, at, depth + 1)))
        return JObject(tuple(pairs), _lazy(source, path))
    if kind is list:
        if depth >= MAX_DEPTH:
            raise _GiveUp
        items = []
        for i, v in enumerate(value):
            at = path + (i,)
            items.append(JString(v, _lazy(source, at)) if type(v) is str else _node(source, v, at, depth + 1))
        return JArray(tuple(items), _lazy(source, path))
    if kind is Num:
        return JNumber(str.__str__(value), _lazy(source, path))
    if kind is bool:
        return JBool(value, _lazy(source, path))
    if value is None:
        return JNull(_lazy(source, path))
    raise _GiveUp


# whitespace from an offset (always matches, possibly empty)
_skip = cast(Callable[[str, int], "re.Match[str]"], re.compile(r"[ \t\r\n]*").match)
# where a container's members are: an object's by name ((key start, key end, value start, value end),
# the last pair of a name), an array's in order ((value start, value end))
Members = dict[str, tuple[int, int, int, int]] | list[tuple[int, int]]


def locate(text: str, path: tuple[PathStep, ...], places: dict[tuple[PathStep, ...], Members]) -> tuple[int, int]:
    """(start, end) offsets of the node at `path` in `text` (valid JSON, as `decode` takes it): the
    span `parse_json` gives that node. `places` keeps what was read of each container, per document."""
    start = _skip(text, 1 if text.startswith("\ufeff") else 0).end()
    end = len(text.rstrip(" \t\r\n"))
    for i, step in enumerate(path):
        if step is KEY:  # the previous step named a member: its container's places are read
            found = places[path[:i - 1]][path[i - 1]] if i else None  # type: ignore[index]
            if not isinstance(found, tuple) or len(found) != 4:
                raise LookupError(f"no key before KEY in {path!r}")
            return found[0], found[1]
        members = places.get(path[:i])
        if members is None:
            members = places[path[:i]] = _members(text, start)
        try:
            if isinstance(step, int):
                if not isinstance(members, list):
                    raise LookupError(f"path {path!r} indexes an object or a scalar")
                start, end = members[step]
            else:
                if not isinstance(members, dict):
                    raise LookupError(f"path {path!r} looks up {step!r} in an array or a scalar")
                start, end = members[step][2:]
        except (KeyError, IndexError):
            raise LookupError(f"path {path!r}: no member {step!r}") from None
    return start, end


def _members(text: str, start: int) -> Members:
    """The places of the members of the object or array opening at `start` ({} for a scalar)."""
    opener = text[start]
    if opener == "[":
        items: list[tuple[int, int]] = []
        pos = _skip(text, start + 1).end()
        while text[pos] != "]":
            end = _scan_value(text, pos)[1]
            items.append((pos, end))
            pos = _skip(text, end).end()
            if text[pos] == ",":
                pos = _skip(text, pos + 1).end()
        return items
    pairs: dict[str, tuple[int, int, int, int]] = {}
    if opener != "{":
        return pairs
    pos = _skip(text, start + 1).end()
    while text[pos] != "}":
        key, key_end = _scan_string(text, pos + 1)
        value = _skip(text, _skip(text, key_end).end() + 1).end()  # past the ':'
        end = _scan_value(text, value)[1]
        pairs[key] = (pos, key_end, value, end)
        pos = _skip(text, end).end()
        if text[pos] == ",":
            pos = _skip(text, pos + 1).end()
    return pairs
