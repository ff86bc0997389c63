"""Snapshots that check themselves, and a `collect` that neither mixes runs nor hangs on a dead endpoint:
the index is the truth (a listed file missing, or an account without a file, is a coverage gap; files it
does not list are ignored), malformed files are named, a second collection replaces the first whole,
and an endpoint that refuses every connection ends `collect` in seconds with one line (exit 2)."""
from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path

import psutil
import pytest
from aws_emulator import DEMO_REGIONS

from connectors.aws.breaker import EndpointUnreachable
from connectors.aws.collect import Selection, collect
from connectors.demo.emulator import free_port, moto_server
from connectors.errors import SnapshotError
from connectors.snapshot import MISSING, read_snapshot, write_snapshot
from pipeline.cli import main
from pipeline.collect import run_collect


@pytest.fixture(scope="module")
def small(session_config, full_collection, demo_manifest, tmp_path_factory) -> Path:
    """A snapshot of three accounts (selected) in both Regions."""
    accounts = tuple(demo_manifest["organization"]["accounts"][:3])
    collection = collect(session_config, Selection(accounts=accounts, regions=DEMO_REGIONS), accounts_in_flight=3,
                         organization=full_collection.organization)
    return write_snapshot(collection, tmp_path_factory.mktemp("small") / "snap")


@pytest.fixture
def snap(small, tmp_path) -> Path:
    return Path(shutil.copytree(small, tmp_path / "snap"))


def _gaps(collection) -> list[tuple]:
    return [(g.account, g.region, g.operation, g.errorCode) for g in collection.gaps()]


def test_a_listed_file_missing_is_a_coverage_gap(snap):
    index = json.loads((snap / "snapshot.json").read_text())
    victim = index["files"][0]
    account, region = victim.split("/")[1], victim.split("/")[2][:-5]
    (snap / victim).unlink()
    collection = read_snapshot(snap)
    assert _gaps(collection) == [(account, region, "ReadSnapshot", MISSING)]
    assert {(s.account, s.region) for s in collection.scopes} == {
        (f.split("/")[1], f.split("/")[2][:-5]) for f in index["files"]}


def test_an_account_without_any_file_is_a_coverage_gap(snap):
    index = json.loads((snap / "snapshot.json").read_text())
    account = index["selection"]["accounts"][1]
    shutil.rmtree(snap / "accounts" / account)
    index["files"] = [f for f in index["files"] if f"/{account}/" not in f]
    (snap / "snapshot.json").write_text(json.dumps(index))
    assert _gaps(read_snapshot(snap)) == [(account, "global", "ReadSnapshot", MISSING)]


def test_files_the_index_does_not_list_are_ignored(snap, small):
    account = json.loads((snap / "snapshot.json").read_text())["selection"]["accounts"][0]
    stray = json.loads((snap / "accounts" / account / "us-east-1.json").read_text()) | {"region": "ap-south-1"}
    (snap / "accounts" / account / "ap-south-1.json").write_text(json.dumps(stray))
    (snap / "accounts" / "999999999999").mkdir()
    shutil.copy(snap / "accounts" / account / "us-east-1.json", snap / "accounts" / "999999999999" / "us-east-1.json")
    assert read_snapshot(snap) == read_snapshot(small)


@pytest.mark.parametrize("content", ["{}", '{"account": "1"}', "[]", '{"account": "1", "region": "us-east-1"',
                                     '{"account": "1", "region": "us-east-1", "home": true, "resources": [], "gaps": [{}]}'])
def test_a_malformed_account_file_is_named(snap, content):
    victim = json.loads((snap / "snapshot.json").read_text())["files"][2]
    (snap / victim).write_text(content)
    with pytest.raises(SnapshotError) as raised:
        read_snapshot(snap)
    assert str(snap / victim) in str(raised.value) and "\n" not in str(raised.value)


def test_a_file_that_holds_another_scope_or_an_index_that_names_other_paths_is_refused(snap):
    files = json.loads((snap / "snapshot.json").read_text())["files"]
    shutil.copy(snap / files[0], snap / files[1])
    with pytest.raises(SnapshotError, match="not what its name says"):
        read_snapshot(snap)
    index = json.loads((snap / "snapshot.json").read_text())
    (snap / "snapshot.json").write_text(json.dumps(index | {"files": ["../../etc/passwd"]}))
    with pytest.raises(SnapshotError, match="lists '../../etc/passwd'"):
        read_snapshot(snap)


def test_scan_of_an_empty_account_file_exits_2_naming_it(snap, capsys):
    victim = json.loads((snap / "snapshot.json").read_text())["files"][0]
    (snap / victim).write_text("{}")
    code = main(["scan", "--from-snapshot", str(snap), "--out", str(snap.parent / "out")])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and str(snap / victim) in err


def test_a_second_collect_into_the_same_folder_replaces_the_first(moto_url, demo_manifest, tmp_path, capsys):
    out = tmp_path / "snap"
    account = demo_manifest["organization"]["accounts"][1]
    common = ["collect", "--out", str(out), "--endpoint-url", moto_url, "--accounts", account,
              "--resource-types", "AWS::SQS::Queue", "--no-last-accessed", "--format", "json"]
    assert main([*common, "--regions", ",".join(DEMO_REGIONS)]) == 0
    assert main([*common, "--regions", DEMO_REGIONS[0]]) == 0
    capsys.readouterr()
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.json")) == [
        f"accounts/{account}/{DEMO_REGIONS[0]}.json", "organization.json", "snapshot.json"]
    assert {s.region for s in read_snapshot(out).scopes} == {DEMO_REGIONS[0]}
    assert [p.name for p in tmp_path.iterdir()] == ["snap"]  # no temporary folder left behind


def test_collect_never_replaces_a_folder_that_is_not_a_snapshot(moto_url, tmp_path, capsys):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    code = main(["collect", "--out", str(tmp_path / "mine"), "--endpoint-url", moto_url])
    assert code == 2 and "holds no snapshot" in capsys.readouterr().err
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"


def test_a_refused_endpoint_ends_collect_in_seconds_with_one_line(tmp_path, capsys):
    started = time.monotonic()
    code = main(["collect", "--out", str(tmp_path / "snap"), "--endpoint-url", f"http://127.0.0.1:{free_port()}"])
    err = capsys.readouterr().err
    assert code == 2 and time.monotonic() - started < 10
    assert err.startswith("trustmap: error: cannot connect to http://127.0.0.1:") and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "snap").exists()


class StopAfter:
    """A client hook that stops the emulator (its process, by id) after `calls` API calls."""

    def __init__(self, port: int, calls: int) -> None:
        self.port, self.calls, self.seen = port, calls, 0
        self.stopped_at: float | None = None
        self._lock = threading.Lock()

    def __call__(self, client) -> None:
        client.meta.events.register("before-call", self._count)

    def _count(self, **_) -> None:
        with self._lock:
            self.seen += 1
            if self.seen != self.calls:
                return
            for child in psutil.Process().children():
                if "moto.server" in " ".join(child.cmdline()) and str(self.port) in child.cmdline():
                    child.kill()
                    child.wait(10)
            self.stopped_at = time.monotonic()


def test_an_emulator_stopped_mid_collect_ends_it_early_and_keeps_the_previous_snapshot(snap):
    from connectors.aws.session import SessionConfig
    before = {p: p.read_bytes() for p in snap.rglob("*") if p.is_file()}
    with moto_server() as url:  # an emulator of its own (the caller's account alone), to be stopped
        stop = StopAfter(int(url.rsplit(":", 1)[1]), calls=8)
        config = SessionConfig(endpoint_url=url, give_up_after=2.0, client_hooks=(stop,))
        with pytest.raises(EndpointUnreachable, match=f"gave up: {url} refused every connection"):
            run_collect(str(snap), config, Selection(regions=(DEMO_REGIONS[0],), last_accessed=False), 2)
    assert stop.stopped_at is not None and time.monotonic() - stop.stopped_at < 15
    assert {p: p.read_bytes() for p in snap.rglob("*") if p.is_file()} == before
    assert [p.name for p in snap.parent.iterdir()] == ["snap"]
