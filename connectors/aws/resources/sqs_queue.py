"""SQS queues: the queue policy (attribute `Policy`)."""
from __future__ import annotations

from connectors.aws.scope import Scope, paginate, record

RESOURCE_TYPE = "AWS::SQS::Queue"
GLOBAL = False


def collect(scope: Scope) -> list[dict]:
    out: list[dict] = []
    with scope.gaps.attempt(RESOURCE_TYPE, "ListQueues"):
        sqs = scope.client("sqs")
        for url in paginate(sqs, "list_queues", "QueueUrls"):
            with scope.gaps.attempt(RESOURCE_TYPE, "GetQueueAttributes", resource_arn=url):
                attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn", "Policy"])["Attributes"]
                out.append(record(scope, attrs["QueueArn"], RESOURCE_TYPE, "sqsQueue",
                                  {"queuePolicy": attrs.get("Policy")}))
    return out
