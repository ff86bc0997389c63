"""RCPs folded into external access (`--apply-guardrails`): blocked actions disappear, the rest keep their
finding (and id), and every folded finding agrees with whole-request authorization (`decide`)."""
from __future__ import annotations

import json

import pytest

from solvers.authorization.context import AuthContext, AuthRequest, Caller, Source
from solvers.authorization.decide import decide
from solvers.external.analyze import analyze_resource
from solvers.external.zone import ZoneOfTrust
from solvers.policy import parse_policy

OWNER, OUTSIDER, ORG = "111122223333", "999988887777", "o-a1b2c3d4e5"
BUCKET = "arn:aws:s3:::data"
ZONE = ZoneOfTrust(OWNER, ORG, frozenset({OWNER}))


def doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


FULL = doc({"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"})
# the usual data-perimeter RCP, here on writes only
NO_OUTSIDE_PUT = doc({"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": "*",
                      "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": ORG},
                                    "BoolIfExists": {"aws:PrincipalIsAWSService": "false"}}})
NO_OUTSIDE_S3 = NO_OUTSIDE_PUT.replace('"s3:PutObject"', '"s3:*"')
BUCKET_POLICY = doc({"Effect": "Allow", "Principal": {"AWS": OUTSIDER}, "Action": ["s3:GetObject", "s3:PutObject"],
                     "Resource": f"{BUCKET}/*"})


def levels(*texts: str) -> tuple:
    """Root level with RCPFullAWSAccess, the account level with it and `texts`."""
    return ((parse_policy(FULL),), (parse_policy(FULL), *(parse_policy(t) for t in texts)))


def findings(guardrails=None, zone: ZoneOfTrust = ZONE, policy: str = BUCKET_POLICY) -> list[dict]:
    out = analyze_resource("AWS::S3::Bucket", BUCKET, OWNER, {"s3Bucket": {"bucketPolicy": policy}}, zone,
                           guardrails=guardrails)
    assert not any(f["error"] for f in out)
    return out


def test_a_blocked_action_disappears_and_the_finding_keeps_its_id() -> None:
    plain, = findings()
    folded, = findings(levels(NO_OUTSIDE_PUT))
    assert plain["action"] == ["s3:GetObject", "s3:PutObject"]
    assert folded["action"] == ["s3:GetObject"]
    assert (folded["id"], folded["principal"], folded["condition"]) == (plain["id"], plain["principal"], {})


def test_the_finding_disappears_when_every_action_is_blocked() -> None:
    assert findings(levels(NO_OUTSIDE_S3)) == []


def test_rcps_that_block_nothing_change_nothing() -> None:
    plain, = findings()
    folded, = findings(levels())  # RCPFullAWSAccess alone
    assert (folded["id"], folded["action"]) == (plain["id"], plain["action"])


def test_an_empty_level_blocks_every_rcp_service_action() -> None:
    assert findings(((parse_policy(FULL),), ())) == []


def test_account_zone_keeps_access_for_the_organization_under_its_condition() -> None:
    """Outside one account but inside the organization the RCP lets the caller through: the blocked action
    comes back under aws:PrincipalOrgID, as its own finding."""
    got = {json.dumps(f["condition"]): f["action"] for f in findings(levels(NO_OUTSIDE_PUT), ZoneOfTrust(OWNER))}
    assert got == {"{}": ["s3:GetObject"], json.dumps({"aws:PrincipalOrgID": ORG}): ["s3:PutObject"]}


def test_services_rcps_do_not_bind_keep_their_actions() -> None:
    topic = "arn:aws:sns:us-east-1:111122223333:t"
    policy = doc({"Effect": "Allow", "Principal": {"AWS": OUTSIDER}, "Action": "sns:Publish", "Resource": topic})
    deny_all = doc({"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"})
    out = analyze_resource("AWS::SNS::Topic", topic, OWNER, {"snsTopic": {"topicPolicy": policy}}, ZONE,
                           guardrails=levels(deny_all))
    assert [f["action"] for f in out] == [["sns:Publish"]]


@pytest.mark.parametrize("rcp", [NO_OUTSIDE_PUT, NO_OUTSIDE_S3])
def test_folding_agrees_with_whole_request_authorization(rcp: str) -> None:
    """Each action of the bucket policy, asked of `decide` for a role of the outside account with every
    identity permission and the same RCP levels: allowed exactly when a folded finding lists it."""
    rcps = levels(rcp)
    listed = {a for f in findings(rcps) for a in f["action"]}
    ctx = AuthContext(Caller.from_arn(f"arn:aws:iam::{OUTSIDER}:role/app"), OWNER,
                      identity=(Source(parse_policy(doc({"Effect": "Allow", "Action": "*", "Resource": "*"})), "id"),),
                      resource_policy=Source(parse_policy(BUCKET_POLICY), "bucket", "resource"),
                      rcp_levels=tuple(tuple(Source(p, f"rcp{i}") for i, p in enumerate(lv)) for lv in rcps))
    context = {"aws:principalisawsservice": ("false",), "aws:principalaccount": (OUTSIDER,)}
    for action in ("s3:GetObject", "s3:PutObject"):
        allowed = decide(ctx, AuthRequest(action, f"{BUCKET}/key", context)).allowed
        assert allowed == (action in listed), action
