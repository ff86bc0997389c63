"""What a principal is known to have used, merged from IAM's last-accessed data and CloudTrail.

IAM gives service-level last access for every service and action-level for the services it tracks;
CloudTrail gives action-level evidence for every service whose calls it logs. `Evidence` keeps the latest
known time per service and per action (None: used, time unknown — CloudTrail activity is summarised
without times), and which services have action-level knowledge at all.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from solvers.unused.tracking import TrackingPeriod, parse_time

_UNKNOWN_TIME: datetime | None = None


@dataclass
class Evidence:
    """`services` / `actions`: the latest use seen (lowercase keys); `tracked`: services whose actions are
    known one by one; `complete`: some source covers the whole tracking period, so that absence of use
    means no use (without it nothing is judged unused)."""
    services: dict[str, datetime | None] = field(default_factory=dict)
    actions: dict[str, datetime | None] = field(default_factory=dict)
    _pending: list[tuple[str, str]] = field(default_factory=list)  # (action, ISO time) not yet in `actions`
    tracked: set[str] = field(default_factory=set)
    complete: bool = False

    def _note(self, table: dict[str, datetime | None], key: str, when: datetime | None, in_window: bool) -> None:
        if key in table:
            old = table[key]
            if old is not None and when is not None and when > old:
                table[key] = when
            elif old is not None and when is None and in_window:
                table[key] = None  # "used in the window, time unknown" outranks an old known time
        else:
            table[key] = when

    def add_last_accessed(self, services: Iterable[Mapping]) -> None:
        """IAM's last-accessed entries (connectors.aws.iam_usage shape)."""
        self.complete = True
        for entry in services:
            namespace = entry["serviceNamespace"].lower()
            when = parse_time(entry.get("lastAuthenticated"))
            if when is not None:
                self._note(self.services, namespace, when, False)
            if "trackedActions" in entry:
                self.tracked.add(namespace)
                for action in entry["trackedActions"]:
                    if "lastAccessed" in action:  # parsed when asked: most tracked actions never are
                        self._pending.append((f"{namespace}:{action['action']}".lower(), action["lastAccessed"]))

    def add_activity(self, actions: Iterable[str], complete: bool) -> None:
        """Actions CloudTrail shows within the tracking window (times not kept). With `complete`, the logs
        cover the whole window and every service is known action by action."""
        for action in actions:
            namespace = action.partition(":")[0].lower()
            self._note(self.services, namespace, _UNKNOWN_TIME, True)
            self._note(self.actions, action.lower(), _UNKNOWN_TIME, True)
        if complete:
            self.complete = True
            self.tracked.add("*")

    def service_used(self, namespace: str, period: TrackingPeriod) -> bool:
        key = namespace.lower()
        return key in self.services and (self.services[key] is None or period.used(self.services[key]))

    def _settle(self) -> None:
        for key, text in self._pending:
            self._note(self.actions, key, parse_time(text), False)
        self._pending.clear()

    def action_used(self, action: str, period: TrackingPeriod) -> bool:
        if self._pending:
            self._settle()
        key = action.lower()
        return key in self.actions and (self.actions[key] is None or period.used(self.actions[key]))

    def used_any(self, period: TrackingPeriod) -> bool:
        return any(when is None or period.used(when) for when in self.services.values())

    def actions_known(self, namespace: str) -> bool:
        return "*" in self.tracked or namespace.lower() in self.tracked

    def last_service_use(self, namespace: str) -> datetime | None:
        return self.services.get(namespace.lower())

    def last_action_use(self, action: str) -> datetime | None:
        if self._pending:
            self._settle()
        return self.actions.get(action.lower())

    def action_times(self, namespace: str) -> dict[str, datetime]:
        """Known last-use times of the service's actions, by lowercase action name."""
        if self._pending:
            self._settle()
        prefix = namespace.lower() + ":"
        return {k: v for k, v in self.actions.items() if v is not None and k.startswith(prefix)}
