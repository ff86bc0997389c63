"""A small collect snapshot for the internal-access tests: two accounts under ou-x, roles with inline
policies and a boundary, a user through a group, a service-linked role, an unreadable policy, SCPs and RCPs,
and one bucket whose policy grants the other account."""
from __future__ import annotations

import json

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



def role(account: str, name: str, inline: str, path: str = "/", boundary: str | None = None) -> dict:
    out = {"RoleName": name, "Arn": f"arn:aws:iam::{account}:role{path}{name}", "Path": path,
           "RolePolicyList": [{"PolicyName": "inline", "PolicyDocument": inline}], "AttachedManagedPolicies": [],
           "AssumeRolePolicyDocument": FULL}
    if boundary:
        out["PermissionsBoundary"] = {"PermissionsBoundaryArn": boundary, "PermissionsBoundaryType": "Policy"}
    return out


SHARED = "arn:aws:s3:::shared"
SHARED_AP = f"arn:aws:s3:us-east-1:{DATA}:accesspoint/shared-ap"


def _shared_bucket() -> dict:
    """A bucket reached through an ACL grant to the apps account and through an access point the bucket
    policy delegates to."""
    delegate = doc({"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": [SHARED, f"{SHARED}/*"],
                    "Condition": {"StringEquals": {"s3:DataAccessPointAccount": DATA}}})
    ap_policy = doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{APPS}:user/bob"},
                     "Action": "s3:GetObject", "Resource": f"{SHARED_AP}/object/*"})
    return {"resourceArn": SHARED, "resourceType": "AWS::S3::Bucket", "account": DATA, "region": "us-east-1",
            "configuration": {"s3Bucket": {"bucketPolicy": delegate, "ownerCanonicalId": "c-data",
                                           "bucketAclGrants": [{"grantee": {"id": "c-data"}, "permission": "FULL_CONTROL"},
                                                               {"grantee": {"id": "c-apps"}, "permission": "READ"}],
                                           "accessPoints": {SHARED_AP: {"accessPointPolicy": ap_policy}}}}}


def write_internal_snapshot(path, s3_sources: bool = False):
    """`s3_sources`: with the shared bucket too (and the accounts' S3 canonical user ids)."""
    from connectors.snapshot import write_snapshot
    return write_snapshot(internal_collection(s3_sources), path)


def internal_collection(s3_sources: bool = False):
    from connectors.aws.collect import Collection, ScopeResult
    from connectors.aws.organization import Account, Organization
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
    extra = (_shared_bucket(),) if s3_sources else ()
    records = ({"account": DATA, "s3CanonicalUserId": "c-data"}, {"account": APPS, "s3CanonicalUserId": "c-apps"}) \
        if s3_sources else (None, None)
    scopes = (ScopeResult(DATA, "us-east-1", True, resources=(bucket, *extra), account_record=records[0],
                          iam_authorization_details={"account": DATA, **data_details}),
              ScopeResult(APPS, "us-east-1", True, account_record=records[1],
                          iam_authorization_details={"account": APPS, **apps_details}))

    def policy(pid: str, kind: str, content: str, *targets: str) -> dict:
        return {"id": pid, "arn": f"arn:{pid}", "name": pid, "type": kind, "awsManaged": False, "content": content,
                "targets": [{"targetId": t, "type": "", "name": ""} for t in targets]}
    levels = ("r-root", "ou-x", DATA, APPS)
    org = Organization("o-a1b2c3d4e5", "999999999999", DATA,
                       (Account(DATA, "data", "ACTIVE", "o-a1b2c3d4e5/r-root/ou-x/"), Account(APPS, "apps", "ACTIVE", "o-a1b2c3d4e5/r-root/ou-x/")),
                       policies=(policy("p-full", "SERVICE_CONTROL_POLICY", FULL, *levels),
                                 policy("p-nodel", "SERVICE_CONTROL_POLICY", NO_DELETE, "ou-x"),
                                 policy("p-rfull", "RESOURCE_CONTROL_POLICY", RCP_FULL, *levels),
                                 policy("p-noput", "RESOURCE_CONTROL_POLICY", NO_PUT_RCP, DATA)))
    return Collection(org, scopes)
