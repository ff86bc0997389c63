"""Policy validation: Access Analyzer's ValidatePolicy checks, each with its issue code and the exact
location of the offending JSON token.

    validate_policy(text, "IDENTITY_POLICY") -> list[Finding]
"""
from solvers.validation.engine import validate_policy
from solvers.validation.findings import FINDING_TYPES, POLICY_TYPES, RESOURCE_TYPES, Finding, Location

__all__ = ["FINDING_TYPES", "POLICY_TYPES", "RESOURCE_TYPES", "Finding", "Location", "validate_policy"]
