"""Services a principal used, from IAM's service-last-accessed data (what Access Analyzer reads for its
service-level template): GenerateServiceLastAccessedDetails starts a job, GetServiceLastAccessedDetails
polls it. Used for services whose activity CloudTrail does not show action by action."""
from __future__ import annotations

import datetime as dt
import time
from typing import Any

from solvers.errors import InputError

POLL_SECONDS = 1.0
MAX_POLLS = 120


def services_last_accessed(client: Any, principal_arn: str, since: str | None = None, *,
                           poll_seconds: float = POLL_SECONDS) -> list[str]:
    """IAM service namespaces the principal authenticated to (at or after `since`, an eventTime string),
    sorted. AWS errors, a failed job, or a job still running after MAX_POLLS polls raise InputError."""
    import botocore.exceptions

    cutoff = dt.datetime.strptime(since, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC) if since else None
    try:
        job = client.generate_service_last_accessed_details(Arn=principal_arn, Granularity="SERVICE_LEVEL")["JobId"]
        services: set[str] = set()
        marker = None
        for _ in range(MAX_POLLS):
            page = client.get_service_last_accessed_details(JobId=job, **({"Marker": marker} if marker else {}))
            status = page.get("JobStatus")
            if status == "IN_PROGRESS":
                time.sleep(poll_seconds)
                continue
            if status != "COMPLETED":
                raise InputError(f"IAM last-accessed job for {principal_arn} ended {status}: {page.get('Error')}")
            for item in page.get("ServicesLastAccessed", []):
                when = item.get("LastAuthenticated")
                if when is not None and (cutoff is None or when >= cutoff):
                    services.add(item["ServiceNamespace"])
            if not page.get("IsTruncated"):
                return sorted(services)
            marker = page.get("Marker")
        raise InputError(f"IAM last-accessed job for {principal_arn} did not finish after {MAX_POLLS} polls")
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
        raise InputError(f"IAM last-accessed data for {principal_arn}: {exc}") from None
