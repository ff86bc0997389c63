"""`trustmap generate`: a least-privilege policy for one role or user from its CloudTrail activity.

Also the pieces an organization-wide run distributes (a Ray task can call each as is):
`map_log_file` (one log file → a partial of every principal's activity), `reduce_partials` (partials →
one), and `policies_of` (a reduced partial → a GetGeneratedPolicy response per principal).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import reduce
from itertools import islice

from solvers.catalog import gc_paused, load_catalog
from solvers.errors import InputError
from solvers.generation.activity import ActivityAccumulator, canonical, empty_partial, merge_partials
from solvers.generation.builder import GenerationOptions, generated_policy_result
from solvers.generation.principals import parse_principal_arn
from solvers.generation.resources import ResourceCatalog

LOOKUP_EVENTS = "lookup-events"
LOOKUP_LIST = 256  # LookupEvents records folded at a time (it returns at most 50 a page)


@dataclass(frozen=True, slots=True)
class Window:
    """[start, end) as CloudTrail eventTime strings ("2024-08-01T13:52:02Z"); None is open."""

    start: str | None = None
    end: str | None = None


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str | None, option: str) -> str | None:
    """An ISO-8601 date or date-time (naive means UTC) → CloudTrail's eventTime spelling."""
    if text is None or text == "":
        return None
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        raise InputError(f"{option}: {text!r} is not an ISO-8601 date or time (e.g. 2024-08-01T00:00:00Z)") from None
    if when.tzinfo is not None:
        when = when.astimezone(dt.UTC).replace(tzinfo=None)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def window_of(start: str | None, end: str | None) -> Window:
    window = Window(parse_time(start, "--start"), parse_time(end, "--end"))
    if window.start and window.end and window.start >= window.end:
        raise InputError(f"--start ({window.start}) must be before --end ({window.end})")
    return window


def map_log_file(path: str, window: Window = Window()) -> dict:
    """One local log file → a partial of every principal's activity in it (see solvers.generation.activity)."""
    return map_log_files([path], window)


class LogFolder:
    """One map task's fold of log files into one partial: `fold` or `fold_object` any number of times, then
    `partial` once. A file whose content cannot be read is named in the partial's "unreadable" list; the
    others are folded."""

    def __init__(self, window: Window = Window()):
        self._acc: ActivityAccumulator | None = ActivityAccumulator(load_catalog(), start=window.start,
                                                                      end=window.end)

    def fold(self, paths: Iterable[str]) -> None:
        """Local log files."""
        from connectors.cloudtrail.files import read_log_pieces

        for path in paths:
            self._fold_pieces(read_log_pieces(path))

    def fold_object(self, data: bytes, name: str) -> None:
        """One log file's bytes, as stored (a trail-bucket object)."""
        from connectors.cloudtrail.files import record_pieces

        self._fold_pieces(record_pieces(data, name))

    def _fold_pieces(self, pieces: Iterator[list]) -> None:
        assert self._acc is not None, "fold after partial"
        with gc_paused():
            try:
                for records in pieces:
                    self._acc.add_all(records)
            except InputError as exc:
                self._acc.unreadable(str(exc))

    def partial(self) -> dict:
        assert self._acc is not None, "partial twice"
        # Made, and the accumulator dropped, before the collector runs again: the accumulator's tens of
        # thousands of objects are freed by reference counting instead of walked by a collection first
        # (20-40 ms a batch of 100,000 events).
        with gc_paused():
            partial = self._acc.partial()
            self._acc = None
        return partial


def map_log_files(paths: Iterable[str], window: Window = Window()) -> dict:
    """A batch of local log files → one partial. A task over a batch merges far less than one per file."""
    folder = LogFolder(window)
    folder.fold(paths)
    return folder.partial()


def reduce_partials(partials: Iterable[dict]) -> dict:
    return reduce(merge_partials, partials, empty_partial())


def policies_of(partial: dict, options: GenerationOptions | None = None,
                window: Window = Window()) -> dict[str, dict]:
    """A GetGeneratedPolicy response for every role and user with activity in a reduced partial,
    keyed by the principal's ARN."""
    catalog = load_catalog()
    resources = ResourceCatalog(catalog)
    stamp = _now()
    return {p["arn"]: generated_policy_result(
                p["arn"], p, catalog, options or GenerationOptions(),
                start_time=window.start or partial["firstEventTime"], end_time=window.end or partial["lastEventTime"],
                started_on=stamp, completed_on=_now(), resources=resources)
            for p in partial["principals"].values()}


def _record_lists(source: str, window: Window, *, endpoint_url: str | None, profile: str | None,
                  region: str | None, accounts: list[str], regions: list[str]) -> Iterator[list]:
    """The records of SOURCE as consecutive lists: pieces of each log file (see record_pieces), or pages of
    LookupEvents."""
    if source == LOOKUP_EVENTS:
        from connectors.cloudtrail.clients import session_client
        from connectors.cloudtrail.lookup import lookup_records
        client = session_client("cloudtrail", profile=profile, region=region, endpoint_url=endpoint_url)
        records = lookup_records(client, window.start, window.end)
        while page := list(islice(records, LOOKUP_LIST)):
            yield page
    elif source.startswith("s3://"):
        from connectors.cloudtrail.clients import session_client
        from connectors.cloudtrail.s3 import TrailSelection, trail_batches
        client = session_client("s3", profile=profile, region=region, endpoint_url=endpoint_url)
        selection = TrailSelection.parse(source, accounts=accounts, regions=regions,
                                         start=window.start, end=window.end)
        yield from trail_batches(client, selection)
    else:
        from connectors.cloudtrail.files import log_files, record_batches
        yield from record_batches(log_files(source))


def generate(source: str, principal: str, *, start: str | None = None, end: str | None = None,
             options: GenerationOptions | None = None, endpoint_url: str | None = None,
             profile: str | None = None, region: str | None = None, accounts: list[str] | None = None,
             regions: list[str] | None = None) -> dict:
    """The GetGeneratedPolicy response for PRINCIPAL from the activity in SOURCE."""
    started = _now()
    key, arn = parse_principal_arn(principal)
    window = window_of(start, end)
    acc = ActivityAccumulator(load_catalog(), start=window.start, end=window.end, only=key)
    with gc_paused():
        for records in _record_lists(source, window, endpoint_url=endpoint_url, profile=profile, region=region,
                                     accounts=accounts or [], regions=regions or []):
            acc.add_all(records)
    partial = acc.partial()
    activity = partial["principals"].get(canonical(key))
    options = options or GenerationOptions()
    reported = activity["arn"] if activity else arn
    service_level: list[str] = []
    if options.service_level_template and (source == LOOKUP_EVENTS or source.startswith("s3://")):
        # Sources read from AWS also read IAM's last-accessed data, as Access Analyzer does; a local
        # folder stays offline and relies on the services of its unmappable events.
        from connectors.cloudtrail.clients import session_client
        from connectors.cloudtrail.last_accessed import services_last_accessed
        iam = session_client("iam", profile=profile, region=region, endpoint_url=endpoint_url)
        service_level = services_last_accessed(iam, reported, window.start)
    result = generated_policy_result(
        reported, activity, load_catalog(), options,
        start_time=window.start or partial["firstEventTime"], end_time=window.end or partial["lastEventTime"],
        started_on=started, completed_on=_now(), service_level=service_level)
    result["activity"]["sourceEvents"] = partial["events"]
    result["activity"]["skippedEvents"] = partial["skipped"]
    return result


def print_generated(result: dict, fmt: str) -> None:
    """JSON: the response alone on stdout. Text: each policy, then what could not be turned into one."""
    import json
    import sys

    if fmt == "json":
        sys.stdout.write(json.dumps(result) + "\n")
        return
    from rich.console import Console

    console = Console()
    props = result["generatedPolicyResult"]["properties"]
    activity = result["activity"]
    console.print(f"[bold]{props['principalArn']}[/]: {activity['events']} events "
                  f"({activity['deniedEvents']} denied), {activity['actions']} actions", highlight=False)
    policies = result["generatedPolicyResult"]["generatedPolicies"]
    for i, generated in enumerate(policies, 1):
        console.print(f"[bold]policy {i} of {len(policies)}[/]", highlight=False)
        console.print_json(generated["policy"])
    if not policies:
        console.print("no activity in the window: nothing to generate", highlight=False)
    for item in activity["unmappedEvents"]:
        console.print(f"[yellow]unmappable[/] {item['event']} x{item['count']}", highlight=False)
    for item in activity["notObservable"]:
        console.print(f"[yellow]not observable[/] {item['action']} (needed by {', '.join(item['neededBy'])})",
                      highlight=False)
