"""CloudTrail records → per-principal activity, as plain dicts that merge.

`ActivityAccumulator` folds records one at a time (memory grows with the number of principals and
distinct actions, never with the number of events); `partial()` hands its state out as a plain dict, and
`merge_partials` combines two such dicts, so a map over log files and a reduce per principal can run
anywhere (a Ray task, a thread, one loop). The partial's shape:

    {"events": N, "firstEventTime": T|None, "lastEventTime": T|None,
     "skipped": {reason: N}, "unmapped": {"source name": N},
     "principals": {"arn:P:iam::ACCOUNT:role/NAME": {
         "arn": ARN with path, "events": N, "denied": N,
         "actions": {"s3:GetObject": {"count": N, "resources": [ARN, ...] | None}},
         "unmapped": {"source name": N}, "notObservable": {"iam:PassRole": [action, ...]}}}}

`resources` is None when some call of the action did not identify its resource reliably (or it named more
than MAX_RESOURCES_PER_ACTION), so that the policy falls back to a placeholder or "*".
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from solvers.catalog import Catalog
from solvers.generation.exceptions import PASSROLE_EXEMPT_PREFIXES, PASSROLE_PARAMETERS
from solvers.generation.mapping import EventMapper
from solvers.generation.principals import PrincipalKey, fold_identity, key_of
from solvers.generation.resources import ResourceCatalog

MAX_RESOURCES_PER_ACTION = 50


def is_denied(error_code: object) -> bool:
    return isinstance(error_code, str) and ("AccessDenied" in error_code or "Unauthorized" in error_code)


def canonical(key: PrincipalKey) -> str:
    """Path-free ARN used as the dictionary key: IAM names are unique per account whatever the path."""
    return f"arn:{key.partition}:iam::{key.account}:{key.kind}/{key.name}"


class _Principal:
    __slots__ = ("arn", "events", "denied", "actions", "unmapped", "not_observable", "partition")

    def __init__(self, arn: str, partition: str):
        self.arn = arn
        self.partition = partition
        self.events = 0
        self.denied = 0
        self.actions: dict[str, list] = {}  # action -> [count, set of ARNs | None]
        self.unmapped: dict[str, int] = {}
        self.not_observable: dict[str, set[str]] = {}


class ActivityAccumulator:
    """Folds CloudTrail records into per-principal activity. `start`/`end` are ISO-8601 UTC strings
    ("2024-08-01T00:00:00Z", end exclusive) compared as text, as CloudTrail writes eventTime; `only`
    restricts the activity kept to one principal."""

    def __init__(self, catalog: Catalog, *, start: str | None = None, end: str | None = None,
                 only: PrincipalKey | None = None):
        self._mapper = EventMapper(catalog)
        self._resources = ResourceCatalog(catalog)
        self._start = start
        self._end = end
        self._only = canonical(only) if only else None
        self._keys: dict[str, str | None] = {}  # reported ARN -> canonical key
        self._principals: dict[str, _Principal] = {}
        self._skipped: dict[str, int] = {}
        self._unmapped: dict[str, int] = {}
        self._events = 0
        self._first: str | None = None
        self._last: str | None = None

    def _skip(self, reason: str) -> None:
        self._skipped[reason] = self._skipped.get(reason, 0) + 1

    def add_all(self, records: Iterable[Any]) -> None:
        add = self.add
        for record in records:
            add(record)

    def add(self, record: Any) -> None:
        self._events += 1
        if not isinstance(record, dict):
            self._skip("not-a-record")
            return
        when = record.get("eventTime")
        if not isinstance(when, str):
            self._skip("no-event-time")
            return
        if (self._start is not None and when < self._start) or (self._end is not None and when >= self._end):
            self._skip("outside-window")
            return
        if self._first is None or when < self._first:
            self._first = when
        if self._last is None or when > self._last:
            self._last = when
        kind = record.get("eventType")
        if kind is not None and kind != "AwsApiCall":
            self._skip(f"event-type:{kind}")
            return
        folded, arn = fold_identity(record.get("userIdentity"))
        if arn is None:
            self._skip(folded)
            return
        principal = self._principal(arn)
        if principal is None:
            return
        source = record.get("eventSource")
        name = record.get("eventName")
        if not isinstance(source, str) or not isinstance(name, str):
            self._skip("no-event-name")
            return
        principal.events += 1
        if is_denied(record.get("errorCode")):
            principal.denied += 1
        mapped = self._mapper.map(source, name)
        if mapped is None:
            label = f"{source} {name}"
            principal.unmapped[label] = principal.unmapped.get(label, 0) + 1
            self._unmapped[label] = self._unmapped.get(label, 0) + 1
            return
        candidates: list[str] | None = None
        for action in mapped.actions:
            state = principal.actions.get(action)
            if state is None:
                state = principal.actions[action] = [0, set()]
            state[0] += 1
            seen = state[1]
            if seen is None:
                continue
            resources = self._resources.of(action)
            if not resources.any:
                state[1] = None
                continue
            if candidates is None:
                candidates = self._resources.candidates(record, mapped.service, principal.partition)
            arns = resources.reliable(candidates)
            if arns is None:
                state[1] = None
            else:
                seen.update(arns)
                if len(seen) > MAX_RESOURCES_PER_ACTION:
                    state[1] = None
        params = record.get("requestParameters")
        if (isinstance(params, dict) and not PASSROLE_PARAMETERS.isdisjoint(params)
                and mapped.service not in PASSROLE_EXEMPT_PREFIXES and mapped.actions):
            principal.not_observable.setdefault("iam:PassRole", set()).update(mapped.actions)

    def _principal(self, arn: str) -> _Principal | None:
        try:
            canon = self._keys[arn]
        except KeyError:
            key = key_of(arn)
            canon = self._keys[arn] = canonical(key) if key else None
        if canon is None:
            self._skip("not-a-role-or-user")
            return None
        if self._only is not None and canon != self._only:
            self._skip("other-principal")
            return None
        found = self._principals.get(canon)
        if found is None:
            found = self._principals[canon] = _Principal(arn, arn.split(":", 2)[1])
        elif "/" in arn.split(":", 5)[5].split("/", 1)[1] and found.arn != arn:
            found.arn = arn  # prefer the spelling with the path
        return found

    def partial(self) -> dict:
        """The activity so far as a plain, JSON-serialisable dict (see the module docstring)."""
        return {
            "events": self._events,
            "firstEventTime": self._first,
            "lastEventTime": self._last,
            "skipped": dict(self._skipped),
            "unmapped": dict(self._unmapped),
            "principals": {canon: {
                "arn": p.arn, "events": p.events, "denied": p.denied,
                "actions": {a: {"count": s[0], "resources": None if s[1] is None else sorted(s[1])}
                            for a, s in p.actions.items()},
                "unmapped": dict(p.unmapped),
                "notObservable": {a: sorted(v) for a, v in p.not_observable.items()},
            } for canon, p in self._principals.items()},
        }


def empty_partial() -> dict:
    return {"events": 0, "firstEventTime": None, "lastEventTime": None, "skipped": {}, "unmapped": {},
            "principals": {}}


def _add_counts(into: dict[str, int], more: dict[str, int]) -> None:
    for k, n in more.items():
        into[k] = into.get(k, 0) + n


def _merge_principal(a: dict, b: dict) -> dict:
    out = {"arn": a["arn"] if a["arn"].count("/") >= b["arn"].count("/") else b["arn"],
           "events": a["events"] + b["events"], "denied": a["denied"] + b["denied"],
           "actions": {k: dict(v) for k, v in a["actions"].items()},
           "unmapped": dict(a["unmapped"]),
           "notObservable": {k: list(v) for k, v in a["notObservable"].items()}}
    for action, use in b["actions"].items():
        mine = out["actions"].get(action)
        if mine is None:
            out["actions"][action] = dict(use)
            continue
        merged = None
        if mine["resources"] is not None and use["resources"] is not None:
            merged = sorted(set(mine["resources"]) | set(use["resources"]))
            if len(merged) > MAX_RESOURCES_PER_ACTION:
                merged = None
        out["actions"][action] = {"count": mine["count"] + use["count"], "resources": merged}
    _add_counts(out["unmapped"], b["unmapped"])
    for action, via in b["notObservable"].items():
        out["notObservable"][action] = sorted(set(out["notObservable"].get(action, ())) | set(via))
    return out


def merge_partials(a: dict, b: dict) -> dict:
    """Combine two partials (neither is modified); associative and commutative, so any reduce tree works."""
    times = [t for t in (a["firstEventTime"], b["firstEventTime"]) if t]
    lasts = [t for t in (a["lastEventTime"], b["lastEventTime"]) if t]
    out = {"events": a["events"] + b["events"],
           "firstEventTime": min(times) if times else None,
           "lastEventTime": max(lasts) if lasts else None,
           "skipped": dict(a["skipped"]), "unmapped": dict(a["unmapped"]),
           "principals": dict(a["principals"])}
    _add_counts(out["skipped"], b["skipped"])
    _add_counts(out["unmapped"], b["unmapped"])
    for canon, p in b["principals"].items():
        mine = out["principals"].get(canon)
        out["principals"][canon] = p if mine is None else _merge_principal(mine, p)
    return out
