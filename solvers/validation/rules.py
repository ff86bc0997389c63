"""The building blocks of the check registry: a Rule (one issue code and everything said about it),
a Family (the rules one check function can report, and that function), and the Context a check runs in.

A rule's scope is data: the policy types it applies to and, for resource policies, the resource
types (NO_RESOURCE_TYPE stands for a resource policy validated without one). The context drops
reports outside a rule's scope, so check functions need not repeat it.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from solvers.validation.document import At, Document, Statement
from solvers.validation.findings import (
    IDENTITY,
    POLICY_TYPES,
    RCP,
    RESOURCE,
    RESOURCE_TYPES,
    SCP,
    TRUST,
    Finding,
    Location,
)

NO_RESOURCE_TYPE = ""
ANY_RESOURCE_TYPE = frozenset((NO_RESOURCE_TYPE, *RESOURCE_TYPES))


@dataclass(frozen=True, slots=True)
class Scope:
    policy_types: frozenset[str]
    resource_types: frozenset[str] = ANY_RESOURCE_TYPE  # consulted for RESOURCE_POLICY only

    def covers(self, policy_type: str, resource_type: str) -> bool:
        if policy_type not in self.policy_types:
            return False
        return policy_type != RESOURCE or resource_type in self.resource_types


def scope(*policy_types: str, resource_types: Iterable[str] | None = None) -> Scope:
    return Scope(frozenset(policy_types),
                 ANY_RESOURCE_TYPE if resource_types is None else frozenset(resource_types))


EVERY_POLICY = scope(*POLICY_TYPES)
IDENTITY_ONLY = scope(IDENTITY)
RESOURCE_ANY = scope(RESOURCE)
TRUST_ONLY = scope(RESOURCE, resource_types=(TRUST,))
# A resource policy given without a resource type may be a trust policy: trust checks run there too.
TRUST_OR_UNTYPED = scope(RESOURCE, resource_types=(TRUST, NO_RESOURCE_TYPE))
NOT_TRUST = scope(*POLICY_TYPES, resource_types=ANY_RESOURCE_TYPE - {TRUST})
RESOURCE_NOT_TRUST = scope(RESOURCE, resource_types=ANY_RESOURCE_TYPE - {TRUST})
TYPED_RESOURCE_NOT_TRUST = scope(RESOURCE, resource_types=set(RESOURCE_TYPES) - {TRUST})
SCP_ONLY = scope(SCP)
RCP_ONLY = scope(RCP)
GRANTING = scope(IDENTITY, RESOURCE)  # policies that grant access (SCPs and RCPs only limit it)


@dataclass(frozen=True, slots=True)
class Rule:
    """One issue code: its finding type, where it applies, the message (a format string over the
    specifics the check supplies) and a sentence of documentation saying why it matters."""
    code: str
    finding_type: str
    scope: Scope
    message: str
    doc: str


@dataclass(frozen=True, slots=True)
class Family:
    """A check function and the rules it reports (a tight family shares one walk of the document)."""
    name: str
    rules: tuple[Rule, ...]
    run: Callable[[Context], None]


@dataclass(slots=True)
class Context:
    document: Document
    policy_type: str
    resource_type: str  # NO_RESOURCE_TYPE when none was given
    rules: dict[str, Rule]
    reasoning: bool = False  # run the checks that ask the symbolic engine
    findings: list[Finding] = field(default_factory=list)

    def findings_of(self, finding_type: str) -> list[Finding]:
        return [f for f in self.findings if f.finding_type == finding_type]

    def on(self, code: str) -> bool:
        """Whether `code` applies here (checks use it to skip work that would be dropped)."""
        return self.rules[code].scope.covers(self.policy_type, self.resource_type)

    def report(self, code: str, where: At | Location | Iterable[At | Location], **specifics: object) -> None:
        if not self.on(code):
            return
        rule = self.rules[code]
        items = [where] if isinstance(where, At | Location) else list(where)
        locations = tuple(w.location if isinstance(w, At) else w for w in items)
        self.findings.append(Finding(rule.finding_type, code, rule.message.format(**specifics), locations))

    @property
    def statements(self) -> tuple[Statement, ...]:
        return self.document.statements

    @property
    def is_trust(self) -> bool:
        return self.policy_type == RESOURCE and self.resource_type == TRUST

    def trust_like(self, statement: Statement) -> bool:
        """A trust policy, or an untyped resource policy statement whose actions are all sts: actions."""
        if self.is_trust:
            return True
        if self.policy_type != RESOURCE or self.resource_type != NO_RESOURCE_TYPE:
            return False
        actions = [a.text.lower() for a in statement.actions]
        return bool(actions) and all(a.startswith("sts:") for a in actions)
