"""`trustmap iac`: run trustmap's checks on every policy site of a template or plan.

`run(subcommand, opts, extra)` reads the template (`connectors.iac`), runs one of the checks on each
site with the existing machinery (ValidatePolicy: `solvers.validation`; external access:
`solvers.external`; custom checks: `solvers.checks`, `solvers.external.public`), and reports the
findings in the AWS validators' report shape, each located in the template. Sites that could not be
resolved or read are findings themselves (IAC_UNRESOLVED_VALUE, IAC_INVALID_RESOURCE), blocking by
default: an unreadable policy never makes a run green.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from connectors.iac import Options, extract
from connectors.iac.sites import Extraction, Place, Site
from solvers.errors import InputError, UndecidedError

UNRESOLVED = "IAC_UNRESOLVED_VALUE"
INVALID = "IAC_INVALID_RESOURCE"
EXTERNAL_MANAGED = "IAC_EXTERNAL_MANAGED_POLICY"
FINDING_TYPES = ("ERROR", "SECURITY_WARNING", "WARNING", "SUGGESTION")
DEFAULT_BLOCKING = ("ERROR", "SECURITY_WARNING")


@dataclass
class IacFinding:
    finding_type: str
    code: str
    message: str
    place: Place
    site: Site | None = None
    key: str | None = None  # logical id / address when there is no site
    is_address: bool = False
    source_type: str | None = None
    details: dict | None = None
    statement_indexes: list[int] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        """The names a --ignore-finding entry may use: logical id / address, resource and principal names."""
        out = [self.key or ""]
        if self.site is not None:
            out += [self.site.key, self.site.resource_name or "", self.site.policy_name or ""]
            out += [a.get("name") or "" for a in self.site.attached_to or []]
        return [n for n in out if n]

    def as_dict(self) -> dict:
        s = self.site
        out: dict[str, Any] = {"findingType": self.finding_type, "code": self.code, "message": self.message}
        if s is not None:
            attached = [a.get("name") for a in s.attached_to or [] if a.get("name")]
            out["resourceName"] = s.resource_name or (attached[0] if attached else s.policy_name)
            out["policyName"] = s.policy_name
            if s.address is not None:
                out["address"], out["attribute"] = s.address, s.attribute
            else:
                out["resourceLogicalId"] = s.logical_id
                if s.synthesized_from:
                    out["synthesizedFrom"] = s.synthesized_from
            out.update({"sourceType": s.source_type, "policyType": s.policy_type, "resourceType": s.resource_type})
        else:
            out["address" if self.is_address else "resourceLogicalId"] = self.key
            out["sourceType"] = self.source_type
        if self.statement_indexes:
            out["statementIndexes"] = self.statement_indexes
        out["details"] = self.details or {}
        out["location"] = self.place.as_dict()
        return out


@dataclass
class Settings:
    blocking: tuple[str, ...] = DEFAULT_BLOCKING
    ignore: tuple[str, ...] = ()
    non_blocking: bool = False
    aws_exit_codes: bool = False


def _csv(value: str | None) -> list[str]:
    return [x.strip() for x in (value or "").split(",") if x.strip()]


def run(subcommand: str, opts: dict, extra: dict) -> int:
    template = opts.get("template") or opts.get("template_path")
    if not template:
        raise InputError("give the template or plan (TEMPLATE or --template-path)")
    fmt = str(opts.get("fmt") or "json")
    options = Options(template, opts.get("region"), opts.get("account"), opts.get("input_type"),
                      opts.get("parameters") or (), opts.get("template_configuration_file"),
                      opts.get("import_values"), opts.get("dynamic_references"),
                      _csv(opts.get("exclude_resource_types")), bool(opts.get("unresolved_as_wildcard")),
                      bool(opts.get("allow_dynamic_ref_without_version")))
    settings = Settings(ignore=tuple(x.lower() for x in _csv(opts.get("ignore_finding"))),
                        non_blocking=bool(opts.get("treat_findings_as_non_blocking")),
                        aws_exit_codes=bool(opts.get("aws_exit_codes")))
    blocking = extra.get("treat_finding_type_as_blocking")
    if blocking:
        kinds = [k.upper() for k in _csv(blocking)]
        bad = [k for k in kinds if k not in (*FINDING_TYPES, "NONE")]
        if bad:
            raise InputError(f"--treat-finding-type-as-blocking takes {', '.join(FINDING_TYPES)} or NONE, not {bad[0]}")
        settings.blocking = () if "NONE" in kinds else tuple(kinds)
    checker = _checker(subcommand, extra)  # bad check options fail before the template is read
    extraction = extract(options)
    managed = _managed_policies(opts.get("managed_policies"))
    if subcommand == "parse":
        doc = extraction.as_dict()
        _write(json.dumps(doc, indent=2) if fmt != "text" else _parse_text(extraction), opts.get("output"))
        return 0
    _add_managed_sites(extraction, managed)
    findings = _template_findings(extraction, managed)
    for site in extraction.sites:
        if site.unresolved and not site.widened:
            continue  # reported by _template_findings; nothing to check
        findings.extend(checker(extraction, site))
    from pipeline.iac_report import render, report
    doc = report(extraction, findings, settings)
    _write(render(doc, findings, extraction, settings, fmt), opts.get("output"))
    rc = 1 if doc["BlockingFindings"] else 0
    if settings.aws_exit_codes:
        return 2 if rc else 0
    return rc


def _write(text: str, output: str | None) -> None:
    import sys
    if output:
        try:
            with open(output, "w", encoding="utf-8") as fh:
                fh.write(text + "\n")
        except OSError as exc:
            raise InputError(f"cannot write {output}: {exc.strerror or exc}") from None
    else:
        sys.stdout.write(text + "\n")


def _parse_text(ex: Extraction) -> str:
    lines = []
    for s in ex.sites:
        sp = s.place.span
        where = f"{ex.file}:{sp.start.line}:{sp.start.column + 1}" if sp is not None else ex.file
        state = "unresolved: " + "; ".join(u.what for u in s.unresolved) if s.unresolved else "resolved"
        lines.append(f"{where}: {s.key} {s.prop or s.attribute or ''} {s.policy_type} {s.resource_type or '-'} "
                     f"{s.resource_name or '-'} ({state})")
    for p in ex.problems:
        lines.append(f"{ex.file}: {p.key}: {p.code} {p.message}")
    lines.append(f"{len(ex.sites)} policy sites, {len(ex.principals)} principals, {len(ex.problems)} problems")
    return "\n".join(lines)


def _managed_policies(folder: str | None) -> dict[str, dict]:
    if not folder:
        return {}
    from pathlib import Path
    root = Path(folder)
    if not root.is_dir():
        raise InputError(f"--managed-policies {folder} is not a folder")
    out = {}
    for f in sorted(root.glob("*.json")):
        try:
            out[f.stem] = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"managed policy {f} is not readable JSON: {exc}") from None
    return out


def _add_managed_sites(ex: Extraction, managed: dict[str, dict]) -> None:
    """Managed policies attached by ARN and given with --managed-policies: one identity site each, attached
    to every principal of the template that lists the ARN."""
    by_arn: dict[str, Site] = {}
    for p in ex.principals:
        for arn in p.external_managed_policy_arns:
            name = arn.rsplit("/", 1)[-1]
            if name not in managed:
                continue
            site = by_arn.get(arn)
            if site is None:
                site = Site("AWS::IAM::ManagedPolicy", "IDENTITY_POLICY", None, name,
                            p.place or Place(ex.file, ("Resources", p.logical_id), None), logical_id=arn,
                            prop="PolicyDocument", policy=managed[name], attached_to=[])
                by_arn[arn] = site
                ex.sites.append(site)
            site.attached_to.append({"type": p.type, "logicalId": p.logical_id, "name": p.name})  # type: ignore[union-attr]


def _template_findings(ex: Extraction, managed: dict[str, dict]) -> list[IacFinding]:
    out = []
    for p in ex.problems:
        out.append(IacFinding("ERROR", p.code, p.message, p.place, key=p.key, is_address=p.is_address,
                              source_type=p.source_type))
    for s in ex.sites:
        for u in s.unresolved:
            if s.widened:
                out.append(IacFinding("WARNING", UNRESOLVED, f"checked with * in place of {u.what} "
                                      "(--unresolved-as-wildcard)", u.place, site=s))
            else:
                out.append(IacFinding("ERROR", UNRESOLVED, f"the policy was not checked: cannot resolve {u.what}",
                                      u.place, site=s))
    for principal in ex.principals:
        for arn in principal.external_managed_policy_arns:
            name = arn.rsplit("/", 1)[-1]
            if name in managed:
                continue
            out.append(IacFinding("SUGGESTION", EXTERNAL_MANAGED, f"managed policy {arn} is not in the template; "
                                  "give it with --managed-policies to check it",
                                  principal.place or Place(ex.file, ("Resources", principal.logical_id), None),
                                  key=principal.logical_id, source_type=principal.type))
    return out


# ----------------------------------------------------------------------------- checks per site

Checker = Callable[[Extraction, Site], list[IacFinding]]


def _checker(subcommand: str, extra: dict) -> Checker:
    if subcommand == "parse":
        return lambda ex, site: []
    if subcommand == "validate":
        from pipeline.iac_validate import validator
        return validator(extra)
    if subcommand == "check-no-new-access":
        return _no_new_access(extra)
    if subcommand == "check-access-not-granted":
        return _access_not_granted(extra)
    if subcommand == "check-no-public-access":
        return _no_public_access
    raise InputError(f"unknown subcommand {subcommand}")


def policy_text(site: Site) -> str:
    """The document as checked (findings are mapped back by path, so its layout does not matter)."""
    if site.text is None:
        site.text = json.dumps(site.policy)
    return site.text


def _check_finding(site: Site, code: str, run_check: Callable[[], Any]) -> list[IacFinding]:
    """One custom check on one site: FAIL -> SECURITY_WARNING, a document the API rejects -> ERROR."""
    try:
        result = run_check()
    except InputError as exc:
        return [IacFinding("ERROR", code + "ValidationException", f"the policy cannot be checked: {exc}",
                           site.place, site=site)]
    except UndecidedError as exc:
        return [IacFinding("ERROR", code + "Undecided", f"the check could not be decided: {exc}", site.place,
                           site=site)]
    if result.result == "PASS":
        return []
    indexes = [r.statement_index for r in result.reasons]
    place = site.locate(("Statement", indexes[0])) if indexes and _statement_list(site) else site.place
    return [IacFinding("SECURITY_WARNING", code, result.message, place, site=site, details=result.as_dict(),
                       statement_indexes=indexes)]


def _statement_list(site: Site) -> bool:
    return isinstance((site.policy or {}).get("Statement"), list)


def _checkable(site: Site, kinds: Sequence[str]) -> bool:
    return site.policy is not None and site.policy_type in kinds


def _no_new_access(extra: dict) -> Checker:
    from pipeline.cli import read_policy
    kind = (extra.get("reference_policy_type") or "").lower()
    if kind not in ("identity", "resource"):
        raise InputError("--reference-policy-type must be identity or resource")
    reference = read_policy(extra["reference_policy"])
    policy_type = "IDENTITY_POLICY" if kind == "identity" else "RESOURCE_POLICY"

    def check(ex: Extraction, site: Site) -> list[IacFinding]:
        if not _checkable(site, (policy_type,)):
            return []
        from solvers.checks import check_no_new_access
        return _check_finding(site, "policy-analysis-CheckNoNewAccess",
                              lambda: check_no_new_access(policy_text(site), reference, policy_type))
    return check


def _access_not_granted(extra: dict) -> Checker:
    actions, resources = _csv(extra.get("actions")), _csv(extra.get("resources"))
    from solvers.checks import validate_access
    validate_access(actions, resources)

    def check(ex: Extraction, site: Site) -> list[IacFinding]:
        if not _checkable(site, ("IDENTITY_POLICY", "RESOURCE_POLICY")):
            return []
        from solvers.checks import check_access_not_granted
        return _check_finding(site, "policy-analysis-CheckAccessNotGranted",
                              lambda: check_access_not_granted(policy_text(site), site.policy_type, actions,
                                                               resources))
    return check


def _no_public_access(ex: Extraction, site: Site) -> list[IacFinding]:
    from solvers.external.public import PUBLIC_ACCESS_TYPES, check_no_public_access
    if not _checkable(site, ("RESOURCE_POLICY",)) or site.resource_type not in PUBLIC_ACCESS_TYPES:
        return []
    return _check_finding(site, "policy-analysis-CheckNoPublicAccess",
                          lambda: check_no_public_access(policy_text(site), site.resource_type or ""))
