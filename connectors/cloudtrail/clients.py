"""boto3 clients for the CloudTrail readers, created on demand (never at import)."""
from __future__ import annotations

from typing import Any

from solvers.errors import InputError


def session_client(service: str, *, profile: str | None = None, region: str | None = None,
                   endpoint_url: str | None = None) -> Any:
    """A client from the standard credential chain (or `profile`). Raises InputError for an unknown profile."""
    import boto3
    import botocore.exceptions

    try:
        session = boto3.Session(profile_name=profile, region_name=region)
    except botocore.exceptions.ProfileNotFound as exc:
        raise InputError(str(exc)) from None
    return session.client(service, endpoint_url=endpoint_url,
                          region_name=region or session.region_name or "us-east-1")
