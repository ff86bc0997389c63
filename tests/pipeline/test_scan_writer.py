"""The scan's artifact writer: the second process writes what the driver would write itself on one core,
its failures come back to the driver as what they were, and it never outlives the driver's need."""
from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest
from test_artifacts import organization

from pipeline.artifacts import finding_v2
from pipeline.report.model import ReportDraft, findings_data, policy_marks
from pipeline.scan_writer import WriterJob, _Apart, _Inline, artifact_writer
from pipeline.validate import validate_collected

POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Sid": "Read", "Effect": "Allow", "Principal": {"AWS": "444455556666"}, "Action": "s3:GetObject",
     "Resource": "arn:aws:s3:::b/*"},
    {"Effect": "Allow", "Principal": {"AWS": "444455556666"}, "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::b"}]})
ODD = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "*"}]}'


def _job(out: Path) -> tuple[WriterJob, list[list], dict]:
    findings = organization(40)
    for f in findings[:10]:
        f["resource"] = "arn:aws:s3:::b"
        f["example"] = {"action": "s3:GetObject", "resource": "arn:aws:s3:::b/k",
                        "principal": {"AWS": "arn:aws:iam::444455556666:root"}}
    policies = [{"text": POLICY, "policyType": "RESOURCE_POLICY", "resourceType": "AWS::S3::Bucket",
                 "where": {"account": "111122223333", "arn": "arn:aws:s3:::b"}},
                {"text": ODD, "policyType": "IDENTITY_POLICY", "resourceType": None,
                 "where": {"account": "111122223333", "arn": "arn:aws:iam::111122223333:role/r", "policyName": "p"}}]
    document, _ = validate_collected(policies)
    entries = [(p["text"], p["policyType"], p["resourceType"], p["where"]) for p in policies]
    run = {"finishedAt": findings[0]["updatedAt"], "counts": {}, "accounts": ["111122223333"]}
    job = WriterJob(out, findings, run, "0.1.0", "us-east-1", "111122223333", entries, run["finishedAt"])
    return job, policy_marks(document["policies"]), document


def _drive(writer, job: WriterJob, marks: list[list]) -> dict:
    writer.send(job)
    paths = writer.receive()
    writer.send(marks)
    assert writer.receive() is None
    writer.send(None)
    paths["report"] = writer.receive()
    return paths


@pytest.mark.slow
def test_the_second_process_writes_what_one_core_writes(tmp_path: Path) -> None:
    written = {}
    for name, kind in (("inline", _Inline), ("apart", _Apart)):
        job, marks, _ = _job(tmp_path / name)
        writer = kind()
        try:
            written[name] = _drive(writer, job, marks)
        finally:
            if isinstance(writer, _Apart):
                writer.close()
                assert writer._process.exitcode == 0
    inline, apart = written["inline"], written["apart"]
    assert set(inline) == set(apart) >= {"findings", "ocsf", "asff", "run", "state", "report"}
    for key in ("findings", "ocsf", "run", "state", "report"):
        assert inline[key].read_bytes() == apart[key].read_bytes(), key


@pytest.mark.slow
def test_a_failure_apart_is_raised_in_the_driver_as_what_it_was(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    job, _, _ = _job(blocker)
    with artifact_writer() as writer:
        writer.send(job)
        with pytest.raises(OSError):
            writer.receive()


@pytest.mark.slow
def test_the_process_ends_when_the_driver_stops_before_the_job() -> None:
    with pytest.raises(KeyError):
        with artifact_writer() as writer:
            raise KeyError("the aggregation failed")
    assert isinstance(writer, _Apart) and writer._process.exitcode == 0


def test_the_draft_finished_with_validations_marks_is_the_reports_data(tmp_path: Path) -> None:
    """What the writer drafts before validation and finishes with its marks is what `trustmap report`
    builds from validation.json: the grants point into the shown policies."""
    job, marks, document = _job(tmp_path)
    v2 = [finding_v2(f) for f in job.findings]
    draft = ReportDraft(v2, job.finished, job.entries)
    draft.parse_all()
    drafted = draft.finish(tmp_path, marks)
    assert orjson.dumps(drafted) == orjson.dumps(findings_data(tmp_path, v2, document, job.finished))
    shown = [(p["arn"], p["name"]) for p in drafted["policies"]]
    # the bucket's policy for its findings, the role's for its validation finding
    assert shown == [("arn:aws:s3:::b", None), ("arn:aws:iam::111122223333:role/r", "p")]
    assert drafted["policies"][1]["v"] and not drafted["policies"][0]["v"]
    granted = [r[12] for r in drafted["findings"] if r[2] == "arn:aws:s3:::b"]
    assert len(granted) == 10 and all(g == [[0, 0]] for g in granted)  # the Read statement, not ListBucket
