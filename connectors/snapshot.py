"""Snapshots: everything one collection gathered, as a folder an audit can re-run offline, diff and share.

    DIR/organization.json                 the organization (accounts, OUs, SCPs/RCPs, delegated admins)
    DIR/accounts/<account>/<region>.json  one (account, Region): resources, gaps, and for the account's
                                          home Region its account record and IAM authorization details
    DIR/snapshot.json                     index: format version, what was selected, counts, the files

The index is the truth: a reader reads exactly the files it lists. A listed file that is missing, or an
account the collection was meant to cover (every active account of the organization, unless accounts
were selected) without any file, comes back as a coverage gap; files the index does not list are
ignored. A snapshot is written into a fresh folder beside DIR and renamed into place, so files of an
earlier collection are never mixed in and a reader never sees half a snapshot. Keys are sorted and
indented, so two snapshots diff line by line.
"""
from __future__ import annotations

import os
import re
import secrets
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import orjson

from connectors.aws.collect import ACCOUNT_TYPE, Collection, ScopeResult, Selection
from connectors.aws.gaps import CoverageGap
from connectors.aws.organization import Organization
from connectors.aws.scope import GLOBAL_REGION
from connectors.errors import SnapshotError

T = TypeVar("T")

FORMAT = "trustmap-snapshot/1"
ORGANIZATION_FILE = "organization.json"
INDEX_FILE = "snapshot.json"
ACCOUNTS_DIR = "accounts"
_SAFE_NAME = re.compile(r"^[A-Za-z0-9-]+$")  # account ids and Region names; never a path
_SCOPE_FILE = re.compile(rf"^{ACCOUNTS_DIR}/([A-Za-z0-9-]+)/([A-Za-z0-9-]+)\.json$")
MISSING = "SnapshotFileMissing"


def _write(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n")


def scope_path(root: Path, account: str, region: str) -> Path:
    if not (_SAFE_NAME.match(account) and _SAFE_NAME.match(region)):
        raise SnapshotError(f"not an account id and Region: {account!r}, {region!r}")
    return root / ACCOUNTS_DIR / account / f"{region}.json"


def _selection_dict(selection: Selection | None) -> dict | None:
    if selection is None:
        return None
    return {"accounts": selection.accounts, "regions": selection.regions, "resourceTypes": selection.resource_types,
            "iamUsage": selection.iam_usage, "lastAccessed": selection.last_accessed}


def check_replaceable(root: Path) -> None:
    """`collect` replaces a snapshot folder, or fills a new or empty one; any other folder is the user's."""
    if root.is_symlink() or (root.exists() and not root.is_dir()):
        raise SnapshotError(f"{root} exists and is not a folder")
    if root.is_dir() and any(root.iterdir()) and not (root / INDEX_FILE).is_file():
        raise SnapshotError(f"{root} is not empty and holds no snapshot: give a new, an empty or a snapshot folder")


def write_snapshot(collection: Collection, out_dir: str | os.PathLike[str]) -> Path:
    """Write the snapshot into a fresh folder beside `out_dir`, then rename it into place (replacing an
    earlier snapshot there, whole). Returns the path."""
    root = Path(out_dir)
    check_replaceable(root)
    fresh = root.with_name(f".{root.name}.{secrets.token_hex(4)}.new")
    try:
        fresh.mkdir(parents=True)
        files = []
        for scope in collection.scopes:
            path = scope_path(fresh, scope.account, scope.region)
            _write(path, scope.as_dict())
            files.append(path.relative_to(fresh).as_posix())
        _write(fresh / ORGANIZATION_FILE, collection.organization.as_dict())
        _write(fresh / INDEX_FILE, {
            "format": FORMAT, "createdAt": datetime.now(UTC).isoformat(timespec="seconds"),
            "selection": _selection_dict(collection.selection),
            "accounts": len({s.account for s in collection.scopes}), "files": sorted(files),
            "resources": sum(len(s.resources) for s in collection.scopes), "gaps": len(collection.gaps()),
            "apiCalls": collection.api_calls()})
        _move_into_place(fresh, root)
    except OSError as exc:
        raise SnapshotError(f"cannot write snapshot {root}: {exc.strerror or exc}") from None
    finally:
        shutil.rmtree(fresh, ignore_errors=True)
    return root


def _move_into_place(fresh: Path, root: Path) -> None:
    """Two renames: the old folder aside, the fresh one in. Between them (a crash) the old snapshot
    survives whole under its aside name."""
    if root.exists():
        aside = root.with_name(f".{root.name}.{secrets.token_hex(4)}.old")
        os.rename(root, aside)
        os.rename(fresh, root)
        shutil.rmtree(aside)
    else:
        os.rename(fresh, root)


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


def _parse(path: Path, build: Callable[[dict], T]) -> T:
    """A file's content as the object it holds; a file of the wrong shape is named in the error."""
    try:
        return build(_read(path))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise SnapshotError(f"{path} has the wrong shape ({type(exc).__name__}: {exc})") from None


def missing_scope(account: str, region: str, message: str) -> ScopeResult:
    """What a snapshot lacks, as a coverage gap: the scan then says it did not see that place."""
    gap = CoverageGap(account, region, ACCOUNT_TYPE, "ReadSnapshot", MISSING, message)
    return ScopeResult(account, region, home=False, gaps=(gap,))


def _listed(root: Path, index: dict) -> list[tuple[str, str, str]]:
    """(file, account, Region) of every file the index lists; anything else in the list is refused."""
    files = index.get("files")
    if not isinstance(files, list):
        raise SnapshotError(f"{root / INDEX_FILE} has no list of files")
    out = []
    for name in files:
        match = _SCOPE_FILE.match(name) if isinstance(name, str) else None
        if match is None:
            raise SnapshotError(f"{root / INDEX_FILE} lists {name!r}, which is not an accounts/<account>/<region>.json file")
        out.append((name, match.group(1), match.group(2)))
    return out


def _selection(root: Path, index: dict) -> Selection | None:
    data = index.get("selection")
    if data is None:  # written before snapshots recorded it: every active account, Region and type
        return None
    try:
        accounts, regions, types = (tuple(data[k]) if data[k] is not None else None
                                    for k in ("accounts", "regions", "resourceTypes"))
        return Selection(accounts, regions, types, iam_usage=bool(data["iamUsage"]),
                         last_accessed=bool(data["lastAccessed"]))
    except (KeyError, TypeError) as exc:
        raise SnapshotError(f"{root / INDEX_FILE} has a selection of the wrong shape ({exc})") from None


def read_snapshot(snapshot_dir: str | os.PathLike[str]) -> Collection:
    """The collection a snapshot folder holds: exactly the files its index lists, plus a coverage gap for
    each listed file that is missing and each account to cover that has no file."""
    root = Path(snapshot_dir)
    index = _read(root / INDEX_FILE)
    if index.get("format") != FORMAT:
        raise SnapshotError(f"{root} is not a {FORMAT} snapshot (format {index.get('format')!r})")
    organization = _parse(root / ORGANIZATION_FILE, Organization.from_dict)
    scopes = []
    for name, account, region in _listed(root, index):
        path = root / name
        if not path.is_file():
            scopes.append(missing_scope(account, region, f"{name} is listed in {INDEX_FILE} but missing"))
            continue
        scope = _parse(path, ScopeResult.from_dict)
        if (scope.account, scope.region) != (account, region):
            raise SnapshotError(f"{path} holds account {scope.account} Region {scope.region}, not what its name says")
        scopes.append(scope)
    collection = Collection(organization, (), _selection(root, index))
    covered = {s.account for s in scopes}
    scopes += [missing_scope(a, GLOBAL_REGION, f"account {a} has no file in the snapshot")
               for a in collection.accounts() if a not in covered]
    scopes.sort(key=lambda s: (s.account, s.region))
    return Collection(organization, tuple(scopes), collection.selection)
