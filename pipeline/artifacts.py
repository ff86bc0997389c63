"""The scan's artifacts: findings.json (FindingV2), findings.ocsf.jsonl, findings.asff.json, run.json.

Every file is written to a temporary name beside its target and renamed over it, so a reader (a SIEM
forwarder, the next run) never sees half a file.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

OCSF_VERSION = "1.1.0"
_STATUS_OCSF = {"ACTIVE": (1, "New"), "ARCHIVED": (3, "Suppressed"), "RESOLVED": (4, "Resolved")}
_ASFF_TYPES = {"AWS::S3::Bucket": "AwsS3Bucket", "AWS::IAM::Role": "AwsIamRole", "AWS::KMS::Key": "AwsKmsKey",
               "AWS::SQS::Queue": "AwsSqsQueue", "AWS::SNS::Topic": "AwsSnsTopic",
               "AWS::Lambda::Function": "AwsLambdaFunction", "AWS::Lambda::LayerVersion": "AwsLambdaLayerVersion",
               "AWS::SecretsManager::Secret": "AwsSecretsManagerSecret", "AWS::ECR::Repository": "AwsEcrRepository",
               "AWS::EFS::FileSystem": "AwsEfsFileSystem", "AWS::EC2::Snapshot": "Other",
               "AWS::RDS::DBSnapshot": "AwsRdsDbSnapshot", "AWS::RDS::DBClusterSnapshot": "AwsRdsDbClusterSnapshot",
               "AWS::DynamoDB::Table": "AwsDynamoDbTable", "AWS::IAM::User": "AwsIamUser"}
_UNUSED_TITLES = {"UnusedIAMRole": "Unused IAM role", "UnusedIAMUserAccessKey": "Unused access key",
                  "UnusedIAMUserPassword": "Unused console password", "UnusedPermission": "Unused permissions"}


def _type(f: dict) -> str:
    return f.get("findingType", "ExternalAccess")


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def finding_v2(f: dict) -> dict:
    """Access Analyzer's FindingV2 (plus our `example` on external access, and the GetFindingRecommendation
    answer as `recommendation` on UnusedPermission)."""
    if _type(f) != "ExternalAccess":
        return {k: f[k] for k in ("id", "resource", "resourceType", "resourceOwnerAccount", "status", "createdAt",
                                  "analyzedAt", "updatedAt", "error", "findingType", "findingDetails",
                                  "recommendation", "example", "extensionType") if k in f}
    details: dict = {"action": f["action"], "condition": f["condition"], "isPublic": f["isPublic"],
                     "principal": f["principal"]}
    for key in ("sources", "resourceControlPolicyRestriction"):
        if key in f:
            details[key] = f[key]
    if "example" in f:
        details["example"] = f["example"]
    out = {k: f[k] for k in ("id", "resource", "resourceType", "resourceOwnerAccount", "status", "createdAt",
                             "analyzedAt", "updatedAt", "error")}
    out["findingType"] = "ExternalAccess"
    out["findingDetails"] = [] if f["error"] else [{"externalAccessDetails": details}]
    return out


def _title(f: dict) -> str:
    if _type(f) == "InternalAccess":
        who = f["findingDetails"][0]["internalAccessDetails"]["principal"]["AWS"] if f["findingDetails"] else ""
        return f"Internal access to {f['resource']}" + (f" by {who}" if who else "") + \
            (f" could not be analysed ({f['error']})" if f["error"] else "")
    if _type(f) != "ExternalAccess":
        details = f["findingDetails"]
        key = details[0].get("unusedIamUserAccessKeyDetails", {}).get("accessKeyId") if details else None
        what = f"{len(details)} unused services" if _type(f) == "UnusedPermission" else key or ""
        return f"{_UNUSED_TITLES[_type(f)]}: {f['resource']}" + (f" ({what})" if what else "")
    if f["error"]:
        return f"{f['resourceType']} {f['resource']} could not be analysed ({f['error']})"
    who = ", ".join(f"{k} {v}" for k, v in f["principal"].items())
    return f"{'Public' if f['isPublic'] else 'External'} access to {f['resource']} by {who}"


def _severity(f: dict) -> tuple[int, str]:
    if f["error"]:
        return 3, "Medium"
    if _type(f) != "ExternalAccess":
        return 2, "Low"
    return (4, "High") if f["isPublic"] else (3, "Medium")


def ocsf_event(f: dict, product_version: str) -> dict:
    """An OCSF Detection Finding (class 2004)."""
    status_id, status = _STATUS_OCSF[f["status"]]
    sev_id, sev = _severity(f)
    activity = {"ACTIVE": 1, "ARCHIVED": 2, "RESOLVED": 3}[f["status"]]
    return {
        "class_uid": 2004, "class_name": "Detection Finding", "category_uid": 2, "category_name": "Findings",
        "activity_id": activity, "type_uid": 2004 * 100 + activity, "severity_id": sev_id, "severity": sev,
        "status_id": status_id, "status": status, "time_dt": f["updatedAt"],
        "finding_info": {"uid": f["id"], "title": _title(f), "types": [_type(f)],
                         "created_time_dt": f["createdAt"], "modified_time_dt": f["updatedAt"],
                         "analytic": {"name": f"trustmap {_type(f)}", "type_id": 1, "type": "Rule"}},
        "resources": [{"uid": f["resource"], "type": f["resourceType"],
                       "owner": {"account": {"uid": f["resourceOwnerAccount"], "type": "AWS Account"}}}],
        "cloud": {"provider": "AWS", "account": {"uid": f["resourceOwnerAccount"]}},
        "metadata": {"version": OCSF_VERSION, "product": {"name": "trustmap", "vendor_name": "trustmap",
                                                          "version": product_version}},
        "unmapped": _unmapped(f),
    }


_ASFF_CLASSIFIERS = {"ExternalAccess": "External Access Granted", "UnusedIAMRole": "Unused IAM Role",
                     "UnusedIAMUserAccessKey": "Unused IAM User Access Key",
                     "UnusedIAMUserPassword": "Unused IAM User Password", "UnusedPermission": "Unused Permissions",
                     "InternalAccess": "Internal Access Granted"}


def _unmapped(f: dict) -> dict:
    if _type(f) != "ExternalAccess":
        return {"findingType": _type(f), "findingDetails": f["findingDetails"]}
    return {k: f[k] for k in ("principal", "action", "condition", "isPublic", "error")}


def asff_finding(f: dict, region: str) -> dict:
    """An AWS Security Finding Format finding, ready for Security Hub's BatchImportFindings."""
    account = f["resourceOwnerAccount"]
    _, sev = _severity(f)
    return {
        "SchemaVersion": "2018-10-08", "Id": f["id"],
        "ProductArn": f"arn:aws:securityhub:{region}:{account}:product/{account}/default",
        "GeneratorId": f"trustmap/{_type(f)}", "AwsAccountId": account,
        "Types": [f"Software and Configuration Checks/AWS Security Best Practices/{_ASFF_CLASSIFIERS[_type(f)]}"],
        "CreatedAt": f["createdAt"], "UpdatedAt": f["updatedAt"], "Severity": {"Label": sev.upper()},
        "Title": _title(f)[:256], "Description": json.dumps(_unmapped(f))[:1024],
        "Resources": [{"Type": _ASFF_TYPES.get(f["resourceType"], "Other"), "Id": f["resource"], "Region": region}],
        "Workflow": {"Status": {"ACTIVE": "NEW", "ARCHIVED": "SUPPRESSED", "RESOLVED": "RESOLVED"}[f["status"]]},
        "RecordState": "ARCHIVED" if f["status"] == "RESOLVED" else "ACTIVE",
    }


def write_artifacts(out: Path, findings: list[dict], run: dict, product_version: str, region: str) -> dict[str, Path]:
    paths = {"findings": out / "findings.json", "ocsf": out / "findings.ocsf.jsonl",
             "asff": out / "findings.asff.json", "run": out / "run.json", "state": out / ".trustmap-state.json"}
    write_atomic(paths["findings"], json.dumps({"findings": [finding_v2(f) for f in findings]}, indent=1))
    write_atomic(paths["ocsf"], "".join(json.dumps(ocsf_event(f, product_version)) + "\n" for f in findings))
    write_atomic(paths["asff"], json.dumps({"Findings": [asff_finding(f, region) for f in findings]}, indent=1))
    write_atomic(paths["run"], json.dumps(run, indent=1))
    write_atomic(paths["state"], json.dumps({"findings": findings}))
    return paths


def write_artifacts_run(out: Path, run: dict) -> None:
    """Rewrite run.json (after stages that finish later, such as policy generation)."""
    write_atomic(out / "run.json", json.dumps(run, indent=1))
