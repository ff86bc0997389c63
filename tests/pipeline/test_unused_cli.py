"""`trustmap unused` on a snapshot: FindingV2 JSON, one principal, the tracking period from the command
line; bad input ends in one line and exit code 2."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from pipeline.cli import main

ACCOUNT = "111122223333"
AS_OF = datetime(2026, 6, 1, tzinfo=UTC)
POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["s3:GetObject", "sqs:SendMessage"], "Resource": "*"}]})


def _iso(days_before: int) -> str:
    return (AS_OF - timedelta(days=days_before)).isoformat()


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    from connectors.aws.collect import Collection, ScopeResult
    from connectors.aws.organization import Account, Organization
    from connectors.snapshot import write_snapshot
    roles = [{"Arn": f"arn:aws:iam::{ACCOUNT}:role/{name}", "RoleName": name, "Path": "/", "CreateDate": _iso(200),
              "RolePolicyList": [{"PolicyName": "p", "PolicyDocument": POLICY}], "AttachedManagedPolicies": [],
              **({"RoleLastUsed": {"LastUsedDate": _iso(used)}} if used is not None else {})}
             for name, used in (("idle", None), ("stale", 100), ("busy", 1))]
    users = [{"Arn": f"arn:aws:iam::{ACCOUNT}:user/op", "UserName": "op", "CreateDate": _iso(200),
              "UserPolicyList": [], "AttachedManagedPolicies": [], "GroupList": []}]
    usage = {"account": ACCOUNT, "accessKeys": {users[0]["Arn"]: [
        {"accessKeyId": "AKIAEXAMPLEIDLE0001", "status": "Active", "created": _iso(200), "lastUsed": _iso(95)}]},
        "credentialReport": {}, "lastAccessed": {f"arn:aws:iam::{ACCOUNT}:role/busy": [
            {"serviceNamespace": "s3", "lastAuthenticated": _iso(1),
             "trackedActions": [{"action": "GetObject", "lastAccessed": _iso(1)}]}]}}
    home = ScopeResult(ACCOUNT, "us-east-1", True, iam_authorization_details={
        "RoleDetailList": roles, "UserDetailList": users, "GroupDetailList": [], "Policies": []}, iam_usage=usage)
    org = Organization(None, None, ACCOUNT, (Account(ACCOUNT, "demo", "ACTIVE", ""),))
    return write_snapshot(Collection(org, (home,)), tmp_path_factory.mktemp("snap") / "s")


def run(capsys, *args: str) -> tuple[int, dict | str]:
    code = main(["unused", *args])
    out = capsys.readouterr()
    try:
        return code, json.loads(out.out)
    except ValueError:
        return code, out.err


def test_unused_on_a_snapshot(capsys, snapshot):
    code, result = run(capsys, "--from-snapshot", str(snapshot), "--as-of", AS_OF.isoformat(), "--format", "json")
    assert code == 0
    got = {(f["findingType"], f["resource"].rsplit("/", 1)[-1]) for f in result["findings"]}
    assert got == {("UnusedIAMRole", "idle"), ("UnusedIAMRole", "stale"), ("UnusedIAMUserAccessKey", "op"),
                   ("UnusedPermission", "busy")}
    for f in result["findings"]:  # FindingV2 fields
        assert {"id", "resource", "resourceType", "resourceOwnerAccount", "status", "createdAt", "analyzedAt",
                "updatedAt", "findingType", "findingDetails"} <= set(f) and f["status"] == "ACTIVE"
    [busy] = [f for f in result["findings"] if f["findingType"] == "UnusedPermission"]
    assert busy["findingDetails"] == [{"unusedPermissionDetails": {"serviceNamespace": "sqs"}}]
    assert result["summary"]["judged"] == 4


def test_one_principal_and_a_longer_period(capsys, snapshot):
    code, result = run(capsys, "--from-snapshot", str(snapshot), "--as-of", AS_OF.isoformat(), "--format", "json",
                       "--principal", f"arn:aws:iam::{ACCOUNT}:role/stale", "--tracking-days", "120")
    assert code == 0
    assert [(f["findingType"], f["resource"]) for f in result["findings"]] == []  # used 100 days ago: in 120
    code, result = run(capsys, "--from-snapshot", str(snapshot), "--as-of", AS_OF.isoformat(), "--format", "json",
                       "--principal", f"arn:aws:iam::{ACCOUNT}:role/stale")
    assert [f["findingType"] for f in result["findings"]] == ["UnusedIAMRole"]
    assert result["findings"][0]["findingDetails"] == [{"unusedIamRoleDetails": {"lastAccessed": _iso(100)[:19] + "Z"}}]


def test_text_output(capsys, snapshot):
    code = main(["unused", "--from-snapshot", str(snapshot), "--as-of", AS_OF.isoformat()])
    assert code == 0
    assert "UnusedIAMUserAccessKey" in capsys.readouterr().out


@pytest.mark.parametrize("args", [
    ["--principal", "arn:aws:s3:::bucket"],
    ["--tracking-days", "0"],
    ["--tracking-days", "366"],
    ["--as-of", "yesterday"],
    ["--from-snapshot", "/nonexistent/snapshot"],
])
def test_bad_input_is_one_line_and_exit_2(capsys, snapshot, args):
    code = main(["unused", "--from-snapshot", str(snapshot), *args] if "--from-snapshot" not in args
                else ["unused", *args])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "Traceback" not in err, err
