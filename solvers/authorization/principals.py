"""How a Principal / NotPrincipal element names the caller: directly, at the role level, or as its account.

The kind decides what a resource-policy grant is worth (authorization.md §3, R6): a direct grant
ignores implicit denies on the caller's side, a role-level grant is still limited by the boundary and
the session policy, an account grant only delegates to the account's identity policies.
"""
from __future__ import annotations

import re
from enum import IntEnum

from solvers.authorization.context import Caller, CallerKind
from solvers.policy import PrincipalList, PrincipalValue

_ROLE_VALUE = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):role/(?:[^:]*/)?([^/:]+)$")


class Kind(IntEnum):
    """Ordered by strength: a statement naming the caller several ways counts as the strongest."""
    ACCOUNT = 1
    ROLE = 2
    DIRECT = 3


def _is_star(v: PrincipalValue) -> bool:
    return v.kind == "*" or (v.kind == "AWS" and v.text == "*")


def value_kind(v: PrincipalValue, caller: Caller) -> Kind | None:
    """How one principal value names the caller, or None when it does not."""
    if _is_star(v):
        return Kind.DIRECT  # `*` covers every caller, anonymous ones included (direct by inference, R6)
    if v.kind == "Service":
        return Kind.DIRECT if caller.kind is CallerKind.SERVICE and v.text == caller.arn else None
    if v.kind != "AWS" or not caller.has_identity:
        return None
    if v.is_account:
        return Kind.ACCOUNT if v.text == caller.account else None
    if caller.role_name is not None:
        m = _ROLE_VALUE.match(v.text)
        if m and m.group(1) == caller.account and m.group(2) == caller.role_name:
            return Kind.ROLE  # role ARNs match on account and name: session ARNs carry no path
    if v.text == caller.arn and caller.arn != caller.role_arn:
        return Kind.DIRECT
    return None


def _levels(caller: Caller) -> tuple[Kind, ...]:
    """The levels at which a Deny-with-NotPrincipal may check the caller (E5): each must be listed."""
    if caller.kind is CallerKind.ROLE_SESSION:
        if caller.arn == caller.role_arn:
            return (Kind.ROLE, Kind.ACCOUNT)
        return (Kind.DIRECT, Kind.ROLE, Kind.ACCOUNT)
    if caller.kind is CallerKind.ROOT:
        return (Kind.ACCOUNT,)
    if caller.kind in (CallerKind.SERVICE, CallerKind.ANONYMOUS):
        return (Kind.DIRECT,)
    return (Kind.DIRECT, Kind.ACCOUNT)


def statement_kind(plist: PrincipalList, effect: str, caller: Caller, has_boundary: bool) -> Kind | None:
    """The kind by which a statement's principal element applies to the caller; None: it does not apply.

    NotPrincipal [E5]: with Allow it grants to everyone not listed (anonymous callers too), as a direct
    grant; with Deny it applies unless the caller is listed at every level, and always when the caller
    has a permissions boundary [E3]."""
    if any(_is_star(v) for v in plist.values):
        kinds = set(Kind)
    else:
        kinds = {k for v in plist.values if (k := value_kind(v, caller)) is not None}
    if not plist.negated:
        return max(kinds) if kinds else None
    if effect == "Allow":
        return None if kinds else Kind.DIRECT
    if has_boundary or any(level not in kinds for level in _levels(caller)):
        return Kind.DIRECT
    return None
