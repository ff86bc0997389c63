"""RCPs folded into external access (`--apply-guardrails`, beyond Access Analyzer).

The resource owner's RCP levels bind every request to the resource (authorization.md §2, R4), whoever
grants it: each level needs a matching Allow and no level may hold a matching Deny. They skip requests of
service-linked roles and actions of services that RCPs do not support (rules.RCP_SERVICES), as `decide`
does; management-account resources have no levels (the caller passes None). An outside AWS principal is
not an AWS service, so `aws:PrincipalIsAWSService` is pinned to false when an RCP reads it (the usual
"Deny unless inside the organization or an AWS service" RCP then blocks outsiders, as it does in AWS).

`guard_term` is the symbolic side, conjoined with the external-access question; `guard_allows` the
concrete side, which every witness is replayed through.

Service-linked roles are exempt from RCPs, so an account named in a resource policy could always reach
the resource through one of its service-linked roles, and no RCP would ever take an action away from an
account. Their permissions are AWS's own, fixed and scoped to the service's work; the folded question
leaves them out, as internal access leaves them out of its candidates (authorization.md §6.3). The
findings say `resourceControlPolicyRestriction: APPLIED`, and docs/commands/analyze.md says what that
omits.
"""
from __future__ import annotations

from collections.abc import Sequence

from solvers.authorization.context import SERVICE_LINKED_PATH, SERVICE_LINKED_PREFIX
from solvers.authorization.rules import RCP_SERVICES, rcp_binds
from solvers.evaluator import Request, statement_matches
from solvers.operators import Family
from solvers.policy import Policy
from solvers.symbolic.compile import ACTION, PRINCIPAL, Space, compile_statement
from solvers.symbolic.patterns import ANY_STAR, FIELD_STAR, literal
from solvers.symbolic.terms import Term

Levels = Sequence[Sequence[Policy]]  # root first; each level the RCPs attached there
SERVICE_KEY = "aws:principalisawsservice"


def _service_linked(space: Space) -> list[int]:
    """Principal patterns of service-linked roles and their sessions (Caller.from_arn's rule)."""
    arn = literal("AWS|arn:") + (FIELD_STAR,)
    pdim = space.dims[PRINCIPAL]
    return [pdim.register(arn + literal(":iam::") + (FIELD_STAR,) + literal(":role/" + SERVICE_LINKED_PATH)
                          + (ANY_STAR,)),
            pdim.register(arn + literal(":iam::") + (FIELD_STAR,) + literal(":role/" + SERVICE_LINKED_PREFIX)
                          + (ANY_STAR,)),
            pdim.register(arn + literal(":sts::") + (FIELD_STAR,) + literal(":assumed-role/" + SERVICE_LINKED_PREFIX)
                          + (ANY_STAR,))]


def guard_term(space: Space, levels: Levels) -> Term:
    """Requests the RCP levels let through. Compile before `external_term` (it constrains the caller keys
    the RCPs read, aws:PrincipalOrgID among them)."""
    t = space.t
    passes: list[Term] = []
    denies: list[Term] = []
    for level in levels:
        allows: list[Term] = []
        for policy in level:
            for stmt in policy.statements:
                term = compile_statement(stmt, policy, space)
                (denies if stmt.effect == "Deny" else allows).append(term)
        passes.append(t.or_(*allows))
    binds = t.some(ACTION, [space.action_pattern(f"{s}:*") for s in sorted(RCP_SERVICES)])
    parts = [t.not_(t.some(PRINCIPAL, _service_linked(space))),
             t.or_(t.not_(binds), t.and_(t.not_(t.or_(*denies)), *passes))]
    dim = space.dims.get("ctx:" + SERVICE_KEY)
    if dim is not None and dim.family is Family.STRING:
        false = dim.register(literal("false"))
        parts.append(t.and_(t.present(dim.name), t.some(dim.name, [false]), t.not_(t.some(dim.name, [false], False))))
    return t.and_(*parts)


def _is_service_linked(request: Request) -> bool:
    who = request.principal
    if who is None or who.kind != "AWS":
        return False
    resource = who.id.split(":", 5)[-1]
    return resource.startswith(("role/" + SERVICE_LINKED_PATH, "role/" + SERVICE_LINKED_PREFIX,
                                "assumed-role/" + SERVICE_LINKED_PREFIX))


def guard_allows(levels: Levels, request: Request) -> bool:
    """The concrete counterpart of `guard_term` (decide's R1 and R4 for the RCP type)."""
    if not rcp_binds(request.action) or _is_service_linked(request):
        return True
    matching = [[s for p in level for s in p.statements if statement_matches(s, p, request)] for level in levels]
    if any(s.effect == "Deny" for level in matching for s in level):
        return False
    return all(any(s.effect == "Allow" for s in level) for level in matching)
