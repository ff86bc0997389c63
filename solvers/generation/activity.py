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
MAX_MEMO = 50_000
_UNMAPPED: Any = object()  # marks an unmappable event in the cache (None means "not looked up yet")


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
        self._who: dict[str, _Principal | str] = {}  # ARN in a record -> its principal, or why it is skipped
        self._principals: dict[str, _Principal] = {}  # canonical ARN -> principal
        self._mapped: dict[tuple[str, str], Any] = {}  # (source, name) -> (service, ((action, resources), ...))
        self._reliable: dict[tuple, tuple[str, ...] | None] = {}  # (action, candidate ARNs) -> reliable ARNs
        self._skipped: dict[str, int] = {}
        self._unmapped: dict[str, int] = {}
        self._events = 0
        self._first: str | None = None
        self._last: str | None = None

    def _skip(self, reason: str) -> None:
        self._skipped[reason] = self._skipped.get(reason, 0) + 1

    def add(self, record: Any) -> None:
        self.add_all((record,))

    def add_all(self, records: Iterable[Any]) -> None:
        # The hot loop of generation: a million events should cost little more than parsing them. So it
        # is one function with its state in local variables, every lookup is cached per distinct string
        # (principal ARN, event name, candidate ARNs), and the checks are ordered cheapest first.
        start, end, first, last = self._start, self._end, self._first, self._last
        skip, principal_of, mapped_cache, reliable_cache = self._skip, self._principal, self._mapped, self._reliable
        candidates_of, who = self._resources.candidates, self._who
        count = 0
        for record in records:
            count += 1
            if type(record) is not dict:
                skip("not-a-record")
                continue
            when = record.get("eventTime")
            if type(when) is not str:
                skip("no-event-time")
                continue
            if (start is not None and when < start) or (end is not None and when >= end):
                skip("outside-window")
                continue
            if first is None or when < first:
                first = when
            if last is None or when > last:
                last = when
            kind = record.get("eventType")
            if kind is not None and kind != "AwsApiCall":
                skip(f"event-type:{kind}")
                continue
            # Inline fast path for the two common identities; anything else (and the first sight of an
            # ARN) goes through _principal, which caches its answer in `who`.
            identity = record.get("userIdentity")
            found: _Principal | str | None = None
            if type(identity) is dict:
                itype = identity.get("type")
                arn = None
                if itype == "AssumedRole":
                    context = identity.get("sessionContext")
                    issuer = context.get("sessionIssuer") if type(context) is dict else None
                    arn = issuer.get("arn") if type(issuer) is dict else None
                elif itype == "IAMUser":
                    arn = identity.get("arn")
                if arn is not None:
                    found = who.get(arn)
            if found is None:
                resolved = principal_of(identity)
                if resolved is None:
                    continue
                principal = resolved
            elif isinstance(found, str):
                skip(found)
                continue
            else:
                principal = found
            source = record.get("eventSource")
            name = record.get("eventName")
            if type(source) is not str or type(name) is not str:
                skip("no-event-name")
                continue
            principal.events += 1
            error = record.get("errorCode")
            if error is not None and is_denied(error):
                principal.denied += 1
            mapped = mapped_cache.get((source, name))
            if mapped is None:
                mapped = mapped_cache[(source, name)] = self._map(source, name)
            if mapped is _UNMAPPED:
                label = f"{source} {name}"
                principal.unmapped[label] = principal.unmapped.get(label, 0) + 1
                self._unmapped[label] = self._unmapped.get(label, 0) + 1
                continue
            service, actions = mapped
            candidates = None
            used = principal.actions
            for action, resources in actions:
                state: list[Any] | None = used.get(action)
                if state is None:
                    state = used[action] = [0, set() if resources.any else None]
                state[0] += 1
                seen = state[1]
                if seen is None:
                    continue
                if candidates is None:
                    candidates = candidates_of(record, service, principal.partition)
                arns = reliable_cache.get((action, candidates), _UNMAPPED)
                if arns is _UNMAPPED:
                    if len(reliable_cache) > MAX_MEMO:
                        reliable_cache.clear()
                    matched = resources.reliable(list(candidates))
                    arns = reliable_cache[(action, candidates)] = tuple(matched) if matched is not None else None
                if arns is None:
                    state[1] = None
                else:
                    seen.update(arns)
                    if len(seen) > MAX_RESOURCES_PER_ACTION:
                        state[1] = None
            params = record.get("requestParameters")
            if (params and type(params) is dict and not PASSROLE_PARAMETERS.isdisjoint(params)
                    and service not in PASSROLE_EXEMPT_PREFIXES and actions):
                principal.not_observable.setdefault("iam:PassRole", set()).update(a for a, _ in actions)
        self._events += count
        self._first, self._last = first, last

    def _map(self, source: str, name: str) -> Any:
        found = self._mapper.map(source, name)
        if found is None:
            return _UNMAPPED
        return found.service, tuple((a, self._resources.of(a)) for a in found.actions)

    def _principal(self, identity: Any) -> _Principal | None:
        """The principal an identity counts for, or None (counted as skipped). Cached per ARN."""
        arn = None
        if isinstance(identity, dict):
            kind = identity.get("type")
            if kind == "AssumedRole":  # the common case first: a role session with its issuer
                issuer = (identity.get("sessionContext") or {}).get("sessionIssuer")
                arn = issuer.get("arn") if isinstance(issuer, dict) else None
            elif kind == "IAMUser":
                arn = identity.get("arn")
        if not isinstance(arn, str):
            reason, arn = fold_identity(identity)
            if arn is None:
                self._skip(reason)
                return None
        found = self._who.get(arn)
        if found is None:
            found = self._who[arn] = self._resolve(arn)
        if isinstance(found, str):
            self._skip(found)
            return None
        return found

    def _resolve(self, arn: str) -> _Principal | str:
        key = key_of(arn)
        if key is None:
            return "not-a-role-or-user"
        canon = canonical(key)
        if self._only is not None and canon != self._only:
            return "other-principal"
        found = self._principals.get(canon)
        if found is None:
            found = self._principals[canon] = _Principal(arn, key.partition)
        elif arn.count("/") > found.arn.count("/"):
            found.arn = arn  # several spellings (with and without the path): report the one with the path
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
