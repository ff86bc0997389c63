"""Lambda permissions: CloudFormation has no policy document for them, so one is synthesized.

Every `AWS::Lambda::Permission` of a function becomes one statement of that function's policy (every
`AWS::Lambda::LayerVersionPermission` of a layer version one statement of the layer version's): Allow
the action to the principal on the function, with the source conditions the permission sets. A
principal containing `amazonaws` is a service, else an account or ARN. The synthesized site names its
sources (`synthesizedFrom`); each statement points at its permission resource.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from connectors.iac.cfn.props import Props
from connectors.iac.sites import Site

if TYPE_CHECKING:
    from connectors.iac.cfn.extract import Extractor

# optional properties and the condition each one becomes: (property, operator, key)
_FUNCTION_CONDITIONS = (("SourceAccount", "StringEquals", "AWS:SourceAccount"),
                        ("SourceArn", "ArnLike", "AWS:SourceArn"),
                        ("PrincipalOrgID", "StringEquals", "aws:PrincipalOrgID"),
                        ("FunctionUrlAuthType", "StringEquals", "lambda:FunctionUrlAuthType"),
                        ("EventSourceToken", "StringEquals", "lambda:EventSourceToken"))
_LAYER_CONDITIONS = (("OrganizationId", "StringEquals", "aws:PrincipalOrgID"),)


def _statement(props: Props, resource: str, principal: str, conditions) -> dict:
    statement: dict = {"Effect": "Allow", "Action": props.get("Action", "string", required=True)}
    statement["Principal"] = {"Service": principal} if "amazonaws" in principal else {"AWS": principal}
    statement["Resource"] = resource
    for prop, operator, key in conditions:
        value = props.get(prop, "string")
        if value is not None:
            statement.setdefault("Condition", {}).setdefault(operator, {})[key] = value
    return statement


def function_arn(name: str, partition: str, region: str, account: str) -> str:
    """A full ARN, a partial ARN (`123456789012:function:f`, `function:f`) or a name, as a full ARN."""
    if name.startswith("arn:"):
        return name
    if "function:" in name:
        before = name.split(":")
        lead = []
        for part in before:
            if part.lower() == "function":
                break
            lead.append(part)
        full = ["arn", partition, "lambda", region, account]
        return ":".join(full[:len(full) - len(lead)]) + ":" + name
    return f"arn:{partition}:lambda:{region}:{account}:function:{name}"


def _add(ex: Extractor, props: Props, key: tuple, source_type: str, governs: str, policy_name: str,
         resource_name: str, statement: dict) -> None:
    site = ex.synthesized.get(key)
    if site is None:
        site = Site(source_type, "RESOURCE_POLICY", governs, policy_name, ex.place(props.logical_id),
                    logical_id=None, synthesized_from=[], resource_name=resource_name,
                    policy={"Version": "2012-10-17", "Statement": []})
        ex.synthesized[key] = site
        ex.sites.append(site)
    index = len(site.policy["Statement"])  # type: ignore[index]
    site.policy["Statement"].append(statement)  # type: ignore[index]
    site.synthesized_from.append(props.logical_id)  # type: ignore[union-attr]
    site.origins[("Statement", index)] = ex.place(props.logical_id, "Properties").span  # type: ignore[assignment]


def permission(ex: Extractor, logical_id: str, props: Props) -> None:
    props.require_properties()
    c = ex.ctx
    arn = function_arn(props.get("FunctionName", "string", required=True), c.partition, c.region, c.account)
    statement = _statement(props, arn, props.get("Principal", "string", required=True), _FUNCTION_CONDITIONS)
    parts = arn.split(":")
    name = parts[parts.index("function") + 1] if "function" in parts else arn
    _add(ex, props, ("function", arn), "AWS::Lambda::Permission", "AWS::Lambda::Function", "PermissionsPolicy",
         name, statement)


def layer_permission(ex: Extractor, logical_id: str, props: Props) -> None:
    props.require_properties()
    arn = props.get("LayerVersionArn", "string", required=True)
    statement = _statement(props, arn, props.get("Principal", "string", required=True), _LAYER_CONDITIONS)
    statement["Principal"] = {"AWS": statement["Principal"].popitem()[1]}
    parts = arn.split(":")
    name = ":".join(parts[parts.index("layer") + 1:]) if "layer" in parts else arn
    _add(ex, props, ("layer", arn), "AWS::Lambda::LayerVersionPermission", "AWS::Lambda::LayerVersion",
         "LayerVersionPermission", name, statement)


FAMILIES = {"AWS::Lambda::Permission": permission, "AWS::Lambda::LayerVersionPermission": layer_permission}
