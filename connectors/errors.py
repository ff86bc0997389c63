"""Typed connector errors. Per-resource failures are not errors: they become coverage gaps."""
from __future__ import annotations

from solvers.errors import InputError


class ConnectorError(InputError):
    """The connector cannot run at all (no credentials, unusable configuration): a user can fix it."""


class SnapshotError(InputError):
    """A snapshot folder that cannot be read or written."""
