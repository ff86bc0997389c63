"""The tracking period and the exclusions of an unused-access analysis."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from solvers.errors import InputError

MIN_DAYS, MAX_DAYS = 1, 365


def parse_time(text: str | None) -> datetime | None:
    """ISO 8601 text (as AWS and our records write it) → an aware UTC datetime; None stays None."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"not an ISO 8601 time: {text!r}") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class TrackingPeriod:
    """`days` before `as_of`. Only entities that existed for the whole period are judged; a use at or
    after `start` counts."""
    days: int
    as_of: datetime

    def __post_init__(self) -> None:
        if not (isinstance(self.days, int) and MIN_DAYS <= self.days <= MAX_DAYS):
            raise InputError(f"the tracking period must be {MIN_DAYS} to {MAX_DAYS} days, not {self.days!r}")

    @property
    def start(self) -> datetime:
        return self.as_of - timedelta(days=self.days)

    def judged(self, created: datetime | None) -> bool:
        """Existed for the whole period (an unknown creation time is not judged)."""
        return created is not None and created <= self.start

    def used(self, when: datetime | None) -> bool:
        return when is not None and when >= self.start


@dataclass(frozen=True)
class Exclusions:
    """Access Analyzer's analysis rule: principals of these accounts, or carrying all the tags of one of
    these tag sets, are not analysed."""
    accounts: frozenset[str] = frozenset()
    tag_sets: tuple[Mapping[str, str], ...] = ()

    def excludes(self, account: str, tags: Mapping[str, str]) -> bool:
        if account in self.accounts:
            return True
        return any(all(tags.get(k) == v for k, v in tag_set.items()) for tag_set in self.tag_sets if tag_set)
