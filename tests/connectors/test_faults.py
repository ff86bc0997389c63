"""Failure is data: throttling storms are ridden out by botocore's retries, a denied account becomes a
coverage gap while the others complete, and the whole enumeration only reads."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from aws_emulator import DEMO_REGIONS
from aws_faults import DenyAssumeRole, DenyService, DisabledRegion, ReadOnlyGuard, Throttler

import connectors.aws
from connectors.aws.collect import Selection, collect
from connectors.aws.resources import MODULES

SCANNER_POLICY = Path(connectors.aws.__file__).parent / "scanner-policy.json"
# The IAM action behind an API operation, where it is not "<service prefix>:<operation>".
ACTION_OF = {("s3", "ListBuckets"): "s3:ListAllMyBuckets", ("s3", "GetPublicAccessBlock"): "s3:GetBucketPublicAccessBlock",
             ("s3control", "GetPublicAccessBlock"): "s3:GetAccountPublicAccessBlock",
             ("s3", "ListDirectoryBuckets"): "s3express:ListAllMyDirectoryBuckets",
             ("dynamodbstreams", "ListStreams"): "dynamodb:ListStreams", ("sts", "GetCallerIdentity"): None}
PREFIX = {"s3control": "s3", "efs": "elasticfilesystem"}


def iam_action(service: str, operation: str) -> str | None:
    if (service, operation) in ACTION_OF:
        return ACTION_OF[(service, operation)]
    return f"{PREFIX.get(service, service)}:{operation}"


def _resources(collection, accounts) -> dict[str, dict]:
    return {r["resourceArn"]: r for r in collection.resources() if r["account"] in accounts}


def _without_last_used(details: dict) -> dict:
    """Entering an account through its role updates that role's RoleLastUsed between two enumerations."""
    roles = [{k: v for k, v in r.items() if k != "RoleLastUsed"} for r in details["RoleDetailList"]]
    return {**details, "RoleDetailList": roles}


@pytest.fixture(scope="module")
def some_accounts(demo_manifest) -> tuple[str, ...]:
    """The management account (no AssumeRole) and two members."""
    return tuple(demo_manifest["organization"]["accounts"][:3])


def test_thirty_percent_throttling_loses_nothing(session_config, full_collection, some_accounts):
    throttler = Throttler(0.30)
    # This fault does not ease when clients slow down (AWS's throttling does), so the adaptive mode's
    # client-side rate limiter would only crawl towards its floor of 0.5 request/s here: the test runs
    # botocore's standard retries, the same retry policy without the rate limiter.
    config = replace(session_config, client_hooks=(throttler,), retry_mode="standard")
    throttled = collect(config, Selection(accounts=some_accounts, regions=DEMO_REGIONS), accounts_in_flight=3,
                        organization=full_collection.organization)
    assert throttler.throttled > 50 and 0.2 < throttler.throttled / throttler.sent < 0.4
    assert throttled.gaps() == []
    assert _resources(throttled, some_accounts) == _resources(full_collection, some_accounts)
    homes = {s.account: s for s in full_collection.scopes if s.home}
    for scope in throttled.scopes:
        if scope.home:
            assert _without_last_used(scope.iam_authorization_details) == _without_last_used(
                homes[scope.account].iam_authorization_details)
            assert scope.account_record == homes[scope.account].account_record


def test_denied_account_is_a_gap_and_the_others_complete(session_config, full_collection, some_accounts):
    denied = some_accounts[1]
    hook = DenyAssumeRole({denied})
    config = replace(session_config, client_hooks=(hook,))
    result = collect(config, Selection(accounts=some_accounts, regions=DEMO_REGIONS), accounts_in_flight=3,
                     organization=full_collection.organization)
    assert hook.denied == [denied]
    gaps = [g.as_dict() for g in result.gaps()]
    assert [(g["account"], g["operation"], g["errorCode"]) for g in gaps] == [(denied, "AssumeRole", "AccessDenied")], gaps
    others = set(some_accounts) - {denied}
    assert _resources(result, others) == _resources(full_collection, others)
    assert not [r for r in result.resources() if r["account"] == denied]


def test_disabled_region_is_a_gap_per_type_and_the_home_region_completes(session_config, full_collection,
                                                                      some_accounts):
    account = some_accounts[2]
    config = replace(session_config, client_hooks=(DisabledRegion(DEMO_REGIONS[1]),))
    result = collect(config, Selection(accounts=(account,), regions=DEMO_REGIONS), accounts_in_flight=1,
                     organization=full_collection.organization)
    gaps = [g for g in result.gaps()]
    assert gaps and {g.region for g in gaps} == {DEMO_REGIONS[1]}
    assert {g.errorCode for g in gaps} == {"UnrecognizedClientException"}
    # Every regional type, and the bucket of that Region (listed from the home Region, read in its own).
    regional_types = {m.RESOURCE_TYPE for m in MODULES if not m.GLOBAL} | {"AWS::S3::Bucket"}
    assert {g.resourceType for g in gaps} == regional_types
    # Nothing from the disabled Region is made up; everything from the home Region (and global) is there.
    home = {arn: r for arn, r in _resources(full_collection, {account}).items() if r["region"] != DEMO_REGIONS[1]}
    assert _resources(result, {account}) == home


def test_enumeration_only_reads(session_config, full_collection, some_accounts):
    guard = ReadOnlyGuard()
    config = replace(session_config, client_hooks=(guard,))
    result = collect(config, Selection(accounts=some_accounts, regions=DEMO_REGIONS), accounts_in_flight=3)
    assert guard.violations == []
    assert result.gaps() == []
    assert _resources(result, some_accounts) == _resources(full_collection, some_accounts)
    # Every operation made is allowed by the minimal policy the README publishes.
    allowed = {a for s in json.loads(SCANNER_POLICY.read_text())["Statement"]
               for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert {iam_action(service, op) for service, op in guard.seen} - {None} <= allowed
    services = {service for service, _ in guard.seen}
    assert {"organizations", "sts", "iam", "s3", "s3control", "kms", "lambda", "sqs", "sns", "secretsmanager",
            "ecr", "efs", "ec2", "rds", "dynamodb", "dynamodbstreams"} <= services


def test_without_organizations_access_the_caller_account_alone_is_collected(session_config, full_collection,
                                                                            demo_manifest):
    caller = demo_manifest["organization"]["managementAccount"]
    config = replace(session_config, client_hooks=(DenyService("organizations"),))
    result = collect(config, Selection(regions=DEMO_REGIONS), accounts_in_flight=1)
    org = result.organization
    assert (org.id, org.caller_account, [a.id for a in org.accounts]) == (None, caller, [caller])
    assert [(g.resourceType, g.operation, g.errorCode) for g in result.gaps()] == [
        ("AWS::Organizations::Organization", "DescribeOrganization", "AccessDeniedException")]
    assert {s.account for s in result.scopes} == {caller}
    assert _resources(result, {caller}) == _resources(full_collection, {caller})
