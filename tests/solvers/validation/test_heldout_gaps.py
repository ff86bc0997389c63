"""Cases around issue 18's held-out validation gaps, in the registry's trigger/clean spirit: each case
is a condition block on one Allow statement, the policy type, and the codes it must and must not get."""
from __future__ import annotations

import json

import pytest

from solvers.validation import validate_policy


def codes(condition: dict, policy_type: str = "IDENTITY_POLICY") -> set[str]:
    statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::example-bucket/*",
                 "Condition": condition}
    if policy_type == "RESOURCE_POLICY":
        statement["Principal"] = {"AWS": "arn:aws:iam::111122223333:root"}
    text = json.dumps({"Version": "2012-10-17", "Statement": [statement]}, indent=2)
    return {f.issue_code for f in validate_policy(text, policy_type)}


SOURCE_IP = [
    # private means RFC 1918 / IPv6 unique local: the standard library's wider notion (benchmarking,
    # loopback, documentation ranges) would call this list all private and report the non-subset code
    (["10.0.0.0/8", "198.18.0.1"], "PRIVATE_IP_ADDRESS_SUBSET", "PRIVATE_IP_ADDRESS"),
    (["192.168.0.0/16", "2001:db8::/32", "fd12:3456::/32"], "PRIVATE_IP_ADDRESS_SUBSET", "PRIVATE_IP_ADDRESS"),
    (["172.16.0.0/12", "10.1.2.3"], "PRIVATE_IP_ADDRESS", "PRIVATE_IP_ADDRESS_SUBSET"),
    (["127.0.0.1", "203.0.113.0/24"], None, "PRIVATE_IP_ADDRESS"),  # no private range at all
    (["0.0.0.0/0"], None, "PRIVATE_IP_ADDRESS_SUBSET"),  # contains private ranges, is not one
]


@pytest.mark.parametrize(("values", "expected", "absent"), SOURCE_IP)
def test_private_source_ip_ranges(values: list[str], expected: str | None, absent: str) -> None:
    for operator, prefix in (("IpAddress", "PRIVATE_"), ("NotIpAddress", "PRIVATE_NOT_")):
        found = codes({operator: {"aws:SourceIp": values}})
        if expected:
            assert expected.replace("PRIVATE_", prefix, 1) in found, (operator, found)
        assert absent.replace("PRIVATE_", prefix, 1) not in found, (operator, found)


def test_userid_session_name_pattern_in_identity_policies() -> None:
    # AWS's own managed policies (AWSQuickSetup...ExecutionPolicy) pin the session name this way: in an
    # identity policy the unique-ID part can only be that of a principal the policy is attached to
    pinned = {"StringLike": {"aws:userid": "*:SystemsManager-Automation-ChangeCalendar-Check"}}
    assert "WILDCARD_USAGE_TOO_PERMISSIVE" not in codes(pinned)
    # the same value in a resource policy admits any principal of any account
    assert "WILDCARD_USAGE_TOO_PERMISSIVE" in codes(pinned, "RESOURCE_POLICY")
    # a short or wildcarded session name stays too permissive everywhere
    for value in ("*:ab", "*:Automation-*", "*"):
        assert "WILDCARD_USAGE_TOO_PERMISSIVE" in codes({"StringLike": {"aws:userid": value}}), value
    # the documented pattern, a role's unique ID and any session, is fine
    assert "WILDCARD_USAGE_TOO_PERMISSIVE" not in codes({"StringLike": {"aws:userid": "AROAEXAMPLEROLEID123:*"}},
                                                        "RESOURCE_POLICY")


TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                                                 "Action": "sts:AssumeRole"}]}


def test_missing_resource_unless_declared_a_role_trust_policy() -> None:
    text = json.dumps(TRUST)
    # only the resource type says "role trust policy"; an untyped resource policy needs a Resource
    assert "MISSING_RESOURCE" in {f.issue_code for f in validate_policy(text, "RESOURCE_POLICY")}
    trust = validate_policy(text, "RESOURCE_POLICY", "AWS::IAM::AssumeRolePolicyDocument")
    assert "MISSING_RESOURCE" not in {f.issue_code for f in trust}
