"""The report's data, read from a scan's artifacts alone and packed for the page.

Findings become compact rows that the page's script expands: small repeated strings (types, accounts,
statuses, timestamps) and repeated details (the same principal and actions on many resources) are
stored once and referred to by index, which keeps 50,000 findings to a few megabytes. Everything is
read by FindingV2's field names, so finding types this module does not know still show up.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import orjson

from pipeline.report.history import load_history
from pipeline.report.statements import PolicyTexts
from solvers.errors import InputError

FORMAT_VERSION = 1
# row positions: the page reads them by name from `rowFields` (templates/report-data.js)
ROW_FIELDS = ("id", "findingType", "resource", "resourceType", "resourceOwnerAccount", "status", "isPublic",
              "error", "createdAt", "updatedAt", "details", "change", "grants")
NO_CHANGE, NEW, RESOLVED_NOW, REOPENED = 0, 1, 2, 3
_RUN_FIELDS = ("startedAt", "finishedAt", "organizationId", "zone", "regions", "resourceTypes", "counts", "gaps",
               "unused", "timings", "versions")


class _Table:
    """Values stored once, referred to by index (strings by value, JSON values by their canonical text)."""

    def __init__(self) -> None:
        self.items: list = []
        self._index: dict[str | bytes, int] = {}

    def ref(self, value: str) -> int:
        found = self._index.get(value)
        if found is None:
            found = self._index[value] = len(self.items)
            self.items.append(value)
        return found

    def ref_json(self, value) -> int:
        """A JSON value, found again by its canonical text (keys sorted) and stored as the JSON text of
        its first occurrence (keys in their order, as the page shows them): the page's JSON takes it
        as it is, without encoding it again."""
        key = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
        found = self._index.get(key)
        if found is None:
            found = self._index[key] = len(self.items)
            self.items.append(orjson.Fragment(orjson.dumps(value)))
        return found


def _read_json(path: Path, required: bool = False):
    if not path.is_file():
        if required:
            raise InputError(f"{path} does not exist: is {path.parent} a scan's output folder?")
        return None
    try:
        return orjson.loads(path.read_bytes())  # the standard library's parser was a quarter of the report's time
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read {path}: {exc}") from None


def _details_of(f: dict) -> list[dict]:
    details = f.get("findingDetails")
    return [d for d in details if isinstance(d, dict)] if isinstance(details, list | tuple) else []


def _access_details(f: dict) -> dict | None:
    """The first `...AccessDetails` member (external, internal, or a type still to come)."""
    for d in _details_of(f):
        for key, value in d.items():
            if key.endswith("AccessDetails") and isinstance(value, dict):
                return value
    return None


def _without_own_resource(value, resource: str):
    """A details member without its example's resource when that is the finding's own (most findings'):
    the page puts it back. A copy where it differs, never the finding's own objects."""
    example = value.get("example") if isinstance(value, dict) else None
    if isinstance(example, dict) and example.get("resource") == resource:
        return {**value, "example": {k: v for k, v in example.items() if k != "resource"}}
    return value


def _change(f: dict, finished: str | None) -> int:
    """What this run did to the finding: lifecycle stamps createdAt / updatedAt with the run's instant."""
    if not finished:
        return NO_CHANGE
    if f.get("status") == "RESOLVED":
        return RESOLVED_NOW if f.get("updatedAt") == finished else NO_CHANGE
    if f.get("createdAt") == finished:
        return NEW
    return NO_CHANGE


def _policies(validation: dict | None, wanted: set[str], recommended: set[tuple[str, str]],
              parsed: PolicyTexts) -> tuple[list, list, dict]:
    """Policies worth showing: those of resources with findings, those named by a recommendation, and
    those with validation findings. Returns (policies, texts, resource ARN -> policy indices)."""
    entries = (validation or {}).get("policies") or []
    recommended_arns = {arn for arn, _ in recommended}
    marked: dict[bytes, list] = {}
    texts = _Table()
    out: list[dict] = []
    by_arn: dict[str, list[int]] = {}
    for entry in entries:
        text, where = entry.get("policyDocument"), entry.get("where") or {}
        if not isinstance(text, str) or not isinstance(where, dict):
            continue
        arn, name = where.get("arn"), where.get("policyName")
        found = entry.get("findings") or ()
        key = orjson.dumps(found)  # one policy text validated once is listed wherever it lives: marked once
        marks = marked.get(key)
        if marks is None:
            marks = marked[key] = [_mark(v) for v in found]
        is_resource = entry.get("policyType") == "RESOURCE_POLICY"
        if not (marks or (is_resource and arn in wanted) or arn in recommended_arns
                or (arn, name) in recommended):
            continue
        if is_resource and arn:
            by_arn.setdefault(arn, []).append(len(out))
        out.append({"t": texts.ref(text), "type": entry.get("policyType"), "rt": entry.get("resourceType"),
                    "arn": arn, "account": where.get("account"), "name": name, "v": marks,
                    "st": parsed.statement_spans(text)})
    return out, texts.items, by_arn


def _mark(v: dict) -> list:
    """A validation finding as the page marks it: type, issue code, details, link, [start, end) spans."""
    spans = [[loc["span"]["start"]["offset"], loc["span"]["end"]["offset"]]
             for loc in v.get("locations") or () if isinstance(loc.get("span"), dict)]
    return [v.get("findingType"), v.get("issueCode"), v.get("findingDetails"), v.get("learnMoreLink"), spans]


def _recommended_policies(findings: Iterable[dict]) -> set[tuple[str, str]]:
    """(ARN, policy name) pairs of the identity policies recommendations rewrite: a managed policy by
    its ARN, an inline one by its principal and name."""
    out: set[tuple[str, str]] = set()
    for f in findings:
        rec = f.get("recommendation") or {}
        for step in rec.get("recommendedSteps") or ():
            policy_id = (step.get("unusedPermissionsRecommendedStep") or {}).get("existingPolicyId")
            if isinstance(policy_id, str):
                out.add((policy_id, "") if policy_id.startswith("arn:") else (f.get("resource", ""), policy_id))
    return out


def _generated(out: Path) -> list[dict]:
    index = _read_json(out / "policies" / "index.json") or {}
    result = []
    for principal, rel in sorted(index.items()):
        doc = _read_json(out / rel) or {}
        gen = doc.get("generatedPolicyResult") or {}
        texts = [json.dumps(json.loads(p["policy"]), indent=2) for p in gen.get("generatedPolicies") or ()
                 if isinstance(p.get("policy"), str)]
        props = gen.get("properties") or {}
        result.append({"principal": principal, "file": rel, "policies": texts, "isComplete": props.get("isComplete"),
                       "window": props.get("cloudTrailProperties"), "activity": doc.get("activity")})
    return result


def report_data(out: Path, findings_part: dict | None = None) -> dict:
    """Everything the page shows, from the artifacts in `out` (findings.json is required). A scan hands
    over `findings_part` (see `findings_data`), built from the documents it has just written, instead
    of having them read back: either way the page is the same."""
    run = _read_json(out / "run.json") or {}
    if findings_part is None:
        findings_doc = _read_json(out / "findings.json", required=True)
        findings = findings_doc.get("findings") if isinstance(findings_doc, dict) else None
        if not isinstance(findings, list):
            raise InputError(f"{out / 'findings.json'} has no findings list")
        findings_part = findings_data(out, findings, _read_json(out / "validation.json"), run.get("finishedAt"))
    return {"format": FORMAT_VERSION, "rowFields": list(ROW_FIELDS),
            "run": {k: run[k] for k in _RUN_FIELDS if k in run} | {"accounts": len(run.get("accounts") or ())},
            "organization": run.get("organization"), "history": load_history(out), **findings_part}


def findings_data(out: Path, findings: list, validation: dict | None, finished: str | None) -> dict:
    """The page's findings, policies and generated policies: findings.json's findings (FindingV2),
    validation.json's document, run.json's finishedAt (what this run changed), the rest read from `out`.
    Nothing here tells a list from a tuple, so a scan's documents in memory give what their files give."""
    findings = [f for f in findings if isinstance(f, dict) and isinstance(f.get("id"), str)]
    wanted = {f.get("resource") for f in findings if _access_details(f) is not None}
    parsed = PolicyTexts()
    policies, texts, by_arn = _policies(validation, wanted, _recommended_policies(findings), parsed)
    strings, values = _Table(), _Table()
    rows = []
    for f in findings:
        resource = f.get("resource") or ""
        access = _access_details(f)
        grants: list[list[int]] = []
        details = _details_of(f)
        if access is not None and isinstance(access.get("example"), dict):
            example = {**access["example"]}
            example.setdefault("resource", resource)
            for p in by_arn.get(resource, ()):
                grants.extend([p, i] for i in parsed.granting_statements(texts[policies[p]["t"]], example))
            details = [{k: _without_own_resource(v, resource) for k, v in d.items()} for d in details]
        packed: dict = {"d": details}
        if isinstance(f.get("recommendation"), dict):
            packed["r"] = f["recommendation"]
        rows.append([f["id"], strings.ref(f.get("findingType") or "ExternalAccess"), resource,
                     strings.ref(f.get("resourceType") or ""), strings.ref(f.get("resourceOwnerAccount") or ""),
                     strings.ref(f.get("status") or ""), 1 if access and access.get("isPublic") else 0,
                     strings.ref(str(f["error"])) if f.get("error") else -1,
                     strings.ref(f.get("createdAt") or ""), strings.ref(f.get("updatedAt") or ""),
                     values.ref_json(packed), _change(f, finished), grants or 0])
    # the table's order, so that the page need not sort: active first, then public, then by resource
    rank = {"ACTIVE": 0, "ARCHIVED": 1, "RESOLVED": 2}
    rows.sort(key=lambda r: (rank.get(strings.items[r[5]], 3), -r[6], r[2]))
    granted = _read_json(out / "policies" / "granted-unused.json")
    return {"strings": strings.items, "values": values.items, "findings": rows,
            "policies": policies, "texts": texts, "generated": _generated(out),
            "grantedUnused": granted if isinstance(granted, dict) else {}}
