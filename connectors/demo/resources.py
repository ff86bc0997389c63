"""Seed one resource of each type in one (account, Region) of the demo organization.

Each `seed_*` function creates a resource with the access pattern `kind` and returns its manifest entry:
the configuration a correct enumeration must return for it (field by field, in the contract's shape)
and the findings a correct scan must report. Everything is derived from what was written here.
"""
from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from connectors.demo.variants import EXTERNAL_ACCOUNT, Target, resource_policy, trust_policy

NO_FINDINGS: dict[str, list[dict]] = {"ORGANIZATION": [], "ACCOUNT": []}
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"


@dataclass
class SeedContext:
    account: str
    region: str
    org_id: str
    sibling: str  # another member account
    client: Callable[[str], Any]  # service name → client in this account and Region
    name: str  # a unique stem for resource names

    def target(self, resource: str, actions: tuple[str, ...], service: str) -> Target:
        return Target(self.account, self.org_id, self.sibling, resource, actions, service)


def entry(ctx: SeedContext, arn: str, resource_type: str, kind: str, configuration: dict,
          findings: dict[str, list[dict]], region: str | None = None, **extra: Any) -> dict:
    return {"resourceArn": arn, "resourceType": resource_type, "account": ctx.account,
            "region": region or ctx.region, "kind": kind, "configuration": configuration,
            "expectedFindings": findings, **extra}


def _kind_without_pattern(kind: str, supported: tuple[str, ...]) -> str:
    return kind if kind in supported else "safe"


def seed_s3_bucket(ctx: SeedContext, kind: str) -> dict:
    s3 = ctx.client("s3")
    name = f"{ctx.name}-bucket"
    arn = f"arn:aws:s3:::{name}"
    if ctx.region == "us-east-1":
        s3.create_bucket(Bucket=name)
    else:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": ctx.region})
    # S3 grants the owner FULL_CONTROL at creation. (moto's ACL owner id differs from ListBuckets' Owner,
    # which AWS keeps equal, so the id is taken from the ACL.)
    owner_id = s3.get_bucket_acl(Bucket=name)["Owner"]["ID"]
    policy, findings = resource_policy(kind, ctx.target(f"{arn}/*", ("s3:GetObject",), "cloudtrail.amazonaws.com"))
    s3.put_bucket_policy(Bucket=name, Policy=policy)
    grants = [{"permission": "FULL_CONTROL", "grantee": {"id": owner_id}}]
    bpa = {"ignorePublicAcls": False, "restrictPublicBuckets": False}
    if kind == "safe":
        # A public-read ACL that Block Public Access makes void (IgnorePublicAcls): still no finding.
        s3.put_bucket_acl(Bucket=name, ACL="public-read")
        grants.append({"permission": "READ", "grantee": {"uri": ALL_USERS}})
        s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration={
            "BlockPublicAcls": False, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
        bpa = {"ignorePublicAcls": True, "restrictPublicBuckets": True}
    access_points = {}
    if kind in ("safe", "org_restricted"):
        control = ctx.client("s3control")
        ap_name = f"{ctx.name}-ap"
        # The ARN as S3 Control answers it: moto puts us-east-1 in every access point ARN.
        ap_arn = control.create_access_point(AccountId=ctx.account, Name=ap_name, Bucket=name,
                                             VpcConfiguration={"VpcId": "vpc-0demo0000000001"})["AccessPointArn"]
        ap_policy, _ = resource_policy("safe", ctx.target(f"{ap_arn}/object/*", ("s3:GetObject",), ""))
        control.put_access_point_policy(AccountId=ctx.account, Name=ap_name, Policy=ap_policy)
        access_points[ap_arn] = {"accessPointPolicy": ap_policy,
                                 "publicAccessBlock": {"ignorePublicAcls": True, "restrictPublicBuckets": True},
                                 "networkOrigin": {"vpcConfiguration": {"vpcId": "vpc-0demo0000000001"}}}
    conf = {"s3Bucket": {"bucketPolicy": policy, "bucketAclGrants": grants, "bucketPublicAccessBlock": bpa,
                         "accessPoints": access_points, "ownerCanonicalId": owner_id}}
    return entry(ctx, arn, "AWS::S3::Bucket", kind, conf, findings)


def seed_iam_role(ctx: SeedContext, kind: str) -> dict:
    name = f"{ctx.name}-role"
    policy, findings = trust_policy(kind, ctx.target("*", ("sts:AssumeRole",), "lambda.amazonaws.com"))
    arn = ctx.client("iam").create_role(RoleName=name, AssumeRolePolicyDocument=policy)["Role"]["Arn"]
    return entry(ctx, arn, "AWS::IAM::Role", kind, {"iamRole": {"trustPolicy": policy}}, findings, region="global")


def seed_kms_key(ctx: SeedContext, kind: str) -> dict:
    kms = ctx.client("kms")
    admin = {"Sid": "Admin", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ctx.account}:root"},
             "Action": "kms:*", "Resource": "*"}
    variant, findings = resource_policy(kind, ctx.target("*", ("kms:Decrypt",), "cloudtrail.amazonaws.com"))
    assert variant is not None
    doc = json.loads(variant)
    doc["Statement"].insert(0, admin)
    policy = json.dumps(doc, indent=2)
    arn = kms.create_key(Policy=policy, Description=f"demo {kind}")["KeyMetadata"]["Arn"]
    grants = []
    if kind == "cross_account":  # a grant to the partner as well as the policy statement
        grantee = f"arn:aws:iam::{EXTERNAL_ACCOUNT}:role/partner-reader"
        kms.create_grant(KeyId=arn, GranteePrincipal=grantee, Operations=["Decrypt", "DescribeKey"])
        grants.append({"operations": ["Decrypt", "DescribeKey"], "granteePrincipal": grantee})
        grant_finding = {"principal": {"AWS": grantee}, "isPublic": False,
                         "action": ["kms:Decrypt", "kms:DescribeKey"], "condition": {}}
        findings = {zone: [*found, grant_finding] for zone, found in findings.items()}
    conf = {"kmsKey": {"keyPolicies": {"default": policy}, "grants": grants}}
    return entry(ctx, arn, "AWS::KMS::Key", kind, conf, findings)


def seed_sqs_queue(ctx: SeedContext, kind: str) -> dict:
    sqs = ctx.client("sqs")
    name = f"{ctx.name}-queue"
    arn = f"arn:aws:sqs:{ctx.region}:{ctx.account}:{name}"
    policy, findings = resource_policy(kind, ctx.target(arn, ("sqs:SendMessage",), "sns.amazonaws.com"))
    sqs.create_queue(QueueName=name, Attributes={"Policy": policy})
    return entry(ctx, arn, "AWS::SQS::Queue", kind, {"sqsQueue": {"queuePolicy": policy}}, findings)


def seed_sns_topic(ctx: SeedContext, kind: str) -> dict:
    sns = ctx.client("sns")
    name = f"{ctx.name}-topic"
    arn = f"arn:aws:sns:{ctx.region}:{ctx.account}:{name}"
    policy, findings = resource_policy(kind, ctx.target(arn, ("sns:Publish",), "events.amazonaws.com"))
    sns.create_topic(Name=name, Attributes={"Policy": policy})
    return entry(ctx, arn, "AWS::SNS::Topic", kind, {"snsTopic": {"topicPolicy": policy}}, findings)


def seed_secret(ctx: SeedContext, kind: str, key_arn: str) -> dict:
    sm = ctx.client("secretsmanager")
    kwargs = {"KmsKeyId": key_arn} if kind != "safe" else {}  # safe: the AWS managed key
    arn = sm.create_secret(Name=f"{ctx.name}-secret", SecretString="demo", **kwargs)["ARN"]
    policy, findings = resource_policy(kind, ctx.target("*", ("secretsmanager:GetSecretValue",),
                                                        "lambda.amazonaws.com"))
    sm.put_resource_policy(SecretId=arn, ResourcePolicy=policy)
    conf = {"secretsManagerSecret": {"secretPolicy": policy, **({"kmsKeyId": key_arn} if kwargs else {})}}
    return entry(ctx, arn, "AWS::SecretsManager::Secret", kind, conf, findings)


def seed_ecr_repository(ctx: SeedContext, kind: str) -> dict:
    ecr = ctx.client("ecr")
    arn = ecr.create_repository(repositoryName=f"{ctx.name}-repo")["repository"]["repositoryArn"]
    policy, findings = resource_policy(kind, ctx.target("*", ("ecr:BatchGetImage",), "codebuild.amazonaws.com"))
    assert policy is not None
    doc = json.loads(policy)  # repository policies carry no Resource element
    for statement in doc["Statement"]:
        statement.pop("Resource")
    policy = json.dumps(doc, indent=2)
    ecr.set_repository_policy(repositoryName=f"{ctx.name}-repo", policyText=policy)
    return entry(ctx, arn, "AWS::ECR::Repository", kind, {"ecrRepository": {"repositoryPolicy": policy}}, findings)


def seed_efs_file_system(ctx: SeedContext, kind: str) -> dict:
    efs = ctx.client("efs")
    fs = efs.create_file_system(CreationToken=f"{ctx.name}-fs")
    policy, findings = resource_policy(kind, ctx.target(fs["FileSystemArn"], ("elasticfilesystem:ClientMount",),
                                                        "elasticfilesystem.amazonaws.com"))
    efs.put_file_system_policy(FileSystemId=fs["FileSystemId"], Policy=policy)
    return entry(ctx, fs["FileSystemArn"], "AWS::EFS::FileSystem", kind,
                 {"efsFileSystem": {"fileSystemPolicy": policy}}, findings)


def _sharing(kind: str, ctx: SeedContext) -> tuple[list[str], dict[str, list[dict]]]:
    """Attribute-based sharing (snapshots): who is listed, the findings, and the action it grants."""
    if kind == "public":
        return ["all"], {"ORGANIZATION": [{"principal": {"AWS": "*"}, "isPublic": True}],
                         "ACCOUNT": [{"principal": {"AWS": "*"}, "isPublic": True}]}
    if kind in ("cross_account", "federated"):
        found = [{"principal": {"AWS": EXTERNAL_ACCOUNT}, "isPublic": False}]
        return [EXTERNAL_ACCOUNT], {"ORGANIZATION": found, "ACCOUNT": found}
    if kind in ("in_org_account", "org_restricted"):
        return [ctx.sibling], {"ORGANIZATION": [],
                               "ACCOUNT": [{"principal": {"AWS": ctx.sibling}, "isPublic": False}]}
    return [], NO_FINDINGS


def seed_ebs_snapshot(ctx: SeedContext, kind: str) -> dict:
    ec2 = ctx.client("ec2")
    volume = ec2.create_volume(AvailabilityZone=f"{ctx.region}a", Size=1)
    snap = ec2.create_snapshot(VolumeId=volume["VolumeId"], Description=ctx.name)["SnapshotId"]
    listed, findings = _sharing(kind, ctx)
    users = [a for a in listed if a != "all"]
    groups = [a for a in listed if a == "all"]
    if users:
        ec2.modify_snapshot_attribute(SnapshotId=snap, Attribute="createVolumePermission", OperationType="add",
                                      UserIds=users)
    if groups:
        ec2.modify_snapshot_attribute(SnapshotId=snap, Attribute="createVolumePermission", OperationType="add",
                                      GroupNames=groups)
    arn = f"arn:aws:ec2:{ctx.region}::snapshot/{snap}"
    return entry(ctx, arn, "AWS::EC2::Snapshot", kind, {"ebsSnapshot": {"userIds": users, "groups": groups}}, findings)


def seed_rds_snapshot(ctx: SeedContext, kind: str) -> dict:
    rds = ctx.client("rds")
    db = f"{ctx.name}-db"
    rds.create_db_instance(DBInstanceIdentifier=db, Engine="postgres", DBInstanceClass="db.t3.micro",
                           MasterUsername="demo", MasterUserPassword="demo-password-1", AllocatedStorage=20)
    arn = rds.create_db_snapshot(DBSnapshotIdentifier=f"{db}-snap", DBInstanceIdentifier=db)["DBSnapshot"]["DBSnapshotArn"]
    listed, findings = _sharing(kind, ctx)
    if listed:
        rds.modify_db_snapshot_attribute(DBSnapshotIdentifier=f"{db}-snap", AttributeName="restore", ValuesToAdd=listed)
    conf = {"rdsDbSnapshot": {"attributes": {"restore": {"accountIds": listed}}}}
    return entry(ctx, arn, "AWS::RDS::DBSnapshot", kind, conf, findings)


def seed_rds_cluster_snapshot(ctx: SeedContext, kind: str) -> dict:
    rds = ctx.client("rds")
    cluster = f"{ctx.name}-cluster"
    rds.create_db_cluster(DBClusterIdentifier=cluster, Engine="aurora-postgresql", MasterUsername="demo",
                          MasterUserPassword="demo-password-1")
    snap = rds.create_db_cluster_snapshot(DBClusterSnapshotIdentifier=f"{cluster}-snap", DBClusterIdentifier=cluster)
    listed, findings = _sharing(kind, ctx)
    if listed:
        rds.modify_db_cluster_snapshot_attribute(DBClusterSnapshotIdentifier=f"{cluster}-snap",
                                                 AttributeName="restore", ValuesToAdd=listed)
    conf = {"rdsDbClusterSnapshot": {"attributes": {"restore": {"accountIds": listed}}}}
    return entry(ctx, snap["DBClusterSnapshot"]["DBClusterSnapshotArn"], "AWS::RDS::DBClusterSnapshot", kind,
                 conf, findings)


def seed_dynamodb(ctx: SeedContext, kind: str) -> list[dict]:
    """A table with a resource policy, and its stream. The stream gets no policy: moto cannot store
    one (it looks a stream policy up by the wrong ARN segment), so streams are seeded safe."""
    ddb = ctx.client("dynamodb")
    table = ddb.create_table(TableName=f"{ctx.name}-table", BillingMode="PAY_PER_REQUEST",
                             AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                             KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                             StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})["TableDescription"]
    arn = table["TableArn"]
    policy, findings = resource_policy(kind, ctx.target(arn, ("dynamodb:GetItem",), "lambda.amazonaws.com"))
    ddb.put_resource_policy(ResourceArn=arn, Policy=policy)
    return [entry(ctx, arn, "AWS::DynamoDB::Table", kind, {"dynamodbTable": {"tablePolicy": policy}}, findings),
            entry(ctx, table["LatestStreamArn"], "AWS::DynamoDB::Stream", "safe", {"dynamodbStream": {}}, NO_FINDINGS)]


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("handler.py", "def handler(event, context):\n    return 'demo'\n")
    return buf.getvalue()


LAMBDA_KINDS = ("public", "cross_account", "in_org_account", "org_restricted", "service_only", "safe")


def _lambda_permission(kind: str, ctx: SeedContext) -> tuple[dict | None, dict[str, list[dict]], dict]:
    """(AddPermission arguments, findings, the statement fields a correct read-back contains)."""
    action = ("lambda:InvokeFunction",)
    if kind == "public":
        found = [{"principal": {"AWS": "*"}, "isPublic": True, "action": list(action), "condition": {}}]
        return {"Principal": "*"}, {"ORGANIZATION": found, "ACCOUNT": found}, {"Principal": "*"}
    if kind == "cross_account":
        found = [{"principal": {"AWS": EXTERNAL_ACCOUNT}, "isPublic": False, "action": list(action), "condition": {}}]
        return {"Principal": EXTERNAL_ACCOUNT}, {"ORGANIZATION": found, "ACCOUNT": found}, {}
    if kind == "in_org_account":
        found = [{"principal": {"AWS": ctx.sibling}, "isPublic": False, "action": list(action), "condition": {}}]
        return {"Principal": ctx.sibling}, {"ORGANIZATION": [], "ACCOUNT": found}, {}
    if kind == "org_restricted":
        cond = {"aws:PrincipalOrgID": ctx.org_id}
        found = [{"principal": {"AWS": "*"}, "isPublic": False, "action": list(action), "condition": cond}]
        return {"Principal": "*", "PrincipalOrgID": ctx.org_id}, {"ORGANIZATION": [], "ACCOUNT": found}, {}
    if kind == "service_only":
        return {"Principal": "s3.amazonaws.com", "SourceAccount": ctx.account}, NO_FINDINGS, \
            {"Principal": {"Service": "s3.amazonaws.com"}}
    return None, NO_FINDINGS, {}


def seed_lambda(ctx: SeedContext, kind: str, role_arn: str) -> list[dict]:
    """A function and a layer version. Lambda writes the policy text itself (AddPermission), so the
    manifest lists the principal each policy must contain instead of the exact text."""
    lam = ctx.client("lambda")
    kind = _kind_without_pattern(kind, LAMBDA_KINDS)
    fn = lam.create_function(FunctionName=f"{ctx.name}-fn", Runtime="python3.12", Role=role_arn,
                             Handler="handler.handler", Code={"ZipFile": _zip()})["FunctionArn"]
    args, findings, _ = _lambda_permission(kind, ctx)
    if args is not None:
        lam.add_permission(FunctionName=fn, StatementId="demo", Action="lambda:InvokeFunction", **args)
    layer = lam.publish_layer_version(LayerName=f"{ctx.name}-layer", Content={"ZipFile": _zip()})
    layer_principal = {"public": "*", "cross_account": EXTERNAL_ACCOUNT, "in_org_account": ctx.sibling}.get(kind)
    layer_findings = NO_FINDINGS
    if layer_principal:
        lam.add_layer_version_permission(LayerName=f"{ctx.name}-layer", VersionNumber=layer["Version"],
                                         StatementId="demo", Action="lambda:GetLayerVersion",
                                         Principal=layer_principal)
        found = [{"principal": {"AWS": layer_principal}, "isPublic": layer_principal == "*",
                  "action": ["lambda:GetLayerVersion"], "condition": {}}]
        layer_findings = {"ORGANIZATION": found if kind != "in_org_account" else [], "ACCOUNT": found}
    return [entry(ctx, fn, "AWS::Lambda::Function", kind, {"lambdaFunction": {}}, findings,
                  policyPrincipal=args and args["Principal"]),
            entry(ctx, layer["LayerVersionArn"], "AWS::Lambda::LayerVersion", kind, {"lambdaLayerVersion": {}},
                  layer_findings, policyPrincipal=layer_principal)]
