"""Benchmark of `trustmap iac validate` (`make bench`). Not a test: it prints a table and exits 0.

A generated CDK-style CloudFormation template (JSON, the way `cdk synth` writes it: hashed logical ids,
`Fn::Join` / `Fn::GetAtt` ARNs, `Ref`s to parameters and pseudo parameters, CDK metadata): N services,
each a role with a service trust policy, an `AWS::IAM::Policy` attached to it, a bucket with a bucket
policy, a queue and a Lambda permission for the service's function (deployed by another stack). At N=500 the template is about 2 MB with 500 roles and 1,500
policies. In one process, after one warm-up run on a small template (the IAM catalog, the solver and
the caches load then), each size is read, resolved and validated (ValidatePolicy and external-access
findings) by `pipeline.iac.run("validate", ...)`; wall time and CPU time (`time.process_time`) per size,
1× and 4× the template, to show that time grows linearly with the template.

Usage: .venv/bin/python bench/iac.py [--services N] [--repeat N]
"""
from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO)]


def _id(kind: str, n: int) -> str:
    return f"{kind}{n}" + hashlib.sha256(f"{kind}{n}".encode()).hexdigest()[:8].upper()


def cdk_template(services: int) -> dict:
    resources: dict = {}
    for n in range(services):
        role, policy, bucket, bucket_policy, queue, fn, perm = (
            _id(k, n) for k in ("ServiceRole", "ServiceRoleDefaultPolicy", "DataBucket", "DataBucketPolicy",
                                "JobsQueue", "Handler", "HandlerInvokePermission"))
        meta = {"aws:cdk:path": f"App/Service{n}/Resource"}
        resources[role] = {"Type": "AWS::IAM::Role", "Metadata": meta, "Properties": {
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}}]},
            "ManagedPolicyArns": [{"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"},
                                                     ":iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]]}]}}
        resources[policy] = {"Type": "AWS::IAM::Policy", "Metadata": meta, "Properties": {
            "PolicyName": policy, "Roles": [{"Ref": role}], "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Action": ["s3:GetObject*", "s3:GetBucket*", "s3:List*", "s3:DeleteObject*", "s3:PutObject",
                            "s3:Abort*"],
                 "Effect": "Allow", "Resource": [{"Fn::GetAtt": [bucket, "Arn"]},
                                                 {"Fn::Join": ["", [{"Fn::GetAtt": [bucket, "Arn"]}, "/*"]]}]},
                {"Action": ["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"], "Effect": "Allow",
                 "Resource": {"Fn::GetAtt": [queue, "Arn"]}},
                {"Action": "logs:CreateLogGroup", "Effect": "Allow",
                 "Resource": {"Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:*"}}]}}}
        resources[bucket] = {"Type": "AWS::S3::Bucket", "UpdateReplacePolicy": "Retain",
                             "Properties": {"VersioningConfiguration": {"Status": "Enabled"}}}
        resources[bucket_policy] = {"Type": "AWS::S3::BucketPolicy", "Properties": {
            "Bucket": {"Ref": bucket}, "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Action": "s3:*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}, "Effect": "Deny",
                 "Principal": {"AWS": "*"}, "Resource": [{"Fn::GetAtt": [bucket, "Arn"]},
                                                        {"Fn::Join": ["", [{"Fn::GetAtt": [bucket, "Arn"]}, "/*"]]}]},
                {"Action": ["s3:GetObject", "s3:ListBucket"], "Effect": "Allow",
                 "Principal": {"AWS": {"Fn::GetAtt": [role, "Arn"]}},
                 "Resource": [{"Fn::GetAtt": [bucket, "Arn"]},
                              {"Fn::Join": ["", [{"Fn::GetAtt": [bucket, "Arn"]}, "/*"]]}]}]}}}
        resources[queue] = {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": 300}}
        resources[perm] = {"Type": "AWS::Lambda::Permission", "Properties": {
            "Action": "lambda:InvokeFunction", "FunctionName": {"Fn::Sub": f"${{AWS::StackName}}-{fn}"},
            "Principal": "s3.amazonaws.com", "SourceAccount": {"Ref": "AWS::AccountId"},
            "SourceArn": {"Fn::GetAtt": [bucket, "Arn"]}}}
    return {"Resources": resources, "Parameters": {"BootstrapVersion": {
        "Type": "AWS::SSM::Parameter::Value<String>", "Default": "/cdk-bootstrap/hnb659fds/version"}}}


def validate(path: Path) -> tuple[float, float, dict]:
    from pipeline.iac import run
    out = io.StringIO()
    wall, cpu = time.perf_counter(), time.process_time()
    with contextlib.redirect_stdout(out):
        run("validate", {"template": str(path), "region": "us-east-1", "account": "111122223333", "fmt": "json"},
            {})
    return time.perf_counter() - wall, time.process_time() - cpu, json.loads(out.getvalue())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--services", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="trustmap-iac-bench-") as tmp:
        warm = Path(tmp) / "warm.json"
        warm.write_text(json.dumps(cdk_template(2), indent=1))
        validate(warm)
        rows = []
        for factor in (1, 4):
            path = Path(tmp) / f"cdk-{factor}x.json"
            path.write_text(json.dumps(cdk_template(args.services * factor), indent=1))
            best = min((validate(path) for _ in range(args.repeat)), key=lambda r: r[0])
            wall, cpu, report = best
            rows.append((factor, path.stat().st_size, args.services * factor, report["sites"], wall, cpu,
                         len(report["BlockingFindings"]) + len(report["NonBlockingFindings"])))
    print(f"{'size':>5} {'bytes':>10} {'roles':>6} {'sites':>6} {'wall s':>8} {'cpu s':>8} {'findings':>9}")
    for factor, size, roles, sites, wall, cpu, findings in rows:
        print(f"{factor:>4}x {size:>10,} {roles:>6} {sites:>6} {wall:>8.2f} {cpu:>8.2f} {findings:>9}")
    import os
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"4x / 1x: wall {rows[1][4] / rows[0][4]:.2f}, cpu {rows[1][5] / rows[0][5]:.2f} (linear: 4.0); "
          f"1x within 3 s: wall {'yes' if rows[0][4] <= 3.0 else 'NO'}, cpu {'yes' if rows[0][5] <= 3.0 else 'NO'} "
          f"(load average {load:.1f}: wall time includes waiting for a core)")


if __name__ == "__main__":
    main()
