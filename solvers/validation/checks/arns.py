"""Resource ARNs against the catalog's ARN templates: the six fields, partition, service spelling,
Region and account fields as the service's templates require, the resource part, and the resources a
resource type's own policy can name."""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from solvers.validation.findings import (
    DYNAMODB_TABLE,
    ERROR,
    RESOURCE,
    S3_ACCESS_POINT,
    S3_BUCKET,
    S3_MRAP,
    S3_OBJECT_LAMBDA,
    SUGGESTION,
)
from solvers.validation.reference import ArnTemplate, arn_templates, arn_templates_everywhere, partitions
from solvers.validation.rules import EVERY_POLICY, Context, Family, Rule, scope

_ACCOUNT = re.compile(r"^\d{12}$")
# AWS-owned resources whose ARNs leave the account empty although the service's templates show one:
# public SSM documents and parameters, Resource Explorer's AWS service views.
_AWS_OWNED = {"ssm": ("document/", "parameter/aws/", "automation-definition/"),
              "resource-explorer-2": ("view/AWSServiceView",)}
_TOKEN = re.compile(r"[^/:]*")  # matches every string (maybe empty)
_TYPED = (S3_BUCKET, S3_ACCESS_POINT, S3_MRAP, S3_OBJECT_LAMBDA, DYNAMODB_TABLE)

RULES = (
    Rule("MISSING_ARN_FIELD", ERROR, EVERY_POLICY,
         "{value!r} is not a complete ARN: it needs the six fields arn:partition:service:region:account:resource.",
         "A resource that is not an ARN matches nothing."),
    Rule("INVALID_ARN_PREFIX", ERROR, EVERY_POLICY, "{value!r} must start with \"arn:\".",
         "Resources are named by ARNs, which all start with arn:."),
    Rule("INVALID_PARTITION", ERROR, EVERY_POLICY, "{partition!r} is not an AWS partition; use one of {known}.",
         "An ARN in an unknown partition matches nothing."),
    Rule("INVALID_ARN_SERVICE_CASE", ERROR, EVERY_POLICY,
         "The service {service!r} of an ARN must be written in lower case ({lower}).",
         "ARN service names are lower case and compared exactly."),
    Rule("WILDCARD_IN_SERVICE_NAME", SUGGESTION, EVERY_POLICY,
         "The service field {service!r} of {value!r} contains a wildcard; name the service.",
         "A wildcard in the service field matches ARNs of unrelated services."),
    Rule("ARN_REGION_NOT_ALLOWED", ERROR, EVERY_POLICY,
         "{service} ARNs have no Region; remove {region!r} from {value!r}.",
         "Global resources' ARNs leave the Region field empty."),
    Rule("MISSING_ARN_REGION", ERROR, EVERY_POLICY, "{service} ARNs need a Region; {value!r} has none.",
         "The ARN can never match a regional resource."),
    Rule("INVALID_ARN_REGION", ERROR, EVERY_POLICY, "{region!r} in {value!r} is not an AWS Region.",
         "An ARN with an unknown Region matches nothing."),
    Rule("ARN_ACCOUNT_NOT_ALLOWED", ERROR, EVERY_POLICY,
         "{service} ARNs have no account ID; remove {account!r} from {value!r}.",
         "Some resources (such as S3 buckets) have account-less ARNs."),
    Rule("MISSING_ARN_ACCOUNT", ERROR, EVERY_POLICY, "{service} ARNs need an account ID; {value!r} has none.",
         "The ARN can never match a resource owned by an account."),
    Rule("INVALID_ARN_ACCOUNT", ERROR, EVERY_POLICY, "{account!r} in {value!r} is not a 12-digit account ID.",
         "An ARN with an invalid account matches nothing."),
    Rule("INVALID_ARN_RESOURCE", ERROR, EVERY_POLICY,
         "{value!r} does not match any {service} resource type; for example: {example}.",
         "A resource part that fits no resource type of the service matches nothing."),
    Rule("UNSUPPORTED_RESOURCE_ARN_IN_POLICY", ERROR, scope(RESOURCE, resource_types=_TYPED),
         "{value!r} is not a resource of this {resource_type} policy.",
         "A resource policy can only grant access to its own resource."),
)


def _free(text: str) -> bool:
    """Wildcards or variables: the field is not judged."""
    return "*" in text or "?" in text or "${" in text


def check_arns(ctx: Context) -> None:
    for s in ctx.statements:
        element, _ = s.resource_element
        if element is None:
            continue
        for v in s.resource_values:
            fields = check_arn(ctx, v)
            if ctx.resource_type in _TYPED and not _own_resource(ctx.resource_type, fields):
                ctx.report("UNSUPPORTED_RESOURCE_ARN_IN_POLICY", v, value=v.text, resource_type=ctx.resource_type)


def check_arn(ctx: Context, v) -> list[str] | None:
    """Report what is wrong with one resource string; returns its six fields when it is an ARN."""
    text = v.text
    if text == "*" or text.startswith("${"):
        return None
    if ":" not in text:
        ctx.report("MISSING_ARN_FIELD", v, value=text)
        return None
    if not text.startswith("arn:"):
        ctx.report("INVALID_ARN_PREFIX", v, value=text)
        return None
    fields = text.split(":", 5)
    if len(fields) < 6:
        ctx.report("MISSING_ARN_FIELD", v, value=text)
        return None
    _, partition, service, region, account, resource = fields
    known = partitions()
    if not _free(partition) and partition not in known:
        ctx.report("INVALID_PARTITION", v, partition=partition, known=", ".join(known))
        return fields
    if _free(service):
        if service != "*":
            ctx.report("WILDCARD_IN_SERVICE_NAME", v, service=service, value=text)
        return fields
    if service != service.lower():
        ctx.report("INVALID_ARN_SERVICE_CASE", v, service=service, lower=service.lower())
        return fields
    types = _types(service, everywhere=False)
    problems = _field_problems(types, partition, service, region, account, resource)
    if problems:  # before reporting, ask every service that uses this ARN service name
        types = _types(service, everywhere=True)
        problems = _field_problems(types, partition, service, region, account, resource)
    templates = types.templates
    specifics = {"value": text, "service": service, "region": region, "account": account,
                 "example": templates[0].template if templates else ""}
    for code in problems:
        ctx.report(code, v, **specifics)
    return fields


@dataclass(frozen=True, slots=True)
class _Types:
    """A service's ARN templates, indexed by the literal word their resource part starts with."""
    templates: tuple[ArnTemplate, ...]
    by_head: dict[str, tuple[ArnTemplate, ...]]  # "instance" -> EC2's instance template
    placeholder: tuple[ArnTemplate, ...]  # those that start with a placeholder (S3's ${BucketName})


@functools.lru_cache(maxsize=1024)
def _types(service: str, everywhere: bool) -> _Types:
    templates = arn_templates_everywhere(service) if everywhere else arn_templates(service)
    by_head: dict[str, list[ArnTemplate]] = {}
    placeholder = []
    for t in templates:
        head = _leading_word(t.resource)
        if head.startswith("${"):
            placeholder.append(t)
        else:
            by_head.setdefault(head.lower(), []).append(t)
    return _Types(templates, {k: tuple(v) for k, v in by_head.items()}, tuple(placeholder))


def _field_problems(types: _Types, partition: str, service: str, region: str, account: str,
                    resource: str) -> list[str]:
    """The issue codes for the Region, account and resource fields against the service's templates."""
    if not types.templates:
        return []
    named = _named_types(types, resource)
    out = []
    if not _free(region):
        if region and not any(t.needs_region for t in named):
            out.append("ARN_REGION_NOT_ALLOWED")
        elif not region and all(t.needs_region for t in named):
            out.append("MISSING_ARN_REGION")
        elif region and not _known_region(partition, region):
            out.append("INVALID_ARN_REGION")
    if not _free(account):
        if account and not any(t.needs_account for t in named):
            out.append("ARN_ACCOUNT_NOT_ALLOWED")
        elif not account and all(t.needs_account for t in named) and not _free(resource) \
                and not resource.startswith(_AWS_OWNED.get(service, ())):
            out.append("MISSING_ARN_ACCOUNT")
        elif account and not _ACCOUNT.match(account) and account != "aws":
            out.append("INVALID_ARN_ACCOUNT")
    if not out and not _fits_some_type(resource, types):
        out.append("INVALID_ARN_RESOURCE")
    return out


def _named_types(types: _Types, resource: str) -> tuple[ArnTemplate, ...]:
    """The templates of the resource types a resource part names, which decide its Region and account
    fields: an S3 bucket has neither, an S3 access point both. A literal leading word names the types
    whose templates start with it ("instance/i-1" an EC2 instance); a word no type starts with names
    the types whose template starts with a placeholder (S3's ${BucketName}); a leading wildcard names
    every type."""
    head = _leading_word(resource)
    if not head or _free(head):
        return types.templates
    return types.by_head.get(head.lower()) or types.placeholder or types.templates


def _leading_word(text: str) -> str:
    found = _TOKEN.match(text)
    return found.group() if found else ""


def _fits_some_type(resource: str, types: _Types) -> bool:
    """Whether the resource part starts like one of the service's resource types ("function:...",
    "table/..."). Only the leading word is compared: the catalog's templates trail behind new resource
    paths and spellings (API Gateway's "/v2/apis", stacks without their id), which AWS accepts."""
    if _free(resource):
        return True  # a pattern may name resource types the catalog does not list yet
    return bool(types.placeholder) or _leading_word(resource).lower() in types.by_head


def _known_region(partition: str, region: str) -> bool:
    found = partitions().get(partition)
    if found is not None:
        return found.has_region(region)
    return any(p.has_region(region) for p in partitions().values())


def _own_resource(resource_type: str, fields: list[str] | None) -> bool:
    """Whether an ARN (already split) can name the resource a policy of this type is attached to."""
    if fields is None:
        return False
    _, _, service, region, account, resource = fields
    if resource_type == DYNAMODB_TABLE:
        return service in ("dynamodb", "*")
    if resource_type == S3_OBJECT_LAMBDA:
        return service in ("s3-object-lambda", "*")
    if service not in ("s3", "*"):
        return False
    access_point = resource.startswith("accesspoint/")
    if resource_type == S3_BUCKET:
        return not access_point and region in ("", "*") and account in ("", "*")
    if resource_type == S3_MRAP:
        return access_point and region in ("", "*")
    return access_point or resource == "*"
FAMILY = Family("arns", RULES, check_arns)
