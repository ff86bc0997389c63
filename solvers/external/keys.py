"""Which condition keys shape a finding, and how findings show values.

Access Analyzer only "understands" keys an outside caller cannot set to whatever it likes: keys that
name the caller, its network, the service acting for it, or a federated audience. Those keys become
levels of the findings lattice and appear in a finding's `condition`. Every other key (aws:Referer,
aws:SecureTransport, s3:prefix, ...) is left to the caller: the solver may give it any value.
"""
from __future__ import annotations

UNDERSTOOD_KEYS = frozenset({
    "aws:principalarn", "aws:principalaccount", "aws:principalorgid", "aws:principalorgpaths", "aws:userid",
    "kms:calleraccount",
    "aws:sourceip", "aws:sourcevpc", "aws:sourcevpce",
    "aws:sourceaccount", "aws:sourcearn", "aws:sourceowner", "aws:sourceorgid", "aws:sourceorgpaths",
    "s3:x-amz-server-side-encryption-aws-kms-key-id", "s3:dataaccesspointaccount", "s3:dataaccesspointarn",
    "lambda:eventsourcetoken",
    "cognito-identity.amazonaws.com:aud", "accounts.google.com:aud", "graph.facebook.com:app_id",
    "www.amazon.com:app_id", "saml:aud",
})
# Keys of an OIDC identity provider in a trust policy, e.g. token.actions.githubusercontent.com:sub.
_PROVIDER_SUFFIXES = (":aud", ":sub", ":oaud", ":app_id")


def is_understood(key_lower: str) -> bool:
    if key_lower in UNDERSTOOD_KEYS:
        return True
    prefix, _, _ = key_lower.partition(":")
    return "." in prefix and key_lower.endswith(_PROVIDER_SUFFIXES)


def is_unrestrictive(value: str) -> bool:
    """A condition value that lets anyone through: a bare wildcard or a CIDR of every address."""
    return value.strip("*") == "" or value in ("0.0.0.0/0", "::/0")
