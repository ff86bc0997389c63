"""One module per analysed resource type. Each module defines

    RESOURCE_TYPE   the Access Analyzer resource type it lists
    GLOBAL          True when it is read once per account (in the account's home Region)
    collect(scope)  the records of one (account, Region): a list of contract dicts (see README)

A resource whose configuration cannot be read completely is not emitted: its coverage gap carries its
ARN, so an analysis can report it as an error instead of reading a missing policy as "no access".
"""
from __future__ import annotations

from types import ModuleType

from connectors.aws.resources import (
    dynamodb_stream,
    dynamodb_table,
    ebs_snapshot,
    ecr_repository,
    efs_file_system,
    iam_role,
    kms_key,
    lambda_function,
    lambda_layer,
    rds_cluster_snapshot,
    rds_snapshot,
    s3_bucket,
    s3express_bucket,
    secretsmanager_secret,
    sns_topic,
    sqs_queue,
)

MODULES: tuple[ModuleType, ...] = (
    s3_bucket, s3express_bucket, iam_role, kms_key, lambda_function, lambda_layer, sqs_queue, sns_topic,
    secretsmanager_secret, ecr_repository, efs_file_system, ebs_snapshot, rds_snapshot,
    rds_cluster_snapshot, dynamodb_table, dynamodb_stream,
)
RESOURCE_TYPES: tuple[str, ...] = tuple(m.RESOURCE_TYPE for m in MODULES)


def modules_for(resource_types: tuple[str, ...] | None) -> tuple[ModuleType, ...]:
    """The modules of the selected types (all when None); unknown names are the caller's to reject."""
    if resource_types is None:
        return MODULES
    wanted = set(resource_types)
    return tuple(m for m in MODULES if m.RESOURCE_TYPE in wanted)
