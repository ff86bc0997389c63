"""`--apply-guardrails` on `analyze` and on the scan: RCPs folded into external-access findings (APPLIED),
the AWS field values without it, and the scan's analysis key telling owners with other RCPs apart."""
from __future__ import annotations

import pytest

from pipeline.settings import load_settings
from pipeline.stages import Unit, Zone, analyze_units
from tests.pipeline.test_internal_access_cli import run
from tests.solvers.external.test_guardrails import (
    BUCKET,
    BUCKET_POLICY,
    FULL,
    NO_OUTSIDE_PUT,
    ORG,
    OUTSIDER,
    OWNER,
)


@pytest.fixture
def files(tmp_path):
    for name, text in (("bucket.json", BUCKET_POLICY), ("full.json", FULL), ("noput.json", NO_OUTSIDE_PUT)):
        (tmp_path / name).write_text(text)
    return tmp_path


def analyze(capsys, files, *extra: str) -> tuple[int, dict | str]:
    return run(capsys, "analyze", str(files / "bucket.json"), "--resource-type", "AWS::S3::Bucket",
               "--resource-arn", BUCKET, "--account", OWNER, "--org-id", ORG, "--format", "json", *extra)


def test_analyze_folds_the_rcp_levels_only_when_asked(capsys, files) -> None:
    levels = ("--rcp-level", str(files / "full.json"), "--rcp-level", f"{files / 'full.json'},{files / 'noput.json'}")
    code, plain = analyze(capsys, files)
    assert code == 0 and "resourceControlPolicyRestriction" not in plain["findings"][0]  # no RCPs given
    code, bound = analyze(capsys, files, *levels)
    code2, folded = analyze(capsys, files, *levels, "--apply-guardrails")
    assert code == code2 == 0
    (b,), (f,) = bound["findings"], folded["findings"]
    assert (b["action"], b["resourceControlPolicyRestriction"]) == (["s3:GetObject", "s3:PutObject"], "APPLICABLE")
    assert (f["action"], f["resourceControlPolicyRestriction"]) == (["s3:GetObject"], "APPLIED")
    assert f["id"] == b["id"] == plain["findings"][0]["id"]


def test_analyze_apply_guardrails_needs_rcps(capsys, files) -> None:
    code, out = analyze(capsys, files, "--apply-guardrails")
    assert code == 2 and isinstance(out, str) and "--rcp-level" in out and out.count("\n") == 1


def organization():
    from connectors.aws.organization import Account, Organization

    def policy(pid: str, content: str, *targets: str) -> dict:
        return {"id": pid, "arn": f"arn:{pid}", "name": pid, "type": "RESOURCE_CONTROL_POLICY", "awsManaged": False,
                "content": content, "targets": [{"targetId": t, "type": "", "name": ""} for t in targets]}
    other = "222233334444"
    return Organization(ORG, "999999999999", OWNER, (Account(OWNER, "data", "ACTIVE", f"{ORG}/r-root/"),
                                                     Account(other, "open", "ACTIVE", f"{ORG}/r-root/")),
                        policies=(policy("p-full", FULL, "r-root", OWNER, other),
                                  policy("p-noput", NO_OUTSIDE_PUT, OWNER))), other


def test_the_scan_folds_each_owners_rcps() -> None:
    from pipeline.guardrails import with_rcp_restriction
    org, other = organization()
    members = tuple(a.id for a in org.accounts)
    zone = Zone("ORGANIZATION", ORG, members, Zone.guardrails_of(org))
    config = {"s3Bucket": {"bucketPolicy": BUCKET_POLICY}}
    units = [Unit("AWS::S3::Bucket", BUCKET, OWNER, "us-east-1", config, None, zone.key_for(OWNER)),
             Unit("AWS::S3::Bucket", BUCKET, other, "us-east-1", config, None, zone.key_for(other))]
    assert units[0].key != units[1].key  # other RCPs: another analysis
    found = analyze_units(units, zone)
    assert [f["action"] for f in found[units[0].key]] == [["s3:GetObject"]]
    assert [f["action"] for f in found[units[1].key]] == [["s3:GetObject", "s3:PutObject"]]
    assert found[units[0].key][0]["principal"] == {"AWS": OUTSIDER}
    plain = Zone("ORGANIZATION", ORG, members)
    assert plain.key_for(OWNER) == "org:" + ORG  # without the flag: the key (and the findings) as before
    unfolded = analyze_units([Unit("AWS::S3::Bucket", BUCKET, OWNER, "us-east-1", config, None, plain.key_for(OWNER))],
                             plain)
    assert [f["action"] for f in next(iter(unfolded.values()))] == [["s3:GetObject", "s3:PutObject"]]
    marked = with_rcp_restriction(found[units[0].key], org, applied=True)
    assert marked[0]["resourceControlPolicyRestriction"] == "APPLIED"


def test_the_setting_and_its_option(tmp_path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("[scan]\napply_guardrails = true\n")
    assert load_settings(str(config), {}).apply_guardrails
    assert not load_settings(str(config), {"apply_guardrails": False}).apply_guardrails
    assert not load_settings(None, {}).apply_guardrails
