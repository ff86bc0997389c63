"""External-access findings for every resource type, from realistic configurations."""
from __future__ import annotations

import json

import pytest

from solvers.errors import InputError
from solvers.external.analyze import analyze_resource
from solvers.external.zone import ZoneOfTrust

OWN, OTHER, ORG = "111122223333", "444455556666", "o-a1b2c3d4e5"
ACCOUNT_ZONE = ZoneOfTrust(OWN)
ORG_ZONE = ZoneOfTrust(OWN, ORG, frozenset({"777788889999"}))
BUCKET = "arn:aws:s3:::example-bucket"


def policy(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(principal, action, resource="*", condition=None, effect="Allow") -> dict:
    st = {"Effect": effect, "Principal": principal, "Action": action, "Resource": resource}
    if condition:
        st["Condition"] = condition
    return st


def analyze(resource_type: str, arn: str, configuration: dict, zone: ZoneOfTrust = ACCOUNT_ZONE,
            account_block: dict | None = None) -> list[dict]:
    found = analyze_resource(resource_type, arn, OWN, configuration, zone, account_block)
    for f in found:  # the Access Analyzer Finding shape, and an example that names a real request
        assert {"id", "principal", "action", "resource", "resourceType", "isPublic", "condition", "status",
                "resourceOwnerAccount", "analyzedAt", "error"} <= set(f)
        assert f["status"] == "ACTIVE" and f["resource"] == arn and f["resourceOwnerAccount"] == OWN
        if not f["error"]:
            assert f["example"]["action"] and f["example"]["principal"]
    return found


def principals(found: list[dict]) -> set[str]:
    return {v for f in found for v in f["principal"].values()}


def bucket(**fields) -> dict:
    return {"s3Bucket": fields}


# ------------------------------------------------------------------------------------------ S3

def test_acl_only_public_bucket() -> None:
    grants = [{"permission": "READ", "grantee": {"uri": "http://acs.amazonaws.com/groups/global/AllUsers"}}]
    [f] = analyze("AWS::S3::Bucket", BUCKET, bucket(bucketAclGrants=grants))
    assert f["isPublic"] and f["principal"] == {"AWS": "*"} and f["sources"] == [{"type": "BUCKET_ACL"}]
    assert "s3:ListBucket" in f["action"]


def test_ignore_public_acls_neutralises_acl_grants() -> None:
    grants = [{"permission": "FULL_CONTROL",
               "grantee": {"uri": "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"}}]
    assert analyze("AWS::S3::Bucket", BUCKET, bucket(bucketAclGrants=grants,
                                                     bucketPublicAccessBlock={"ignorePublicAcls": True})) == []
    assert analyze("AWS::S3::Bucket", BUCKET, bucket(bucketAclGrants=grants),
                   account_block={"ignorePublicAcls": True}) == []


def test_acl_grant_to_another_canonical_user_is_cross_account() -> None:
    grants = [{"permission": "READ", "grantee": {"id": "owner-id"}},
              {"permission": "WRITE", "grantee": {"id": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"}}]
    [f] = analyze("AWS::S3::Bucket", BUCKET, bucket(bucketAclGrants=grants, ownerCanonicalId="owner-id"))
    assert f["principal"] == {"CanonicalUser": grants[1]["grantee"]["id"]} and not f["isPublic"]
    assert set(f["action"]) == {"s3:PutObject", "s3:DeleteObject"}


def test_block_public_access_overrides_a_public_policy() -> None:
    text = policy(allow("*", "s3:GetObject", BUCKET + "/*"), allow({"AWS": OTHER}, "s3:ListBucket", BUCKET))
    found = analyze("AWS::S3::Bucket", BUCKET, bucket(bucketPolicy=text))
    assert any(f["isPublic"] for f in found) and OTHER in principals(found)
    # RestrictPublicBuckets: a public policy then admits only the owner account and AWS services
    assert analyze("AWS::S3::Bucket", BUCKET, bucket(bucketPolicy=text,
                                                     bucketPublicAccessBlock={"restrictPublicBuckets": True})) == []
    assert analyze("AWS::S3::Bucket", BUCKET, bucket(bucketPolicy=text),
                   account_block={"restrictPublicBuckets": True}) == []


def test_block_public_access_leaves_a_non_public_policy_alone() -> None:
    text = policy(allow({"AWS": OTHER}, "s3:ListBucket", BUCKET))
    [f] = analyze("AWS::S3::Bucket", BUCKET, bucket(bucketPolicy=text,
                                                    bucketPublicAccessBlock={"restrictPublicBuckets": True}))
    assert f["principal"] == {"AWS": OTHER} and f["action"] == ["s3:ListBucket"]
    assert f["sources"] == [{"type": "POLICY"}]


def test_access_points_of_the_bucket() -> None:
    ap = f"arn:aws:s3:us-east-1:{OWN}:accesspoint/shared"
    delegate = policy(allow("*", "*", [BUCKET, BUCKET + "/*"],
                            {"StringEquals": {"s3:DataAccessPointAccount": OWN}}))
    ap_policy = policy(allow({"AWS": f"arn:aws:iam::{OTHER}:role/reader"}, "s3:GetObject", ap + "/object/*"))
    access_points = {ap: {"accessPointPolicy": ap_policy, "networkOrigin": {"internetConfiguration": {}}}}
    [f] = analyze("AWS::S3::Bucket", BUCKET, bucket(bucketPolicy=delegate, accessPoints=access_points))
    assert f["principal"] == {"AWS": f"arn:aws:iam::{OTHER}:role/reader"}
    assert f["sources"] == [{"type": "S3_ACCESS_POINT", "detail": {"accessPointArn": ap}}]
    # a VPC-only access point: the access is confined to that network
    access_points[ap]["networkOrigin"] = {"vpcConfiguration": {"vpcId": "vpc-1a2b3c4d"}}
    [f] = analyze("AWS::S3::Bucket", BUCKET, bucket(bucketPolicy=delegate, accessPoints=access_points))
    assert f["condition"] == {"aws:SourceVpc": "vpc-1a2b3c4d"} and not f["isPublic"]
    # without delegation in the bucket policy, the access point lets nobody in
    assert analyze("AWS::S3::Bucket", BUCKET, bucket(accessPoints=access_points)) == []


def test_delegation_to_another_accounts_access_point() -> None:
    text = policy(allow("*", "s3:GetObject", BUCKET + "/*", {"StringEquals": {"s3:DataAccessPointAccount": OTHER}}))
    [f] = analyze("AWS::S3::Bucket", BUCKET, bucket(bucketPolicy=text))
    assert f["isPublic"] and f["sources"][0]["type"] == "S3_ACCESS_POINT_ACCOUNT"
    [f] = analyze("AWS::S3::Bucket", BUCKET, bucket(bucketPolicy=text,
                                                    bucketPublicAccessBlock={"restrictPublicBuckets": True}))
    assert f["principal"] == {"AWS": OTHER} and not f["isPublic"]


# ------------------------------------------------------------------------------------------ KMS

KEY = f"arn:aws:kms:us-east-1:{OWN}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
OWN_ROOT_POLICY = policy(allow({"AWS": f"arn:aws:iam::{OWN}:root"}, "kms:*"))


def test_kms_grant_to_a_foreign_account() -> None:
    grants = [{"operations": ["Decrypt", "Encrypt"], "granteePrincipal": f"arn:aws:iam::{OTHER}:role/app"},
              {"operations": ["Decrypt"], "granteePrincipal": f"arn:aws:iam::{OWN}:role/local"},
              {"operations": ["Decrypt"], "granteePrincipal": "dynamodb.amazonaws.com"}]
    [f] = analyze("AWS::KMS::Key", KEY, {"kmsKey": {"keyPolicies": {"default": OWN_ROOT_POLICY}, "grants": grants}})
    assert f["principal"] == {"AWS": f"arn:aws:iam::{OTHER}:role/app"}
    assert set(f["action"]) == {"kms:Decrypt", "kms:Encrypt"}


def test_kms_caller_account_condition() -> None:
    text = policy(allow({"AWS": "*"}, ["kms:Decrypt"], "*", {"StringEquals": {"kms:CallerAccount": OWN,
                                                                              "kms:ViaService": "s3.us-east-1.amazonaws.com"}}))
    assert analyze("AWS::KMS::Key", KEY, {"kmsKey": {"keyPolicies": {"default": text}}}) == []
    text = policy(allow({"AWS": "*"}, ["kms:Decrypt"], "*", {"StringEquals": {"kms:CallerAccount": OTHER}}))
    [f] = analyze("AWS::KMS::Key", KEY, {"kmsKey": {"keyPolicies": {"default": text}}})
    assert f["condition"] == {"kms:CallerAccount": OTHER} and not f["isPublic"]


# ------------------------------------------------------------------------------------------ snapshots

def test_public_and_shared_snapshots() -> None:
    snap = f"arn:aws:ec2:us-east-1:{OWN}:snapshot/snap-0123456789abcdef0"
    [f] = analyze("AWS::EC2::Snapshot", snap, {"ebsSnapshot": {"groups": ["all"]}})
    assert f["isPublic"] and f["action"] == ["ec2:CreateVolume"]
    [f] = analyze("AWS::EC2::Snapshot", snap, {"ebsSnapshot": {"userIds": [OTHER, OWN]}})
    assert f["principal"] == {"AWS": OTHER} and not f["isPublic"]
    # AWS does not let an encrypted snapshot be public
    assert analyze("AWS::EC2::Snapshot", snap, {"ebsSnapshot": {"groups": ["all"], "kmsKeyId": "k"}}) == []
    db = f"arn:aws:rds:us-east-1:{OWN}:snapshot:manual-1"
    [f] = analyze("AWS::RDS::DBSnapshot", db, {"rdsDbSnapshot": {"attributes": {"restore": {"accountIds": ["all"]}}}})
    assert f["isPublic"] and f["action"] == ["rds:RestoreDBInstanceFromDBSnapshot"]
    cluster = f"arn:aws:rds:us-east-1:{OWN}:cluster-snapshot:manual-2"
    [f] = analyze("AWS::RDS::DBClusterSnapshot", cluster,
                  {"rdsDbClusterSnapshot": {"attributes": {"restore": {"accountIds": [OTHER]}}, "kmsKeyId": "k"}})
    assert f["principal"] == {"AWS": OTHER} and f["action"] == ["rds:RestoreDBClusterFromSnapshot"]


# ------------------------------------------------------------------------------------------ Lambda

FUNCTION = f"arn:aws:lambda:us-east-1:{OWN}:function:thumbnails"


def test_lambda_permissions_with_source_arn() -> None:
    source = {"ArnLike": {"AWS:SourceArn": f"arn:aws:s3:::{OTHER}-uploads"}}
    service = policy(allow({"Service": "s3.amazonaws.com"}, "lambda:InvokeFunction", FUNCTION, source))
    assert analyze("AWS::Lambda::Function", FUNCTION, {"lambdaFunction": {"policy": service}}) == []
    anyone = policy(allow("*", "lambda:InvokeFunction", FUNCTION, source))
    [f] = analyze("AWS::Lambda::Function", FUNCTION, {"lambdaFunction": {"policy": anyone}})
    assert f["condition"] == {"AWS:SourceArn": f"arn:aws:s3:::{OTHER}-uploads"} and not f["isPublic"]
    account = policy(allow({"AWS": OTHER}, "lambda:InvokeFunction", FUNCTION))
    [f] = analyze("AWS::Lambda::Function", FUNCTION, {"lambdaFunction": {"policy": account}})
    assert f["principal"] == {"AWS": OTHER} and f["action"] == ["lambda:InvokeFunction"]


# ------------------------------------------------------------------------------------------ zones

QUEUE = f"arn:aws:sqs:us-east-1:{OWN}:jobs"


def test_org_restricted_policy_under_account_and_organization_zones() -> None:
    text = policy(allow("*", "sqs:SendMessage", QUEUE, {"StringEquals": {"aws:PrincipalOrgID": ORG}}))
    [f] = analyze("AWS::SQS::Queue", QUEUE, {"sqsQueue": {"queuePolicy": text}})
    assert f["condition"] == {"aws:PrincipalOrgID": ORG} and not f["isPublic"]
    assert analyze("AWS::SQS::Queue", QUEUE, {"sqsQueue": {"queuePolicy": text}}, ORG_ZONE) == []


def test_member_accounts_are_inside_an_organization_zone() -> None:
    text = policy(allow({"AWS": "777788889999"}, "sqs:SendMessage", QUEUE))
    assert principals(analyze("AWS::SQS::Queue", QUEUE, {"sqsQueue": {"queuePolicy": text}})) == {"777788889999"}
    assert analyze("AWS::SQS::Queue", QUEUE, {"sqsQueue": {"queuePolicy": text}}, ORG_ZONE) == []


def test_deny_guard_keeps_access_inside_the_organization() -> None:
    text = policy(allow("*", "sqs:*", QUEUE),
                  allow("*", "sqs:*", QUEUE, {"StringNotEquals": {"aws:PrincipalOrgID": ORG}}, effect="Deny"))
    assert analyze("AWS::SQS::Queue", QUEUE, {"sqsQueue": {"queuePolicy": text}}, ORG_ZONE) == []
    [f] = analyze("AWS::SQS::Queue", QUEUE, {"sqsQueue": {"queuePolicy": text}})
    assert f["condition"] == {"aws:PrincipalOrgID": ORG} and f["action"] == ["sqs:*"]


def test_caller_controlled_keys_do_not_narrow_a_finding() -> None:
    text = policy(allow("*", "sqs:SendMessage", QUEUE, {"StringLike": {"aws:Referer": "https://example.com/*"}}))
    [f] = analyze("AWS::SQS::Queue", QUEUE, {"sqsQueue": {"queuePolicy": text}})
    assert f["isPublic"] and f["condition"] == {}


def test_own_account_principals_are_never_findings() -> None:
    text = policy(allow({"AWS": [OWN, f"arn:aws:iam::{OWN}:role/x"]}, "sqs:*", QUEUE),
                  allow("*", "sqs:*", QUEUE, {"StringEquals": {"aws:PrincipalAccount": OWN}}))
    assert analyze("AWS::SQS::Queue", QUEUE, {"sqsQueue": {"queuePolicy": text}}) == []


# ------------------------------------------------------------------------------------------ other types

ROLE = f"arn:aws:iam::{OWN}:role/app"


def test_role_trust_policies() -> None:
    trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"},
        {"Effect": "Allow", "Principal": {"Federated": "accounts.google.com"}, "Action": "sts:AssumeRoleWithWebIdentity",
         "Condition": {"StringEquals": {"accounts.google.com:aud": "1234.apps.googleusercontent.com"}}},
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OWN}:root"}, "Action": "sts:AssumeRole"}]})
    [f] = analyze("AWS::IAM::Role", ROLE, {"iamRole": {"trustPolicy": trust}})
    assert f["principal"] == {"Federated": "accounts.google.com"}
    assert f["condition"] == {"accounts.google.com:aud": "1234.apps.googleusercontent.com"}
    assert f["action"] == ["sts:AssumeRoleWithWebIdentity"]


def test_secret_with_an_aws_managed_key_is_not_shareable() -> None:
    arn = f"arn:aws:secretsmanager:us-east-1:{OWN}:secret:db-AbCdEf"
    text = policy(allow({"AWS": OTHER}, "secretsmanager:GetSecretValue"))
    assert analyze("AWS::SecretsManager::Secret", arn, {"secretsManagerSecret": {"secretPolicy": text}}) == []
    [f] = analyze("AWS::SecretsManager::Secret", arn,
                  {"secretsManagerSecret": {"secretPolicy": text, "kmsKeyId": f"arn:aws:kms:us-east-1:{OWN}:key/k"}})
    assert f["principal"] == {"AWS": OTHER}


@pytest.mark.parametrize("resource_type, member, field, arn, action", [
    ("AWS::SNS::Topic", "snsTopic", "topicPolicy", f"arn:aws:sns:us-east-1:{OWN}:t", "sns:Publish"),
    ("AWS::ECR::Repository", "ecrRepository", "repositoryPolicy", f"arn:aws:ecr:us-east-1:{OWN}:repository/r",
     "ecr:BatchGetImage"),
    ("AWS::EFS::FileSystem", "efsFileSystem", "fileSystemPolicy",
     f"arn:aws:elasticfilesystem:us-east-1:{OWN}:file-system/fs-1", "elasticfilesystem:ClientMount"),
    ("AWS::DynamoDB::Table", "dynamodbTable", "tablePolicy", f"arn:aws:dynamodb:us-east-1:{OWN}:table/t",
     "dynamodb:GetItem"),
    ("AWS::DynamoDB::Stream", "dynamodbStream", "streamPolicy",
     f"arn:aws:dynamodb:us-east-1:{OWN}:table/t/stream/2024-01-01T00:00:00.000", "dynamodb:GetRecords"),
    ("AWS::Lambda::LayerVersion", "lambdaLayerVersion", "policy", f"arn:aws:lambda:us-east-1:{OWN}:layer:l:1",
     "lambda:GetLayerVersion"),
])
def test_policy_types(resource_type: str, member: str, field: str, arn: str, action: str) -> None:
    text = policy(allow({"AWS": OTHER}, action, arn), allow({"AWS": OWN}, "*", arn))
    [f] = analyze(resource_type, arn, {member: {field: text}})
    assert f["principal"] == {"AWS": OTHER} and f["action"] == [action] and not f["isPublic"]
    # actions of other services granted in a resource policy reach nothing on this resource
    assert analyze(resource_type, arn, {member: {field: policy(allow("*", "iam:PassRole", arn))}}) == []


def test_unreadable_policy_becomes_an_error_finding() -> None:
    [f] = analyze("AWS::SQS::Queue", QUEUE, {"sqsQueue": {"queuePolicy": "{not json"}})
    assert f["error"] == "INTERNAL_ERROR" and f["principal"] == {} and f["action"] == []


@pytest.mark.parametrize("configuration", [{}, {"s3Bucket": {}, "sqsQueue": {}}, {"nope": {}},
                                           {"sqsQueue": {"queuePolicy": 3}}, {"sqsQueue": []}])
def test_bad_configurations_are_input_errors(configuration: dict) -> None:
    with pytest.raises(InputError):
        analyze_resource("AWS::SQS::Queue", QUEUE, OWN, configuration, ACCOUNT_ZONE)


def test_large_organizations_only_spell_out_the_accounts_a_policy_names() -> None:
    members = frozenset(f"{444455556666 + i:012d}" for i in range(500))  # includes the usual example account
    zone = ZoneOfTrust(OWN, ORG, members)
    text = policy(allow("*", "sqs:SendMessage", QUEUE), allow({"AWS": "444455556670"}, "sqs:*", QUEUE),
                  allow({"AWS": "999999999999"}, "sqs:*", QUEUE))
    found = analyze("AWS::SQS::Queue", QUEUE, {"sqsQueue": {"queuePolicy": text}}, zone)
    assert principals(found) == {"*", "999999999999"}  # the member account named in the policy is inside
    public = next(f for f in found if f["isPublic"])
    account = public["example"]["principal"]["AWS"].split(":")[4]
    assert account not in members and account != OWN
