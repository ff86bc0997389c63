"""CheckNoPublicAccess: can this resource policy grant public access for the given resource type?

Public is a finding of the external-access analysis whose principal is anyone (`"*"`) and whose
conditions do not pin the caller down (no fixed caller account, organization, network or source).
The zone of trust is an account the policy does not name, so that only grants to everyone count.
"""
from __future__ import annotations

from solvers.checks import CheckResult, Reason, load_for_check
from solvers.errors import InputError
from solvers.external.access import external_access
from solvers.external.zone import ZoneOfTrust

PUBLIC_ACCESS_TYPES = (
    "AWS::DynamoDB::Table", "AWS::DynamoDB::Stream", "AWS::EFS::FileSystem", "AWS::OpenSearchService::Domain",
    "AWS::Kinesis::Stream", "AWS::Kinesis::StreamConsumer", "AWS::KMS::Key", "AWS::Lambda::Function",
    "AWS::S3::Bucket", "AWS::S3::AccessPoint", "AWS::S3Express::DirectoryBucket", "AWS::S3::Glacier",
    "AWS::S3Outposts::Bucket", "AWS::S3Outposts::AccessPoint", "AWS::SecretsManager::Secret", "AWS::SNS::Topic",
    "AWS::SQS::Queue", "AWS::IAM::AssumeRolePolicyDocument", "AWS::S3Tables::TableBucket",
    "AWS::ApiGateway::RestApi", "AWS::CodeArtifact::Domain", "AWS::Backup::BackupVault",
    "AWS::CloudTrail::Dashboard", "AWS::CloudTrail::EventDataStore", "AWS::S3Tables::Table",
    "AWS::S3Express::AccessPoint",
)

# The services whose actions a resource type's policy governs: a grant of other services' actions does
# not reach the resource (an S3 Express access point policy allowing s3:GetObject opens nothing: directory
# buckets are used through s3express actions). Table buckets also count s3 actions, as AWS's answers do
# (recorded: a table bucket policy allowing s3:* to everyone is public).
_SERVICES: dict[str, str | tuple[str, ...]] = {
    "AWS::DynamoDB::Table": "dynamodb", "AWS::DynamoDB::Stream": "dynamodb", "AWS::EFS::FileSystem": "elasticfilesystem",
    "AWS::OpenSearchService::Domain": "es", "AWS::Kinesis::Stream": "kinesis", "AWS::Kinesis::StreamConsumer": "kinesis",
    "AWS::KMS::Key": "kms", "AWS::Lambda::Function": "lambda", "AWS::S3::Bucket": "s3", "AWS::S3::AccessPoint": "s3",
    "AWS::S3Express::DirectoryBucket": "s3express", "AWS::S3::Glacier": "glacier", "AWS::S3Outposts::Bucket": "s3-outposts",
    "AWS::S3Outposts::AccessPoint": "s3-outposts", "AWS::SecretsManager::Secret": "secretsmanager", "AWS::SNS::Topic": "sns",
    "AWS::SQS::Queue": "sqs", "AWS::IAM::AssumeRolePolicyDocument": "sts", "AWS::S3Tables::TableBucket": ("s3tables", "s3"),
    "AWS::ApiGateway::RestApi": "execute-api", "AWS::CodeArtifact::Domain": "codeartifact",
    "AWS::Backup::BackupVault": "backup", "AWS::CloudTrail::Dashboard": "cloudtrail",
    "AWS::CloudTrail::EventDataStore": "cloudtrail", "AWS::S3Tables::Table": ("s3tables", "s3"),
    "AWS::S3Express::AccessPoint": "s3express",
}


def _outsider_account(text: str) -> str:
    for candidate in ("000000000000", "000000000001", "000000000002"):
        if candidate not in text:
            return candidate
    return "000000000003"


def check_no_public_access(policy_text: str, resource_type: str) -> CheckResult:
    if resource_type not in PUBLIC_ACCESS_TYPES:
        raise InputError(f"resource type {resource_type!r} is not one CheckNoPublicAccess accepts")
    policy = load_for_check(policy_text, "RESOURCE_POLICY", "the")
    services = _SERVICES[resource_type]
    accesses = external_access(policy, ZoneOfTrust(_outsider_account(policy_text)), None,
                               (services,) if isinstance(services, str) else services, reasons=True)
    public = [a for a in accesses if a.is_public]
    if not public:
        return CheckResult("PASS", "The resource policy does not grant public access for the given resource type.")
    indexes = sorted({i for a in public for i in a.statements})
    by_index = {s.index: s for s in policy.statements}
    reasons = tuple(Reason(f"Public access granted in the statement with index: {i}.", i, by_index[i].sid)
                    for i in indexes)
    return CheckResult("FAIL", "The resource policy grants public access for the given resource type.",
                       reasons, public[0].example)
