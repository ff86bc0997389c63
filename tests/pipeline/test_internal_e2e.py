"""End to end, internal access on an organization of our own (tests/pipeline/internal_org.py), independent
of the demo seeder: seeded into moto's server (127.0.0.1, real boto3 clients), collected, written as a
snapshot, scanned on a local Ray in both zones (one Ray for both); the findings must be exactly the ones derived by hand
below, each example allowed by `simulate`."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

@pytest.fixture(scope="module")
def org(tmp_path_factory):
    from connectors.aws.collect import Selection, collect
    from connectors.aws.session import SessionConfig
    from connectors.demo.emulator import moto_server
    from connectors.snapshot import write_snapshot
    from tests.pipeline.internal_org import REGION, seed
    for name, value in (("AWS_ACCESS_KEY_ID", "e2e"), ("AWS_SECRET_ACCESS_KEY", "e2e"),
                        ("AWS_DEFAULT_REGION", REGION)):
        os.environ.setdefault(name, value)
    with moto_server() as url:
        seeded = seed(url)
        collection = collect(SessionConfig(endpoint_url=url), Selection(regions=(REGION,)))
    return {**seeded, "snapshot": write_snapshot(collection, tmp_path_factory.mktemp("internal-org") / "snapshot")}


def expected(org: dict, zone: str) -> set[tuple]:
    """(resource, principal, accessType, actions, SCP restriction, RCP restriction), by hand.

    `data` sits under root/Prod/ProdData: its SCP path has a Deny of rds:DeleteDBSnapshot (Prod), its
    RCP path a Deny of s3:PutObject for everyone (ProdData). `apps` is under Prod (the same SCP),
    `tools` under Dev (SCP: Deny dynamodb:Query). In the ORGANIZATION zone these are folded in (APPLIED,
    blocked actions gone); in the ACCOUNT zone they are not (APPLICABLE, blocked actions listed) and
    only principals of the resource's own account count. Nobody else has a path:
    - apps-dev (user in apps) may GetItem by its own policy, but the table's policy grants only `tools`;
    - data-capped's boundary allows dynamodb:GetItem only: no S3 and no RDS for it, whatever its s3:*/rds:*;
    - data-writer has no DynamoDB or RDS permission, dba no S3 or DynamoDB one;
    - breakglass trusts apps-operator alone: no principal of `data` may assume it (a role's trust
      policy must name the caller even within its account), apps-reader has no sts:AssumeRole;
    - the OrganizationAccountAccessRole moto creates in each member has no policy; the management
      account has no roles or users.
    """
    data, apps, tools = (org["accounts"][n] for n in ("data", "apps", "tools"))
    folded = zone == "ORGANIZATION"
    guard = "APPLIED" if folded else "APPLICABLE"

    def role(account: str, name: str) -> str:
        return f"arn:aws:iam::{account}:role/{name}"
    rows = [
        # same account, identity policy alone; the RCP on ProdData takes s3:PutObject away
        (org["bucket"], role(data, "data-writer"), "INTRA_ACCOUNT",
         ["s3:GetObject", "s3:ListBucket"] if folded else ["s3:GetObject", "s3:ListBucket", "s3:PutObject"]),
        # other account: the bucket policy names the role for s3:GetObject on objects; its identity
        # also allows s3:ListBucket, which the bucket policy does not grant (both sides must)
        (org["bucket"], role(apps, "apps-reader"), "INTRA_ORG", ["s3:GetObject"]),
        # dynamodb:* cut down to GetItem by the permissions boundary
        (org["table"], role(data, "data-capped"), "INTRA_ACCOUNT", ["dynamodb:GetItem"]),
        # the user has no policy of its own: Query and Scan come from its group, on the table's ARN
        (org["table"], f"arn:aws:iam::{data}:user/analyst", "INTRA_ACCOUNT", ["dynamodb:Query", "dynamodb:Scan"]),
        # the table's policy grants the tools account GetItem and Query; Dev's SCP denies Query;
        # BatchGetItem is allowed by the identity only
        (org["table"], role(tools, "tools-etl"), "INTRA_ORG", ["dynamodb:GetItem"]),
        # a snapshot has no policy: identity only; Prod's SCP denies DeleteDBSnapshot
        (org["db_snapshot"], role(data, "dba"), "INTRA_ACCOUNT",
         ["rds:CopyDBSnapshot", "rds:ModifyDBSnapshotAttribute"] if folded else
         ["rds:CopyDBSnapshot", "rds:DeleteDBSnapshot", "rds:ModifyDBSnapshotAttribute"]),
        # the extension type: only a principal of another member account can assume this role
        (org["role"], role(apps, "apps-operator"), "INTRA_ORG", ["sts:AssumeRole"]),
    ]
    out = set()
    for resource, principal, access, actions in rows:
        if access == "INTRA_ORG" and not folded:
            continue
        out.add((resource, principal, access, tuple(actions), guard, guard))
    return out


def test_internal_findings_of_an_independent_organization(org, tmp_path: Path) -> None:
    import ray
    ray.init(num_cpus=2, include_dashboard=False)  # both scans share one local Ray
    try:
        for zone in ("ORGANIZATION", "ACCOUNT"):
            assert observed(org, tmp_path / zone, zone) == expected(org, zone), zone
    finally:
        ray.shutdown()


def observed(org: dict, out: Path, zone: str) -> set[tuple]:
    """Scan the snapshot with internal access on in `zone`; the findings as `expected` lists them."""
    from pipeline.scan import run_scan
    from pipeline.settings import load_settings
    from pipeline.simulate import simulate
    from solvers.authorization.simulate_input import read_simulation
    inclusions = [{"resource_arns": [org["bucket"], org["table"], org["db_snapshot"]]},
                  {"resource_arns": [org["role"]], "resource_types": ["AWS::IAM::Role"]}]  # extension: opt in
    settings = load_settings(None, {"out": str(out), "zone": "ORGANIZATION",
                                    "internal_access": {"zone": zone, "inclusions": inclusions}})
    code, _ = run_scan(settings, from_snapshot=str(org["snapshot"]))
    assert code == 0
    got = set()
    for f in json.loads((out / "findings.json").read_text())["findings"]:
        if f["findingType"] != "InternalAccess":
            continue
        assert not f["error"], f
        d = f["findingDetails"][0]["internalAccessDetails"]
        assert d["condition"] == {} and d["principalOwnerAccount"] == d["principal"]["AWS"].split(":")[4]
        assert f.get("extensionType", False) == (f["resourceType"] == "AWS::IAM::Role")
        if f["resourceType"] == "AWS::S3::Bucket":  # the bucket policy grants only the other account's reader
            via_policy = d["accessType"] == "INTRA_ORG"
            assert d["sources"] == ([{"type": "POLICY"}] if via_policy else []), d
        got.add((f["resource"], d["principal"]["AWS"], d["accessType"], tuple(d["action"]),
                 d["serviceControlPolicyRestriction"], d["resourceControlPolicyRestriction"]))
        assert simulate(read_simulation(f["example"]))["EvaluationResults"][0]["EvalDecision"] == "allowed"
    run = json.loads((out / "run.json").read_text())["internalAccess"]
    assert (run["resources"], run["errors"]) == (4, 0)
    return got
