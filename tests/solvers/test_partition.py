"""The equivalence classes the engine reasons over are exact: checked against brute force."""
from __future__ import annotations

import itertools
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from solvers.operators import Family
from solvers.operators import Test as Cmp
from solvers.symbolic.domains import (
    ACTION_UNIVERSE,
    ALL_STRINGS,
    ARN_UNIVERSE,
    NOT_A_VALUE,
    Compare,
    Dim,
    holds,
)
from solvers.symbolic.fields import partition_fields, universe_fields
from solvers.symbolic.patterns import (
    ANY_STAR,
    _partition,
    _partition_prefixes,
    _prefix_form,
    dfa_matches,
    literal,
    matches,
    partition,
    template_pattern,
)
from solvers.values import parse_cidr, parse_date, parse_ip, parse_number
from solvers.variables import Glob

ALPHABET = "ab:"
_GLOBS = st.text(alphabet="ab:*?", min_size=0, max_size=4)


def _pattern(text: str, arn: bool, ignore_case: bool):
    return template_pattern((Glob(text),), wildcards=not ignore_case, arn_fields=arn, ignore_case=ignore_case)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_GLOBS, st.booleans(), st.booleans()), min_size=1, max_size=5))
def test_classes_are_exactly_the_vectors_brute_force_finds(specs) -> None:
    patterns = [_pattern(text, arn, ic) for text, arn, ic in specs]
    atoms = partition(patterns, ALL_STRINGS)
    vectors = {a.members for a in atoms}
    # every witness lies in its own class
    for a in atoms:
        assert frozenset(i for i, p in enumerate(patterns) if matches(p, a.witness)) == a.members
    # every short string over the alphabet (and characters no pattern names) lies in a listed class:
    # no class is missing, which is what soundness needs; the witnesses above show none is empty
    seen = set()
    for n in range(0, 5):
        for chars in itertools.product(ALPHABET + "*?ABz", repeat=n):
            s = "".join(chars)
            vec = frozenset(i for i, p in enumerate(patterns) if matches(p, s))
            assert vec in vectors, (s, vec)
            seen.add(vec)
    assert seen <= vectors
    assert len(vectors) == len(atoms)  # one atom per class


def test_typed_classes_cover_the_line_and_agree_with_the_tests() -> None:
    numbers = [Compare(t, parse_number(v)) for t, v in
               [(Cmp.LT, "10"), (Cmp.EQUALS, "10"), (Cmp.GE, "2.5"), (Cmp.GT, "-1")]]
    dim = Dim("ctx:n", Family.NUMERIC, patterns=numbers)
    atoms = dim.atoms()
    assert any(a.witness == NOT_A_VALUE for a in atoms)
    for probe in [Fraction(x, 4) for x in range(-20, 60)]:
        vec = frozenset(i for i, c in enumerate(numbers) if holds(c, probe))
        assert vec in {a.members for a in atoms}
    for a in atoms:
        if a.witness != NOT_A_VALUE:
            assert frozenset(i for i, c in enumerate(numbers) if holds(c, parse_number(a.witness))) == a.members

    cidrs = [Compare(Cmp.IN_CIDR, parse_cidr(c)) for c in ["10.0.0.0/8", "10.1.0.0/16", "2001:db8::/32"]]
    ip_atoms = Dim("ctx:ip", Family.IP, patterns=cidrs).atoms()
    for a in ip_atoms:
        if a.witness != NOT_A_VALUE:
            point = parse_ip(a.witness)
            assert frozenset(i for i, c in enumerate(cidrs) if holds(c, point)) == a.members
    assert {frozenset({0}), frozenset({0, 1}), frozenset({2}), frozenset()} <= {a.members for a in ip_atoms}

    dates = [Compare(Cmp.LT, parse_date("2024-01-01T00:00:00Z")), Compare(Cmp.EQUALS, parse_date("1700000000"))]
    date_atoms = Dim("ctx:d", Family.DATE, patterns=dates).atoms()
    for a in date_atoms:
        if a.witness != NOT_A_VALUE:
            assert frozenset(i for i, c in enumerate(dates) if holds(c, parse_date(a.witness))) == a.members
    assert {frozenset({0}), frozenset({0, 1}), frozenset()} <= {a.members for a in date_atoms}


_PREFIX_TEXTS = st.text(alphabet="ab:", max_size=3)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_PREFIX_TEXTS, st.booleans()), min_size=1, max_size=5),
       st.lists(st.tuples(_PREFIX_TEXTS, st.booleans()), min_size=1, max_size=2) | st.just([("", True)]))
def test_literal_and_prefix_classes_agree_with_the_product_automaton(specs, universe_specs) -> None:
    """The automaton-free partition of literals and `text*` prefixes finds the same classes as the
    product automaton, each witness in its class and as short as the automaton's."""
    def pattern(text: str, is_open: bool):
        return literal(text) + ((ANY_STAR,) if is_open else ())
    patterns = tuple(pattern(*s) for s in specs)
    universe = tuple(pattern(*s) for s in universe_specs)
    fast = _partition_prefixes([_prefix_form(p) for p in patterns], [_prefix_form(u) for u in universe])
    slow = _partition(patterns, universe)
    assert {a.members for a in fast} == {a.members for a in slow}
    shortest = {a.members: len(a.witness) for a in slow}
    for a in fast:
        assert any(matches(u, a.witness) for u in universe)
        assert frozenset(i for i, p in enumerate(patterns) if matches(p, a.witness)) == a.members
        assert len(a.witness) == shortest[a.members]


@settings(max_examples=100, deadline=None)
@given(st.lists(_GLOBS, min_size=2, max_size=5, unique=True), st.randoms(use_true_random=False))
def test_partition_does_not_depend_on_the_order_of_patterns(texts, rng) -> None:
    patterns = [_pattern(text, False, False) for text in texts]
    shuffled = list(range(len(patterns)))
    rng.shuffle(shuffled)
    a = {x.members for x in partition(patterns, ALL_STRINGS)}
    b = {frozenset(shuffled[j] for j in x.members) for x in partition([patterns[i] for i in shuffled], ALL_STRINGS)}
    assert a == b


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_GLOBS, st.booleans(), st.booleans()), min_size=1, max_size=3),
       st.lists(st.text(alphabet=ALPHABET + "*?Az\n]^-\\", max_size=8), min_size=1, max_size=10))
def test_regex_matching_agrees_with_the_automaton(specs, texts) -> None:
    """`matches` runs Python regexes for patterns that cannot backtrack badly; the automaton is the
    reference (and runs the others)."""
    for text_, arn, ic in specs:
        p = _pattern(text_ + "]^-\\", arn, ic)
        for s in texts:
            assert matches(p, s) == dfa_matches(p, s), (text_, s)
            assert matches(p, s + "]^-\\") == dfa_matches(p, s + "]^-\\"), (text_, s)


_FIELD_TEXTS = st.sampled_from(["", "a", "ab", "*", "a*", "?", "b?", "*b"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.lists(_FIELD_TEXTS, min_size=1, max_size=6), st.booleans()), min_size=1, max_size=4),
       st.booleans())
def test_field_classes_agree_with_the_product_automaton(specs, actions) -> None:
    """ARNs and actions partitioned field by field find the classes of the whole-string product, each
    witness in its class, in the universe and as short as the product's."""
    universe = ACTION_UNIVERSE if actions else ARN_UNIVERSE
    n = universe_fields(universe)
    assert n == (2 if actions else 6)
    patterns = tuple(dict.fromkeys(
        template_pattern((Glob(":".join(fields) + ("*" if star else "")),), wildcards=True, arn_fields=not actions)
        for fields, star in specs))
    fast = partition_fields(patterns, universe, n, partition)
    if fast is None:
        return  # some pattern's fields are not fixed by its colons: the product runs instead
    slow = _partition(patterns, universe)
    assert {a.members: len(a.witness) for a in fast} == {a.members: len(a.witness) for a in slow}
    for a in fast:
        assert any(matches(u, a.witness) for u in universe)
        assert frozenset(i for i, p in enumerate(patterns) if matches(p, a.witness)) == a.members
