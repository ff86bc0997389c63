"""The one table of every check family; RULES indexes their rules by issue code."""
from __future__ import annotations

from types import MappingProxyType

from solvers.validation.checks import (
    actions,
    arns,
    grants,
    keys,
    operators,
    organizations,
    principals,
    reasoning,
    redundancy,
    sizes,
    structure,
    tags,
    trust,
    values,
    variables,
    vpce_keys,
)
from solvers.validation.rules import Family, Rule

FAMILIES: tuple[Family, ...] = (
    structure.FAMILY,
    principals.FAMILY,
    trust.FAMILY,
    actions.FAMILY,
    arns.FAMILY,
    grants.FAMILY,
    keys.FAMILY,
    operators.FAMILY,
    values.FAMILY,
    vpce_keys.FAMILY,
    variables.FAMILY,
    tags.FAMILY,
    organizations.FAMILY,
    sizes.FAMILY,
    redundancy.FAMILY,
    reasoning.FAMILY,  # last: it only runs on policies without errors
)


def _index() -> MappingProxyType[str, Rule]:
    out: dict[str, Rule] = {}
    for family in FAMILIES:
        for rule in family.rules:
            if rule.code in out:
                raise ValueError(f"issue code {rule.code} is registered twice")
            out[rule.code] = rule
    return MappingProxyType(out)


RULES = _index()
