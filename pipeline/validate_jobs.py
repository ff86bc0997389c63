"""Validating many documents on every core, as ruff does: `trustmap validate DIR/*.json`.

Each policy is validated on its own, so a long list is dealt out (policy i to process i mod N) to
forked processes and to this one, and the findings are put back in the order of the files: the output
is the one a single process writes. A few policies are not worth a process: below
POLICIES_PER_PROCESS per process, or outside Linux (where fork is not the safe default), one process
validates them all.
"""
from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Sequence
from typing import TYPE_CHECKING

from solvers.errors import InputError
from solvers.jsonspan import LineIndex, Span
from solvers.validation import Finding, validate_policy
from solvers.validation.engine import check_types
from solvers.validation.findings import Location

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

# Each process reads the catalog's services and the SDK models for itself (~0.2 s of CPU): a share
# smaller than this would not pay for it.
POLICIES_PER_PROCESS = 200

# A finding as it crosses between processes: (type, code, details, ((path, start, end), ...)).
Packed = tuple[str, str, str, tuple[tuple[tuple, int, int], ...]]


def usable_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def processes_for(count: int, jobs: int = 0) -> int:
    """How many processes validate `count` policies: `jobs` when given (1: this one alone), else one per
    usable core, as long as each gets POLICIES_PER_PROCESS; one where processes are not forked (below)."""
    if jobs < 0:
        raise InputError(f"--jobs must be 0 (one process per core) or more, not {jobs}")
    wanted = max(1, min(jobs if jobs > 0 else min(usable_cores(), count // POLICIES_PER_PROCESS), count))
    # fork only where it is the platform's own start method (Linux; macOS's system libraries are not
    # fork-safe, Windows has no fork): elsewhere one process validates everything
    return wanted if sys.platform.startswith("linux") else 1


def validate_all(texts: Sequence[str], policy_type: str, resource_type: str | None, reasoning: bool,
                 jobs: int = 0) -> list[list[Finding]]:
    """The findings of every text, in order, as `validate_policy` gives them one by one."""
    check_types(policy_type, resource_type)  # a bad type is one error, before any process starts
    n = processes_for(len(texts), jobs)
    if n == 1:
        return [validate_policy(t, policy_type, resource_type, reasoning) for t in texts]
    _read_before_forking(reasoning)
    import multiprocessing
    fork = multiprocessing.get_context("fork")
    children = []
    for k in range(1, n):
        receive, send = fork.Pipe(duplex=False)
        child = fork.Process(target=_child, args=(send, texts[k::n], policy_type, resource_type, reasoning),
                             daemon=True)
        child.start()
        send.close()
        children.append((k, child, receive))
    out: list[list[Finding]] = [[] for _ in texts]
    out[0::n] = [validate_policy(t, policy_type, resource_type, reasoning) for t in texts[0::n]]
    for k, child, receive in children:
        try:
            status, got = receive.recv()
        except EOFError:
            status, got = "error", f"the process exited with code {child.exitcode}"
        child.join()
        if status != "ok":
            raise RuntimeError(f"a validation process failed: {got}")
        out[k::n] = [_unpack(packed, text) for packed, text in zip(got, texts[k::n], strict=True)]
    return out


def _read_before_forking(reasoning: bool) -> None:
    """What every process would otherwise read for itself, read once: the catalog's services (hundreds
    of policies name most of them) and, when the reasoning is on, the symbolic engine's modules."""
    from solvers.catalog import load_catalog
    catalog = load_catalog()
    for prefix in catalog.services:
        catalog.service(prefix)
    if reasoning:
        import solvers.symbolic.engine  # noqa: F401  (Z3 itself loads on a first question that needs it)


def _child(send: Connection, texts: Sequence[str], policy_type: str, resource_type: str | None,
           reasoning: bool) -> None:
    try:
        result: tuple[str, object] = ("ok", [[_pack(f) for f in validate_policy(t, policy_type, resource_type,
                                                                             reasoning)] for t in texts])
    except BaseException:  # noqa: BLE001 - handed to the parent, which raises it
        result = ("error", traceback.format_exc())
    send.send(result)
    send.close()


def _pack(f: Finding) -> Packed:
    return (f.finding_type, f.issue_code, f.details,
            tuple((loc.path, loc.span.start_offset, loc.span.end_offset) for loc in f.locations))


def _unpack(packed: list[Packed], text: str) -> list[Finding]:
    lines = LineIndex(text)
    return [Finding(kind, code, details, tuple(Location(path, Span(start, end, lines)) for path, start, end in where))
            for kind, code, details, where in packed]
