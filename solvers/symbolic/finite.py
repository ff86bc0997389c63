"""Questions over a small class space, answered by enumerating every request class at once.

When every dimension is in atom mode, a request is fully described by one *state* per dimension:
which class a single-valued dimension takes (or that an optional key is absent), which set of classes
a multi-valued key hits. If the product of the dimensions' state counts is small, every combination
can be listed. Here each combination is one bit of a Python integer (mixed-radix numbering, the first
dimension varying fastest), and a term is the integer whose set bits are the combinations satisfying
it: `And`, `Or` and `Not` are single big-integer operations. A question is satisfiable iff its
integer is not zero, and its lowest set bit is a witness.

This is the same finite model `z3enc` hands to Z3 (the same classes, the same domain constraints),
so both give the same satisfiability answers; for small questions it skips the solver's set-up and
per-call costs, which dominate there.
"""
from __future__ import annotations

from solvers.symbolic.domains import Dim
from solvers.symbolic.patterns import Atom
from solvers.symbolic.terms import And, Const, Not, Or, Present, Some, Term


def state_count(dim: Dim, classes: int) -> int:
    """The states of one dimension: absent (optional keys), then one per class or per set of classes."""
    values = 1 << classes if dim.multivalued else classes
    return values + 1 if dim.optional else values


def space_size(dims: dict[str, Dim], atoms: dict[str, list[Atom]], limit: int) -> int | None:
    """The number of combinations, or None when it exceeds `limit` (without computing huge products)."""
    size = 1
    for name, dim in dims.items():
        if name not in atoms:
            return None  # a string-mode dimension has no finite set of states
        size *= state_count(dim, len(atoms[name]))
        if size > limit:
            return None
    return size


class FiniteSpace:
    """Every combination of dimension states as one bit; terms as integers over those bits."""

    def __init__(self, dims: dict[str, Dim], atoms: dict[str, list[Atom]]):
        self.dims = dims
        self.atoms = atoms
        self._radix: dict[str, int] = {}
        self._stride: dict[str, int] = {}
        size = 1
        for name, dim in dims.items():
            self._stride[name] = size
            self._radix[name] = state_count(dim, len(atoms[name]))
            size *= self._radix[name]
        self.size = size
        self.all = (1 << size) - 1
        self._states_memo: dict[tuple[str, frozenset[int]], int] = {}
        self._memo: dict[Term, int] = {}
        self.domain = self.all
        for name, dim in dims.items():
            if dim.multivalued and not dim.optional:  # a required multi-valued dimension hits some class
                self.domain &= self.all ^ self._states(name, frozenset({0}))

    # ------------------------------------------------------------------ terms as bit sets

    def encode(self, term: Term) -> int:
        hit = self._memo.get(term)
        if hit is None:
            hit = self._memo[term] = self._encode(term)
        return hit

    def _encode(self, term: Term) -> int:
        if isinstance(term, Const):
            return self.all if term.value else 0
        if isinstance(term, Not):
            return self.all ^ self.encode(term.arg)
        if isinstance(term, And):
            out = self.all
            for a in term.args:
                out &= self.encode(a)
                if not out:
                    break
            return out
        if isinstance(term, Or):
            out = 0
            for a in term.args:
                out |= self.encode(a)
            return out
        if isinstance(term, Present):
            dim = self.dims[term.dim]
            if not dim.optional:
                return self.all
            return self._states(term.dim, frozenset(range(1, self._radix[term.dim])))
        assert isinstance(term, Some)
        return self._some(term)

    def _some(self, term: Some) -> int:
        name = term.dim
        dim = self.dims[name]
        chosen = [k for k, a in enumerate(self.atoms[name]) if bool(a.members & term.pids) == term.positive]
        offset = 1 if dim.optional else 0  # state 0 of an optional dimension is "absent": it hits nothing
        if not dim.multivalued:
            return self._states(name, frozenset(k + offset for k in chosen))
        mask = sum(1 << k for k in chosen)
        return self._states(name, frozenset(s + offset for s in range(1 << len(self.atoms[name])) if s & mask))

    def _states(self, name: str, states: frozenset[int]) -> int:
        """The combinations in which dimension `name` is in one of `states`."""
        key = (name, states)
        hit = self._states_memo.get(key)
        if hit is None:
            stride, radix = self._stride[name], self._radix[name]
            if not self.size:  # some required dimension has no class: there is no request at all
                return 0
            block = (1 << stride) - 1
            period = 0
            for s in states:
                period |= block << (s * stride)
            hit = self._states_memo[key] = _repeat(period, stride * radix, self.size // (stride * radix))
        return hit

    # ------------------------------------------------------------------ answers

    def core(self, base: int, parts: list[int]) -> list[int]:
        """Indexes of parts whose conjunction with `base` is already empty (the whole is empty): each part
        is dropped in turn when the rest stays empty, so no part of the result can be left out."""
        kept = list(range(len(parts)))
        for i in range(len(parts)):
            rest = base
            for j in kept:
                if j != i:
                    rest &= parts[j]
            if not rest:
                kept.remove(i)
        return kept

    def read(self, bits: int) -> dict[str, tuple[str, ...] | None]:
        """The request classes of the lowest set bit, in `Encoder.read`'s shape: None when absent, else the
        witnesses of the classes the dimension takes."""
        index = (bits & -bits).bit_length() - 1
        out: dict[str, tuple[str, ...] | None] = {}
        for name, dim in self.dims.items():
            state = (index // self._stride[name]) % self._radix[name]
            atoms = self.atoms[name]
            if dim.optional:
                if state == 0:
                    out[name] = None
                    continue
                state -= 1
            if dim.multivalued:
                out[name] = tuple(a.witness for k, a in enumerate(atoms) if state >> k & 1)
            else:
                out[name] = (atoms[state].witness,)
        return out


def _repeat(pattern: int, period: int, count: int) -> int:
    """`count` copies of a `period`-bit pattern side by side, by doubling (a few big-integer shifts)."""
    out, shift = 0, 0
    chunk, chunk_len = pattern, period
    while count:
        if count & 1:
            out |= chunk << shift
            shift += chunk_len
        count >>= 1
        if count:
            chunk |= chunk << chunk_len
            chunk_len *= 2
    return out
