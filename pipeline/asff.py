"""AWS Security Finding Format for Security Hub, as BatchImportFindings accepts it.

A caller may import findings with its account's default product ARN only for its own account
(`AwsAccountId` = the caller), in the Region of the ProductArn, at most 100 per call. So the findings
are grouped per account and Region and cut into batches of 100: `asff/ACCOUNT_REGION_NNN.json`, each a
BatchImportFindings request. Lifecycle status maps onto what an import may set:
- ACTIVE: RecordState ACTIVE;
- RESOLVED (the access is gone): RecordState ARCHIVED (Security Hub then resolves the workflow itself);
- ARCHIVED (an archive rule matched): RecordState ACTIVE, and `ProductFields["trustmap/status"]` says
  ARCHIVED: an import cannot change the workflow of an existing finding, so `trustmap export
  securityhub` sets Workflow SUPPRESSED with BatchUpdateFindings.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator

import orjson

from pipeline.finding_facts import details_summary, finding_type, region_of, severity, title

MAX_BATCH = 100  # BatchImportFindings takes 1-100 findings
STATUS_FIELD = "trustmap/status"
# Security Hub resource types (ResourceDetails members of the securityhub model); the rest are Other.
_RESOURCE_TYPES = {"AWS::S3::Bucket": "AwsS3Bucket", "AWS::IAM::Role": "AwsIamRole", "AWS::KMS::Key": "AwsKmsKey",
                   "AWS::SQS::Queue": "AwsSqsQueue", "AWS::SNS::Topic": "AwsSnsTopic",
                   "AWS::Lambda::Function": "AwsLambdaFunction",
                   "AWS::Lambda::LayerVersion": "AwsLambdaLayerVersion",
                   "AWS::SecretsManager::Secret": "AwsSecretsManagerSecret",
                   "AWS::ECR::Repository": "AwsEcrRepository", "AWS::RDS::DBSnapshot": "AwsRdsDbSnapshot",
                   "AWS::RDS::DBClusterSnapshot": "AwsRdsDbClusterSnapshot",
                   "AWS::DynamoDB::Table": "AwsDynamoDbTable", "AWS::IAM::User": "AwsIamUser"}
_CLASSIFIERS = {"ExternalAccess": "External Access Granted", "UnusedIAMRole": "Unused IAM Role",
                "UnusedIAMUserAccessKey": "Unused IAM User Access Key",
                "UnusedIAMUserPassword": "Unused IAM User Password", "UnusedPermission": "Unused Permissions",
                "InternalAccess": "Internal Access Granted"}


def product_arn(account: str, region: str, partition: str = "aws") -> str:
    """The account's default product ARN: the one a customer's own findings are imported with."""
    return f"arn:{partition}:securityhub:{region}:{account}:product/{account}/default"


def asff_finding(f: dict, home_region: str) -> dict:
    account = f["resourceOwnerAccount"]
    region = region_of(f, home_region)
    label = severity(f)[1].upper()
    types = [f"Software and Configuration Checks/AWS Security Best Practices/{_CLASSIFIERS[finding_type(f)]}"]
    resource = {"Type": _RESOURCE_TYPES.get(f["resourceType"], "Other"), "Id": f["resource"], "Region": region}
    if resource["Type"] == "Other":
        resource["Details"] = {"Other": {"resourceType": f["resourceType"]}}
    return {
        "SchemaVersion": "2018-10-08", "Id": f["id"], "ProductArn": product_arn(account, region),
        "ProductName": "trustmap", "CompanyName": "trustmap",
        "GeneratorId": f"trustmap/{finding_type(f)}", "AwsAccountId": account, "Region": region,
        "Types": types, "CreatedAt": f["createdAt"], "UpdatedAt": f["updatedAt"], "Severity": {"Label": label},
        "FindingProviderFields": {"Severity": {"Label": label}, "Types": types},
        "Title": title(f)[:256], "Description": orjson.dumps(details_summary(f)).decode()[:1024],
        "Resources": [resource],
        "ProductFields": {STATUS_FIELD: f["status"], "trustmap/findingType": finding_type(f)},
        "RecordState": "ARCHIVED" if f["status"] == "RESOLVED" else "ACTIVE",
    }


def batches(findings: Iterable[dict], home_region: str,
            first_account: str | None = None) -> Iterator[tuple[str, str, list[dict]]]:
    """(account, Region, findings) groups of at most MAX_BATCH findings, each one BatchImportFindings
    call. The first account's home-Region batches come first, then accounts and Regions in order."""
    groups: dict[tuple[str, str], list[dict]] = {}
    for f in findings:
        groups.setdefault((f["resourceOwnerAccount"], region_of(f, home_region)), []).append(f)
    order = sorted(groups, key=lambda k: (k[0] != first_account, k[0], k[1] != home_region, k[1]))
    for account, region in order:
        group = groups[(account, region)]
        for start in range(0, len(group), MAX_BATCH):
            yield account, region, group[start:start + MAX_BATCH]
