"""The internal-access fan-out (pipeline/internal_fanout.py): the grid is cut from the work alone, a group
of equal identities is never split, and the cells merged give exactly the one-process findings."""
from __future__ import annotations

import pickle

import pytest

from pipeline import internal_fanout as fan
from solvers.internal.analyze import analyze_resource
from solvers.internal.population import Population
from tests.solvers.internal.orgs import ORG, OTHER, OWNER, allow, bucket, levels, role, user

ZONES = ("ORGANIZATION", "ACCOUNT")


def organization() -> tuple[list, list]:
    """Three shared permission sets stamped in both accounts, principals with policies of their own, and
    buckets whose policies name nobody, the other account, one role, or the whole organization."""
    scps = levels(allow("s3:*"))
    sets = [allow("s3:*"), allow(["s3:GetObject", "s3:ListBucket"]), allow("ec2:*")]
    people = []
    for k in range(4):
        for account in (OWNER, OTHER):
            for s, policy in enumerate(sets):
                people.append(role(account, f"set{s}-{k}", policy, scps=scps))
            people.append(user(account, f"own-{k}", allow("s3:PutObject", f"arn:aws:s3:::b{k}/*"), scps=scps))
    people.append(role(OWNER, "bounded", allow("s3:*"), boundary=allow("s3:ListBucket"), scps=scps))
    grants = [None,
              {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": OTHER},
                                                        "Action": "s3:GetObject", "Resource": "*"}]},
              {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {
                  "AWS": f"arn:aws:iam::{OTHER}:role/set1-2"}, "Action": "s3:*", "Resource": "*"}]},
              {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:List*",
                                                        "Resource": "*", "Condition": {"StringEquals": {
                                                            "aws:PrincipalOrgID": ORG}}}]}]
    targets = [bucket(g, levels(rcp=True), arn=f"arn:aws:s3:::b{k}") for k, g in enumerate(grants * 2)]
    return people, targets


def cells(people: list, targets: list, zone: str, across: int, down: int) -> tuple[list, dict]:
    principal_batches = fan.principal_batches(people, across)
    resource_batches = fan.resource_batches(targets, down)
    done = {(r, p): pickle.loads(fan.cell_task(Population.of([people[i] for i in batch]), rb, zone)[0])
            for r, rb in enumerate(resource_batches) for p, batch in enumerate(principal_batches)}
    return resource_batches, done


@pytest.mark.parametrize("zone", ZONES)
def test_merged_cells_are_the_one_process_findings(zone: str) -> None:
    people, targets = organization()
    whole = Population.of(people)
    want = [f for t in targets for f in analyze_resource(t, whole, zone)]
    assert want, "the organization must give findings"
    order = {c.arn: i for i, c in enumerate(people)}
    for across, down in ((1, 1), (3, 2), (5, 8)):
        batches, done = cells(people, targets, zone, across, down)
        assert fan.merge(zone, batches, done, order, aws_compatible=False) == want


def test_the_principal_limit_counts_the_whole_resource(monkeypatch) -> None:
    """Access Analyzer's 3,000-principal limit (lowered here) applies to all the cells of a resource."""
    import solvers.internal.analyze as analyze
    people, targets = organization()
    monkeypatch.setattr(analyze, "PRINCIPAL_LIMIT", 12)
    monkeypatch.setattr(fan, "PRINCIPAL_LIMIT", 12)
    whole = Population.of(people)
    want = [f for t in targets for f in analyze_resource(t, whole, "ORGANIZATION", aws_compatible=True)]
    assert any(f["error"] == "PRINCIPAL_LIMIT_EXCEEDED" for f in want)
    assert any(not f["error"] for f in want)
    batches, done = cells(people, targets, "ORGANIZATION", 4, 3)
    order = {c.arn: i for i, c in enumerate(people)}
    assert fan.merge("ORGANIZATION", batches, done, order, aws_compatible=True) == want


def test_principal_batches_keep_equal_identities_together() -> None:
    people, _ = organization()
    batches = fan.principal_batches(people, 4)
    assert sorted(i for b in batches for i in b) == list(range(len(people)))
    home = {}
    for n, batch in enumerate(batches):
        assert batch == sorted(batch)
        for i in batch:
            assert home.setdefault(fan.identity_group(people[i]), n) == n
    sizes = [len(b) for b in batches]
    assert max(sizes) - min(sizes) <= 8  # within one group (each shared set has 8 members)


def test_the_grid_is_cut_from_the_work() -> None:
    assert fan.grid(1, 10) == (1, 1)  # a small organization: one task
    assert fan.grid(0, 15_000) == (1, 1)
    across, down = fan.grid(2_000, 15_000)  # the bench's organization
    assert across == 6 and across * down >= 30
    across, down = fan.grid(400, 3_000)
    assert across * down >= fan.MIN_TASKS  # enough cells for a few machines
    assert fan.grid(3, 100_000)[1] <= 3  # never more resource batches than resources
