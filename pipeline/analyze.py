"""`trustmap analyze`: one resource policy (or a whole resource configuration) as Access Analyzer would
see it attached to a resource in an account, with the account or an organization as zone of trust."""
from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from solvers.errors import InputError

if TYPE_CHECKING:
    from solvers.policy import Policy


def _configuration_or_policy(text: str, resource_type: str) -> dict:
    """A configuration file holds one access-preview member ({"s3Bucket": {...}}); anything else is a
    policy, analysed as the resource's only access setting."""
    from solvers.external.analyze import configuration_for_policy
    from solvers.external.resources import POLICY_MEMBERS
    try:
        doc = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        doc = None
    if isinstance(doc, dict) and len(doc) == 1 and next(iter(doc)) in POLICY_MEMBERS:
        return doc
    from solvers.policy import parse_policy
    policy = parse_policy(text)  # a policy given on the command line must parse: bad input, not a finding
    _refuse_what_aws_rejects(policy, resource_type)
    return configuration_for_policy(resource_type, text)


# Resource types whose policies AWS refuses to store without Resource in every statement (S3's
# PutBucketPolicy: "Missing required field Resource"; KMS's PutKeyPolicy: MalformedPolicyDocument).
_RESOURCE_REQUIRED = frozenset({"AWS::S3::Bucket", "AWS::S3Express::DirectoryBucket", "AWS::KMS::Key"})


def _refuse_what_aws_rejects(policy, resource_type: str) -> None:
    """A resource policy AWS would not attach is bad input: there is no access to find in it."""
    for s in policy.statements:
        where = f"Statement[{s.index}]"
        if s.principal is None:
            raise InputError(f"{where}: a resource policy statement needs Principal or NotPrincipal "
                             f"(AWS rejects the policy)")
        if s.resource is None and resource_type in _RESOURCE_REQUIRED:
            raise InputError(f"{where}: {resource_type} policy statements need Resource or NotResource "
                             f"(AWS rejects the policy)")


def rcp_levels(specs: Sequence[str], read: Callable[[str], str]) -> tuple[tuple[Policy, ...], ...] | None:
    """`--rcp-level F[,F]` (or `none`, an empty level), root first, as parsed RCPs; None when not given."""
    from solvers.policy import parse_policy
    if not specs:
        return None
    return tuple(tuple(parse_policy(read(f)) for f in spec.split(",") if f) if spec != "none" else ()
                 for spec in specs)


def run_analyze(text: str, resource_type: str, arn: str, account: str, org_id: str | None,
                org_accounts: list[str], account_block: dict | None = None,
                rcps: Sequence[Sequence[Policy]] | None = None, apply_guardrails: bool = False) -> dict:
    """The findings of one resource. With `rcps` (the owner's RCP levels) each finding says whether they
    bind it (`resourceControlPolicyRestriction`); with `apply_guardrails` too, they are folded in."""
    from pipeline.guardrails import restriction
    from solvers.external.analyze import analyze_resource
    from solvers.external.zone import ZoneOfTrust
    if not arn.startswith("arn:") or arn.count(":") < 5:
        raise InputError(f"resource ARN {arn!r} is not an ARN")
    if apply_guardrails and rcps is None:
        raise InputError("--apply-guardrails needs the owner's RCPs (--rcp-level)")
    zone = ZoneOfTrust(account, org_id, frozenset(org_accounts))
    configuration = _configuration_or_policy(text, resource_type)
    field = restriction(resource_type, rcps is not None, apply_guardrails)
    folded = rcps if field == "APPLIED" else None  # APPLIED only when apply_guardrails
    findings = analyze_resource(resource_type, arn, account, configuration, zone, account_block, guardrails=folded)
    if rcps is not None:
        findings = [f if f["error"] else {**f, "resourceControlPolicyRestriction": field} for f in findings]
    return {"findings": findings}


def print_findings(result: dict, fmt: str) -> None:
    if fmt == "json":
        sys.stdout.write(json.dumps(result) + "\n")
        return
    from rich.console import Console
    from rich.table import Table
    findings = result["findings"]
    console = Console()
    if not findings:
        console.print("[green]No external access.[/]")
        return
    table = Table("principal", "actions", "condition", "public", "status")
    for f in findings:
        if f.get("error"):
            table.add_row("[yellow]error[/]", f["error"], f.get("errorDetail", ""), "", f["status"])
            continue
        who = ", ".join(f"{k}: {v}" for k, v in f["principal"].items())
        cond = ", ".join(f"{k}={v}" for k, v in f["condition"].items()) or "-"
        table.add_row(who, "\n".join(f["action"]), cond, "[red]yes[/]" if f["isPublic"] else "no", f["status"])
    console.print(table)
