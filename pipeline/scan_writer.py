"""The scan's artifact writer, in a second process while the driver validates the collected policies.

Once the analysis is over the Ray workers' cores are idle: a second (spawned) process writes
findings.json, OCSF, ASFF, run.json and the lifecycle state, and drafts the HTML report's findings
part, while the driver validates. Only what needs validation's answers is left for after it: the
report's choice of policies and the page itself. The steps are one generator (`writer_steps`), run in
that process, or in the driver itself on a one-core machine; the driver sees the same `send` /
`receive` either way. The process is started before the job is ready (its interpreter starts while
the driver aggregates the findings).

Steps, each answered once: `send(job)` (a `WriterJob`) → the findings artifacts' paths; `send(marks)`
(each validated policy's marks, `report.model.policy_marks`) → None; `send(None)`, once run.json and the
history are final → the report's path (the generator's return value), and the process ends.
"""
from __future__ import annotations

import contextlib
import os
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class WriterJob:
    out: Path
    findings: list[dict]  # the lifecycle's findings (status and stamps set)
    run: dict  # run.json as known before writing
    product_version: str
    region: str  # the home Region (ASFF, OCSF)
    first_account: str | None
    entries: list[tuple]  # every collected policy, as `report.model.policy_entries` gives validation.json's
    finished: str  # the run's instant: what this run changed


def writer_steps(job: WriterJob) -> Generator[object, Any, Path]:
    from pipeline.artifacts import finding_v2, write_artifacts
    from pipeline.report.model import ReportDraft
    from pipeline.report.render import write_report
    from solvers.catalog import gc_paused
    with gc_paused():  # acyclic documents: the collector's passes would only walk them again
        findings_v2 = [finding_v2(f) for f in job.findings]
        paths = write_artifacts(job.out, job.findings, job.run, job.product_version, job.region,
                                job.first_account, findings_v2)
        draft = ReportDraft(findings_v2, job.finished, job.entries)
        draft.parse_all()
    marks = yield paths
    with gc_paused():
        part = draft.finish(job.out, marks)
    yield None
    return write_report(job.out, part)


class _Inline:
    """The steps run in the calling process, one at each `send`."""

    def __init__(self) -> None:
        self._steps: Generator[object, Any, Path] | None = None
        self._reply: object = None

    def send(self, value) -> None:
        if self._steps is None:
            self._steps = writer_steps(value)
            self._reply = next(self._steps)
        else:
            try:
                self._reply = self._steps.send(value)
            except StopIteration as last:
                self._reply = last.value

    def receive(self):
        return self._reply


def _serve(conn) -> None:
    """The second process: the job, then each step's answer sent back, or what it raised."""
    try:
        # imported while the driver still aggregates the findings, not once the job is here
        import pipeline.artifacts
        import pipeline.report.model
        import pipeline.report.render  # noqa: F401
        try:
            job = conn.recv()
        except EOFError:  # the driver stopped before it had a job for us
            return
        steps = writer_steps(job)
        _reply(conn, True, next(steps))
        while True:
            try:
                value = conn.recv()
            except EOFError:  # the driver is done with us (or gone)
                return
            try:
                _reply(conn, True, steps.send(value))
            except StopIteration as last:
                _reply(conn, True, last.value)
                break
        # done, every file closed: the heap need not be torn down object by object (a few tenths of a
        # second at 1,000 accounts, which the driver would wait for)
        conn.close()
        os._exit(0)
    except BaseException as exc:  # noqa: BLE001 - re-raised in the driver
        try:
            _reply(conn, False, exc)
        except Exception:  # noqa: BLE001 - an exception pickle cannot carry travels as its text
            _reply(conn, False, RuntimeError(f"artifact writer: {exc!r}"))


def _reply(conn, ok: bool, value) -> None:
    try:
        conn.send((ok, value))
    except (BrokenPipeError, ConnectionResetError):
        pass  # the driver stopped listening (it raised): nobody to tell


class _Apart:
    def __init__(self) -> None:
        import multiprocessing
        # spawn, not fork: the driver has Ray's and gRPC's threads, which a forked child would inherit mid-state
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child,), name="trustmap-writer", daemon=True)
        self._process.start()
        child.close()

    def send(self, value) -> None:
        self._conn.send(value)

    def receive(self):
        try:
            ok, reply = self._conn.recv()
        except EOFError:
            self._process.join(5)
            raise RuntimeError(f"the artifact writer process stopped (exit code {self._process.exitcode})") from None
        if not ok:
            raise reply
        return reply

    def close(self) -> None:
        self._conn.close()
        self._process.join(30)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()


@contextlib.contextmanager
def artifact_writer() -> Iterator[_Inline | _Apart]:
    """A writer, apart when the machine has a second core for it; its first `send` is the job."""
    if (os.cpu_count() or 1) < 2:
        yield _Inline()
        return
    writer = _Apart()
    try:
        yield writer
    finally:
        writer.close()
