"""Failure as data: a coverage gap records what could not be read, and the enumeration goes on."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass

from botocore.exceptions import BotoCoreError, ClientError

MALFORMED = "MalformedResponse"


@dataclass(frozen=True)
class CoverageGap:
    """One thing the enumeration could not read. `resourceArn` is set when a single resource is
    affected (its record is still emitted, without the part that could not be read)."""

    account: str
    region: str
    resourceType: str
    operation: str
    errorCode: str
    message: str
    resourceArn: str | None = None

    def as_dict(self) -> dict:
        data = asdict(self)
        if self.resourceArn is None:
            del data["resourceArn"]
        return data


class OperationFailed(Exception):
    """An AWS job that ended in failure: its status said so, not an HTTP error."""


def error_code(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code") or "ClientError")
    if isinstance(exc, BotoCoreError | TimeoutError | OperationFailed):  # TimeoutError: a report not ready in time
        return type(exc).__name__
    return MALFORMED


class GapRecorder:
    """Collects the gaps of one (account, Region) enumeration."""

    def __init__(self, account: str, region: str) -> None:
        self.account = account
        self.region = region
        self.gaps: list[CoverageGap] = []

    def record(self, resource_type: str, operation: str, exc: BaseException,
               resource_arn: str | None = None, region: str | None = None) -> None:
        message = str(exc).replace("\n", " ")[:500]
        self.gaps.append(CoverageGap(self.account, region or self.region, resource_type, operation,
                                     error_code(exc), message, resource_arn))

    @contextmanager
    def attempt(self, resource_type: str, operation: str, resource_arn: str | None = None,
                region: str | None = None) -> Iterator[None]:
        """Run a block; an AWS error or a response of an unexpected shape becomes a gap.
        `operation` names the call the block is about (refined by the exception when botocore knows)."""
        try:
            yield
        except ClientError as exc:
            self.record(resource_type, exc.operation_name or operation, exc, resource_arn, region)
        except BotoCoreError as exc:
            self.record(resource_type, operation, exc, resource_arn, region)
        except (KeyError, TypeError, ValueError) as exc:  # a response that does not have the documented shape
            self.record(resource_type, operation, exc, resource_arn, region)
