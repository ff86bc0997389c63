"""Benchmark of `trustmap generate` on a generated organization trail (`make bench`, second line).
Not a test: it prints a table and exits 0.

1. Writes an organization trail of gzip log files into a temporary folder (CloudTrail's key layout,
   AWSLogs/o-ID/ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/ACCOUNT_CloudTrail_REGION_STAMP_ID.json.gz): a
   realistic mix of assumed-role, SSO, IAM-user, federated and AWS-service identities over common
   management and data events, 3% denied calls, a few unmappable and non-API events (seeded, so every
   run writes the same trail).
2. Measures, single-threaded, in the same run:
   - bound: reading, decompressing and parsing every file whole with orjson (the acceptance reference);
   - bound in pieces, for information: the same, parsed as generate's reader parses a compact file, 16 KB of
     records at a time (connectors/cloudtrail/files.py), which costs about half as much as parsing it whole
     (the pieces stay in the L2 cache): no fold, so the tool can be no faster than this;
   - generate: the same files through the CloudTrail reader, the activity fold of every principal
     (the scan's map tasks over batches of files, then the reduce) and a policy per principal.
   These three take turns every 20 files in one process (phase_interleaved): this machine's speed drifts
   by a third within seconds, and runs minutes apart would measure the drift, not the code.
   - generate again, alone in its own process, on all files and on the first SLICE events (peak memory:
     that process's maximum resident set size, ru_maxrss), and trailscraper (`trailscraper select |
     generate`, every role, when a `trailscraper` executable is found: $TRAILSCRAPER or PATH) on the same
     slice, also in its own processes.
   Events per second per core = events / CPU seconds.

Usage: .venv/bin/python bench/generation.py [--events N] [--slice N] [--per-file N] [--dir DIR] [--json PATH]
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:0] = [str(REPO)]

TARGET_RATIO = 0.7
TARGET_VS_TRAILSCRAPER = 10.0
MEMORY_LIMIT_MB = 1024
ORG = "o-bench00001"
REGIONS = ("us-east-1", "eu-west-1")
DAY = "2024/08/01"

# ---------------------------------------------------------------------------------------------- data


def _uuid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _params(kind: str, rng: random.Random, account: str, region: str) -> dict | None:
    n = rng.randrange(6)
    match kind:
        case "bucket":
            return {"bucketName": f"data-{account}-{n}", "Host": f"data-{account}-{n}.s3.amazonaws.com"}
        case "object":
            return {"bucketName": f"data-{account}-{n}", "key": f"in/{rng.randrange(10_000)}.parquet",
                    "Host": f"data-{account}-{n}.s3.{region}.amazonaws.com"}
        case "function":
            return {"functionName": f"arn:aws:lambda:{region}:{account}:function:worker-{n}"}
        case "table":
            return {"tableName": f"orders-{n}", "key": {"id": {"S": _uuid(rng)}}}
        case "secret":
            return {"secretId": f"arn:aws:secretsmanager:{region}:{account}:secret:app/db-{n}-AbCdEf"}
        case "key":
            return {"keyId": f"arn:aws:kms:{region}:{account}:key/{_uuid(rng)}",
                    "encryptionContext": {"aws:lambda:FunctionArn": f"arn:aws:lambda:{region}:{account}:function:w"}}
        case "role":
            return {"roleArn": f"arn:aws:iam::{account}:role/deploy", "roleSessionName": f"s-{n}"}
        case "queue":
            return {"queueUrl": f"https://sqs.{region}.amazonaws.com/{account}/jobs-{n}"}
        case "parameter":
            return {"name": f"/app/config/{n}", "withDecryption": True}
        case "instances":
            return {"instancesSet": {"items": [{"instanceId": f"i-{rng.getrandbits(64):017x}"[:19]}]},
                    "filterSet": {}}
        case "logs":
            return {"logGroupName": f"/aws/lambda/worker-{n}"}
        case _:
            return None


# (eventSource, eventName, parameter kind, data event?)
EVENTS = [
    ("s3.amazonaws.com", "GetObject", "object", True), ("s3.amazonaws.com", "PutObject", "object", True),
    ("s3.amazonaws.com", "ListObjects", "bucket", True), ("s3.amazonaws.com", "HeadObject", "object", True),
    ("s3.amazonaws.com", "GetBucketAcl", "bucket", False), ("s3.amazonaws.com", "ListBuckets", None, False),
    ("ec2.amazonaws.com", "DescribeInstances", "instances", False), ("ec2.amazonaws.com", "DescribeVolumes", None, False),
    ("ec2.amazonaws.com", "DescribeSecurityGroups", None, False), ("ec2.amazonaws.com", "RunInstances", "instances", False),
    ("ec2.amazonaws.com", "CreateTags", "instances", False), ("ec2.amazonaws.com", "DescribeSubnets", None, False),
    ("iam.amazonaws.com", "GetRole", None, False), ("iam.amazonaws.com", "ListRoles", None, False),
    ("iam.amazonaws.com", "ListAttachedRolePolicies", None, False), ("sts.amazonaws.com", "AssumeRole", "role", False),
    ("sts.amazonaws.com", "GetCallerIdentity", None, False), ("kms.amazonaws.com", "Decrypt", "key", False),
    ("kms.amazonaws.com", "GenerateDataKey", "key", False), ("lambda.amazonaws.com", "Invoke", "function", True),
    ("lambda.amazonaws.com", "GetFunction20150331v2", "function", False),
    ("lambda.amazonaws.com", "UpdateFunctionCode20150331v2", "function", False),
    ("lambda.amazonaws.com", "ListFunctions20150331", None, False), ("dynamodb.amazonaws.com", "GetItem", "table", True),
    ("dynamodb.amazonaws.com", "PutItem", "table", True), ("dynamodb.amazonaws.com", "DescribeTable", "table", False),
    ("logs.amazonaws.com", "CreateLogStream", "logs", False), ("logs.amazonaws.com", "DescribeLogGroups", None, False),
    ("monitoring.amazonaws.com", "GetMetricData", None, False),
    ("secretsmanager.amazonaws.com", "GetSecretValue", "secret", False), ("ssm.amazonaws.com", "GetParameter", "parameter", False),
    ("ssm.amazonaws.com", "DescribeInstanceInformation", None, False), ("sqs.amazonaws.com", "SendMessage", "queue", True),
    ("cloudformation.amazonaws.com", "DescribeStacks", None, False), ("ecr.amazonaws.com", "GetAuthorizationToken", None, False),
    ("autoscaling.amazonaws.com", "DescribeAutoScalingGroups", None, False), ("rds.amazonaws.com", "DescribeDBInstances", None, False),
    ("elasticloadbalancing.amazonaws.com", "DescribeLoadBalancers", None, False),
]
UNMAPPABLE = ("ec2.amazonaws.com", "DescribeInstanceTopologyV9", None, False)


def _identities(account: str) -> list[dict]:
    out = []
    for i in range(8):
        role = f"arn:aws:iam::{account}:role/app-{i}"
        out.append({"type": "AssumedRole", "principalId": f"AROA{account}{i}:sess",
                    "arn": f"arn:aws:sts::{account}:assumed-role/app-{i}/sess-{i}", "accountId": account,
                    "accessKeyId": "ASIAEXAMPLE", "sessionContext": {
                        "sessionIssuer": {"type": "Role", "principalId": f"AROA{account}{i}", "arn": role,
                                          "accountId": account, "userName": f"app-{i}"},
                        "attributes": {"creationDate": "2024-08-01T00:00:00Z", "mfaAuthenticated": "false"}}})
    sso = f"arn:aws:iam::{account}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123456789abcdef"
    out.append({"type": "AssumedRole", "arn": f"arn:aws:sts::{account}:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/me@example.com",
                "accountId": account, "sessionContext": {"sessionIssuer": {"type": "Role", "arn": sso, "accountId": account}}})
    for i in range(2):
        out.append({"type": "IAMUser", "principalId": f"AIDA{account}{i}", "arn": f"arn:aws:iam::{account}:user/ci-{i}",
                    "accountId": account, "accessKeyId": "AKIAEXAMPLE", "userName": f"ci-{i}"})
    out.append({"type": "FederatedUser", "arn": f"arn:aws:sts::{account}:federated-user/fed", "accountId": account,
                "sessionContext": {"sessionIssuer": {"type": "IAMUser", "arn": f"arn:aws:iam::{account}:user/broker"}}})
    return out


def _event(rng: random.Random, account: str, region: str, stamp: str, identity: dict, kind: tuple) -> dict:
    source, name, params, data = kind
    service = {"type": "AWSService", "invokedBy": "lambda.amazonaws.com"}
    ident = service if rng.random() < 0.08 else identity
    rec = {
        "eventVersion": "1.09", "userIdentity": ident, "eventTime": stamp, "eventSource": source, "eventName": name,
        "awsRegion": region, "sourceIPAddress": f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(256)}",
        "userAgent": "aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#amd64 api/svc#1.2",
        "requestParameters": _params(params, rng, account, region) if params else None,
        "responseElements": None, "requestID": _uuid(rng), "eventID": _uuid(rng),
        "readOnly": name.startswith(("Get", "List", "Describe", "Head")),
        "eventType": "AwsApiCall" if rng.random() > 0.01 else "AwsServiceEvent",
        "managementEvent": not data, "recipientAccountId": account,
        "eventCategory": "Data" if data else "Management",
        "tlsDetails": {"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256",
                       "clientProvidedHostHeader": f"{source.split('.')[0]}.{region}.amazonaws.com"},
    }
    if data and params in ("object", "bucket"):
        p = rec["requestParameters"]
        arn = f"arn:aws:s3:::{p['bucketName']}" + (f"/{p['key']}" if "key" in p else "")
        rec["resources"] = [{"type": "AWS::S3::Object" if "key" in p else "AWS::S3::Bucket", "ARN": arn}]
    if rng.random() < 0.03:
        rec["errorCode"] = "AccessDenied"
        rec["errorMessage"] = "User is not authorized to perform this operation"
    return rec


def write_trail(root: Path, events: int, per_file: int, accounts: int = 25, seed: int = 2026) -> list[Path]:
    """An organization trail of `events` events in files of `per_file`; returns the files in order."""
    import orjson

    rng = random.Random(seed)
    ids = [f"{100000000000 + 7919 * i:012d}" for i in range(accounts)]
    people = {a: _identities(a) for a in ids}
    habits = {id(p): rng.sample(EVENTS, rng.randrange(6, 20)) for a in ids for p in people[a]}
    files, written, n = [], 0, 0
    while written < events:
        account, region = ids[n % accounts], REGIONS[(n // accounts) % len(REGIONS)]
        minute = n // (accounts * len(REGIONS))
        hh, mm = divmod(minute * 5 % 1440, 60)
        stamp = f"2024-08-01T{hh:02d}:{mm:02d}"
        count = min(per_file, events - written)
        records = []
        for _ in range(count):
            who = rng.choice(people[account])
            kind = UNMAPPABLE if rng.random() < 0.003 else rng.choice(habits[id(who)])
            records.append(_event(rng, account, region, f"{stamp}:{rng.randrange(60):02d}Z", who, kind))
        folder = root / "AWSLogs" / ORG / account / "CloudTrail" / region / DAY
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{account}_CloudTrail_{region}_20240801T{hh:02d}{mm + 4:02d}Z_f{n:06d}.json.gz"
        path.write_bytes(gzip.compress(orjson.dumps({"Records": records}), compresslevel=6))
        files.append(path)
        written += count
        n += 1
    return files

# ------------------------------------------------------------------------------------------ phases


def _usage() -> dict:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return {"cpu_s": ru.ru_utime + ru.ru_stime, "maxrss_mb": ru.ru_maxrss / 1024}


def phase_interleaved(files: list[str], chunk: int = 20) -> dict:
    """The bound, the bound in pieces and generate over the same files in one process, taking turns every
    `chunk` files: the machine's speed drifts by a third within seconds, and turns this short see the same
    speed. Generate folds the chunks of each map task the scan would run (pipeline.scan_generation) into
    that task's accumulator, then reduces and builds the policies, as `phase_generate` does."""
    import orjson

    from connectors.cloudtrail.files import read_log_pieces
    from pipeline.generate import LogFolder, policies_of, reduce_partials
    from pipeline.scan_generation import size_batches
    from solvers.catalog import load_catalog

    load_catalog()  # once per process, as a Ray worker would hold it
    cpu = {"bound": 0.0, "bound-pieces": 0.0, "generate": 0.0}
    events = {"bound": 0, "bound-pieces": 0}
    partials = []
    for batch in size_batches([(f, os.path.getsize(f)) for f in files]):
        folder = LogFolder()
        for i in range(0, len(batch), chunk):
            some = batch[i:i + chunk]
            t = time.process_time()
            for f in some:
                with open(f, "rb") as fh:
                    events["bound"] += len(orjson.loads(gzip.decompress(fh.read()))["Records"])
            cpu["bound"] += time.process_time() - t
            t = time.process_time()
            for f in some:
                for records in read_log_pieces(f):
                    events["bound-pieces"] += len(records)
            cpu["bound-pieces"] += time.process_time() - t
            t = time.process_time()
            folder.fold(some)
            cpu["generate"] += time.process_time() - t
        t = time.process_time()
        partials.append(folder.partial())
        cpu["generate"] += time.process_time() - t
    t = time.process_time()
    policies = policies_of(reduce_partials(partials))
    cpu["generate"] += time.process_time() - t
    generated = sum(p["events"] for p in partials)
    return {name: {"events": events.get(name, generated), "cpu_s": cpu[name], "wall_s": cpu[name],
                   "maxrss_mb": float("nan"), "principals": len(policies)} for name in cpu}


def phase_generate(files: list[str]) -> dict:
    from pipeline.generate import map_log_files, policies_of, reduce_partials
    from pipeline.scan_generation import size_batches
    from solvers.catalog import load_catalog

    load_catalog()  # once per process, as a Ray worker would hold it
    before, t0 = _usage(), time.perf_counter()
    # The map tasks the scan would run (pipeline.scan_generation), one after another.
    batches = size_batches([(f, os.path.getsize(f)) for f in files])
    partial = reduce_partials(map_log_files(batch) for batch in batches)
    policies = policies_of(partial)
    after = _usage()
    return {"events": partial["events"], "wall_s": time.perf_counter() - t0, "cpu_s": after["cpu_s"] - before["cpu_s"],
            "maxrss_mb": after["maxrss_mb"], "principals": len(policies),
            "policies": sum(len(p["generatedPolicyResult"]["generatedPolicies"]) for p in policies.values()),
            "unmapped": sum(partial["unmapped"].values())}


PHASES = {"generate": phase_generate, "interleaved": phase_interleaved}


def _run_phase(name: str, files: list[Path]) -> dict:
    listing = tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False)
    listing.write("\n".join(map(str, files)))
    listing.close()
    try:
        out = subprocess.run([sys.executable, __file__, "--phase", name, "--files", listing.name],
                             check=True, capture_output=True, text=True).stdout
    finally:
        os.unlink(listing.name)
    return json.loads(out.strip().splitlines()[-1])


def run_trailscraper(exe: str, slice_dir: Path, events: int) -> dict:
    """`trailscraper select --log-dir DIR | trailscraper generate`, as its README shows it."""
    t0 = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    select = subprocess.Popen([exe, "select", "--log-dir", str(slice_dir), "--from", "2024-07-31", "--to", "2024-08-02"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    gen = subprocess.run([exe, "generate"], stdin=select.stdout, capture_output=True, text=True)
    select.wait()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    ok = select.returncode == 0 and gen.returncode == 0 and '"Statement"' in gen.stdout
    return {"events": events, "wall_s": time.perf_counter() - t0, "cpu_s": cpu, "ok": ok,
            "maxrss_mb": after.ru_maxrss / 1024}


def _find_trailscraper() -> str | None:
    return os.environ.get("TRAILSCRAPER") or shutil.which("trailscraper")

# -------------------------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--slice", type=int, default=100_000)
    ap.add_argument("--per-file", type=int, default=500)
    ap.add_argument("--dir", help="write the trail here and keep it (default: a temporary folder, removed)")
    ap.add_argument("--json", help="also write the figures to this file")
    ap.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    ap.add_argument("--files", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)

    if a.phase:
        listed = Path(a.files).read_text().split("\n")
        print(json.dumps(PHASES[a.phase](listed)))
        return 0

    root = Path(a.dir) if a.dir else Path(tempfile.mkdtemp(prefix="trustmap-bench-trail-"))
    try:
        t0 = time.perf_counter()
        files = write_trail(root, a.events, a.per_file)
        size = sum(f.stat().st_size for f in files)
        print(f"wrote {a.events:,} events in {len(files):,} gzip files ({size / 1e6:.0f} MB) in "
              f"{time.perf_counter() - t0:.0f} s under {root}", file=sys.stderr)
        slice_files = files[: max(1, a.slice // a.per_file)]
        # The ratios: the three runs over the same files, taking turns in one process (see phase_interleaved).
        turns = _run_phase("interleaved", files)
        rows = {"bound (gzip + orjson parse)": turns["bound"],
                "bound in 16 KB pieces (information)": turns["bound-pieces"],
                "trustmap generate (org-wide)": turns["generate"],
                # Each alone in its own process: peak memory on 1x and 10x the slice, and the comparison
                # with trailscraper, whose process is measured alone too.
                "trustmap generate, own process": _run_phase("generate", files),
                "trustmap generate, slice, own process": _run_phase("generate", slice_files)}
        exe = _find_trailscraper()
        if exe:
            slice_dir = Path(tempfile.mkdtemp(prefix="trustmap-bench-slice-"))
            try:
                for f in slice_files:
                    target = slice_dir / f.relative_to(root)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    os.link(f, target)
                rows["trailscraper select | generate, slice"] = run_trailscraper(
                    exe, slice_dir, rows["trustmap generate, slice, own process"]["events"])
            finally:
                shutil.rmtree(slice_dir, ignore_errors=True)
    finally:
        if not a.dir:
            shutil.rmtree(root, ignore_errors=True)
    report(rows)
    if a.json:
        Path(a.json).write_text(json.dumps(rows, indent=2))
    return 0


def report(rows: dict[str, dict]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="policy generation from an organization trail (events per second per core)")
    for col in ("run", "events", "CPU s", "wall s", "events/s/core", "peak RSS MB"):
        table.add_column(col, justify="left" if col == "run" else "right")
    for name, r in rows.items():
        rate = r["events"] / r["cpu_s"] if r["cpu_s"] else float("nan")
        r["events_per_s_core"] = rate
        table.add_row(name + ("" if r.get("ok", True) else " (FAILED)"), f"{r['events']:,}", f"{r['cpu_s']:.1f}",
                      f"{r['wall_s']:.1f}", f"{rate:,.0f}",
                      "-" if r["maxrss_mb"] != r["maxrss_mb"] else f"{r['maxrss_mb']:.0f}")
    console = Console(width=130)
    console.print(table)
    bound = rows["bound (gzip + orjson parse)"]["events_per_s_core"]
    ours = rows["trustmap generate (org-wide)"]["events_per_s_core"]
    console.print(f"generate / bound = {ours / bound:.2f} (target >= {TARGET_RATIO})")
    pieces = rows.get("bound in 16 KB pieces (information)")
    if pieces:
        console.print(f"generate / bound in pieces = {ours / pieces['events_per_s_core']:.2f} (information: the "
                      "parse as generate does it, without the fold)")
    peak = max(rows["trustmap generate, own process"]["maxrss_mb"],
               rows["trustmap generate, slice, own process"]["maxrss_mb"])
    console.print(f"peak memory of generate: {peak:.0f} MB on 1x and 10x the slice (limit {MEMORY_LIMIT_MB} MB)")
    ts = rows.get("trailscraper select | generate, slice")
    if ts and ts.get("ok"):
        mine = rows["trustmap generate, slice, own process"]["events_per_s_core"]
        console.print(f"trustmap / trailscraper on the same slice = {mine / ts['events_per_s_core']:.0f}x "
                      f"(target >= {TARGET_VS_TRAILSCRAPER:.0f}x)")
    elif ts:
        console.print("trailscraper ran but produced no policy; no comparison")
    else:
        console.print("trailscraper not found (set TRAILSCRAPER or put it on PATH); no comparison")


if __name__ == "__main__":
    sys.exit(main())
