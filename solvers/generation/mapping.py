"""CloudTrail event → the IAM actions the call needed.

The plain rule: the service prefix is the event source's host ("ec2" of "ec2.amazonaws.com") and the
action is the event name, once an API-version suffix is removed (Lambda logs "UpdateFunctionCode20150331v2",
CloudFront "CreateDistribution2020_05_31"). `exceptions.py` holds what the rule gets wrong. Every
action returned exists in the catalog, spelled as the catalog spells it; an event that maps to no known
action is reported as unmappable by the caller, never dropped.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from solvers.catalog import Catalog
from solvers.generation.exceptions import APIGATEWAY_VERBS, EVENT_ACTIONS, SOURCE_PREFIX

_VERSION_SUFFIX = re.compile(r"(?:\d{8}(?:v\d+)?|\d{4}_\d{2}_\d{2})$")
_SOURCE_SUFFIXES = (".amazonaws.com", ".amazonaws.com.cn", ".api.aws")


@dataclass(frozen=True, slots=True)
class MappedEvent:
    """What one kind of event needed. `actions` may be empty: the call needs no permission."""

    service: str
    actions: tuple[str, ...]


def service_prefix(event_source: str) -> str:
    """IAM service prefix of an event source ("monitoring.amazonaws.com" → "cloudwatch")."""
    host = event_source
    for suffix in _SOURCE_SUFFIXES:
        if host.endswith(suffix):
            host = host[: -len(suffix)]
            break
    return SOURCE_PREFIX.get(host, host)


def strip_version(event_name: str) -> str:
    """"UpdateFunctionCode20150331v2" → "UpdateFunctionCode"; other names unchanged."""
    return _VERSION_SUFFIX.sub("", event_name)


class EventMapper:
    """Maps (eventSource, eventName) pairs, remembering each answer: a trail holds few distinct pairs
    and many events. The accumulators of a process share one per catalog (see activity._SHARED); threads
    sharing it at worst work an answer out twice."""

    def __init__(self, catalog: Catalog):
        self._catalog = catalog
        self._cache: dict[tuple[str, str], MappedEvent | None] = {}

    def map(self, event_source: str, event_name: str) -> MappedEvent | None:
        key = (event_source, event_name)
        try:
            return self._cache[key]
        except KeyError:
            found = self._cache[key] = self._resolve(event_source, event_name)
            return found

    def _resolve(self, event_source: str, event_name: str) -> MappedEvent | None:
        prefix = service_prefix(event_source)
        name = strip_version(event_name)
        listed = EVENT_ACTIONS.get((prefix, name))
        if listed is None and prefix == "apigateway":
            verb = next((v for k, v in APIGATEWAY_VERBS.items() if name.startswith(k)), None)
            listed = (verb,) if verb else None
        candidates = listed if listed is not None else (f"{prefix}:{name}",)
        actions = []
        for full in candidates:
            found = self._catalog.action(full)
            if found is None:
                return None
            actions.append(found.full_name)
        service = self._catalog.service(prefix)
        return MappedEvent(service.prefix if service else prefix, tuple(actions))
