"""What one scan saw completely: a previous finding may be declared gone only where the run looked.

A finding is *seen* when its resource's scope was enumerated and analysed without a gap: its account
was entered, its Region enumerated, its resource type selected, no gap covers that (account, Region,
type) or the account as a whole, and neither a gap nor an error finding names the resource itself.
Anything else is *unseen*, and the lifecycle carries the finding over with its previous status instead
of resolving it (`pipeline.lifecycle.advance`).

Granularity follows how the connectors read: regional types per (account, Region, type); types read once
per account from its home Region (the S3 bucket list, IAM) per (account, type) in every Region; an
`AWS::Account` gap in the `global` Region (AssumeRole denied, an enumeration task that failed, an account
missing from a snapshot) hides the whole account, and one in a Region (the account's S3 Block Public
Access, a snapshot file missing) hides that Region and the account-wide types.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

ACCOUNT_TYPE = "AWS::Account"
GLOBAL_REGION = "global"
# Unused-access findings rest on the account's IAM authorization details and its usage reports
# (connectors.aws.account.IAM_TYPE, connectors.aws.iam_usage.USAGE_TYPE).
UNUSED_BASIS = frozenset({"AWS::IAM::AccountAuthorizationDetails", "AWS::IAM::CredentialUsage"})


def _account_wide_types() -> frozenset[str]:
    from connectors.aws.resources import MODULES
    return frozenset(m.RESOURCE_TYPE for m in MODULES if m.GLOBAL)


def finding_region(finding: Mapping) -> str | None:
    """The Region a finding's resource lives in: recorded by the scan since findings carry it, else the
    ARN's Region field (None when the ARN has none, as S3 buckets)."""
    if finding.get("region"):
        return finding["region"]
    parts = finding["resource"].split(":")
    return parts[3] or None if len(parts) > 3 else None


def _internal_principal(finding: Mapping) -> str | None:
    """The principal ARN an internal-access finding is about (None: another type, or a resource-level one)."""
    if finding.get("findingType") != "InternalAccess" or not finding.get("findingDetails"):
        return None
    principal = finding["findingDetails"][0].get("internalAccessDetails", {}).get("principal") or {}
    return principal.get("AWS")


@dataclass(frozen=True)
class Coverage:
    """This run's view of the organization, built from its scopes, gaps and findings."""

    regions: Mapping[str, frozenset[str]]  # account → Regions enumerated
    resource_types: frozenset[str] | None  # the types selected; None: every type
    blind_accounts: frozenset[str]  # accounts not entered, or lost as a whole
    blind_types: frozenset[tuple[str, str, str]]  # (account, Region, type) with a gap that is not one resource's
    blind_account_types: frozenset[tuple[str, str]]  # the same without the Region
    unsure: frozenset[str]  # resources with a gap or an error finding of their own
    account_wide: frozenset[str]
    # (resource, principal ARN) of internal-access error findings about one principal: that principal's
    # access to the resource is unknown this run, everyone else's was seen
    unsure_principals: frozenset[tuple[str, str]] = frozenset()

    @classmethod
    def of_run(cls, scopes: Iterable[Mapping], gaps: Iterable[Mapping], findings: Iterable[Mapping],
               resource_types: Iterable[str] | None) -> Coverage:
        regions: dict[str, set[str]] = {}
        blind_accounts: set[str] = set()
        for scope in scopes:
            if scope["region"] == GLOBAL_REGION:  # the account could not be entered at all
                blind_accounts.add(scope["account"])
            else:
                regions.setdefault(scope["account"], set()).add(scope["region"])
        blind_types: set[tuple[str, str, str]] = set()
        unsure, unsure_principals = set(), set()
        for f in findings:
            if f.get("error"):
                who = _internal_principal(f)
                if who:
                    unsure_principals.add((f["resource"], who))
                else:
                    unsure.add(f["resource"])
        for gap in gaps:
            if gap.get("resourceArn"):
                unsure.add(gap["resourceArn"])
            elif gap["resourceType"] == ACCOUNT_TYPE and gap["region"] == GLOBAL_REGION:
                blind_accounts.add(gap["account"])
            else:
                blind_types.add((gap["account"], gap["region"], gap["resourceType"]))
        return cls({a: frozenset(r) for a, r in regions.items()},
                   frozenset(resource_types) if resource_types else None, frozenset(blind_accounts),
                   frozenset(blind_types), frozenset((a, t) for a, _, t in blind_types), frozenset(unsure),
                   _account_wide_types(), frozenset(unsure_principals))

    def saw(self, finding: Mapping) -> bool:
        """Whether this run looked everywhere the finding's resource could be, completely. An internal-access
        finding rests on two places: its resource, and its principal's account's IAM details."""
        if finding.get("findingType") == "InternalAccess":
            details = finding["findingDetails"][0]["internalAccessDetails"] if finding["findingDetails"] else {}
            principal_account = details.get("principalOwnerAccount")
            if (finding["resource"], _internal_principal(finding)) in self.unsure_principals:
                return False
            return self._saw(finding, rests_on_iam=False) and (
                principal_account is None or self._saw_iam(principal_account))
        return self._saw(finding, rests_on_iam=finding.get("findingType", "ExternalAccess") != "ExternalAccess")

    def _saw_iam(self, account: str) -> bool:
        if account in self.blind_accounts or account not in self.regions:
            return False
        return not any((account, t) in self.blind_account_types for t in UNUSED_BASIS | {ACCOUNT_TYPE})

    def _saw(self, finding: Mapping, rests_on_iam: bool) -> bool:
        """`rests_on_iam`: an unused-access finding, which rests on the account's IAM details and usage
        reports rather than on its resource's type."""
        account, resource_type = finding["resourceOwnerAccount"], finding["resourceType"]
        if finding["resource"] in self.unsure or account in self.blind_accounts or account not in self.regions:
            return False
        region = finding_region(finding)
        if region not in (None, GLOBAL_REGION) and region not in self.regions[account]:
            return False  # a Region this run did not enumerate in that account
        if rests_on_iam:
            basis = UNUSED_BASIS | {ACCOUNT_TYPE}
        elif self.resource_types is not None and resource_type not in self.resource_types:
            return False
        else:
            basis = frozenset({resource_type, ACCOUNT_TYPE})
        if resource_type in self.account_wide or region in (None, GLOBAL_REGION) or UNUSED_BASIS <= basis:
            # read once per account: a gap in any of its Regions hides it
            return not any((account, t) in self.blind_account_types for t in basis)
        return not any((account, r, t) in self.blind_types for r in (region, GLOBAL_REGION) for t in basis)

