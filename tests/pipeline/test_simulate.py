"""`trustmap simulate` (authorization.md §5): the input file, the flag form and the snapshot form; the
SimulatePolicyResponse shape, --explain, --expect, and one-line errors (exit 2) for what IAM rejects."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.cli import main

A, B = "111122223333", "444455556666"
ALICE = f"arn:aws:iam::{A}:user/alice"
OBJ = "arn:aws:s3:::reports/q1.csv"


def doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, indent=2)


FULL = doc({"Effect": "Allow", "Action": "*", "Resource": "*"})
S3 = doc({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})
NO_DELETE = doc({"Effect": "Allow", "Action": "*", "Resource": "*"},
                {"Sid": "NoDelete", "Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"})


def run(capsys, *args: str) -> tuple[int, dict | str]:
    code = main(["simulate", *args])
    out = capsys.readouterr()
    try:
        return code, json.loads(out.out)
    except ValueError:
        return code, out.out + out.err


def write(tmp_path: Path, data: dict) -> str:
    path = tmp_path / "request.json"
    path.write_text(json.dumps(data))
    return str(path)


def base(**extra) -> dict:
    return {"PolicyInputList": [S3], "ActionNames": ["s3:GetObject", "s3:DeleteObject"], "ResourceArns": [OBJ],
            "CallerArn": ALICE, "OrderedOrganizationPolicyInputList": [
                {"ServiceControlPolicyInputList": [FULL]}, {"ServiceControlPolicyInputList": [NO_DELETE]}], **extra}


def test_input_file_gives_simulate_policy_response(capsys, tmp_path):
    """R10, E10 (IAM SimulatePolicyResponse, botocore data/iam/2010-05-08/service-2.json): MatchedStatements
    with positions, only the Deny when a Deny wins; AllowedByOrganizations false iff SCPs blocked."""
    code, out = run(capsys, "--input", write(tmp_path, base()))
    assert code == 0
    get, delete = out["EvaluationResults"]
    assert (get["EvalActionName"], get["EvalDecision"]) == ("s3:GetObject", "allowed")
    assert get["MatchedStatements"] == [{"SourcePolicyId": "PolicyInputList.1", "SourcePolicyType": "user",
                                         "StartPosition": {"Line": 4, "Column": 5},
                                         "EndPosition": {"Line": 8, "Column": 6}}]
    assert get["trustmap"] == {"blockedBy": [], "path": "identity"}
    assert get["EvalDecisionDetails"] == {}  # one account, a named resource: present and empty
    assert "EvalDecisionDetails" not in run(capsys, "--input", write(tmp_path, base(ResourceArns=["*"])))[1][
        "EvaluationResults"][0]  # all resources: absent
    assert delete["EvalDecision"] == "explicitDeny"
    assert delete["OrganizationsDecisionDetail"] == {"AllowedByOrganizations": False}
    assert "EvalDecisionDetails" not in delete  # an SCP ended the evaluation
    assert delete["PermissionsBoundaryDecisionDetail"] == {"AllowedByPermissionsBoundary": True}
    assert delete["MatchedStatements"][0]["SourcePolicyId"] == \
        "OrderedOrganizationPolicyInputList.2.ServiceControlPolicyInputList.1"
    assert delete["trustmap"]["blockedBy"] == [{"type": "scp", "effect": "Deny", "level": 2}]


def test_most_restrictive_decision_across_resources(capsys, tmp_path):
    """§5, E10: one EvaluationResult per action, the most restrictive decision, per-resource answers."""
    data = base(ActionNames=["s3:GetObject"], ResourceArns=[OBJ, "arn:aws:s3:::other/x"],
                PolicyInputList=[doc({"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::reports/*"})])
    code, out = run(capsys, "--input", write(tmp_path, data))
    (result,) = out["EvaluationResults"]
    assert result["EvalDecision"] == "implicitDeny" and result["EvalResourceName"] == "*"
    assert [(r["EvalResourceName"], r["EvalResourceDecision"]) for r in result["ResourceSpecificResults"]] == \
        [(OBJ, "allowed"), ("arn:aws:s3:::other/x", "implicitDeny")]


def test_extensions_service_caller_rcp_and_missing_context(capsys, tmp_path):
    """R10, E10: MissingContextValues lists the keys a reachable condition needed; §5 extensions."""
    rp = doc({"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject",
              "Resource": "*", "Condition": {"StringEquals": {"aws:SourceAccount": A}}})
    rcp = doc({"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"})
    data = {"CallerServicePrincipal": "cloudtrail.amazonaws.com", "ResourceOwner": f"arn:aws:iam::{A}:root",
            "ResourcePolicy": rp, "ActionNames": ["s3:PutObject"], "ResourceArns": [OBJ],
            "OrderedResourceControlPolicyInputList": [{"ResourceControlPolicyInputList": [rcp]}]}
    code, out = run(capsys, "--input", write(tmp_path, data))
    assert out["EvaluationResults"][0]["EvalDecision"] == "implicitDeny"
    assert out["EvaluationResults"][0]["MissingContextValues"] == ["aws:SourceAccount"]
    data["ContextEntries"] = [{"ContextKeyName": "aws:SourceAccount", "ContextKeyValues": [A],
                               "ContextKeyType": "string"}]
    code, out = run(capsys, "--input", write(tmp_path, data), "--expect", "allowed")
    assert code == 0 and out["EvaluationResults"][0]["trustmap"]["path"] == "resource-direct"


def test_explain_names_the_blocking_scp(capsys, tmp_path):
    code, out = run(capsys, "--input", write(tmp_path, base()), "--explain")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == f"s3:GetObject on {OBJ}: allowed"
    assert f"s3:DeleteObject on {OBJ}: explicitDeny" in lines
    assert any(line.startswith("  denied by SCP level 2 OrderedOrganizationPolicyInputList.2") and "(NoDelete)" in line
               for line in lines)


def test_expect_exits_1_when_the_answer_differs(capsys, tmp_path):
    path = write(tmp_path, base(ActionNames=["s3:DeleteObject"]))
    assert run(capsys, "--input", path, "--expect", "explicitDeny")[0] == 0
    assert run(capsys, "--input", path, "--expect", "allowed")[0] == 1


def test_flag_form(capsys, tmp_path):
    (tmp_path / "id.json").write_text(S3)
    (tmp_path / "scp.json").write_text(NO_DELETE)
    code, out = run(capsys, "--action", "s3:DeleteObject", "--resource", OBJ, "--caller-arn", ALICE,
                    "--policy", str(tmp_path / "id.json"), "--scp-level", str(tmp_path / "scp.json"),
                    "--context", "aws:SourceIp=10.0.0.1", "--format", "json")
    assert code == 0 and out["EvaluationResults"][0]["EvalDecision"] == "explicitDeny"
    code, out = run(capsys, "--action", "s3:GetObject", "--caller-arn", ALICE, "--policy", str(tmp_path / "id.json"),
                    "--scp-level", "none")
    assert out["EvaluationResults"][0]["trustmap"]["blockedBy"] == [{"type": "scp", "effect": "NoAllow", "level": 1}]


def test_derive_context_fills_principal_keys(capsys, tmp_path):
    cond = doc({"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                "Condition": {"StringEquals": {"aws:PrincipalAccount": A, "aws:username": "alice"}}})
    path = write(tmp_path, {"PolicyInputList": [cond], "ActionNames": ["s3:GetObject"], "CallerArn": ALICE})
    assert run(capsys, "--input", path)[1]["EvaluationResults"][0]["EvalDecision"] == "implicitDeny"
    assert run(capsys, "--input", path, "--derive-context")[1]["EvaluationResults"][0]["EvalDecision"] == "allowed"


@pytest.mark.parametrize("change,needle", [
    ({"PermissionsBoundaryPolicyInputList": [FULL, FULL]}, "at most one"),
    ({"OrderedOrganizationPolicyInputList": [{"ServiceControlPolicyInputList": [FULL]}] * 8}, "at most 7"),
    ({"ActionNames": ["s3:Get*"]}, "no wildcards"),
    ({"ResourceArns": ["reports/q1.csv"]}, "not an ARN"),
    ({"CallerArn": "alice"}, "caller"),
    ({"ResourceOwner": "12345"}, "ResourceOwner"),
    ({"ContextEntries": [{"ContextKeyName": "k", "ContextKeyValues": ["v"], "ContextKeyType": "text"}]},
     "ContextKeyType"),
    ({"PolicyInputList": ['{"Statement": [{"Effect": "Maybe", "Action": "*"}]}']}, "PolicyInputList.1"),
    ({"PolicyInputList": ["{not json"]}, "PolicyInputList.1"),
    ({"Surprise": 1}, "unknown input field"),
    ({"PolicyInputList": [doc({"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"})]},
     "cannot have"),
])
def test_rejected_input_is_one_line_exit_2(capsys, tmp_path, change, needle):
    code, out = run(capsys, "--input", write(tmp_path, base(**change)))
    assert code == 2
    assert isinstance(out, str) and out.count("\n") == 1 and needle in out and out.startswith("trustmap: error:")


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    from connectors.aws.collect import Collection, ScopeResult
    from connectors.aws.organization import Account, Organization
    from connectors.snapshot import write_snapshot
    managed = f"arn:aws:iam::{B}:policy/s3-read"
    details = {
        "UserDetailList": [], "GroupDetailList": [
            {"GroupName": "readers", "Arn": f"arn:aws:iam::{B}:group/readers", "GroupPolicyList": [],
             "AttachedManagedPolicies": [{"PolicyName": "s3-read", "PolicyArn": managed}]}],
        "RoleDetailList": [{"RoleName": "app", "Arn": f"arn:aws:iam::{B}:role/app", "Path": "/",
                            "RolePolicyList": [{"PolicyName": "inline", "PolicyDocument": S3}],
                            "AttachedManagedPolicies": [], "AssumeRolePolicyDocument": FULL}],
        "Policies": [{"PolicyName": "s3-read", "Arn": managed, "PolicyVersionList": [
            {"Document": S3, "IsDefaultVersion": True, "VersionId": "v1"}]}]}
    details["UserDetailList"].append({"UserName": "bob", "Arn": f"arn:aws:iam::{B}:user/bob", "UserPolicyList": [],
                                      "AttachedManagedPolicies": [], "GroupList": ["readers"],
                                      "UserId": "AIDAEXAMPLEBOB", "Tags": [{"Key": "team", "Value": "data"}]})
    bucket_policy = doc({"Effect": "Allow", "Principal": {"AWS": B}, "Action": "s3:GetObject",
                         "Resource": "arn:aws:s3:::reports/*"})
    bucket = {"resourceArn": "arn:aws:s3:::reports", "resourceType": "AWS::S3::Bucket", "account": A,
              "region": "us-east-1", "configuration": {"s3Bucket": {"bucketPolicy": bucket_policy}}}
    scopes = (ScopeResult(A, "us-east-1", True, resources=(bucket,)),
              ScopeResult(B, "us-east-1", True, iam_authorization_details={"account": B, **details}))
    org = Organization("o-1", "999999999999", A,
                       (Account(A, "data", "ACTIVE", "o-1/r-root/"), Account(B, "apps", "ACTIVE", "o-1/r-root/ou-x/")),
                       policies=({"id": "p-full", "arn": "arn:full", "name": "FullAWSAccess", "type": "SERVICE_CONTROL_POLICY",
                                  "awsManaged": True, "content": FULL,
                                  "targets": [{"targetId": t, "type": "", "name": ""} for t in ("r-root", "ou-x", B)]},
                                 {"id": "p-nodel", "arn": "arn:nodel", "name": "NoDelete", "type": "SERVICE_CONTROL_POLICY",
                                  "awsManaged": False, "content": NO_DELETE,
                                  "targets": [{"targetId": "ou-x", "type": "", "name": ""}]}))
    return write_snapshot(Collection(org, scopes), tmp_path_factory.mktemp("snap") / "s")


def test_snapshot_form_reads_groups_scps_and_the_bucket_policy(capsys, snapshot):
    """SimulatePrincipalPolicy's analogue: bob's group policy, the SCPs on ou-x, the other account's bucket."""
    args = ["--snapshot", str(snapshot), "--principal", f"arn:aws:iam::{B}:user/bob", "--resource", OBJ]
    code, out = run(capsys, *args, "--action", "s3:GetObject")
    (result,) = out["EvaluationResults"]
    assert result["EvalDecision"] == "allowed" and result["trustmap"]["path"] == "delegation"
    assert {m["SourcePolicyId"] for m in result["MatchedStatements"]} == {f"arn:aws:iam::{B}:policy/s3-read",
                                                                         "ResourcePolicy"}
    assert result["EvalDecisionDetails"] == {"IdentityPolicy": "allowed", "ResourcePolicy": "allowed"}
    code, out = run(capsys, *args, "--action", "s3:DeleteObject")
    assert out["EvaluationResults"][0]["trustmap"]["blockedBy"] == [{"type": "scp", "effect": "Deny", "level": 2}]
    code, out = run(capsys, "--snapshot", str(snapshot), "--principal", f"arn:aws:sts::{B}:assumed-role/app/s",
                    "--action", "s3:GetObject", "--resource", OBJ)
    assert out["EvaluationResults"][0]["EvalDecision"] == "allowed"
    code, out = run(capsys, *args, "--action", "s3:GetObject", "--derive-context")
    assert out["EvaluationResults"][0]["EvalDecision"] == "allowed"


def test_snapshot_derive_context_knows_tags_and_organization(capsys, snapshot, tmp_path):
    """--derive-context on a snapshot fills aws:PrincipalTag/*, aws:PrincipalOrgID and aws:ResourceOrgPaths."""
    from pipeline.simulate import derived_keys
    from pipeline.simulate_snapshot import snapshot_input
    sim = snapshot_input(str(snapshot), f"arn:aws:iam::{B}:user/bob", ["s3:GetObject"], [OBJ], [])
    keys = derived_keys(sim)
    assert keys["aws:PrincipalTag/team"] == ["data"] and keys["aws:userid"] == ["AIDAEXAMPLEBOB"]
    assert keys["aws:PrincipalOrgID"] == ["o-1"] and keys["aws:PrincipalOrgPaths"] == ["o-1/r-root/ou-x/"]
    assert keys["aws:ResourceOrgPaths"] == ["o-1/r-root/"] and keys["aws:ResourceAccount"] == [A]


def test_snapshot_form_errors(capsys, snapshot):
    code, out = run(capsys, "--snapshot", str(snapshot), "--principal", f"arn:aws:iam::{B}:user/nobody",
                    "--action", "s3:GetObject")
    assert code == 2 and "no user" in out
