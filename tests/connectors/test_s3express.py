"""S3 directory buckets through botocore's Stubber: moto has no S3 Express API (it answers
ListDirectoryBuckets as ListBuckets, which the module must not mistake for directory buckets)."""
from __future__ import annotations

import boto3
from botocore.stub import Stubber

from connectors.aws.gaps import GapRecorder
from connectors.aws.resources import s3express_bucket
from connectors.aws.scope import Scope
from connectors.aws.session import SessionConfig, Sessions

ACCOUNT = "111122223333"
REGION = "us-west-2"
BUCKET = "logs--usw2-az1--x-s3"
POLICY = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"444455556666"},' \
         '"Action":"s3express:CreateSession","Resource":"*"}]}'
AP_POLICY = '{"Version":"2012-10-17","Statement":[]}'
AP_ARN = f"arn:aws:s3express:{REGION}:{ACCOUNT}:accesspoint/reader--usw2-az1--xa-s3"


def _scope(aws_env) -> tuple[Scope, Stubber, Stubber]:
    session = boto3.Session(region_name=REGION)
    s3 = session.client("s3", region_name=REGION)
    control = session.client("s3control", region_name=REGION)
    scope = Scope(ACCOUNT, REGION, Sessions(SessionConfig()), session, GapRecorder(ACCOUNT, REGION))
    scope._clients.update({("s3", REGION): s3, ("s3control", REGION): control})
    return scope, Stubber(s3), Stubber(control)


def test_directory_bucket_with_policy_and_vpc_access_point(aws_env):
    scope, s3, control = _scope(aws_env)
    s3.add_response("list_directory_buckets", {"Buckets": [
        {"Name": BUCKET, "BucketRegion": REGION}, {"Name": "general-purpose-bucket"}]})
    s3.add_response("get_bucket_policy", {"Policy": POLICY}, {"Bucket": BUCKET})
    control.add_response("list_access_points_for_directory_buckets", {"AccessPointList": [
        {"Name": "reader--usw2-az1--xa-s3", "NetworkOrigin": "VPC", "VpcConfiguration": {"VpcId": "vpc-1"},
         "Bucket": BUCKET, "AccessPointArn": AP_ARN}]}, {"AccountId": ACCOUNT, "DirectoryBucket": BUCKET})
    control.add_response("get_access_point_policy", {"Policy": AP_POLICY},
                         {"AccountId": ACCOUNT, "Name": "reader--usw2-az1--xa-s3"})
    with s3, control:
        records = s3express_bucket.collect(scope)
    assert scope.gaps.gaps == []
    assert records == [{
        "resourceArn": f"arn:aws:s3express:{REGION}:{ACCOUNT}:bucket/{BUCKET}",
        "resourceType": "AWS::S3Express::DirectoryBucket", "account": ACCOUNT, "region": REGION,
        "configuration": {"s3ExpressDirectoryBucket": {"bucketPolicy": POLICY, "accessPoints": {
            AP_ARN: {"accessPointPolicy": AP_POLICY, "networkOrigin": {"vpcConfiguration": {"vpcId": "vpc-1"}}}}}}}]


def test_a_denied_policy_read_is_a_gap_naming_the_bucket(aws_env):
    scope, s3, control = _scope(aws_env)
    s3.add_response("list_directory_buckets", {"Buckets": [{"Name": BUCKET}]})
    s3.add_client_error("get_bucket_policy", "AccessDenied", http_status_code=403)
    with s3, control:
        records = s3express_bucket.collect(scope)
    assert records == []
    gap = scope.gaps.gaps[0].as_dict()
    assert (gap["operation"], gap["errorCode"], gap["resourceArn"]) == (
        "GetBucketPolicy", "AccessDenied", f"arn:aws:s3express:{REGION}:{ACCOUNT}:bucket/{BUCKET}")
