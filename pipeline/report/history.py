"""A small run history beside the lifecycle state: one entry per scan, the last HISTORY_RUNS kept.

Each entry says what the run saw (findings by type and status, public, coverage gaps) and what changed
since the run before: findings that are new (an id the previous state did not hold), reopened (RESOLVED
before, present again) and resolved by this run. The report reads it for the trend and the "since the
previous run" figures; nothing else depends on it.
"""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

from solvers.errors import InputError

HISTORY_FILE = ".trustmap-history.json"
HISTORY_RUNS = 60  # two months of nightly runs


def run_entry(previous: Mapping[str, dict], current: Iterable[dict], run: dict) -> dict:
    """The history entry of a run, given the previous run's state (by id) and this run's findings."""
    by_type: Counter[str] = Counter()
    by_status: Counter[str] = Counter()
    new = reopened = resolved = public = 0
    for f in current:
        status = f["status"]
        by_status[status] += 1
        if status != "RESOLVED":
            by_type[f.get("findingType", "ExternalAccess")] += 1
            public += bool(f.get("isPublic"))
        old = previous.get(f["id"])
        if old is None:
            new += status != "RESOLVED"
        elif old["status"] == "RESOLVED" and status != "RESOLVED":
            reopened += 1
        elif old["status"] != "RESOLVED" and status == "RESOLVED":
            resolved += 1
    return {"startedAt": run.get("startedAt"), "finishedAt": run.get("finishedAt"),
            "findingsByType": dict(sorted(by_type.items())),
            "findingsByStatus": {s: by_status[s] for s in ("ACTIVE", "ARCHIVED", "RESOLVED")},
            "public": public, "gaps": len(run.get("gaps") or ()),
            "changes": {"new": new, "reopened": reopened, "resolved": resolved}}


def load_history(out: Path) -> list[dict]:
    path = out / HISTORY_FILE
    if not path.is_file():
        return []
    try:
        runs = json.loads(path.read_text())["runs"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(f"cannot read the run history {path}: {exc}") from None
    if not isinstance(runs, list):
        raise InputError(f"cannot read the run history {path}: runs is not a list")
    return runs


def record_run(out: Path, previous: Mapping[str, dict], current: Iterable[dict], run: dict) -> Path:
    """Append this run's entry to the history (written atomically, oldest entries dropped)."""
    from pipeline.artifacts import write_atomic
    runs = load_history(out) + [run_entry(previous, current, run)]
    path = out / HISTORY_FILE
    write_atomic(path, json.dumps({"runs": runs[-HISTORY_RUNS:]}, indent=1))
    return path
