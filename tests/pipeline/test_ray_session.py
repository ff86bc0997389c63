"""How `trustmap scan` gets its Ray, run as the command users run: an embedded instance that ignores any
cluster the machine knows of and listens on loopback only; stdout that carries only the command's output;
connection failures and job-relative paths as one-line usage errors (exit 2)."""
from __future__ import annotations

import ipaddress
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest

from pipeline.scan_cli import _stdout_kept_for_output

TRUSTMAP = [sys.executable, "-c", "import sys; from pipeline.cli import main; sys.exit(main())"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def ray_tmpdir():
    """A Ray temp folder of the test's own (never the machine's shared /tmp/ray), with a short path: Ray's
    socket paths must fit in 107 bytes."""
    folder = Path(tempfile.mkdtemp(prefix="tm-ray-", dir="/tmp"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def run_env(ray_tmpdir: Path, **extra: str) -> dict:
    (ray_tmpdir / "ray").mkdir(exist_ok=True)
    return {**os.environ, "RAY_TMPDIR": str(ray_tmpdir), "RAY_USAGE_STATS_ENABLED": "0", **extra}


class ListeningSockets:
    """Every listening TCP address of a process and its descendants (Ray's GCS, raylet, agents, workers),
    sampled while it runs."""

    def __init__(self, pid: int) -> None:
        self.pid, self.addresses, self._stop = pid, set(), threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        import psutil
        while not self._stop.wait(0.2):
            try:
                root = psutil.Process(self.pid)
                procs = [root, *root.children(recursive=True)]
            except psutil.Error:
                continue
            for p in procs:
                try:
                    for c in p.net_connections("inet"):
                        if c.status == psutil.CONN_LISTEN:
                            self.addresses.add((p.name(), c.laddr.ip))
                except psutil.Error:
                    pass

    def stop(self) -> set[tuple[str, str]]:
        self._stop.set()
        self._thread.join()
        return self.addresses


def is_loopback(ip: str) -> bool:
    address = ipaddress.ip_address(ip)
    mapped = getattr(address, "ipv4_mapped", None)
    return (mapped or address).is_loopback


def test_embedded_scan_ignores_known_clusters_listens_on_loopback_and_keeps_stdout_json(
        small_snapshot, tmp_path: Path, ray_tmpdir: Path) -> None:
    # RAY_ADDRESS and a recorded cluster (as `ray start` leaves, here a dead one) both name a cluster
    env = run_env(ray_tmpdir, RAY_ADDRESS=f"127.0.0.1:{free_port()}")
    (ray_tmpdir / "ray" / "ray_current_cluster").write_text(f"127.0.0.1:{free_port()}")
    proc = subprocess.Popen([*TRUSTMAP, "scan", "--from-snapshot", str(small_snapshot), "--out", str(tmp_path / "out"),
                             "--format", "json"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sockets = ListeningSockets(proc.pid)
    stdout, stderr = proc.communicate(timeout=240)
    listening = sockets.stop()
    assert proc.returncode == 0, stderr
    summary = json.loads(stdout)  # the whole of stdout is the one JSON document
    assert summary["run"]["counts"]["findings"]["active"] == 3
    timings = json.loads((tmp_path / "out" / "run.json").read_text())["timings"]
    assert timings == summary["run"]["timings"]  # run.json is rewritten last, with the writing counted
    assert 0 < timings["writeSeconds"] < timings["totalSeconds"]
    assert {"raylet", "gcs_server"} <= {name for name, _ in listening}, listening
    assert {(name, ip) for name, ip in listening if not is_loopback(ip)} == set()


def test_what_ray_writes_on_descriptor_1_during_a_scan_goes_to_stderr(capfd) -> None:
    with _stdout_kept_for_output():
        os.write(1, b"(raylet) Task _analyze_task failed; retrying\n")  # as Ray's C++ core does
    print("the summary")
    out, err = capfd.readouterr()
    assert (out, err) == ("the summary\n", "(raylet) Task _analyze_task failed; retrying\n")


@pytest.mark.parametrize("address", ["auto", "127.0.0.1:{port}"])
def test_no_cluster_at_the_address_is_a_usage_error(small_snapshot, tmp_path: Path, ray_tmpdir: Path,
                                                    address: str, refused_scan) -> None:
    # `auto` reads RAY_ADDRESS first (without it, Ray would look for any cluster running on the machine)
    env = run_env(ray_tmpdir, RAY_ADDRESS=f"127.0.0.1:{free_port()}")
    line = refused_scan([*TRUSTMAP, "scan", "--address", address.format(port=free_port()), "--from-snapshot",
                         str(small_snapshot)], tmp_path / "out", env)
    assert "cannot use the Ray cluster at" in line and "RAY_AUTH_MODE=token" in line


def test_a_relative_out_under_ray_job_submit_is_refused(small_snapshot, tmp_path: Path, ray_tmpdir: Path) -> None:
    env = run_env(ray_tmpdir, RAY_JOB_CONFIG_JSON_ENV_VAR="{}")  # what Ray's job supervisor sets
    done = subprocess.run([*TRUSTMAP, "scan", "--from-snapshot", str(small_snapshot), "--out", "out-job"],
                          env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "--out out-job is relative" in done.stderr
    assert not (tmp_path / "out-job").exists()


def test_paths_are_made_absolute_before_the_scan(tmp_path: Path, monkeypatch) -> None:
    from pipeline.scan_cli import absolute_paths
    from pipeline.settings import load_settings
    monkeypatch.chdir(tmp_path)
    (tmp_path / "snap").mkdir()
    settings, snapshot = absolute_paths(load_settings(None, {"out": "out"}), "snap")
    assert (settings.out, snapshot) == (tmp_path / "out", str(tmp_path / "snap"))
    shutil.rmtree(tmp_path / "snap")


def test_a_cluster_whose_workers_cannot_reach_the_driver_is_a_usage_error() -> None:
    """What a driver with a token sees on a cluster without auth: the probe's object never arrives."""
    from pipeline.ray_session import _probe
    from solvers.errors import InputError

    class UnreachableOwner:  # Ray's API surface the probe uses, failing as Ray does in that case
        def put(self, value):
            return value

        def remote(self, **options):
            return lambda fn: type("Remote", (), {"remote": staticmethod(fn)})

        def get(self, ref, timeout=None):
            raise TimeoutError("Get timed out: some object(s) not ready.")

    with pytest.raises(InputError, match="workers cannot reach this driver.*RAY_AUTH_MODE=token"):
        _probe(UnreachableOwner())
