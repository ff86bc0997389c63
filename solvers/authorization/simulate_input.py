"""The `trustmap simulate` input (authorization.md §5): `aws iam simulate-custom-policy --cli-input-json`
field for field, plus the extensions (service and anonymous callers, session ARNs, a session policy, RCP
levels, VPC endpoint policies). Whatever the IAM simulator rejects is an InputError here.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from solvers.authorization.context import AuthContext, AuthRequest, Caller, Level, Source
from solvers.errors import InputError, PolicyError
from solvers.policy import parse_policy
from solvers.values import parse_date, parse_ip, parse_number

MAX_SCP_LEVELS = 7  # the organization's depth: root, five OU levels, the account
CONTEXT_TYPES = ("string", "stringList", "numeric", "numericList", "boolean", "booleanList", "ip", "ipList",
                 "binary", "binaryList", "date", "dateList")
IAM_FIELDS = frozenset({"PolicyInputList", "PermissionsBoundaryPolicyInputList", "ActionNames", "ResourceArns",
                        "ResourcePolicy", "ResourceOwner", "CallerArn", "ContextEntries", "ResourceHandlingOption",
                        "MaxItems", "Marker", "OrderedOrganizationPolicyInputList"})
EXTENSIONS = frozenset({"CallerServicePrincipal", "CallerAnonymous", "SessionPolicy",
                        "OrderedResourceControlPolicyInputList", "VpcEndpointPolicyInputList"})
DEFAULT_ACCOUNT = "123456789012"  # the caller's account when the input names neither caller nor owner
_ACTION = re.compile(r"^[A-Za-z0-9-]+:[A-Za-z0-9_-]+$")
_ARN = re.compile(r"^arn:[a-z-]+:[A-Za-z0-9-]*:[^:]*:[^:]*:.+$")
_OWNER = re.compile(r"^(?:arn:aws[a-z-]*:iam::)?(\d{12})(?::root)?$")
_READERS = {"numeric": parse_number, "date": parse_date, "ip": parse_ip}


@dataclass(frozen=True)
class Simulation:
    context: AuthContext
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    request_context: Mapping[str, tuple[str, ...]]  # lower-cased keys
    key_names: Mapping[str, str]  # lower-cased key -> as given
    # what the input's source knows of the caller and the resource (a snapshot: tags, organization
    # paths, unique ids), offered to --derive-context only
    facts: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def requests(self, action: str) -> list[AuthRequest]:
        return [AuthRequest(action, r, self.request_context) for r in self.resources]


def _list(data: Mapping, name: str, item_type: type = str) -> list:
    value = data.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, item_type) for v in value):
        raise InputError(f"{name} must be a list of {item_type.__name__ if item_type is not str else 'strings'}")
    return value


def _policy(text: object, source_id: str, source_type: str = "none") -> Source:
    if not isinstance(text, str):
        raise InputError(f"{source_id} must be a policy document given as a string")
    try:
        return Source(parse_policy(text), source_id, source_type)
    except PolicyError as exc:
        raise InputError(f"{source_id}: {exc}") from None


def _principal_free(src: Source) -> Source:
    """Identity policies and boundaries name no principal; IAM rejects a document that does."""
    for stmt in src.policy.statements:
        if stmt.principal is not None:
            kind = "NotPrincipal" if stmt.principal.negated else "Principal"
            raise InputError(f"{src.id}: Statement[{stmt.index}] has {kind}, which an identity policy cannot have")
    return src


def _levels(data: Mapping, outer: str, inner: str) -> tuple[Level, ...] | None:
    if outer not in data:
        return None
    levels = []
    for i, level in enumerate(_list(data, outer, dict), 1):
        texts = _list(level, inner) if inner in level else []
        levels.append(tuple(_policy(t, f"{outer}.{i}.{inner}.{j}") for j, t in enumerate(texts, 1)))
    return tuple(levels)


def _caller(data: Mapping, owner: str | None) -> Caller:
    given = [k for k in ("CallerArn", "CallerServicePrincipal", "CallerAnonymous") if data.get(k)]
    if len(given) > 1:
        raise InputError(f"give one caller, not {' and '.join(given)}")
    if data.get("CallerAnonymous"):
        return Caller.anonymous()
    if "CallerServicePrincipal" in data:
        name = data["CallerServicePrincipal"]
        if not isinstance(name, str):
            raise InputError("CallerServicePrincipal must be a string")
        return Caller.service(name)
    arn = data.get("CallerArn")
    if arn is None:  # as the IAM simulator: an unnamed user of the resource owner's account
        return Caller.from_arn(f"arn:aws:iam::{owner or DEFAULT_ACCOUNT}:user/simulated-caller")
    if not isinstance(arn, str):
        raise InputError("CallerArn must be a string")
    return Caller.from_arn(arn)


def _owner(data: Mapping) -> str | None:
    owner = data.get("ResourceOwner")
    if owner is None:
        return None
    m = _OWNER.match(owner) if isinstance(owner, str) else None
    if not m:
        raise InputError(f"ResourceOwner {owner!r} is not an account id or arn:aws:iam::ACCOUNT:root")
    return m.group(1)


def _context(entries: list) -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    values: dict[str, tuple[str, ...]] = {}
    names: dict[str, str] = {}
    for entry in entries:
        name, kind, given = entry.get("ContextKeyName"), entry.get("ContextKeyType"), entry.get("ContextKeyValues")
        if not isinstance(name, str) or not name:
            raise InputError("every ContextEntries item needs a ContextKeyName")
        if kind not in CONTEXT_TYPES:
            raise InputError(f"context key {name}: ContextKeyType {kind!r} is not one of {', '.join(CONTEXT_TYPES)}")
        if not isinstance(given, list) or not all(isinstance(v, str | int | float | bool) for v in given):
            raise InputError(f"context key {name}: ContextKeyValues must be a list of strings")
        texts = tuple(str(v).lower() if isinstance(v, bool) else str(v) for v in given)
        base = kind.removesuffix("List")
        if base == "boolean" and any(t.lower() not in ("true", "false") for t in texts):
            raise InputError(f"context key {name}: boolean values are true or false")
        reader = _READERS.get(base)
        if reader is not None and any(reader(t) is None for t in texts):
            raise InputError(f"context key {name}: a value is not a valid {base}")
        if not kind.endswith("List") and len(texts) > 1:
            raise InputError(f"context key {name}: type {kind} takes one value")
        values[name.lower()] = texts
        names[name.lower()] = name
    return values, names


def read_simulation(data: object) -> Simulation:
    """The §5 input as a context and requests; InputError for anything the IAM simulator rejects."""
    if not isinstance(data, dict):
        raise InputError("the input must be a JSON object")
    unknown = sorted(set(data) - IAM_FIELDS - EXTENSIONS)
    if unknown:
        raise InputError(f"unknown input field {unknown[0]!r}")
    boundaries = _list(data, "PermissionsBoundaryPolicyInputList")
    if len(boundaries) > 1:
        raise InputError("PermissionsBoundaryPolicyInputList takes at most one policy")
    scp_levels = _levels(data, "OrderedOrganizationPolicyInputList", "ServiceControlPolicyInputList")
    if scp_levels is not None and len(scp_levels) > MAX_SCP_LEVELS:
        raise InputError(f"OrderedOrganizationPolicyInputList has {len(scp_levels)} levels; at most "
                         f"{MAX_SCP_LEVELS}")
    rcp_levels = _levels(data, "OrderedResourceControlPolicyInputList", "ResourceControlPolicyInputList")
    if rcp_levels is not None and len(rcp_levels) > MAX_SCP_LEVELS:
        raise InputError(f"OrderedResourceControlPolicyInputList has {len(rcp_levels)} levels; at most "
                         f"{MAX_SCP_LEVELS}")
    actions = _list(data, "ActionNames")
    if not actions:
        raise InputError("ActionNames needs at least one action")
    for a in actions:
        if not _ACTION.match(a):
            raise InputError(f"action {a!r} is not one service:action name (no wildcards)")
    resources = _list(data, "ResourceArns") or ["*"]
    for r in resources:
        if r != "*" and not _ARN.match(r):
            raise InputError(f"resource {r!r} is not an ARN")
    owner = _owner(data)
    caller = _caller(data, owner)
    if owner is None and caller.account is None and "ResourcePolicy" in data:
        raise InputError("a service or anonymous caller needs ResourceOwner")
    resource_policy = data.get("ResourcePolicy")
    session = data.get("SessionPolicy")
    context = AuthContext(
        caller=caller, resource_owner=owner,
        identity=tuple(_principal_free(_policy(t, f"PolicyInputList.{i}", "user"))
                       for i, t in enumerate(_list(data, "PolicyInputList"), 1)),
        resource_policy=_policy(resource_policy, "ResourcePolicy", "resource") if resource_policy is not None else None,
        boundary=_principal_free(_policy(boundaries[0], "PermissionsBoundaryPolicyInputList.1")) if boundaries else None,
        session_policy=_policy(session, "SessionPolicy") if session is not None else None,
        scp_levels=scp_levels, rcp_levels=rcp_levels,
        endpoint_policies=tuple(_policy(t, f"VpcEndpointPolicyInputList.{i}")
                                for i, t in enumerate(_list(data, "VpcEndpointPolicyInputList"), 1)))
    values, names = _context(_list(data, "ContextEntries", dict))
    return Simulation(context, tuple(actions), tuple(resources), values, names)


def derive_context(sim: Simulation, derived: Mapping[str, Sequence[str]]) -> Simulation:
    """The simulation with `derived` keys added where the input gave none (given keys win)."""
    values = dict(sim.request_context)
    names = dict(sim.key_names)
    for key, vals in derived.items():
        if key.lower() not in values:
            values[key.lower()] = tuple(vals)
            names[key.lower()] = key
    return replace(sim, request_context=values, key_names=names)
