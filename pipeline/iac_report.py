"""The report of `trustmap iac`: the AWS validators' JSON shape (BlockingFindings / NonBlockingFindings)
with trustmap's additions, compiler-style text, or SARIF 2.1.0 whose results point at template lines.
"""
from __future__ import annotations

import json
from collections.abc import Sequence

from connectors.iac.sites import Extraction
from connectors.iac.source import relative_uri

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_LEVEL = {"ERROR": "error", "SECURITY_WARNING": "error", "WARNING": "warning", "SUGGESTION": "note"}
_DOCS = "https://docs.aws.amazon.com"
_IAC_HELP = {
    "IAC_UNRESOLVED_VALUE": f"{_DOCS}/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html",
    "IAC_INVALID_RESOURCE": f"{_DOCS}/AWSCloudFormation/latest/UserGuide/aws-template-resource-type-ref.html",
    "IAC_EXTERNAL_MANAGED_POLICY": f"{_DOCS}/IAM/latest/UserGuide/access_policies_managed-vs-inline.html",
    "EXTERNAL_PRINCIPAL": f"{_DOCS}/IAM/latest/UserGuide/access-analyzer-findings.html",
    "EXTERNAL_ACCESS_UNDECIDED": f"{_DOCS}/IAM/latest/UserGuide/access-analyzer-findings.html",
}
_CHECK_HELP = "https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_{}.html"


def _ignored(f, ignore: Sequence[str]) -> bool:
    code = f.code.lower()
    names = [n.lower() for n in f.names]
    for entry in ignore:
        if entry == code or entry in names:
            return True
        name, _, entry_code = entry.rpartition(".")
        if name and entry_code == code and name in names:
            return True
    return False


def report(ex: Extraction, findings: list, settings) -> dict:
    kept = [f for f in findings if not _ignored(f, settings.ignore)]
    findings[:] = kept
    blocking: list[dict] = []
    non_blocking: list[dict] = []
    for f in kept:
        is_blocking = not settings.non_blocking and f.finding_type in settings.blocking
        (blocking if is_blocking else non_blocking).append(f.as_dict())
    return {"BlockingFindings": blocking, "NonBlockingFindings": non_blocking, "context": ex.context,
            "sites": len(ex.sites), "unresolved": sum(1 for s in ex.sites if s.unresolved)}


def render(doc: dict, findings: list, ex: Extraction, settings, fmt: str) -> str:
    if fmt == "sarif":
        return json.dumps(sarif(findings, ex), indent=2)
    if fmt == "text":
        return text(findings, ex, doc)
    return json.dumps(doc, indent=2)


def text(findings: list, ex: Extraction, doc: dict) -> str:
    out = []
    for f in findings:
        sp = f.place.span
        where = f"{ex.file}:{sp.start.line}:{sp.start.column + 1}" if sp is not None else ex.file
        who = f.site.key if f.site is not None else f.key
        out.append(f"{where}: {f.finding_type} {f.code} [{who}] {f.message}")
    c = doc["context"]
    out.append(f"{doc['sites']} policy sites, {len(doc['BlockingFindings'])} blocking and "
               f"{len(doc['NonBlockingFindings'])} non-blocking findings (account {c['account']}"
               f"{' (default)' if c.get('accountDefaulted') else ''}, {c['region']})")
    return "\n".join(out)


_IAC_TEXT = {
    "IAC_UNRESOLVED_VALUE": "A value of the policy cannot be known offline (a parameter without value, an import, "
                            "a value known only after apply); the policy was not checked.",
    "IAC_INVALID_RESOURCE": "The resource does not have the shape CloudFormation or the provider requires (a "
                            "missing or mistyped property, a malformed intrinsic function, a reference to nothing).",
    "IAC_EXTERNAL_MANAGED_POLICY": "A managed policy attached by ARN is not defined in the template; give its "
                                   "document with --managed-policies to check it.",
    "EXTERNAL_PRINCIPAL": "The resource policy grants access to a principal outside the zone of trust.",
    "EXTERNAL_ACCESS_UNDECIDED": "External access could not be decided; the policy is not known to be safe.",
}


def _texts(code: str) -> tuple[str, str]:
    """(short description, full description) of a rule."""
    if code in _IAC_TEXT:
        full = _IAC_TEXT[code]
        return full.split(";")[0].split(" (")[0].rstrip("."), full
    if code.startswith("policy-analysis-Check"):
        check = code[len("policy-analysis-"):]
        what = {"CheckNoNewAccess": "grants access the reference policy does not",
                "CheckAccessNotGranted": "grants some of the listed access",
                "CheckNoPublicAccess": "grants public access"}
        for name, text in what.items():
            if check.startswith(name):
                if check != name:
                    return f"{name}: the policy could not be checked", f"{name} rejected or could not decide the policy."
                return f"The policy {text}", f"{name}: the policy {text}."
    from solvers.validation.registry import RULES
    rule = RULES.get(code)
    doc = rule.doc if rule is not None else code
    return doc.split(". ")[0].rstrip("."), doc


def _help(code: str) -> str:
    if code.startswith("policy-analysis-Check"):
        name = code[len("policy-analysis-"):]
        for suffix in ("ValidationException", "Undecided"):
            name = name.removesuffix(suffix)
        return _CHECK_HELP.format(name)
    if code in _IAC_HELP:
        return _IAC_HELP[code]
    from solvers.validation.findings import learn_more_link
    from solvers.validation.registry import RULES
    rule = RULES.get(code)
    return learn_more_link(code, rule.finding_type) if rule is not None else _IAC_HELP["IAC_INVALID_RESOURCE"]


def sarif(findings: list, ex: Extraction) -> dict:
    """SARIF 2.1.0 for GitHub code scanning: one rule per code, results at template lines, relative
    file URIs, and a fingerprint that survives unrelated edits (logical id + code + path)."""
    import hashlib
    codes = sorted({f.code for f in findings})
    index = {c: i for i, c in enumerate(codes)}
    worst: dict[str, str] = {}
    for f in findings:
        if f.code not in worst or _rank(f.finding_type) < _rank(worst[f.code]):
            worst[f.code] = f.finding_type
    rules = []
    for c in codes:
        short, full = _texts(c)
        words = c.replace("-", "_").split("_")
        rules.append({"id": c, "name": "".join(w.capitalize() if w.isupper() else w[:1].upper() + w[1:] for w in words),
                      "shortDescription": {"text": short}, "fullDescription": {"text": full},
                      "help": {"text": f"{full} See {_help(c)}"}, "helpUri": _help(c),
                      "defaultConfiguration": {"level": SARIF_LEVEL[worst[c]]}, "properties": {"findingType": worst[c]}})
    uri = relative_uri(ex.file)
    results = []
    for f in findings:
        who = f.site.key if f.site is not None else (f.key or "")
        result: dict = {"ruleId": f.code, "ruleIndex": index[f.code], "level": SARIF_LEVEL[f.finding_type],
                        "message": {"text": f"{who}: {f.message}"}}
        sp = f.place.span
        phys: dict = {"artifactLocation": {"uri": uri}}
        if sp is not None:
            s, e = sp.start, sp.end
            phys["region"] = {"startLine": s.line, "startColumn": s.column + 1, "endLine": e.line,
                              "endColumn": e.column + 1}
        else:  # no node to point at (never expected): the file's start, so GitHub still shows the alert
            phys["region"] = {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1}
        result["locations"] = [{"physicalLocation": phys,
                                "logicalLocations": [{"name": who, "fullyQualifiedName": ".".join(
                                    str(p) for p in f.place.path), "kind": "resource"}]}]
        key = f"{who}|{f.code}|{'/'.join(str(p) for p in f.place.path)}"
        result["partialFingerprints"] = {"trustmapFinding/v1": hashlib.sha256(key.encode()).hexdigest()[:32]}
        results.append(result)
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [{
        "tool": {"driver": {"name": "trustmap", "rules": rules}},
        "originalUriBaseIds": {"SRCROOT": {"uri": "file:///"}} if uri.startswith("file:") else {},
        "results": results}]}


def _rank(finding_type: str) -> int:
    return ("ERROR", "SECURITY_WARNING", "WARNING", "SUGGESTION").index(finding_type)
