"""Lambda layer versions: each version's resource policy (AddLayerVersionPermission grants).
`lambdaLayerVersion` is our extension of the Configuration union."""
from __future__ import annotations

from connectors.aws.lambda_policy import normalise_lambda_policy
from connectors.aws.scope import Scope, call, paginate, record

RESOURCE_TYPE = "AWS::Lambda::LayerVersion"
GLOBAL = False


def collect(scope: Scope) -> list[dict]:
    out: list[dict] = []
    with scope.gaps.attempt(RESOURCE_TYPE, "ListLayers"):
        lam = scope.client("lambda")
        for layer in paginate(lam, "list_layers", "Layers"):
            with scope.gaps.attempt(RESOURCE_TYPE, "ListLayerVersions", resource_arn=layer["LayerArn"]):
                for version in paginate(lam, "list_layer_versions", "LayerVersions", LayerName=layer["LayerName"]):
                    arn = version["LayerVersionArn"]
                    with scope.gaps.attempt(RESOURCE_TYPE, "GetLayerVersionPolicy", resource_arn=arn):
                        resp = call(lam, "get_layer_version_policy", absent=("ResourceNotFoundException",),
                                    LayerName=layer["LayerName"], VersionNumber=version["Version"])
                        out.append(record(scope, arn, RESOURCE_TYPE, "lambdaLayerVersion",
                                          {"policy": normalise_lambda_policy(resp.get("Policy") if resp else None)}))
    return out
