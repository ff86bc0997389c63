"""Org-wide least-privilege policies inside the scan: a Ray map over CloudTrail log files (batches of
local files, or batches of keys of a trail bucket), a reduce of the per-principal partials on the
driver, and one GetGeneratedPolicy document per role and user with activity, in `policies/`."""
from __future__ import annotations

import re
from pathlib import Path

# A map task folds log files until it holds about TASK_BYTES of them as stored (gzip: some 100,000 events)
# or MAX_FILES_PER_TASK files. Each task starts a fresh accumulator: its first event of every principal and
# kind of event, and its first call naming each resource, take the slow path, so tasks of a few files (an
# account's five-minute file often holds a dozen events) would spend most of their time there.
TASK_BYTES = 8 * 2**20
MAX_FILES_PER_TASK = 2_000


def size_batches(items: list[tuple[str, int]], task_bytes: int = TASK_BYTES,
                 max_files: int = MAX_FILES_PER_TASK) -> list[list[str]]:
    """Consecutive batches of (name, size) items, each closed once it holds `task_bytes` or `max_files`."""
    batches: list[list[str]] = []
    current: list[str] = []
    held = 0
    for name, size in items:
        current.append(name)
        held += max(size, 0)
        if held >= task_bytes or len(current) >= max_files:
            batches.append(current)
            current, held = [], 0
    if current:
        batches.append(current)
    return batches


def map_trail_keys(bucket: str, keys: list[str], endpoint_url: str | None, profile: str | None,
                   region: str | None, start: str | None, end: str | None) -> dict:
    """One Ray task: read a batch of trail-bucket objects (its own client) into one partial. An object whose
    content cannot be read is named in the partial's "unreadable" list and the others are folded; an object
    that cannot be downloaded (credentials, permissions) fails the task, a gap for the whole batch."""
    from connectors.cloudtrail.clients import session_client
    from connectors.cloudtrail.s3 import download_trail_object
    from pipeline.generate import LogFolder, Window
    client = session_client("s3", profile=profile, region=region, endpoint_url=endpoint_url)
    folder = LogFolder(Window(start, end))
    for key in keys:
        folder.fold_object(download_trail_object(client, bucket, key), f"s3://{bucket}/{key}")
    return folder.partial()


def map_local_files(paths: list[str], start: str | None, end: str | None) -> dict:
    from pipeline.generate import Window, map_log_files
    return map_log_files(paths, Window(start, end))


def generation_tasks(source: str, endpoint_url: str | None, profile: str | None, region: str | None,
                     start: str | None, end: str | None) -> list[tuple]:
    """(function, args) per map task; listing happens on the driver, reading in the tasks."""
    if source.startswith("s3://"):
        from connectors.cloudtrail.clients import session_client
        from connectors.cloudtrail.s3 import TrailSelection, trail_keys
        client = session_client("s3", profile=profile, region=region, endpoint_url=endpoint_url)
        selection = TrailSelection.parse(source, start=start, end=end)
        keys = [(k.key, k.size) for k in trail_keys(client, selection)]
        return [(map_trail_keys, (selection.bucket, batch, endpoint_url, profile, region, start, end))
                for batch in size_batches(keys)]
    from connectors.cloudtrail.files import log_files
    paths = [(str(p), _size(p)) for p in log_files(source)]
    return [(map_local_files, (batch, start, end)) for batch in size_batches(paths)]


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # its map task names it as unreadable


def log_gap(error_code: str, message: str) -> dict:
    """A coverage gap of the CloudTrail logs read for generation."""
    return {"account": "", "region": "", "resourceType": "AWS::CloudTrail::Trail", "operation": "ReadLogs",
            "errorCode": error_code, "message": message[:500]}


def unreadable_gaps(partial: dict | None) -> list[dict]:
    """A coverage gap per log file a map task could not read (the rest of its batch was folded)."""
    return [] if partial is None else [log_gap("UnreadableLogFile", m) for m in partial["unreadable"]]


def write_policies(out: Path, partials: list[dict], start: str | None, end: str | None) -> dict:
    """Reduce the partials, build each principal's policy, write policies/*.json; returns the index."""
    from pipeline.artifacts import write_json
    from pipeline.generate import Window, policies_of, reduce_partials
    generated = policies_of(reduce_partials(partials), window=Window(start, end)) if partials else {}
    index = {}
    for arn, result in sorted(generated.items()):
        name = re.sub(r"[^A-Za-z0-9._-]+", "_", arn.split(":", 4)[-1]) + ".json"
        write_json(out / "policies" / name, result)
        index[arn] = f"policies/{name}"
    write_json(out / "policies" / "index.json", index)
    return index
