"""DynamoDB tables: the table's resource-based policy."""
from __future__ import annotations

from connectors.aws.scope import Scope, call, paginate, record

RESOURCE_TYPE = "AWS::DynamoDB::Table"
GLOBAL = False


def collect(scope: Scope) -> list[dict]:
    out: list[dict] = []
    with scope.gaps.attempt(RESOURCE_TYPE, "ListTables"):
        ddb = scope.client("dynamodb")
        for name in paginate(ddb, "list_tables", "TableNames"):
            with scope.gaps.attempt(RESOURCE_TYPE, "DescribeTable", resource_arn=name):
                arn = ddb.describe_table(TableName=name)["Table"]["TableArn"]
                resp = call(ddb, "get_resource_policy", absent=("PolicyNotFoundException",), ResourceArn=arn)
                out.append(record(scope, arn, RESOURCE_TYPE, "dynamodbTable", {"tablePolicy": resp and resp.get("Policy")}))
    return out
