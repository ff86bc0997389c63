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
    documents = (validation or {}).get("policies") or []
    return ReportDraft(findings, finished, policy_entries(documents)).finish(out, policy_marks(documents))


def policy_entries(documents: Iterable) -> list[tuple]:
    """(text, policy type, resource type, where) of each of validation.json's policies, in its order."""
    return [(d.get("policyDocument"), d.get("policyType"), d.get("resourceType"), d.get("where") or {})
            if isinstance(d, dict) else (None, None, None, None) for d in documents]


def policy_marks(documents: Iterable) -> list[list]:
    """Each of validation.json's policies' findings as the page marks them (`_mark`). A policy text
    validated once is listed wherever it lives: its marks are made once (a scan's document shares one
    findings list among them; one read from a file has equal lists)."""
    by_list: dict[int, list] = {}
    by_text: dict[bytes, list] = {}
    out = []
    for d in documents:
        found = (d.get("findings") or []) if isinstance(d, dict) else []
        marks = by_list.get(id(found))
        if marks is None:
            key = orjson.dumps(found)
            marks = by_text.get(key)
            if marks is None:
                marks = by_text[key] = [_mark(v) for v in found]
            by_list[id(found)] = marks  # `documents` holds `found`: its id is not reused meanwhile
        out.append(marks)
    return out


class ReportDraft:
    """The page's findings part in two steps: what the findings alone decide (rows, which statements
    grant each example), then, once validation has marked the policies, which policies are shown. A
    scan drafts while it validates: only the second step waits for validation."""

    def __init__(self, findings: list, finished: str | None, entries: list[tuple]) -> None:
        """`entries`: every validated policy as (text, policy type, resource type, where), in
        validation.json's order (see `policy_entries`)."""
        findings = [f for f in findings if isinstance(f, dict) and isinstance(f.get("id"), str)]
        self._entries = entries
        self._wanted = {f.get("resource") for f in findings if _access_details(f) is not None}
        self._recommended = _recommended_policies(findings)
        self._parsed = PolicyTexts()
        # a resource policy of a resource with access findings: always shown, a finding's grants point into it
        by_arn: dict[str, list[int]] = {}
        for i, (text, ptype, _, where) in enumerate(entries):
            if ptype == "RESOURCE_POLICY" and _shown(text, where) and where.get("arn") in self._wanted:
                by_arn.setdefault(where["arn"], []).append(i)
        self._strings, self._values = _Table(), _Table()
        self._grants: dict[int, list[list[int]]] = {}  # row -> [entry, statement] pairs
        self._rows: list[list] = []
        for f in findings:
            resource = f.get("resource") or ""
            access = _access_details(f)
            details = _details_of(f)
            if access is not None and isinstance(access.get("example"), dict):
                example = {**access["example"]}
                example.setdefault("resource", resource)
                grants = [[e, i] for e in by_arn.get(resource, ())
                          for i in self._parsed.granting_statements(entries[e][0], example)]
                if grants:
                    self._grants[len(self._rows)] = grants
                details = [{k: _without_own_resource(v, resource) for k, v in d.items()} for d in details]
            self._rows.append(self._row(f, resource, access, details, finished))

    def _row(self, f: dict, resource: str, access: dict | None, details: list, finished: str | None) -> list:
        """A finding as the page's row (ROW_FIELDS); its grants, known once policies are chosen, left 0."""
        packed: dict = {"d": details}
        if isinstance(f.get("recommendation"), dict):
            packed["r"] = f["recommendation"]
        strings = self._strings
        return [f["id"], strings.ref(f.get("findingType") or "ExternalAccess"), resource,
                strings.ref(f.get("resourceType") or ""), strings.ref(f.get("resourceOwnerAccount") or ""),
                strings.ref(f.get("status") or ""), 1 if access and access.get("isPublic") else 0,
                strings.ref(str(f["error"])) if f.get("error") else -1,
                strings.ref(f.get("createdAt") or ""), strings.ref(f.get("updatedAt") or ""),
                self._values.ref_json(packed), _change(f, finished), 0]

    def parse_all(self) -> None:
        """Find every policy's statements now (a scan's second process, idle while the driver validates),
        so that `finish` only reads them."""
        for text, _, _, where in self._entries:
            if _shown(text, where):
                self._parsed.statement_spans(text)

    def finish(self, out: Path, marks: list[list]) -> dict:
        """The findings part of the page's data, given each entry's validation marks (`policy_marks`,
        aligned with the entries). Call once: the rows are sorted in place."""
        recommended_arns = {arn for arn, _ in self._recommended}
        texts = _Table()
        policies: list[dict] = []
        shown_as: dict[int, int] = {}  # entry -> policy
        for i, (text, ptype, rtype, where) in enumerate(self._entries):
            if not _shown(text, where):
                continue
            arn, name = where.get("arn"), where.get("policyName")
            if not (marks[i] or (ptype == "RESOURCE_POLICY" and arn in self._wanted) or arn in recommended_arns
                    or (arn, name) in self._recommended):
                continue
            shown_as[i] = len(policies)
            policies.append({"t": texts.ref(text), "type": ptype, "rt": rtype, "arn": arn,
                             "account": where.get("account"), "name": name, "v": marks[i],
                             "st": self._parsed.statement_spans(text)})
        rows = self._rows
        for row, grants in self._grants.items():
            rows[row][12] = [[shown_as[e], i] for e, i in grants]
        # the table's order, so that the page need not sort: active first, then public, then by resource
        rank = {"ACTIVE": 0, "ARCHIVED": 1, "RESOLVED": 2}
        strings = self._strings.items
        rows.sort(key=lambda r: (rank.get(strings[r[5]], 3), -r[6], r[2]))
        granted = _read_json(out / "policies" / "granted-unused.json")
        return {"strings": strings, "values": self._values.items, "findings": rows,
                "policies": policies, "texts": texts.items, "generated": _generated(out),
                "grantedUnused": granted if isinstance(granted, dict) else {}}


def _shown(text, where) -> bool:
    """A policy the page can show: its text and where it lives are what validation.json says they are."""
    return isinstance(text, str) and isinstance(where, dict)
