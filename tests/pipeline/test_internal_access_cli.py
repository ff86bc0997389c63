"""`trustmap internal-access` on a collect snapshot (authorization.md §6.4): groups, boundaries, SCP and RCP
paths, service-linked roles, unreadable policies; every example replayed through `trustmap simulate`."""
from __future__ import annotations

import json

import pytest

from pipeline.cli import main

DATA, APPS = "111122223333", "444455556666"
BUCKET = "arn:aws:s3:::reports"


def doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


FULL = doc({"Effect": "Allow", "Action": "*", "Resource": "*"})
RCP_FULL = doc({"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"})
S3 = doc({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})
READ = doc({"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"})
NO_DELETE = doc({"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"})
NO_PUT_RCP = doc({"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": "*"})


def run(capsys, *args: str) -> tuple[int, dict | str]:
    code = main(list(args))
    out = capsys.readouterr()
    try:
        return code, json.loads(out.out)
    except ValueError:
        return code, out.out + out.err


def role(account: str, name: str, inline: str, path: str = "/", boundary: str | None = None) -> dict:
    out = {"RoleName": name, "Arn": f"arn:aws:iam::{account}:role{path}{name}", "Path": path,
           "RolePolicyList": [{"PolicyName": "inline", "PolicyDocument": inline}], "AttachedManagedPolicies": [],
           "AssumeRolePolicyDocument": FULL}
    if boundary:
        out["PermissionsBoundary"] = {"PermissionsBoundaryArn": boundary, "PermissionsBoundaryType": "Policy"}
    return out


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    from connectors.aws.collect import Collection, ScopeResult
    from connectors.aws.organization import Account, Organization
    from connectors.snapshot import write_snapshot
    read_arn = f"arn:aws:iam::{APPS}:policy/read-only"
    data_details = {"UserDetailList": [], "GroupDetailList": [], "Policies": [
        {"PolicyName": "read-only", "Arn": f"arn:aws:iam::{DATA}:policy/read-only",
         "PolicyVersionList": [{"Document": READ, "IsDefaultVersion": True, "VersionId": "v1"}]}],
        "RoleDetailList": [role(DATA, "etl", S3),
                           role(DATA, "capped", S3, boundary=f"arn:aws:iam::{DATA}:policy/read-only"),
                           role(DATA, "AWSServiceRoleForS3", S3, path="/aws-service-role/s3.amazonaws.com/"),
                           role(DATA, "broken", "{not json")]}
    apps_details = {"RoleDetailList": [role(APPS, "ec2-only", doc({"Effect": "Allow", "Action": "ec2:*",
                                                                    "Resource": "*"}))],
                    "GroupDetailList": [{"GroupName": "readers", "Arn": f"arn:aws:iam::{APPS}:group/readers",
                                         "GroupPolicyList": [], "AttachedManagedPolicies": [
                                             {"PolicyName": "read-only", "PolicyArn": read_arn}]}],
                    "UserDetailList": [{"UserName": "bob", "Arn": f"arn:aws:iam::{APPS}:user/bob",
                                        "UserPolicyList": [], "AttachedManagedPolicies": [], "GroupList": ["readers"]}],
                    "Policies": [{"PolicyName": "read-only", "Arn": read_arn, "PolicyVersionList": [
                        {"Document": READ, "IsDefaultVersion": True, "VersionId": "v1"}]}]}
    bucket_policy = doc({"Effect": "Allow", "Principal": {"AWS": APPS}, "Action": "s3:GetObject",
                         "Resource": f"{BUCKET}/*"})
    bucket = {"resourceArn": BUCKET, "resourceType": "AWS::S3::Bucket", "account": DATA, "region": "us-east-1",
              "configuration": {"s3Bucket": {"bucketPolicy": bucket_policy}}}
    scopes = (ScopeResult(DATA, "us-east-1", True, resources=(bucket,),
                          iam_authorization_details={"account": DATA, **data_details}),
              ScopeResult(APPS, "us-east-1", True, iam_authorization_details={"account": APPS, **apps_details}))

    def policy(pid: str, kind: str, content: str, *targets: str) -> dict:
        return {"id": pid, "arn": f"arn:{pid}", "name": pid, "type": kind, "awsManaged": False, "content": content,
                "targets": [{"targetId": t, "type": "", "name": ""} for t in targets]}
    levels = ("r-root", "ou-x", DATA, APPS)
    org = Organization("o-1", "999999999999", DATA,
                       (Account(DATA, "data", "ACTIVE", "o-1/r-root/ou-x/"), Account(APPS, "apps", "ACTIVE", "o-1/r-root/ou-x/")),
                       policies=(policy("p-full", "SERVICE_CONTROL_POLICY", FULL, *levels),
                                 policy("p-nodel", "SERVICE_CONTROL_POLICY", NO_DELETE, "ou-x"),
                                 policy("p-rfull", "RESOURCE_CONTROL_POLICY", RCP_FULL, *levels),
                                 policy("p-noput", "RESOURCE_CONTROL_POLICY", NO_PUT_RCP, DATA)))
    return write_snapshot(Collection(org, scopes), tmp_path_factory.mktemp("snap") / "s")


def details(f: dict) -> dict:
    return f["findingDetails"][0]["internalAccessDetails"] if f["findingDetails"] else {}


def test_organization_zone_findings(capsys, snapshot, tmp_path):
    code, out = run(capsys, "internal-access", "--snapshot", str(snapshot), "--resource", BUCKET)
    assert code == 0
    found = {details(f)["principal"]["AWS"]: f for f in out["findings"]}
    etl, capped, bob = (f"arn:aws:iam::{DATA}:role/etl", f"arn:aws:iam::{DATA}:role/capped",
                        f"arn:aws:iam::{APPS}:user/bob")
    broken = f"arn:aws:iam::{DATA}:role/broken"
    assert set(found) == {etl, capped, bob, broken}  # no service-linked role, nothing for ec2-only
    etl_actions = details(found[etl])["action"]
    assert "s3:GetObject" in etl_actions and "s3:DeleteObject" not in etl_actions and "s3:PutObject" not in etl_actions
    assert details(found[capped])["action"] == ["s3:GetObject", "s3:ListBucket"]
    assert (details(found[bob])["action"], details(found[bob])["accessType"]) == (["s3:GetObject"], "INTRA_ORG")
    assert details(found[bob])["principalType"] == "IAM_USER"
    assert found[broken]["error"] == "INTERNAL_ERROR"
    for arn in (etl, capped, bob):
        assert details(found[arn])["serviceControlPolicyRestriction"] == "APPLIED"
        request = tmp_path / "example.json"
        request.write_text(json.dumps(found[arn]["example"]))
        assert run(capsys, "simulate", "--input", str(request), "--expect", "allowed")[0] == 0


def test_account_zone_keeps_blocked_actions(capsys, snapshot):
    code, out = run(capsys, "internal-access", "--snapshot", str(snapshot), "--resource", BUCKET, "--zone", "ACCOUNT")
    found = {details(f)["principal"]["AWS"]: f for f in out["findings"]}
    assert all(details(f)["accessType"] == "INTRA_ACCOUNT" for f in out["findings"])
    etl = details(found[f"arn:aws:iam::{DATA}:role/etl"])
    assert {"s3:DeleteObject", "s3:PutObject"} <= set(etl["action"])
    assert (etl["serviceControlPolicyRestriction"], etl["resourceControlPolicyRestriction"]) == ("APPLICABLE",
                                                                                                  "APPLICABLE")


def test_bad_input_exits_2(capsys, snapshot):
    code, out = run(capsys, "internal-access", "--snapshot", str(snapshot), "--resource", "arn:aws:s3:::nope")
    assert code == 2 and isinstance(out, str) and "no resource" in out and out.count("\n") == 1
