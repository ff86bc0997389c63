"""Benchmark of the no-new-access check (`make bench`). Not a test: it prints tables and exits 0.

Measured in-process, one call of `solvers.checks.check_no_new_access` per pair, after one warm-up
(catalog load, z3 import), with `time.perf_counter`:

  (a) the corpus pairs: Quacky's 612 CheckNoNewAccess cases and the CheckNoNewAccess cases AWS recorded;
  (b) 1,000 generated identity-policy pairs (bench/gen.py, seeded random.Random(2026));
  (c) the same corpus pairs and a deterministic sample of (b) through a naive Z3 string encoding
      (bench/naive.py, 2 s per-query timeout), next to trustmap's figures on the SAME pairs.

Usage: .venv/bin/python bench/run.py [--quick] [--json PATH] [--pairs N] [--naive-sample N] [--variables N]
"""
from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:0] = [str(REPO), str(HERE)]

import z3  # noqa: E402
from gen import generate_pairs  # noqa: E402
from naive import TIMEOUT_MS as NAIVE_TIMEOUT_MS  # noqa: E402
from naive import naive_check  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from solvers.checks import check_no_new_access  # noqa: E402
from solvers.errors import InputError, UndecidedError  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus"
QUACKY = CORPUS / "peers" / "quacky" / "checks" / "cases.jsonl"
RECORDED = CORPUS / "aa-recorded" / "checks" / "cases.jsonl"

TARGET_P50_MS = 5.0
TARGET_P99_MS = 100.0
TARGET_SPEEDUP = 20.0
P50_NAME = "speed-up vs naive string encoding (p50)"
TOTAL_NAME = "speed-up vs naive string encoding (total)"

console = Console(width=150)
err = Console(stderr=True)


@dataclass(frozen=True)
class BenchPair:
    id: str
    new: str
    existing: str
    policy_type: str
    expect: str | None = None  # the corpus answer, when there is one
    statements: int | None = None  # statements of the new policy (generated pairs)


@dataclass
class Outcome:
    id: str
    result: str  # PASS | FAIL | TIMEOUT | ERROR
    ms: float  # as measured (wall clock of the call)
    detail: str = ""


# ---------------------------------------------------------------------------------------------- inputs

def _code_version() -> str:
    """The commit measured, and whether solvers/ differs from it (read-only git calls)."""
    def git(*a: str) -> str:
        try:
            return subprocess.run(["git", "--no-optional-locks", *a], cwd=REPO, capture_output=True,
                                  text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""
    head = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--", "solvers")
    return head + (" (solvers/ has uncommitted changes)" if dirty else "")


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def _read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def corpus_pairs(path: Path) -> list[BenchPair]:
    out = []
    for c in _read_jsonl(path):
        if c.get("check") != "CheckNoNewAccess":
            continue
        out.append(BenchPair(c["id"], c["newPolicy"], c["existingPolicy"], c["policyType"],
                             (c.get("expect") or {}).get("result")))
    return out


def generated_pairs(n: int, variables: bool = False) -> list[BenchPair]:
    return [BenchPair(p.id, p.new, p.existing, p.policy_type, None, p.statements)
            for p in generate_pairs(n, variables=variables)]


# ---------------------------------------------------------------------------------------------- runners

def run_trustmap(pair: BenchPair) -> Outcome:
    t0 = time.perf_counter()
    try:
        result = check_no_new_access(pair.new, pair.existing, pair.policy_type).result
        detail = ""
    except UndecidedError as e:
        result, detail = "TIMEOUT", str(e)
    except InputError as e:
        result, detail = "ERROR", f"InputError: {e}"
    except Exception as e:  # noqa: BLE001 - a benchmark counts crashes, it does not stop on them
        result, detail = "ERROR", f"{type(e).__name__}: {e}"
    return Outcome(pair.id, result, (time.perf_counter() - t0) * 1000, detail)


def run_naive(pair: BenchPair) -> Outcome:
    t0 = time.perf_counter()
    try:
        result, detail = naive_check(pair.new, pair.existing, pair.policy_type), ""
    except Exception as e:  # noqa: BLE001
        result, detail = "ERROR", f"{type(e).__name__}: {e}"
    return Outcome(pair.id, result, (time.perf_counter() - t0) * 1000, detail)


def measure(label: str, pairs: Sequence[BenchPair], fn: Callable[[BenchPair], Outcome]) -> list[Outcome]:
    out: list[Outcome] = []
    t0 = time.perf_counter()
    step = max(1, len(pairs) // 4)
    for i, p in enumerate(pairs, 1):
        out.append(fn(p))
        if i % step == 0 or i == len(pairs):
            err.print(f"  [dim]{label}: {i}/{len(pairs)}  ({time.perf_counter() - t0:.1f} s)[/dim]")
    return out


# ---------------------------------------------------------------------------------------------- figures

def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not sorted_values:
        return math.nan
    pos = (len(sorted_values) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def latencies(outcomes: Sequence[Outcome], timeout_cap_ms: float | None = None) -> list[float]:
    """Latencies in ms; with a cap, every TIMEOUT counts as exactly `timeout_cap_ms`."""
    return sorted(timeout_cap_ms if (timeout_cap_ms is not None and o.result == "TIMEOUT") else o.ms
                  for o in outcomes)


def summarize(outcomes: Sequence[Outcome], timeout_cap_ms: float | None = None) -> dict:
    lat = latencies(outcomes, timeout_cap_ms)
    return {
        "pairs": len(outcomes),
        "pass": sum(o.result == "PASS" for o in outcomes),
        "fail": sum(o.result == "FAIL" for o in outcomes),
        "timeouts": sum(o.result == "TIMEOUT" for o in outcomes),
        "errors": sum(o.result == "ERROR" for o in outcomes),
        "p50_ms": percentile(lat, 0.50),
        "p99_ms": percentile(lat, 0.99),
        "max_ms": lat[-1] if lat else math.nan,
        "total_s": sum(lat) / 1000,
        "wall_s": sum(o.ms for o in outcomes) / 1000,
    }


def agreement(a: Sequence[Outcome], b: Sequence[Outcome]) -> dict:
    """Verdict agreement on the pairs where both sides gave PASS or FAIL."""
    decided = [(x.result, y.result) for x, y in zip(a, b, strict=True)
               if x.result in ("PASS", "FAIL") and y.result in ("PASS", "FAIL")]
    same = sum(x == y for x, y in decided)
    return {"decided_pairs": len(decided), "agree": same, "of_pairs": len(a),
            "rate_decided": same / len(decided) if decided else math.nan,
            "rate_all": same / len(a) if a else math.nan}


def expect_match(pairs: Sequence[BenchPair], outcomes: Sequence[Outcome]) -> tuple[int, int]:
    known = [(p.expect, o.result) for p, o in zip(pairs, outcomes, strict=True) if p.expect in ("PASS", "FAIL")]
    return sum(e == r for e, r in known), len(known)


def ms(x: float) -> str:
    if math.isnan(x):
        return "—"
    return f"{x:,.1f}" if x < 100 else f"{x:,.0f}"


def ratio(x: float) -> str:
    return "—" if math.isnan(x) else f"{x:,.1f}×"


def _finite(x):
    """NaN is not JSON: write null instead."""
    if isinstance(x, float) and math.isnan(x):
        return None
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_finite(v) for v in x]
    return x


def mark(ok: bool) -> str:
    return "[green]✓[/green]" if ok else "[red]✗[/red]"


# ---------------------------------------------------------------------------------------------- main

def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="smoke run: a tenth of the corpus, 100 generated "
                    "pairs, naive on 20 of them")
    ap.add_argument("--json", metavar="PATH", type=Path, help="write every figure (and per-pair results) here")
    ap.add_argument("--pairs", type=int, help="generated pairs for (b) (default 1000; --quick 100)")
    ap.add_argument("--naive-sample", type=int, help="first N generated pairs also run through the naive "
                    "encoding (default 100; --quick 20)")
    ap.add_argument("--variables", type=int, default=0, metavar="N",
                    help="extra set: N generated pairs with ${aws:username} resources (trustmap only; off by default)")
    args = ap.parse_args(argv)
    n_gen = args.pairs if args.pairs is not None else (100 if args.quick else 1000)
    n_naive = min(n_gen, args.naive_sample if args.naive_sample is not None else (20 if args.quick else 100))
    started = time.perf_counter()

    env = {"z3": z3.get_full_version(), "python": platform.python_version(),
           "implementation": platform.python_implementation(), "platform": platform.platform(),
           "cpu_count": os.cpu_count(),
           "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
           "mode": "quick" if args.quick else "full", "commit": _code_version(), "load_at_start": _load()}
    console.print(f"[bold]trustmap no-new-access benchmark[/bold]  ({env['mode']} run)")
    console.print(f"z3 {env['z3']}   Python {env['python']} ({env['implementation']})   "
                  f"CPUs {env['cpu_count']} (usable {env['cpus_usable']})   {env['platform']}")
    console.print(f"trustmap commit {env['commit']}   load average at start {env['load_at_start']}")

    quacky, recorded = corpus_pairs(QUACKY), corpus_pairs(RECORDED)
    if args.quick:
        quacky = quacky[::10]
    corpus = quacky + recorded
    err.print(f"generating {n_gen} pairs (seed 2026) ...")
    gen = generated_pairs(n_gen)
    gen_var = generated_pairs(args.variables, variables=True) if args.variables else []
    naive_gen = gen[:n_naive]

    # warm-up: catalog load, z3 import and first context for both engines (not timed)
    for p in (corpus[0], gen[0]):
        run_trustmap(p)
        run_naive(p)

    err.print("trustmap ...")
    t_quacky = measure("trustmap corpus/quacky", quacky, run_trustmap)
    t_recorded = measure("trustmap corpus/aa-recorded", recorded, run_trustmap)
    t_gen = measure("trustmap generated", gen, run_trustmap)
    t_var = measure("trustmap generated+variables", gen_var, run_trustmap) if gen_var else []
    err.print(f"naive (timeout {NAIVE_TIMEOUT_MS} ms) ...")
    n_corpus = measure("naive corpus", corpus, run_naive)
    n_gen_out = measure("naive generated sample", naive_gen, run_naive)
    t_corpus = t_quacky + t_recorded
    t_gen_sample = t_gen[:n_naive]

    # ------------------------------------------------------------------ table 1: trustmap
    sets = [("(a) corpus: quacky", quacky, t_quacky), ("(a) corpus: aa-recorded", recorded, t_recorded),
            ("(a) corpus: all", corpus, t_corpus), (f"(b) generated ({n_gen})", gen, t_gen)]
    if gen_var:
        sets.append((f"(b') generated with policy variables ({len(gen_var)})", gen_var, t_var))
    figures: dict = {"env": env, "trustmap": {}, "naive": {}, "comparison": {}, "targets": []}
    tab = Table(title="trustmap — solvers.checks.check_no_new_access, in-process, per pair (ms)")
    for col in ("set", "pairs", "PASS", "FAIL", "timeouts", "errors", "p50", "p99", "max", "total (s)",
                "= corpus answer"):
        tab.add_column(col, justify="left" if col == "set" else "right")
    for name, pairs, outs in sets:
        s = summarize(outs)
        agree, known = expect_match(pairs, outs)
        s["matches_expect"], s["with_expect"] = agree, known
        figures["trustmap"][name] = s
        tab.add_row(name, str(s["pairs"]), str(s["pass"]), str(s["fail"]),
                    f"{s['timeouts']}" if s["timeouts"] == 0 else f"[red]{s['timeouts']}[/red]",
                    str(s["errors"]), ms(s["p50_ms"]), ms(s["p99_ms"]), ms(s["max_ms"]), f"{s['total_s']:.2f}",
                    f"{agree}/{known}" if known else "—")
    console.print(tab)
    g = figures["trustmap"][f"(b) generated ({n_gen})"]
    decided = g["pass"] + g["fail"]
    console.print(f"(b) PASS/FAIL split: {g['pass']} PASS / {g['fail']} FAIL"
                  + (f" ({100 * g['pass'] / decided:.0f} % / {100 * g['fail'] / decided:.0f} %)" if decided else ""))
    for name, _, outs in sets:
        bad = [o for o in outs if o.result in ("ERROR", "TIMEOUT")]
        for o in bad[:5]:
            console.print(f"  {name}: {o.id}: {o.result} after {o.ms:.0f} ms — {o.detail[:110]}")
        if len(bad) > 5:
            console.print(f"  {name}: … and {len(bad) - 5} more")

    # ------------------------------------------------------------------ table 2: (b) by size
    size = Table(title="trustmap on (b) by statements in the new policy (ms)")
    for col in ("statements", "pairs", "PASS", "FAIL", "p50", "p99", "max", "total (s)"):
        size.add_column(col, justify="right")
    by_size: dict = {}
    for lo in range(1, 51, 10):
        outs = [o for p, o in zip(gen, t_gen, strict=True) if p.statements is not None and lo <= p.statements < lo + 10]
        if not outs:
            continue
        s = summarize(outs)
        by_size[f"{lo}-{lo + 9}"] = s
        size.add_row(f"{lo}–{lo + 9}", str(s["pairs"]), str(s["pass"]), str(s["fail"]), ms(s["p50_ms"]),
                     ms(s["p99_ms"]), ms(s["max_ms"]), f"{s['total_s']:.2f}")
    figures["trustmap_generated_by_statements"] = by_size
    console.print(size)

    # ------------------------------------------------------------------ table 3: trustmap vs naive
    comp = [(f"(a) corpus: all ({len(corpus)})", t_corpus, n_corpus),
            (f"(b) generated: first {n_naive}", t_gen_sample, n_gen_out)]
    cmp_tab = Table(title=f"trustmap vs naive string encoding on the SAME pairs (naive: Z3 timeout "
                          f"{NAIVE_TIMEOUT_MS} ms per query; a timeout counts as {NAIVE_TIMEOUT_MS:,} ms)")
    cmp_tab.add_column("figure")
    for name, _, _ in comp:
        cmp_tab.add_column(name, justify="right")
    rows: dict[str, list[str]] = {}
    for name, tout, nout in comp:
        ts, ns = summarize(tout), summarize(nout, timeout_cap_ms=NAIVE_TIMEOUT_MS)
        ag = agreement(tout, nout)
        sp50 = ns["p50_ms"] / ts["p50_ms"] if ts["p50_ms"] else math.nan
        stot = ns["total_s"] / ts["total_s"] if ts["total_s"] else math.nan
        figures["naive"][name] = ns
        figures["comparison"][name] = {"trustmap": ts, "naive": ns, "agreement": ag,
                                       P50_NAME: sp50, TOTAL_NAME: stot}
        cells = {
            "trustmap p50 (ms)": ms(ts["p50_ms"]), "trustmap p99 (ms)": ms(ts["p99_ms"]),
            "trustmap total (s)": f"{ts['total_s']:.2f}",
            "trustmap timeouts / errors": f"{ts['timeouts']} / {ts['errors']}",
            "naive p50 (ms)": ms(ns["p50_ms"]), "naive p99 (ms)": ms(ns["p99_ms"]),
            "naive total (s)": f"{ns['total_s']:.2f}",
            f"naive timeouts (> {NAIVE_TIMEOUT_MS} ms) / errors": f"{ns['timeouts']} / {ns['errors']}",
            "naive PASS / FAIL": f"{ns['pass']} / {ns['fail']}",
            "verdict agreement naive vs trustmap (both decided)":
                f"{ag['agree']}/{ag['decided_pairs']} = {100 * ag['rate_decided']:.1f} %" if ag["decided_pairs"]
                else "—",
            "verdict agreement naive vs trustmap (all pairs)": f"{ag['agree']}/{ag['of_pairs']} = "
                                                              f"{100 * ag['rate_all']:.1f} %",
            P50_NAME: ratio(sp50), TOTAL_NAME: ratio(stot),
        }
        for k, v in cells.items():
            rows.setdefault(k, []).append(v)
    for figure, values in rows.items():
        cmp_tab.add_row(figure, *values)
    console.print(cmp_tab)

    # ------------------------------------------------------------------ table 4: targets
    targets = Table(title="targets")
    for col in ("target", "measured", "met"):
        targets.add_column(col, justify="left" if col != "met" else "center")

    def target(name: str, measured: str, ok: bool) -> None:
        figures["targets"].append({"target": name, "measured": measured, "met": ok})
        targets.add_row(name, measured, mark(ok))

    target(f"p50 ≤ {TARGET_P50_MS:g} ms on (b)", f"{ms(g['p50_ms'])} ms", g["p50_ms"] <= TARGET_P50_MS)
    target(f"p99 ≤ {TARGET_P99_MS:g} ms on (b)", f"{ms(g['p99_ms'])} ms", g["p99_ms"] <= TARGET_P99_MS)
    for name, _, outs in sets:
        n_to = sum(o.result == "TIMEOUT" for o in outs)
        target(f"0 timeouts (UndecidedError): {name}", str(n_to), n_to == 0)
    for name, _, _ in comp:
        c = figures["comparison"][name]
        for key in (P50_NAME, TOTAL_NAME):
            target(f"≥ {TARGET_SPEEDUP:g}× {key}: {name}", ratio(c[key]),
                   not math.isnan(c[key]) and c[key] >= TARGET_SPEEDUP)
    console.print(targets)
    console.print("(for information, no target) corpus: "
                  f"p50 {ms(figures['trustmap']['(a) corpus: all']['p50_ms'])} ms, "
                  f"p99 {ms(figures['trustmap']['(a) corpus: all']['p99_ms'])} ms")
    elapsed = time.perf_counter() - started
    console.print(f"benchmark wall time {elapsed:.0f} s   load average at end {_load()}")
    figures["wall_time_s"] = elapsed

    if args.json:
        figures["per_pair"] = {
            "trustmap": {"corpus": [asdict(o) for o in t_corpus], "generated": [asdict(o) for o in t_gen],
                         "generated_variables": [asdict(o) for o in t_var]},
            "naive": {"corpus": [asdict(o) for o in n_corpus], "generated": [asdict(o) for o in n_gen_out]},
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(_finite(figures), indent=1, default=str) + "\n", encoding="utf-8")
        console.print(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
