"""Entries that change nothing: a resource covered by another of the same statement, a statement
identical to another one."""
from __future__ import annotations

import functools
import re

from solvers.jsonspan import JArray, JObject, Node
from solvers.validation.document import scalar_text
from solvers.validation.findings import SUGGESTION
from solvers.validation.rules import EVERY_POLICY, Context, Family, Rule

RULES = (
    Rule("REDUNDANT_RESOURCE", SUGGESTION, EVERY_POLICY, "{resource!r} is already covered by {by!r}; remove it.",
         "Covered entries make a policy longer without changing it."),
    Rule("REDUNDANT_STATEMENT", SUGGESTION, EVERY_POLICY,
         "Statement {index} repeats statement {other}; remove one of them.", "A repeated statement adds nothing."),
)


@functools.lru_cache(maxsize=4096)
def _glob(pattern: str) -> re.Pattern[str]:
    return re.compile("".join(".*" if c == "*" else "[^\x00]" if c == "?" else re.escape(c) for c in pattern),
                      re.DOTALL)


def _covers(pattern: str, other: str) -> bool:
    return bool(_glob(pattern).fullmatch(other.replace("*", "\x00")))


def _canonical(node: Node):
    """A statement's meaning as comparable data (member order and one-or-many spelling ignored)."""
    if isinstance(node, JObject):
        return tuple(sorted((k.value, _canonical(v)) for k, v in node.pairs if k.value != "Sid"))
    if isinstance(node, JArray):
        return tuple(sorted({repr(_canonical(v)) for v in node.items}))
    text = scalar_text(node)
    return (repr(text),) if text is not None else ("null",)


def check_redundancy(ctx: Context) -> None:
    seen: dict = {}
    for s in ctx.statements:
        element, _ = s.resource_element
        values = element.strings() if element is not None else []
        patterns = [v for v in values if "*" in v.text or "?" in v.text]
        first: dict[str, object] = {}
        for v in values:
            if v.text in first:
                ctx.report("REDUNDANT_RESOURCE", v, resource=v.text, by=v.text)
                continue
            first[v.text] = v
            for p in patterns:
                if p.text != v.text and _covers(p.text, v.text):
                    ctx.report("REDUNDANT_RESOURCE", v, resource=v.text, by=p.text)
                    break
        key = _canonical(s.at.node)
        if key in seen:
            ctx.report("REDUNDANT_STATEMENT", [s.at, seen[key].at], index=s.index, other=seen[key].index)
        else:
            seen[key] = s


FAMILY = Family("redundancy", RULES, check_redundancy)
