"""Facts the decision procedure looks up: which services RCPs bind, which requests a service decides on
its own (R0), which resources need their own policy to grant even inside one account (R7)."""
from __future__ import annotations

import re
from functools import lru_cache

# RCPs bind these services only [E8]: the five of the launch (documented), then Cognito, CloudWatch Logs,
# DynamoDB, ECR and OpenSearch Serverless, which AWS announced later (2025). The IAM catalog does not say
# which services support RCPs; this list is to be checked against the RCP page's current list.
RCP_SERVICES = frozenset({"s3", "sts", "kms", "sqs", "secretsmanager",
                          "cognito-identity", "cognito-idp", "logs", "dynamodb", "ecr", "aoss"})
GET_CALLER_IDENTITY = "sts:getcalleridentity"
# R0: AWS managed policies, reserved (SSO) roles and AWS KMS aliases cannot be changed by any policy.
# The ARN patterns are written as the symbolic engine's ARN globs read (symbolic.py): any partition and account.
_AWS_OWNED = re.compile(r"^arn:[^:]*:(?:iam::aws:policy/|iam::[^:]*:role/aws-reserved/|kms:[^:]*:[^:]*:alias/aws/)")
_OWNING_SERVICES = ("iam", "kms")
_WRITE_LEVELS = frozenset({"Write", "Permissions management", "Tagging"})
_ROLE_ARN = re.compile(r"^arn:[^:]*:iam::[^:]*:role/")
_KMS_KEY = re.compile(r"^arn:[^:]*:kms:[^:]*:[^:]*:key/")


def service_of(action: str) -> str:
    return action.partition(":")[0].lower()


def rcp_binds(action: str) -> bool:
    return service_of(action) in RCP_SERVICES


def always_allowed(action: str, signed: bool) -> bool:
    """R0: `sts:GetCallerIdentity` needs no permission and no Deny stops it, for any signed caller."""
    return signed and action.lower() == GET_CALLER_IDENTITY


def aws_owned_write(action: str, resource: str) -> bool:
    """R0: a write to an AWS managed policy, an `aws-reserved` role or an `alias/aws/` KMS alias."""
    return service_of(action) in _OWNING_SERVICES and bool(_AWS_OWNED.match(resource)) and _is_write(action.lower())


@lru_cache(maxsize=4096)
def _is_write(action: str) -> bool:
    from solvers.catalog import access_level
    return access_level(action) in _WRITE_LEVELS


def resource_must_grant(action: str, resource: str) -> bool:
    """R7: role trust policies (`sts:AssumeRole*` on a role) and KMS key policies must grant themselves."""
    lowered = action.lower()
    if lowered.startswith("sts:assumerole") and _ROLE_ARN.match(resource):
        return True
    return lowered.startswith("kms:") and bool(_KMS_KEY.match(resource))
