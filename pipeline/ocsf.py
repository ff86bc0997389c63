"""findings.ocsf.jsonl: each finding as an OCSF 1.1.0 Detection Finding (class 2004), for Security Lake and
SIEMs. The `cloud` and `datetime` profiles are declared in metadata.profiles, as the OCSF validator asks
of the attributes they add (`cloud`, `resources[].region`, every `*_dt`)."""
from __future__ import annotations

from pipeline.finding_facts import details_summary, epoch_ms, finding_type, region_of, severity, title

OCSF_VERSION = "1.1.0"
PROFILES = ["cloud", "datetime"]
# lifecycle status -> (status_id, status), (activity_id, activity_name)
_STATUS = {"ACTIVE": ((1, "New"), (1, "Create")), "ARCHIVED": ((3, "Suppressed"), (2, "Update")),
           "RESOLVED": ((4, "Resolved"), (3, "Close"))}
_AWS_ACCOUNT = 10  # OCSF account.type_id "AWS Account"


def _account(account: str) -> dict:
    return {"uid": account, "name": account, "type_id": _AWS_ACCOUNT, "type": "AWS Account"}


def ocsf_event(f: dict, product_version: str, home_region: str = "us-east-1") -> dict:
    (status_id, status), (activity_id, activity) = _STATUS[f["status"]]
    sev_id, sev = severity(f)
    kind = finding_type(f)
    region = region_of(f, home_region)
    account = f["resourceOwnerAccount"]
    text = title(f)
    return {
        "class_uid": 2004, "class_name": "Detection Finding", "category_uid": 2, "category_name": "Findings",
        "activity_id": activity_id, "activity_name": activity, "type_uid": 2004 * 100 + activity_id,
        "type_name": f"Detection Finding: {activity}", "severity_id": sev_id, "severity": sev,
        "status_id": status_id, "status": status, "message": text,
        "time": epoch_ms(f["updatedAt"]), "time_dt": f["updatedAt"], "timezone_offset": 0,
        "finding_info": {
            "uid": f["id"], "title": text, "types": [kind],
            "created_time": epoch_ms(f["createdAt"]), "created_time_dt": f["createdAt"],
            "modified_time": epoch_ms(f["updatedAt"]), "modified_time_dt": f["updatedAt"],
            "analytic": {"uid": f"trustmap/{kind}", "name": f"trustmap {kind}", "type_id": 1, "type": "Rule"}},
        # The owner of a resource is an AWS account, not a person: OCSF's user object with the account's
        # id as uid and name (type Other), and the account itself.
        "resources": [{"uid": f["resource"], "type": f["resourceType"], "region": region,
                       "cloud_partition": f["resource"].split(":")[1] if f["resource"].startswith("arn:") else "aws",
                       "owner": {"uid": account, "name": account, "type_id": 99, "type": "AWS Account",
                                 "account": _account(account)}}],
        "cloud": {"provider": "AWS", "region": region, "account": _account(account)},
        "metadata": {"version": OCSF_VERSION, "profiles": PROFILES,
                     "product": {"uid": "trustmap", "name": "trustmap", "vendor_name": "trustmap",
                                 "version": product_version}, "log_provider": "trustmap"},
        "unmapped": details_summary(f),
    }
