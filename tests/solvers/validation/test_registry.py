"""The check registry: every issue code has documentation, a fixture that triggers it and a clean
counterpart that does not; every reported location points at the JSON value its path names."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from solvers.validation import FINDING_TYPES, validate_policy
from solvers.validation.findings import POLICY_TYPES, RESOURCE_TYPES
from solvers.validation.registry import FAMILIES, RULES
from tests.solvers.validation.spans import node_at

FIXTURES = Path(__file__).parent / "fixtures"
CODES = sorted(RULES)


def _text(policy) -> str:
    return policy if isinstance(policy, str) else json.dumps(policy, indent=4)


def _fixture(code: str) -> dict:
    path = FIXTURES / f"{code}.json"
    assert path.exists(), f"{code} has no fixture"
    return json.loads(path.read_text())


def test_registry_covers_the_current_codes() -> None:
    assert len(RULES) >= 140
    assert sum(len(f.rules) for f in FAMILIES) == len(RULES)  # no code registered twice


def test_every_fixture_names_a_registered_code() -> None:
    assert sorted(p.stem for p in FIXTURES.glob("*.json")) == CODES


@pytest.mark.parametrize("code", CODES)
def test_rule_is_documented(code: str) -> None:
    rule = RULES[code]
    assert rule.finding_type in FINDING_TYPES
    assert rule.doc.strip() and rule.message.strip()
    assert rule.scope.policy_types <= set(POLICY_TYPES) and rule.scope.policy_types


@pytest.mark.parametrize("code", CODES)
def test_fixture_triggers_code_and_clean_counterpart_does_not(code: str) -> None:
    fx = _fixture(code)
    assert fx.get("resourceType") in (None, *RESOURCE_TYPES)
    trigger = _text(fx["trigger"])
    found = [f for f in validate_policy(trigger, fx["policyType"], fx.get("resourceType")) if f.issue_code == code]
    assert found, f"the trigger fixture of {code} does not report it"
    for f in found:
        assert f.finding_type == RULES[code].finding_type
        assert f.learn_more_link.endswith(code.lower().replace("_", "-"))
        assert f.locations
        for loc in f.locations:
            if code == "JSON_SYNTAX_ERROR":
                continue
            node = node_at(trigger, [d for d in loc.as_dict()["path"]])
            assert (node.span.start_offset, node.span.end_offset) == (loc.span.start_offset, loc.span.end_offset)
    clean = validate_policy(_text(fx["clean"]), fx["policyType"], fx.get("resourceType"))
    assert code not in {f.issue_code for f in clean}
