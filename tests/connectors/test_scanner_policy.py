"""The published minimal policy of the scanning role passes trustmap's own policy validation."""
from __future__ import annotations

import json
from pathlib import Path

import connectors.aws
from pipeline.cli import main

POLICY = Path(connectors.aws.__file__).parent / "scanner-policy.json"


def test_scanner_policy_validates_clean(capsys):
    code = main(["validate", str(POLICY), "--policy-type", "IDENTITY_POLICY", "--format", "json",
                 "--fail-on", "suggestion"])
    assert json.loads(capsys.readouterr().out)["findings"] == []
    assert code == 0


def test_scanner_policy_only_reads():
    statements = json.loads(POLICY.read_text())["Statement"]
    actions = [a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])]
    assert all(s["Effect"] == "Allow" for s in statements)
    assert [a for a in actions if a.split(":")[1].startswith(("Get", "List", "Describe"))
            or a in ("sts:AssumeRole", "iam:GenerateCredentialReport", "iam:GenerateServiceLastAccessedDetails")
            ] == actions
