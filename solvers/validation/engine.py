"""Run every applicable check family over one policy document."""
from __future__ import annotations

from solvers.catalog import gc_paused
from solvers.errors import InputError, PolicyError
from solvers.jsonspan import LineIndex, Span, parse_json
from solvers.jsontree import lazy_tree
from solvers.validation.document import Document
from solvers.validation.findings import POLICY_TYPES, RESOURCE, RESOURCE_TYPES, Finding, Location
from solvers.validation.registry import FAMILIES, RULES
from solvers.validation.rules import NO_RESOURCE_TYPE, Context

# Far above every AWS policy size quota (the largest is 20 KiB for bucket policies); past it the
# document is reported, not parsed, so validation time stays bounded whatever the input.
MAX_VALIDATED_CHARS = 1 << 20


def check_types(policy_type: str, resource_type: str | None) -> str:
    if policy_type not in POLICY_TYPES:
        raise InputError(f"policy type must be one of {', '.join(POLICY_TYPES)}, not {policy_type!r}")
    if resource_type is None:
        return NO_RESOURCE_TYPE
    if resource_type not in RESOURCE_TYPES:
        raise InputError(f"resource type must be one of {', '.join(RESOURCE_TYPES)}, not {resource_type!r}")
    if policy_type != RESOURCE:
        raise InputError("a resource type can only be given for RESOURCE_POLICY")
    return resource_type


def validate_policy(text: str, policy_type: str, resource_type: str | None = None,
                    reasoning: bool = False) -> list[Finding]:
    """Every finding for one policy document, ordered by position. Raises InputError only for a bad
    policy or resource type; every problem of the document itself becomes a finding. `reasoning`
    adds the suggestions that need the symbolic engine (Z3: much slower)."""
    rtype = check_types(policy_type, resource_type)
    if len(text) > MAX_VALIDATED_CHARS:
        return [_syntax_error(text, f"the document is {len(text):,} characters, more than the "
                                    f"{MAX_VALIDATED_CHARS:,} validated", 0)]
    # The span tree and the document view are acyclic: reference counting frees them, and the cycle
    # collector's passes over a few hundred thousand young objects per policy would only cost time
    # (~15% of validation). They are dropped before the collector resumes, or its next pass would
    # walk them all. So is the reasoning's (one policy's, within its time budget): what it leaves in
    # cycles is collected once the collector resumes.
    with gc_paused():
        # An ordinary document is decoded in C, its spans resolved only if a finding reads one;
        # anything else (every malformed one among others) gets the span-keeping parse.
        tree = lazy_tree(text)
        if tree is None:
            try:
                tree = parse_json(text)
            except PolicyError as exc:
                return [_syntax_error(text, exc.message.removeprefix("policy is not valid JSON: "),
                                      _offset(text, exc.line, exc.column))]
        ctx = Context(Document.build(text, tree), policy_type, rtype, dict(RULES), reasoning)
        for family in FAMILIES:
            family.run(ctx)
        findings = sorted(_unique(ctx.findings), key=lambda f: f.sort_key)
        del ctx, tree
    return findings


def _unique(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple] = set()
    out = []
    for f in findings:
        key = (f.issue_code, tuple((loc.path, loc.span.start_offset) for loc in f.locations))
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def _offset(text: str, line: int | None, column: int | None) -> int:
    if line is None or column is None:
        return 0
    lines = LineIndex(text)
    return min(len(text), lines.starts[line - 1] + column)


def _syntax_error(text: str, problem: str, offset: int) -> Finding:
    rule = RULES["JSON_SYNTAX_ERROR"]
    span = Span(offset, min(len(text), offset + 1), LineIndex(text))
    return Finding(rule.finding_type, rule.code, rule.message.format(problem=problem), (Location((), span),))
