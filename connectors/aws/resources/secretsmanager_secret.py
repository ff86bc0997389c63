"""Secrets Manager secrets: the resource policy and the KMS key (absent key: `aws/secretsmanager`,
an AWS managed key, which no other account can use)."""
from __future__ import annotations

from connectors.aws.scope import Scope, paginate, record

RESOURCE_TYPE = "AWS::SecretsManager::Secret"
GLOBAL = False


def collect(scope: Scope) -> list[dict]:
    out: list[dict] = []
    with scope.gaps.attempt(RESOURCE_TYPE, "ListSecrets"):
        sm = scope.client("secretsmanager")
        for secret in paginate(sm, "list_secrets", "SecretList"):
            arn = secret["ARN"]
            with scope.gaps.attempt(RESOURCE_TYPE, "GetResourcePolicy", resource_arn=arn):
                resp = sm.get_resource_policy(SecretId=arn)
                out.append(record(scope, arn, RESOURCE_TYPE, "secretsManagerSecret",
                                  {"kmsKeyId": secret.get("KmsKeyId"), "secretPolicy": resp.get("ResourcePolicy")}))
    return out
