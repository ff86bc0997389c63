"""The custom policy checks: no new access, access not granted.

Each check is two or more questions to the symbolic engine. Every FAIL carries one concrete example
request, replayed through the concrete evaluator before it is reported; if the replay disagrees the
check raises UndecidedError instead of guessing. Inputs AWS would reject raise InputError.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from solvers.errors import InputError, UndecidedError
from solvers.evaluator import Request, glob_match, is_allowed, statement_matches
from solvers.operators import Test
from solvers.overlap import difference, toward
from solvers.policy import Policy, parse_policy
from solvers.symbolic.compile import ACTION, RESOURCE, CompiledPolicy, check_typed_values
from solvers.symbolic.engine import Question
from solvers.symbolic.terms import Term
from solvers.variables import Glob

POLICY_TYPES = ("IDENTITY_POLICY", "RESOURCE_POLICY")
MAX_ACCESS_ENTRIES = 100
_ACCESS_ARN = re.compile(r"^arn:[^:*?]+:[^:*?]*:[^:*?]*:[^:*?]*:.+$")
_NO_NEW_ACCESS = "The new policy grants no access that the existing policy does not grant."
_NONE_GRANTED = "The policy grants none of the listed access."
_ACTION = re.compile(r"^[A-Za-z0-9-]+:[A-Za-z0-9*?]+$")


@dataclass(frozen=True)
class Reason:
    description: str
    statement_index: int
    statement_id: str | None

    def as_dict(self) -> dict:
        out: dict = {"description": self.description, "statementIndex": self.statement_index}
        if self.statement_id:
            out["statementId"] = self.statement_id
        return out


@dataclass(frozen=True)
class CheckResult:
    result: str  # "PASS" | "FAIL"
    message: str
    reasons: tuple[Reason, ...] = ()
    example: Request | None = None
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        out: dict = {"result": self.result, "message": self.message,
                     "reasons": [r.as_dict() for r in self.reasons]}
        if self.example is not None:
            out["example"] = self.example.as_dict()
        out.update(self.extra)
        return out


def load_for_check(text: str, policy_type: str, label: str) -> Policy:
    """Parse a policy and reject what the AWS check APIs reject for this policy type."""
    if policy_type not in POLICY_TYPES:
        raise InputError(f"policy type must be one of {', '.join(POLICY_TYPES)}, not {policy_type!r}")
    policy = parse_policy(text)
    for s in policy.statements:
        where = f"{label} policy, Statement[{s.index}]"
        if policy_type == "RESOURCE_POLICY" and s.principal is None:
            raise InputError(f"{where}: a resource policy statement needs Principal or NotPrincipal")
        if policy_type == "IDENTITY_POLICY" and s.resource is None:
            raise InputError(f"{where}: an identity policy statement needs Resource or NotResource")
        for v in s.resource.values if s.resource else ():
            if v.text != "*" and not v.text.startswith("arn:"):
                raise InputError(f"{where}: resource {v.text!r} is not an ARN")
    # a typed value the engine cannot read is bad input, whether or not a question reaches its statement
    check_typed_values(policy)
    return policy


@lru_cache(maxsize=1024)
def _action_names(service: str) -> tuple[str, ...]:
    """The catalog's actions of one service (witnesses prefer a real action name); the same few
    services come back in every question."""
    from solvers.catalog import load_catalog
    found = load_catalog().service(service)
    return tuple(a.full_name for a in found.actions.values()) if found else ()


def _question() -> Question:
    from solvers.catalog import load_catalog
    return Question(multivalued=load_catalog().is_multivalued, action_names=_action_names)


def catalog_question() -> Question:
    """A fresh Question that knows the catalog's multi-valued keys and action names."""
    return _question()


def _replay(example: Request, must_allow: Sequence[Policy], must_not_allow: Sequence[Policy]) -> Request:
    if all(is_allowed(p, example) for p in must_allow) and not any(is_allowed(p, example) for p in must_not_allow):
        return example
    raise UndecidedError("internal disagreement: the solver's witness does not replay in the evaluator")


def _statement_reasons(q: Question, compiled: CompiledPolicy, rest: Term, text: str,
                       example: Request | None = None) -> tuple[tuple[Reason, ...], bool]:
    """The Allow statements that on their own grant some of the access `rest` describes, and whether
    every statement was decided within the time budget (huge policies may leave some undecided)."""
    policy = compiled.policy
    allows = [(s, term) for s, term in zip(policy.statements, compiled.statements, strict=True)
              if s.effect == "Allow"]
    # statements the example already exercises need no solver call
    open_ = [(s, term) for s, term in allows if example is None or not statement_matches(s, policy, example)]
    granted = {s.index for s, _ in allows} - {s.index for s, _ in open_}
    verdicts = q.exists_each(q.t.and_(q.t.not_(compiled.denies), rest), [term for _, term in open_])
    granted |= {s.index for (s, _), hit in zip(open_, verdicts, strict=True) if hit}
    complete = all(v is not None for v in verdicts)
    reasons = tuple(Reason(text.format(index=s.index), s.index, s.sid) for s, _ in allows if s.index in granted)
    return reasons, complete


def check_no_new_access(new_text: str, existing_text: str, policy_type: str) -> CheckResult:
    new = load_for_check(new_text, policy_type, "new")
    existing = load_for_check(existing_text, policy_type, "existing")
    narrowed = difference(new, existing)
    if narrowed is None:
        return CheckResult("PASS", _NO_NEW_ACCESS)
    q = _question()
    cnew, cold = q.compile(narrowed[0]), q.compile(narrowed[1])
    gained = q.t.not_(cold.allows)
    example = q.find(q.t.and_(cnew.allows, gained))
    if example is None:
        return CheckResult("PASS", _NO_NEW_ACCESS)
    example = _replay(example, [new], [existing])
    reasons, complete = _statement_reasons(q, cnew, gained, "Statement {index} of the new policy grants "
                                           "access that the existing policy does not.", example)
    return CheckResult("FAIL", "The new policy grants access that the existing policy does not grant.",
                       reasons, example, _completeness(complete))


def validate_access(actions: Sequence[str], resources: Sequence[str]) -> None:
    if not actions and not resources:
        raise InputError("give at least one --action or --resource to check")
    if len(actions) > MAX_ACCESS_ENTRIES or len(resources) > MAX_ACCESS_ENTRIES:
        raise InputError(f"at most {MAX_ACCESS_ENTRIES} actions and {MAX_ACCESS_ENTRIES} resources")
    for a in actions:
        if not _ACTION.match(a):
            raise InputError(f"action {a!r} is not of the form service:action")
    for r in resources:
        if not _ACCESS_ARN.match(r):
            raise InputError(f"resource {r!r} is not an ARN, or has a wildcard outside its resource part")


def check_access_not_granted(policy_text: str, policy_type: str, actions: Sequence[str],
                             resources: Sequence[str]) -> CheckResult:
    validate_access(actions, resources)
    policy = load_for_check(policy_text, policy_type, "the")
    narrowed = toward(policy, actions, resources)
    if narrowed is None:
        return CheckResult("PASS", _NONE_GRANTED)
    q = _question()
    space = q.space
    compiled = q.compile(narrowed)
    t = q.t
    restrict = []
    if actions:
        restrict.append(t.some(ACTION, [space.action_pattern(a) for a in actions]))
    if resources:
        rdim = space.dims[RESOURCE]
        restrict.append(t.some(RESOURCE, [space.string_pattern(rdim, r, Test.ARN_LIKE, False)
                                          for r in resources]))
    access = t.and_(*restrict)
    example = q.find(t.and_(compiled.allows, access))
    if example is None:
        return CheckResult("PASS", _NONE_GRANTED)
    example = _replay(example, [policy], [])
    if not _within(example, actions, resources):
        raise UndecidedError("internal disagreement: the solver's witness is outside the listed access")
    reasons, complete = _statement_reasons(q, compiled, access,
                                           "Statement {index} grants some of the listed access.", example)
    return CheckResult("FAIL", "The policy grants some of the listed access.", reasons, example,
                       _completeness(complete))


def _within(example: Request, actions: Sequence[str], resources: Sequence[str]) -> bool:
    """Whether the example request is one of the listed actions on one of the listed resources."""
    action_ok = not actions or any(glob_match((Glob(a),), example.action, ignore_case=True) for a in actions)
    resource_ok = not resources or any(glob_match((Glob(r),), example.resource, arn_fields=True)
                                       for r in resources)
    return action_ok and resource_ok


def _completeness(complete: bool) -> dict:
    return {} if complete else {"reasonsComplete": False}
