"""A resource's properties, resolved one at a time and checked against the shape a family needs.

A wrong type or a missing required property is the template's fault: `InvalidResource` names the
property path the way CloudFormation's schema errors do (`Resources.R.Properties.Policies.0`).
"""
from __future__ import annotations

import json
from typing import Any

from connectors.iac.cfn.resolve import NO_VALUE, Resolution, Resolver, TemplateError
from solvers.jsonspan import JObject, Node, Span


class InvalidResource(TemplateError):
    pass


_KINDS = {"string": str, "object": dict, "array": list, "boolean": bool}


class Props:
    def __init__(self, resolver: Resolver, logical_id: str, resource: JObject):
        self.r = resolver
        self.logical_id = logical_id
        self.resource = resource
        node = resource.get("Properties")
        if node is not None and not isinstance(node, JObject):
            raise InvalidResource(f"Resources.{logical_id}.Properties is not an object", node.span)
        self.node: JObject | None = node

    def where(self, *path: str | int) -> str:
        return ".".join(["Resources", self.logical_id, "Properties", *map(str, path)])

    def require_properties(self) -> JObject:
        if self.node is None:
            raise InvalidResource(f"'Properties' is a required property of Resources.{self.logical_id}",
                                  self.resource.span)
        return self.node

    def child(self, name: str) -> Node | None:
        return self.node.get(name) if self.node is not None else None

    def span(self, name: str | None = None) -> Span:
        n = self.child(name) if name else None
        return n.span if n is not None else (self.node.span if self.node is not None else self.resource.span)

    def get(self, name: str, kind: str, required: bool = False, item: str | None = None) -> Any:
        """The resolved value of a property of the given JSON kind (None when absent)."""
        node = self.child(name)
        if node is None:
            if required:
                raise InvalidResource(f"'{name}' is a required property of {self.where()}", self.span())
            return None
        value = self.r.plain(node)
        if value is NO_VALUE:
            if required:
                raise InvalidResource(f"'{name}' is a required property of {self.where()} (AWS::NoValue)", node.span)
            return None
        check(value, kind, self.where(name), node.span, item)
        return value

    def policy(self, node: Node, where: str) -> Resolution:
        """A policy document: an object, or a JSON string (often built with Fn::Sub) parsed after resolution."""
        return as_policy(self.r.resolve(node), where, node.span)


def as_policy(res: Resolution, where: str, span: Span) -> Resolution:
    if isinstance(res.value, str):
        try:
            doc = json.loads(res.value)
        except json.JSONDecodeError:
            raise InvalidResource(f"{where}: the policy is a string that is not JSON", span) from None
        if not isinstance(doc, dict):
            raise InvalidResource(f"{where}: the policy is not a JSON object", span)
        return Resolution(doc, {(): res.origins.get((), span)}, res.unknown)
    if not isinstance(res.value, dict):
        raise InvalidResource(f"{where}: {_show(res.value)} is not of type 'object'", span)
    return res


def sub_resolution(res: Resolution, prefix: tuple) -> Resolution:
    """The part of a resolved value under `prefix`, with its origins re-rooted."""
    value = res.value
    for step in prefix:
        value = value[step]
    n = len(prefix)
    origins = {p[n:]: s for p, s in res.origins.items() if p[:n] == prefix}
    origins.setdefault((), res.origins.get(prefix[:-1]) or res.origins.get(()))  # type: ignore[arg-type]
    return Resolution(value, origins, [u for u in res.unknown if u[0][:n] == prefix])


def check(value: Any, kind: str, where: str, span: Span, item: str | None = None) -> None:
    if not isinstance(value, _KINDS[kind]) or (kind == "string" and isinstance(value, bool)):
        raise InvalidResource(f"{where}: {_show(value)} is not of type '{kind}'", span)
    if item is not None and isinstance(value, list):
        for i, x in enumerate(value):
            check(x, item, f"{where}.{i}", span)


def _show(v: Any) -> str:
    text = json.dumps(v, default=str)
    return text if len(text) <= 60 else text[:57] + "..."
