"""Reading a template or plan: the text, its kind, and a tree whose every node knows its place.

JSON is parsed by `solvers.jsonspan` (the tokenizer `trustmap validate` uses), YAML by ruamel.yaml's
composer, which keeps each node's start and end marks and does not interpret scalars: `2012-10-17`
stays the text it is, an unquoted account id keeps its leading zeros. The YAML node graph is turned
into the same span tree as JSON (JObject, JArray, JString, ...), with CloudFormation's short-form tags
(`!Sub x`) rewritten into their long forms (`{"Fn::Sub": x}`) spanning the tagged node.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from solvers.errors import InputError, PolicyError
from solvers.jsonspan import (
    JArray,
    JBool,
    JNull,
    JNumber,
    JObject,
    JString,
    LineIndex,
    Node,
    Span,
    parse_json,
)

MAX_TEMPLATE_BYTES = 64 << 20  # far above CloudFormation's 1 MB limit; plans of big estates run larger
CLOUDFORMATION = "cloudformation"
TERRAFORM_PLAN = "terraform-plan"
INPUT_TYPES = (CLOUDFORMATION, TERRAFORM_PLAN)

# short-form tags and the long-form function each one stands for
_TAGS = {"!Ref": "Ref", "!Condition": "Condition", "!GetAtt": "Fn::GetAtt", "!Base64": "Fn::Base64"} | {
    f"!{name}": f"Fn::{name}" for name in (
        "And", "Equals", "If", "Not", "Or", "FindInMap", "GetAZs", "ImportValue", "Join", "Select", "Split",
        "Sub", "Transform", "Cidr", "Length", "ToJsonString")}


@dataclass(frozen=True)
class Source:
    name: str  # the path as given ("-" for standard input)
    text: str
    kind: str  # CLOUDFORMATION | TERRAFORM_PLAN
    tree: Node


def read_source(path: str, input_type: str | None = None) -> Source:
    """Read and parse a template or plan; InputError (exit 2) when it cannot be read or is neither."""
    data = _read_bytes(path)
    if data[:2] in (b"PK", b"\x1f\x8b"):
        raise InputError(f"{path} is a binary file (a saved Terraform plan?): give `terraform show -json PLAN` output")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path} is not UTF-8 text") from None
    if not text.strip():
        raise InputError(f"{path} is empty")
    tree = _parse(path, text)
    kind = input_type or detect_kind(tree)
    if kind not in INPUT_TYPES:
        raise InputError(f"--input-type must be one of {', '.join(INPUT_TYPES)}, not {kind!r}")
    if not isinstance(tree, JObject):
        raise InputError(f"{path}: a template or plan is a JSON or YAML object at the top")
    return Source(path, text, kind, tree)


def _read_bytes(path: str) -> bytes:
    from connectors.local_files import read_limited
    data = read_limited(path, MAX_TEMPLATE_BYTES)
    if len(data) > MAX_TEMPLATE_BYTES:
        raise InputError(f"{path} is larger than {MAX_TEMPLATE_BYTES >> 20} MB")
    return data


def detect_kind(tree: Node) -> str:
    """A plan has `format_version` and `planned_values` (or at least `terraform_version`); else CloudFormation."""
    if isinstance(tree, JObject) and tree.get("format_version") is not None and (
            tree.get("planned_values") is not None or tree.get("terraform_version") is not None):
        return TERRAFORM_PLAN
    return CLOUDFORMATION


def _parse(path: str, text: str) -> Node:
    stripped = text.lstrip()
    if stripped.startswith("{") or stripped.startswith("["):
        try:
            return parse_json(text)
        except PolicyError as exc:
            if _looks_like_text_plan(text):
                raise InputError(f"{path} is `terraform show` text output: give `terraform show -json PLAN`") from None
            raise InputError(f"{path} is not a valid JSON template: {exc}") from None
    if _looks_like_text_plan(text):
        raise InputError(f"{path} is `terraform show` text output: give `terraform show -json PLAN`")
    return parse_yaml(path, text)


def _looks_like_text_plan(text: str) -> bool:
    head = text[:4000]
    return "Terraform will perform" in head or "Terraform used the selected providers" in head


def parse_yaml(path: str, text: str) -> Node:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError
    try:
        root = YAML(typ="rt", pure=True).compose(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(f"{path} is not a valid YAML template: {problem}{where}") from None
    if root is None:
        raise InputError(f"{path} is empty")
    return _YamlTree(text).convert(root)


class _YamlTree:
    """ruamel nodes -> span tree. Scalars stay strings except YAML's booleans and nulls (CloudFormation
    reads `true`/`false` as booleans, and a condition value `false` must stay one)."""

    def __init__(self, text: str):
        self.lines = LineIndex(text)

    def span(self, node) -> Span:
        start, end = node.start_mark.index, node.end_mark.index
        return Span(start, max(start, end), self.lines)

    def convert(self, node, depth: int = 0) -> Node:
        from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode
        if depth > 200:
            raise InputError("YAML nesting deeper than 200 levels")
        span = self.span(node)
        tag = node.tag.value if hasattr(node.tag, "value") else str(node.tag)
        if tag in _TAGS:
            inner = self._plain(node, depth)
            if tag == "!GetAtt" and isinstance(inner, JString):
                inner = JString(inner.value, inner.span)  # "A.B": the long form accepts the dotted string
            return JObject(((JString(_TAGS[tag], span), inner),), span)
        if tag.startswith("!") and tag not in _TAGS:
            raise InputError(f"unknown YAML tag {tag} at line {span.start.line}")
        if isinstance(node, ScalarNode):
            return self._scalar(node, tag, span)
        if isinstance(node, SequenceNode):
            return JArray(tuple(self.convert(n, depth + 1) for n in node.value), span)
        if isinstance(node, MappingNode):
            pairs = []
            for k, v in node.value:
                if not isinstance(k, ScalarNode):
                    raise InputError(f"a YAML key at line {self.span(k).start.line} is not a scalar")
                pairs.append((JString(str(k.value), self.span(k)), self.convert(v, depth + 1)))
            return JObject(tuple(pairs), span)
        raise InputError(f"unsupported YAML node at line {span.start.line}")

    def _plain(self, node, depth: int) -> Node:
        """The value under a short-form tag, read as an untagged node."""
        from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode
        span = self.span(node)
        if isinstance(node, ScalarNode):
            return JString(str(node.value), span)
        if isinstance(node, SequenceNode):
            return JArray(tuple(self.convert(n, depth + 1) for n in node.value), span)
        if isinstance(node, MappingNode):
            return JObject(tuple((JString(str(k.value), self.span(k)), self.convert(v, depth + 1))
                                 for k, v in node.value), span)
        raise InputError(f"unsupported YAML node at line {span.start.line}")

    @staticmethod
    def _scalar(node, tag: str, span: Span) -> Node:
        value = str(node.value)
        if node.style is None:  # plain scalars only: quoted ones are always strings
            if tag.endswith(":bool"):
                return JBool(value.lower() in ("true", "yes", "on", "y"), span)
            if tag.endswith(":null"):
                return JNull(span)
        return JString(value, span)


def to_python(node: Node):
    """The plain JSON value of a span-tree node (no intrinsic resolution)."""
    if isinstance(node, JString):
        return node.value
    if isinstance(node, JObject):
        return {k.value: to_python(v) for k, v in node.pairs}
    if isinstance(node, JArray):
        return [to_python(v) for v in node.items]
    if isinstance(node, JBool):
        return node.value
    if isinstance(node, JNumber):
        return json.loads(node.text)
    return None


def relative_uri(path: str) -> str:
    """The template path relative to the working directory, with forward slashes (SARIF artifact URIs)."""
    if path == "-":
        return "stdin"
    p = Path(path)
    try:
        p = p.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return p.resolve().as_uri()
    return p.as_posix()
