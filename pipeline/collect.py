"""`trustmap collect --out DIR`: enumerate what `scan` would (organization, accounts × Regions × resource
types) without analysing it, and write a snapshot folder. Exit code 0 complete, 3 complete with coverage
gaps, 2 bad usage, no usable credentials, or an endpoint that refuses every connection (then nothing is
written: a snapshot already at `--out` stays as it was)."""
from __future__ import annotations

import json
import re
import sys
from dataclasses import replace
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, ProfileNotFound

from connectors.aws.breaker import CONNECTION_ERRORS, EndpointBreaker, EndpointUnreachable
from connectors.aws.collect import Collection, Selection, collect
from connectors.aws.organization import read_organization
from connectors.aws.resources import RESOURCE_TYPES
from connectors.aws.session import SessionConfig, Sessions
from connectors.errors import ConnectorError
from connectors.snapshot import check_replaceable, write_snapshot
from solvers.errors import InputError

EXIT_GAPS = 3
ACCOUNT_ID = re.compile(r"^\d{12}$")
REGION_NAME = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")


def split_list(text: str | None, option: str, pattern: re.Pattern[str] | None = None,
               allowed: tuple[str, ...] | None = None) -> tuple[str, ...] | None:
    """`A,B,C` → ("A", "B", "C"); None when not given. Names the first bad item."""
    if text is None:
        return None
    items = tuple(dict.fromkeys(i.strip() for i in text.split(",") if i.strip()))
    if not items:
        raise InputError(f"{option}: empty list")
    for item in items:
        if pattern is not None and not pattern.match(item):
            raise InputError(f"{option}: {item!r} is not valid")
        if allowed is not None and item not in allowed:
            raise InputError(f"{option}: unknown resource type {item!r} (one of {', '.join(allowed)})")
    return items


def run_collect(out: str, config: SessionConfig, selection: Selection, accounts_in_flight: int) -> tuple[Collection, int]:
    """Collect and write the snapshot; the exit code says whether anything could not be read."""
    if accounts_in_flight < 1:
        raise InputError("--accounts-in-flight must be at least 1")
    check_replaceable(Path(out))
    probe_endpoint(config)
    config = with_breaker(config)
    try:
        organization = read_organization(Sessions(config))
    except (NoCredentialsError, ProfileNotFound) as exc:
        raise ConnectorError(f"no usable AWS credentials: {exc}") from None
    except (ClientError, BotoCoreError) as exc:  # the caller cannot even identify itself
        raise ConnectorError(f"cannot reach AWS as the caller: {exc}") from None
    collection = collect(config, selection, accounts_in_flight, organization)
    write_snapshot(collection, out)
    return collection, EXIT_GAPS if collection.gaps() else 0


def probe_endpoint(config: SessionConfig) -> None:
    """One call with few retries before anything else: an endpoint that refuses connections from the
    start fails the command in seconds (the breaker catches one that stops answering later)."""
    try:
        Sessions(replace(config, max_attempts=2, retry_mode="standard")).caller_account()
    except CONNECTION_ERRORS as exc:
        raise EndpointUnreachable(f"cannot connect to {config.endpoint_url or 'AWS'}: {exc}") from None
    except (ClientError, BotoCoreError):
        return  # the endpoint answered: credentials and the rest are judged below, as before


def with_breaker(config: SessionConfig) -> SessionConfig:
    """The same settings, with a breaker shared by every client made from them (in this process)."""
    breaker = EndpointBreaker(config.endpoint_url or "AWS", config.give_up_after)
    return replace(config, client_hooks=(*config.client_hooks, breaker))


def summary(collection: Collection, out: str) -> dict:
    return {"out": out, "organizationId": collection.organization.id,
            "accounts": len({s.account for s in collection.scopes}),
            "scopes": len(collection.scopes), "resources": sum(len(s.resources) for s in collection.scopes),
            "apiCalls": collection.api_calls(), "gaps": [g.as_dict() for g in collection.gaps()]}


def print_summary(collection: Collection, out: str, fmt: str) -> None:
    data = summary(collection, out)
    if fmt == "json":
        sys.stdout.write(json.dumps(data) + "\n")
        return
    sys.stdout.write(f"collected {data['resources']} resources from {data['accounts']} accounts "
                     f"({data['scopes']} account-Regions, {data['apiCalls']} API calls) into {out}\n")
    for gap in data["gaps"]:
        sys.stdout.write(f"  gap: {gap['account']} {gap['region']} {gap['resourceType']} "
                         f"{gap['operation']}: {gap['errorCode']}\n")


def _joined(items: tuple[str, ...] | None) -> str | None:
    return ",".join(items) if items else None


def collect_command(out: str, *, config: str | None, accounts: str | None, regions: str | None,
                    resource_types: str | None, role_name: str | None, external_id: str | None,
                    profile: str | None, endpoint_url: str | None, home_region: str | None,
                    accounts_in_flight: int | None, fmt: str, last_accessed: bool | None = None) -> int:
    """The command: the scan's settings (TOML, then the options given) → selection and session
    settings → snapshot and summary. Collect reads the same settings as scan, so it enumerates what
    scan would."""
    from pipeline.settings import load_settings, session_config
    settings = load_settings(config, {
        "out": out, "accounts": _joined(split_list(accounts, "--accounts", ACCOUNT_ID)),
        "regions": _joined(split_list(regions, "--regions", REGION_NAME)),
        "resource_types": _joined(split_list(resource_types, "--resource-types", allowed=RESOURCE_TYPES)),
        "role_name": role_name, "aws_external_id": external_id, "profile": profile, "endpoint_url": endpoint_url,
        "aws_home_region": home_region, "accounts_in_flight": accounts_in_flight, "unused_last_accessed": last_accessed})
    # The file's values are checked like the options' (the options already were).
    regions_ = split_list(",".join(settings.regions), "regions", REGION_NAME) if settings.regions else None
    types = (split_list(",".join(settings.resource_types), "resource_types", allowed=RESOURCE_TYPES)
             if settings.resource_types else None)
    if not REGION_NAME.match(settings.home_region):
        raise InputError(f"home Region {settings.home_region!r} is not valid")
    if accounts_in_flight is not None and accounts_in_flight < 1:
        raise InputError("--accounts-in-flight must be at least 1")
    selection = Selection(accounts=settings.accounts or None, regions=regions_, resource_types=types,
                          iam_usage=settings.unused, last_accessed=settings.unused and settings.unused_last_accessed)
    collection, code = run_collect(out, session_config(settings), selection, settings.accounts_in_flight)
    print_summary(collection, out, fmt)
    return code
