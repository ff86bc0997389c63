"""A local AWS emulator: moto's server as a subprocess on 127.0.0.1 and a free port.

moto is a development dependency (the `dev` extra); this module imports nothing from it, it runs
`python -m moto.server`, so it fails with a one-line error when moto is not installed.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

from connectors.errors import ConnectorError


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def moto_server(startup_seconds: float = 60.0) -> Iterator[str]:
    """Start moto's server, wait until it answers, yield its URL, stop it."""
    port = free_port()
    # moto otherwise gives every account ~1,300 snapshots of its built-in AMIs, which AWS accounts do not have.
    env = {**os.environ, "MOTO_EC2_LOAD_DEFAULT_AMIS": "false"}
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + startup_seconds
        while True:
            try:
                urllib.request.urlopen(f"{url}/moto-api/data.json", timeout=2).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise ConnectorError(f"the local emulator did not start (moto.server exit code {proc.poll()}; "
                                         "is the dev extra installed?)") from None
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
