"""A second opinion on action names from the AWS SDK's service models (botocore's data files, read as
data; botocore is never imported).

The IAM catalog lags behind AWS: services and actions launched after its last refresh would be
reported as invalid. The SDK models installed with boto3 are usually newer. An action the catalog
does not know is accepted when the SDK has an operation of that name, in a service whose IAM actions
mirror its API (most do; S3, whose API operations and IAM actions differ, does not). Loading the
models takes a couple of seconds, so it happens only when the catalog has no answer.
"""
from __future__ import annotations

import functools
import gzip
import importlib.util
from pathlib import Path

from solvers.catalog import load_catalog

# Share of a service's API operations that must be IAM actions of the same name before a new
# operation is taken as a new action.
MIRROR_RATIO = 0.8


@functools.cache
def _operations() -> dict[str, frozenset[str]]:
    """Signing name / endpoint prefix / model folder (lower case) -> operation names (lower case)."""
    import orjson

    spec = importlib.util.find_spec("botocore")
    if spec is None or not spec.submodule_search_locations:
        return {}
    root = Path(next(iter(spec.submodule_search_locations))) / "data"
    out: dict[str, set[str]] = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        versions = sorted(p for p in folder.iterdir() if p.is_dir())
        model = versions[-1] / "service-2.json.gz" if versions else None
        if model is None or not model.exists():
            continue
        try:
            raw = orjson.loads(gzip.decompress(model.read_bytes()))
            meta, ops = raw["metadata"], {o.lower() for o in raw["operations"]}
        except (OSError, ValueError, KeyError, TypeError):
            continue  # a model we cannot read gives no second opinion
        for name in {meta.get("signingName"), meta.get("endpointPrefix"), folder.name}:
            if isinstance(name, str) and name:
                out.setdefault(name.lower(), set()).update(ops)
    return {k: frozenset(v) for k, v in out.items()}


def knows_service(prefix: str) -> bool:
    return prefix.lower() in _operations()


@functools.lru_cache(maxsize=1024)
def _mirrors(prefix: str) -> bool:
    ops = _operations().get(prefix)
    svc = load_catalog().service(prefix)
    if not ops or svc is None:
        return svc is None and bool(ops)  # a service only the SDK knows: its operations are all we have
    return len(ops & set(svc.actions)) >= MIRROR_RATIO * len(ops)


def knows_action(prefix: str, name: str) -> bool:
    """Whether the SDK vouches for `prefix:name` as an action the catalog does not list yet."""
    low = prefix.lower()
    return name.lower() in _operations().get(low, ()) and _mirrors(low)
