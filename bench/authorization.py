"""Benchmark of whole-request authorization (`make bench`). Not a test: it prints a table and exits 0.

Generated contexts, seeded: 1-10 identity policies of 1-4 statements (actions of a few services, ARN
globs, conditions on tags, Regions and source IPs), a permissions boundary, 3 SCP levels (FullAWSAccess
plus conditional Denies), one RCP level (RCPFullAWSAccess plus a Deny), a resource policy naming the
account, a role or `*` under conditions; callers are users and role sessions of the owner's or another
account. Measured, per call, in CPU time (`time.process_time`: the machine is shared):

  concrete   `decide(context, request)` per (action, resource), each context asked 20 requests;
  symbolic   `allowed_request(context, [action], [resource])`: "is any request allowed?", with a witness
             replayed through `decide` (counted: undecided answers, i.e. timeouts);
  simulate   `trustmap simulate --input FILE` as a whole process, imports included: wall clock (moves
             with the machine's load) and CPU time of the child (does not).

Usage: .venv/bin/python bench/authorization.py [--contexts N] [--runs N]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO)]

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from solvers.authorization.context import AuthContext, AuthRequest, Caller, Source  # noqa: E402
from solvers.authorization.decide import decide  # noqa: E402
from solvers.authorization.symbolic import allowed_request  # noqa: E402
from solvers.errors import UndecidedError  # noqa: E402
from solvers.policy import parse_policy  # noqa: E402

OWNER, OTHER = "111122223333", "444455556666"
ACTIONS = ("s3:GetObject", "s3:PutObject", "s3:ListBucket", "s3:DeleteObject", "sqs:SendMessage",
           "kms:Decrypt", "dynamodb:GetItem", "ec2:DescribeInstances", "iam:PassRole", "sts:AssumeRole")
ACTION_GLOBS = ACTIONS + ("s3:Get*", "s3:*", "sqs:*", "kms:*", "ec2:Describe*", "dynamodb:*")
RESOURCES = ("arn:aws:s3:::data-bucket", "arn:aws:s3:::data-bucket/reports/q1.csv",
             f"arn:aws:sqs:us-east-1:{OWNER}:jobs", f"arn:aws:kms:us-east-1:{OWNER}:key/k-1",
             f"arn:aws:dynamodb:eu-west-1:{OWNER}:table/orders", f"arn:aws:iam::{OWNER}:role/app")
RESOURCE_GLOBS = ("*", "arn:aws:s3:::data-bucket/*", "arn:aws:s3:::data-*", f"arn:aws:sqs:*:{OWNER}:*",
                  f"arn:aws:kms:*:{OWNER}:key/*", "arn:aws:dynamodb:*:*:table/orders*", f"arn:aws:iam::{OWNER}:role/*")
CONDITIONS = ({"StringEquals": {"aws:PrincipalTag/team": "data"}},
              {"StringEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}},
              {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {"Bool": {"aws:SecureTransport": "true"}},
              {"StringLike": {"s3:prefix": "reports/*"}}, {"StringEquals": {"aws:PrincipalOrgID": "o-abc"}})
CALLERS = (f"arn:aws:iam::{OWNER}:user/alice", f"arn:aws:sts::{OWNER}:assumed-role/app/s1",
           f"arn:aws:iam::{OTHER}:user/bob", f"arn:aws:sts::{OTHER}:assumed-role/ci/run")


def _pick(rng: random.Random, pool: tuple, most: int = 3) -> list:
    return rng.sample(pool, rng.randint(1, most))


def _statement(rng: random.Random, effect: str = "Allow", principal: object | None = None) -> dict:
    stmt: dict = {"Effect": effect, "Action": _pick(rng, ACTION_GLOBS), "Resource": _pick(rng, RESOURCE_GLOBS, 2)}
    if principal is not None:
        stmt["Principal"] = principal
    if rng.random() < 0.5:
        stmt["Condition"] = rng.choice(CONDITIONS)
    return stmt


def _source(statements: list[dict], source_id: str) -> Source:
    return Source(parse_policy(json.dumps({"Version": "2012-10-17", "Statement": statements}, indent=2)), source_id)


def _guardrail(rng: random.Random, source_id: str, principal: object | None = None) -> Source:
    full = {"Effect": "Allow", "Action": "*", "Resource": "*", **({"Principal": principal} if principal else {})}
    denies = [_statement(rng, "Deny", principal) for _ in range(rng.randint(0, 2))]
    for d in denies:
        d.setdefault("Condition", rng.choice(CONDITIONS))
    return _source([full, *denies], source_id)


def context(rng: random.Random) -> AuthContext:
    caller = Caller.from_arn(rng.choice(CALLERS))
    identity = tuple(_source([_statement(rng) for _ in range(rng.randint(1, 4))], f"PolicyInputList.{i}")
                     for i in range(1, rng.randint(1, 10) + 1))
    principals = ("*", {"AWS": OWNER}, {"AWS": OTHER}, {"AWS": f"arn:aws:iam::{OWNER}:role/app"})
    resource_policy = _source([_statement(rng, rng.choice(("Allow", "Allow", "Deny")), rng.choice(principals))
                               for _ in range(rng.randint(1, 3))], "ResourcePolicy")
    boundary = _source([{"Effect": "Allow", "Action": _pick(rng, ACTION_GLOBS, 5), "Resource": "*"}], "Boundary")
    return AuthContext(caller, OWNER, identity, resource_policy, boundary,
                       scp_levels=tuple((_guardrail(rng, f"SCP.{i}"),) for i in range(1, 4)),
                       rcp_levels=((_guardrail(rng, "RCP.1", "*"),),))


def request(rng: random.Random) -> AuthRequest:
    ctx = {"aws:PrincipalTag/team": rng.choice(("data", "web")), "aws:SourceIp": rng.choice(("10.1.2.3", "8.8.8.8")),
           "aws:RequestedRegion": rng.choice(("us-east-1", "ap-south-1")), "aws:SecureTransport": "true"}
    return AuthRequest.of(rng.choice(ACTIONS), rng.choice(RESOURCES), ctx)


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    return (statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], ordered[-1])


def bench_concrete(contexts: list[AuthContext], rng: random.Random) -> tuple[list[float], int]:
    out, allowed = [], 0
    for ctx in contexts:
        for _ in range(20):
            req = request(rng)
            start = time.process_time()
            d = decide(ctx, req)
            out.append(time.process_time() - start)
            allowed += d.allowed
    return out, allowed


def bench_symbolic(contexts: list[AuthContext], rng: random.Random) -> tuple[list[float], int, int]:
    allowed_request(contexts[0], ["s3:GetObject"], [RESOURCES[0]])  # warm-up: the catalog loads once
    out, allowed, undecided = [], 0, 0
    for ctx in contexts:
        action, resource = rng.choice(ACTIONS), rng.choice(RESOURCES)
        start = time.process_time()
        try:
            allowed += allowed_request(ctx, [action], [resource]).allowed
        except UndecidedError:
            undecided += 1
        out.append(time.process_time() - start)
    return out, allowed, undecided


def bench_process(runs: int) -> tuple[list[float], list[float]]:
    """Wall clock and CPU time (user + system) of each whole `trustmap simulate` process."""
    doc = lambda *s: json.dumps({"Version": "2012-10-17", "Statement": list(s)})  # noqa: E731
    full = doc({"Effect": "Allow", "Action": "*", "Resource": "*"})
    data = {"PolicyInputList": [doc({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})],
            "OrderedOrganizationPolicyInputList": [{"ServiceControlPolicyInputList": [full]}] * 3,
            "ActionNames": ["s3:GetObject", "s3:DeleteObject"], "ResourceArns": ["arn:aws:s3:::b/k"],
            "CallerArn": f"arn:aws:iam::{OWNER}:user/alice"}
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(data, fh)
    wall, cpu = [], []
    try:
        for _ in range(runs):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "pipeline.cli", "simulate", "--input", fh.name], env=env,
                           check=True, capture_output=True)
            wall.append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    finally:
        os.unlink(fh.name)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contexts", type=int, default=300)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    rng = random.Random(15)
    contexts = [context(rng) for _ in range(args.contexts)]
    concrete, c_allowed = bench_concrete(contexts, rng)
    symbolic, s_allowed, undecided = bench_symbolic(contexts, rng)
    wall, cpu = bench_process(args.runs)
    table = Table(title=f"whole-request authorization ({args.contexts} generated contexts)")
    for col in ("measure", "calls", "p50", "p99", "max", "target", "notes"):
        table.add_column(col)
    ms = lambda s: f"{s * 1e3:.3f} ms"  # noqa: E731
    p = percentiles(concrete)
    table.add_row("concrete decide", str(len(concrete)), ms(p[0]), ms(p[1]), ms(p[2]), "p50 ≤ 0.2 ms, p99 ≤ 2 ms",
                  f"{c_allowed} allowed")
    p = percentiles(symbolic)
    table.add_row("symbolic: any request allowed?", str(len(symbolic)), ms(p[0]), ms(p[1]), ms(p[2]),
                  "p50 ≤ 10 ms, p99 ≤ 200 ms", f"{s_allowed} allowed, {undecided} timeouts")
    for name, samples in (("wall clock", wall), ("CPU time", cpu)):
        p = percentiles(samples)
        table.add_row(f"trustmap simulate --input, {name}", str(len(samples)), ms(p[0]), ms(p[1]), ms(p[2]),
                      "p50 ≤ 500 ms", "whole process, imports included")
    Console().print(table)


if __name__ == "__main__":
    main()
