"""EFS file systems: the file system policy."""
from __future__ import annotations

from connectors.aws.scope import Scope, call, paginate, record

RESOURCE_TYPE = "AWS::EFS::FileSystem"
GLOBAL = False


def collect(scope: Scope) -> list[dict]:
    out: list[dict] = []
    with scope.gaps.attempt(RESOURCE_TYPE, "DescribeFileSystems"):
        efs = scope.client("efs")
        for fs in paginate(efs, "describe_file_systems", "FileSystems"):
            arn = fs["FileSystemArn"]
            with scope.gaps.attempt(RESOURCE_TYPE, "DescribeFileSystemPolicy", resource_arn=arn):
                resp = call(efs, "describe_file_system_policy", absent=("PolicyNotFound",),
                            FileSystemId=fs["FileSystemId"])
                out.append(record(scope, arn, RESOURCE_TYPE, "efsFileSystem",
                                  {"fileSystemPolicy": resp and resp.get("Policy")}))
    return out
