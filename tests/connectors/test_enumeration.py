"""A seeded organization of 20 accounts × 2 Regions, enumerated through assume-role against moto's server:
every seeded resource comes back with exactly the policy and attributes the seeder wrote."""
from __future__ import annotations

import json
from collections import Counter

from aws_emulator import DEMO_ACCOUNTS, DEMO_REGIONS

from connectors.aws.resources import RESOURCE_TYPES


def _parsed(value):
    """Policies compared as JSON values: some services store the document re-serialised (SQS compacts
    it, in AWS as in moto), and the connector passes on whatever text the service returns."""
    if isinstance(value, dict):
        return {k: _parsed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_parsed(v) for v in value]
    if isinstance(value, str) and value.startswith("{"):
        return json.loads(value)
    return value


def _by_arn(collection) -> dict[str, dict]:
    records = list(collection.resources())
    arns = Counter(r["resourceArn"] for r in records)
    assert not [a for a, n in arns.items() if n > 1], "a resource was enumerated twice"
    return {r["resourceArn"]: r for r in records}


def test_every_seeded_resource_is_enumerated_with_its_configuration(demo_manifest, full_collection):
    found = _by_arn(full_collection)
    seeded = demo_manifest["resources"]
    assert len(seeded) >= DEMO_ACCOUNTS * len(DEMO_REGIONS) * 14
    for entry in seeded:
        record = found.get(entry["resourceArn"])
        assert record is not None, f"missing {entry['resourceArn']}"
        assert (record["resourceType"], record["account"], record["region"]) == (
            entry["resourceType"], entry["account"], entry["region"])
        (member, conf), = record["configuration"].items()
        (want_member, want), = entry["configuration"].items()
        assert member == want_member
        if member == "kmsKey":  # KMS adds grant ids and the issuing account; compare what was written
            assert _parsed(conf["keyPolicies"]) == _parsed(want["keyPolicies"])
            assert [{k: g[k] for k in ("operations", "granteePrincipal")} for g in conf["grants"]] == want["grants"]
            assert all(g["issuingAccount"].endswith(f"{entry['account']}:root") or g["issuingAccount"] == entry["account"]
                       for g in conf["grants"])
        elif member in ("lambdaFunction", "lambdaLayerVersion"):  # Lambda writes these policies itself
            principal = entry["policyPrincipal"]
            if principal is None:
                assert "policy" not in conf
            else:
                statements = json.loads(conf["policy"])["Statement"]
                assert len(statements) == 1
                assert principal in json.dumps(statements[0]["Principal"])
        else:
            assert _parsed(conf) == _parsed(want), entry["resourceArn"]


def test_every_resource_type_and_access_pattern_is_seeded(demo_manifest):
    types = {e["resourceType"] for e in demo_manifest["resources"]}
    # Directory buckets: moto has no S3 Express (see test_s3express.py, which uses a Stubber).
    assert types == set(RESOURCE_TYPES) - {"AWS::S3Express::DirectoryBucket"}
    kinds = Counter(e["kind"] for e in demo_manifest["resources"])
    assert {"public", "cross_account", "in_org_account", "federated", "org_restricted", "service_only",
            "deny_guarded", "safe"} <= set(kinds)
    public = [e for e in demo_manifest["resources"]
              if any(f["isPublic"] for f in e["expectedFindings"]["ORGANIZATION"])]
    assert {e["resourceType"] for e in public} >= {"AWS::S3::Bucket", "AWS::SQS::Queue", "AWS::EC2::Snapshot"}


def test_enumeration_is_complete_and_global_services_are_read_once(demo_manifest, full_collection):
    assert full_collection.gaps() == []
    accounts = demo_manifest["organization"]["accounts"]
    scopes = Counter((s.account, s.region) for s in full_collection.scopes)
    assert set(scopes) == {(a, r) for a in accounts for r in DEMO_REGIONS} and max(scopes.values()) == 1
    homes = [s for s in full_collection.scopes if s.home]
    assert sorted(s.account for s in homes) == sorted(accounts)
    for scope in full_collection.scopes:
        global_types = {r["resourceType"] for r in scope.resources} & {"AWS::IAM::Role", "AWS::S3::Bucket"}
        assert bool(global_types) == scope.home
        assert (scope.account_record is not None) == scope.home


def test_organization_accounts_paths_and_policies(demo_manifest, full_collection):
    org = full_collection.organization
    seeded = demo_manifest["organization"]
    assert org.id == seeded["id"] and org.management_account == seeded["managementAccount"]
    assert sorted(org.active_accounts()) == sorted(seeded["accounts"])
    ous = {ou["name"]: ou for ou in org.organizational_units}
    assert set(ous) == {"Workloads", "Sandbox"}
    for account in org.accounts:
        parent = seeded["parents"][account.id]
        assert account.path == f"{seeded['id']}/{seeded['rootId']}/" + (f"{parent}/" if parent.startswith("ou-") else "")
    assert {ou["path"] for ou in ous.values()} == {f"{seeded['id']}/{seeded['rootId']}/{i}/"
                                                    for i in seeded["organizationalUnits"].values()}
    policies = {p["name"]: p for p in org.policies}
    for want in demo_manifest["serviceControlPolicies"] + demo_manifest["resourceControlPolicies"]:
        got = policies[want["name"]]
        assert (got["type"], got["content"]) == (want["type"], want["content"])
        assert [t["targetId"] for t in got["targets"]] == want["targets"]


def test_account_records_and_identity_policies(demo_manifest, full_collection):
    homes = {s.account: s for s in full_collection.scopes if s.home}
    for identity in demo_manifest["identityPolicies"]:
        scope = homes[identity["account"]]
        assert scope.account_record["accountPublicAccessBlock"] == {"ignorePublicAcls": False,
                                                                     "restrictPublicBuckets": False}
        assert scope.account_record["s3CanonicalUserId"]
        details = scope.iam_authorization_details
        managed = {p["Arn"]: p for p in details["Policies"]}[identity["managedPolicy"]["arn"]]
        default = [v for v in managed["PolicyVersionList"] if v["IsDefaultVersion"]]
        assert default[0]["Document"] == identity["managedPolicy"]["document"]
        roles = {r["Arn"]: r for r in details["RoleDetailList"]}
        for role_arn in identity["managedPolicy"]["attachedTo"]:
            assert managed["Arn"] in [p["PolicyArn"] for p in roles[role_arn]["AttachedManagedPolicies"]]
        users = {u["UserName"]: u for u in details["UserDetailList"]}
        inline = users[identity["userInlinePolicy"]["user"]]["UserPolicyList"]
        assert inline == [{"PolicyName": identity["userInlinePolicy"]["name"],
                           "PolicyDocument": identity["userInlinePolicy"]["document"]}]
