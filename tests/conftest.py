"""Shared pytest configuration.

The packages are importable through the editable install (`make setup`), so nothing
is added to sys.path here. Keep this file light: no Ray, Z3 or boto3 imports at module level.
"""
from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="session", autouse=True)
def _private_data_cache(tmp_path_factory: pytest.TempPathFactory):
    """Data derived from installed packages (solvers/datacache.py) is kept in a folder of the session's,
    not in the user's cache; commands the tests run as subprocesses inherit it."""
    before = os.environ.get("TRUSTMAP_CACHE_DIR")
    os.environ["TRUSTMAP_CACHE_DIR"] = str(tmp_path_factory.mktemp("trustmap-cache"))
    yield
    if before is None:
        os.environ.pop("TRUSTMAP_CACHE_DIR", None)
    else:
        os.environ["TRUSTMAP_CACHE_DIR"] = before
