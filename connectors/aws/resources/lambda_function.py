"""Lambda functions: the function's resource policy (unqualified: Access Analyzer does not report
policies on aliases or versions). `lambdaFunction` is our extension of the Configuration union."""
from __future__ import annotations

from connectors.aws.lambda_policy import normalise_lambda_policy
from connectors.aws.scope import Scope, call, paginate, record

RESOURCE_TYPE = "AWS::Lambda::Function"
GLOBAL = False


def collect(scope: Scope) -> list[dict]:
    out: list[dict] = []
    with scope.gaps.attempt(RESOURCE_TYPE, "ListFunctions"):
        lam = scope.client("lambda")
        for fn in paginate(lam, "list_functions", "Functions"):
            arn = fn["FunctionArn"]
            with scope.gaps.attempt(RESOURCE_TYPE, "GetPolicy", resource_arn=arn):
                resp = call(lam, "get_policy", absent=("ResourceNotFoundException",), FunctionName=arn)
                out.append(record(scope, arn, RESOURCE_TYPE, "lambdaFunction", {"policy": normalise_lambda_policy(resp.get("Policy") if resp else None)}))
    return out
