"""Benchmark of the HTML report (`make bench`). Not a test: prints a table, exits 0.

A synthetic scan of 50,000 findings is written as a scan's artifacts — 200 accounts; 40,000 external
access findings on 12,000 resources of every type, each resource with its own policy (its ARN in it),
principals drawn from a pool, a tenth public, a few percent with conditions, archived or resolved; 10,000
unused-access findings (roles, keys, passwords, and unused permissions with a recommended policy);
validation findings on one policy in twenty; a two-run history and generated policies — then
`trustmap report` builds the page and Debian's headless Chromium opens it, fresh, three times. Measured:
the build, the file's size, the time from navigation to the page being interactive (its script has drawn
every section and bound every control; the page marks it `trustmap-ready`), and one filter and one
search on all 50,000 findings. Targets: interactive in at most 2 s, file at most 20 MB.

Usage: .venv/bin/python bench/report.py [--findings N]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

console = Console(width=140)
FINISHED = "2026-06-01T02:10:00Z"
TYPES = {  # resource type -> (ARN template, actions)
    "AWS::S3::Bucket": ("arn:aws:s3:::corp-{a}-data-{n}", ["s3:GetObject", "s3:ListBucket", "s3:PutObject"]),
    "AWS::IAM::Role": ("arn:aws:iam::{a}:role/service-role/app-{n}", ["sts:AssumeRole"]),
    "AWS::KMS::Key": ("arn:aws:kms:us-east-1:{a}:key/0d3c{n:08d}-6a1e-4f7b-9c2d-5e8f1a2b3c4d", ["kms:Decrypt", "kms:GenerateDataKey"]),
    "AWS::SQS::Queue": ("arn:aws:sqs:eu-west-1:{a}:orders-{n}", ["sqs:SendMessage", "sqs:ReceiveMessage"]),
    "AWS::SNS::Topic": ("arn:aws:sns:us-east-1:{a}:alerts-{n}", ["sns:Publish", "sns:Subscribe"]),
    "AWS::Lambda::Function": ("arn:aws:lambda:us-east-1:{a}:function:handler-{n}", ["lambda:InvokeFunction"]),
    "AWS::SecretsManager::Secret": ("arn:aws:secretsmanager:us-east-1:{a}:secret:db-{n}-AbCdEf", ["secretsmanager:GetSecretValue"]),
    "AWS::ECR::Repository": ("arn:aws:ecr:us-east-1:{a}:repository/svc-{n}", ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]),
    "AWS::DynamoDB::Table": ("arn:aws:dynamodb:us-east-1:{a}:table/ledger-{n}", ["dynamodb:GetItem", "dynamodb:Query"]),
}


def _policy(arn: str, actions: list[str], principals: list[str], public: bool, org: str) -> str:
    statements = [{"Sid": f"Grant{i}", "Effect": "Allow", "Principal": {"AWS": "*" if public else f"arn:aws:iam::{p}:root"},
                   "Action": actions, "Resource": arn} for i, p in enumerate(principals)]
    statements.append({"Sid": "OrgRead", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": actions[:1],
                       "Resource": arn, "Condition": {"StringEquals": {"aws:PrincipalOrgID": org}}})
    return json.dumps({"Version": "2012-10-17", "Statement": statements}, indent=2)


def _finding(fid: str, resource: str, rtype: str, account: str, status: str, ftype: str, details: list) -> dict:
    return {"id": fid, "resource": resource, "resourceType": rtype, "resourceOwnerAccount": account, "status": status,
            "createdAt": "2026-05-20T02:10:00Z" if fid[-1] != "0" else FINISHED, "analyzedAt": FINISHED,
            "updatedAt": FINISHED, "error": None, "findingType": ftype, "findingDetails": details}


def synthetic_scan(out: Path, findings: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    org = "o-bench12345"
    accounts = [f"{100000000000 + 7919 * i:012d}" for i in range(200)]
    outside = [f"{900000000000 + 104729 * i:012d}" for i in range(60)]
    external, unused = findings * 4 // 5, findings - findings * 4 // 5
    rows, policies = [], []
    n = 0
    while n < external:
        rtype = rng.choice(list(TYPES))
        template, actions = TYPES[rtype]
        account = rng.choice(accounts)
        arn = template.format(a=account, n=len(policies))
        public = rng.random() < 0.1
        principals = ["*"] if public else rng.sample(outside, rng.randint(2, 4))
        text = _policy(arn, actions, principals if not public else ["*"], public, org)
        marks = []
        if rng.random() < 0.05:
            start = text.index('"Resource"')
            marks = [{"findingType": "SECURITY_WARNING", "issueCode": "MISSING_SOURCE_ACCOUNT_OR_SOURCE_ARN_CONDITION",
                      "findingDetails": "Add a condition naming the source account.", "learnMoreLink": "https://docs.aws.amazon.com/",
                      "locations": [{"path": [{"value": "Statement"}, {"index": 0}],
                                     "span": {"start": {"line": 1, "column": 0, "offset": start},
                                              "end": {"line": 1, "column": 0, "offset": start + 10}}}]}]
        policies.append({"where": {"account": account, "arn": arn}, "policyType": "RESOURCE_POLICY", "resourceType": None,
                         "policyDocument": text, "findings": marks})
        for p in principals:
            if n >= external:
                break
            status = rng.choices(["ACTIVE", "ARCHIVED", "RESOLVED"], [90, 6, 4])[0]
            principal = {"AWS": p}
            details = {"action": actions, "condition": {}, "isPublic": public, "principal": principal,
                       "example": {"action": actions[0], "resource": arn,
                                   "principal": {"AWS": f"arn:aws:iam::{'444455556666' if p == '*' else p}:root"}, "context": {}}}
            rows.append(_finding(f"{n:08d}-4c1d-5e2f-8a9b-{rng.getrandbits(48):012x}", arn, rtype, account, status,
                                 "ExternalAccess", [{"externalAccessDetails": details}]))
            n += 1
    kinds = ["UnusedIAMRole", "UnusedIAMUserAccessKey", "UnusedIAMUserPassword", "UnusedPermission"]
    for i in range(unused):
        account = rng.choice(accounts)
        kind = kinds[i % 4]
        principal = f"arn:aws:iam::{account}:{'role' if kind in ('UnusedIAMRole', 'UnusedPermission') else 'user'}/p-{i}"
        extra: dict = {}
        if kind == "UnusedPermission":
            services = rng.sample(["sqs", "sns", "dynamodb", "kms", "ec2", "lambda"], 2)
            details = [{"unusedPermissionDetails": {"serviceNamespace": s, "actions": [{"action": f"{s}:Describe*"}]}} for s in services]
            policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}]}
            extra = {"recommendation": {"recommendationType": "UnusedPermissionRecommendation", "status": "SUCCEEDED",
                                        "resourceArn": principal, "recommendedSteps": [{"unusedPermissionsRecommendedStep": {
                                            "recommendedAction": "CREATE_POLICY", "existingPolicyId": f"arn:aws:iam::{account}:policy/app-{i}",
                                            "recommendedPolicy": json.dumps(policy, indent=2)}}]}}
        elif kind == "UnusedIAMUserAccessKey":
            details = [{"unusedIamUserAccessKeyDetails": {"accessKeyId": f"AKIA{rng.getrandbits(64):016X}"}}]
        else:
            details = [{"unusedIamRoleDetails" if kind == "UnusedIAMRole" else "unusedIamUserPasswordDetails": {}}]
        rows.append(_finding(f"u{i:07d}-4c1d-5e2f-8a9b-{rng.getrandbits(48):012x}", principal,
                             "AWS::IAM::Role" if "role/" in principal else "AWS::IAM::User", account, "ACTIVE", kind, details)
                    | extra)
    out.mkdir(parents=True, exist_ok=True)
    (out / "findings.json").write_text(json.dumps({"findings": rows}))
    (out / "validation.json").write_text(json.dumps({"policies": policies}))
    ous = [{"id": f"ou-bench-{k}", "name": f"Unit {k}", "parentId": "r-bench", "path": f"{org}/r-bench/ou-bench-{k}/"} for k in range(8)]
    run = {"startedAt": "2026-06-01T02:00:00Z", "finishedAt": FINISHED, "organizationId": org,
           "zone": {"type": "ORGANIZATION", "organizationId": org}, "accounts": accounts, "regions": ["eu-west-1", "us-east-1"],
           "resourceTypes": "all", "gaps": [{"account": accounts[3], "region": "eu-west-1", "resourceType": "AWS::SQS::Queue",
                                             "operation": "ListQueues", "errorCode": "AccessDenied", "message": "denied"}],
           "organization": {"id": org, "managementAccount": accounts[0], "organizationalUnits": ous,
                            "accounts": [{"id": a, "name": f"acct-{k}", "status": "ACTIVE", "path": ous[k % 8]["path"]}
                                         for k, a in enumerate(accounts)]},
           "versions": {"trustmap": "bench"}}
    (out / "run.json").write_text(json.dumps(run))
    entry = {"finishedAt": "2026-05-31T02:10:00Z", "findingsByType": {"ExternalAccess": external}, "findingsByStatus": {"ACTIVE": findings},
             "public": 0, "gaps": 0, "changes": {"new": findings, "reopened": 0, "resolved": 0}}
    (out / ".trustmap-history.json").write_text(json.dumps({"runs": [entry, {**entry, "finishedAt": FINISHED}]}))


def measure(path: Path, loads: int) -> dict:
    from pipeline.report.browser import chromium, watched_page
    ready, errors, requests, steps, load_ends = [], [], set(), [], []
    filter_ms = search_ms = 0.0
    with chromium() as context:
        for k in range(loads):
            page, log = watched_page(context)
            started = time.perf_counter()
            page.goto(path.as_uri(), timeout=60_000)
            page.wait_for_selector("html[data-ready]", timeout=60_000, state="attached")
            wall = time.perf_counter() - started
            mark = page.evaluate("performance.getEntriesByName('trustmap-ready')[0].startTime") / 1000
            loaded = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd") / 1000
            ready.append((wall, mark))
            load_ends.append(loaded)
            steps.append(page.evaluate("performance.getEntriesByType('mark').filter(m => m.name.startsWith('trustmap-'))"
                                       ".map(m => [m.name.slice(9), m.startTime])"))
            if k == loads - 1:
                total = page.get_attribute("#result-count", "data-count")
                started = time.perf_counter()
                page.select_option("#f-type", "UnusedPermission")
                page.wait_for_selector(f"#result-count[data-count]:not([data-count='{total}'])")
                filter_ms = 1000 * (time.perf_counter() - started)
                page.select_option("#f-type", "")
                started = time.perf_counter()
                page.fill("#f-search", "orders-1234")
                page.wait_for_selector(f"#result-count[data-count]:not([data-count='{total}'])")
                search_ms = 1000 * (time.perf_counter() - started) - 120  # less the page's typing pause
            errors += log.errors
            requests.update(log.requests)
            page.close()
    return {"ready": ready, "load_ends": load_ends, "steps": steps, "errors": errors, "requests": sorted(requests), "filter_ms": filter_ms, "search_ms": search_ms}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--findings", type=int, default=50_000)
    parser.add_argument("--loads", type=int, default=3)
    args = parser.parse_args()
    from pipeline.report.render import write_report
    with tempfile.TemporaryDirectory(prefix="trustmap-report-bench-") as tmp:
        out = Path(tmp)
        synthetic_scan(out, args.findings)
        started, cpu = time.perf_counter(), time.process_time()
        path = write_report(out)
        build, build_cpu = time.perf_counter() - started, time.process_time() - cpu
        size = path.stat().st_size
        m = measure(path.resolve(), args.loads)
    walls = [w for w, _ in m["ready"]]
    marks = [r for _, r in m["ready"]]
    table = Table("measure", "value", "target", title=f"HTML report of {args.findings:,} findings (headless Chromium)")
    table.add_row("build (trustmap report): wall / CPU", f"{build:.1f} s / {build_cpu:.1f} s", "")
    table.add_row("file size", f"{size / 1e6:.1f} MB", "≤ 20 MB")
    table.add_row("interactive, from navigation (page's mark)", f"median {statistics.median(marks):.2f} s, max {max(marks):.2f} s "
                  f"({args.loads} fresh loads)", "≤ 2 s")
    table.add_row("load event done, from navigation", f"median {statistics.median(m['load_ends']):.2f} s", "")
    table.add_row("interactive, wall clock from goto", f"median {statistics.median(walls):.2f} s, max {max(walls):.2f} s", "")
    table.add_row("a filter on every finding", f"{m['filter_ms']:.0f} ms", "")
    table.add_row("a search on every finding (first: builds the search text)", f"{m['search_ms']:.0f} ms", "")
    table.add_row("console errors / requests other than the file", f"{len(m['errors'])} / {len(m['requests']) - 1}", "0 / 0")
    console.print(table)
    last = m["steps"][-1]
    console.print("page steps of the last load (ms from navigation): " +
                  ", ".join(f"{name} {at:.0f}" for name, at in last))
    console.print(f"load average during the run: {', '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
