"""Account-level facts read once per account: the S3 account Block Public Access, the owner's S3
canonical user id (ACL grants to it are not external), and the IAM authorization details."""
from __future__ import annotations

from connectors.aws.resources.iam_role import authorization_details
from connectors.aws.resources.s3_bucket import list_buckets, public_access_block
from connectors.aws.scope import GLOBAL_REGION, Scope, call

ACCOUNT_TYPE = "AWS::Account"
IAM_TYPE = "AWS::IAM::AccountAuthorizationDetails"


def account_record(scope: Scope) -> dict:
    """`{"account", "accountPublicAccessBlock", "s3CanonicalUserId"}`; a part that cannot be read is left
    out and recorded as a gap."""
    out: dict = {"account": scope.account}
    with scope.gaps.attempt(ACCOUNT_TYPE, "GetPublicAccessBlock"):
        control = scope.client("s3control")
        bpa = call(control, "get_public_access_block", absent=("NoSuchPublicAccessBlockConfiguration",),
                   AccountId=scope.account)
        out["accountPublicAccessBlock"] = public_access_block(bpa and bpa.get("PublicAccessBlockConfiguration"))
    with scope.gaps.attempt(ACCOUNT_TYPE, "ListBuckets"):
        out["s3CanonicalUserId"] = list_buckets(scope)["owner"]
    return out


def iam_record(scope: Scope) -> dict | None:
    """GetAccountAuthorizationDetails: users, groups, roles, managed policies (documents as text)."""
    with scope.gaps.attempt(IAM_TYPE, "GetAccountAuthorizationDetails", region=GLOBAL_REGION):
        return {"account": scope.account, **authorization_details(scope)}
    return None
