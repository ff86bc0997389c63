"""Deterministic generator of identity-policy pairs for the no-new-access benchmark.

`generate_pairs(n)` returns `n` pairs (new, existing) of policy documents (JSON text). Each "new"
policy has 1–50 statements (uniform), ~30 % of them Deny, with realistic actions and ARNs (wildcards
included), NotAction / NotResource now and then, and conditions mixing the string, IP, numeric, date,
Bool, set-qualified, IfExists and Null operators. The "existing" policy is the new one after one to
three mutations (drop / widen / narrow a statement, change a condition value, add a Deny, add an
Allow, drop a Deny), so the answers are a mix of PASS and FAIL.

The same seed gives byte-identical output: only `random.Random(seed)` is used, never global state.
"""
from __future__ import annotations

import json
import random
from dataclasses import dataclass

SEED = 2026
ACCOUNT = "111122223333"

ACTIONS = [
    "s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket", "s3:GetBucketPolicy",
    "s3:PutBucketPolicy", "s3:GetObjectTagging", "s3:ListAllMyBuckets",
    "ec2:DescribeInstances", "ec2:StartInstances", "ec2:StopInstances", "ec2:TerminateInstances",
    "ec2:RunInstances", "ec2:CreateTags", "ec2:AttachVolume",
    "iam:PassRole", "iam:GetRole", "iam:CreateRole", "iam:AttachRolePolicy", "iam:ListRoles",
    "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey",
    "sts:AssumeRole", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query",
    "lambda:InvokeFunction", "logs:PutLogEvents", "logs:CreateLogStream", "sqs:SendMessage",
]
WILDCARD_ACTIONS = ["s3:Get*", "s3:List*", "s3:*Object", "ec2:Describe*", "ec2:*Instances", "iam:*",
                    "iam:Get*", "kms:*", "dynamodb:*", "logs:*", "*"]
# which resource templates fit an action's service ("*" fits all)
SERVICES = ("s3", "ec2", "iam", "kms", "sts", "dynamodb", "lambda", "logs", "sqs")


def _resources(rng: random.Random, service: str, variables: bool = False) -> str:
    b = rng.randrange(20)
    team = rng.choice(["data", "web", "ml", "ops", "sec"])
    region = rng.choice(["us-east-1", "us-west-2", "eu-west-1"])
    options = {
        "s3": [f"arn:aws:s3:::bucket-{b}/*", f"arn:aws:s3:::bucket-{b}", f"arn:aws:s3:::bucket-{b}/{team}/*",
               "arn:aws:s3:::bucket-*/logs/*", f"arn:aws:s3:::bucket-{b}/{team}/report-??.csv",
               "arn:aws:s3:::*"],
        "ec2": [f"arn:aws:ec2:{region}:{ACCOUNT}:instance/*", f"arn:aws:ec2:*:{ACCOUNT}:instance/i-0{b:x}*",
                f"arn:aws:ec2:{region}:{ACCOUNT}:volume/*", f"arn:aws:ec2:{region}::image/ami-*",
                f"arn:aws:ec2:{region}:{ACCOUNT}:*"],
        "iam": [f"arn:aws:iam::{ACCOUNT}:role/team-{team}/*", f"arn:aws:iam::{ACCOUNT}:role/team-*/app-{b}",
                f"arn:aws:iam::{ACCOUNT}:role/service-role/*", f"arn:aws:iam::{ACCOUNT}:policy/{team}-*"]
               + ([f"arn:aws:iam::{ACCOUNT}:user/${{aws:username}}"] if variables else []),
        "kms": [f"arn:aws:kms:{region}:{ACCOUNT}:key/*", f"arn:aws:kms:*:{ACCOUNT}:alias/{team}-*"],
        "sts": [f"arn:aws:iam::{ACCOUNT}:role/team-{team}/*", f"arn:aws:iam::{ACCOUNT}:role/*"],
        "dynamodb": [f"arn:aws:dynamodb:{region}:{ACCOUNT}:table/{team}-{b}",
                     f"arn:aws:dynamodb:{region}:{ACCOUNT}:table/{team}-*/index/*"],
        "lambda": [f"arn:aws:lambda:{region}:{ACCOUNT}:function:{team}-*"],
        "logs": [f"arn:aws:logs:{region}:{ACCOUNT}:log-group:/aws/{team}/*:*"],
        "sqs": [f"arn:aws:sqs:{region}:{ACCOUNT}:{team}-queue-{b}"],
    }
    return rng.choice(options.get(service, ["*"]))


def _action_list(rng: random.Random) -> tuple[list[str], str]:
    """1–4 actions mostly from one service; returns (actions, service or '*')."""
    if rng.random() < 0.06:
        return ["*"], "*"
    service = rng.choice(SERVICES)
    pool = [a for a in ACTIONS + WILDCARD_ACTIONS if a.startswith(service + ":")]
    k = min(len(pool), rng.choice([1, 1, 1, 2, 2, 3, 4]))
    return sorted(rng.sample(pool, k)), service


def _condition_value(rng: random.Random, kind: str) -> str:
    if kind == "tag":
        return rng.choice(["data", "web", "ml", "ops", "sec", "team-*", "d?ta", "prod", "dev"])
    if kind == "user":
        return rng.choice(["alice", "bob", "carol", "svc-*", "admin-??", "dave"])
    if kind == "cidr":
        return rng.choice(["10.0.0.0/8", "10.1.0.0/16", "192.0.2.0/24", "203.0.113.0/24", "198.51.100.7/32",
                           "172.16.0.0/12", "2001:db8::/32"])
    if kind == "num":
        return str(rng.choice([10, 100, 500, 1000, 5000]))
    if kind == "date":
        return rng.choice(["2025-01-01T00:00:00Z", "2026-06-30T12:00:00Z", "2027-01-01T00:00:00Z",
                           "2024-12-31T23:59:59Z"])
    if kind == "bool":
        return rng.choice(["true", "false"])
    if kind == "tagkey":
        return rng.choice(["Owner", "CostCenter", "Project", "Env*", "team-?"])
    raise ValueError(kind)


# (operator, key, value kind); IfExists is added at random to the operators that allow it
CONDITION_SHAPES = [
    ("StringEquals", "aws:PrincipalTag/team", "tag"),
    ("StringLike", "aws:PrincipalTag/team", "tag"),
    ("StringNotEquals", "aws:PrincipalTag/env", "tag"),
    ("StringEquals", "aws:PrincipalTag/env", "tag"),
    ("StringLike", "aws:username", "user"),
    ("StringEquals", "aws:username", "user"),
    ("StringNotEquals", "aws:username", "user"),
    ("IpAddress", "aws:SourceIp", "cidr"),
    ("NotIpAddress", "aws:SourceIp", "cidr"),
    ("NumericLessThan", "s3:max-keys", "num"),
    ("NumericLessThanEquals", "s3:max-keys", "num"),
    ("DateLessThan", "aws:CurrentTime", "date"),
    ("DateGreaterThan", "aws:CurrentTime", "date"),
    ("Bool", "aws:SecureTransport", "bool"),
    ("ForAnyValue:StringLike", "aws:TagKeys", "tagkey"),
    ("ForAllValues:StringEquals", "aws:TagKeys", "tagkey"),
]
NULL_KEYS = ["aws:PrincipalTag/team", "aws:SourceIp", "aws:TagKeys", "aws:username", "s3:max-keys"]


def _conditions(rng: random.Random) -> dict:
    n = rng.choices([0, 1, 2, 3], weights=[35, 35, 20, 10])[0]
    out: dict[str, dict] = {}
    for _ in range(n):
        if rng.random() < 0.08:
            out.setdefault("Null", {})[rng.choice(NULL_KEYS)] = rng.choice(["true", "false"])
            continue
        op, key, kind = rng.choice(CONDITION_SHAPES)
        if rng.random() < 0.2:
            op += "IfExists"
        k = rng.choice([1, 1, 1, 2, 3])
        vals = sorted({_condition_value(rng, kind) for _ in range(k)})
        out.setdefault(op, {})[key] = vals[0] if len(vals) == 1 else vals
    return out


def _statement(rng: random.Random, effect: str | None = None, variables: bool = False) -> dict:
    actions, service = _action_list(rng)
    s: dict = {"Effect": effect or ("Deny" if rng.random() < 0.3 else "Allow")}
    s["NotAction" if rng.random() < 0.07 else "Action"] = actions[0] if len(actions) == 1 else actions
    if rng.random() < 0.05 and service != "*":
        s["Resource"] = "*"
    else:
        svc = service if service != "*" else rng.choice(SERVICES)
        res = sorted({_resources(rng, svc, variables) for _ in range(rng.choice([1, 1, 2, 3]))})
        s["NotResource" if rng.random() < 0.05 else "Resource"] = res[0] if len(res) == 1 else res
    cond = _conditions(rng)
    if cond:
        s["Condition"] = cond
    return s


def _as_list(v) -> list:
    return list(v) if isinstance(v, list) else [v]


def _widen(rng: random.Random, s: dict) -> None:
    choice = rng.random()
    akey = "Action" if "Action" in s else "NotAction"
    if choice < 0.35 and akey == "Action":
        acts = _as_list(s["Action"])
        svc = acts[0].split(":")[0] if ":" in acts[0] else "*"
        s["Action"] = f"{svc}:*" if svc != "*" else "*"
    elif choice < 0.65 and "Resource" in s:
        res = _as_list(s["Resource"])
        i = rng.randrange(len(res))
        r = res[i]
        res[i] = r.rsplit("/", 1)[0] + "/*" if "/" in r else (r.rsplit(":", 1)[0] + ":*" if r != "*" else r)
        s["Resource"] = res if len(res) > 1 else res[0]
    elif "Condition" in s:
        ops = list(s["Condition"])
        del s["Condition"][rng.choice(ops)]
        if not s["Condition"]:
            del s["Condition"]
    else:
        s["Resource" if "Resource" in s else "NotResource"] = "*" if "Resource" in s else "arn:aws:s3:::none"


def _narrow(rng: random.Random, s: dict) -> None:
    choice = rng.random()
    if choice < 0.4 and "Action" in s:
        acts = _as_list(s["Action"])
        if len(acts) > 1:
            acts.pop(rng.randrange(len(acts)))
            s["Action"] = acts if len(acts) > 1 else acts[0]
        else:
            svc = acts[0].split(":")[0] if ":" in acts[0] else rng.choice(SERVICES)
            same = [a for a in ACTIONS if a.startswith(svc + ":")] or ACTIONS
            s["Action"] = rng.choice(same)
    elif choice < 0.7 and "Resource" in s:
        res = _as_list(s["Resource"])
        i = rng.randrange(len(res))
        if res[i] == "*":
            res[i] = _resources(rng, rng.choice(SERVICES))
        else:
            res[i] = res[i].replace("*", "narrowed", 1) if "*" in res[i] else res[i] + "-x"
        s["Resource"] = res if len(res) > 1 else res[0]
    else:
        op, key, kind = rng.choice(CONDITION_SHAPES)
        s.setdefault("Condition", {}).setdefault(op, {})[key] = _condition_value(rng, kind)


def _change_condition(rng: random.Random, s: dict) -> bool:
    if "Condition" not in s:
        return False
    op = rng.choice(list(s["Condition"]))
    if op == "Null":
        key = rng.choice(list(s["Condition"][op]))
        s["Condition"][op][key] = "false" if s["Condition"][op][key] == "true" else "true"
        return True
    key = rng.choice(list(s["Condition"][op]))
    kind = next(k for o, kk, k in CONDITION_SHAPES if kk == key)
    s["Condition"][op][key] = _condition_value(rng, kind)
    return True


MUTATIONS = ("drop_allow", "drop_deny", "widen", "narrow", "change_condition", "add_deny", "add_allow")


def mutate(rng: random.Random, policy: dict, variables: bool = False) -> tuple[dict, list[str]]:
    out = json.loads(json.dumps(policy))  # a deep copy, several times faster than copy.deepcopy
    stmts = out["Statement"]
    done: list[str] = []
    for _ in range(rng.choice([1, 1, 2, 3])):
        m = rng.choice(MUTATIONS)
        allows = [i for i, s in enumerate(stmts) if s["Effect"] == "Allow"]
        denies = [i for i, s in enumerate(stmts) if s["Effect"] == "Deny"]
        if m == "drop_allow" and allows and len(stmts) > 1:
            stmts.pop(rng.choice(allows))
        elif m == "drop_deny" and denies and len(stmts) > 1:
            stmts.pop(rng.choice(denies))
        elif m == "widen" and stmts:
            _widen(rng, stmts[rng.randrange(len(stmts))])
        elif m == "narrow" and stmts:
            _narrow(rng, stmts[rng.randrange(len(stmts))])
        elif m == "change_condition" and stmts:
            if not _change_condition(rng, stmts[rng.randrange(len(stmts))]):
                continue
        elif m == "add_deny":
            stmts.insert(rng.randrange(len(stmts) + 1), _statement(rng, "Deny", variables))
        elif m == "add_allow":
            stmts.insert(rng.randrange(len(stmts) + 1), _statement(rng, "Allow", variables))
        else:
            continue
        done.append(m)
    return out, done


@dataclass(frozen=True)
class Pair:
    id: str
    new: str
    existing: str
    statements: int  # statements of the new policy
    mutations: tuple[str, ...]
    policy_type: str = "IDENTITY_POLICY"


def generate_pairs(n: int = 1000, seed: int = SEED, min_statements: int = 1,
                   max_statements: int = 50, variables: bool = False) -> list[Pair]:
    """`variables` adds `${aws:username}` resources (policy variables) to the IAM resource pool."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        k = rng.randint(min_statements, max_statements)
        new = {"Version": "2012-10-17", "Statement": [_statement(rng, None, variables) for _ in range(k)]}
        existing, muts = mutate(rng, new, variables)
        out.append(Pair(f"gen-{seed}{'-var' if variables else ''}-{i:04d}", json.dumps(new), json.dumps(existing),
                        k, tuple(muts)))
    return out


if __name__ == "__main__":  # print one pair, for eyeballing
    p = generate_pairs(1)[0]
    print(p.id, p.statements, p.mutations)
    print(p.new)
    print(p.existing)
