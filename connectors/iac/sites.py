"""What extraction produces: policy sites, principals and template errors, each with its place.

A *site* is where a policy document is defined (a logical id and property, or a plan address and
attribute): its policy type, the resource type it governs, the target's name, the principals it is
attached to, and the resolved document, or the list of values that kept it from being resolved.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from solvers.jsonspan import Span

Path = tuple[str | int, ...]


@dataclass
class Place:
    """Where something is in the template: its path from the root and the span of its node."""
    file: str
    path: Path
    span: Span | None

    def as_dict(self) -> dict:
        out: dict[str, Any] = {"file": self.file, "path": list(self.path)}
        if self.span is not None:
            out["span"] = self.span.as_dict()
        return out


@dataclass
class Unknown:
    what: str  # "parameter Env", "Fn::ImportValue prod-Repo", "after_unknown"
    place: Place

    def as_dict(self) -> dict:
        return {"what": self.what, "location": self.place.as_dict()}


@dataclass
class Site:
    source_type: str
    policy_type: str  # IDENTITY_POLICY | RESOURCE_POLICY | SERVICE_CONTROL_POLICY | RESOURCE_CONTROL_POLICY
    resource_type: str | None
    policy_name: str | None
    place: Place  # the policy property
    logical_id: str | None = None
    prop: str | None = None
    synthesized_from: list[str] | None = None
    address: str | None = None
    attribute: str | None = None
    resource_name: str | None = None
    policy_path: str | None = None
    attached_to: list[dict] | None = None  # identity policies: [{"type", "logicalId"|"address", "name"}]
    configuration: dict | None = None
    policy: dict | None = None
    origins: dict[Path, Span] = field(default_factory=dict)  # path in the document -> template node
    unresolved: list[Unknown] = field(default_factory=list)
    widened: bool = False  # --unresolved-as-wildcard replaced something in this document
    text: str | None = None  # the document serialized once for the checks

    @property
    def key(self) -> str:
        """The logical id or plan address (synthesized sites: their sources joined)."""
        return self.logical_id or self.address or "+".join(self.synthesized_from or [])

    def locate(self, doc_path: Path) -> Place:
        """The template place of a path inside the document: its origin node, else the nearest
        ancestor's, else the policy property itself."""
        for n in range(len(doc_path), -1, -1):
            span = self.origins.get(doc_path[:n])
            if span is not None:
                return Place(self.place.file, self.place.path + tuple(doc_path), span)
        return Place(self.place.file, self.place.path + tuple(doc_path), self.place.span)

    def as_dict(self) -> dict:
        out: dict[str, Any] = {}
        if self.address is not None:
            out["address"] = self.address
            out["attribute"] = self.attribute
        else:
            out["resourceLogicalId"] = self.logical_id
            if self.synthesized_from is not None:
                out["synthesizedFrom"] = self.synthesized_from
            if self.prop is not None:
                out["property"] = self.prop
        out.update({"sourceType": self.source_type, "policyType": self.policy_type,
                    "resourceType": self.resource_type, "resourceName": self.resource_name,
                    "policyName": self.policy_name})
        if self.policy_path is not None:
            out["policyPath"] = self.policy_path
        if self.attached_to is not None:
            out["attachedTo"] = self.attached_to
        if self.configuration is not None:
            out["configuration"] = self.configuration
        out["policy"] = self.policy
        out["location"] = self.place.as_dict()
        out["unresolved"] = [u.as_dict() for u in self.unresolved]
        return out


@dataclass
class Principal:
    logical_id: str  # or plan address
    type: str
    name: str
    path: str | None = "/"
    external_managed_policy_arns: list[str] = field(default_factory=list)
    place: Place | None = None  # where its managed policy ARNs are listed (else the resource)

    def as_dict(self) -> dict:
        out: dict[str, Any] = {"logicalId": self.logical_id, "type": self.type, "name": self.name}
        if self.path is not None:
            out["path"] = self.path
        if self.external_managed_policy_arns:
            out["externalManagedPolicyArns"] = self.external_managed_policy_arns
        return out


@dataclass
class TemplateProblem:
    """A resource the template gets wrong (IAC_INVALID_RESOURCE), or whose values cannot be known
    before a site exists (IAC_UNRESOLVED_VALUE)."""
    code: str
    message: str
    key: str  # logical id or address
    place: Place
    source_type: str | None = None
    is_address: bool = False  # key is a Terraform plan address

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "address" if self.is_address else "resourceLogicalId":
                self.key, "sourceType": self.source_type, "location": self.place.as_dict()}


@dataclass
class Extraction:
    file: str
    kind: str
    sites: list[Site]
    principals: list[Principal]
    problems: list[TemplateProblem]
    context: dict

    def as_dict(self) -> dict:
        return {"sites": [s.as_dict() for s in self.sites], "principals": [p.as_dict() for p in self.principals],
                "errors": [p.as_dict() for p in self.problems], "context": self.context}
