"""Reading a file the user named on the command line: a path, or `-` for standard input."""
from __future__ import annotations

import sys

from solvers.errors import InputError


def read_limited(path: str, limit: int) -> bytes:
    """At most limit + 1 bytes (so that the caller can tell a file over the limit); InputError when the
    file cannot be read."""
    try:
        if path == "-":
            return sys.stdin.buffer.read(limit + 1)
        with open(path, "rb") as fh:
            return fh.read(limit + 1)
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
