"""Suggestions that need reasoning: a statement whose every request is already matched by the other
statements of the same effect adds nothing (REDUNDANT_STATEMENT).

Only run when asked (`validate_policy(..., reasoning=True)`, the CLI's default). The question is cut
down before any solver sees it, so that it costs only where it can matter:

  - a statement can only be covered by statements of its effect whose actions and resources can meet
    its own (literal ends of globs, as `solvers.overlap` cuts no-new-access questions, and ARNs field by
    field); when none can, there is nothing to ask. (A statement that matches no request at all is
    therefore never reported: what it lacks is not a reason to remove it "in favour of" the others.)
  - an action-and-resource pair of the statement that no other statement can meet is matched by it
    alone: it adds, no solver needed (`uncovered_piece`);
  - the usual covered shape is answered from the text: every action and resource of the statement is
    covered, glob within glob, by one statement whose conditions it repeats word for word
    (`syntactic_cover`);
  - what is left goes to the symbolic engine with only the statements that can meet, narrowed to the
    actions and resources that can meet, and the answer is cached by the statements' text (policies
    repeat one another); questions on statements with policy variables are not asked: the engine
    reasons over strings then and rarely decides in time;
  - each question has a solver timeout and each policy a time budget: an undecided question, or one not
    reached in time, yields no suggestion (a suggestion is never a guess).
"""
from __future__ import annotations

import dataclasses
import functools
import time
from dataclasses import dataclass, field

from solvers.errors import PolicyError, TrustmapError, UndecidedError
from solvers.evaluator import ascii_lower
from solvers.overlap import Ends, statement_key
from solvers.overlap import _ends as glob_ends
from solvers.overlap import _meet as meet
from solvers.validation.checks.redundancy import covers
from solvers.validation.findings import IDENTITY, RESOURCE
from solvers.validation.rules import Context, Family

MAX_STATEMENTS = 20
SOLVER_TIMEOUT_MS = 100  # per question (string questions on policy variables rarely finish at all)
BUDGET_SECONDS = 1.0  # per policy: statements not reached in time get no suggestion
_ARN_FIELDS = 5  # colons before an ARN's resource part: wildcards before it stay within their field


def check_reasoning(ctx: Context) -> None:
    if not ctx.reasoning or ctx.policy_type not in (IDENTITY, RESOURCE) or len(ctx.statements) < 2 \
            or len(ctx.statements) > MAX_STATEMENTS or ctx.findings_of("ERROR"):
        return
    if not _some_pair_meets(ctx):
        return
    from solvers.policy import parse_policy
    try:
        policy = parse_policy(ctx.document.text)
    except PolicyError:
        return  # the structure checks have reported why

    reaches = [(reach(s.action, arn=False), reach(s.resource, arn=True)) for s in policy.statements]
    keys = [statement_key(s) for s in policy.statements]
    by_index = {s.index: s for s in ctx.statements}
    met: dict[tuple[int, int], bool] = {}

    def meeting(i: int, j: int) -> bool:  # symmetric: each pair is judged once
        pair = (i, j) if i < j else (j, i)
        found = met.get(pair)
        if found is None:
            found = met[pair] = _reaches_meet(reaches[i][0], reaches[j][0]) and \
                _reaches_meet(reaches[i][1], reaches[j][1])
        return found

    deadline = time.monotonic() + BUDGET_SECONDS
    for effect in ("Allow", "Deny"):
        members = [i for i, s in enumerate(policy.statements) if s.effect == effect]
        redundant: set[int] = set()
        for i in reversed(members):  # of two equivalent statements the later one is reported
            near = [j for j in members if j != i and j not in redundant and meeting(i, j)]
            if not near:
                continue
            stmt = policy.statements[i]
            if uncovered_piece(stmt, reaches[i], [reaches[j] for j in near]):
                continue
            others = [narrowed(policy.statements[j], reaches[j], reaches[i]) for j in near]
            if not syntactic_cover(stmt, others):
                if time.monotonic() > deadline:
                    return
                if policy.supports_variables and _uses_variables([stmt, *others]):
                    continue  # the engine reasons over strings then, and rarely decides in time
                group = Group(policy.supports_variables, keys[i], tuple(statement_key(o) for o in others),
                              policy, (stmt, *others))
                if _adds(group) is not False:  # True, or None: undecided
                    continue
            redundant.add(i)
            if stmt.index in by_index:
                ctx.report("REDUNDANT_STATEMENT", by_index[stmt.index].at, index=stmt.index,
                           other=f"the other {effect} statements")


def _some_pair_meets(ctx: Context) -> bool:
    """Whether two statements of an effect have actions, then resources, that can meet. Read from the
    validation view (for a document the policy model takes, its statements, effects and values are the
    model's): most policies have no such pair, and then the model is not needed. The services the
    actions name come first, as they tell most pairs apart at the least cost."""
    rows = []
    for s in ctx.statements:
        effect, actions = s.effect, _element_texts(s.action_element, s.action_values)
        if effect is not None:
            rows.append((s, effect, actions, None if actions is None else _services(actions)))
    for n, (s, effect, actions, services) in enumerate(rows):
        for t, other_effect, other_actions, other_services in rows[n + 1:]:
            if effect != other_effect:
                continue
            if actions is not None and other_actions is not None:
                if services is not None and other_services is not None and services.isdisjoint(other_services):
                    continue
                if not _reaches_meet(_reach(actions, False), _reach(other_actions, False)):
                    continue
            if _reaches_meet(_element_reach(s.resource_element, s.resource_values, arn=True),
                             _element_reach(t.resource_element, t.resource_values, arn=True)):
                return True
    return False


@dataclass(frozen=True)
class Group:
    """One question: does the first of `statements` (of `policy`) match a request none of the others
    matches? Equal (by statement text, Sids aside) to any group asking the same."""
    variables: bool
    key: tuple
    other_keys: tuple
    policy: object = field(compare=False)
    statements: tuple = field(compare=False)


@functools.lru_cache(maxsize=4096)
def _adds(group: Group) -> bool | None:
    """Whether the statement adds a request to the others (None: undecided within the timeout)."""
    from solvers.catalog import load_catalog
    from solvers.policy import Policy
    from solvers.symbolic.engine import Question

    policy = group.policy
    assert isinstance(policy, Policy)
    small = dataclasses.replace(policy, statements=group.statements)
    catalog = load_catalog()
    q = Question(multivalued=catalog.is_multivalued, timeout_ms=SOLVER_TIMEOUT_MS)
    try:
        compiled = q.compile(small)
        t = q.t
        return q.exists(t.and_(compiled.statements[0], t.not_(t.or_(*compiled.statements[1:]))))
    except (UndecidedError, TrustmapError):
        return None


Parts = tuple[Ends, tuple[Ends, ...]]  # a glob's literal ends, and those of each ARN field (or none)


@functools.lru_cache(maxsize=16384)  # the same ARNs and actions come back statement after statement
def _parts(text: str, arn: bool) -> Parts:
    fields = text.split(":", _ARN_FIELDS) if arn else ()
    return glob_ends(text), tuple(glob_ends(f) for f in fields) if len(fields) > _ARN_FIELDS else ()


def _parts_meet(a: Parts, b: Parts) -> bool:
    """Whether two globs may match a common string. Two ARNs meet only field by field: before the
    resource part a wildcard stays within its field (ArnLike), so each field must meet its own."""
    if a[1] and b[1]:
        return all(meet(x, y) for x, y in zip(a[1], b[1], strict=True))
    return meet(a[0], b[0])


@dataclass(frozen=True, slots=True)
class Reach:
    """The values of an Action or Resource element for meeting tests: the literal ones in a set (most
    are literal, and two literals meet only when equal), the globs as their literal ends."""
    arn: bool
    exact: frozenset[str]
    globs: tuple[tuple[str, Parts], ...]
    # actions: the services named, when every value names one without a wildcard ("s3:Get*"): two
    # actions of different services never meet
    services: frozenset[str] | None = None

    def meets(self, text: str) -> bool:
        literal = "*" not in text and "?" not in text
        if literal and (text in self.exact or not self.globs):
            return literal and text in self.exact
        mine = _parts(text, self.arn)
        return any(_parts_meet(mine, p) for _, p in self.globs) or \
            (("*" in text or "?" in text) and any(_parts_meet(mine, _parts(x, self.arn)) for x in self.exact))

    def meets_any(self, other: Reach) -> bool:
        if self.services is not None and other.services is not None and self.services.isdisjoint(other.services):
            return False
        return not self.exact.isdisjoint(other.exact) or any(other.meets(t) for t, _ in self.globs) \
            or any(self.meets(t) for t, _ in other.globs)


def _element_texts(element: tuple, values: tuple) -> tuple[str, ...] | None:
    """The texts of an element of the validation view, given as (value, negated) and its string
    values; None when it can match anything (absent or negated)."""
    if element[0] is None or element[1]:
        return None
    return tuple(v.text for v in values)


def _element_reach(element: tuple, values: tuple, arn: bool) -> Reach | None:
    """As `reach`, for an element of the validation view."""
    texts = _element_texts(element, values)
    return None if texts is None else _reach(texts, arn)


@functools.lru_cache(maxsize=4096)
def _services(actions: tuple[str, ...]) -> frozenset[str] | None:
    """The services (case-folded) actions name, when every one names one without a wildcard and none
    holds a policy variable (`_reach` then leaves them unbounded); else None. Two actions of different
    services never meet."""
    heads = []
    for t in actions:
        head, sep, _ = t.partition(":")
        if not sep or "*" in head or "?" in head or "$" in t:
            return None
        heads.append(head)
    return frozenset(ascii_lower(h) for h in heads)


def reach(element, arn: bool) -> Reach | None:
    """None: the element can match anything as far as this test can tell (negated, absent, or with a
    policy variable). Actions (arn False) are compared case-folded."""
    if element is None or element.negated:
        return None
    return _reach(tuple(v.text for v in element.values), arn)


@functools.lru_cache(maxsize=4096)  # managed policies repeat the same action lists and ARNs
def _reach(values: tuple[str, ...], arn: bool) -> Reach | None:
    texts = values if arn else tuple(ascii_lower(t) for t in values)
    if any("$" in t for t in texts):
        return None
    return Reach(arn, frozenset(t for t in texts if "*" not in t and "?" not in t),
                 tuple((t, _parts(t, arn)) for t in texts if "*" in t or "?" in t), None if arn else _services(values))


def _meets(text: str, among: Reach | None) -> bool:
    return among is None or among.meets(text)


def _reaches_meet(a: Reach | None, b: Reach | None) -> bool:
    return a is None or b is None or a.meets_any(b)


def _uses_variables(statements) -> bool:
    return any("${" in v.text for s in statements for v in (*(s.resource.values if s.resource else ()),
                                                            *(v for c in s.conditions for v in c.values)))


def uncovered_piece(stmt, mine: tuple, near: list[tuple]) -> bool:
    """Whether some action-and-resource pair of the statement meets no other statement at all: that
    piece of the statement is then matched by it alone."""
    actions, resources = mine
    a_texts = [None] if actions is None else [ascii_lower(v.text) for v in stmt.action.values]
    r_texts = [None] if resources is None else [v.text for v in stmt.resource.values]
    for a in a_texts:
        with_action = [o_r for o_a, o_r in near if a is None or _meets(a, o_a)]
        if not with_action:
            return True
        for r in r_texts:
            if r is not None and not any(_meets(r, o_r) for o_r in with_action):
                return True
    return False


def narrowed(other, theirs: tuple, mine: tuple):
    """`other` with only the actions and resources that can meet one of the statement's: the same
    on every request the statement matches, which is all the question looks at."""
    action, resource = other.action, other.resource
    if theirs[0] is not None and mine[0] is not None:
        action = dataclasses.replace(action, values=tuple(
            v for v in action.values if mine[0].meets(ascii_lower(v.text))))
    if theirs[1] is not None and mine[1] is not None:
        resource = dataclasses.replace(resource, values=tuple(v for v in resource.values if mine[1].meets(v.text)))
    if action is other.action and resource is other.resource:
        return other
    return dataclasses.replace(other, action=action, resource=resource)


def syntactic_cover(stmt, others) -> bool:
    """True when every (action, resource) of `stmt` is covered, glob within glob, by one of `others`
    with no NotAction/NotResource, a principal at least as wide and only conditions `stmt` has too (word
    for word: a request `stmt` matches meets them): then `stmt` adds nothing, whatever its other
    conditions. False means "not shown this way", not "adds"."""
    if stmt.action.negated or stmt.resource is None or stmt.resource.negated:
        return False
    own = {_condition_key(c) for c in stmt.conditions}
    wide = [o for o in others if all(_condition_key(c) in own for c in o.conditions) and not o.action.negated
            and o.resource is not None and not o.resource.negated and _principal_covers(o.principal, stmt.principal)]
    if not wide:
        return False
    actions = [ascii_lower(v.text) for v in stmt.action.values]
    for r in (v.text for v in stmt.resource.values):
        for a in actions:
            if not any(_action_covers(o, a) and _resource_covers(o, r) for o in wide):
                return False
    return True


def _condition_key(c) -> tuple:
    return c.operator.text, c.key.lower(), tuple(v.text for v in c.values)


def _principal_covers(wide, narrow) -> bool:
    if wide is None:  # no Principal element: every principal
        return True
    if wide.negated:
        return False
    if any(v.kind == "*" or (v.kind == "AWS" and v.text == "*") for v in wide.values):
        return True
    return narrow is not None and not narrow.negated and {(v.kind, v.text) for v in narrow.values} <= {(v.kind, v.text) for v in wide.values}


def _action_covers(stmt, action: str) -> bool:
    return any(v.text == "*" or covers(ascii_lower(v.text), action) for v in stmt.action.values)


def _resource_covers(stmt, resource: str) -> bool:
    return any(_arn_covers(v.text, resource) for v in stmt.resource.values)


def _arn_covers(wide: str, narrow: str) -> bool:
    """ArnLike containment: a `*` before the resource part stays within its field, after it spans
    anything. Policy variables are only compared as equal text."""
    if wide == "*" or wide == narrow:
        return True
    if "$" in wide or "$" in narrow:
        return False
    w, n = wide.split(":", _ARN_FIELDS), narrow.split(":", _ARN_FIELDS)
    if len(w) <= _ARN_FIELDS or len(n) <= _ARN_FIELDS:
        return False
    return all(a == "*" or a == b for a, b in zip(w[:_ARN_FIELDS], n[:_ARN_FIELDS], strict=True)) \
        and covers(w[_ARN_FIELDS], n[_ARN_FIELDS])


FAMILY = Family("reasoning", (), check_reasoning)
