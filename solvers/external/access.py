"""External access of one policy: the stratified findings, each with a replayed example request.

`external_access` answers "who outside the zone of trust can do what to these resources, under which
conditions?" for one resource policy (or a grant rewritten as one). The caller says which resources
the requests target and which services' actions count; the result is one `Access` per distinct
(principal, condition), with every action it allows.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from solvers.catalog import load_catalog
from solvers.checks import catalog_question
from solvers.errors import UndecidedError
from solvers.evaluator import Request, ascii_lower, is_allowed, statement_matches
from solvers.external.guardrails import Levels, guard_allows, guard_term
from solvers.external.keys import is_understood, is_unrestrictive
from solvers.external.stratify import Cube, Lattice, key_lattice, stratify
from solvers.external.zone import ZoneOfTrust, external_term, outsider_account
from solvers.operators import Family, Test
from solvers.policy import Policy
from solvers.symbolic.compile import ACTION, PRINCIPAL, RESOURCE, Space
from solvers.symbolic.domains import compare_from_text
from solvers.symbolic.engine import Question, Session
from solvers.symbolic.patterns import matches
from solvers.symbolic.terms import Term


@dataclass(frozen=True)
class Access:
    principal: dict[str, str]
    actions: tuple[str, ...]
    condition: dict[str, str]
    is_public: bool
    example: Request
    statements: tuple[int, ...]  # the Allow statements granting a public finding (when asked for)


@dataclass
class _Key:
    dim: str
    label: str  # "principal", "action" or the condition key as first written
    texts: dict[int, object]  # pattern id -> how the value was written


def _value_texts(policy: Policy, space: Space, guardrails: Sequence[Policy] = ()) -> list[_Key]:
    """Lattice keys with the policies' own values: re-registering a value returns its pattern id. The
    RCPs add only their understood condition keys: their principal is `*`, and an action they name
    would become a finding's action as written, though they never grant it."""
    keys: dict[str, _Key] = {}
    for source in (policy, *guardrails):
        _add_values(keys, source, space, guard=source is not policy)
    return list(keys.values())


def _add_values(keys: dict[str, _Key], policy: Policy, space: Space, guard: bool) -> None:
    for stmt in policy.statements:
        if not guard:
            if stmt.principal is not None:
                k = keys.setdefault(PRINCIPAL, _Key(PRINCIPAL, "principal", {}))
                for pv in stmt.principal.values:
                    pid = space.principal_pattern(pv)
                    if pid is not None:
                        k.texts.setdefault(pid, (pv.kind, pv.text))
            k = keys.setdefault(ACTION, _Key(ACTION, "action", {}))
            for v in stmt.action.values:
                if v.text != "*":
                    k.texts.setdefault(space.action_pattern(v.text), v.text)
        for cond in stmt.conditions:
            spec = cond.operator.spec
            if not is_understood(cond.key_lower) or spec.family is Family.NULL:
                continue
            dim = space.key(cond.key_lower, spec.family)
            k = keys.setdefault(dim.name, _Key(dim.name, cond.key, {}))
            for v in cond.values:
                if spec.family is Family.STRING:
                    pid = space.string_pattern(dim, v.text, spec.test, policy.supports_variables)
                else:
                    c = compare_from_text(spec.family, spec.test, v.text)
                    if c is None:
                        continue
                    pid = dim.register(c)
                k.texts.setdefault(pid, v.text)


def external_access(policy: Policy, zone: ZoneOfTrust, resources: Sequence[str] | None,
                    services: Sequence[str] | None, reasons: bool = False,
                    guardrails: Levels | None = None) -> list[Access]:
    """Findings of `policy` for requests on `resources` (ARN globs; None: any resource) with actions of
    `services` (None: any action). With `reasons`, public findings list the statements granting them.
    With `guardrails` (the owner's RCP levels), only requests they let through count (guardrails.py),
    and their caller keys shape findings too. Raises UndecidedError when the solver cannot decide."""
    q = catalog_question()
    compiled = q.compile(policy)
    space, t = q.space, q.t
    rcps = [p for level in guardrails or () for p in level]
    guard = guard_term(space, guardrails) if guardrails is not None else None
    keys = _value_texts(policy, space, rcps)
    text = "\n".join([policy.text, *(p.text for p in rcps)])
    outsider = outsider_account(zone, text)
    q.example_principals = (f"AWS|arn:aws:iam::{outsider}:root", f"AWS|arn:aws:iam::{outsider}:role/example")
    restrict: list[Term] = [compiled.allows, external_term(space, zone, text)]
    if guard is not None:
        restrict.append(guard)
    rdim = space.dims[RESOURCE]
    if resources is not None:
        rpids = [space.string_pattern(rdim, r, Test.ARN_LIKE, False) for r in resources]
        # requests name only the analysed resource: its own ARNs are the whole universe (a much smaller
        # product automaton than every well-formed ARN), and it exists even if AWS would not mint its ARN
        rdim.universe = tuple(rdim.patterns[p] for p in rpids)
        restrict.append(t.some(RESOURCE, rpids))
    elif not rdim.string_mode:  # any resource: including those the policy names with odd ARNs
        rdim.universe = rdim.universe + tuple(rdim.patterns)
    if services is not None:
        restrict.append(t.some(ACTION, [space.action_pattern(s + ":*") for s in services]))
    lattice = Lattice(q, [key_lattice(q, k.dim, list(k.texts)) for k in keys])
    found: dict[tuple, Access] = {}
    with q.session(t.and_(*restrict), last=True) as session:
        for cube, example in stratify(lattice, session):
            if guardrails is not None and not guard_allows(guardrails, example):
                raise UndecidedError("internal disagreement: a finding's example does not pass the RCPs")
            access = _describe(q, session, lattice, keys, cube, example, compiled.statements, policy, zone,
                               services, reasons)
            key = (tuple(sorted(access.principal.items())), tuple(sorted(access.condition.items())))
            if key in found:  # same who and when: one finding with the actions of both
                old = found[key]
                access = Access(old.principal, tuple(sorted({*old.actions, *access.actions})), old.condition,
                                old.is_public, old.example, tuple(sorted({*old.statements, *access.statements})))
            found[key] = access
    return list(found.values())


def _describe(q: Question, session: Session, lattice: Lattice, keys: list[_Key], cube: Cube, example: Request,
              statements: tuple[Term, ...], policy: Policy, zone: ZoneOfTrust,
              services: Sequence[str] | None, reasons: bool) -> Access:
    if not is_allowed(policy, example) or not zone.is_external(example):
        raise UndecidedError("internal disagreement: a finding's example does not replay in the evaluator")
    principal: dict[str, str] = {"AWS": "*"}
    condition: dict[str, str] = {}
    actions: tuple[str, ...] = ()
    for k, v in zip(keys, cube, strict=True):
        if k.dim == PRINCIPAL:
            if v is not None:
                written: tuple[str, str] = k.texts[v]  # type: ignore[assignment]  # (kind, text) for principals
                principal = {"AWS" if written[0] == "*" else written[0]: written[1]}
        elif k.dim == ACTION:
            # a finding stands for its whole cube (nothing below it is visited): list every action
            # allowed anywhere in the cube, not only in its cell
            actions = (str(k.texts[v]),) if v is not None else _actions_in(q, session, lattice.gamma(cube), services)
        elif v is not None:
            condition[k.label] = str(k.texts[v])
    public = principal == {"AWS": "*"} and all(is_unrestrictive(x) for x in condition.values())
    granting: tuple[int, ...] = ()
    if public and reasons:  # the example names one granting statement; the solver checks the rest
        granting = tuple(s.index for s, term in zip(policy.statements, statements, strict=True)
                         if s.effect == "Allow" and (statement_matches(s, policy, example)
                                                     or session.sat(q.t.and_(lattice.gamma(cube), term))))
    return Access(principal, actions, condition, public, example, granting)


def _actions_in(q: Question, session: Session, cube: Term, services: Sequence[str] | None) -> tuple[str, ...]:
    """The catalog actions allowed in a cube whose action level is ⊤.

    Catalog actions fall into the engine's action classes; one query per class. A whole service
    allowed is shown as `service:*`; without a service list the finding says `*`."""
    if services is None:
        return ("*",)
    catalog = load_catalog()
    dim = q.space.dims[ACTION]
    t = q.t
    out: list[str] = []
    for prefix in services:
        service = catalog.service(prefix)
        names = [a.full_name for a in service.actions.values()] if service else []
        by_class: dict[frozenset[int], list[str]] = {}
        for name in names:
            folded = ascii_lower(name)
            members = frozenset(i for i, p in enumerate(dim.patterns) if matches(p, folded))
            by_class.setdefault(members, []).append(name)
        allowed: list[str] = []
        for members, group in by_class.items():
            in_class = t.and_(*(t.some(ACTION, [i]) if i in members else t.not_(t.some(ACTION, [i]))
                                for i in range(len(dim.patterns))))
            if session.sat(t.and_(cube, in_class)):
                allowed.extend(group)
        if names and len(allowed) == len(names):
            out.append(f"{prefix}:*")
        else:
            out.extend(sorted(allowed))
    return tuple(out)
