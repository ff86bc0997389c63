"""When each IAM principal and credential was last used — the evidence for unused-access findings.

Read once per account (IAM is global), in the home Region's scope:
- the credential report (two calls for the whole account): passwords and their last use, which users
  hold active access keys;
- ListAccessKeys + GetAccessKeyLastUsed, only for users the report shows with an active key (key ids
  are not in the report);
- IAM last-accessed details (GenerateServiceLastAccessedDetails at ACTION_LEVEL, then
  GetServiceLastAccessedDetails polled until done) for every role and user, when asked for: every job
  of the account is started first and polled after, so AWS runs them side by side.

Role last use comes with GetAccountAuthorizationDetails (RoleLastUsed) and is not read again here.
The record (all times ISO 8601 text, absent when AWS has none):

    {"account", "credentialReport": {user ARN: {"user", "created", "passwordEnabled", "passwordLastUsed"}},
     "accessKeys": {user ARN: [{"accessKeyId", "status", "created", "lastUsed"}]},
     "lastAccessed": {principal ARN: [{"serviceNamespace", "lastAuthenticated",
                                       "trackedActions": [{"action", "lastAccessed"}] | absent}]} | absent}
"""
from __future__ import annotations

import csv
import io
import time
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from connectors.aws.gaps import OperationFailed
from connectors.aws.scope import GLOBAL_REGION, Scope

USAGE_TYPE = "AWS::IAM::CredentialUsage"
POLL_SECONDS = (0.2, 0.5, 1.0, 2.0)  # back-off between polls of one job (then 2 s each)
MAX_WAIT_SECONDS = 300.0  # per account, for all its last-accessed jobs together
_ABSENT = ("N/A", "no_information", "not_supported", "")


def _iso(value: Any) -> str | None:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, str) and value not in _ABSENT:
        return value.replace("+00:00", "Z")
    return None


def credential_report(iam: Any, wait: float = 60.0) -> dict[str, dict]:
    """The account's credential report by user ARN (the root account's row is left out)."""
    deadline = time.monotonic() + wait
    polls = iter(POLL_SECONDS)
    while iam.generate_credential_report().get("State") != "COMPLETE":
        if time.monotonic() > deadline:
            raise TimeoutError("the credential report was not ready in time")
        time.sleep(next(polls, POLL_SECONDS[-1]))
    content = iam.get_credential_report()["Content"]
    text = content.decode("utf-8") if isinstance(content, bytes) else content
    out: dict[str, dict] = {}
    for row in csv.DictReader(io.StringIO(text)):
        if row.get("user") == "<root_account>":
            continue
        out[row["arn"]] = {"user": row["user"], "created": _iso(row.get("user_creation_time")),
                           "passwordEnabled": row.get("password_enabled") == "true",
                           "passwordLastUsed": _iso(row.get("password_last_used")),
                           "activeKeys": sum(row.get(f"access_key_{i}_active") == "true" for i in (1, 2))}
    return out


def access_keys(iam: Any, user: str) -> list[dict]:
    """A user's access keys with their last use."""
    keys = []
    for page in iam.get_paginator("list_access_keys").paginate(UserName=user):
        for key in page.get("AccessKeyMetadata", []):
            entry = {"accessKeyId": key["AccessKeyId"], "status": key.get("Status"), "created": _iso(key.get("CreateDate"))}
            if key.get("Status") == "Active":
                used = iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"]).get("AccessKeyLastUsed", {})
                entry["lastUsed"] = _iso(used.get("LastUsedDate"))
            keys.append({k: v for k, v in entry.items() if v is not None})
    return keys


def _services(pages: list[dict]) -> list[dict]:
    out = []
    for page in pages:
        for item in page.get("ServicesLastAccessed", []):
            entry: dict = {"serviceNamespace": item["ServiceNamespace"]}
            if (when := _iso(item.get("LastAuthenticated"))) is not None:
                entry["lastAuthenticated"] = when
            if "TrackedActionsLastAccessed" in item:
                entry["trackedActions"] = [
                    {k: v for k, v in (("action", a.get("ActionName")), ("lastAccessed", _iso(a.get("LastAccessedTime"))))
                     if v is not None}
                    for a in item["TrackedActionsLastAccessed"]]
            out.append(entry)
    return out


def last_accessed(iam: Any, principals: list[str], scope: Scope) -> dict[str, list[dict]]:
    """Service- and action-level last access of each principal. A principal whose job fails is left out
    and recorded as a gap (its UnusedPermission cannot be judged); an error starting the first job
    (the API is unavailable or denied) ends the attempt for the whole account, as one gap."""
    jobs: dict[str, str] = {}
    for arn in principals:
        try:
            jobs[arn] = iam.generate_service_last_accessed_details(Arn=arn, Granularity="ACTION_LEVEL")["JobId"]
        except (ClientError, BotoCoreError, ResponseParserError) as exc:  # the last: an emulator's HTML error page
            scope.gaps.record(USAGE_TYPE, "GenerateServiceLastAccessedDetails", exc,
                              resource_arn=None if not jobs else arn, region=GLOBAL_REGION)
            if not jobs:
                raise _Unavailable from exc
    out: dict[str, list[dict]] = {}
    deadline = time.monotonic() + MAX_WAIT_SECONDS
    for arn, job in jobs.items():
        polls = iter(POLL_SECONDS)
        pages: list[dict] = []
        marker = None
        while True:
            page = iam.get_service_last_accessed_details(JobId=job, **({"Marker": marker} if marker else {}))
            status = page.get("JobStatus")
            if status == "IN_PROGRESS":
                if time.monotonic() > deadline:
                    scope.gaps.record(USAGE_TYPE, "GetServiceLastAccessedDetails",
                                      TimeoutError("job still running"), resource_arn=arn, region=GLOBAL_REGION)
                    break
                time.sleep(next(polls, POLL_SECONDS[-1]))
                continue
            if status != "COMPLETED":
                scope.gaps.record(USAGE_TYPE, "GetServiceLastAccessedDetails",
                                  OperationFailed(f"job {status}: {page.get('Error')}"), resource_arn=arn,
                                  region=GLOBAL_REGION)
                break
            pages.append(page)
            if not page.get("IsTruncated"):
                out[arn] = _services(pages)
                break
            marker = page.get("Marker")
    return out


class _Unavailable(Exception):
    """Last-accessed data cannot be read in this account at all (already recorded as a gap)."""


def usage_record(scope: Scope, details: dict | None, with_last_accessed: bool) -> dict:
    """The account's usage record; parts that cannot be read are left out and recorded as gaps."""
    iam = scope.client("iam")
    out: dict = {"account": scope.account}
    with scope.gaps.attempt(USAGE_TYPE, "GetCredentialReport", region=GLOBAL_REGION):
        try:
            out["credentialReport"] = credential_report(iam)
        except TimeoutError as exc:  # still generating: a gap like any other failure to read it
            scope.gaps.record(USAGE_TYPE, "GenerateCredentialReport", exc, region=GLOBAL_REGION)
    report = out.get("credentialReport")
    users = (details or {}).get("UserDetailList", [])
    keys: dict[str, list[dict]] = {}
    for user in users:
        row = report.get(user["Arn"]) if report is not None else None
        if row is not None and not row["activeKeys"]:
            continue  # the report says: no active key, nothing to ask
        with scope.gaps.attempt(USAGE_TYPE, "ListAccessKeys", resource_arn=user["Arn"], region=GLOBAL_REGION):
            keys[user["Arn"]] = access_keys(iam, user["UserName"])
    out["accessKeys"] = keys
    if with_last_accessed and details is not None:
        principals = [r["Arn"] for r in details.get("RoleDetailList", [])
                      if not r.get("Path", "").startswith("/aws-service-role/")] + [u["Arn"] for u in users]
        try:
            out["lastAccessed"] = last_accessed(iam, principals, scope)
        except _Unavailable:
            pass
    return out
