"""Decisions as IAM's `SimulatePolicyResponse` (authorization.md §5, R10) and as an explanation for people."""
from __future__ import annotations

from collections.abc import Sequence

from solvers.authorization.context import AuthContext, AuthRequest
from solvers.authorization.decide import Blocker, Decision, Match, Outcome, binding_types
from solvers.authorization.simulate_input import Simulation
from solvers.evaluator import action_matches
from solvers.policy import Statement
from solvers.variables import parse_template, template_vars

_RESTRICTIVE = {Outcome.EXPLICIT_DENY: 0, Outcome.IMPLICIT_DENY: 1, Outcome.ALLOWED: 2}
_TYPE_NAMES = {"identity": "identity policy", "resource": "resource policy", "boundary": "permissions boundary",
               "session": "session policy", "scp": "SCP level", "rcp": "RCP level", "endpoint": "VPC endpoint policy",
               "intrinsic": "AWS itself (R0)"}


def _position(stmt: Statement) -> tuple[dict, dict]:
    start, end = stmt.span.start, stmt.span.end  # IAM counts columns from 1; jsonspan from 0
    return {"Line": start.line, "Column": start.column + 1}, {"Line": end.line, "Column": end.column + 1}


def matched_statement(m: Match) -> dict:
    start, end = _position(m.statement)
    return {"SourcePolicyId": m.source.id, "SourcePolicyType": m.source.type, "StartPosition": start,
            "EndPosition": end}


def missing_context(ctx: AuthContext, req: AuthRequest) -> list[str]:
    """Keys that a condition (or a Resource variable) of a statement matching the action needed and the
    request lacked: IAM's MissingContextValues."""
    types = binding_types(ctx, req.action)
    missing: dict[str, None] = {}
    for kind, src in ctx.sources():
        if kind not in types:
            continue
        for stmt in src.policy.statements:
            if not action_matches(stmt.action, req.action):
                continue
            for cond in stmt.conditions:
                if cond.key_lower not in req.context:
                    missing.setdefault(cond.key, None)
            for v in stmt.resource.values if stmt.resource else ():
                for var in template_vars(parse_template(v.text, src.policy.supports_variables)):
                    if var.default is None and var.key not in req.context:
                        missing.setdefault(var.key, None)
    return sorted(missing)


def _trustmap_block(d: Decision) -> dict:
    return {"blockedBy": [b.as_dict() for b in d.blocked_by], "path": d.path.value if d.path else None}


def _details(d: Decision, ctx: AuthContext, resource: str) -> dict:
    out: dict = {"OrganizationsDecisionDetail": {"AllowedByOrganizations": d.allowed_by_organizations},
                 "PermissionsBoundaryDecisionDetail": {"AllowedByPermissionsBoundary": d.allowed_by_boundary}}
    # R10 and IAM's EvaluationResult: a decision per policy type for cross-account requests; empty within
    # one account when a resource is named; absent for "*" and when an SCP ended the evaluation
    if d.allowed_by_organizations and ctx.cross_account:
        out["EvalDecisionDetails"] = {"IdentityPolicy": _side(d, "identity"), "ResourcePolicy": _side(d, "resource")}
    elif d.allowed_by_organizations and resource != "*":
        out["EvalDecisionDetails"] = {}
    return out


def _side(d: Decision, kind: str) -> str:
    mine = [m for m in d.matches if m.type == kind]
    if any(m.statement.effect == "Deny" for m in mine):
        return Outcome.EXPLICIT_DENY.value
    return (Outcome.ALLOWED if mine or (kind == "identity" and d.path is not None) else Outcome.IMPLICIT_DENY).value


def evaluation_result(sim: Simulation, action: str, decisions: Sequence[tuple[AuthRequest, Decision]]) -> dict:
    """One EvaluationResult: the most restrictive decision across the resources, each in ResourceSpecificResults."""
    ctx = sim.context
    per_resource = []
    for req, d in decisions:
        per_resource.append({"EvalResourceName": req.resource, "EvalResourceDecision": d.outcome.value,
                             "MatchedStatements": [matched_statement(m) for m in d.decisive],
                             "MissingContextValues": [sim.key_names.get(k, k) for k in missing_context(ctx, req)],
                             **_details(d, ctx, req.resource), "trustmap": _trustmap_block(d)})
    worst_index = min(range(len(decisions)), key=lambda i: _RESTRICTIVE[decisions[i][1].outcome])
    req, worst = decisions[worst_index]
    head = per_resource[worst_index]
    return {"EvalActionName": action,
            "EvalResourceName": req.resource if len(decisions) == 1 else "*",
            "EvalDecision": worst.outcome.value, "MatchedStatements": head["MatchedStatements"],
            "MissingContextValues": sorted({k for r in per_resource for k in r["MissingContextValues"]}),
            **_details(worst, ctx, req.resource),
            "ResourceSpecificResults": per_resource if len(decisions) > 1 else [],
            "trustmap": _trustmap_block(worst)}


# ------------------------------------------------------------------------------------------ explain

def _where(m: Match) -> str:
    start, end = _position(m.statement)
    sid = f" ({m.statement.sid})" if m.statement.sid else ""
    level = f" level {m.level}" if m.type in ("scp", "rcp") else ""
    place = (f"line {start['Line']}, columns {start['Column']}-{end['Column']}" if start["Line"] == end["Line"]
             else f"lines {start['Line']}-{end['Line']}")
    return f"{_TYPE_NAMES[m.type].removesuffix(' level')}{level} {m.source.id}, Statement[{m.statement.index}]{sid}, {place}"


def _blocker(b: Blocker, d: Decision) -> str:
    name = _TYPE_NAMES[b.type] + (f" {b.level}" if b.level is not None else "")
    if b.explicit:
        return f"{name}: an explicit Deny matches"
    if b.type == "intrinsic":
        return "AWS itself: no policy can allow writes to AWS-owned policies, roles and aliases"
    if b.type in ("identity", "resource"):
        return f"{name}: no statement allows it"
    return f"{name}: no statement allows it, and every request must pass it"


def explain(sim: Simulation, action: str, decisions: Sequence[tuple[AuthRequest, Decision]]) -> list[str]:
    lines = []
    for req, d in decisions:
        lines.append(f"{action} on {req.resource}: {d.outcome.value}")
        if d.outcome is Outcome.ALLOWED:
            lines.append(f"  path: {d.path.value if d.path else '-'}")
            lines += [f"  allowed by {_where(m)}" for m in d.decisive]
        elif d.outcome is Outcome.EXPLICIT_DENY:
            lines += [f"  denied by {_where(m)}" for m in d.decisive]
        else:
            lines += [f"  blocked by {_blocker(b, d)}" for b in d.blocked_by]
            grants = [m for m in d.matches if m.statement.effect == "Allow" and m.type in ("identity", "resource")]
            lines += [f"  (an Allow that was not enough: {_where(m)})" for m in grants]
        missing = missing_context(sim.context, req)
        if missing:
            lines.append("  context keys the policies test but the request lacks: " + ", ".join(missing))
    return lines
