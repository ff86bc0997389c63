"""Principal folding: sessions count for their role or user; service, root and outside identities skip."""
from __future__ import annotations

import pytest

from solvers.errors import InputError
from solvers.generation.principals import PrincipalKey, fold_identity, parse_principal_arn

SSO_ROLE = "arn:aws:iam::844015365555:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_admin_599c9e90e350d2ff"


def test_sso_session_counts_for_the_role_with_its_path():
    identity = {"type": "AssumedRole", "arn": "arn:aws:sts::844015365555:assumed-role/AWSReservedSSO_admin_599c9e90e350d2ff/me@example.com",
                "sessionContext": {"sessionIssuer": {"type": "Role", "arn": SSO_ROLE}}}
    assert fold_identity(identity) == ("role", SSO_ROLE)


def test_session_without_issuer_counts_for_the_role_named_in_the_session_arn():
    identity = {"type": "AssumedRole", "arn": "arn:aws:sts::111111111111:assumed-role/app/i-0abc"}
    assert fold_identity(identity) == ("role", "arn:aws:iam::111111111111:role/app")


def test_federated_user_session_counts_for_the_user():
    user = "arn:aws:iam::742491224508:user/fed-user"
    identity = {"type": "FederatedUser", "arn": "arn:aws:sts::742491224508:federated-user/someone",
                "sessionContext": {"sessionIssuer": {"type": "IAMUser", "arn": user}}}
    assert fold_identity(identity) == ("user", user)


@pytest.mark.parametrize("identity, reason", [
    ({"type": "AWSService", "invokedBy": "config.amazonaws.com"}, "skip:aws-service"),
    ({"type": "Root", "arn": "arn:aws:iam::111111111111:root"}, "skip:root"),
    ({"type": "WebIdentityUser", "userName": "x"}, "skip:WebIdentityUser-identity"),
    (None, "skip:no-identity"),
])
def test_identities_that_are_no_role_or_user_are_skipped(identity, reason):
    assert fold_identity(identity) == (reason, None)


def test_principal_argument_ignores_the_path_and_accepts_session_arns():
    key, _ = parse_principal_arn(SSO_ROLE)
    assert key == PrincipalKey("aws", "844015365555", "role", "AWSReservedSSO_admin_599c9e90e350d2ff")
    assert parse_principal_arn("arn:aws:iam::844015365555:role/AWSReservedSSO_admin_599c9e90e350d2ff")[0] == key
    session_key, reported = parse_principal_arn("arn:aws:sts::111111111111:assumed-role/app/sess")
    assert session_key.kind == "role" and reported == "arn:aws:iam::111111111111:role/app"


@pytest.mark.parametrize("bad", ["", "arn:aws:s3:::bucket", "arn:aws:iam::111111111111:group/g", "role/x"])
def test_other_principal_arguments_are_input_errors(bad):
    with pytest.raises(InputError):
        parse_principal_arn(bad)
