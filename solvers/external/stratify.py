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
from solvers.symbolic.engine import Question, Session
from solvers.symbolic.terms import TRUE, Term

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

    @property
    def top(self) -> Cube:
        return (None,) * len(self.keys)

    def inside(self, a: Cube, b: Cube) -> bool:
        return all(k.le(x, y) for k, x, y in zip(self.keys, a, b, strict=True))

    def children(self, c: Cube) -> list[Cube]:
        out = []
        for i, k in enumerate(self.keys):
            out.extend(c[:i] + (d,) + c[i + 1:] for d in k.children[c[i]])
        return out

    def gamma(self, c: Cube) -> Term:
        t = self.q.t
        return t.and_(*(t.some(k.dim, [v]) for k, v in zip(self.keys, c, strict=True) if v is not None))

    def cell(self, c: Cube) -> Term:
        t = self.q.t
        parts = []
        for k, v in zip(self.keys, c, strict=True):
            if v is not None:
                parts.append(t.some(k.dim, [v]))
            below = k.children[v]
            if below:
                parts.append(t.not_(t.some(k.dim, below)))
        return t.and_(*parts) if parts else TRUE


def stratify(lattice: Lattice, session: Session, max_cubes: int = MAX_CUBES) -> list[Cube]:
    """The cubes whose cells hold an allowed external request (the base of `session`), top-down."""
    queue: deque[Cube] = deque([lattice.top])
    seen = {lattice.top}
    found: list[Cube] = []
    while queue:
        cube = queue.popleft()
        if any(lattice.inside(cube, f) for f in found):
            continue
        if session.sat(lattice.cell(cube)):
            found = [f for f in found if not lattice.inside(f, cube)] + [cube]
            continue
        for child in lattice.children(cube):
            if child not in seen:
                if len(seen) >= max_cubes:
                    raise UndecidedError(f"more than {max_cubes} abstraction cubes; the policy is too "
                                         f"fine-grained to enumerate its findings")
                seen.add(child)
                queue.append(child)
    return found
