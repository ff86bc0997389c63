"""Resource configurations: what each resource type exposes, rewritten as policies to analyse.

A configuration is one member of Access Analyzer's access-preview `Configuration` union, with its
field names (`{"s3Bucket": {"bucketPolicy": "...", "bucketAclGrants": [...]}}`), plus two members the
union lacks (`lambdaFunction`, `lambdaLayerVersion`, each `{"policy": "..."}`). Grants that are not
policies — S3 ACLs, KMS grants, snapshot sharing — become small synthetic policies, so one engine
answers every type. Each `Source` says where its access comes from (Access Analyzer's `sources`).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from solvers.errors import InputError

SERVICES = {
    "AWS::S3::Bucket": ("s3",), "AWS::S3Express::DirectoryBucket": ("s3express",), "AWS::IAM::Role": ("sts",),
    "AWS::KMS::Key": ("kms",), "AWS::Lambda::Function": ("lambda",), "AWS::Lambda::LayerVersion": ("lambda",),
    "AWS::SQS::Queue": ("sqs",), "AWS::SNS::Topic": ("sns",), "AWS::SecretsManager::Secret": ("secretsmanager",),
    "AWS::ECR::Repository": ("ecr",), "AWS::EFS::FileSystem": ("elasticfilesystem",),
    "AWS::EC2::Snapshot": ("ec2",), "AWS::RDS::DBSnapshot": ("rds",), "AWS::RDS::DBClusterSnapshot": ("rds",),
    "AWS::DynamoDB::Table": ("dynamodb",), "AWS::DynamoDB::Stream": ("dynamodb",),
}
# configuration member -> (resource type, the field holding its policy)
POLICY_MEMBERS = {
    "iamRole": ("AWS::IAM::Role", "trustPolicy"), "sqsQueue": ("AWS::SQS::Queue", "queuePolicy"),
    "snsTopic": ("AWS::SNS::Topic", "topicPolicy"), "ecrRepository": ("AWS::ECR::Repository", "repositoryPolicy"),
    "efsFileSystem": ("AWS::EFS::FileSystem", "fileSystemPolicy"),
    "secretsManagerSecret": ("AWS::SecretsManager::Secret", "secretPolicy"),
    "dynamodbTable": ("AWS::DynamoDB::Table", "tablePolicy"),
    "dynamodbStream": ("AWS::DynamoDB::Stream", "streamPolicy"),
    "lambdaFunction": ("AWS::Lambda::Function", "policy"), "lambdaLayerVersion": ("AWS::Lambda::LayerVersion", "policy"),
    "s3Bucket": ("AWS::S3::Bucket", "bucketPolicy"),
    "s3ExpressDirectoryBucket": ("AWS::S3Express::DirectoryBucket", "bucketPolicy"),
    "kmsKey": ("AWS::KMS::Key", None), "ebsSnapshot": ("AWS::EC2::Snapshot", None),
    "rdsDbSnapshot": ("AWS::RDS::DBSnapshot", None), "rdsDbClusterSnapshot": ("AWS::RDS::DBClusterSnapshot", None),
}
MEMBER_OF_TYPE = {rt: member for member, (rt, _) in POLICY_MEMBERS.items()}

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
ACL_ACTIONS = {
    "READ": ("s3:ListBucket", "s3:ListBucketVersions", "s3:ListBucketMultipartUploads"),
    "WRITE": ("s3:PutObject", "s3:DeleteObject"),
    "READ_ACP": ("s3:GetBucketAcl",), "WRITE_ACP": ("s3:PutBucketAcl",),
}
ACL_ACTIONS["FULL_CONTROL"] = tuple(a for v in ACL_ACTIONS.values() for a in v)
KMS_GRANT_OPERATIONS = frozenset({
    "CreateGrant", "Decrypt", "DescribeKey", "Encrypt", "GenerateDataKey", "GenerateDataKeyPair",
    "GenerateDataKeyPairWithoutPlaintext", "GenerateDataKeyWithoutPlaintext", "GetPublicKey", "ReEncryptFrom",
    "ReEncryptTo", "RetireGrant", "Sign", "Verify"})


@dataclass(frozen=True)
class Source:
    """One policy (written or synthesised) granting access to the resource."""
    policy_text: str
    kind: str  # POLICY | BUCKET_ACL | S3_ACCESS_POINT | GRANT | SHARING
    resources: tuple[str, ...]  # ARN globs the requests target
    detail: dict = field(default_factory=dict)  # e.g. {"accessPointArn": ...}
    public_allowed: bool = True  # False when AWS forbids public access (encrypted snapshots)
    restrict_public: bool = False  # Block Public Access RestrictPublicBuckets applies
    vpc: str | None = None  # access point reachable only from this VPC


@dataclass(frozen=True)
class ResourceAccess:
    resource_type: str
    arn: str
    account: str
    sources: tuple[Source, ...]
    services: tuple[str, ...]
    suppressed: str | None = None  # why nothing can be external (e.g. an AWS managed KMS key)


def _synthetic(statements: list[dict]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def _flag(block: dict | None, name: str) -> bool:
    return bool((block or {}).get(name))


def resource_access(resource_type: str, arn: str, account: str, configuration: dict,
                    account_block: dict | None = None) -> ResourceAccess:
    """Read one configuration. `account_block` is the account-level S3 Block Public Access."""
    if not isinstance(configuration, dict) or len(configuration) != 1:
        raise InputError("a configuration holds exactly one member, such as {\"s3Bucket\": {...}}")
    member, body = next(iter(configuration.items()))
    if member not in POLICY_MEMBERS:
        raise InputError(f"unknown configuration member {member!r}")
    expected_type, policy_field = POLICY_MEMBERS[member]
    if expected_type != resource_type:
        raise InputError(f"configuration {member!r} is for {expected_type}, not {resource_type}")
    if not isinstance(body, dict):
        raise InputError(f"configuration {member!r} must be an object")
    services = SERVICES[resource_type]
    if member in ("s3Bucket", "s3ExpressDirectoryBucket"):
        sources = _s3_sources(arn, body, account_block, directory=member != "s3Bucket")
        return ResourceAccess(resource_type, arn, account, sources, services)
    if member == "kmsKey":
        return ResourceAccess(resource_type, arn, account, _kms_sources(arn, body), services)
    if member == "ebsSnapshot":
        principals = _sharing(body.get("userIds"), body.get("groups"), "all")
        src = _share(arn, principals, ["ec2:CreateVolume"], encrypted=bool(body.get("kmsKeyId")))
        return ResourceAccess(resource_type, arn, account, src, services)
    if member in ("rdsDbSnapshot", "rdsDbClusterSnapshot"):
        restore = ((body.get("attributes") or {}).get("restore") or {}).get("accountIds")
        action = "rds:RestoreDBInstanceFromDBSnapshot" if member == "rdsDbSnapshot" else \
            "rds:RestoreDBClusterFromSnapshot"
        src = _share(arn, _sharing(restore, None, None), [action], encrypted=bool(body.get("kmsKeyId")))
        return ResourceAccess(resource_type, arn, account, src, services)
    text = body.get(policy_field) if policy_field else None
    sources = () if not text else (Source(_text(text, member), "POLICY", _targets(resource_type, arn)),)
    suppressed = None
    if member == "secretsManagerSecret":
        key = body.get("kmsKeyId")
        if not key or "alias/aws/" in str(key):
            suppressed = "the secret is encrypted with an AWS managed key, which no other account can use"
    return ResourceAccess(resource_type, arn, account, sources, services, suppressed)


def _text(value, member: str) -> str:
    if not isinstance(value, str):
        raise InputError(f"the policy of {member!r} must be a JSON string")
    return value


def _targets(resource_type: str, arn: str) -> tuple[str, ...]:
    """The ARN globs a request on this resource may name."""
    if resource_type in ("AWS::S3::Bucket", "AWS::S3Express::DirectoryBucket"):
        return (arn, arn + "/*")
    if resource_type == "AWS::DynamoDB::Table":
        return (arn, arn + "/index/*")
    if resource_type == "AWS::Lambda::Function":
        return (arn, arn + ":*")
    return (arn,)


def _sharing(ids, groups, everyone: str | None) -> list[str]:
    out = []
    for v in list(ids or []) + list(groups or []):
        if not isinstance(v, str):
            raise InputError("sharing lists hold account ids (strings)")
        out.append("*" if v == "all" or v == everyone else v)
    return out


def _share(arn: str, principals: list[str], actions: list[str], encrypted: bool) -> tuple[Source, ...]:
    if not principals:
        return ()
    text = _synthetic([{"Effect": "Allow", "Principal": {"AWS": sorted(set(principals))}, "Action": actions,
                        "Resource": arn}])
    # AWS refuses to make an encrypted snapshot public: "all" then grants nothing
    return (Source(text, "SHARING", (arn,), public_allowed=not encrypted),)


def _kms_sources(arn: str, body: dict) -> tuple[Source, ...]:
    out = []
    policies = body.get("keyPolicies") or {}
    if not isinstance(policies, dict):
        raise InputError("kmsKey.keyPolicies must map policy names to policies")
    if policies.get("default"):
        out.append(Source(_text(policies["default"], "kmsKey"), "POLICY", (arn,)))
    for i, grant in enumerate(body.get("grants") or []):
        if not isinstance(grant, dict):
            raise InputError(f"kmsKey.grants[{i}] must be an object")
        out.extend(_grant_sources(arn, grant, i))
    return tuple(out)


def _grant_sources(arn: str, grant: dict, index: int) -> list[Source]:
    ops = [op for op in grant.get("operations") or [] if op in KMS_GRANT_OPERATIONS]
    condition: dict = {}
    constraints = grant.get("constraints") or {}
    for field_name, op in (("encryptionContextEquals", "StringEquals"), ("encryptionContextSubset", "StringEquals")):
        for k, v in (constraints.get(field_name) or {}).items():
            condition.setdefault(op, {})[f"kms:EncryptionContext:{k}"] = v
    statements = []
    for who, actions in ((grant.get("granteePrincipal"), [f"kms:{op}" for op in ops]),
                         (grant.get("retiringPrincipal"), ["kms:RetireGrant"])):
        if not who or not actions:
            continue
        kind = "Service" if str(who).endswith(".amazonaws.com") else "AWS"
        st = {"Effect": "Allow", "Principal": {kind: who}, "Action": actions, "Resource": "*"}
        if condition:
            st["Condition"] = condition
        statements.append(st)
    return [Source(_synthetic(statements), "GRANT", (arn,), {"grant": index})] if statements else []


def _s3_sources(arn: str, body: dict, account_block: dict | None, directory: bool) -> tuple[Source, ...]:
    bucket_block = body.get("bucketPublicAccessBlock")
    restrict = _flag(bucket_block, "restrictPublicBuckets") or _flag(account_block, "restrictPublicBuckets")
    ignore_acls = _flag(bucket_block, "ignorePublicAcls") or _flag(account_block, "ignorePublicAcls")
    out = []
    if body.get("bucketPolicy"):
        out.append(Source(_text(body["bucketPolicy"], "s3Bucket"), "POLICY", (arn, arn + "/*"),
                          restrict_public=restrict))
    grants: list[dict] = []
    owner = body.get("ownerCanonicalId")  # ours, not AWS's: grants to the owner are not external
    for g in body.get("bucketAclGrants") or []:
        grantee = (g or {}).get("grantee") or {}
        actions = ACL_ACTIONS.get((g or {}).get("permission", ""), ())
        if grantee.get("uri") in (ALL_USERS, AUTHENTICATED_USERS) and not ignore_acls:
            grants.append({"Effect": "Allow", "Principal": "*", "Action": list(actions),
                           "Resource": [arn, arn + "/*"]})
        elif grantee.get("id") and grantee["id"] != owner:
            grants.append({"Effect": "Allow", "Principal": {"CanonicalUser": grantee["id"]},
                           "Action": list(actions), "Resource": [arn, arn + "/*"]})
    if grants and not directory:
        out.append(Source(_synthetic(grants), "BUCKET_ACL", (arn, arn + "/*")))
    for ap_arn, ap in (body.get("accessPoints") or {}).items():
        if not isinstance(ap, dict) or not ap.get("accessPointPolicy"):
            continue
        block = ap.get("publicAccessBlock")
        # a new access point blocks public access unless told otherwise
        ap_restrict = restrict or (block is None or _flag(block, "restrictPublicBuckets"))
        vpc = ((ap.get("networkOrigin") or {}).get("vpcConfiguration") or {}).get("vpcId")
        out.append(Source(_text(ap["accessPointPolicy"], "accessPoint"), "S3_ACCESS_POINT",
                          (ap_arn, ap_arn + "/object/*"), {"accessPointArn": ap_arn},
                          restrict_public=ap_restrict, vpc=vpc))
    return tuple(out)
