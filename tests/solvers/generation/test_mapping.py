"""Event → action mapping: the exceptions table against the catalog, the plain rule, suffixes."""
from __future__ import annotations

import pytest

from solvers.catalog import load_catalog
from solvers.generation.exceptions import APIGATEWAY_VERBS, EVENT_ACTIONS, SOURCE_PREFIX
from solvers.generation.mapping import EventMapper, service_prefix, strip_version


@pytest.fixture(scope="module")
def mapper() -> EventMapper:
    return EventMapper(load_catalog())


def test_every_action_in_the_exceptions_table_exists_in_the_catalog():
    catalog = load_catalog()
    missing = [(key, action) for key, actions in EVENT_ACTIONS.items() for action in actions
               if catalog.action(action) is None]
    missing += [verb for verb in APIGATEWAY_VERBS.values() if catalog.action(verb) is None]
    assert missing == []


def test_every_prefix_in_the_source_table_is_a_catalog_service():
    catalog = load_catalog()
    assert [p for p in SOURCE_PREFIX.values() if catalog.service(p) is None] == []


def test_every_table_entry_maps_through_the_mapper(mapper):
    for (prefix, name), actions in EVENT_ACTIONS.items():
        mapped = mapper.map(f"{prefix}.amazonaws.com", name)
        assert mapped is not None and [a.lower() for a in mapped.actions] == [a.lower() for a in actions]


@pytest.mark.parametrize("name, plain", [
    ("UpdateFunctionCode20150331v2", "UpdateFunctionCode"),
    ("AddPermission20150331v2", "AddPermission"),
    ("GetFunction20150331", "GetFunction"),
    ("CreateDistribution2020_05_31", "CreateDistribution"),
    ("GetObject", "GetObject"),
    ("ListObjectsV2", "ListObjectsV2"),
])
def test_api_version_suffixes_are_removed(name, plain):
    assert strip_version(name) == plain


def test_lambda_versioned_events_map_to_the_lambda_action(mapper):
    assert mapper.map("lambda.amazonaws.com", "UpdateFunctionConfiguration20150331v2").actions == (
        "lambda:UpdateFunctionConfiguration",)
    assert mapper.map("lambda.amazonaws.com", "AddPermission20150331v2").actions == ("lambda:AddPermission",)


def test_plain_rule_uses_the_catalog_spelling(mapper):
    mapped = mapper.map("ec2.amazonaws.com", "DescribeInstances")
    assert mapped.service == "ec2" and mapped.actions == ("ec2:DescribeInstances",)


def test_renamed_s3_operations(mapper):
    assert mapper.map("s3.amazonaws.com", "ListObjects").actions == ("s3:ListBucket",)
    assert mapper.map("s3.amazonaws.com", "HeadObject").actions == ("s3:GetObject",)
    assert mapper.map("s3.amazonaws.com", "CopyObject").actions == ("s3:GetObject", "s3:PutObject")


def test_endpoint_prefixes_that_differ_from_the_service(mapper):
    assert service_prefix("monitoring.amazonaws.com") == "cloudwatch"
    assert mapper.map("monitoring.amazonaws.com", "PutMetricData").actions == ("cloudwatch:PutMetricData",)
    assert mapper.map("email.amazonaws.com", "SendEmail").actions == ("ses:SendEmail",)


def test_operations_needing_several_actions(mapper):
    assert mapper.map("secretsmanager.amazonaws.com", "BatchGetSecretValue").actions == (
        "secretsmanager:BatchGetSecretValue", "secretsmanager:GetSecretValue")
    assert mapper.map("kms.amazonaws.com", "ReEncrypt").actions == ("kms:ReEncryptFrom", "kms:ReEncryptTo")


def test_api_gateway_operations_map_to_http_verbs(mapper):
    assert mapper.map("apigateway.amazonaws.com", "GetRestApis").actions == ("apigateway:GET",)
    assert mapper.map("apigateway.amazonaws.com", "DeleteStage").actions == ("apigateway:DELETE",)


def test_calls_needing_no_permission_map_to_no_action(mapper):
    assert mapper.map("sts.amazonaws.com", "AssumeRoleWithWebIdentity").actions == ()


def test_unknown_events_are_unmappable(mapper):
    assert mapper.map("ec2.amazonaws.com", "NoSuchOperation") is None
    assert mapper.map("nosuchservice.amazonaws.com", "DoThing") is None
