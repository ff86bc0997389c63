"""Encode terms for Z3 and read witnesses back.

Dimensions in atom mode become an integer choosing one class (single-valued) or one Boolean per
class (multi-valued); Z3 then only sees integers and Booleans. Dimensions in string mode (policy
variables, or an automaton too big to partition) become Z3 strings, and each `Some` becomes one
membership test in the union regex of its patterns.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from solvers.errors import UndecidedError
from solvers.lazy import lazy_module
from solvers.symbolic.domains import Dim
from solvers.symbolic.patterns import Atom, Pattern, Tok, VarTok
from solvers.symbolic.terms import And, Const, Not, Or, Present, Some, Term

if TYPE_CHECKING:
    import z3
else:
    z3 = lazy_module("z3")  # loaded when the first question needs the solver (see solvers.lazy)

_SHARED: list[z3.Context] = []


def shared_context() -> z3.Context:
    """One Z3 context per process: creating one costs milliseconds, more than a typical query."""
    if not _SHARED:
        _SHARED.append(z3.Context())
    return _SHARED[0]


def _text(value: str, ctx: z3.Context) -> z3.SeqRef:
    """A Z3 string literal of exactly `value` (Z3 would read a backslash sequence as an escape)."""
    return z3.StringVal(value.replace("\\", "\\u{5c}"), ctx)


def _read_string(model: z3.ModelRef, var: z3.SeqRef) -> str:
    """The model's value of a string variable, character by character: `as_string()` writes characters
    above U+00FF as `\\u{...}` text, which cannot be told apart from the same text written literally."""
    n = model.eval(z3.Length(var), model_completion=True).as_long()
    return "".join(chr(model.eval(z3.StrToCode(z3.SubString(var, i, 1)), model_completion=True).as_long())
                   for i in range(n))


def _fresh_bools(ctx: z3.Context, base: int, n: int) -> list[z3.BoolRef]:
    """n Boolean constants named by integers from `base`, through the C API (z3.Bool is slow)."""
    ref, sort = ctx.ref(), z3.BoolSort(ctx).ast
    return [z3.BoolRef(z3.Z3_mk_const(ref, z3.Z3_mk_int_symbol(ref, base + k), sort), ctx) for k in range(n)]


def _nary(ctx: z3.Context, make, unit: bool, args: list) -> z3.BoolRef:
    """And/Or straight through the C API: z3.And's argument coercion dominates small queries."""
    if not args:
        return z3.BoolVal(unit, ctx)
    if len(args) == 1:
        return args[0]
    arr, n = z3.z3._to_ast_array(args)
    return z3.BoolRef(make(ctx.ref(), n, arr), ctx)


class Encoder:
    def __init__(self, dims: dict[str, Dim], atoms: dict[str, list[Atom]], ctx: z3.Context | None = None):
        self.dims = dims
        self.atoms = atoms  # only for atom-mode dimensions
        self.ctx = ctx or shared_context()
        self.present: dict[str, z3.BoolRef] = {}
        self.member: dict[str, list[z3.BoolRef]] = {}
        self.string: dict[str, z3.SeqRef] = {}
        self.domain: list[z3.BoolRef] = []
        self._memo: dict[Term, z3.BoolRef] = {}
        for i, (name, dim) in enumerate(dims.items()):
            self._declare(i, name, dim)

    def _declare(self, i: int, name: str, dim: Dim) -> None:
        c = self.ctx
        if dim.optional:
            self.present[name] = z3.Bool(f"p{i}", c)
        if dim.string_mode:
            if dim.multivalued:
                raise UndecidedError(f"{name} is multi-valued and needs string reasoning")
            self.string[name] = z3.String(f"s{i}", c)
            universe = self._union(list(dim.universe))
            if universe is not None:
                self.domain.append(z3.InRe(self.string[name], universe))
            return
        # one Boolean per class: "some value of the dimension lies in this class"
        bits = _fresh_bools(c, (i << 20), len(self.atoms[name]))
        self.member[name] = bits
        some = _nary(c, z3.Z3_mk_or, False, bits)
        if not dim.multivalued and len(bits) > 1:  # a single value: at most one class
            arr, n = z3.z3._to_ast_array(bits)
            self.domain.append(z3.BoolRef(z3.Z3_mk_atmost(c.ref(), n, arr, 1), c))
        if not dim.optional:
            self.domain.append(some)
        elif dim.multivalued:  # present with no value is allowed; absent means no value at all
            self.domain.append(z3.Implies(some, self.present[name]))
        else:
            self.domain.append(self.present[name] == some)

    def is_present(self, name: str) -> z3.BoolRef:
        return self.present.get(name, z3.BoolVal(True, self.ctx))

    def encode(self, term: Term) -> z3.BoolRef:
        hit = self._memo.get(term)
        if hit is None:
            hit = self._memo[term] = self._encode(term)
        return hit

    def _encode(self, term: Term) -> z3.BoolRef:
        c = self.ctx
        if isinstance(term, Const):
            return z3.BoolVal(term.value, c)
        if isinstance(term, Not):  # through the C API: z3.Not's argument checks cost more than the node
            return z3.BoolRef(z3.Z3_mk_not(c.ref(), self.encode(term.arg).as_ast()), c)
        if isinstance(term, And):
            return _nary(c, z3.Z3_mk_and, True, [self.encode(a) for a in term.args])
        if isinstance(term, Or):
            return _nary(c, z3.Z3_mk_or, False, [self.encode(a) for a in term.args])
        if isinstance(term, Present):
            return self.is_present(term.dim)
        assert isinstance(term, Some)
        return self._some(term)

    def _some(self, term: Some) -> z3.BoolRef:
        name, c = term.dim, self.ctx
        present = self.is_present(name)
        if name in self.string:
            dim = self.dims[name]
            regex = self._union([dim.patterns[p] for p in sorted(term.pids)])
            inside = z3.InRe(self.string[name], regex) if regex is not None else z3.BoolVal(False, c)
            return z3.And(present, inside if term.positive else z3.Not(inside))
        atoms = self.atoms[name]
        chosen = [k for k, a in enumerate(atoms) if bool(a.members & term.pids) == term.positive]
        return _nary(c, z3.Z3_mk_or, False, [self.member[name][k] for k in chosen])

    # ------------------------------------------------------------------ regexes (string mode)

    def _union(self, patterns: list[Pattern]):
        res = [self._regex(p) for p in patterns]
        if not res:
            return None
        return res[0] if len(res) == 1 else z3.Union(res)

    def _regex(self, p: Pattern):
        c = self.ctx
        parts = []
        run = ""
        for tok in p:
            if isinstance(tok, Tok) and not tok.negated and not tok.star and len(tok.chars) == 1:
                run += next(iter(tok.chars))
                continue
            if run:
                parts.append(z3.Re(_text(run, c)))
                run = ""
            parts.append(self._token(tok))
        if run or not parts:
            parts.append(z3.Re(_text(run, c)))
        return parts[0] if len(parts) == 1 else z3.Concat(parts)

    def _token(self, tok):
        c = self.ctx
        if isinstance(tok, VarTok):
            dim = "ctx:" + tok.key
            value = self.string[dim]
            if tok.default is not None:
                value = z3.If(self.is_present(dim), value, _text(tok.default, c))
            return z3.Re(value)
        allchar = z3.AllChar(z3.ReSort(z3.StringSort(c)))
        if not tok.chars:
            one = allchar if tok.negated else z3.Empty(z3.ReSort(z3.StringSort(c)))
        else:
            listed = [z3.Re(_text(ch, c)) for ch in sorted(tok.chars)]
            alt = listed[0] if len(listed) == 1 else z3.Union(listed)
            one = z3.Intersect(allchar, z3.Complement(alt)) if tok.negated else alt
        return z3.Star(one) if tok.star else one

    # ------------------------------------------------------------------ witnesses

    def read(self, model: z3.ModelRef) -> dict[str, tuple[str, ...] | None]:
        """Each dimension's values in the model: None when absent, else a tuple of witness strings."""
        out: dict[str, tuple[str, ...] | None] = {}
        true_ids = _true_constants(model)  # one pass over the model, not one eval per Boolean
        for name, dim in self.dims.items():
            if dim.optional and self.present[name].get_id() not in true_ids:
                out[name] = None
                continue
            if name in self.string:
                out[name] = (_read_string(model, self.string[name]),)
            else:
                atoms = self.atoms[name]
                out[name] = tuple(atoms[k].witness for k, b in enumerate(self.member[name])
                                  if b.get_id() in true_ids)
        return out


def _true_constants(model: z3.ModelRef) -> set[int]:
    """Ids of the Boolean constants the model sets to true (unset ones are false under completion)."""
    ref, m = model.ctx.ref(), model.model
    out = set()
    for i in range(z3.Z3_model_get_num_consts(ref, m)):
        decl = z3.Z3_model_get_const_decl(ref, m, i)
        value = z3.Z3_model_get_const_interp(ref, m, decl)
        if value is not None and z3.Z3_get_bool_value(ref, value) == z3.Z3_L_TRUE:
            out.add(z3.Z3_get_ast_id(ref, z3.Z3_mk_app(ref, decl, 0, None)))
    return out
