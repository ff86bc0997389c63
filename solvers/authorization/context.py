"""What a whole-request decision needs: who calls, on whose resource, under which policies.

An `AuthContext` holds the caller and every policy that can bind a request (authorization.md §2): identity
policies, the resource policy, a permissions boundary, a session policy, SCP levels on the caller's path,
RCP levels on the resource owner's path, VPC endpoint policies. `AuthRequest` is the rest: action,
resource, context keys. Both are plain frozen data; `decide` (decide.py) and `symbolic` read them.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum

from solvers.errors import InputError
from solvers.evaluator import Principal, Request
from solvers.policy import Policy

_ACCOUNT = r"(\d{12})"
_PARTITION = r"(aws[a-z-]*)"
_USER = re.compile(rf"^arn:{_PARTITION}:iam::{_ACCOUNT}:user/(?:[^:]*/)?([^/:]+)$")
_ROLE = re.compile(rf"^arn:{_PARTITION}:iam::{_ACCOUNT}:role/((?:[^:]*/)?)([^/:]+)$")
_ROOT = re.compile(rf"^arn:{_PARTITION}:iam::{_ACCOUNT}:root$")
_SESSION = re.compile(rf"^arn:{_PARTITION}:sts::{_ACCOUNT}:assumed-role/([^/:]+)/([^/:]+)$")
_FEDERATED = re.compile(rf"^arn:{_PARTITION}:sts::{_ACCOUNT}:federated-user/([^/:]+)$")
_SERVICE = re.compile(r"^[a-z0-9][a-z0-9.-]*\.amazonaws\.com(\.cn)?$")
SERVICE_LINKED_PATH = "aws-service-role/"
SERVICE_LINKED_PREFIX = "AWSServiceRoleFor"


class CallerKind(Enum):
    USER = "user"
    ROLE_SESSION = "roleSession"  # a role ARN as caller is a session of it with no session policy
    FEDERATED = "federatedUser"
    ROOT = "root"
    SERVICE = "service"
    ANONYMOUS = "anonymous"


@dataclass(frozen=True, slots=True)
class Caller:
    kind: CallerKind
    arn: str | None  # the caller's own ARN (session ARN for sessions); a service's name; None: anonymous
    account: str | None  # None for services and anonymous callers
    role_arn: str | None = None  # sessions: the role (without its path when only the session ARN is known)
    role_name: str | None = None
    service_linked: bool = False

    @property
    def signed(self) -> bool:
        return self.kind is not CallerKind.ANONYMOUS

    @property
    def has_identity(self) -> bool:
        """Whether identity, boundary, session and SCP steps apply at all (R8: not for services/anonymous)."""
        return self.kind not in (CallerKind.SERVICE, CallerKind.ANONYMOUS)

    @property
    def is_session(self) -> bool:
        return self.kind in (CallerKind.ROLE_SESSION, CallerKind.FEDERATED)

    def principal(self) -> Principal | None:
        """The caller as the single-policy evaluator sees it (for identity-side statements)."""
        if self.kind is CallerKind.ANONYMOUS:
            return None
        if self.kind is CallerKind.SERVICE:
            return Principal("Service", self.arn or "")
        return Principal("AWS", self.arn or "")

    @staticmethod
    def from_arn(arn: str) -> Caller:
        """A user, role, role session, federated user or root ARN; InputError for anything else."""
        if m := _USER.match(arn):
            return Caller(CallerKind.USER, arn, m.group(2))
        if m := _ROLE.match(arn):
            linked = m.group(3).startswith(SERVICE_LINKED_PATH) or m.group(4).startswith(SERVICE_LINKED_PREFIX)
            return Caller(CallerKind.ROLE_SESSION, arn, m.group(2), role_arn=arn, role_name=m.group(4),
                          service_linked=linked)
        if m := _SESSION.match(arn):
            role = f"arn:{m.group(1)}:iam::{m.group(2)}:role/{m.group(3)}"
            return Caller(CallerKind.ROLE_SESSION, arn, m.group(2), role_arn=role, role_name=m.group(3),
                          service_linked=m.group(3).startswith(SERVICE_LINKED_PREFIX))
        if m := _FEDERATED.match(arn):
            return Caller(CallerKind.FEDERATED, arn, m.group(2))
        if m := _ROOT.match(arn):
            return Caller(CallerKind.ROOT, arn, m.group(2))
        raise InputError(f"caller {arn!r} is not a user, role, role session, federated user or root ARN")

    @staticmethod
    def service(name: str) -> Caller:
        if not _SERVICE.match(name):
            raise InputError(f"service principal {name!r} is not of the form NAME.amazonaws.com")
        return Caller(CallerKind.SERVICE, name, None)

    @staticmethod
    def anonymous() -> Caller:
        return Caller(CallerKind.ANONYMOUS, None, None)


@dataclass(frozen=True, slots=True)
class Source:
    """One policy of a context, with the id and type the output names it by (IAM's SourcePolicyId/Type)."""
    policy: Policy
    id: str
    type: str = "none"  # user|group|role|aws-managed|user-managed|resource|none


Level = tuple[Source, ...]  # the policies attached at one level of an organization path


@dataclass(frozen=True)
class AuthContext:
    caller: Caller
    resource_owner: str | None  # account owning the resource; None: the caller's own account
    identity: tuple[Source, ...] = ()
    resource_policy: Source | None = None
    boundary: Source | None = None
    session_policy: Source | None = None
    scp_levels: tuple[Level, ...] | None = None  # None: no SCPs bind (no organization, management account)
    rcp_levels: tuple[Level, ...] | None = None  # None: no RCPs bind
    endpoint_policies: tuple[Source, ...] = ()

    @property
    def owner(self) -> str | None:
        return self.resource_owner or self.caller.account

    @property
    def cross_account(self) -> bool:
        return self.caller.account is not None and self.owner is not None and self.caller.account != self.owner

    def sources(self) -> Iterable[tuple[str, Source]]:
        """Every policy with the name of its type, as `decide` reports them."""
        for s in self.identity:
            yield "identity", s
        if self.resource_policy:
            yield "resource", self.resource_policy
        if self.boundary:
            yield "boundary", self.boundary
        if self.session_policy:
            yield "session", self.session_policy
        for level in self.scp_levels or ():
            for s in level:
                yield "scp", s
        for level in self.rcp_levels or ():
            for s in level:
                yield "rcp", s
        for s in self.endpoint_policies:
            yield "endpoint", s


@dataclass(frozen=True)
class AuthRequest:
    action: str
    resource: str = "*"
    context: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # lower-cased keys

    @staticmethod
    def of(action: str, resource: str = "*", context: Mapping[str, str | Iterable[str]] | None = None) -> AuthRequest:
        ctx = {k.lower(): ((v,) if isinstance(v, str) else tuple(v)) for k, v in (context or {}).items()}
        return AuthRequest(action, resource, ctx)

    def for_caller(self, caller: Caller) -> Request:
        """The single-policy evaluator's request."""
        return Request(self.action, self.resource, caller.principal(), self.context)
