"""Seed a demo organization into a running AWS emulator (moto's server) and write its manifest.

    from connectors.demo.seed import seed_demo
    manifest = seed_demo("http://127.0.0.1:5000", accounts=12, manifest_path="demo/manifest.json")

The caller's credentials (any, against moto) become the management account. Member accounts are
created through Organizations and entered through OrganizationAccountAccessRole, as in AWS. The
manifest lists every seeded resource with the configuration an enumeration must return and the
findings a scan must report (per zone of trust), plus the identity policies, SCPs, RCPs and trail.
"""
from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
from botocore.loaders import create_loader
from botocore.session import get_session

from connectors.aws.session import strip_account_host_prefix
from connectors.demo import internal
from connectors.demo import resources as r
from connectors.demo import unused as u
from connectors.demo.trail import ACTIVE_ACCOUNTS, seed_trail
from connectors.demo.variants import EXTERNAL_ACCOUNT, KINDS

DEFAULT_REGIONS = ("us-east-1", "eu-west-1")
ACCESS_ROLE = "OrganizationAccountAccessRole"
DENY_LEAVE = {"Version": "2012-10-17", "Statement": [
    {"Sid": "DenyLeave", "Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"}]}
REGION_LOCK = {"Version": "2012-10-17", "Statement": [
    {"Sid": "OnlyDemoRegions", "Effect": "Deny", "NotAction": ["iam:*", "sts:*", "organizations:*"],
     "Resource": "*", "Condition": {"StringNotEquals": {"aws:RequestedRegion": list(DEFAULT_REGIONS)}}}]}


def _rcp(org_id: str) -> dict:
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "OrganizationOnlyS3", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
         "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": org_id},
                       "BoolIfExists": {"aws:PrincipalIsAWSService": "false"}}}]}


APP_POLICY = {"Version": "2012-10-17", "Statement": [
    {"Sid": "ReadData", "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket", "sqs:ReceiveMessage"],
     "Resource": "*"},
    {"Sid": "NoDeletes", "Effect": "Deny", "Action": ["s3:DeleteObject"], "Resource": "*"}]}


class _Emulator:
    """Clients against the emulator, for the caller or inside a member account."""

    def __init__(self, endpoint_url: str, region: str) -> None:
        self.endpoint_url = endpoint_url
        self.region = region
        self.loader = create_loader()  # shared: parsing the service models once, not once per account
        self.base = self._session()

    def _session(self, **credentials: str) -> boto3.Session:
        botocore_session = get_session()
        botocore_session.register_component("data_loader", self.loader)
        return boto3.Session(botocore_session=botocore_session, region_name=self.region, **credentials)

    def client(self, service: str, region: str | None = None, session: boto3.Session | None = None) -> Any:
        client = (session or self.base).client(service, region_name=region or self.region,
                                               endpoint_url=self.endpoint_url)
        if service == "s3control":
            client.meta.events.register("before-send.s3-control", strip_account_host_prefix(self.endpoint_url))
        return client

    def member(self, account: str) -> boto3.Session:
        creds = self.client("sts").assume_role(RoleArn=f"arn:aws:iam::{account}:role/{ACCESS_ROLE}",
                                               RoleSessionName="trustmap-demo-seed")["Credentials"]
        return self._session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                             aws_session_token=creds["SessionToken"])


def _organization(emu: _Emulator, accounts: int) -> dict:
    org = emu.client("organizations")
    org_id = org.create_organization(FeatureSet="ALL")["Organization"]["Id"]
    management = emu.client("sts").get_caller_identity()["Account"]
    root = org.list_roots()["Roots"][0]["Id"]
    ous = {name: org.create_organizational_unit(ParentId=root, Name=name)["OrganizationalUnit"]["Id"]
           for name in ("Workloads", "Sandbox")}
    members = []
    parents = {management: root}
    for i in range(1, accounts):
        status = org.create_account(Email=f"demo{i}@example.com", AccountName=f"demo-{i:02d}")["CreateAccountStatus"]
        ou = ous["Workloads"] if i % 3 else ous["Sandbox"]
        org.move_account(AccountId=status["AccountId"], SourceParentId=root, DestinationParentId=ou)
        members.append(status["AccountId"])
        parents[status["AccountId"]] = ou
    policies = []
    for policy_type in ("SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"):
        org.enable_policy_type(RootId=root, PolicyType=policy_type)
    for name, content, policy_type, target in (
            ("DenyLeaveOrganization", DENY_LEAVE, "SERVICE_CONTROL_POLICY", root),
            ("DemoRegionsOnly", REGION_LOCK, "SERVICE_CONTROL_POLICY", ous["Workloads"]),
            ("OrganizationOnlyS3", _rcp(org_id), "RESOURCE_CONTROL_POLICY", ous["Sandbox"])):
        text = json.dumps(content, indent=2)
        pid = org.create_policy(Content=text, Description=name, Name=name, Type=policy_type)["Policy"]["PolicySummary"]["Id"]
        org.attach_policy(PolicyId=pid, TargetId=target)
        policies.append({"id": pid, "name": name, "type": policy_type, "content": text, "targets": [target]})
    return {"id": org_id, "managementAccount": management, "members": members, "root": root, "parents": parents,
            "organizationalUnits": ous, "policies": policies}


def _seed_account(emu: _Emulator, account: str, index: int, org: dict, regions: tuple[str, ...]) -> dict:
    session = emu.base if account == org["managementAccount"] else emu.member(account)
    everyone = [org["managementAccount"], *org["members"]]
    sibling = everyone[(index + 1) % len(everyone)]
    iam = emu.client("iam", session=session)
    app_policy = json.dumps(APP_POLICY, indent=2)
    policy_arn = iam.create_policy(PolicyName="demo-app-access", PolicyDocument=app_policy)["Policy"]["Arn"]
    exec_role = iam.create_role(RoleName="demo-app", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}))["Role"]
    iam.attach_role_policy(RoleName="demo-app", PolicyArn=policy_arn)
    iam.create_user(UserName=u.OPERATOR)
    iam.put_user_policy(UserName=u.OPERATOR, PolicyName="operate", PolicyDocument=app_policy)
    keys = u.seed_operator_credentials(iam)
    if account != org["managementAccount"]:
        u.tag_access_role(iam, ACCESS_ROLE)
    identity = {"account": account, "managedPolicy": {"arn": policy_arn, "document": app_policy,
                                                      "attachedTo": [exec_role["Arn"]]},
                "userInlinePolicy": {"user": "demo-operator", "name": "operate", "document": app_policy}}
    entries: list[dict] = []
    for ri, region in enumerate(regions):
        def client(service: str, region: str = region) -> Any:
            return emu.client(service, region, session)

        def kind(type_index: int, ri: int = ri) -> str:
            return KINDS[(index + ri * 3 + type_index) % len(KINDS)]

        ctx = r.SeedContext(account, region, org["id"], sibling, client, f"demo-{account}-{region}")
        if ri == 0:
            entries.append(r.seed_iam_role(r.SeedContext(account, region, org["id"], sibling, client,
                                                         f"demo-{kind(1)}"), kind(1)))
            entries.append(r.seed_iam_role(r.SeedContext(account, region, org["id"], sibling, client,
                                                         f"demo-{kind(5)}"), kind(5)))
        entries.append(r.seed_s3_bucket(ctx, kind(0)))
        entries.append(r.seed_kms_key(ctx, kind(2)))
        key_arn = entries[-1]["resourceArn"]
        entries.append(r.seed_sqs_queue(ctx, kind(3)))
        entries.append(r.seed_sns_topic(ctx, kind(4)))
        entries.append(r.seed_secret(ctx, kind(5), key_arn))
        entries.append(r.seed_ecr_repository(ctx, kind(6)))
        entries.append(r.seed_efs_file_system(ctx, kind(7)))
        entries.append(r.seed_ebs_snapshot(ctx, kind(8)))
        entries.append(r.seed_rds_snapshot(ctx, kind(9)))
        entries.append(r.seed_rds_cluster_snapshot(ctx, kind(10)))
        entries.extend(r.seed_dynamodb(ctx, kind(11)))
        entries.extend(r.seed_lambda(ctx, kind(12), exec_role["Arn"]))
    roles = [e["resourceArn"] for e in entries if e["resourceType"] == "AWS::IAM::Role"]
    return {"resources": entries, "identity": identity, "keys": keys, "roles": roles, "appRole": exec_role["Arn"]}


def _seed_internal(emu: _Emulator, org: dict, everyone: list[str], region: str) -> dict:
    """connectors.demo.internal: a bucket in the first member account, principals around it."""
    owner, partner = everyone[1], everyone[2 % len(everyone)]
    sessions = {a: emu.base if a == org["managementAccount"] else emu.member(a) for a in (owner, partner)}
    ctx = r.SeedContext(owner, region, org["id"], partner,
                        lambda service: emu.client(service, region, sessions[owner]), "demo-internal")
    bucket, principals = internal.seed_owner(emu.client("iam", session=sessions[owner]), ctx)
    principals.update(internal.seed_partner(emu.client("iam", session=sessions[partner]), partner))
    workloads = org["organizationalUnits"]["Workloads"]
    conditioned = {a for a in (owner, partner) if org["parents"].get(a) == workloads}
    return {"bucket": bucket, "expected": internal.expected(bucket, principals, owner, partner, conditioned,
                                                            tuple(DEFAULT_REGIONS))}


def seed_demo(endpoint_url: str, accounts: int = 12, regions: tuple[str, ...] = DEFAULT_REGIONS,
              manifest_path: str | os.PathLike[str] | None = None, workers: int = 4) -> dict:
    """Seed the organization and return (and optionally write) its manifest."""
    if accounts < 2:
        raise ValueError("a demo organization needs at least 2 accounts")
    emu = _Emulator(endpoint_url, regions[0])
    org = _organization(emu, accounts)
    everyone = [org["managementAccount"], *org["members"]]
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="seed") as pool:
        seeded = list(pool.map(lambda pair: _seed_account(emu, pair[1], pair[0], org, regions), enumerate(everyone)))
    internal = _seed_internal(emu, org, everyone, regions[0])
    pivot = u.pivot()  # every IAM entity exists; uses start now (see connectors.demo.unused)
    for seeded_account in seeded:
        key = seeded_account["keys"]["used"]
        u.use_key(emu.client("sts", session=emu._session(aws_access_key_id=key["id"],
                                                          aws_secret_access_key=key["secret"])))
    trail = seed_trail(emu.client("s3"), emu.client("cloudtrail"), org["id"], everyone, regions)
    unused = {"trackingDays": u.TRACKING_DAYS, "pivot": pivot.isoformat().replace("+00:00", "Z"),
              "asOf": (pivot + timedelta(days=u.TRACKING_DAYS)).isoformat().replace("+00:00", "Z"),
              "excludeTags": [u.EXCLUDE_TAG],
              "findings": [f for i, (account, s) in enumerate(zip(everyone, seeded, strict=True))
                           for f in u.expected_findings(account, s["roles"], s["appRole"], i < ACTIVE_ACCOUNTS,
                                                        s["keys"]["idle"]["id"])],
              "idleKeys": {account: s["keys"]["idle"] for account, s in zip(everyone, seeded, strict=True)}}
    manifest = {
        "organization": {"id": org["id"], "managementAccount": org["managementAccount"], "accounts": everyone,
                         "organizationalUnits": org["organizationalUnits"], "rootId": org["root"],
                         "parents": org["parents"]},
        "regions": list(regions), "externalAccount": EXTERNAL_ACCOUNT,
        "serviceControlPolicies": [p for p in org["policies"] if p["type"] == "SERVICE_CONTROL_POLICY"],
        "resourceControlPolicies": [p for p in org["policies"] if p["type"] == "RESOURCE_CONTROL_POLICY"],
        "identityPolicies": [s["identity"] for s in seeded],
        "cloudTrail": trail,
        "unusedAccess": unused,
        "internalAccess": internal["expected"],
        "resources": [e for s in seeded for e in s["resources"]] + trail["resources"] + [internal["bucket"]],
    }
    if manifest_path is not None:
        path = Path(manifest_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True))
        tmp.replace(path)
    return manifest
