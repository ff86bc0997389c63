"""Findings across runs, as Access Analyzer keeps them, and archive rules.

A finding keeps its id while the same access exists (ids derive from resource, principal, condition,
sources). New findings are ACTIVE, or ARCHIVED when an archive rule matches; findings still present keep
their status (ARCHIVED stays archived; RESOLVED becomes ACTIVE again); findings gone are RESOLVED, and
resolved ones are forgotten after 90 days. Error findings are removed, not resolved, once fixed.

"Gone" needs the run to have looked: a finding absent from this run whose resource the run did not see
completely (`pipeline.coverage`: a coverage gap, an error finding, an account or Region not enumerated)
is *carried over* unchanged, status and dates included, never resolved on a guess. The state is one
JSON file beside the artifacts.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from solvers.errors import InputError

RESOLVED_RETENTION = timedelta(days=90)
CRITERIA = ("eq", "neq", "contains", "exists")


@dataclass(frozen=True)
class ArchiveRule:
    name: str
    filter: Mapping[str, Mapping]

    @staticmethod
    def parse(data: object) -> ArchiveRule:
        if not isinstance(data, dict) or not isinstance(data.get("name"), str) or not isinstance(data.get("filter"), dict):
            raise InputError("an archive rule needs a name and a filter table")
        for key, criterion in data["filter"].items():
            if not isinstance(criterion, dict) or not criterion or set(criterion) - set(CRITERIA):
                raise InputError(f"archive rule {data['name']!r}: filter {key!r} takes eq, neq, contains or exists")
            for op in ("eq", "neq", "contains"):
                values = criterion.get(op)
                if op in criterion and (not isinstance(values, list) or not 1 <= len(values) <= 20):
                    raise InputError(f"archive rule {data['name']!r}: {key}.{op} must list 1 to 20 strings")
        return ArchiveRule(data["name"], data["filter"])

    def matches(self, finding: dict) -> bool:
        """Every filter key must hold (keys are ANDed, as Access Analyzer's filters)."""
        for key, criterion in self.filter.items():
            values = _values(finding, key)
            if "exists" in criterion and bool(values) != bool(criterion["exists"]):
                return False
            if "eq" in criterion and not any(v in criterion["eq"] for v in values):
                return False
            if "neq" in criterion and any(v in criterion["neq"] for v in values):
                return False
            if "contains" in criterion and not any(c in v for v in values for c in criterion["contains"]):
                return False
        return True


def _values(finding: dict, key: str) -> list[str]:
    """The strings a filter key names in a finding (Access Analyzer's filter keys)."""
    head, _, rest = key.partition(".")
    if head in ("principal", "condition") and rest:
        value = (finding.get(head) or {}).get(rest)
    else:
        value = finding.get(key)
    if value is None:
        return []
    if isinstance(value, bool):
        return [str(value).lower()]
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass
class Advanced:
    """This run's findings with their lifecycle status, and the ids of those carried over unseen."""
    findings: list[dict]
    carried_over: list[str] = field(default_factory=list)


def _everything(_: dict) -> bool:
    return True


def advance(previous: Mapping[str, dict], current: Iterable[dict], rules: Iterable[ArchiveRule], now: str,
            seen: Callable[[dict], bool] = _everything) -> Advanced:
    """This run's findings with their lifecycle status, given the previous run's (by id). `seen` says
    whether this run looked completely where a previous finding's resource lives; an absent finding it
    did not see keeps its previous status."""
    rules = list(rules)
    out: dict[str, dict] = {}
    for f in current:
        old = previous.get(f["id"])
        f = dict(f)
        if old is None:
            f["createdAt"] = f["updatedAt"] = now
            f["status"] = "ARCHIVED" if any(r.matches(f) for r in rules) else "ACTIVE"
        else:
            status = "ARCHIVED" if old["status"] == "ARCHIVED" else "ACTIVE"
            changed = status != old["status"] or _content(f) != _content(old)
            f["createdAt"] = old["createdAt"]
            f["updatedAt"] = now if changed else old["updatedAt"]
            f["status"] = status
            if status == "ACTIVE" and any(r.matches(f) for r in rules):
                f["status"], f["updatedAt"] = "ARCHIVED", now
        out[f["id"]] = f
    carried = []
    for fid, old in previous.items():
        if fid in out:
            continue  # still there
        if old["status"] == "RESOLVED":
            if _time(now) - _time(old["updatedAt"]) <= RESOLVED_RETENTION:
                out[fid] = old
        elif not seen(old):
            out[fid] = old  # not looked at: it may well still be there
            carried.append(fid)
        elif not old.get("error"):  # error findings are removed once fixed, not resolved
            out[fid] = {**old, "status": "RESOLVED", "updatedAt": now}
    return Advanced(sorted(out.values(), key=lambda f: (f["resource"], f["id"])), sorted(carried))


def _content(f: dict) -> tuple:
    return (json.dumps(f.get("principal"), sort_keys=True), tuple(f.get("action") or ()),
            json.dumps(f.get("condition"), sort_keys=True), f.get("isPublic"), f.get("error"),
            json.dumps(f.get("findingDetails"), sort_keys=True))  # unused-access findings: their details


def load_state(path: Path) -> dict[str, dict]:
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text())
        return {f["id"]: f for f in data["findings"]}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(f"cannot read the previous run's state {path}: {exc}") from None
