"""`trustmap export securityhub OUT/`: a scan's findings into AWS Security Hub, in every account and Region.

Security Hub imports a customer's own findings (the account's default product ARN) only when the call
comes from the finding's account (`AwsAccountId` = the caller) and the ProductArn's Region; a delegated
administrator cannot import them for its members. So each batch of `OUT/asff/` (at most 100 findings of
one account and Region) is sent from that account, through the scan's session machinery: the caller's
own session for its account, the assumed role (`role_name`) in every other one.

Re-importing a finding with the same Id and ProductArn updates it, so a second export updates rather
than duplicates. What an import may not change is set afterwards the way Security Hub allows: findings
RESOLVED by the scan are imported with RecordState ARCHIVED (Security Hub resolves their workflow),
and findings ARCHIVED by an archive rule get Workflow SUPPRESSED through BatchUpdateFindings.

Failures are retried with exponential back-off (requests: botocore's adaptive retries; findings the
answer lists as failed: up to RETRIES more times unless the error says the input is wrong); what still
fails is reported, batch by batch.
"""
from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from solvers.errors import InputError

RETRIES = 4
BACKOFF_SECONDS = 0.5
_FINAL_ERRORS = ("InvalidInput", "InvalidAccess", "AccessDenied")  # resending the same finding cannot help
_RETRYABLE_CALL_ERRORS = ("ThrottlingException", "TooManyRequestsException", "LimitExceededException",
                          "InternalException", "ServiceUnavailableException")


@dataclass
class BatchResult:
    account: str
    region: str
    product_arn: str
    file: str
    findings: int
    imported: int = 0
    suppressed: int = 0
    failed: list[dict] = field(default_factory=list)  # {"Id", "ErrorCode", "ErrorMessage"}

    def as_dict(self) -> dict:
        return {"account": self.account, "region": self.region, "productArn": self.product_arn, "file": self.file,
                "findings": self.findings, "imported": self.imported, "workflowSuppressed": self.suppressed,
                "failed": self.failed}


def read_index(out: Path) -> list[dict]:
    index = out / "asff" / "index.json"
    try:
        batches = json.loads(index.read_text(encoding="utf-8"))["batches"]
    except OSError as exc:
        raise InputError(f"cannot read {index}: {exc.strerror or exc} (is {out} a scan's output folder?)") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{index} is not a trustmap ASFF index: {exc}") from None
    return batches


def export(out: Path, config, accounts: set[str] | None = None, sleep: Callable[[float], None] = time.sleep,
           progress: Callable[[BatchResult], None] | None = None) -> list[BatchResult]:
    """Send every batch of OUT/asff/ (only those of `accounts` when given). `config` is a
    connectors.aws.session.SessionConfig."""
    from connectors.aws.session import Sessions
    sessions = Sessions(config)
    results = []
    for entry in read_index(out):
        if accounts and entry["account"] not in accounts:
            continue
        result = BatchResult(entry["account"], entry["region"], entry["productArn"], entry["file"], entry["findings"])
        findings = json.loads((out / entry["file"]).read_text(encoding="utf-8"))["Findings"]
        try:
            client = sessions.client(sessions.for_account(result.account), "securityhub", result.region)
            _import(client, findings, result, sleep)
            _suppress_archived(client, findings, result, sleep)
        except Exception as exc:  # this account or Region could not be reached: the others go on
            done = {f["Id"] for f in result.failed}
            result.failed += [{"Id": f["Id"], "ErrorCode": _code(exc), "ErrorMessage": str(exc)[:500]}
                              for f in findings if f["Id"] not in done]
        results.append(result)
        if progress:
            progress(result)
    return results


def _import(client: Any, findings: list[dict], result: BatchResult, sleep: Callable[[float], None]) -> None:
    pending = findings
    for attempt in range(RETRIES + 1):
        answer = _call(client.batch_import_findings, {"Findings": pending}, sleep)
        result.imported += answer["SuccessCount"]
        failed = {f["Id"]: f for f in answer.get("FailedFindings", [])}
        retry = [f for f in pending if f["Id"] in failed and failed[f["Id"]].get("ErrorCode") not in _FINAL_ERRORS]
        final = [failed[f["Id"]] for f in pending if f["Id"] in failed and f not in retry]
        result.failed += [{k: f.get(k) for k in ("Id", "ErrorCode", "ErrorMessage")} for f in final]
        if not retry:
            return
        if attempt == RETRIES:
            result.failed += [{k: failed[f["Id"]].get(k) for k in ("Id", "ErrorCode", "ErrorMessage")} for f in retry]
            return
        sleep(BACKOFF_SECONDS * 2 ** attempt)
        pending = retry


def _suppress_archived(client: Any, findings: list[dict], result: BatchResult,
                       sleep: Callable[[float], None]) -> None:
    """Workflow SUPPRESSED for findings an archive rule archived (BatchUpdateFindings: up to 100)."""
    from pipeline.asff import STATUS_FIELD
    failed = {f["Id"] for f in result.failed}
    ids = [{"Id": f["Id"], "ProductArn": f["ProductArn"]} for f in findings
           if f.get("ProductFields", {}).get(STATUS_FIELD) == "ARCHIVED" and f["Id"] not in failed]
    if not ids:
        return
    answer = _call(client.batch_update_findings, {"FindingIdentifiers": ids, "Workflow": {"Status": "SUPPRESSED"},
                                                  "Note": {"Text": "Archived by a trustmap archive rule",
                                                           "UpdatedBy": "trustmap"}}, sleep)
    result.suppressed += len(answer.get("ProcessedFindings", []))
    result.failed += [{"Id": f["FindingIdentifier"]["Id"], "ErrorCode": f.get("ErrorCode"),
                       "ErrorMessage": f.get("ErrorMessage")} for f in answer.get("UnprocessedFindings", [])]


def _call(method: Callable[..., dict], kwargs: dict, sleep: Callable[[float], None]) -> dict:
    """One API call; throttling or a server error that outlasted botocore's own retries is retried with
    a longer back-off."""
    for attempt in range(RETRIES + 1):
        try:
            return method(**kwargs)
        except Exception as exc:
            if _code(exc) not in _RETRYABLE_CALL_ERRORS or attempt == RETRIES:
                raise
            sleep(BACKOFF_SECONDS * 2 ** (attempt + 2))
    raise AssertionError("unreachable")


def _code(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code") or type(exc).__name__)
    return type(exc).__name__


def summary(results: list[BatchResult]) -> dict:
    return {"findings": sum(r.findings for r in results), "imported": sum(r.imported for r in results),
            "workflowSuppressed": sum(r.suppressed for r in results),
            "failed": sum(len(r.failed) for r in results),
            "accounts": sorted({r.account for r in results}), "regions": sorted({r.region for r in results}),
            "batches": [r.as_dict() for r in results]}


def export_command(out: str, config_file: str | None, overrides: dict, accounts: str | None, fmt: str) -> int:
    """Exit 0: every finding imported (and every archived one suppressed); 3: some failed (listed);
    2: bad usage (no scan output, unreadable settings)."""
    from pipeline.settings import load_settings, session_config
    folder = Path(out)
    if not folder.is_dir():
        raise InputError(f"{out} is not a folder (give a scan's output folder)")
    read_index(folder)  # bad input fails before any call to AWS
    settings = load_settings(config_file, overrides)
    wanted = {a for a in accounts.split(",") if a} if accounts else None
    results = export(folder, session_config(settings), wanted)
    report = summary(results)
    if fmt == "json":
        sys.stdout.write(json.dumps(report) + "\n")
    else:
        _print_text(report)
    return 3 if report["failed"] else 0


def _print_text(report: dict) -> None:
    from rich.console import Console
    from rich.table import Table
    table = Table("account", "Region", "findings", "imported", "suppressed", "failed", title="Security Hub export")
    for b in report["batches"]:
        table.add_row(b["account"], b["region"], str(b["findings"]), str(b["imported"]),
                      str(b["workflowSuppressed"]), f"[red]{len(b['failed'])}[/]" if b["failed"] else "0")
    console = Console()
    console.print(table)
    for b in report["batches"]:
        for f in b["failed"][:5]:
            console.print(f"{b['account']} {b['region']} {f['Id']}: {f['ErrorCode']} {f['ErrorMessage']}",
                          highlight=False, markup=False)
    console.print(f"{report['imported']} of {report['findings']} findings imported, {report['failed']} failed",
                  highlight=False)
