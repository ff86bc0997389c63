"""Where each statement of a policy lies in its text, and which statements grant a finding's example
request: what the report highlights.

A granting statement is an Allow statement the concrete evaluator matches against the finding's example
request (the request the analysis replayed through that same evaluator). A finding whose access comes
from elsewhere (an S3 ACL grant, a KMS grant, snapshot sharing) has none in the resource's policy, and
the report says so instead of highlighting. Many findings ask one policy the same question, each for its
own resource (a trust or key policy stamped into many accounts): the evaluator judges each such question
once, and each finding only tests its resource against the statements that matched.
"""
from __future__ import annotations

from collections.abc import Callable

import orjson

from solvers.errors import PolicyError
from solvers.evaluator import PRINCIPAL_KINDS, Principal, Request, resource_test
from solvers.policy import Policy, parse_policy


def _request(example: dict) -> Request | None:
    principal = None
    for kind, value in (example.get("principal") or {}).items():
        if kind in PRINCIPAL_KINDS and isinstance(value, str):
            principal = Principal(kind, value)
    if not isinstance(example.get("action"), str) or not isinstance(example.get("resource"), str):
        return None
    context = {k: v for k, v in (example.get("context") or {}).items() if isinstance(v, str | list | tuple)}
    return Request.of(example["action"], example["resource"], principal, context)


class PolicyTexts:
    """The policies of one report, each distinct text parsed once."""

    def __init__(self) -> None:
        self._parsed: dict[str, Policy | None] = {}
        self._spans: dict[str, list[list[int]]] = {}
        # (text, the request but its resource) -> (index, resource test) of the Allow statements that match
        self._shapes: dict[tuple[str, bytes], list[tuple[int, Callable[[str], bool]]]] = {}

    def parsed(self, text: str) -> Policy | None:
        if text not in self._parsed:
            try:
                self._parsed[text] = parse_policy(text)
            except PolicyError:
                self._parsed[text] = None  # a malformed document is shown as text, its validation findings marked
        return self._parsed[text]

    def statement_spans(self, text: str) -> list[list[int]]:
        """[start, end) character offsets of every statement, in order (none when the text does not parse)."""
        if text not in self._spans:
            self._spans[text] = self._statement_spans(text)
        return self._spans[text]

    def _statement_spans(self, text: str) -> list[list[int]]:
        policy = self.parsed(text)
        if policy is None:
            return []
        # the fast parse's spans are lazy: each is found by walking its path with the C scanner
        return [[s.span.start_offset, s.span.end_offset] for s in policy.statements]

    def granting_statements(self, text: str, example: dict) -> list[int]:
        """Indices of the Allow statements of the policy `text` that match the example request."""
        resource = example.get("resource")
        if not isinstance(resource, str):
            return []
        # the question but its resource, as the example words it (one JSON text, compared in C)
        shape = (text, orjson.dumps({k: v for k, v in example.items() if k != "resource"}, option=orjson.OPT_SORT_KEYS))
        tests = self._shapes.get(shape)
        if tests is None:
            policy, request = self.parsed(text), _request(example)
            tests = self._shapes[shape] = [] if policy is None or request is None else [
                (s.index, test) for s in policy.statements if s.effect == "Allow"
                for test in [resource_test(s, policy, request)] if test is not None]
        return [index for index, test in tests if test(resource)]
