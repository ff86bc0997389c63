"""Stratified abstraction: the findings loop of Access Analyzer (Backes et al., CAV 2020).

Each key (the principal, the action, every condition key a caller cannot set) gets a lattice: ⊤ and
the values the policy compares the key with, ordered by set inclusion. A cube picks one element per
key; its cell is the requests inside the cube but outside every cube one step below it. Walking down
from ⊤...⊤, a cube whose cell holds an allowed external request becomes a finding and is not refined
further; otherwise its children are visited. Every allowed external request ends up in the cell of
some visited cube, so the findings cover all of them (sound), and each finding has a witness in its
own cell (no phantom findings).

Inclusion between values comes from the engine's equivalence classes: a value is the set of classes
it matches, so comparing two values is comparing two small sets.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from solvers.errors import UndecidedError
from solvers.evaluator import Request
from solvers.symbolic.engine import Question, Session
from solvers.symbolic.terms import Term

Cube = tuple[int | None, ...]  # one element per key; None is ⊤
MAX_CUBES = 20_000  # beyond this the policy is reported as undecided rather than walked for minutes


@dataclass(frozen=True)
class KeyLattice:
    dim: str
    elements: tuple[int, ...]  # pattern ids, one per distinct set of classes
    classes: dict[int, frozenset[int]]  # pattern id -> the classes it matches
    children: dict[int | None, tuple[int, ...]]  # None is ⊤

    def le(self, a: int | None, b: int | None) -> bool:
        """Whether element a lies inside element b."""
        if b is None:
            return True
        return a is not None and self.classes[a] <= self.classes[b]


def key_lattice(q: Question, dim: str, pids: Sequence[int]) -> KeyLattice:
    atoms = q.atoms(dim)
    classes: dict[int, frozenset[int]] = {}
    seen: set[frozenset[int]] = set()
    for p in pids:
        # string-mode dimensions have no classes: each value is only known to contain itself
        c = frozenset(k for k, a in enumerate(atoms) if p in a.members) if atoms is not None else frozenset([-1 - p])
        if c and c not in seen:  # equal values are one element; a value matching nothing is none
            seen.add(c)
            classes[p] = c
    elements = tuple(classes)
    children: dict[int | None, tuple[int, ...]] = {None: _maximal(elements, classes)}
    for e in elements:
        below = [d for d in elements if classes[d] < classes[e]]
        children[e] = _maximal(below, classes)
    return KeyLattice(dim, elements, classes, children)


def _maximal(candidates: Sequence[int], classes: dict[int, frozenset[int]]) -> tuple[int, ...]:
    return tuple(c for c in candidates if not any(classes[c] < classes[d] for d in candidates))


class Lattice:
    """The product of the key lattices, with the terms for cubes and cells."""

    def __init__(self, q: Question, keys: Sequence[KeyLattice]):
        self.q, self.keys = q, tuple(keys)
        self._parts: dict[tuple[int, int | None], list[tuple[int | None, Term]]] = {}

    @property
    def top(self) -> Cube:
        return (None,) * len(self.keys)

    def inside(self, a: Cube, b: Cube) -> bool:
        return all(k.le(x, y) for k, x, y in zip(self.keys, a, b, strict=True))

    def children(self, c: Cube) -> list[Cube]:
        out: list[Cube] = []
        for i, k in enumerate(self.keys):
            out.extend(c[:i] + (d,) + c[i + 1:] for d in k.children[c[i]])
        return out

    def gamma(self, c: Cube) -> Term:
        t = self.q.t
        return t.and_(*(t.some(k.dim, [v]) for k, v in zip(self.keys, c, strict=True) if v is not None))

    def cell_parts(self, c: Cube) -> list[tuple[int | None, Term]]:
        """The conjuncts of a cell; each excluding conjunct carries its key's index, the others None."""
        parts: list[tuple[int | None, Term]] = []
        for i, v in enumerate(c):
            own = self._parts.get((i, v))
            if own is None:  # one key's conjuncts depend only on its element: built once, reused
                own = self._parts[(i, v)] = self._key_parts(i, v)
            parts.extend(own)
        return parts

    def _key_parts(self, i: int, v: int | None) -> list[tuple[int | None, Term]]:
        t, k = self.q.t, self.keys[i]
        out: list[tuple[int | None, Term]] = []
        if v is not None:
            out.append((None, t.some(k.dim, [v])))
        below = k.children[v]
        if below:
            out.append((i, t.not_(t.some(k.dim, below))))
        return out


def stratify(lattice: Lattice, session: Session, max_cubes: int = MAX_CUBES) -> list[tuple[Cube, Request]]:
    """The cubes whose cells hold an allowed external request (the base of `session`), top-down, each
    with one such request.

    When a cell is empty, the solver's unsat core says which keys' exclusions made it so; only those
    keys are refined. Refining any other key keeps the core, so those cubes' cells are empty too, and
    every cube with a non-empty cell below stays reachable through a refinement of a core key: the
    findings are exactly those of refining every key, for a fraction of the questions."""
    queue: deque[Cube] = deque([lattice.top])
    seen = {lattice.top}
    found: list[tuple[Cube, Request]] = []
    while queue:
        cube = queue.popleft()
        if any(lattice.inside(cube, f) for f, _ in found):
            continue
        parts = lattice.cell_parts(cube)
        witness, core = session.witness_or_core([term for _, term in parts])
        if witness is not None:
            found = [(f, w) for f, w in found if not lattice.inside(f, cube)] + [(cube, witness)]
            continue
        # a core of only "inside c" conjuncts empties every cube below c too
        refine = {parts[i][0] for i in core} - {None}
        for i, k in enumerate(lattice.keys):
            if i not in refine:
                continue
            for d in k.children[cube[i]]:
                child = cube[:i] + (d,) + cube[i + 1:]
                if child not in seen:
                    if len(seen) >= max_cubes:
                        raise UndecidedError(f"more than {max_cubes} abstraction cubes; the policy is too "
                                             f"fine-grained to enumerate its findings")
                    seen.add(child)
                    queue.append(child)
    return found
