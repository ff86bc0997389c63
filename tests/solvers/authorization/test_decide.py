"""The decision procedure of authorization.md §4, rule by rule; each test names its documentation source.

E1 https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
E2 https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
E3 https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
E4 https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session
E5 https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html
E6 https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html
E7 https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html
E8 https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html
E9 https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
"""
from __future__ import annotations

import json

import pytest

from solvers.authorization.context import AuthContext, AuthRequest, Caller, Source
from solvers.authorization.decide import Blocker, Outcome, Path, decide
from solvers.authorization.principals import Kind
from solvers.policy import parse_policy

A, B = "111111111111", "222222222222"
USER = f"arn:aws:iam::{A}:user/alice"
ROLE = f"arn:aws:iam::{A}:role/app/worker"
SESSION = f"arn:aws:sts::{A}:assumed-role/worker/s1"
FED = f"arn:aws:sts::{A}:federated-user/bob"
ROOT = f"arn:aws:iam::{A}:root"
BUCKET_OBJ = "arn:aws:s3:::bucket/key"
KEY = f"arn:aws:kms:us-east-1:{A}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def pol(*statements: dict, sid: str = "p") -> Source:
    return Source(parse_policy(json.dumps({"Version": "2012-10-17", "Statement": list(statements)})), sid)


def allow(action="*", resource="*", **extra) -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action="*", resource="*", **extra) -> dict:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def grant(principal, action="*", resource="*", effect="Allow", key="Principal") -> dict:
    if isinstance(principal, str) and principal != "*":
        principal = {"AWS": principal}
    return {"Effect": effect, key: principal, "Action": action, "Resource": resource}


def ctx(caller: str | Caller, owner: str | None = None, **kw) -> AuthContext:
    who = caller if isinstance(caller, Caller) else Caller.from_arn(caller)
    return AuthContext(who, owner, **kw)


def run(c: AuthContext, action="s3:GetObject", resource=BUCKET_OBJ, **context):
    return decide(c, AuthRequest.of(action, resource, context))


FULL = pol(allow())


# ------------------------------------------------------------------------------------------ R0

def test_r0_get_caller_identity_allowed_against_deny():
    """R0 (authorization.md; STS GetCallerIdentity needs no permission, and an explicit Deny does not stop it:
    https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html)."""
    d = run(ctx(USER, identity=(pol(deny()),)), "sts:GetCallerIdentity", "*")
    assert d.outcome is Outcome.ALLOWED and d.path is Path.INTRINSIC
    assert run(ctx(Caller.anonymous()), "sts:GetCallerIdentity", "*").outcome is Outcome.IMPLICIT_DENY


@pytest.mark.parametrize("action,resource", [
    ("iam:CreatePolicyVersion", "arn:aws:iam::aws:policy/AdministratorAccess"),
    ("iam:PassRole", f"arn:aws:iam::{A}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_x"),
    ("kms:DeleteAlias", f"arn:aws:kms:us-east-1:{A}:alias/aws/s3"),
])
def test_r0_writes_to_aws_owned_resources_are_implicitly_denied(action, resource):
    """R0: AWS managed policies (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html),
    reserved SSO roles (https://docs.aws.amazon.com/singlesignon/latest/userguide/referencingpermissionsets.html)
    and AWS KMS aliases (https://docs.aws.amazon.com/kms/latest/developerguide/alias-about.html) cannot be changed."""
    d = run(ctx(USER, identity=(FULL,)), action, resource)
    assert d.outcome is Outcome.IMPLICIT_DENY and Blocker("intrinsic") in d.blocked_by
    assert run(ctx(USER, identity=(FULL, pol(deny()))), action, resource).outcome is Outcome.EXPLICIT_DENY
    assert run(ctx(USER, identity=(FULL,)), "iam:GetPolicy", resource).outcome is Outcome.ALLOWED


# ------------------------------------------------------------------------------------------ R1

@pytest.mark.parametrize("where", ["identity", "boundary", "session", "resource", "scp", "rcp", "endpoint"])
def test_r1_explicit_deny_in_any_bound_type_wins(where):
    """R1, E1 (explicit deny in any policy type -> explicitDeny), E7 (SCP Deny), E8 (RCP Deny)."""
    d_stmt = deny("s3:GetObject")
    named_deny = grant("*", "s3:GetObject", effect="Deny")
    parts = dict(identity=(FULL,), boundary=FULL, session_policy=FULL, scp_levels=((FULL,),),
                 rcp_levels=((pol(grant("*")),),), endpoint_policies=(pol(grant("*")),),
                 resource_policy=pol(grant(SESSION)))
    if where == "identity":
        parts["identity"] = (FULL, pol(d_stmt))
    elif where == "boundary":
        parts["boundary"] = pol(allow(), d_stmt)
    elif where == "session":
        parts["session_policy"] = pol(allow(), d_stmt)
    elif where == "resource":
        parts["resource_policy"] = pol(grant(SESSION), named_deny)
    elif where == "scp":
        parts["scp_levels"] = ((FULL,), (pol(allow(), d_stmt),))
    elif where == "rcp":
        parts["rcp_levels"] = ((pol(grant("*"), named_deny),),)
    else:
        parts["endpoint_policies"] = (pol(grant("*"), named_deny),)
    d = run(ctx(SESSION, **parts))
    assert d.outcome is Outcome.EXPLICIT_DENY
    assert all(m.statement.effect == "Deny" for m in d.decisive) and d.decisive  # R10: only the Deny is listed
    assert d.blocked_by[0].type == where and d.blocked_by[0].explicit
    assert d.allowed_by_organizations is (where != "scp")


def test_r1_session_policy_deny_does_not_bind_users():
    """R1: a session policy binds session callers only (E4: session policies are passed when a session is created)."""
    assert run(ctx(USER, identity=(FULL,), session_policy=pol(deny()))).outcome is Outcome.ALLOWED


# ------------------------------------------------------------------------------------------ R2/R3

def test_r3_every_scp_level_needs_an_allow():
    """R3, E7: each level from the root to the account must allow; one level without an Allow denies."""
    ok = run(ctx(USER, identity=(FULL,), scp_levels=((FULL,), (pol(allow("s3:*")),), (FULL,))))
    assert ok.outcome is Outcome.ALLOWED
    d = run(ctx(USER, identity=(FULL,), scp_levels=((FULL,), (pol(allow("ec2:*")),), (FULL,))))
    assert d.outcome is Outcome.IMPLICIT_DENY and d.blocked_by == (Blocker("scp", 2),)
    assert d.allowed_by_organizations is False  # R10


def test_r3_an_empty_level_denies_everything():
    """R3, E7: a level with no policy attached (or no Allow) denies every request."""
    d = run(ctx(USER, identity=(FULL,), scp_levels=((FULL,), ())))
    assert d.outcome is Outcome.IMPLICIT_DENY and Blocker("scp", 2) in d.blocked_by


def test_r3_scps_never_bind_services_anonymous_or_service_linked_roles():
    """§2, E7: SCPs do not affect service principals, anonymous callers or service-linked roles."""
    empty = ((),)
    rp = pol(grant("*"), grant({"Service": "s3.amazonaws.com"}))
    assert run(ctx(Caller.anonymous(), B, resource_policy=rp, scp_levels=empty)).outcome is Outcome.ALLOWED
    assert run(ctx(Caller.service("s3.amazonaws.com"), B, resource_policy=rp, scp_levels=empty)).allowed
    slr = f"arn:aws:iam::{A}:role/aws-service-role/elasticmapreduce.amazonaws.com/AWSServiceRoleForEMR"
    assert run(ctx(slr, identity=(FULL,), scp_levels=empty)).allowed


def test_r3_scps_bind_the_root_user():
    """R9, E7: SCPs restrict the root user of member accounts."""
    assert run(ctx(ROOT)).allowed
    assert run(ctx(ROOT, scp_levels=((pol(allow("ec2:*")),),))).outcome is Outcome.IMPLICIT_DENY


def test_r2_boundary_and_endpoint_must_allow():
    """R2, E3 (boundary sets the maximum), VPC endpoint policies
    (https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html)."""
    d = run(ctx(USER, identity=(FULL,), boundary=pol(allow("ec2:*"))))
    assert d.outcome is Outcome.IMPLICIT_DENY and d.blocked_by == (Blocker("boundary"),)
    assert d.allowed_by_boundary is False
    d = run(ctx(USER, identity=(FULL,), endpoint_policies=(pol(grant("*", "ec2:*")),)))
    assert d.outcome is Outcome.IMPLICIT_DENY and d.blocked_by == (Blocker("endpoint", 1),)


# ------------------------------------------------------------------------------------------ R4

def test_r4_rcp_levels_on_the_owner_path():
    """R4, E8: every RCP level of the resource owner's path must allow, for callers from any account."""
    rcps = ((pol(grant("*")),), (pol(grant("*", "s3:PutObject")),))
    d = run(ctx(USER, B, identity=(FULL,), resource_policy=pol(grant(A)), rcp_levels=rcps))
    assert d.outcome is Outcome.IMPLICIT_DENY and d.blocked_by == (Blocker("rcp", 2),)
    assert d.allowed_by_organizations is True  # RCPs are not what OrganizationsDecisionDetail reports


def test_r4_rcps_bind_supported_services_only():
    """§2, E8: RCPs apply to S3, STS, KMS, SQS, Secrets Manager (and later additions), not to e.g. EC2."""
    rcps = ((pol(grant("*", effect="Deny")),),)
    assert run(ctx(USER, identity=(FULL,), rcp_levels=rcps)).outcome is Outcome.EXPLICIT_DENY
    assert run(ctx(USER, identity=(FULL,), rcp_levels=rcps), "ec2:RunInstances", "*").allowed


def test_r4_inference_rcp_deny_applies_to_anonymous_callers():
    """R4 (inference): an RCP Deny with Principal "*" binds anonymous callers; E8 says RCPs apply to
    requests from any principal, and we read "any" as including unsigned requests."""
    rcps = ((pol(grant("*"), grant("*", effect="Deny")),),)
    d = run(ctx(Caller.anonymous(), A, resource_policy=pol(grant("*")), rcp_levels=rcps))
    assert d.outcome is Outcome.EXPLICIT_DENY


# ------------------------------------------------------------------------------------------ R5

def test_r5_cross_account_needs_both_sides():
    """R5, E2: the caller's identity policy and the owner's resource policy must both allow."""
    rp = pol(grant(A))
    assert run(ctx(USER, B, identity=(FULL,), resource_policy=rp)).path is Path.DELEGATION
    assert run(ctx(USER, B, identity=(), resource_policy=rp)).blocked_by == (Blocker("identity"),)
    assert run(ctx(USER, B, identity=(FULL,))).blocked_by == (Blocker("resource"),)  # no resource policy


def test_r5_direct_session_grant_still_needs_identity_allow():
    """R5, E2: across accounts even a grant naming the session ARN needs the identity Allow."""
    rp = pol(grant(SESSION))
    assert run(ctx(SESSION, B, resource_policy=rp)).outcome is Outcome.IMPLICIT_DENY
    d = run(ctx(SESSION, B, identity=(FULL,), resource_policy=rp))
    assert d.allowed and d.path is Path.RESOURCE_DIRECT


def test_r5_boundary_and_scps_apply_on_the_caller_side():
    """R5, E2, E3: across accounts the caller's boundary and SCPs still limit it."""
    rp = pol(grant(USER))
    assert run(ctx(USER, B, identity=(FULL,), resource_policy=rp, boundary=pol(allow("ec2:*")))).blocked_by == \
        (Blocker("boundary"),)
    assert run(ctx(USER, B, identity=(FULL,), resource_policy=rp, scp_levels=((),))).blocked_by == \
        (Blocker("scp", 1),)


# ------------------------------------------------------------------------------------------ R6 (E1 table)

def test_r6_user_arn_grant_ignores_identity_and_boundary_implicit_denies():
    """R6, E1 and E3: a same-account resource policy naming the user ARN allows despite implicit denies."""
    d = run(ctx(USER, resource_policy=pol(grant(USER)), boundary=pol(allow("ec2:*"))))
    assert d.allowed and d.path is Path.RESOURCE_DIRECT and d.decisive[0].kind is Kind.DIRECT


def test_r6_session_arn_grant_ignores_everything_implicit():
    """R6, R9, E1, E3: naming the session ARN is not limited by identity, boundary or session policy."""
    d = run(ctx(SESSION, resource_policy=pol(grant(SESSION)), boundary=pol(allow("ec2:*")),
                session_policy=pol(allow("ec2:*"))))
    assert d.allowed and d.path is Path.RESOURCE_DIRECT


def test_r6_role_arn_grant_limited_by_boundary_and_session_policy_not_identity():
    """R6, R9, E1, E3: naming the role ARN works without identity Allow, but boundary and session policy limit it."""
    role_arn = f"arn:aws:iam::{A}:role/worker"  # the path is not part of a session ARN: any path matches
    rp = pol(grant(role_arn))
    assert run(ctx(SESSION, resource_policy=rp)).path is Path.RESOURCE_ROLE
    assert run(ctx(SESSION, resource_policy=pol(grant(ROLE)))).path is Path.RESOURCE_ROLE
    d = run(ctx(SESSION, resource_policy=rp, boundary=pol(allow("ec2:*"))))
    assert d.outcome is Outcome.IMPLICIT_DENY and d.blocked_by == (Blocker("boundary"),)
    assert d.allowed_by_boundary is False
    d = run(ctx(SESSION, resource_policy=rp, session_policy=pol(allow("ec2:*"))))
    assert d.outcome is Outcome.IMPLICIT_DENY and d.blocked_by == (Blocker("session"),)


def test_r6_account_grant_only_delegates():
    """R6, E1: a resource policy naming the account adds nothing beyond the identity policies."""
    assert run(ctx(USER, resource_policy=pol(grant(A)))).blocked_by == (Blocker("identity"),)
    assert run(ctx(USER, resource_policy=pol(grant(ROOT)), identity=(FULL,))).path is Path.IDENTITY


def test_r6_inference_star_grant_is_direct():
    """R6 (inference): E1 documents direct grants for user, session and federated ARNs; we treat
    Principal "*" the same way, so it allows a same-account caller without identity Allow."""
    d = run(ctx(USER, resource_policy=pol(grant("*")), boundary=pol(allow("ec2:*"))))
    assert d.allowed and d.path is Path.RESOURCE_DIRECT


def test_r6_identity_path():
    """R6, E1: identity Allow, boundary Allow and session-policy Allow together allow."""
    assert run(ctx(SESSION, identity=(FULL,), boundary=FULL, session_policy=FULL)).path is Path.IDENTITY
    assert run(ctx(USER)).outcome is Outcome.IMPLICIT_DENY  # default deny


# ------------------------------------------------------------------------------------------ R7

def test_r7_trust_policy_must_grant_even_in_one_account():
    """R7, E1 (role trust policies): no identity-only path for sts:AssumeRole; a direct grant suffices."""
    target = f"arn:aws:iam::{A}:role/target"
    assert run(ctx(USER, identity=(FULL,)), "sts:AssumeRole", target).blocked_by == (Blocker("resource"),)
    assert run(ctx(USER, resource_policy=pol(grant(USER))), "sts:AssumeRole", target).path is Path.RESOURCE_DIRECT
    d = run(ctx(USER, identity=(FULL,), resource_policy=pol(grant(A))), "sts:AssumeRole", target)
    assert d.path is Path.DELEGATION


def test_r7_kms_key_policy_account_statement_enables_identity_path():
    """R7, E6: the default key policy's root statement enables IAM policies; without it they do nothing."""
    assert run(ctx(USER, identity=(FULL,)), "kms:Decrypt", KEY).outcome is Outcome.IMPLICIT_DENY
    assert run(ctx(USER, identity=(FULL,), resource_policy=pol(grant(ROOT))), "kms:Decrypt", KEY).path \
        is Path.DELEGATION
    assert run(ctx(USER, resource_policy=pol(grant(ROOT))), "kms:Decrypt", KEY).outcome is Outcome.IMPLICIT_DENY


def test_r7_root_user_gets_no_exemption():
    """R7, E6: the account's root user is not exempt: a key policy that does not grant denies it too."""
    assert run(ctx(ROOT), "kms:Decrypt", KEY).outcome is Outcome.IMPLICIT_DENY
    assert run(ctx(ROOT, resource_policy=pol(grant(A))), "kms:Decrypt", KEY).allowed


def test_r7_calls_without_a_key_follow_r6():
    """R7, E6: kms:ListKeys takes no key (resource "*"), so identity policies alone allow it."""
    assert run(ctx(USER, identity=(FULL,)), "kms:ListKeys", "*").path is Path.IDENTITY


# ------------------------------------------------------------------------------------------ R8

def test_r8_anonymous_needs_a_direct_public_grant():
    """R8, E9 (anonymous access: Principal "*"): account grants and identity policies do not help."""
    anon = Caller.anonymous()
    assert run(ctx(anon, A, resource_policy=pol(grant("*")))).path is Path.RESOURCE_DIRECT
    assert run(ctx(anon, A, resource_policy=pol(grant({"AWS": "*"})))).allowed
    assert run(ctx(anon, A, resource_policy=pol(grant(A)))).outcome is Outcome.IMPLICIT_DENY
    assert run(ctx(anon, A)).blocked_by == (Blocker("resource"),)


def test_r8_service_principal_needs_its_name():
    """R8, E9 (service principals): the resource policy must name the service."""
    svc = Caller.service("cloudtrail.amazonaws.com")
    rp = pol(grant({"Service": "cloudtrail.amazonaws.com"}, "s3:PutObject"))
    assert run(ctx(svc, A, resource_policy=rp), "s3:PutObject").allowed
    assert run(ctx(svc, A, resource_policy=pol(grant({"Service": "config.amazonaws.com"}))), "s3:PutObject").outcome \
        is Outcome.IMPLICIT_DENY
    assert run(ctx(svc, A, resource_policy=rp, endpoint_policies=(pol(grant("*", "ec2:*")),)), "s3:PutObject") \
        .blocked_by == (Blocker("endpoint", 1),)


# ------------------------------------------------------------------------------------------ R9

def test_r9_session_without_session_policy_passes_the_session_step():
    """R9, E4: a role session created without a session policy has the role's permissions."""
    assert run(ctx(SESSION, identity=(FULL,))).allowed
    assert run(ctx(ROLE, identity=(FULL,))).allowed  # a role ARN as caller is such a session


def test_r9_federated_user_without_session_policy_has_no_permissions():
    """R9, E4: GetFederationToken without a session policy gives a session with no permissions."""
    assert run(ctx(FED, identity=(FULL,))).blocked_by == (Blocker("session"),)
    assert run(ctx(FED, identity=(FULL,), session_policy=FULL)).allowed
    assert run(ctx(FED, resource_policy=pol(grant(FED)))).path is Path.RESOURCE_DIRECT  # E1 table


def test_r9_root_has_every_permission_in_its_account():
    """R9, E1: the root user needs no identity policy in its own account, Denies aside."""
    assert run(ctx(ROOT)).path is Path.IDENTITY
    assert run(ctx(ROOT, resource_policy=pol(grant(A, effect="Deny")))).outcome is Outcome.EXPLICIT_DENY


# ------------------------------------------------------------------------------------------ §3 NotPrincipal

def test_not_principal_allow_grants_everyone_else():
    """§3, E5: Allow with NotPrincipal grants to everyone not listed, anonymous callers included."""
    rp = pol(grant({"AWS": f"arn:aws:iam::{A}:user/mallory"}, key="NotPrincipal"))
    assert run(ctx(Caller.anonymous(), A, resource_policy=rp)).allowed
    assert run(ctx(f"arn:aws:iam::{A}:user/mallory", resource_policy=rp)).outcome is Outcome.IMPLICIT_DENY


def test_not_principal_deny_must_list_every_level():
    """§3, E5: Deny with NotPrincipal excludes a session only when the account, role and session are listed."""
    role_arn = f"arn:aws:iam::{A}:role/worker"
    partial = pol(allow(), grant({"AWS": [role_arn]}, effect="Deny", key="NotPrincipal"))
    every = pol(grant({"AWS": [A, role_arn, SESSION]}, effect="Deny", key="NotPrincipal"))
    assert run(ctx(SESSION, identity=(partial,), resource_policy=partial)).outcome is Outcome.EXPLICIT_DENY
    assert run(ctx(SESSION, identity=(FULL,), resource_policy=every)).allowed


def test_not_principal_deny_always_applies_with_a_boundary():
    """§3, E3: a Deny with NotPrincipal always applies to a principal that has a permissions boundary."""
    every = pol(grant({"AWS": [A, USER]}, effect="Deny", key="NotPrincipal"))
    assert run(ctx(USER, identity=(FULL,), resource_policy=every)).allowed
    assert run(ctx(USER, identity=(FULL,), resource_policy=every, boundary=FULL)).outcome is Outcome.EXPLICIT_DENY


def test_resource_statement_without_principal_never_applies():
    """§3, E9: a resource-policy statement needs a principal to grant or deny."""
    rp = pol(allow(), deny())
    assert run(ctx(USER, identity=(FULL,), resource_policy=rp)).allowed


def test_inference_rcp_and_endpoint_statements_without_principal_apply_to_everyone():
    """§3 (inference): an RCP's principal is always `*` (E8, RCP syntax), and a VPC endpoint policy
    statement without Principal is read the same way; a resource-policy statement without one never applies."""
    bare_deny = pol(allow(), deny("s3:GetObject"))
    assert run(ctx(USER, identity=(FULL,), rcp_levels=((bare_deny,),))).outcome is Outcome.EXPLICIT_DENY
    assert run(ctx(USER, identity=(FULL,), endpoint_policies=(bare_deny,))).outcome is Outcome.EXPLICIT_DENY
    assert run(ctx(USER, identity=(FULL,), resource_policy=bare_deny)).allowed


def test_principal_arn_condition_of_a_session_is_the_role_arn():
    """§3, E9: the context is literal; given aws:PrincipalArn (the role ARN for a session), conditions read it."""
    idp = pol(allow(Condition={"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{A}:role/worker"}}))
    assert run(ctx(SESSION, identity=(idp,)), **{"aws:PrincipalArn": f"arn:aws:iam::{A}:role/worker"}).allowed
    assert run(ctx(SESSION, identity=(idp,))).outcome is Outcome.IMPLICIT_DENY  # nothing is derived
