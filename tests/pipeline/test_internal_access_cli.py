"""`trustmap internal-access` on a collect snapshot (authorization.md §6.4): groups, boundaries, SCP and RCP
paths, service-linked roles, unreadable policies; every example replayed through `trustmap simulate`."""
from __future__ import annotations

import json

import pytest

from pipeline.cli import main
from tests.pipeline.internal_snapshot import APPS, BUCKET, DATA, SHARED, SHARED_AP, write_internal_snapshot


def run(capsys, *args: str) -> tuple[int, dict | str]:
    code = main(list(args))
    out = capsys.readouterr()
    try:
        return code, json.loads(out.out)
    except ValueError:
        return code, out.out + out.err


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    return write_internal_snapshot(tmp_path_factory.mktemp("snap") / "s")


def details(f: dict) -> dict:
    return f["findingDetails"][0]["internalAccessDetails"] if f["findingDetails"] else {}


def test_organization_zone_findings(capsys, snapshot, tmp_path):
    code, out = run(capsys, "internal-access", "--snapshot", str(snapshot), "--resource", BUCKET)
    assert code == 0
    found = {details(f)["principal"]["AWS"]: f for f in out["findings"]}
    etl, capped, bob = (f"arn:aws:iam::{DATA}:role/etl", f"arn:aws:iam::{DATA}:role/capped",
                        f"arn:aws:iam::{APPS}:user/bob")
    broken = f"arn:aws:iam::{DATA}:role/broken"
    assert set(found) == {etl, capped, bob, broken}  # no service-linked role, nothing for ec2-only
    etl_actions = details(found[etl])["action"]
    assert "s3:GetObject" in etl_actions and "s3:DeleteObject" not in etl_actions and "s3:PutObject" not in etl_actions
    assert details(found[capped])["action"] == ["s3:GetObject", "s3:ListBucket"]
    assert (details(found[bob])["action"], details(found[bob])["accessType"]) == (["s3:GetObject"], "INTRA_ORG")
    assert details(found[bob])["principalType"] == "IAM_USER"
    assert found[broken]["error"] == "INTERNAL_ERROR"
    for arn in (etl, capped, bob):
        assert details(found[arn])["serviceControlPolicyRestriction"] == "APPLIED"
        request = tmp_path / "example.json"
        request.write_text(json.dumps(found[arn]["example"]))
        assert run(capsys, "simulate", "--input", str(request), "--expect", "allowed")[0] == 0


def test_account_zone_keeps_blocked_actions(capsys, snapshot):
    code, out = run(capsys, "internal-access", "--snapshot", str(snapshot), "--resource", BUCKET, "--zone", "ACCOUNT")
    found = {details(f)["principal"]["AWS"]: f for f in out["findings"]}
    assert all(details(f)["accessType"] == "INTRA_ACCOUNT" for f in out["findings"])
    etl = details(found[f"arn:aws:iam::{DATA}:role/etl"])
    assert {"s3:DeleteObject", "s3:PutObject"} <= set(etl["action"])
    assert (etl["serviceControlPolicyRestriction"], etl["resourceControlPolicyRestriction"]) == ("APPLICABLE",
                                                                                                  "APPLICABLE")


def test_bad_input_exits_2(capsys, snapshot):
    code, out = run(capsys, "internal-access", "--snapshot", str(snapshot), "--resource", "arn:aws:s3:::nope")
    assert code == 2 and isinstance(out, str) and "no resource" in out and out.count("\n") == 1


def test_text_format(capsys, snapshot):
    code, out = run(capsys, "internal-access", "--snapshot", str(snapshot), "--resource", BUCKET, "--format", "text")
    assert code == 0 and isinstance(out, str)
    lines = out.strip().splitlines()
    assert f"arn:aws:iam::{APPS}:user/bob  INTRA_ORG  s3:GetObject" in lines
    assert f"arn:aws:iam::{DATA}:role/broken  ERROR INTERNAL_ERROR" in lines


def test_s3_sources_from_the_snapshot(capsys, tmp_path):
    """The bucket ACL's grant to the apps account and the access point the bucket delegates to, as the
    collector records them, become BUCKET_ACL and S3_ACCESS_POINT sources."""
    snap = write_internal_snapshot(tmp_path / "s", s3_sources=True)
    code, out = run(capsys, "internal-access", "--snapshot", str(snap), "--resource", SHARED)
    assert code == 0
    found = {details(f)["principal"]["AWS"]: details(f) for f in out["findings"] if not f["error"]}
    bob = found[f"arn:aws:iam::{APPS}:user/bob"]  # his group allows s3:GetObject and s3:ListBucket
    assert bob["action"] == ["s3:GetObject", "s3:ListBucket"]
    assert bob["sources"] == [{"type": "BUCKET_ACL"}, {"type": "S3_ACCESS_POINT", "detail": {"accessPointArn": SHARED_AP}}]
    etl = found[f"arn:aws:iam::{DATA}:role/etl"]  # the owner's account: identity policies, and the access point
    assert etl["sources"] == [{"type": "S3_ACCESS_POINT", "detail": {"accessPointArn": SHARED_AP}}]
