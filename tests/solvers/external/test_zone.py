"""The zone of trust at organization scale: reads are set lookups, and the accounts a policy text names
are found from the text, so analysing a resource costs the same in an organization of 20 or 20,000."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from solvers.errors import InputError
from solvers.external.zone import AccountIds, ZoneOfTrust

OWNER = "111122223333"
digits = st.text(alphabet="0123456789", min_size=12, max_size=12)


@given(members=st.frozensets(digits, max_size=30),
       text=st.lists(st.one_of(digits, st.text(alphabet="0123456789:*a", max_size=30)), max_size=8).map("".join))
def test_mentioned_accounts_are_exactly_the_zone_accounts_found_in_the_text(members, text) -> None:
    zone = ZoneOfTrust(OWNER, "o-a1b2c3d4e5", frozenset(members))
    naive = tuple(a for a in zone.accounts if a == OWNER or a in text)  # the O(members) reading it replaces
    assert zone.mentioned_in(text) == naive


def test_members_are_checked_once_and_shared_by_every_owner_zone(monkeypatch) -> None:
    members = AccountIds(f"{100000000000 + i:012d}" for i in range(5_000))
    checked: list[str] = []
    monkeypatch.setattr("solvers.external.zone._check_account", checked.append)
    zones = [ZoneOfTrust(owner, "o-a1b2c3d4e5", members) for owner in sorted(members)[:50]]
    assert len(checked) == 50  # the owners, not 50 × 5,000 members
    assert all(z.member_accounts is members for z in zones)
    assert zones[0].trusts_account("100000000007") and not zones[0].trusts_account("999999999999")


def test_a_bad_member_account_is_named() -> None:
    with pytest.raises(InputError, match="'12345' is not a 12-digit"):
        AccountIds(["111111111111", "12345"])
    with pytest.raises(InputError, match="'abc' is not a 12-digit"):
        ZoneOfTrust(OWNER, "o-a1b2c3d4e5", frozenset({"abc"}))
