"""Snapshots: everything one collection gathered, as a folder an audit can re-run offline, diff and share.

    DIR/organization.json                 the organization (accounts, OUs, SCPs/RCPs, delegated admins)
    DIR/accounts/<account>/<region>.json  one (account, Region): resources, gaps, and for the account's
                                          home Region its account record and IAM authorization details
    DIR/snapshot.json                     index: format version, counts, the files

Every file is written to a temporary name and renamed, so a reader never sees half a file. Keys are
sorted and indented, so two snapshots diff line by line.
"""
from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path

import orjson

from connectors.aws.collect import Collection, ScopeResult
from connectors.aws.organization import Organization
from connectors.errors import SnapshotError

FORMAT = "trustmap-snapshot/1"
ORGANIZATION_FILE = "organization.json"
INDEX_FILE = "snapshot.json"
ACCOUNTS_DIR = "accounts"
_SAFE_NAME = re.compile(r"^[A-Za-z0-9-]+$")  # account ids and Region names; never a path


def _write(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n")
    os.replace(tmp, path)


def scope_path(root: Path, account: str, region: str) -> Path:
    if not (_SAFE_NAME.match(account) and _SAFE_NAME.match(region)):
        raise SnapshotError(f"not an account id and Region: {account!r}, {region!r}")
    return root / ACCOUNTS_DIR / account / f"{region}.json"


def write_snapshot(collection: Collection, out_dir: str | os.PathLike[str]) -> Path:
    """Write the snapshot folder (created if needed) and return its path."""
    root = Path(out_dir)
    try:
        files = []
        for scope in collection.scopes:
            path = scope_path(root, scope.account, scope.region)
            _write(path, scope.as_dict())
            files.append(str(path.relative_to(root)))
        _write(root / ORGANIZATION_FILE, collection.organization.as_dict())
        _write(root / INDEX_FILE, {
            "format": FORMAT, "createdAt": datetime.now(UTC).isoformat(timespec="seconds"),
            "accounts": len({s.account for s in collection.scopes}), "files": sorted(files),
            "resources": sum(len(s.resources) for s in collection.scopes), "gaps": len(collection.gaps()),
            "apiCalls": collection.api_calls()})
    except OSError as exc:
        raise SnapshotError(f"cannot write snapshot {root}: {exc.strerror or exc}") from None
    return root


def _read(path: Path) -> dict:
    try:
        data = orjson.loads(path.read_bytes())
    except OSError as exc:
        raise SnapshotError(f"cannot read {path}: {exc.strerror or exc}") from None
    except orjson.JSONDecodeError as exc:
        raise SnapshotError(f"{path} is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise SnapshotError(f"{path} does not hold a JSON object")
    return data


def read_snapshot(snapshot_dir: str | os.PathLike[str]) -> Collection:
    """The collection a snapshot folder holds (what `collect` returned when it was written)."""
    root = Path(snapshot_dir)
    index = _read(root / INDEX_FILE)
    if index.get("format") != FORMAT:
        raise SnapshotError(f"{root} is not a {FORMAT} snapshot (format {index.get('format')!r})")
    try:
        organization = Organization.from_dict(_read(root / ORGANIZATION_FILE))
        scopes = tuple(ScopeResult.from_dict(_read(path)) for path in sorted((root / ACCOUNTS_DIR).glob("*/*.json")))
    except (KeyError, TypeError) as exc:
        raise SnapshotError(f"{root} has a file of the wrong shape ({type(exc).__name__}: {exc})") from None
    return Collection(organization, scopes)
