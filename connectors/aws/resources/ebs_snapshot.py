"""EBS snapshots owned by the account: the `createVolumePermission` attribute and the encryption key."""
from __future__ import annotations

from connectors.aws.scope import Scope, paginate, record

RESOURCE_TYPE = "AWS::EC2::Snapshot"
GLOBAL = False


def collect(scope: Scope) -> list[dict]:
    out: list[dict] = []
    with scope.gaps.attempt(RESOURCE_TYPE, "DescribeSnapshots"):
        ec2 = scope.client("ec2")
        partition = scope.session.get_partition_for_region(scope.region)
        for snap in paginate(ec2, "describe_snapshots", "Snapshots", OwnerIds=["self"]):
            # The documented snapshot ARN has no account field.
            arn = f"arn:{partition}:ec2:{scope.region}::snapshot/{snap['SnapshotId']}"
            with scope.gaps.attempt(RESOURCE_TYPE, "DescribeSnapshotAttribute", resource_arn=arn):
                perms = ec2.describe_snapshot_attribute(SnapshotId=snap["SnapshotId"],
                                                        Attribute="createVolumePermission")
                perms = perms.get("CreateVolumePermissions", [])
                out.append(record(scope, arn, RESOURCE_TYPE, "ebsSnapshot", {
                    "userIds": [p["UserId"] for p in perms if "UserId" in p],
                    "groups": [p["Group"] for p in perms if "Group" in p],
                    "kmsKeyId": snap.get("KmsKeyId") if snap.get("Encrypted") else None}))
    return out
