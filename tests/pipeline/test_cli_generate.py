"""`trustmap generate` end to end on the corpus logs: every principal gets a policy in the
GetGeneratedPolicy shape, and (when `trustmap validate` is installed) every policy validates clean."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.generate import map_log_file, policies_of, reduce_partials

LOGS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "cloudtrail" / "logs"
pytestmark = pytest.mark.skipif(not LOGS.is_dir(), reason="corpus logs not present")


@pytest.fixture(scope="module")
def all_principals() -> dict[str, dict]:
    return policies_of(reduce_partials(map_log_file(str(p)) for p in sorted(LOGS.glob("*.json"))))


def _run(capsys, *args) -> tuple[int, dict]:
    code = main(["generate", "--cloudtrail", str(LOGS), *args, "--format", "json"])
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else {}


def test_every_principal_of_the_corpus_gets_a_policy(capsys, all_principals):
    assert len(all_principals) == 40
    for arn, result in list(all_principals.items())[:40:5]:  # the CLI path, on a sample
        code, out = _run(capsys, "--principal", arn)
        assert code == 0
        got = [json.loads(p["policy"]) for p in out["generatedPolicyResult"]["generatedPolicies"]]
        want = [json.loads(p["policy"]) for p in result["generatedPolicyResult"]["generatedPolicies"]]
        assert got == want and got
        assert out["generatedPolicyResult"]["properties"]["principalArn"] == arn


def test_sso_role_found_with_or_without_its_path(capsys):
    with_path = "arn:aws:iam::844015365555:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_account-admin_599c9e90e350d2ff"
    code, out = _run(capsys, "--principal", with_path.replace("aws-reserved/sso.amazonaws.com/", ""))
    assert code == 0 and out["generatedPolicyResult"]["properties"]["principalArn"] == with_path
    policy = json.loads(out["generatedPolicyResult"]["generatedPolicies"][0]["policy"])
    assert policy["Statement"][0]["Action"] == ["ec2-instance-connect:SendSerialConsoleSSHPublicKey",
                                                "ec2:EnableSerialConsoleAccess"]


def test_window_excludes_activity(capsys):
    code, out = _run(capsys, "--principal", "arn:aws:iam::494659789341:role/test-role",
                     "--start", "2030-01-01", "--end", "2030-02-01")
    assert code == 0 and out["generatedPolicyResult"]["generatedPolicies"] == []
    assert out["activity"]["skippedEvents"]["outside-window"] == 312


@pytest.mark.parametrize("args", [
    ["--principal", "arn:aws:s3:::bucket"],
    ["--principal", "arn:aws:iam::494659789341:role/test-role", "--start", "yesterday"],
    ["--principal", "arn:aws:iam::494659789341:role/test-role", "--start", "2024-02-01", "--end", "2024-01-01"],
])
def test_bad_input_exits_2(capsys, args):
    assert main(["generate", "--cloudtrail", str(LOGS), *args]) == 2
    assert capsys.readouterr().err.startswith("trustmap: error:")


def test_missing_source_exits_2(capsys, tmp_path):
    assert main(["generate", "--cloudtrail", str(tmp_path / "nope"), "--principal",
                 "arn:aws:iam::494659789341:role/test-role"]) == 2


@pytest.mark.skipif(importlib.util.find_spec("pipeline.validate") is None, reason="trustmap validate not built yet")
def test_generated_policies_validate_with_no_error_or_security_warning(capsys, tmp_path, all_principals):
    files = []
    for i, result in enumerate(all_principals.values()):
        for j, generated in enumerate(result["generatedPolicyResult"]["generatedPolicies"]):
            path = tmp_path / f"p{i}-{j}.json"
            path.write_text(generated["policy"])
            files.append(str(path))
    assert len(files) >= 40
    code = main(["validate", *files, "--policy-type", "IDENTITY_POLICY", "--format", "json"])
    out = capsys.readouterr().out
    try:
        docs = [json.loads(out)]
    except json.JSONDecodeError:  # one document per policy file
        docs = [json.loads(line) for line in out.splitlines() if line.strip()]
    findings = [f for doc in docs for f in doc.get("findings", [])]
    assert code == 0
    assert [f for f in findings if f["findingType"] in ("ERROR", "SECURITY_WARNING")] == []
