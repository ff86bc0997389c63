"""Local CloudTrail files: .json / .json.gz, {"Records": [...]} or a bare array, folders, bad files."""
from __future__ import annotations

import gzip
import json

import pytest

from connectors.cloudtrail.files import iter_records, log_files, read_log_file
from solvers.errors import InputError

RECORDS = [{"eventName": "A", "eventTime": "2024-01-01T00:00:00Z"}, {"eventName": "B", "eventTime": "2024-01-01T00:00:01Z"}]


def test_all_four_shapes_read_the_same_records(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps({"Records": RECORDS}))
    (tmp_path / "b.json").write_text(json.dumps(RECORDS))
    (tmp_path / "c.json.gz").write_bytes(gzip.compress(json.dumps({"Records": RECORDS}).encode()))
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "d.json.gz").write_bytes(gzip.compress(json.dumps(RECORDS).encode()))
    (tmp_path / "notes.txt").write_text("ignored")
    assert [p.name for p in log_files(tmp_path)] == ["a.json", "b.json", "c.json.gz", "d.json.gz"]
    for path in log_files(tmp_path):
        assert read_log_file(path) == RECORDS
    assert [r["eventName"] for r in iter_records(tmp_path)] == ["A", "B"] * 4


def test_a_single_file_is_a_source(tmp_path):
    path = tmp_path / "x.json"
    path.write_text(json.dumps(RECORDS))
    assert list(iter_records(path)) == RECORDS


@pytest.mark.parametrize("content", [b"{not json", b'{"Events": []}', b'"text"', gzip.compress(b"[")[:-4]])
def test_unreadable_files_are_input_errors(tmp_path, content):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(InputError):
        read_log_file(path)


def test_missing_or_empty_sources_are_input_errors(tmp_path):
    with pytest.raises(InputError):
        list(iter_records(tmp_path / "missing"))
    with pytest.raises(InputError):
        list(iter_records(tmp_path))
