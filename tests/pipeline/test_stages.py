"""The scan's stage functions, without Ray: units, canonical dedupe, analysis, stamping."""
from __future__ import annotations

import json

from pipeline.stages import Zone, analyze_units, dedupe, drop_trusted_canonical_users, stamp, units_of

ORG = Zone("ORGANIZATION", "o-a1b2c3d4e5", ("111111111111", "222222222222"))
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999999999999:root"}, "Action": "sts:AssumeRole"}]})


def scope(account: str, *resources: dict) -> dict:
    return {"account": account, "region": "us-east-1", "resources": list(resources)}


def role(account: str) -> dict:
    return {"resourceArn": f"arn:aws:iam::{account}:role/audit", "resourceType": "AWS::IAM::Role",
            "account": account, "region": "us-east-1", "configuration": {"iamRole": {"trustPolicy": TRUST}}}


def bucket(account: str, name: str) -> dict:
    text = json.dumps({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                                      "Resource": f"arn:aws:s3:::{name}/*"}]})
    return {"resourceArn": f"arn:aws:s3:::{name}", "resourceType": "AWS::S3::Bucket", "account": account,
            "region": "us-east-1", "configuration": {"s3Bucket": {"bucketPolicy": text}}}


def test_identical_trust_policies_are_analysed_once_per_zone() -> None:
    groups: dict = {}
    units = units_of(scope("111111111111", role("111111111111"), bucket("111111111111", "a")), ORG, {}) + \
        units_of(scope("222222222222", role("222222222222"), bucket("222222222222", "b")), ORG, {})
    fresh = dedupe(units, groups)
    assert len(units) == 4 and len(fresh) == 3  # the two roles share a key; buckets name themselves
    account_zone = Zone("ACCOUNT")
    assert len(dedupe(units_of(scope("111111111111", role("111111111111")), account_zone, {}) +
                      units_of(scope("222222222222", role("222222222222")), account_zone, {}), {})) == 2


def test_findings_are_stamped_on_every_resource_of_a_key() -> None:
    groups: dict = {}
    units = units_of(scope("111111111111", role("111111111111")), ORG, {}) + \
        units_of(scope("222222222222", role("222222222222")), ORG, {})
    [representative] = dedupe(units, groups)
    found = analyze_units([representative], ORG)[representative.key]
    assert [f["principal"] for f in found] == [{"AWS": "999999999999"}]
    other = stamp(found, units[1], representative)
    assert other[0]["resource"] == units[1].arn and other[0]["resourceOwnerAccount"] == "222222222222"
    assert other[0]["id"] != found[0]["id"] and other[0]["example"]["resource"] == units[1].arn


def test_a_finding_keeps_its_id_whichever_resource_of_its_key_was_analysed() -> None:
    """Which resource of a key is analysed depends on the order enumerations finish: ids must not."""
    units = units_of(scope("111111111111", role("111111111111")), ORG, {}) + \
        units_of(scope("222222222222", role("222222222222")), ORG, {})
    first, second = (analyze_units([u], ORG)[u.key] for u in units)
    assert [f["id"] for f in stamp(first, units[1], units[0])] == [f["id"] for f in second]
    assert [f["id"] for f in stamp(second, units[0], units[1])] == [f["id"] for f in first]


def test_a_bad_configuration_is_an_error_finding_not_a_crash() -> None:
    broken = {**role("111111111111"), "configuration": {"iamRole": {"trustPolicy": 42}}}
    [unit] = units_of(scope("111111111111", broken), ORG, {})
    [finding] = analyze_units([unit], ORG)[unit.key]
    assert finding["error"] == "INTERNAL_ERROR"


def test_grants_to_canonical_users_of_the_zone_are_dropped() -> None:
    f = {"principal": {"CanonicalUser": "c1"}, "resourceOwnerAccount": "111111111111"}
    g = {"principal": {"CanonicalUser": "c9"}, "resourceOwnerAccount": "111111111111"}
    assert drop_trusted_canonical_users([f, g], ORG, {"222222222222": "c1"}) == [g]
    assert drop_trusted_canonical_users([f, g], Zone("ACCOUNT"), {"222222222222": "c1"}) == [f, g]


def test_a_resource_that_could_not_be_read_gets_an_error_finding() -> None:
    from pipeline.scan import ScanState, _unread
    state = ScanState(gaps=[
        {"account": "111111111111", "region": "us-east-1", "resourceType": "AWS::KMS::Key", "operation": "GetKeyPolicy",
         "errorCode": "AccessDeniedException", "message": "no", "resourceArn": "arn:aws:kms:us-east-1:111111111111:key/k"},
        {"account": "111111111111", "region": "us-east-1", "resourceType": "AWS::SQS::Queue",
         "operation": "ListQueues", "errorCode": "Throttling", "message": "slow down"}])
    [finding] = _unread(state)
    assert finding["error"] == "ACCESS_DENIED" and finding["resource"].endswith("key/k")


def test_a_batch_checks_the_organization_members_once(monkeypatch) -> None:
    import solvers.external.zone as zone_module
    made: list[int] = []
    real = zone_module.AccountIds.__new__

    def counting(cls, accounts=()):
        made.append(1)
        return real(cls, accounts)
    monkeypatch.setattr(zone_module.AccountIds, "__new__", counting)
    units = units_of(scope("111111111111", role("111111111111"), bucket("111111111111", "a")), ORG, {}) + \
        units_of(scope("222222222222", bucket("222222222222", "b")), ORG, {})
    found = analyze_units(units, ORG)
    assert len(found) == 3 and len(made) == 1
