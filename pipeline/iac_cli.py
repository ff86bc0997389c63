"""`trustmap iac ...`: the command group for CloudFormation templates and Terraform plans.

The subcommands and flags mirror AWS's cfn-policy-validator / tf-policy-validator so that a CI line
written for them works after renaming the program. Every subcommand shares the common options;
`common` appends them to a command's signature (Typer reads `__signature__`). Only this module's own
imports run at `pipeline.cli` import time: the work happens in `pipeline.iac`.
"""
import inspect
from enum import StrEnum
from typing import Optional

import typer

iac_app = typer.Typer(no_args_is_help=True, help="Policies in CloudFormation templates and Terraform plans: "
                      "validation, external access and custom checks, offline, located in the template.")


class IacFormat(StrEnum):
    json = "json"
    text = "text"
    sarif = "sarif"


_COMMON = {
    "template": typer.Argument(None, help="Template or plan (`terraform show -json`), or - for stdin."),
    "template_path": typer.Option(None, "--template-path", help="Same as TEMPLATE (the AWS tools' flag)."),
    "region": typer.Option(None, "--region", help="Region of the stack (default: AWS_REGION)."),
    "account": typer.Option(None, "--account", help="Account of the stack (default 123456789012, stated in "
                            "the output)."),
    "input_type": typer.Option(None, "--input-type", help="cloudformation | terraform-plan (default: detected)."),
    "parameters": typer.Option([], "--parameters", help="KEY=VALUE, repeatable."),
    "template_configuration_file": typer.Option(None, "--template-configuration-file",
                                                help="Parameters file (CodePipeline, CLI list, or {K: V})."),
    "import_values": typer.Option(None, "--import-values", help="JSON {export name: value} for Fn::ImportValue."),
    "dynamic_references": typer.Option(None, "--dynamic-references",
                                       help="JSON {\"ssm:name\": value} for {{resolve:ssm:...}}."),
    "managed_policies": typer.Option(None, "--managed-policies", help="Folder of <name>.json managed policies "
                                     "attached by ARN."),
    "allow_dynamic_ref_without_version": typer.Option(False, "--allow-dynamic-ref-without-version"),
    "exclude_resource_types": typer.Option(None, "--exclude-resource-types", help="T,... not to read."),
    "ignore_finding": typer.Option(None, "--ignore-finding", help="CODE | NAME | NAME.CODE,... (case-insensitive)."),
    "treat_findings_as_non_blocking": typer.Option(False, "--treat-findings-as-non-blocking"),
    "unresolved_as_wildcard": typer.Option(False, "--unresolved-as-wildcard",
                                           help="Check unresolved values as * (Allow) instead of skipping."),
    "aws_exit_codes": typer.Option(False, "--aws-exit-codes", help="Exit 2 on blocking findings, 1 on errors."),
    "config": typer.Option(None, "--config", help="Accepted and ignored (tf-policy-validator's config)."),
    "fmt": typer.Option(IacFormat.json, "--format"),
    "output": typer.Option(None, "--output", help="Write the report here instead of standard output."),
}
_TYPES = {"parameters": list[str], "allow_dynamic_ref_without_version": bool, "treat_findings_as_non_blocking": bool,
          "unresolved_as_wildcard": bool, "aws_exit_codes": bool, "fmt": IacFormat}


def common(fn):
    """Append the shared options to a subcommand; the subcommand receives them as `opts` (a dict)."""
    own = list(inspect.signature(fn).parameters.values())
    own = [p for p in own if p.name != "opts"]
    extra = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default,
                               annotation=_TYPES.get(name, Optional[str]))  # noqa: UP045 (typer reads it)
             for name, default in _COMMON.items()]
    first, rest = extra[:1], extra[1:]
    params = [p.replace(kind=inspect.Parameter.POSITIONAL_OR_KEYWORD) for p in first] + \
        [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own] + rest

    def wrapper(**kwargs):
        mine = {p.name: kwargs.pop(p.name) for p in own}
        return fn(opts=kwargs, **mine)
    wrapper.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


def _run(subcommand: str, opts: dict, **extra) -> None:
    from pipeline.iac import run
    raise typer.Exit(run(subcommand, opts, extra))


@iac_app.command("parse")
@common
def parse(opts: dict) -> None:
    """Print every policy site of the template with its resolved document and location."""
    _run("parse", opts)


@iac_app.command("validate")
@common
def validate(opts: dict,
             treat_finding_type_as_blocking: Optional[str] = typer.Option(  # noqa: UP045
                 None, "--treat-finding-type-as-blocking", help="ERROR,SECURITY_WARNING,... or NONE "
                 "(default ERROR,SECURITY_WARNING)"),
             allow_external_principals: Optional[str] = typer.Option(  # noqa: UP045
                 None, "--allow-external-principals", help="ACCOUNT,ARN,... whose external access is expected."),
             zone: str = typer.Option("account", "--zone", help="account | organization"),
             organization_id: Optional[str] = typer.Option(None, "--organization-id")) -> None:  # noqa: UP045
    """ValidatePolicy findings and external-access findings for every policy of the template."""
    _run("validate", opts, treat_finding_type_as_blocking=treat_finding_type_as_blocking,
         allow_external_principals=allow_external_principals, zone=zone, organization_id=organization_id)


@iac_app.command("check-no-new-access")
@common
def check_no_new_access(opts: dict,
                        reference_policy: str = typer.Option(..., "--reference-policy"),
                        reference_policy_type: str = typer.Option(..., "--reference-policy-type",
                                                                  help="identity | resource")) -> None:
    """FAIL for every policy of the reference type that grants more than the reference policy."""
    _run("check-no-new-access", opts, reference_policy=reference_policy, reference_policy_type=reference_policy_type)


@iac_app.command("check-access-not-granted")
@common
def check_access_not_granted(opts: dict,
                             actions: Optional[str] = typer.Option(None, "--actions", help="A,B,..."),  # noqa: UP045
                             resources: Optional[str] = typer.Option(None, "--resources",  # noqa: UP045
                                                                     help="ARN,...")) -> None:
    """FAIL for every policy that grants one of the actions (on one of the resources)."""
    _run("check-access-not-granted", opts, actions=actions, resources=resources)


@iac_app.command("check-no-public-access")
@common
def check_no_public_access(opts: dict) -> None:
    """FAIL for every resource policy that grants public access."""
    _run("check-no-public-access", opts)
