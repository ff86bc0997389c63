"""The zone of trust, and what "a request from outside it" means as a term.

A request comes from outside the zone when its caller is not a principal of a trusted account, is not
an AWS service, and every key that names the caller's account or organization (keys the caller cannot
set) points outside the zone. The caller-identity keys are otherwise free: the solver may pick any
value for them, which is the sound reading (a real caller has some value we do not know).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from solvers.errors import InputError
from solvers.evaluator import Principal, Request
from solvers.operators import Family
from solvers.symbolic.compile import PRINCIPAL, Space
from solvers.symbolic.patterns import ANY_STAR, FIELD_STAR, literal
from solvers.symbolic.terms import Term

_ACCOUNT = re.compile(r"^\d{12}$")
_DIGIT_RUN = re.compile(r"\d{12,}")
_ORG_ID = re.compile(r"^o-[a-z0-9]{10,32}$")

# Keys whose value is the caller's account (or, for aws:PrincipalArn, an ARN in that account).
ACCOUNT_KEYS = ("aws:principalaccount", "kms:calleraccount", "aws:sourceaccount", "aws:sourceowner")


def _check_account(account: str) -> None:
    if not _ACCOUNT.match(account):
        raise InputError(f"account {account!r} is not a 12-digit AWS account id")


class AccountIds(frozenset[str]):
    """Account ids checked once, when the set is made: a zone per resource owner shares the organization's
    members without checking (or copying) thousands of them again."""

    def __new__(cls, accounts=()):
        made = super().__new__(cls, accounts)
        if not all(len(a) == 12 and a.isascii() and a.isdigit() for a in made):  # the quick pass; then name one
            for account in made:
                _check_account(account)
        return made


@dataclass(frozen=True)
class ZoneOfTrust:
    """The account that owns the resources, or its organization (with the member accounts we know).
    Building one costs O(1) when `member_accounts` is already an `AccountIds`; every read is a set lookup."""
    account: str
    organization_id: str | None = None
    member_accounts: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        _check_account(self.account)
        if not isinstance(self.member_accounts, AccountIds):
            object.__setattr__(self, "member_accounts", AccountIds(self.member_accounts))
        if self.organization_id is not None and not _ORG_ID.match(self.organization_id):
            raise InputError(f"organization id {self.organization_id!r} is not of the form o-xxxxxxxxxx")

    @property
    def kind(self) -> str:
        return "ORGANIZATION" if self.organization_id else "ACCOUNT"

    @property
    def accounts(self) -> tuple[str, ...]:
        """Every account of the zone, sorted (O(members): for callers that list them, not for lookups)."""
        return tuple(sorted({self.account, *self.member_accounts}))

    def trusts_account(self, account: str | None) -> bool:
        return account == self.account or account in self.member_accounts

    def mentioned_in(self, text: str) -> tuple[str, ...]:
        """The owner and the zone's accounts that appear in `text` (as substrings), sorted: found from the
        text's runs of 12 or more digits, so the cost follows the text, not the size of the organization."""
        found = {run[i:i + 12] for run in _DIGIT_RUN.findall(text) for i in range(len(run) - 11)}
        return tuple(sorted({self.account, *(a for a in found if a in self.member_accounts)}))

    def is_external(self, request: Request) -> bool:
        """The concrete counterpart of `external_term`, used to replay witnesses."""
        who = request.principal
        if who is None or who.kind == "Service":
            return False
        if who.kind == "AWS" and self.trusts_account(self._principal_account(who)):
            return False
        ctx = request.context
        for key in ACCOUNT_KEYS:
            if any(self.trusts_account(v) for v in ctx.get(key, ())):
                return False
        if any(self.trusts_account(_arn_account(v)) for v in ctx.get("aws:principalarn", ())):
            return False
        if self.organization_id:
            if self.organization_id in ctx.get("aws:principalorgid", ()):
                return False
            if any(v.startswith(self.organization_id + "/") for v in ctx.get("aws:principalorgpaths", ())):
                return False
        return True

    @staticmethod
    def _principal_account(who: Principal) -> str | None:
        return _arn_account(who.id)


def _arn_account(arn: str) -> str | None:
    fields = arn.split(":", 5)
    return fields[4] if len(fields) == 6 and fields[0] == "arn" else None


def _account_arns(account: str):
    return (literal("arn:") + (FIELD_STAR,) + literal(":") + (FIELD_STAR,) + literal(":") + (FIELD_STAR,)
            + literal(":" + account + ":") + (ANY_STAR,))


def outsider_account(zone: ZoneOfTrust, text: str) -> str:
    """An account outside the zone that the policy text does not mention: the face of "anyone else"."""
    for n in range(444455556666, 444455556666 + 10_000):
        candidate = str(n)
        if not zone.trusts_account(candidate) and candidate not in text:
            return candidate
    raise AssertionError("ten thousand candidate accounts all taken")  # cannot happen for real inputs


def external_term(space: Space, zone: ZoneOfTrust, policy_text: str | None = None) -> Term:
    """Requests whose caller is outside `zone`. Call after compiling the policies (only the caller
    keys they use get constrained) and before the first query (it registers patterns).

    With `policy_text`, only the zone's accounts the text mentions (and the owner) are spelled out:
    the policy cannot tell the other accounts apart from accounts outside the zone, so whatever one of
    them may do, an outside account may do too, and the findings are the same — while an organization
    of thousands of accounts no longer puts thousands of patterns into the principal's classes.
    Witnesses must then name an outside account explicitly (see `outsider_account`)."""
    t, dims = space.t, space.dims
    pdim = dims[PRINCIPAL]
    accounts = zone.accounts if policy_text is None else zone.mentioned_in(policy_text)
    inside = [pdim.register(literal("AWS|") + _account_arns(a)) for a in accounts]
    inside.append(pdim.register(literal("Service|") + (ANY_STAR,)))
    parts = [t.not_(t.some(PRINCIPAL, inside))]

    def outside(key: str, patterns) -> None:
        dim = dims.get("ctx:" + key)
        if dim is not None and dim.family in (Family.STRING, Family.NULL):
            space.key(key, Family.STRING)
            parts.append(t.not_(t.some(dim.name, [dim.register(p) for p in patterns])))

    for key in ACCOUNT_KEYS:
        outside(key, [literal(a) for a in accounts])
    outside("aws:principalarn", [_account_arns(a) for a in accounts])
    if zone.organization_id:
        outside("aws:principalorgid", [literal(zone.organization_id)])
        outside("aws:principalorgpaths", [literal(zone.organization_id + "/") + (ANY_STAR,)])
    return t.and_(*parts)
