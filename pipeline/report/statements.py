"""Where each statement of a policy lies in its text, and which statements grant a finding's example
request: what the report highlights.

A granting statement is an Allow statement the concrete evaluator matches against the finding's example
request (the request the analysis replayed through that same evaluator). A finding whose access comes
from elsewhere (an S3 ACL grant, a KMS grant, snapshot sharing) has none in the resource's policy, and
the report says so instead of highlighting.
"""
from __future__ import annotations

from solvers.errors import PolicyError
from solvers.evaluator import PRINCIPAL_KINDS, Principal, Request, statement_matches
from solvers.policy import Policy, parse_policy


def _request(example: dict) -> Request | None:
    principal = None
    for kind, value in (example.get("principal") or {}).items():
        if kind in PRINCIPAL_KINDS and isinstance(value, str):
            principal = Principal(kind, value)
    if not isinstance(example.get("action"), str) or not isinstance(example.get("resource"), str):
        return None
    context = {k: v for k, v in (example.get("context") or {}).items() if isinstance(v, str | list)}
    return Request.of(example["action"], example["resource"], principal, context)


class PolicyTexts:
    """The policies of one report, each distinct text parsed once."""

    def __init__(self) -> None:
        self._parsed: dict[str, Policy | None] = {}

    def parsed(self, text: str) -> Policy | None:
        if text not in self._parsed:
            try:
                self._parsed[text] = parse_policy(text)
            except PolicyError:
                self._parsed[text] = None  # a malformed document is shown as text, its validation findings marked
        return self._parsed[text]

    def statement_spans(self, text: str) -> list[list[int]]:
        """[start, end) character offsets of every statement, in order (none when the text does not parse)."""
        policy = self.parsed(text)
        if policy is None:
            return []
        return [[s.span.start_offset, s.span.end_offset] for s in policy.statements]

    def granting_statements(self, text: str, example: dict) -> list[int]:
        """Indices of the Allow statements of the policy `text` that match the example request."""
        policy = self.parsed(text)
        request = _request(example)
        if policy is None or request is None:
            return []
        return [s.index for s in policy.statements if s.effect == "Allow" and statement_matches(s, policy, request)]
