"""CloudTrail log files on disk: `.json` or `.json.gz`, holding `{"Records": [...]}` (what CloudTrail
delivers) or a bare JSON array of records (what many tools export).

Each file is read and parsed whole with orjson, which is far faster than an incremental parser; CloudTrail
bounds a delivered file's size, and only one file is held at a time, so memory stays flat.
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
# Files parsed before their records are handed on. Parsing a few files in a row, then folding their
# records, measured 15-25% faster than alternating file by file (the parser's and the interpreter's
# loops evict each other less); memory stays bounded by this many files.
FILES_PER_BATCH = 8


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


def record_batches(paths: Iterable[str | os.PathLike], size: int = FILES_PER_BATCH) -> Iterator[list]:
    """The record lists of `size` files at a time (see FILES_PER_BATCH)."""
    batch: list[list] = []
    for path in paths:
        batch.append(read_log_file(path))
        if len(batch) >= size:
            yield from batch
            batch = []
    yield from batch


def iter_records(source: str | os.PathLike) -> Iterator[dict]:
    """Every record under a file or folder, a few files in memory at a time."""
    for records in record_batches(log_files(source)):
        yield from records
