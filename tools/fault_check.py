"""The scan-reliability report's fault script (../shared/reference/scan-reliability-report.md, §5c, §5d and
the second collect of §5), rerun through the real `trustmap` commands on an organization seeded here with
its own size and Regions, not the demo's.

    PYTHONPATH=$PWD .venv/bin/python tools/fault_check.py [--accounts 5] [--regions us-east-1,ap-southeast-2] [--keep DIR]

Starts moto's server on 127.0.0.1, seeds the organization, collects it, scans it (the baseline), then
breaks things the way the report did and checks each outcome: exit code, one-line errors that name the
file, coverage gaps, and above all that no finding of the baseline becomes RESOLVED (in findings.json,
ASFF or OCSF) unless its resource was seen without it. Prints one line per check; exits 1 if any fails.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

FAKE = {"AWS_ACCESS_KEY_ID": "faults", "AWS_SECRET_ACCESS_KEY": "faults", "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}


class Run:
    def __init__(self, code: int, out: str, err: str, seconds: float) -> None:
        self.code, self.out, self.err, self.seconds = code, out, err, seconds


def trustmap(*args: str, timeout: float = 600) -> Run:
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "pipeline.cli", *args], capture_output=True, text=True,
                          timeout=timeout)
    return Run(proc.returncode, proc.stdout, proc.stderr, time.monotonic() - started)


def start_moto() -> tuple[subprocess.Popen, str]:
    from connectors.demo.emulator import free_port
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "MOTO_EC2_LOAD_DEFAULT_AMIS": "false"})
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            urllib.request.urlopen(f"{url}/moto-api/data.json", timeout=2).close()
            return proc, url
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("moto did not start")


def findings(out: Path) -> dict[str, dict]:
    return {f["id"]: f for f in json.loads((out / "findings.json").read_text())["findings"]}


def run_json(out: Path) -> dict:
    return json.loads((out / "run.json").read_text())


def resolved_anywhere(out: Path) -> int:
    """Findings exported as resolved: findings.json, ASFF (every batch; RecordState ARCHIVED), OCSF."""
    fj = sum(1 for f in findings(out).values() if f["status"] == "RESOLVED")
    asff = sum(1 for batch in (out / "asff").glob("*_*.json") for f in json.loads(batch.read_text())["Findings"]
               if f["RecordState"] == "ARCHIVED")
    ocsf = sum(1 for line in (out / "findings.ocsf.jsonl").read_text().splitlines()
               if json.loads(line)["status"] == "Resolved")
    return max(fj, asff, ocsf)


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


class RefuseConnections:
    """A client hook: AssumeRole into `account`, and every call to `service` in `region`, go to a port
    where nothing listens, so the kernel refuses them as a dead endpoint would."""

    def __init__(self, port: int, account: str, service: str, region: str) -> None:
        self.dead, self.account, self.service, self.region = f"127.0.0.1:{port}", account, service, region

    def __call__(self, client) -> None:
        name, region = client.meta.service_model.service_name, client.meta.region_name

        def refuse(request, **_) -> None:
            body = request.body.decode() if isinstance(request.body, bytes) else str(request.body or "")
            if (name, region) == (self.service, self.region) or (name == "sts" and self.account in body):
                request.url = request.url.replace(request.url.split("/")[2], self.dead, 1)

        client.meta.events.register("before-send", refuse)


class Checks:
    def __init__(self) -> None:
        self.failed = 0

    def check(self, name: str, ok: bool, observed: str) -> None:
        self.failed += not ok
        print(f"{'PASS' if ok else 'FAIL'}  {name}: {observed}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=5)
    parser.add_argument("--regions", default="us-east-1,ap-southeast-2")
    parser.add_argument("--keep", help="work in this folder and keep it")
    args = parser.parse_args()
    os.environ.update({k: v for k, v in FAKE.items()})
    os.environ.setdefault("RAY_ADDRESS", "local")  # an embedded Ray, whatever else runs on the machine
    regions = tuple(args.regions.split(","))
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="trustmap-faults-"))
    work.mkdir(parents=True, exist_ok=True)
    moto, url = start_moto()
    try:
        return run_checks(work, url, moto, args.accounts, regions)
    finally:
        if moto.poll() is None:
            moto.kill()
            moto.wait()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def run_checks(work: Path, url: str, moto: subprocess.Popen, accounts: int, regions: tuple[str, ...]) -> int:
    from connectors.demo.seed import seed_demo
    c = Checks()
    started = time.monotonic()
    manifest = seed_demo(url, accounts=accounts, regions=regions)
    members = manifest["organization"]["accounts"][1:]
    print(f"seeded {accounts} accounts in {', '.join(regions)} in {time.monotonic() - started:.1f} s", flush=True)
    collect = ["collect", "--endpoint-url", url, "--regions", ",".join(regions), "--no-last-accessed"]
    r = trustmap(*collect, "--out", str(work / "snap"))
    index = json.loads((work / "snap" / "snapshot.json").read_text()) if r.code == 0 else {}
    c.check("collect", r.code == 0, f"exit {r.code}, {index.get('resources')} resources, {r.seconds:.1f} s")
    collect_seconds = r.seconds
    r = trustmap("scan", "--from-snapshot", str(work / "snap"), "--out", str(work / "base"), "--zone", "ORGANIZATION")
    base = findings(work / "base") if r.code == 0 else {}
    c.check("baseline scan", r.code == 0 and len(base) > 0,
            f"exit {r.code}, {len(base)} findings, {run_json(work / 'base')['counts']['resources']} resources")
    if c.failed:
        return 1

    def rescan(name: str, snapshot: Path) -> tuple[Run, Path]:
        out = work / f"out-{name}"
        shutil.copytree(work / "base", out)
        return trustmap("scan", "--from-snapshot", str(snapshot), "--out", str(out), "--zone", "ORGANIZATION"), out

    def variant(name: str, change: Callable[[Path], object]) -> Path:
        snap = work / f"snap-{name}"
        shutil.copytree(work / "snap", snap)
        change(snap)
        return snap

    def nothing_resolved(name: str, r: Run, out: Path, code: int) -> None:
        run = run_json(out)
        carried = run["counts"]["findings"].get("carriedOver")
        resolved = resolved_anywhere(out)
        kept = all(findings(out)[fid]["status"] == f["status"] for fid, f in base.items())
        c.check(name, r.code == code and resolved == 0 and kept,
                f"exit {r.code} (want {code}), {len(run['gaps'])} gaps, {resolved} resolved, {carried} carried over, "
                f"{len(run['accounts'])} accounts")

    home = regions[0]
    victim = members[0]
    account_file = f"accounts/{victim}/{home}.json"

    def truncate(snap: Path) -> None:
        data = (snap / account_file).read_bytes()
        (snap / account_file).write_bytes(data[:len(data) // 2])

    for name, change in (("truncated account file", truncate),
                         ("{} account file", lambda s: (s / account_file).write_text("{}"))):
        snap = variant(name.split()[0].strip("{}") or "empty", change)
        before = files_of(work / "base")
        out = work / f"out-{snap.name}"
        shutil.copytree(work / "base", out)
        r = trustmap("scan", "--from-snapshot", str(snap), "--out", str(out))
        lines = r.err.strip().splitlines()
        c.check(name, r.code == 2 and len(lines) == 1 and str(snap / account_file) in r.err and files_of(out) == before,
                f"exit {r.code}, {lines[-1] if lines else ''!r}, previous artifacts untouched: {files_of(out) == before}")

    snap = variant("deleted", lambda s: (s / account_file).unlink())
    r, out = rescan("deleted", snap)
    nothing_resolved("account file deleted", r, out, 3)

    snap = variant("folder", lambda s: shutil.rmtree(s / "accounts" / victim))
    r, out = rescan("folder", snap)
    nothing_resolved("account folder removed", r, out, 3)

    def unlist(s: Path) -> None:
        shutil.rmtree(s / "accounts" / victim)
        data = json.loads((s / "snapshot.json").read_text())
        data["files"] = [f for f in data["files"] if f"/{victim}/" not in f]
        (s / "snapshot.json").write_text(json.dumps(data))

    snap = variant("unlisted", unlist)
    r, out = rescan("unlisted", snap)
    nothing_resolved("account removed from folder and index", r, out, 3)

    def stray(s: Path) -> None:
        data = json.loads((s / account_file).read_text())
        (s / f"accounts/{victim}/sa-east-1.json").write_text(json.dumps(data | {"region": "sa-east-1"}))

    snap = variant("stray", stray)
    r, out = rescan("stray", snap)
    same = run_json(out)["counts"]["resources"] == run_json(work / "base")["counts"]["resources"]
    nothing_resolved("stray file added", r, out, 0)
    c.check("stray file not read", same and "sa-east-1" not in run_json(out)["regions"],
            f"{run_json(out)['counts']['resources']} resources, Regions {run_json(out)['regions']}")

    def gone(s: Path) -> str:
        data = json.loads((s / account_file).read_text())
        arn = next(x["resourceArn"] for x in data["resources"] if x["resourceArn"] in {f["resource"] for f in base.values()})
        data["resources"] = [x for x in data["resources"] if x["resourceArn"] != arn]
        (s / account_file).write_text(json.dumps(data))
        return arn

    removed: list[str] = []
    snap = variant("gone", lambda s: removed.append(gone(s)))
    r, out = rescan("gone", snap)
    now_resolved = {fid for fid, f in findings(out).items() if f["status"] == "RESOLVED"}
    want = {fid for fid, f in base.items() if f["resource"] == removed[0]}
    c.check("a resource seen gone is resolved", r.code == 0 and now_resolved == want,
            f"exit {r.code}, {len(now_resolved)} resolved, want {len(want)} ({removed[0]})")

    snap = work / "snap-again"
    shutil.copytree(work / "snap", snap)
    r = trustmap(*collect[:3], "--regions", home, "--no-last-accessed", "--out", str(snap))
    index = json.loads((snap / "snapshot.json").read_text())
    c.check("second collect into the same folder", r.code == 0 and len(list(snap.rglob("*.json"))) == len(index["files"]) + 2,
            f"exit {r.code}, {len(index['files'])} files listed, {len(list(snap.rglob('*.json')))} JSON files in the folder")
    r, out = rescan("again", snap)
    nothing_resolved("scan after a second collect", r, out, 0)
    c.check("scan reads what the index says", run_json(out)["counts"]["resources"] == index["resources"],
            f"{run_json(out)['counts']['resources']} resources read, index {index['resources']}")

    from connectors.aws.collect import Selection
    from connectors.aws.session import SessionConfig
    from connectors.demo.emulator import free_port
    from pipeline.collect import run_collect
    hook = RefuseConnections(free_port(), victim, "sqs", regions[-1])
    partial, code = run_collect(str(work / "snap-partial"), SessionConfig(endpoint_url=url, client_hooks=(hook,), max_attempts=2),
                                Selection(regions=regions, last_accessed=False), 8)
    c.check("collect with one account and one Region's SQS refused", code == 3,
            f"exit {code}, {len(partial.gaps())} gaps: {sorted({g.errorCode for g in partial.gaps()})}")
    r, out = rescan("partial", work / "snap-partial")
    nothing_resolved("scan of that partial collection", r, out, 3)

    r = trustmap("collect", "--endpoint-url", f"http://127.0.0.1:{free_port()}", "--out", str(work / "snap-refused"))
    c.check("refused endpoint", r.code == 2 and r.seconds < 15 and len(r.err.strip().splitlines()) == 1
            and not (work / "snap-refused").exists(), f"exit {r.code} in {r.seconds:.1f} s: {r.err.strip()!r}")

    snap = work / "snap-stopped"
    shutil.copytree(work / "snap", snap)
    before = files_of(snap)
    proc = subprocess.Popen([sys.executable, "-m", "pipeline.cli", *collect, "--out", str(snap)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # stopped about halfway: a fixed delay let a fast machine finish the collect before the kill
    time.sleep(max(1.0, collect_seconds * 0.45))
    stopped = proc.poll() is None
    moto.kill()
    moto.wait()
    killed_at = time.monotonic()
    out_text, err_text = proc.communicate(timeout=300)
    waited = time.monotonic() - killed_at
    c.check("emulator stopped mid-collect", stopped and proc.returncode == 2 and waited < 45
            and len(err_text.strip().splitlines()) == 1 and files_of(snap) == before,
            f"exit {proc.returncode} {waited:.1f} s after the kill: {err_text.strip()!r}; "
            f"previous snapshot untouched: {files_of(snap) == before}")
    r, out = rescan("stopped", snap)
    nothing_resolved("scan after the stopped collect", r, out, 0)
    print(f"{c.failed} failed, {time.monotonic() - started:.0f} s", flush=True)
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
