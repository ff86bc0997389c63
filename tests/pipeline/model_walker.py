"""A JSON value checked against a botocore service model shape: required members, types, enums, list
and string lengths, patterns, timestamps. Extra members are allowed (CLI.md: the contract may be
extended, never broken); every other difference is returned as a readable path and reason."""
from __future__ import annotations

import re
from datetime import datetime


def shapes(service: str) -> dict:
    import botocore.loaders
    return botocore.loaders.Loader().load_service_model(service, "service-2")["shapes"]


def problems(model: dict, value, shape: str, path: str = "$") -> list[str]:
    sh = model[shape]
    kind = sh["type"]
    out: list[str] = []
    if kind == "structure":
        if not isinstance(value, dict):
            return [f"{path}: {shape} is an object"]
        for req in sh.get("required", []):
            if value.get(req) is None:
                out.append(f"{path}.{req}: required by {shape}")
        for key, member in sh["members"].items():
            if value.get(key) is not None:
                out += problems(model, value[key], member["shape"], f"{path}.{key}")
    elif kind == "list":
        if not isinstance(value, list):
            return [f"{path}: {shape} is a list"]
        if not sh.get("min", 0) <= len(value) <= sh.get("max", len(value)):
            out.append(f"{path}: {shape} holds {sh.get('min', 0)}..{sh.get('max')} items, not {len(value)}")
        for i, item in enumerate(value):
            out += problems(model, item, sh["member"]["shape"], f"{path}[{i}]")
    elif kind == "map":
        if not isinstance(value, dict):
            return [f"{path}: {shape} is a map"]
        for key, item in value.items():
            out += problems(model, key, sh["key"]["shape"], f"{path}<key>")
            out += problems(model, item, sh["value"]["shape"], f"{path}[{key!r}]")
    elif kind == "string":
        if not isinstance(value, str):
            return [f"{path}: {shape} is a string, not {value!r}"]
        if "enum" in sh and value not in sh["enum"]:
            out.append(f"{path}: {value!r} is not one of {shape} {sh['enum']}")
        if not sh.get("min", 0) <= len(value) <= sh.get("max", len(value)):
            out.append(f"{path}: {shape} length {len(value)} outside {sh.get('min', 0)}..{sh.get('max')}")
        if "pattern" in sh and not re.search(sh["pattern"], value, re.DOTALL):
            out.append(f"{path}: {value!r} does not match {shape} /{sh['pattern']}/")
    elif kind == "timestamp":
        try:
            ok = isinstance(value, str) and datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is not None
        except ValueError:
            ok = False
        if not ok:
            out.append(f"{path}: {value!r} is not an ISO 8601 instant with a zone")
    elif kind in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            out.append(f"{path}: {shape} is an integer")
    elif kind == "boolean":
        if not isinstance(value, bool):
            out.append(f"{path}: {shape} is a boolean")
    elif kind in ("float", "double"):
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            out.append(f"{path}: {shape} is a number")
    return out
