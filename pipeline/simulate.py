"""`trustmap simulate`: the offline IAM policy simulator (authorization.md §5).

Three ways in, one way out: an input file in `simulate-custom-policy --cli-input-json` form, the same
fields as flags, or a principal read from a `trustmap collect` snapshot (pipeline.simulate_snapshot).
Each becomes a `Simulation`; every (action, resource) is decided by `solvers.authorization.decide` and
printed as IAM's SimulatePolicyResponse (JSON), a table (text) or an explanation (--explain).
Exit codes: 0 computed, 1 `--expect` differs, 2 bad input.
"""
from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence

from solvers.authorization.context import CallerKind
from solvers.authorization.decide import decide
from solvers.authorization.response import evaluation_result, explain
from solvers.authorization.simulate_input import Simulation, derive_context, read_simulation
from solvers.errors import InputError


def load_input(text: str, name: str) -> Simulation:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{name} is not JSON: {exc}") from None
    return read_simulation(data)


def flags_input(read: Callable[[str], str], *, actions: Sequence[str], resources: Sequence[str],
                resource_owner: str | None, caller_arn: str | None, caller_service: str | None, anonymous: bool,
                policies: Sequence[str], boundary: str | None, session_policy: str | None,
                resource_policy: str | None, scp_levels: Sequence[str], rcp_levels: Sequence[str],
                endpoint_policies: Sequence[str], context: Sequence[str]) -> Simulation:
    """The flag form, turned into the input file's fields (so both go through one reader)."""
    def levels(specs: Sequence[str], inner: str) -> list[dict]:
        return [{inner: [] if spec == "none" else [read(f) for f in spec.split(",") if f]} for spec in specs]

    data: dict = {"ActionNames": list(actions), "PolicyInputList": [read(p) for p in policies]}
    if resources:
        data["ResourceArns"] = list(resources)
    for key, value in (("ResourceOwner", resource_owner), ("CallerArn", caller_arn),
                       ("CallerServicePrincipal", caller_service)):
        if value is not None:
            data[key] = value
    if anonymous:
        data["CallerAnonymous"] = True
    if boundary:
        data["PermissionsBoundaryPolicyInputList"] = [read(boundary)]
    if session_policy:
        data["SessionPolicy"] = read(session_policy)
    if resource_policy:
        data["ResourcePolicy"] = read(resource_policy)
    if scp_levels:
        data["OrderedOrganizationPolicyInputList"] = levels(scp_levels, "ServiceControlPolicyInputList")
    if rcp_levels:
        data["OrderedResourceControlPolicyInputList"] = levels(rcp_levels, "ResourceControlPolicyInputList")
    if endpoint_policies:
        data["VpcEndpointPolicyInputList"] = [read(p) for p in endpoint_policies]
    data["ContextEntries"] = [context_entry(item) for item in context]
    return read_simulation(data)


def context_entry(item: str) -> dict:
    """`--context KEY=VALUE[,VALUE]` as a ContextEntries item (string, or stringList for several values)."""
    key, sep, values = item.partition("=")
    if not sep or not key:
        raise InputError(f"--context {item!r} is not KEY=VALUE[,VALUE]")
    vals = values.split(",")
    return {"ContextKeyName": key, "ContextKeyValues": vals,
            "ContextKeyType": "stringList" if len(vals) > 1 else "string"}


def derived_keys(sim: Simulation) -> dict[str, list[str]]:
    """--derive-context: the principal and resource keys the input itself fixes (never the time or
    aws:SecureTransport, which the request would carry)."""
    ctx = sim.context
    c = ctx.caller
    out: dict[str, list[str]] = {}
    if c.kind is CallerKind.SERVICE:
        out["aws:PrincipalIsAWSService"] = ["true"]
        out["aws:PrincipalServiceName"] = [c.arn or ""]
    elif c.kind is not CallerKind.ANONYMOUS:
        out["aws:PrincipalIsAWSService"] = ["false"]
        out["aws:PrincipalArn"] = [c.role_arn or c.arn or ""]
        out["aws:PrincipalAccount"] = [c.account or ""]
        out["aws:PrincipalType"] = [{CallerKind.USER: "User", CallerKind.ROLE_SESSION: "AssumedRole",
                                     CallerKind.FEDERATED: "FederatedUser", CallerKind.ROOT: "Account"}[c.kind]]
        if c.kind is CallerKind.USER and c.arn:
            out["aws:username"] = [c.arn.rsplit("/", 1)[1]]
    if ctx.owner:
        out["aws:ResourceAccount"] = [ctx.owner]
    out.update({k: list(v) for k, v in sim.facts.items()})
    return out


def simulate(sim: Simulation, derive: bool = False) -> dict:
    """The SimulatePolicyResponse for every action of the simulation."""
    if derive:
        sim = derive_context(sim, derived_keys(sim))
    results = []
    for action in sim.actions:
        decisions = [(req, decide(sim.context, req)) for req in sim.requests(action)]
        results.append(evaluation_result(sim, action, decisions))
    return {"EvaluationResults": results, "IsTruncated": False}


def explanation(sim: Simulation, derive: bool = False) -> str:
    if derive:
        sim = derive_context(sim, derived_keys(sim))
    lines: list[str] = []
    for action in sim.actions:
        lines += explain(sim, action, [(req, decide(sim.context, req)) for req in sim.requests(action)])
    return "\n".join(lines)


def run_simulation(sim: Simulation, fmt: str, derive: bool, expect: str | None, show_explanation: bool) -> int:
    response = simulate(sim, derive)
    if show_explanation:
        sys.stdout.write(explanation(sim, derive) + "\n")
    elif fmt == "json":
        sys.stdout.write(json.dumps(response) + "\n")
    else:
        for r in response["EvaluationResults"]:
            blocked = ", ".join(b["type"] + (f" {b['level']}" if "level" in b else "") for b in r["trustmap"]["blockedBy"])
            sys.stdout.write(f"{r['EvalDecision']:<13} {r['EvalActionName']:<40} {r['EvalResourceName']}"
                             f"{'  blocked by ' + blocked if blocked else ''}\n")
    if expect is not None and any(r["EvalDecision"] != expect for r in response["EvaluationResults"]):
        return 1
    return 0
