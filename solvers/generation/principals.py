"""Which IAM role or user a CloudTrail `userIdentity` counts for.

A session of an assumed role counts for the role (the session issuer, whose ARN keeps the role's path,
as for IAM Identity Center's `aws-reserved/sso.amazonaws.com/` roles); a federated-user session counts
for the IAM user that called GetFederationToken. Calls made by AWS services themselves, by the account
root, and by identities outside IAM (web-identity, SAML, Identity Center users before a role) are not
any role's or user's activity and are skipped with a reason.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from solvers.errors import InputError

# arn:PARTITION:iam::ACCOUNT:(role|user)/[path/]NAME
_IAM_ARN = re.compile(r"^arn:([a-z0-9-]+):iam::(\d{12}):(role|user)/(?:(.*)/)?([^/]+)$")
_SESSION_ARN = re.compile(r"^arn:([a-z0-9-]+):sts::(\d{12}):assumed-role/([^/]+)(?:/.*)?$")


@dataclass(frozen=True, slots=True)
class PrincipalKey:
    """A role or user, identified as IAM does: names are unique per account whatever the path."""

    partition: str
    account: str
    kind: str  # "role" | "user"
    name: str


def parse_principal_arn(arn: str) -> tuple[PrincipalKey, str]:
    """The key of a role/user ARN given by a user (an assumed-role session ARN stands for its role),
    and the ARN to report. Raises InputError for anything else."""
    found = _IAM_ARN.match(arn)
    if found:
        partition, account, kind, _path, name = found.groups()
        return PrincipalKey(partition, account, kind, name), arn
    found = _SESSION_ARN.match(arn)
    if found:
        partition, account, name = found.groups()
        return PrincipalKey(partition, account, "role", name), f"arn:{partition}:iam::{account}:role/{name}"
    raise InputError(f"principal must be an IAM role or user ARN (arn:aws:iam::ACCOUNT:role/NAME), got {arn!r}")


def fold_identity(identity: object) -> tuple[str, str | None]:
    """("role"/"user", the role's or user's ARN) for activity that counts for one, else
    ("skip:<reason>", None). Never raises: odd records become a skip reason."""
    if not isinstance(identity, dict):
        return "skip:no-identity", None
    kind = identity.get("type")
    if kind == "IAMUser":
        arn = identity.get("arn")
        return ("user", arn) if isinstance(arn, str) else ("skip:no-arn", None)
    if kind in ("AssumedRole", "FederatedUser"):
        issuer = (identity.get("sessionContext") or {}).get("sessionIssuer") or {}
        arn = issuer.get("arn") if isinstance(issuer, dict) else None
        if isinstance(arn, str) and ":iam::" in arn:
            return ("role" if issuer.get("type") == "Role" or ":role/" in arn else "user"), arn
        # Older records carry no issuer: the role name is the second segment of the session ARN.
        session = identity.get("arn")
        found = _SESSION_ARN.match(session) if isinstance(session, str) else None
        if found:
            partition, account, name = found.groups()
            return "role", f"arn:{partition}:iam::{account}:role/{name}"
        return "skip:no-issuer", None
    if kind == "AWSService":
        return "skip:aws-service", None
    if kind == "Root":
        return "skip:root", None
    return f"skip:{kind or 'unknown'}-identity", None


def key_of(arn: str) -> PrincipalKey | None:
    """Key of a role/user ARN taken from a log record (None when it is neither)."""
    found = _IAM_ARN.match(arn)
    if not found:
        return None
    partition, account, kind, _path, name = found.groups()
    return PrincipalKey(partition, account, kind, name)
