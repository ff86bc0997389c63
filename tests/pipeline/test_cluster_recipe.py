"""The README's cluster recipe, run as written on 127.0.0.1: a head with its dashboard, a second node,
token authentication, `ray job submit ... -- trustmap scan --address auto` with absolute shared paths.

Deviations forced by a single loopback machine, and why:
- Ray 2.60 on Linux swaps 127.0.0.1 for the machine's routable address; the head is started with Ray's
  loopback switch (`RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0`). That switch refuses to start a second node, so
  node 2 runs `ray start` through `ray_loopback_node.py` (the same CLI, without the address swap).
- Every port is a free one and the temp folder is the test's own; the cluster is ended by PID (`ray stop`
  would end every Ray process of this user on the machine, other people's included).
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # two Ray nodes with a dashboard: about a minute on 2 busy cores

BIN = Path(sys.executable).parent
NODE_SHIM = Path(__file__).with_name("ray_loopback_node.py")


def free_ports(n: int) -> list[int]:
    sockets = [socket.socket() for _ in range(n)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def node_ports(first_worker_port: int) -> list[str]:
    manager, objects, agent, agent_grpc, runtime_env, metrics = free_ports(6)
    return ["--node-manager-port", str(manager), "--object-manager-port", str(objects),
            "--dashboard-agent-listen-port", str(agent), "--dashboard-agent-grpc-port", str(agent_grpc),
            "--runtime-env-agent-port", str(runtime_env), "--metrics-export-port", str(metrics),
            "--min-worker-port", str(first_worker_port), "--max-worker-port", str(first_worker_port + 99)]


def processes_of(markers: list[str]) -> list:
    """This user's processes whose command line names the cluster's temp folder or GCS address."""
    import psutil
    found = []
    for p in psutil.process_iter(["cmdline", "uids"]):
        try:
            line = " ".join(p.info["cmdline"] or [])
            if p.info["uids"] and p.info["uids"].real == os.getuid() and p.pid != os.getpid() and \
                    any(m in line for m in markers):
                found.append(p)
        except psutil.Error:
            pass
    return found


def listening_outside_loopback(markers: list[str]) -> set[tuple[str, str]]:
    import ipaddress

    import psutil
    found = set()
    for p in processes_of(markers):
        try:
            for c in p.net_connections("inet"):
                address = ipaddress.ip_address(c.laddr.ip)
                if c.status == psutil.CONN_LISTEN and not (getattr(address, "ipv4_mapped", None) or address).is_loopback:
                    found.add((p.name(), c.laddr.ip))
        except psutil.Error:
            pass
    return found


def end_processes(markers: list[str]) -> None:
    import psutil
    procs = processes_of(markers)
    for p in procs:
        try:
            p.send_signal(signal.SIGTERM)
        except psutil.Error:
            pass
    _, alive = psutil.wait_procs(procs, timeout=5)  # Ray's agents may ignore SIGTERM
    for p in alive:
        try:
            p.kill()
        except psutil.Error:
            pass


def ray_start(command: list, env: dict) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, f"ray start failed: {done.stdout[-1500:]} {done.stderr[-1500:]}"


@pytest.fixture(scope="module")
def cluster():
    """Two Ray nodes on 127.0.0.1 with token auth; what every client needs in `env`."""
    temp = Path(tempfile.mkdtemp(prefix="tm-cl-", dir="/tmp"))  # short: Ray's socket paths are limited
    gcs, dashboard, client = free_ports(3)
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "RAY_TMPDIR": str(temp),
           "RAY_USAGE_STATS_ENABLED": "0", "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(32),
           "HOME": str(temp)}  # no ~/.ray/auth_token of the machine's user is read or written
    markers = [str(temp), f"127.0.0.1:{gcs}"]
    try:
        ray_start([BIN / "ray", "start", "--head", "--node-ip-address", "127.0.0.1", "--port", str(gcs),
                   "--num-cpus", "1", "--include-dashboard=true", "--dashboard-host", "127.0.0.1",
                   "--dashboard-port", str(dashboard), "--ray-client-server-port", str(client),
                   "--temp-dir", str(temp / "ray"), "--disable-usage-stats", *node_ports(free_ports(1)[0])],
                  env={**env, "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"})
        ray_start([sys.executable, NODE_SHIM, "start", "--address", f"127.0.0.1:{gcs}",
                   "--node-ip-address", "127.0.0.1", "--num-cpus", "1", "--disable-usage-stats",
                   *node_ports(free_ports(1)[0] + 200)], env=env)
        yield {"env": env, "markers": markers, "gcs": f"127.0.0.1:{gcs}",
               "dashboard": f"http://127.0.0.1:{dashboard}", "temp": temp}
    finally:
        end_processes(markers)
        shutil.rmtree(temp, ignore_errors=True)


def alive_nodes(cluster) -> int:
    status = subprocess.run([BIN / "ray", "list", "nodes", "--address", cluster["dashboard"], "--format", "json"],
                            env=cluster["env"], capture_output=True, text=True, timeout=60)
    return sum(1 for n in json.loads(status.stdout) if n["state"] == "ALIVE")


def test_ray_job_submit_runs_the_scan_with_absolute_shared_paths(cluster, small_snapshot, tmp_path: Path) -> None:
    assert alive_nodes(cluster) == 2
    assert listening_outside_loopback(cluster["markers"]) == set()
    out = tmp_path / "shared" / "out"
    created: list[dict] = []
    for _ in (1, 2):  # the second run finds the first run's lifecycle state: the same findings, not new ones
        job = subprocess.run([BIN / "ray", "job", "submit", "--address", cluster["dashboard"], "--",
                              "trustmap", "scan", "--address", "auto", "--from-snapshot", str(small_snapshot),
                              "--out", str(out), "--format", "json"],
                             env=cluster["env"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
        assert job.returncode == 0, (job.stdout[-2000:], job.stderr[-2000:])
        assert "succeeded" in job.stdout, job.stdout[-2000:]
        findings = json.loads((out / "findings.json").read_text())["findings"]
        assert [f["status"] for f in findings] == ["ACTIVE"] * 3
        created.append({f["id"]: f["createdAt"] for f in findings})
        run_json = json.loads((out / "run.json").read_text())
        assert run_json["counts"]["resources"] == 6 and run_json["gaps"] == []
    assert created[0] == created[1]
    assert not (tmp_path / "out").exists()


def test_a_driver_without_the_clusters_token_is_told_what_to_set(cluster, small_snapshot, tmp_path: Path,
                                                                 refused_scan) -> None:
    env = {**cluster["env"], "RAY_AUTH_MODE": "disabled", "RAY_NUM_REDIS_GET_RETRIES": "2"}
    del env["RAY_AUTH_TOKEN"]
    line = refused_scan([BIN / "trustmap", "scan", "--address", cluster["gcs"], "--from-snapshot", str(small_snapshot)],
                        tmp_path / "out", env)
    assert "cannot use the Ray cluster" in line and "RAY_AUTH_MODE=token" in line
