"""Fixtures: one moto server for the whole session, a seeded demo organization of 20 accounts × 2 Regions,
and its enumeration through assume-role (the expensive parts, shared by the connector tests)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from aws_emulator import DEMO_ACCOUNTS, DEMO_REGIONS, FAKE_CREDENTIALS, moto_server  # noqa: E402


@pytest.fixture(scope="session")
def aws_env():
    """Fake credentials and no user configuration: nothing here may reach a real account."""
    with pytest.MonkeyPatch.context() as mp:
        for key, value in FAKE_CREDENTIALS.items():
            mp.setenv(key, value)
        mp.setenv("AWS_CONFIG_FILE", "/dev/null")
        mp.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        mp.delenv("AWS_PROFILE", raising=False)
        yield


@pytest.fixture(scope="session")
def moto_url(aws_env):
    with moto_server() as url:
        yield url


@pytest.fixture(scope="session")
def demo_manifest(moto_url, tmp_path_factory):
    from connectors.demo.seed import seed_demo
    path = tmp_path_factory.mktemp("demo") / "manifest.json"
    manifest = seed_demo(moto_url, accounts=DEMO_ACCOUNTS, regions=DEMO_REGIONS, manifest_path=path)
    manifest["_path"] = str(path)
    return manifest


@pytest.fixture(scope="session")
def session_config(moto_url):
    from connectors.aws.session import SessionConfig
    return SessionConfig(endpoint_url=moto_url)


@pytest.fixture(scope="session")
def full_collection(demo_manifest, session_config):
    from connectors.aws.collect import Selection, collect
    return collect(session_config, Selection(regions=DEMO_REGIONS), accounts_in_flight=8)
