"""The demo's unused access: credentials and roles a correct scan must report as unused, and the ones it
must not.

Entities are created before a *pivot* instant and used after it; the demo then judges as of
pivot + TRACKING_DAYS, so that every entity has existed for the whole tracking period and every use falls
inside it (moto stamps creation and use with the real clock, so the demo moves the clock of the judgement
instead). Per account: the operator user gets two access keys (one used after the pivot) and a console
password (never used: the emulator has no console); the demo app role is used in the accounts whose
CloudTrail activity the trail holds; the access role the scan enters member accounts with is tagged and
excluded by the demo's settings.
"""
from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

TRACKING_DAYS = 1
EXCLUDE_TAG = {"trustmap-demo": "scanner"}
OPERATOR = "demo-operator"


def seed_operator_credentials(iam: Any) -> dict:
    """Two access keys and a password for the operator user; returns the key pairs."""
    used = iam.create_access_key(UserName=OPERATOR)["AccessKey"]
    idle = iam.create_access_key(UserName=OPERATOR)["AccessKey"]
    iam.create_login_profile(UserName=OPERATOR, Password="Demo-only-0-password!")
    return {"used": {"id": used["AccessKeyId"], "secret": used["SecretAccessKey"]},
            "idle": {"id": idle["AccessKeyId"], "secret": idle["SecretAccessKey"]}}


def tag_access_role(iam: Any, role_name: str) -> None:
    iam.tag_role(RoleName=role_name, Tags=[{"Key": k, "Value": v} for k, v in EXCLUDE_TAG.items()])


def pivot() -> datetime:
    """The next whole second, once it has passed: everything before it is creation, after it use."""
    now = datetime.now(UTC)
    at = now.replace(microsecond=0) + timedelta(seconds=1)
    time.sleep(max(0.0, (at - now).total_seconds()) + 0.01)
    return at


def use_key(sts_client: Any) -> None:
    """Any signed request marks the key as used (GetCallerIdentity needs no permission)."""
    sts_client.get_caller_identity()


def expected_findings(account: str, roles: list[str], app_role: str, app_active: bool, idle_key: str) -> list[dict]:
    """What the scan must report for one account (Access Analyzer's field names)."""
    user = f"arn:aws:iam::{account}:user/{OPERATOR}"
    out: list[dict] = [{"findingType": "UnusedIAMRole", "resource": arn} for arn in roles]
    if app_active:  # used, but never for its SQS permission
        out.append({"findingType": "UnusedPermission", "resource": app_role,
                    "unusedActions": {"sqs": ["sqs:ReceiveMessage"]}, "recommendedActions": ["CREATE_POLICY"]})
    else:
        out.append({"findingType": "UnusedIAMRole", "resource": app_role})
    out += [{"findingType": "UnusedIAMUserAccessKey", "resource": user, "accessKeyId": idle_key},
            {"findingType": "UnusedIAMUserPassword", "resource": user},
            {"findingType": "UnusedPermission", "resource": user,
             "unusedActions": {"s3": ["s3:GetObject", "s3:ListBucket"], "sqs": ["sqs:ReceiveMessage"]},
             "recommendedActions": ["DETACH_POLICY"]}]
    return out
