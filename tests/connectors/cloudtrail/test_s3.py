"""Trail-bucket reader against moto's S3 server: an organization trail over three accounts, two Regions
and five days; only the keys of the requested accounts, Regions and window are downloaded."""
from __future__ import annotations

import gzip
import json

import boto3
import pytest

from connectors.cloudtrail.s3 import TrailSelection, trail_keys, trail_records
from pipeline.cli import main
from solvers.catalog import load_catalog
from solvers.errors import InputError
from solvers.generation.activity import ActivityAccumulator

BUCKET = "org-trail"
PREFIX = "trails/main"
ORG = "o-abcde12345"
ACCOUNTS = ("111111111111", "222222222222", "333333333333")
REGIONS = ("us-east-1", "eu-west-1")
DAYS = ("01", "02", "03", "04", "05")
DELIVERIES = ("1005", "2340")  # HHmm of the two files a day


def _client(endpoint: str):
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def _key(account: str, region: str, day: str, hhmm: str) -> str:
    return (f"{PREFIX}/AWSLogs/{ORG}/{account}/CloudTrail/{region}/2024/08/{day}/"
            f"{account}_CloudTrail_{region}_202408{day}T{hhmm}Z_abc{hhmm}.json.gz")


def _records(account: str, region: str, day: str, hhmm: str) -> list[dict]:
    minute = int(hhmm[2:]) - 5  # events a few minutes before delivery
    role = f"arn:aws:iam::{account}:role/app"
    return [{"eventVersion": "1.08", "eventTime": f"2024-08-{day}T{hhmm[:2]}:{minute:02d}:00Z",
             "eventType": "AwsApiCall", "eventSource": "s3.amazonaws.com", "eventName": name,
             "awsRegion": region, "recipientAccountId": account,
             "requestParameters": {"bucketName": f"data-{account}"},
             "userIdentity": {"type": "AssumedRole", "arn": f"arn:aws:sts::{account}:assumed-role/app/s",
                              "sessionContext": {"sessionIssuer": {"type": "Role", "arn": role}}}}
            for name in ("GetBucketAcl", "ListObjects")]


@pytest.fixture(scope="module")
def bucket(moto_endpoint):
    client = _client(moto_endpoint)
    client.create_bucket(Bucket=BUCKET)
    for account in ACCOUNTS:
        for region in REGIONS:
            for day in DAYS:
                for hhmm in DELIVERIES:
                    body = gzip.compress(json.dumps({"Records": _records(account, region, day, hhmm)}).encode())
                    client.put_object(Bucket=BUCKET, Key=_key(account, region, day, hhmm), Body=body)
            # Digest files live beside the logs and are never read as logs.
            client.put_object(Bucket=BUCKET, Key=f"{PREFIX}/AWSLogs/{ORG}/{account}/CloudTrail-Digest/{region}/"
                              f"2024/08/02/{account}_CloudTrail-Digest_{region}_t_20240802T1005Z.json.gz", Body=b"x")
    return moto_endpoint


def _counting_client(endpoint: str):
    client = _client(endpoint)
    fetched: list[str] = []
    client.meta.events.register("provide-client-params.s3.GetObject", lambda params, **_: fetched.append(params["Key"]))
    return client, fetched


def test_only_keys_in_the_window_accounts_and_regions_are_downloaded(bucket):
    client, fetched = _counting_client(bucket)
    sel = TrailSelection.parse(f"s3://{BUCKET}/{PREFIX}", accounts=["111111111111", "222222222222"],
                               regions=["us-east-1"], start="2024-08-02T00:00:00Z", end="2024-08-04T00:00:00Z")
    records = list(trail_records(client, sel, workers=2))
    expected = {_key(a, "us-east-1", d, h) for a in ("111111111111", "222222222222") for d in ("02", "03")
                for h in DELIVERIES}
    assert sorted(fetched) == sorted(expected)  # each wanted key once, nothing else
    assert len(records) == 2 * len(expected)
    assert {r["recipientAccountId"] for r in records} == {"111111111111", "222222222222"}


def test_listing_alone_picks_the_keys(bucket):
    client, fetched = _counting_client(bucket)
    keys = list(trail_keys(client, TrailSelection.parse(f"s3://{BUCKET}/{PREFIX}/", regions=["eu-west-1"],
                                                        start="2024-08-05T00:00:00Z", end="2024-08-06T00:00:00Z")))
    assert fetched == []
    assert {(k.account, k.region, k.delivered) for k in keys} == {
        (a, "eu-west-1", f"20240805T{h}Z") for a in ACCOUNTS for h in DELIVERIES}


def test_without_a_window_every_log_is_read_and_folded_per_role(bucket):
    client, fetched = _counting_client(bucket)
    acc = ActivityAccumulator(load_catalog())
    acc.add_all(trail_records(client, TrailSelection.parse(f"s3://{BUCKET}/{PREFIX}")))
    partial = acc.partial()
    assert len(fetched) == len(ACCOUNTS) * len(REGIONS) * len(DAYS) * len(DELIVERIES)
    assert set(partial["principals"]) == {f"arn:aws:iam::{a}:role/app" for a in ACCOUNTS}
    for account in ACCOUNTS:
        actions = partial["principals"][f"arn:aws:iam::{account}:role/app"]["actions"]
        assert actions["s3:ListBucket"]["resources"] == [f"arn:aws:s3:::data-{account}"]


def test_a_url_naming_the_organization_level_reads_the_same_keys(bucket):
    client, _ = _counting_client(bucket)
    narrow = TrailSelection.parse(f"s3://{BUCKET}/{PREFIX}/AWSLogs/{ORG}/333333333333/",
                                  start="2024-08-01T00:00:00Z", end="2024-08-02T00:00:00Z")
    assert {k.key for k in trail_keys(client, narrow)} == {
        _key("333333333333", r, "01", h) for r in REGIONS for h in DELIVERIES}


def test_missing_bucket_is_an_input_error(bucket):
    with pytest.raises(InputError):
        list(trail_keys(_client(bucket), TrailSelection.parse("s3://no-such-bucket/x")))


def test_generate_from_the_trail_bucket(bucket, capsys, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    code = main(["generate", "--cloudtrail", f"s3://{BUCKET}/{PREFIX}", "--principal",
                 "arn:aws:iam::222222222222:role/app", "--start", "2024-08-03", "--end", "2024-08-04",
                 "--accounts", "222222222222", "--endpoint-url", bucket, "--region", "us-east-1", "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    policy = json.loads(out["generatedPolicyResult"]["generatedPolicies"][0]["policy"])
    assert [s["Action"] for s in policy["Statement"]] == [["s3:GetBucketAcl", "s3:ListBucket"]]
    assert policy["Statement"][0]["Resource"] == ["arn:aws:s3:::data-222222222222"]
    assert out["activity"]["events"] == 2 * 2 * len(REGIONS)  # two files a day, two events each


def test_account_trail_layout_without_prefix(moto_endpoint):
    client = _client(moto_endpoint)
    client.create_bucket(Bucket="account-trail")
    for day in ("01", "02"):
        key = f"AWSLogs/444444444444/CloudTrail/us-west-2/2024/08/{day}/444444444444_CloudTrail_us-west-2_202408{day}T1005Z_x.json"
        client.put_object(Bucket="account-trail", Key=key, Body=json.dumps(_records("444444444444", "us-west-2", day, "1005")).encode())
    keys = list(trail_keys(client, TrailSelection.parse("s3://account-trail", start="2024-08-02T00:00:00Z",
                                                        end="2024-08-03T00:00:00Z")))
    assert [(k.account, k.region, k.delivered) for k in keys] == [("444444444444", "us-west-2", "20240802T1005Z")]
    assert len(list(trail_records(client, TrailSelection.parse("s3://account-trail")))) == 4


def test_windows_across_month_and_year_boundaries(moto_endpoint):
    client = _client(moto_endpoint)
    client.create_bucket(Bucket="long-trail")
    stamps = ["20231230T1200Z", "20231231T2350Z", "20240101T0010Z", "20240229T1200Z", "20240301T0030Z",
              "20240301T0200Z"]
    for stamp in stamps:
        day = f"{stamp[:4]}/{stamp[4:6]}/{stamp[6:8]}"
        client.put_object(Bucket="long-trail", Body=b"[]",
                          Key=f"AWSLogs/{ORG}/555555555555/CloudTrail/us-east-1/{day}/555555555555_CloudTrail_us-east-1_{stamp}_k.json.gz")
    sel = TrailSelection.parse("s3://long-trail", start="2023-12-31T00:00:00Z", end="2024-03-01T00:00:00Z")
    # Kept: delivered after the start, or up to an hour after the end (late deliveries of the last events).
    assert [k.delivered for k in trail_keys(client, sel)] == stamps[1:5]


def test_an_unreadable_trail_object_is_named_and_the_rest_of_the_batch_is_folded(moto_endpoint, monkeypatch):
    """A map task over trail objects (pipeline.scan_generation): an object whose content is corrupt is named
    in the partial and the other objects of its batch are folded; one that cannot be downloaded fails the
    task (the scan records a gap for the batch)."""
    from pipeline.scan_generation import map_trail_keys
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    client = _client(moto_endpoint)
    client.create_bucket(Bucket="map-task-trail")
    good = gzip.compress(json.dumps({"Records": _records(ACCOUNTS[0], REGIONS[0], "01", "1005")}).encode())
    keys = ["AWSLogs/1.json.gz", "AWSLogs/bad.json.gz", "AWSLogs/2.json.gz"]
    for key, body in zip(keys, [good, b"\x1f\x8bbroken", good], strict=True):
        client.put_object(Bucket="map-task-trail", Key=key, Body=body)
    partial = map_trail_keys("map-task-trail", keys, moto_endpoint, None, "us-east-1", None, None)
    assert partial["events"] == 4, partial["unreadable"]
    assert len(partial["unreadable"]) == 1 and "s3://map-task-trail/AWSLogs/bad.json.gz" in partial["unreadable"][0]
    with pytest.raises(InputError, match="missing.json.gz"):
        map_trail_keys("map-task-trail", ["AWSLogs/missing.json.gz"], moto_endpoint, None, "us-east-1", None, None)
