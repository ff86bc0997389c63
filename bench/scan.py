"""Benchmark of the scan job (`make bench`). Not a test: prints a table, exits 0.

Synthetic organizations of 200, 1,000 and 2,000 accounts are written as snapshots (so the emulator is
not what is measured): per account, realistic resource configurations from bench/findings_gen.py, with
the repetition real organizations show (the same role trust policies, key policies and queue policies
stamped into many accounts). Each scan runs `run_scan` from the snapshot in a fresh process, on an
embedded Ray, so the driver's peak memory is its own. Reported:
- CPU per distinct analysis at each size (the analysis must not cost more in a bigger organization:
  target a spread of at most 20%),
- the share of wall time spent writing artifacts at 1,000 accounts (target at most 10%), and the writers'
  own wall and CPU time in the driver (the machines are shared: CPU time is what compares across runs),
- the driver's peak memory, per account,
- distinct analyses per second with 1 and with 2 worker CPUs (200 accounts), and their ratio.

Usage: .venv/bin/python bench/scan.py [--sizes 200,1000,2000] [--per-account N] [--no-scaling]
"""
from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:0] = [str(REPO), str(HERE)]

from findings_gen import generate  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

ORG = "o-a1b2c3d4e5"
console = Console(width=140)
# the scan's writers (none calls another), clocked in the driver; a name an older commit lacks is skipped,
# so that the same bench measures before and after a change
WRITERS = (("pipeline.artifacts", "write_artifacts"), ("pipeline.artifacts", "write_json"),
           ("pipeline.artifacts", "write_artifacts_run"), ("pipeline.report.history", "record_run"),
           ("pipeline.scan", "_report_findings"), ("pipeline.report.model", "policy_marks"),
           ("pipeline.report.render", "write_report"))


def _rebase(text: str, account: str) -> str:
    return text.replace("111122223333", account)


def synthetic_snapshot(root: Path, accounts: int, per_account: int, seed: int = 7) -> int:
    """Write the snapshot; returns the number of resources."""
    from connectors.aws.collect import Collection, ScopeResult
    from connectors.aws.organization import Account, Organization
    from connectors.snapshot import write_snapshot
    rng = random.Random(seed)
    templates = generate(80, seed=2026)  # shared templates: accounts reuse them, as real ones do
    ids = [f"{100000000000 + i * 7919:012d}" for i in range(accounts)]
    scopes = []
    total = 0
    for i, acct in enumerate(ids):
        resources = []
        for j in range(per_account):
            rt, arn, config = templates[rng.randrange(len(templates))]
            text = json.dumps(config)
            if rt == "AWS::S3::Bucket":  # a bucket's policy names the bucket: always its own analysis
                unique = f"{arn}-{acct}-{j}"
                text, arn = text.replace(arn, unique), unique
            else:  # other templates are stamped unchanged into many accounts (trust, key, queue policies)
                arn = _rebase(arn, acct) + f"-{j}"
            resources.append({"resourceArn": arn, "resourceType": rt, "account": acct, "region": "us-east-1",
                              "configuration": json.loads(text)})
        total += len(resources)
        record = {"account": acct, "accountPublicAccessBlock": {"ignorePublicAcls": i % 3 == 0,
                                                                "restrictPublicBuckets": i % 3 == 0}}
        scopes.append(ScopeResult(acct, "us-east-1", True, tuple(resources), account_record=record))
    org = Organization(ORG, ids[0], ids[0], tuple(Account(a) for a in ids))
    write_snapshot(Collection(org, tuple(scopes)), root)
    return total


@contextlib.contextmanager
def clocked(functions=WRITERS):
    """Each function wrapped so that its calls' wall and CPU time add up in the yielded [wall, cpu]."""
    total = [0.0, 0.0]
    saved = []

    def timed(fn):
        def call(*args, **kwargs):
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                total[0] += time.perf_counter() - wall
                total[1] += time.process_time() - cpu
        return call

    for module_name, name in functions:
        module = importlib.import_module(module_name)
        if hasattr(module, name):
            saved.append((module, name, getattr(module, name)))
            setattr(module, name, timed(getattr(module, name)))
    try:
        yield total
    finally:
        for module, name, fn in saved:
            setattr(module, name, fn)


def measure(snapshot: Path, cpus: int, out: Path, warm_up: Path) -> dict:
    """One scan in this process (run by `main` in a fresh interpreter each time), after a scan of a small
    organization on the same Ray: its workers have imported the solver and loaded the IAM catalog, a
    fixed cost that would otherwise weigh more on the smaller organizations' CPU per analysis."""
    import resource

    from pipeline.ray_session import start_ray
    from pipeline.scan import run_scan
    from pipeline.settings import load_settings
    ray, _ = start_ray(None, cpus)
    try:
        run_scan(load_settings(None, {"out": str(out) + "-warm-up", "zone": "ORGANIZATION"}), from_snapshot=str(warm_up))
        started, cpu = time.perf_counter(), time.process_time()
        with clocked() as writers:
            code, summary = run_scan(load_settings(None, {"out": str(out), "zone": "ORGANIZATION", "batch_size": 8}),
                                     from_snapshot=str(snapshot))
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        ray.shutdown()
    run_ = summary["run"]
    return {"cpus": cpus, "wall": wall, "code": code, "accounts": len(run_["accounts"]),
            "distinct": run_["counts"]["distinctAnalyses"], "resources": run_["counts"]["resources"],
            "analysis_cpu": run_["timings"]["analysisCpuSeconds"],
            # the HTML report is written after run.json's timings are taken: its time is the rest of the wall
            "write": run_["timings"]["writeSeconds"] + max(0.0, wall - run_["timings"]["totalSeconds"]),
            "validation": run_["timings"]["validationSeconds"],
            "writers_wall": writers[0], "writers_cpu": writers[1], "driver_cpu": cpu,
            "driver_peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}


def measured(snapshot: Path, cpus: int, out: Path, warm_up: Path) -> dict:
    result = out.with_suffix(".json")
    subprocess.run([sys.executable, __file__, "--measure", str(snapshot), "--cpus", str(cpus), "--out", str(out),
                    "--warm-up", str(warm_up), "--result", str(result)], check=True, stdout=subprocess.DEVNULL)
    return json.loads(result.read_text())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="200,1000,2000", help="organization sizes, in accounts")
    ap.add_argument("--per-account", type=int, default=12)
    ap.add_argument("--no-scaling", action="store_true", help="skip the 1-worker scan (worker scaling)")
    ap.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--cpus", type=int, default=2, help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--warm-up", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.measure:
        args.result.write_text(json.dumps(measure(args.measure, args.cpus, args.out, args.warm_up)))
        return 0
    sizes = [int(n) for n in args.sizes.split(",")]
    console.rule("scan job")
    runs: dict[int, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        warm_up = Path(tmp) / "warm-up"
        synthetic_snapshot(warm_up, 20, args.per_account, seed=3)
        for n in sizes:
            snap = Path(tmp) / f"snap{n}"
            synthetic_snapshot(snap, n, args.per_account)
            runs[n] = measured(snap, 2, Path(tmp) / f"out{n}", warm_up)
            if n == sizes[0] and not args.no_scaling:
                one = measured(snap, 1, Path(tmp) / f"out{n}-1", warm_up)
            shutil.rmtree(snap)
    table = Table("measure", *(f"{n:,} accounts" for n in sizes), "target",
                  title=f"scan from a snapshot, {args.per_account} resources per account, embedded Ray, 2 worker CPUs")
    table.add_row("resources (distinct analyses)", *(f"{r['resources']:,} ({r['distinct']:,})" for r in runs.values()), "")
    table.add_row("wall time", *(f"{r['wall']:.1f} s" for r in runs.values()), "")
    per = [r["analysis_cpu"] / r["distinct"] * 1000 for r in runs.values()]
    table.add_row("CPU per distinct analysis", *(f"{ms:.2f} ms" for ms in per),
                  f"spread {max(per) / min(per) - 1:.0%} (<= 20%)")
    table.add_row("artifact writing (HTML report included), share of wall time", *(f"{r['write'] / r['wall']:.0%}" for r in runs.values()),
                  "<= 10% at 1,000")
    table.add_row("  the writers in the driver: wall / CPU", *(f"{r['writers_wall']:.2f} / {r['writers_cpu']:.2f} s"
                                                              for r in runs.values()), "")
    table.add_row("driver CPU, whole scan", *(f"{r['driver_cpu']:.1f} s" for r in runs.values()), "")
    table.add_row("policy validation (driver), share of wall time",
                  *(f"{r['validation'] / r['wall']:.0%}" for r in runs.values()), "")
    table.add_row("driver peak memory", *(f"{r['driver_peak'] / 2**20:,.0f} MB" for r in runs.values()), "")
    table.add_row("driver memory per account", *(f"{r['driver_peak'] / r['accounts'] / 2**20:.2f} MB"
                                                 for r in runs.values()), "")
    if len(sizes) > 1:
        first, last = runs[sizes[0]], runs[sizes[-1]]
        slope = (last["driver_peak"] - first["driver_peak"]) / (last["accounts"] - first["accounts"])
        table.add_row(f"  marginal, {sizes[0]:,} -> {sizes[-1]:,}", *[""] * (len(sizes) - 1), f"{slope / 2**20:.2f} MB", "")
    console.print(table)
    if args.no_scaling:
        return 0
    two = runs[sizes[0]]
    rate1, rate2 = one["distinct"] / one["wall"], two["distinct"] / two["wall"]
    speed = Table("measure", "1 worker", "2 workers", "target", title=f"{sizes[0]:,} accounts: worker scaling")
    speed.add_row("distinct analyses per second", f"{rate1:.1f}", f"{rate2:.1f}", "")
    speed.add_row("ratio 2 workers / 1 worker", "", f"{rate2 / rate1:.2f}", ">= 1.7")
    console.print(speed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
