"""Benchmark of the scan job (`make bench`). Not a test: prints a table, exits 0.

A synthetic organization of 200 accounts is written as a snapshot (so the emulator is not what is
measured): per account, realistic resource configurations from bench/findings_gen.py — with the
repetition real organizations show (the same role trust policies, key policies and queue policies
stamped into many accounts) — then `trustmap scan --from-snapshot` runs on a local Ray with 1 and
with 2 worker CPUs. Reported: distinct policies analysed per second and their ratio, the dedupe
ratio, peak memory (driver and Ray workers), and the share of wall time outside analysis.

Usage: .venv/bin/python bench/scan.py [--accounts N] [--per-account N]
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import threading
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


class PeakMemory:
    """Samples the resident memory of this process and its children (Ray's raylet and workers)."""

    def __init__(self) -> None:
        import psutil
        self.proc, self.peak, self._stop = psutil.Process(), 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psutil
        while not self._stop.is_set():
            total = 0
            for p in [self.proc, *self.proc.children(recursive=True)]:
                try:
                    total += p.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            time.sleep(0.2)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def run(snapshot: Path, cpus: int, out: Path) -> dict:
    import ray

    from pipeline.scan import run_scan
    from pipeline.settings import load_settings
    ray.init(num_cpus=cpus, include_dashboard=False, log_to_driver=False)
    try:
        with PeakMemory() as mem:
            started = time.perf_counter()
            code, summary = run_scan(load_settings(None, {"out": str(out), "zone": "ORGANIZATION", "batch_size": 8}),
                                     from_snapshot=str(snapshot))
            wall = time.perf_counter() - started
    finally:
        ray.shutdown()
    run_ = summary["run"]
    return {"cpus": cpus, "wall": wall, "distinct": run_["counts"]["distinctAnalyses"],
            "resources": run_["counts"]["resources"], "analysis_cpu": run_["timings"]["analysisCpuSeconds"],
            "peak": mem.peak, "code": code}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--accounts", type=int, default=200)
    ap.add_argument("--per-account", type=int, default=12)
    args = ap.parse_args(argv)
    console.rule("scan job")
    with tempfile.TemporaryDirectory() as tmp:
        snap = Path(tmp) / "snapshot"
        n = synthetic_snapshot(snap, args.accounts, args.per_account)
        one = run(snap, 1, Path(tmp) / "out1")
        two = run(snap, 2, Path(tmp) / "out2")
    table = Table("measure", "1 worker", "2 workers", "target", title=f"scan of {args.accounts} accounts "
                  f"({n} resources) from a snapshot")
    rate1, rate2 = one["distinct"] / one["wall"], two["distinct"] / two["wall"]
    table.add_row("distinct policies analysed per second", f"{rate1:.1f}", f"{rate2:.1f}", "")
    table.add_row("ratio 2 workers / 1 worker", "", f"{rate2 / rate1:.2f}", ">= 1.7")
    table.add_row("dedupe ratio (resources / distinct analyses)", f"{one['resources'] / one['distinct']:.2f}",
                  f"{two['resources'] / two['distinct']:.2f}", "")
    table.add_row("wall time", f"{one['wall']:.1f} s", f"{two['wall']:.1f} s", "")
    for r in (one, two):
        r["outside"] = max(0.0, 1 - r["analysis_cpu"] / (r["wall"] * r["cpus"]))
    table.add_row("share of wall time outside analysis", f"{one['outside']:.0%}", f"{two['outside']:.0%}", "")
    table.add_row("peak memory (driver + Ray)", f"{one['peak'] / 2**30:.2f} GB", f"{two['peak'] / 2**30:.2f} GB",
                  "<= 4 GB")
    console.print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
