"""The maintained exceptions to the plain event → action rule (see `mapping.py`).

Every action named here must exist in the IAM catalog; tests/solvers/generation/test_mapping.py
checks the whole table, so a rename in the IAM definition shows up as a failing test, not as a policy
that silently grants nothing. Keep entries sorted by service; say why when it is not obvious.
"""
from __future__ import annotations

# CloudTrail eventSource host (before ".amazonaws.com") → IAM service prefix, where they differ.
SOURCE_PREFIX: dict[str, str] = {
    "monitoring": "cloudwatch",
    "email": "ses",
    "tagging": "tag",
    "streams.dynamodb": "dynamodb",
    "models.lex": "lex",
    "runtime.lex": "lex",
    "metering-marketplace": "aws-marketplace",
    "appconfigdata": "appconfig",
    "rdsdata": "rds-data",
    "api.ecr": "ecr",
}

# (IAM service prefix, event name after the version suffix is removed) → the actions the call needed.
# An empty tuple means the call needs no IAM permission at all.
EVENT_ACTIONS: dict[tuple[str, str], tuple[str, ...]] = {
    # Lambda's "Invoke" API is authorised as InvokeFunction, whatever the transport.
    ("lambda", "Invoke"): ("lambda:InvokeFunction",),
    ("lambda", "InvokeAsync"): ("lambda:InvokeAsync",),
    ("lambda", "InvokeWithResponseStream"): ("lambda:InvokeFunction",),
    # KMS re-encryption is authorised on both keys.
    ("kms", "ReEncrypt"): ("kms:ReEncryptFrom", "kms:ReEncryptTo"),
    # S3 operations whose IAM action has another name.
    ("s3", "ListObjects"): ("s3:ListBucket",),
    ("s3", "ListObjectsV2"): ("s3:ListBucket",),
    ("s3", "ListObjectVersions"): ("s3:ListBucketVersions",),
    ("s3", "HeadObject"): ("s3:GetObject",),
    ("s3", "HeadBucket"): ("s3:ListBucket",),
    ("s3", "SelectObjectContent"): ("s3:GetObject",),
    ("s3", "ListBuckets"): ("s3:ListAllMyBuckets",),
    ("s3", "CopyObject"): ("s3:GetObject", "s3:PutObject"),
    ("s3", "UploadPartCopy"): ("s3:GetObject", "s3:PutObject"),
    ("s3", "UploadPart"): ("s3:PutObject",),
    ("s3", "CreateMultipartUpload"): ("s3:PutObject",),
    ("s3", "CompleteMultipartUpload"): ("s3:PutObject",),
    ("s3", "DeleteObjects"): ("s3:DeleteObject",),
    ("s3", "ListMultipartUploads"): ("s3:ListBucketMultipartUploads",),
    ("s3", "ListParts"): ("s3:ListMultipartUploadParts",),
    ("s3", "GetBucketEncryption"): ("s3:GetEncryptionConfiguration",),
    ("s3", "PutBucketEncryption"): ("s3:PutEncryptionConfiguration",),
    ("s3", "DeleteBucketEncryption"): ("s3:PutEncryptionConfiguration",),
    ("s3", "GetBucketLifecycle"): ("s3:GetLifecycleConfiguration",),
    ("s3", "GetBucketLifecycleConfiguration"): ("s3:GetLifecycleConfiguration",),
    ("s3", "PutBucketLifecycle"): ("s3:PutLifecycleConfiguration",),
    ("s3", "PutBucketLifecycleConfiguration"): ("s3:PutLifecycleConfiguration",),
    ("s3", "DeleteBucketLifecycle"): ("s3:PutLifecycleConfiguration",),
    ("s3", "GetBucketReplication"): ("s3:GetReplicationConfiguration",),
    ("s3", "PutBucketReplication"): ("s3:PutReplicationConfiguration",),
    ("s3", "DeleteBucketReplication"): ("s3:PutReplicationConfiguration",),
    ("s3", "GetBucketCors"): ("s3:GetBucketCORS",),
    ("s3", "PutBucketCors"): ("s3:PutBucketCORS",),
    ("s3", "DeleteBucketCors"): ("s3:PutBucketCORS",),
    ("s3", "DeleteBucketTagging"): ("s3:PutBucketTagging",),
    ("s3", "GetBucketAccelerateConfiguration"): ("s3:GetAccelerateConfiguration",),
    ("s3", "PutBucketAccelerateConfiguration"): ("s3:PutAccelerateConfiguration",),
    ("s3", "GetBucketAnalyticsConfiguration"): ("s3:GetAnalyticsConfiguration",),
    ("s3", "GetBucketInventoryConfiguration"): ("s3:GetInventoryConfiguration",),
    ("s3", "GetBucketMetricsConfiguration"): ("s3:GetMetricsConfiguration",),
    ("s3", "GetBucketNotificationConfiguration"): ("s3:GetBucketNotification",),
    ("s3", "PutBucketNotificationConfiguration"): ("s3:PutBucketNotification",),
    ("s3", "GetBucketIntelligentTieringConfiguration"): ("s3:GetIntelligentTieringConfiguration",),
    ("s3", "GetObjectLockConfiguration"): ("s3:GetBucketObjectLockConfiguration",),
    ("s3", "PutObjectLockConfiguration"): ("s3:PutBucketObjectLockConfiguration",),
    # Secrets Manager's batch read also needs GetSecretValue on every secret it returns.
    ("secretsmanager", "BatchGetSecretValue"): ("secretsmanager:BatchGetSecretValue",
                                                "secretsmanager:GetSecretValue"),
    # Sign-in and token exchanges that the caller needs no IAM permission for.
    ("sts", "AssumeRoleWithWebIdentity"): (),
    ("sts", "AssumeRoleWithSAML"): (),
}

# API Gateway's control plane is authorised per HTTP verb on a resource path, not per operation.
APIGATEWAY_VERBS: dict[str, str] = {
    "Get": "apigateway:GET", "Create": "apigateway:POST", "Import": "apigateway:PUT",
    "Put": "apigateway:PUT", "Update": "apigateway:PATCH", "Delete": "apigateway:DELETE",
    "Flush": "apigateway:DELETE", "Generate": "apigateway:POST", "Test": "apigateway:POST",
}

# Request parameters that pass a role to a service: the call then also needed iam:PassRole, which
# CloudTrail never records, so it is named in the output as not observable instead of granted.
PASSROLE_PARAMETERS: frozenset[str] = frozenset({
    "role", "roleArn", "roleARN", "RoleArn", "executionRoleArn", "taskRoleArn", "serviceRole",
    "serviceRoleArn", "iamInstanceProfile", "jobRoleArn", "dataAccessRoleArn", "iamRoleArn",
    "instanceProfileName", "instanceRoleArn", "serviceRoleARN", "workflowRoleArn",
})
# Calls whose role parameter is the target itself, not a role handed to a service.
PASSROLE_EXEMPT_PREFIXES: frozenset[str] = frozenset({"iam", "sts", "sso", "organizations"})
