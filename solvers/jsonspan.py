"""A JSON parser that keeps where every value came from.

The standard library's parser forgets positions; validation findings and parse errors must point
into the text (line from 1, column and offset from 0, the span covering the token with its quotes),
so the policy model is built from this tree instead. Duplicate object keys are kept in order
(AWS's parser accepts them; validation reports them).

Bounded by construction: nesting deeper than MAX_DEPTH is an error, not a RecursionError.
"""
from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field

from solvers.errors import PolicyError

MAX_DEPTH = 64


@dataclass(frozen=True, slots=True)
class Position:
    line: int  # from 1
    column: int  # from 0
    offset: int  # from 0, in characters

    def as_dict(self) -> dict[str, int]:
        return {"line": self.line, "column": self.column, "offset": self.offset}


class LineIndex:
    """Where each line of a document starts, to turn offsets into (line, column) on demand."""

    __slots__ = ("starts",)

    def __init__(self, text: str):
        self.starts = [0] + [m.end() for m in re.finditer(r"\n", text)]

    def position(self, offset: int) -> Position:
        line = bisect.bisect_right(self.starts, offset) - 1
        return Position(line + 1, offset - self.starts[line], offset)


@dataclass(frozen=True, slots=True)
class Span:
    """A token's place: offsets are stored, lines and columns computed when asked (most never are)."""
    start_offset: int
    end_offset: int
    lines: LineIndex = field(compare=False, repr=False, hash=False)

    @property
    def start(self) -> Position:
        return self.lines.position(self.start_offset)

    @property
    def end(self) -> Position:
        return self.lines.position(self.end_offset)

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {"start": self.start.as_dict(), "end": self.end.as_dict()}


@dataclass(frozen=True, slots=True)
class JString:
    value: str
    span: Span


@dataclass(frozen=True, slots=True)
class JNumber:
    text: str  # as written, so that "1.0" stays "1.0"
    span: Span


@dataclass(frozen=True, slots=True)
class JBool:
    value: bool
    span: Span


@dataclass(frozen=True, slots=True)
class JNull:
    span: Span


@dataclass(frozen=True, slots=True)
class JArray:
    items: tuple[Node, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class JObject:
    pairs: tuple[tuple[JString, Node], ...]
    span: Span

    def get(self, key: str) -> Node | None:
        """The value of the last pair named `key` (exact case), as most JSON readers do."""
        found = None
        for k, v in self.pairs:
            if k.value == key:
                found = v
        return found


Node = JString | JNumber | JBool | JNull | JArray | JObject

_WS = re.compile(r"[ \t\r\n]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_STRING = re.compile(r'"(?:[^"\\\x00-\x1f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"')
_LITERALS = {"true": True, "false": False, "null": None}


def kind_name(node: Node) -> str:
    return {JString: "string", JNumber: "number", JBool: "boolean", JNull: "null",
            JArray: "array", JObject: "object"}[type(node)]


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.lines = LineIndex(text)

    def span(self, start: int, end: int) -> Span:
        return Span(start, end, self.lines)

    def fail(self, message: str, offset: int) -> PolicyError:
        p = self.lines.position(offset)
        return PolicyError(f"policy is not valid JSON: {message}", line=p.line, column=p.column)

    def skip(self, i: int) -> int:
        m = _WS.match(self.text, i)
        return m.end() if m else i

    def value(self, i: int, depth: int) -> tuple[Node, int]:
        text = self.text
        i = self.skip(i)
        if i >= len(text):
            raise self.fail("unexpected end of document", i)
        c = text[i]
        if c == "{":
            return self.obj(i, depth + 1)
        if c == "[":
            return self.arr(i, depth + 1)
        if c == '"':
            return self.string(i)
        m = _NUMBER.match(text, i)
        if m:
            return JNumber(m.group(), self.span(i, m.end())), m.end()
        for word, val in _LITERALS.items():
            if text.startswith(word, i):
                span = self.span(i, i + len(word))
                return (JNull(span) if val is None else JBool(val, span)), i + len(word)
        raise self.fail(f"unexpected character {c!r}", i)

    def string(self, i: int) -> tuple[JString, int]:
        m = _STRING.match(self.text, i)
        if not m:
            raise self.fail("unterminated or malformed string", i)
        raw = m.group()
        value = json.loads(raw) if "\\" in raw else raw[1:-1]
        return JString(value, self.span(i, m.end())), m.end()

    def _check_depth(self, depth: int, i: int) -> None:
        if depth > MAX_DEPTH:
            raise self.fail(f"nesting deeper than {MAX_DEPTH} levels", i)

    def obj(self, start: int, depth: int) -> tuple[JObject, int]:
        self._check_depth(depth, start)
        text, pairs = self.text, []
        i = self.skip(start + 1)
        if i < len(text) and text[i] == "}":
            return JObject((), self.span(start, i + 1)), i + 1
        while True:
            i = self.skip(i)
            if i >= len(text) or text[i] != '"':
                raise self.fail("expected a quoted key", i)
            key, i = self.string(i)
            i = self.skip(i)
            if i >= len(text) or text[i] != ":":
                raise self.fail("expected ':' after a key", i)
            val, i = self.value(i + 1, depth)
            pairs.append((key, val))
            i = self.skip(i)
            if i < len(text) and text[i] == ",":
                i += 1
                continue
            if i < len(text) and text[i] == "}":
                return JObject(tuple(pairs), self.span(start, i + 1)), i + 1
            raise self.fail("expected ',' or '}' in an object", i)

    def arr(self, start: int, depth: int) -> tuple[JArray, int]:
        self._check_depth(depth, start)
        text, items = self.text, []
        i = self.skip(start + 1)
        if i < len(text) and text[i] == "]":
            return JArray((), self.span(start, i + 1)), i + 1
        while True:
            val, i = self.value(i, depth)
            items.append(val)
            i = self.skip(i)
            if i < len(text) and text[i] == ",":
                i += 1
                continue
            if i < len(text) and text[i] == "]":
                return JArray(tuple(items), self.span(start, i + 1)), i + 1
            raise self.fail("expected ',' or ']' in an array", i)


def parse_json(text: str) -> Node:
    """Parse a whole JSON document into a span-annotated tree; PolicyError if it is not JSON."""
    parser = _Parser(text)
    start = 1 if text.startswith("\ufeff") else 0
    node, end = parser.value(start, 0)
    end = parser.skip(end)
    if end != len(text):
        raise parser.fail("extra data after the document", end)
    return node
