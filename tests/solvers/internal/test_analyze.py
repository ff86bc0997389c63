"""Internal-access findings of one resource (authorization.md §6.2-6.3), with their examples replayed
through `trustmap simulate`'s path."""
from __future__ import annotations

import pytest

from pipeline.simulate import simulate
from solvers.authorization.simulate_input import read_simulation
from solvers.errors import UndecidedError
from solvers.internal.analyze import ACCOUNT, ORGANIZATION, Stats, analyze_resource
from tests.solvers.internal.orgs import BUCKET, OTHER, OWNER, allow, bucket, deny, levels, role, user


def details(f: dict) -> dict:
    return f["findingDetails"][0]["internalAccessDetails"]


def by_principal(findings: list[dict]) -> dict[str, dict]:
    return {details(f)["principal"]["AWS"]: f for f in findings}


def assert_examples_allowed(findings: list[dict]) -> None:
    for f in findings:
        if f["error"]:
            continue
        response = simulate(read_simulation(f["example"]))
        assert [r["EvalDecision"] for r in response["EvaluationResults"]] == ["allowed"]
        assert f["example"]["ActionNames"][0] in details(f)["action"]


def test_same_account_role_gets_its_actions_unconditionally():
    reader = role(OWNER, "reader", allow(["s3:GetObject", "s3:ListBucket"], [BUCKET, f"{BUCKET}/*"]))
    findings = analyze_resource(bucket(), [reader])
    assert len(findings) == 1
    d = details(findings[0])
    assert d["action"] == ["s3:GetObject", "s3:ListBucket"]
    assert (d["accessType"], d["principalType"], d["condition"]) == ("INTRA_ACCOUNT", "IAM_ROLE", {})
    assert d["principalOwnerAccount"] == OWNER
    assert findings[0]["resourceType"] == "AWS::S3::Bucket" and findings[0]["findingType"] == "InternalAccess"
    assert_examples_allowed(findings)


def test_other_account_needs_the_resource_policy():
    reader = user(OTHER, "alice", allow("s3:GetObject", f"{BUCKET}/*"))
    assert analyze_resource(bucket(), [reader]) == []
    grant = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": OTHER},
                                                     "Action": "s3:*", "Resource": f"{BUCKET}/*"}]}
    findings = analyze_resource(bucket(grant), [reader])
    d = details(findings[0])
    assert (d["accessType"], d["principalType"], d["action"]) == ("INTRA_ORG", "IAM_USER", ["s3:GetObject"])
    assert d["sources"] == [{"type": "POLICY"}]
    assert_examples_allowed(findings)
    assert analyze_resource(bucket(grant), [reader], zone=ACCOUNT) == []  # account scope: its own principals


def test_guardrails_by_scope():
    scps = levels(None, deny("s3:PutObject"))
    rcps = levels(deny("s3:DeleteObject", principal=True), rcp=True)
    writer = role(OWNER, "writer", allow(["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]), scps=scps)
    target = bucket(rcps=rcps)
    org = details(analyze_resource(target, [writer], zone=ORGANIZATION)[0])
    assert org["action"] == ["s3:GetObject"]
    assert (org["serviceControlPolicyRestriction"], org["resourceControlPolicyRestriction"]) == ("APPLIED", "APPLIED")
    acct = analyze_resource(target, [writer], zone=ACCOUNT)
    d = details(acct[0])
    assert d["action"] == ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"]  # blocked actions still listed
    assert (d["serviceControlPolicyRestriction"], d["resourceControlPolicyRestriction"]) == ("APPLICABLE", "APPLICABLE")
    assert_examples_allowed(acct)
    bare = details(analyze_resource(bucket(), [role(OWNER, "r", allow("s3:GetObject"))], zone=ACCOUNT)[0])
    assert bare["serviceControlPolicyRestriction"] == bare["resourceControlPolicyRestriction"] == "NOT_APPLICABLE"


def test_boundary_limits_identity_grants():
    capped = role(OWNER, "capped", allow("s3:*"), boundary=allow("s3:GetObject"))
    assert details(analyze_resource(bucket(), [capped])[0])["action"] == ["s3:GetObject"]


def test_service_linked_roles_and_unrelated_principals_give_nothing():
    linked = role(OWNER, "aws-service-role/s3.amazonaws.com/AWSServiceRoleForS3", allow("*"))
    ec2 = role(OWNER, "ec2-admin", allow("ec2:*"))
    stats = Stats()
    assert analyze_resource(bucket(), [linked, ec2], stats=stats) == []
    assert stats.principals == 1 and stats.questions == 0 and stats.concrete == 0  # prefiltered


def test_a_class_is_analysed_once_and_replayed_for_each_member():
    scps = levels()
    members = [role(acct, "PermissionSetReader", allow("s3:GetObject"), scps=scps) for acct in (OTHER, "333333333333")]
    grant = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                                                     "Resource": f"{BUCKET}/*",
                                                     "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-exampleorg1"}}}]}
    stats = Stats()
    findings = analyze_resource(bucket(grant), members, stats=stats)
    assert stats.classes == 1 and stats.principals == 2
    assert sorted(by_principal(findings)) == sorted(m.arn for m in members)
    assert_examples_allowed(findings)


def test_errors_are_principal_level_findings():
    broken = role(OWNER, "broken", allow("s3:GetObject"))
    from dataclasses import replace
    broken = replace(broken, error="INTERNAL_ERROR")
    [f] = analyze_resource(bucket(), [broken])
    assert f["error"] == "INTERNAL_ERROR"
    assert set(details(f)) == {"principal", "principalOwnerAccount", "principalType", "accessType"}

    def undecided(*_):
        raise UndecidedError("timeout")
    # a condition no probe value meets (probes use the policy's own values): only the solver can answer
    conditional = role(OWNER, "cond", allow("s3:ListBucket", "*", Condition={"NumericGreaterThan": {"s3:max-keys": "10"}}))
    [f] = analyze_resource(bucket(), [conditional], solver=undecided)
    assert f["error"] == "INTERNAL_ERROR" and details(f)["principal"] == {"AWS": conditional.arn}


@pytest.mark.parametrize("rtype,arn,action", [
    ("AWS::DynamoDB::Table", f"arn:aws:dynamodb:us-east-1:{OWNER}:table/t", "dynamodb:Query"),
    ("AWS::RDS::DBSnapshot", f"arn:aws:rds:us-east-1:{OWNER}:snapshot:s", "rds:CopyDBSnapshot"),
    ("AWS::KMS::Key", f"arn:aws:kms:us-east-1:{OWNER}:key/k", None),
])
def test_other_types(rtype, arn, action):
    from solvers.internal.model import Target
    r = role(OWNER, "wide", allow("*"))
    findings = analyze_resource(Target(arn, rtype, OWNER), [r])
    if action is None:  # a KMS key without a key policy: nobody, the identity path needs the key's grant (R7)
        assert findings == []
        return
    assert action in details(findings[0])["action"]
    assert "extensionType" not in findings[0]
    assert_examples_allowed(findings)


def test_answers_carry_to_the_next_resource_of_the_same_view():
    """A class whose policies name no resource but `*` is asked once for two buckets of one shape."""
    grant = lambda arn: {"Version": "2012-10-17", "Statement": [  # noqa: E731
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"{arn}/*",
         "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-exampleorg1"}}}]}
    people = [role(OTHER, "PermissionSetReader", allow("s3:GetObject")),
              role(OWNER, "writer", allow("s3:PutObject", "arn:aws:s3:::second/*"))]
    memo: dict = {}
    stats = Stats()
    first = analyze_resource(bucket(grant(BUCKET)), people, stats=stats, memo=memo)
    asked = stats.classes
    second_arn = "arn:aws:s3:::second"
    second = analyze_resource(bucket(grant(second_arn), arn=second_arn), people, stats=stats, memo=memo)
    assert stats.classes == asked + 1  # only the writer, whose policy names a bucket, is asked again
    # the writer is in the owner's account: the `*` grant reaches it directly (R6)
    assert sorted(details(f)["principal"]["AWS"] for f in first) == sorted(p.arn for p in people)
    assert sorted(details(f)["principal"]["AWS"] for f in second) == sorted(p.arn for p in people)
    assert all(f["resource"] == second_arn and f["example"]["ResourceArns"][0].startswith(second_arn + "/")
               for f in second)
    assert_examples_allowed(second)


def test_aws_compatible_principal_limit(monkeypatch):
    import solvers.internal.analyze as analyze
    monkeypatch.setattr(analyze, "PRINCIPAL_LIMIT", 2)
    people = [role(OWNER, f"r{i}", allow("s3:GetObject")) for i in range(3)]
    assert len(analyze_resource(bucket(), people)) == 3  # by default: every finding
    [f] = analyze_resource(bucket(), people, aws_compatible=True)
    assert (f["error"], f["findingDetails"]) == ("PRINCIPAL_LIMIT_EXCEEDED", [])


def test_one_finding_per_condition_cube():
    """An action open under two conditions is in both findings (AWS: one per resource, principal and
    condition); each condition keeps only the keys its access needs; ids are the same run after run."""
    vpc = lambda v: {"StringEquals": {"aws:SourceVpc": v}}  # noqa: E731
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": vpc("vpc-1")},
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "*", "Condition": vpc("vpc-2")},
        {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*",
         "Condition": {"StringEquals": {"aws:PrincipalTag/team": "data"}}}]}
    people = [role(OWNER, "vpcs", policy)]
    first, again = analyze_resource(bucket(), people), analyze_resource(bucket(), people)
    got = {tuple(sorted(details(f)["condition"].items())): details(f)["action"] for f in first}
    assert got == {(("aws:SourceVpc", "vpc-1"),): ["s3:GetObject"],
                   (("aws:SourceVpc", "vpc-2"),): ["s3:GetObject", "s3:PutObject"],
                   (("aws:PrincipalTag/team", "data"),): ["s3:ListBucket"]}
    assert len({f["id"] for f in first}) == 3 and [f["id"] for f in first] == [f["id"] for f in again]
    assert_examples_allowed(first)


def test_a_region_lock_gives_one_cube_per_region():
    """An SCP that denies outside two Regions: access in each Region is its own condition."""
    lock = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "NotAction": "iam:*", "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}}}]}
    reader = role(OWNER, "reader", allow("s3:GetObject"), scps=levels(None, lock))
    findings = analyze_resource(bucket(), [reader])
    assert sorted((details(f)["condition"]["aws:RequestedRegion"], tuple(details(f)["action"])) for f in findings) == [
        ("eu-west-1", ("s3:GetObject",)), ("us-east-1", ("s3:GetObject",))]
    assert_examples_allowed(findings)
