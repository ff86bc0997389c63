"""Cases around issue 18's held-out validation gaps, in the registry's trigger/clean spirit: each case is
a small policy, the policy type, the code it must get (at an exact location) and the codes it must not.
The behaviour each family follows is AWS's, as its policy check reference and its global condition keys
page document it (the sources are named in the check modules)."""
from __future__ import annotations

import json

import pytest

from solvers.validation import validate_policy
from tests.solvers.validation.spans import node_at

TRUST_TYPE = "AWS::IAM::AssumeRolePolicyDocument"


def policy(statement: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]}, indent=2)


def findings(text: str, policy_type: str = "IDENTITY_POLICY", resource_type: str | None = None) -> dict:
    out: dict[str, list] = {}
    for f in validate_policy(text, policy_type, resource_type):
        out.setdefault(f.issue_code, []).append(f)
    return out


def located_at(text: str, finding, *paths: tuple) -> None:
    """The finding's locations are exactly these paths, each spanning the JSON value the path names."""
    got = [tuple((d["value"] if "value" in d else d["index"]) for d in loc.as_dict()["path"])
           for loc in finding.locations]
    assert got == list(paths)
    for loc in finding.locations:
        node = node_at(text, loc.as_dict()["path"])
        assert (node.span.start_offset, node.span.end_offset) == (loc.span.start_offset, loc.span.end_offset)


def condition_codes(condition: dict, policy_type: str = "IDENTITY_POLICY") -> set[str]:
    statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::example-bucket/*",
                 "Condition": condition}
    if policy_type == "RESOURCE_POLICY":
        statement["Principal"] = {"AWS": "arn:aws:iam::111122223333:root"}
    return set(findings(policy(statement), policy_type))


# -- ARN account and Region fields: judged by the resource type the resource part names --------------

ARNS = [
    # an S3 bucket or object ARN has neither account nor Region (AWS's own example for the check)
    ("s3:ListBucket", "arn:aws:s3::111122223333:example-bucket", "ARN_ACCOUNT_NOT_ALLOWED"),
    ("s3:GetObject", "arn:aws:s3::111122223333:example-bucket/*", "ARN_ACCOUNT_NOT_ALLOWED"),
    ("s3:ListBucket", "arn:aws:s3:us-east-1::example-bucket", "ARN_REGION_NOT_ALLOWED"),
    ("route53:GetHostedZone", "arn:aws:route53::111122223333:hostedzone/Z1", "ARN_ACCOUNT_NOT_ALLOWED"),
    # a Region the partition does not list, although it fits the partition's name pattern
    ("lambda:InvokeFunction", "arn:aws:lambda:us-east-99:111122223333:function:f", "INVALID_ARN_REGION"),
    ("lambda:InvokeFunction", "arn:aws:lambda:cn-north-1:111122223333:function:f", "INVALID_ARN_REGION"),
    ("lambda:InvokeFunction", "arn:aws:lambda:us-east-1-global:111122223333:function:f", "INVALID_ARN_REGION"),
    # regional resource types of services that also have Region-less ones (EC2 images, S3 buckets)
    ("ec2:StartInstances", "arn:aws:ec2::111122223333:instance/i-0123456789abcdef0", "MISSING_ARN_REGION"),
    ("ec2:StartInstances", "arn:aws:ec2::111122223333:instance/*", "MISSING_ARN_REGION"),
    ("dynamodb:GetItem", "arn:aws:dynamodb::111122223333:table/orders", "MISSING_ARN_REGION"),
    ("sqs:SendMessage", "arn:aws:sqs::111122223333:queue", "MISSING_ARN_REGION"),
]
CLEAN_ARNS = [
    ("s3:ListBucket", "arn:aws:s3:::example-bucket"),
    ("s3:GetObject", "arn:aws:s3:::example-bucket/*"),
    ("s3:GetObject", "arn:aws:s3:us-east-1:111122223333:accesspoint/ap/object/*"),
    ("s3:GetObject", "arn:aws:s3::111122223333:accesspoint/mrap.mrap"),  # multi-Region access point
    ("ec2:RunInstances", "arn:aws:ec2:us-east-1::image/ami-0123456789abcdef0"),  # public AMIs: no account
    ("ec2:StartInstances", "arn:aws:ec2:*:*:instance/*"),
    ("lambda:InvokeFunction", "arn:aws:lambda:ap-southeast-7:111122223333:function:f"),
    ("iam:GetRole", "arn:aws:iam::111122223333:role/deploy"),
    ("s3:GetObject", "arn:aws:s3:::*/*"),
]
ARN_CODES = {"ARN_ACCOUNT_NOT_ALLOWED", "ARN_REGION_NOT_ALLOWED", "INVALID_ARN_REGION", "MISSING_ARN_REGION",
             "MISSING_ARN_ACCOUNT", "INVALID_ARN_ACCOUNT", "INVALID_ARN_RESOURCE"}


@pytest.mark.parametrize(("action", "arn", "code"), ARNS)
def test_arn_fields_are_judged_by_the_resource_type_named(action: str, arn: str, code: str) -> None:
    text = policy({"Effect": "Allow", "Action": action, "Resource": arn})
    found = findings(text)
    assert set(found) & ARN_CODES == {code}
    located_at(text, found[code][0], ("Statement", 0, "Resource"))


@pytest.mark.parametrize(("action", "arn"), CLEAN_ARNS)
def test_arns_of_the_right_shape_are_clean(action: str, arn: str) -> None:
    found = findings(policy({"Effect": "Allow", "Action": action, "Resource": [arn]}))
    assert not set(found) & ARN_CODES


@pytest.mark.parametrize(("key", "value", "invalid"), [
    ("aws:RequestedRegion", "us-east-99", True),
    ("aws:RequestedRegion", "eu-central-3", True),
    ("aws:RequestedRegion", "aws-global", True),
    ("aws:RequestedRegion", "eu-central-2", False),
    ("aws:RequestedRegion", "us-gov-west-1", False),
    ("ec2:Region", "us-west-3", True),
    ("ec2:Region", "us-west-2", False),
])
def test_invalid_region_in_conditions(key: str, value: str, invalid: bool) -> None:
    text = policy({"Effect": "Allow", "Action": "ec2:RunInstances", "Resource": "*",
                   "Condition": {"StringEquals": {key: [value]}}})
    found = findings(text)
    assert ("INVALID_REGION" in found) is invalid
    if invalid:
        located_at(text, found["INVALID_REGION"][0], ("Statement", 0, "Condition", "StringEquals", key, 0))


# -- MISSING_RESOURCE on trust policies validated as resource policies --------------------------------

def trust(principal: dict, action: str | list[str] = "sts:AssumeRole") -> str:
    return policy({"Effect": "Allow", "Principal": principal, "Action": action})


def test_missing_resource_unless_the_policy_can_only_be_a_role_trust_policy() -> None:
    service = trust({"Service": "ec2.amazonaws.com"})
    # a service principal and sts: actions do not make a trust policy of an untyped resource policy
    found = findings(service, "RESOURCE_POLICY")
    assert "MISSING_RESOURCE" in found
    located_at(service, found["MISSING_RESOURCE"][0], ("Statement", 0))
    # declared a role trust policy: no Resource is expected
    assert "MISSING_RESOURCE" not in findings(service, "RESOURCE_POLICY", TRUST_TYPE)
    # only a role trust policy can name a federated provider (AWS's recorded Cognito example)
    federated = trust({"Federated": "cognito-identity.amazonaws.com"}, "sts:AssumeRoleWithWebIdentity")
    assert "MISSING_RESOURCE" not in findings(federated, "RESOURCE_POLICY")
    # in an identity policy the statement still needs its Resource
    assert "MISSING_RESOURCE" in findings(policy({"Effect": "Allow", "Action": "sts:AssumeRole"}))


# -- UNSUPPORTED_ACTION_FOR_CONDITION_KEY across services ---------------------------------------------

def test_unsupported_action_for_condition_key_names_the_action_and_the_key() -> None:
    text = policy({"Effect": "Allow", "Action": ["iam:PassRole", "s3:GetObject"], "Resource": "*",
                   "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}})
    found = findings(text)
    located_at(text, found["UNSUPPORTED_ACTION_FOR_CONDITION_KEY"][0], ("Statement", 0, "Action", 1),
               ("Statement", 0, "Condition", "StringEquals", "iam:PassedToService"))
    # a wildcard action is not judged (AWS's reference says so)
    clean = policy({"Effect": "Allow", "Action": ["iam:PassRole", "s3:Get*"], "Resource": "*",
                    "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}})
    assert "UNSUPPORTED_ACTION_FOR_CONDITION_KEY" not in findings(clean)


# -- UNSUPPORTED_ACTION_FOR_CONDITION_KEY within the key's own service ---------------------------------
# Live AWS answers quoted in public repositories: kms:GetKeyPolicy under kms:RecipientAttestation:PCR8 (the
# console's message), kms:DescribeKey under an encryption-context key, s3:ListBucketMultipartUploads under
# s3:prefix, dynamodb:ConditionCheckItem under dynamodb:EnclosingOperation. Each key belongs to several
# actions of its service; the listed action is not one of them.

UNSUPPORTED = "UNSUPPORTED_ACTION_FOR_CONDITION_KEY"
OWN_SERVICE = [
    (["kms:Decrypt", "kms:GetKeyPolicy"], "StringEqualsIgnoreCase", "kms:RecipientAttestation:PCR8", [1]),
    (["kms:Decrypt", "kms:DescribeKey"], "StringEquals", "kms:EncryptionContext:purpose", [1]),
    (["s3:ListBucketMultipartUploads", "s3:ListBucket"], "StringLike", "s3:prefix", [0]),
    (["dynamodb:GetItem", "dynamodb:ConditionCheckItem"], "StringEquals", "dynamodb:EnclosingOperation", [1]),
    # every action without the key is named, in the order listed, and other services' actions with them
    (["kms:DescribeKey", "kms:Decrypt", "kms:GetKeyPolicy", "s3:GetObject"], "StringEquals",
     "kms:EncryptionContext:purpose", [0, 2, 3]),
]


@pytest.mark.parametrize(("actions", "operator", "key", "flagged"), OWN_SERVICE)
@pytest.mark.parametrize("effect", ["Allow", "Deny"])
def test_unsupported_action_within_the_keys_own_service(actions: list[str], operator: str, key: str,
                                                         flagged: list[int], effect: str) -> None:
    text = policy({"Effect": effect, "Action": actions, "Resource": "*", "Condition": {operator: {key: "x"}}})
    found = findings(text)
    assert len(found[UNSUPPORTED]) == 1
    located_at(text, found[UNSUPPORTED][0], *(("Statement", 0, "Action", i) for i in flagged),
               ("Statement", 0, "Condition", operator, key))
    # the same condition on the actions that carry the key alone is clean
    kept = [a for i, a in enumerate(actions) if i not in flagged]
    clean = policy({"Effect": effect, "Action": kept, "Resource": "*", "Condition": {operator: {key: "x"}}})
    assert UNSUPPORTED not in findings(clean)


@pytest.mark.parametrize("statement", [
    # actions with wildcards are not judged (AWS's reference says so)
    {"Action": ["kms:Decrypt", "kms:Get*"], "Condition": {"StringEquals": {"kms:RecipientAttestation:PCR8": "x"}}},
    # NotAction: the check reads the Action element only
    {"NotAction": ["kms:GetKeyPolicy"], "Condition": {"StringEquals": {"kms:RecipientAttestation:PCR8": "x"}}},
    # ...IfExists and Null say what happens when the key is absent
    {"Action": ["kms:Decrypt", "kms:GetKeyPolicy"],
     "Condition": {"StringEqualsIfExists": {"kms:RecipientAttestation:PCR8": "x"}}},
    {"Action": ["kms:Decrypt", "kms:GetKeyPolicy"], "Condition": {"Null": {"kms:RecipientAttestation:PCR8": "true"}}},
    # no kms action lists kms:CustomerMasterKeySpec (the reference keeps it for compatibility): the catalog
    # cannot tell which kms actions carry it, so none is judged
    {"Action": ["kms:CreateKey", "kms:Decrypt"], "Condition": {"StringEquals": {"kms:CustomerMasterKeySpec": "x"}}},
    # global keys are not judged per action: no AWS answer shows them judged (aws:RequestTag on s3:GetObject)
    {"Action": ["s3:GetObject", "iam:CreateRole"], "Condition": {"StringEquals": {"aws:RequestTag/team": "x"}}},
    # ssm writes its tag key's placeholder as the plain word tag-key
    {"Action": ["ssm:DeregisterManagedInstance"], "Condition": {"StringEquals": {"ssm:resourceTag/team": "x"}}},
])
def test_unsupported_action_is_not_reported(statement: dict) -> None:
    found = findings(policy({"Effect": "Allow", "Resource": "*", **statement}))
    assert UNSUPPORTED not in found
    assert "MISSING_ACTION_FOR_CONDITION_KEY" not in found


def test_a_key_of_a_single_action_asks_for_that_action() -> None:
    # iam:PassedToService belongs to iam:PassRole alone: without it the finding names the action to add
    text = policy({"Effect": "Allow", "Action": ["iam:GetRole"], "Resource": "*",
                   "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}})
    found = findings(text)
    assert UNSUPPORTED not in found
    located_at(text, found["MISSING_ACTION_FOR_CONDITION_KEY"][0],
               ("Statement", 0, "Condition", "StringEquals", "iam:PassedToService"))
    # with it, the other iam action is the one reported
    text = policy({"Effect": "Allow", "Action": ["iam:GetRole", "iam:PassRole"], "Resource": "*",
                   "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}})
    found = findings(text)
    assert "MISSING_ACTION_FOR_CONDITION_KEY" not in found
    located_at(text, found[UNSUPPORTED][0], ("Statement", 0, "Action", 0),
               ("Statement", 0, "Condition", "StringEquals", "iam:PassedToService"))


# -- WILDCARD_USAGE_TOO_PERMISSIVE / VARIABLE_USAGE_TOO_PERMISSIVE ------------------------------------

@pytest.mark.parametrize(("key", "value", "code"), [
    # aws:userid: a wildcard only after the colon, or as the whole unique-ID part
    ("aws:userid", "*", "WILDCARD_USAGE_TOO_PERMISSIVE"),
    ("aws:userid", "AROA*", "WILDCARD_USAGE_TOO_PERMISSIVE"),
    ("aws:userid", "AROA*:session", "WILDCARD_USAGE_TOO_PERMISSIVE"),
    ("aws:userid", "${aws:username}", "VARIABLE_USAGE_TOO_PERMISSIVE"),
    ("aws:userid", "*:SystemsManager-Automation-ChangeCalendar-Check", None),
    ("aws:userid", "*:ab", None),
    ("aws:userid", "*:*", None),
    ("aws:userid", "AROAEXAMPLEROLEID123:*", None),
    ("aws:userid", "AROAEXAMPLEROLEID123:${aws:username}", None),
    ("aws:userid", "${aws:userid}:*", None),
    # account, organization and network keys take no wildcard at all
    ("aws:SourceAccount", "111122*", "WILDCARD_USAGE_TOO_PERMISSIVE"),
    ("aws:PrincipalOrgID", "o-abcdef*", "WILDCARD_USAGE_TOO_PERMISSIVE"),
    ("aws:SourceVpce", "vpce-0123*", "WILDCARD_USAGE_TOO_PERMISSIVE"),
    ("aws:VpceOrgID", "o-*", "WILDCARD_USAGE_TOO_PERMISSIVE"),
    ("aws:SourceVpc", "vpc-*", "WILDCARD_USAGE_TOO_PERMISSIVE"),
    ("aws:SourceAccount", "111122223333", None),
    # ARN keys: 6 literal characters before the wildcard
    ("aws:PrincipalArn", "arn:*", "WILDCARD_USAGE_TOO_PERMISSIVE"),
    ("aws:PrincipalArn", "arn:aws:iam::111122223333:role/*", None),
])
def test_wildcards_on_boundary_keys(key: str, value: str, code: str | None) -> None:
    for policy_type in ("IDENTITY_POLICY", "RESOURCE_POLICY"):
        found = condition_codes({"StringLike": {key: value}}, policy_type)
        boundary = found & {"WILDCARD_USAGE_TOO_PERMISSIVE", "VARIABLE_USAGE_TOO_PERMISSIVE"}
        assert boundary == ({code} if code else set()), (policy_type, found)


# -- STRING_LIKE_OPERATOR_WITH_ARN_CONDITION_KEYS: AWS's managed-policy exceptions --------------------

UNLOCK = ["s3:DeleteBucketPolicy", "s3:PutBucketPolicy", "s3:GetBucketPolicy", "s3:ListAllMyBuckets"]


def string_like(actions: list[str], operator: str, key: str, values: list[str]) -> dict:
    text = policy({"Effect": "Deny", "Action": actions, "Resource": "*", "Condition": {operator: {key: values}}})
    return findings(text)


def test_string_like_operator_exceptions_are_the_documented_managed_policies() -> None:
    code = "STRING_LIKE_OPERATOR_WITH_ARN_CONDITION_KEYS"
    # S3UnlockBucketPolicy's statement, as AWS ships it
    assert code not in string_like(UNLOCK, "StringNotLike", "aws:PrincipalArn", ["arn:aws:iam::*:root"])
    # the same generic condition elsewhere is reported
    assert code in string_like(["s3:GetObject"], "StringNotLike", "aws:PrincipalArn", ["arn:aws:iam::*:root"])
    # AmazonSecurityLakeAdministrator's and AWSCodePipeline_*'s conditions name their own resources
    assert code not in string_like(["iam:PassRole"], "StringLike", "iam:AssociatedResourceARN",
                                   ["arn:aws:securitylake:*:*:data-lake/default"])
    assert code not in string_like(["codestar-notifications:DescribeNotificationRule"], "StringLike",
                                   "codestar-notifications:NotificationsForResource", ["arn:aws:codepipeline:*"])
    assert code in string_like(["iam:PassRole"], "StringLike", "iam:AssociatedResourceARN",
                               ["arn:aws:lambda:*:*:function:*"])


# -- USE_CONDITION_KEY_ONLY_WITH_SUPPORTED_SERVICES -----------------------------------------------------

@pytest.mark.parametrize(("key", "actions", "reported"), [
    ("aws:VpceAccount", ["s3:*", "kms:*"], False),
    ("aws:VpceAccount", ["s3:GetObject", "ec2:*"], True),
    ("aws:VpceAccount", ["*"], True),
    ("aws:VpceAccount", ["iam:*"], True),  # iam:PassRole is the one IAM action without the keys
    ("aws:VpceAccount", ["iam:GetRole"], False),
    ("aws:VpceAccount", ["*:Get*"], True),
    ("aws:VpceOrgPaths", ["sqs:SendMessage"], True),
    ("aws:VpceOrgID", ["sqs:SendMessage"], False),  # aws:VpceOrgID has the longer list
    ("aws:SourceVpce", ["ec2:*"], False),  # every service puts aws:SourceVpce in the request
])
def test_vpce_keys_scoped_to_the_services_that_supply_them(key: str, actions: list[str], reported: bool) -> None:
    operator = "ForAnyValue:StringNotLikeIfExists" if key == "aws:VpceOrgPaths" else "StringNotEqualsIfExists"
    text = policy({"Effect": "Deny", "Principal": "*", "Action": actions, "Resource": "*",
                   "Condition": {operator: {key: ["o-a1b2c3d4e5/r-ab12/*" if key == "aws:VpceOrgPaths" else "x"]}}})
    found = findings(text, "RESOURCE_CONTROL_POLICY")
    assert ("USE_CONDITION_KEY_ONLY_WITH_SUPPORTED_SERVICES" in found) is reported
    if reported:
        located_at(text, found["USE_CONDITION_KEY_ONLY_WITH_SUPPORTED_SERVICES"][0],
                   ("Statement", 0, "Condition", operator, key))


def test_vpce_keys_with_not_action_reach_every_other_service() -> None:
    text = policy({"Effect": "Deny", "NotAction": "s3:*", "Resource": "*",
                   "Condition": {"StringNotEquals": {"aws:VpceOrgID": "o-a1b2c3d4e5"}}})
    assert "USE_CONDITION_KEY_ONLY_WITH_SUPPORTED_SERVICES" in findings(text, "SERVICE_CONTROL_POLICY")


# -- PRIVATE_IP_ADDRESS and its subset --------------------------------------------------------------

SOURCE_IP = [
    # private means RFC 1918 / IPv6 unique local: the standard library's wider notion (benchmarking,
    # loopback, documentation ranges) would call this list all private and report the non-subset code
    (["10.0.0.0/8", "198.18.0.1"], "PRIVATE_IP_ADDRESS_SUBSET", "PRIVATE_IP_ADDRESS"),
    (["192.168.0.0/16", "2001:db8::/32", "fd12:3456::/32"], "PRIVATE_IP_ADDRESS_SUBSET", "PRIVATE_IP_ADDRESS"),
    (["172.16.0.0/12", "10.1.2.3"], "PRIVATE_IP_ADDRESS", "PRIVATE_IP_ADDRESS_SUBSET"),
    (["127.0.0.1", "203.0.113.0/24"], None, "PRIVATE_IP_ADDRESS"),  # no private range at all
    (["0.0.0.0/0"], None, "PRIVATE_IP_ADDRESS_SUBSET"),  # contains private ranges, is not one
]


@pytest.mark.parametrize(("values", "expected", "absent"), SOURCE_IP)
def test_private_source_ip_ranges(values: list[str], expected: str | None, absent: str) -> None:
    for operator, prefix in (("IpAddress", "PRIVATE_"), ("NotIpAddress", "PRIVATE_NOT_")):
        found = condition_codes({operator: {"aws:SourceIp": values}})
        if expected:
            assert expected.replace("PRIVATE_", prefix, 1) in found, (operator, found)
        assert absent.replace("PRIVATE_", prefix, 1) not in found, (operator, found)


def test_private_subset_points_at_the_private_ranges() -> None:
    text = policy({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
                   "Condition": {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "10.0.0.0/8"]}}})
    located_at(text, findings(text)["PRIVATE_IP_ADDRESS_SUBSET"][0],
               ("Statement", 0, "Condition", "IpAddress", "aws:SourceIp", 1))
