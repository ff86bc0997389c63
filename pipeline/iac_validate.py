"""`trustmap iac validate`: ValidatePolicy and external access for one policy site.

ValidatePolicy runs on the resolved document (with `validatePolicyResourceType` for the types that take
one); each finding's JSON path is mapped back through the site's origins to the template node. Sites
whose governed type Access Analyzer analyses also get external-access findings, reported like the AWS
validator does: SECURITY_WARNING `EXTERNAL_PRINCIPAL`, one per principal outside the zone of trust,
unless `--allow-external-principals` lists it.
"""
from __future__ import annotations

import re

from connectors.iac.sites import Extraction, Site
from pipeline.iac import IacFinding, policy_text
from solvers.errors import InputError, PolicyError, UndecidedError

# Access Analyzer's analysed type for a site's governed type, and how to build its ARN from a name
_ANALYSED = {
    "AWS::S3::Bucket": ("AWS::S3::Bucket", "arn:{p}:s3:::{n}"),
    "AWS::S3::AccessPoint": ("AWS::S3::Bucket", "arn:{p}:s3:{r}:{a}:accesspoint/{n}"),
    "AWS::S3Express::AccessPoint": ("AWS::S3::Bucket", "arn:{p}:s3express:{r}:{a}:accesspoint/{n}"),
    "AWS::S3::MultiRegionAccessPoint": ("AWS::S3::Bucket", "arn:{p}:s3::{a}:accesspoint/*"),  # named by alias
    "AWS::IAM::AssumeRolePolicyDocument": ("AWS::IAM::Role", "arn:{p}:iam::{a}:role/{n}"),
    "AWS::KMS::Key": ("AWS::KMS::Key", "arn:{p}:kms:{r}:{a}:key/{n}"),
    "AWS::SQS::Queue": ("AWS::SQS::Queue", "arn:{p}:sqs:{r}:{a}:{n}"),
    "AWS::SNS::Topic": ("AWS::SNS::Topic", "arn:{p}:sns:{r}:{a}:{n}"),
    "AWS::SecretsManager::Secret": ("AWS::SecretsManager::Secret", "arn:{p}:secretsmanager:{r}:{a}:secret:{n}"),
    "AWS::Lambda::Function": ("AWS::Lambda::Function", "arn:{p}:lambda:{r}:{a}:function:{n}"),
    "AWS::Lambda::LayerVersion": ("AWS::Lambda::LayerVersion", "arn:{p}:lambda:{r}:{a}:layer:{n}"),
    "AWS::ECR::Repository": ("AWS::ECR::Repository", "arn:{p}:ecr:{r}:{a}:repository/{n}"),
    "AWS::EFS::FileSystem": ("AWS::EFS::FileSystem", "arn:{p}:elasticfilesystem:{r}:{a}:file-system/{n}"),
    "AWS::DynamoDB::Table": ("AWS::DynamoDB::Table", "arn:{p}:dynamodb:{r}:{a}:table/{n}"),
}
VALIDATE_RESOURCE_TYPES = ("AWS::S3::Bucket", "AWS::S3::AccessPoint", "AWS::S3::MultiRegionAccessPoint",
                           "AWS::S3ObjectLambda::AccessPoint", "AWS::IAM::AssumeRolePolicyDocument",
                           "AWS::DynamoDB::Table")
# canned ACLs that grant to groups outside the account
_CANNED = {"PublicRead": [("READ", "AllUsers")], "PublicReadWrite": [("READ", "AllUsers"), ("WRITE", "AllUsers")],
           "AuthenticatedRead": [("READ", "AuthenticatedUsers")]}
_ACCOUNT = re.compile(r"^\d{12}$")
_ROOT = re.compile(r"^arn:[^:]+:iam::\d{12}:root$")


def validator(extra: dict):
    from solvers.external.zone import ZoneOfTrust
    allowed = [x.strip() for x in (extra.get("allow_external_principals") or "").split(",") if x.strip()]
    zone_kind = (extra.get("zone") or "account").lower()
    if zone_kind not in ("account", "organization"):
        raise InputError("--zone must be account or organization")
    org = extra.get("organization_id")
    if zone_kind == "organization" and not org:
        raise InputError("--zone organization needs --organization-id")

    def check(ex: Extraction, site: Site) -> list[IacFinding]:
        zone = ZoneOfTrust(ex.context["account"], org if zone_kind == "organization" else None)
        out = _validate_policy(site) if site.policy is not None else []
        if not any(f.finding_type == "ERROR" for f in out):
            out += _external(ex, site, zone, allowed)
        return out
    return check


def _validate_policy(site: Site) -> list[IacFinding]:
    from solvers.validation import validate_policy
    rtype = site.resource_type if site.resource_type in VALIDATE_RESOURCE_TYPES else None
    out = []
    for f in validate_policy(policy_text(site), site.policy_type, rtype):
        path = tuple(f.locations[0].path) if f.locations else ()
        out.append(IacFinding(f.finding_type, f.issue_code, f.details, site.locate(path), site=site,
                              details=f.as_dict()))
    return out


def _external(ex: Extraction, site: Site, zone, allowed: list[str]) -> list[IacFinding]:
    from solvers.external.analyze import analyze_resource, configuration_for_policy
    target = _ANALYSED.get(site.resource_type or "")
    if target is None or site.policy_type != "RESOURCE_POLICY":
        return []
    analysed, pattern = target
    if not (site.configuration or {}).get("AccessControl") and _only_trusted_principals(site.policy, zone):
        return []  # every Allow names principals of the zone or services: nothing to ask the solver
    c = ex.context
    name = site.resource_name or site.key
    arn = name if name.startswith("arn:") else pattern.format(p=c["partition"], r=c["region"], a=c["account"], n=name)
    text = policy_text(site) if site.policy is not None else None
    if analysed == "AWS::S3::Bucket":
        body: dict = {"bucketPolicy": text} if text else {}
        acl = (site.configuration or {}).get("AccessControl")
        body["bucketAclGrants"] = [{"permission": perm, "grantee": {"uri": f"http://acs.amazonaws.com/groups/global/{g}"}}
                                   for perm, g in _CANNED.get(str(acl), [])]
        configuration = {"s3Bucket": body}
    elif text is None:
        return []
    else:
        configuration = configuration_for_policy(analysed, text)
    try:
        findings = analyze_resource(analysed, arn, c["account"], configuration, zone)
    except (InputError, PolicyError, UndecidedError) as exc:
        return [IacFinding("ERROR", "EXTERNAL_ACCESS_UNDECIDED", f"external access could not be analysed: {exc}",
                           site.place, site=site)]
    out = []
    for f in findings:
        if f.get("error"):
            out.append(IacFinding("ERROR", "EXTERNAL_ACCESS_UNDECIDED", f"external access could not be analysed: "
                                  f"{f.get('errorDetail') or f['error']}", site.place, site=site, details=f))
            continue
        if _allowed(f.get("principal") or {}, allowed):
            continue
        who = ", ".join(f"{k}: {v}" for k, v in (f.get("principal") or {}).items())
        kind = "public access" if f.get("isPublic") else f"access from outside the zone of trust ({who})"
        out.append(IacFinding("SECURITY_WARNING", "EXTERNAL_PRINCIPAL", f"The policy grants {kind}: "
                              f"{', '.join(f.get('action') or [])}", site.place, site=site, details=f))
    return out


def _only_trusted_principals(policy: dict | None, zone) -> bool:
    """Whether every Allow statement grants only to principals of the zone's accounts (an account id, or
    an ARN whose account field is one) or to named AWS services: then no request from outside the zone
    is allowed, whatever the conditions say (they can only narrow). Anything else (a wildcard, another
    account, a federated or canonical user, NotPrincipal) is left to the analysis."""
    if policy is None:
        return False
    statements = policy.get("Statement")
    for st in statements if isinstance(statements, list) else [statements]:
        if not isinstance(st, dict):
            return False
        if st.get("Effect") != "Allow":
            continue
        principal = st.get("Principal")
        if "NotPrincipal" in st or not isinstance(principal, dict):
            return False
        for kind, values in principal.items():
            for v in values if isinstance(values, list) else [values]:
                if not isinstance(v, str) or "*" in v or "?" in v:
                    return False
                if kind == "Service":
                    continue
                account = v if _ACCOUNT.match(v) else (v.split(":", 5)[4] if v.startswith("arn:") and
                                                       v.count(":") >= 5 else None)
                if kind != "AWS" or account is None or not zone.trusts_account(account):
                    return False
    return True


def _allowed(principal: dict, allowed: list[str]) -> bool:
    """Whether every principal value of a finding is allowed: a listed account matches the account itself
    and its root ARN, a listed root ARN any principal of its account, any other listed value (role ARN,
    federated provider, service, `*`) only itself. As the AWS validator does, a role of an allowed
    account is still reported: the account lets some of its principals in, not necessarily that role."""
    if not allowed:
        return False
    values = [str(v) for vs in principal.values() for v in (vs if isinstance(vs, list) else [vs])]
    if not values:
        return False
    accounts = {a for a in allowed if _ACCOUNT.match(a)}
    accounts |= {a.split(":")[4] for a in allowed if _ROOT.match(a)}
    for v in values:
        if v in allowed:
            continue
        root = _ROOT.match(v)
        if (_ACCOUNT.match(v) and v in accounts) or (root and v.split(":")[4] in accounts):
            continue
        return False
    return True
