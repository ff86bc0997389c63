"""The demo's internal access: who inside the organization can reach one dedicated bucket, and what a
correct scan must report for it (authorization.md §6).

The bucket lives in the first member account and grants the next account's root `s3:GetObject` on its
objects (an ordinary `in_org_account` bucket, so external access reports it in the ACCOUNT zone). Around
it: a reader role, an analyst user whose only permission comes from a group, a role whose boundary cuts
`s3:*` down to `s3:GetObject`, a role whose boundary allows no S3 at all, and a reader role in the
partner account. Every account's demo app role and operator user can read objects too. The new
principals carry the demo's exclusion tag, so unused access does not judge them.
"""
from __future__ import annotations

import json
from typing import Any

from connectors.demo import resources as r
from connectors.demo.unused import EXCLUDE_TAG

READ_OBJECTS = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
LIST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}
S3_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
DYNAMODB_ONLY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]}
TAGS = [{"Key": k, "Value": v} for k, v in EXCLUDE_TAG.items()]
# the demo app role and operator user of every account (seed.APP_POLICY)
APP_ACTIONS = ["s3:GetObject", "s3:ListBucket"]


def _trust(account: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "sts:AssumeRole"}]})


def _role(iam: Any, account: str, name: str, policy: dict, boundary_arn: str | None = None) -> str:
    extra = {"PermissionsBoundary": boundary_arn} if boundary_arn else {}
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=_trust(account), Tags=TAGS, **extra)["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName="access", PolicyDocument=json.dumps(policy))
    return arn


def seed_owner(iam: Any, ctx: r.SeedContext) -> tuple[dict, dict[str, list[str]]]:
    """The bucket (its manifest entry) and the owner account's new principals with their actions."""
    bucket = r.seed_s3_bucket(r.SeedContext(ctx.account, ctx.region, ctx.org_id, ctx.sibling, ctx.client,
                                            f"demo-internal-{ctx.account}"), "in_org_account")
    account = ctx.account
    read_only = iam.create_policy(PolicyName="demo-read-only", PolicyDocument=json.dumps(READ_OBJECTS))["Policy"]["Arn"]
    no_s3 = iam.create_policy(PolicyName="demo-no-s3", PolicyDocument=json.dumps(DYNAMODB_ONLY))["Policy"]["Arn"]
    reader = _role(iam, account, "demo-data-reader", READ_OBJECTS)
    bounded = _role(iam, account, "demo-bounded", S3_ALL, read_only)
    _role(iam, account, "demo-boxed", S3_ALL, no_s3)  # its boundary allows no S3: no finding
    iam.create_group(GroupName="demo-analysts")
    iam.put_group_policy(GroupName="demo-analysts", PolicyName="list", PolicyDocument=json.dumps(LIST))
    analyst = iam.create_user(UserName="demo-analyst", Tags=TAGS)["User"]["Arn"]
    iam.add_user_to_group(GroupName="demo-analysts", UserName="demo-analyst")
    return bucket, {reader: ["s3:GetObject"], bounded: ["s3:GetObject"], analyst: ["s3:ListBucket"]}


def seed_partner(iam: Any, account: str) -> dict[str, list[str]]:
    return {_role(iam, account, "demo-partner-reader", READ_OBJECTS): ["s3:GetObject"]}


def expected(bucket: dict, principals: dict[str, list[str]], owner: str, partner: str, conditioned: set[str],
             regions: tuple[str, ...] = ()) -> dict:
    """The scan settings and findings of the demo's internal access (ORGANIZATION zone). `conditioned`:
    accounts whose SCPs deny outside the demo `regions`, so that every access there depends on
    aws:RequestedRegion: one finding per Region (one per condition cube, as Access Analyzer reports)."""
    every = dict(principals)
    for account in (owner, partner):
        every[f"arn:aws:iam::{account}:role/demo-app"] = ["s3:GetObject"] if account == partner else APP_ACTIONS
        every[f"arn:aws:iam::{account}:user/demo-operator"] = every[f"arn:aws:iam::{account}:role/demo-app"]
    findings = []
    for arn, actions in sorted(every.items()):
        account = arn.split(":")[4]
        base = {"resource": bucket["resourceArn"], "principal": {"AWS": arn}, "action": actions,
                "accessType": "INTRA_ACCOUNT" if account == owner else "INTRA_ORG"}
        if account in conditioned:
            findings += [{**base, "conditionKeys": ["aws:RequestedRegion"], "condition": {"aws:RequestedRegion": r}}
                         for r in regions]
        else:
            findings.append({**base, "conditionKeys": [], "condition": {}})
    return {"settings": {"zone": "ORGANIZATION", "inclusions": [{"resource_arns": [bucket["resourceArn"]]}]},
            "findings": findings}
