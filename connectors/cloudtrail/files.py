"""CloudTrail log files on disk: `.json` or `.json.gz`, holding `{"Records": [...]}` (what CloudTrail
delivers) or a bare JSON array of records (what many tools export).

Each file is parsed with orjson, which is far faster than an incremental parser. A file as CloudTrail writes
it (compact JSON, every record starting with "eventVersion") is parsed a piece of some ten records at a
time (see `record_pieces`); any other file whole. CloudTrail bounds a delivered file's size, and only one
file is held at a time, so memory stays flat.
"""
from __future__ import annotations

import gzip
import os
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

import orjson

from solvers.errors import InputError

SUFFIXES = (".json", ".json.gz")
# JSON bytes per piece of a file parsed on its own. A delivered file of 500 records is about 0.5 MB of JSON
# and 1.7 MB of parsed objects, more than a core's L2 cache: parsed whole, its records have left the cache by
# the time they are folded and again by the time they are freed. Parsed 16 KB at a time, each piece is built,
# read and freed while it is still in the cache, and the memory it frees is what the next piece reuses:
# parsing and freeing a file measured twice as fast, the fold a little faster too (pieces of 16-24 KB measured
# 5-10% faster than 32-64 KB, smaller ones slower again).
PIECE_BYTES = 16_384
_RECORD_START = b',{"eventVersion":'  # a comma, then a record as CloudTrail writes it
_SPACE = b" \t\r\n"


def is_log_file(name: str) -> bool:
    return name.endswith(SUFFIXES)


def log_files(source: str | os.PathLike) -> Iterator[Path]:
    """The log files of a file or folder (recursively, in sorted order). Raises InputError when the
    source does not exist or holds none."""
    root = Path(source)
    if root.is_file():
        yield root
        return
    if not root.is_dir():
        raise InputError(f"CloudTrail source {str(root)!r} is neither a file nor a folder")
    found = False
    for folder, dirs, names in os.walk(root):
        dirs.sort()
        for name in sorted(names):
            if is_log_file(name):
                found = True
                yield Path(folder) / name
    if not found:
        raise InputError(f"no CloudTrail log files (*.json, *.json.gz) under {str(root)!r}")


def parse_log(data: bytes, name: str) -> list:
    """Records of one log file's bytes (gzip-compressed or not). Raises InputError naming the file."""
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(f"{name}: not a readable gzip file ({exc})") from None
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise InputError(f"{name}: not valid JSON ({exc})") from None
    if isinstance(doc, dict):
        records = doc.get("Records")
        if isinstance(records, list):
            return records
        raise InputError(f"{name}: a JSON object without a \"Records\" list is not a CloudTrail log file")
    if isinstance(doc, list):
        return doc
    raise InputError(f"{name}: expected {{\"Records\": [...]}} or a JSON array of records")


def read_log_file(path: str | os.PathLike) -> list:
    """Records of one file on disk."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    return parse_log(data, str(path))


def _array_span(data: bytes) -> tuple[int, int] | None:
    """Where the records' array of a compact log file starts (its "[") and ends (its "]"), or None."""
    end = len(data)
    while end and data[end - 1] in _SPACE:
        end -= 1
    if data.startswith(b'{"Records":[') and data.endswith(b"]}", 0, end):
        return 11, end - 2
    if data.startswith(b"[") and data.endswith(b"]", 0, end):
        return 0, end - 1
    return None


def record_pieces(data: bytes, name: str, piece: int = PIECE_BYTES) -> Iterator[list]:
    """The records of one log file's bytes (gzip-compressed or not), as consecutive lists of about `piece`
    bytes of JSON each: the same records, in the same order, as `parse_log`. Raises InputError naming the
    file (possibly after some pieces were handed out).

    The records' array is cut before a `,{"eventVersion":` found at least `piece` bytes after the last cut,
    and each piece parsed as an array of its own. Those bytes cannot occur inside a JSON string (its quotes
    would be escaped), so a cut is at a comma between two objects; if that comma is not one between two
    records of the array (an object nested in a record with eventVersion as its first key), the piece before
    it has an unclosed record and does not parse: the file is then parsed whole, and the records not yet
    handed out follow. So a piece that parses holds whole records of the array, and the pieces hold them all."""
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(f"{name}: not a readable gzip file ({exc})") from None
    span = _array_span(data)
    cut = -1 if span is None else data.find(_RECORD_START, span[0] + piece, span[1])
    if span is None or cut < 0:
        yield parse_log(data, name)
        return
    # One mutable copy; each piece is parsed in place through a view, with its first and last byte (the
    # "[" opening the array, or a comma between records) turned into the brackets of an array of its own.
    buf = bytearray(data)
    view = memoryview(buf)
    start, last, done = span[0], span[1], 0
    while start < last:
        cut = buf.find(_RECORD_START, start + piece, last) if start + piece < last else -1
        end = last if cut < 0 else cut
        buf[start], buf[end] = 0x5B, 0x5D  # "[", "]"
        try:
            records = orjson.loads(view[start:end + 1])
        except orjson.JSONDecodeError:
            break
        done += len(records)
        yield records
        start = end
    else:
        return
    yield parse_log(data, name)[done:]  # not a compact file after all: raises, or the records not handed out


def read_log_pieces(path: str | os.PathLike) -> Iterator[list]:
    """Records of one file on disk, a piece at a time (see `record_pieces`); the file is read when the first
    piece is asked for, so every InputError about it comes from iterating."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    yield from record_pieces(data, str(path))


def record_batches(paths: Iterable[str | os.PathLike]) -> Iterator[list]:
    """The records of each file in turn, a piece at a time (see `record_pieces`): a piece is folded and freed
    before the next is parsed."""
    for path in paths:
        yield from read_log_pieces(path)


def iter_records(source: str | os.PathLike) -> Iterator[dict]:
    """Every record under a file or folder, one piece of one file in memory at a time."""
    for records in record_batches(log_files(source)):
        yield from records
