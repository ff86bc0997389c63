"""Property tests of the findings engine against the concrete evaluator.

Soundness: every request the evaluator allows from outside the zone lies inside some finding (its
principal, one of its actions, every condition value). No phantom findings: every finding's example
request is allowed and external. Policies and requests are drawn from a small colliding vocabulary of
principals, actions, resources and understood / caller-controlled condition keys.
"""
from __future__ import annotations

import ipaddress
import json

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from solvers.evaluator import Principal, Request, glob_match, is_allowed
from solvers.external.access import Access, external_access
from solvers.external.zone import ZoneOfTrust
from solvers.policy import parse_policy
from solvers.symbolic import engine
from solvers.variables import Glob

OWN, OTHER, THIRD, ORG = "111122223333", "444455556666", "555566667777", "o-a1b2c3d4e5"
BUCKET = "arn:aws:s3:::bkt"
ZONES = (ZoneOfTrust(OWN), ZoneOfTrust(OWN, ORG, frozenset({THIRD})))

PRINCIPALS = ("*", {"AWS": "*"}, {"AWS": OTHER}, {"AWS": OWN}, {"AWS": f"arn:aws:iam::{OTHER}:role/r1"},
              {"AWS": [OTHER, f"arn:aws:iam::{THIRD}:user/u"]}, {"Federated": "cognito-identity.amazonaws.com"},
              {"Service": "sns.amazonaws.com"}, {"CanonicalUser": "c0ffee"})
ACTIONS = ("s3:GetObject", "s3:Get*", "s3:*", "s3:PutObject", "*", "s3:ListBucket", "s3:*Object")
RESOURCES = (BUCKET, BUCKET + "/*", "*", BUCKET + "/a*")
# (key, operators, values): values with wildcards go only with Like operators
CONDITIONS = (
    ("aws:PrincipalArn", ("StringLike", "StringNotLike"),
     (f"arn:aws:iam::{OTHER}:role/*", "arn:aws:iam::*:role/r1", f"arn:aws:iam::{THIRD}:*")),
    ("aws:PrincipalArn", ("StringEquals", "StringNotEquals"),
     (f"arn:aws:iam::{OTHER}:role/r1", f"arn:aws:iam::{OWN}:role/r1")),
    ("aws:SourceIp", ("IpAddress", "NotIpAddress"), ("10.0.0.0/8", "10.1.0.0/16", "192.168.1.1/32")),
    ("aws:SourceVpc", ("StringEquals", "StringNotEquals"), ("vpc-1", "vpc-2")),
    ("aws:PrincipalOrgID", ("StringEquals", "StringNotEquals"), (ORG, "o-otherorg01")),
    ("aws:PrincipalAccount", ("StringEquals", "StringNotEquals"), (OWN, OTHER)),
    ("aws:Referer", ("StringLike",), ("https://a/*", "x")),
    ("aws:SecureTransport", ("Bool",), ("true", "false")),
)

REQUEST_PRINCIPALS = tuple(Principal("AWS", a) for a in (
    f"arn:aws:iam::{OTHER}:role/r1", f"arn:aws:iam::{OTHER}:user/x", f"arn:aws:iam::{THIRD}:user/u",
    f"arn:aws:iam::{OWN}:role/r1", "arn:aws:iam::999988887777:root")) + (
    Principal("Federated", "cognito-identity.amazonaws.com"), Principal("Service", "sns.amazonaws.com"),
    Principal("CanonicalUser", "c0ffee"))
REQUEST_ACTIONS = ("s3:GetObject", "s3:PutObject", "s3:ListBucket", "s3:DeleteObject", "s3:GetBucketPolicy")
REQUEST_VALUES = {
    "aws:principalarn": (f"arn:aws:iam::{OTHER}:role/r1", f"arn:aws:iam::{THIRD}:user/u",
                         f"arn:aws:iam::{OWN}:role/r1", f"arn:aws:iam::{OTHER}:role/other"),
    "aws:sourceip": ("10.1.2.3", "10.2.0.1", "192.168.1.1", "8.8.8.8"),
    "aws:sourcevpc": ("vpc-1", "vpc-2", "vpc-3"),
    "aws:principalorgid": (ORG, "o-otherorg01", "o-thirdorg02"),
    "aws:principalaccount": (OWN, OTHER, THIRD),
    "aws:referer": ("https://a/b", "x", "y"),
    "aws:securetransport": ("true", "false"),
}


@st.composite
def statements(draw) -> dict:
    st_ = {"Effect": draw(st.sampled_from(("Allow", "Allow", "Deny"))),
           "Principal": draw(st.sampled_from(PRINCIPALS)),
           draw(st.sampled_from(("Action", "Action", "NotAction"))): draw(st.lists(st.sampled_from(ACTIONS), min_size=1,
                                                                                  max_size=2, unique=True)),
           "Resource": draw(st.lists(st.sampled_from(RESOURCES), min_size=1, max_size=2, unique=True))}
    block: dict = {}
    for key, ops, values in draw(st.lists(st.sampled_from(CONDITIONS), max_size=3, unique_by=lambda c: c[0])):
        op = draw(st.sampled_from(ops))
        block.setdefault(op, {})[key] = draw(st.lists(st.sampled_from(values), min_size=1, max_size=2, unique=True))
    if block:
        st_["Condition"] = block
    return st_


@st.composite
def requests(draw) -> Request:
    context = {key: draw(st.sampled_from(values)) for key, values in REQUEST_VALUES.items() if draw(st.booleans())}
    return Request.of(draw(st.sampled_from(REQUEST_ACTIONS)), draw(st.sampled_from((BUCKET, BUCKET + "/x", BUCKET + "/a1"))),
                      draw(st.sampled_from(REQUEST_PRINCIPALS)), context)


def _covers(access: Access, request: Request) -> bool:
    who = request.principal
    assert who is not None
    [(kind, text)] = access.principal.items()
    if text != "*":
        if kind == "AWS" and text.isdigit():
            fields = who.id.split(":")
            if who.kind != "AWS" or len(fields) < 5 or fields[4] != text:
                return False
        elif (who.kind, who.id) != (kind, text):
            return False
    if not any(glob_match((Glob(a),), request.action, ignore_case=True) for a in access.actions):
        return False
    for key, value in access.condition.items():
        got = request.context.get(key.lower(), ())
        if key.lower() == "aws:sourceip":
            net = ipaddress.ip_network(value, strict=False)
            if not any(ipaddress.ip_address(v) in net for v in got):
                return False
        elif not any(glob_match((Glob(value),), v) for v in got):
            return False
    return True


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink], report_multiple_bugs=False)
@given(st.lists(statements(), min_size=1, max_size=4), st.lists(requests(), min_size=40, max_size=40),
       st.sampled_from(ZONES))
def test_findings_cover_every_external_request_and_only_real_ones(stmts, reqs, zone) -> None:
    policy = parse_policy(json.dumps({"Version": "2012-10-17", "Statement": stmts}))
    found = external_access(policy, zone, [BUCKET, BUCKET + "/*"], ["s3"])
    for access in found:
        assert is_allowed(policy, access.example) and zone.is_external(access.example)
    for request in reqs:
        if is_allowed(policy, request) and zone.is_external(request):
            assert any(_covers(a, request) for a in found), (request, found)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(statements(), min_size=1, max_size=4), st.sampled_from(ZONES))
def test_findings_are_the_same_with_and_without_the_solver(stmts, zone) -> None:
    """Small class spaces are enumerated instead of solved (`solvers.symbolic.finite`): the findings
    must be exactly those the Z3 path reports (examples may differ; both replay)."""
    policy = parse_policy(json.dumps({"Version": "2012-10-17", "Statement": stmts}))

    def findings(limit: int) -> set:
        default = engine.ENUMERATION_LIMIT
        engine.ENUMERATION_LIMIT = limit
        try:
            return {(tuple(a.principal.items()), a.actions, tuple(sorted(a.condition.items())), a.is_public)
                    for a in external_access(policy, zone, [BUCKET, BUCKET + "/*"], ["s3"])}
        finally:
            engine.ENUMERATION_LIMIT = default

    assert findings(1 << 20) == findings(0)
