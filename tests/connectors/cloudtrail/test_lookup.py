"""LookupEvents reader. moto does not implement CloudTrail's LookupEvents, so these tests use botocore's
Stubber on a real boto3 client (the only place in the CloudTrail tests that does not use moto's server)."""
from __future__ import annotations

import datetime as dt
import json

import boto3
import pytest
from botocore.stub import Stubber

from connectors.cloudtrail.lookup import lookup_records
from solvers.errors import InputError


def _client():
    return boto3.client("cloudtrail", region_name="us-east-1", aws_access_key_id="testing",
                        aws_secret_access_key="testing")


def _event(n: int) -> dict:
    record = {"eventName": "DescribeInstances", "eventSource": "ec2.amazonaws.com", "eventID": str(n)}
    return {"EventId": str(n), "EventName": "DescribeInstances", "CloudTrailEvent": json.dumps(record)}


def test_pages_are_followed_and_records_parsed():
    client = _client()
    start = dt.datetime(2024, 8, 1, tzinfo=dt.UTC)
    end = dt.datetime(2024, 8, 2, tzinfo=dt.UTC)
    with Stubber(client) as stub:
        stub.add_response("lookup_events", {"Events": [_event(1), _event(2)], "NextToken": "t1"},
                          {"StartTime": start, "EndTime": end})
        stub.add_response("lookup_events", {"Events": [_event(3)]},
                          {"StartTime": start, "EndTime": end, "NextToken": "t1"})
        records = list(lookup_records(client, "2024-08-01T00:00:00Z", "2024-08-02T00:00:00Z"))
        stub.assert_no_pending_responses()
    assert [r["eventID"] for r in records] == ["1", "2", "3"]


def test_service_errors_become_input_errors():
    client = _client()
    with Stubber(client) as stub:
        stub.add_client_error("lookup_events", service_error_code="AccessDeniedException", http_status_code=403)
        with pytest.raises(InputError):
            list(lookup_records(client))
