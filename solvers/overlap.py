"""Which statements can matter to a no-new-access question, decided from their text alone.

A request the new policy allows and the existing one does not must match either an Allow statement
that only the new policy has, or a Deny statement that only the existing policy has (a statement both
policies share, word for word, cancels out: a shared Allow also allows under the existing policy, a
shared Deny also denies under the new one). Call those statements the seeds. A statement whose actions
or resources cannot meet any seed's is false on every such request, so it is left out of the question
(`difference`). The answer does not change; the solver sees a handful of statements instead of two
whole policies, which for an edited policy is most of the saving.

"Cannot meet" is judged soundly and cheaply: two globs share no string when their literal prefixes
(up to the first wildcard) or literal suffixes (after the last) disagree. Anything unusual (NotAction,
NotResource, no Resource, policy variables) is assumed to meet everything.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from solvers.evaluator import ascii_lower
from solvers.policy import Policy, Statement

_WILD = ("*", "?")
Ends = tuple[str, str]  # a glob's literal prefix and literal suffix


def _ends(text: str) -> Ends:
    cut = min((i for i in (text.find("*"), text.find("?")) if i >= 0), default=-1)
    if cut < 0:
        return text, text
    last = max(text.rfind("*"), text.rfind("?"))
    return text[:cut], text[last + 1:]


def _meet(a: Ends, b: Ends) -> bool:
    """Whether two globs, given by their literal ends, may match a common string."""
    n = min(len(a[0]), len(b[0]))
    if a[0][:n] != b[0][:n]:
        return False
    m = min(len(a[1]), len(b[1]))
    return m == 0 or a[1][-m:] == b[1][-m:]


@dataclass(frozen=True, slots=True)
class Shape:
    """What a statement's actions and resources can be. None: anything."""
    services: frozenset[str] | None
    actions: tuple[Ends, ...] | None
    resources: tuple[Ends, ...] | None


def shape(stmt: Statement) -> Shape:
    return _shape_of_key(statement_key(stmt))


def _shape_of_key(key: tuple) -> Shape:
    return _shape(key[2], key[3], key[4])


@lru_cache(maxsize=16384)  # shared statements come twice per question, and edited policies again and again
def _shape(action_negated: bool, actions: tuple[str, ...], resource: tuple | None) -> Shape:
    services, ends = (None, None) if action_negated else _action_shape(actions)
    resources = None if resource is None or resource[0] else _resource_shape(resource[1])
    return Shape(services, ends, resources)


# the same few action lists and ARNs come back statement after statement, policy after policy
@lru_cache(maxsize=8192)
def _action_shape(texts: tuple[str, ...]) -> tuple[frozenset[str] | None, tuple[Ends, ...] | None]:
    lowered = [ascii_lower(t) for t in texts]
    if any("$" in t for t in lowered):
        return None, None
    names = {t.partition(":")[0] for t in lowered}
    services = None if any(c in n for n in names for c in _WILD) else frozenset(names)
    return services, tuple(_ends(t) for t in lowered)


@lru_cache(maxsize=8192)
def _resource_shape(texts: tuple[str, ...]) -> tuple[Ends, ...] | None:
    return None if any("$" in t for t in texts) else tuple(_ends(t) for t in texts)


def may_overlap(a: Shape, b: Shape) -> bool:
    """False only when no request can match both statements' Action and Resource elements."""
    if a.services is not None and b.services is not None and not a.services & b.services:
        return False
    if a.actions is not None and b.actions is not None and \
            not any(_meet(x, y) for x in a.actions for y in b.actions):
        return False
    if a.resources is not None and b.resources is not None and \
            not any(_meet(x, y) for x in a.resources for y in b.resources):
        return False
    return True


def statement_key(stmt: Statement) -> tuple:
    """The statement as written, without its Sid and place: equal keys, equal meaning. (Reordered
    values give different keys; that only costs a statement kept that could have cancelled out.)"""
    p, r = stmt.principal, stmt.resource
    return (stmt.effect,
            None if p is None else (p.negated, tuple((v.kind, v.text) for v in p.values)),
            stmt.action.negated, tuple(v.text for v in stmt.action.values),
            None if r is None else (r.negated, tuple(v.text for v in r.values)),
            tuple((c.operator.text, c.key, tuple(v.text for v in c.values)) for c in stmt.conditions))


def difference(new: Policy, existing: Policy) -> tuple[Policy, Policy] | None:
    """The two policies cut down to the statements that can tell them apart on some request the new
    one allows (statement indexes kept), or None when no statement can: then the new policy grants
    nothing the existing one does not."""
    shared = new.supports_variables == existing.supports_variables  # else equal text, other meaning
    new_keys = [statement_key(s) for s in new.statements]
    old_keys = [statement_key(s) for s in existing.statements]
    old_set, new_set = (set(old_keys), set(new_keys)) if shared else (set(), set())
    seeds = [i for i, s in enumerate(new.statements) if s.effect == "Allow" and new_keys[i] not in old_set]
    old_seeds = [i for i, s in enumerate(existing.statements) if s.effect == "Deny" and old_keys[i] not in new_set]
    if not seeds and not old_seeds:
        return None
    seed_shapes = [_shape_of_key(new_keys[i]) for i in seeds] + [_shape_of_key(old_keys[i]) for i in old_seeds]

    def relevant(key: tuple) -> bool:
        mine = _shape_of_key(key)
        return any(may_overlap(mine, t) for t in seed_shapes)

    def kept(policy: Policy, keys: list[tuple], own_seeds: list[int]) -> Policy:
        chosen = set(own_seeds)  # the seeds themselves, kept whatever their shape
        keep = tuple(s for i, (s, key) in enumerate(zip(policy.statements, keys, strict=True))
                     if i in chosen or relevant(key))
        return policy if len(keep) == len(policy.statements) else dataclasses.replace(policy, statements=keep)

    narrowed = kept(new, new_keys, seeds)
    if not any(s.effect == "Allow" for s in narrowed.statements):
        return None  # only existing-only Denies, and no Allow of the new policy reaches them
    return narrowed, kept(existing, old_keys, old_seeds)


def toward(policy: Policy, actions: Sequence[str], resources: Sequence[str]) -> Policy | None:
    """The policy cut down to the statements that can match one of the listed actions on one of the
    listed resources (an empty list: any), or None when no Allow can: it then grants none of them."""
    services, ends = _action_shape(tuple(actions)) if actions else (None, None)
    access = Shape(services, ends, _resource_shape(tuple(resources)) if resources else None)
    keep = tuple(s for s in policy.statements if may_overlap(shape(s), access))
    if not any(s.effect == "Allow" for s in keep):
        return None
    return policy if len(keep) == len(policy.statements) else dataclasses.replace(policy, statements=keep)
