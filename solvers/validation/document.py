"""A tolerant view of a policy document for validation.

`solvers.policy.parse_policy` stops at the first problem, which is right for analysis; validation
must instead see every element, whatever its JSON type, to report every problem with its place.
This view is built from the span-keeping JSON tree (`solvers.jsonspan`) and never raises: a value of
the wrong type is kept as it is, and the structure checks report it.
"""
from __future__ import annotations

from dataclasses import dataclass

from solvers.jsonspan import JArray, JBool, JNull, JNumber, JObject, JString, Node
from solvers.validation.findings import Location, PathElement

TOP_ELEMENTS = ("Version", "Id", "Statement")
STATEMENT_ELEMENTS = ("Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource",
                      "NotResource", "Condition")


class At:
    """A JSON value and its path from the document root. Immutable by convention; a plain slotted
    class because validation creates many and reads `text` often (computed once, here). Its members
    and items are built on first use and kept: every check family walks the same elements."""

    __slots__ = ("node", "path", "text", "_members", "_items")

    def __init__(self, node: Node, path: tuple[PathElement, ...]):
        self.node = node
        self.path = path
        # the string value ('' for anything that is not a string)
        self.text: str = node.value if type(node) is JString else ""
        self._members: list[tuple[JString, At]] | None = None
        self._items: list[At] | None = None

    @property
    def location(self) -> Location:
        return Location(self.path, self.node.span)

    @property
    def is_string(self) -> bool:
        return type(self.node) is JString

    def members(self) -> list[tuple[JString, At]]:
        """An object's members in order (duplicates included); [] for anything else."""
        if self._members is None:
            node, path = self.node, self.path
            self._members = [(k, At(v, path + (k.value,))) for k, v in node.pairs] \
                if type(node) is JObject else []
        return self._members

    def items(self) -> list[At]:
        """An array's items, or the value itself when it is not an array (IAM's one-or-many)."""
        if self._items is None:
            node = self.node
            if type(node) is not JArray:
                return [self]  # not kept: a list holding its owner would be a reference cycle
            path = self.path
            self._items = [At(v, path + (i,)) for i, v in enumerate(node.items)]
        return self._items

    def strings(self) -> list[At]:
        """The string items of a one-or-many value; other types are the structure checks' business."""
        return [a for a in self.items() if type(a.node) is JString]


# _PER_ELEMENT: Operator, ConditionEntry and Statement are made for every statement and condition of
# every policy validated; a frozen dataclass assigns its fields through object.__setattr__, which made
# up a third of building this view. They are immutable by convention, compared and hashed as frozen
# ones are (as jsonspan's nodes).


def scalar_text(node: Node) -> str | None:
    """A condition value as IAM reads it: strings, numbers and booleans as text; None otherwise."""
    if isinstance(node, JString):
        return node.value
    if isinstance(node, JNumber):
        return node.text
    if isinstance(node, JBool):
        return "true" if node.value else "false"
    return None


@dataclass(slots=True, unsafe_hash=True)  # immutable by convention (see _PER_ELEMENT)
class Operator:
    """A condition operator as written, split into its parts (whether or not they are valid)."""
    text: str
    qualifier: str | None  # text before ':' ("ForAnyValue"), when there is a ':'
    base: str  # without qualifier and IfExists
    if_exists: bool

    @staticmethod
    def split(text: str) -> Operator:
        qualifier, rest = (text.split(":", 1) if ":" in text else (None, text))
        if_exists = rest.endswith("IfExists") and rest != "IfExists"
        return Operator(text, qualifier, rest[: -len("IfExists")] if if_exists else rest, if_exists)

    @property
    def negated(self) -> bool:
        return "Not" in self.base


@dataclass(slots=True, unsafe_hash=True)  # immutable by convention (see _PER_ELEMENT)
class ConditionEntry:
    """One (operator, key) pair of a Condition block."""
    operator: Operator
    operator_at: At  # the operator's block
    key: str
    key_token: JString
    value: At  # the key's value (a scalar or an array)

    @property
    def values(self) -> list[At]:
        return self.value.items()

    @property
    def texts(self) -> list[str]:
        return [t for t in (scalar_text(v.node) for v in self.values) if t is not None]

    @property
    def key_lower(self) -> str:
        return self.key.lower()


@dataclass(slots=True, unsafe_hash=True)  # immutable by convention (see _PER_ELEMENT)
class Statement:
    index: int
    at: At
    elements: dict[str, At]  # element name -> its value (the last one when a name repeats)
    keys: dict[str, JString]  # element name -> its key token
    condition_entries: tuple[ConditionEntry, ...]  # read once: most checks look at the conditions
    action_values: tuple[At, ...]  # the strings of Action or NotAction
    resource_values: tuple[At, ...]  # the strings of Resource or NotResource

    def get(self, name: str) -> At | None:
        return self.elements.get(name)

    @property
    def effect(self) -> str | None:
        e = self.elements.get("Effect")
        return e.text if e is not None and e.text in ("Allow", "Deny") else None

    @property
    def action_element(self) -> tuple[At | None, bool]:
        """(value, negated) of Action or NotAction."""
        if "Action" in self.elements:
            return self.elements["Action"], False
        return self.elements.get("NotAction"), "NotAction" in self.elements

    @property
    def resource_element(self) -> tuple[At | None, bool]:
        if "Resource" in self.elements:
            return self.elements["Resource"], False
        return self.elements.get("NotResource"), "NotResource" in self.elements

    @property
    def principal_element(self) -> tuple[At | None, bool]:
        if "Principal" in self.elements:
            return self.elements["Principal"], False
        return self.elements.get("NotPrincipal"), "NotPrincipal" in self.elements

    @property
    def actions(self) -> tuple[At, ...]:
        """The string values of Action (not NotAction)."""
        return self.action_values if "Action" in self.elements else ()

    @property
    def resources(self) -> tuple[At, ...]:
        return self.resource_values if "Resource" in self.elements else ()

    def principals(self) -> list[tuple[str, At]]:
        """(kind, value) for every string principal of Principal/NotPrincipal; kind '*' for the bare "*"."""
        p, _ = self.principal_element
        if p is None:
            return []
        if isinstance(p.node, JString):
            return [("*", p)]
        return [(k.value, v) for k, member in p.members() for v in member.strings()]

    def conditions(self) -> tuple[ConditionEntry, ...]:
        return self.condition_entries

    def condition_keys(self) -> set[str]:
        return {c.key_lower for c in self.condition_entries}


@dataclass(frozen=True, slots=True)
class Document:
    text: str
    root: At
    statements: tuple[Statement, ...]

    @property
    def version(self) -> str | None:
        for k, v in self.root.members():
            if k.value == "Version":
                return v.text or None
        return None

    @staticmethod
    def build(text: str, tree: Node) -> Document:
        root = At(tree, ())
        stmt_at = None
        for k, v in root.members():
            if k.value == "Statement":
                stmt_at = v
        statements: list[Statement] = []
        if stmt_at is not None:
            items = stmt_at.items() if isinstance(stmt_at.node, JArray) else [stmt_at]
            for i, s in enumerate(items):
                if isinstance(s.node, JObject):
                    members = s.members()
                    elements = {k.value: v for k, v in members}
                    action = elements.get("Action", elements.get("NotAction"))
                    resource = elements.get("Resource", elements.get("NotResource"))
                    statements.append(Statement(
                        i, s, elements, {k.value: k for k, _ in members}, _conditions(elements.get("Condition")),
                        tuple(action.strings()) if action is not None else (),
                        tuple(resource.strings()) if resource is not None else ()))
        return Document(text, root, tuple(statements))


def _conditions(c: At | None) -> tuple[ConditionEntry, ...]:
    if c is None:
        return ()
    out = []
    for op_key, block in c.members():
        op = Operator.split(op_key.value)
        for key, value in block.members():
            out.append(ConditionEntry(op, block, key.value, key, value))
    return tuple(out)


def is_null(node: Node) -> bool:
    return isinstance(node, JNull)
