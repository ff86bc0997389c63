"""A NAIVE string encoding of the no-new-access check: the performance baseline of `bench/run.py`.

Independent of trustmap's engine: only `solvers.policy.parse_policy` is used, to read the documents.
Every request field is a Z3 `String` (action, resource, principal, and one per condition key); every
glob of a statement is compiled to its own Z3 regex and a list of values becomes a *disjunction of
`InRe` terms* — one membership test per value, the way a straightforward SMT encoding does it.
StringEquals is string equality; Numeric / Date / IP conditions compare a separate Real / Int variable
of the key; the presence of each key is a Bool. Statements combine as AWS does:
allows = OR(Allow statements) AND NOT OR(Deny statements), and the check asks Z3 whether
`new.allows AND NOT existing.allows` is satisfiable (SAT -> FAIL, UNSAT -> PASS, unknown -> TIMEOUT).

Deliberate simplifications (it is a baseline, not a second engine): ForAnyValue / ForAllValues are
read as the plain operator (a multi-valued key is one string), policy variables are taken literally,
ARN wildcards may cross `:` and action names are compared lower-cased.
"""
from __future__ import annotations

import ipaddress
from datetime import UTC, datetime
from fractions import Fraction

import z3

from solvers.policy import Condition, Policy, Statement, parse_policy

TIMEOUT_MS = 2000

_STRING_OPS = {
    "StringEquals": ("eq", False), "StringNotEquals": ("eq", True),
    "StringEqualsIgnoreCase": ("ieq", False), "StringNotEqualsIgnoreCase": ("ieq", True),
    "StringLike": ("like", False), "StringNotLike": ("like", True),
    "ArnEquals": ("like", False), "ArnLike": ("like", False),
    "ArnNotEquals": ("like", True), "ArnNotLike": ("like", True),
    "Bool": ("ieq", False), "BinaryEquals": ("eq", False),
}
_NUMERIC_OPS = {
    "Equals": ("==", False), "NotEquals": ("==", True), "LessThan": ("<", False),
    "LessThanEquals": ("<=", False), "GreaterThan": (">", False), "GreaterThanEquals": (">=", False),
}


def _parse_date(text: str) -> int | None:
    text = text.strip()
    if text.lstrip("-").isdigit():
        return int(text)
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp())


def _parse_cidr(text: str) -> tuple[int, int] | None:
    try:
        net = ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None
    base = 0 if net.version == 4 else 1 << 32
    return base + int(net.network_address), base + int(net.broadcast_address)


def _parse_number(text: str) -> Fraction | None:
    try:
        return Fraction(text.strip())
    except (ValueError, ZeroDivisionError):
        return None


class NaiveEncoder:
    """One Z3 context per question; variables are shared by every policy encoded into it."""

    def __init__(self) -> None:
        self.ctx = z3.Context()
        c = self.ctx
        self.action = z3.String("action", c)
        self.resource = z3.String("resource", c)
        self.principal = z3.String("principal", c)
        self._vars: dict[str, z3.ExprRef] = {}
        self._allchar = z3.AllChar(z3.ReSort(z3.StringSort(c)))

    # ---------------------------------------------------------------- variables

    def _var(self, kind: str, key: str) -> z3.ExprRef:
        name = f"{kind}:{key.lower()}"
        v = self._vars.get(name)
        if v is None:
            c = self.ctx
            maker = {"has": z3.Bool, "s": z3.String, "n": z3.Real, "d": z3.Int, "ip": z3.Int}[kind]
            v = self._vars[name] = maker(name, c)
        return v

    # ---------------------------------------------------------------- regexes

    def glob(self, text: str, ignore_case: bool = False, wildcards: bool = True) -> z3.ReRef:
        """`*` and `?` as wildcards (unless `wildcards` is off), everything else literal."""
        c = self.ctx
        parts: list[z3.ReRef] = []
        run = ""

        def flush() -> None:
            nonlocal run
            if run:
                parts.append(z3.Re(z3.StringVal(run, c)))
                run = ""

        for ch in text:
            if wildcards and ch == "*":
                flush()
                parts.append(z3.Star(self._allchar))
            elif wildcards and ch == "?":
                flush()
                parts.append(self._allchar)
            elif ignore_case and ch.lower() != ch.upper():
                flush()
                parts.append(z3.Union(z3.Re(z3.StringVal(ch.lower(), c)), z3.Re(z3.StringVal(ch.upper(), c))))
            else:
                run += ch
        flush()
        if not parts:
            return z3.Re(z3.StringVal("", c))
        return parts[0] if len(parts) == 1 else z3.Concat(parts)

    def any_glob(self, x: z3.SeqRef, texts, ignore_case: bool = False, wildcards: bool = True) -> z3.BoolRef:
        """The naive part: a list of values is a disjunction of one InRe per value."""
        return z3.Or([z3.InRe(x, self.glob(t, ignore_case, wildcards)) for t in texts])

    # ---------------------------------------------------------------- policy

    def policy(self, policy: Policy) -> z3.BoolRef:
        allows: list[z3.BoolRef] = []
        denies: list[z3.BoolRef] = []
        for s in policy.statements:
            (allows if s.effect == "Allow" else denies).append(self.statement(s))
        c = self.ctx
        allow = z3.Or(allows) if allows else z3.BoolVal(False, c)
        deny = z3.Or(denies) if denies else z3.BoolVal(False, c)
        return z3.And(allow, z3.Not(deny))

    def statement(self, s: Statement) -> z3.BoolRef:
        c = self.ctx
        parts: list[z3.BoolRef] = []
        if s.principal is not None:
            hits = []
            for p in s.principal.values:
                if p.kind == "*" or (p.kind == "AWS" and p.text == "*"):
                    hits = [z3.BoolVal(True, c)]
                    break
                if p.is_account:
                    hits.append(z3.InRe(self.principal, self.glob(f"AWS|arn:*:iam::{p.text}:*")))
                else:
                    hits.append(self.principal == z3.StringVal(f"{p.kind}|{p.text}", c))
            hit = z3.Or(hits)
            parts.append(z3.Not(hit) if s.principal.negated else hit)
        texts = [v.text.lower() for v in s.action.values]
        hit = z3.BoolVal(True, c) if "*" in texts else self.any_glob(self.action, texts)
        parts.append(z3.Not(hit) if s.action.negated else hit)
        if s.resource is not None:
            texts = [v.text for v in s.resource.values]
            hit = z3.BoolVal(True, c) if "*" in texts else self.any_glob(self.resource, texts)
            parts.append(z3.Not(hit) if s.resource.negated else hit)
        for cond in s.conditions:
            parts.append(self.condition(cond))
        return z3.And(parts) if parts else z3.BoolVal(True, c)

    def condition(self, cond: Condition) -> z3.BoolRef:
        c = self.ctx
        op = cond.operator
        name = op.spec.name
        present = self._var("has", cond.key)
        values = [v.text for v in cond.values]
        if name == "Null":
            opts = []
            if any(v.lower() == "true" for v in values):
                opts.append(z3.Not(present))
            if any(v.lower() == "false" for v in values):
                opts.append(present)
            return z3.Or(opts) if opts else z3.BoolVal(False, c)
        if name in _STRING_OPS:
            test, negated = _STRING_OPS[name]
            x = self._var("s", cond.key)
            if test == "eq":
                match = z3.Or([x == z3.StringVal(v, c) for v in values])
            elif test == "ieq":
                match = self.any_glob(x, values, ignore_case=True, wildcards=False)
            else:
                match = self.any_glob(x, values)
        else:
            negated = name in ("NumericNotEquals", "DateNotEquals", "NotIpAddress")
            match = self._typed(name, cond.key, values)
        if negated:  # NOR of the values; true when the key is missing
            return z3.Not(z3.And(present, match))
        if op.if_exists:
            return z3.Or(z3.Not(present), match)
        return z3.And(present, match)

    def _typed(self, name: str, key: str, values: list[str]) -> z3.BoolRef:
        c = self.ctx
        tests: list[z3.BoolRef] = []
        if name in ("IpAddress", "NotIpAddress"):
            x = self._var("ip", key)
            for v in values:
                r = _parse_cidr(v)
                if r is not None:
                    tests.append(z3.And(x >= r[0], x <= r[1]))
        else:
            family = "Numeric" if name.startswith("Numeric") else "Date"
            rel, _ = _NUMERIC_OPS[name[len(family):]]
            x = self._var("n" if family == "Numeric" else "d", key)
            for v in values:
                k = _parse_number(v) if family == "Numeric" else _parse_date(v)
                if k is None:
                    continue
                kv = z3.RealVal(str(k), c) if family == "Numeric" else z3.IntVal(k, c)
                tests.append({"==": x == kv, "<": x < kv, "<=": x <= kv, ">": x > kv, ">=": x >= kv}[rel])
        return z3.Or(tests) if tests else z3.BoolVal(False, c)


def naive_check(new_text: str, existing_text: str, policy_type: str = "IDENTITY_POLICY",
                timeout_ms: int = TIMEOUT_MS) -> str:
    """'PASS', 'FAIL', or 'TIMEOUT' (Z3 answered unknown within `timeout_ms`)."""
    new, existing = parse_policy(new_text), parse_policy(existing_text)
    enc = NaiveEncoder()
    solver = z3.Solver(ctx=enc.ctx)
    solver.set("timeout", timeout_ms)
    solver.add(enc.policy(new), z3.Not(enc.policy(existing)))
    verdict = solver.check()
    if verdict == z3.sat:
        return "FAIL"
    if verdict == z3.unsat:
        return "PASS"
    return "TIMEOUT"
