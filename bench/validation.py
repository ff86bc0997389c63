"""Benchmark of policy validation (`make bench`). Not a test: it prints a table and exits 0.

The documents are the AWS managed policies that ship inside moto's package (moto/iam/
aws_managed_policies.py), each serialised with json.dumps(indent=4) as identity policies. In one
process, with `time.process_time` (CPU time: the figure does not move with other processes' load):

  trustmap  solvers.validation.validate_policy, one pass over every document after one warm-up call on
            a small policy (the IAM catalog is loaded then; per-service tables, the SDK models consulted
            for actions newer than the catalog, and the caches fill during the first pass), then
            passes with warm caches;
  parliament  parliament.analyze_policy_string(...).findings on the same documents, after the same
            warm-up (optional: installed into the venv for the benchmark only; skipped when absent).

The machine is shared, and CPU time still grows with other processes' load (shared cores and
caches), so the two tools take turns: cold pass, parliament, then --repeat times (warm pass,
parliament). Both trustmap figures are compared with parliament's best (least disturbed) pass.

Usage: .venv/bin/python bench/validation.py [--limit N] [--repeat N]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO)]

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from solvers.validation import validate_policy  # noqa: E402

WARM_UP = '{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}'


def managed_policies() -> dict[str, str]:
    from moto.iam.aws_managed_policies import aws_managed_policies_data
    return {name: json.dumps(p["Document"], indent=4) for name, p in json.loads(aws_managed_policies_data).items()}


def run_trustmap(texts: list[str]) -> tuple[float, Counter, int]:
    start = time.process_time()
    types: Counter = Counter()
    with_errors = 0
    for text in texts:
        findings = validate_policy(text, "IDENTITY_POLICY")
        types.update(f.finding_type for f in findings)
        with_errors += any(f.finding_type == "ERROR" for f in findings)
    return time.process_time() - start, types, with_errors


def run_parliament(texts: list[str]) -> tuple[float, int] | None:
    try:
        import parliament
    except ImportError:
        return None
    parliament.analyze_policy_string(WARM_UP).findings  # noqa: B018 (loads its IAM data)
    crashed = 0
    start = time.process_time()
    for text in texts:
        try:
            parliament.analyze_policy_string(text).findings  # noqa: B018
        except Exception:  # a crash is what we count
            crashed += 1
    return time.process_time() - start, crashed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=0, help="only the first N managed policies")
    ap.add_argument("--repeat", type=int, default=3, help="warm passes, each followed by a parliament pass")
    args = ap.parse_args(argv)
    texts = list(managed_policies().values())
    if args.limit:
        texts = texts[: args.limit]
    validate_policy(WARM_UP, "IDENTITY_POLICY")
    first, types, with_errors = run_trustmap(texts)
    warm: list[float] = []
    parl = [p for p in [run_parliament(texts)] if p]
    for _ in range(max(1, args.repeat)):
        warm.append(run_trustmap(texts)[0])
        if parl:
            parl.append(run_parliament(texts))  # type: ignore[arg-type]
    theirs = min(parl, key=lambda p: p[0]) if parl else None

    table = Table(title=f"Policy validation: {len(texts):,} AWS managed policies (moto), CPU time, one process")
    for col in ("tool", "pass", "seconds", "policies/s", "vs parliament", "notes"):
        table.add_column(col, justify="right" if col in ("seconds", "policies/s", "vs parliament") else "left")
    base = len(texts) / theirs[0] if theirs else None
    for label, secs, note in (("first (cold caches)", first, f"policies with an ERROR: {with_errors}"),
                              (f"best of {len(warm)} warm", min(warm),
                               f"all: {', '.join(f'{w:.2f}' for w in warm)} s")):
        rate = len(texts) / secs
        table.add_row("trustmap", label, f"{secs:.2f}", f"{rate:,.0f}", f"{rate / base:.1f}x" if base else "-", note)
    if theirs and base:
        table.add_row("parliament", f"best of {len(parl)}", f"{theirs[0]:.2f}", f"{base:,.0f}", "1.0x",
                      f"crashed on {theirs[1]}; all: {', '.join(f'{p[0]:.2f}' for p in parl)} s")
    else:
        table.add_row("parliament", "-", "-", "-", "-", "not installed (pip install parliament)")
    console = Console()
    console.print(table)
    console.print("trustmap findings by type: " + ", ".join(f"{k} {v:,}" for k, v in types.most_common()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
