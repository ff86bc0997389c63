"""Credential and principal usage: against moto's server for what it implements (credential report, access
keys and their last use, role last use), and with botocore's Stubber — whose request and response shapes
are checked against IAM's service model — for IAM last-accessed details, which moto lacks."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import boto3
import pytest
from botocore.stub import Stubber

from connectors.aws import iam_usage
from connectors.aws.gaps import GapRecorder

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]})
POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["sqs:ListQueues", "sqs:SendMessage"], "Resource": "*"}]})


@pytest.fixture(scope="module")
def usage_account(moto_url):
    """Roles and users made before a pivot instant, some of them used after it."""
    from connectors.demo.unused import pivot
    iam = boto3.client("iam", endpoint_url=moto_url)
    account = boto3.client("sts", endpoint_url=moto_url).get_caller_identity()["Account"]
    for name in ("usage-idle", "usage-busy"):
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)
        iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=POLICY)
    iam.create_user(UserName="usage-op")
    used = iam.create_access_key(UserName="usage-op")["AccessKey"]
    idle = iam.create_access_key(UserName="usage-op")["AccessKey"]
    iam.create_login_profile(UserName="usage-op", Password="Usage-test-0!")
    iam.create_user(UserName="usage-nokey")
    at = pivot()
    boto3.client("sts", endpoint_url=moto_url, aws_access_key_id=used["AccessKeyId"],
                 aws_secret_access_key=used["SecretAccessKey"], aws_session_token="").get_caller_identity()
    creds = boto3.client("sts", endpoint_url=moto_url).assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/usage-busy", RoleSessionName="usage-test")["Credentials"]
    boto3.client("sqs", endpoint_url=moto_url, aws_access_key_id=creds["AccessKeyId"],
                 aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"]).list_queues()
    return SimpleNamespace(url=moto_url, account=account, pivot=at, used=used["AccessKeyId"], idle=idle["AccessKeyId"])


def _collect(acct):
    from connectors.aws.collect import Selection, collect_account
    from connectors.aws.session import SessionConfig
    [home] = collect_account(SessionConfig(endpoint_url=acct.url), acct.account,
                             Selection(regions=("us-east-1",), resource_types=("AWS::IAM::Role",)))
    assert home.gaps == ()
    return home.as_dict()


def _judge(scope: dict, as_of: datetime) -> list[tuple]:
    from pipeline.settings import load_settings
    from pipeline.unused import identities_of, tracking_period, unused_findings
    settings = load_settings(None, {"unused_tracking_days": 1, "unused_as_of": as_of.isoformat()})
    found = unused_findings(identities_of([scope]), settings, tracking_period(settings)).findings
    out = set()
    for f in found:
        name = f["resource"].rsplit("/", 1)[-1]
        if name.startswith("usage-"):
            key = f["findingDetails"][0].get("unusedIamUserAccessKeyDetails", {}).get("accessKeyId")
            out.add((f["findingType"], name, key))
    return sorted(out, key=str)


def test_usage_record_against_moto(usage_account):
    scope = _collect(usage_account)
    usage = scope["iamUsage"]
    user = f"arn:aws:iam::{usage_account.account}:user/usage-op"
    assert usage["credentialReport"][user]["passwordEnabled"] is True
    assert usage["credentialReport"][user].get("passwordLastUsed") is None
    keys = {k["accessKeyId"]: k for k in usage["accessKeys"][user]}
    assert set(keys) == {usage_account.used, usage_account.idle}
    assert "lastUsed" in keys[usage_account.used] and "lastUsed" not in keys[usage_account.idle]
    # the report says usage-nokey holds no key: its keys are not asked for
    assert f"arn:aws:iam::{usage_account.account}:user/usage-nokey" not in usage["accessKeys"]
    busy = next(r for r in scope["iamAuthorizationDetails"]["RoleDetailList"] if r["RoleName"] == "usage-busy")
    assert busy["RoleLastUsed"]["LastUsedDate"] >= usage_account.pivot.isoformat()[:19]


def test_each_finding_type_exactly_when_it_should(usage_account):
    scope = _collect(usage_account)
    as_of = usage_account.pivot + timedelta(days=1)  # the period starts at the pivot: uses after it count
    assert _judge(scope, as_of) == sorted([
        ("UnusedIAMRole", "usage-idle", None),
        ("UnusedIAMUserAccessKey", "usage-op", usage_account.idle),
        ("UnusedIAMUserPassword", "usage-op", None)], key=str)
    # the boundary: judged once it has existed for the whole period, not a second before
    from solvers.unused.tracking import parse_time
    idle = next(r for r in scope["iamAuthorizationDetails"]["RoleDetailList"] if r["RoleName"] == "usage-idle")
    created = parse_time(idle["CreateDate"]) + timedelta(days=1)
    assert ("UnusedIAMRole", "usage-idle", None) in _judge(scope, created)
    assert ("UnusedIAMRole", "usage-idle", None) not in _judge(scope, created - timedelta(seconds=1))


# --- IAM last-accessed details through botocore's Stubber ----------------------------------------------

ROLE = "arn:aws:iam::111122223333:role/app"
USER = "arn:aws:iam::111122223333:user/op"
WHEN = datetime(2026, 5, 1, tzinfo=UTC)


def _scope(client):
    scope = SimpleNamespace(account="111122223333", region="us-east-1", gaps=GapRecorder("111122223333", "us-east-1"))
    scope.client = lambda service, region=None: client
    return scope


@pytest.fixture
def iam_stub(monkeypatch):
    monkeypatch.setattr(iam_usage, "POLL_SECONDS", (0.0,))
    client = boto3.client("iam", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


def _page(status: str, services=(), truncated=False, marker=None) -> dict:
    page = {"JobStatus": status, "JobCreationDate": WHEN, "JobCompletionDate": WHEN,  # required by the model
            "ServicesLastAccessed": list(services), "IsTruncated": truncated}
    if marker:
        page["Marker"] = marker
    return page


def test_last_accessed_polls_pages_and_reads_action_level(iam_stub):
    client, stub = iam_stub
    for arn, job in ((ROLE, "job-role-000000000000000000000000000"), (USER, "job-user-000000000000000000000000000")):
        stub.add_response("generate_service_last_accessed_details", {"JobId": job},
                          {"Arn": arn, "Granularity": "ACTION_LEVEL"})
    s3 = {"ServiceName": "Amazon S3", "ServiceNamespace": "s3", "LastAuthenticated": WHEN,
          "TotalAuthenticatedEntities": 1,
          "TrackedActionsLastAccessed": [{"ActionName": "GetObject", "LastAccessedTime": WHEN},
                                         {"ActionName": "PutObject"}]}
    sqs = {"ServiceName": "Amazon SQS", "ServiceNamespace": "sqs", "TotalAuthenticatedEntities": 0}
    stub.add_response("get_service_last_accessed_details", _page("IN_PROGRESS"),
                      {"JobId": "job-role-000000000000000000000000000"})
    stub.add_response("get_service_last_accessed_details", _page("COMPLETED", [s3], True, "m1"),
                      {"JobId": "job-role-000000000000000000000000000"})
    stub.add_response("get_service_last_accessed_details", _page("COMPLETED", [sqs]),
                      {"JobId": "job-role-000000000000000000000000000", "Marker": "m1"})
    stub.add_response("get_service_last_accessed_details", _page("FAILED"),
                      {"JobId": "job-user-000000000000000000000000000"})
    scope = _scope(client)
    found = iam_usage.last_accessed(client, [ROLE, USER], scope)
    assert found == {ROLE: [
        {"serviceNamespace": "s3", "lastAuthenticated": "2026-05-01T00:00:00Z",
         "trackedActions": [{"action": "GetObject", "lastAccessed": "2026-05-01T00:00:00Z"}, {"action": "PutObject"}]},
        {"serviceNamespace": "sqs"}]}
    # the failed job costs its principal only, as a gap naming it
    assert [(g.operation, g.errorCode, g.resourceArn) for g in scope.gaps.gaps] == [
        ("GetServiceLastAccessedDetails", "OperationFailed", USER)]


def test_last_accessed_unavailable_is_one_gap_and_the_rest_is_kept(iam_stub):
    client, stub = iam_stub
    report = ("user,arn,user_creation_time,password_enabled,password_last_used,access_key_1_active,"
              "access_key_2_active\n<root_account>,arn:aws:iam::111122223333:root,2020-01-01T00:00:00+00:00,"
              "not_supported,no_information,false,false\n"
              f"op,{USER},2020-01-01T00:00:00+00:00,true,2026-04-01T00:00:00+00:00,false,false\n")
    stub.add_response("generate_credential_report", {"State": "COMPLETE"})
    stub.add_response("get_credential_report", {"Content": report.encode(), "ReportFormat": "text/csv",
                                                "GeneratedTime": WHEN})
    stub.add_client_error("generate_service_last_accessed_details", "Throttling", "Rate exceeded",
                          expected_params={"Arn": ROLE, "Granularity": "ACTION_LEVEL"})
    details = {"RoleDetailList": [{"Arn": ROLE, "Path": "/"},
                                  {"Arn": "arn:aws:iam::111122223333:role/aws-service-role/x/y",
                                   "Path": "/aws-service-role/x/"}],
               "UserDetailList": [{"Arn": USER, "UserName": "op"}]}
    scope = _scope(client)
    record = iam_usage.usage_record(scope, details, with_last_accessed=True)
    assert record["credentialReport"] == {USER: {"user": "op", "created": "2020-01-01T00:00:00Z", "passwordEnabled": True,
                                                 "passwordLastUsed": "2026-04-01T00:00:00Z", "activeKeys": 0}}
    assert record["accessKeys"] == {} and "lastAccessed" not in record
    assert [(g.operation, g.errorCode, g.resourceArn) for g in scope.gaps.gaps] == [
        ("GenerateServiceLastAccessedDetails", "Throttling", None)]


def test_a_credential_report_never_ready_is_a_gap(iam_stub, monkeypatch):
    client, stub = iam_stub
    monkeypatch.setattr(iam_usage.time, "monotonic", iter([0.0, 0.0, 1e6]).__next__)
    stub.add_response("generate_credential_report", {"State": "STARTED"})
    stub.add_response("generate_credential_report", {"State": "INPROGRESS"})
    scope = _scope(client)
    record = iam_usage.usage_record(scope, {"RoleDetailList": [], "UserDetailList": []}, with_last_accessed=False)
    assert "credentialReport" not in record and record["accessKeys"] == {}
    assert [(g.operation, g.errorCode) for g in scope.gaps.gaps] == [("GenerateCredentialReport", "TimeoutError")]
