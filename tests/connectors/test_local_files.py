"""Reading a file the user named: at most limit + 1 bytes whatever the file (so that the caller can tell
one over the limit), from regular files, pipes and files that grow after their size was read."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from connectors import local_files
from connectors.local_files import read_limited
from solvers.errors import InputError


@pytest.mark.parametrize(("size", "limit"), [(0, 10), (5, 10), (10, 10), (11, 10), (50, 10), (3000, 2048)])
def test_regular_files_give_at_most_limit_plus_one_bytes(tmp_path: Path, size: int, limit: int) -> None:
    path = tmp_path / "p.json"
    path.write_bytes(bytes(range(256)) * (size // 256) + b"x" * (size % 256))
    assert read_limited(str(path), limit) == path.read_bytes()[:limit + 1]


def test_pipes_and_growing_files_are_read_past_their_stated_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    read, write = os.pipe()
    os.write(write, b"y" * 30)
    os.close(write)
    assert read_limited(f"/dev/fd/{read}", 10) == b"y" * 11
    os.close(read)
    path = tmp_path / "growing.json"
    path.write_bytes(b"z" * 100)
    real = os.fstat
    monkeypatch.setattr(local_files.os, "fstat", lambda fd: os.stat_result((*real(fd)[:6], 40, *real(fd)[7:])))
    assert read_limited(str(path), 60) == b"z" * 61 and read_limited(str(path), 1000) == b"z" * 100


def test_an_unreadable_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        read_limited(str(tmp_path / "missing.json"), 10)
