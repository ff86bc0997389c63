"""`trustmap check no-new-access` / `check access-not-granted`, run as a user runs them (subprocesses).

The contract is ../shared/design/CLI.md: JSON `{"result", "message", "reasons": [...]}` (+ `example` on FAIL),
exit 0 PASS / 1 FAIL / 2 bad input with one `trustmap: error: ...` line on stderr and no traceback.
The recorded AWS answers of the corpus are replayed in-process at the end.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from solvers.errors import InputError
from solvers.evaluator import Principal, Request, is_allowed
from solvers.policy import MAX_POLICY_CHARS, parse_policy

REPO = Path(__file__).resolve().parents[2]
CORPUS_CHECKS = REPO / ".." / "shared" / "corpus" / "aa-recorded" / "checks"
BAD_INPUT_TIMEOUT = 10  # seconds; "each must end within a few seconds" (interpreter + imports included)


def run(*args: str, stdin: bytes | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "TRUSTMAP_DEBUG"}
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *args], input=stdin, capture_output=True,
                          timeout=timeout, cwd=REPO, env=env)


def out_json(proc: subprocess.CompletedProcess) -> dict:
    lines = proc.stdout.decode().splitlines()
    assert len(lines) == 1, proc.stdout
    return json.loads(lines[0])


def assert_clean_error(proc: subprocess.CompletedProcess) -> str:
    """Exit 2, exactly one stderr line `trustmap: error: ...`, no traceback anywhere. Returns the line."""
    stdout, stderr = proc.stdout.decode(errors="replace"), proc.stderr.decode(errors="replace")
    assert "Traceback" not in stdout and "Traceback" not in stderr, stderr
    assert proc.returncode == 2, f"rc={proc.returncode} stderr={stderr!r}"
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("trustmap: error: "), stderr
    assert "internal error" not in lines[0]
    return lines[0]


def write(tmp_path: Path, name: str, content) -> str:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content if isinstance(content, str) else json.dumps(content))
    return str(path)


def identity(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def replay(example: dict) -> Request:
    principal = None
    if "principal" in example:
        ((kind, pid),) = example["principal"].items()
        principal = Principal(kind, pid)
    return Request.of(example["action"], example["resource"], principal=principal, context=example["context"])


def assert_shape(doc: dict, result: str) -> None:
    assert doc["result"] == result
    assert isinstance(doc["message"], str) and doc["message"]
    assert isinstance(doc["reasons"], list)
    for r in doc["reasons"]:
        assert isinstance(r["description"], str) and r["description"]
        assert isinstance(r["statementIndex"], int)
        assert set(r) <= {"description", "statementIndex", "statementId"}
    if result == "FAIL":
        assert doc["reasons"], "a FAIL names at least one statement"
        ex = doc["example"]
        assert isinstance(ex["action"], str) and isinstance(ex["resource"], str)
        assert isinstance(ex["context"], dict)
    else:
        assert "example" not in doc
        assert doc["reasons"] == []


EXISTING = identity({"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::data/*"})
NEW_SUBSET = identity({"Sid": "Read", "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
                       "Resource": "arn:aws:s3:::data/reports/*"})
NEW_MORE = identity(
    {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::data/*"},
    {"Effect": "Deny", "Action": "*", "Resource": "arn:aws:s3:::data/secret/*"},
    {"Sid": "Extra", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::other/*"},
    {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"},
)


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    return {name: write(tmp_path, f"{name}.json", doc) for name, doc in
            {"existing": EXISTING, "subset": NEW_SUBSET, "more": NEW_MORE}.items()}


# ------------------------------------------------------------------------------------------ no-new-access

def test_no_new_access_pass(files) -> None:
    proc = run("check", "no-new-access", files["subset"], files["existing"], "--policy-type", "IDENTITY_POLICY",
               "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert_shape(out_json(proc), "PASS")
    assert proc.stderr == b""


def test_no_new_access_fail(files) -> None:
    proc = run("check", "no-new-access", files["more"], files["existing"], "--policy-type", "IDENTITY_POLICY",
               "--format", "json")
    assert proc.returncode == 1, proc.stderr
    doc = out_json(proc)
    assert_shape(doc, "FAIL")
    assert [r["statementIndex"] for r in doc["reasons"]] == [2, 3]
    assert doc["reasons"][0]["statementId"] == "Extra"
    assert "statementId" not in doc["reasons"][1]  # no Sid in statement 3
    # the example is a request the new policy allows and the existing one does not
    request = replay(doc["example"])
    assert is_allowed(parse_policy(json.dumps(NEW_MORE)), request)
    assert not is_allowed(parse_policy(json.dumps(EXISTING)), request)


def test_no_new_access_same_policy_passes(files) -> None:
    proc = run("check", "no-new-access", files["more"], files["more"], "--policy-type", "IDENTITY_POLICY",
               "--format", "json")
    assert proc.returncode == 0
    assert out_json(proc)["result"] == "PASS"


def test_no_new_access_resource_policy_fail(tmp_path: Path) -> None:
    existing = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "s3:*",
         "Resource": "arn:aws:s3:::b/*"}]}
    new = {"Version": "2012-10-17", "Statement": [
        {"Sid": "Mine", "Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "s3:GetObject",
         "Resource": "arn:aws:s3:::b/*"},
        {"Sid": "Vpc", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*",
         "Condition": {"StringEquals": {"aws:SourceVpc": "vpc-1"}}}]}
    proc = run("check", "no-new-access", write(tmp_path, "n.json", new), write(tmp_path, "e.json", existing),
               "--policy-type", "RESOURCE_POLICY", "--format", "json")
    assert proc.returncode == 1, proc.stderr
    doc = out_json(proc)
    assert_shape(doc, "FAIL")
    assert [(r["statementIndex"], r.get("statementId")) for r in doc["reasons"]] == [(1, "Vpc")]
    assert "principal" in doc["example"]
    request = replay(doc["example"])
    assert is_allowed(parse_policy(json.dumps(new)), request)
    assert not is_allowed(parse_policy(json.dumps(existing)), request)


def test_no_new_access_policy_type_is_case_insensitive(files) -> None:
    proc = run("check", "no-new-access", files["subset"], files["existing"], "--policy-type", "identity_policy",
               "--format", "json")
    assert proc.returncode == 0
    assert out_json(proc)["result"] == "PASS"


# ------------------------------------------------------------------------------------------ access-not-granted

def test_access_not_granted_pass(files) -> None:
    proc = run("check", "access-not-granted", files["subset"], "--policy-type", "IDENTITY_POLICY",
               "--action", "s3:PutObject", "--action", "s3:DeleteObject", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert_shape(out_json(proc), "PASS")


def test_access_not_granted_fail_action(files) -> None:
    proc = run("check", "access-not-granted", files["more"], "--policy-type", "IDENTITY_POLICY",
               "--action", "dynamodb:GetItem", "--format", "json")
    assert proc.returncode == 1, proc.stderr
    doc = out_json(proc)
    assert_shape(doc, "FAIL")
    assert [r["statementIndex"] for r in doc["reasons"]] == [3]
    assert doc["example"]["action"].lower() == "dynamodb:getitem"
    assert is_allowed(parse_policy(json.dumps(NEW_MORE)), replay(doc["example"]))


def test_access_not_granted_fail_resource(files) -> None:
    proc = run("check", "access-not-granted", files["more"], "--policy-type", "IDENTITY_POLICY",
               "--resource", "arn:aws:s3:::other/file", "--format", "json")
    assert proc.returncode == 1
    doc = out_json(proc)
    assert_shape(doc, "FAIL")
    # statement 2 grants on other/*, statement 3 grants dynamodb on "*" (any resource)
    assert {r["statementIndex"] for r in doc["reasons"]} >= {2}
    assert {r["statementIndex"] for r in doc["reasons"]} <= {2, 3}
    assert doc["example"]["resource"] == "arn:aws:s3:::other/file"


def test_access_not_granted_deny_removes_access(files) -> None:
    # everything under data/secret/ is denied by statement 1
    proc = run("check", "access-not-granted", files["more"], "--policy-type", "IDENTITY_POLICY",
               "--action", "s3:GetObject", "--resource", "arn:aws:s3:::data/secret/key", "--format", "json")
    assert proc.returncode == 0, proc.stdout
    assert out_json(proc)["result"] == "PASS"


def test_access_not_granted_action_and_resource_together(files) -> None:
    proc = run("check", "access-not-granted", files["more"], "--policy-type", "IDENTITY_POLICY",
               "--action", "s3:GetObject", "--resource", "arn:aws:s3:::data/public/key", "--format", "json")
    assert proc.returncode == 1
    doc = out_json(proc)
    assert [r["statementIndex"] for r in doc["reasons"]] == [0]
    assert doc["reasons"][0]["statementId"] == "Read"
    assert doc["example"]["resource"] == "arn:aws:s3:::data/public/key"


# ------------------------------------------------------------------------------------------ stdin, text

def test_policy_from_stdin() -> None:
    data = json.dumps(NEW_MORE).encode()
    proc = run("check", "access-not-granted", "-", "--policy-type", "IDENTITY_POLICY", "--action",
               "dynamodb:GetItem", "--format", "json", stdin=data)
    assert proc.returncode == 1
    assert [r["statementIndex"] for r in out_json(proc)["reasons"]] == [3]


def test_new_policy_from_stdin(files) -> None:
    proc = run("check", "no-new-access", "-", files["existing"], "--policy-type", "IDENTITY_POLICY",
               "--format", "json", stdin=json.dumps(NEW_SUBSET).encode())
    assert proc.returncode == 0
    assert out_json(proc)["result"] == "PASS"
    proc = run("check", "no-new-access", files["existing"], "-", "--policy-type", "IDENTITY_POLICY",
               "--format", "json", stdin=json.dumps(NEW_SUBSET).encode())
    assert proc.returncode == 1
    assert out_json(proc)["result"] == "FAIL"


def test_empty_stdin_is_an_input_error() -> None:
    proc = run("check", "access-not-granted", "-", "--policy-type", "IDENTITY_POLICY", "--action", "s3:GetObject",
               "--format", "json", stdin=b"", timeout=BAD_INPUT_TIMEOUT)
    assert_clean_error(proc)
    assert out_json(proc)["result"] == "ERROR"


def test_text_format_exit_codes(files, tmp_path: Path) -> None:
    passing = run("check", "no-new-access", files["subset"], files["existing"], "--policy-type", "IDENTITY_POLICY",
                  "--format", "text")
    assert passing.returncode == 0
    assert passing.stdout.decode().startswith("PASS")
    failing = run("check", "access-not-granted", files["more"], "--policy-type", "IDENTITY_POLICY",
                  "--action", "dynamodb:GetItem", "--format", "text")
    assert failing.returncode == 1
    text = failing.stdout.decode()
    assert text.startswith("FAIL") and "Statement 3" in text
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)
    bad = run("check", "access-not-granted", write(tmp_path, "bad.json", "{nope"), "--policy-type",
              "IDENTITY_POLICY", "--action", "s3:GetObject", "--format", "text", timeout=BAD_INPUT_TIMEOUT)
    assert_clean_error(bad)
    assert "ERROR" not in bad.stdout.decode() or bad.stdout == b""


def test_default_format_is_text(files) -> None:
    proc = run("check", "no-new-access", files["more"], files["existing"], "--policy-type", "IDENTITY_POLICY")
    assert proc.returncode == 1
    assert proc.stdout.decode().startswith("FAIL")


# ------------------------------------------------------------------------------------------ bad input

def _bad_documents() -> dict[str, object]:
    ok = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
    return {
        "not-json": "{\"Version\": \"2012-10-17\", \"Statement\": [",
        "action-number": identity({**ok, "Action": 5}),
        "statement-string": {"Version": "2012-10-17", "Statement": "x"},
        "unknown-operator": identity({**ok, "Condition": {"StringEqualz": {"aws:username": "a"}}}),
        "for-some-values": identity({**ok, "Condition": {"ForSomeValues:StringEquals": {"aws:username": "a"}}}),
        "effect-lowercase": identity({**ok, "Effect": "allow"}),
        "top-level-array": [ok],
        "one-megabyte": identity({**ok, "Resource": "arn:aws:s3:::" + "a" * (1 << 20)}),
        "ten-thousand-statements": identity(*[{"Effect": "Allow", "Action": "s3:GetObject",
                                               "Resource": f"arn:aws:s3:::b{i}/*"} for i in range(10_000)]),
        "nesting-1000": "[" * 1000 + "]" * 1000,
        "nesting-1000-in-statement": '{"Statement": [' + '{"a": ' * 1000 + "1" + "}" * 1000 + "]}",
        "non-utf8": b'{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:\xff\xfe", '
                    b'"Resource": "*"}}',
        "identity-without-resource": identity({"Effect": "Allow", "Action": "s3:GetObject"}),
        "resource-not-an-arn": identity({**ok, "Resource": "fakeArn"}),
    }


BAD = _bad_documents()
# errors in the policy content: AWS would reject them, so --format json also prints an ERROR object
CONTENT_ERRORS = {name for name in BAD if name != "non-utf8"}


# every bad document through access-not-granted; a cross-section through no-new-access (as EXISTING)
BAD_RUNS = [("access-not-granted", name) for name in sorted(BAD)] + [
    ("no-new-access", name) for name in ("not-json", "statement-string", "one-megabyte", "nesting-1000",
                                         "non-utf8", "identity-without-resource")]


@pytest.mark.parametrize("command, name", BAD_RUNS, ids=[f"{c}-{n}" for c, n in BAD_RUNS])
def test_bad_policy_documents(tmp_path: Path, command: str, name: str) -> None:
    bad = write(tmp_path, "bad.json", BAD[name])
    good = write(tmp_path, "good.json", EXISTING)
    if command == "access-not-granted":
        args = ["check", command, bad, "--action", "s3:GetObject"]
    else:
        args = ["check", command, good, bad]  # the bad one as EXISTING: both arguments must be checked
    t0 = time.monotonic()
    proc = run(*args, "--policy-type", "IDENTITY_POLICY", "--format", "json", timeout=BAD_INPUT_TIMEOUT)
    elapsed = time.monotonic() - t0
    line = assert_clean_error(proc)
    assert elapsed < BAD_INPUT_TIMEOUT
    if name in CONTENT_ERRORS:
        doc = out_json(proc)
        assert doc["result"] == "ERROR"
        assert doc["message"] and doc["message"] in line
    elif proc.stdout:
        assert out_json(proc)["result"] == "ERROR"


def test_bad_input_messages_name_the_problem(tmp_path: Path) -> None:
    cases = {
        "nesting-1000": "nesting",
        "one-megabyte": "limit",
        "ten-thousand-statements": "limit",
        "unknown-operator": "StringEqualz",
        "action-number": "Statement[0].Action",
        "statement-string": "Statement[0]",
        "non-utf8": "UTF-8",
    }
    for name, needle in cases.items():
        proc = run("check", "access-not-granted", write(tmp_path, f"{name}.json", BAD[name]), "--policy-type",
                   "IDENTITY_POLICY", "--action", "s3:GetObject", "--format", "text", timeout=BAD_INPUT_TIMEOUT)
        assert needle in assert_clean_error(proc), name
        assert proc.stdout == b"", name  # text format: the error goes to stderr only


def test_missing_file(tmp_path: Path) -> None:
    missing = str(tmp_path / "does-not-exist.json")
    proc = run("check", "access-not-granted", missing, "--policy-type", "IDENTITY_POLICY", "--action",
               "s3:GetObject", "--format", "json", timeout=BAD_INPUT_TIMEOUT)
    line = assert_clean_error(proc)
    assert "does-not-exist.json" in line
    proc = run("check", "no-new-access", write(tmp_path, "ok.json", EXISTING), missing, "--policy-type",
               "IDENTITY_POLICY", "--format", "json", timeout=BAD_INPUT_TIMEOUT)
    assert_clean_error(proc)


@pytest.mark.parametrize("content", [None, b"\xff\xfe{}"], ids=["missing", "non-utf8"])
def test_unreadable_input_prints_json_error(tmp_path: Path, content) -> None:
    path = tmp_path / "p.json"
    if content is not None:
        path.write_bytes(content)
    proc = run("check", "access-not-granted", str(path), "--policy-type", "IDENTITY_POLICY", "--action",
               "s3:GetObject", "--format", "json", timeout=BAD_INPUT_TIMEOUT)
    assert_clean_error(proc)
    assert out_json(proc)["result"] == "ERROR"


def test_directory_instead_of_file(tmp_path: Path) -> None:
    proc = run("check", "access-not-granted", str(tmp_path), "--policy-type", "IDENTITY_POLICY", "--action",
               "s3:GetObject", "--format", "json", timeout=BAD_INPUT_TIMEOUT)
    assert_clean_error(proc)


@pytest.mark.parametrize("resource", ["example", "arn:aws:s3:*:*:x", "arn:aws:s3:::", "arn:*:s3:::b",
                                      "arn:aws:s3:us-east-?:123456789012:x"])
def test_bad_resource_option(files, resource: str) -> None:
    proc = run("check", "access-not-granted", files["more"], "--policy-type", "IDENTITY_POLICY", "--resource",
               resource, "--format", "json", timeout=BAD_INPUT_TIMEOUT)
    line = assert_clean_error(proc)
    doc = out_json(proc)
    assert doc["result"] == "ERROR" and resource in doc["message"] and resource in line


@pytest.mark.parametrize("action", ["s3", "s3:Get Object", "*"])
def test_bad_action_option(files, action: str) -> None:
    proc = run("check", "access-not-granted", files["more"], "--policy-type", "IDENTITY_POLICY", "--action",
               action, "--format", "json", timeout=BAD_INPUT_TIMEOUT)
    assert_clean_error(proc)
    assert out_json(proc)["result"] == "ERROR"


def test_no_action_and_no_resource(files) -> None:
    proc = run("check", "access-not-granted", files["more"], "--policy-type", "IDENTITY_POLICY", "--format", "json",
               timeout=BAD_INPUT_TIMEOUT)
    assert_clean_error(proc)
    assert out_json(proc)["result"] == "ERROR"


def test_resource_policy_without_principal(tmp_path: Path) -> None:
    no_principal = write(tmp_path, "p.json", identity({"Effect": "Allow", "Action": "s3:GetObject",
                                                       "Resource": "arn:aws:s3:::b/*"}))
    proc = run("check", "access-not-granted", no_principal, "--policy-type", "RESOURCE_POLICY", "--action",
               "s3:GetObject", "--format", "json", timeout=BAD_INPUT_TIMEOUT)
    line = assert_clean_error(proc)
    assert "Principal" in line
    assert out_json(proc)["result"] == "ERROR"
    proc = run("check", "no-new-access", no_principal, no_principal, "--policy-type", "RESOURCE_POLICY",
               "--format", "json", timeout=BAD_INPUT_TIMEOUT)
    assert_clean_error(proc)
    assert out_json(proc)["result"] == "ERROR"


USAGE_ERRORS = {
    "unknown-policy-type": ["--policy-type", "SERVICE_CONTROL_POLICY", "--format", "json"],
    "missing-policy-type": ["--format", "json"],
    "unknown-format": ["--policy-type", "IDENTITY_POLICY", "--format", "xml"],
}


@pytest.mark.parametrize("name", sorted(USAGE_ERRORS))
def test_usage_errors_exit_2(files, name: str) -> None:
    proc = run("check", "access-not-granted", files["more"], "--action", "s3:GetObject", *USAGE_ERRORS[name],
               timeout=BAD_INPUT_TIMEOUT)
    assert_clean_error(proc)


@pytest.mark.parametrize("name", sorted(USAGE_ERRORS))
def test_usage_errors_are_one_line_without_traceback(files, name: str) -> None:
    # what holds today even with the bug above: one line, no traceback, not success
    proc = run("check", "access-not-granted", files["more"], "--action", "s3:GetObject", *USAGE_ERRORS[name],
               timeout=BAD_INPUT_TIMEOUT)
    stderr = proc.stderr.decode()
    assert proc.returncode != 0
    assert "Traceback" not in stderr and "Traceback" not in proc.stdout.decode()
    assert len(stderr.splitlines()) == 1 and stderr.startswith("trustmap: error: ")


# ------------------------------------------------------------------------------------------ scale

def _b36(n: int) -> str:
    digits, out = "0123456789abcdefghijklmnopqrstuvwxyz", ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if not n:
            return out


def _many(action: str, n: int = 2000) -> str:
    text = json.dumps({"Statement": [{"Effect": "Allow", "Action": action, "Resource": f"arn:aws:s3:::{_b36(i)}"}
                                     for i in range(n)]}, separators=(",", ":"))
    assert len(text) <= MAX_POLICY_CHARS
    return text


def test_two_thousand_statements_access_not_granted(tmp_path: Path) -> None:
    path = write(tmp_path, "many.json", _many("s3:G*"))
    t0 = time.monotonic()
    passing = run("check", "access-not-granted", path, "--policy-type", "IDENTITY_POLICY", "--action",
                  "s3:PutObject", "--format", "json", timeout=20)
    assert time.monotonic() - t0 < 20
    assert passing.returncode == 0 and out_json(passing)["result"] == "PASS"
    failing = run("check", "access-not-granted", path, "--policy-type", "IDENTITY_POLICY", "--action",
                  "s3:GetObject", "--resource", f"arn:aws:s3:::{_b36(1999)}", "--format", "json", timeout=20)
    assert failing.returncode == 1
    doc = out_json(failing)
    assert [r["statementIndex"] for r in doc["reasons"]] == [1999]


def test_two_thousand_statements_no_new_access_pass(tmp_path: Path) -> None:
    path = write(tmp_path, "many.json", _many("s3:G*"))
    proc = run("check", "no-new-access", path, path, "--policy-type", "IDENTITY_POLICY", "--format", "json",
               timeout=20)
    assert proc.returncode == 0 and out_json(proc)["result"] == "PASS"


@pytest.mark.slow
def test_two_thousand_statements_no_new_access_fail(tmp_path: Path) -> None:
    new, existing = write(tmp_path, "new.json", _many("s3:G*")), write(tmp_path, "old.json", _many("s3:P*"))
    proc = run("check", "no-new-access", new, existing, "--policy-type", "IDENTITY_POLICY", "--format", "json",
               timeout=20)
    assert proc.returncode == 1 and out_json(proc)["result"] == "FAIL"


@pytest.mark.slow
def test_many_wildcards_do_not_hang_the_check(tmp_path: Path) -> None:
    new = identity({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::" + "a" * 60})
    existing = identity({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::" + "*a" * 12 + "*b"})
    proc = run("check", "no-new-access", write(tmp_path, "n.json", new), write(tmp_path, "e.json", existing),
               "--policy-type", "IDENTITY_POLICY", "--format", "json", timeout=BAD_INPUT_TIMEOUT)
    assert proc.returncode == 1 and out_json(proc)["result"] == "FAIL"


@pytest.mark.slow
def test_huge_exponent_in_numeric_condition_does_not_hang(tmp_path: Path) -> None:
    text = ('{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:ListBucket", '
            '"Resource": "*", "Condition": {"NumericLessThan": {"s3:max-keys": 1e999999999}}}}')
    proc = run("check", "access-not-granted", write(tmp_path, "p.json", text), "--policy-type", "IDENTITY_POLICY",
               "--action", "s3:ListBucket", "--format", "json", timeout=BAD_INPUT_TIMEOUT)
    assert proc.returncode in (0, 1, 2) and "Traceback" not in proc.stderr.decode()


# ------------------------------------------------------------------------------------------ corpus

def _corpus_cases() -> list[dict]:
    path = CORPUS_CHECKS / "cases.jsonl"
    if not path.is_file():
        return []
    cases = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [c for c in cases if c["check"] in ("CheckNoNewAccess", "CheckAccessNotGranted")]


CORPUS = _corpus_cases()


@pytest.mark.skipif(not CORPUS_CHECKS.is_dir(), reason="shared corpus not present")
def test_corpus_has_cases() -> None:
    assert len(CORPUS) >= 10
    assert {c["expect"]["result"] for c in CORPUS} >= {"PASS", "FAIL", "ERROR"}


@pytest.mark.skipif(not CORPUS_CHECKS.is_dir(), reason="shared corpus not present")
@pytest.mark.parametrize("case", CORPUS, ids=[c["id"] for c in CORPUS])
def test_corpus_recorded_answer(case: dict) -> None:
    from solvers.checks import check_access_not_granted, check_no_new_access

    def call():
        if case["check"] == "CheckNoNewAccess":
            return check_no_new_access(case["newPolicy"], case["existingPolicy"], case["policyType"])
        access = case["access"]
        return check_access_not_granted(case["policy"], case["policyType"], access.get("actions", []),
                                        access.get("resources", []))

    expect = case["expect"]
    if expect["result"] == "ERROR":
        with pytest.raises(InputError):
            call()
        return
    result = call()
    assert result.result == expect["result"], result.as_dict()
    reported = {r.statement_index for r in result.reasons}
    assert set(expect.get("statementIndexes", [])) <= reported
    if result.result == "FAIL":
        assert result.example is not None
        assert_shape(result.as_dict(), "FAIL")
    else:
        assert result.example is None and not result.reasons
