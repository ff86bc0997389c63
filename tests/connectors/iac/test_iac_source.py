"""Reading templates: YAML keeps scalars as written and every node's place, short tags become long
forms, the kind is detected, and unreadable input is a one-line InputError."""
from __future__ import annotations

from pathlib import Path

import pytest

from connectors.iac.source import CLOUDFORMATION, TERRAFORM_PLAN, read_source, to_python
from solvers.errors import InputError
from solvers.jsonspan import JObject, JString

YAML = """\
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: 2012-10-17
        Statement:
          - Effect: Allow
            Principal: {AWS: 012345678901}
            Action: !Sub "sts:${Verb}"
            Resource: !GetAtt Queue.Arn
            Bool: false
"""


def write(tmp_path: Path, name: str, text: str | bytes) -> str:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return str(path)


def test_yaml_keeps_scalars_as_written_and_expands_short_tags(tmp_path: Path) -> None:
    source = read_source(write(tmp_path, "t.yaml", YAML))
    assert source.kind == CLOUDFORMATION
    doc = to_python(source.tree)["Resources"]["Role"]["Properties"]["AssumeRolePolicyDocument"]
    assert doc["Version"] == "2012-10-17"  # not a date
    statement = doc["Statement"][0]
    assert statement["Principal"] == {"AWS": "012345678901"}  # not the number 12345678901
    assert statement["Action"] == {"Fn::Sub": "sts:${Verb}"}
    assert statement["Resource"] == {"Fn::GetAtt": "Queue.Arn"}
    assert statement["Bool"] is False


def test_yaml_nodes_know_their_line_and_column(tmp_path: Path) -> None:
    source = read_source(write(tmp_path, "t.yaml", YAML))
    role = source.tree.get("Resources").get("Role")  # type: ignore[union-attr]
    action = role.get("Properties").get("AssumeRolePolicyDocument").get("Statement").items[0].get("Action")
    assert isinstance(action, JObject)  # the !Sub node, spanning the tagged scalar
    assert (action.span.start.line, action.span.start.column) == (10, 20)
    assert YAML[action.span.start_offset:action.span.end_offset] == '!Sub "sts:${Verb}"'
    version = role.get("Properties").get("AssumeRolePolicyDocument").get("Version")
    assert isinstance(version, JString) and version.span.start.line == 6


def test_a_plan_is_detected_and_input_type_overrides(tmp_path: Path) -> None:
    path = write(tmp_path, "plan.json", '{"format_version": "1.2", "planned_values": {"root_module": {}}}')
    assert read_source(path).kind == TERRAFORM_PLAN
    assert read_source(path, "cloudformation").kind == CLOUDFORMATION


@pytest.mark.parametrize(("name", "content", "message"), [
    ("bad.yaml", "Resources:\n  A: [1, 2\n", "not a valid YAML template"),
    ("bad.json", '{"Resources": {', "not a valid JSON template"),
    ("plan.bin", b"PK\x03\x04binary", "binary file"),
    ("plan.txt", "Terraform used the selected providers to generate the following plan\n", "terraform show"),
    ("empty.yaml", "   \n", "is empty"),
    ("list.yaml", "- a\n- b\n", "object at the top"),
    ("tag.yaml", "Resources: !Bogus x\n", "unknown YAML tag"),
])
def test_unreadable_input_is_one_line(tmp_path: Path, name: str, content, message: str) -> None:
    with pytest.raises(InputError) as exc:
        read_source(write(tmp_path, name, content))
    assert message in str(exc.value) and "\n" not in str(exc.value)


def test_a_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        read_source(str(tmp_path / "absent.yaml"))
