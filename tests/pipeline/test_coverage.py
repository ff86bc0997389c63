"""What a run saw completely (pipeline.coverage): only there may a previous finding become RESOLVED."""
from __future__ import annotations

from pipeline.coverage import Coverage

A, B = "111122223333", "444455556666"


def finding(resource: str, resource_type: str, account: str = A, region: str | None = None, **extra) -> dict:
    out = {"id": resource, "resource": resource, "resourceType": resource_type, "resourceOwnerAccount": account,
           "error": None, **extra}
    if region:
        out["region"] = region
    return out


QUEUE = finding(f"arn:aws:sqs:us-east-1:{A}:q", "AWS::SQS::Queue", region="us-east-1")
QUEUE_EU = finding(f"arn:aws:sqs:eu-west-1:{A}:q", "AWS::SQS::Queue", region="eu-west-1")
KEY = finding(f"arn:aws:kms:us-east-1:{A}:key/k", "AWS::KMS::Key", region="us-east-1")
BUCKET_EU = finding("arn:aws:s3:::b", "AWS::S3::Bucket", region="eu-west-1")
ROLE = finding(f"arn:aws:iam::{A}:role/r", "AWS::IAM::Role", region="global")
UNUSED_ROLE = finding(f"arn:aws:iam::{A}:role/r", "AWS::IAM::Role", findingType="UnusedIAMRole")
OTHER = finding(f"arn:aws:sqs:us-east-1:{B}:q", "AWS::SQS::Queue", account=B, region="us-east-1")
ALL = (QUEUE, QUEUE_EU, KEY, BUCKET_EU, ROLE, UNUSED_ROLE, OTHER)
SCOPES = [{"account": a, "region": r} for a in (A, B) for r in ("us-east-1", "eu-west-1")]


def gap(account: str, region: str, resource_type: str, arn: str | None = None, operation: str = "List") -> dict:
    out = {"account": account, "region": region, "resourceType": resource_type, "operation": operation,
           "errorCode": "EndpointConnectionError", "message": "refused"}
    if arn:
        out["resourceArn"] = arn
    return out


def unseen(gaps=(), scopes=SCOPES, findings=(), types=None) -> set[str]:
    coverage = Coverage.of_run(scopes, gaps, findings, types)
    return {f"{f['resource']}|{f.get('findingType', '')}" for f in ALL if not coverage.saw(f)}


def names(*fs: dict) -> set[str]:
    return {f"{f['resource']}|{f.get('findingType', '')}" for f in fs}


def test_a_complete_run_saw_everything() -> None:
    assert unseen() == set()


def test_an_account_not_entered_or_lost_hides_the_whole_account() -> None:
    everything_in_a = names(QUEUE, QUEUE_EU, KEY, BUCKET_EU, ROLE, UNUSED_ROLE)
    assert unseen(scopes=[s for s in SCOPES if s["account"] != A]) == everything_in_a
    assert unseen(scopes=SCOPES + [{"account": A, "region": "global"}]) == everything_in_a
    assert unseen([gap(A, "global", "AWS::Account", operation="Enumerate")]) == everything_in_a


def test_a_type_gap_hides_that_type_in_that_region_only() -> None:
    assert unseen([gap(A, "eu-west-1", "AWS::SQS::Queue")]) == names(QUEUE_EU)


def test_account_wide_types_are_hidden_by_a_gap_in_any_region() -> None:
    # the bucket list is read in the home Region; the bucket lives in eu-west-1
    assert unseen([gap(A, "us-east-1", "AWS::S3::Bucket")]) == names(BUCKET_EU)
    assert unseen([gap(A, "global", "AWS::IAM::Role")]) == names(ROLE)


def test_an_account_gap_in_a_region_hides_the_region_and_the_account_wide_types() -> None:
    assert unseen([gap(A, "us-east-1", "AWS::Account", operation="GetPublicAccessBlock")]) == \
        names(QUEUE, KEY, BUCKET_EU, ROLE, UNUSED_ROLE)


def test_a_region_not_enumerated_is_not_seen() -> None:
    assert unseen(scopes=[s for s in SCOPES if s["region"] != "eu-west-1"]) == names(QUEUE_EU, BUCKET_EU)


def test_one_resource_gap_or_error_finding_hides_that_resource_only() -> None:
    assert unseen([gap(A, "us-east-1", "AWS::KMS::Key", arn=KEY["resource"])]) == names(KEY)
    assert unseen(findings=[{**QUEUE, "error": "INTERNAL_ERROR"}]) == names(QUEUE)


def test_unused_findings_rest_on_the_iam_reports() -> None:
    assert unseen([gap(A, "global", "AWS::IAM::CredentialUsage", operation="GetCredentialReport")]) == \
        names(UNUSED_ROLE)


def test_types_not_selected_are_not_seen() -> None:
    assert unseen(types=("AWS::SQS::Queue",)) == names(KEY, BUCKET_EU, ROLE)


def test_regions_come_from_the_arn_when_a_finding_has_none() -> None:
    old = {k: v for k, v in QUEUE_EU.items() if k != "region"}  # a state written before findings had one
    coverage = Coverage.of_run(SCOPES, [gap(A, "eu-west-1", "AWS::SQS::Queue")], [], None)
    assert not coverage.saw(old) and coverage.saw({k: v for k, v in QUEUE.items() if k != "region"})


def test_internal_access_rests_on_its_resource_and_on_its_principals_iam_details() -> None:
    """A role of account B reaching A's queue: not seen when the queue's type was not read in its Region,
    nor when B's IAM details (where the role's policies live) could not be read; seen otherwise."""
    internal = finding(f"arn:aws:sqs:us-east-1:{A}:q", "AWS::SQS::Queue", region="us-east-1",
                       findingType="InternalAccess", findingDetails=[{"internalAccessDetails": {
                           "principal": {"AWS": f"arn:aws:iam::{B}:role/reader"}, "principalOwnerAccount": B}}])
    assert Coverage.of_run(SCOPES, [], [], None).saw(internal)
    assert not Coverage.of_run(SCOPES, [gap(A, "us-east-1", "AWS::SQS::Queue")], [], None).saw(internal)
    assert not Coverage.of_run(SCOPES, [gap(B, "global", "AWS::IAM::AccountAuthorizationDetails")], [],
                               None).saw(internal)
    assert not Coverage.of_run([s for s in SCOPES if s["account"] != B], [], [], None).saw(internal)
    assert Coverage.of_run(SCOPES, [gap(B, "us-east-1", "AWS::SQS::Queue")], [], None).saw(internal)


def test_an_internal_error_about_one_principal_hides_that_principal_only() -> None:
    """A principal-level error finding (its question timed out) leaves that principal's earlier finding
    unseen; other principals' findings on the same resource, and its external findings, were seen."""
    def internal(who: str, **extra) -> dict:
        return finding(f"arn:aws:sqs:us-east-1:{A}:q", "AWS::SQS::Queue", region="us-east-1",
                       findingType="InternalAccess", findingDetails=[{"internalAccessDetails": {
                           "principal": {"AWS": who}, "principalOwnerAccount": A}}], **extra)
    slow, fine = f"arn:aws:iam::{A}:role/slow", f"arn:aws:iam::{A}:role/fine"
    coverage = Coverage.of_run(SCOPES, [], [internal(slow, error="INTERNAL_ERROR")], None)
    assert not coverage.saw(internal(slow)) and coverage.saw(internal(fine)) and coverage.saw(QUEUE)
