"""The scan's unused-access fan-out: judging accounts in batches (as Ray tasks do, here called directly)
and merging gives exactly what one pass over every account gives; each batch gets only its own
principals' activity."""
from __future__ import annotations

import json

from pipeline.scan_unused import _activity_of, judge_accounts
from pipeline.settings import load_settings
from pipeline.unused import UnusedResult, tracking_period, unused_findings

POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["s3:GetObject", "sqs:SendMessage"], "Resource": "*"}]})


def _identity(account: str) -> dict:
    roles = [{"Arn": f"arn:aws:iam::{account}:role/r{n}", "RoleName": f"r{n}", "Path": "/",
              "CreateDate": "2025-01-01T00:00:00Z", "RolePolicyList": [{"PolicyName": "p", "PolicyDocument": POLICY}],
              "AttachedManagedPolicies": []} for n in range(3)]
    return {"account": account, "details": {"RoleDetailList": roles, "UserDetailList": [], "GroupDetailList": [],
                                            "Policies": []}, "usage": {}}


def test_batches_merge_to_the_single_pass():
    accounts = [f"{100000000000 + i:012d}" for i in range(5)]
    identities = [_identity(a) for a in accounts]
    reduced = {"principals": {f"arn:aws:iam::{a}:role/r0": {"actions": {"s3:GetObject": {"count": 1}}}
                              for a in accounts}}
    settings = load_settings(None, {"unused_as_of": "2026-06-01T00:00:00Z", "generation_start": "2026-01-01T00:00:00Z"})
    whole = unused_findings(identities, settings, tracking_period(settings), reduced)
    merged = UnusedResult()
    for i in range(0, len(identities), 2):
        batch = identities[i:i + 2]
        activity = _activity_of(reduced, {x["account"] for x in batch})
        assert activity is not None and all(arn.split(":")[4] in {x["account"] for x in batch}
                                            for arn in activity["principals"])
        merged.absorb(judge_accounts(batch, settings, activity))
    key = lambda f: f["id"]  # noqa: E731
    assert sorted(merged.findings, key=key) == sorted(whole.findings, key=key)
    assert (merged.tally, merged.accounts) == (whole.tally, whole.accounts)
    types = {f["findingType"] for f in whole.findings}
    assert types == {"UnusedIAMRole", "UnusedPermission"}
