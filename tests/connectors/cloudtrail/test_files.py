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


def _compact_records(n: int) -> list:
    """Records as CloudTrail writes them (eventVersion first), with objects nested in them that also start
    with eventVersion, and a string holding the bytes a piece is cut before."""
    return [{"eventVersion": "1.08", "eventName": f"E{i}", "eventTime": "2024-01-01T00:00:00Z",
             "nested": [{"eventVersion": "x"}, {"eventVersion": "y", "z": {"eventVersion": 1}}],
             "note": ',{"eventVersion":' if i % 3 == 0 else "plain"} for i in range(n)]


@pytest.mark.parametrize("shape", ["records", "array"])
@pytest.mark.parametrize("wrap", ["plain", "gzip", "trailing-newline", "indented"])
def test_a_file_read_a_piece_at_a_time_gives_the_records_of_the_whole_file(shape, wrap):
    import itertools

    import orjson

    from connectors.cloudtrail.files import parse_log, record_pieces

    records = _compact_records(40)
    doc = {"Records": records} if shape == "records" else records
    data = json.dumps(doc, indent=1).encode() if wrap == "indented" else orjson.dumps(doc)
    data = {"gzip": gzip.compress(data), "trailing-newline": data + b"\n"}.get(wrap, data)
    assert parse_log(data, "x") == records
    for piece in (1, 50, 333, 1_000, 10**6):
        pieces = list(record_pieces(data, "x", piece))
        assert list(itertools.chain(*pieces)) == records
    if wrap != "indented":  # records without nested objects starting with eventVersion: a piece per record
        plain = [{k: v for k, v in r.items() if k != "nested"} for r in records]
        data = orjson.dumps({"Records": plain} if shape == "records" else plain)
        assert list(record_pieces(data, "x", 1)) == [[r] for r in plain]


@pytest.mark.parametrize("content", [
    b'{"Records":[{"eventVersion":1},{"eventVersion":2},{"eventVersion":3]}',  # broken in the last piece
    b'[{"eventVersion":1},{"eventVersion":2},]',
    b'{"Records":[{"eventVersion":1},{"eventVersion":2}]}  x',
])
def test_a_broken_compact_file_is_an_input_error_read_a_piece_at_a_time(content):
    from connectors.cloudtrail.files import record_pieces

    with pytest.raises(InputError):
        list(record_pieces(content, "bad.json", 1))
