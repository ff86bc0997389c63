"""The candidates of an organization, prepared once for many resources: an index of identity classes by
the services their Allow statements may touch, and the candidates of each account.

For one resource, `relevant` keeps only the candidates that can possibly reach it (sound):
- in another account (R5), only a candidate the resource policy may name (`*`, NotPrincipal, its account
  or its ARN) whose identity policies may allow the resource's service;
- in the owner's account, a candidate whose identity policies may allow the service, or that the
  resource policy names directly or at the role level (`*`, NotPrincipal or its ARN).
Everyone else is dismissed without looking at an action.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from solvers.authorization.context import Caller, Source
from solvers.internal.classes import personal
from solvers.internal.model import Candidate, Target
from solvers.overlap import shape

_RESOURCE_KEYS = ("aws:resource", ":resourceaccount", "resourcetag", ":existingobjecttag", "${")


def arn_free(src: Source) -> bool:
    """Whether every statement of the policy acts on `*` and no condition reads a key of the resource
    (its answers hold for any resource of a type)."""
    lowered = src.policy.text.lower()
    return not any(k in lowered for k in _RESOURCE_KEYS) and all(s.resource is not None and not s.resource.negated and all(v.text == "*" for v in s.resource.values)
               for s in src.policy.statements)


def _services(c: Candidate) -> frozenset[str] | None:
    """The services the candidate's identity Allows may touch (None: any, e.g. `*` or NotAction)."""
    out: set[str] = set()
    for src in c.identity:
        for s in src.policy.statements:
            if s.effect != "Allow":
                continue
            services = shape(s).services
            if services is None:
                return None
            out |= services
    return frozenset(out)


@dataclass
class Population:
    candidates: list[Candidate]
    callers: list[Caller] = field(default_factory=list)
    identity_key: list[tuple] = field(default_factory=list)  # identity texts, boundary text, type
    scp_key: list[tuple | None] = field(default_factory=list)
    own_personal: list[bool] = field(default_factory=list)  # identity, boundary or SCPs read principal keys
    by_account: dict[str, list[int]] = field(default_factory=dict)
    by_arn: dict[str, int] = field(default_factory=dict)
    by_service: dict[str, list[int]] = field(default_factory=dict)  # service -> candidates that may touch it
    any_service: list[int] = field(default_factory=list)
    arn_free: list[bool] = field(default_factory=list)  # no policy of its own names a resource but `*`

    @staticmethod
    def of(candidates: Iterable[Candidate]) -> Population:
        pop = Population(list(candidates))
        services_memo: dict[tuple, frozenset[str] | None] = {}
        for i, c in enumerate(pop.candidates):
            pop.callers.append(Caller.from_arn(c.arn))
            texts = tuple(s.policy.text for s in c.identity)
            pop.identity_key.append((texts, c.boundary.policy.text if c.boundary else None, c.type))
            pop.scp_key.append(tuple(tuple(s.policy.text for s in lv) for lv in c.scp_levels)
                               if c.scp_levels is not None else None)
            own = [*c.identity, *([c.boundary] if c.boundary else []),
                   *(s for lv in c.scp_levels or () for s in lv)]
            pop.own_personal.append(personal(own))
            pop.arn_free.append(all(arn_free(src) for src in own))
            pop.by_account.setdefault(c.account, []).append(i)
            pop.by_arn[c.arn.lower()] = i
            if texts not in services_memo:
                services_memo[texts] = _services(c)
            services = services_memo[texts]
            if services is None:
                pop.any_service.append(i)
            else:
                for svc in services:
                    pop.by_service.setdefault(svc, []).append(i)
        return pop

    def relevant(self, t: Target, service: str) -> list[int]:
        """The candidates that can possibly reach the resource (see the module's comment), in order."""
        touching = set(self.any_service) | set(self.by_service.get(service, ()))
        named_all = False  # `*` or NotPrincipal in an Allow
        accounts: set[str] = set()
        arns: set[int] = set()
        for s in (t.policy.policy.statements if t.policy else ()):
            if s.effect != "Allow" or s.principal is None:
                continue
            if s.principal.negated:
                named_all = True
                continue
            for v in s.principal.values:
                if v.kind == "*" or (v.kind == "AWS" and v.text == "*"):
                    named_all = True
                elif v.kind == "AWS" and v.is_account:
                    accounts.add(v.text)
                elif v.kind == "AWS":
                    found = self._by_principal_arn(v.text)
                    arns.update(found)
        out = set()
        for i in touching:
            account = self.candidates[i].account
            if account == t.owner or named_all or account in accounts or i in arns:
                out.add(i)
        if named_all:
            out.update(self.by_account.get(t.owner, ()))
        out.update(i for i in arns if self.candidates[i].account == t.owner)
        return sorted(out)

    def _by_principal_arn(self, text: str) -> list[int]:
        """Candidates a principal ARN may name (a role ARN names the role whatever its path)."""
        i = self.by_arn.get(text.lower())
        if i is not None:
            return [i]
        if ":role/" in text:
            account, name = text.split(":")[4], text.rpartition("/")[2]
            return [j for j in self.by_account.get(account, ())
                    if self.callers[j].role_name == name]
        return []
