"""Benchmark of internal access (`make bench`). Not a test: it prints a table and exits 0.

A synthetic organization written as a `trustmap collect` snapshot, seeded: ACCOUNTS accounts under five
OUs (3 SCP levels: root, OU, account; FullAWSAccess everywhere, a Deny at the root, a Region lock with a
condition on two OUs; RCPFullAWSAccess everywhere and an organization-only S3 RCP on two OUs), PRINCIPALS
roles and users, 70% of them Identity Center roles from 40 shared permission sets and the rest with
policies of their own (services, bucket and table ARNs, conditions), and RESOURCES critical resources
(S3 buckets, DynamoDB tables and streams, RDS snapshots) with resource policies: none, a same-account
role, another account, or everyone in the organization.

The scan's internal-access stage (pipeline.scan_internal) runs on the snapshot with local Ray, 1 then
2 CPUs, each in a fresh interpreter on a Ray warmed up by a small organization (as bench/scan.py does).
Reported: wall time, peak memory of the whole process tree (driver, raylet, workers; sampled), the solver
questions asked against the naive product principals x resources x actions, and the 1 -> 2 worker ratio:
measured on the wall clock, and predicted from the 1-worker run's CPU (the driver's main thread is the
serial part, the cells' CPU the parallel part; Amdahl's law, and the cells list-scheduled on 2 workers),
which a shared machine does not distort. Findings must be identical on 1 and 2 workers (digest).

Usage: .venv/bin/python bench/internal.py [--accounts N] [--principals N] [--resources N] [--workers 1,2]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO)]

import orjson  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

ORG, MANAGEMENT = "o-benchorg01", "000000000001"
REGIONS = ["us-east-1", "eu-west-1"]
SERVICES = ["s3", "dynamodb", "rds", "ec2", "lambda", "sqs", "kms", "logs", "cloudwatch", "iam"]


def doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(actions, resources="*", condition=None) -> dict:
    out = {"Effect": "Allow", "Action": actions, "Resource": resources}
    if condition:
        out["Condition"] = condition
    return out


def permission_sets(rng: random.Random) -> list[str]:
    """40 shared permission sets: admins, read-only, data, developers, narrow ones."""
    sets = [doc(allow("*")), doc({"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}),
            doc(allow(["s3:Get*", "s3:List*", "dynamodb:Describe*", "dynamodb:Get*", "rds:Describe*"])),
            doc(allow(["s3:*", "dynamodb:*"]), {"Effect": "Deny", "Action": "s3:Delete*", "Resource": "*"})]
    while len(sets) < 40:
        services = rng.sample(SERVICES, rng.randint(1, 3))
        actions = [f"{s}:{rng.choice(['*', 'Get*', 'List*', 'Describe*', 'Put*'])}" for s in services]
        cond = {"StringEquals": {"aws:RequestedRegion": rng.choice(REGIONS)}} if rng.random() < 0.2 else None
        sets.append(doc(allow(actions, "*", cond)))
    return sets


def own_policy(rng: random.Random, account: str, buckets: list[str], tables: list[str]) -> str:
    kind = rng.random()
    if kind < 0.3 and buckets:
        b = rng.choice(buckets)
        return doc(allow(["s3:GetObject", "s3:PutObject", "s3:ListBucket"], [b, f"{b}/*"]))
    if kind < 0.5 and tables:
        return doc(allow(["dynamodb:Query", "dynamodb:GetItem"], rng.choice(tables)))
    if kind < 0.6:
        return doc(allow("s3:GetObject", "*", {"Bool": {"aws:SecureTransport": "true"}}))
    services = rng.sample(SERVICES[3:], 2)
    return doc(allow([f"{s}:*" for s in services]))


def build(root: Path, accounts: int, principals: int, resources: int, seed: int) -> dict:
    from connectors.aws.collect import Collection, ScopeResult
    from connectors.aws.organization import Account, Organization
    from connectors.snapshot import write_snapshot
    rng = random.Random(seed)
    ids = [f"{100000000000 + i:012d}" for i in range(accounts)]
    ous = [f"ou-bench-{i}" for i in range(5)]
    parent = {a: ous[i % 5] for i, a in enumerate(ids)}
    sets = permission_sets(rng)
    full = doc(allow("*"))
    rcp_full = doc({"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"})
    policies = [
        {"id": "p-full", "arn": "arn:p-full", "name": "FullAWSAccess", "type": "SERVICE_CONTROL_POLICY",
         "awsManaged": True, "content": full, "targets": [{"targetId": t} for t in ["r-root", *ous, *ids]]},
        {"id": "p-leave", "arn": "arn:p-leave", "name": "DenyLeave", "type": "SERVICE_CONTROL_POLICY",
         "awsManaged": False, "content": doc({"Effect": "Deny", "Action": "organizations:LeaveOrganization",
                                              "Resource": "*"}), "targets": [{"targetId": "r-root"}]},
        {"id": "p-region", "arn": "arn:p-region", "name": "RegionLock", "type": "SERVICE_CONTROL_POLICY",
         "awsManaged": False, "content": doc({"Effect": "Deny", "NotAction": ["iam:*", "sts:*"], "Resource": "*",
                                              "Condition": {"StringNotEquals": {"aws:RequestedRegion": REGIONS}}}),
         "targets": [{"targetId": ous[0]}, {"targetId": ous[1]}]},
        {"id": "p-rfull", "arn": "arn:p-rfull", "name": "RCPFullAWSAccess", "type": "RESOURCE_CONTROL_POLICY",
         "awsManaged": True, "content": rcp_full, "targets": [{"targetId": t} for t in ["r-root", *ous, *ids]]},
        {"id": "p-orgs3", "arn": "arn:p-orgs3", "name": "OrgOnlyS3", "type": "RESOURCE_CONTROL_POLICY",
         "awsManaged": False, "content": doc({"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
                                              "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": ORG}}}),
         "targets": [{"targetId": ous[2]}, {"targetId": ous[3]}]},
    ]
    res_by_account: dict[str, list[dict]] = {a: [] for a in ids}
    buckets: dict[str, list[str]] = {a: [] for a in ids}
    tables: dict[str, list[str]] = {a: [] for a in ids}
    for n in range(resources):
        a = ids[n % accounts]
        kind = rng.random()
        grant_to = rng.random()
        if kind < 0.5:
            arn, rtype, member, fld = f"arn:aws:s3:::bench-{n}", "AWS::S3::Bucket", "s3Bucket", "bucketPolicy"
            target = f"{arn}/*"
            buckets[a].append(arn)
        elif kind < 0.8:
            arn = f"arn:aws:dynamodb:us-east-1:{a}:table/bench-{n}"
            rtype, member, fld, target = "AWS::DynamoDB::Table", "dynamodbTable", "tablePolicy", arn
            tables[a].append(arn)
        elif kind < 0.9:
            arn = f"arn:aws:dynamodb:us-east-1:{a}:table/bench-{n}/stream/2026-01-01T00:00:00.000"
            rtype, member, fld, target = "AWS::DynamoDB::Stream", "dynamodbStream", "streamPolicy", arn
        else:
            arn, rtype, member, fld, target = (f"arn:aws:rds:us-east-1:{a}:snapshot:bench-{n}",
                                               "AWS::RDS::DBSnapshot", "rdsDbSnapshot", None, arn)
        policy = None
        if fld and grant_to > 0.4:
            service = rtype.split("::")[1].lower()
            acts = [f"{'s3' if service == 's3' else 'dynamodb'}:Get*"]
            if grant_to < 0.7:
                who = {"AWS": f"arn:aws:iam::{a}:role/app-{n % 50}"}
                policy = doc({"Effect": "Allow", "Principal": who, "Action": acts, "Resource": target})
            elif grant_to < 0.95:
                who = {"AWS": ids[(n + 1) % accounts]}
                policy = doc({"Effect": "Allow", "Principal": who, "Action": acts, "Resource": target})
            else:
                policy = doc({"Effect": "Allow", "Principal": "*", "Action": acts, "Resource": target,
                              "Condition": {"StringEquals": {"aws:PrincipalOrgID": ORG}}})
        conf = {fld: policy} if fld else {"attributes": []}
        res_by_account[a].append({"resourceArn": arn, "resourceType": rtype, "account": a, "region": "us-east-1",
                                  "configuration": {member: conf}})
    per_account = principals // accounts
    scopes = []
    for a in ids:
        roles, users = [], []
        for k in range(per_account):
            if rng.random() < 0.7:
                s = rng.randrange(40)
                roles.append({"RoleName": f"AWSReservedSSO_Set{s}_{k:04d}", "Path": "/aws-reserved/sso.amazonaws.com/",
                              "Arn": f"arn:aws:iam::{a}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Set{s}_{k:04d}",
                              "RolePolicyList": [{"PolicyName": f"set{s}", "PolicyDocument": sets[s]}],
                              "AttachedManagedPolicies": []})
            elif rng.random() < 0.7:
                roles.append({"RoleName": f"app-{k}", "Path": "/", "Arn": f"arn:aws:iam::{a}:role/app-{k}",
                              "RolePolicyList": [{"PolicyName": "own", "PolicyDocument":
                                                  own_policy(rng, a, buckets[a], tables[a])}],
                              "AttachedManagedPolicies": []})
            else:
                users.append({"UserName": f"user-{k}", "Arn": f"arn:aws:iam::{a}:user/user-{k}",
                              "UserPolicyList": [{"PolicyName": "own", "PolicyDocument":
                                                  own_policy(rng, a, buckets[a], tables[a])}],
                              "AttachedManagedPolicies": [], "GroupList": []})
        details = {"account": a, "RoleDetailList": roles, "UserDetailList": users, "GroupDetailList": [],
                   "Policies": []}
        scopes.append(ScopeResult(a, "us-east-1", True, resources=tuple(res_by_account[a]),
                                  iam_authorization_details=details))
    org = Organization(ORG, MANAGEMENT, MANAGEMENT,
                       tuple(Account(a, a, "ACTIVE", f"{ORG}/r-root/{parent[a]}/") for a in ids),
                       policies=tuple({**p, "targets": [{"type": "", "name": "", **t} for t in p["targets"]]}
                                      for p in policies))
    write_snapshot(Collection(org, tuple(scopes)), root)
    return {"accounts": accounts, "principals": per_account * accounts, "resources": resources}


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


def stage(snapshot: Path, cell_seconds: list[float] | None = None) -> tuple[list[dict], dict]:
    """The scan's internal-access stage on the snapshot (read included), every resource selected."""
    import ray

    from connectors.snapshot import read_snapshot
    from pipeline.scan_internal import internal_findings
    from pipeline.settings import ScanSettings
    collection = read_snapshot(snapshot)
    settings = ScanSettings(internal_zone="ORGANIZATION", internal_inclusions=((),))
    return internal_findings(ray, settings, collection.organization, [s.as_dict() for s in collection.scopes],
                             "2026-01-01T00:00:00Z", cell_seconds)


def measure(snapshot: Path, cpus: int, warm_up: Path, temp_dir: str) -> dict:
    """One measurement (run by `main` in a fresh interpreter each time): a Ray of `cpus` CPUs, warmed up on
    a small organization (its workers have imported the solver and loaded the IAM catalog, as a long
    scan's have), then the stage timed. The driver's CPU is its main thread's: the serial part."""
    import ray
    ray.init(num_cpus=cpus, include_dashboard=False, _temp_dir=temp_dir, log_to_driver=False)
    try:
        stage(warm_up)
        cells: list[float] = []
        with PeakMemory() as peak:
            started, driver = time.perf_counter(), time.thread_time()
            findings, summary = stage(snapshot, cells)
            wall, driver = time.perf_counter() - started, time.thread_time() - driver
    finally:
        ray.shutdown()
    digest = hashlib.sha256(orjson.dumps(findings, option=orjson.OPT_SORT_KEYS)).hexdigest()
    return {"cpus": cpus, "wall": wall, "driver": driver, "cells": cells, "peak": peak.peak, "summary": summary,
            "findingsTotal": len(findings), "digest": digest}


def measured(snapshot: Path, cpus: int, warm_up: Path, tmp: Path) -> dict:
    result = tmp / f"result{cpus}.json"
    subprocess.run([sys.executable, __file__, "--measure", str(snapshot), "--cpus", str(cpus), "--warm-up", str(warm_up),
                    "--result", str(result), "--temp-dir", str(tmp / f"ray{cpus}")], check=True)
    return json.loads(result.read_text())


def makespan(cells: list[float], workers: int) -> float:
    """The cells' CPU seconds run in submission order, each on the first worker free (as Ray does)."""
    free = [0.0] * workers
    for seconds in cells:
        free[free.index(min(free))] += seconds
    return max(free)


def scaling(one: dict, two: dict) -> Table:
    """1 -> 2 workers: measured, and predicted from the 1-worker run (the machine may be shared)."""
    task = sum(one["cells"])
    serial = one["driver"] / (one["driver"] + task)
    table = Table("measure", "value", "target", title="1 -> 2 Ray workers")
    table.add_row("cells (tasks), grid resources x principals",
                  f"{one['summary']['tasks']}, {' x '.join(map(str, one['summary']['grid']))}", "")
    table.add_row("driver CPU (serial) / task CPU (parallel), 1 worker", f"{one['driver']:.1f} s / {task:.1f} s", "")
    table.add_row("driver CPU / task CPU, 2 workers (the same work)", f"{two['driver']:.1f} s / {sum(two['cells']):.1f} s", "")
    table.add_row("serial share of the CPU", f"{serial:.1%}", "")
    table.add_row("Amdahl's ratio for that share", f"{1 / (serial + (1 - serial) / 2):.2f}x", ">= 1.7x")
    predicted = (one["driver"] + task) / (one["driver"] + makespan(one["cells"], 2))
    table.add_row("predicted ratio, cells scheduled on 2 workers", f"{predicted:.2f}x", ">= 1.7x")
    other = one["wall"] - one["driver"] - task
    table.add_row("rest of the 1-worker wall time (Ray, shipping, load)", f"{other:.1f} s", "")
    table.add_row("measured ratio, wall time", f"{one['wall'] / two['wall']:.2f}x", ">= 1.7x")
    # the same tasks took different CPU time in the two runs only if the machine's speed moved between them
    evened = one["wall"] / two["wall"] * sum(two["cells"]) / task
    table.add_row("  the same, the machine's speed change evened out (x task CPU 2 / 1)", f"{evened:.2f}x", "")
    table.add_row("findings identical on 1 and 2 workers", "yes" if one["digest"] == two["digest"] else "NO", "yes")
    table.add_row("findings digest (sha256 of the sorted-key JSON)", one["digest"][:16], "")
    return table


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--accounts", type=int, default=300)
    ap.add_argument("--principals", type=int, default=15_000)
    ap.add_argument("--resources", type=int, default=2_000)
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--seed", type=int, default=16)
    ap.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--cpus", type=int, default=2, help=argparse.SUPPRESS)
    ap.add_argument("--warm-up", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--temp-dir", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure:
        args.result.write_text(json.dumps(measure(args.measure, args.cpus, args.warm_up, args.temp_dir)))
        return 0
    console = Console(width=160)
    with tempfile.TemporaryDirectory(prefix="trustmap-bench-internal-") as tmp:
        snapshot, warm_up = Path(tmp) / "snapshot", Path(tmp) / "warm-up"
        t0 = time.perf_counter()
        size = build(snapshot, args.accounts, args.principals, args.resources, args.seed)
        build(warm_up, 10, 1_000, 100, args.seed + 1)
        console.print(f"snapshot written in {time.perf_counter() - t0:.1f} s: {size}")
        table = Table("Ray CPUs", "wall s", "peak RSS GB", "findings", "errors", "classes analysed",
                      "solver questions", "naive questions", "fewer", title="internal access (trustmap bench)")
        runs = {}
        for cpus in [int(c) for c in args.workers.split(",")]:
            runs[cpus] = r = measured(snapshot, cpus, warm_up, Path(tmp))
            s = r["summary"]
            fewer = s["naiveQuestions"] / max(1, s["solverQuestions"])
            table.add_row(str(cpus), f"{r['wall']:.1f}", f"{r['peak'] / 1e9:.2f}", str(s["findings"]), str(s["errors"]),
                          str(s["principalClassesAnalysed"]), str(s["solverQuestions"]), str(s["naiveQuestions"]),
                          f"{fewer:,.0f}x")
        console.print(table)
        if 1 in runs and 2 in runs:
            console.print(scaling(runs[1], runs[2]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
