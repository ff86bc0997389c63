"""Every policy a scan collects, as validation inputs: resource and trust policies from the resource
records, identity policies from IAM's authorization details, SCPs and RCPs from the organization."""
from __future__ import annotations

from collections.abc import Iterable, Iterator

# configuration member -> (policy field, ValidatePolicy resource type)
_RESOURCE_POLICIES = {
    "s3Bucket": ("bucketPolicy", "AWS::S3::Bucket"), "iamRole": ("trustPolicy", "AWS::IAM::AssumeRolePolicyDocument"),
    "dynamodbTable": ("tablePolicy", "AWS::DynamoDB::Table"), "dynamodbStream": ("streamPolicy", None),
    "sqsQueue": ("queuePolicy", None), "snsTopic": ("topicPolicy", None), "secretsManagerSecret": ("secretPolicy", None),
    "ecrRepository": ("repositoryPolicy", None), "efsFileSystem": ("fileSystemPolicy", None),
    "lambdaFunction": ("policy", None), "lambdaLayerVersion": ("policy", None),
    "s3ExpressDirectoryBucket": ("bucketPolicy", None),
}


def _resource_policies(resource: dict) -> Iterator[dict]:
    (member, body), = resource["configuration"].items()
    where = {"account": resource["account"], "arn": resource["resourceArn"]}
    field_and_type = _RESOURCE_POLICIES.get(member)
    if field_and_type and isinstance(body.get(field_and_type[0]), str):
        yield {"text": body[field_and_type[0]], "policyType": "RESOURCE_POLICY", "resourceType": field_and_type[1],
               "where": where}
    for name, text in (body.get("keyPolicies") or {}).items():
        if isinstance(text, str):
            yield {"text": text, "policyType": "RESOURCE_POLICY", "resourceType": None, "where": {**where, "policyName": name}}
    for ap_arn, ap in (body.get("accessPoints") or {}).items():
        if isinstance(ap, dict) and isinstance(ap.get("accessPointPolicy"), str):
            yield {"text": ap["accessPointPolicy"], "policyType": "RESOURCE_POLICY", "resourceType": "AWS::S3::AccessPoint",
                   "where": {"account": resource["account"], "arn": ap_arn}}


def _identity_policies(details: dict) -> Iterator[dict]:
    account = details.get("account")
    for kind, inline in (("UserDetailList", "UserPolicyList"), ("GroupDetailList", "GroupPolicyList"),
                         ("RoleDetailList", "RolePolicyList")):
        for entity in details.get(kind, []):
            for p in entity.get(inline) or []:
                if isinstance(p.get("PolicyDocument"), str):
                    yield {"text": p["PolicyDocument"], "policyType": "IDENTITY_POLICY", "resourceType": None,
                           "where": {"account": account, "arn": entity.get("Arn"), "policyName": p.get("PolicyName")}}
    for policy in details.get("Policies", []):
        if ":aws:policy/" in str(policy.get("Arn")):
            continue  # AWS managed policies: AWS's to fix, and identical in every account
        for version in policy.get("PolicyVersionList") or []:
            if version.get("IsDefaultVersion") and isinstance(version.get("Document"), str):
                yield {"text": version["Document"], "policyType": "IDENTITY_POLICY", "resourceType": None,
                       "where": {"account": account, "arn": policy.get("Arn")}}


def collected_policies(scopes: Iterable[dict], organization_policies: Iterable[dict]) -> list[dict]:
    out: list[dict] = []
    for scope in scopes:
        for resource in scope.get("resources", ()):
            out.extend(_resource_policies(resource))
        if scope.get("iamAuthorizationDetails"):
            out.extend(_identity_policies(scope["iamAuthorizationDetails"]))
    for p in organization_policies:
        kind = {"SERVICE_CONTROL_POLICY": "SERVICE_CONTROL_POLICY",
                "RESOURCE_CONTROL_POLICY": "RESOURCE_CONTROL_POLICY"}.get(p.get("type", ""))
        if kind and isinstance(p.get("content"), str) and not p.get("awsManaged"):
            out.append({"text": p["content"], "policyType": kind, "resourceType": None,
                        "where": {"arn": p.get("arn"), "policyName": p.get("name")}})
    return out
