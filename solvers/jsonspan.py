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

# One token per match, with the whitespace before it (one match per token instead of two is most of
# the tokenizer's speed); anything else is `bad`. Whitespace at the very end matches nothing.
_TOKEN = re.compile(r"""
    [ \t\r\n]*
  (?:(?P<str>"(?:[^"\\\x00-\x1f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*")
   | (?P<num>-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)
   | (?P<lit>true|false|null)
   | (?P<punct>[{}\[\]:,])
   | (?P<bad>[^ \t\r\n]))
""", re.VERBOSE | re.DOTALL)


def kind_name(node: Node) -> str:
    return {JString: "string", JNumber: "number", JBool: "boolean", JNull: "null",
            JArray: "array", JObject: "object"}[type(node)]


def _fail(lines: LineIndex, message: str, offset: int) -> PolicyError:
    p = lines.position(offset)
    return PolicyError(f"policy is not valid JSON: {message}", line=p.line, column=p.column)


def parse_json(text: str) -> Node:
    """Parse a whole JSON document into a span-annotated tree; PolicyError if it is not JSON.

    A regex tokenizer and an explicit stack: linear, no recursion, fast enough for 128 KiB documents.
    """
    lines = LineIndex(text)
    # each open container: [is_object, start offset, items, pending key, expecting]
    # expecting: "value", "key" (or "}"), "colon", "next" (after a member: "," or the closer)
    stack: list[list] = []
    root: Node | None = None
    expecting = "value"
    pos = 1 if text.startswith("\ufeff") else 0
    for m in _TOKEN.finditer(text, pos):
        kind = m.lastgroup
        if kind is None:
            continue  # cannot happen: every match holds a token
        start, end = m.span(kind)
        text_of_token = m.group(kind)
        if kind == "bad":
            ch = text_of_token
            raise _fail(lines, "unterminated or malformed string" if ch == '"' else f"unexpected character {ch!r}",
                        start)
        if root is not None:
            raise _fail(lines, "extra data after the document", start)
        frame = stack[-1] if stack else None
        if kind == "punct":
            ch = text_of_token
            if ch in "{[" and expecting in ("value", "first"):
                if len(stack) >= MAX_DEPTH:
                    raise _fail(lines, f"nesting deeper than {MAX_DEPTH} levels", start)
                stack.append([ch == "{", start, [], None, "key" if ch == "{" else "first"])
                expecting = "key" if ch == "{" else "first"
                continue
            if frame is not None and ch == "}" and frame[0] and expecting in ("key", "next") and \
                    not (expecting == "key" and frame[2]):
                node: Node = JObject(tuple(frame[2]), Span(frame[1], end, lines))
            elif frame is not None and ch == "]" and not frame[0] and expecting in ("first", "next"):
                node = JArray(tuple(frame[2]), Span(frame[1], end, lines))
            elif frame is not None and ch == ":" and expecting == "colon":
                expecting = "value"
                continue
            elif frame is not None and ch == "," and expecting == "next":
                expecting = "key" if frame[0] else "value"
                continue
            else:
                raise _fail(lines, _expected(frame, expecting), start)
            stack.pop()
        elif expecting == "key":
            if kind != "str":
                raise _fail(lines, "expected a quoted key", start)
            frame[3] = JString(_string_value(text_of_token), Span(start, end, lines))  # type: ignore[index]
            expecting = "colon"
            continue
        elif expecting in ("value", "first"):
            span = Span(start, end, lines)
            if kind == "str":
                node = JString(_string_value(text_of_token), span)
            elif kind == "num":
                node = JNumber(text_of_token, span)
            else:
                word = text_of_token
                node = JNull(span) if word == "null" else JBool(word == "true", span)
        else:
            raise _fail(lines, _expected(frame, expecting), start)
        # a complete value: attach it to its container, or it is the document
        if not stack:
            root = node
            continue
        parent = stack[-1]
        parent[2].append((parent[3], node) if parent[0] else node)
        expecting = "next"
    if root is None:
        raise _fail(lines, "unexpected end of document", len(text))
    return root


def _string_value(raw: str) -> str:
    return json.loads(raw) if "\\" in raw else raw[1:-1]


def _expected(frame: list | None, expecting: str) -> str:
    if frame is None or expecting in ("value", "first"):
        return "expected a value"
    if expecting == "key":
        return "expected a quoted key"
    if expecting == "colon":
        return "expected ':' after a key"
    return "expected ',' or '}' in an object" if frame[0] else "expected ',' or ']' in an array"
