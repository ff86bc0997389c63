"""Importing the CLI must not load Ray, Z3 or boto3 (keeps `trustmap --help` fast)."""

from __future__ import annotations

import subprocess
import sys

PROBE = (
    "import pipeline.cli, sys; "
    "bad=[m for m in ('ray','z3','boto3','botocore') if m in sys.modules]; "
    "print(bad); sys.exit(1 if bad else 0)"
)


def test_cli_import_does_not_load_heavy_modules() -> None:
    proc = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"stdout={proc.stdout!r} stderr={proc.stderr!r}"
    assert proc.stdout.strip() == "[]"
