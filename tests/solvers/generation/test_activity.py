"""Activity from the corpus logs (Stratus Red Team detonations): folding, denied calls, suffixes,
unmappable events, and partials that merge to the same answer in any grouping."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from solvers.catalog import load_catalog
from solvers.generation.activity import ActivityAccumulator, empty_partial, merge_partials
from solvers.generation.principals import parse_principal_arn

LOGS = Path(__file__).resolve().parents[3].parent / "shared" / "corpus" / "cloudtrail" / "logs"
pytestmark = pytest.mark.skipif(not LOGS.is_dir(), reason="corpus logs not present")

SSO = "arn:aws:iam::844015365555:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_account-admin_599c9e90e350d2ff"


def _records(path: Path) -> list:
    doc = json.loads(path.read_text())
    return doc["Records"] if isinstance(doc, dict) else doc


@pytest.fixture(scope="module")
def per_file() -> list[dict]:
    out = []
    for path in sorted(LOGS.glob("*.json")):
        acc = ActivityAccumulator(load_catalog())
        acc.add_all(_records(path))
        out.append(acc.partial())
    return out


@pytest.fixture(scope="module")
def whole(per_file) -> dict:
    acc = ActivityAccumulator(load_catalog())
    for path in sorted(LOGS.glob("*.json")):
        acc.add_all(_records(path))
    return acc.partial()


def test_every_event_is_counted_for_a_principal_or_as_skipped(whole):
    counted = sum(p["events"] for p in whole["principals"].values())
    assert whole["events"] == 312
    assert counted + sum(whole["skipped"].values()) == 312
    assert whole["skipped"] == {"skip:aws-service": 1, "event-type:AwsConsoleSignIn": 1}


def test_merging_per_file_partials_equals_reading_everything_at_once(per_file, whole):
    forward = empty_partial()
    for p in per_file:
        forward = merge_partials(forward, p)
    backward = empty_partial()
    for p in reversed(per_file):
        backward = merge_partials(p, backward)
    assert forward == whole
    assert backward["principals"].keys() == whole["principals"].keys()
    for key, p in whole["principals"].items():
        assert backward["principals"][key]["actions"] == p["actions"]


def test_sso_role_sessions_fold_into_the_role_with_its_path(whole):
    p = whole["principals"]["arn:aws:iam::844015365555:role/AWSReservedSSO_account-admin_599c9e90e350d2ff"]
    assert p["arn"] == SSO
    assert set(p["actions"]) == {"ec2:EnableSerialConsoleAccess", "ec2-instance-connect:SendSerialConsoleSSHPublicKey"}


def test_federated_user_session_folds_into_its_user(whole):
    p = whole["principals"]["arn:aws:iam::742491224508:user/stratus-red-team-user-federation-user"]
    assert set(p["actions"]) == {"sts:GetFederationToken", "sts:GetCallerIdentity"}
    assert p["events"] == 2


def test_denied_calls_count_and_give_their_actions(whole):
    p = whole["principals"]["arn:aws:iam::457448411975:role/stratus-red-team-ec2-get-password-data-role"]
    assert p["events"] == 30 and p["denied"] == 30
    assert set(p["actions"]) == {"ec2:GetPasswordData"}
    assert sum(q["denied"] for q in whole["principals"].values()) == 51


def test_lambda_version_suffixes(whole):
    p = whole["principals"]["arn:aws:iam::266106314375:user/christophe"]
    # The corpus's anonymised Regions ("ap-westeast-2r") are no AWS Region: its ARNs are not reliable.
    assert p["actions"] == {"lambda:UpdateFunctionCode": {"count": 1, "resources": None}}
    p = whole["principals"]["arn:aws:iam::712967571683:user/christophe"]
    assert set(p["actions"]) == {"lambda:UpdateFunctionConfiguration"}


def test_iam_arns_from_the_events_are_kept(whole):
    p = whole["principals"]["arn:aws:iam::307578594326:user/christophe"]
    assert p["actions"]["sts:AssumeRole"]["resources"] == [
        "arn:aws:iam::307578594326:role/stratus-red-team-leave-org-role"]


def test_corpus_has_no_unmappable_event(whole):
    assert whole["unmapped"] == {}


def _event(name: str, source: str = "ec2.amazonaws.com", **extra) -> dict:
    return {"eventTime": "2024-08-01T10:00:00Z", "eventType": "AwsApiCall", "eventSource": source,
            "eventName": name, "awsRegion": "us-east-1", "recipientAccountId": "111111111111",
            "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111111111111:user/u"}, **extra}


def test_unmappable_events_are_counted_and_reported_never_dropped():
    acc = ActivityAccumulator(load_catalog())
    acc.add_all([_event("NoSuchOperation"), _event("NoSuchOperation"), _event("DescribeInstances"),
                 _event("DoThing", source="nosuch.amazonaws.com")])
    partial = acc.partial()
    p = partial["principals"]["arn:aws:iam::111111111111:user/u"]
    assert p["unmapped"] == {"ec2.amazonaws.com NoSuchOperation": 2, "nosuch.amazonaws.com DoThing": 1}
    assert partial["unmapped"] == p["unmapped"]
    assert set(p["actions"]) == {"ec2:DescribeInstances"} and p["events"] == 4


def test_passed_roles_are_named_as_not_observable():
    acc = ActivityAccumulator(load_catalog())
    acc.add(_event("CreateFunction20150331", source="lambda.amazonaws.com",
                   requestParameters={"functionName": "f", "role": "arn:aws:iam::111111111111:role/r"}))
    p = acc.partial()["principals"]["arn:aws:iam::111111111111:user/u"]
    assert p["notObservable"] == {"iam:PassRole": ["lambda:CreateFunction"]}
    assert "iam:PassRole" not in p["actions"]


def test_reading_or_tagging_with_a_role_parameter_passes_no_role():
    """Only a Write or Permissions management call configures a role into a service: a read, list or tag
    call naming a role (a filter, the resource read) needs no iam:PassRole."""
    acc = ActivityAccumulator(load_catalog())
    role = {"roleArn": "arn:aws:iam::111111111111:role/r"}
    for name, source in [("DescribeStacks", "cloudformation.amazonaws.com"), ("ListFunctions20150331", "lambda.amazonaws.com"),
                         ("TagResource", "lambda.amazonaws.com")]:
        acc.add_all([_event(name, source=source, requestParameters=role)])
    p = acc.partial()["principals"]["arn:aws:iam::111111111111:user/u"]
    assert set(p["actions"]) == {"cloudformation:DescribeStacks", "lambda:ListFunctions", "lambda:TagResource"}
    assert p["notObservable"] == {}


def test_window_and_principal_filters():
    only, _ = parse_principal_arn("arn:aws:iam::111111111111:user/u")
    acc = ActivityAccumulator(load_catalog(), start="2024-08-01T09:00:00Z", end="2024-08-01T10:00:00Z", only=only)
    other = _event("DescribeVpcs", userIdentity={"type": "IAMUser", "arn": "arn:aws:iam::111111111111:user/v"})
    acc.add_all([_event("DescribeInstances"), {**_event("DescribeImages"), "eventTime": "2024-08-01T09:30:00Z"},
                 {**other, "eventTime": "2024-08-01T09:30:00Z"}])
    partial = acc.partial()
    assert set(partial["principals"]) == {"arn:aws:iam::111111111111:user/u"}
    assert set(partial["principals"]["arn:aws:iam::111111111111:user/u"]["actions"]) == {"ec2:DescribeImages"}
    assert partial["skipped"] == {"outside-window": 1, "other-principal": 1}


def test_real_function_arns_from_name_or_arn_parameters():
    acc = ActivityAccumulator(load_catalog())
    acc.add(_event("UpdateFunctionCode20150331v2", source="lambda.amazonaws.com",
                   requestParameters={"functionName": "arn:aws:lambda:us-east-1:111111111111:function:f"}))
    acc.add(_event("GetFunction20150331v2", source="lambda.amazonaws.com", requestParameters={"functionName": "g"}))
    acc.add(_event("GetFunction20150331v2", source="lambda.amazonaws.com",
                   requestParameters={"functionName": "h"}, awsRegion="us-east-1r"))
    actions = acc.partial()["principals"]["arn:aws:iam::111111111111:user/u"]["actions"]
    assert actions["lambda:UpdateFunctionCode"]["resources"] == ["arn:aws:lambda:us-east-1:111111111111:function:f"]
    assert actions["lambda:GetFunction"]["resources"] is None  # one call was in no AWS Region


def test_resources_fall_back_when_a_call_names_no_reliable_arn():
    acc = ActivityAccumulator(load_catalog())
    acc.add(_event("GetObject", source="s3.amazonaws.com", requestParameters={"bucketName": "b", "key": "k/1"}))
    acc.add(_event("ListObjects", source="s3.amazonaws.com", requestParameters={"bucketName": "b"}))
    acc.add(_event("DeleteObject", source="s3.amazonaws.com", requestParameters={"bucketName": "b", "key": "x"}))
    acc.add(_event("DeleteObject", source="s3.amazonaws.com", requestParameters={}))
    actions = acc.partial()["principals"]["arn:aws:iam::111111111111:user/u"]["actions"]
    assert actions["s3:GetObject"]["resources"] == ["arn:aws:s3:::b/k/1"]
    assert actions["s3:ListBucket"]["resources"] == ["arn:aws:s3:::b"]
    assert actions["s3:DeleteObject"]["resources"] is None
