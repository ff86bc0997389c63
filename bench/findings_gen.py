"""Generated realistic resource configurations for the findings benchmark (seeded, deterministic).

A mix in the proportions real organizations show: mostly account-internal and service-principal
policies, a fair share of cross-account grants, org-restricted and network-restricted access, Deny
guards, some public ones; across S3, KMS (with grants), SQS, SNS, Lambda, Secrets Manager and role
trust policies. Each item is (resource type, ARN, configuration) for `analyze_resource`.
"""
from __future__ import annotations

import json
import random

OWN = "111122223333"
FOREIGN = ("444455556666", "555566667777", "666677778888", "123456789012")
ORG = "o-a1b2c3d4e5"
SERVICES = ("cloudtrail.amazonaws.com", "logs.amazonaws.com", "sns.amazonaws.com", "events.amazonaws.com")


def _principal(rng: random.Random) -> object:
    roll = rng.random()
    if roll < 0.25:
        return {"AWS": f"arn:aws:iam::{OWN}:root"}
    if roll < 0.45:
        return {"AWS": rng.sample([f"arn:aws:iam::{a}:root" for a in FOREIGN], rng.randint(1, 2))}
    if roll < 0.6:
        return {"AWS": f"arn:aws:iam::{rng.choice(FOREIGN)}:role/{rng.choice(['reader', 'deploy', 'etl'])}"}
    if roll < 0.75:
        return {"Service": rng.choice(SERVICES)}
    return rng.choice(("*", {"AWS": "*"}))


def _conditions(rng: random.Random, own_resource: str) -> dict | None:
    roll = rng.random()
    if roll < 0.45:
        return None
    options = [
        {"StringEquals": {"aws:PrincipalOrgID": ORG}},
        {"IpAddress": {"aws:SourceIp": rng.sample(["203.0.113.0/24", "198.51.100.7/32", "10.0.0.0/8"], 2)}},
        {"StringEquals": {"aws:SourceVpce": f"vpce-{rng.randrange(16**8):08x}"}},
        {"StringEquals": {"aws:SourceAccount": rng.choice((OWN,) + FOREIGN)}},
        {"ArnLike": {"aws:SourceArn": f"arn:aws:*:*:{rng.choice(FOREIGN)}:*"}},
        {"StringLike": {"aws:PrincipalArn": [f"arn:aws:iam::{rng.choice(FOREIGN)}:role/team-*"]}},
        {"Bool": {"aws:SecureTransport": "true"}},
        {"StringEquals": {"aws:PrincipalAccount": rng.sample(FOREIGN, 2)}},
        {"StringLike": {"aws:Referer": ["https://www.example.com/*"]}},
    ]
    out: dict = {}
    for block in rng.sample(options, rng.randint(1, 3)):
        for op, kv in block.items():
            out.setdefault(op, {}).update(kv)
    return out


def _statements(rng: random.Random, actions: list[str], resources: list[str]) -> list[dict]:
    out = []
    for i in range(rng.randint(1, 6)):
        st: dict = {"Sid": f"S{i}", "Effect": "Allow", "Principal": _principal(rng),
                    "Action": rng.sample(actions, rng.randint(1, min(4, len(actions)))),
                    "Resource": rng.choice(resources)}
        cond = _conditions(rng, resources[0])
        if cond:
            st["Condition"] = cond
        out.append(st)
    if rng.random() < 0.25:  # a Deny guard
        guard = rng.choice([{"StringNotEquals": {"aws:PrincipalOrgID": ORG}},
                            {"Bool": {"aws:SecureTransport": "false"}},
                            {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}])
        out.append({"Sid": "Guard", "Effect": "Deny", "Principal": "*", "Action": rng.choice(actions),
                    "Resource": resources[0], "Condition": guard})
    return out


def _policy(statements: list[dict]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def generate(n: int = 1000, seed: int = 2026) -> list[tuple[str, str, dict]]:
    rng = random.Random(seed)
    items = []
    for i in range(n):
        kind = rng.choices(["s3", "kms", "sqs", "sns", "lambda", "secret", "role"], [30, 15, 15, 10, 10, 8, 12])[0]
        if kind == "s3":
            arn = f"arn:aws:s3:::bucket-{i}"
            acts = ["s3:GetObject", "s3:PutObject", "s3:ListBucket", "s3:Get*", "s3:*", "s3:DeleteObject",
                    "s3:GetBucketAcl", "s3:PutObjectAcl"]
            body: dict = {"bucketPolicy": _policy(_statements(rng, acts, [arn, arn + "/*", [arn, arn + "/*"]]))}
            if rng.random() < 0.2:
                body["bucketPublicAccessBlock"] = {"restrictPublicBuckets": True, "ignorePublicAcls": True}
            items.append(("AWS::S3::Bucket", arn, {"s3Bucket": body}))
        elif kind == "kms":
            arn = f"arn:aws:kms:us-east-1:{OWN}:key/{i:08d}-0000-0000-0000-000000000000"
            acts = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*", "kms:DescribeKey",
                    "kms:CreateGrant", "kms:*"]
            sts = [{"Sid": "Root", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OWN}:root"},
                    "Action": "kms:*", "Resource": "*"}] + _statements(rng, acts, ["*"])
            grants = [{"operations": rng.sample(["Decrypt", "Encrypt", "GenerateDataKey", "DescribeKey"], 2),
                       "granteePrincipal": f"arn:aws:iam::{rng.choice((OWN,) + FOREIGN)}:role/app"}
                      for _ in range(rng.randint(0, 3))]
            items.append(("AWS::KMS::Key", arn, {"kmsKey": {"keyPolicies": {"default": _policy(sts)}, "grants": grants}}))
        elif kind in ("sqs", "sns", "lambda", "secret"):
            rt, member, field, arn, acts = {
                "sqs": ("AWS::SQS::Queue", "sqsQueue", "queuePolicy", f"arn:aws:sqs:us-east-1:{OWN}:q{i}",
                        ["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:*", "sqs:DeleteMessage"]),
                "sns": ("AWS::SNS::Topic", "snsTopic", "topicPolicy", f"arn:aws:sns:us-east-1:{OWN}:t{i}",
                        ["SNS:Publish", "SNS:Subscribe", "SNS:GetTopicAttributes", "sns:*"]),
                "lambda": ("AWS::Lambda::Function", "lambdaFunction", "policy",
                           f"arn:aws:lambda:us-east-1:{OWN}:function:f{i}", ["lambda:InvokeFunction", "lambda:GetFunction"]),
                "secret": ("AWS::SecretsManager::Secret", "secretsManagerSecret", "secretPolicy",
                           f"arn:aws:secretsmanager:us-east-1:{OWN}:secret:s{i}-AbCdEf",
                           ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret", "secretsmanager:*"]),
            }[kind]
            body = {field: _policy(_statements(rng, acts, [arn, "*"]))}
            if kind == "secret":
                body["kmsKeyId"] = f"arn:aws:kms:us-east-1:{OWN}:key/k{i}"
            items.append((rt, arn, {member: body}))
        else:
            arn = f"arn:aws:iam::{OWN}:role/r{i}"
            sts = []
            for _ in range(rng.randint(1, 3)):
                roll = rng.random()
                if roll < 0.4:
                    st = {"Effect": "Allow", "Principal": _principal(rng), "Action": "sts:AssumeRole"}
                    if rng.random() < 0.4:
                        st["Condition"] = {"StringEquals": {"sts:ExternalId": f"ext-{i}"}}
                elif roll < 0.7:
                    st = {"Effect": "Allow", "Principal": {"Federated": f"arn:aws:iam::{OWN}:oidc-provider/"
                                                                         "token.actions.githubusercontent.com"},
                          "Action": "sts:AssumeRoleWithWebIdentity",
                          "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                                        "StringLike": {"token.actions.githubusercontent.com:sub": f"repo:org/app{i}:*"}}}
                else:
                    st = {"Effect": "Allow", "Principal": {"Service": rng.choice(SERVICES)}, "Action": "sts:AssumeRole"}
                sts.append(st)
            items.append(("AWS::IAM::Role", arn, {"iamRole": {"trustPolicy": _policy(sts)}}))
    return items
