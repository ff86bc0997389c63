"""The scan's artifacts: findings.json (FindingV2), findings.ocsf.jsonl, the ASFF batches, run.json and the
lifecycle state.

Every file is written to a temporary name beside its target and renamed over it, so a reader (a SIEM
forwarder, the next run) never sees half a file. Findings are written one at a time as they are
converted, so writing costs one pass over them and never holds a second copy of the whole document.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO

import orjson

from pipeline.asff import asff_finding, batches, product_arn
from pipeline.ocsf import ocsf_event

_EXTERNAL_KEYS = ("id", "resource", "resourceType", "resourceOwnerAccount", "status", "createdAt", "analyzedAt",
                  "updatedAt", "error")
# unused and internal access: FindingV2 as it is, plus our `example` (internal access) and `extensionType`
# (internal access to a type AWS's analyzer does not cover)
_UNUSED_KEYS = _EXTERNAL_KEYS + ("findingType", "findingDetails", "recommendation", "example", "extensionType")


@contextlib.contextmanager
def atomic_writer(path: Path) -> Iterator[IO[bytes]]:
    """A binary file that replaces `path` only once it has been written whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_atomic(path: Path, text: str) -> None:
    with atomic_writer(path) as fh:
        fh.write(text.encode("utf-8"))


def write_json(path: Path, data: object, indent: bool = True) -> None:
    """One JSON document, indented unless asked not to be (the scan's largest documents, whose indentation
    doubled their size). orjson: the standard library's encoder falls back to pure Python whenever it
    indents, which made the scan's larger documents most of its writing time."""
    option = orjson.OPT_NON_STR_KEYS | (orjson.OPT_INDENT_2 if indent else 0)
    with atomic_writer(path) as fh:
        fh.write(orjson.dumps(data, option=option) + b"\n")


def write_json_list(path: Path, key: str, items: Iterable, convert: Callable[[dict], dict] = lambda x: x) -> None:
    """`{"key": [item, ...]}`, one item a line, converted as it is written."""
    with atomic_writer(path) as fh:
        _json_list(fh, key, items, convert)


def _json_list(fh: IO[bytes], key: str, items: Iterable, convert: Callable[[dict], dict]) -> None:
    # one write of the joined lines: a write per item flushed the buffer every few findings
    lines = [orjson.dumps(convert(item)) for item in items]
    fh.write(b'{"' + key.encode() + b'": [' + (b"\n" if lines else b"") + b",\n".join(lines) + b"\n]}\n")


def finding_v2(f: dict) -> dict:
    """Access Analyzer's FindingV2 (plus our `example` on external access, and the GetFindingRecommendation
    answer as `recommendation` on UnusedPermission)."""
    if f.get("findingType", "ExternalAccess") != "ExternalAccess":
        return {k: f[k] for k in _UNUSED_KEYS if k in f}
    details: dict = {"action": f["action"], "condition": f["condition"], "isPublic": f["isPublic"],
                     "principal": f["principal"]}
    for key in ("sources", "resourceControlPolicyRestriction"):
        if key in f:
            details[key] = f[key]
    if "example" in f:
        details["example"] = f["example"]
    out = {k: f[k] for k in _EXTERNAL_KEYS}
    out["findingType"] = "ExternalAccess"
    out["findingDetails"] = [] if f["error"] else [{"externalAccessDetails": details}]
    return out


def write_asff(out: Path, findings: list[dict], home_region: str, first_account: str | None) -> dict[str, Path]:
    """asff/ACCOUNT_REGION_NNN.json (each a BatchImportFindings request), asff/index.json listing them,
    and findings.asff.json: the first batch (the scanning account's, home Region first), importable as
    it is with `aws securityhub batch-import-findings --cli-input-json`."""
    folder = out / "asff"
    staging = Path(tempfile.mkdtemp(prefix=".asff.", dir=out))
    index, first = [], None
    try:
        counters: dict[tuple[str, str], int] = {}
        for account, region, batch in batches(findings, home_region, first_account):
            n = counters[(account, region)] = counters.get((account, region), 0) + 1
            rel = f"{account}_{region}_{n:03d}.json"  # one folder: a folder per account costs more than the file
            with open(staging / rel, "wb") as fh:  # the staging folder is swapped in whole: no file-by-file
                _json_list(fh, "Findings", batch, lambda f: asff_finding(f, home_region))
            index.append({"account": account, "region": region, "productArn": product_arn(account, region),
                          "file": f"asff/{rel}", "findings": len(batch)})
            first = first or staging / rel
        write_atomic(staging / "index.json", orjson.dumps({"batches": index}, option=orjson.OPT_INDENT_2).decode())
        if first is not None:
            shutil.copyfile(first, staging / ".first.json")
        else:
            write_atomic(staging / ".first.json", '{"Findings": []}\n')  # nothing to import
        old = out / ".asff.old"
        shutil.rmtree(old, ignore_errors=True)
        if folder.exists():
            folder.rename(old)
        os.replace(staging / ".first.json", out / "findings.asff.json")
        staging.rename(folder)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return {"asff": out / "findings.asff.json", "asffBatches": folder}


def write_artifacts(out: Path, findings: list[dict], run: dict, product_version: str, region: str,
                    first_account: str | None = None, findings_v2: list[dict] | None = None) -> dict[str, Path]:
    """`findings_v2`: the findings already converted by `finding_v2`, when the caller needs them too."""
    paths = {"findings": out / "findings.json", "ocsf": out / "findings.ocsf.jsonl",
             "run": out / "run.json", "state": out / ".trustmap-state.json"}
    if findings_v2 is None:
        write_json_list(paths["findings"], "findings", findings, finding_v2)
    else:
        write_json_list(paths["findings"], "findings", findings_v2)
    with atomic_writer(paths["ocsf"]) as fh:
        fh.write(b"".join(orjson.dumps(ocsf_event(f, product_version, region), option=orjson.OPT_APPEND_NEWLINE)
                          for f in findings))
    paths.update(write_asff(out, findings, region, first_account))
    write_artifacts_run(out, run)
    write_json_list(paths["state"], "findings", findings)
    return paths


def write_artifacts_run(out: Path, run: dict) -> None:
    """Write run.json (again after stages that finish later, such as policy generation)."""
    write_atomic(out / "run.json", orjson.dumps(run, option=orjson.OPT_INDENT_2).decode())
