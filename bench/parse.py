"""Benchmark of policy parsing (`make bench`). Not a test: prints a table, exits 0.

`solvers.policy.parse_policy` builds ordinary documents with the standard library's C JSON decoder
(`solvers/policy_fast.py`) and finds source positions only when an error needs one; the span-keeping parse
(`solvers.policy._full_policy`, over `solvers/jsonspan.py`) is the path for anything unusual. Both parse
the same 2,000 generated identity policies (bench/gen.py, both sides of its 1,000 pairs), best of 5 rounds
of CPU time in one process.

Usage: .venv/bin/python bench/parse.py [--pairs N] [--rounds N]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))


def best_of(rounds: int, fn, texts: list[str]) -> float:
    times = []
    for _ in range(rounds):
        start = time.process_time()
        for text in texts:
            fn(text)
        times.append(time.process_time() - start)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    from gen import generate_pairs

    from solvers.policy import _full_policy, parse_policy
    texts = [t for pair in generate_pairs(args.pairs) for t in (pair.new, pair.existing)]
    fast = best_of(args.rounds, parse_policy, texts)
    full = best_of(args.rounds, _full_policy, texts)
    size = sum(len(t) for t in texts) / len(texts)
    print(f"policy parsing: {len(texts)} generated identity policies (mean {size:,.0f} characters), "
          f"best of {args.rounds} rounds, CPU time")
    print("| parse | total | per policy | vs span-keeping |")
    print("|---|---|---|---|")
    for name, seconds in (("fast (C decoder, lazy spans)", fast), ("span-keeping (jsonspan)", full)):
        print(f"| {name} | {seconds:.3f} s | {seconds / len(texts) * 1e6:.0f} µs | {full / seconds:.1f}x |")


if __name__ == "__main__":
    main()
