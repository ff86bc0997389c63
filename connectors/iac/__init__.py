"""Infrastructure as code: the IAM policies a CloudFormation template or a Terraform plan would create.

    extract(Options(path="template.yaml", region="us-east-1")) -> Extraction

Reads the file (`source`), resolves CloudFormation values offline (`cfn/`) or reads the plan's planned
values (`terraform`), and returns every policy site with its place in the file, the principals, and
what could not be read (never silently dropped).
"""
from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from connectors.iac.sites import Extraction
from solvers.errors import InputError

DEFAULT_ACCOUNT = "123456789012"


@dataclass
class Options:
    path: str
    region: str | None = None
    account: str | None = None
    input_type: str | None = None
    parameters: Sequence[str] = ()  # K=V
    template_configuration_file: str | None = None
    import_values: str | None = None
    dynamic_references: str | None = None
    exclude_resource_types: Sequence[str] = field(default_factory=list)
    unresolved_as_wildcard: bool = False
    allow_dynamic_ref_without_version: bool = False


def _read_json(path: str, what: str):
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except OSError as exc:
        raise InputError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{what} {path} is not JSON: {exc}") from None


def configuration_parameters(path: str) -> dict:
    """The parameters of a template configuration file: {"Parameters": {K: V}} (CodePipeline),
    [{"ParameterKey": K, "ParameterValue": V}] (the CloudFormation CLI), or {K: V}."""
    doc = _read_json(path, "template configuration file")
    if isinstance(doc, dict) and isinstance(doc.get("Parameters"), dict):
        return dict(doc["Parameters"])
    if isinstance(doc, list) and all(isinstance(x, dict) and "ParameterKey" in x for x in doc):
        return {x["ParameterKey"]: x.get("ParameterValue") for x in doc}
    if isinstance(doc, dict) and all(isinstance(v, (str, int, float, bool, list)) for v in doc.values()):
        return dict(doc)
    raise InputError(f"template configuration file {path}: expected {{\"Parameters\": {{...}}}}, a "
                     "ParameterKey/ParameterValue list, or a {name: value} object")


def resolve_context(region: str | None, account: str | None) -> tuple[str, str, bool]:
    region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if not region:
        raise InputError("give --region (or set AWS_REGION): ARNs in the template depend on it")
    if account is not None and not (len(account) == 12 and account.isdigit()):
        raise InputError(f"--account must be a 12-digit account id, not {account!r}")
    return region, account or DEFAULT_ACCOUNT, account is None


def extract(opts: Options) -> Extraction:
    """Read and resolve a template or plan. The span tree of a large template is millions of young,
    acyclic objects: the cycle collector is paused while it is built, or its passes over them grow
    with the template and make reading it super-linear."""
    import gc
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _extract(opts)
    finally:
        if enabled:
            gc.enable()


def _extract(opts: Options) -> Extraction:
    from connectors.iac.cfn.arns import partition_of
    from connectors.iac.source import CLOUDFORMATION, read_source
    region, account, defaulted = resolve_context(opts.region, opts.account)
    source = read_source(opts.path, opts.input_type)
    if source.kind != CLOUDFORMATION:
        from connectors.iac.terraform import extract_plan
        return extract_plan(source, account, region, opts.exclude_resource_types, defaulted,
                            opts.unresolved_as_wildcard)
    from connectors.iac.cfn.extract import extract_cloudformation
    from connectors.iac.cfn.resolve import Context
    params: dict = {}
    if opts.template_configuration_file:
        params.update(configuration_parameters(opts.template_configuration_file))
    for kv in opts.parameters:
        for one in _split_parameters(kv):
            k, sep, v = one.partition("=")
            if not sep or not k:
                raise InputError(f"--parameters takes KEY=VALUE, not {one!r}")
            params[k] = v
    imports = _read_json(opts.import_values, "import values file") if opts.import_values else {}
    dynamic = _read_json(opts.dynamic_references, "dynamic references file") if opts.dynamic_references else {}
    for what, doc in (("import values", imports), ("dynamic references", dynamic)):
        if not isinstance(doc, dict):
            raise InputError(f"the {what} file must hold a JSON object {{name: value}}")
    ctx = Context(account, region, partition_of(region), params, imports, dynamic, opts.unresolved_as_wildcard,
                  defaulted, opts.allow_dynamic_ref_without_version)
    return extract_cloudformation(source, ctx, opts.exclude_resource_types)


def _split_parameters(arg: str) -> list[str]:
    """`--parameters A=1 B=2` arrives as one argument per pair; `A=1,B=2` is not split (values have commas)."""
    return [arg]
