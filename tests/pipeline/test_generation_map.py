"""The map tasks of org-wide generation: a log file that cannot be read is named in the partial, and the
other files of its batch are still folded (one bad file never costs the rest of its batch). The same for
a trail bucket's objects: tests/connectors/cloudtrail/test_s3.py."""
from __future__ import annotations

import gzip
import json
from pathlib import Path

from pipeline.generate import map_log_files, reduce_partials
from pipeline.scan_generation import generation_tasks, map_local_files, size_batches, unreadable_gaps
from solvers.generation.activity import empty_partial, merge_partials

ACCOUNT = "123456789012"


def _records(n: int) -> list[dict]:
    identity = {"type": "AssumedRole", "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/app/s",
                "sessionContext": {"sessionIssuer": {"type": "Role", "arn": f"arn:aws:iam::{ACCOUNT}:role/app"}}}
    return [{"eventVersion": "1.08", "eventTime": f"2024-08-01T00:{i % 60:02d}:00Z", "eventType": "AwsApiCall",
             "eventSource": "sqs.amazonaws.com", "eventName": "ListQueues", "awsRegion": "us-east-1",
             "recipientAccountId": ACCOUNT, "userIdentity": identity} for i in range(n)]


def _good(n: int) -> bytes:
    return gzip.compress(json.dumps({"Records": _records(n)}, separators=(",", ":")).encode())


BAD = {"broken.json.gz": b"\x1f\x8bnot gzip at all", "truncated.json": b'{"Records":[{"eventVersion":"1.08",',
       "no-records.json": b'{"Events": []}'}


def test_unreadable_local_files_are_named_and_the_rest_of_the_batch_is_folded(tmp_path: Path) -> None:
    paths = []
    for name, body in [("a.json.gz", _good(30)), *BAD.items(), ("b.json.gz", _good(12))]:
        (tmp_path / name).write_bytes(body)
        paths.append(str(tmp_path / name))
    partial = map_log_files(paths)
    assert partial["events"] == 42
    assert partial["principals"][f"arn:aws:iam::{ACCOUNT}:role/app"]["actions"]["sqs:ListQueues"]["count"] == 42
    assert len(partial["unreadable"]) == 3
    for name in BAD:
        assert sum(name in message for message in partial["unreadable"]) == 1, (name, partial["unreadable"])
    gaps = unreadable_gaps(partial)
    assert {g["errorCode"] for g in gaps} == {"UnreadableLogFile"} and len(gaps) == 3


def test_unreadable_lists_merge_in_any_order(tmp_path: Path) -> None:
    (tmp_path / "x.json").write_bytes(b"[")
    (tmp_path / "y.json").write_bytes(b"{")
    one, two = map_log_files([str(tmp_path / "x.json")]), map_log_files([str(tmp_path / "y.json")])
    assert merge_partials(one, two) == merge_partials(two, one)
    assert reduce_partials([one, two])["unreadable"] == sorted(one["unreadable"] + two["unreadable"])
    assert empty_partial()["unreadable"] == [] and unreadable_gaps(None) == []


def test_batches_close_at_the_byte_or_file_limit() -> None:
    items = [(f"f{i}", 3) for i in range(10)]
    assert size_batches(items, task_bytes=7, max_files=100) == [["f0", "f1", "f2"], ["f3", "f4", "f5"],
                                                                 ["f6", "f7", "f8"], ["f9"]]
    assert size_batches(items, task_bytes=1000, max_files=4) == [["f0", "f1", "f2", "f3"], ["f4", "f5", "f6", "f7"],
                                                                 ["f8", "f9"]]
    assert size_batches([]) == []
    assert [n for b in size_batches(items, task_bytes=1, max_files=1) for n in b] == [n for n, _ in items]


def test_local_tasks_cover_every_file_once_and_fold_like_one_pass(tmp_path: Path, monkeypatch) -> None:
    import pipeline.scan_generation as scan_generation
    for i in range(7):
        (tmp_path / f"{i}.json.gz").write_bytes(_good(3 + i))
    assert len(generation_tasks(str(tmp_path), None, None, None, None, None)) == 1  # a few small files
    monkeypatch.setattr(scan_generation, "size_batches", lambda items: size_batches(items, task_bytes=400))
    tasks = generation_tasks(str(tmp_path), None, None, None, None, None)
    assert 2 < len(tasks) < 7
    listed = [path for fn, (batch, _, _) in tasks for path in batch]
    assert sorted(listed) == sorted(str(p) for p in tmp_path.iterdir()) and all(fn is map_local_files for fn, _ in tasks)
    together = reduce_partials(fn(*args) for fn, args in tasks)
    assert together == map_log_files(sorted(listed))
