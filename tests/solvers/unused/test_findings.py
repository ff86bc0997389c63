"""Unused-access rules on hand-made account data: each finding type appears exactly when it should, at
the boundary of the tracking period too; exclusions; evidence from IAM last-accessed data and CloudTrail;
recommendations that validate clean."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solvers.errors import InputError
from solvers.unused.findings import AccountUsage, Tally, UnusedSet, account_findings
from solvers.unused.granted import expand, grant_of
from solvers.unused.principals import principals_of
from solvers.unused.recommend import compact, trimmed
from solvers.unused.tracking import Exclusions, TrackingPeriod, iso
from solvers.validation import validate_policy

ACCOUNT = "111122223333"
AS_OF = datetime(2026, 6, 1, tzinfo=UTC)
PERIOD = TrackingPeriod(90, AS_OF)
START = PERIOD.start
SECOND = timedelta(seconds=1)
POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Sid": "Data", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "sqs:*"], "Resource": "*"},
    {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}]})
OLD = iso(START - timedelta(days=10))


def role(name: str = "app", created: str = OLD, last_used: str | None = None, tags: dict | None = None,
         path: str = "/", document: str = POLICY) -> dict:
    return {"Arn": f"arn:aws:iam::{ACCOUNT}:role{path}{name}", "RoleName": name, "Path": path, "CreateDate": created,
            "RolePolicyList": [{"PolicyName": "inline", "PolicyDocument": document}], "AttachedManagedPolicies": [],
            "Tags": [{"Key": k, "Value": v} for k, v in (tags or {}).items()],
            **({"RoleLastUsed": {"LastUsedDate": last_used}} if last_used else {})}


def user(name: str = "op", created: str = OLD) -> dict:
    return {"Arn": f"arn:aws:iam::{ACCOUNT}:user/{name}", "UserName": name, "CreateDate": created,
            "UserPolicyList": [], "AttachedManagedPolicies": [{"PolicyName": "m", "PolicyArn": MANAGED}],
            "GroupList": ["g"]}


MANAGED = f"arn:aws:iam::{ACCOUNT}:policy/m"
GROUP_POLICY = json.dumps({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "ec2:StartInstances",
                                                                  "Resource": "*"}})


def details(roles=(), users=()) -> dict:
    return {"RoleDetailList": list(roles), "UserDetailList": list(users),
            "GroupDetailList": [{"GroupName": "g", "Arn": f"arn:aws:iam::{ACCOUNT}:group/g",
                                 "GroupPolicyList": [{"PolicyName": "gp", "PolicyDocument": GROUP_POLICY}],
                                 "AttachedManagedPolicies": []}],
            "Policies": [{"Arn": MANAGED, "UpdateDate": OLD, "PolicyVersionList": [
                {"IsDefaultVersion": True, "Document": json.dumps({"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]})}]}]}


def run(d: dict, usage: AccountUsage | None = None, exclusions: Exclusions | None = None, tally=None) -> list[dict]:
    return account_findings(principals_of(d, ACCOUNT), usage or AccountUsage.of({}), PERIOD,
                            exclusions or Exclusions(), tally)


def types(found: list[dict]) -> list[tuple[str, str]]:
    return sorted((f["findingType"], f["resource"].rsplit("/", 1)[-1]) for f in found)


@pytest.mark.parametrize(("created", "judged"), [(START, True), (START + SECOND, False), (START - SECOND, True)])
def test_only_principals_older_than_the_period_are_judged(created, judged):
    found = run(details([role(created=iso(created))]))
    assert types(found) == ([("UnusedIAMRole", "app")] if judged else [])


@pytest.mark.parametrize(("used", "unused"), [(START, False), (START - SECOND, True), (AS_OF, False), (None, True)])
def test_role_last_used_at_the_boundary(used, unused):
    found = run(details([role(last_used=iso(used) if used else None)]))
    assert [f["findingType"] for f in found if f["findingType"] == "UnusedIAMRole"] == (["UnusedIAMRole"] if unused else [])
    if unused:
        detail = found[0]["findingDetails"][0]["unusedIamRoleDetails"]
        assert detail == ({"lastAccessed": iso(used)} if used else {})


def test_service_linked_roles_and_exclusions_are_not_judged():
    tally = Tally()
    d = details([role("svc", path="/aws-service-role/ecs.amazonaws.com/"), role("tagged", tags={"team": "sec", "x": "1"}),
                 role("other", tags={"team": "dev"})])
    found = run(d, exclusions=Exclusions(tag_sets=({"team": "sec"},)), tally=tally)
    assert types(found) == [("UnusedIAMRole", "other")]
    assert tally.skipped == {"service-linked role": 1, "excluded": 1} and tally.judged == 1
    assert run(d, exclusions=Exclusions(accounts=frozenset({ACCOUNT}))) == []


def key(kid: str, created=OLD, last=None, status="Active") -> dict:
    return {"accessKeyId": kid, "status": status, "created": created, **({"lastUsed": last} if last else {})}


def test_access_keys_and_passwords():
    arn = f"arn:aws:iam::{ACCOUNT}:user/op"
    usage = AccountUsage.of({
        "accessKeys": {arn: [key("AKIAUSED", last=iso(START)), key("AKIAIDLE", last=iso(START - SECOND)),
                             key("AKIANEVER"), key("AKIAYOUNG", created=iso(START + SECOND)),
                             key("AKIAOFF", status="Inactive")]},
        "credentialReport": {arn: {"passwordEnabled": True, "passwordLastUsed": iso(START - SECOND)}}})
    found = run(details(users=[user()]), usage)
    keys = sorted(f["findingDetails"][0]["unusedIamUserAccessKeyDetails"]["accessKeyId"]
                  for f in found if f["findingType"] == "UnusedIAMUserAccessKey")
    assert keys == ["AKIAIDLE", "AKIANEVER"]
    assert [f["findingDetails"] for f in found if f["findingType"] == "UnusedIAMUserPassword"] == [
        [{"unusedIamUserPasswordDetails": {"lastAccessed": iso(START - SECOND)}}]]
    # the password used at the start of the period, or no password at all: no finding
    for row in ({"passwordEnabled": True, "passwordLastUsed": iso(START)}, {"passwordEnabled": False}):
        again = run(details(users=[user()]), AccountUsage.of({"credentialReport": {arn: row}}))
        assert "UnusedIAMUserPassword" not in [f["findingType"] for f in again]
    # without usage evidence for permissions, a user gets no UnusedPermission
    assert "UnusedPermission" not in [f["findingType"] for f in found]


def test_unused_permissions_from_last_accessed_data():
    arn = f"arn:aws:iam::{ACCOUNT}:role/app"
    last_accessed = {arn: [
        {"serviceNamespace": "s3", "lastAuthenticated": iso(START + SECOND),
         "trackedActions": [{"action": "GetObject", "lastAccessed": iso(START + SECOND)}, {"action": "PutObject"}]},
        {"serviceNamespace": "sqs", "lastAuthenticated": iso(START - SECOND)}]}
    found = run(details([role(last_used=iso(AS_OF))]), AccountUsage.of({"lastAccessed": last_accessed}))
    assert [f["findingType"] for f in found] == ["UnusedPermission"]
    detail = {d["unusedPermissionDetails"]["serviceNamespace"]: d["unusedPermissionDetails"]
              for d in found[0]["findingDetails"]}
    assert detail["s3"] == {"serviceNamespace": "s3", "lastAccessed": iso(START + SECOND),
                            "actions": [{"action": "s3:PutObject"}]}
    # sqs: used only before the period, tracked at service level only: the service, no action list
    assert detail["sqs"] == {"serviceNamespace": "sqs", "lastAccessed": iso(START - SECOND)}
    steps = [s["unusedPermissionsRecommendedStep"] for s in found[0]["recommendation"]["recommendedSteps"]]
    assert [s["recommendedAction"] for s in steps] == ["CREATE_POLICY"]
    recommended = json.loads(steps[0]["recommendedPolicy"])
    assert recommended["Statement"][0] == {"Sid": "Data", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
    assert recommended["Statement"][1]["Effect"] == "Deny"  # kept as written


def test_unused_permissions_from_cloudtrail_and_detach():
    canonical = f"arn:aws:iam::{ACCOUNT}:user/op"
    usage = AccountUsage.of({}, {canonical: ["ec2:StartInstances"]}, activity_complete=True)
    found = run(details(users=[user()]), usage)
    [finding] = [f for f in found if f["findingType"] == "UnusedPermission"]
    assert [(d["unusedPermissionDetails"]["serviceNamespace"], d["unusedPermissionDetails"]["actions"])
            for d in finding["findingDetails"]] == [("s3", [{"action": "s3:GetObject"}])]
    steps = [s["unusedPermissionsRecommendedStep"] for s in finding["recommendation"]["recommendedSteps"]]
    assert steps == [{"recommendedAction": "DETACH_POLICY", "existingPolicyId": MANAGED, "policyUpdatedAt": OLD}]
    # CloudTrail that does not cover the whole period proves use, never disuse
    partial = run(details(users=[user()]), AccountUsage.of({}, {canonical: ["ec2:StartInstances"]}, False))
    assert "UnusedPermission" not in [f["findingType"] for f in partial]


def test_a_role_seen_in_cloudtrail_is_in_use():
    canonical = f"arn:aws:iam::{ACCOUNT}:role/app"
    found = run(details([role()]), AccountUsage.of({}, {canonical: ["s3:GetObject"]}, activity_complete=True))
    assert [f["findingType"] for f in found] == ["UnusedPermission"]


def test_ids_are_stable_and_distinct():
    a = run(details([role("a"), role("b")]))
    assert a == run(details([role("a"), role("b")]))
    assert len({f["id"] for f in a}) == 2


def test_tracking_period_bounds():
    for days in (0, 366, "90"):
        with pytest.raises(InputError):
            TrackingPeriod(days, AS_OF)  # type: ignore[arg-type]


def test_grant_reads_not_action_and_unknown_patterns():
    grant = grant_of(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"},
        {"Effect": "Allow", "Action": "futureservice:DoThing", "Resource": "*"}]}))
    assert "s3:GetObject" not in grant.actions and "sqs:SendMessage" in grant.actions
    assert grant.unknown == {"futureservice:DoThing"}
    assert not grant_of("not json").readable and not grant_of(None).readable


SERVICE_ACTIONS = sorted(expand("sqs:*"))


@settings(max_examples=60, deadline=None)
@given(st.sets(st.sampled_from(SERVICE_ACTIONS), min_size=1))
def test_compact_grants_exactly_the_kept_actions(kept):
    patterns = compact(kept)
    granted = set().union(*(expand(p) for p in patterns))
    assert granted == kept
    assert len(patterns) <= len(kept)


@settings(max_examples=40, deadline=None)
@given(st.sets(st.sampled_from(SERVICE_ACTIONS + sorted(expand("s3:Get*"))[:30])))
def test_trimmed_policies_grant_the_rest_and_validate_clean(unused):
    document = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "A", "Effect": "Allow", "Action": ["sqs:*", "s3:Get*"], "Resource": "*"}]})
    idle = UnusedSet()
    idle.actions.update(unused)
    result = trimmed(document, idle)
    assert grant_of(result).actions == grant_of(document).actions - set(unused)
    if grant_of(result).actions:
        found = validate_policy(result, "IDENTITY_POLICY")
        assert not [f for f in found if f.finding_type in ("ERROR", "SECURITY_WARNING")], found


def test_findings_are_stamped_with_the_analysis_time_not_the_as_of_instant():
    """Judged as of a past instant (AS_OF), analysed now: analyzedAt and the recommendation's
    startedAt/completedAt (GetFindingRecommendation's names) are the time of the analysis."""
    from model_walker import problems, shapes
    before = datetime.now(UTC).replace(microsecond=0)
    last_accessed = {f"arn:aws:iam::{ACCOUNT}:role/app": [
        {"serviceNamespace": "s3", "lastAuthenticated": iso(START + SECOND)},
        {"serviceNamespace": "sqs", "lastAuthenticated": iso(START - SECOND)}]}
    found = run(details([role(last_used=iso(AS_OF))]), AccountUsage.of({"lastAccessed": last_accessed}))
    [finding] = [f for f in found if "recommendation" in f]
    assert datetime.fromisoformat(finding["analyzedAt"].replace("Z", "+00:00")) >= before > AS_OF
    recommendation = finding["recommendation"]
    assert recommendation["startedAt"] == recommendation["completedAt"] == finding["analyzedAt"]
    assert problems(shapes("accessanalyzer"), recommendation, "GetFindingRecommendationResponse") == []
