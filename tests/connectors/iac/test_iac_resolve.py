"""Resolving CloudFormation values: pseudo parameters, parameters, Ref/GetAtt ARNs, Sub, lists and
AWS::NoValue, conditions, origins (the template node each value came from), cycles and unresolved values."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from connectors.iac import Options, extract
from connectors.iac.sites import Extraction, Site


def run(tmp_path: Path, template: dict | str, **opts) -> Extraction:
    path = tmp_path / ("t.yaml" if isinstance(template, str) else "t.json")
    path.write_text(template if isinstance(template, str) else json.dumps(template, indent=2))
    return extract(Options(str(path), region=opts.pop("region", "us-east-2"), account="111122223333", **opts))


def probe(tmp_path: Path, resource_value, extra: dict | None = None, **opts) -> Site:
    """The one site of a managed policy whose statement Resource is `resource_value`."""
    template = {"Resources": {"P": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": {
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                                "Resource": resource_value}]}}}, **(extra or {})}}
    template.update({k: v for k, v in (opts.pop("sections", None) or {}).items()})
    (site,) = [s for s in run(tmp_path, template, **opts).sites if s.logical_id == "P"]
    return site


def resource_of(site: Site):
    return site.policy["Statement"][0]["Resource"]  # type: ignore[index]


def test_pseudo_parameters_and_partition_from_the_region(tmp_path: Path) -> None:
    site = probe(tmp_path, {"Fn::Sub": "arn:${AWS::Partition}:s3:::${AWS::Region}-${AWS::AccountId}-"
                                       "${AWS::URLSuffix}-${AWS::StackName}"}, region="cn-north-1")
    assert resource_of(site) == "arn:aws-cn:s3:::cn-north-1-111122223333-amazonaws.com.cn-StackName"


def test_sub_literal_escape_and_variable_map(tmp_path: Path) -> None:
    site = probe(tmp_path, {"Fn::Sub": ["arn:aws:s3:::${B}/${!aws:username}", {"B": {"Ref": "AWS::Region"}}]})
    assert resource_of(site) == "arn:aws:s3:::us-east-2/${aws:username}"


def test_ref_and_getatt_of_template_resources(tmp_path: Path) -> None:
    extra = {"R": {"Type": "AWS::IAM::Role", "Properties": {"Path": "/svc/", "RoleName": "runner",
                                                            "AssumeRolePolicyDocument": {"Statement": []}}},
             "Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "jobs"}},
             "T": {"Type": "AWS::SNS::Topic"},
             "B": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "data"}}}
    site = probe(tmp_path, [{"Fn::GetAtt": ["R", "Arn"]}, {"Ref": "Q"}, {"Fn::GetAtt": "Q.Arn"}, {"Ref": "T"},
                            {"Ref": "B"}, {"Fn::GetAtt": ["B", "Arn"]}], extra)
    assert resource_of(site) == ["arn:aws:iam::111122223333:role/svc/runner",
                                 "https://sqs.us-east-2.amazonaws.com/111122223333/jobs",
                                 "arn:aws:sqs:us-east-2:111122223333:jobs",
                                 "arn:aws:sns:us-east-2:111122223333:T", "data", "arn:aws:s3:::data"]


def test_getatt_of_a_nested_property(tmp_path: Path) -> None:
    extra = {"Db": {"Type": "AWS::RDS::DBCluster", "Properties": {"MasterUserSecret": {"SecretArn": "arn:s"}}}}
    assert resource_of(probe(tmp_path, {"Fn::GetAtt": "Db.MasterUserSecret.SecretArn"}, extra)) == "arn:s"


def test_parameters_given_default_and_list(tmp_path: Path) -> None:
    sections = {"Parameters": {"Env": {"Type": "String", "Default": "dev"},
                               "Buckets": {"Type": "CommaDelimitedList"}}}
    value = {"Fn::Join": [",", [{"Ref": "Env"}, {"Fn::Select": [1, {"Ref": "Buckets"}]}]]}
    site = probe(tmp_path, value, sections=sections, parameters=["Buckets=a, b,c"])
    assert resource_of(site) == "dev,b"
    site = probe(tmp_path, value, sections=sections, parameters=["Env=prod", "Buckets=x,y"])
    assert resource_of(site) == "prod,y"


def test_no_value_removes_list_items_and_origins_follow(tmp_path: Path) -> None:
    template = """\
Conditions:
  Never: !Equals [a, b]
Resources:
  P:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Version: 2012-10-17
        Statement:
          - !If [Never, {Effect: Deny, Action: "*", Resource: "*"}, !Ref AWS::NoValue]
          - Effect: Allow
            Action: [!If [Never, s3:PutObject, !Ref AWS::NoValue], s3:GetObject]
            Resource: "*"
"""
    (site,) = run(tmp_path, template).sites
    assert site.policy == {"Version": "2012-10-17",
                           "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}]}
    place = site.locate(("Statement", 0, "Action", 0))
    line = template.splitlines()[11]
    assert (place.span.start.line, place.span.start.column) == (12, line.index("s3:GetObject"))  # the literal


def test_a_policy_written_as_a_json_string_points_at_the_function(tmp_path: Path) -> None:
    template = """\
Resources:
  P:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument: !Sub '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:${AWS::Partition}:s3:::b"}]}'
"""
    (site,) = run(tmp_path, template).sites
    assert site.policy["Statement"][0]["Resource"] == "arn:aws:s3:::b"  # type: ignore[index]
    place = site.locate(("Statement", 0, "Action"))
    assert place.span.start.line == 5 and place.path[-3:] == ("Statement", 0, "Action")


def test_conditions_choose_branches(tmp_path: Path) -> None:
    sections = {"Parameters": {"Env": {"Type": "String"}},
                "Conditions": {"Prod": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
                               "NotProd": {"Fn::Not": [{"Condition": "Prod"}]}}}
    value = {"Fn::If": ["NotProd", "arn:aws:s3:::dev", "arn:aws:s3:::prod"]}
    assert resource_of(probe(tmp_path, value, sections=sections, parameters=["Env=prod"])) == "arn:aws:s3:::prod"
    assert resource_of(probe(tmp_path, value, sections=sections, parameters=["Env=qa"])) == "arn:aws:s3:::dev"


def test_find_in_map(tmp_path: Path) -> None:
    sections = {"Mappings": {"M": {"us-east-2": {"Bucket": "arn:aws:s3:::ohio"}}}}
    assert resource_of(probe(tmp_path, {"Fn::FindInMap": ["M", {"Ref": "AWS::Region"}, "Bucket"]},
                             sections=sections)) == "arn:aws:s3:::ohio"


def test_an_unresolved_value_keeps_the_site_and_names_what_is_missing(tmp_path: Path) -> None:
    sections = {"Parameters": {"Env": {"Type": "String"}}}
    site = probe(tmp_path, {"Fn::Sub": "arn:aws:s3:::${Env}/*"}, sections=sections)
    assert site.policy is None
    assert [u.what for u in site.unresolved] == ["parameter Env"]
    site = probe(tmp_path, {"Fn::ImportValue": "prod-Repo"})
    assert [u.what for u in site.unresolved] == ["Fn::ImportValue prod-Repo"]


def test_wildcard_mode_checks_with_star(tmp_path: Path) -> None:
    site = probe(tmp_path, {"Fn::ImportValue": "prod-Repo"}, unresolved_as_wildcard=True)
    assert resource_of(site) == "*" and site.widened and site.unresolved


def test_import_values_file(tmp_path: Path) -> None:
    (tmp_path / "imports.json").write_text(json.dumps({"prod-Repo": "arn:aws:s3:::repo"}))
    site = probe(tmp_path, {"Fn::ImportValue": "prod-Repo"}, import_values=str(tmp_path / "imports.json"))
    assert resource_of(site) == "arn:aws:s3:::repo" and not site.unresolved


@pytest.mark.parametrize(("value", "message"), [
    ({"Ref": "Nothing"}, "no such resource or parameter"),
    ({"Fn::Select": [5, ["a"]]}, "out of bounds"),
    ({"Fn::Join": ["", "abc"]}, "expected a list"),
    ({"Fn::GetAtt": ["Missing", "Arn"]}, "no resource Missing"),
])
def test_template_mistakes_are_invalid_resources(tmp_path: Path, value, message: str) -> None:
    template = {"Resources": {"P": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": {
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": value}]}}}}}
    ex = run(tmp_path, template)
    assert not ex.sites
    (problem,) = ex.problems
    assert problem.code == "IAC_INVALID_RESOURCE" and problem.key == "P" and message in problem.message


def test_a_reference_cycle_is_detected(tmp_path: Path) -> None:
    template = {"Resources": {
        "A": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": {"Fn::GetAtt": ["B", "Arn"]}}},
        "B": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": {"Ref": "A"}}},
        "P": {"Type": "AWS::S3::BucketPolicy", "Properties": {"Bucket": {"Ref": "A"}, "PolicyDocument": {}}}}}
    problems = {p.key: p for p in run(tmp_path, template).problems}
    assert "cycle" in problems["P"].message and problems["P"].code == "IAC_INVALID_RESOURCE"


def test_find_in_map_default_value_with_the_language_extensions(tmp_path: Path) -> None:
    sections = {"Transform": "AWS::LanguageExtensions", "Parameters": {"Unset": {"Type": "String"}},
                "Mappings": {"M": {"us-east-2": {"Bucket": "arn:aws:s3:::ohio"}}}}
    missing = {"Fn::FindInMap": ["M", "eu-west-1", "Bucket", {"DefaultValue": {"Fn::Sub": "arn:aws:s3:::${AWS::Region}"}}]}
    assert resource_of(probe(tmp_path, missing, sections=sections)) == "arn:aws:s3:::us-east-2"
    found = {"Fn::FindInMap": ["M", {"Ref": "AWS::Region"}, "Bucket", {"DefaultValue": {"Ref": "Unset"}}]}
    site = probe(tmp_path, found, sections=sections)
    assert resource_of(site) == "arn:aws:s3:::ohio" and not site.unresolved  # an unused default is never read


@pytest.mark.parametrize(("transform", "option", "message"), [
    (None, {"DefaultValue": "x"}, "needs Transform: AWS::LanguageExtensions"),
    (["AWS::LanguageExtensions", "AWS::Serverless-2016-10-31"], {"Default": "x"}, "must be {DefaultValue: value}"),
])
def test_find_in_map_default_value_mistakes(tmp_path: Path, transform, option, message: str) -> None:
    template: dict = {"Mappings": {"M": {"a": {"b": "c"}}}, "Resources": {"P": {
        "Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": {"Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": {"Fn::FindInMap": ["M", "x", "b", option]}}]}}}}}
    if transform:
        template["Transform"] = transform
    (problem,) = run(tmp_path, template).problems
    assert problem.code == "IAC_INVALID_RESOURCE" and message in problem.message


def test_dynamic_references_need_a_version_unless_allowed(tmp_path: Path) -> None:
    (tmp_path / "refs.json").write_text(json.dumps({"ssm:/buckets/data": "arn:aws:s3:::data",
                                                    "ssm:/buckets/logs:3": "arn:aws:s3:::logs"}))
    refs = str(tmp_path / "refs.json")
    pinned = probe(tmp_path, "{{resolve:ssm:/buckets/logs:3}}", dynamic_references=refs)
    assert resource_of(pinned) == "arn:aws:s3:::logs" and not pinned.unresolved
    floating = probe(tmp_path, "{{resolve:ssm:/buckets/data}}", dynamic_references=refs)
    assert floating.policy is None
    (unknown,) = floating.unresolved
    assert "without a version" in unknown.what and "--allow-dynamic-ref-without-version" in unknown.what
    allowed = probe(tmp_path, "{{resolve:ssm:/buckets/data}}", dynamic_references=refs,
                    allow_dynamic_ref_without_version=True)
    assert resource_of(allowed) == "arn:aws:s3:::data" and not allowed.unresolved
    secret = probe(tmp_path, "{{resolve:secretsmanager:/buckets/data}}", dynamic_references=refs,
                   allow_dynamic_ref_without_version=True)
    assert [u.what for u in secret.unresolved] == ["dynamic reference {{resolve:secretsmanager:/buckets/data}}"]
