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
from functools import cache, lru_cache

from solvers.errors import UndecidedError
from solvers.variables import Glob, Literal, Template, Var

MAX_STATES = 20_000  # product-automaton states explored per dimension before giving up


@dataclass(frozen=True, slots=True, eq=False)
class Tok:
    """Matches one character c with (c in chars) != negated; `star` repeats it zero or more times.

    Tokens are interned (module constants and `_char_tok`) and compare by identity, which makes
    hashing a pattern, done for every cache lookup, a C-level operation.
    """
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
    return tuple(_char_tok(c, ignore_case) for c in text)


@cache
def _char_tok(c: str, ignore_case: bool) -> Tok:
    return Tok(frozenset({c, _flip_ascii(c)}) if ignore_case else frozenset(c))


def _flip_ascii(c: str) -> str:
    if "a" <= c <= "z":
        return c.upper()
    if "A" <= c <= "Z":
        return c.lower()
    return c


@lru_cache(maxsize=16384)
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


@lru_cache(maxsize=16384)
def has_vars(p: Pattern) -> bool:
    return any(isinstance(t, VarTok) for t in p)


def matches(p: Pattern, text: str) -> bool:
    """Run one pattern on one string (used to classify witnesses and in tests)."""
    dfa = _dfa(p)
    sid = dfa.start
    for ch in text:
        if sid < 0:
            return False
        sid = dfa.step(sid, ch)
    return sid >= 0 and dfa.accept[sid]


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


class _Dfa:
    """One pattern's automaton, determinised lazily: state ids instead of position sets.

    For each state, `chars[s]` are the characters the pattern can tell apart there; every other
    character takes the single `other[s]` transition. -1 is the dead state.
    """

    __slots__ = ("pattern", "ids", "sets", "accept", "chars", "trans", "other", "start", "rows")

    def __init__(self, pattern: Pattern):
        self.pattern = pattern
        self.ids: dict[frozenset[int], int] = {}
        self.sets: list[frozenset[int]] = []
        self.accept: list[bool] = []
        self.chars: list[frozenset[str]] = []
        self.trans: list[dict[str, int]] = []
        self.other: list[int | None] = []
        self.rows: list[tuple[dict[str, int], int] | None] = []
        self.start = self._state(_close(pattern, frozenset({0})))

    def _state(self, positions: frozenset[int]) -> int:
        if not positions:
            return -1
        sid = self.ids.get(positions)
        if sid is None:
            sid = self.ids[positions] = len(self.sets)
            p = self.pattern
            self.sets.append(positions)
            self.accept.append(len(p) in positions)
            chars: set[str] = set()
            for i in positions:
                if i < len(p):
                    chars |= p[i].chars  # type: ignore[union-attr]
            self.chars.append(frozenset(chars))
            self.trans.append({})
            self.other.append(None)
            self.rows.append(None)
        return sid

    def row(self, sid: int) -> tuple[dict[str, int], int]:
        """Every transition out of `sid`: one per character it tells apart, and the one for the rest."""
        r = self.rows[sid]
        if r is None:
            full = {ch: self.step(sid, ch) for ch in self.chars[sid]}
            r = self.rows[sid] = (full, self.step(sid, _outside(self.chars[sid])))
        return r

    def step(self, sid: int, ch: str) -> int:
        if ch in self.chars[sid]:
            nxt = self.trans[sid].get(ch)
            if nxt is None:
                nxt = self.trans[sid][ch] = self._state(_step(self.pattern, self.sets[sid], ch))
            return nxt
        nxt = self.other[sid]
        if nxt is None:
            # every character outside chars[sid] behaves alike: step on one of them
            outside = _outside(self.chars[sid])
            nxt = self.other[sid] = self._state(_step(self.pattern, self.sets[sid], outside))
        return nxt


def _outside(chars: frozenset[str]) -> str:
    """A representative of the characters not in `chars`, readable when possible."""
    for c in _OTHER_PREFERENCE:
        if c not in chars:
            return c
    return next(chr(0x100 + k) for k in range(len(chars) + 1) if chr(0x100 + k) not in chars)


# Caches stay small on purpose: every object they keep is walked by each full garbage collection.
@lru_cache(maxsize=512)
def _dfa(pattern: Pattern) -> _Dfa:
    return _Dfa(pattern)


@lru_cache(maxsize=128)
def _partition_cached(patterns: tuple[Pattern, ...], universe: tuple[Pattern, ...]) -> tuple[Atom, ...]:
    return tuple(_partition_with_literals(patterns, universe))


def _literal_text(p: Pattern) -> str | None:
    """The one string a pattern matches, when it is a plain literal."""
    out = []
    for tok in p:
        if not isinstance(tok, Tok) or tok.star or tok.negated or len(tok.chars) != 1:
            return None
        out.append(next(iter(tok.chars)))
    return "".join(out)


def _partition_with_literals(patterns: tuple[Pattern, ...], universe: tuple[Pattern, ...]) -> list[Atom]:
    """Plain literals are single strings: classify each by running the other patterns on it, and
    partition only the patterns with wildcards. A wildcard class survives the removal of the literal
    points when its witness is not one of them; otherwise fall back to the full product."""
    texts = [_literal_text(p) for p in patterns]
    literal_ids = [i for i, t in enumerate(texts) if t is not None]
    if len(literal_ids) < 4:
        return _partition(patterns, universe)
    glob_ids = [i for i, t in enumerate(texts) if t is None]
    points = {t for t in texts if t is not None}
    atoms: dict[frozenset[int], str] = {}
    for a in _partition(tuple(patterns[i] for i in glob_ids), universe):
        if a.witness in points:
            return _partition(patterns, universe)
        atoms.setdefault(frozenset(glob_ids[j] for j in a.members), a.witness)
    for w in sorted(points):
        if not any(matches(u, w) for u in universe):
            continue
        members = frozenset(i for i in range(len(patterns)) if texts[i] == w or
                            (texts[i] is None and matches(patterns[i], w)))
        atoms.setdefault(members, w)
    return [Atom(m, w) for m, w in atoms.items()]


def partition(patterns: Sequence[Pattern], universe: Sequence[Pattern]) -> list[Atom]:
    """Every non-empty class of strings inside the universe (a union of patterns) that the patterns
    tell apart, each with a shortest witness. Raises UndecidedError when the product automaton is too big.
    Results are memoised: an organisation repeats the same patterns in thousands of policies.
    """
    return list(_partition_cached(tuple(patterns), tuple(universe)))


def _partition(patterns: tuple[Pattern, ...], universe: tuple[Pattern, ...]) -> list[Atom]:
    dfas = [_dfa(p) for p in patterns + universe]
    n_real = len(patterns)
    # a product state is a flat tuple (pid, sid, pid, sid, ...) of the live patterns, pids ascending
    start = tuple(x for pid, d in enumerate(dfas) if d.start >= 0 for x in (pid, d.start))
    seen = {start: ""}
    queue = deque([start])
    atoms: dict[frozenset[int], str] = {}
    while queue:
        state = queue.popleft()
        word = seen[state]
        rows = []
        accepting = []
        interesting: set[str] = set()
        for k in range(0, len(state), 2):
            pid, sid = state[k], state[k + 1]
            dfa = dfas[pid]
            trans, other = dfa.rows[sid] or dfa.row(sid)
            rows.append((pid, trans, other))
            interesting.update(trans)
            if dfa.accept[sid]:
                accepting.append(pid)
        if accepting and accepting[-1] >= n_real:  # universe ids come last
            atoms.setdefault(frozenset(pid for pid in accepting if pid < n_real), word)
        for ch in sorted(interesting) + [_outside(frozenset(interesting))]:
            nxt: list[int] = []
            for pid, trans, other in rows:
                moved = trans.get(ch, other)
                if moved >= 0:
                    nxt += (pid, moved)
            if not nxt or nxt[-2] < n_real:
                continue  # left the universe for good
            nstate = tuple(nxt)
            if nstate not in seen:
                if len(seen) >= MAX_STATES:
                    raise UndecidedError(f"string partition exceeded {MAX_STATES} automaton states")
                seen[nstate] = word + ch
                queue.append(nstate)
    return [Atom(m, w) for m, w in atoms.items()]
