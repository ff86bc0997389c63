"""Resource types and their action universes (authorization.md §6.3 step 2).

Each type lists the catalog resource types whose actions count, and how their ARNs derive from the
resource's: a bucket's object actions act on `BUCKET/*`, a table's index actions on `TABLE/index/*`.
Every action comes with the glob the question asks over and one concrete ARN inside it (for examples).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

AWS_TYPES = ("AWS::S3::Bucket", "AWS::S3Express::DirectoryBucket", "AWS::DynamoDB::Table",
             "AWS::DynamoDB::Stream", "AWS::RDS::DBSnapshot", "AWS::RDS::DBClusterSnapshot")
# beyond Access Analyzer: flagged as extension types in findings
EXTENSION_TYPES = ("AWS::KMS::Key", "AWS::SecretsManager::Secret", "AWS::SQS::Queue", "AWS::SNS::Topic",
                   "AWS::Lambda::Function", "AWS::IAM::Role")
S3_TYPES = frozenset({"AWS::S3::Bucket", "AWS::S3Express::DirectoryBucket"})

# type -> service prefix, ((catalog resource type, suffix of the glob, suffix of the example), ...)
_PARTS: dict[str, tuple[str, tuple[tuple[str, str, str], ...]]] = {
    "AWS::S3::Bucket": ("s3", (("bucket", "", ""), ("object", "/*", "/example-object"))),
    "AWS::S3Express::DirectoryBucket": ("s3express", (("bucket", "", ""),)),
    "AWS::DynamoDB::Table": ("dynamodb", (("table", "", ""), ("index", "/index/*", "/index/example-index"))),
    "AWS::DynamoDB::Stream": ("dynamodb", (("stream", "", ""),)),
    "AWS::RDS::DBSnapshot": ("rds", (("snapshot", "", ""),)),
    "AWS::RDS::DBClusterSnapshot": ("rds", (("cluster-snapshot", "", ""),)),
    "AWS::KMS::Key": ("kms", (("key", "", ""),)),
    "AWS::SecretsManager::Secret": ("secretsmanager", (("Secret", "", ""),)),
    "AWS::SQS::Queue": ("sqs", (("queue", "", ""),)),
    "AWS::SNS::Topic": ("sns", (("topic", "", ""),)),
    "AWS::Lambda::Function": ("lambda", (("function", "", ""),)),
    "AWS::IAM::Role": ("sts", (("role", "", ""),)),
}


@dataclass(frozen=True, slots=True)
class Access:
    """One action on one part of the resource."""
    action: str  # as the catalog spells it, e.g. s3:GetObject
    glob: str  # the ARNs it may act on, e.g. arn:aws:s3:::b/*
    example: str  # one of them


def is_supported(resource_type: str) -> bool:
    return resource_type in _PARTS


@lru_cache(maxsize=32)
def _actions(resource_type: str) -> tuple[tuple[str, int], ...]:
    """(action, index of the part it acts on); an action on several parts is listed once per part."""
    from solvers.catalog import load_catalog
    prefix, parts = _PARTS[resource_type]
    service = load_catalog().service(prefix)
    out = []
    for action in service.actions.values() if service else ():
        names = {r.name for r in action.resource_types}
        for i, (name, _, _) in enumerate(parts):
            if name in names:
                out.append((action.full_name, i))
    return tuple(sorted(out))


def universe(resource_type: str, arn: str) -> tuple[Access, ...]:
    _, parts = _PARTS[resource_type]
    return tuple(Access(a, arn + parts[i][1], arn + parts[i][2]) for a, i in _actions(resource_type))


def service_of(resource_type: str) -> str:
    return _PARTS[resource_type][0]
