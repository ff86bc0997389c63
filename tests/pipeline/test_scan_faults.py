"""A rescan that could not see part of the organization resolves nothing there (the report's faults, on
an organization seeded for this module): a collection that lost an account and a resource type, an
account file deleted, an account missing from the snapshot, stray files, a second collect into the same
folder, an empty account file. Real parts: moto's server on 127.0.0.1, real boto3 clients, one local Ray
for the module. Only what a run saw, and saw gone, becomes RESOLVED."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow

ACCOUNTS = 2
REGIONS = ("us-east-1", "eu-west-1")


class RefuseConnections:
    """Sends chosen requests to a port where nothing listens: the kernel refuses them, as a dead endpoint
    would. Chosen: AssumeRole into `account`, and every call to `service` in `region`."""

    def __init__(self, port: int, account: str, service: str, region: str) -> None:
        self.dead = f"127.0.0.1:{port}"
        self.account, self.service, self.region = account, service, region

    def __call__(self, client: Any) -> None:
        name, region = client.meta.service_model.service_name, client.meta.region_name

        def refuse(request: Any, **_: Any) -> None:
            body = request.body.decode() if isinstance(request.body, bytes) else str(request.body or "")
            if (name, region) == (self.service, self.region) or (name == "sts" and self.account in body):
                host = request.url.split("/")[2]
                request.url = request.url.replace(host, self.dead, 1)

        client.meta.events.register("before-send", refuse)


@pytest.fixture(scope="module")
def org(tmp_path_factory):
    import ray

    from connectors.aws.collect import Selection, collect
    from connectors.aws.session import SessionConfig
    from connectors.demo.emulator import free_port, moto_server
    from connectors.demo.seed import seed_demo
    from connectors.snapshot import write_snapshot
    for name, value in (("AWS_ACCESS_KEY_ID", "faults"), ("AWS_SECRET_ACCESS_KEY", "faults"),
                        ("AWS_DEFAULT_REGION", "us-east-1")):
        os.environ.setdefault(name, value)
    root = tmp_path_factory.mktemp("faults")
    with moto_server() as url:
        manifest = seed_demo(url, accounts=ACCOUNTS, regions=REGIONS)
        config = SessionConfig(endpoint_url=url)
        selection = Selection(regions=REGIONS, last_accessed=False)
        full = write_snapshot(collect(config, selection), root / "full")
        lost = manifest["organization"]["accounts"][1]  # a member: entered through AssumeRole
        hook = RefuseConnections(free_port(), lost, "sqs", REGIONS[1])
        partial = collect(SessionConfig(endpoint_url=url, client_hooks=(hook,), max_attempts=2), selection)
        assert {g.errorCode for g in partial.gaps()} == {"EndpointConnectionError"}
        ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)  # never a cluster found on the machine
        try:
            yield {"url": url, "manifest": manifest, "full": Path(full), "lost": lost, "root": root,
                   "partial": Path(write_snapshot(partial, root / "partial")), "baseline": _scan(root / "base", full)}
        finally:
            ray.shutdown()


def _scan(out: Path, snapshot: Path, **overrides) -> tuple[int, dict]:
    from pipeline.scan import run_scan
    from pipeline.settings import load_settings
    code, summary = run_scan(load_settings(None, {"out": str(out), "zone": "ORGANIZATION", "unused": False,
                                                  **overrides}), from_snapshot=str(snapshot))
    return code, summary["run"]


def _findings(out: Path) -> dict[str, dict]:
    return {f["id"]: f for f in json.loads((out / "findings.json").read_text())["findings"]}


def _regions(out: Path, findings: list[dict]) -> set[str]:
    """The Regions of findings' resources, as the lifecycle state records them."""
    state = {f["id"]: f for f in json.loads((out / ".trustmap-state.json").read_text())["findings"]}
    return {state[f["id"]]["region"] for f in findings}


OLD = "2026-01-01T00:00:00Z"


def _rescan(org, tmp_path: Path, snapshot: Path, **overrides) -> tuple[int, dict, dict[str, dict]]:
    """Scan `snapshot` over a copy of the baseline's artifacts: the previous run is the complete one,
    its findings analysed at OLD (so that a finding analysed again is told apart from one carried over)."""
    out = Path(shutil.copytree(org["root"] / "base", tmp_path / "out"))
    state = json.loads((out / ".trustmap-state.json").read_text())
    (out / ".trustmap-state.json").write_text(json.dumps({"findings": [f | {"analyzedAt": OLD}
                                                                       for f in state["findings"]]}))
    code, run = _scan(out, snapshot, **overrides)
    return code, run, _findings(out)


def _nothing_resolved(org, out: Path, after: dict[str, dict], run: dict) -> list[dict]:
    """No finding of the complete run is resolved, in findings.json, ASFF or OCSF; returns the previous
    findings this run did not analyse again (carried over, unchanged)."""
    before = {fid: f | {"analyzedAt": OLD} for fid, f in _findings(org["root"] / "base").items()}
    assert {fid: after[fid]["status"] for fid in before} == {fid: f["status"] for fid, f in before.items()}
    assert [f for f in after.values() if f["status"] == "RESOLVED"] == []
    asff = [f for batch in (out / "asff").glob("*_*.json") for f in json.loads(batch.read_text())["Findings"]]
    assert len(asff) == len(after) and [f["Id"] for f in asff if f["RecordState"] == "ARCHIVED"] == []
    ocsf = [json.loads(line) for line in (out / "findings.ocsf.jsonl").read_text().splitlines()]
    assert [e for e in ocsf if e["status"] == "Resolved"] == []
    carried = [f for f in before.values() if after[f["id"]]["analyzedAt"] == OLD]
    assert run["counts"]["findings"]["carriedOver"] == len(carried)
    for f in carried:
        assert after[f["id"]] == f  # dates and all
    return carried


def _copy(org, tmp_path: Path, name: str = "full") -> Path:
    return Path(shutil.copytree(org[name], tmp_path / "snap"))


def test_baseline_is_complete(org) -> None:
    code, run = org["baseline"]
    assert code == 0 and run["counts"]["findings"]["active"] > 0 and run["counts"]["findings"]["carriedOver"] == 0


def test_a_collection_that_lost_an_account_and_a_type_resolves_nothing_there(org, tmp_path) -> None:
    code, run, after = _rescan(org, tmp_path, org["partial"])
    assert code == 3
    carried = _nothing_resolved(org, tmp_path / "out", after, run)
    assert {f["resourceOwnerAccount"] for f in carried if f["resourceType"] != "AWS::SQS::Queue"} == {org["lost"]}
    assert _regions(tmp_path / "out", [f for f in carried if f["resourceOwnerAccount"] != org["lost"]]) <= {REGIONS[1]}
    lost_before = {fid for fid, f in _findings(org["root"] / "base").items() if f["resourceOwnerAccount"] == org["lost"]}
    assert lost_before and lost_before <= {f["id"] for f in carried}


def test_an_account_file_deleted_resolves_nothing(org, tmp_path) -> None:
    snap = _copy(org, tmp_path)
    home = snap / "accounts" / org["lost"] / f"{REGIONS[0]}.json"
    home.unlink()
    code, run, after = _rescan(org, tmp_path, snap)
    assert code == 3
    assert [(g["account"], g["region"], g["errorCode"]) for g in run["gaps"]] == [
        (org["lost"], REGIONS[0], "SnapshotFileMissing")]
    carried = _nothing_resolved(org, tmp_path / "out", after, run)
    assert carried and {f["resourceOwnerAccount"] for f in carried} == {org["lost"]}


def test_an_account_missing_from_the_snapshot_resolves_nothing(org, tmp_path) -> None:
    snap = _copy(org, tmp_path)
    shutil.rmtree(snap / "accounts" / org["lost"])
    index = json.loads((snap / "snapshot.json").read_text())
    (snap / "snapshot.json").write_text(json.dumps(index | {"files": [f for f in index["files"] if org["lost"] not in f]}))
    code, run, after = _rescan(org, tmp_path, snap)
    assert code == 3 and len(run["accounts"]) == ACCOUNTS
    assert [(g["account"], g["region"], g["operation"]) for g in run["gaps"]] == [(org["lost"], "global", "ReadSnapshot")]
    carried = _nothing_resolved(org, tmp_path / "out", after, run)
    assert {f["resourceOwnerAccount"] for f in carried} == {org["lost"]}


def test_stray_files_are_not_read(org, tmp_path) -> None:
    snap = _copy(org, tmp_path)
    other = snap / "accounts" / org["lost"]
    data = json.loads((other / f"{REGIONS[0]}.json").read_text())
    (other / "ap-south-1.json").write_text(json.dumps(data | {"region": "ap-south-1"}))
    code, run, after = _rescan(org, tmp_path, snap)
    assert code == 0 and run["counts"]["resources"] == org["baseline"][1]["counts"]["resources"]
    assert "ap-south-1" not in run["regions"]
    assert _nothing_resolved(org, tmp_path / "out", after, run) == []
    assert set(after) == set(_findings(org["root"] / "base"))


def test_a_second_collect_into_the_same_folder_is_read_alone(org, tmp_path) -> None:
    from connectors.aws.collect import Selection
    from connectors.aws.session import SessionConfig
    from pipeline.collect import run_collect
    snap = _copy(org, tmp_path)
    collection, code = run_collect(str(snap), SessionConfig(endpoint_url=org["url"]),
                                   Selection(regions=(REGIONS[0],), last_accessed=False), 4)
    assert code == 0
    code, run, after = _rescan(org, tmp_path, snap)
    assert code == 0 and run["regions"] == [REGIONS[0]]
    assert run["counts"]["resources"] == sum(len(s.resources) for s in collection.scopes)
    carried = _nothing_resolved(org, tmp_path / "out", after, run)
    assert carried and _regions(tmp_path / "out", carried) == {REGIONS[1]}


def test_a_scan_of_some_accounts_resolves_nothing_in_the_others(org, tmp_path) -> None:
    code, run, after = _rescan(org, tmp_path, org["full"], accounts=org["lost"])
    assert code == 0 and run["accounts"] == [org["lost"]]
    carried = _nothing_resolved(org, tmp_path / "out", after, run)
    assert carried and org["lost"] not in {f["resourceOwnerAccount"] for f in carried}


def test_an_empty_account_file_changes_nothing(org, tmp_path, capsys) -> None:
    from pipeline.cli import main
    snap = _copy(org, tmp_path)
    victim = snap / "accounts" / org["lost"] / f"{REGIONS[0]}.json"
    victim.write_text("{}")
    out = Path(shutil.copytree(org["root"] / "base", tmp_path / "out"))
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert main(["scan", "--from-snapshot", str(snap), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert str(victim) in err and len(err.strip().splitlines()) == 1
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before


def test_what_was_seen_gone_is_still_resolved(org, tmp_path) -> None:
    snap = _copy(org, tmp_path)
    path = snap / "accounts" / org["lost"] / f"{REGIONS[0]}.json"
    data = json.loads(path.read_text())
    before = _findings(org["root"] / "base")
    with_findings = {f["resource"] for f in before.values()}
    gone = {next(r["resourceArn"] for r in data["resources"] if r["resourceArn"] in with_findings)}
    data["resources"] = [r for r in data["resources"] if r["resourceArn"] not in gone]  # a deleted resource
    path.write_text(json.dumps(data))
    code, run, after = _rescan(org, tmp_path, snap)
    resolved = {fid for fid, f in after.items() if f["status"] == "RESOLVED"}
    assert code == 0 and resolved == {fid for fid, f in before.items() if f["resource"] in gone} != set()
    assert run["counts"]["findings"]["carriedOver"] == 0
