"""KMS keys: the key policy (Access Analyzer reads only the policy named `default`) and the grants.
AWS managed keys are skipped: their policies only admit the owning account through a service."""
from __future__ import annotations

from connectors.aws.scope import Scope, paginate, record

RESOURCE_TYPE = "AWS::KMS::Key"
GLOBAL = False


def _grant(grant: dict, key_account_root: str) -> dict:
    # A grant is issued in the key's account; moto leaves IssuingAccount out of ListGrants, AWS fills it.
    out = {"operations": grant.get("Operations", []), "granteePrincipal": grant["GranteePrincipal"],
           "issuingAccount": grant.get("IssuingAccount") or key_account_root}
    if grant.get("RetiringPrincipal"):
        out["retiringPrincipal"] = grant["RetiringPrincipal"]
    constraints = grant.get("Constraints") or {}
    if constraints:
        out["constraints"] = {k: v for k, v in (
            ("encryptionContextEquals", constraints.get("EncryptionContextEquals")),
            ("encryptionContextSubset", constraints.get("EncryptionContextSubset"))) if v}
    return out


def collect(scope: Scope) -> list[dict]:
    out: list[dict] = []
    with scope.gaps.attempt(RESOURCE_TYPE, "ListKeys"):
        kms = scope.client("kms")
        for key in paginate(kms, "list_keys", "Keys"):
            arn = key["KeyArn"]
            with scope.gaps.attempt(RESOURCE_TYPE, "DescribeKey", resource_arn=arn):
                meta = kms.describe_key(KeyId=arn)["KeyMetadata"]
                if meta.get("KeyManager") == "AWS":
                    continue
                policy = kms.get_key_policy(KeyId=arn, PolicyName="default").get("Policy")
                root = f"arn:{arn.split(':')[1]}:iam::{scope.account}:root"
                grants = [_grant(g, root) for g in paginate(kms, "list_grants", "Grants", KeyId=arn)]
                out.append(record(scope, arn, RESOURCE_TYPE, "kmsKey",
                                  {"keyPolicies": {"default": policy} if policy else {}, "grants": grants}))
    return out
