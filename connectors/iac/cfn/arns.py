"""What `Ref` and `Fn::GetAtt` of a template's own resource return, offline.

ARN patterns per CloudFormation type and attribute are the facts cfn-policy-validator collected
(`data/cfn_arns.json`, MIT-0, ~180 services): `arn:${Partition}:sqs:${Region}:${Account}:${QueueName}`.
Partition, Region and Account come from the context; every other variable is the resource's name
(its explicit name property, else its logical id); roles, users, groups and managed policies keep their
`Path`, as IAM puts it into the ARN.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources

# the property holding a resource's physical name, where the template may set it
NAME_PROPERTY = {
    "AWS::S3::Bucket": "BucketName", "AWS::Lambda::Function": "FunctionName", "AWS::IAM::Role": "RoleName",
    "AWS::IAM::User": "UserName", "AWS::IAM::Group": "GroupName", "AWS::SQS::Queue": "QueueName",
    "AWS::SSM::Parameter": "Name", "AWS::Backup::BackupVault": "BackupVaultName",
    "AWS::S3Tables::TableBucket": "TableBucketName", "AWS::ApiGateway::RestApi": "Name",
    "AWS::CloudTrail::EventDataStore": "Name", "AWS::CloudTrail::Dashboard": "Name",
    "AWS::S3Express::AccessPoint": "Name",
}
# types whose name sits in the ARN after their IAM path
PATH_NAMED = {"AWS::IAM::Role": "RoleName", "AWS::IAM::User": "UserName", "AWS::IAM::Group": "GroupName",
              "AWS::IAM::ManagedPolicy": "ManagedPolicyName", "AWS::IAM::InstanceProfile": "InstanceProfileName"}
_VARIABLE = re.compile(r"\$\{[^}]*\}")


@lru_cache(maxsize=1)
def _patterns() -> dict:
    return json.loads(resources.files("connectors.iac").joinpath("data/cfn_arns.json").read_text("utf-8"))


@lru_cache(maxsize=1)
def ref_returns_arn() -> frozenset[str]:
    return frozenset(json.loads(resources.files("connectors.iac").joinpath("data/ref_returns_arn.json")
                                .read_text("utf-8")))


def arn_pattern(resource_type: str, attribute: str) -> str | None:
    """The ARN pattern of `Ref` (attribute "Ref") or `Fn::GetAtt` attribute of a type, if it is an ARN."""
    parts = resource_type.split("::")
    if len(parts) != 3:
        return None
    return _patterns().get(parts[1], {}).get(parts[2], {}).get(attribute)


def fill(pattern: str, name: str, partition: str, region: str, account: str) -> str:
    out = pattern.replace("${Partition}", partition).replace("${Region}", region).replace("${Account}", account)
    return _VARIABLE.sub(lambda _: name, out)


def elb_flavour(resource_type: str, arn: str, props: dict) -> str:
    """Load balancers, listeners and target groups share one type but differ in the ARN."""
    if resource_type == "AWS::ElasticLoadBalancingV2::LoadBalancer":
        kind = {"network": "net", "gateway": "gwy"}.get(str(props.get("Type")))
        return arn.replace("loadbalancer/app/", f"loadbalancer/{kind}/") if kind else arn
    if resource_type == "AWS::ElasticLoadBalancingV2::Listener":
        protocol = props.get("Protocol")
        if protocol is None:
            return arn.replace("listener/app/", "listener/gwy/")
        return arn if protocol in ("HTTP", "HTTPS") else arn.replace("listener/app/", "listener/net/")
    if resource_type == "AWS::ElasticLoadBalancingV2::TargetGroup":
        protocol = props.get("Protocol")
        if protocol == "GENEVE":
            return arn.replace("loadbalancer/app/", "loadbalancer/gwy/")
        if protocol is None or protocol in ("HTTP", "HTTPS"):
            return arn
        return arn.replace("loadbalancer/app/", "loadbalancer/net/")
    if resource_type == "AWS::NetworkFirewall::RuleGroup" and props.get("Type") != "STATEFUL":
        return arn.replace(":stateful-rulegroup/", ":stateless-rulegroup/")
    return arn


def partition_of(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    if region.startswith("us-iso-"):
        return "aws-iso"
    if region.startswith("us-isob-"):
        return "aws-iso-b"
    return "aws"


def url_suffix(region: str) -> str:
    return "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
