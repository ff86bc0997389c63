"""Artifact shapes: FindingV2, OCSF, ASFF (checked against Security Hub's service model), atomic writes."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.artifacts import asff_finding, finding_v2, ocsf_event, write_artifacts

FINDING = {"id": "f-1", "principal": {"AWS": "444455556666"}, "action": ["s3:GetObject"],
           "resource": "arn:aws:s3:::b", "resourceType": "AWS::S3::Bucket", "isPublic": False,
           "condition": {"aws:SourceVpc": "vpc-1"}, "status": "ACTIVE", "resourceOwnerAccount": "111122223333",
           "createdAt": "2026-01-01T00:00:00Z", "analyzedAt": "2026-01-01T00:00:00Z",
           "updatedAt": "2026-01-01T00:00:00Z", "error": None, "sources": [{"type": "POLICY"}],
           "example": {"action": "s3:GetObject"}}


def test_finding_v2_shape() -> None:
    v2 = finding_v2(FINDING)
    assert v2["findingType"] == "ExternalAccess" and v2["id"] == "f-1" and v2["status"] == "ACTIVE"
    [details] = v2["findingDetails"]
    assert details["externalAccessDetails"]["principal"] == {"AWS": "444455556666"}
    assert details["externalAccessDetails"]["sources"] == [{"type": "POLICY"}]
    assert finding_v2({**FINDING, "error": "INTERNAL_ERROR"})["findingDetails"] == []


@pytest.mark.parametrize("status, workflow", [("ACTIVE", "NEW"), ("ARCHIVED", "SUPPRESSED"), ("RESOLVED", "RESOLVED")])
def test_asff_matches_security_hubs_model(status: str, workflow: str) -> None:
    import botocore.session
    from botocore.validate import ParamValidator
    model = botocore.session.get_session().get_service_model("securityhub")
    shape = model.operation_model("BatchImportFindings").input_shape
    finding = asff_finding({**FINDING, "status": status}, "us-east-1")
    report = ParamValidator().validate({"Findings": [finding]}, shape)
    assert not report.has_errors(), report.generate_report()
    assert finding["Workflow"]["Status"] == workflow


def test_ocsf_detection_finding() -> None:
    event = ocsf_event({**FINDING, "isPublic": True}, "0.1.0")
    assert (event["class_uid"], event["category_uid"], event["type_uid"]) == (2004, 2, 200401)
    assert event["finding_info"]["uid"] == "f-1" and event["severity_id"] == 4
    assert event["resources"][0]["uid"] == "arn:aws:s3:::b"
    assert ocsf_event({**FINDING, "status": "RESOLVED"}, "0.1.0")["status_id"] == 4


def test_artifacts_are_written_whole(tmp_path: Path) -> None:
    paths = write_artifacts(tmp_path, [FINDING], {"counts": {}}, "0.1.0", "us-east-1")
    assert json.loads(paths["findings"].read_text())["findings"][0]["id"] == "f-1"
    assert len(paths["ocsf"].read_text().splitlines()) == 1
    assert json.loads(paths["asff"].read_text())["Findings"][0]["Id"] == "f-1"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".findings")]  # no temporary left behind
