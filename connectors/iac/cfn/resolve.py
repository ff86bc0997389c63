"""Resolving CloudFormation values offline: intrinsic functions, pseudo parameters, parameters.

`Resolver.value(node)` turns a span-tree node into its plain JSON value as CloudFormation would, and
records for every value it builds the template node it came from (`origins`: path in the value ->
Span): a literal maps to itself, a function's result to the function node, so a finding inside a
policy built by `Fn::Sub` still points at the template line. Only what a policy needs is resolved,
lazily: a property nobody reads is never looked at.

Two kinds of failure: `TemplateError` (the template is wrong: a malformed function, a reference to
nothing, a cycle) and `Unresolved` (the value exists but cannot be known offline: a parameter without
value, an import, a custom resource's attribute). With `wildcard` set an unresolved string becomes
`*` and is recorded instead of raised (an over-approximation the caller completes).
"""
from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from connectors.iac.cfn import arns
from solvers.jsonspan import JArray, JBool, JNull, JNumber, JObject, JString, Node, Span


class TemplateError(Exception):
    def __init__(self, message: str, span: Span | None = None):
        super().__init__(message)
        self.message = message
        self.span = span


class Unresolved(Exception):
    """`what` names the missing input: "parameter Env", "Fn::ImportValue prod-Repo"."""

    def __init__(self, what: str, span: Span | None):
        super().__init__(what)
        self.what = what
        self.span = span


class _NoValue:
    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE = _NoValue()
Path = tuple[str | int, ...]
FUNCTIONS = ("Ref", "Fn::GetAtt", "Fn::Sub", "Fn::Join", "Fn::Select", "Fn::Split", "Fn::FindInMap", "Fn::If",
             "Fn::ImportValue", "Fn::Base64", "Fn::GetAZs", "Fn::Transform", "Fn::Cidr", "Fn::Length",
             "Fn::ToJsonString", "Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not")
_SUB_VAR = re.compile(r"\$\{([^}!][^}]*)\}")
_SUB_ANY = re.compile(r"\$\{(!?)([^}]*)\}")
_DYNAMIC_REF = re.compile(r"\{\{resolve:([a-z-]+):([^}]*)\}\}")
_SSM_VERSION = re.compile(r":\d+$")  # {{resolve:ssm:name:version}}; parameter names hold no ":digits" tail
LANGUAGE_EXTENSIONS = "AWS::LanguageExtensions"


@dataclass
class Context:
    account: str
    region: str
    partition: str
    parameters: dict[str, Any] = field(default_factory=dict)  # name -> str | list[str] (given values)
    import_values: dict[str, Any] = field(default_factory=dict)
    dynamic_references: dict[str, Any] = field(default_factory=dict)
    wildcard: bool = False
    account_defaulted: bool = False
    unversioned_dynamic_refs: bool = False  # --allow-dynamic-ref-without-version


@dataclass
class Template:
    """The sections of a template, as span-tree nodes."""
    root: JObject
    resources: dict[str, JObject]
    parameters: dict[str, Node]
    mappings: JObject | None
    conditions: JObject | None
    transforms: tuple[str, ...] = ()

    @classmethod
    def of(cls, root: JObject) -> Template:
        res = root.get("Resources")
        if not isinstance(res, JObject):
            raise TemplateError("the template has no Resources section" if res is None
                                else "Resources is not an object", root.span)
        resources = {}
        for k, v in res.pairs:
            if not isinstance(v, JObject):
                raise TemplateError(f"resource {k.value} is not an object", v.span)
            resources[k.value] = v
        params = root.get("Parameters")
        mappings, conditions, transform = root.get("Mappings"), root.get("Conditions"), root.get("Transform")
        transforms = [transform] if isinstance(transform, JString) else \
            transform.items if isinstance(transform, JArray) else ()
        return cls(root, resources,
                   {k.value: v for k, v in params.pairs} if isinstance(params, JObject) else {},
                   mappings if isinstance(mappings, JObject) else None,
                   conditions if isinstance(conditions, JObject) else None,
                   tuple(t.value for t in transforms if isinstance(t, JString)))

    def type_of(self, logical_id: str) -> str:
        t = self.resources[logical_id].get("Type")
        return t.value if isinstance(t, JString) else ""

    def properties(self, logical_id: str) -> JObject | None:
        p = self.resources[logical_id].get("Properties")
        return p if isinstance(p, JObject) else None


@dataclass
class Resolution:
    value: Any
    origins: dict[Path, Span]
    unknown: list[tuple[Path, str, Span | None]]  # wildcard mode: what was replaced by "*", and where


class Resolver:
    def __init__(self, template: Template, ctx: Context):
        self.t = template
        self.ctx = ctx
        self._conditions: dict[str, bool] = {}
        self._origins: dict[Path, Span] = {}
        self._unknown: list[tuple[Path, str, Span | None]] = []
        self._stack: list[tuple[str, str]] = []
        self._functions: dict[str, Callable[[Node, Span, Path], Any]] = {
            "Ref": self._ref, "Fn::GetAtt": self._get_att, "Fn::Sub": self._sub, "Fn::Join": self._join,
            "Fn::Select": self._select, "Fn::Split": self._split, "Fn::FindInMap": self._find_in_map,
            "Fn::If": self._if, "Fn::ImportValue": self._import_value, "Fn::Base64": self._base64,
            "Fn::ToJsonString": self._to_json_string, "Fn::Length": self._length,
        }

    # ---------------------------------------------------------------- entry points

    def resolve(self, node: Node) -> Resolution:
        """A value with its origins; Unresolved/TemplateError propagate."""
        self._origins, self._unknown = {}, []
        value = self.value(node, ())
        return Resolution(value, self._origins, self._unknown)

    def plain(self, node: Node) -> Any:
        """A value whose origins are not needed (names, ARNs of targets)."""
        saved = self._origins, self._unknown
        try:
            self._origins, self._unknown = {}, []
            return self.value(node, ())
        finally:
            self._origins, self._unknown = saved

    # ---------------------------------------------------------------- the walk

    def value(self, node: Node, path: Path) -> Any:
        self._origins[path] = node.span
        if isinstance(node, JString):
            return self._dynamic(node.value, node.span, path) if "{{resolve:" in node.value else node.value
        if isinstance(node, JObject):
            if node.pairs:
                name = node.pairs[0][0].value
                fn = self._functions.get(name)
                if fn is not None:
                    return fn(node.pairs[0][1], node.span, path)
                if name in ("Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not"):
                    return self._truth(node)  # a condition function used as a value: its boolean
                if name == "Fn::Transform":
                    return self._unknown_value("Fn::Transform (a macro runs at deployment)", node.span, path)
            out = {}
            for k, v in node.pairs:
                r = self.value(v, path + (k.value,))
                if r is not NO_VALUE:
                    out[k.value] = r
            return out
        if isinstance(node, JArray):
            items: list = []
            for item in node.items:
                r = self.value(item, path + (len(items),))
                if r is not NO_VALUE:
                    items.append(r)
            return items
        if isinstance(node, JBool):
            return node.value
        if isinstance(node, JNumber):
            return json.loads(node.text)
        return None

    def _unknown_value(self, what: str, span: Span | None, path: Path) -> str:
        if not self.ctx.wildcard:
            raise Unresolved(what, span)
        self._unknown.append((path, what, span))
        return "*"

    def string(self, node: Node, path: Path, where: str) -> str:
        v = self.value(node, path)
        if not isinstance(v, str):
            raise TemplateError(f"{where}: expected a string, got {_show(v)}", node.span)
        return v

    def strings(self, node: Node, path: Path, where: str) -> list[str]:
        v = self.value(node, path)
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise TemplateError(f"{where}: expected a list of strings, got {_show(v)}", node.span)
        return v

    # ---------------------------------------------------------------- Ref and GetAtt

    def _ref(self, arg: Node, span: Span, path: Path) -> Any:
        if not isinstance(arg, JString):
            raise TemplateError(f"Ref takes a name, not {_kind(arg)}", arg.span)
        name = arg.value
        pseudo = self._pseudo(name)
        if pseudo is not None:
            return pseudo
        if name in self.t.resources:
            return self._ref_resource(name, span, path)
        if name in self.t.parameters:
            return self._parameter(name, span, path)
        raise TemplateError(f"Ref to {name}: no such resource or parameter in the template", arg.span)

    def _pseudo(self, name: str) -> Any:
        c = self.ctx
        if name == "AWS::AccountId":
            return c.account
        if name == "AWS::Region":
            return c.region
        if name == "AWS::Partition":
            return c.partition
        if name == "AWS::URLSuffix":
            return arns.url_suffix(c.region)
        if name == "AWS::StackName":
            return "StackName"
        if name == "AWS::StackId":
            return (f"arn:{c.partition}:cloudformation:{c.region}:{c.account}:stack/StackName/"
                    "00000000-0000-0000-0000-000000000000")
        if name == "AWS::NoValue":
            return NO_VALUE
        if name == "AWS::NotificationARNs":
            return []
        return None

    def _parameter(self, name: str, span: Span, path: Path) -> Any:
        decl = self.t.parameters[name]
        type_node = decl.get("Type") if isinstance(decl, JObject) else None
        ptype = type_node.value if isinstance(type_node, JString) else ""
        if name in self.ctx.parameters:
            value = self.ctx.parameters[name]
        else:
            default = decl.get("Default") if isinstance(decl, JObject) else None
            if default is None:
                if ptype.startswith("AWS::SSM::Parameter::Value"):
                    return self._unknown_value(f"parameter {name} (an SSM parameter value)", span, path)
                return self._unknown_value(f"parameter {name}", span, path)
            value = self.plain(default)
        if ptype.startswith("AWS::SSM::Parameter::Value") and name not in self.ctx.parameters:
            return self._unknown_value(f"parameter {name} (an SSM parameter value)", span, path)
        is_list = ptype.startswith("List<") or ptype == "CommaDelimitedList" or "<List<" in ptype
        if is_list:
            if isinstance(value, list):
                return [str(x) for x in value]
            return [] if value in ("", None) else [x.strip() for x in str(value).split(",")]
        if isinstance(value, bool):
            return "true" if value else "false"
        return value if isinstance(value, str) else json.dumps(value) if isinstance(value, (list, dict)) else str(value)

    def _enter(self, logical_id: str, what: str, span: Span) -> None:
        key = (logical_id, what)
        if key in self._stack:
            chain = " -> ".join(f"{a}.{b}" for a, b in self._stack[self._stack.index(key):] + [key])
            raise TemplateError(f"reference cycle: {chain}", span)
        self._stack.append(key)

    def _property_value(self, logical_id: str, prop: str, span: Span) -> Any:
        """The resolved value of a resource's property (dotted names walk nested objects), or None."""
        node: Node | None = self.t.properties(logical_id)
        for part in prop.split("."):
            node = node.get(part) if isinstance(node, JObject) else None
        if node is None:
            return None
        self._enter(logical_id, prop, span)
        try:
            return self.plain(node)
        finally:
            self._stack.pop()

    def resource_name(self, logical_id: str, span: Span) -> str:
        """The physical name the template gives a resource, else its logical id."""
        rtype = self.t.type_of(logical_id)
        prop = arns.NAME_PROPERTY.get(rtype) or arns.PATH_NAMED.get(rtype)
        v = self._property_value(logical_id, prop, span) if prop else None
        if v is None or v is NO_VALUE:
            return logical_id
        if not isinstance(v, str):
            raise TemplateError(f"{logical_id}.{prop}: expected a string, got {_show(v)}", span)
        return v

    def _iam_path(self, logical_id: str, span: Span) -> str:
        v = self._property_value(logical_id, "Path", span)
        if v is None or v is NO_VALUE:
            return ""
        if not isinstance(v, str):
            raise TemplateError(f"{logical_id}.Path: expected a string, got {_show(v)}", span)
        return v[1:] if v.startswith("/") else v

    def arn_of(self, logical_id: str, attribute: str, span: Span) -> str | None:
        rtype = self.t.type_of(logical_id)
        pattern = arns.arn_pattern(rtype, attribute)
        if pattern is None:
            return None
        c = self.ctx
        name = self.resource_name(logical_id, span)
        if rtype in arns.PATH_NAMED:
            name = self._iam_path(logical_id, span) + name
        arn = arns.fill(pattern, name, c.partition, c.region, c.account)
        if rtype.startswith("AWS::ElasticLoadBalancingV2::") or rtype == "AWS::NetworkFirewall::RuleGroup":
            props = {k: self._property_value(logical_id, k, span) for k in ("Type", "Protocol")}
            arn = arns.elb_flavour(rtype, arn, props)
        return arn

    def _ref_resource(self, logical_id: str, span: Span, path: Path) -> Any:
        rtype = self.t.type_of(logical_id)
        if _is_custom(rtype):
            return self._unknown_value(f"Ref of custom resource {logical_id}", span, path)
        if rtype == "AWS::SQS::Queue":
            c = self.ctx
            return f"https://sqs.{c.region}.{arns.url_suffix(c.region)}/{c.account}/{self.resource_name(logical_id, span)}"
        if rtype == "AWS::ApiGateway::RestApi":
            return self._unknown_value(f"Ref of {logical_id} (a REST API id is assigned by AWS)", span, path)
        if rtype in arns.ref_returns_arn() or rtype == "AWS::IAM::ManagedPolicy":
            arn = self.arn_of(logical_id, "Ref", span)
            if arn is not None:
                return arn
        if rtype.startswith("AWS::Serverless::") or rtype.count("::") == 3:
            return self._unknown_value(f"Ref of {logical_id} ({rtype} is expanded by a transform or module)", span, path)
        return self.resource_name(logical_id, span)

    def _get_att(self, arg: Node, span: Span, path: Path) -> Any:
        if isinstance(arg, JString) and "." in arg.value:
            logical_id, _, attribute = arg.value.partition(".")
        elif isinstance(arg, JArray) and len(arg.items) == 2 and isinstance(arg.items[0], JString):
            logical_id = arg.items[0].value
            attribute = self.string(arg.items[1], path, "Fn::GetAtt attribute")
        else:
            raise TemplateError("Fn::GetAtt takes [LogicalId, Attribute] or \"LogicalId.Attribute\"", arg.span)
        if logical_id not in self.t.resources:
            raise TemplateError(f"Fn::GetAtt {logical_id}.{attribute}: no resource {logical_id} in the template", span)
        rtype = self.t.type_of(logical_id)
        label = f"{logical_id}.{attribute}"
        if _is_custom(rtype):
            return self._unknown_value(f"Fn::GetAtt {label} (a custom resource's attribute)", span, path)
        arn = self.arn_of(logical_id, attribute, span)
        if arn is not None:
            return arn
        special = self._special_attribute(logical_id, rtype, attribute, span, path)
        if special is not None:
            return special
        v = self._property_value(logical_id, attribute, span)
        if v is None or v is NO_VALUE:
            return self._unknown_value(f"Fn::GetAtt {label} (assigned by AWS at deployment)", span, path)
        return v

    def _special_attribute(self, logical_id: str, rtype: str, attribute: str, span: Span, path: Path) -> Any:
        if rtype == "AWS::CodeArtifact::Domain" and attribute == "Name":
            return self._property_value(logical_id, "DomainName", span)
        if rtype == "AWS::CodeArtifact::Domain" and attribute == "Owner":
            return self.ctx.account
        if rtype == "AWS::S3Express::AccessPoint" and attribute == "NetworkOrigin":
            return "VPC" if self._property_value(logical_id, "VpcConfiguration", span) else "Internet"
        if rtype == "AWS::IAM::ManagedPolicy" and attribute == "PolicyArn":
            return self.arn_of(logical_id, "Ref", span)
        return None

    # ---------------------------------------------------------------- string functions

    def _sub(self, arg: Node, span: Span, path: Path) -> Any:
        if isinstance(arg, JString):
            text_node, variables = arg, None
        elif (isinstance(arg, JArray) and len(arg.items) == 2 and isinstance(arg.items[0], JString)
              and isinstance(arg.items[1], JObject)):
            text_node, variables = arg.items[0], arg.items[1]
        else:
            raise TemplateError("Fn::Sub takes a string or [string, {variables}]", arg.span)
        out, pos = [], 0
        text = text_node.value
        for m in _SUB_ANY.finditer(text):
            out.append(text[pos:m.start()])
            pos = m.end()
            if m.group(1) == "!":  # ${!Literal} is the literal ${Literal}
                out.append("${" + m.group(2) + "}")
                continue
            name = m.group(2).strip()
            out.append(self._sub_variable(name, variables, span, path))
        out.append(text[pos:])
        result = "".join(out)
        return self._dynamic(result, span, path) if "{{resolve:" in result else result

    def _sub_variable(self, name: str, variables: JObject | None, span: Span, path: Path) -> str:
        if variables is not None and variables.get(name) is not None:
            v = self.plain(variables.get(name))  # type: ignore[arg-type]
        elif "." in name:
            logical_id, _, attribute = name.partition(".")
            v = self._get_att(JArray((JString(logical_id, span), JString(attribute, span)), span), span, path)
        else:
            v = self._ref(JString(name, span), span, path)
        if not isinstance(v, str):
            raise TemplateError(f"Fn::Sub variable ${{{name}}} is {_show(v)}, not a string", span)
        return v

    def _join(self, arg: Node, span: Span, path: Path) -> Any:
        delimiter, values = _delimited(arg, "Fn::Join", "[delimiter, [values]]")
        items = self.value(values, path)
        if not isinstance(items, list):
            raise TemplateError(f"Fn::Join: expected a list of values, got {_show(items)}", values.span)
        parts = []
        for x in items:
            if isinstance(x, bool) or not isinstance(x, (str, int, float)):
                raise TemplateError(f"Fn::Join: {_show(x)} is not a string", values.span)
            parts.append(str(x))
        self._origins[path] = span
        return delimiter.join(parts)

    def _split(self, arg: Node, span: Span, path: Path) -> Any:
        delimiter, text = _delimited(arg, "Fn::Split", "[delimiter, string]")
        source = self.value(text, path)
        if not isinstance(source, str):
            raise TemplateError(f"Fn::Split: {_show(source)} is not a string", text.span)
        self._origins[path] = span
        return source.split(delimiter) if delimiter else list(source)

    def _select(self, arg: Node, span: Span, path: Path) -> Any:
        index_node, values = _arguments(arg, 2, "Fn::Select takes [index, [values]]")
        index = self.value(index_node, path)
        if isinstance(index, bool) or not (isinstance(index, int) or (isinstance(index, str) and index.isdigit())):
            raise TemplateError(f"Fn::Select: the index must be an integer, not {_show(index)}", index_node.span)
        items = self.value(values, path)
        if not isinstance(items, list):
            raise TemplateError(f"Fn::Select: expected a list, got {_show(items)}", values.span)
        i = int(index)
        if not 0 <= i < len(items):
            raise TemplateError(f"Fn::Select: index {i} is out of bounds of a list of {len(items)}", span)
        chosen = values.items[i] if isinstance(values, JArray) and len(values.items) == len(items) else None
        if chosen is not None:  # a literal list: the item keeps its own place
            return self.value(chosen, path)
        self._origins[path] = span
        return items[i]

    def _find_in_map(self, arg: Node, span: Span, path: Path) -> Any:
        usage = "Fn::FindInMap takes [MapName, TopLevelKey, SecondLevelKey(, {DefaultValue: value})]"
        if not (isinstance(arg, JArray) and len(arg.items) in (3, 4)):
            raise TemplateError(usage, arg.span)
        default = self._find_in_map_default(arg.items[3]) if len(arg.items) == 4 else None
        keys = []
        for item in arg.items[:3]:
            k = self.value(item, path)
            if isinstance(k, bool) or not isinstance(k, (str, int, float)):
                raise TemplateError(f"Fn::FindInMap: key {_show(k)} is not a string", item.span)
            keys.append(str(k))
        node: Node | None = self.t.mappings
        for k in keys:
            node = node.get(k) if isinstance(node, JObject) else None
        if node is None:
            node = default  # read only when the lookup misses: an unused default never has to resolve
        if node is None:
            raise TemplateError(f"Fn::FindInMap: no value at Mappings.{'.'.join(keys)}", span)
        return self.value(node, path)

    def _find_in_map_default(self, option: Node) -> Node:
        """The fourth argument `{DefaultValue: value}`, which only the AWS::LanguageExtensions transform knows."""
        if LANGUAGE_EXTENSIONS not in self.t.transforms:
            raise TemplateError(f"Fn::FindInMap with a DefaultValue needs Transform: {LANGUAGE_EXTENSIONS}",
                                option.span)
        if not (isinstance(option, JObject) and len(option.pairs) == 1 and option.pairs[0][0].value == "DefaultValue"):
            raise TemplateError("Fn::FindInMap: the fourth argument must be {DefaultValue: value}", option.span)
        return option.pairs[0][1]

    def _import_value(self, arg: Node, span: Span, path: Path) -> Any:
        name = self.value(arg, path)
        if not isinstance(name, str):
            raise TemplateError(f"Fn::ImportValue takes a name, not {_show(name)}", arg.span)
        self._origins[path] = span
        if name in self.ctx.import_values:
            return self.ctx.import_values[name]
        return self._unknown_value(f"Fn::ImportValue {name}", span, path)

    def _dynamic(self, text: str, span: Span, path: Path) -> Any:
        """`{{resolve:ssm:name:version}}` from --dynamic-references. A reference without a version is not
        resolved unless --allow-dynamic-ref-without-version: the value checked could change before deployment
        (the AWS tool refuses it too). ssm-secure and secretsmanager values are never read."""
        def one(m: re.Match) -> str:
            service, key = m.group(1), m.group(2)
            if service == "ssm" and not _SSM_VERSION.search(key) and not self.ctx.unversioned_dynamic_refs:
                raise Unresolved(f"dynamic reference {m.group(0)} without a version (pin one, or pass "
                                 "--allow-dynamic-ref-without-version)", span)
            for candidate in (m.group(0), f"{service}:{key}", key):
                if candidate in self.ctx.dynamic_references and service == "ssm":
                    return str(self.ctx.dynamic_references[candidate])
            raise Unresolved(f"dynamic reference {m.group(0)}", span)
        try:
            return _DYNAMIC_REF.sub(one, text)
        except Unresolved as exc:
            return self._unknown_value(exc.what, span, path)

    def _base64(self, arg: Node, span: Span, path: Path) -> Any:
        v = self.string(arg, path, "Fn::Base64")
        self._origins[path] = span
        return base64.b64encode(v.encode()).decode()

    def _to_json_string(self, arg: Node, span: Span, path: Path) -> Any:
        v = self.value(arg, path)
        self._origins[path] = span
        return json.dumps(v, separators=(",", ":"))

    def _length(self, arg: Node, span: Span, path: Path) -> Any:
        v = self.value(arg, path)
        if not isinstance(v, list):
            raise TemplateError(f"Fn::Length takes a list, not {_show(v)}", arg.span)
        self._origins[path] = span
        return len(v)

    # ---------------------------------------------------------------- conditions

    def _if(self, arg: Node, span: Span, path: Path) -> Any:
        name, if_true, if_false = _arguments(arg, 3, "Fn::If takes [ConditionName, ValueIfTrue, ValueIfFalse]")
        if not isinstance(name, JString):
            raise TemplateError("Fn::If: the condition must be named by a string", name.span)
        return self.value(if_true if self.condition(name.value, name.span) else if_false, path)

    def condition(self, name: str, span: Span) -> bool:
        if name in self._conditions:
            return self._conditions[name]
        node = self.t.conditions.get(name) if self.t.conditions is not None else None
        if node is None:
            raise TemplateError(f"condition {name} is not defined in Conditions", span)
        self._enter("Conditions", name, span)
        try:
            result = self._truth(node)
        finally:
            self._stack.pop()
        self._conditions[name] = result
        return result

    def _truth(self, node: Node) -> bool:
        """A condition expression: Fn::Equals/And/Or/Not, Condition, or a literal boolean."""
        if isinstance(node, JObject) and len(node.pairs) == 1:
            name, arg = node.pairs[0][0].value, node.pairs[0][1]
            if name == "Condition":
                if not isinstance(arg, JString):
                    raise TemplateError("Condition takes a condition name", arg.span)
                return self.condition(arg.value, arg.span)
            if name == "Fn::Equals":
                if not (isinstance(arg, JArray) and len(arg.items) == 2):
                    raise TemplateError("Fn::Equals takes exactly two values", arg.span)
                a, b = (self._comparable(self._operand(x)) for x in arg.items)
                return a == b
            if name in ("Fn::And", "Fn::Or"):
                if not (isinstance(arg, JArray) and 2 <= len(arg.items) <= 10):
                    raise TemplateError(f"{name} takes 2 to 10 conditions", arg.span)
                values = [self._truth(x) for x in arg.items]
                return all(values) if name == "Fn::And" else any(values)
            if name == "Fn::Not":
                if not (isinstance(arg, JArray) and len(arg.items) == 1):
                    raise TemplateError("Fn::Not takes a list of one condition", arg.span)
                return not self._truth(arg.items[0])
        v = self.plain(node)
        if isinstance(v, bool):
            return v
        if v in ("true", "false"):
            return v == "true"
        raise TemplateError(f"a condition must be a boolean, got {_show(v)}", node.span)

    def _operand(self, node: Node) -> Any:
        """A value compared by Fn::Equals; unknown inputs are never guessed, even in wildcard mode."""
        wildcard, self.ctx.wildcard = self.ctx.wildcard, False
        try:
            return self.plain(node)
        finally:
            self.ctx.wildcard = wildcard

    @staticmethod
    def _comparable(v: Any) -> Any:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return str(v)
        return v


def _arguments(arg: Node, count: int, usage: str) -> tuple[Node, ...]:
    """A function's argument list of a fixed length, or TemplateError naming the function's usage."""
    if not (isinstance(arg, JArray) and len(arg.items) == count):
        raise TemplateError(usage, arg.span)
    return arg.items


def _delimited(arg: Node, function: str, usage: str) -> tuple[str, Node]:
    """Fn::Join's and Fn::Split's [delimiter, operand]: the delimiter is a literal string."""
    delimiter, operand = _arguments(arg, 2, f"{function} takes {usage}")
    if not isinstance(delimiter, JString):
        raise TemplateError(f"{function}: the delimiter must be a string", delimiter.span)
    return delimiter.value, operand


def _is_custom(rtype: str) -> bool:
    return rtype.startswith("Custom::") or rtype == "AWS::CloudFormation::CustomResource"


def _kind(node: Node) -> str:
    from solvers.jsonspan import kind_name
    return "null" if isinstance(node, JNull) else f"a {kind_name(node)}"


def _show(v: Any) -> str:
    text = json.dumps(v, default=str)
    return text if len(text) <= 60 else text[:57] + "..."
