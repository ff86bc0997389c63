"""String patterns as token sequences, and the partition of a string space into equivalence classes.

A pattern is a tuple of tokens; each token matches one character from a set (or outside a set), once
or any number of times. IAM globs, ARN field globs, literals and case-insensitive literals are all
written this way. `partition` runs the product automaton of all patterns of one dimension and returns
every non-empty Boolean combination ("atom") of them with its shortest witness string: after that the
solver only ever chooses among atoms, never among strings.
"""
from __future__ import annotations

import re
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
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
    lit: str | None = field(init=False, default=None)  # the one character it matches, if that is all

    def __post_init__(self) -> None:
        if not self.negated and not self.star and len(self.chars) == 1:
            object.__setattr__(self, "lit", next(iter(self.chars)))

    def accepts(self, ch: str) -> bool:
        return (ch in self.chars) != self.negated


@dataclass(frozen=True, slots=True)
class VarTok:
    """The value of a single-valued context key (policy variable); only the string-mode encoder sees it."""
    key: str
    default: str | None
    lit = None  # never one fixed character


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
    """Run one pattern on one string (used to classify witnesses and candidates, and in tests)."""
    rx = _regex(p)
    return rx.fullmatch(text) is not None if rx is not None else dfa_matches(p, text)


def dfa_matches(p: Pattern, text: str) -> bool:
    """`matches` on the pattern's automaton: linear in the text whatever the pattern."""
    dfa = _dfa(p)
    sid = dfa.start
    for ch in text:
        if sid < 0:
            return False
        sid = dfa.step(sid, ch)
    return sid >= 0 and dfa.accept[sid]


MAX_BACKTRACKING_STARS = 2  # Python's re backtracks: beyond this many ambiguous stars, run the automaton


@lru_cache(maxsize=4096)
def _regex(p: Pattern) -> re.Pattern[str] | None:
    """The pattern as a Python regular expression (matching runs in C; a character loop did not), or
    None when it could backtrack badly. A star is harmless when the next token is a character it
    cannot take (`[^:]*:`): only the other stars count."""
    ambiguous = 0
    for i, tok in enumerate(p):
        if isinstance(tok, Tok) and tok.star:
            stop = p[i + 1].lit if i + 1 < len(p) else None
            ambiguous += stop is None or tok.accepts(stop)
    if ambiguous > MAX_BACKTRACKING_STARS:
        return None
    out = []
    for tok in p:
        if not isinstance(tok, Tok):
            raise ValueError("a pattern with a policy variable has no fixed language")
        if tok.lit is not None:
            one = re.escape(tok.lit)
        elif not tok.chars:
            one = "." if tok.negated else "[^\\s\\S]"
        else:
            listed = "".join("\\" + c if c in "\\]^-[" else c for c in sorted(tok.chars))
            one = f"[^{listed}]" if tok.negated else f"[{listed}]"
        out.append(one + "*" if tok.star else one)
    return re.compile("".join(out), re.DOTALL)


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


@lru_cache(maxsize=512)
def _partition_cached(patterns: tuple[Pattern, ...], universe: tuple[Pattern, ...]) -> tuple[Atom, ...]:
    forms = [_prefix_form(p) for p in patterns]
    universe_forms = [_prefix_form(u) for u in universe]
    if all(f is not None for f in forms) and all(f is not None for f in universe_forms):
        return tuple(_partition_prefixes(forms, universe_forms))  # type: ignore[arg-type]
    from solvers.symbolic.fields import partition_fields, universe_fields  # it builds on this module
    n = universe_fields(universe)
    by_field = partition_fields(patterns, universe, n, partition) if n is not None else None
    if by_field is not None:
        return tuple(by_field)
    return tuple(_partition_with_literals(patterns, universe))


PrefixForm = tuple[str, bool]  # (text, open): exactly `text`, or (open) every string starting with it


def _prefix_form(p: Pattern) -> PrefixForm | None:
    """A literal, or a literal followed by one trailing `*`, as (text, open); None for anything else."""
    last = p[-1] if p else None
    is_open = isinstance(last, Tok) and last.star and last.negated and not last.chars
    text = _literal_text(p[:-1] if is_open else p)
    return None if text is None else (text, is_open)


def _form_matches(form: PrefixForm, w: str) -> bool:
    text, is_open = form
    return w.startswith(text) if is_open else w == text


def _partition_prefixes(forms: list[PrefixForm], universe: list[PrefixForm]) -> list[Atom]:
    """The classes of literals and prefixes (resource ARNs, account ids, `https://host/*`), without
    automata. Which patterns a string w matches depends only on whether w is one of the texts, and
    otherwise on the longest open text x that w starts with: then it matches exactly what x+c matches,
    for a character c that continues no text beyond x. So the texts and one x+c per open text (and the
    empty one) meet every class, and sorted by length each class is first met at a shortest member."""
    texts = {text for text, _ in forms + universe}
    candidates = set(texts)
    for x in {""} | {text for text, is_open in forms + universe if is_open}:
        continued = frozenset(t[len(x)] for t in texts if len(t) > len(x) and t.startswith(x))
        candidates.add(x + _outside(continued))
    atoms: dict[frozenset[int], str] = {}
    for w in sorted(candidates, key=lambda s: (len(s), s)):
        if any(_form_matches(u, w) for u in universe):
            atoms.setdefault(frozenset(i for i, f in enumerate(forms) if _form_matches(f, w)), w)
    return [Atom(m, w) for m, w in atoms.items()]


def _literal_text(p: Pattern) -> str | None:
    """The one string a pattern matches, when it is a plain literal."""
    chars = [tok.lit for tok in p]
    return None if None in chars else "".join(chars)  # type: ignore[arg-type]


def _partition_with_literals(patterns: tuple[Pattern, ...], universe: tuple[Pattern, ...]) -> list[Atom]:
    """Plain literals are single strings: classify each by running the other patterns on it, and
    partition only the patterns with wildcards (memoised: the same wildcards come back with other
    literals, such as an account's patterns next to each policy's own role ARNs). A wildcard class
    survives the removal of the literal points when its witness is not one of them; otherwise fall
    back to the full product."""
    texts = [_literal_text(p) for p in patterns]
    literal_ids = [i for i, t in enumerate(texts) if t is not None]
    if not literal_ids:
        return _partition(patterns, universe)
    glob_ids = [i for i, t in enumerate(texts) if t is None]
    points = {t for t in texts if t is not None}
    atoms: dict[frozenset[int], str] = {}
    for a in partition(tuple(patterns[i] for i in glob_ids), universe):
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
    Results are memoised: an organisation repeats the same patterns in thousands of policies, in
    every order, so the memo sees them in one canonical order (by hash) and the classes are mapped back.
    """
    order = sorted(range(len(patterns)), key=lambda i: hash(patterns[i]))
    atoms = _partition_cached(tuple(patterns[i] for i in order), tuple(universe))
    if order == sorted(order):
        return list(atoms)
    return [Atom(frozenset(order[j] for j in a.members), a.witness) for a in atoms]


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
