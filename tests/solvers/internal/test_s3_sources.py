"""S3 `sources` of internal findings (authorization.md §6.3 step 5): the bucket policy, bucket ACL grants,
the owner's access points (decided at the access point and at the bucket), and other accounts' access
points the bucket policy delegates to. Every example replays as allowed through `simulate`."""
from __future__ import annotations

from dataclasses import replace

from solvers.authorization.context import Source
from solvers.internal.analyze import analyze_resource
from solvers.internal.s3_sources import AccessPoint, acl_statements, with_acl
from solvers.policy import parse_policy
from tests.solvers.internal.orgs import BUCKET, OTHER, OWNER, allow, bucket, role, src
from tests.solvers.internal.test_analyze import assert_examples_allowed, by_principal, details

AP = f"arn:aws:s3:us-east-1:{OWNER}:accesspoint/reports"
DELEGATE = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": [BUCKET, f"{BUCKET}/*"],
     "Condition": {"StringEquals": {"s3:DataAccessPointAccount": OWNER}}}]}
PARTNER = role(OTHER, "partner", allow("s3:GetObject"))
STRANGER = role(OTHER, "stranger", allow("s3:GetObject"))
READER = role(OWNER, "reader", allow(["s3:GetObject", "s3:ListBucket"]))


def ap_policy(who: str) -> dict:
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": who},
                                                    "Action": "s3:GetObject", "Resource": f"{AP}/object/*"}]}


def with_point(policy: dict | None, point: dict | None):
    return replace(bucket(policy), access_points=(AccessPoint(AP, src(point, AP) if point else None),))


def test_access_through_the_owners_access_point():
    """The bucket delegates to the owner's access points; the access point lets the partner role in. The
    delegation's own condition is that access point's access, not a second finding."""
    found = by_principal(analyze_resource(with_point(DELEGATE, ap_policy(PARTNER.arn)), [PARTNER, STRANGER, READER]))
    assert set(found) == {PARTNER.arn, READER.arn}  # the stranger is named by no access point
    partner = details(found[PARTNER.arn])
    assert (partner["action"], partner["condition"]) == (["s3:GetObject"], {})
    assert partner["sources"] == [{"type": "S3_ACCESS_POINT", "detail": {"accessPointArn": AP}}]
    assert found[PARTNER.arn]["example"]["ResourceArns"] == [f"{AP}/object/example-object"]
    reader = details(found[READER.arn])  # its identity policy reaches the bucket and the access point
    assert reader["action"] == ["s3:GetObject", "s3:ListBucket"]
    assert reader["sources"] == [{"type": "S3_ACCESS_POINT", "detail": {"accessPointArn": AP}}]
    assert found[READER.arn]["example"]["ResourceArns"][0].startswith(BUCKET)  # a direct request first
    assert_examples_allowed(list(found.values()))


def test_a_bucket_that_does_not_delegate_keeps_other_accounts_out_of_its_access_points():
    found = by_principal(analyze_resource(with_point(None, ap_policy(PARTNER.arn)), [PARTNER, READER]))
    assert set(found) == {READER.arn}


def test_bucket_acl_grants_to_another_account_of_the_organization():
    canonical = {"c-owner": OWNER, "c-other": OTHER}
    grants = [{"grantee": {"id": "c-owner"}, "permission": "FULL_CONTROL"},
              {"grantee": {"id": "c-other"}, "permission": "READ"},
              {"grantee": {"id": "c-unknown"}, "permission": "WRITE"},
              {"grantee": {"uri": "http://acs.amazonaws.com/groups/global/AllUsers"}, "permission": "READ_ACP"}]
    stmts = acl_statements(BUCKET, grants, "c-owner", canonical, ignore_public=True)
    assert [s["Principal"] for s in stmts] == [{"AWS": OTHER}]  # the owner, strangers and blocked groups: none
    assert [s["Principal"] for s in acl_statements(BUCKET, grants, "c-owner", canonical, False)] == [{"AWS": OTHER}, "*"]
    policy = with_acl(src(DELEGATE).policy.text, stmts)
    target = replace(bucket(), policy=Source(parse_policy(policy), "ResourcePolicy"), access_points=())
    lister = role(OTHER, "lister", allow(["s3:ListBucket", "s3:GetObject"]))
    [f] = analyze_resource(target, [lister])
    assert (details(f)["action"], details(f)["sources"]) == (["s3:ListBucket"], [{"type": "BUCKET_ACL"}])
    assert_examples_allowed([f])


def test_delegation_to_another_accounts_access_points():
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"{BUCKET}/*",
         "Condition": {"StringEquals": {"s3:DataAccessPointAccount": OTHER}}}]}
    [f] = analyze_resource(replace(bucket(policy), access_points=()), [PARTNER])
    d = details(f)
    assert d["condition"] == {"s3:DataAccessPointAccount": OTHER}
    assert d["sources"] == [{"type": "POLICY"},
                            {"type": "S3_ACCESS_POINT_ACCOUNT", "detail": {"accessPointAccount": OTHER}}]
    assert_examples_allowed([f])


def test_a_direct_grant_in_the_bucket_policy_says_policy():
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": PARTNER.arn},
                                                      "Action": "s3:GetObject", "Resource": f"{BUCKET}/*"}]}
    [f] = analyze_resource(bucket(policy), [PARTNER])
    assert details(f)["sources"] == [{"type": "POLICY"}]


def test_a_vpc_only_access_point_adds_its_vpc_to_the_condition():
    target = replace(bucket(DELEGATE), access_points=(AccessPoint(AP, src(ap_policy(PARTNER.arn), AP), "vpc-0a1"),))
    [f] = analyze_resource(target, [PARTNER])
    assert (details(f)["action"], details(f)["condition"]) == (["s3:GetObject"], {"aws:SourceVpc": "vpc-0a1"})
    assert_examples_allowed([f])
