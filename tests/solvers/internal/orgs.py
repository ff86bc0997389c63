"""Small organizations for the internal-access tests: policies as dicts, candidates and targets."""
from __future__ import annotations

import json

from solvers.authorization.context import Source
from solvers.internal.model import ROLE, USER, Candidate, Target
from solvers.policy import parse_policy

ORG = "o-exampleorg1"
OWNER, OTHER = "111111111111", "222222222222"
BUCKET = "arn:aws:s3:::data-bucket"
FULL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def src(doc: dict, name: str = "p") -> Source:
    return Source(parse_policy(json.dumps(doc)), name)


def allow(actions, resources="*", **extra) -> dict:
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": resources,
                                                    **extra}]}


def deny(actions, resources="*", principal: bool = False, **extra) -> dict:
    """A Deny; `principal`: with `"Principal": "*"`, as RCP statements are written."""
    who = {"Principal": "*"} if principal else {}
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", **who, "Action": actions,
                                                    "Resource": resources, **extra}]}


RCP_FULL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*",
                                                    "Resource": "*"}]}


def levels(*extra: dict | None, depth: int = 2, rcp: bool = False) -> tuple:
    """FullAWSAccess (RCPFullAWSAccess) on every level (root first); `extra[i]` is added to level i."""
    out = []
    for i in range(depth):
        level = [src(RCP_FULL if rcp else FULL, f"full{i}")]
        if i < len(extra) and extra[i] is not None:
            level.append(src(extra[i], f"extra{i}"))
        out.append(tuple(level))
    return tuple(out)


def role(account: str, name: str, *identity: dict, boundary: dict | None = None, scps=None) -> Candidate:
    return Candidate(f"arn:aws:iam::{account}:role/{name}", account, ROLE, tuple(src(d, f"{name}{i}") for i, d in
                     enumerate(identity)), src(boundary) if boundary else None, scps)


def user(account: str, name: str, *identity: dict, boundary: dict | None = None, scps=None) -> Candidate:
    return Candidate(f"arn:aws:iam::{account}:user/{name}", account, USER, tuple(src(d, f"{name}{i}") for i, d in
                     enumerate(identity)), src(boundary) if boundary else None, scps)


def bucket(policy: dict | None = None, rcps=None, arn: str = BUCKET) -> Target:
    return Target(arn, "AWS::S3::Bucket", OWNER, src(policy, "ResourcePolicy") if policy else None, rcps, ORG)
