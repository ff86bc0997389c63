"""The scan's internal-access stage (authorization.md §6.4): `[internal_access]` in the TOML, the
resources its inclusions select, the Ray tasks over (resource batch × principal-class batch) cells
(pipeline/internal_fanout.py cuts the grid), and the run summary.

Inclusions follow Access Analyzer's `InternalAccessAnalysisRuleCriteria`: a resource is analysed when
some inclusion matches it, an inclusion matching when each criterion it gives matches (account ids,
resource types, exact resource ARNs). No inclusions: the stage is off. Access Analyzer's six types are
analysed by default; the extension types (KMS keys, secrets, queues, topics, functions, roles) only when
an inclusion names them or the scan's `resource_types` selects them.
"""
from __future__ import annotations

import gc
import itertools
import pickle
import time
from collections.abc import Callable, Mapping, Sequence

from solvers.errors import InputError

TASK_RETRIES = 3  # a worker that dies costs a retry, not the scan (as the scan's other stages)
_CRITERIA = {"account_ids": "accountIds", "resource_types": "resourceTypes", "resource_arns": "resourceArns"}


def internal_settings(table: object) -> dict:
    """`[internal_access]`: zone (ORGANIZATION or ACCOUNT), inclusions (a list of tables), aws_compatible
    (AWS's PRINCIPAL_LIMIT_EXCEEDED beyond 3,000 principals on a resource)."""
    if not isinstance(table, dict):
        raise InputError("[internal_access] must be a table")
    zone = str(table.get("zone", "ORGANIZATION")).upper()
    if zone not in ("ORGANIZATION", "ACCOUNT"):
        raise InputError(f"internal_access.zone must be ORGANIZATION or ACCOUNT, not {zone!r}")
    inclusions = table.get("inclusions", [])
    if not isinstance(inclusions, list) or not all(isinstance(i, dict) for i in inclusions):
        raise InputError("internal_access.inclusions must be a list of tables")
    out = []
    for inc in inclusions:
        unknown = set(inc) - set(_CRITERIA) - set(_CRITERIA.values())
        if unknown:
            raise InputError(f"internal_access inclusion: unknown criteria {', '.join(sorted(unknown))}")
        crit = {}
        for name, aws in _CRITERIA.items():
            values = inc.get(name, inc.get(aws))
            if values is not None:
                if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                    raise InputError(f"internal_access inclusion: {name} must be a list of strings")
                crit[name] = tuple(values)
        if zone == "ACCOUNT" and "account_ids" in crit:
            raise InputError("internal_access: account_ids is for the ORGANIZATION zone only (as analysisRule)")
        out.append(crit)
    compatible = table.get("aws_compatible", False)
    if not isinstance(compatible, bool):
        raise InputError("internal_access.aws_compatible must be true or false")
    return {"internal_zone": zone, "internal_inclusions": tuple(tuple(sorted(c.items())) for c in out),
            "internal_aws_compatible": compatible}


def selected(record: Mapping, inclusions: Sequence[Sequence[tuple[str, tuple[str, ...]]]],
             extension_types: Sequence[str]) -> bool:
    from solvers.internal.universe import AWS_TYPES, EXTENSION_TYPES
    rtype = record["resourceType"]
    for inc in inclusions:
        crit = dict(inc)
        if "account_ids" in crit and record["account"] not in crit["account_ids"]:
            continue
        if "resource_arns" in crit and record["resourceArn"] not in crit["resource_arns"]:
            continue
        if "resource_types" in crit:
            if rtype in crit["resource_types"]:
                return True
            continue
        if rtype in AWS_TYPES or (rtype in EXTENSION_TYPES and rtype in extension_types):
            return True
    return False


def internal_findings(ray, settings, organization, scopes: list[dict], now: str,
                      cell_seconds: list[float] | None = None) -> tuple[list[dict], dict]:
    """This run's internal-access findings (stamped `analyzedAt`) and the stage's summary for run.json.
    A thin driver over pipeline.internal_fanout: each principal batch's index and each resource batch
    go to the object store once; the cells run as Ray tasks, at most two per CPU in flight.
    `cell_seconds` (the bench's): receives each cell's CPU seconds, in submission order."""
    from connectors.aws.collect import Collection, ScopeResult
    from pipeline import internal_fanout as fan
    from pipeline.internal_access import candidates, targets_of
    from solvers.catalog import gc_paused
    from solvers.internal.analyze import resource_error
    from solvers.internal.population import Population
    from solvers.internal.universe import universe
    started = time.perf_counter()
    collection = Collection(organization, tuple(ScopeResult.from_dict(s) for s in scopes))
    zone = settings.internal_zone
    chosen = sorted({r["resourceArn"] for r in collection.resources()
                     if selected(r, settings.internal_inclusions, settings.resource_types)})
    people = candidates(collection)
    findings: list[dict] = []
    targets = []
    for t, error in targets_of(collection, chosen):
        if error:
            findings.append(resource_error(zone, t, error))
        else:
            targets.append(t)
    targets.sort(key=lambda t: (t.type, t.policy is not None, t.owner, t.arn))
    across, down = fan.grid(len(targets), len(people))
    principal_batches = fan.principal_batches(people, across)
    resource_batches = fan.resource_batches(targets, down)
    order = {c.arn: i for i, c in enumerate(people)}
    # The cells' findings (hundreds of thousands of small acyclic dicts) are built here, on the driver,
    # the serial part: the cycle collector's passes over them as they grow would cost more than building.
    with gc_paused():
        done, totals, seconds = _run_cells(ray, lambda p: Population.of([people[i] for i in principal_batches[p]]),
                                           len(principal_batches), resource_batches, zone)
        findings += fan.merge(zone, resource_batches, done, order, settings.internal_aws_compatible)
        for f in findings:  # each a dict of its own, just unpickled or built
            f["analyzedAt"] = now
        # They live as long as the scan: frozen out of the collector's reach, so that its first pass once
        # it resumes need not walk them all (3 s at 300,000 findings); reference counting still frees them.
        gc.freeze()
    if cell_seconds is not None:
        cell_seconds += seconds
    naive = sum(len(universe(t.type, t.arn)) for t in targets) * len(people)
    summary = {"zone": zone, "resources": len(chosen), "candidates": len(people),
               "findings": sum(1 for f in findings if not f.get("error")),
               "errors": sum(1 for f in findings if f.get("error")),
               "principalClassesAnalysed": totals.get("classes", 0), "prefiltered": totals.get("prefiltered", 0),
               "concreteDecisions": totals.get("concrete", 0), "solverQuestions": totals.get("questions", 0),
               "naiveQuestions": naive, "tasks": len(done), "grid": [len(resource_batches), len(principal_batches)],
               "taskCpuSeconds": round(sum(seconds), 3), "seconds": round(time.perf_counter() - started, 3)}
    return findings, summary


def _run_cells(ray, population: Callable[[int], object], principal_batches: int, resource_batches: list,
               zone: str) -> tuple[dict, dict[str, int], list[float]]:
    """Every (resource batch, principal batch) cell as a Ray task, at most two per CPU in flight, results
    taken as they come: each cell's findings, the summed work counters, each cell's CPU seconds in
    submission order. Each principal batch's index (`population(p)`) and each resource batch goes to
    the object store when a cell first needs it: the first cells run while the driver builds the rest."""
    from pipeline.internal_fanout import cell_task
    # resource batch by resource batch: a principal batch-major order measured a longer tail (the
    # costliest cells last), 1.83x against 1.90x list-scheduled on 2 workers
    cells = [(r, p) for r in range(len(resource_batches)) for p in range(principal_batches)]
    remote = ray.remote(max_retries=TASK_RETRIES)(cell_task)
    cap = 2 * int(ray.cluster_resources().get("CPU", 1))
    people_refs: dict[int, object] = {}
    resource_refs: dict[int, object] = {}
    pending: dict = {}
    done: dict[tuple[int, int], list[list[dict]]] = {}
    totals: dict[str, int] = {}
    seconds_of: dict[tuple[int, int], float] = {}
    queue = iter(cells)
    while True:
        for r, p in itertools.islice(queue, cap - len(pending)):
            if p not in people_refs:
                people_refs[p] = ray.put(population(p))
            if r not in resource_refs:
                resource_refs[r] = ray.put(resource_batches[r])
            pending[remote.remote(people_refs[p], resource_refs[r], zone)] = (r, p)
        if not pending:
            return done, totals, [seconds_of[cell] for cell in cells]
        [ready], _ = ray.wait(list(pending), num_returns=1)
        found, counts, seconds = ray.get(ready)
        cell = pending.pop(ready)
        done[cell], seconds_of[cell] = pickle.loads(found), seconds  # our own workers' bytes
        for k, v in counts.items():
            totals[k] = totals.get(k, 0) + v


def this_run(internal: tuple[list[dict], dict] | None, previous: Mapping[str, dict]) -> list[dict]:
    """The internal findings to carry into the lifecycle: this run's, or, when the stage is off, the
    previous run's as they were (not resolved: nothing was looked at)."""
    if internal is not None:
        return internal[0]
    return [f for f in previous.values() if f.get("findingType") == "InternalAccess" and f["status"] != "RESOLVED"]
