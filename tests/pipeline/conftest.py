"""A small organization snapshot for the tests that run `trustmap scan` as a command."""
from __future__ import annotations

import json

import pytest

ORG_ID = "o-a1b2c3d4e5"
ACCOUNTS = ("111111111111", "222222222222", "333333333333")
OUTSIDER = "999999999999"


def _queue(account: str, name: str, principal) -> dict:
    arn = f"arn:aws:sqs:us-east-1:{account}:{name}"
    text = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": principal, "Action": "sqs:SendMessage", "Resource": arn}]})
    return {"resourceArn": arn, "resourceType": "AWS::SQS::Queue", "account": account, "region": "us-east-1",
            "configuration": {"sqsQueue": {"queuePolicy": text}}}


@pytest.fixture(scope="session")
def small_snapshot(tmp_path_factory):
    """Three accounts, each with a queue open to an outside account and one open to a member: one external
    finding per account."""
    from connectors.aws.collect import Collection, ScopeResult
    from connectors.aws.organization import Account, Organization
    from connectors.snapshot import write_snapshot
    scopes = tuple(ScopeResult(a, "us-east-1", True, (
        _queue(a, "partner", {"AWS": f"arn:aws:iam::{OUTSIDER}:root"}),
        _queue(a, "sibling", {"AWS": f"arn:aws:iam::{ACCOUNTS[0]}:root"})), account_record={"account": a})
        for a in ACCOUNTS)
    organization = Organization(ORG_ID, ACCOUNTS[0], ACCOUNTS[0], tuple(Account(a) for a in ACCOUNTS))
    return write_snapshot(Collection(organization, scopes), tmp_path_factory.mktemp("small") / "snapshot")


@pytest.fixture(scope="session")
def refused_scan():
    """Runs a `trustmap scan ... --out OUT --format json` command that must stop before anything runs: exit
    2, nothing on stdout, no OUT; returns its one error line."""
    import subprocess
    from pathlib import Path

    def run(command: list, out: Path, env: dict) -> str:
        done = subprocess.run([*command, "--out", str(out), "--format", "json"], env=env, capture_output=True,
                              text=True, timeout=240)
        assert done.returncode == 2 and done.stdout == "", done.stderr[-2000:]
        assert not out.exists()
        [line] = [x for x in done.stderr.splitlines() if x.startswith("trustmap: error:")]
        return line
    return run
