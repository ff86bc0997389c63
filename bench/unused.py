"""Benchmark of unused-access analysis (`make bench`). Not a test: prints tables, exits 0.

1. Throughput: a synthetic organization of 200 accounts x 200 roles (+ 20 users each) is written as a
   snapshot — identity policies drawn from a pool, as real organizations reuse them; role last use, IAM
   last-accessed data (service level, action level for the tracked services) and access keys spread over
   a year — then read back and judged as the scan's driver does. Reported: principals evaluated per second
   (judging alone, and with the snapshot read), findings by type.
2. IAM API calls per principal: one account in moto's server with roles and users (half of them with
   two access keys) read by the real connector. moto has no IAM last-accessed API, so those two operations
   are answered by a botocore before-call handler (every job complete at the first poll); every call is
   counted by the connector's own counter.

Usage: .venv/bin/python bench/unused.py [--accounts N] [--roles N] [--users N]
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

console = Console(width=140)
AS_OF = datetime(2026, 6, 1, tzinfo=UTC)
SERVICES = ("s3", "sqs", "sns", "dynamodb", "lambda", "ec2", "kms", "logs", "cloudwatch", "iam", "sts", "ssm",
            "secretsmanager", "ecr", "kinesis", "states", "events", "athena", "glue", "rds")
TRACKED = {"s3", "ec2", "iam", "lambda"}  # IAM's action-level services (originally)


def _iso(when: datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")


def _policy_pool(rng: random.Random, size: int = 40) -> list[str]:
    from solvers.unused.granted import expand
    pool = []
    for i in range(size):
        statements = []
        for _ in range(rng.randint(1, 4)):
            service = rng.choice(SERVICES)
            actions = sorted(expand(f"{service}:*"))
            pick = rng.choice(("all", "verb", "list"))
            if pick == "all":
                action: str | list[str] = f"{service}:*"
            elif pick == "verb":
                action = [f"{service}:Get*", f"{service}:List*"]
            else:
                action = rng.sample(actions, min(len(actions), rng.randint(1, 12)))
            statements.append({"Effect": "Allow", "Action": action, "Resource": "*"})
        if i == 0:
            statements = [{"Effect": "Allow", "Action": "*", "Resource": "*"}]  # an administrator policy
        pool.append(json.dumps({"Version": "2012-10-17", "Statement": statements}))
    return pool


def _last_accessed(rng: random.Random, granted: set[str]) -> list[dict]:
    out = []
    for service in sorted({a.partition(":")[0] for a in granted}):
        entry: dict = {"serviceNamespace": service}
        if rng.random() < 0.6:
            entry["lastAuthenticated"] = _iso(AS_OF - timedelta(days=rng.randint(0, 400)))
        if service in TRACKED:
            names = sorted(a.partition(":")[2] for a in granted if a.startswith(service + ":"))
            entry["trackedActions"] = [{"action": n, **({"lastAccessed": _iso(AS_OF - timedelta(days=rng.randint(0, 400)))}
                                                       if rng.random() < 0.2 else {})} for n in names[:200]]
        out.append(entry)
    return out


def _account_template(rng: random.Random, pool: list[str], managed: list[dict], roles: int, users: int) -> str:
    """One account's IAM details and usage as JSON text, for the placeholder account 000000000000."""
    from solvers.unused.granted import grant_of
    acct = "000000000000"
    role_list, user_list, last, keys = [], [], {}, {}
    for kind, count in (("role", roles), ("user", users)):
        for n in range(count):
            arn = f"arn:aws:iam::{acct}:{kind}/{kind}-{n}"
            attached = rng.sample(range(len(pool)), rng.randint(1, 3))
            created = _iso(AS_OF - timedelta(days=rng.randint(10, 900)))
            entity = {"Arn": arn, "Path": "/", "CreateDate": created,
                      "AttachedManagedPolicies": [{"PolicyArn": managed[i]["Arn"], "PolicyName": f"Bench{i}"}
                                                  for i in attached]}
            granted: set[str] = set().union(*(grant_of(pool[i]).actions for i in attached))
            last[arn] = _last_accessed(rng, granted)
            if kind == "role":
                if rng.random() < 0.7:
                    entity["RoleLastUsed"] = {"LastUsedDate": _iso(AS_OF - timedelta(days=rng.randint(0, 400)))}
                role_list.append({**entity, "RoleName": f"role-{n}", "RolePolicyList": []})
            else:
                user_list.append({**entity, "UserName": f"user-{n}", "UserPolicyList": [], "GroupList": []})
                keys[arn] = [{"accessKeyId": f"AKIA{n:016d}", "status": "Active", "created": created,
                              "lastUsed": _iso(AS_OF - timedelta(days=rng.randint(0, 400)))}]
    details = {"RoleDetailList": role_list, "UserDetailList": user_list, "GroupDetailList": [], "Policies": managed}
    return json.dumps({"details": details, "usage": {"credentialReport": {}, "accessKeys": keys, "lastAccessed": last}})


def synthetic_snapshot(root: Path, accounts: int, roles: int, users: int, seed: int = 11, templates: int = 20) -> int:
    """Write the snapshot; returns the number of principals. Accounts are stamped from `templates`
    distinct account layouts (landing zones repeat roles and policies across accounts); nothing in the
    analysis caches by account content, so each account is judged in full."""
    from connectors.aws.collect import Collection, ScopeResult
    from connectors.aws.organization import Account, Organization
    from connectors.snapshot import write_snapshot
    rng = random.Random(seed)
    pool = _policy_pool(rng)
    managed = [{"Arn": f"arn:aws:iam::aws:policy/Bench{i}", "PolicyName": f"Bench{i}", "UpdateDate": _iso(AS_OF),
                "PolicyVersionList": [{"IsDefaultVersion": True, "Document": doc}]} for i, doc in enumerate(pool)]
    layouts = [_account_template(rng, pool, managed, roles, users) for _ in range(min(templates, accounts))]
    ids = [f"{200000000000 + i * 7919:012d}" for i in range(accounts)]
    scopes = []
    for i, acct in enumerate(ids):
        data = json.loads(layouts[i % len(layouts)].replace("000000000000", acct))
        scopes.append(ScopeResult(acct, "us-east-1", True, iam_authorization_details=data["details"],
                                  iam_usage={"account": acct, **data["usage"]}))
    org = Organization("o-bench00001", ids[0], ids[0], tuple(Account(a) for a in ids))
    write_snapshot(Collection(org, tuple(scopes)), root)
    return accounts * (roles + users)


def throughput(accounts: int, roles: int, users: int) -> None:
    from connectors.snapshot import read_snapshot
    from pipeline.settings import load_settings
    from pipeline.unused import identities_of, tracking_period, unused_findings
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "snapshot"
        started = time.perf_counter()
        principals = synthetic_snapshot(root, accounts, roles, users)
        console.print(f"snapshot: {accounts} accounts x ({roles} roles + {users} users) = {principals:,} principals, "
                      f"written in {time.perf_counter() - started:.1f} s")
        t0, c0 = time.perf_counter(), time.process_time()
        collection = read_snapshot(root)
        identities = identities_of([s.as_dict() for s in collection.scopes])
        t1, c1 = time.perf_counter(), time.process_time()
        settings = load_settings(None, {"unused_as_of": _iso(AS_OF), "unused_tracking_days": 90})
        result = unused_findings(identities, settings, tracking_period(settings))
        t2, c2 = time.perf_counter(), time.process_time()
    table = Table("measure", "value", title="unused access: 200 accounts x 200 roles from a snapshot")
    table.add_row("principals", f"{result.tally.principals:,} ({result.tally.judged:,} judged)")
    table.add_row("snapshot read (wall / CPU)", f"{t1 - t0:.1f} s / {c1 - c0:.1f} s")
    table.add_row("judging (wall / CPU)", f"{t2 - t1:.1f} s / {c2 - c1:.1f} s")
    table.add_row("principals evaluated / s (judging, CPU)", f"{result.tally.principals / (c2 - c1):,.0f}")
    table.add_row("principals evaluated / s (read + judge, wall)", f"{result.tally.principals / (t2 - t0):,.0f}")
    for kind, count in result.summary(tracking_period(settings))["findings"].items():
        table.add_row(f"findings {kind}", f"{count:,}")
    console.print(table)


def _fake_last_accessed(client) -> None:
    """Answer moto's missing last-accessed operations before they are sent (counted all the same)."""
    from botocore.awsrequest import AWSResponse
    now = datetime.now(UTC)
    ok = AWSResponse(None, 200, {}, None)

    def answer(model, params, **_):
        if model.name == "GenerateServiceLastAccessedDetails":
            return (ok, {"JobId": "j" * 36})
        if model.name == "GetServiceLastAccessedDetails":
            return (ok, {"JobStatus": "COMPLETED", "JobCreationDate": now, "JobCompletionDate": now,
                                           "ServicesLastAccessed": [{"ServiceName": "S3", "ServiceNamespace": "s3",
                                                                     "LastAuthenticated": now}],
                                           "IsTruncated": False})
        return None
    if client.meta.service_model.service_name == "iam":
        client.meta.events.register("before-call.iam.*", answer)


def api_calls(roles: int, users: int) -> None:
    import os

    import boto3

    from connectors.aws.collect import Selection, collect_account
    from connectors.aws.session import SessionConfig
    from connectors.demo.emulator import moto_server
    for name, value in (("AWS_ACCESS_KEY_ID", "bench"), ("AWS_SECRET_ACCESS_KEY", "bench"),
                        ("AWS_DEFAULT_REGION", "us-east-1")):
        os.environ.setdefault(name, value)
    trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
    table = Table("last-accessed", "principals", "IAM calls", "IAM calls / principal", "other calls",
                  title="IAM API calls per principal (one account, moto's server)")
    with moto_server() as url:
        iam = boto3.client("iam", endpoint_url=url)
        account = boto3.client("sts", endpoint_url=url).get_caller_identity()["Account"]
        for n in range(roles):
            iam.create_role(RoleName=f"bench-role-{n}", AssumeRolePolicyDocument=trust)
        for n in range(users):
            iam.create_user(UserName=f"bench-user-{n}")
            if n % 2 == 0:
                iam.create_access_key(UserName=f"bench-user-{n}")
                iam.create_access_key(UserName=f"bench-user-{n}")
        for with_last_accessed in (False, True):
            seen: list[str] = []

            def record(client, seen=seen) -> None:
                service = client.meta.service_model.service_name
                client.meta.events.register("before-call.*.*", lambda model, **_: seen.append(f"{service}:{model.name}"))
            config = SessionConfig(endpoint_url=url, client_hooks=(record, _fake_last_accessed))
            collect_account(config, account, Selection(regions=("us-east-1",), resource_types=("AWS::IAM::Role",),
                                                       last_accessed=with_last_accessed))
            iam_calls = [c for c in seen if c.startswith("iam:")]
            principals = roles + users
            table.add_row("on" if with_last_accessed else "off", str(principals), str(len(iam_calls)),
                          f"{len(iam_calls) / principals:.2f}", str(len(seen) - len(iam_calls)))
            by_op: dict[str, int] = {}
            for c in iam_calls:
                by_op[c] = by_op.get(c, 0) + 1
            console.print(f"last-accessed {'on' if with_last_accessed else 'off'}: {json.dumps(by_op)}")
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--roles", type=int, default=200)
    parser.add_argument("--users", type=int, default=20)
    args = parser.parse_args()
    throughput(args.accounts, args.roles, args.users)
    api_calls(100, 20)


if __name__ == "__main__":
    main()
