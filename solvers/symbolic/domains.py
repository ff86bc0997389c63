"""Dimensions of a request and their equivalence classes.

A dimension is one thing a request carries: the action, the resource, the principal, or one context
key. Compiling policies registers, per dimension, the patterns the policies compare it with; `atoms()`
then splits the dimension's values into the classes those patterns can tell apart. Strings use the
product automaton of `patterns.partition`; numbers, instants and IP addresses use the intervals between
the constants in play. Every class carries one concrete witness value.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from typing import Any

from solvers.errors import UndecidedError
from solvers.operators import Family, Test
from solvers.symbolic.patterns import (
    ANY_STAR,
    FIELD_CHAR,
    FIELD_STAR,
    Atom,
    Pattern,
    Tok,
    has_vars,
    literal,
    partition,
)
from solvers.values import (
    IP_LINE_END,
    IPV6_BASE,
    format_date,
    format_ip,
    format_number,
    parse_cidr,
    parse_date,
    parse_number,
)

NOT_A_VALUE = "not-a-value"  # witness of the class of texts a typed operator cannot read


@dataclass(frozen=True, slots=True)
class Compare:
    """A typed comparison `value <test> constant`; for IP, `constant` is a closed interval."""
    test: Test
    constant: Any  # Fraction (numbers), int (instants), (int, int) (CIDR interval)


# A universe is the set of values a dimension ranges over, as a union of patterns.
ACTION_UNIVERSE: tuple[Pattern, ...] = ((FIELD_CHAR, FIELD_STAR) + literal(":") + (FIELD_CHAR, FIELD_STAR),)
_DIGIT = Tok(frozenset("0123456789"))
_ARN_HEAD = literal("arn:") + (FIELD_STAR,) + literal(":") + (FIELD_STAR,) + literal(":") + (FIELD_STAR,)
# Well-formed ARNs only: the account field is empty or twelve digits (Zelkova's invariant), so a
# pattern naming a malformed account such as "$account" matches no real resource.
ARN_UNIVERSE: tuple[Pattern, ...] = (_ARN_HEAD + literal("::") + (ANY_STAR,),
                                     _ARN_HEAD + literal(":") + (_DIGIT,) * 12 + literal(":") + (ANY_STAR,))
# Principals are taken as written (AWS validates them when a policy is attached), so their account
# field is not restricted the way resource ARNs are.
PRINCIPAL_UNIVERSE: tuple[Pattern, ...] = (literal("AWS|") + (ANY_STAR,),) + tuple(
    literal(kind + "|") + (ANY_STAR,) for kind in ("Service", "Federated", "CanonicalUser"))
ALL_STRINGS: tuple[Pattern, ...] = ((ANY_STAR,),)


@dataclass
class Dim:
    name: str
    family: Family
    multivalued: bool = False
    optional: bool = True  # context keys may be absent; action, resource, principal never are
    universe: tuple[Pattern, ...] = ALL_STRINGS
    patterns: list = field(default_factory=list)  # Pattern for STRING, Compare otherwise
    _index: dict = field(default_factory=dict)
    string_mode: bool = False  # handed to the solver as a string (policy variables, huge automata)

    def register(self, pattern) -> int:
        pid = self._index.get(pattern)
        if pid is None:
            pid = self._index[pattern] = len(self.patterns)
            self.patterns.append(pattern)
            if self.family is Family.STRING and has_vars(pattern):
                self.string_mode = True
        return pid

    def atoms(self) -> list[Atom]:
        if self.family in (Family.STRING, Family.NULL):
            return partition(self.patterns, self.universe)
        if self.family is Family.NUMERIC:
            return _typed_atoms(self.patterns, _number_points(self.patterns), format_number)
        if self.family is Family.DATE:
            return _typed_atoms(self.patterns, _date_points(self.patterns), format_date)
        return _typed_atoms(self.patterns, _ip_points(self.patterns), format_ip)


@lru_cache(maxsize=8192)  # the same constants come back statement after statement
def compare_from_text(family: Family, test: Test, text: str) -> Compare | None:
    """Read a policy constant for a typed operator; None when the text is not of the type."""
    if family is Family.IP:
        cidr = parse_cidr(text)
        return None if cidr is None else Compare(test, cidr)
    value = parse_number(text) if family is Family.NUMERIC else parse_date(text)
    return None if value is None else Compare(test, value)


def holds(c: Compare, point) -> bool:
    if c.test is Test.IN_CIDR:
        lo, hi = c.constant
        return lo <= point <= hi
    k = c.constant
    return {Test.EQUALS: point == k, Test.LT: point < k, Test.LE: point <= k,
            Test.GT: point > k, Test.GE: point >= k}[c.test]


def _typed_atoms(compares: list[Compare], points: list, fmt) -> list[Atom]:
    # text that is no value of the type passes no test: the class of the empty member set
    atoms = [Atom(frozenset(), NOT_A_VALUE)]
    for point in points:
        atoms.append(Atom(frozenset(i for i, c in enumerate(compares) if holds(c, point)), fmt(point)))
    return _dedupe(atoms)


def _dedupe(atoms: list[Atom]) -> list[Atom]:
    out: dict[frozenset[int], Atom] = {}
    for a in atoms:
        out.setdefault(a.members, a)
    return list(out.values())


def _number_points(compares: list[Compare]) -> list[Fraction]:
    ks = sorted({c.constant for c in compares})
    if not ks:
        return [Fraction(0)]
    pts = [ks[0] - 1, ks[-1] + 1]
    for a, b in zip(ks, ks[1:], strict=False):
        pts.append((a + b) / 2)
    return pts + ks


_DATE_MIN = parse_date("0001-01-01T00:00:00Z")
_DATE_MAX = parse_date("9999-12-31T23:59:59.999999Z")


def _date_points(compares: list[Compare]) -> list[int]:
    ks = sorted({c.constant for c in compares})
    if not ks:
        return [0]
    pts = list(ks)
    if ks[0] > _DATE_MIN:
        pts.append(ks[0] - 1)
    if ks[-1] < _DATE_MAX:
        pts.append(ks[-1] + 1)
    pts += [a + 1 for a, b in zip(ks, ks[1:], strict=False) if b - a >= 2]
    return pts


def _ip_points(compares: list[Compare]) -> list[int]:
    cuts = {0, IPV6_BASE}
    for c in compares:
        lo, hi = c.constant
        cuts.add(lo)
        if hi + 1 < IP_LINE_END:
            cuts.add(hi + 1)
    return sorted(cuts)  # every elementary interval starts at a cut; its start is its witness


def check_family(dim: Dim, family: Family) -> None:
    """A key tested only with Null takes the type of its first typed test; two types are undecided."""
    if dim.family is Family.NULL:
        dim.family = family
    elif family not in (Family.NULL, dim.family):
        raise UndecidedError(f"condition key {dim.name} is compared both as {dim.family.value} "
                             f"and as {family.value}")
