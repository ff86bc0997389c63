"""Soundness of internal access (issue #16): in random small organizations, every (principal, action) the
concrete authorization allows on the resource is covered by a finding of that principal, every finding's
example is allowed by `trustmap simulate`'s path, and a principal allowed nothing has no finding."""
from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.simulate import simulate
from solvers.authorization.context import AuthRequest
from solvers.authorization.decide import decide
from solvers.authorization.simulate_input import read_simulation
from solvers.internal.analyze import ACCOUNT, ORGANIZATION, analyze_resource, context_of, fixed_context
from tests.solvers.internal.orgs import BUCKET, ORG, OTHER, OWNER, allow, bucket, deny, levels, role, user

ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"]
ACTION_PATTERNS = [*ACTIONS, "s3:*", "s3:Get*", "*", "s3:*Object"]
RESOURCES = ["*", BUCKET, f"{BUCKET}/*", f"{BUCKET}/private/*", "arn:aws:s3:::other/*"]
CONDITIONS = [None, {"Bool": {"aws:SecureTransport": "true"}},
              {"StringEquals": {"aws:PrincipalOrgID": ORG}},
              {"StringEquals": {"aws:PrincipalAccount": OTHER}},
              {"NumericGreaterThan": {"s3:max-keys": "10"}}]  # no probe meets it: the solver's
# requests the check replays: (action, resource, extra context)
PROBES = [(a, r, c) for a in ACTIONS
          for r in ([BUCKET] if a == "s3:ListBucket" else [f"{BUCKET}/x", f"{BUCKET}/private/x"])
          for c in ({}, {"aws:securetransport": ("true",)}, {"s3:max-keys": ("11",)})]

statement = st.fixed_dictionaries({
    "Action": st.lists(st.sampled_from(ACTION_PATTERNS), min_size=1, max_size=2, unique=True),
    "Resource": st.lists(st.sampled_from(RESOURCES), min_size=1, max_size=2, unique=True),
    "Condition": st.sampled_from(CONDITIONS)})


def _doc(effect: str, stmt: dict, principal: object = None) -> dict:
    body = {"Effect": effect, "Action": stmt["Action"], "Resource": stmt["Resource"]}
    if stmt["Condition"]:
        body["Condition"] = stmt["Condition"]
    if principal is not None:
        body["Principal"] = principal
    return {"Version": "2012-10-17", "Statement": [body]}


@st.composite
def organizations(draw):
    people = []
    for i in range(draw(st.integers(1, 4))):
        account = draw(st.sampled_from([OWNER, OTHER]))
        identity = [_doc("Allow", s) for s in draw(st.lists(statement, max_size=2))]
        if draw(st.booleans()):
            identity.append(_doc("Deny", draw(statement)))
        boundary = _doc("Allow", draw(statement)) if draw(st.integers(0, 3)) == 0 else None
        scp_deny = _doc("Deny", draw(statement)) if draw(st.booleans()) else None
        make = role if draw(st.booleans()) else user
        people.append(make(account, f"p{i}", *identity, boundary=boundary, scps=levels(None, scp_deny)))
    who = draw(st.sampled_from(["*", {"AWS": OTHER}, {"AWS": OWNER}, {"AWS": people[0].arn}]))
    policy = _doc(draw(st.sampled_from(["Allow", "Allow", "Deny"])), draw(statement), who) if draw(st.booleans()) else None
    rcp_deny = None
    if draw(st.booleans()):
        rcp_deny = _doc("Deny", draw(statement), "*")
    return people, bucket(policy, levels(rcp_deny, rcp=True))


def _allowed(person, target, zone: str) -> set[str]:
    ctx = context_of(person, target, zone)
    fixed = fixed_context(person, target)
    return {a for a, r, extra in PROBES if decide(ctx, AuthRequest(a, r, {**fixed, **extra})).allowed}


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(organizations(), st.sampled_from([ORGANIZATION, ACCOUNT]))
def test_findings_cover_every_allowed_action_and_examples_are_allowed(org, zone):
    people, target = org
    findings = analyze_resource(target, people, zone)
    by_principal: dict[str, set[str]] = {}
    for f in findings:
        d = f["findingDetails"][0]["internalAccessDetails"]
        assert not f.get("error"), f"an error finding for {d['principal']}"
        by_principal.setdefault(d["principal"]["AWS"], set()).update(d["action"])
        response = simulate(read_simulation(f["example"]))
        assert [r["EvalDecision"] for r in response["EvaluationResults"]] == ["allowed"]
        assert f["example"]["CallerArn"] == d["principal"]["AWS"]
    for person in people:
        if zone == ACCOUNT and person.account != OWNER:
            assert person.arn not in by_principal
            continue
        allowed = _allowed(person, target, zone)
        assert allowed <= by_principal.get(person.arn, set()), person.arn
        if not by_principal.get(person.arn):
            assert not allowed


def test_the_property_sees_conditions_and_partial_patterns():
    """A guard against a vacuous property: the generator's vocabulary reaches the symbolic path."""
    reader = role(OWNER, "r", allow("s3:GetObject", f"{BUCKET}/private/*"))
    [f] = analyze_resource(bucket(), [replace(reader)])
    assert f["example"]["ResourceArns"][0].startswith(f"{BUCKET}/private/")
    cond = role(OWNER, "c", allow("s3:GetObject", "*", Condition={"Bool": {"aws:SecureTransport": "true"}}),
                deny("s3:PutObject"))
    [f] = analyze_resource(bucket(), [cond])
    condition = f["findingDetails"][0]["internalAccessDetails"]["condition"]
    assert {k: v.lower() for k, v in condition.items()} == {"aws:SecureTransport": "true"}
    solved = role(OWNER, "n", allow("s3:ListBucket", "*", Condition={"NumericGreaterThan": {"s3:max-keys": "10"}}))
    [f] = analyze_resource(bucket(), [solved])
    assert int(f["findingDetails"][0]["internalAccessDetails"]["condition"]["s3:max-keys"]) > 10
