"""botocore event hooks that tests install on every client the connectors create (`client_hooks`).

They answer *before* the request is sent ("before-send"), so botocore parses the answer and its retry
handler sees it exactly as if moto had sent it. They exist because moto neither throttles nor evaluates
role trust policies (its AssumeRole lets anyone into any account).
"""
from __future__ import annotations

import json
import random
import re
import threading
from typing import Any

from botocore.awsrequest import AWSResponse


class _Body:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any):
        yield self._data


def error_response(client: Any, url: str, status: int, code: str, message: str) -> AWSResponse:
    """An error in the wire format of the client's protocol."""
    protocol = client.meta.service_model.protocol
    headers = {"x-amzn-RequestId": "fault-injected"}
    if protocol in ("json", "rest-json"):
        body = json.dumps({"__type": code, "message": message}).encode()
        headers.update({"Content-Type": "application/x-amz-json-1.1", "x-amzn-ErrorType": code})
    elif protocol == "ec2":
        body = (f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors>"
                "<RequestID>fault</RequestID></Response>").encode()
    elif protocol == "query":
        body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
                "<RequestId>fault</RequestId></ErrorResponse>").encode()
    else:  # rest-xml: S3, S3 Control
        body = f"<Error><Code>{code}</Code><Message>{message}</Message></Error>".encode()
    return AWSResponse(url, status, headers, _Body(body))


class Throttler:
    """Answers a fraction of all requests with ThrottlingException (seeded, thread-safe)."""

    def __init__(self, rate: float, seed: int = 2026) -> None:
        self.rate = rate
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self.sent = 0
        self.throttled = 0

    def __call__(self, client: Any) -> None:
        def maybe_throttle(request: Any, **_: Any) -> AWSResponse | None:
            with self._lock:
                self.sent += 1
                if self._random.random() >= self.rate:
                    return None
                self.throttled += 1
            return error_response(client, request.url, 400, "ThrottlingException", "Rate exceeded")

        client.meta.events.register("before-send", maybe_throttle)


class DenyAssumeRole:
    """AssumeRole into the given accounts answers AccessDenied, as when their role's trust policy
    does not name the scanner."""

    def __init__(self, accounts: set[str]) -> None:
        self.accounts = accounts
        self.denied: list[str] = []

    def __call__(self, client: Any) -> None:
        if client.meta.service_model.service_name != "sts":
            return

        def deny(request: Any, **_: Any) -> AWSResponse | None:
            body = request.body.decode() if isinstance(request.body, bytes) else str(request.body or "")
            match = re.search(r"RoleArn=arn%3Aaws%3Aiam%3A%3A(\d{12})%3A", body)
            if match and match.group(1) in self.accounts:
                self.denied.append(match.group(1))
                return error_response(client, request.url, 403, "AccessDenied",
                                      "User is not authorized to perform: sts:AssumeRole")
            return None

        client.meta.events.register("before-send.sts.AssumeRole", deny)


READ_VERBS = ("Get", "List", "Describe", "BatchGet", "Lookup", "Search", "Select", "Scan", "Query")
# Entering a member account is the one call that is not a read: it creates a session, not a change.
# IAM's report jobs (credential report, last-accessed details) compute a report and change nothing.
SESSION_CALLS = {("sts", "AssumeRole"), ("iam", "GenerateCredentialReport"),
                 ("iam", "GenerateServiceLastAccessedDetails")}


class ReadOnlyGuard:
    """Fails any operation whose name does not start with a read verb, before it is sent."""

    def __init__(self) -> None:
        self.seen: set[tuple[str, str]] = set()
        self.violations: list[tuple[str, str]] = []

    def __call__(self, client: Any) -> None:
        service = client.meta.service_model.service_name

        def check(model: Any, **_: Any) -> None:
            self.seen.add((service, model.name))
            if not model.name.startswith(READ_VERBS) and (service, model.name) not in SESSION_CALLS:
                self.violations.append((service, model.name))
                raise WriteAttempted(f"{service}:{model.name} is not a read operation")

        client.meta.events.register("before-call", check)


class WriteAttempted(AssertionError):
    """Not a ClientError, so no gap recorder catches it: the test fails loudly."""


class DisabledRegion:
    """Every call in one Region fails as in a Region the account has not opted into."""

    def __init__(self, region: str) -> None:
        self.region = region

    def __call__(self, client: Any) -> None:
        if client.meta.region_name != self.region:
            return

        def refuse(request: Any, **_: Any) -> AWSResponse:
            return error_response(client, request.url, 401, "UnrecognizedClientException",
                                  "The security token included in the request is invalid.")

        client.meta.events.register("before-send", refuse)


class DenyService:
    """Every call to one service answers AccessDeniedException (e.g. Organizations from a member account)."""

    def __init__(self, service: str) -> None:
        self.service = service

    def __call__(self, client: Any) -> None:
        if client.meta.service_model.service_name != self.service:
            return

        def deny(request: Any, **_: Any) -> AWSResponse:
            return error_response(client, request.url, 400, "AccessDeniedException",
                                  "You don't have permissions to access this resource.")

        client.meta.events.register("before-send", deny)
