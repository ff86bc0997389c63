"""Snapshots: `trustmap collect --out DIR` writes one file per (account, Region) plus the organization, and
reading the folder back gives exactly what was collected."""
from __future__ import annotations

import json

import pytest
from aws_emulator import DEMO_REGIONS

from connectors.aws.collect import Selection, collect
from connectors.errors import SnapshotError
from connectors.snapshot import read_snapshot, write_snapshot
from pipeline.cli import main


def test_written_snapshot_reads_back_equal(session_config, full_collection, demo_manifest, tmp_path):
    accounts = tuple(demo_manifest["organization"]["accounts"][:2])
    collection = collect(session_config, Selection(accounts=accounts, regions=DEMO_REGIONS), accounts_in_flight=2,
                         organization=full_collection.organization)
    write_snapshot(collection, tmp_path / "snap")
    files = sorted(p.relative_to(tmp_path / "snap").as_posix() for p in (tmp_path / "snap").rglob("*.json"))
    assert files == sorted(["organization.json", "snapshot.json"] +
                           [f"accounts/{a}/{r}.json" for a in accounts for r in DEMO_REGIONS])
    assert read_snapshot(tmp_path / "snap") == collection


def test_collect_command_writes_the_snapshot(moto_url, demo_manifest, tmp_path, capsys):
    account = demo_manifest["organization"]["accounts"][1]
    out = tmp_path / "out"
    code = main(["collect", "--out", str(out), "--endpoint-url", moto_url, "--accounts", account,
                 "--regions", ",".join(DEMO_REGIONS), "--resource-types", "AWS::SQS::Queue,AWS::IAM::Role",
                 "--no-last-accessed", "--format", "json"])  # moto has no IAM last-accessed API
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    snapshot = read_snapshot(out)
    resources = list(snapshot.resources())
    assert summary["resources"] == len(resources) and summary["gaps"] == []
    assert snapshot.organization.id == demo_manifest["organization"]["id"]
    seeded = {e["resourceArn"] for e in demo_manifest["resources"]
              if e["account"] == account and e["resourceType"] in ("AWS::SQS::Queue", "AWS::IAM::Role")}
    assert seeded <= {r["resourceArn"] for r in resources}
    assert {r["resourceType"] for r in resources} == {"AWS::SQS::Queue", "AWS::IAM::Role"}


@pytest.mark.parametrize("args", [
    ["--accounts", "12345"], ["--regions", "mars-north-1x"], ["--resource-types", "AWS::Nope::Thing"],
    ["--accounts-in-flight", "0"]])
def test_bad_selection_exits_2_without_traceback(args, tmp_path, capsys):
    code = main(["collect", "--out", str(tmp_path / "o"), "--endpoint-url", "http://127.0.0.1:9", *args])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("trustmap: error: ") and len(err.strip().splitlines()) == 1


def test_reading_a_folder_that_is_not_a_snapshot_is_an_input_error(tmp_path):
    (tmp_path / "snapshot.json").write_text('{"format": "something-else"}')
    with pytest.raises(SnapshotError):
        read_snapshot(tmp_path)
    with pytest.raises(SnapshotError):
        read_snapshot(tmp_path / "missing")


def test_collect_reads_the_scan_settings_file(moto_url, demo_manifest, tmp_path, capsys):
    account = demo_manifest["organization"]["accounts"][2]
    config = tmp_path / "scan.toml"
    config.write_text(f'[scan]\naccounts = ["{account}"]\nregions = ["{DEMO_REGIONS[1]}"]\n'
                      f'resource_types = ["AWS::SNS::Topic"]\n[aws]\nendpoint_url = "{moto_url}"\n'
                      '[unused]\nlast_accessed = false\n')
    code = main(["collect", "--out", str(tmp_path / "out"), "--config", str(config), "--format", "json"])
    assert code == 0
    resources = list(read_snapshot(tmp_path / "out").resources())
    seeded = {e["resourceArn"] for e in demo_manifest["resources"]
              if e["account"] == account and e["resourceType"] == "AWS::SNS::Topic" and e["region"] == DEMO_REGIONS[1]}
    assert seeded and {r["resourceArn"] for r in resources} == seeded
    assert json.loads(capsys.readouterr().out)["accounts"] == 1
