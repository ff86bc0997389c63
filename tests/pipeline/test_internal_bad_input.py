"""Internal access on bad input (issue 16): unparsable policies, missing or cyclic organization data and
undecidable questions give error findings with Access Analyzer's codes, never a principal or a resource
silently missing."""
from __future__ import annotations

from dataclasses import replace

import pytest

from pipeline.internal_access import analyze_targets, candidates
from tests.pipeline.internal_snapshot import APPS, BUCKET, DATA, internal_collection


def details(f: dict) -> dict:
    return f["findingDetails"][0]["internalAccessDetails"] if f["findingDetails"] else {}


def people(collection) -> set[str]:
    """Every role and user the analysis must account for (service-linked roles are not candidates)."""
    return {c.arn for c in candidates(collection) if "aws-service-role" not in c.arn}


def errors_by_principal(findings: list[dict]) -> dict[str, str]:
    return {details(f)["principal"]["AWS"]: f["error"] for f in findings if f["error"] and f["findingDetails"]}


def with_org(collection, **changes):
    return replace(collection, organization=replace(collection.organization, **changes))


def with_policy(collection, pid: str, content: str):
    org = collection.organization
    return with_org(collection, policies=tuple({**p, "content": content} if p["id"] == pid else p for p in org.policies))


def test_an_unparsable_bucket_policy_is_a_resource_level_error():
    c = internal_collection()
    (scope, *rest) = c.scopes
    record = {**scope.resources[0], "configuration": {"s3Bucket": {"bucketPolicy": "{not json"}}}
    c = replace(c, scopes=(replace(scope, resources=(record,)), *rest))
    [f] = analyze_targets(c, [BUCKET], "ORGANIZATION")
    assert (f["error"], f["findingDetails"], f["resource"]) == ("INTERNAL_ERROR", [], BUCKET)


def test_an_unparsable_rcp_is_a_resource_level_error():
    [f] = analyze_targets(with_policy(internal_collection(), "p-noput", "{not json"), [BUCKET], "ORGANIZATION")
    assert (f["error"], f["findingDetails"]) == ("INTERNAL_ERROR", [])


def test_an_unparsable_scp_gives_every_principal_of_its_accounts_an_error():
    c = with_policy(internal_collection(), "p-nodel", "{not json")  # on ou-x: both accounts
    findings = analyze_targets(c, [BUCKET], "ORGANIZATION")
    assert set(errors_by_principal(findings)) == people(c)
    assert set(errors_by_principal(findings).values()) == {"INTERNAL_ERROR"}
    assert all(set(details(f)) == {"principal", "principalOwnerAccount", "principalType", "accessType"}
               for f in findings)


@pytest.mark.parametrize("path", ["", "o-a1b2c3d4e5/r-root/ou-x/ou-x/", "o-other12345/r-root/ou-x/",
                                  "o-a1b2c3d4e5/r-root/ou-y/"])
def test_missing_or_cyclic_organization_paths(path: str):
    """APPS's path is missing, cyclic, another organization's, or names an OU the data puts elsewhere:
    its principals are errors; DATA's (and the bucket, in DATA) are analysed as before."""
    c = internal_collection()
    ous = ({"id": "ou-x", "name": "x", "parentId": "r-root", "path": "o-a1b2c3d4e5/r-root/ou-x/"},
           {"id": "ou-y", "name": "y", "parentId": "ou-x", "path": "o-a1b2c3d4e5/r-root/ou-x/ou-y/"})
    accounts = tuple(replace(a, path=path) if a.id == APPS else a for a in c.organization.accounts)
    c = with_org(c, accounts=accounts, organizational_units=ous)
    findings = analyze_targets(c, [BUCKET], "ORGANIZATION")
    apps = {arn for arn in people(c) if f":{APPS}:" in arn}
    assert {arn for arn, code in errors_by_principal(findings).items() if code == "INTERNAL_ERROR"} >= apps
    analysed = {details(f)["principal"]["AWS"] for f in findings if not f["error"]}
    assert f"arn:aws:iam::{DATA}:role/etl" in analysed


def test_an_account_the_organization_does_not_list():
    c = internal_collection()
    c = with_org(c, accounts=tuple(a for a in c.organization.accounts if a.id != DATA))
    [f] = analyze_targets(c, [BUCKET], "ORGANIZATION")  # the owner is DATA: the resource is an error
    assert (f["error"], f["findingDetails"]) == ("INTERNAL_ERROR", [])
    c2 = internal_collection()
    c2 = with_org(c2, accounts=tuple(a for a in c2.organization.accounts if a.id != APPS))
    found = analyze_targets(c2, [BUCKET], "ORGANIZATION")
    assert errors_by_principal(found)[f"arn:aws:iam::{APPS}:user/bob"] == "INTERNAL_ERROR"


def test_an_undecided_question_is_a_principal_error(monkeypatch):
    """A question the solver cannot decide (a timeout) costs that principal an error finding."""
    from solvers.errors import UndecidedError
    from solvers.internal import analyze

    def undecided(*_):
        raise UndecidedError("timeout")
    c = internal_collection()
    etl = f"arn:aws:iam::{DATA}:role/etl"
    original = analyze.answers

    def answers(ctx, *args, **kwargs):
        if ctx.caller.arn == etl:
            return original(ctx, args[0], args[1], undecided, *args[3:], **kwargs)
        return original(ctx, *args, **kwargs)
    monkeypatch.setattr(analyze, "_depends", lambda *_: True)  # every denied pair goes to the solver
    monkeypatch.setattr(analyze, "answers", answers)
    findings = analyze_targets(c, [BUCKET], "ORGANIZATION")
    assert errors_by_principal(findings)[etl] == "INTERNAL_ERROR"
    assert people(c) <= {details(f)["principal"]["AWS"] for f in findings if f["findingDetails"]} | {
        f"arn:aws:iam::{APPS}:role/ec2-only"}  # ec2-only touches no S3: dismissed, rightly without a finding
