"""ECR repositories: the repository policy."""
from __future__ import annotations

from connectors.aws.scope import Scope, call, paginate, record

RESOURCE_TYPE = "AWS::ECR::Repository"
GLOBAL = False


def collect(scope: Scope) -> list[dict]:
    out: list[dict] = []
    with scope.gaps.attempt(RESOURCE_TYPE, "DescribeRepositories"):
        ecr = scope.client("ecr")
        for repo in paginate(ecr, "describe_repositories", "repositories"):
            arn = repo["repositoryArn"]
            with scope.gaps.attempt(RESOURCE_TYPE, "GetRepositoryPolicy", resource_arn=arn):
                resp = call(ecr, "get_repository_policy", absent=("RepositoryPolicyNotFoundException",),
                            registryId=repo["registryId"], repositoryName=repo["repositoryName"])
                out.append(record(scope, arn, RESOURCE_TYPE, "ecrRepository",
                                  {"repositoryPolicy": resp and resp.get("policyText")}))
    return out
