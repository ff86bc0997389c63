"""The fold's fast path (`add_all`: plain subscripts, routes cached per principal and event kind, reliable
ARNs remembered per candidate key) gives exactly the activity of its reference path (`add`, one record
at a time, every check in order), on the corpus logs and on records made to take every branch."""
from __future__ import annotations

import itertools
import json
import random
from pathlib import Path

import orjson
import pytest

from solvers.catalog import load_catalog
from solvers.generation.activity import ActivityAccumulator
from solvers.generation.principals import PrincipalKey

LOGS = Path(__file__).resolve().parents[3].parent / "shared" / "corpus" / "cloudtrail" / "logs"
ACCOUNT = "123456789012"


def _both(records: list, **kw) -> tuple[dict, dict]:
    fast = ActivityAccumulator(load_catalog(), **kw)
    fast.add_all(records)
    reference = ActivityAccumulator(load_catalog(), **kw)
    for record in records:
        reference.add(record)
    return fast.partial(), reference.partial()


def _same(records: list, **kw) -> None:
    fast, reference = _both(records, **kw)
    # Compared as JSON text, so that the order of every dict (principals, actions, skip reasons) counts too.
    assert json.dumps(fast) == json.dumps(reference)


@pytest.mark.skipif(not LOGS.is_dir(), reason="corpus logs not present")
def test_corpus_logs_fast_path_equals_reference_path():
    records = []
    for path in sorted(LOGS.glob("*.json")):
        doc = orjson.loads(path.read_bytes())
        records += doc["Records"] if isinstance(doc, dict) else doc
    _same(records)
    _same(records, start="2020-01-01T00:00:00Z", end="2024-01-01T00:00:00Z")


def _identities() -> list:
    role = f"arn:aws:iam::{ACCOUNT}:role/team/app"
    issuer = {"type": "Role", "arn": role, "accountId": ACCOUNT}
    return [
        {"type": "AssumedRole", "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/app/s1", "sessionContext": {"sessionIssuer": issuer}},
        {"type": "AssumedRole", "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/app/s2",
         "sessionContext": {"sessionIssuer": {**issuer, "arn": f"arn:aws:iam::{ACCOUNT}:role/app"}}},  # no path
        {"type": "AssumedRole", "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/old/s"},  # no issuer: from the ARN
        {"type": "AssumedRole", "sessionContext": {"sessionIssuer": {"arn": 7}}},
        {"type": "AssumedRole", "sessionContext": {"sessionIssuer": {"arn": "arn:aws:s3:::not-a-role"}}},
        {"type": "IAMUser", "arn": f"arn:aws:iam::{ACCOUNT}:user/ci"},
        {"type": "IAMUser"},
        {"type": "FederatedUser", "arn": f"arn:aws:sts::{ACCOUNT}:federated-user/f",
         "sessionContext": {"sessionIssuer": {"type": "IAMUser", "arn": f"arn:aws:iam::{ACCOUNT}:user/broker"}}},
        {"type": "FederatedUser", "sessionContext": {"sessionIssuer": {"arn": "arn:aws:sts::x"}}},
        {"type": "FederatedUser", "sessionContext": {"sessionIssuer": {"arn": "arn:aws:s3:::not-a-role"}}},
        {"type": "AWSService", "invokedBy": "lambda.amazonaws.com"},
        {"type": "Root", "arn": f"arn:aws:iam::{ACCOUNT}:root"},
        {"type": "WebIdentityUser"},
        {}, None, "text", ["list"],
    ]


def _calls() -> list:
    bucket, obj = "arn:aws:s3:::b1", "arn:aws:s3:::b1/k"
    return [
        ("s3.amazonaws.com", "GetObject", {"bucketName": "b1", "key": "k"}, [{"ARN": obj}]),
        ("s3.amazonaws.com", "HeadObject", {"bucketName": "b1", "key": "k2"}, [{"ARN": bucket}, {"ARN": obj + "2"}]),
        ("s3.amazonaws.com", "ListObjects", {"bucketName": "b1"}, [{"type": "x"}]),  # an item without an ARN
        ("s3.amazonaws.com", "ListBuckets", None, None),
        ("lambda.amazonaws.com", "Invoke", {"functionName": "f1"}, None),
        ("lambda.amazonaws.com", "CreateFunction20150331", {"functionName": "f2", "role": f"arn:aws:iam::{ACCOUNT}:role/r"}, None),
        ("dynamodb.amazonaws.com", "GetItem", {"tableName": "t", "key": {"id": {"S": "1"}}}, None),
        ("dynamodb.amazonaws.com", "GetItem", {"tableName": ["odd"]}, None),
        ("sqs.amazonaws.com", "SendMessage", {"queueUrl": f"https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/q"}, None),
        ("kms.amazonaws.com", "Decrypt", {"keyId": f"arn:aws:kms:nowhere-1:{ACCOUNT}:key/k"}, None),  # unknown Region
        ("secretsmanager.amazonaws.com", "BatchGetSecretValue",
         {"secretIdList": [f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:s{i}" for i in range(3)]}, None),
        ("ec2.amazonaws.com", "RunInstances", {"iamInstanceProfile": {"name": "p"}}, None),
        ("ec2.amazonaws.com", "NoSuchCall", None, None),
        ("sts.amazonaws.com", "AssumeRole", {"roleArn": f"arn:aws:iam::{ACCOUNT}:role/deploy"}, None),
        (None, "GetObject", None, None),
        ("s3.amazonaws.com", 5, None, None),
    ]


def _records(n: int, seed: int) -> list:
    rng = random.Random(seed)
    identities, calls = _identities(), _calls()
    out: list = []
    for i in range(n):
        source, name, params, resources = rng.choice(calls)
        record = {"eventVersion": "1.08", "userIdentity": rng.choice(identities),
                  "eventTime": f"2024-08-0{rng.randrange(1, 4)}T{rng.randrange(24):02d}:00:00Z",
                  "eventSource": source, "eventName": name, "awsRegion": rng.choice(["us-east-1", "eu-west-1"]),
                  "eventType": rng.choice(["AwsApiCall"] * 8 + ["AwsServiceEvent", "AwsConsoleSignIn"]),
                  "requestParameters": params, "recipientAccountId": ACCOUNT}
        if resources is not None:
            record["resources"] = resources
        if rng.random() < 0.2:
            record["errorCode"] = rng.choice(["AccessDenied", "Client.UnauthorizedOperation", "ThrottlingException"])
        for field in ("eventTime", "eventType", "eventSource", "userIdentity", "recipientAccountId"):
            if rng.random() < 0.02:
                del record[field]
        if rng.random() < 0.01:
            record["eventTime"] = 20240801
        out.append(record)
        if i % 97 == 0:
            out.append(rng.choice([None, "text", 3, ["a"]]))
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_records_taking_every_branch_fast_path_equals_reference_path(seed):
    records = _records(3000, seed)
    _same(records)
    _same(orjson.loads(orjson.dumps(records)))  # orjson's shared key objects, as read from log files
    _same(records, start="2024-08-02T00:00:00Z")
    _same(records, end="2024-08-02T12:00:00Z")
    _same(records, only=PrincipalKey("aws", ACCOUNT, "role", "app"))


def test_batches_of_any_size_give_the_same_activity():
    records = _records(2000, 4)
    whole = ActivityAccumulator(load_catalog())
    whole.add_all(records)
    batched = ActivityAccumulator(load_catalog())
    it = iter(records)
    for size in itertools.cycle([1, 7, 50, 300]):
        batch = list(itertools.islice(it, size))
        if not batch:
            break
        batched.add_all(batch)
    assert json.dumps(batched.partial()) == json.dumps(whole.partial())
    streamed = ActivityAccumulator(load_catalog())
    streamed.add_all(r for r in records)  # an iterator, not a list
    assert json.dumps(streamed.partial()) == json.dumps(whole.partial())


def test_reliable_of_one_arn_is_reliable_of_a_list_of_it():
    from solvers.generation.resources import ResourceCatalog

    resources = ResourceCatalog(load_catalog())
    arns = ["arn:aws:s3:::b1", "arn:aws:s3:::b1/k", f"arn:aws:kms:us-east-1:{ACCOUNT}:key/k",
            f"arn:aws:iam::{ACCOUNT}:role/r", f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:f", "arn:aws:sqs:x", "*"]
    for action in ("s3:GetObject", "s3:ListBucket", "kms:Decrypt", "iam:PassRole", "lambda:InvokeFunction",
                   "ec2:CreateTags", "sts:GetCallerIdentity", "s3:ListAllMyBuckets", "no:SuchAction"):
        of = resources.of(action)
        for arn in arns:
            matched = of.reliable([arn])
            assert of.reliable_one(arn) == (tuple(matched) if matched is not None else None), (action, arn)


def test_accumulators_one_after_another_give_what_a_first_one_does():
    """Accumulators of one catalog share its mapping and resource patterns (a map task per batch)."""
    records = orjson.loads(orjson.dumps(_records(1500, 5)))
    first = ActivityAccumulator(load_catalog())
    first.add_all(records)
    again = ActivityAccumulator(load_catalog())
    again.add_all(records)
    assert json.dumps(again.partial()) == json.dumps(first.partial())
