"""`trustmap analyze` and `trustmap check no-public-access`, run as a user runs them (subprocesses)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
OWN, OTHER = "111122223333", "444455556666"
PUBLIC_BUCKET = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"},
    {"Effect": "Allow", "Principal": {"AWS": OTHER}, "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::b"}]})


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "TRUSTMAP_DEBUG"}
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *args], input=stdin, capture_output=True,
                           timeout=120, cwd=REPO, env=env)


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "doc.json"
    path.write_text(text)
    return str(path)


def clean_error(proc: subprocess.CompletedProcess) -> None:
    err = proc.stderr.decode()
    assert proc.returncode == 2 and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1 and err.startswith("trustmap: error:")


def test_analyze_json_contract(tmp_path: Path) -> None:
    proc = run("analyze", write(tmp_path, PUBLIC_BUCKET), "--resource-type", "AWS::S3::Bucket",
               "--resource-arn", "arn:aws:s3:::b", "--account", OWN, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    findings = json.loads(proc.stdout)["findings"]
    assert {(json.dumps(f["principal"]), f["isPublic"]) for f in findings} == {
        ('{"AWS": "*"}', True), (f'{{"AWS": "{OTHER}"}}', False)}
    for f in findings:
        assert f["resourceType"] == "AWS::S3::Bucket" and f["condition"] == {} and f["sources"] == [{"type": "POLICY"}]
        assert f["example"]["principal"] and f["status"] == "ACTIVE"


def test_analyze_reads_a_configuration_and_stdin() -> None:
    config = {"s3Bucket": {"bucketPolicy": PUBLIC_BUCKET, "bucketPublicAccessBlock": {"restrictPublicBuckets": True}}}
    proc = run("analyze", "-", "--resource-type", "AWS::S3::Bucket", "--resource-arn", "arn:aws:s3:::b",
               "--account", OWN, "--format", "json", stdin=json.dumps(config).encode())
    assert proc.returncode == 0 and json.loads(proc.stdout) == {"findings": []}


def test_analyze_organization_zone(tmp_path: Path) -> None:
    text = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": OTHER}, "Action": "sqs:SendMessage", "Resource": "*"}]})
    args = ["analyze", write(tmp_path, text), "--resource-type", "AWS::SQS::Queue",
            "--resource-arn", f"arn:aws:sqs:us-east-1:{OWN}:q", "--account", OWN, "--format", "json"]
    assert len(json.loads(run(*args).stdout)["findings"]) == 1
    proc = run(*args, "--org-id", "o-a1b2c3d4e5", "--org-accounts", OTHER)
    assert json.loads(proc.stdout)["findings"] == []


def test_analyze_text_output(tmp_path: Path) -> None:
    proc = run("analyze", write(tmp_path, PUBLIC_BUCKET), "--resource-type", "AWS::S3::Bucket",
               "--resource-arn", "arn:aws:s3:::b", "--account", OWN)
    assert proc.returncode == 0 and OTHER in proc.stdout.decode()


@pytest.mark.parametrize("args", [
    ["--resource-type", "AWS::Nope::Thing", "--resource-arn", "arn:aws:s3:::b", "--account", OWN],
    ["--resource-type", "AWS::S3::Bucket", "--resource-arn", "not-an-arn", "--account", OWN],
    ["--resource-type", "AWS::S3::Bucket", "--resource-arn", "arn:aws:s3:::b", "--account", "12"],
    ["--resource-type", "AWS::S3::Bucket", "--resource-arn", "arn:aws:s3:::b", "--account", OWN, "--org-id", "x"],
    ["--resource-type", "AWS::EC2::Snapshot", "--resource-arn", "arn:aws:ec2:us-east-1:1:snapshot/s", "--account", OWN],
])
def test_analyze_bad_options(tmp_path: Path, args: list[str]) -> None:
    clean_error(run("analyze", write(tmp_path, PUBLIC_BUCKET), *args, "--format", "json"))


@pytest.mark.parametrize("text", ["{not json", "[]", '{"Statement": [{"Effect": "Allow"}]}'])
def test_analyze_bad_policies(tmp_path: Path, text: str) -> None:
    clean_error(run("analyze", write(tmp_path, text), "--resource-type", "AWS::S3::Bucket",
                    "--resource-arn", "arn:aws:s3:::b", "--account", OWN))


def test_no_public_access_exit_codes(tmp_path: Path) -> None:
    proc = run("check", "no-public-access", write(tmp_path, PUBLIC_BUCKET), "--resource-type", "AWS::S3::Bucket",
               "--format", "json")
    out = json.loads(proc.stdout)
    assert proc.returncode == 1 and out["result"] == "FAIL"
    assert [r["statementIndex"] for r in out["reasons"]] == [0] and out["example"]["action"] == "s3:GetObject"
    private = json.dumps({"Version": "2012-10-17", "Statement": [json.loads(PUBLIC_BUCKET)["Statement"][1]]})
    proc = run("check", "no-public-access", write(tmp_path, private), "--resource-type", "AWS::S3::Bucket",
               "--format", "json")
    assert proc.returncode == 0 and json.loads(proc.stdout)["result"] == "PASS"


def test_no_public_access_rejects_unsupported_types(tmp_path: Path) -> None:
    proc = run("check", "no-public-access", write(tmp_path, PUBLIC_BUCKET), "--resource-type", "AWS::EC2::Snapshot",
               "--format", "json")
    clean_error(proc)
    assert json.loads(proc.stdout)["result"] == "ERROR"


@pytest.mark.parametrize("statement, resource_type", [
    ({"Effect": "Allow", "Action": "s3:GetObject"}, "AWS::S3::Bucket"),  # neither Principal nor Resource
    ({"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}, "AWS::SQS::Queue"),  # no Principal
    ({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"}, "AWS::S3::Bucket"),  # no Resource
])
def test_analyze_refuses_a_policy_aws_would_reject(tmp_path: Path, statement: dict, resource_type: str) -> None:
    arn = "arn:aws:s3:::b" if resource_type == "AWS::S3::Bucket" else f"arn:aws:sqs:us-east-1:{OWN}:q"
    proc = run("analyze", write(tmp_path, json.dumps({"Version": "2012-10-17", "Statement": [statement]})),
               "--resource-type", resource_type, "--resource-arn", arn, "--account", OWN, "--format", "json")
    clean_error(proc)
    assert proc.stdout == b""


def test_examples_name_a_principal_a_user_can_replay(tmp_path: Path) -> None:
    """An account principal matches any principal ARN of the account: the example names the account's
    root, not a string made by filling the pattern's wildcards."""
    text = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "999988887777"}, "Action": "sqs:SendMessage", "Resource": "*"}]})
    proc = run("analyze", write(tmp_path, text), "--resource-type", "AWS::SQS::Queue",
               "--resource-arn", f"arn:aws:sqs:us-east-1:{OWN}:q", "--account", OWN, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    [finding] = json.loads(proc.stdout)["findings"]
    assert not finding["error"]
    assert finding["example"]["principal"] == {"AWS": "arn:aws:iam::999988887777:root"}
