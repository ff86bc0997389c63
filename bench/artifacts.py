"""Benchmark of the artifact writers (`make bench`). Not a test: prints a table, exits 0.

Synthetic findings of an organization (external access over SQS queues, unused-access findings on
roles; 1,000 accounts x 2 Regions by default) in the three lifecycle statuses are written by
`pipeline.artifacts.write_artifacts` as a scan writes them: findings.json, the OCSF lines, the ASFF
batches, run.json and the lifecycle state. Reported per size: seconds, findings per second, and the
peak of memory allocated by the writers (tracemalloc) beside the findings' own size: the writers stream,
so the peak stays a small, constant part of the input.

Usage: .venv/bin/python bench/artifacts.py [--findings N ...]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

STATUSES = ("ACTIVE", "ARCHIVED", "RESOLVED")


def findings(n: int, accounts: int = 1000) -> list[dict]:
    out = []
    for i in range(n):
        account = f"{100000000000 + i % accounts:012d}"
        region = ("us-east-1", "eu-west-1")[(i // accounts) % 2]
        base = {"id": f"{i:08d}-0000-5000-8000-000000000000", "resourceOwnerAccount": account, "region": region,
                "status": STATUSES[i % 3], "createdAt": "2026-01-01T00:00:00Z", "analyzedAt": "2026-01-02T00:00:00Z",
                "updatedAt": "2026-01-02T00:00:00Z", "error": None}
        if i % 4:
            out.append({**base, "principal": {"AWS": "999988887777"}, "action": ["sqs:SendMessage"],
                        "resource": f"arn:aws:sqs:{region}:{account}:queue-{i}", "resourceType": "AWS::SQS::Queue",
                        "isPublic": False, "condition": {"aws:SourceVpc": "vpc-1a2b3c4d"},
                        "sources": [{"type": "POLICY"}],
                        "example": {"action": "sqs:SendMessage", "principal": {"AWS": "arn:aws:iam::999988887777:root"},
                                    "resource": f"arn:aws:sqs:{region}:{account}:queue-{i}", "context": {}}})
        else:
            out.append({**base, "findingType": "UnusedPermission", "resource": f"arn:aws:iam::{account}:role/r{i}",
                        "resourceType": "AWS::IAM::Role",
                        "findingDetails": [{"unusedPermissionDetails": {"serviceNamespace": s}}
                                           for s in ("s3", "sqs", "kms")]})
    return out


def measure(n: int) -> tuple[float, int, int]:
    """Seconds (a plain run), the writers' peak memory (a second run under tracemalloc, which slows
    allocation) and the bytes written."""
    from pipeline.artifacts import write_artifacts
    data = findings(n)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        write_artifacts(Path(tmp), data, {"counts": {}}, "bench", "us-east-1")
        seconds = time.perf_counter() - started
        written = sum(p.stat().st_size for p in Path(tmp).rglob("*") if p.is_file())
        tracemalloc.start()
        write_artifacts(Path(tmp), data, {"counts": {}}, "bench", "us-east-1")
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return seconds, peak, written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--findings", type=int, nargs="+", default=[20_000, 100_000])
    args = parser.parse_args()
    table = Table("findings", "seconds", "findings/s", "writers' peak MB", "written MB",
                  title="artifact writers (findings.json, OCSF, ASFF batches, state)")
    for n in args.findings:
        seconds, peak, written = measure(n)
        table.add_row(f"{n:,}", f"{seconds:.2f}", f"{n / seconds:,.0f}", f"{peak / 1e6:.1f}", f"{written / 1e6:.0f}")
    Console(width=120).print(table)


if __name__ == "__main__":
    main()
