"""IAM service-last-accessed reader. moto implements neither GenerateServiceLastAccessedDetails nor
GetServiceLastAccessedDetails, so these tests use botocore's Stubber on a real boto3 client."""
from __future__ import annotations

import datetime as dt

import boto3
import pytest
from botocore.stub import Stubber

from connectors.cloudtrail.last_accessed import services_last_accessed
from solvers.errors import InputError

ROLE = "arn:aws:iam::111111111111:role/app"
JOB = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"


def _client():
    return boto3.client("iam", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")


def _service(namespace: str, when: dt.datetime | None) -> dict:
    item = {"ServiceName": namespace, "ServiceNamespace": namespace}
    if when:
        item["LastAuthenticated"] = when
    return item


def test_polls_until_complete_and_keeps_services_used_since_the_start():
    client = _client()
    now = dt.datetime(2024, 8, 10, tzinfo=dt.UTC)
    with Stubber(client) as stub:
        stub.add_response("generate_service_last_accessed_details", {"JobId": JOB},
                          {"Arn": ROLE, "Granularity": "SERVICE_LEVEL"})
        stub.add_response("get_service_last_accessed_details",
                          {"JobStatus": "IN_PROGRESS", "JobCreationDate": now, "JobCompletionDate": now, "ServicesLastAccessed": []},
                          {"JobId": JOB})
        stub.add_response("get_service_last_accessed_details",
                          {"JobStatus": "COMPLETED", "JobCreationDate": now, "JobCompletionDate": now, "IsTruncated": True, "Marker": "m",
                           "ServicesLastAccessed": [_service("glue", now), _service("kms", None)]},
                          {"JobId": JOB})
        stub.add_response("get_service_last_accessed_details",
                          {"JobStatus": "COMPLETED", "JobCreationDate": now, "JobCompletionDate": now,
                           "ServicesLastAccessed": [_service("athena", dt.datetime(2023, 1, 1, tzinfo=dt.UTC))]},
                          {"JobId": JOB, "Marker": "m"})
        assert services_last_accessed(client, ROLE, "2024-08-01T00:00:00Z", poll_seconds=0) == ["glue"]
        stub.assert_no_pending_responses()


def test_failed_job_and_denied_calls_are_input_errors():
    client = _client()
    now = dt.datetime(2024, 8, 10, tzinfo=dt.UTC)
    with Stubber(client) as stub:
        stub.add_response("generate_service_last_accessed_details", {"JobId": JOB})
        stub.add_response("get_service_last_accessed_details",
                          {"JobStatus": "FAILED", "JobCreationDate": now, "JobCompletionDate": now, "ServicesLastAccessed": []})
        with pytest.raises(InputError):
            services_last_accessed(client, ROLE, poll_seconds=0)
    with Stubber(client) as stub:
        stub.add_client_error("generate_service_last_accessed_details", service_error_code="AccessDenied")
        with pytest.raises(InputError):
            services_last_accessed(client, ROLE)
