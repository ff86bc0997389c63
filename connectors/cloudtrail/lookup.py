"""CloudTrail records from the LookupEvents API (the last 90 days of management events, one Region).

Each returned event carries the full record as a JSON string in `CloudTrailEvent`; it is parsed with
orjson and yielded page by page, so memory stays flat.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import orjson

from solvers.errors import InputError


def _when(text: str | None) -> dt.datetime | None:
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC) if text else None


def lookup_records(client: Any, start: str | None = None, end: str | None = None) -> Iterator[dict]:
    """Every record LookupEvents returns between start and end (eventTime strings, end exclusive).
    AWS errors become InputError (a credentials or permission problem the user must fix)."""
    import botocore.exceptions

    params: dict[str, Any] = {}
    if start:
        params["StartTime"] = _when(start)
    if end:
        params["EndTime"] = _when(end)
    try:
        for page in client.get_paginator("lookup_events").paginate(**params):
            for event in page.get("Events", []):
                raw = event.get("CloudTrailEvent")
                if not raw:
                    continue
                try:
                    yield orjson.loads(raw)
                except orjson.JSONDecodeError as exc:
                    raise InputError(f"LookupEvents returned an unreadable event {event.get('EventId')}: {exc}") from None
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
        raise InputError(f"LookupEvents failed: {exc}") from None
