"""The conditions AWS exempts from STRING_LIKE_OPERATOR_WITH_ARN_CONDITION_KEYS.

AWS's policy check reference ("Security Warning – String like operator with ARN condition keys",
docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html) names five AWS
managed policies as exceptions to the warning: AmazonSecurityLakeAdministrator, AWSCodePipeline_FullAccess,
AWSCodePipeline_ReadOnlyAccess, S3UnlockBucketPolicy and SQSUnlockQueuePolicy. ValidatePolicy sees only
a document, so the exception is recognised by the conditions those policies write (as moto 5.2.6 ships
them): the operator, the key and the exact values. The one generic condition among them (StringNotLike on
aws:PrincipalArn against any account's root) is exempt only in a statement whose actions are all those of
the Unlock policy that writes it.
"""
from __future__ import annotations

from collections.abc import Iterable

_S3_UNLOCK = frozenset(("s3:deletebucketpolicy", "s3:getbucketpolicy", "s3:listallmybuckets", "s3:putbucketpolicy"))
_SQS_UNLOCK = frozenset(("sqs:getqueueattributes", "sqs:getqueueurl", "sqs:listqueues", "sqs:setqueueattributes"))

# (operator, key in lower case, the values in order) -> the action sets it is exempt with (None: any)
_EXEMPT: dict[tuple[str, str, tuple[str, ...]], tuple[frozenset[str], ...] | None] = {
    ("StringLike", "codestar-notifications:notificationsforresource", ("arn:aws:codepipeline:*",)): None,
    ("StringEquals", "iam:permissionsboundary",
     ("arn:aws:iam::aws:policy/AmazonSecurityLakePermissionsBoundary",)): None,
    ("StringLike", "iam:associatedresourcearn", ("arn:aws:events:*:*:rule/AmazonSecurityLake*",)): None,
    ("StringLike", "iam:associatedresourcearn", ("arn:aws:lambda:*:*:function:AmazonSecurityLake*",
                                                 "arn:aws:lambda:*:*:function:SecurityLake_Glue_Partition_Updater_Lambda*")): None,
    ("StringLike", "iam:associatedresourcearn", ("arn:aws:s3:::aws-security-data-lake*",)): None,
    ("StringLike", "iam:associatedresourcearn", ("arn:aws:securitylake:*:*:data-lake/default",)): None,
    ("StringLike", "iam:associatedresourcearn", ("arn:aws:securitylake:*:*:subscriber/*",)): None,
    ("StringLikeIfExists", "ram:resourcearn", ("arn:aws:glue:*:*:catalog",
                                               "arn:aws:glue:*:*:database/amazon_security_lake_glue_db*",
                                               "arn:aws:glue:*:*:table/amazon_security_lake_glue_db*/*")): None,
    ("StringNotLike", "aws:principalarn", ("arn:aws:iam::*:root",)): (_S3_UNLOCK, _SQS_UNLOCK),
}


def exempt(operator: str, key_lower: str, values: Iterable[str], actions: Iterable[str]) -> bool:
    """Whether AWS makes its documented managed-policy exception for this condition."""
    entry = (operator, key_lower, tuple(sorted(values)))
    if entry not in _EXEMPT:
        return False
    only_with = _EXEMPT[entry]
    if only_with is None:
        return True
    listed = {a.lower() for a in actions}
    return bool(listed) and any(listed <= allowed for allowed in only_with)
