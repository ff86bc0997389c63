"""Scan settings: a TOML file (configs/default.toml when none is given) with command-line overrides."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from solvers.errors import InputError

DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "configs" / "default.toml"
ZONES = ("ACCOUNT", "ORGANIZATION", "AUTO")


@dataclass(frozen=True)
class ScanSettings:
    accounts: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    resource_types: tuple[str, ...] = ()
    zone: str = "AUTO"
    out: Path = Path("out")
    accounts_in_flight: int = 8
    batch_size: int = 16
    analyses_in_flight: int = 0
    home_region: str = "us-east-1"
    role_name: str = "OrganizationAccountAccessRole"
    external_id: str | None = None
    session_name: str = "trustmap-scan"
    profile: str | None = None
    endpoint_url: str | None = None
    ray_address: str | None = None
    archive_rules: tuple = field(default=())
    cloudtrail: str | None = None  # logs for org-wide policy generation: a folder or s3://bucket/prefix
    generation_start: str | None = None
    generation_end: str | None = None
    unused: bool = True  # unused-access findings ([unused] in the config)
    unused_tracking_days: int = 90
    unused_as_of: str | None = None  # judge as of this instant (ISO 8601); empty: now
    unused_last_accessed: bool = True  # read IAM last-accessed details (two calls or more per principal)
    unused_exclude_accounts: tuple[str, ...] = ()
    unused_exclude_tags: tuple[tuple[tuple[str, str], ...], ...] = ()  # tag sets, each as (key, value) pairs
    apply_guardrails: bool = False  # RCPs folded into external access (beyond AWS)
    internal_zone: str = "ORGANIZATION"  # [internal_access] (pipeline/scan_internal.py)
    internal_inclusions: tuple = ()  # empty: internal access is not analysed
    internal_aws_compatible: bool = False


@dataclass(frozen=True)
class Key:
    """One key of the settings file. The configuration reference (docs/configuration.md) is generated from
    KEYS, and a file naming a key that is not here is rejected: a new setting must be declared here."""
    table: str  # [table] in the TOML file; ARRAY_TABLES are [[table]] entries
    name: str
    default: object  # as written in TOML
    help: str
    option: str = ""  # the command-line option that overrides it, if any
    setting: str = ""  # the ScanSettings field it sets ("": none, it is read elsewhere)


ARRAY_TABLES = ("archive_rules",)
KEYS: tuple[Key, ...] = (
    Key("scan", "accounts", [], "Accounts to scan (12-digit ids); empty: every active account of the "
        "organization, or the caller's account without one.", "--accounts", "accounts"),
    Key("scan", "regions", [], "Regions to read; empty: the Regions enabled in each account.", "--regions", "regions"),
    Key("scan", "resource_types", [], "Resource types to read (AWS::S3::Bucket, AWS::IAM::Role, ...); empty: "
        "every type.", "--resource-types", "resource_types"),
    Key("scan", "zone", "AUTO", "Zone of trust: ACCOUNT, ORGANIZATION, or AUTO (ORGANIZATION when the "
        "organization can be read).", "--zone", "zone"),
    Key("scan", "apply_guardrails", False, "Fold each owner's RCPs into its external-access findings: actions "
        "they block disappear and resourceControlPolicyRestriction says APPLIED (beyond AWS, which does not "
        "apply RCPs to external access).", "--apply-guardrails", "apply_guardrails"),
    Key("scan", "out", "out", "Artifacts folder.", "--out", "out"),
    Key("scan", "accounts_in_flight", 8, "Accounts enumerated at once.", "--accounts-in-flight",
        "accounts_in_flight"),
    Key("scan", "batch_size", 16, "Resources per analysis task.", "", "batch_size"),
    Key("scan", "analyses_in_flight", 0, "Analysis tasks running at once; 0: twice the cluster's CPUs.", "",
        "analyses_in_flight"),
    Key("aws", "home_region", "us-east-1", "Region of STS, Organizations and the global reads (IAM, the S3 "
        "bucket list).", "--region", "home_region"),
    Key("aws", "role_name", "OrganizationAccountAccessRole", "Role assumed in member accounts.", "--role-name",
        "role_name"),
    Key("aws", "external_id", "", "External id for AssumeRole; empty: none.", "--external-id", "external_id"),
    Key("aws", "session_name", "trustmap-scan", "Role session name of the assumed roles.", "", "session_name"),
    Key("aws", "profile", "", "Named AWS profile; empty: boto3's default credential chain.", "--profile",
        "profile"),
    Key("aws", "endpoint_url", "", "Endpoint of a local AWS emulator, e.g. http://127.0.0.1:5000; empty: AWS.",
        "--endpoint-url", "endpoint_url"),
    Key("ray", "address", "", "Ray cluster to join (\"auto\" on a node of the cluster, host:6379, or "
        "ray://host:10001 with trustmap[cluster]); empty: an embedded instance on 127.0.0.1.", "--address",
        "ray_address"),
    Key("generation", "cloudtrail", "", "CloudTrail logs (a folder or s3://bucket/prefix): one least-privilege "
        "policy per active role and user in OUT/policies/; empty: no generation.", "--cloudtrail", "cloudtrail"),
    Key("generation", "start", "", "Start of the CloudTrail window (ISO 8601); empty: the start of the unused-"
        "access tracking period.", "", "generation_start"),
    Key("generation", "end", "", "End of the CloudTrail window, exclusive (ISO 8601); empty: no end.", "",
        "generation_end"),
    Key("unused", "enabled", True, "Unused roles, access keys, passwords and permissions in findings.json.", "",
        "unused"),
    Key("unused", "tracking_days", 90, "Tracking period, 1-365 days; only principals and credentials older than "
        "this are judged.", "--tracking-days", "unused_tracking_days"),
    Key("unused", "as_of", "", "Judge as of this ISO 8601 instant; empty: now.", "--as-of", "unused_as_of"),
    Key("unused", "last_accessed", True, "Read IAM last-accessed details per principal (two calls or more "
        "each).", "--last-accessed/--no-last-accessed", "unused_last_accessed"),
    Key("unused", "exclude_accounts", [], "Principals of these accounts are not judged.", "",
        "unused_exclude_accounts"),
    Key("unused", "exclude_tags", [], "Tag sets, e.g. [{ team = \"break-glass\" }]: principals carrying every "
        "tag of a set are not judged.", "", "unused_exclude_tags"),
    Key("internal_access", "zone", "ORGANIZATION", "Internal access: whose roles and users count, ORGANIZATION "
        "(SCPs and RCPs folded in) or ACCOUNT.", "", "internal_zone"),
    Key("internal_access", "inclusions", [], "Internal access: resources to analyse, as Access Analyzer's "
        "analysisRule inclusions, e.g. [{ resource_types = [\"AWS::S3::Bucket\"] }, { account_ids = [...] }, "
        "{ resource_arns = [...] }]; empty: internal access is off.", "", "internal_inclusions"),
    Key("internal_access", "aws_compatible", False, "Internal access: AWS's PRINCIPAL_LIMIT_EXCEEDED error "
        "finding beyond 3,000 principals on a resource (default: every finding).", "", "internal_aws_compatible"),
    Key("archive_rules", "name", None, "Name of the archive rule.", "", "archive_rules"),
    Key("archive_rules", "filter", None, "Access Analyzer's filter: eq, neq, contains or exists over a finding's "
        "keys (resource, principal.AWS, condition.aws:SourceVpc, isPublic, ...); every key must hold.", "",
        "archive_rules"),
)


def _check_keys(data: dict, file: Path) -> None:
    """Every table and key of the file is declared in KEYS (a misspelt key must not be silently ignored)."""
    known: dict[str, set[str]] = {}
    for key in KEYS:
        known.setdefault(key.table, set()).add(key.name)
    for table, body in data.items():
        if table not in known:
            raise InputError(f"config {file}: unknown table [{table}]")
        for entry in body if table in ARRAY_TABLES and isinstance(body, list) else [body]:
            if not isinstance(entry, dict):
                raise InputError(f"config {file}: [{table}] must be a table")
            unknown = sorted(set(entry) - known[table])
            if unknown:
                raise InputError(f"config {file}: unknown setting {unknown[0]!r} in [{table}]")


def session_config(settings: ScanSettings):
    """How the connectors reach AWS under these settings (connectors.aws.session.SessionConfig)."""
    from connectors.aws.session import SessionConfig
    return SessionConfig(profile=settings.profile, endpoint_url=settings.endpoint_url,
                         home_region=settings.home_region, role_name=settings.role_name,
                         external_id=settings.external_id, session_name=settings.session_name)


def _strings(value: object, name: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [v for v in value.split(",") if v]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(f"setting {name} must be a list of strings")
    return tuple(value)


def load_settings(path: str | None, overrides: dict) -> ScanSettings:
    """Read the config file, apply the non-empty overrides (CLI options), check every value."""
    from pipeline.lifecycle import ArchiveRule
    from pipeline.scan_internal import internal_settings
    file = Path(path) if path else DEFAULT_CONFIG
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read config {file}: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"config {file} is not valid TOML: {exc}") from None
    _check_keys(data, file)
    scan, aws, ray = data.get("scan", {}), data.get("aws", {}), data.get("ray", {})
    generation, unused = data.get("generation", {}), data.get("unused", {})
    merged = {**scan, **{f"aws_{k}": v for k, v in aws.items()}, "ray_address": ray.get("address", ""),
              **{f"generation_{k}": v for k, v in generation.items()},
              **{f"unused_{k}": v for k, v in unused.items()}}
    merged.update({k: v for k, v in overrides.items() if v not in (None, "", ())})
    zone = str(merged.get("zone", "AUTO")).upper()
    if zone not in ZONES:
        raise InputError(f"zone must be one of {', '.join(ZONES)}, not {zone!r}")
    for name in ("accounts_in_flight", "batch_size", "analyses_in_flight"):
        if not isinstance(merged.get(name, 1), int) or merged.get(name, 1) < 0:
            raise InputError(f"setting {name} must be a non-negative integer")
    accounts = _strings(merged.get("accounts", []), "accounts")
    for a in accounts:
        if not (len(a) == 12 and a.isdigit()):
            raise InputError(f"account {a!r} is not a 12-digit AWS account id")
    return ScanSettings(
        accounts=accounts, regions=_strings(merged.get("regions", []), "regions"),
        resource_types=_strings(merged.get("resource_types", []), "resource_types"), zone=zone,
        out=Path(merged.get("out", "out")), accounts_in_flight=max(1, merged.get("accounts_in_flight", 8)),
        batch_size=max(1, merged.get("batch_size", 16)), analyses_in_flight=merged.get("analyses_in_flight", 0),
        home_region=merged.get("aws_home_region") or "us-east-1",
        role_name=merged.get("role_name") or merged.get("aws_role_name") or "OrganizationAccountAccessRole",
        external_id=merged.get("aws_external_id") or None, session_name=merged.get("aws_session_name") or "trustmap-scan",
        profile=merged.get("profile") or merged.get("aws_profile") or None,
        endpoint_url=merged.get("endpoint_url") or merged.get("aws_endpoint_url") or None,
        ray_address=merged.get("ray_address") or None,
        archive_rules=tuple(ArchiveRule.parse(r) for r in data.get("archive_rules", [])),
        cloudtrail=merged.get("cloudtrail") or merged.get("generation_cloudtrail") or None,
        generation_start=merged.get("generation_start") or None, generation_end=merged.get("generation_end") or None,
        apply_guardrails=_flag(merged, "apply_guardrails", False),
        **_unused_settings(merged), **internal_settings(overrides.get("internal_access") or data.get("internal_access", {})),
    )


def _flag(merged: dict, name: str, default: bool) -> bool:
    value = merged.get(name, default)
    if not isinstance(value, bool):
        raise InputError(f"setting {name} must be true or false")
    return value


def _unused_settings(merged: dict) -> dict:
    days = merged.get("unused_tracking_days", 90)
    if isinstance(days, str) and days.isdigit():
        days = int(days)
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 365:
        raise InputError(f"setting unused.tracking_days must be 1 to 365 days, not {days!r}")
    tags = merged.get("unused_exclude_tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, dict) and all(isinstance(v, str) for v in t.values())
                                             for t in tags):
        raise InputError("setting unused.exclude_tags must be a list of tables of tag key = value")
    as_of = merged.get("unused_as_of") or None
    if as_of is not None:
        from solvers.unused.tracking import parse_time
        parse_time(str(as_of))  # checked here, so that a bad value fails before any AWS call
    return {"unused": _flag(merged, "unused_enabled", True), "unused_tracking_days": days,
            "unused_as_of": as_of, "unused_last_accessed": _flag(merged, "unused_last_accessed", True),
            "unused_exclude_accounts": _strings(merged.get("unused_exclude_accounts", []), "unused.exclude_accounts"),
            "unused_exclude_tags": tuple(tuple(sorted(t.items())) for t in tags)}
