"""`trustmap simulate --snapshot --principal` on a snapshot collected from moto's server through boto3:
group-managed and inline user policies, a role with a permissions boundary, and a bucket policy."""
from __future__ import annotations

import json
import uuid

import boto3

from connectors.aws.collect import Selection, collect
from connectors.snapshot import write_snapshot
from pipeline.cli import main


def doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def test_simulate_reads_what_collect_gathered(moto_url, session_config, tmp_path, capsys):
    tag = uuid.uuid4().hex[:8]
    iam = boto3.client("iam", endpoint_url=moto_url, region_name="us-east-1")
    s3 = boto3.client("s3", endpoint_url=moto_url, region_name="us-east-1")
    account = boto3.client("sts", endpoint_url=moto_url, region_name="us-east-1").get_caller_identity()["Account"]
    bucket = f"sim-{tag}"
    read = iam.create_policy(PolicyName=f"read-{tag}", PolicyDocument=doc(
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}))["Policy"]["Arn"]
    iam.create_group(GroupName=f"readers-{tag}")
    iam.attach_group_policy(GroupName=f"readers-{tag}", PolicyArn=read)
    user = iam.create_user(UserName=f"ana-{tag}")["User"]["Arn"]
    iam.add_user_to_group(GroupName=f"readers-{tag}", UserName=f"ana-{tag}")
    iam.put_user_policy(UserName=f"ana-{tag}", PolicyName="no-delete", PolicyDocument=doc(
        {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}))
    boundary = iam.create_policy(PolicyName=f"bound-{tag}", PolicyDocument=doc(
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}))["Policy"]["Arn"]
    iam.create_role(RoleName=f"app-{tag}", AssumeRolePolicyDocument=doc(
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}),
        PermissionsBoundary=boundary)
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_policy(Bucket=bucket, Policy=doc(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:role/app-{tag}"},
         "Action": ["s3:GetObject", "s3:PutObject"], "Resource": f"arn:aws:s3:::{bucket}/*"}))

    collection = collect(session_config, Selection(accounts=(account,), regions=("us-east-1",),
                                                   resource_types=("AWS::S3::Bucket",), iam_usage=False))
    snap = write_snapshot(collection, tmp_path / "snap")

    def simulate(principal: str, action: str) -> dict:
        code = main(["simulate", "--snapshot", str(snap), "--principal", principal, "--action", action,
                     "--resource", f"arn:aws:s3:::{bucket}/k"])
        assert code == 0
        return json.loads(capsys.readouterr().out)["EvaluationResults"][0]

    got = simulate(user, "s3:GetObject")
    assert got["EvalDecision"] == "allowed" and got["MatchedStatements"][0]["SourcePolicyId"] == read
    assert got["MatchedStatements"][0]["SourcePolicyType"] == "user-managed"
    denied = simulate(user, "s3:DeleteObject")
    assert denied["EvalDecision"] == "explicitDeny" and denied["MatchedStatements"][0]["SourcePolicyId"] == "no-delete"
    session = f"arn:aws:sts::{account}:assumed-role/app-{tag}/i-1"
    assert simulate(session, "s3:GetObject")["trustmap"]["path"] == "resource-role"  # no identity policy needed
    put = simulate(session, "s3:PutObject")  # the role-level grant is still limited by the boundary
    assert put["EvalDecision"] == "implicitDeny"
    assert put["PermissionsBoundaryDecisionDetail"] == {"AllowedByPermissionsBoundary": False}
