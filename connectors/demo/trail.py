"""The demo's CloudTrail: an organization trail, its bucket (policy for the CloudTrail service only),
and a few gzipped log files in the organization-trail key layout
`AWSLogs/<org-id>/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<time>_<id>.json.gz`.
"""
from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta
from typing import Any

ACTIVITY = (  # (event source, event name) the demo app role performs (never its SQS permission)
    ("s3.amazonaws.com", "GetObject"), ("s3.amazonaws.com", "ListBucket"))
ACTIVE_ACCOUNTS = 3  # the first accounts of the organization have activity in the trail


def _bucket_policy(bucket: str, org_id: str, account: str) -> str:
    arn = f"arn:aws:s3:::{bucket}"
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "AclCheck", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "s3:GetBucketAcl", "Resource": arn,
         "Condition": {"StringEquals": {"aws:SourceAccount": account}}},
        {"Sid": "Write", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "s3:PutObject", "Resource": f"{arn}/AWSLogs/{org_id}/*",
         "Condition": {"StringEquals": {"aws:SourceAccount": account, "s3:x-amz-acl": "bucket-owner-full-control"}}}]},
        indent=2)


def _records(account: str, region: str, when: datetime) -> list[dict]:
    role = f"arn:aws:iam::{account}:role/demo-app"
    return [{"eventVersion": "1.09", "eventTime": (when + timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%SZ"),
             "eventSource": source,
             "eventName": name, "awsRegion": region, "sourceIPAddress": "10.0.0.1", "eventType": "AwsApiCall",
             "recipientAccountId": account, "readOnly": True,
             "userIdentity": {"type": "AssumedRole", "accountId": account,
                              "arn": f"arn:aws:sts::{account}:assumed-role/demo-app/session",
                              "sessionContext": {"sessionIssuer": {"type": "Role", "arn": role, "accountId": account}}}}
            for i, (source, name) in enumerate(ACTIVITY)]


def seed_trail(s3: Any, cloudtrail: Any, org_id: str, accounts: list[str], regions: tuple[str, ...]) -> dict:
    """Create the trail and its files with the caller's (management account's) clients, in the first Region."""
    management = accounts[0]
    bucket = f"demo-org-trail-{management}"
    if regions[0] == "us-east-1":
        s3.create_bucket(Bucket=bucket)
    else:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": regions[0]})
    policy = _bucket_policy(bucket, org_id, management)
    s3.put_bucket_policy(Bucket=bucket, Policy=policy)
    owner = s3.get_bucket_acl(Bucket=bucket)["Owner"]["ID"]  # see resources.seed_s3_bucket
    trail_arn = cloudtrail.create_trail(Name="demo-org-trail", S3BucketName=bucket, IsMultiRegionTrail=True,
                                        IsOrganizationTrail=True)["TrailARN"]
    files = []
    when = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)  # the events happen now
    day = when.strftime("%Y/%m/%d")
    for account in accounts[:ACTIVE_ACCOUNTS]:
        for region in regions:
            key = (f"AWSLogs/{org_id}/{account}/CloudTrail/{region}/{day}/"
                   f"{account}_CloudTrail_{region}_{when.strftime('%Y%m%dT%H%MZ')}_demo.json.gz")
            body = gzip.compress(json.dumps({"Records": _records(account, region, when)}).encode())
            s3.put_object(Bucket=bucket, Key=key, Body=body)
            files.append(key)
    entry = {"resourceArn": f"arn:aws:s3:::{bucket}", "resourceType": "AWS::S3::Bucket", "account": management,
             "region": regions[0], "kind": "service_only",
             "configuration": {"s3Bucket": {"bucketPolicy": policy,
                                            "bucketAclGrants": [{"permission": "FULL_CONTROL", "grantee": {"id": owner}}],
                                            "bucketPublicAccessBlock": {"ignorePublicAcls": False,
                                                                        "restrictPublicBuckets": False},
                                            "accessPoints": {}, "ownerCanonicalId": owner}},
             "expectedFindings": {"ORGANIZATION": [], "ACCOUNT": []}}
    activity = [{"principal": f"arn:aws:iam::{a}:role/demo-app", "events": [f"{s.split('.')[0]}:{n}" for s, n in ACTIVITY]}
                for a in accounts[:ACTIVE_ACCOUNTS]]
    return {"bucket": bucket, "trailArn": trail_arn, "files": files, "activity": activity, "resources": [entry]}
