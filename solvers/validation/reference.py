"""Reference data that validation reads lazily: AWS partitions and Regions (botocore's partitions
file, read as data, so botocore is never imported) and the catalog's ARN templates indexed by the
service name that appears in ARNs (which may differ from the IAM prefix: s3 owns s3-object-lambda ARNs)."""
from __future__ import annotations

import functools
import importlib.util
from dataclasses import dataclass
from pathlib import Path

from solvers.catalog import load_catalog
from solvers.errors import CatalogError


@dataclass(frozen=True, slots=True)
class Partition:
    name: str
    regions: frozenset[str]

    def has_region(self, region: str) -> bool:
        """A Region the partition lists. Its name pattern (us-east-99 fits "aws") is not enough: AWS
        reports an unknown Region in an ARN or a condition, and botocore's list is refreshed with
        every release. The "-global" pseudo-Regions are endpoints, never a Region field."""
        return region in self.regions and not region.endswith("-global")


@functools.cache
def partitions() -> dict[str, Partition]:
    import orjson

    spec = importlib.util.find_spec("botocore")
    if spec is None or not spec.submodule_search_locations:
        raise CatalogError("botocore is not installed; the list of AWS Regions cannot be found")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "partitions.json"
    try:
        raw = orjson.loads(path.read_bytes())
        return {p["id"]: Partition(p["id"], frozenset(p["regions"])) for p in raw["partitions"]}
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError) as exc:
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
    resource: str  # the template's resource part, e.g. "function:${FunctionName}"

    @property
    def needs_region(self) -> bool:
        return self.region != ""

    @property
    def needs_account(self) -> bool:
        return self.account != ""


def _templates_of(prefix: str) -> list[ArnTemplate]:
    out: list[ArnTemplate] = []
    for rt in load_catalog().resource_types(prefix).values():
        fields = rt.arn_template.split(":", 5)
        if len(fields) == 6:
            out.append(ArnTemplate(prefix.lower(), rt.name, rt.arn_template, fields[3], fields[4], fields[5]))
    return out


@functools.cache
def _all_templates() -> dict[str, tuple[ArnTemplate, ...]]:
    """ARN service segment -> every resource type's template using it (builds every service)."""
    out: dict[str, list[ArnTemplate]] = {}
    for prefix in load_catalog().services:
        for t in _templates_of(prefix):
            out.setdefault(t.template.split(":", 3)[2], []).append(t)
    return {k: tuple(v) for k, v in out.items()}


@functools.lru_cache(maxsize=1024)
def arn_templates(service: str) -> tuple[ArnTemplate, ...]:
    """The templates of ARNs whose service field is `service`, as the service with that IAM prefix
    defines them: enough to accept nearly every ARN without the index of every service, which takes
    a second to build (checks consult it before reporting a problem)."""
    own = tuple(t for t in _templates_of(service) if t.template.split(":", 3)[2] == service)
    return own or _all_templates().get(service, ())


def arn_templates_everywhere(service: str) -> tuple[ArnTemplate, ...]:
    """Every service's templates for ARNs of `service` (some resource types, such as iam's root, are
    listed by another service)."""
    return _all_templates().get(service, ())
