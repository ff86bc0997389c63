"""The actions an identity policy grants, named from the IAM catalog.

An Allow statement grants every catalog action its Action patterns match (for NotAction: every catalog
action none of them matches), whatever its resources and conditions — Access Analyzer's unused-access
analysis is about permissions that exist, not where they apply. Deny statements take nothing away here:
a conditional Deny may not apply, and an unused permission stays worth removing either way. Patterns that
match no catalog action (newer than the catalog) are kept aside so that a recommendation never drops them.
"""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass

from solvers.catalog import load_catalog


@dataclass(frozen=True)
class Grant:
    """What one policy document grants: `actions` by full name ("s3:GetObject"); `unknown` patterns that
    name no catalog action; `readable` false when the document could not be read (nothing is judged
    from it)."""
    actions: frozenset[str]
    unknown: frozenset[str] = frozenset()
    readable: bool = True

    @functools.cached_property
    def by_service(self) -> dict[str, frozenset[str]]:
        grouped: dict[str, set[str]] = {}
        for action in self.actions:
            grouped.setdefault(action.partition(":")[0], set()).add(action)
        return {ns: frozenset(names) for ns, names in grouped.items()}


def element_strings(value: object) -> list[str]:
    """The strings of an Action/NotAction element (a string or a list; anything else: none)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


@functools.lru_cache(maxsize=4096)
def expand(pattern: str) -> frozenset[str]:
    """Full names of the catalog actions an Action pattern matches (cached: policies repeat patterns)."""
    return frozenset(a.full_name for a in load_catalog().actions_matching(pattern))


@functools.lru_cache(maxsize=4096)
def expand_by_service(pattern: str) -> dict[str, frozenset[str]]:
    """`expand`, grouped by service namespace."""
    return Grant(expand(pattern)).by_service


@functools.lru_cache(maxsize=1)
def _every_action() -> frozenset[str]:
    return expand("*")


@functools.lru_cache(maxsize=8192)
def grant_of(document: str | None) -> Grant:
    """The grant of a policy document (JSON text); cached by text, since managed policies repeat."""
    if document is None:
        return Grant(frozenset(), readable=False)
    try:
        policy = json.loads(document)
    except ValueError:
        return Grant(frozenset(), readable=False)
    statements = policy.get("Statement", []) if isinstance(policy, dict) else []
    if isinstance(statements, dict):
        statements = [statements]
    actions: set[str] = set()
    unknown: set[str] = set()
    for statement in statements if isinstance(statements, list) else []:
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        if "NotAction" in statement:
            excluded: set[str] = set()
            for pattern in element_strings(statement["NotAction"]):
                excluded |= expand(pattern)
            actions |= _every_action() - excluded
            continue
        for pattern in element_strings(statement.get("Action")):
            found = expand(pattern)
            if found:
                actions |= found
            else:
                unknown.add(pattern)
    return Grant(frozenset(actions), frozenset(unknown))


@functools.lru_cache(maxsize=8192)
def granted_by_service(documents: tuple[str | None, ...]) -> dict[str, frozenset[str]]:
    """What a set of policies grants together, by service namespace (cached: principals share policy sets)."""
    merged: dict[str, frozenset[str]] = {}
    for document in documents:
        for namespace, actions in grant_of(document).by_service.items():
            old = merged.get(namespace)
            merged[namespace] = actions if old is None else old | actions
    return merged
