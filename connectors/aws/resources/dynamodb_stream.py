"""DynamoDB streams: the stream's resource-based policy.

Emulator difference: moto looks a stream's policy up by the last segment of its ARN (the stream label,
not the table) and answers ResourceNotFoundException. AWS answers PolicyNotFoundException when a stream
has no policy, and ResourceNotFoundException only when the stream is gone (deleted since it was
listed), so both mean "no policy to analyse" here.
"""
from __future__ import annotations

from connectors.aws.scope import Scope, call, paginate_by_token, record

RESOURCE_TYPE = "AWS::DynamoDB::Stream"
GLOBAL = False


def collect(scope: Scope) -> list[dict]:
    out: list[dict] = []
    with scope.gaps.attempt(RESOURCE_TYPE, "ListStreams"):
        streams = scope.client("dynamodbstreams")
        ddb = scope.client("dynamodb")
        for stream in paginate_by_token(streams, "list_streams", "Streams",
                                        "ExclusiveStartStreamArn", "LastEvaluatedStreamArn"):
            arn = stream["StreamArn"]
            with scope.gaps.attempt(RESOURCE_TYPE, "GetResourcePolicy", resource_arn=arn):
                resp = call(ddb, "get_resource_policy",
                            absent=("PolicyNotFoundException", "ResourceNotFoundException"), ResourceArn=arn)
                out.append(record(scope, arn, RESOURCE_TYPE, "dynamodbStream", {"streamPolicy": resp and resp.get("Policy")}))
    return out
