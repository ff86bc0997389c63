"""A JSON parser that keeps where every value came from.

The standard library's parser forgets positions; validation findings and parse errors must point
into the text (line from 1, column and offset from 0, the span covering the token with its quotes),
so the policy model is built from this tree instead, or (its fast path, for ordinary documents) with
LazySpans: a (document, path) that this parser resolves the first time a span is read. Duplicate
object keys are kept in order (AWS's parser accepts them; validation reports them).

Bounded by construction: nesting deeper than MAX_DEPTH is an error, not a RecursionError.
"""
from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field
from enum import Enum

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
    """Where each line of a document starts, to turn offsets into (line, column) on demand. The
    table is built on first use: most documents never need a line number."""

    __slots__ = ("_starts", "_text")

    def __init__(self, text: str):
        self._text = text
        self._starts: list[int] | None = None

    @property
    def starts(self) -> list[int]:
        if self._starts is None:
            text = self._text
            starts = [0]
            found = text.find("\n")
            while found >= 0:
                starts.append(found + 1)
                found = text.find("\n", found + 1)
            self._starts = starts
        return self._starts

    def position(self, offset: int) -> Position:
        starts = self.starts
        line = bisect.bisect_right(starts, offset) - 1
        return Position(line + 1, offset - starts[line], offset)


@dataclass(slots=True, unsafe_hash=True)
class Span:
    """A token's place: offsets are stored, lines and columns computed when asked (most never are).

    Spans and nodes are immutable by convention, not frozen: a frozen dataclass assigns its fields
    through object.__setattr__, which made up a quarter of parsing. Equality and hashing are the
    frozen ones (all fields but `lines`)."""
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


class PathKey(Enum):
    """The last step of a LazySpan path that names an object member's KEY token (not its value)."""
    KEY = "key"


KEY = PathKey.KEY
# One step from a node to a child: an object member's value by its (decoded) key, an array item by
# index, or KEY for the key token of the member named by the previous step.
PathStep = str | int | PathKey


class SpanSource:
    """One document seen by a fast builder (`solvers.policy_fast`, `solvers.jsontree`), which only
    takes valid JSON without duplicate keys. Its spans are exactly the full parser's: found, when
    one is first asked for, by `solvers.jsontree.locate`; its span tree is parsed on first use."""

    __slots__ = ("text", "_tree", "_lines", "_places", "_spans")

    def __init__(self, text: str) -> None:
        self.text = text
        self._tree: Node | None = None
        self._lines: LineIndex | None = None
        self._places: dict = {}  # what `locate` has read of the document
        self._spans: dict[tuple[PathStep, ...], Span] = {}  # the spans resolved (a finding's are read often)

    @property
    def tree(self) -> Node:
        if self._tree is None:
            self._tree = parse_json(self.text)
        return self._tree

    def resolve(self, path: tuple[PathStep, ...]) -> Span:
        """The span of the node at `path` (an object member's value by name, an array item by index,
        KEY for the key token of the member named last)."""
        found = self._spans.get(path)
        if found is None:
            from solvers.jsontree import locate  # it builds on this module

            if self._lines is None:
                self._lines = LineIndex(self.text)
            start, end = locate(self.text, path, self._places)
            found = self._spans[path] = Span(start, end, self._lines)
        return found


class LazySpan:
    """A span given as (document, path), resolved to a Span only when asked: what the fast policy
    builder stores, since almost no span is ever read. Reads exactly like Span.

    Two lazy spans are equal when their documents' texts and their paths are: the same place of the
    same text, as equal Spans of one document are. A LazySpan never equals a Span."""

    __slots__ = ("source", "path")

    def __init__(self, source: SpanSource, path: tuple[PathStep, ...]) -> None:
        self.source = source
        self.path = path

    def resolve(self) -> Span:
        return self.source.resolve(self.path)

    @property
    def start_offset(self) -> int:
        return self.resolve().start_offset

    @property
    def end_offset(self) -> int:
        return self.resolve().end_offset

    @property
    def lines(self) -> LineIndex:
        return self.resolve().lines

    @property
    def start(self) -> Position:
        return self.resolve().start

    @property
    def end(self) -> Position:
        return self.resolve().end

    def as_dict(self) -> dict[str, dict[str, int]]:
        return self.resolve().as_dict()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LazySpan):
            return NotImplemented
        return self.path == other.path and (self.source is other.source or self.source.text == other.source.text)

    def __hash__(self) -> int:
        return hash((self.source.text, self.path))

    def __repr__(self) -> str:
        return f"LazySpan({self.path!r})"


SpanLike = Span | LazySpan


@dataclass(slots=True, unsafe_hash=True)
class JString:
    value: str
    span: Span


@dataclass(slots=True, unsafe_hash=True)
class JNumber:
    text: str  # as written, so that "1.0" stays "1.0"
    span: Span


@dataclass(slots=True, unsafe_hash=True)
class JBool:
    value: bool
    span: Span


@dataclass(slots=True, unsafe_hash=True)
class JNull:
    span: Span


@dataclass(slots=True, unsafe_hash=True)
class JArray:
    items: tuple[Node, ...]
    span: Span


@dataclass(slots=True, unsafe_hash=True)
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
# the tokenizer's speed), and the separator (`,` or `:`) before that, if any: two in five tokens are
# separators, and they need no match of their own. Anything else is `bad`. Whitespace at the very
# end matches nothing. Strings are matched as runs of plain characters between escapes ("unrolled"),
# which the regex engine scans several times faster than one alternation per character.
_TOKEN = re.compile(r"""
    [ \t\r\n]*
    (?:(?P<sep>[,:])[ \t\r\n]*)?
  (?:(?P<str>"[^"\\\x00-\x1f]*(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})[^"\\\x00-\x1f]*)*")
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
    The loop runs once per token of every policy validated, so it is written for speed: the kinds
    are tested most frequent first and a token's start is derived from the match's end.
    """
    lines = LineIndex(text)
    # each open container: [is_object, start offset, items, pending key]
    # expecting: "value", "first" (a value or "]"), "key" (or "}"), "colon", "next" (after a member:
    # "," or the closer)
    stack: list[list] = []
    root: Node | None = None
    expecting = "value"
    pos = 1 if text.startswith("\ufeff") else 0
    node: Node
    for m in _TOKEN.finditer(text, pos):
        kind = m.lastgroup
        token = m[kind]  # type: ignore[index]  # every match holds a token
        end = m.end()
        start = end - len(token)
        sep = m["sep"]
        if sep is not None:  # exactly what a "," or ":" token of its own would do
            if root is not None:
                raise _fail(lines, "extra data after the document", m.start("sep"))
            if sep == ",":
                if expecting != "next" or not stack:
                    raise _fail(lines, _expected(stack[-1] if stack else None, expecting), m.start("sep"))
                expecting = "key" if stack[-1][0] else "value"
            else:
                if expecting != "colon" or not stack:
                    raise _fail(lines, _expected(stack[-1] if stack else None, expecting), m.start("sep"))
                expecting = "value"
        if kind == "punct":
            if root is not None:
                raise _fail(lines, "extra data after the document", start)
            if token == ",":
                if expecting != "next" or not stack:
                    raise _fail(lines, _expected(stack[-1] if stack else None, expecting), start)
                expecting = "key" if stack[-1][0] else "value"
                continue
            if token == ":":
                if expecting != "colon" or not stack:
                    raise _fail(lines, _expected(stack[-1] if stack else None, expecting), start)
                expecting = "value"
                continue
            if token == "{" or token == "[":
                if expecting != "value" and expecting != "first":
                    raise _fail(lines, _expected(stack[-1] if stack else None, expecting), start)
                if len(stack) >= MAX_DEPTH:
                    raise _fail(lines, f"nesting deeper than {MAX_DEPTH} levels", start)
                is_object = token == "{"
                stack.append([is_object, start, [], None])
                expecting = "key" if is_object else "first"
                continue
            frame = stack[-1] if stack else None
            if token == "}" and frame is not None and frame[0] and \
                    (expecting == "next" or (expecting == "key" and not frame[2])):
                node = JObject(tuple(frame[2]), Span(frame[1], end, lines))
            elif token == "]" and frame is not None and not frame[0] and (expecting == "next" or expecting == "first"):
                node = JArray(tuple(frame[2]), Span(frame[1], end, lines))
            else:
                raise _fail(lines, _expected(frame, expecting), start)
            stack.pop()
        elif kind == "str":
            if root is not None:
                raise _fail(lines, "extra data after the document", start)
            value = json.loads(token) if "\\" in token else token[1:-1]
            if expecting == "key":
                stack[-1][3] = JString(value, Span(start, end, lines))
                expecting = "colon"
                continue
            if expecting != "value" and expecting != "first":
                raise _fail(lines, _expected(stack[-1] if stack else None, expecting), start)
            node = JString(value, Span(start, end, lines))
        elif kind == "bad":
            raise _fail(lines, "unterminated or malformed string" if token == '"' else f"unexpected character {token!r}",
                        start)
        else:  # a number, true, false or null
            if root is not None:
                raise _fail(lines, "extra data after the document", start)
            if expecting == "key":
                raise _fail(lines, "expected a quoted key", start)
            if expecting != "value" and expecting != "first":
                raise _fail(lines, _expected(stack[-1] if stack else None, expecting), start)
            span = Span(start, end, lines)
            if kind == "num":
                node = JNumber(token, span)
            else:
                node = JNull(span) if token == "null" else JBool(token == "true", span)
        # a complete value: attach it to its container, or it is the document
        if not stack:
            root = node
            continue
        parent = stack[-1]
        if parent[0]:
            parent[2].append((parent[3], node))
        else:
            parent[2].append(node)
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
