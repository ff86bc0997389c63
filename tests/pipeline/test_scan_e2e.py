"""End to end: the demo organization seeded in moto's server (a subprocess on 127.0.0.1, reached with
real boto3 clients), scanned on a real local Ray — live, and from a snapshot of the same organization;
lifecycle across scans, archive rules, a two-node Ray cluster, and a worker killed mid-scan."""
from __future__ import annotations

import json
import os
import shutil
import threading
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ACCOUNTS = 3


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from connectors.aws.collect import Selection, collect
    from connectors.aws.session import SessionConfig
    from connectors.demo.emulator import moto_server
    from connectors.demo.seed import seed_demo
    from connectors.snapshot import write_snapshot
    for name, value in (("AWS_ACCESS_KEY_ID", "demo"), ("AWS_SECRET_ACCESS_KEY", "demo"),
                        ("AWS_DEFAULT_REGION", "us-east-1")):
        os.environ.setdefault(name, value)
    root = tmp_path_factory.mktemp("demo")
    with moto_server() as url:
        manifest = seed_demo(url, accounts=ACCOUNTS)
        collection = collect(SessionConfig(endpoint_url=url), Selection(regions=tuple(manifest["regions"])))
        snapshot = write_snapshot(collection, root / "snapshot")
        yield {"url": url, "manifest": manifest, "snapshot": Path(snapshot), "root": root}


def settings(out: Path, **overrides):
    from pipeline.settings import load_settings
    return load_settings(None, {"out": str(out), **overrides})


def expected(manifest: dict, zone: str) -> set[tuple]:
    return {(r["resourceArn"], json.dumps(f["principal"], sort_keys=True), f["isPublic"])
            for r in manifest["resources"] for f in r["expectedFindings"].get(zone, [])}


def findings(out: Path, statuses=("ACTIVE", "ARCHIVED")) -> list[dict]:
    return [f for f in json.loads((out / "findings.json").read_text())["findings"] if f["status"] in statuses]


def observed(out: Path) -> set[tuple]:
    got = set()
    for f in findings(out):
        if f["findingType"] != "ExternalAccess":
            continue
        assert not f["error"], f
        d = f["findingDetails"][0]["externalAccessDetails"]
        got.add((f["resource"], json.dumps(d["principal"], sort_keys=True), d["isPublic"]))
    return got


def unused_key(f: dict) -> tuple:
    details = f.get("findingDetails") or [{}]
    key = f.get("accessKeyId") or details[0].get("unusedIamUserAccessKeyDetails", {}).get("accessKeyId")
    return f["findingType"], f["resource"], key


def unused_observed(out: Path, statuses=("ACTIVE", "ARCHIVED")) -> dict[tuple, dict]:
    return {unused_key(f): f for f in findings(out, statuses) if f["findingType"] != "ExternalAccess"}


def check_unused_against_manifest(out: Path, manifest: dict) -> None:
    """Exactly the manifest's unused-access findings, each with its unused actions and recommended steps;
    every recommended policy passes validation (no error, no security warning)."""
    from solvers.validation import validate_policy
    wanted = {unused_key(f): f for f in manifest["unusedAccess"]["findings"]}
    got = unused_observed(out)
    assert set(got) == set(wanted)
    for key, f in got.items():
        if key[0] != "UnusedPermission":
            continue
        actions = {d["unusedPermissionDetails"]["serviceNamespace"]:
                   [a["action"] for a in d["unusedPermissionDetails"]["actions"]] for d in f["findingDetails"]}
        assert actions == wanted[key]["unusedActions"]
        steps = [s["unusedPermissionsRecommendedStep"] for s in f["recommendation"]["recommendedSteps"]]
        assert [s["recommendedAction"] for s in steps] == wanted[key]["recommendedActions"]
        for step in steps:
            if "recommendedPolicy" in step:
                found = validate_policy(step["recommendedPolicy"], "IDENTITY_POLICY")
                assert not [x for x in found if x.finding_type in ("ERROR", "SECURITY_WARNING")], found


def test_live_scan_finds_exactly_the_manifest(demo, tmp_path: Path) -> None:
    from pipeline.scan import run_scan
    from pipeline.scan_cli import demo_unused_overrides
    trail = f"s3://{demo['manifest']['cloudTrail']['bucket']}"

    def scan():
        return run_scan(settings(tmp_path, endpoint_url=demo["url"], zone="ORGANIZATION",
                                 regions=",".join(demo["manifest"]["regions"]), cloudtrail=trail,
                                 **demo_unused_overrides(demo["manifest"])))
    code, summary = scan()
    assert code == 0, summary["run"]["gaps"]
    assert observed(tmp_path) == expected(demo["manifest"], "ORGANIZATION")
    check_unused_against_manifest(tmp_path, demo["manifest"])
    # one idle access key is used: the next scan resolves its finding and changes nothing else
    first = unused_observed(tmp_path)
    account, key = next(iter(demo["manifest"]["unusedAccess"]["idleKeys"].items()))
    import boto3
    boto3.client("sts", endpoint_url=demo["url"], aws_access_key_id=key["id"],
                 aws_secret_access_key=key["secret"]).get_caller_identity()
    scan()
    second = unused_observed(tmp_path, ("ACTIVE", "ARCHIVED", "RESOLVED"))
    resolved = [k for k, f in second.items() if f["status"] == "RESOLVED"]
    assert resolved == [("UnusedIAMUserAccessKey", f"arn:aws:iam::{account}:user/demo-operator", key["id"])]
    assert {k: (f["id"], f["createdAt"]) for k, f in first.items() if k not in resolved} == \
        {k: (f["id"], f["createdAt"]) for k, f in second.items() if k not in resolved}
    run = json.loads((tmp_path / "run.json").read_text())
    assert len(run["accounts"]) == ACCOUNTS and run["counts"]["resources"] >= len(demo["manifest"]["resources"]) - 1
    for line in (tmp_path / "findings.ocsf.jsonl").read_text().splitlines():
        assert json.loads(line)["class_uid"] == 2004
    # every collected policy is validated: the seeded identity policies and SCPs among them
    validated = json.loads((tmp_path / "validation.json").read_text())["policies"]
    kinds = {p["policyType"] for p in validated}
    assert {"RESOURCE_POLICY", "IDENTITY_POLICY", "SERVICE_CONTROL_POLICY"} <= kinds, kinds
    assert json.loads((tmp_path / "validation.sarif").read_text())["version"] == "2.1.0"
    # org-wide generation from the demo's trail bucket: each active principal gets its observed actions
    index = json.loads((tmp_path / "policies" / "index.json").read_text())
    for seeded in demo["manifest"]["cloudTrail"]["activity"]:
        result = json.loads((tmp_path / index[seeded["principal"]]).read_text())
        actions = set()
        for generated in result["generatedPolicyResult"]["generatedPolicies"]:
            for st in json.loads(generated["policy"])["Statement"]:
                actions.update(a.lower() for a in (st["Action"] if isinstance(st["Action"], list) else [st["Action"]]))
        assert {e.lower() for e in seeded["events"]} <= actions, (seeded, actions)
    # ... and the granted-but-unused part: the demo app role never used its SQS permission
    beyond = json.loads((tmp_path / "policies" / "granted-unused.json").read_text())
    for seeded in demo["manifest"]["cloudTrail"]["activity"]:
        assert [(d["unusedPermissionDetails"]["serviceNamespace"],
                 [a["action"] for a in d["unusedPermissionDetails"]["actions"]])
                for d in beyond[seeded["principal"]]["grantedButUnused"]] == [("sqs", ["sqs:ReceiveMessage"])]


@pytest.mark.parametrize("zone", ["ORGANIZATION", "ACCOUNT"])
def test_snapshot_scan_finds_exactly_the_manifest(demo, tmp_path: Path, zone: str) -> None:
    from pipeline.scan import run_scan
    code, _ = run_scan(settings(tmp_path, zone=zone), from_snapshot=str(demo["snapshot"]))
    assert code == 0
    seeded = {r["resourceArn"] for r in demo["manifest"]["resources"]}
    got = observed(tmp_path)
    assert {g for g in got if g[0] in seeded} == expected(demo["manifest"], zone)
    # Organizations creates the access role of each member account (not the seeder): it trusts the
    # management account, which is outside an ACCOUNT zone of trust
    management = demo["manifest"]["organization"]["managementAccount"]
    assert {(g[1], g[2]) for g in got if g[0] not in seeded} <= {(json.dumps({"AWS": management}), False)}
    assert all(g[0].endswith(":role/OrganizationAccountAccessRole") for g in got if g[0] not in seeded)


def _change_one_policy(snapshot: Path) -> tuple[str, str]:
    """Point one queue's cross-account grant at another account; returns (queue ARN, new account)."""
    for path in sorted(snapshot.glob("accounts/*/*.json")):
        data = json.loads(path.read_text())
        for r in data["resources"]:
            text = r["configuration"].get("sqsQueue", {}).get("queuePolicy")
            if text and "999988887777" in text:
                r["configuration"]["sqsQueue"]["queuePolicy"] = text.replace("999988887777", "555555555555")
                path.write_text(json.dumps(data))
                return r["resourceArn"], "555555555555"
    raise AssertionError("the demo has no cross-account queue")


def test_second_scan_resolves_changed_access_and_keeps_ids(demo, tmp_path: Path) -> None:
    from pipeline.scan import run_scan
    snapshot = tmp_path / "snapshot"
    shutil.copytree(demo["snapshot"], snapshot)
    out = tmp_path / "out"
    run_scan(settings(out, zone="ORGANIZATION"), from_snapshot=str(snapshot))
    first = {f["id"]: f for f in findings(out)}
    queue, account = _change_one_policy(snapshot)
    run_scan(settings(out, zone="ORGANIZATION"), from_snapshot=str(snapshot))
    second = {f["id"]: f for f in findings(out, ("ACTIVE", "ARCHIVED", "RESOLVED"))}
    gone = [f for f in second.values() if f["status"] == "RESOLVED"]
    assert [f["resource"] for f in gone] == [queue]
    new = [f for fid, f in second.items() if fid not in first]
    assert [(f["resource"], f["findingDetails"][0]["externalAccessDetails"]["principal"]) for f in new] == \
        [(queue, {"AWS": account})]
    for fid, f in first.items():  # everything else: same id, same status, same creation time
        if f["resource"] != queue:
            assert second[fid]["status"] == "ACTIVE" and second[fid]["createdAt"] == f["createdAt"]


def test_archive_rule(demo, tmp_path: Path) -> None:
    from pipeline.scan import run_scan
    config = tmp_path / "scan.toml"
    config.write_text('[scan]\nzone = "ORGANIZATION"\n[[archive_rules]]\nname = "partner"\n'
                      'filter = { "principal.AWS" = { eq = ["999988887777"] } }\n')
    from pipeline.settings import load_settings
    run_scan(load_settings(str(config), {"out": str(tmp_path)}), from_snapshot=str(demo["snapshot"]))
    all_ = findings(tmp_path)
    archived = [f for f in all_ if f["status"] == "ARCHIVED"]
    assert archived and all(f["findingDetails"][0]["externalAccessDetails"]["principal"] == {"AWS": "999988887777"}
                            for f in archived)
    assert all(f["status"] == "ACTIVE" for f in all_ if f not in archived)


def _comparable(out: Path) -> list[tuple]:
    return sorted((f["id"], f["status"], json.dumps(f["findingDetails"], sort_keys=True)) for f in findings(out))


def test_two_node_cluster_gives_identical_artifacts(demo, tmp_path: Path) -> None:
    import ray
    from ray.cluster_utils import Cluster

    from pipeline.scan import run_scan
    run_scan(settings(tmp_path / "local", zone="ORGANIZATION", batch_size=4), from_snapshot=str(demo["snapshot"]))
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
    cluster.add_node(num_cpus=1)
    try:
        ray.init(address=cluster.address, include_dashboard=False)
        assert len([n for n in ray.nodes() if n["Alive"]]) == 2
        run_scan(settings(tmp_path / "cluster", zone="ORGANIZATION", batch_size=4), from_snapshot=str(demo["snapshot"]))
    finally:
        ray.shutdown()
        cluster.shutdown()
    assert _comparable(tmp_path / "cluster") == _comparable(tmp_path / "local")


def test_a_worker_killed_mid_scan_changes_nothing(demo, tmp_path: Path) -> None:
    import psutil

    from pipeline.scan import run_scan
    run_scan(settings(tmp_path / "calm", zone="ORGANIZATION"), from_snapshot=str(demo["snapshot"]))
    killed: list[int] = []
    stop = threading.Event()

    def kill_one_analysis_worker() -> None:
        while not stop.is_set() and not killed:
            for p in psutil.process_iter(["cmdline"]):
                if "ray::_analyze_task" in " ".join(p.info["cmdline"] or []):
                    p.kill()
                    killed.append(p.pid)
                    return
            time.sleep(0.01)

    killer = threading.Thread(target=kill_one_analysis_worker, daemon=True)
    killer.start()
    try:
        code, _ = run_scan(settings(tmp_path / "killed", zone="ORGANIZATION", batch_size=1, analyses_in_flight=1),
                           from_snapshot=str(demo["snapshot"]))
    finally:
        stop.set()
        killer.join(5)
    assert killed, "no analysis worker was seen running"
    assert code == 0
    assert _comparable(tmp_path / "killed") == _comparable(tmp_path / "calm")


def test_snapshot_scan_reports_exactly_the_manifests_internal_access(demo, tmp_path: Path) -> None:
    """Internal access (authorization.md §6): the demo's roles, group user, boundaries, SCPs and RCPs
    around its internal bucket give exactly the manifest's findings, each example allowed by simulate."""
    from pipeline.scan import run_scan
    from pipeline.simulate import simulate
    from solvers.authorization.simulate_input import read_simulation
    internal = demo["manifest"]["internalAccess"]
    code, _ = run_scan(settings(tmp_path, zone="ORGANIZATION", internal_access=internal["settings"]),
                       from_snapshot=str(demo["snapshot"]))
    assert code == 0
    got = []
    for f in findings(tmp_path):
        if f["findingType"] != "InternalAccess":
            continue
        assert not f["error"], f
        d = f["findingDetails"][0]["internalAccessDetails"]
        got.append((f["resource"], json.dumps(d["principal"]), d["accessType"], tuple(d["action"]),
                    tuple(sorted(d["condition"].items()))))
        assert simulate(read_simulation(f["example"]))["EvaluationResults"][0]["EvalDecision"] == "allowed"
    want = [(e["resource"], json.dumps(e["principal"]), e["accessType"], tuple(e["action"]),
             tuple(sorted(e["condition"].items()))) for e in internal["findings"]]
    assert sorted(got) == sorted(want)


def test_export_securityhub_imports_every_finding_then_updates(demo, tmp_path: Path) -> None:
    """Every finding lands in its own account and Region of moto's Security Hub; after a scan where an
    archive rule archived the partner's access and one queue stopped granting it, a second export
    updates (RecordState ARCHIVED for resolved, Workflow SUPPRESSED for archived) instead of duplicating."""
    import ray
    from securityhub_stub import UpdateFindingsStub, hub_findings

    from connectors.aws.session import SessionConfig
    from pipeline.export_securityhub import export, summary
    from pipeline.scan import run_scan
    from pipeline.settings import load_settings
    snapshot, out = tmp_path / "snapshot", tmp_path / "out"
    shutil.copytree(demo["snapshot"], snapshot)
    accounts, regions = demo["manifest"]["organization"]["accounts"], demo["manifest"]["regions"]
    stub = UpdateFindingsStub()
    config = SessionConfig(endpoint_url=demo["url"], client_hooks=(stub,))
    ray.init(num_cpus=2, include_dashboard=False)  # both scans share one local Ray
    try:
        run_scan(settings(out, zone="ORGANIZATION"), from_snapshot=str(snapshot))
        first = findings(out, ("ACTIVE", "ARCHIVED", "RESOLVED"))
        report = summary(export(out, config))
        assert report["failed"] == 0 and report["imported"] == report["findings"] == len(first)
        assert set(report["accounts"]) == set(accounts) and set(report["regions"]) == set(regions)
        hub = hub_findings(demo["url"], accounts, regions)
        assert sorted(f["Id"] for fs in hub.values() for f in fs) == sorted(f["id"] for f in first)
        for (account, region), found in hub.items():
            assert found and all(f["AwsAccountId"] == account and f["Region"] == region for f in found)
        assert stub.calls == []  # nothing archived yet

        queue, _ = _change_one_policy(snapshot)
        rules = tmp_path / "scan.toml"
        rules.write_text('[scan]\nzone = "ORGANIZATION"\n[[archive_rules]]\nname = "partner"\n'
                         'filter = { "principal.AWS" = { eq = ["999988887777"] } }\n')
        run_scan(load_settings(str(rules), {"out": str(out)}), from_snapshot=str(snapshot))
    finally:
        ray.shutdown()
    second = {f["id"]: f for f in findings(out, ("ACTIVE", "ARCHIVED", "RESOLVED"))}
    resolved = {i for i, f in second.items() if f["status"] == "RESOLVED"}
    archived = {i for i, f in second.items() if f["status"] == "ARCHIVED"}
    assert resolved and archived and {second[i]["resource"] for i in resolved} == {queue}
    report = summary(export(out, config))
    assert report["failed"] == 0 and report["imported"] == len(second)
    assert report["workflowSuppressed"] == len(archived)
    assert {i["Id"] for call in stub.calls for i in call["FindingIdentifiers"]} == archived
    assert all(call["Workflow"] == {"Status": "SUPPRESSED"} for call in stub.calls)
    hub = hub_findings(demo["url"], accounts, regions)
    ids = [f["Id"] for fs in hub.values() for f in fs]
    assert len(ids) == len(set(ids)) == len(second)  # updated, not duplicated
    states = {f["Id"]: f["RecordState"] for fs in hub.values() for f in fs}
    assert {i for i, s in states.items() if s == "ARCHIVED"} == resolved


def test_export_securityhub_cli_contract(demo, tmp_path: Path) -> None:
    """A folder without ASFF batches: exit 2 and one line. Otherwise the JSON summary, exit 0."""
    import subprocess
    import sys

    from pipeline.artifacts import write_artifacts
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    cmd = [sys.executable, "-m", "pipeline.cli", "export", "securityhub", str(tmp_path), "--endpoint-url", demo["url"]]
    bad = subprocess.run(cmd, capture_output=True, env=env, timeout=120)
    assert bad.returncode == 2 and len(bad.stderr.decode().strip().splitlines()) == 1
    account = demo["manifest"]["organization"]["accounts"][1]
    finding = {"id": "cli-1", "principal": {"AWS": "999988887777"}, "action": ["sqs:SendMessage"],
               "resource": f"arn:aws:sqs:eu-west-1:{account}:q", "resourceType": "AWS::SQS::Queue",
               "isPublic": False, "condition": {}, "status": "RESOLVED", "resourceOwnerAccount": account,
               "createdAt": "2026-01-01T00:00:00Z", "analyzedAt": "2026-01-01T00:00:00Z",
               "updatedAt": "2026-01-02T00:00:00Z", "error": None}
    write_artifacts(tmp_path, [finding], {}, "0.1.0", "us-east-1")
    ok = subprocess.run([*cmd, "--format", "json"], capture_output=True, env=env, timeout=120)
    assert ok.returncode == 0, ok.stderr
    report = json.loads(ok.stdout)
    assert (report["findings"], report["imported"], report["failed"]) == (1, 1, 0)
    assert report["batches"][0]["productArn"] == f"arn:aws:securityhub:eu-west-1:{account}:product/{account}/default"


def test_snapshot_scan_with_guardrails_folds_the_demo_rcp(demo, tmp_path: Path) -> None:
    """`apply_guardrails`: the demo's organization-only S3 RCP (attached here to the first member account,
    as on the demo's Sandbox OU) blocks every outside caller, so the S3 findings of that account's buckets
    disappear; every other finding is the manifest's; S3 findings say APPLIED, except the management
    account's (RCPs skip it: NOT_APPLICABLE)."""
    from pipeline.scan import run_scan
    snapshot = tmp_path / "snapshot"
    shutil.copytree(demo["snapshot"], snapshot)
    org_file = snapshot / "organization.json"
    org = json.loads(org_file.read_text())
    guarded = demo["manifest"]["organization"]["accounts"][1]  # a member: RCPs skip the management account
    rcp = next(p for p in org["policies"] if p["name"] == "OrganizationOnlyS3")
    rcp["targets"].append({"targetId": guarded, "type": "ACCOUNT", "name": ""})
    org_file.write_text(json.dumps(org))
    code, _ = run_scan(settings(tmp_path / "out", zone="ORGANIZATION", apply_guardrails=True),
                       from_snapshot=str(snapshot))
    assert code == 0
    resources = {r["resourceArn"]: r for r in demo["manifest"]["resources"]}
    want = expected(demo["manifest"], "ORGANIZATION")
    blocked = {e for e in want if resources[e[0]]["resourceType"] == "AWS::S3::Bucket"
               and resources[e[0]]["account"] == guarded}
    assert blocked  # the demo gives outside callers S3 access there, which the RCP takes away
    assert {g for g in observed(tmp_path / "out") if g[0] in resources} == want - blocked
    management = demo["manifest"]["organization"]["managementAccount"]
    fields = {(f["resourceOwnerAccount"] == management,
               f["findingDetails"][0]["externalAccessDetails"]["resourceControlPolicyRestriction"])
              for f in findings(tmp_path / "out") if f["findingType"] == "ExternalAccess"
              and f["resourceType"] == "AWS::S3::Bucket"}
    assert (True, "NOT_APPLICABLE") in fields and fields <= {(True, "NOT_APPLICABLE"), (False, "APPLIED")}
