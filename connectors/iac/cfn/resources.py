"""Resource policies: one table row per CloudFormation type that carries a policy for a resource.

A row says which property holds the document, which properties name the governed resource, what
Access Analyzer resource type it is, and the policy's name as the AWS validator reports it. Types
outside the AWS validator's list (ECR, EFS, DynamoDB, ...) are read the same way. S3 buckets' canned
ACLs become a site with `configuration` and no document, merged into the bucket policy of the same
bucket name when the template has one.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from connectors.iac.cfn.props import InvalidResource, Props
from connectors.iac.sites import Site
from solvers.jsonspan import JObject

if TYPE_CHECKING:
    from connectors.iac.cfn.extract import Extractor

RESOURCE = "RESOURCE_POLICY"
# The account root may do anything with the key: what KMS attaches to a key created without a policy.
DEFAULT_KEY_POLICY = {"Version": "2012-10-17", "Id": "key-default-1", "Statement": [{
    "Sid": "Enable IAM User Permissions", "Effect": "Allow",
    "Principal": {"AWS": "arn:${Partition}:iam::${Account}:root"}, "Action": "kms:*", "Resource": "*"}]}


@dataclass(frozen=True)
class Row:
    policy: str  # the property holding the document
    governs: str | Callable[[Props], str]  # the Access Analyzer resource type (or read from the properties)
    policy_name: str
    name: Callable[[Props, str], str | None]  # the governed resource's name
    policy_required: bool = True
    required: tuple[str, ...] = ()  # further required string properties
    strings: tuple[str, ...] = ()  # optional properties that must be strings when present


def _own_name(prop: str) -> Callable[[Props, str], str | None]:
    return lambda props, lid: props.get(prop, "string") or lid


def _required_name(prop: str) -> Callable[[Props, str], str | None]:
    return lambda props, lid: props.get(prop, "string", required=True)


def _after(prop: str, marker: str, what: str) -> Callable[[Props, str], str | None]:
    def name(props: Props, lid: str) -> str | None:
        arn = props.get(prop, "string", required=True)
        if marker not in arn:
            raise InvalidResource(f"{props.where(prop)} must be a {what} ARN, not {arn!r}", props.span(prop))
        return arn.split(marker, 1)[1]
    return name


def _arn_or_name(prop: str) -> Callable[[Props, str], str | None]:
    return lambda props, lid: props.get(prop, "string", required=True)


_CLOUDTRAIL = re.compile(r"arn:[^:]+:cloudtrail:[^:]*:[^:]*:([^/]+)/([^/]+)")
_CLOUDTRAIL_TYPES = {"dashboard": "AWS::CloudTrail::Dashboard", "eventdatastore": "AWS::CloudTrail::EventDataStore"}


def _cloudtrail(props: Props, lid: str) -> str | None:
    arn = props.get("ResourceArn", "string", required=True)
    m = _CLOUDTRAIL.match(arn)
    if m is None or m.group(1) not in _CLOUDTRAIL_TYPES:
        raise InvalidResource(f"{props.where('ResourceArn')}: {arn!r} is not a CloudTrail dashboard or event "
                              "data store ARN", props.span("ResourceArn"))
    return m.group(2)


ROWS: dict[str, Row] = {
    "AWS::S3::BucketPolicy": Row("PolicyDocument", "AWS::S3::Bucket", "BucketPolicy", _required_name("Bucket")),
    "AWS::S3::MultiRegionAccessPointPolicy": Row("Policy", "AWS::S3::MultiRegionAccessPoint",
                                                 "MultiRegionAccessPointPolicy", _required_name("MrapName")),
    "AWS::S3Tables::TableBucketPolicy": Row("ResourcePolicy", "AWS::S3Tables::TableBucket", "TableBucketPolicy",
                                            _after("TableBucketARN", ":bucket/", "table bucket")),
    "AWS::SecretsManager::ResourcePolicy": Row("ResourcePolicy", "AWS::SecretsManager::Secret", "ResourcePolicy",
                                               _after("SecretId", "secret:", "secret")),
    "AWS::ApiGateway::RestApi": Row("Policy", "AWS::ApiGateway::RestApi", "Policy", _required_name("Name"),
                                    policy_required=False),
    "AWS::CodeArtifact::Domain": Row("PermissionsPolicyDocument", "AWS::CodeArtifact::Domain",
                                     "PermissionsPolicyDocument", _required_name("DomainName"), policy_required=False),
    "AWS::Backup::BackupVault": Row("AccessPolicy", "AWS::Backup::BackupVault", "AccessPolicy",
                                    _required_name("BackupVaultName"), policy_required=False),
    "AWS::CloudTrail::ResourcePolicy": Row("ResourcePolicy", lambda props: _CLOUDTRAIL_TYPES[
        _CLOUDTRAIL.match(props.get("ResourceArn", "string")).group(1)],  # type: ignore[union-attr]
        "ResourcePolicy", _cloudtrail),
    # Access Analyzer types the AWS validator does not read
    "AWS::ECR::Repository": Row("RepositoryPolicyText", "AWS::ECR::Repository", "RepositoryPolicyText",
                                _own_name("RepositoryName"), policy_required=False),
    "AWS::EFS::FileSystem": Row("FileSystemPolicy", "AWS::EFS::FileSystem", "FileSystemPolicy",
                                lambda props, lid: lid, policy_required=False),
    "AWS::DynamoDB::Table": Row("ResourcePolicy.PolicyDocument", "AWS::DynamoDB::Table", "ResourcePolicy",
                                _own_name("TableName"), policy_required=False),
    "AWS::SQS::QueueInlinePolicy": Row("PolicyDocument", "AWS::SQS::Queue", "QueuePolicy",
                                       lambda props, lid: _queue_name(props, props.get("Queue", "string", required=True))),
    "AWS::SNS::TopicInlinePolicy": Row("PolicyDocument", "AWS::SNS::Topic", "TopicPolicy",
                                       lambda props, lid: props.get("TopicArn", "string", required=True).split(":")[-1]),
    "AWS::KMS::ReplicaKey": Row("KeyPolicy", "AWS::KMS::Key", "KeyPolicy", lambda props, lid: lid),
    "AWS::OpenSearchService::Domain": Row("AccessPolicies", "AWS::OpenSearchService::Domain", "AccessPolicies",
                                          _own_name("DomainName"), policy_required=False),
    "AWS::Events::EventBusPolicy": Row("Statement", "AWS::Events::EventBus", "EventBusPolicy",
                                       lambda props, lid: props.get("EventBusName", "string") or "default"),
    "AWS::Logs::ResourcePolicy": Row("PolicyDocument", "AWS::Logs::ResourcePolicy", "ResourcePolicy",
                                     _required_name("PolicyName")),
}


def _table(ex: Extractor, logical_id: str, props: Props, rtype: str, row: Row) -> None:
    props.require_properties()
    name = row.name(props, logical_id)
    prop_path = row.policy.split(".")
    node = props.child(prop_path[0])
    for step in prop_path[1:]:
        node = node.get(step) if isinstance(node, JObject) else None
    if node is None:
        if row.policy_required:
            raise InvalidResource(f"'{row.policy}' is a required property of {props.where()}", props.span())
        return
    governs = row.governs(props) if callable(row.governs) else row.governs
    site = Site(rtype, RESOURCE, governs, row.policy_name, ex.place(logical_id), logical_id=logical_id,
                prop=row.policy, resource_name=name)
    if rtype == "AWS::Events::EventBusPolicy":  # one statement, not a document
        _event_bus(ex, props, node, site)
        return
    ex.policy_site(props, node, tuple(prop_path), site)


def _event_bus(ex: Extractor, props: Props, node, site: Site) -> None:
    res = ex.resolver.resolve(node)
    res.value = {"Version": "2012-10-17", "Statement": [res.value]}
    res.origins = {("Statement", 0) + p: s for p, s in res.origins.items()}
    ex.resolved_site(props, node, ("Statement",), site, res)


def _row_family(rtype: str):
    return lambda ex, lid, props: _table(ex, lid, props, rtype, ROWS[rtype])


def _queue_name(props: Props, url: str) -> str:
    parts = urlparse(url).path.split("/")
    if len(parts) < 3 or not parts[2]:
        raise InvalidResource(f"{props.where('Queues')}: cannot read a queue name from the URL {url!r}",
                              props.span("Queues"))
    return parts[2]


def _per_target(source_type: str, target_prop: str, governs: str, policy_name: str,
                name_of: Callable[[Props, str], str]):
    """SQS queue and SNS topic policies: one document, one site per listed queue / topic."""
    def family(ex: Extractor, logical_id: str, props: Props) -> None:
        props.require_properties()
        doc = props.child("PolicyDocument")
        targets = props.get(target_prop, "array", required=True, item="string")
        if doc is None:
            raise InvalidResource(f"'PolicyDocument' is a required property of {props.where()}", props.span())
        if not targets:
            raise InvalidResource(f"{props.where(target_prop)} should be non-empty", props.span(target_prop))
        for target in targets:
            site = Site(source_type, RESOURCE, governs, policy_name,
                        ex.place(logical_id), logical_id=logical_id, prop="PolicyDocument",
                        resource_name=name_of(props, target))
            ex.policy_site(props, doc, ("PolicyDocument",), site)
    return family


def kms_key(ex: Extractor, logical_id: str, props: Props) -> None:
    node = props.child("KeyPolicy")
    site = Site("AWS::KMS::Key", RESOURCE, "AWS::KMS::Key", "KeyPolicy", ex.place(logical_id),
                logical_id=logical_id, prop="KeyPolicy", resource_name=logical_id)
    if node is not None:
        ex.policy_site(props, node, ("KeyPolicy",), site)
        return
    c = ex.ctx
    import json
    text = json.dumps(DEFAULT_KEY_POLICY).replace("${Partition}", c.partition).replace("${Account}", c.account)
    site.policy = json.loads(text)
    site.place = ex.place(logical_id)
    ex.sites.append(site)


def access_point(rtype: str, policy_name: str):
    def family(ex: Extractor, logical_id: str, props: Props) -> None:
        props.require_properties()
        name = props.get("Name", "string") or logical_id
        vpc = props.get("VpcConfiguration", "object")
        node = props.child("Policy")
        if node is None:
            return
        site = Site(rtype, RESOURCE, rtype, policy_name, ex.place(logical_id), logical_id=logical_id,
                    prop="Policy", resource_name=name,
                    configuration={"VpcId": vpc["VpcId"]} if vpc and vpc.get("VpcId") is not None else None)
        ex.policy_site(props, node, ("Policy",), site)
    return family


def bucket(ex: Extractor, logical_id: str, props: Props) -> None:
    acl = props.get("AccessControl", "string")
    if acl is None:
        return
    name = props.get("BucketName", "string") or logical_id
    site = Site("AWS::S3::Bucket", RESOURCE, "AWS::S3::Bucket", "BucketAcl", ex.place(logical_id, "Properties",
                "AccessControl"), logical_id=logical_id, prop="AccessControl", resource_name=name,
                configuration={"AccessControl": acl})

    def merge() -> None:  # a bucket policy of the same bucket carries the ACL instead
        for other in ex.sites:
            if other.source_type == "AWS::S3::BucketPolicy" and other.resource_name == name:
                other.configuration = dict(other.configuration or {}, AccessControl=acl)
                return
        ex.sites.append(site)
    ex.after.append(merge)


FAMILIES = {
    **{t: _row_family(t) for t in ROWS},
    "AWS::SQS::QueuePolicy": _per_target("AWS::SQS::QueuePolicy", "Queues", "AWS::SQS::Queue", "QueuePolicy", _queue_name),
    "AWS::SNS::TopicPolicy": _per_target("AWS::SNS::TopicPolicy", "Topics", "AWS::SNS::Topic", "TopicPolicy",
                                         lambda props, arn: arn.split(":")[-1]),
    "AWS::KMS::Key": kms_key,
    "AWS::S3::AccessPoint": access_point("AWS::S3::AccessPoint", "AccessPointPolicy"),
    "AWS::S3Express::AccessPoint": access_point("AWS::S3Express::AccessPoint", "Policy"),
    "AWS::S3::Bucket": bucket,
}
