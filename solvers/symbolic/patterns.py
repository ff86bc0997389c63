"""String patterns as token sequences, and the partition of a string space into equivalence classes.

A pattern is a tuple of tokens; each token matches one character from a set (or outside a set), once
or any number of times. IAM globs, ARN field globs, literals and case-insensitive literals are all
written this way. `partition` runs the product automaton of all patterns of one dimension and returns
every non-empty Boolean combination ("atom") of them with its shortest witness string: after that the
solver only ever chooses among atoms, never among strings.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from solvers.errors import UndecidedError
from solvers.variables import Glob, Literal, Template, Var

MAX_STATES = 20_000  # product-automaton states explored per dimension before giving up


@dataclass(frozen=True, slots=True)
class Tok:
    """Matches one character c with (c in chars) != negated; `star` repeats it zero or more times."""
    chars: frozenset[str]
    negated: bool = False
    star: bool = False

    def accepts(self, ch: str) -> bool:
        return (ch in self.chars) != self.negated


@dataclass(frozen=True, slots=True)
class VarTok:
    """The value of a single-valued context key (policy variable); only the string-mode encoder sees it."""
    key: str
    default: str | None


Token = Tok | VarTok
Pattern = tuple[Token, ...]

_NONE: frozenset[str] = frozenset()
_COLON = frozenset(":")
ANY = Tok(_NONE, True)
ANY_STAR = Tok(_NONE, True, True)
FIELD_CHAR = Tok(_COLON, True)
FIELD_STAR = Tok(_COLON, True, True)


def literal(text: str, ignore_case: bool = False) -> Pattern:
    if not ignore_case:
        return tuple(Tok(frozenset(c)) for c in text)
    return tuple(Tok(frozenset({c, _flip_ascii(c)})) for c in text)


def _flip_ascii(c: str) -> str:
    if "a" <= c <= "z":
        return c.upper()
    if "A" <= c <= "Z":
        return c.lower()
    return c


def template_pattern(template: Template, *, wildcards: bool, arn_fields: bool = False,
                     ignore_case: bool = False) -> Pattern:
    """Tokens of a template. Without `wildcards` (StringEquals) `*` and `?` are ordinary characters."""
    out: list[Token] = []
    colons = 0
    last_field = sum(p.text.count(":") for p in template if isinstance(p, Glob)) if arn_fields else 0
    for part in template:
        if isinstance(part, Var):
            out.append(VarTok(part.key, part.default))
        elif isinstance(part, Literal) or not wildcards:
            out.extend(literal(part.text, ignore_case))
            colons += part.text.count(":") if isinstance(part, Glob) else 0
        else:
            for ch in part.text:
                in_last = not arn_fields or colons >= min(5, last_field)
                if ch == "*":
                    out.append(ANY_STAR if in_last else FIELD_STAR)
                elif ch == "?":
                    out.append(ANY if in_last else FIELD_CHAR)
                else:
                    out.extend(literal(ch, ignore_case))
                    colons += ch == ":"
    return tuple(out)


def has_vars(p: Pattern) -> bool:
    return any(isinstance(t, VarTok) for t in p)


def matches(p: Pattern, text: str) -> bool:
    """Run one pattern on one string (used to classify witnesses and in tests)."""
    states = _close(p, frozenset({0}))
    for ch in text:
        states = _step(p, states, ch)
        if not states:
            return False
    return len(p) in states


def _close(p: Pattern, positions: frozenset[int]) -> frozenset[int]:
    out = set(positions)
    stack = list(positions)
    while stack:
        i = stack.pop()
        if i < len(p) and p[i].star and i + 1 not in out:  # type: ignore[union-attr]
            out.add(i + 1)
            stack.append(i + 1)
    return frozenset(out)


def _step(p: Pattern, positions: frozenset[int], ch: str) -> frozenset[int]:
    nxt: set[int] = set()
    for i in positions:
        if i < len(p):
            tok = p[i]
            if tok.accepts(ch):  # type: ignore[union-attr]
                nxt.add(i if tok.star else i + 1)  # type: ignore[union-attr]
    return _close(p, frozenset(nxt)) if nxt else frozenset()


@dataclass(frozen=True, slots=True)
class Atom:
    """A non-empty equivalence class: the strings matching exactly `members` among the patterns."""
    members: frozenset[int]
    witness: str


_OTHER_PREFERENCE = "xyzqjkvw0123456789bcdfghmnprst-_/."


def partition(patterns: Sequence[Pattern], universe: Sequence[Pattern]) -> list[Atom]:
    """Every non-empty class of strings inside the universe (a union of patterns) that the patterns
    tell apart, each with a shortest witness. Raises UndecidedError when the product automaton is too big.
    """
    pats = list(patterns) + list(universe)
    n_real = len(patterns)
    universe_ids = range(n_real, len(pats))
    step_cache: dict[tuple[int, frozenset[int], str], frozenset[int]] = {}
    start = tuple((pid, _close(p, frozenset({0}))) for pid, p in enumerate(pats))
    seen = {start: ""}
    queue = deque([start])
    atoms: dict[frozenset[int], str] = {}
    while queue:
        state = queue.popleft()
        word = seen[state]
        accepting = frozenset(pid for pid, pos in state if len(pats[pid]) in pos)
        if any(u in accepting for u in universe_ids):
            members = frozenset(pid for pid in accepting if pid < n_real)
            atoms.setdefault(members, word)
        interesting: set[str] = set()
        for pid, pos in state:
            p = pats[pid]
            for i in pos:
                if i < len(p):
                    interesting |= p[i].chars  # type: ignore[union-attr]
        other = next((c for c in _OTHER_PREFERENCE if c not in interesting), None)
        if other is None:
            other = next(chr(0x100 + k) for k in range(10_000) if chr(0x100 + k) not in interesting)
        for ch in sorted(interesting) + [other]:
            nxt = []
            for pid, pos in state:
                key = (pid, pos, ch)
                moved = step_cache.get(key)
                if moved is None:
                    moved = step_cache[key] = _step(pats[pid], pos, ch)
                if moved:
                    nxt.append((pid, moved))
            if not any(pid >= n_real for pid, _ in nxt):
                continue  # left the universe for good
            nstate = tuple(nxt)
            if nstate not in seen:
                if len(seen) >= MAX_STATES:
                    raise UndecidedError(f"string partition exceeded {MAX_STATES} automaton states")
                seen[nstate] = word + ch
                queue.append(nstate)
    return [Atom(m, w) for m, w in atoms.items()]
