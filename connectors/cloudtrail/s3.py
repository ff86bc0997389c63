"""CloudTrail records from a trail's S3 bucket (`s3://bucket/prefix`).

CloudTrail writes one key per delivered file:
    PREFIX/AWSLogs/ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/ACCOUNT_CloudTrail_REGION_YYYYMMDDTHHmmZ_ID.json.gz
and, for an organization trail, the same below an organization level:
    PREFIX/AWSLogs/o-ORGID/ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/...
Accounts, Regions and days are chosen from the listing (one delimited listing per level, one listing per
selected day) and files are kept by the delivery time in their name, all before anything is downloaded.
The delivery time follows the events it holds (CloudTrail delivers within minutes, rarely later), so a
file is kept when delivered between the window's start and DELIVERY_LAG after its end; the exact window
is applied to eventTime afterwards. Files are downloaded by a few threads, a bounded number at a time.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from connectors.cloudtrail.files import is_log_file, record_pieces
from solvers.errors import InputError

DELIVERY_LAG = dt.timedelta(hours=1)
CLOCK_SLACK = dt.timedelta(minutes=5)
_ACCOUNT = re.compile(r"^\d{12}$")
_ORG = re.compile(r"^o-[a-z0-9]{10,32}$")
_STAMP = re.compile(r"_(\d{8}T\d{4}Z)_[^/]*$")
_TIME = "%Y-%m-%dT%H:%M:%SZ"


@dataclass(frozen=True, slots=True)
class TrailSelection:
    """What to read from a trail bucket. Empty `accounts`/`regions` mean all; `start`/`end` are
    eventTime strings (end exclusive) or None for an open end."""

    bucket: str
    prefix: str
    accounts: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    start: str | None = None
    end: str | None = None

    @classmethod
    def parse(cls, url: str, *, accounts: list[str] | tuple[str, ...] = (),
              regions: list[str] | tuple[str, ...] = (), start: str | None = None,
              end: str | None = None) -> TrailSelection:
        if not url.startswith("s3://"):
            raise InputError(f"not an S3 URL: {url!r}")
        bucket, _, prefix = url[5:].partition("/")
        if not bucket:
            raise InputError(f"no bucket in {url!r} (expected s3://BUCKET[/PREFIX])")
        for account in accounts:
            if not _ACCOUNT.match(account):
                raise InputError(f"account {account!r} is not a 12-digit account id")
        return cls(bucket, prefix, tuple(accounts), tuple(regions), start, end)


@dataclass(frozen=True, slots=True)
class TrailKey:
    key: str
    account: str
    region: str
    delivered: str  # YYYYMMDDTHHmmZ
    size: int = 0  # bytes, as stored (what the listing says)


def _parse_time(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, _TIME)


def _aws_error(exc: Exception, what: str) -> InputError:
    return InputError(f"{what}: {exc}")


def _folders(client: Any, bucket: str, prefix: str) -> list[str]:
    """Names of the 'folders' directly below `prefix` (which ends with '/')."""
    import botocore.exceptions

    names = []
    try:
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix, Delimiter="/"):
            for cp in page.get("CommonPrefixes", []):
                names.append(cp["Prefix"][len(prefix):].rstrip("/"))
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
        raise _aws_error(exc, f"cannot list s3://{bucket}/{prefix}") from None
    return names


def _keys(client: Any, bucket: str, prefix: str) -> Iterator[tuple[str, int]]:
    """(key, size) of every object under the prefix."""
    import botocore.exceptions

    try:
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for obj in page.get("Contents", []):
                yield obj["Key"], obj.get("Size", 0)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
        raise _aws_error(exc, f"cannot list s3://{bucket}/{prefix}") from None


def _logs_root(prefix: str) -> tuple[str, list[str]]:
    """The key prefix ending in 'AWSLogs/', and any levels below it the URL already names."""
    clean = prefix.strip("/")
    head, sep, rest = clean.partition("AWSLogs")
    if sep and (not head or head.endswith("/")):
        return f"{head}AWSLogs/", [p for p in rest.split("/") if p]
    return (f"{clean}/" if clean else "") + "AWSLogs/", []


def _account_roots(client: Any, sel: TrailSelection) -> list[tuple[str, str]]:
    """(account, key prefix ending in 'ACCOUNT/') for every selected account, account or org layout."""
    root, named = _logs_root(sel.prefix)
    level = named[0] if named else None
    tops = [level] if level else _folders(client, sel.bucket, root)
    found: list[tuple[str, str]] = []
    for top in tops:
        if _ACCOUNT.match(top):
            found.append((top, f"{root}{top}/"))
        elif _ORG.match(top):
            below = [named[1]] if level and len(named) > 1 else _folders(client, sel.bucket, f"{root}{top}/")
            found += [(a, f"{root}{top}/{a}/") for a in below if _ACCOUNT.match(a)]
    return [(a, p) for a, p in found if not sel.accounts or a in sel.accounts]


def _days(start: dt.datetime, end: dt.datetime) -> Iterator[dt.date]:
    day = start.date()
    while day <= end.date():
        yield day
        day += dt.timedelta(days=1)


def trail_keys(client: Any, sel: TrailSelection) -> Iterator[TrailKey]:
    """The log files of the selection, chosen from key names alone (nothing is downloaded)."""
    lo = (_parse_time(sel.start) - CLOCK_SLACK) if sel.start else None
    hi = (_parse_time(sel.end) + DELIVERY_LAG) if sel.end else None
    if lo is not None and hi is None:
        hi = dt.datetime.now(dt.UTC).replace(tzinfo=None) + DELIVERY_LAG
    lo_stamp = lo.strftime("%Y%m%dT%H%MZ") if lo else None
    hi_stamp = hi.strftime("%Y%m%dT%H%MZ") if hi else None
    for account, account_prefix in _account_roots(client, sel):
        regions = _folders(client, sel.bucket, f"{account_prefix}CloudTrail/")
        for region in regions:
            if sel.regions and region not in sel.regions:
                continue
            region_prefix = f"{account_prefix}CloudTrail/{region}/"
            if lo is not None and hi is not None:
                prefixes = [f"{region_prefix}{d:%Y/%m/%d}/" for d in _days(lo, hi)]
            else:
                prefixes = [region_prefix]
            for prefix in prefixes:
                for key, size in _keys(client, sel.bucket, prefix):
                    stamp = _STAMP.search(key)
                    if not stamp or not is_log_file(key):
                        continue
                    delivered = stamp.group(1)
                    if (lo_stamp and delivered < lo_stamp) or (hi_stamp and delivered > hi_stamp):
                        continue
                    yield TrailKey(key, account, region, delivered, size)


def download_trail_object(client: Any, bucket: str, key: str) -> bytes:
    """The bytes of one delivered log file, as stored (usually gzip)."""
    import botocore.exceptions

    try:
        return client.get_object(Bucket=bucket, Key=key)["Body"].read()
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
        raise _aws_error(exc, f"cannot read s3://{bucket}/{key}") from None


def trail_batches(client: Any, sel: TrailSelection, *, workers: int = 8) -> Iterator[list]:
    """The records of the selected files, a piece of a file at a time (see files.record_pieces), downloading
    up to 2 x `workers` files ahead of the reader; the reader parses."""
    pending: deque[tuple[str, Future]] = deque()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        try:
            for tk in trail_keys(client, sel):
                pending.append((tk.key, pool.submit(download_trail_object, client, sel.bucket, tk.key)))
                if len(pending) >= 2 * workers:
                    key, fut = pending.popleft()
                    yield from record_pieces(fut.result(), f"s3://{sel.bucket}/{key}")
            while pending:
                key, fut = pending.popleft()
                yield from record_pieces(fut.result(), f"s3://{sel.bucket}/{key}")
        finally:
            for _, fut in pending:
                fut.cancel()


def trail_records(client: Any, sel: TrailSelection, *, workers: int = 8) -> Iterator[dict]:
    """Every record of the selected files (see trail_batches)."""
    for records in trail_batches(client, sel, workers=workers):
        yield from records
