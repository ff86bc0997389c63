"""Reference data that validation reads lazily: AWS partitions and Regions (botocore's partitions
file, read as data, so botocore is never imported) and the catalog's ARN templates indexed by the
service name that appears in ARNs (which may differ from the IAM prefix: s3 owns s3-object-lambda ARNs)."""
from __future__ import annotations

import functools
import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path

from solvers.catalog import load_catalog
from solvers.errors import CatalogError

_PLACEHOLDER = re.compile(r"\$\{[^}]*\}")


@dataclass(frozen=True, slots=True)
class Partition:
    name: str
    regions: frozenset[str]
    region_regex: re.Pattern[str]

    def has_region(self, region: str) -> bool:
        return region in self.regions or bool(self.region_regex.match(region))


@functools.cache
def partitions() -> dict[str, Partition]:
    import orjson

    spec = importlib.util.find_spec("botocore")
    if spec is None or not spec.submodule_search_locations:
        raise CatalogError("botocore is not installed; the list of AWS Regions cannot be found")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "partitions.json"
    try:
        raw = orjson.loads(path.read_bytes())
        return {p["id"]: Partition(p["id"], frozenset(p["regions"]), re.compile(p["regionRegex"]))
                for p in raw["partitions"]}
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError, re.error) as exc:
        raise CatalogError(f"cannot read the AWS partitions at {path}: {exc!r}") from exc


def is_region(region: str) -> bool:
    return any(p.has_region(region) for p in partitions().values())


@dataclass(frozen=True, slots=True)
class ArnTemplate:
    service_prefix: str  # the IAM prefix of the service that defines it
    resource_type: str
    template: str
    region: str  # "" (must be empty), "${Region}" or a literal
    account: str
    resource: re.Pattern[str]

    @property
    def needs_region(self) -> bool:
        return self.region != ""

    @property
    def needs_account(self) -> bool:
        return self.account != ""


def _compile(resource: str) -> re.Pattern[str]:
    parts = _PLACEHOLDER.split(resource)
    return re.compile(".+".join(re.escape(p) for p in parts), re.DOTALL)


@functools.cache
def arn_templates() -> dict[str, tuple[ArnTemplate, ...]]:
    """ARN service segment -> every resource type's template using it."""
    catalog = load_catalog()
    out: dict[str, list[ArnTemplate]] = {}
    for prefix in catalog.services:
        svc = catalog.service(prefix)
        if svc is None:
            continue
        for rt in svc.resource_types.values():
            fields = rt.arn_template.split(":", 5)
            if len(fields) < 6:
                continue
            out.setdefault(fields[2], []).append(
                ArnTemplate(svc.prefix, rt.name, rt.arn_template, fields[3], fields[4], _compile(fields[5])))
    return {k: tuple(v) for k, v in out.items()}
