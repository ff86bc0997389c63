"""Record building: the contract's shape, absent fields left out, a malformed policy kept and reported."""
from __future__ import annotations

from connectors.aws.gaps import GapRecorder
from connectors.aws.scope import MALFORMED_POLICY, Scope, record

ACCOUNT, REGION = "111122223333", "us-east-1"


def _scope() -> Scope:
    return Scope(ACCOUNT, REGION, sessions=None, session=None, gaps=GapRecorder(ACCOUNT, REGION))  # type: ignore[arg-type]


def test_absent_policy_is_an_absent_field():
    scope = _scope()
    got = record(scope, "arn:aws:sqs:us-east-1:111122223333:q", "AWS::SQS::Queue", "sqsQueue", {"queuePolicy": None})
    assert got == {"resourceArn": "arn:aws:sqs:us-east-1:111122223333:q", "resourceType": "AWS::SQS::Queue",
                   "account": ACCOUNT, "region": REGION, "configuration": {"sqsQueue": {}}}
    assert scope.gaps.gaps == []


def test_malformed_policy_is_kept_and_recorded_as_a_gap():
    scope = _scope()
    arn = "arn:aws:s3:::b"
    bad = '{"Version": "2012-10-17", "Statement": ['
    got = record(scope, arn, "AWS::S3::Bucket", "s3Bucket", {
        "bucketPolicy": '{"Statement": []}', "accessPoints": {"arn:ap": {"accessPointPolicy": bad}}})
    assert got["configuration"]["s3Bucket"]["accessPoints"]["arn:ap"]["accessPointPolicy"] == bad
    (gap,) = scope.gaps.gaps
    assert (gap.resourceArn, gap.errorCode, gap.resourceType) == (arn, MALFORMED_POLICY, "AWS::S3::Bucket")
