"""`trustmap unused`: unused-access findings for some accounts or one principal, without Ray and without
state — every finding is reported ACTIVE as of the judgement instant, in findings.json's FindingV2 shape."""
from __future__ import annotations

import json
import re
import sys

from solvers.errors import InputError

_PRINCIPAL = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):(role|user)/\S+$")


def _principal_account(principal: str | None) -> str | None:
    if principal is None:
        return None
    match = _PRINCIPAL.match(principal)
    if not match:
        raise InputError(f"--principal must be an IAM role or user ARN, not {principal!r}")
    return match.group(1)


def _scopes(settings, from_snapshot: str | None) -> tuple[list[dict], list[dict]]:
    """Home-Region scopes (as dicts) of the selected accounts, and the gaps met reading them."""
    if from_snapshot:
        from connectors.snapshot import read_snapshot
        collection = read_snapshot(from_snapshot)
    else:
        from connectors.aws.collect import Selection, collect
        from pipeline.settings import session_config
        config = session_config(settings)
        selection = Selection(settings.accounts or None, (settings.home_region,), ("AWS::IAM::Role",),
                              iam_usage=True, last_accessed=settings.unused_last_accessed)
        collection = collect(config, selection, settings.accounts_in_flight)
    scopes = [s.as_dict() for s in collection.scopes if s.home and (not settings.accounts or s.account in settings.accounts)]
    return scopes, [g.as_dict() for g in collection.gaps()]


def _activity(settings, period) -> dict | None:
    if not settings.cloudtrail:
        return None
    from pipeline.generate import reduce_partials
    from pipeline.scan_generation import generation_tasks
    from pipeline.unused import activity_window_start
    tasks = generation_tasks(settings.cloudtrail, settings.endpoint_url, settings.profile, settings.home_region,
                             activity_window_start(settings, period), settings.generation_end)
    return reduce_partials(fn(*args) for fn, args in tasks)


def unused_command(config: str | None, overrides: dict, principal: str | None, from_snapshot: str | None,
                   fmt: str) -> int:
    """Exit 0, or 3 when some account or principal could not be read completely (coverage gaps)."""
    from pipeline.artifacts import finding_v2
    from pipeline.scan_generation import unreadable_gaps
    from pipeline.settings import load_settings
    from pipeline.unused import identities_of, tracking_period, unused_findings
    account = _principal_account(principal)
    if account and not overrides.get("accounts"):
        overrides = {**overrides, "accounts": account}
    settings = load_settings(config, overrides)
    period = tracking_period(settings)
    scopes, gaps = _scopes(settings, from_snapshot)
    activity = _activity(settings, period)
    gaps += unreadable_gaps(activity)
    result = unused_findings(identities_of(scopes), settings, period, activity, only=principal)
    findings = [finding_v2({**f, "status": "ACTIVE", "createdAt": f["analyzedAt"], "updatedAt": f["analyzedAt"]})
                for f in result.findings]
    if fmt == "json":
        sys.stdout.write(json.dumps({"findings": findings, "summary": result.summary(period), "gaps": gaps}) + "\n")
    else:
        _print_text(findings, result.summary(period), gaps)
    return 3 if gaps else 0


def _print_text(findings: list[dict], summary: dict, gaps: list[dict]) -> None:
    from rich.console import Console
    from rich.table import Table
    console = Console()
    table = Table("finding type", "resource", "what is unused", title=f"unused access as of {summary['asOf']} "
                  f"({summary['trackingDays']} days; {summary['judged']} of {summary['principals']} principals judged)")
    for f in findings:
        details = f["findingDetails"]
        if f["findingType"] == "UnusedPermission":
            what = ", ".join(d["unusedPermissionDetails"]["serviceNamespace"] for d in details)
        elif f["findingType"] == "UnusedIAMUserAccessKey":
            what = details[0]["unusedIamUserAccessKeyDetails"]["accessKeyId"]
        else:
            last = next(iter(details[0].values())).get("lastAccessed") if details else None
            what = f"last used {last}" if last else "never used"
        table.add_row(f["findingType"], f["resource"], what)
    console.print(table)
    for gap in gaps:
        console.print(f"[yellow]gap[/] {gap['account']} {gap['operation']}: {gap['errorCode']} {gap.get('message', '')}",
                      highlight=False)
