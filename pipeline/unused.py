"""Unused-access findings over collected accounts — shared by `trustmap scan` (on the driver, after
enumeration and the CloudTrail map) and `trustmap unused` (one account or principal, no Ray).

Input per account: the home scope's `iamAuthorizationDetails` and `iamUsage` (connectors), plus the
CloudTrail activity reduced per principal (solvers.generation), if logs were given.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pipeline.settings import ScanSettings
from solvers.unused.findings import UNUSED_TYPES, AccountUsage, Tally, account_findings
from solvers.unused.principals import principals_of
from solvers.unused.tracking import MAX_DAYS, Exclusions, TrackingPeriod, iso, parse_time


@dataclass
class UnusedResult:
    findings: list[dict] = field(default_factory=list)
    tally: Tally = field(default_factory=Tally)
    accounts: int = 0
    unreadable_accounts: list[str] = field(default_factory=list)

    def absorb(self, other: UnusedResult) -> None:
        """Add another batch of accounts' result to this one."""
        self.findings += other.findings
        self.accounts += other.accounts
        self.unreadable_accounts += other.unreadable_accounts
        self.tally.principals += other.tally.principals
        self.tally.judged += other.tally.judged
        for reason, count in other.tally.skipped.items():
            self.tally.skipped[reason] = self.tally.skipped.get(reason, 0) + count

    def summary(self, period: TrackingPeriod) -> dict:
        by_type = {t: sum(1 for f in self.findings if f["findingType"] == t) for t in UNUSED_TYPES}
        return {"trackingDays": period.days, "asOf": iso(period.as_of), "accounts": self.accounts,
                "principals": self.tally.principals, "judged": self.tally.judged, "skipped": self.tally.skipped,
                "unreadableAccounts": self.unreadable_accounts, "findings": by_type}


def tracking_period(settings: ScanSettings) -> TrackingPeriod:
    as_of = parse_time(settings.unused_as_of) or datetime.now(UTC).replace(microsecond=0)
    return TrackingPeriod(settings.unused_tracking_days, as_of)


def exclusions(settings: ScanSettings) -> Exclusions:
    return Exclusions(frozenset(settings.unused_exclude_accounts), tuple(dict(t) for t in settings.unused_exclude_tags))


def activity_window_start(settings: ScanSettings, period: TrackingPeriod) -> str:
    """Where the CloudTrail window starts when unused access is judged from it: the configured start,
    or else the tracking period's (so that the logs read are the period's)."""
    return settings.generation_start or iso(period.start)


def activity_by_principal(reduced: Mapping | None) -> dict[str, list[str]]:
    """A reduced activity partial → {canonical principal ARN: actions used}."""
    if not reduced:
        return {}
    return {arn: list(p.get("actions", {})) for arn, p in reduced.get("principals", {}).items()}


def activity_complete(settings: ScanSettings, period: TrackingPeriod, reduced: Mapping | None) -> bool:
    """The logs read cover the whole period: their window starts at or before it. Pointing trustmap at a
    trail says the trail holds that window's events."""
    if reduced is None:
        return False
    start = parse_time(activity_window_start(settings, period))
    end = parse_time(settings.generation_end)
    return start is not None and start <= period.start and (end is None or end >= period.as_of)


def unused_findings(identities: Iterable[Mapping], settings: ScanSettings, period: TrackingPeriod,
                    reduced_activity: Mapping | None = None, only: str | None = None) -> UnusedResult:
    """`identities`: {"account", "details" (GetAccountAuthorizationDetails), "usage" (iam_usage record)}."""
    result = UnusedResult()
    activity = activity_by_principal(reduced_activity)
    complete = activity_complete(settings, period, reduced_activity)
    rules = exclusions(settings)
    for identity in sorted(identities, key=lambda i: i["account"]):
        result.accounts += 1
        if identity.get("details") is None:
            result.unreadable_accounts.append(identity["account"])
            continue
        usage = AccountUsage.of(identity.get("usage"), activity, complete)
        principals = principals_of(identity["details"], identity["account"])
        result.findings += account_findings(principals, usage, period, rules, result.tally, only)
    return result


def identities_of(scopes: Iterable[Mapping]) -> list[dict]:
    """The per-account input of `unused_findings` from collected scopes (snapshot or live)."""
    return [{"account": s["account"], "details": s.get("iamAuthorizationDetails"), "usage": s.get("iamUsage")}
            for s in scopes if s.get("home")]


def granted_beyond_activity(identities: Iterable[Mapping], reduced_activity: Mapping) -> dict[str, dict]:
    """Per principal with CloudTrail activity: what its identity policies grant beyond the actions it
    was seen using (services never used whole, and unused actions of the services it used), whatever
    its age or exclusions — the other half of its generated policy."""
    from solvers.unused.evidence import Evidence
    from solvers.unused.findings import unused_permissions
    activity = activity_by_principal(reduced_activity)
    period = TrackingPeriod(MAX_DAYS, datetime.now(UTC))  # activity carries no times: any use counts
    out: dict[str, dict] = {}
    for identity in identities:
        if identity.get("details") is None:
            continue
        for principal in principals_of(identity["details"], identity["account"]):
            actions = activity.get(principal.canonical_arn)
            if not actions:
                continue
            evidence = Evidence()
            evidence.add_activity(actions, complete=True)
            details, _ = unused_permissions(principal, evidence, period)
            out[principal.arn] = {"observedActions": sorted(actions), "grantedButUnused": details}
    return dict(sorted(out.items()))
