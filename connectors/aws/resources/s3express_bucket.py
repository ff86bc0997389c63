"""S3 directory buckets (S3 Express One Zone): bucket policy and access points, per Region.

Emulator difference: moto has no ListDirectoryBuckets and answers it as ListBuckets, so general-purpose
buckets come back. Directory bucket names always end in `--x-s3` (`name--usw2-az1--x-s3`), so only those
names are kept, which changes nothing against AWS.
"""
from __future__ import annotations

from connectors.aws.resources.s3_bucket import DIRECTORY_SUFFIX, network_origin
from connectors.aws.scope import Scope, call, paginate, paginate_by_token, record

RESOURCE_TYPE = "AWS::S3Express::DirectoryBucket"
GLOBAL = False


def collect(scope: Scope) -> list[dict]:
    out: list[dict] = []
    with scope.gaps.attempt(RESOURCE_TYPE, "ListDirectoryBuckets"):
        s3 = scope.client("s3")
        control = scope.client("s3control")
        partition = scope.session.get_partition_for_region(scope.region)
        for bucket in paginate(s3, "list_directory_buckets", "Buckets"):
            name = bucket["Name"]
            if not name.endswith(DIRECTORY_SUFFIX):
                continue
            arn = bucket.get("BucketArn") or f"arn:{partition}:s3express:{scope.region}:{scope.account}:bucket/{name}"
            with scope.gaps.attempt(RESOURCE_TYPE, "GetBucketPolicy", resource_arn=arn):
                policy = call(s3, "get_bucket_policy", absent=("NoSuchBucketPolicy",), Bucket=name)
                access_points = {}
                for ap in paginate_by_token(control, "list_access_points_for_directory_buckets", "AccessPointList",
                                            "NextToken", "NextToken", AccountId=scope.account, DirectoryBucket=name):
                    ap_policy = call(control, "get_access_point_policy", absent=("NoSuchAccessPointPolicy",),
                                     AccountId=scope.account, Name=ap["Name"])
                    conf = {"networkOrigin": network_origin(ap)}
                    if ap_policy and ap_policy.get("Policy"):
                        conf["accessPointPolicy"] = ap_policy["Policy"]
                    access_points[ap["AccessPointArn"]] = conf
                out.append(record(scope, arn, RESOURCE_TYPE, "s3ExpressDirectoryBucket", {
                    "bucketPolicy": policy and policy.get("Policy"), "accessPoints": access_points}))
    return out
