"""Entries that change nothing: a resource covered by another of the same statement, a statement
identical to another one."""
from __future__ import annotations

import functools
import re

from solvers.validation.document import At
from solvers.validation.findings import SUGGESTION
from solvers.validation.rules import EVERY_POLICY, Context, Family, Rule

RULES = (
    Rule("REDUNDANT_RESOURCE", SUGGESTION, EVERY_POLICY, "{resource!r} is already covered by {by!r}; remove it.",
         "Covered entries make a policy longer without changing it."),
    Rule("REDUNDANT_STATEMENT", SUGGESTION, EVERY_POLICY,
         "Statement {index} adds nothing to {other}; remove it.",
         "A statement covered by others (a copy, or one the symbolic engine proves covered) adds nothing."),
)


@functools.lru_cache(maxsize=4096)
def _glob(pattern: str) -> re.Pattern[str]:
    return re.compile("".join(".*" if c == "*" else "[^\x00]" if c == "?" else re.escape(c) for c in pattern),
                      re.DOTALL)


@functools.lru_cache(maxsize=4096)
def _shape(pattern: str) -> tuple[str, bool, list[str] | None]:
    """A pattern's literal head (up to its first wildcard), whether it is that head and one final
    `*`, and its pieces between `*`s when it has no `?` (None: the regex decides)."""
    cut = min(i for i in (pattern.find("*"), pattern.find("?"), len(pattern)) if i >= 0)
    trailing_star = cut == len(pattern) - 1 and pattern[cut] == "*"
    return pattern[:cut], trailing_star, pattern.split("*") if "?" not in pattern else None


def covers(pattern: str, other: str) -> bool:
    """Whether every string the glob `other` matches is matched by the glob `pattern` (`*`, `?`)."""
    head, trailing_star, pieces = _shape(pattern)
    if not other.startswith(head):
        return False  # the literal start differs: no regex to compile
    if trailing_star:
        return True  # the usual "arn:...:bucket/*"
    if pieces is not None:
        return _star_match(pieces, other.replace("*", "\x00"))
    return bool(_glob(pattern).fullmatch(other.replace("*", "\x00")))


def _star_match(pieces: list[str], text: str) -> bool:
    """Whether `text` matches the pattern whose literal pieces between `*`s are `pieces`: what the
    regex of _glob decides for a pattern without `?`, without compiling one per pattern (most of a
    first pass's regex compilations were these)."""
    if len(pieces) == 1:
        return text == pieces[0]
    head, *middle, tail = pieces
    end = len(text) - len(tail)
    if not text.startswith(head) or not text.endswith(tail) or end < len(head):
        return False
    pos = len(head)
    for piece in middle:  # leftmost placement of each piece leaves the most room for the rest
        found = text.find(piece, pos, end)
        if found < 0:
            return False
        pos = found + len(piece)
    return True


def _statement_key(text: str, s) -> tuple:
    """A statement's elements other than Sid, each as written (element order ignored): statements
    that repeat one another, as copies do, compare equal."""
    return tuple(sorted((name, text[at.node.span.start_offset:at.node.span.end_offset])
                        for name, at in s.elements.items() if name != "Sid"))


def _likeness(s) -> tuple:
    """What two statements that repeat one another have in common, read from their values: only
    statements alike this way are compared as written (reading where their elements are written is
    what costs)."""
    return (s.effect, len(s.elements) - ("Sid" in s.elements), tuple(v.text for v in s.action_values),
            tuple(v.text for v in s.resource_values))


def check_redundancy(ctx: Context) -> None:
    alike: dict[tuple, list] = {}  # likeness -> the statements first written each way
    for s in ctx.statements:
        values = s.resource_values
        patterns = [v for v in values if "*" in v.text or "?" in v.text]
        first: dict[str, At] = {}
        for v in values:
            if v.text in first:
                ctx.report("REDUNDANT_RESOURCE", v, resource=v.text, by=v.text)
                continue
            first[v.text] = v
            for p in patterns:
                if p.text != v.text and covers(p.text, v.text):
                    ctx.report("REDUNDANT_RESOURCE", v, resource=v.text, by=p.text)
                    break
        earlier = alike.setdefault(_likeness(s), [])
        key = _statement_key(ctx.document.text, s) if earlier else None
        copied = next((e for e in earlier if _statement_key(ctx.document.text, e) == key), None)
        if copied is not None:
            ctx.report("REDUNDANT_STATEMENT", s.at, index=s.index, other=f"statement {copied.index}")
        else:
            earlier.append(s)


FAMILY = Family("redundancy", RULES, check_redundancy)
