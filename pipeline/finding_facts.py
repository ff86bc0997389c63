"""What one finding says, in the words every artifact format shares: its type, title, severity, Region
and times. The formats (FindingV2, OCSF, ASFF) differ in shape, not in what they say."""
from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache

_UNUSED_TITLES = {"UnusedIAMRole": "Unused IAM role", "UnusedIAMUserAccessKey": "Unused access key",
                  "UnusedIAMUserPassword": "Unused console password", "UnusedPermission": "Unused permissions"}
_ARN_REGION = re.compile(r"^arn:[^:]+:[^:]+:([a-z0-9-]*):")


def finding_type(f: dict) -> str:
    return f.get("findingType", "ExternalAccess")


def title(f: dict) -> str:
    kind = finding_type(f)
    if kind == "InternalAccess":
        who = f["findingDetails"][0]["internalAccessDetails"]["principal"]["AWS"] if f["findingDetails"] else ""
        return f"Internal access to {f['resource']}" + (f" by {who}" if who else "") + \
            (f" could not be analysed ({f['error']})" if f["error"] else "")
    if kind != "ExternalAccess":
        details = f["findingDetails"]
        key = details[0].get("unusedIamUserAccessKeyDetails", {}).get("accessKeyId") if details else None
        what = f"{len(details)} unused services" if kind == "UnusedPermission" else key or ""
        return f"{_UNUSED_TITLES[kind]}: {f['resource']}" + (f" ({what})" if what else "")
    if f["error"]:
        return f"{f['resourceType']} {f['resource']} could not be analysed ({f['error']})"
    who = ", ".join(f"{k} {v}" for k, v in f["principal"].items())
    return f"{'Public' if f['isPublic'] else 'External'} access to {f['resource']} by {who}"


def severity(f: dict) -> tuple[int, str]:
    """(OCSF severity_id, its caption): public access High, other external access and errors Medium,
    unused and internal access Low."""
    if f["error"]:
        return 3, "Medium"
    if finding_type(f) != "ExternalAccess":
        return 2, "Low"
    return (4, "High") if f["isPublic"] else (3, "Medium")


def region_of(f: dict, home_region: str) -> str:
    """The Region a finding's resource lives in: the Region it was collected in (S3 buckets keep their
    own), else the one in its ARN; global resources (IAM) are reported in the home Region."""
    region = f.get("region")
    if region and region != "global":
        return region
    match = _ARN_REGION.match(f.get("resource") or "")
    return match.group(1) if match and match.group(1) else home_region


@lru_cache(maxsize=256)  # a run's findings carry a few instants: the run's and earlier runs'
def epoch_ms(text: str) -> int:
    """An ISO 8601 instant as milliseconds since the epoch (OCSF's timestamp_t)."""
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def details_summary(f: dict) -> dict:
    """The finding's own facts, for formats without a field of their own for them."""
    if finding_type(f) != "ExternalAccess":
        return {"findingType": finding_type(f), "findingDetails": f["findingDetails"]}
    return {k: f[k] for k in ("principal", "action", "condition", "isPublic", "error")}
