"""`trustmap validate`: validate policy files and print the findings as JSON, text or SARIF.

Kept apart from `pipeline/cli.py` so that the command stays a thin wrapper around `run_validate`.
"""
from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from solvers.validation import FINDING_TYPES, Finding, validate_policy
from solvers.validation.findings import learn_more_link

# --fail-on LEVEL: the least severe finding type that fails the run ("none" never fails).
FAIL_LEVELS = {"error": 0, "security-warning": 1, "warning": 2, "suggestion": 3, "none": -1}
SARIF_LEVEL = {"ERROR": "error", "SECURITY_WARNING": "error", "WARNING": "warning", "SUGGESTION": "note"}
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


@dataclass(frozen=True)
class Validated:
    name: str  # the argument as given ("-" for standard input)
    text: str
    findings: list[Finding]


def run_validate(paths: Sequence[str], read: Callable[[str], str], policy_type: str, resource_type: str | None,
                 fmt: str, fail_on: str, reasoning: bool = False) -> int:
    """Validate every file (all are read first: an unreadable one fails the run before any output) and
    print the findings; returns the exit code (1 when a finding reaches the --fail-on level)."""
    texts = [(p, read(p)) for p in paths]
    results = [Validated(p, t, validate_policy(t, policy_type, resource_type, reasoning)) for p, t in texts]
    if fmt == "json":
        sys.stdout.write(json.dumps(as_json(results)) + "\n")
    elif fmt == "sarif":
        sys.stdout.write(json.dumps(as_sarif(results), indent=2) + "\n")
    else:
        sys.stdout.write(as_text(results))
    threshold = FAIL_LEVELS[fail_on]
    failing = any(0 <= FINDING_TYPES.index(f.finding_type) <= threshold for r in results for f in r.findings)
    return 1 if threshold >= 0 and failing else 0


def as_json(results: Sequence[Validated]) -> dict:
    """ValidatePolicy's response; with several files each finding also names its `policyFile`."""
    if len(results) == 1:
        return {"findings": [f.as_dict() for f in results[0].findings]}
    return {"findings": [{**f.as_dict(), "policyFile": r.name} for r in results for f in r.findings]}


def as_text(results: Sequence[Validated]) -> str:
    """Compiler-style: `file:line:column: TYPE CODE message`, the source line, a caret under the token."""
    out: list[str] = []
    for r in results:
        lines = r.text.splitlines()
        for f in r.findings:
            loc = f.locations[0] if f.locations else None
            start = loc.span.start if loc else None
            where = f"{r.name}:{start.line}:{start.column + 1}" if start else r.name
            out.append(f"{where}: {f.finding_type} {f.issue_code} {f.details}")
            if loc and start and start.line <= len(lines):
                source = lines[start.line - 1]
                end = loc.span.end
                width = (end.column if end.line == start.line else len(source)) - start.column
                out.append("    " + source)
                out.append("    " + " " * start.column + "^" + "~" * max(0, width - 1))
        total = len(r.findings)
        out.append(f"{r.name}: {total} finding{'s' if total != 1 else ''}")
    return "\n".join(out) + "\n"


def as_sarif(results: Sequence[Validated]) -> dict:
    """SARIF 2.1.0 for GitHub code scanning: one rule per issue code, a region per location."""
    from solvers.validation.registry import RULES
    codes = sorted({f.issue_code for r in results for f in r.findings})
    rule_index = {code: i for i, code in enumerate(codes)}
    rules = []
    for code in codes:
        rule = RULES[code]
        rules.append({"id": code, "name": "".join(w.title() for w in code.split("_")),
                      "shortDescription": {"text": rule.doc}, "helpUri": learn_more_link(code, rule.finding_type),
                      "defaultConfiguration": {"level": SARIF_LEVEL[rule.finding_type]},
                      "properties": {"findingType": rule.finding_type}})
    sarif_results = []
    for r in results:
        for f in r.findings:
            locations = []
            for loc in f.locations[:1] or ():
                s, e = loc.span.start, loc.span.end
                locations.append({"physicalLocation": {
                    "artifactLocation": {"uri": "stdin" if r.name == "-" else r.name},
                    "region": {"startLine": s.line, "startColumn": s.column + 1, "endLine": e.line,
                               "endColumn": e.column + 1, "charOffset": s.offset,
                               "charLength": e.offset - s.offset}}})
            sarif_results.append({"ruleId": f.issue_code, "ruleIndex": rule_index[f.issue_code],
                                  "level": SARIF_LEVEL[f.finding_type], "message": {"text": f.details},
                                  "locations": locations})
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [{
        "tool": {"driver": {"name": "trustmap", "rules": rules}},
        "results": sarif_results}]}


def validate_collected(policies: Sequence[dict]) -> tuple[dict, dict]:
    """Validation for a scan: `policies` are {"text", "policyType", "resourceType" (or None), "where"}
    records, `where` saying where the policy lives (account, ARN, policy name...). Each distinct
    (text, type, resource type) is validated once. Returns validation.json's document
    ({"policies": [{"where", "policyType", "resourceType", "policyDocument", "findings"}]}: the text as
    ValidatePolicy's request names it, so that the findings' spans can be read against it) and the SARIF log, whose
    artifacts are named after each policy's `where`."""
    cache: dict[tuple[str, str, str | None], list[Finding]] = {}
    entries, validated = [], []
    for p in policies:
        key = (p["text"], p["policyType"], p.get("resourceType"))
        if key not in cache:
            cache[key] = validate_policy(*key)
        findings = cache[key]
        entries.append({"where": p["where"], "policyType": key[1], "resourceType": key[2],
                        "policyDocument": key[0], "findings": [f.as_dict() for f in findings]})
        validated.append(Validated(_where_name(p["where"]), key[0], findings))
    return {"policies": entries}, as_sarif(validated)


def _where_name(where) -> str:
    if isinstance(where, dict):
        return where.get("arn") or "/".join(f"{k}={v}" for k, v in sorted(where.items()))
    return str(where)
