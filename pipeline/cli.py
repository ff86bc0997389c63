"""The `trustmap` command line: a thin Typer app; each command parses options and calls one function.

Importing this module must not load Ray, Z3 or boto3 (a test checks it): every heavy import happens
inside the command that needs it.

Exit codes: 0 success, 1 a check FAILs (or could not be decided), 2 bad usage or unreadable input.
"""
from __future__ import annotations

import json
import os
import sys
from enum import StrEnum

import typer
from typer._click import exceptions as click_errors  # typer ships its own click

from solvers.errors import InputError, TrustmapError, UndecidedError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Offline IAM Access Analyzer: external access, policy checks, least privilege.")
check_app = typer.Typer(no_args_is_help=True, help="Access Analyzer's custom policy checks.")
app.add_typer(check_app, name="check")
export_app = typer.Typer(no_args_is_help=True, help="Deliver a scan's findings to other services.")
app.add_typer(export_app, name="export")


def _add_iac() -> None:
    from pipeline.iac_cli import iac_app
    app.add_typer(iac_app, name="iac")


_add_iac()

MAX_INPUT_CHARS = 1 << 21  # read at most this much of a policy file; the model rejects large ones


class Format(StrEnum):
    json = "json"
    text = "text"


class PolicyType(StrEnum):
    IDENTITY_POLICY = "IDENTITY_POLICY"
    RESOURCE_POLICY = "RESOURCE_POLICY"


def read_policy(arg: str) -> str:
    """A policy argument is a path, or '-' for standard input."""
    from connectors.local_files import read_limited
    data = read_limited(arg, MAX_INPUT_CHARS)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{arg} is not UTF-8 text") from None


def _emit_check(result: dict, fmt: Format) -> None:
    if fmt is Format.json:
        sys.stdout.write(json.dumps(result) + "\n")
        return
    from rich.console import Console
    console = Console()
    colour = {"PASS": "green", "FAIL": "red"}.get(result["result"], "yellow")
    console.print(f"[bold {colour}]{result['result']}[/] {result['message']}", highlight=False)
    for r in result.get("reasons", []):
        console.print(f"  - {r['description']}", highlight=False)
    if "example" in result:
        console.print("  example request: " + json.dumps(result["example"]), highlight=False)


def _run_check(fmt: Format, fn, *args) -> None:
    """Run one check; `args` may hold policy arguments as zero-argument readers (read here, so that an
    unreadable file is reported in the command's output format too)."""
    try:
        result = fn(*(a() if callable(a) else a for a in args)).as_dict()
    except UndecidedError as exc:
        _emit_check({"result": "ERROR", "message": f"undecided: {exc}", "reasons": []}, fmt)
        raise typer.Exit(1) from None
    except InputError as exc:
        if fmt is Format.json:
            sys.stdout.write(json.dumps({"result": "ERROR", "message": str(exc)}) + "\n")
        raise
    _emit_check(result, fmt)
    raise typer.Exit(0 if result["result"] == "PASS" else 1)


@check_app.command("no-new-access")
def no_new_access(
    new: str = typer.Argument(..., help="The new policy (path, or - for stdin)."),
    existing: str = typer.Argument(..., help="The existing policy to compare against."),
    policy_type: PolicyType = typer.Option(..., "--policy-type", case_sensitive=False),
    fmt: Format = typer.Option(Format.text, "--format"),
) -> None:
    """PASS when NEW grants no access that EXISTING does not."""
    from solvers.checks import check_no_new_access
    _run_check(fmt, check_no_new_access, lambda: read_policy(new), lambda: read_policy(existing),
               policy_type.value)


@check_app.command("access-not-granted")
def access_not_granted(
    policy: str = typer.Argument(..., help="The policy (path, or - for stdin)."),
    policy_type: PolicyType = typer.Option(..., "--policy-type", case_sensitive=False),
    action: list[str] = typer.Option([], "--action", help="An action that must not be granted."),
    resource: list[str] = typer.Option([], "--resource", help="A resource ARN that must not be reachable."),
    fmt: Format = typer.Option(Format.text, "--format"),
) -> None:
    """PASS when POLICY grants none of the listed actions on the listed resources."""
    from solvers.checks import check_access_not_granted
    _run_check(fmt, check_access_not_granted, lambda: read_policy(policy), policy_type.value, action, resource)


@check_app.command("no-public-access")
def no_public_access(
    policy: str = typer.Argument(..., help="The resource policy (path, or - for stdin)."),
    resource_type: str = typer.Option(..., "--resource-type", help="One of the 26 types CheckNoPublicAccess "
                                      "accepts, e.g. AWS::S3::Bucket."),
    fmt: Format = typer.Option(Format.text, "--format"),
) -> None:
    """PASS when POLICY cannot grant public access to a resource of the given type."""
    from solvers.external.public import check_no_public_access
    _run_check(fmt, check_no_public_access, lambda: read_policy(policy), resource_type)


@app.command("analyze")
def analyze(
    policy: str = typer.Argument(..., help="A resource policy, or a resource configuration in Access "
                                 "Analyzer's access-preview shape ({\"s3Bucket\": {...}}); - for stdin."),
    resource_type: str = typer.Option(..., "--resource-type", help="AWS::S3::Bucket, AWS::IAM::Role, ..."),
    resource_arn: str = typer.Option(..., "--resource-arn"),
    account: str = typer.Option(..., "--account", help="The account owning the resource."),
    org_id: str | None = typer.Option(None, "--org-id", help="Zone of trust: this organization."),
    org_accounts: str | None = typer.Option(None, "--org-accounts", help="Member accounts of --org-id (ID,...)."),
    rcp_level: list[str] = typer.Option([], "--rcp-level", help="F[,F] or none: one level of the owner's RCPs, "
                                        "root first (sets resourceControlPolicyRestriction)."),
    apply_guardrails: bool = typer.Option(False, "--apply-guardrails", help="Fold the --rcp-level RCPs into "
                                          "the findings: actions they block disappear (beyond AWS)."),
    fmt: Format = typer.Option(Format.text, "--format"),
) -> None:
    """External-access findings for one resource, in Access Analyzer's Finding shape."""
    from pipeline.analyze import print_findings, rcp_levels, run_analyze
    members = [a for a in (org_accounts or "").split(",") if a]
    levels = rcp_levels(rcp_level, read_policy)
    print_findings(run_analyze(read_policy(policy), resource_type, resource_arn, account, org_id, members,
                               rcps=levels, apply_guardrails=apply_guardrails), fmt.value)


class ValidateFormat(StrEnum):
    json = "json"
    text = "text"
    sarif = "sarif"


class FailLevel(StrEnum):
    error = "error"
    security_warning = "security-warning"
    warning = "warning"
    suggestion = "suggestion"
    none = "none"


@app.command("validate")
def validate(
    policies: list[str] = typer.Argument(..., help="Policy files (paths, or - for stdin)."),
    policy_type: str = typer.Option(..., "--policy-type", help="IDENTITY_POLICY | RESOURCE_POLICY | "
                                    "SERVICE_CONTROL_POLICY | RESOURCE_CONTROL_POLICY"),
    resource_type: str | None = typer.Option(None, "--resource-type", help="For RESOURCE_POLICY: AWS::S3::Bucket, "
                                             "AWS::IAM::AssumeRolePolicyDocument, ..."),
    fmt: ValidateFormat = typer.Option(ValidateFormat.text, "--format"),
    fail_on: FailLevel = typer.Option(FailLevel.error, "--fail-on", case_sensitive=False),
    reasoning: bool = typer.Option(True, "--reasoning/--no-reasoning",
                                   help="Also ask the symbolic engine (redundant statements); slower."),
    jobs: int = typer.Option(0, "--jobs", help="Processes validating many files (0: one per core, "
                             "for 200 files or more each; 1: this process only)."),
) -> None:
    """Access Analyzer's policy validation: findings with issue codes and exact locations."""
    from pipeline.validate import run_validate
    raise typer.Exit(run_validate(policies, read_policy, policy_type.upper(), resource_type, fmt.value,
                                  fail_on.value, reasoning, jobs))


def _fail(message: str, code: int) -> int:
    sys.stderr.write(f"trustmap: error: {message}\n")
    return code


@app.command("generate")
def generate(
    cloudtrail: str = typer.Option(..., "--cloudtrail", help="Folder or file of CloudTrail logs, "
                                   "s3://BUCKET/PREFIX of a trail bucket, or lookup-events."),
    principal: str = typer.Option(..., "--principal", help="Role or user ARN (sessions count for their role)."),
    start: str | None = typer.Option(None, "--start", help="ISO-8601 start of the window (UTC)."),
    end: str | None = typer.Option(None, "--end", help="ISO-8601 end of the window, exclusive (UTC)."),
    resource_placeholders: bool = typer.Option(False, "--resource-placeholders",
                                               help="ARN templates instead of * where no ARN is known."),
    service_level_template: bool = typer.Option(False, "--service-level-template",
                                                help="Service-level entries for services without action detail."),
    accounts: str | None = typer.Option(None, "--accounts", help="Trail bucket: only these accounts (ID,...)."),
    regions: str | None = typer.Option(None, "--regions", help="Trail bucket: only these Regions (R,...)."),
    endpoint_url: str | None = typer.Option(None, "--endpoint-url"),
    profile: str | None = typer.Option(None, "--profile"),
    region: str | None = typer.Option(None, "--region", help="Region of the LookupEvents / S3 client."),
    fmt: Format = typer.Option(Format.text, "--format"),
) -> None:
    """Least-privilege policy for a role or user from its CloudTrail activity (GetGeneratedPolicy)."""
    from pipeline.generate import generate as run_generate
    from pipeline.generate import print_generated
    from solvers.generation.builder import GenerationOptions
    result = run_generate(
        cloudtrail, principal, start=start, end=end,
        options=GenerationOptions(resource_placeholders, service_level_template),
        endpoint_url=endpoint_url, profile=profile, region=region,
        accounts=[a for a in (accounts or "").split(",") if a], regions=[r for r in (regions or "").split(",") if r])
    print_generated(result, fmt.value)


@app.command("collect")
def collect_cmd(
    out: str = typer.Option(..., "--out", help="Snapshot folder to write (created if needed)."),
    config: str | None = typer.Option(None, "--config", help="Scan settings TOML (default configs/default.toml)."),
    accounts: str | None = typer.Option(None, "--accounts", help="ID,... (default: every active account)."),
    regions: str | None = typer.Option(None, "--regions", help="R,... (default: the Regions enabled per account)."),
    resource_types: str | None = typer.Option(None, "--resource-types", help="T,... (default: all)."),
    role_name: str | None = typer.Option(None, "--role-name", help="Role assumed in member accounts."),
    external_id: str | None = typer.Option(None, "--external-id", help="External id for AssumeRole."),
    profile: str | None = typer.Option(None, "--profile"),
    endpoint_url: str | None = typer.Option(None, "--endpoint-url"),
    region: str | None = typer.Option(None, "--region", help="Home Region: STS, Organizations, global reads."),
    accounts_in_flight: int | None = typer.Option(None, "--accounts-in-flight", help="Accounts enumerated at once."),
    last_accessed: bool | None = typer.Option(None, "--last-accessed/--no-last-accessed",
                                              help="Read IAM last-accessed details (default: on)."),
    fmt: Format = typer.Option(Format.text, "--format"),
) -> None:
    """Enumerate what scan would, without analysing it, into a snapshot folder (exit 3: coverage gaps)."""
    from pipeline.collect import collect_command
    code = collect_command(out, config=config, accounts=accounts, regions=regions, resource_types=resource_types,
                           role_name=role_name, external_id=external_id, profile=profile,
                           endpoint_url=endpoint_url, home_region=region,
                           accounts_in_flight=accounts_in_flight, fmt=fmt.value, last_accessed=last_accessed)
    raise typer.Exit(code)

@app.command("scan")
def scan(
    config: str | None = typer.Option(None, "--config", help="TOML settings (default: configs/default.toml)."),
    out: str | None = typer.Option(None, "--out", help="Artifacts folder (default: out/)."),
    address: str | None = typer.Option(None, "--address", help="Join this Ray cluster instead of starting one."),
    accounts: str | None = typer.Option(None, "--accounts", help="ID,... (default: every active account)."),
    regions: str | None = typer.Option(None, "--regions", help="R,... (default: the Regions enabled per account)."),
    resource_types: str | None = typer.Option(None, "--resource-types", help="T,... (default: all)."),
    zone: str | None = typer.Option(None, "--zone", help="ACCOUNT | ORGANIZATION (default: ORGANIZATION when "
                                    "the organization can be read)."),
    role_name: str | None = typer.Option(None, "--role-name", help="Role assumed in member accounts."),
    profile: str | None = typer.Option(None, "--profile"),
    endpoint_url: str | None = typer.Option(None, "--endpoint-url"),
    from_snapshot: str | None = typer.Option(None, "--from-snapshot", help="Analyse a `trustmap collect` folder."),
    cloudtrail: str | None = typer.Option(None, "--cloudtrail", help="CloudTrail logs (folder or s3://BUCKET/PREFIX):"
                                          " a least-privilege policy per active role and user in OUT/policies/."),
    tracking_days: int | None = typer.Option(None, "--tracking-days", min=1, max=365,
                                             help="Unused access: tracking period, 1-365 days (default 90)."),
    last_accessed: bool | None = typer.Option(None, "--last-accessed/--no-last-accessed",
                                              help="Unused access: read IAM last-accessed details (default: on)."),
    apply_guardrails: bool | None = typer.Option(None, "--apply-guardrails/--no-apply-guardrails",
                                                 help="Fold each owner's RCPs into its external-access findings "
                                                 "(beyond AWS; default: off)."),
    fmt: Format = typer.Option(Format.text, "--format"),
) -> None:
    """Scan the organization: external and unused access findings and artifacts (exit 3: coverage gaps)."""
    from pipeline.scan_cli import scan_command
    overrides = {"out": out, "ray_address": address, "accounts": accounts, "regions": regions,
                 "resource_types": resource_types, "zone": zone, "role_name": role_name, "profile": profile,
                 "endpoint_url": endpoint_url, "cloudtrail": cloudtrail, "unused_tracking_days": tracking_days,
                 "unused_last_accessed": last_accessed, "apply_guardrails": apply_guardrails}
    raise typer.Exit(scan_command(config, overrides, from_snapshot, fmt.value))


@app.command("unused")
def unused(
    config: str | None = typer.Option(None, "--config", help="TOML settings (default: configs/default.toml)."),
    accounts: str | None = typer.Option(None, "--accounts", help="ID,... (default: every active account, or the "
                                        "--principal's)."),
    principal: str | None = typer.Option(None, "--principal", help="One role or user ARN."),
    tracking_days: int | None = typer.Option(None, "--tracking-days", min=1, max=365,
                                             help="Tracking period, 1-365 days (default 90)."),
    as_of: str | None = typer.Option(None, "--as-of", help="Judge as of this ISO 8601 instant (default: now)."),
    cloudtrail: str | None = typer.Option(None, "--cloudtrail", help="CloudTrail logs (folder or "
                                          "s3://BUCKET/PREFIX) as action-level evidence."),
    last_accessed: bool | None = typer.Option(None, "--last-accessed/--no-last-accessed",
                                              help="Read IAM last-accessed details (default: on)."),
    role_name: str | None = typer.Option(None, "--role-name", help="Role assumed in member accounts."),
    profile: str | None = typer.Option(None, "--profile"),
    endpoint_url: str | None = typer.Option(None, "--endpoint-url"),
    from_snapshot: str | None = typer.Option(None, "--from-snapshot", help="Judge a `trustmap collect` folder."),
    fmt: Format = typer.Option(Format.text, "--format"),
) -> None:
    """Unused roles, access keys, passwords and permissions (exit 3: coverage gaps)."""
    from pipeline.unused_cli import unused_command
    overrides = {"accounts": accounts, "unused_tracking_days": tracking_days, "unused_as_of": as_of,
                 "cloudtrail": cloudtrail, "unused_last_accessed": last_accessed, "role_name": role_name,
                 "profile": profile, "endpoint_url": endpoint_url}
    raise typer.Exit(unused_command(config, overrides, principal, from_snapshot, fmt.value))


@app.command("report")
def report(
    out: str = typer.Argument(..., help="A scan's output folder (the --out of trustmap scan)."),
    fmt: Format = typer.Option(Format.text, "--format"),
) -> None:
    """Rebuild OUT/report.html, the scan's HTML report, from the artifacts in OUT alone."""
    from pipeline.report.render import report_command
    path = report_command(out)
    sys.stdout.write((json.dumps({"report": str(path)}) if fmt is Format.json else str(path)) + "\n")


class Expect(StrEnum):
    allowed = "allowed"
    explicitDeny = "explicitDeny"
    implicitDeny = "implicitDeny"


@app.command("simulate")
def simulate(
    input_file: str | None = typer.Option(None, "--input", help="simulate-custom-policy --cli-input-json file."),
    action: list[str] = typer.Option([], "--action", help="Action to simulate (repeatable)."),
    resource: list[str] = typer.Option([], "--resource", help="Resource ARN (repeatable; default *)."),
    resource_owner: str | None = typer.Option(None, "--resource-owner", help="Account owning the resource."),
    caller_arn: str | None = typer.Option(None, "--caller-arn", help="User, role, session, federated or root ARN."),
    caller_service: str | None = typer.Option(None, "--caller-service", help="Service principal as caller."),
    anonymous: bool = typer.Option(False, "--anonymous", help="An unsigned caller."),
    policy: list[str] = typer.Option([], "--policy", help="Identity policy file (repeatable)."),
    boundary: str | None = typer.Option(None, "--permissions-boundary"),
    session_policy: str | None = typer.Option(None, "--session-policy"),
    resource_policy: str | None = typer.Option(None, "--resource-policy"),
    scp_level: list[str] = typer.Option([], "--scp-level", help="F[,F] or none: one SCP level, root first."),
    rcp_level: list[str] = typer.Option([], "--rcp-level", help="F[,F] or none: one RCP level, root first."),
    endpoint_policy: list[str] = typer.Option([], "--vpc-endpoint-policy", help="VPC endpoint policy file."),
    context: list[str] = typer.Option([], "--context", help="KEY=VALUE[,VALUE] (repeatable)."),
    snapshot: str | None = typer.Option(None, "--snapshot", help="A `trustmap collect` folder (with --principal)."),
    principal: str | None = typer.Option(None, "--principal", help="Role, user or session ARN in the snapshot."),
    derive_context: bool = typer.Option(False, "--derive-context", help="Fill principal and resource keys."),
    expect: Expect | None = typer.Option(None, "--expect", help="Exit 1 unless every decision is this."),
    explain: bool = typer.Option(False, "--explain", help="Say why, for people."),
    fmt: Format = typer.Option(Format.json, "--format"),
) -> None:
    """Offline IAM policy simulator: every policy type AWS combines (exit 1: --expect differs)."""
    from pipeline import simulate as sim
    if input_file is not None and snapshot is not None:
        raise InputError("give --input or --snapshot, not both")
    if input_file is not None:
        simulation = sim.load_input(read_policy(input_file), input_file)
    elif snapshot is not None:
        from pipeline.simulate_snapshot import snapshot_input
        simulation = snapshot_input(snapshot, principal, action, resource, context)
    else:
        simulation = sim.flags_input(
            read_policy, actions=action, resources=resource, resource_owner=resource_owner, caller_arn=caller_arn,
            caller_service=caller_service, anonymous=anonymous, policies=policy, boundary=boundary,
            session_policy=session_policy, resource_policy=resource_policy, scp_levels=scp_level,
            rcp_levels=rcp_level, endpoint_policies=endpoint_policy, context=context)
    raise typer.Exit(sim.run_simulation(simulation, fmt.value, derive_context, expect.value if expect else None,
                                        explain))


class Zone(StrEnum):
    ORGANIZATION = "ORGANIZATION"
    ACCOUNT = "ACCOUNT"


@app.command("internal-access")
def internal_access(
    snapshot: str = typer.Option(..., "--snapshot", help="A `trustmap collect` folder."),
    resource: str = typer.Option(..., "--resource", help="ARN of the resource to analyse."),
    zone: Zone = typer.Option(Zone.ORGANIZATION, "--zone", help="Whose roles and users count."),
    aws_compatible: bool = typer.Option(False, "--aws-compatible", help="PRINCIPAL_LIMIT_EXCEEDED beyond 3,000 "
                                        "principals, as AWS (default: every finding)."),
    fmt: Format = typer.Option(Format.json, "--format"),
) -> None:
    """Which roles and users of the organization (or account) can reach one resource."""
    from pipeline.internal_access import internal_access_command, render_text
    result = internal_access_command(snapshot, resource, zone.value, aws_compatible)
    typer.echo(json.dumps(result, indent=2) if fmt is Format.json else render_text(result))


@app.command("demo")
def demo(
    out: str = typer.Option("out/demo", "--out", help="Artifacts folder."),
    accounts: int = typer.Option(12, "--accounts", min=2, max=200, help="Accounts in the demo organization."),
    fmt: Format = typer.Option(Format.text, "--format"),
) -> None:
    """Seed a demo organization in a local AWS emulator and scan it (no AWS account needed)."""
    from pipeline.scan_cli import demo_command
    raise typer.Exit(demo_command(out, accounts, fmt.value))


@export_app.command("securityhub")
def export_securityhub(
    out: str = typer.Argument(..., help="A scan's output folder (its asff/ batches are sent)."),
    config: str | None = typer.Option(None, "--config", help="TOML settings (default: configs/default.toml)."),
    accounts: str | None = typer.Option(None, "--accounts", help="ID,... (default: every account with findings)."),
    role_name: str | None = typer.Option(None, "--role-name", help="Role assumed in member accounts."),
    profile: str | None = typer.Option(None, "--profile"),
    endpoint_url: str | None = typer.Option(None, "--endpoint-url"),
    fmt: Format = typer.Option(Format.text, "--format"),
) -> None:
    """Import the findings into Security Hub, from each account, per Region (exit 3: some failed)."""
    from pipeline.export_securityhub import export_command
    overrides = {"role_name": role_name, "profile": profile, "endpoint_url": endpoint_url}
    raise typer.Exit(export_command(out, config, overrides, accounts, fmt.value))


def main(argv: list[str] | None = None) -> int:
    """Console entry point: runs the app and turns every error into one line and an exit code."""
    from pipeline.coercion import install
    install()  # plain parameters coerced without importing pydantic (start-up time)
    try:
        code = app(args=argv, prog_name="trustmap", standalone_mode=False)
        return code if isinstance(code, int) else 0
    except typer.Exit as exc:
        return exc.exit_code
    except click_errors.NoArgsIsHelpError:
        return 2  # the help text has been printed
    except click_errors.ClickException as exc:  # usage errors: bad option, missing argument
        lines = exc.format_message().splitlines() or [type(exc).__name__]
        return _fail(lines[0], 2)
    except typer.Abort:
        return _fail("aborted", 130)
    except InputError as exc:
        return _fail(str(exc).replace("\n", " "), 2)
    except TrustmapError as exc:
        return _fail(str(exc).replace("\n", " "), 1)
    except Exception as exc:  # a bug: one line for users, the traceback on request
        if os.environ.get("TRUSTMAP_DEBUG"):
            raise
        return _fail(f"internal error ({type(exc).__name__}: {exc}); rerun with TRUSTMAP_DEBUG=1", 1)


if __name__ == "__main__":
    sys.exit(main())
