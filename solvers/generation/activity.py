"""CloudTrail records → per-principal activity, as plain dicts that merge.

`ActivityAccumulator` folds records one at a time (memory grows with the number of principals and
distinct actions, never with the number of events); `partial()` hands its state out as a plain dict, and
`merge_partials` combines two such dicts, so a map over log files and a reduce per principal can run
anywhere (a Ray task, a thread, one loop). The partial's shape:

    {"events": N, "firstEventTime": T|None, "lastEventTime": T|None,
     "skipped": {reason: N}, "unmapped": {"source name": N}, "unreadable": [message naming a log file, ...],
     "principals": {"arn:P:iam::ACCOUNT:role/NAME": {
         "arn": ARN with path, "events": N, "denied": N,
         "actions": {"s3:GetObject": {"count": N, "resources": [ARN, ...] | None}},
         "unmapped": {"source name": N}, "notObservable": {"iam:PassRole": [action, ...]}}}}

`resources` is None when some call of the action did not identify its resource reliably (or it named more
than MAX_RESOURCES_PER_ACTION), so that the policy falls back to a placeholder or "*".
"""
from __future__ import annotations

from collections.abc import Iterable
from itertools import islice
from typing import Any

from solvers.catalog import Catalog
from solvers.generation.exceptions import PASSROLE_EXEMPT_PREFIXES, PASSROLE_PARAMETERS
from solvers.generation.mapping import EventMapper
from solvers.generation.principals import PrincipalKey, fold_identity, key_of
from solvers.generation.resources import ActionResources, ResourceCatalog, candidate_key

MAX_RESOURCES_PER_ACTION = 50
# Entries per memo of an action's reliable ARNs (one memo per action): a trail names few tables or functions
# again and again, and object keys once each, which are not worth keeping; bounds memory per action.
MAX_MEMO = 2_048
FOLD_LIST = 256  # records per list when folding an iterable that is not a list
KEY_SAMPLE = 8  # records whose keys give the lookup keys of a batch (see key_objects)
# The keys the fold reads, in the order add_all unpacks them.
FOLD_KEYS = ("eventTime", "userIdentity", "type", "sessionContext", "sessionIssuer", "arn", "eventSource", "eventName",
             "eventType", "errorCode", "requestParameters")
_UNMAPPED: Any = object()  # marks an unmappable event in the mapping cache
_MISSING: Any = object()  # "not looked up yet" where None is an answer
_AWS_SERVICE = "skip:aws-service"  # what fold_identity answers for every AWSService identity
# Only a call that configures something can hand a role to a service (see ActivityAccumulator._map).
PASSROLE_ACCESS_LEVELS = frozenset({"Write", "Permissions management"})
# Per catalog, what every accumulator of it works out the same way: its EventMapper, its ResourceCatalog (and
# the ARN patterns compiled in it), the mapping of each kind of event, and the reliable ARNs per action and
# candidate key (bounded by MAX_MEMO per action). A map task over a batch of files makes a new accumulator,
# which then starts from what the previous ones of the process found.
_SHARED: dict[int, tuple[Catalog, EventMapper, ResourceCatalog, dict[tuple[str, str], Any],
                         dict[tuple[str, str, str], dict[Any, tuple[str, ...] | None]]]] = {}


def key_objects(samples: list) -> dict[str, str]:
    """The key strings of a few parsed records and of the objects nested in them, by value. orjson hands
    out the same string object for a key each time it parses it (its key cache), and a dict lookup with
    that very object succeeds on pointer equality instead of comparing the strings: looking records up
    with these keys saves a fifth of the fold. Any equal string finds the same values, only slower."""
    found: dict[str, str] = {}
    stack = [s for s in samples if type(s) is dict]
    while stack:
        obj = stack.pop()
        for k, v in obj.items():
            found.setdefault(k, k)
            if type(v) is dict:
                stack.append(v)
    return found


def _add_arns(cell: list, arns: tuple[str, ...] | None) -> bool:
    """Add a call's reliable ARNs (None: it named none reliably) to an action's cell; whether the cell still
    collects (a cell dies, None, at a call without reliable ARNs or past MAX_RESOURCES_PER_ACTION)."""
    if arns is None:
        cell[0] = None
        return False
    cell[0].update(arns)
    if len(cell[0]) > MAX_RESOURCES_PER_ACTION:
        cell[0] = None
        return False
    return True


def is_denied(error_code: object) -> bool:
    return isinstance(error_code, str) and ("AccessDenied" in error_code or "Unauthorized" in error_code)


def canonical(key: PrincipalKey) -> str:
    """Path-free ARN used as the dictionary key: IAM names are unique per account whatever the path."""
    return f"arn:{key.partition}:iam::{key.account}:{key.kind}/{key.name}"


class _Principal:
    """One role's or user's activity. Its event, denial, action and unmapped counts are its routes' counts,
    added up by `partial()`: one increment per event instead of one per event and per action."""

    __slots__ = ("arn", "actions", "not_observable", "partition", "routes", "route_list")

    def __init__(self, arn: str, partition: str):
        self.arn = arn
        self.partition = partition
        self.actions: dict[str, list] = {}  # action -> [set of ARNs | None], a cell its routes share
        self.not_observable: dict[str, set[str]] = {}
        self.routes: dict[str, dict[str, _Route]] = {}  # eventSource -> eventName -> route
        self.route_list: list[_Route] = []  # the same routes, in the order of their first event


class _Route:
    """What one kind of event (eventSource, eventName) does to one principal's activity, worked out on the
    first such event: the state of each action it needs (shared with the principal's other routes to the
    same action), with the memo of the action's reliable ARNs per candidate key; or the label it is
    counted under when it cannot be mapped."""

    __slots__ = ("partition", "not_observable", "service", "actions", "uses", "passrole", "unmapped", "count",
                 "denied", "live", "folded")

    # No reference back to the principal: a principal and its routes form no cycle, so a finished
    # accumulator is freed by reference counting at once, not by the cycle collector batches later.
    def __init__(self, principal: _Principal, service: str, actions: tuple[str, ...],
                 uses: tuple[tuple[list, ActionResources, dict], ...], passrole: bool, unmapped: str | None):
        self.partition = principal.partition
        self.not_observable = principal.not_observable
        self.service = service
        self.actions = actions
        self.uses = uses
        self.passrole = passrole  # the call needs actions of a service that takes roles handed to it
        self.unmapped = unmapped
        self.count = 0  # events that took this route
        self.denied = 0  # of which denied
        # Some action still collects resource ARNs. Only ever goes from True to False (a cell set to None
        # stays None); may stay True a while after its cells died through another route, which is harmless.
        self.live = any(cell[0] is not None for cell, _, _ in uses)
        self.folded: set[Any] = set()  # candidate keys whose ARNs are in every cell still collecting (see _collect)


class ActivityAccumulator:
    """Folds CloudTrail records into per-principal activity. `start`/`end` are ISO-8601 UTC strings
    ("2024-08-01T00:00:00Z", end exclusive) compared as text, as CloudTrail writes eventTime; `only`
    restricts the activity kept to one principal."""

    def __init__(self, catalog: Catalog, *, start: str | None = None, end: str | None = None,
                 only: PrincipalKey | None = None):
        shared = _SHARED.get(id(catalog))
        if shared is None or shared[0] is not catalog:
            if len(_SHARED) >= 4:
                _SHARED.clear()
            shared = _SHARED[id(catalog)] = (catalog, EventMapper(catalog), ResourceCatalog(catalog), {}, {})
        self._catalog, self._mapper, self._resources, self._mapped, self._reliable = shared
        self._start = start
        self._end = end
        self._only = canonical(only) if only else None
        self._who: dict[str, _Principal | str] = {}  # ARN in a record -> its principal, or why it is skipped
        self._principals: dict[str, _Principal] = {}  # canonical ARN -> principal
        # Shared (see _SHARED): self._mapped, (source, name) -> (service, ((action, resources), ...), passrole), and
        # self._reliable, (action, service, partition) -> {candidate key: reliable ARNs | None}.
        self._skipped: dict[str, int] = {}
        self._unmapped: dict[str, None] = {}  # labels of unmappable events, in the order first seen
        self._events = 0
        self._unreadable: list[str] = []  # log files that could not be read (their records read before count)
        self._keys: tuple[str, ...] = FOLD_KEYS  # the lookup keys of the last list of records (see _lookup_keys)
        self._probe: object = None  # the first key of that list's first record
        self._first: str | None = None
        self._last: str | None = None

    def unreadable(self, message: str) -> None:
        """Note a log file that could not be read (the message names it); the fold goes on with the next."""
        self._unreadable.append(message)

    def _skip(self, reason: str) -> None:
        self._skipped[reason] = self._skipped.get(reason, 0) + 1

    def add(self, record: Any) -> None:
        """One record, through the reference path alone (`add_all` gives the same activity, faster)."""
        self._events += 1
        route = self._route_of(record)
        if route is not None:
            self._use(route, record)

    def add_all(self, records: Iterable[Any]) -> None:
        """Records, with the same activity as `add` one at a time, faster. A list is folded as it is (a file's
        piece, see connectors.cloudtrail.files), any other iterable in lists of FOLD_LIST records."""
        if type(records) is not list:
            it = iter(records)
            while chunk := list(islice(it, FOLD_LIST)):
                self.add_all(chunk)
            return
        # The hot loop of generation: a million events should cost little more than parsing them. A record
        # is read with plain subscripts (no method calls, no type checks) until it reaches the route its
        # principal and event kind took before; anything else -- a missing or odd field, a principal or an
        # event kind seen for the first time, an event that is no API call, a time that is no string (its
        # comparison raises) -- raises or misses, and the record takes the reference path (`_route_of`)
        # before any state has changed. What a route does to the activity is `_use`, inlined here but for
        # the ARNs of a candidate key not yet folded into the route (`_collect`); tests check both give the
        # same activity.
        start, end, first, last = self._start, self._end, self._first, self._last
        skip, who, route_of, collect = self._skip, self._who, self._route_of, self._collect
        windowed = start is not None or end is not None
        k_time, k_identity, k_type, k_context, k_issuer, k_arn, k_source, k_name, k_kind, k_error, k_params = (
            self._lookup_keys(records))
        found: Any  # a principal, or why its events are skipped
        route: Any  # a _Route, or why the record is skipped
        self._events += len(records)
        for record in records:
            try:
                when = record[k_time]
                identity = record[k_identity]
                kind = identity[k_type]
                if kind == "AssumedRole":
                    found = who[identity[k_context][k_issuer][k_arn]]
                elif kind == "IAMUser":
                    found = who[identity[k_arn]]
                elif kind == "AWSService":
                    found = _AWS_SERVICE
                elif kind == "FederatedUser":  # counts for the user that called GetFederationToken
                    arn = identity[k_context][k_issuer][k_arn]
                    if ":iam::" not in arn:
                        raise KeyError(arn)
                    found = who[arn]
                else:
                    raise KeyError(kind)
                route = found if type(found) is str else found.routes[record[k_source]][record[k_name]]
                if record[k_kind] != "AwsApiCall":
                    raise KeyError(k_kind)
                if windowed and ((start is not None and when < start) or (end is not None and when >= end)):
                    skip("outside-window")
                    continue
                # Until a record has set them, first and last are None and the comparison raises: the
                # reference path sets them (a time that is no string raises here too).
                if when < first:
                    first = when
                elif when > last:
                    last = when
            except (KeyError, TypeError):
                # The reference path, with the window's first and last times handed over and back.
                self._first, self._last = first, last
                route = route_of(record)
                first, last = self._first, self._last
                if route is None:
                    continue
            else:
                if type(route) is str:
                    skip(route)
                    continue
            # _use(route, record), inlined
            route.count += 1
            if k_error in record and is_denied(record[k_error]):
                route.denied += 1
            if route.live:
                key = candidate_key(record, route.service)
                if key not in route.folded:
                    collect(route, record, key)
            if route.passrole and k_params in record:
                params = record[k_params]
                if params and type(params) is dict and not PASSROLE_PARAMETERS.isdisjoint(params):
                    route.not_observable.setdefault("iam:PassRole", set()).update(route.actions)
                    route.passrole = False  # its actions are in; another such call would add nothing
        self._first, self._last = first, last

    def _collect(self, route: _Route, record: dict, key: Any) -> None:
        """Add the reliable ARNs of a candidate key (see candidate_key) to every cell of the route still
        collecting, then remember the key as folded into the route: its ARNs are in each cell or the cell has
        died (cells only grow or die), so another record with the same key would change nothing."""
        live = False
        for cell, resources, memo in route.uses:
            if cell[0] is None:
                continue
            arns = memo.get(key, _MISSING)
            if arns is _MISSING:
                if len(memo) > MAX_MEMO:
                    memo.clear()
                arns = memo[key] = self._reliable_of_key(key, record, route, resources)
            live = _add_arns(cell, arns) or live
        if not live:
            route.live = False
            return
        if len(route.folded) > MAX_MEMO:
            route.folded.clear()
        route.folded.add(key)

    def _reliable_of_key(self, key: Any, record: dict, route: _Route,
                         resources: ActionResources) -> tuple[str, ...] | None:
        """The reliable ARNs of a candidate key, read off the key (see candidate_key): the one ARN of the
        record's `resources` list, their ARNs, or the ARNs among the request parameters; built from the record
        only when the key also holds what the service's builder reads."""
        in_aws_region = self._resources.in_aws_region
        if type(key) is str:
            return resources.reliable_one(key) if in_aws_region(key) else None
        listed = key[0] if key and type(key[0]) is tuple else key
        if listed is not key and len(key) > 1:
            listed = self._resources.candidates(record, route.service, route.partition)
        matched = resources.reliable([a for a in listed if in_aws_region(a)])
        return tuple(matched) if matched is not None else None

    def _lookup_keys(self, records: list) -> tuple[str, ...]:
        """FOLD_KEYS as the key objects of a list of records (see key_objects), worked out again only when the
        first key of its first record is not the very object the last list's was: a file read a piece at a time
        hands over many short lists, whose keys are orjson's same objects (a stale key still finds its values,
        only slower)."""
        probe = next(iter(records[0]), None) if records and type(records[0]) is dict else None
        if probe is None or probe is not self._probe:
            found = key_objects(records[:KEY_SAMPLE])
            self._keys = tuple([found.get(k, k) for k in FOLD_KEYS])
            self._probe = probe
        return self._keys

    def _use(self, route: _Route, record: dict) -> None:
        """Count one event of a route for its principal: the event, a denial, each action and the reliable
        ARNs it acted on, and iam:PassRole when the call handed a role to a service. The ARNs are worked out
        from the record every time: no memo, no candidate key (what the fast path's answers are checked
        against)."""
        route.count += 1
        error = record.get("errorCode")
        if error is not None and is_denied(error):
            route.denied += 1
        for cell, resources, _ in route.uses:
            if cell[0] is None:
                continue
            matched = resources.reliable(list(self._resources.candidates(record, route.service, route.partition)))
            _add_arns(cell, tuple(matched) if matched is not None else None)
        if route.passrole:
            params = record.get("requestParameters")
            if params and type(params) is dict and not PASSROLE_PARAMETERS.isdisjoint(params):
                route.not_observable.setdefault("iam:PassRole", set()).update(route.actions)

    def _route_of(self, record: Any) -> _Route | None:
        """The reference path: every check in order, each skip counted with its reason, the window's first
        and last times updated; the record's route (made on first use), or None when it is skipped."""
        if type(record) is not dict:
            self._skip("not-a-record")
            return None
        when = record.get("eventTime")
        if type(when) is not str:
            self._skip("no-event-time")
            return None
        if (self._start is not None and when < self._start) or (self._end is not None and when >= self._end):
            self._skip("outside-window")
            return None
        if self._first is None or when < self._first:
            self._first = when
        if self._last is None or when > self._last:
            self._last = when
        kind = record.get("eventType")
        if kind is not None and kind != "AwsApiCall":
            self._skip(f"event-type:{kind}")
            return None
        principal = self._principal(record.get("userIdentity"))
        if principal is None:
            return None
        source = record.get("eventSource")
        name = record.get("eventName")
        if type(source) is not str or type(name) is not str:
            self._skip("no-event-name")
            return None
        by_name = principal.routes.get(source)
        if by_name is None:
            by_name = principal.routes[source] = {}
        route = by_name.get(name)
        if route is None:
            route = by_name[name] = self._new_route(principal, source, name)
            principal.route_list.append(route)
        return route

    def _new_route(self, principal: _Principal, source: str, name: str) -> _Route:
        mapped = self._mapped.get((source, name))
        if mapped is None:
            mapped = self._mapped[(source, name)] = self._map(source, name)
        if mapped is _UNMAPPED:
            label = f"{source} {name}"
            self._unmapped.setdefault(label)
            return _Route(principal, "", (), (), False, label)
        service, actions, passrole = mapped
        uses = []
        for action, resources in actions:
            cell = principal.actions.get(action)
            if cell is None:
                cell = principal.actions[action] = [set() if resources.any else None]
            memo = self._reliable.setdefault((action, service, principal.partition), {})
            uses.append((cell, resources, memo))
        return _Route(principal, service, tuple(a for a, _ in actions), tuple(uses), passrole, None)

    def _map(self, source: str, name: str) -> Any:
        """(service, ((action, its resources), ...), whether the call may hand a role to the service)."""
        found = self._mapper.map(source, name)
        if found is None:
            return _UNMAPPED
        # Only a call that configures something (a Write or Permissions management action) can hand a role
        # to a service; reading, listing or tagging never needs iam:PassRole, whatever its parameters say.
        passrole = found.service not in PASSROLE_EXEMPT_PREFIXES and any(
            self._catalog.access_level(a) in PASSROLE_ACCESS_LEVELS for a in found.actions)
        return found.service, tuple((a, self._resources.of(a)) for a in found.actions), passrole

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
        unmapped = dict.fromkeys(self._unmapped, 0)
        principals = {}
        for canon, p in self._principals.items():
            events, denied, counts, labels = 0, 0, dict.fromkeys(p.actions, 0), dict[str, int]()
            for route in p.route_list:
                events += route.count
                denied += route.denied
                for action in route.actions:
                    counts[action] += route.count
                if route.unmapped is not None:
                    labels[route.unmapped] = labels.get(route.unmapped, 0) + route.count
                    unmapped[route.unmapped] += route.count
            principals[canon] = {
                "arn": p.arn, "events": events, "denied": denied,
                "actions": {a: {"count": counts[a], "resources": None if cell[0] is None else sorted(cell[0])}
                            for a, cell in p.actions.items()},
                "unmapped": labels,
                "notObservable": {a: sorted(v) for a, v in p.not_observable.items()},
            }
        return {
            "events": self._events,
            "firstEventTime": self._first,
            "lastEventTime": self._last,
            "skipped": dict(self._skipped),
            "unmapped": unmapped,
            "unreadable": sorted(self._unreadable),
            "principals": principals,
        }


def empty_partial() -> dict:
    return {"events": 0, "firstEventTime": None, "lastEventTime": None, "skipped": {}, "unmapped": {},
            "unreadable": [], "principals": {}}


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
           "unreadable": sorted(a["unreadable"] + b["unreadable"]),
           "principals": dict(a["principals"])}
    _add_counts(out["skipped"], b["skipped"])
    _add_counts(out["unmapped"], b["unmapped"])
    for canon, p in b["principals"].items():
        mine = out["principals"].get(canon)
        out["principals"][canon] = p if mine is None else _merge_principal(mine, p)
    return out
