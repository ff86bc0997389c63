"""A second organization for the internal-access end-to-end test, seeded into moto's server through real
boto3 clients by its own code (not connectors.demo): other accounts, other OUs, other policies.

    root ── Prod ── ProdData ── data   (the resources; RCP on ProdData: nobody may s3:PutObject)
      │       └──── apps                (SCP on Prod: no rds:DeleteDBSnapshot)
      └──── Dev ─── tools               (SCP on Dev: no dynamodb:Query)

Resources, all in `data`: a bucket whose policy grants one role of `apps` s3:GetObject on its objects,
a DynamoDB table whose policy grants the `tools` account GetItem and Query, an RDS DB snapshot (no
policy), and a role (an extension type) whose trust policy names one role of `apps` and nobody else.
Principals: see `seed`; the test lists what each must be able to do and why.
"""
from __future__ import annotations

import json
from typing import Any

import boto3

REGION = "us-east-1"
ACCESS_ROLE = "OrganizationAccountAccessRole"
SERVICE_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(actions: list[str], resource: str | list[str] = "*") -> dict:
    return {"Effect": "Allow", "Action": actions, "Resource": resource}


class Emulator:
    def __init__(self, url: str) -> None:
        self.url = url

    def client(self, service: str, session: boto3.Session | None = None) -> Any:
        return (session or boto3.Session(region_name=REGION)).client(service, region_name=REGION,
                                                                     endpoint_url=self.url)

    def inside(self, account: str) -> boto3.Session:
        creds = self.client("sts").assume_role(RoleArn=f"arn:aws:iam::{account}:role/{ACCESS_ROLE}",
                                               RoleSessionName="internal-e2e")["Credentials"]
        return boto3.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                             aws_session_token=creds["SessionToken"], region_name=REGION)


def _organization(emu: Emulator) -> dict:
    org = emu.client("organizations")
    org_id = org.create_organization(FeatureSet="ALL")["Organization"]["Id"]
    root = org.list_roots()["Roots"][0]["Id"]
    for kind in ("SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"):
        org.enable_policy_type(RootId=root, PolicyType=kind)

    def ou(parent: str, name: str) -> str:
        return org.create_organizational_unit(ParentId=parent, Name=name)["OrganizationalUnit"]["Id"]
    prod = ou(root, "Prod")
    ous = {"Prod": prod, "ProdData": ou(prod, "ProdData"), "Dev": ou(root, "Dev")}
    accounts = {}
    for name, parent in (("data", "ProdData"), ("apps", "Prod"), ("tools", "Dev")):
        account = org.create_account(Email=f"{name}@example.com", AccountName=name)["CreateAccountStatus"]["AccountId"]
        org.move_account(AccountId=account, SourceParentId=root, DestinationParentId=ous[parent])
        accounts[name] = account

    def attach(name: str, kind: str, content: str, target: str) -> None:
        pid = org.create_policy(Content=content, Description=name, Name=name, Type=kind)["Policy"]["PolicySummary"]["Id"]
        org.attach_policy(PolicyId=pid, TargetId=target)
    attach("NoSnapshotDeletes", "SERVICE_CONTROL_POLICY",
           doc({"Effect": "Deny", "Action": "rds:DeleteDBSnapshot", "Resource": "*"}), ous["Prod"])
    attach("NoQueries", "SERVICE_CONTROL_POLICY",
           doc({"Effect": "Deny", "Action": "dynamodb:Query", "Resource": "*"}), ous["Dev"])
    attach("NoObjectWrites", "RESOURCE_CONTROL_POLICY",
           doc({"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": "*"}), ous["ProdData"])
    return {"id": org_id, "accounts": accounts}


def _role(iam: Any, name: str, policy: str, trust: str = SERVICE_TRUST, boundary: str | None = None) -> str:
    extra = {"PermissionsBoundary": boundary} if boundary else {}
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust, **extra)["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName="access", PolicyDocument=policy)
    return arn


def seed(url: str) -> dict:
    """Seed the organization; returns its id, accounts and the ARNs of its resources."""
    emu = Emulator(url)
    org = _organization(emu)
    data, apps, tools = (org["accounts"][n] for n in ("data", "apps", "tools"))
    iam = {name: emu.client("iam", emu.inside(account)) for name, account in org["accounts"].items()}

    apps_reader = _role(iam["apps"], "apps-reader", doc(allow(["s3:GetObject", "s3:ListBucket"])))
    apps_operator = _role(iam["apps"], "apps-operator", doc(allow(["sts:AssumeRole"])))
    iam["apps"].create_user(UserName="apps-dev")
    iam["apps"].put_user_policy(UserName="apps-dev", PolicyName="access", PolicyDocument=doc(allow(["dynamodb:GetItem"])))
    _role(iam["tools"], "tools-etl", doc(allow(["dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem"])))

    inside = emu.inside(data)
    s3, ddb, rds = (emu.client(s, inside) for s in ("s3", "dynamodb", "rds"))
    bucket = "internal-e2e-ledger"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_policy(Bucket=bucket, Policy=doc({"Effect": "Allow", "Principal": {"AWS": apps_reader},
                                                    "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}))
    table = ddb.create_table(TableName="internal-e2e-orders", BillingMode="PAY_PER_REQUEST",
                             AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                             KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])["TableDescription"]["TableArn"]
    ddb.put_resource_policy(ResourceArn=table, Policy=doc({
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{tools}:root"},
        "Action": ["dynamodb:GetItem", "dynamodb:Query"], "Resource": table}))
    rds.create_db_instance(DBInstanceIdentifier="internal-e2e-db", Engine="postgres", DBInstanceClass="db.t3.micro",
                           MasterUsername="admin1", MasterUserPassword="e2e-password-1", AllocatedStorage=20)
    snapshot = rds.create_db_snapshot(DBSnapshotIdentifier="internal-e2e-snap",
                                      DBInstanceIdentifier="internal-e2e-db")["DBSnapshot"]["DBSnapshotArn"]
    breakglass = _role(iam["data"], "breakglass", doc(allow(["iam:ListRoles"])), trust=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": apps_operator},
                                                "Action": "sts:AssumeRole"}]}))

    _role(iam["data"], "data-writer", doc(allow(["s3:GetObject", "s3:PutObject", "s3:ListBucket"])))
    only_get = iam["data"].create_policy(PolicyName="only-get-item",
                                         PolicyDocument=doc(allow(["dynamodb:GetItem"])))["Policy"]["Arn"]
    _role(iam["data"], "data-capped", doc(allow(["s3:*", "dynamodb:*", "rds:*"])), boundary=only_get)
    iam["data"].create_group(GroupName="analysts")
    iam["data"].put_group_policy(GroupName="analysts", PolicyName="query",
                                 PolicyDocument=doc(allow(["dynamodb:Query", "dynamodb:Scan"], table)))
    iam["data"].create_user(UserName="analyst")
    iam["data"].add_user_to_group(GroupName="analysts", UserName="analyst")
    _role(iam["data"], "dba", doc(allow(["rds:CopyDBSnapshot", "rds:DeleteDBSnapshot",
                                         "rds:ModifyDBSnapshotAttribute"])))
    return {**org, "bucket": f"arn:aws:s3:::{bucket}", "table": table, "db_snapshot": snapshot, "role": breakglass}
