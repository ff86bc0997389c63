"""Questions over all requests: "is there a request such that ...?", answered with a witness.

Usage: compile every policy of the question into one `Question`, add any restriction patterns, then
`find(goal)`. Each satisfiable answer is turned into a concrete `Request`; callers replay it through
the concrete evaluator before trusting it (`checks` does). An undecided solver call raises
UndecidedError, never returns "no".
"""
from __future__ import annotations

import itertools
import os
import re
import time
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

from solvers.errors import UndecidedError
from solvers.evaluator import Principal, Request, ascii_lower
from solvers.lazy import lazy_module
from solvers.operators import Family, Test
from solvers.policy import Policy
from solvers.symbolic.compile import ACTION, PRINCIPAL, RESOURCE, CompiledPolicy, Space, compile_policy
from solvers.symbolic.domains import Compare, compare_from_text
from solvers.symbolic.finite import FiniteSpace, space_size
from solvers.symbolic.patterns import Atom, has_vars, literal, matches
from solvers.symbolic.terms import And, Not, Term
from solvers.symbolic.z3enc import Encoder

# Most questions are answered by enumeration (`finite`) and never touch Z3, whose import is a third
# of a one-policy command's start-up.
if TYPE_CHECKING:
    import z3
else:
    z3 = lazy_module("z3")


def _exact(family: Family, text: str):
    """The pattern matching exactly `text` (or its value, for typed keys)."""
    if family in (Family.STRING, Family.NULL):
        return literal(text)
    test = Test.IN_CIDR if family is Family.IP else Test.EQUALS
    value = compare_from_text(family, test, text)
    if value is None:
        raise ValueError(f"{text!r} is not a {family.value} value")
    if family is Family.IP:  # a single address, not the network it would widen to
        return Compare(Test.IN_CIDR, (value.constant[0], value.constant[0]))
    return value


MAX_NICER_CANDIDATES = 200  # a readable witness is nice, not worth more than a few milliseconds
_EXAMPLE_ARNS = ("arn:aws:s3:::example-bucket/example-object", "arn:aws:s3:::example-bucket",
                 "arn:aws:iam::111122223333:role/example", "arn:aws:ec2:us-east-1:111122223333:instance/i-0example")


_EXAMPLE_PRINCIPALS = ("AWS|arn:aws:iam::444455556666:root", "AWS|arn:aws:iam::444455556666:role/example",
                       "Federated|cognito-identity.amazonaws.com", "CanonicalUser|79a59df900b949e55d96a1e698fbaced")


def _instances(patterns: list) -> Iterable[str]:
    """Readable strings made from the policies' own patterns (each wildcard filled with "example"),
    offered as witnesses in place of the shortest string of a class."""
    for p in patterns:
        if has_vars(p):
            continue
        out = []
        for tok in p:
            if tok.star:
                out.append("example")
            elif tok.negated:
                out.append("x")
            else:
                out.append(min(tok.chars))
        yield "".join(out)


_ACCOUNT_ID = re.compile(r"(?<!\d)\d{12}(?!\d)")


def _account_principals(patterns: list) -> Iterable[str]:
    """Principals of the accounts the policies name, as a user could write them in a request: an
    account principal `123456789012` matches any principal ARN of the account, and filling its
    wildcards one by one would give an unusable `arn:example:example:...` string."""
    for instance in _instances(patterns):
        for account in dict.fromkeys(_ACCOUNT_ID.findall(instance)):
            yield f"AWS|arn:aws:iam::{account}:root"
            yield f"AWS|arn:aws:iam::{account}:role/example"
            yield f"AWS|arn:aws:iam::{account}:user/example"


# Class spaces with at most this many combinations are enumerated instead of handed to Z3 (`finite`):
# one big-integer operation per term beats a solver call until the integers get long. Measured on the
# generated findings configurations: 2**20 gave the lowest p50, p99 and total; 2**24 a worse p99 and max.
ENUMERATION_LIMIT = 1 << 20
DEFAULT_TIMEOUT_MS = int(os.environ.get("TRUSTMAP_SOLVER_TIMEOUT_MS", "10000"))


class Question:
    def __init__(self, multivalued: Callable[[str], bool] | None = None,
                 timeout_ms: int = DEFAULT_TIMEOUT_MS,
                 action_names: Callable[[str], Iterable[str]] | None = None):
        self.space = Space(multivalued)
        self.timeout_ms = timeout_ms
        self._action_names = action_names or (lambda service: ())
        self._solver: z3.Solver | None = None
        self._encoder: Encoder | None = None
        self._finite: FiniteSpace | None = None
        self._guards_made = 0  # assumption literals of find / exists / exists_each (see _guard)
        self.enumeration_limit = ENUMERATION_LIMIT
        self._nicer_memo: dict[tuple[str, str], str] = {}
        self.example_principals: tuple[str, ...] = ()  # preferred witness principals ("Kind|id")

    @property
    def t(self):
        return self.space.t

    def compile(self, policy: Policy) -> CompiledPolicy:
        if self._solver is not None or self._finite is not None:
            raise RuntimeError("compile every policy before the first find()")
        return compile_policy(policy, self.space)

    def pin(self, request: Request) -> Term:
        """A term true of exactly the requests equivalent to `request` (for tests and replays).

        Register every pin before the first find(). Typed context values must be readable.
        """
        t, dims = self.t, self.space.dims
        parts = [t.some(ACTION, [dims[ACTION].register(literal(ascii_lower(request.action)))]),
                 t.some(RESOURCE, [dims[RESOURCE].register(literal(request.resource))])]
        if request.principal is not None:
            who = literal(f"{request.principal.kind}|{request.principal.id}")
            parts.append(t.some(PRINCIPAL, [dims[PRINCIPAL].register(who)]))
        for key in self.space.context_keys():
            dim = dims["ctx:" + key]
            values = request.context.get(key)
            if values is None:
                parts.append(t.not_(t.present(dim.name)))
                continue
            pids = [dim.register(_exact(dim.family, v)) for v in values]
            parts.append(t.present(dim.name))
            parts.extend(t.some(dim.name, [p]) for p in pids)
            parts.append(t.not_(t.some(dim.name, pids, False)))
        return t.and_(*parts)

    def _prepare(self) -> FiniteSpace | tuple[z3.Solver, Encoder]:
        """The classes of every dimension, and what answers questions over them: an enumeration of the
        whole class space when it is small (no solver at all), else a Z3 solver over the encoding."""
        if self._finite is not None:
            return self._finite
        if self._solver is None or self._encoder is None:
            atoms: dict[str, list[Atom]] = {}
            for name, dim in self.space.dims.items():
                if dim.string_mode:
                    continue
                try:
                    atoms[name] = dim.atoms()
                except UndecidedError:
                    dim.string_mode = True  # too many classes: let the solver reason on strings
            if space_size(self.space.dims, atoms, self.enumeration_limit) is not None:
                self._finite = FiniteSpace(self.space.dims, atoms)
                return self._finite
            self._encoder = Encoder(self.space.dims, atoms)
            # Booleans only (no string dimension): the SAT core of Z3's finite-domain solver answers
            # assumption queries and cores faster than the general SMT core
            pure = not self._encoder.string
            self._solver = z3.SolverFor("QF_FD", ctx=self._encoder.ctx) if pure else z3.Solver(ctx=self._encoder.ctx)
            self._solver.set("timeout", self.timeout_ms)
            self._solver.add(*self._encoder.domain)
        return self._solver, self._encoder

    def find(self, goal: Term) -> Request | None:
        """A request satisfying `goal`, or None when there is provably none."""
        return self._solve(goal, witness=True)

    def exists(self, goal: Term) -> bool:
        """Whether some request satisfies `goal` (no witness is built)."""
        return self._solve(goal, witness=False) is not None

    def exists_each(self, base: Term, candidates: list[Term], budget_s: float = 5.0) -> list[bool | None]:
        """For each candidate, whether some request satisfies `base` and it, in one incremental solver
        session. Candidates not reached within `budget_s` seconds are None (not decided)."""
        ready = self._prepare()
        if isinstance(ready, FiniteSpace):
            bits = ready.domain & ready.encode(base)
            return [bool(bits & ready.encode(term)) for term in candidates]
        solver, enc = ready
        found: list[bool | None] = [None] * len(candidates)
        deadline = time.monotonic() + budget_s
        scoped = bool(enc.string)  # as in _solve: string questions in a scope, the others under guards
        if scoped:
            solver.push()
        try:
            base_guard = self._guard(solver, enc, base)
            for i, term in enumerate(candidates):
                if time.monotonic() > deadline:
                    break
                found[i] = self._check_guarded(solver, enc, [base_guard, self._guard(solver, enc, term)]) == z3.sat
        finally:
            if scoped:
                solver.pop()
        return found

    def atoms(self, name: str) -> list[Atom] | None:
        """The classes of one dimension (None in string mode); fixes the question's patterns."""
        ready = self._prepare()
        return (ready if isinstance(ready, FiniteSpace) else ready[1]).atoms.get(name)

    def session(self, base: Term, last: bool = False) -> Session:
        """An incremental session whose every question is conjoined with `base`.

        Use it as a context manager; each `sat` / `witness_or_core` call is one check under assumptions,
        so hundreds of related questions (the findings loop) share the learned base. `last`: no other
        question follows on this Question, so the base is asserted for good (a solver scope costs more
        than a small analysis' whole solving)."""
        ready = self._prepare()
        if isinstance(ready, FiniteSpace):
            return Session(self, _FiniteProver(ready), base)
        solver, enc = ready
        return Session(self, _Z3Prover(self, solver, enc, scoped=not last), base)

    def _solve(self, goal: Term, witness: bool):
        ready = self._prepare()
        if isinstance(ready, FiniteSpace):
            bits = ready.domain & ready.encode(goal)
            if not bits:
                return None
            return self._request(ready.read(bits)) if witness else True
        solver, enc = ready
        if enc.string:  # string theory: guarded goals left behind slow later checks down; use a scope
            solver.push()
            try:
                solver.add(enc.encode(goal))
                verdict = solver.check()
                if verdict == z3.unknown:
                    raise UndecidedError(f"solver gave no answer: {solver.reason_unknown()}")
                if verdict == z3.unsat:
                    return None
                return self._request(enc.read(solver.model())) if witness else True
            finally:
                solver.pop()
        if self._check_guarded(solver, enc, [self._guard(solver, enc, goal)]) == z3.unsat:
            return None
        return self._request(enc.read(solver.model())) if witness else True

    def _guard(self, solver: z3.Solver, enc: Encoder, term: Term) -> z3.BoolRef:
        """A fresh literal implying `term`, asserted for good (or until the enclosing scope ends): Boolean
        questions are checked under it as an assumption instead of inside a solver scope (a push of the
        finite-domain solver costs more than a typical check). Straight
        through the C API; the guard is held by a BoolRef (a bare result dies at the next API call)."""
        ref = enc.ctx.ref()
        symbol = z3.Z3_mk_int_symbol(ref, _CANDIDATE_SYMBOLS + self._guards_made)
        self._guards_made += 1
        guard = z3.BoolRef(z3.Z3_mk_const(ref, symbol, z3.BoolSort(enc.ctx).ast), enc.ctx)
        implied = enc.encode(term).as_ast()
        z3.Z3_solver_assert(ref, solver.solver, z3.Z3_mk_implies(ref, guard.as_ast(), implied))
        return guard

    @staticmethod
    def _check_guarded(solver: z3.Solver, enc: Encoder, guards: list[z3.BoolRef]) -> z3.CheckSatResult:
        arr, n = z3.z3._to_ast_array(guards)
        verdict = z3.CheckSatResult(z3.Z3_solver_check_assumptions(enc.ctx.ref(), solver.solver, n, arr))
        if verdict == z3.unknown:
            raise UndecidedError(f"solver gave no answer: {solver.reason_unknown()}")
        return verdict

    def _nicer(self, name: str, witness: str, candidates: Iterable[str], limit: int = MAX_NICER_CANDIDATES) -> str:
        """A real-looking value (a catalog action, a resource made from the policy's own patterns) in the
        same class as the witness, if one exists. Actions are compared case-folded, as they match."""
        dim = self.space.dims[name]
        if dim.string_mode:
            return witness
        known = self._nicer_memo.get((name, witness))
        if known is not None:
            return known
        cands = tuple(itertools.islice(candidates, limit))
        folded = _folded(cands) if name == ACTION else cands
        found = witness
        if witness in folded:  # the witness is itself a real value (a literal of the policy)
            found = cands[folded.index(witness)]
        else:
            want = [matches(p, witness) for p in dim.patterns]
            for cand, text in zip(cands, folded, strict=True):
                if any(matches(u, text) for u in dim.universe) and \
                        all(matches(p, text) == w for p, w in zip(dim.patterns, want, strict=True)):
                    found = cand
                    break
        self._nicer_memo[(name, witness)] = found
        return found

    def _request(self, values: dict[str, tuple[str, ...] | None]) -> Request:
        action = values[ACTION][0]  # type: ignore[index]
        action = self._nicer(ACTION, action, self._action_names(action.partition(":")[0]))
        resource = self._nicer(RESOURCE, values[RESOURCE][0],  # type: ignore[index]
                               itertools.chain(_instances(self.space.dims[RESOURCE].patterns), _EXAMPLE_ARNS),
                               limit=40)
        principal = None
        if self.space.uses_principal:
            who = self._nicer(PRINCIPAL, values[PRINCIPAL][0],  # type: ignore[index]
                              itertools.chain(self.example_principals, _EXAMPLE_PRINCIPALS,
                                              _account_principals(self.space.dims[PRINCIPAL].patterns),
                                              _instances(self.space.dims[PRINCIPAL].patterns)),
                              limit=40)
            kind, _, ident = who.partition("|")
            principal = Principal(kind, ident)
        context = {name[4:]: vals for name, vals in values.items()
                   if name.startswith("ctx:") and vals is not None}
        return Request(action, resource, principal, context)


@lru_cache(maxsize=256)
def _folded(names: tuple[str, ...]) -> tuple[str, ...]:
    """Catalog action names as they match (case-folded); the same service's list comes back often."""
    return tuple(ascii_lower(n) for n in names)


Values = dict[str, tuple[str, ...] | None]  # each dimension's witness values (None: absent)


class Session:
    """Questions sharing one base. Each question is a conjunction; a conjunction containing an earlier
    unsatisfiable core is answered without asking the prover."""

    def __init__(self, question: Question, prover: _FiniteProver | _Z3Prover, base: Term):
        self._q, self._prover, self._base = question, prover, base
        self._cores: list[frozenset] = []  # conjunct keys of every unsat core found so far

    def __enter__(self) -> Session:
        self._prover.open(self._base)
        return self

    def __exit__(self, *exc) -> None:
        self._prover.close()

    def sat(self, term: Term) -> bool:
        return self._prover.satisfiable(list(term.args) if isinstance(term, And) else [term])

    def witness_or_core(self, parts: list[Term]) -> tuple[Request | None, set[int]]:
        """A request satisfying the conjunction of `parts`; if there is none, the indexes of parts that
        are already unsatisfiable together (an unsat core: not necessarily minimal)."""
        keys = [_conjunct_key(p) for p in parts]
        present = frozenset(keys)
        for known in self._cores:  # an earlier core inside this conjunction: unsatisfiable, no solver call
            if known <= present:
                return None, {i for i, k in enumerate(keys) if k in known}
        values, core = self._prover.witness_or_core(parts)
        if values is not None:
            return self._q._request(values), set()
        self._cores.append(frozenset(keys[i] for i in core))
        return None, core


class _FiniteProver:
    """Conjunctions over an enumerated class space (see `finite`): a few big-integer ANDs each."""

    def __init__(self, space: FiniteSpace):
        self._space = space
        self._base = 0

    def open(self, base: Term) -> None:
        self._base = self._space.domain & self._space.encode(base)

    def close(self) -> None:
        pass

    def satisfiable(self, parts: list[Term]) -> bool:
        bits = self._base
        for p in parts:
            bits &= self._space.encode(p)
        return bool(bits)

    def witness_or_core(self, parts: list[Term]) -> tuple[Values | None, set[int]]:
        sets = [self._space.encode(p) for p in parts]
        bits = self._base
        for b in sets:
            bits &= b
        if bits:
            return self._space.read(bits), set()
        return None, set(self._space.core(self._base, sets))


class _Z3Prover:
    """Conjunctions checked under assumptions: each conjunct gets one guard literal, asserted once and
    reused, so the solver does not grow with the number of questions (the findings loop asks hundreds
    that share their conjuncts)."""

    def __init__(self, question: Question, solver: z3.Solver, enc: Encoder, scoped: bool):
        self._q, self._solver, self._enc, self._scoped = question, solver, enc, scoped
        self._guards: dict[object, z3.BoolRef] = {}
        self._guard_ids: dict[int, int] = {}

    def open(self, base: Term) -> None:
        if self._scoped:
            self._solver.push()
        self._solver.add(self._enc.encode(base))

    def close(self) -> None:
        if self._scoped:
            self._solver.pop()
        else:  # the base stays asserted: nothing else may be asked of this Question
            self._q._solver = self._q._encoder = None

    def _guard(self, term: Term) -> z3.BoolRef:
        key = _conjunct_key(term)
        guard = self._guards.get(key)
        if guard is None:
            # straight through the C API: z3.Bool / Implies / Solver.add cast and check every argument
            ctx = self._enc.ctx
            ref = ctx.ref()
            symbol = z3.Z3_mk_int_symbol(ref, _GUARD_SYMBOLS + len(self._guards))
            guard = z3.BoolRef(z3.Z3_mk_const(ref, symbol, z3.BoolSort(ctx).ast), ctx)
            self._guards[key] = guard
            self._guard_ids[id(guard)] = guard.get_id()
            implication = z3.Z3_mk_implies(ref, guard.as_ast(), self._enc.encode(term).as_ast())
            z3.Z3_solver_assert(ref, self._solver.solver, implication)
        return guard

    def _check_guards(self, guards: list[z3.BoolRef]) -> z3.CheckSatResult:
        """Solver.check(*guards) without its per-argument sort casts, which cost more than the check."""
        ctx = self._enc.ctx
        arr, n = z3.z3._to_ast_array(guards) if guards else ((z3.Ast * 0)(), 0)
        verdict = z3.CheckSatResult(z3.Z3_solver_check_assumptions(ctx.ref(), self._solver.solver, n, arr))
        if verdict == z3.unknown:
            raise UndecidedError(f"solver gave no answer: {self._solver.reason_unknown()}")
        return verdict

    def _core_ids(self) -> set[int]:
        ref = self._enc.ctx.ref()
        core = z3.Z3_solver_get_unsat_core(ref, self._solver.solver)
        z3.Z3_ast_vector_inc_ref(ref, core)
        try:
            return {z3.Z3_get_ast_id(ref, z3.Z3_ast_vector_get(ref, core, i))
                    for i in range(z3.Z3_ast_vector_size(ref, core))}
        finally:
            z3.Z3_ast_vector_dec_ref(ref, core)

    def satisfiable(self, parts: list[Term]) -> bool:
        return self._check_guards([self._guard(p) for p in parts]) == z3.sat

    def witness_or_core(self, parts: list[Term]) -> tuple[Values | None, set[int]]:
        guards = [self._guard(p) for p in parts]
        if self._check_guards(guards) == z3.sat:
            return self._enc.read(self._solver.model()), set()
        core_ids = self._core_ids()
        return None, {i for i, g in enumerate(guards) if self._guard_ids[id(g)] in core_ids}


_GUARD_SYMBOLS = 1 << 30  # integer symbol names of guards, above the encoder's (dimension << 20) + class
_CANDIDATE_SYMBOLS = 3 << 29  # guards of find / exists / exists_each, apart from a session's


def _conjunct_key(term: Term) -> object:
    """Structural key for the small terms conjuncts usually are (compound terms hash by identity)."""
    if isinstance(term, Not):
        return ("not", _conjunct_key(term.arg))
    return term
