"""`trustmap validate`: validate policy files and print the findings as JSON, text or SARIF.

Kept apart from `pipeline/cli.py` so that the command stays a thin wrapper around `run_validate`.
"""
from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

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
    uri: str | None = None  # the SARIF artifact URI (default: from the name, see sarif_uri)
    logical: str | None = None  # what the policy belongs to, when it is not a file (a resource ARN...)


def run_validate(paths: Sequence[str], read: Callable[[str], str], policy_type: str, resource_type: str | None,
                 fmt: str, fail_on: str, reasoning: bool = False, jobs: int = 0) -> int:
    """Validate every file (all are read first: an unreadable one fails the run before any output) and
    print the findings; returns the exit code (1 when a finding reaches the --fail-on level). Many files
    are validated by `jobs` processes (0: one per core; pipeline/validate_jobs.py)."""
    from pipeline.validate_jobs import validate_all

    texts = [read(p) for p in paths]
    found = validate_all(texts, policy_type, resource_type, reasoning, jobs)
    results = [Validated(p, t, f) for p, t, f in zip(paths, texts, found, strict=True)]
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
    """SARIF 2.1.0 for GitHub code scanning: one rule per issue code, a region per location, artifact
    URIs relative to the repository (the working folder), and a fingerprint per result that stays the
    same when lines move, so that a new upload updates alerts instead of duplicating them."""
    import hashlib  # here: loading OpenSSL is a tenth of a one-policy command's start-up

    from solvers.validation.registry import RULES
    codes = sorted({f.issue_code for r in results for f in r.findings})
    rule_index = {code: i for i, code in enumerate(codes)}
    rules = []
    for code in codes:
        rule = RULES[code]
        link = learn_more_link(code, rule.finding_type)
        kind = rule.finding_type.replace("_", " ").lower()
        rules.append({"id": code, "name": "".join(w.title() for w in code.split("_")),
                      "shortDescription": {"text": rule.doc},
                      "fullDescription": {"text": f"{rule.doc} IAM Access Analyzer policy validation reports "
                                                  f"this as a {kind} ({code})."},
                      "help": {"text": f"{rule.doc} See {link}",
                               "markdown": f"{rule.doc} See [{code}]({link}) in the IAM Access Analyzer "
                                           f"policy checks reference."},
                      "helpUri": link, "defaultConfiguration": {"level": SARIF_LEVEL[rule.finding_type]},
                      "properties": {"findingType": rule.finding_type, "tags": ["security", "iam"]}})
    sarif_results = []
    seen: dict[str, int] = {}
    for r in results:
        uri = r.uri or sarif_uri(r.name)
        for f in r.findings:
            locations = []
            for loc in f.locations[:1] or ():
                s, e = loc.span.start, loc.span.end
                location: dict = {"physicalLocation": {
                    "artifactLocation": {"uri": uri},
                    "region": {"startLine": s.line, "startColumn": s.column + 1, "endLine": e.line,
                               "endColumn": e.column + 1, "charOffset": s.offset,
                               "charLength": e.offset - s.offset}}}
                if r.logical:
                    location["logicalLocations"] = [{"fullyQualifiedName": r.logical, "kind": "resource"}]
                locations.append(location)
            token = r.text[f.locations[0].span.start.offset:f.locations[0].span.end.offset] if f.locations else ""
            path = f.locations[0].as_dict()["path"] if f.locations else []
            digest = hashlib.sha256(json.dumps([f.issue_code, uri, path, token]).encode()).hexdigest()[:16]
            seen[digest] = seen.get(digest, 0) + 1
            sarif_results.append({"ruleId": f.issue_code, "ruleIndex": rule_index[f.issue_code],
                                  "level": SARIF_LEVEL[f.finding_type], "message": {"text": f.details},
                                  "locations": locations,
                                  "partialFingerprints": {"primaryLocationLineHash": f"{digest}:{seen[digest]}"}})
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [{
        "tool": {"driver": {"name": "trustmap", "rules": rules}},
        "results": sarif_results}]}


def sarif_uri(name: str) -> str:
    """A policy file as GitHub code scanning wants it: relative to the repository root (the working
    folder), `/`-separated and percent-encoded; a file outside the working folder as a file: URI."""
    if name == "-":
        return "stdin"
    path = Path(name)
    absolute = path.resolve()
    try:
        relative = absolute.relative_to(Path.cwd().resolve())
    except ValueError:
        return absolute.as_uri()
    return quote(relative.as_posix())


def validate_collected(policies: Sequence[dict]) -> tuple[dict, dict]:
    """Validation for a scan: `policies` are {"text", "policyType", "resourceType" (or None), "where"}
    records, `where` saying where the policy lives (account, ARN, policy name...). Each distinct
    (text, type, resource type) is validated once. Returns validation.json's document
    ({"policies": [{"where", "policyType", "resourceType", "policyDocument", "findings"}]}: the text as
    ValidatePolicy's request names it, so that the findings' spans can be read against it) and the SARIF log, whose
    artifacts are named after each policy's `where`."""
    cache: dict[tuple[str, str, str | None], tuple[list[Finding], list[dict]]] = {}
    entries, validated = [], []
    for p in policies:
        key = (p["text"], p["policyType"], p.get("resourceType"))
        if key not in cache:
            found = validate_policy(*key)
            cache[key] = found, [f.as_dict() for f in found]  # one list for every entry of the text
        findings, as_dicts = cache[key]
        entries.append({"where": p["where"], "policyType": key[1], "resourceType": key[2],
                        "policyDocument": key[0], "findings": as_dicts})
        name = _where_name(p["where"])
        validated.append(Validated(name, key[0], findings, _where_uri(name), name))
    return {"policies": entries}, as_sarif(validated)


def _where_uri(name: str) -> str:
    """A policy that lives in AWS has no file: it is named by a relative path under `aws/` made of what
    holds it (its ARN, percent-encoded), and the ARN itself is the result's logical location."""
    return "aws/" + quote(name, safe="") + ".json"


def _where_name(where) -> str:
    if isinstance(where, dict):
        return where.get("arn") or "/".join(f"{k}={v}" for k, v in sorted(where.items()))
    return str(where)
