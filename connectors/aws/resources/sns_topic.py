"""SNS topics: the topic policy (attribute `Policy`, which includes AddPermission grants)."""
from __future__ import annotations

from connectors.aws.scope import Scope, paginate, record

RESOURCE_TYPE = "AWS::SNS::Topic"
GLOBAL = False


def collect(scope: Scope) -> list[dict]:
    out: list[dict] = []
    with scope.gaps.attempt(RESOURCE_TYPE, "ListTopics"):
        sns = scope.client("sns")
        for topic in paginate(sns, "list_topics", "Topics"):
            arn = topic["TopicArn"]
            with scope.gaps.attempt(RESOURCE_TYPE, "GetTopicAttributes", resource_arn=arn):
                attrs = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
                out.append(record(scope, arn, RESOURCE_TYPE, "snsTopic", {"topicPolicy": attrs.get("Policy")}))
    return out
