"""Findings lifecycle across runs and archive rules (pure functions, no Ray)."""
from __future__ import annotations

import pytest

from pipeline.lifecycle import ArchiveRule, advance
from solvers.errors import InputError

T0, T1, T2 = "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z", "2026-06-01T00:00:00Z"


def finding(fid: str, principal: str = "444455556666", public: bool = False, error: str | None = None) -> dict:
    return {"id": fid, "resource": f"arn:aws:sqs:us-east-1:111122223333:{fid}", "resourceType": "AWS::SQS::Queue",
            "principal": {"AWS": principal}, "action": ["sqs:SendMessage"], "condition": {}, "isPublic": public,
            "error": error, "status": "ACTIVE", "resourceOwnerAccount": "111122223333"}


def by_id(findings: list[dict]) -> dict[str, dict]:
    return {f["id"]: f for f in findings}


def test_new_findings_are_active_and_stable_ones_keep_their_dates() -> None:
    first = by_id(advance({}, [finding("a"), finding("b")], [], T0).findings)
    assert {f["status"] for f in first.values()} == {"ACTIVE"} and first["a"]["createdAt"] == T0
    second = by_id(advance(first, [finding("a"), finding("c")], [], T1).findings)
    assert second["a"]["status"] == "ACTIVE" and second["a"]["createdAt"] == T0 and second["a"]["updatedAt"] == T0
    assert second["b"]["status"] == "RESOLVED" and second["b"]["updatedAt"] == T1
    assert second["c"]["status"] == "ACTIVE" and second["c"]["createdAt"] == T1
    # a resolved finding whose access comes back is active again; one resolved long ago is forgotten
    third = by_id(advance(second, [finding("b")], [], T1).findings)
    assert third["b"]["status"] == "ACTIVE"
    assert "b" not in by_id(advance(second, [], [], T2).findings)


def test_archived_findings_stay_archived_and_error_findings_disappear_when_fixed() -> None:
    first = by_id(advance({}, [finding("a"), finding("e", error="INTERNAL_ERROR")], [], T0).findings)
    first["a"]["status"] = "ARCHIVED"  # as a user's UpdateFindings would
    second = by_id(advance(first, [finding("a")], [], T1).findings)
    assert second["a"]["status"] == "ARCHIVED" and "e" not in second


def test_findings_not_seen_keep_their_status_and_are_counted() -> None:
    first = by_id(advance({}, [finding("a"), finding("b"), finding("e", error="INTERNAL_ERROR")], [], T0).findings)
    first["b"]["status"] = "ARCHIVED"
    unseen = {"a", "b", "e"}
    result = advance(first, [], [], T1, seen=lambda f: f["id"] not in unseen)
    assert by_id(result.findings) == first  # unchanged: status, dates, error finding kept
    assert result.carried_over == ["a", "b", "e"]
    # once seen again and still absent: resolved (error findings removed), nothing carried
    later = advance(by_id(result.findings), [], [], T2)
    assert {f["id"]: f["status"] for f in later.findings} == {"a": "RESOLVED", "b": "RESOLVED"}
    assert later.carried_over == []


def test_a_resolved_finding_stays_resolved_whether_seen_or_not() -> None:
    first = by_id(advance({}, [finding("a")], [], T0).findings)
    resolved = by_id(advance(first, [], [], T1).findings)
    again = advance(resolved, [], [], T1, seen=lambda f: False)
    assert by_id(again.findings)["a"]["status"] == "RESOLVED" and again.carried_over == []


def test_archive_rules() -> None:
    rule = ArchiveRule.parse({"name": "partner", "filter": {"principal.AWS": {"eq": ["444455556666"]},
                                                            "isPublic": {"eq": ["false"]}}})
    found = by_id(advance({}, [finding("a"), finding("b", principal="*", public=True),
                               finding("c", principal="555566667777")], [rule], T0).findings)
    assert [found[k]["status"] for k in "abc"] == ["ARCHIVED", "ACTIVE", "ACTIVE"]
    contains = ArchiveRule.parse({"name": "q", "filter": {"resource": {"contains": [":c"]}, "error": {"exists": False}}})
    assert contains.matches(finding("c")) and not contains.matches(finding("a"))
    assert not contains.matches(finding("c", error="INTERNAL_ERROR"))
    neq = ArchiveRule.parse({"name": "n", "filter": {"principal.AWS": {"neq": ["444455556666"]}}})
    assert neq.matches(finding("c", principal="555566667777")) and not neq.matches(finding("a"))


@pytest.mark.parametrize("rule", [{}, {"name": "x"}, {"name": "x", "filter": {"id": {"eq": []}}},
                                  {"name": "x", "filter": {"id": {"like": ["a"]}}},
                                  {"name": "x", "filter": {"id": {"eq": ["a"] * 21}}}])
def test_bad_archive_rules(rule: dict) -> None:
    with pytest.raises(InputError):
        ArchiveRule.parse(rule)
