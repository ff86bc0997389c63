"""The engine's small term language over request dimensions.

Terms are built only through `Terms` (the factory), which checks that every dimension exists and
folds constants, so the encoder never sees ill-formed or trivially reducible input.

    Present(d)              context key d is in the request
    Some(d, pids, True)     some value of d matches one of the patterns pids
    Some(d, pids, False)    some value of d matches none of the patterns pids
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Const:
    value: bool


@dataclass(frozen=True, slots=True)
class Present:
    dim: str


@dataclass(frozen=True, slots=True)
class Some:
    dim: str
    pids: frozenset[int]
    positive: bool


# Compound terms compare and hash by identity: structural hashing of deep trees made encoding quadratic.
@dataclass(frozen=True, slots=True, eq=False)
class Not:
    arg: Term


@dataclass(frozen=True, slots=True, eq=False)
class And:
    args: tuple[Term, ...]


@dataclass(frozen=True, slots=True, eq=False)
class Or:
    args: tuple[Term, ...]


Term = Const | Present | Some | Not | And | Or
TRUE = Const(True)
FALSE = Const(False)


class Terms:
    """Checking factory: `dims` maps a dimension name to its pattern count (grows as patterns register)."""

    def __init__(self, dims):
        self._dims = dims

    def _check(self, dim: str) -> None:
        if dim not in self._dims:
            raise ValueError(f"unknown dimension {dim!r}")

    def present(self, dim: str) -> Term:
        self._check(dim)
        return Present(dim)

    def some(self, dim: str, pids: Iterable[int], positive: bool = True) -> Term:
        self._check(dim)
        p = frozenset(pids)
        if any(not 0 <= i < len(self._dims[dim].patterns) for i in p):
            raise ValueError(f"pattern id out of range for {dim!r}")
        if not p and positive:
            return FALSE  # no value matches an empty list
        return Some(dim, p, positive)

    @staticmethod
    def not_(t: Term) -> Term:
        if isinstance(t, Const):
            return Const(not t.value)
        if isinstance(t, Not):
            return t.arg
        return Not(t)

    @staticmethod
    def and_(*ts: Term) -> Term:
        out: list[Term] = []
        for t in ts:
            if t == FALSE:
                return FALSE
            if t == TRUE:
                continue
            out.extend(t.args if isinstance(t, And) else (t,))
        if not out:
            return TRUE
        return out[0] if len(out) == 1 else And(tuple(out))

    @staticmethod
    def or_(*ts: Term) -> Term:
        out: list[Term] = []
        for t in ts:
            if t == TRUE:
                return TRUE
            if t == FALSE:
                continue
            out.extend(t.args if isinstance(t, Or) else (t,))
        if not out:
            return FALSE
        return out[0] if len(out) == 1 else Or(tuple(out))
