"""The input of the analysis of one resource: the resource with its owner, policy and RCP path, and the
roles and users that may reach it, each with its identity policies, boundary and SCP path."""
from __future__ import annotations

from dataclasses import dataclass

from solvers.authorization.context import Level, Source
from solvers.internal.s3_sources import AccessPoint

ROLE, USER = "IAM_ROLE", "IAM_USER"


@dataclass(frozen=True)
class Candidate:
    arn: str
    account: str
    type: str  # IAM_ROLE | IAM_USER
    identity: tuple[Source, ...]
    boundary: Source | None = None
    scp_levels: tuple[Level, ...] | None = None  # None: SCPs do not bind (no organization, management account)
    org_path: str | None = None  # o-x/r-x/ou-x/.../ for aws:PrincipalOrgPaths
    error: str | None = None  # an AWS error code when its policies could not be read


@dataclass(frozen=True)
class Target:
    arn: str
    type: str  # AWS::S3::Bucket, ...
    owner: str
    policy: Source | None = None
    rcp_levels: tuple[Level, ...] | None = None  # None: RCPs do not bind
    org_id: str | None = None
    org_path: str | None = None  # the owner account's path
    # S3: the owner's access points to the bucket (s3_sources.py); None: not known (a snapshot lists them all)
    access_points: tuple[AccessPoint, ...] | None = None
