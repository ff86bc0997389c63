"""Enumerate accounts × Regions × resource types, threads over accounts (the calls are I/O bound).

`collect_account` is the unit a worker runs (a thread here, a Ray task in the scan): it builds its own
sessions and clients from a frozen `SessionConfig` and returns plain data.
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace

from botocore.exceptions import BotoCoreError, ClientError
from botocore.loaders import Loader, create_loader

from connectors.aws.account import account_record, iam_record
from connectors.aws.gaps import CoverageGap, GapRecorder
from connectors.aws.iam_usage import usage_record
from connectors.aws.organization import Organization, read_organization
from connectors.aws.resources import modules_for
from connectors.aws.scope import GLOBAL_REGION, Scope
from connectors.aws.session import ApiCallCounter, SessionConfig, Sessions

ACCOUNT_TYPE = "AWS::Account"


@dataclass(frozen=True)
class Selection:
    """What to enumerate; None means "everything": every active account, every enabled Region, every type."""

    accounts: tuple[str, ...] | None = None
    regions: tuple[str, ...] | None = None
    resource_types: tuple[str, ...] | None = None
    iam_usage: bool = True  # credential report and access keys (connectors.aws.iam_usage)
    last_accessed: bool = False  # IAM last-accessed jobs for every principal (two or more calls each)


@dataclass(frozen=True)
class ScopeResult:
    """Everything one (account, Region) gave. The home Region also carries the account's global data
    (IAM, the S3 bucket list: bucket records keep their own Region). Region `global` holds an account
    that could not be entered at all."""

    account: str
    region: str
    home: bool
    resources: tuple[dict, ...] = ()
    gaps: tuple[CoverageGap, ...] = ()
    account_record: dict | None = None
    iam_authorization_details: dict | None = None
    iam_usage: dict | None = None
    api_calls: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return {"account": self.account, "region": self.region, "home": self.home,
                "resources": list(self.resources), "gaps": [g.as_dict() for g in self.gaps],
                "accountRecord": self.account_record, "iamAuthorizationDetails": self.iam_authorization_details,
                "iamUsage": self.iam_usage,
                "apiCalls": self.api_calls, "seconds": self.seconds}

    @classmethod
    def from_dict(cls, data: dict) -> ScopeResult:
        return cls(account=data["account"], region=data["region"], home=data["home"],
                   resources=tuple(data["resources"]), gaps=tuple(CoverageGap(**g) for g in data["gaps"]),
                   account_record=data.get("accountRecord"),
                   iam_authorization_details=data.get("iamAuthorizationDetails"), iam_usage=data.get("iamUsage"),
                   api_calls=data.get("apiCalls", 0), seconds=data.get("seconds", 0.0))


@dataclass(frozen=True)
class Collection:
    """What one collection gathered. `selection` is what it was asked for, with the accounts resolved
    (None when unknown: every active account of the organization, every Region and type)."""
    organization: Organization
    scopes: tuple[ScopeResult, ...] = field(default=())
    selection: Selection | None = None

    def accounts(self) -> tuple[str, ...]:
        """The accounts this collection was meant to cover."""
        if self.selection is not None and self.selection.accounts is not None:
            return self.selection.accounts
        return self.organization.active_accounts()

    def resources(self) -> Iterator[dict]:
        for scope in self.scopes:
            yield from scope.resources

    def gaps(self) -> list[CoverageGap]:
        return list(self.organization.gaps) + [g for s in self.scopes for g in s.gaps]

    def api_calls(self) -> int:
        return sum(s.api_calls for s in self.scopes)


def enabled_regions(sessions: Sessions, session, gaps: GapRecorder) -> tuple[str, ...]:
    """The Regions enabled in the account (opt-in Regions only when opted in); the home Region alone
    when they cannot be read (recorded)."""
    home = sessions.config.home_region
    with gaps.attempt(ACCOUNT_TYPE, "DescribeRegions"):
        regions = sessions.client(session, "ec2", home).describe_regions()["Regions"]
        return tuple(sorted(r["RegionName"] for r in regions if r.get("OptInStatus") != "not-opted-in"))
    return (home,)


def collect_account(config: SessionConfig, account_id: str, selection: Selection,
                    loader: Loader | None = None) -> list[ScopeResult]:
    """Every selected Region of one account. A denied AssumeRole gives one `global` result with its gap.
    `loader` (botocore's model loader) may be shared by the threads of one process."""
    counter = ApiCallCounter()
    sessions = Sessions(config, counter, loader)
    started = time.perf_counter()
    entry = GapRecorder(account_id, GLOBAL_REGION)
    try:
        session = sessions.for_account(account_id)
    except (ClientError, BotoCoreError) as exc:
        entry.record(ACCOUNT_TYPE, "AssumeRole", exc)
        return [ScopeResult(account_id, GLOBAL_REGION, home=False, gaps=tuple(entry.gaps), api_calls=counter.count,
                            seconds=time.perf_counter() - started)]
    regions = selection.regions or enabled_regions(sessions, session, entry)
    home = config.home_region if config.home_region in regions else regions[0]
    modules = modules_for(selection.resource_types)
    results = []
    for region in sorted(regions, key=lambda r: r != home):  # home first: it carries the global reads
        scope_started, calls_before = time.perf_counter(), counter.count
        scope = Scope(account_id, region, sessions, session, GapRecorder(account_id, region), home=region == home,
                      regions=tuple(regions))
        if scope.home:
            scope.gaps.gaps.extend(entry.gaps)
        resources: list[dict] = []
        for module in modules:
            if module.GLOBAL and not scope.home:
                continue
            resources.extend(module.collect(scope))
        account = account_record(scope) if scope.home else None
        iam = iam_record(scope) if scope.home else None
        usage = usage_record(scope, iam, selection.last_accessed) if scope.home and selection.iam_usage else None
        results.append(ScopeResult(account_id, region, scope.home, tuple(resources), tuple(scope.gaps.gaps),
                                   account_record=account, iam_authorization_details=iam, iam_usage=usage,
                                   api_calls=counter.count - calls_before,
                                   seconds=time.perf_counter() - scope_started))
    # AssumeRole, GetCallerIdentity and DescribeRegions count for the home Region.
    unattributed = counter.count - sum(r.api_calls for r in results)
    results[0] = replace(results[0], api_calls=results[0].api_calls + unattributed)
    return results


def collect(config: SessionConfig, selection: Selection = Selection(), accounts_in_flight: int = 8,
            organization: Organization | None = None) -> Collection:
    """The organization, then every selected account with `accounts_in_flight` accounts at a time."""
    loader = create_loader()
    if organization is None:
        organization = read_organization(Sessions(config, loader=loader))
    accounts = selection.accounts or organization.active_accounts()
    scopes: list[ScopeResult] = []
    with ThreadPoolExecutor(max_workers=max(1, accounts_in_flight), thread_name_prefix="collect") as pool:
        futures = [pool.submit(collect_account, config, account, selection, loader) for account in accounts]
        for future in as_completed(futures):
            scopes.extend(future.result())
    scopes.sort(key=lambda s: (s.account, s.region))
    return Collection(organization, tuple(scopes), replace(selection, accounts=tuple(accounts)))
