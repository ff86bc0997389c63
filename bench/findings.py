"""Benchmark of the external-access findings engine (`make bench`). Not a test: prints tables, exits 0.

Measured in-process after one warm-up (catalog load, Z3 import), one `analyze_resource` call per item:

  (a) the 32 policies whose findings AWS recorded (../shared/corpus/aa-recorded/findings), each timed,
      next to the end-to-end time AWS's Access Analyzer took on the same policy;
  (b) 1,000 generated realistic resource configurations (bench/findings_gen.py, seeded): p50/p99.

Wall time (time.perf_counter) and CPU time of this process (time.process_time) are both shown: the
machines are shared, and CPU time is the steadier of the two.

Usage: .venv/bin/python bench/findings.py [--quick] [--items N]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:0] = [str(REPO), str(HERE)]

from findings_gen import OWN, generate  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from solvers.external.analyze import analyze_resource, configuration_for_policy  # noqa: E402
from solvers.external.zone import ZoneOfTrust  # noqa: E402

RECORDED = REPO.parent / "shared" / "corpus" / "aa-recorded" / "findings" / "cases.jsonl"
TARGET_TOTAL_S, TARGET_MAX_S = 10.0, 2.0
TARGET_P50_MS, TARGET_P99_MS = 10.0, 200.0
console = Console(width=140)


def _key(f: dict) -> tuple:
    return (json.dumps(f["principal"], sort_keys=True), tuple(sorted(a.lower() for a in f["action"])),
            json.dumps(f["condition"], sort_keys=True), bool(f["isPublic"]))


def timed(fn):
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w0, time.process_time() - c0


def pct(values: list[float], q: float) -> float:
    v = sorted(values)
    return v[min(len(v) - 1, int(q * len(v)))] if v else float("nan")


def mark(ok: bool) -> str:
    return "[green]met[/]" if ok else "[red]not met[/]"


def recorded() -> None:
    if not RECORDED.is_file():
        console.print("recorded corpus not found: skipped")
        return
    cases = [json.loads(line) for line in RECORDED.read_text().splitlines() if line.strip()]
    table = Table("policy", "statements", "findings", "match", "trustmap wall s", "trustmap CPU s", "AWS s",
                  title="(a) the 32 policies AWS recorded findings for")
    walls, cpus, aws, matched, errors = [], [], 0, 0, 0
    for c in cases:
        zone = ZoneOfTrust(c["zone"]["account"], c["zone"].get("organizationId"))
        config = configuration_for_policy(c["resourceType"], c["policyText"])
        found, wall, cpu = timed(lambda c=c, zone=zone, config=config: analyze_resource(
            c["resourceType"], c["resourceArn"], c["zone"]["account"], config, zone))
        errors += sum(1 for f in found if f["error"])
        ok = {_key(f) for f in found if not f["error"]} == {_key(f) for f in c["expect"]["findings"]}
        matched += ok
        walls.append(wall)
        cpus.append(cpu)
        aws += c["awsSeconds"]
        table.add_row(c["id"], str(len(json.loads(c["policyText"])["Statement"])), str(len(found)),
                      "yes" if ok else "[red]no[/]", f"{wall:.3f}", f"{cpu:.3f}", str(c["awsSeconds"]))
    console.print(table)
    summary = Table("measure", "trustmap", "AWS Access Analyzer", "target", "", title="(a) summary")
    summary.add_row("exact finding sets", f"{matched}/{len(cases)}", f"{len(cases)}/{len(cases)}", "31/32", mark(matched >= 31))
    summary.add_row("total time (wall)", f"{sum(walls):.2f} s", f"{aws} s", f"< {TARGET_TOTAL_S:.0f} s",
                    mark(sum(walls) < TARGET_TOTAL_S))
    summary.add_row("slowest policy (wall)", f"{max(walls):.2f} s", "3497 s", f"<= {TARGET_MAX_S:.0f} s",
                    mark(max(walls) <= TARGET_MAX_S))
    summary.add_row("total time (CPU)", f"{sum(cpus):.2f} s", "", "", "")
    summary.add_row("speed-up vs AWS (total)", f"{aws / sum(walls):.0f}x", "", "", "")
    summary.add_row("timeouts / undecided", str(errors), "", "0", mark(errors == 0))
    console.print(summary)


def generated(n: int) -> None:
    items = generate(n)
    zone = ZoneOfTrust(OWN)
    walls, cpus, findings, errors, public = [], [], 0, 0, 0
    for rt, arn, config in items:
        found, wall, cpu = timed(lambda rt=rt, arn=arn, config=config: analyze_resource(rt, arn, OWN, config, zone))
        walls.append(wall * 1000)
        cpus.append(cpu * 1000)
        findings += len(found)
        errors += sum(1 for f in found if f["error"])
        public += sum(1 for f in found if f.get("isPublic"))
    table = Table("measure", "wall", "CPU", "target", "", title=f"(b) {n} generated resource configurations")
    for name, q, target in (("p50", 0.5, TARGET_P50_MS), ("p99", 0.99, TARGET_P99_MS)):
        table.add_row(f"{name} per resource", f"{pct(walls, q):.1f} ms", f"{pct(cpus, q):.1f} ms",
                      f"<= {target:.0f} ms", mark(pct(cpus, q) <= target))
    table.add_row("max per resource", f"{max(walls):.1f} ms", f"{max(cpus):.1f} ms", "", "")
    table.add_row("total", f"{sum(walls) / 1000:.2f} s", f"{sum(cpus) / 1000:.2f} s", "", "")
    table.add_row("findings (public)", f"{findings} ({public})", "", "", "")
    table.add_row("timeouts / undecided", str(errors), "", "0", mark(errors == 0))
    console.print(table)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="200 generated items instead of 1,000")
    ap.add_argument("--items", type=int, default=None)
    args = ap.parse_args(argv)
    config = configuration_for_policy("AWS::S3::Bucket", '{"Statement": []}')
    analyze_resource("AWS::S3::Bucket", "arn:aws:s3:::warm-up", OWN, config, ZoneOfTrust(OWN))  # warm-up
    console.rule("external-access findings")
    recorded()
    generated(args.items or (200 if args.quick else 1000))
    return 0


if __name__ == "__main__":
    sys.exit(main())
