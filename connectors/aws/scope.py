"""One unit of enumeration: an (account, Region) with its clients, its gaps and its records."""
from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.exceptions import ClientError

from connectors.aws.gaps import CoverageGap, GapRecorder
from connectors.aws.session import Sessions

GLOBAL_REGION = "global"  # the `region` of records for global resources (IAM)
MALFORMED_POLICY = "MalformedPolicy"


@dataclass
class Scope:
    """What a resource module gets: where it runs, how to reach AWS there, where gaps go.
    `home` is true for the one Region of the account that also reads the global services."""

    account: str
    region: str
    sessions: Sessions
    session: boto3.Session
    gaps: GapRecorder
    home: bool = False
    regions: tuple[str, ...] = ()  # every Region selected for this account (S3 keeps buckets in these)
    memo: dict[str, Any] = field(default_factory=dict)  # answers shared by modules (one ListBuckets)
    _clients: dict[tuple[str, str], Any] = field(default_factory=dict)

    def client(self, service: str, region: str | None = None) -> Any:
        key = (service, region or self.region)
        if key not in self._clients:
            self._clients[key] = self.sessions.client(self.session, service, key[1])
        return self._clients[key]


def call(client: Any, operation: str, absent: tuple[str, ...] = (), **kwargs: Any) -> dict | None:
    """Call one read operation; the error codes in `absent` mean "there is none" (e.g.
    NoSuchBucketPolicy) and give None. Other errors propagate to the caller's GapRecorder."""
    try:
        return getattr(client, operation)(**kwargs)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in absent:
            return None
        raise


def paginate(client: Any, operation: str, key: str, **kwargs: Any) -> Iterator[Any]:
    """Every item of a paginated list (`key` is the list's name in each page)."""
    for page in client.get_paginator(operation).paginate(**kwargs):
        yield from page.get(key, [])


def _policy_texts(configuration: dict) -> Iterator[str]:
    """Every policy document in a configuration (fields named ...Policy / policy, key policies, access
    point policies)."""
    for key, value in configuration.items():
        if isinstance(value, str) and key.lower().endswith("policy"):
            yield value
        elif key == "keyPolicies" and isinstance(value, dict):
            yield from (v for v in value.values() if isinstance(v, str))
        elif key == "accessPoints" and isinstance(value, dict):
            for point in value.values():
                yield from _policy_texts(point)


def record(scope: Scope, arn: str, resource_type: str, member: str, configuration: dict,
           region: str | None = None) -> dict:
    """A resource in the contract's shape; fields that are None are left out (absent policy).
    A policy that is not JSON is kept as AWS returned it (the analysis reports it) and also recorded
    as a gap, so that a coverage report shows it."""
    configuration = {k: v for k, v in configuration.items() if v is not None}
    for text in _policy_texts(configuration):
        try:
            json.loads(text)
        except ValueError as exc:
            scope.gaps.gaps.append(CoverageGap(scope.account, region or scope.region, resource_type, "ParsePolicy",
                                               MALFORMED_POLICY, f"policy is not JSON: {exc}", arn))
    return {"resourceArn": arn, "resourceType": resource_type, "account": scope.account,
            "region": region or scope.region, "configuration": {member: configuration}}


def paginate_by_token(client: Any, operation: str, key: str, token_in: str, token_out: str,
                      **kwargs: Any) -> Iterator[Any]:
    """Paginate an operation botocore has no paginator for: pass `token_out` of each page back as
    `token_in` until it is absent."""
    method = getattr(client, operation)
    while True:
        page = method(**kwargs)
        yield from page.get(key, [])
        token = page.get(token_out)
        if not token:
            return
        kwargs[token_in] = token
