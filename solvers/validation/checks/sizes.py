"""Policy size quotas, counted as AWS counts them: characters other than whitespace."""
from __future__ import annotations

from solvers.validation.findings import (
    DYNAMODB_TABLE,
    ERROR,
    IDENTITY,
    RCP,
    RESOURCE,
    S3_ACCESS_POINT,
    S3_BUCKET,
    S3_MRAP,
    S3_OBJECT_LAMBDA,
    SCP,
    TRUST,
    WARNING,
)
from solvers.validation.rules import (
    IDENTITY_ONLY,
    RCP_ONLY,
    SCP_ONLY,
    TRUST_ONLY,
    Context,
    Family,
    Rule,
    scope,
)

IDENTITY_QUOTA = 6_144  # managed policies (inline ones share a 2,048-10,240 per-principal budget)
ORGANIZATIONS_QUOTA = 5_120  # SCPs and RCPs
TRUST_QUOTA = 2_048  # the default; it can be raised to 4,096
RESOURCE_QUOTAS = {S3_BUCKET: 20_480, S3_ACCESS_POINT: 20_480, S3_MRAP: 20_480, S3_OBJECT_LAMBDA: 20_480,
                   DYNAMODB_TABLE: 20_480}

RULES = (
    Rule("POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA", WARNING, IDENTITY_ONLY,
         "The policy has {size:,} characters besides whitespace; managed policies hold at most {quota:,}.",
         "IAM rejects a managed policy above its size quota."),
    Rule("POLICY_SIZE_EXCEEDS_SCP_QUOTA", ERROR, SCP_ONLY,
         "The policy has {size:,} characters besides whitespace; service control policies hold at most {quota:,}.",
         "Organizations rejects an SCP above its size quota."),
    Rule("POLICY_SIZE_EXCEEDS_RCP_QUOTA", ERROR, RCP_ONLY,
         "The policy has {size:,} characters besides whitespace; resource control policies hold at most {quota:,}.",
         "Organizations rejects an RCP above its size quota."),
    Rule("POLICY_SIZE_EXCEEDS_ROLE_TRUST_POLICY_QUOTA", WARNING, TRUST_ONLY,
         "The trust policy has {size:,} characters besides whitespace; the default quota is {quota:,}.",
         "IAM rejects a trust policy above the account's quota."),
    Rule("POLICY_SIZE_EXCEEDS_RESOURCE_POLICY_QUOTA", WARNING,
         scope(RESOURCE, resource_types=RESOURCE_QUOTAS),
         "The policy has {size:,} characters besides whitespace; {resource_type} policies hold at most {quota:,}.",
         "The service rejects a resource policy above its size quota."),
)


def check_sizes(ctx: Context) -> None:
    text = ctx.document.text
    size = len(text) - sum(text.count(ch) for ch in " \t\r\n")
    quota, code = {IDENTITY: (IDENTITY_QUOTA, "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA"),
                   SCP: (ORGANIZATIONS_QUOTA, "POLICY_SIZE_EXCEEDS_SCP_QUOTA"),
                   RCP: (ORGANIZATIONS_QUOTA, "POLICY_SIZE_EXCEEDS_RCP_QUOTA")}.get(ctx.policy_type, (0, ""))
    if ctx.policy_type == RESOURCE:
        if ctx.resource_type == TRUST:
            quota, code = TRUST_QUOTA, "POLICY_SIZE_EXCEEDS_ROLE_TRUST_POLICY_QUOTA"
        elif ctx.resource_type in RESOURCE_QUOTAS:
            quota, code = RESOURCE_QUOTAS[ctx.resource_type], "POLICY_SIZE_EXCEEDS_RESOURCE_POLICY_QUOTA"
    if code and size > quota:
        ctx.report(code, ctx.document.root, size=size, quota=quota, resource_type=ctx.resource_type)


FAMILY = Family("sizes", RULES, check_sizes)
