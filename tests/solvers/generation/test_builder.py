"""Policy builder: statements, resources, placeholders, service-level templates, the 6,144 split."""
from __future__ import annotations

import json

import orjson

from solvers.catalog import load_catalog
from solvers.generation.builder import (
    MAX_POLICY_CHARS,
    GenerationOptions,
    build_statements,
    generated_policy_result,
    split_policies,
)
from solvers.policy import parse_policy

USER = "arn:aws:iam::111111111111:user/u"


def _activity(actions: dict, unmapped: dict | None = None) -> dict:
    return {"arn": USER, "events": 1, "denied": 0, "actions": actions, "unmapped": unmapped or {},
            "notObservable": {}}


def test_statements_group_actions_by_resources_star_first():
    statements = build_statements(_activity({
        "s3:GetObject": {"count": 2, "resources": ["arn:aws:s3:::b/k"]},
        "s3:PutObject": {"count": 1, "resources": ["arn:aws:s3:::b/k"]},
        "ec2:DescribeInstances": {"count": 1, "resources": None},
        "s3:DeleteObject": {"count": 1, "resources": None},
    }), load_catalog(), GenerationOptions())
    assert statements == [
        {"Sid": "SupportedServiceSid0", "Effect": "Allow", "Action": ["ec2:DescribeInstances", "s3:DeleteObject"],
         "Resource": "*"},
        {"Sid": "SupportedServiceSid1", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
         "Resource": ["arn:aws:s3:::b/k"]},
    ]


def test_placeholders_replace_star_only_for_actions_with_resource_types():
    statements = build_statements(_activity({
        "s3:DeleteObject": {"count": 1, "resources": None},
        "ec2:DescribeInstances": {"count": 1, "resources": None},
    }), load_catalog(), GenerationOptions(resource_placeholders=True))
    by_action = {s["Action"][0]: s["Resource"] for s in statements}
    assert by_action["ec2:DescribeInstances"] == "*"
    assert "arn:aws:s3:::${BucketName}/${ObjectName}" in by_action["s3:DeleteObject"]
    assert all(r.startswith("arn:aws:s3:") for r in by_action["s3:DeleteObject"])


def test_service_level_template_for_services_without_action_detail():
    activity = _activity({"ec2:DescribeInstances": {"count": 1, "resources": None}},
                         unmapped={"glue.amazonaws.com SomeNewOperation": 3, "nosuch.amazonaws.com X": 1})
    without = build_statements(activity, load_catalog(), GenerationOptions())
    with_template = build_statements(activity, load_catalog(), GenerationOptions(service_level_template=True),
                                     service_level=["kms"])
    assert [s["Sid"] for s in without] == ["SupportedServiceSid0"]
    levels = [s for s in with_template if s["Sid"].startswith("ServiceLevelSid")]
    assert [s["Action"] for s in levels] == [["glue:${Action}"], ["kms:${Action}"]]


def test_policies_are_split_at_6144_characters_and_keep_every_action():
    catalog = load_catalog()
    actions = {a.full_name: {"count": 1, "resources": None} for a in catalog.actions_matching("ec2:Describe*")}
    actions.update({a.full_name: {"count": 1, "resources": [f"arn:aws:s3:::bucket-{i}/{'k' * 40}" for i in range(50)]}
                    for a in catalog.actions_matching("s3:Get*")})
    policies = split_policies(build_statements(_activity(actions), catalog, GenerationOptions()))
    assert len(policies) > 1
    granted = set()
    for policy in policies:
        text = orjson.dumps(policy).decode()
        assert len(text) <= MAX_POLICY_CHARS
        parsed = parse_policy(text)
        for statement in parsed.statements:
            granted |= {v.text for v in statement.action.values}
    assert granted == set(actions)


def test_response_has_the_get_generated_policy_shape():
    result = generated_policy_result(USER, _activity({"sts:GetCallerIdentity": {"count": 1, "resources": None}},
                                                     unmapped={"ec2.amazonaws.com Nope": 1}),
                                     load_catalog(), GenerationOptions(), start_time="2024-01-01T00:00:00Z",
                                     end_time=None, started_on="2024-02-01T00:00:00Z", completed_on="c")
    job = result["jobDetails"]
    assert job["status"] == "SUCCEEDED" and job["startedOn"] == "2024-02-01T00:00:00Z"
    assert job["jobId"] == generated_policy_result(USER, None, load_catalog(), GenerationOptions(),
                                                   start_time="2024-01-01T00:00:00Z", end_time=None,
                                                   started_on="2024-02-01T00:00:00Z",
                                                   completed_on="x")["jobDetails"]["jobId"]  # names the job's inputs
    props = result["generatedPolicyResult"]["properties"]
    assert props["principalArn"] == USER and props["isComplete"] is False
    assert set(props["cloudTrailProperties"]) == {"startTime", "endTime", "trailProperties"}
    policy = json.loads(result["generatedPolicyResult"]["generatedPolicies"][0]["policy"])
    assert policy["Version"] == "2012-10-17" and policy["Statement"][0]["Action"] == ["sts:GetCallerIdentity"]
    assert result["activity"]["unmappedEvents"] == [{"event": "ec2.amazonaws.com Nope", "count": 1}]


def test_no_activity_gives_no_policy():
    result = generated_policy_result(USER, None, load_catalog(), GenerationOptions(), start_time=None,
                                     end_time=None, started_on="s", completed_on="c")
    assert result["generatedPolicyResult"]["generatedPolicies"] == []
    assert result["generatedPolicyResult"]["properties"]["isComplete"] is True
