"""RDS manual DB cluster snapshots: the `restore` attribute and the encryption key."""
from __future__ import annotations

from connectors.aws.resources.rds_snapshot import restore_attributes
from connectors.aws.scope import Scope, paginate, record

RESOURCE_TYPE = "AWS::RDS::DBClusterSnapshot"
GLOBAL = False


def collect(scope: Scope) -> list[dict]:
    out: list[dict] = []
    with scope.gaps.attempt(RESOURCE_TYPE, "DescribeDBClusterSnapshots"):
        rds = scope.client("rds")
        for snap in paginate(rds, "describe_db_cluster_snapshots", "DBClusterSnapshots", SnapshotType="manual"):
            arn = snap["DBClusterSnapshotArn"]
            with scope.gaps.attempt(RESOURCE_TYPE, "DescribeDBClusterSnapshotAttributes", resource_arn=arn):
                result = rds.describe_db_cluster_snapshot_attributes(
                    DBClusterSnapshotIdentifier=snap["DBClusterSnapshotIdentifier"])
                attributes = result["DBClusterSnapshotAttributesResult"].get("DBClusterSnapshotAttributes", [])
                out.append(record(scope, arn, RESOURCE_TYPE, "rdsDbClusterSnapshot", {
                    "attributes": restore_attributes(attributes),
                    "kmsKeyId": snap.get("KmsKeyId") if snap.get("StorageEncrypted") else None}))
    return out
