"""The scan's internal-access stage: `[internal_access]` in the TOML, findings in findings.json / OCSF /
ASFF with the lifecycle (stable ids, archive rules, RESOLVED when access goes away), run.json counts."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pipeline.settings import load_settings
from solvers.errors import InputError
from tests.pipeline.internal_snapshot import APPS, BUCKET, DATA, write_internal_snapshot

CONFIG = """[scan]
zone = "ORGANIZATION"
[unused]
enabled = false
[internal_access]
zone = "ORGANIZATION"
inclusions = [{ resource_types = ["AWS::S3::Bucket"] }]
[[archive_rules]]
name = "bob"
filter = { "resource" = { eq = ["nothing"] } }
"""


def internal(out: Path, statuses=("ACTIVE", "ARCHIVED")) -> dict[str, dict]:
    data = json.loads((out / "findings.json").read_text())["findings"]
    return {f["id"]: f for f in data if f["findingType"] == "InternalAccess" and f["status"] in statuses}


def principal(f: dict) -> str:
    return f["findingDetails"][0]["internalAccessDetails"]["principal"]["AWS"] if f["findingDetails"] else ""


def test_scan_reports_internal_findings_with_their_lifecycle(tmp_path: Path) -> None:
    from pipeline.scan import run_scan
    snapshot = write_internal_snapshot(tmp_path / "snap")
    config = tmp_path / "scan.toml"
    config.write_text(CONFIG)
    out = tmp_path / "out"
    code, summary = run_scan(load_settings(str(config), {"out": str(out)}), from_snapshot=str(snapshot))
    assert code == 0
    first = internal(out)
    assert {principal(f) for f in first.values()} == {
        f"arn:aws:iam::{DATA}:role/etl", f"arn:aws:iam::{DATA}:role/capped", f"arn:aws:iam::{APPS}:user/bob",
        f"arn:aws:iam::{DATA}:role/broken"}
    run = json.loads((out / "run.json").read_text())
    stage = run["internalAccess"]
    assert (stage["resources"], stage["findings"], stage["errors"]) == (1, 3, 1)
    assert stage["naiveQuestions"] > 100 * stage["solverQuestions"]
    ocsf = [json.loads(line) for line in (out / "findings.ocsf.jsonl").read_text().splitlines()]
    assert {e["finding_info"]["uid"] for e in ocsf if e["finding_info"]["types"] == ["InternalAccess"]} == set(first)
    asff = json.loads((out / "findings.asff.json").read_text())["Findings"]
    assert sum(1 for f in asff if f["GeneratorId"] == "trustmap/InternalAccess") == len(first)
    assert all("example" in f for f in first.values() if not f["error"])

    # the bucket policy stops granting the other account: bob's finding resolves, the others keep their ids
    for path in snapshot.glob("accounts/*/*.json"):
        data = json.loads(path.read_text())
        for r in data["resources"]:
            if r["resourceArn"] == BUCKET:
                r["configuration"]["s3Bucket"]["bucketPolicy"] = None
        path.write_text(json.dumps(data))
    run_scan(load_settings(str(config), {"out": str(out)}), from_snapshot=str(snapshot))
    second = internal(out, ("ACTIVE", "ARCHIVED", "RESOLVED"))
    assert [principal(f) for f in second.values() if f["status"] == "RESOLVED"] == [f"arn:aws:iam::{APPS}:user/bob"]
    for fid, f in first.items():
        if principal(f) != f"arn:aws:iam::{APPS}:user/bob":
            assert second[fid]["status"] == "ACTIVE" and second[fid]["createdAt"] == f["createdAt"]
    shutil.rmtree(out)


@pytest.mark.parametrize("table,needle", [
    ('zone = "REGION"', "ORGANIZATION or ACCOUNT"),
    ('inclusions = [{ colour = ["red"] }]', "unknown criteria"),
    ('zone = "ACCOUNT"\ninclusions = [{ account_ids = ["111122223333"] }]', "ORGANIZATION zone only"),
])
def test_bad_internal_access_settings(tmp_path: Path, table: str, needle: str) -> None:
    config = tmp_path / "scan.toml"
    config.write_text(f"[internal_access]\n{table}\n")
    with pytest.raises(InputError, match=needle):
        load_settings(str(config), {})


def test_inclusions_select_as_analysis_rules() -> None:
    from pipeline.scan_internal import internal_settings, selected
    rules = internal_settings({"inclusions": [{"account_ids": [DATA]}, {"resource_arns": ["arn:aws:s3:::x"]}]})
    inc = rules["internal_inclusions"]
    bucket = {"resourceArn": BUCKET, "resourceType": "AWS::S3::Bucket", "account": DATA}
    key = {"resourceArn": "arn:aws:kms:us-east-1:111122223333:key/k", "resourceType": "AWS::KMS::Key", "account": DATA}
    assert selected(bucket, inc, ())
    assert not selected({**bucket, "account": APPS}, inc, ())
    assert selected({**bucket, "account": APPS, "resourceArn": "arn:aws:s3:::x"}, inc, ())
    assert not selected(key, inc, ()) and selected(key, inc, ("AWS::KMS::Key",))  # extension types: opt in
    assert internal_settings({})["internal_inclusions"] == ()  # no inclusions: off


def test_external_findings_say_whether_rcps_bind() -> None:
    from connectors.aws.organization import Account, Organization
    from pipeline.guardrails import with_rcp_restriction
    rcp = {"id": "p-r", "arn": "arn:r", "name": "RCPFullAWSAccess", "type": "RESOURCE_CONTROL_POLICY",
           "awsManaged": True, "content": json.dumps({"Version": "2012-10-17", "Statement": [
               {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]}),
           "targets": [{"targetId": t, "type": "", "name": ""} for t in ("r-root", DATA)]}
    org = Organization("o-a1b2c3d4e5", "999999999999", DATA, (Account(DATA, "data", "ACTIVE", "o-a1b2c3d4e5/r-root/"),),
                       policies=(rcp,))
    base = {"resourceOwnerAccount": DATA, "error": None}
    out = with_rcp_restriction([{**base, "resourceType": "AWS::S3::Bucket"},
                                {**base, "resourceType": "AWS::Lambda::Function"},
                                {**base, "resourceType": "AWS::S3::Bucket", "resourceOwnerAccount": "999999999999"},
                                {**base, "resourceType": "AWS::S3::Bucket", "error": "INTERNAL_ERROR"}], org)
    assert [f.get("resourceControlPolicyRestriction") for f in out] == ["APPLICABLE", "NOT_APPLICABLE",
                                                                         "NOT_APPLICABLE", None]
