"""S3 general-purpose buckets: bucket policy, ACL grants, bucket Block Public Access, and the access
points (single- and multi-Region) in front of each bucket.

The bucket list is global, so this module runs once per account (home Region) and gives each record its
bucket's own Region; only buckets in the selected Regions are kept. Access points owned by *other*
accounts in front of our buckets cannot be listed from here (their policies live in those accounts).
"""
from __future__ import annotations

from typing import Any

from connectors.aws.scope import Scope, call, paginate_by_token, record

RESOURCE_TYPE = "AWS::S3::Bucket"
GLOBAL = True
MRAP_CONTROL_REGION = "us-west-2"  # every multi-Region access point control call goes to us-west-2
DIRECTORY_SUFFIX = "--x-s3"  # directory bucket names end so; they belong to s3express_bucket


def public_access_block(conf: dict | None) -> dict:
    """The two flags Access Analyzer reads; a missing configuration blocks nothing."""
    conf = conf or {}
    return {"ignorePublicAcls": bool(conf.get("IgnorePublicAcls")),
            "restrictPublicBuckets": bool(conf.get("RestrictPublicBuckets"))}


def network_origin(ap: dict) -> dict:
    vpc = (ap.get("VpcConfiguration") or {}).get("VpcId")
    if ap.get("NetworkOrigin") == "VPC" and vpc:
        return {"vpcConfiguration": {"vpcId": vpc}}
    return {"internetConfiguration": {}}


def _grants(acl: dict) -> list[dict]:
    out = []
    for grant in acl.get("Grants", []):
        grantee = grant.get("Grantee", {})
        if grantee.get("Type") == "Group":
            who = {"uri": grantee["URI"]}
        elif "ID" in grantee:
            who = {"id": grantee["ID"]}
        else:  # e-mail grantees are stored as canonical users by S3; anything else has no place in the model
            raise ValueError(f"ACL grantee of unknown kind {grantee.get('Type')!r}")
        out.append({"permission": grant["Permission"], "grantee": who})
    return out


def list_buckets(scope: Scope) -> dict:
    """ListBuckets over its pages, with the owner's canonical id (memoised; the account record needs it)."""
    if "s3" not in scope.memo:
        s3 = scope.client("s3")
        buckets: list[dict] = []
        owner = None
        for page in s3.get_paginator("list_buckets").paginate():
            buckets.extend(page.get("Buckets", []))
            owner = owner or page.get("Owner", {}).get("ID")
        scope.memo["s3"] = {"buckets": buckets, "owner": owner}
    return scope.memo["s3"]


def _bucket_region(scope: Scope, bucket: dict) -> str:
    if bucket.get("BucketRegion"):
        return bucket["BucketRegion"]
    # Older endpoints (and moto) leave BucketRegion out of ListBuckets.
    location = scope.client("s3").get_bucket_location(Bucket=bucket["Name"]).get("LocationConstraint")
    return {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}.get(location, location)


def _access_points(scope: Scope, name: str, region: str) -> dict[str, dict]:
    control = scope.client("s3control", region)
    out: dict[str, dict] = {}
    for ap in paginate_by_token(control, "list_access_points", "AccessPointList", "NextToken", "NextToken",
                                AccountId=scope.account, Bucket=name):
        detail = control.get_access_point(AccountId=scope.account, Name=ap["Name"])
        policy = call(control, "get_access_point_policy", absent=("NoSuchAccessPointPolicy",),
                      AccountId=scope.account, Name=ap["Name"])
        conf: dict[str, Any] = {"publicAccessBlock": public_access_block(detail.get("PublicAccessBlockConfiguration")),
                                "networkOrigin": network_origin(detail)}
        if policy and policy.get("Policy"):
            conf["accessPointPolicy"] = policy["Policy"]
        out[ap["AccessPointArn"]] = conf
    return out


def _multi_region_access_points(scope: Scope) -> dict[str, dict[str, dict]]:
    """bucket name → {MRAP ARN → configuration}: an MRAP sits in front of every bucket it routes to."""
    control = scope.client("s3control", MRAP_CONTROL_REGION)
    partition = scope.session.get_partition_for_region(scope.region)
    by_bucket: dict[str, dict[str, dict]] = {}
    for mrap in paginate_by_token(control, "list_multi_region_access_points", "AccessPoints", "NextToken",
                                  "NextToken", AccountId=scope.account):
        policy = call(control, "get_multi_region_access_point_policy", absent=("NoSuchMultiRegionAccessPointPolicy",),
                      AccountId=scope.account, Name=mrap["Name"])
        established = ((policy or {}).get("Policy") or {}).get("Established", {}).get("Policy")
        conf: dict[str, Any] = {"publicAccessBlock": public_access_block(mrap.get("PublicAccessBlock")),
                                "networkOrigin": {"internetConfiguration": {}}}
        if established:
            conf["accessPointPolicy"] = established
        arn = f"arn:{partition}:s3::{scope.account}:accesspoint/{mrap['Alias']}"
        for region in mrap.get("Regions", []):
            if region.get("BucketAccountId", scope.account) == scope.account:
                by_bucket.setdefault(region["Bucket"], {})[arn] = conf
    return by_bucket


def collect(scope: Scope) -> list[dict]:
    out: list[dict] = []
    with scope.gaps.attempt(RESOURCE_TYPE, "ListBuckets"):
        buckets = [b for b in list_buckets(scope)["buckets"] if not b["Name"].endswith(DIRECTORY_SUFFIX)]
        mraps: dict[str, dict[str, dict]] = {}
        if buckets:
            with scope.gaps.attempt(RESOURCE_TYPE, "ListMultiRegionAccessPoints", region=MRAP_CONTROL_REGION):
                mraps = _multi_region_access_points(scope)
        partition = scope.session.get_partition_for_region(scope.region)
        for bucket in buckets:
            name = bucket["Name"]
            arn = f"arn:{partition}:s3:::{name}"
            region = None
            with scope.gaps.attempt(RESOURCE_TYPE, "GetBucketLocation", resource_arn=arn):
                region = _bucket_region(scope, bucket)
            if region is None or (scope.regions and region not in scope.regions):
                continue
            with scope.gaps.attempt(RESOURCE_TYPE, "GetBucketPolicy", resource_arn=arn, region=region):
                s3 = scope.client("s3", region)
                policy = call(s3, "get_bucket_policy", absent=("NoSuchBucketPolicy",), Bucket=name)
                acl = s3.get_bucket_acl(Bucket=name)
                grants = _grants(acl)
                bpa = call(s3, "get_public_access_block", absent=("NoSuchPublicAccessBlockConfiguration",),
                           Bucket=name)
                access_points = _access_points(scope, name, region)
                access_points.update(mraps.get(name, {}))
                out.append(record(scope, arn, RESOURCE_TYPE, "s3Bucket", {
                    "bucketPolicy": policy and policy.get("Policy"),
                    "bucketAclGrants": grants,
                    "bucketPublicAccessBlock": public_access_block(bpa and bpa.get("PublicAccessBlockConfiguration")),
                    "accessPoints": access_points,
                    # ours, not the Configuration shape's: grants to the owner are not external. Taken from
                    # the ACL itself (moto's ListBuckets owner id differs from its ACL owner id; AWS's agree)
                    "ownerCanonicalId": (acl.get("Owner") or {}).get("ID")}, region=region))
    return out
