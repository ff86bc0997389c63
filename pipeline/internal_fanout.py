"""How the scan's internal-access stage splits its work (authorization.md §6.3 step 6, issue 16 item 5):
a grid of (resource batch × principal-class batch) cells, each one Ray task. Pure functions: the driver
(pipeline/scan_internal.py) only ships the batches and gathers the cells.

- Principal-class batches: candidates with the same identity policies, boundary and type (the identity
  part of a class key, solvers/internal/analyze.py) always land in the same batch, so a class is analysed
  once per resource whatever the split and its answers carry between the resources of a cell as they
  would in one process; batches are filled largest group first into the lightest batch.
- Resource batches: consecutive runs of the targets in the driver's order (type, policy, owner), so that
  resources whose answers carry over sit together.
- Sizes come from the work alone (principals × resources), never from the number of workers: the same
  organization is cut the same way on 1 or 100 CPUs, so the counts in run.json do not depend on it.
- A cell returns each resource's findings; the merge puts them back in candidate order per resource and
  applies Access Analyzer's 3,000-principal limit on the whole resource, not per cell.
"""
from __future__ import annotations

import math
import pickle
import time
from collections.abc import Sequence

from solvers.internal.analyze import PRINCIPAL_LIMIT, Stats, analyze_resource, resource_error
from solvers.internal.model import Candidate, Target
from solvers.internal.population import Population

PRINCIPALS_PER_BATCH = 2_500  # candidates per principal-class batch (a group of equal identities is never cut)
PAIRS_PER_TASK = 1_000_000  # (principal, resource) pairs a task is given when the organization is large
MIN_PAIRS_PER_TASK = 20_000  # below this a task's fixed cost (shipping, unpickling) outweighs its work
MIN_TASKS = 16  # enough cells to keep a few machines busy when the work allows it


def identity_group(c: Candidate) -> tuple:
    """The identity part of the class key (Population.identity_key): equal groups share classes."""
    return (tuple(s.policy.text for s in c.identity), c.boundary.policy.text if c.boundary else None, c.type)


def grid(resources: int, principals: int) -> tuple[int, int]:
    """(principal batches, resource batches) for this much work."""
    pairs = resources * principals
    if pairs == 0:
        return 1, 1
    tasks = max(MIN_TASKS, math.ceil(pairs / PAIRS_PER_TASK))
    tasks = max(1, min(tasks, pairs // MIN_PAIRS_PER_TASK))
    across = max(1, min(tasks, math.ceil(principals / PRINCIPALS_PER_BATCH)))
    down = max(1, min(resources, math.ceil(tasks / across)))
    return across, down


def principal_batches(candidates: Sequence[Candidate], count: int) -> list[list[int]]:
    """Candidate indexes in `count` batches (empty ones dropped), each in candidate order, whole identity
    groups only, largest group first into the lightest batch (ties: the first batch)."""
    groups: dict[tuple, list[int]] = {}
    for i, c in enumerate(candidates):
        groups.setdefault(identity_group(c), []).append(i)
    bins: list[list[int]] = [[] for _ in range(max(1, count))]
    for members in sorted(groups.values(), key=lambda m: (-len(m), m[0])):
        min(bins, key=len).extend(members)
    return [sorted(b) for b in bins if b]


def resource_batches(targets: Sequence[Target], count: int) -> list[list[Target]]:
    size = max(1, math.ceil(len(targets) / max(1, count)))
    return [list(targets[i:i + size]) for i in range(0, len(targets), size)]


def analyze_cell(people: Population, targets: Sequence[Target], zone: str) -> tuple[list[list[dict]], dict]:
    """One cell: every finding of these principals on each of these resources (one list per resource),
    and the work counters."""
    stats = Stats()
    memo: dict = {}  # answers carried between the cell's resources (analyze_resource)
    found = [analyze_resource(t, people, zone, stats=stats, memo=memo) for t in targets]
    return found, {k: v for k, v in vars(stats).items() if isinstance(v, int)}


def cell_task(people: Population, targets: Sequence[Target], zone: str) -> tuple[bytes, dict, float]:
    """A cell as a Ray task: its findings pickled here, in parallel (the driver's `pickle.loads` of them
    costs about a fifth of Ray's own deserialization of the same dicts, and the driver is the serial
    part), the counters, and the task's CPU seconds (for the bench's serial-fraction figure)."""
    started = time.process_time()
    found, counts = analyze_cell(people, targets, zone)
    return pickle.dumps(found, protocol=pickle.HIGHEST_PROTOCOL), counts, time.process_time() - started


def merge(zone: str, targets: Sequence[Sequence[Target]], cells: dict[tuple[int, int], list[list[dict]]],
          order: dict[str, int], aws_compatible: bool) -> list[dict]:
    """The findings of every resource batch `r` from its cells `(r, p)`, per resource in candidate order
    (`order`: principal ARN -> candidate index), a resource with more than PRINCIPAL_LIMIT principals
    replaced by its one PRINCIPAL_LIMIT_EXCEEDED finding when `aws_compatible`."""
    out: list[dict] = []
    across = sorted({p for _, p in cells})
    for r, batch in enumerate(targets):
        for k, t in enumerate(batch):
            found = [f for p in across for f in cells[(r, p)][k]]
            found.sort(key=lambda f: order[_principal(f)])  # stable: a principal's findings keep their order
            if aws_compatible and len({_principal(f) for f in found}) > PRINCIPAL_LIMIT:
                found = [resource_error(zone, t, "PRINCIPAL_LIMIT_EXCEEDED")]
            out += found
    return out


def _principal(f: dict) -> str:
    return f["findingDetails"][0]["internalAccessDetails"]["principal"]["AWS"]
