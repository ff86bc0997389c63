"""The recorded Access Analyzer answers, replayed in-process: exact finding sets (32 policies), the
external/public verdicts (17 resources) and CheckNoPublicAccess (17 policies)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from solvers.external.analyze import analyze_resource, configuration_for_policy
from solvers.external.public import check_no_public_access
from solvers.external.zone import ZoneOfTrust

CORPUS = Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus" / "aa-recorded"


def _cases(suite: str, keep=lambda c: True) -> list[dict]:
    path = CORPUS / suite / "cases.jsonl"
    if not path.is_file():
        return []
    return [c for c in (json.loads(line) for line in path.read_text().splitlines() if line.strip()) if keep(c)]


FINDINGS = _cases("findings")
EXTERNAL = _cases("external")
PUBLIC = _cases("checks", lambda c: c.get("check") == "CheckNoPublicAccess")
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")


def _key(f: dict) -> tuple:
    return (json.dumps(f["principal"], sort_keys=True), tuple(sorted(a.lower() for a in f["action"])),
            json.dumps(f["condition"], sort_keys=True), bool(f["isPublic"]))


def _analyze(case: dict, text: str) -> list[dict]:
    zone = ZoneOfTrust(case["zone"]["account"], case["zone"].get("organizationId"))
    config = configuration_for_policy(case["resourceType"], text)
    return analyze_resource(case["resourceType"], case["resourceArn"], case["zone"]["account"], config, zone)


@needs_corpus
def test_corpus_is_complete() -> None:
    assert (len(FINDINGS), len(EXTERNAL), len(PUBLIC)) == (32, 17, 17)


@needs_corpus
@pytest.mark.parametrize("case", FINDINGS, ids=[c["id"] for c in FINDINGS])
def test_recorded_finding_set(case: dict) -> None:
    got = _analyze(case, case["policyText"])
    assert not [f for f in got if f["error"]]
    assert {_key(f) for f in got} == {_key(f) for f in case["expect"]["findings"]}


@needs_corpus
@pytest.mark.parametrize("case", EXTERNAL, ids=[c["id"] for c in EXTERNAL])
def test_recorded_external_verdict(case: dict) -> None:
    got = _analyze(case, json.dumps(case["policy"]))
    expect = case["expect"]
    principals = {v for f in got for v in f["principal"].values()}
    assert bool(got) == expect["external"]
    assert any(f["isPublic"] for f in got) == expect["public"]
    for p in expect["principals"]:
        assert p in principals
    for p in expect["mustNotFlag"]:
        assert p not in principals


@needs_corpus
@pytest.mark.parametrize("case", PUBLIC, ids=[c["id"] for c in PUBLIC])
def test_recorded_no_public_access(case: dict) -> None:
    result = check_no_public_access(case["policy"], case["resourceType"])
    assert result.result == case["expect"]["result"]
    if result.result == "FAIL":
        assert set(case["expect"].get("statementIndexes", [])) <= {r.statement_index for r in result.reasons}
        assert result.example is not None
