"""RDS manual DB snapshots: the `restore` attribute (account ids, or `all` for public) and the key."""
from __future__ import annotations

from connectors.aws.scope import Scope, paginate, record

RESOURCE_TYPE = "AWS::RDS::DBSnapshot"
GLOBAL = False


def restore_attributes(attributes: list[dict]) -> dict:
    """Only `restore` matters to Access Analyzer; it is reported even when nobody is listed."""
    ids: list[str] = next((a.get("AttributeValues", []) for a in attributes if a.get("AttributeName") == "restore"), [])
    return {"restore": {"accountIds": list(ids)}}


def collect(scope: Scope) -> list[dict]:
    out: list[dict] = []
    with scope.gaps.attempt(RESOURCE_TYPE, "DescribeDBSnapshots"):
        rds = scope.client("rds")
        for snap in paginate(rds, "describe_db_snapshots", "DBSnapshots", SnapshotType="manual"):
            arn = snap["DBSnapshotArn"]
            with scope.gaps.attempt(RESOURCE_TYPE, "DescribeDBSnapshotAttributes", resource_arn=arn):
                result = rds.describe_db_snapshot_attributes(DBSnapshotIdentifier=snap["DBSnapshotIdentifier"])
                attributes = result["DBSnapshotAttributesResult"].get("DBSnapshotAttributes", [])
                out.append(record(scope, arn, RESOURCE_TYPE, "rdsDbSnapshot", {
                    "attributes": restore_attributes(attributes),
                    "kmsKeyId": snap.get("KmsKeyId") if snap.get("Encrypted") else None}))
    return out
