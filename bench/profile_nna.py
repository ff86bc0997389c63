"""Where trustmap's no-new-access time goes: cProfile over generated pairs of 30–50 statements.

Usage: .venv/bin/python bench/profile_nna.py [--pairs 50] [--top 15] [--out PATH.prof]
Prints the top entries by cumulative time that live in solvers/, then the top entries overall.
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

from gen import generate_pairs  # noqa: E402

from solvers.checks import check_no_new_access  # noqa: E402
from solvers.errors import TrustmapError  # noqa: E402


def _short(filename: str) -> str:
    for marker in ("/solvers/", "/site-packages/", "/lib/python3"):
        if marker in filename:
            return marker.strip("/").split("/")[-1] + "/" + filename.split(marker, 1)[1]
    return filename


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=50)
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    pairs = generate_pairs(args.pairs, min_statements=30, max_statements=50)
    check_no_new_access(pairs[0].new, pairs[0].existing, pairs[0].policy_type)  # warm-up
    prof = cProfile.Profile()
    results: dict[str, int] = {}
    t0 = time.perf_counter()
    prof.enable()
    for p in pairs:
        try:
            r = check_no_new_access(p.new, p.existing, p.policy_type).result
        except TrustmapError as e:
            r = type(e).__name__
        results[r] = results.get(r, 0) + 1
    prof.disable()
    wall = time.perf_counter() - t0
    if args.out:
        prof.dump_stats(str(args.out))
    st = pstats.Stats(prof)
    rows = []
    for (fn, line, name), (cc, nc, tt, ct, _callers) in st.stats.items():  # type: ignore[attr-defined]
        rows.append((ct, tt, nc, cc, fn, line, name))
    rows.sort(reverse=True)
    # percentages are of the time inside check_no_new_access (the profiled calls)
    total = next(r[0] for r in rows if r[6] == "check_no_new_access")
    print(f"{len(pairs)} generated pairs, 30–50 statements (seed 2026): {results}; wall {wall:.2f} s under "
          f"the profiler; {total:.2f} s inside check_no_new_access (= 100 %)")

    def show(title: str, selected: list) -> None:
        print(f"\n{title}")
        print(f"{'cumtime s':>10} {'% check':>8} {'tottime s':>10} {'calls':>10}  function")
        for ct, tt, nc, cc, fn, line, name in selected:
            calls = f"{nc}" if nc == cc else f"{nc}/{cc}"
            print(f"{ct:10.3f} {100 * ct / total:7.1f}% {tt:10.3f} {calls:>10}  {_short(fn)}:{line}({name})")

    show(f"top {args.top} cumulative entries in solvers/",
         [r for r in rows if "/solvers/" in r[4]][: args.top])
    show("top 12 by own time (tottime), any module",
         sorted(rows, key=lambda r: r[1], reverse=True)[:12])
    return 0


if __name__ == "__main__":
    sys.exit(main())
