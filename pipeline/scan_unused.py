"""Unused access inside the scan: accounts are judged in Ray tasks (batches of accounts, each task given
only its own principals' CloudTrail activity), results merged on the driver. Every task judges as of
the same instant, fixed on the driver."""
from __future__ import annotations

from dataclasses import replace

from pipeline.settings import ScanSettings
from pipeline.unused import UnusedResult, tracking_period, unused_findings
from solvers.unused.tracking import TrackingPeriod, iso

ACCOUNTS_PER_TASK = 8
TASK_RETRIES = 3


def judge_accounts(identities: list[dict], settings: ScanSettings, activity: dict | None) -> UnusedResult:
    """One task: the unused-access findings of a batch of accounts (pure; testable without Ray)."""
    return unused_findings(identities, settings, tracking_period(settings), activity)


def _activity_of(reduced: dict | None, accounts: set[str]) -> dict | None:
    if reduced is None:
        return None
    principals = {arn: p for arn, p in reduced.get("principals", {}).items() if arn.split(":")[4] in accounts}
    return {"principals": principals}


def judge_unused(ray, settings: ScanSettings, identities: list[dict],
                 reduced: dict | None) -> tuple[UnusedResult, TrackingPeriod]:
    period = tracking_period(settings)
    fixed = replace(settings, unused_as_of=iso(period.as_of))
    remote = ray.remote(max_retries=TASK_RETRIES)(judge_accounts)
    batches = [identities[i:i + ACCOUNTS_PER_TASK] for i in range(0, len(identities), ACCOUNTS_PER_TASK)]
    cap = 2 * int(ray.cluster_resources().get("CPU", 1))
    settings_ref = ray.put(fixed)
    pending: dict = {}
    merged = UnusedResult()
    while batches or pending:
        while batches and len(pending) < cap:
            batch = batches.pop()
            pending[remote.remote(batch, settings_ref, _activity_of(reduced, {i["account"] for i in batch}))] = batch
        [done], _ = ray.wait(list(pending), num_returns=1)
        pending.pop(done)
        merged.absorb(ray.get(done))  # a task failing after its retries fails the scan: no partial verdicts
    merged.findings.sort(key=lambda f: (f["resource"], f["id"]))
    return merged, period
