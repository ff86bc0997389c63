"""Importing the CLI must not load Ray, Z3 or boto3 (keeps `trustmap --help` fast)."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = (
    "import pipeline.cli, sys; "
    "bad=[m for m in ('ray','z3','boto3','botocore') if m in sys.modules]; "
    "print(bad); sys.exit(1 if bad else 0)"
)


def test_cli_import_does_not_load_heavy_modules() -> None:
    proc = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"stdout={proc.stdout!r} stderr={proc.stderr!r}"
    assert proc.stdout.strip() == "[]"


# A one-policy command as users run it (issue 18, cold start): validation reads only the services the
# policy names, a question small enough to enumerate never loads Z3, and the CLI's plain parameters are
# coerced without pydantic.
RUN = """
import json, sys
from pipeline.cli import main
code = main(sys.argv[1:])
from solvers.catalog import load_catalog
z3 = sys.modules.get("z3")
print(json.dumps({"code": code, "pydantic": "pydantic" in sys.modules, "rich": "rich" in sys.modules,
                  "z3_loaded": z3 is not None and type(z3).__name__ != "_LazyModule",
                  "services": sorted(load_catalog()._built)}))
"""


def _run(tmp_path, *args: str) -> dict:
    policy = tmp_path / "policy.json"
    policy.write_text('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", '
                      '"Resource": "arn:aws:s3:::b/*"}, {"Effect": "Allow", "Action": "ec2:Describe*", '
                      '"Resource": "*"}]}')
    proc = subprocess.run([sys.executable, "-c", RUN, *[str(policy) if a == "POLICY" else a for a in args]],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_one_policy_commands_load_only_what_they_use(tmp_path) -> None:
    report = _run(tmp_path, "validate", "POLICY", "--policy-type", "IDENTITY_POLICY", "--format", "json")
    assert report == {"code": 0, "pydantic": False, "rich": False, "z3_loaded": False, "services": ["ec2", "s3"]}
    report = _run(tmp_path, "check", "no-new-access", "POLICY", "POLICY", "--policy-type", "identity_policy",
                  "--format", "json")
    assert report["code"] == 0 and not report["pydantic"] and not report["z3_loaded"]
