"""Resource ARNs for generated statements: real ARNs read from the events where they are reliable, the
catalog's ARN templates as placeholders otherwise.

An event's ARN is reliable for an action when it matches one of the catalog's ARN templates of the
resource types the action requires (every required type, when it requires several; any listed type when
none is required). ARNs come from the record's `resources` list, from request parameters holding an ARN,
and from a few request parameters that name a resource whose ARN is fully determined by the name, the
Region and the account (an S3 bucket, a Lambda function, a DynamoDB table, ...). IAM names are not used:
a role's ARN includes a path that the name alone does not tell.
"""
from __future__ import annotations

import functools
import importlib.util
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from solvers.catalog import Catalog
from solvers.errors import CatalogError

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_SHORT_VARIABLES = {"Partition": "[a-z][a-z0-9-]*", "Region": "[a-z0-9-]*", "Account": r"(?:\d{12})?",
                    "BucketName": "[^/]+"}
MAX_LISTED_PARAMETER_VALUES = 20


@dataclass(frozen=True, slots=True)
class ActionResources:
    """The resource types of one action: `required` matches ARNs of each required type; `any_optional` ARNs of
    any optional type; `templates` are the ARN placeholders to write when no reliable ARN is known."""

    required: tuple[re.Pattern[str], ...]
    # The optional types as one alternation: one match per candidate instead of one per type (ec2:CreateTags
    # has over a hundred optional types), and one compilation; fullmatch of an alternation is "some
    # alternative fullmatches".
    any_optional: re.Pattern[str] | None
    templates: tuple[str, ...]

    @property
    def any(self) -> bool:
        return bool(self.required) or self.any_optional is not None

    def reliable(self, candidates: list[str]) -> list[str] | None:
        """The candidate ARNs this action acted on, or None when they do not identify its resource."""
        if self.required:
            matched = []
            for pattern in self.required:
                hits = [c for c in candidates if pattern.fullmatch(c)]
                if not hits:
                    return None
                matched += hits
            return matched
        if self.any_optional is None:
            return None
        match = self.any_optional.fullmatch
        matched = [c for c in candidates if match(c)]
        return matched or None

    def reliable_one(self, arn: str) -> tuple[str, ...] | None:
        """`reliable([arn])` as a tuple (the ARN once per required type it matches), or None."""
        if self.required:
            for pattern in self.required:
                if not pattern.fullmatch(arn):
                    return None
            return (arn,) * len(self.required)
        if self.any_optional is not None and self.any_optional.fullmatch(arn):
            return (arn,)
        return None


def template_regex(template: str) -> str:
    """Regex for the ARNs an ARN template describes. The last variable may hold '/' and ':' (paths,
    qualifiers); inner ones are single segments."""
    parts = _VARIABLE.split(template)  # literal, name, literal, name, ..., literal
    out = []
    last_name = len(parts) - 2
    for i, part in enumerate(parts):
        if i % 2 == 0:
            out.append(re.escape(part))
        elif part in _SHORT_VARIABLES:
            out.append(_SHORT_VARIABLES[part])
        else:
            out.append(".+" if i == last_name else "[^/:]+")
    return "".join(out)


@functools.cache
def _region_tests() -> tuple[frozenset[str], tuple[re.Pattern[str], ...]]:
    """AWS Regions by name and by each partition's pattern, from botocore's partitions file read as
    data (botocore is not imported)."""
    import orjson

    spec = importlib.util.find_spec("botocore")
    if spec is None or not spec.submodule_search_locations:
        raise CatalogError("botocore is not installed; the list of AWS Regions cannot be found")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "partitions.json"
    try:
        raw = orjson.loads(path.read_bytes())["partitions"]
        names = frozenset(r for p in raw for r in p["regions"])
        return names, tuple(re.compile(p["regionRegex"]) for p in raw)
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError, re.error) as exc:
        raise CatalogError(f"cannot read the AWS partitions at {path}: {exc!r}") from exc


def is_aws_region(region: str) -> bool:
    names, patterns = _region_tests()
    return region in names or any(p.match(region) for p in patterns)


class ResourceCatalog:
    """ActionResources per action, built once per action from the catalog."""

    def __init__(self, catalog: Catalog):
        self._catalog = catalog
        self._cache: dict[str, ActionResources] = {}
        self._regions: dict[str, bool] = {"": True}

    def candidates(self, record: dict, service: str, partition: str) -> tuple[str, ...]:
        """The record's ARNs (see `candidate_arns`) whose Region field is empty or an AWS Region: an ARN
        in a Region AWS does not have (an anonymised log, a typo) is not a reliable resource."""
        return self.in_aws_regions(candidate_arns(record, service, partition))

    def in_aws_regions(self, arns: Iterable[str]) -> tuple[str, ...]:
        return tuple([arn for arn in arns if self.in_aws_region(arn)])

    def in_aws_region(self, arn: str) -> bool:
        """Whether the ARN's Region field is empty or an AWS Region."""
        parts = arn.split(":", 4)
        region = parts[3] if len(parts) > 4 else ""
        ok = self._regions.get(region)
        if ok is None:
            ok = self._regions[region] = is_aws_region(region)
        return ok

    def of(self, full_action: str) -> ActionResources:
        found = self._cache.get(full_action)
        if found is None:
            found = self._cache[full_action] = self._build(full_action)
        return found

    def _build(self, full_action: str) -> ActionResources:
        action = self._catalog.action(full_action)
        service = self._catalog.service(full_action.partition(":")[0])
        if action is None or service is None:
            return ActionResources((), None, ())
        required: list[re.Pattern[str]] = []
        optional: list[str] = []
        templates: list[str] = []
        for ar in action.resource_types:
            rt = service.resource_types.get(ar.name)
            if rt is None:
                continue
            if ar.required:
                required.append(re.compile(template_regex(rt.arn_template)))
            else:
                optional.append(f"(?:{template_regex(rt.arn_template)})")
            if ar.required or not any(r.required for r in action.resource_types):
                templates.append(rt.arn_template)
        any_optional = re.compile("|".join(optional)) if optional else None
        return ActionResources(tuple(required), any_optional, tuple(templates))


def placeholders(resources: ActionResources, partition: str) -> list[str]:
    """ARN templates in Access Analyzer's placeholder style ("arn:aws:s3:::${BucketName}")."""
    return [t.replace("${Partition}", partition) for t in resources.templates]


def _s3(params: dict, region: str, account: str, partition: str) -> list[str]:
    bucket = params.get("bucketName")
    if not isinstance(bucket, str):
        return []
    key = params.get("key")
    found = [f"arn:{partition}:s3:::{bucket}"]
    if isinstance(key, str):
        found.append(f"arn:{partition}:s3:::{bucket}/{key}")
    return found


def _sqs(params: dict, region: str, account: str, partition: str) -> list[str]:
    url = params.get("queueUrl")
    if not isinstance(url, str):
        return []
    parts = url.rstrip("/").split("/")  # https://sqs.REGION.amazonaws.com/ACCOUNT/NAME
    if len(parts) < 2 or not parts[-2].isdigit():
        return []
    return [f"arn:{partition}:sqs:{region}:{parts[-2]}:{parts[-1]}"]


def _ssm_parameter(params: dict, region: str, account: str, partition: str) -> list[str]:
    name = params.get("name")
    if not isinstance(name, str) or not name or name.startswith("arn:"):
        return []
    return [f"arn:{partition}:ssm:{region}:{account}:parameter/{name.lstrip('/')}"]


@dataclass(frozen=True, slots=True)
class _Builder:
    """ARNs of one service built from request parameters; `reads` names every parameter `build` looks at
    (what `candidate_key` summarises)."""

    reads: tuple[str, ...]
    build: Callable[[dict, str, str, str], list[str]]


def _named(param: str, arn: str) -> _Builder:
    def build(params: dict, region: str, account: str, partition: str) -> list[str]:
        name = params.get(param)
        if not isinstance(name, str) or not name or name.startswith("arn:"):
            return []
        return [arn.format(partition=partition, region=region, account=account, name=name)]
    return _Builder((param,), build)


# Per service prefix: request parameters naming a resource whose ARN the name determines.
_BUILDERS: dict[str, _Builder] = {
    "s3": _Builder(("bucketName", "key"), _s3),
    "lambda": _named("functionName", "arn:{partition}:lambda:{region}:{account}:function:{name}"),
    "dynamodb": _named("tableName", "arn:{partition}:dynamodb:{region}:{account}:table/{name}"),
    "logs": _named("logGroupName", "arn:{partition}:logs:{region}:{account}:log-group:{name}"),
    "sqs": _Builder(("queueUrl",), _sqs),
    "ssm": _Builder(("name",), _ssm_parameter),
}


def _parameter_arns(params: dict) -> list[str]:
    """The request parameters' values that are ARNs (a list parameter's first few)."""
    found: list[str] = []
    for value in params.values():
        if type(value) is str:
            if value.startswith("arn:"):
                found.append(value)
        elif type(value) is list:
            found += [v for v in value[:MAX_LISTED_PARAMETER_VALUES] if type(v) is str and v.startswith("arn:")]
    return found


def candidate_arns(record: dict, service: str, partition: str) -> list[str]:
    """Every ARN the record names for the resources it acted on (unfiltered). A record's own `resources`
    list (data events, many management events) is CloudTrail's statement of what was touched: when
    present it is used alone."""
    found: list[str] = []
    listed = record.get("resources")
    if listed and type(listed) is list:
        for item in listed:
            arn = item.get("ARN") if type(item) is dict else None
            if type(arn) is str:
                found.append(arn)
        if found:
            return found
    params = record.get("requestParameters")
    if not params or type(params) is not dict:
        return found
    found += _parameter_arns(params)
    builder = _BUILDERS.get(service)
    if builder is not None:
        region = record.get("awsRegion")
        account = record.get("recipientAccountId")
        if type(region) is str and type(account) is str:
            found += builder.build(params, region, account, partition)
    return found


def candidate_key(record: dict, service: str) -> object:
    """A hashable summary of everything `candidate_arns` reads from a record: two records with equal keys
    have the same candidate ARNs (for one service and partition). Cheaper than building the ARNs (it runs
    once per event of an action whose resources are still being collected), so a fold can remember an
    action's reliable ARNs per key and build them once per distinct key. The three kinds of key never
    compare equal: a string (the one ARN of a `resources` list), a tuple of strings (several), a tuple
    starting with a tuple (the ARNs among the request parameters, then the builder's inputs)."""
    if "resources" in record:
        listed = record["resources"]
        if listed and type(listed) is list:
            if len(listed) == 1:
                item = listed[0]
                if type(item) is dict and "ARN" in item and type(arn := item["ARN"]) is str:
                    return arn
            else:
                arns = tuple([arn for item in listed if type(item) is dict and type(arn := item.get("ARN")) is str])
                if arns:
                    return arns
    if "requestParameters" not in record:
        return ()
    params = record["requestParameters"]
    if not params or type(params) is not dict:
        return ()
    found: tuple = ()
    for value in params.values():
        if type(value) is str:
            if value.startswith("arn:"):
                found += (value,)
        elif type(value) is list:
            found += tuple([v for v in value[:MAX_LISTED_PARAMETER_VALUES] if type(v) is str and v.startswith("arn:")])
    builder = _BUILDERS.get(service)
    if builder is None or "awsRegion" not in record or "recipientAccountId" not in record:
        return (found,)
    region, account = record["awsRegion"], record["recipientAccountId"]
    if type(region) is not str or type(account) is not str:
        return (found,)
    reads = builder.reads
    first = params.get(reads[0])
    if len(reads) == 1:
        return (found, region, account, first if isinstance(first, str) else None)
    return (found, region, account, *[v if isinstance(v := params.get(name), str) else None for name in reads])
