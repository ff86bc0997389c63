"""The classes of colon-separated values (ARNs, `service:action`), one field at a time.

When every string of the universe has n fields whose first n-1 hold no colon (ARNs: six fields;
actions: two), and every pattern splits at its own colons into one pattern per field, a pattern
matches a string exactly when each of its field patterns matches the string's field. The classes of
the whole are then the non-empty intersections of per-field classes, found by combining the fields'
partitions (each small, memoised, often free of automata) instead of running the product automaton of
every pattern over whole strings, whose states multiply across the fields.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache

from solvers.symbolic.patterns import ANY_STAR, FIELD_STAR, Atom, Pattern, Tok

Fields = tuple[Pattern, ...]


def _takes_colon(tok) -> bool:
    return not isinstance(tok, Tok) or tok.accepts(":")


@lru_cache(maxsize=4096)
def split_fields(p: Pattern, n: int) -> Fields | None:
    """The pattern as n field patterns, or None when its fields are not fixed by its own colons.

    The first n-1 literal colons separate the fields; no token before the last of them may match a
    colon (it could then take a field separator). With fewer colons, the pattern must end in its only
    colon-taking token, a `*`, which then also covers every later field."""
    cuts = [i for i, tok in enumerate(p) if isinstance(tok, Tok) and tok.lit == ":"][: n - 1]
    if len(cuts) == n - 1:
        if any(_takes_colon(tok) for i, tok in enumerate(p[: cuts[-1]]) if i not in cuts):
            return None
        bounds = [-1, *cuts, len(p)]
        return tuple(p[a + 1: b] for a, b in zip(bounds, bounds[1:], strict=False))
    if not p or p[-1] is not ANY_STAR or any(_takes_colon(tok) for i, tok in enumerate(p[:-1]) if i not in cuts):
        return None
    bounds = [-1, *cuts, len(p)]
    head = tuple(p[a + 1: b] for a, b in zip(bounds, bounds[1:], strict=False))
    return head + ((ANY_STAR,),) * (n - len(head))


def universe_fields(universe: Sequence[Pattern]) -> int | None:
    """The number of fields when every universe pattern has the same number of colons and nothing
    before its last colon can match a colon; None otherwise (or when there are no colons)."""
    counts = {sum(1 for tok in u if isinstance(tok, Tok) and tok.lit == ":") for u in universe}
    if len(counts) != 1:
        return None
    n = counts.pop() + 1
    if n < 2:
        return None
    return n if all(split_fields(u, n) is not None for u in universe) else None


def partition_fields(patterns: Sequence[Pattern], universe: Sequence[Pattern], n: int,
                     partition: Callable[[Sequence[Pattern], Sequence[Pattern]], list[Atom]]) -> list[Atom] | None:
    """Every non-empty class of the universe the patterns tell apart, with a shortest witness, from
    per-field partitions; None when some pattern does not split into n fields."""
    split: list[Fields] = []
    usplit: list[Fields] = []
    for source, into in ((patterns, split), (universe, usplit)):
        for p in source:
            fields = split_fields(p, n)
            if fields is None:
                return None
            into.append(fields)
    every, every_u = (1 << len(patterns)) - 1, (1 << len(universe)) - 1
    # (patterns still matching, universe patterns still matching) -> (length, shortest text so far)
    combos: dict[tuple[int, int], tuple[int, str]] = {(every, every_u): (-1, "")}
    for i in range(n):
        # a field before the last holds no colon; the last one may hold anything (the universe decides)
        field_universe = ((FIELD_STAR,) if i < n - 1 else (ANY_STAR,),)
        nxt: dict[tuple[int, int], tuple[int, str]] = {}
        for (pm, um), (length, text) in combos.items():
            # only the patterns still matching take part: the earlier fields (the service of an ARN or
            # an action) keep unrelated patterns apart, as the whole-string automaton would
            alive = [j for j in range(len(patterns)) if pm >> j & 1]
            ualive = [j for j in range(len(universe)) if um >> j & 1]
            parts = list(dict.fromkeys([split[j][i] for j in alive] + [usplit[j][i] for j in ualive]))
            index = {part: k for k, part in enumerate(parts)}
            for a in partition(parts, field_universe):
                fum = sum(1 << j for j in ualive if index[usplit[j][i]] in a.members)
                if not fum:
                    continue  # no universe pattern holds this combination
                fpm = sum(1 << j for j in alive if index[split[j][i]] in a.members)
                cand = (length + 1 + len(a.witness), text + ":" + a.witness if length >= 0 else a.witness)
                old = nxt.get((fpm, fum))
                if old is None or cand < old:
                    nxt[(fpm, fum)] = cand
        combos = nxt
    out: dict[frozenset[int], str] = {}
    for (pm, _), (_, text) in sorted(combos.items(), key=lambda kv: kv[1]):
        out.setdefault(frozenset(j for j in range(len(patterns)) if pm >> j & 1), text)
    return [Atom(m, w) for m, w in out.items()]
