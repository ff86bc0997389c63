"""The scan's HTML report, opened in a real headless Chromium (Debian's, driven by Playwright).

A two-account demo organization in moto's server is scanned twice on a local Ray (with CloudTrail and
unused access, so every section has content); between the scans one queue loses its policy and a new
queue is shared, so the report has something new and something resolved. The page must open offline
without console errors, show the counts findings.json holds, narrow its table by filter and search,
and show a finding's example request and the statement that grants it."""
from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import pytest

from pipeline.report.history import run_entry

ACCOUNTS = 2
PARTNER = "999988887777"


def _queue_policy(arn: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "Partner", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{PARTNER}:root"},
         "Action": "sqs:SendMessage", "Resource": arn}]}, indent=2)


def _change_queues(url: str, manifest: dict) -> tuple[str, str]:
    """Remove the policy of one shared queue and share a new one; returns (old queue ARN, new queue ARN)."""
    import boto3
    shared = next(r for r in manifest["resources"] if r["resourceType"] == "AWS::SQS::Queue"
                  and r["expectedFindings"].get("ORGANIZATION"))
    account, region, name = shared["account"], shared["region"], shared["resourceArn"].rsplit(":", 1)[1]
    sts = boto3.client("sts", endpoint_url=url, region_name=region)
    role = f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole"
    creds = sts.assume_role(RoleArn=role, RoleSessionName="report-test")["Credentials"]
    sqs = boto3.client("sqs", endpoint_url=url, region_name=region, aws_access_key_id=creds["AccessKeyId"],
                       aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"])
    sqs.set_queue_attributes(QueueUrl=sqs.get_queue_url(QueueName=name)["QueueUrl"], Attributes={"Policy": ""})
    new_arn = f"arn:aws:sqs:{region}:{account}:report-test-new-queue"
    sqs.create_queue(QueueName="report-test-new-queue", Attributes={"Policy": _queue_policy(new_arn)})
    return shared["resourceArn"], new_arn


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    """Two scans of a small demo organization into one folder (the second sees one change)."""
    import ray

    from connectors.demo.emulator import moto_server
    from connectors.demo.seed import seed_demo
    from pipeline.scan import run_scan
    from pipeline.scan_cli import demo_unused_overrides
    from pipeline.settings import load_settings
    for name, value in (("AWS_ACCESS_KEY_ID", "demo"), ("AWS_SECRET_ACCESS_KEY", "demo"),
                        ("AWS_DEFAULT_REGION", "us-east-1")):
        os.environ.setdefault(name, value)
    out = tmp_path_factory.mktemp("report") / "out"
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)  # one Ray for both scans
    try:
        with moto_server() as url:
            manifest = seed_demo(url, accounts=ACCOUNTS)
            settings = load_settings(None, {"out": str(out), "endpoint_url": url, "zone": "ORGANIZATION",
                                            "regions": ",".join(manifest["regions"]),
                                            "cloudtrail": f"s3://{manifest['cloudTrail']['bucket']}",
                                            **demo_unused_overrides(manifest)})
            code, _ = run_scan(settings)
            assert code == 0
            first = {f["id"] for f in json.loads((out / "findings.json").read_text())["findings"]}
            gone, added = _change_queues(url, manifest)
            code, _ = run_scan(settings)
            assert code == 0
    finally:
        ray.shutdown()
    return {"out": out, "first": first, "gone": gone, "added": added}


@pytest.fixture(scope="module")
def browser():
    from pipeline.report.browser import chromium
    with chromium() as context:
        yield context


def _findings(out: Path) -> list[dict]:
    return json.loads((out / "findings.json").read_text())["findings"]


def _open(browser, path: Path):
    from pipeline.report.browser import watched_page
    page, log = watched_page(browser)
    page.goto(path.resolve().as_uri())
    page.wait_for_selector("html[data-ready]")
    return page, log


def _count(page, selector: str) -> int:
    return int(page.get_attribute(selector, "data-count"))


def _shown_ids(page) -> list[str]:
    return page.eval_on_selector_all("#findings-body tr", "rows => rows.map(r => r.dataset.id)")


@pytest.fixture(scope="module")
def report(scanned, browser):
    page, log = _open(browser, scanned["out"] / "report.html")
    yield page, log
    page.close()


@pytest.mark.slow
def test_the_scan_writes_the_report_and_report_rebuilds_it_from_the_artifacts(scanned, tmp_path, capsys) -> None:
    import shutil

    from pipeline.cli import main
    copy = tmp_path / "out"
    shutil.copytree(scanned["out"], copy)
    (copy / "report.html").unlink()
    assert main(["report", str(copy), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"report": str(copy / "report.html")}
    assert (copy / "report.html").read_text() == (scanned["out"] / "report.html").read_text()
    assert main(["report", str(tmp_path / "missing")]) == 2
    (tmp_path / "empty").mkdir()
    assert main(["report", str(tmp_path / "empty")]) == 2


@pytest.mark.slow
def test_the_page_is_offline_clean_and_counts_what_findings_json_holds(scanned, report) -> None:
    page, log = report
    assert log.errors == []
    assert log.requests == [(scanned["out"] / "report.html").resolve().as_uri()]
    findings = _findings(scanned["out"])
    open_ = [f for f in findings if f["status"] != "RESOLVED"]
    types = Counter(f["findingType"] for f in open_)
    status = Counter(f["status"] for f in findings)

    def public(f: dict) -> bool:
        return any(d.get("externalAccessDetails", {}).get("isPublic") for d in f["findingDetails"])
    assert _count(page, "#count-external") == types["ExternalAccess"] > 0
    assert _count(page, "#count-unused") == sum(n for t, n in types.items() if t.startswith("Unused")) > 0
    assert _count(page, "#count-public") == sum(1 for f in open_ if public(f)) > 0
    assert [_count(page, f"#count-{s.lower()}") for s in ("ACTIVE", "ARCHIVED", "RESOLVED")] == \
        [status["ACTIVE"], status["ARCHIVED"], status["RESOLVED"]]
    assert _count(page, "#result-count") == len(findings)
    # the change since the first scan: the new queue's finding, the old queue's resolved
    history = json.loads((scanned["out"] / ".trustmap-history.json").read_text())["runs"]
    assert len(history) == 2 and history[-1]["changes"]["new"] == _count(page, "#count-new")
    assert history[-1]["changes"]["resolved"] == _count(page, "#count-resolved-now")
    new = [f for f in findings if f["id"] not in scanned["first"]]
    assert [f["resource"] for f in new] == [scanned["added"]] and len(new) == _count(page, "#count-new")
    resolved = [f["resource"] for f in findings if f["status"] == "RESOLVED"]
    assert set(resolved) == {scanned["gone"]} and len(resolved) == _count(page, "#count-resolved-now")
    # the matrix holds every open finding once; the organization tree lists every account
    cells = page.eval_on_selector_all("#matrix-table button", "bs => bs.map(b => [b.dataset.account, b.dataset.rtype, +b.textContent])")
    assert Counter({(a, t): n for a, t, n in cells}) == Counter((f["resourceOwnerAccount"], f["resourceType"]) for f in open_)
    run = json.loads((scanned["out"] / "run.json").read_text())
    tree = page.inner_text("#org-tree")
    assert all(a["id"] in tree for a in run["organization"]["accounts"]) and len(run["organization"]["accounts"]) == ACCOUNTS


@pytest.mark.slow
def test_a_filter_and_the_search_narrow_the_table(scanned, report) -> None:
    page, _ = report
    findings = _findings(scanned["out"])
    page.click("#f-reset")
    page.select_option("#f-type", "UnusedIAMRole")
    wanted = {f["id"] for f in findings if f["findingType"] == "UnusedIAMRole"}
    assert _count(page, "#result-count") == len(wanted) and set(_shown_ids(page)) == wanted
    page.select_option("#f-type", "")
    page.select_option("#f-public", "1")
    public = {f["id"] for f in findings if any(d.get("externalAccessDetails", {}).get("isPublic") for d in f["findingDetails"])}
    assert _count(page, "#result-count") == len(public)
    # search: every word must occur in the finding (resource, type, account, principal, actions, ...)
    term = scanned["added"].rsplit(":", 1)[1]
    page.select_option("#f-public", "")
    page.fill("#f-search", term)
    page.wait_for_selector(f"#result-count[data-search='{term}']")  # the search waits for typing to pause
    assert _count(page, "#result-count") == 1
    assert _shown_ids(page) == [f["id"] for f in findings if f["resource"] == scanned["added"]]
    page.fill("#f-search", f"{PARTNER} sqs:")
    page.wait_for_selector(f"#result-count[data-search='{PARTNER} sqs:']")
    expected = {f["id"] for f in findings if PARTNER in json.dumps(f["findingDetails"]) and "sqs:" in json.dumps(f).lower()}
    assert _count(page, "#result-count") == len(expected)
    assert set(_shown_ids(page)) == expected and expected
    page.click("#f-reset")
    assert _count(page, "#result-count") == len(findings)


@pytest.mark.slow
def test_a_finding_shows_its_example_request_and_the_statement_that_grants_it(scanned, report) -> None:
    page, _ = report
    finding = next(f for f in _findings(scanned["out"]) if f["resource"] == scanned["added"])
    details = finding["findingDetails"][0]["externalAccessDetails"]
    page.fill("#f-search", scanned["added"])
    page.wait_for_selector(f"#result-count[data-search='{scanned['added']}']")
    page.focus(f"#findings-body tr[data-id='{finding['id']}'] button")
    page.keyboard.press("Enter")  # keyboard operable: a real button
    page.wait_for_selector(f"#detail[data-id='{finding['id']}']:not([hidden])")
    assert page.evaluate("document.activeElement.id") == "detail"
    example = json.loads(page.inner_text("#detail-example"))
    assert example == {"resource": finding["resource"], **details["example"]}
    marks = page.eval_on_selector_all("#detail pre mark.grant", "ms => ms.map(m => m.textContent)")
    assert [json.loads(m) for m in marks] == json.loads(_queue_policy(scanned["added"]))["Statement"]
    page.click("#f-reset")


@pytest.mark.slow
def test_a_recommendation_is_shown_as_a_diff_against_the_current_policy(scanned, report) -> None:
    import difflib
    page, _ = report
    finding = next(f for f in _findings(scanned["out"]) if f["findingType"] == "UnusedPermission"
                   and f["recommendation"]["recommendedSteps"][0]["unusedPermissionsRecommendedStep"].get("recommendedPolicy"))
    step = finding["recommendation"]["recommendedSteps"][0]["unusedPermissionsRecommendedStep"]
    policies = json.loads((scanned["out"] / "validation.json").read_text())["policies"]
    current = next(p["policyDocument"] for p in policies if p["where"]["arn"] == step["existingPolicyId"])
    before, after = (json.dumps(json.loads(t), indent=2).splitlines() for t in (current, step["recommendedPolicy"]))
    page.select_option("#f-type", "UnusedPermission")
    page.click(f"#findings-body tr[data-id='{finding['id']}'] button")
    page.wait_for_selector(f"#detail[data-id='{finding['id']}']")
    shown = page.eval_on_selector_all("#detail .diff span", "ss => ss.map(s => [s.className, s.textContent])")
    assert [line[2:] for kind, line in shown if kind != "add"] == before
    assert [line[2:] for kind, line in shown if kind != "del"] == after
    removed = [line[2:] for line in difflib.ndiff(before, after) if line.startswith("- ")]
    assert [line[2:] for kind, line in shown if kind == "del"] == removed and removed
    page.click("#f-reset")


@pytest.mark.slow
def test_validation_findings_are_marked_at_their_span(scanned, report) -> None:
    page, _ = report
    policies = json.loads((scanned["out"] / "validation.json").read_text())["policies"]
    entry = next(p for p in policies if any(f["locations"] for f in p["findings"]))
    spans = {entry["policyDocument"][loc["span"]["start"]["offset"]:loc["span"]["end"]["offset"]]
             for f in entry["findings"] for loc in f["locations"]}
    # the summary names the policy exactly: ARN, policy name when it has one, and its issue codes (a role's
    # trust policy and its inline policies share the ARN)
    name = entry["where"].get("policyName")
    label = entry["where"]["arn"] + (f" · {name}" if name else "") + " — " + ", ".join(
        f["issueCode"] for f in entry["findings"])
    summary = page.locator("#validation-body details > summary").filter(has_text=label).first
    summary.click()
    box = summary.locator("xpath=..")
    marked = set(box.locator("mark.vfind").all_text_contents())
    assert marked and marked <= spans


def test_policy_text_cannot_break_out_of_the_page(tmp_path, browser) -> None:
    """A resource name and a policy holding `</script>` stay text: no script runs, the page works."""
    from pipeline.report.render import write_report
    evil = "arn:aws:s3:::x</script><script>window.owned=1</script><!--"
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{"Sid": "a</script><b>", "Effect": "Allow",
                                                                 "Principal": "*", "Action": "s3:GetObject",
                                                                 "Resource": evil + "/*"}]})
    finding = {"id": "f-1", "resource": evil, "resourceType": "AWS::S3::Bucket", "resourceOwnerAccount": "111122223333",
               "status": "ACTIVE", "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-01T00:00:00Z",
               "analyzedAt": "2026-01-01T00:00:00Z", "error": None, "findingType": "ExternalAccess",
               "findingDetails": [{"externalAccessDetails": {
                   "action": ["s3:GetObject"], "condition": {}, "isPublic": True, "principal": {"AWS": "*"},
                   "example": {"action": "s3:GetObject", "resource": evil + "/k", "principal": {"AWS": "arn:aws:iam::444455556666:root"},
                               "context": {}}}}]}
    internal = {**finding, "id": "f-2", "resource": "arn:aws:s3:::inside", "findingType": "InternalAccess",
                "findingDetails": [{"internalAccessDetails": {"action": ["s3:GetObject"], "condition": {},
                                                              "principal": {"AWS": "arn:aws:iam::111122223333:role/r"}}}]}
    future = {**finding, "id": "f-3", "resource": "arn:aws:s3:::later", "findingType": "SomethingNew",
              "findingDetails": [{"somethingNewDetails": {"why": "a type this report does not know"}}]}
    (tmp_path / "findings.json").write_text(json.dumps({"findings": [finding, internal, future]}))
    (tmp_path / "validation.json").write_text(json.dumps({"policies": [{
        "where": {"account": "111122223333", "arn": evil}, "policyType": "RESOURCE_POLICY",
        "resourceType": "AWS::S3::Bucket", "policyDocument": policy, "findings": []}]}))
    path = write_report(tmp_path)
    assert "</script><script>window.owned" not in path.read_text()
    page, log = _open(browser, path)
    assert log.errors == [] and page.evaluate("window.owned") is None
    # finding types added later show up: internal access has its card, an unknown type its own
    assert (_count(page, "#count-external"), _count(page, "#count-internal"), _count(page, "#count-other")) == (1, 1, 1)
    page.fill("#f-search", "x</script>")
    page.wait_for_selector("#result-count[data-search='x</script>']")
    assert _count(page, "#result-count") == 1
    assert page.inner_text("#findings-body button") == evil
    page.click("#findings-body button")
    assert json.loads(page.inner_text("#detail pre mark.grant"))["Sid"] == "a</script><b>"
    page.fill("#f-search", "later")
    page.wait_for_selector("#result-count[data-search='later']")
    page.click("#findings-body button")
    page.wait_for_selector("#detail[data-id='f-3']")
    assert "a type this report does not know" in page.inner_text("#detail")
    assert log.errors == []
    page.close()


def test_history_counts_new_reopened_and_resolved() -> None:
    previous = {"a": {"id": "a", "status": "ACTIVE"}, "b": {"id": "b", "status": "RESOLVED"},
                "c": {"id": "c", "status": "ARCHIVED"}}
    current = [{"id": "a", "status": "RESOLVED"}, {"id": "b", "status": "ACTIVE", "findingType": "UnusedIAMRole"},
               {"id": "c", "status": "ARCHIVED", "isPublic": True}, {"id": "d", "status": "ACTIVE"}]
    entry = run_entry(previous, current, {"finishedAt": "t", "gaps": [{}]})
    assert entry["changes"] == {"new": 1, "reopened": 1, "resolved": 1}
    assert entry["findingsByType"] == {"ExternalAccess": 2, "UnusedIAMRole": 1}
    assert entry["findingsByStatus"] == {"ACTIVE": 2, "ARCHIVED": 1, "RESOLVED": 1} and entry["public"] == 1
    assert entry["gaps"] == 1
