"""What a template yields: identity sites attached to their principals, resource policies with their
targets, Lambda permissions synthesized, ACL-only buckets, default key policies; Terraform plans with
modules, unknown values, deferred policy documents and Lambda permissions."""
from __future__ import annotations

import json
from pathlib import Path

from connectors.iac import Options, extract
from connectors.iac.sites import Extraction

FIXTURES = Path(__file__).resolve().parents[2] / "pipeline" / "iac_fixtures"
DOC = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}


def run(tmp_path: Path, doc: dict, name: str = "t.json", **opts) -> Extraction:
    path = tmp_path / name
    path.write_text(json.dumps(doc, indent=1))
    return extract(Options(str(path), region="us-east-1", account="111122223333", **opts))


def test_a_shared_managed_policy_is_one_site_attached_to_each_principal(tmp_path: Path) -> None:
    ex = run(tmp_path, {"Resources": {
        "Mp": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": DOC, "Path": "/team/",
                                                                "Roles": ["runner"]}},
        "R": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "runner", "AssumeRolePolicyDocument": DOC}},
        "U": {"Type": "AWS::IAM::User", "Properties": {"ManagedPolicyArns": [
            {"Ref": "Mp"}, "arn:aws:iam::aws:policy/ReadOnlyAccess"]}}}})
    managed = next(s for s in ex.sites if s.logical_id == "Mp")
    assert sorted(a["logicalId"] for a in managed.attached_to or []) == ["R", "U"]
    assert managed.policy_path == "/team/"
    principals = {p.logical_id: p for p in ex.principals}
    assert principals["R"].name == "runner"
    assert principals["U"].external_managed_policy_arns == ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
    trust = next(s for s in ex.sites if s.prop == "AssumeRolePolicyDocument")
    assert (trust.policy_type, trust.resource_type, trust.resource_name) == \
        ("RESOURCE_POLICY", "AWS::IAM::AssumeRolePolicyDocument", "runner")


def test_queue_policy_has_one_site_per_queue_and_bucket_acls_merge(tmp_path: Path) -> None:
    ex = run(tmp_path, {"Resources": {
        "Q": {"Type": "AWS::SQS::QueuePolicy", "Properties": {"PolicyDocument": DOC, "Queues": [
            "https://sqs.us-east-1.amazonaws.com/111122223333/a", "https://sqs.us-east-1.amazonaws.com/111122223333/b"]}},
        "B": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "data", "AccessControl": "PublicRead"}},
        "Bp": {"Type": "AWS::S3::BucketPolicy", "Properties": {"Bucket": {"Ref": "B"}, "PolicyDocument": DOC}},
        "Acl": {"Type": "AWS::S3::Bucket", "Properties": {"AccessControl": "AuthenticatedRead"}}}})
    assert sorted(s.resource_name for s in ex.sites if s.logical_id == "Q") == ["a", "b"]  # type: ignore[type-var]
    bucket_policy = next(s for s in ex.sites if s.logical_id == "Bp")
    assert bucket_policy.configuration == {"AccessControl": "PublicRead"}
    acl_only = next(s for s in ex.sites if s.logical_id == "Acl")
    assert acl_only.policy is None and acl_only.configuration == {"AccessControl": "AuthenticatedRead"}
    assert not any(s.logical_id == "B" for s in ex.sites)


def test_lambda_permissions_are_synthesized_per_function(tmp_path: Path) -> None:
    ex = run(tmp_path, {"Resources": {
        "P1": {"Type": "AWS::Lambda::Permission", "Properties": {"Action": "lambda:InvokeFunction",
               "FunctionName": "fn", "Principal": "sns.amazonaws.com", "SourceArn": "arn:aws:sns:us-east-1:1:t"}},
        "P2": {"Type": "AWS::Lambda::Permission", "Properties": {"Action": "lambda:InvokeFunction",
               "FunctionName": "arn:aws:lambda:us-east-1:111122223333:function:fn", "Principal": "444455556666"}}}})
    (site,) = ex.sites
    assert site.synthesized_from == ["P1", "P2"] and site.resource_name == "fn"
    first, second = site.policy["Statement"]  # type: ignore[index]
    assert first["Principal"] == {"Service": "sns.amazonaws.com"}
    assert first["Condition"] == {"ArnLike": {"AWS:SourceArn": "arn:aws:sns:us-east-1:1:t"}}
    assert second["Principal"] == {"AWS": "444455556666"}
    assert first["Resource"] == second["Resource"] == "arn:aws:lambda:us-east-1:111122223333:function:fn"


def test_a_key_without_policy_gets_the_default_key_policy(tmp_path: Path) -> None:
    (site,) = run(tmp_path, {"Resources": {"K": {"Type": "AWS::KMS::Key"}}}).sites
    assert site.policy["Statement"][0]["Principal"] == {"AWS": "arn:aws:iam::111122223333:root"}  # type: ignore[index]


def test_missing_required_property_and_wrong_type_are_invalid_resources(tmp_path: Path) -> None:
    ex = run(tmp_path, {"Resources": {
        "A": {"Type": "AWS::IAM::Policy", "Properties": {"PolicyDocument": DOC}},
        "B": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": DOC, "RoleName": ["x"]}},
        "C": {"Properties": {}}}})
    assert {p.key: p.code for p in ex.problems} == {"A": "IAC_INVALID_RESOURCE", "B": "IAC_INVALID_RESOURCE",
                                                    "C": "IAC_INVALID_RESOURCE"}
    assert not ex.sites


def test_an_unresolved_inline_policy_is_listed_and_the_others_still_read(tmp_path: Path) -> None:
    ex = run(tmp_path, {"Parameters": {"Bucket": {"Type": "String"}}, "Resources": {"R": {
        "Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": DOC, "Policies": [
            {"PolicyName": "a", "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "s3:*",
                                                                  "Resource": {"Ref": "Bucket"}}]}},
            {"PolicyName": "b", "PolicyDocument": DOC}]}}}})
    inline = {s.prop: s for s in ex.sites if s.prop and s.prop.startswith("Policies")}
    assert inline["Policies[0].PolicyDocument"].policy is None
    assert [u.what for u in inline["Policies[0].PolicyDocument"].unresolved] == ["parameter Bucket"]
    assert inline["Policies[1].PolicyDocument"].policy == DOC and not ex.problems


def test_sam_resources_are_reported_not_skipped(tmp_path: Path) -> None:
    ex = run(tmp_path, {"Transform": "AWS::Serverless-2016-10-31", "Resources": {
        "Fn": {"Type": "AWS::Serverless::Function", "Properties": {"Policies": ["S3ReadPolicy"]}}}})
    assert [(p.key, p.code) for p in ex.problems] == [("Fn", "IAC_UNRESOLVED_VALUE")]


def test_excluded_types_are_not_read(tmp_path: Path) -> None:
    ex = run(tmp_path, {"Resources": {"K": {"Type": "AWS::KMS::Key"}}}, exclude_resource_types=["AWS::KMS::Key"])
    assert not ex.sites


def test_terraform_modules_unknowns_and_deferred_documents() -> None:
    ex = extract(Options(str(FIXTURES / "module_plan.json"), region="us-east-1"))
    by_address = {(s.address, s.attribute): s for s in ex.sites}
    admin = by_address[('module.team["a.b"].aws_iam_policy.admin', "policy")]
    assert admin.policy_type == "IDENTITY_POLICY" and admin.resource_name == "team-admin"
    runner = by_address[('module.team["a.b"].aws_iam_role.runner', "assume_role_policy")]
    assert runner.resource_type == "AWS::IAM::AssumeRolePolicyDocument"
    deferred = by_address[("aws_iam_role_policy.deferred", "policy")]
    assert deferred.unresolved and deferred.unresolved[0].what.startswith("after_unknown")
    assert deferred.policy == {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}]}  # rebuilt from the configuration
    assert admin.place.span is not None and admin.place.span.start.line > 1


def test_terraform_lambda_permission_uses_a_real_function_arn(tmp_path: Path) -> None:
    plan = {"format_version": "1.2", "terraform_version": "1.9.0", "planned_values": {"root_module": {"resources": [
        {"address": "aws_lambda_permission.p", "mode": "managed", "type": "aws_lambda_permission", "name": "p",
         "values": {"action": "lambda:InvokeFunction", "function_name": "fn", "principal": "*"}}]}},
        "resource_changes": [{"address": "aws_lambda_permission.p", "change": {"after_unknown": {"source_arn": True}}}]}
    (site,) = run(tmp_path, plan, "plan.json").sites
    assert site.policy["Statement"][0]["Resource"] == "arn:aws:lambda:us-east-1:111122223333:function:fn"  # type: ignore[index]
    assert [u.what for u in site.unresolved] == ["source_arn (after_unknown)"]  # never dropped: that would widen it


def test_terraform_computed_policy_attributes_are_ignored(tmp_path: Path) -> None:
    plan = {"format_version": "1.2", "planned_values": {"root_module": {"resources": [
        {"address": "aws_s3_bucket.b", "mode": "managed", "type": "aws_s3_bucket", "name": "b",
         "values": {"bucket": "data"}}]}},
        "resource_changes": [{"address": "aws_s3_bucket.b", "change": {"after_unknown": {"policy": True}}}],
        "configuration": {"root_module": {"resources": [{"address": "aws_s3_bucket.b", "expressions": {
            "bucket": {"constant_value": "data"}}}]}}}
    assert run(tmp_path, plan, "plan.json").sites == []


def test_terraform_attachments_link_policies_to_principals(tmp_path: Path) -> None:
    pol, trust = json.dumps(DOC), json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})

    def res(address: str, values: dict) -> dict:
        rtype, name = address.split(".")
        return {"address": address, "mode": "managed", "type": rtype, "name": name, "values": values}
    plan = {"format_version": "1.2", "planned_values": {"root_module": {"resources": [
        res("aws_iam_role.app", {"name": "app", "path": "/svc/", "assume_role_policy": trust,
                                 "managed_policy_arns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"]}),
        res("aws_iam_policy.p", {"name": "p", "policy": pol}),
        res("aws_iam_role_policy_attachment.a", {"role": "app"}),  # policy_arn known after apply
        res("aws_iam_role_policy.inline", {"name": "inline", "role": "app", "policy": pol})]}},
        "configuration": {"root_module": {"resources": [{"address": "aws_iam_role_policy_attachment.a", "expressions": {
            "policy_arn": {"references": ["aws_iam_policy.p.arn", "aws_iam_policy.p"]}}}]}}}
    ex = run(tmp_path, plan, "plan.json")
    role = {"type": "aws_iam_role", "logicalId": "aws_iam_role.app", "name": "app"}
    attached = {s.address: s.attached_to for s in ex.sites}
    assert attached["aws_iam_policy.p"] == [role] and attached["aws_iam_role_policy.inline"] == [role]
    (principal,) = ex.principals
    assert (principal.path, principal.external_managed_policy_arns) == ("/svc/", ["arn:aws:iam::aws:policy/ReadOnlyAccess"])


def test_terraform_jsonencode_known_is_read_and_unknown_is_unresolved_never_dropped(tmp_path: Path) -> None:
    def res(address: str, values: dict) -> dict:
        rtype, name = address.split(".")
        return {"address": address, "mode": "managed", "type": rtype, "name": name, "values": values}
    refs = {"references": ["aws_s3_bucket.b.arn", "aws_s3_bucket.b"]}  # all a plan records of jsonencode(...)
    plan = {"format_version": "1.2", "planned_values": {"root_module": {"resources": [
        res("aws_iam_policy.known", {"name": "known", "policy": json.dumps(DOC)}),
        res("aws_iam_policy.later", {"name": "later"}),
        res("aws_iam_role.r", {"name": "r", "assume_role_policy": json.dumps(DOC)})]}},
        "resource_changes": [
            {"address": "aws_iam_policy.later", "change": {"after_unknown": {"policy": True, "arn": True}}},
            {"address": "aws_iam_role.r", "change": {"after_unknown": {"inline_policy": True}}}],
        "configuration": {"root_module": {"resources": [
            {"address": "aws_iam_policy.known", "expressions": {"policy": {"references": ["var.bucket"]}}},
            {"address": "aws_iam_policy.later", "expressions": {"policy": refs}},
            {"address": "aws_iam_role.r", "expressions": {"inline_policy": [{"policy": refs}]}}]}}}
    sites = {(s.address, s.attribute): s for s in run(tmp_path, plan, "plan.json").sites}
    assert sites[("aws_iam_policy.known", "policy")].policy == DOC
    later = sites[("aws_iam_policy.later", "policy")]
    assert later.policy is None and [u.what for u in later.unresolved] == [
        "after_unknown (aws_s3_bucket.b.arn, aws_s3_bucket.b)"]
    inline = sites[("aws_iam_role.r", "inline_policy")]  # a dynamic block over unknown values
    assert inline.policy is None and inline.unresolved and inline.policy_type == "IDENTITY_POLICY"
    assert [a["name"] for a in inline.attached_to or []] == ["r"]
