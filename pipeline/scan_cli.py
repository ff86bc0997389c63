"""Command-line glue of `trustmap scan` and `trustmap demo`: settings, progress on stderr, summary."""
from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path


class _Progress:
    """Progress bars on stderr: accounts enumerated, resources analysed (a context manager)."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
        self._bars = Progress(TextColumn("{task.description:>22}"), BarColumn(), MofNCompleteColumn(),
                              TimeElapsedColumn(), console=Console(stderr=True), transient=False)
        self._tasks: dict = {}  # label -> rich TaskID

    def __enter__(self) -> _Progress:
        self._bars.start()
        return self

    def __exit__(self, *exc) -> None:
        self._bars.stop()

    def __call__(self, event: str, amount: int = 1, total: int | None = None) -> None:
        label = {"enumerated": "accounts enumerated", "analysed": "distinct analyses"}[event]
        if label not in self._tasks:
            self._tasks[label] = self._bars.add_task(label, total=None)
        if total is not None:
            self._bars.update(self._tasks[label], total=total)
        self._bars.advance(self._tasks[label], amount)


def _progress(enabled: bool):
    return _Progress() if enabled else contextlib.nullcontext(None)


def print_summary(summary: dict, fmt: str) -> None:
    if fmt == "json":
        sys.stdout.write(json.dumps(summary) + "\n")
        return
    from rich.console import Console
    from rich.table import Table
    run = summary["run"]
    console = Console(stderr=True)
    c = run["counts"]
    table = Table("measure", "value", title="trustmap scan")
    table.add_row("accounts", str(len(run["accounts"])))
    table.add_row("Regions", ", ".join(run["regions"]))
    table.add_row("zone of trust", f"{run['zone']['type']} {run['zone']['organizationId'] or ''}")
    table.add_row("resources (distinct analyses)", f"{c['resources']} ({c['distinctAnalyses']})")
    f = c["findings"]
    table.add_row("findings active / archived / resolved", f"{f['active']} / {f['archived']} / {f['resolved']}")
    table.add_row("public findings", str(f["public"]))
    table.add_row("error findings", str(f["errors"]))
    if run.get("unused"):
        u = run["unused"]
        table.add_row("unused access (as of, days)", f"{u['asOf']}, {u['trackingDays']}")
        table.add_row("principals judged / seen", f"{u['judged']} / {u['principals']}")
        table.add_row("unused roles / keys / passwords / permissions",
                      " / ".join(str(u["findings"][t]) for t in ("UnusedIAMRole", "UnusedIAMUserAccessKey",
                                                                 "UnusedIAMUserPassword", "UnusedPermission")))
    if run.get("internalAccess"):
        i = run["internalAccess"]
        table.add_row(f"internal access ({i['zone']}): resources / findings / errors",
                      f"{i['resources']} / {i['findings']} / {i['errors']}")
    table.add_row("coverage gaps", str(c["gaps"]))
    table.add_row("time", f"{run['timings']['totalSeconds']:.1f} s")
    console.print(table)
    for name, path in summary["artifacts"].items():
        console.print(f"{name:>9}: {path}", highlight=False)


@contextlib.contextmanager
def _stdout_kept_for_output() -> Iterator[None]:
    """While the scan runs, file descriptor 1 is stderr: Ray's core, its retry and node messages and the
    processes it spawns write there, so stdout carries only the command's output (`--format json`)."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


RAY_JOB_ENV = "RAY_JOB_CONFIG_JSON_ENV_VAR"  # set by Ray's job supervisor for a submitted entrypoint


def absolute_paths(settings, from_snapshot: str | None):
    """`--out` and `--from-snapshot` made absolute before anything runs (Ray may replace the working
    directory under a job). Under `ray job submit` the working directory is Ray's temporary copy of the
    upload: a relative `--out` would put the artifacts and the lifecycle state where no later run finds
    them, so it is refused."""
    from dataclasses import replace

    from solvers.errors import InputError
    if RAY_JOB_ENV in os.environ and not settings.out.is_absolute():
        raise InputError(f"--out {settings.out} is relative, and under `ray job submit` the working directory is "
                         "Ray's temporary copy of the upload: give an absolute path on storage every run can "
                         "reach (e.g. --out /shared/trustmap/out), or the lifecycle state is lost")
    snapshot = str(Path(from_snapshot).absolute()) if from_snapshot else None
    if snapshot and not Path(snapshot).is_dir():
        raise InputError(f"snapshot folder {from_snapshot} does not exist")
    return replace(settings, out=settings.out.absolute()), snapshot


def scan_command(config: str | None, overrides: dict, from_snapshot: str | None, fmt: str) -> int:
    from pipeline.scan import run_scan
    from pipeline.settings import load_settings
    settings, from_snapshot = absolute_paths(load_settings(config, overrides), from_snapshot)
    with _stdout_kept_for_output(), _progress(fmt != "json") as progress:
        code, summary = run_scan(settings, from_snapshot, progress)
    print_summary(summary, fmt)
    return code


def demo_unused_overrides(manifest: dict) -> dict:
    """The demo judges unused access as of its manifest's instant (see connectors.demo.unused); the
    emulator has no IAM last-accessed API, so the evidence is the credentials' last use and CloudTrail."""
    unused = manifest["unusedAccess"]
    return {"unused_as_of": unused["asOf"], "unused_tracking_days": unused["trackingDays"],
            "unused_last_accessed": False, "unused_exclude_tags": unused["excludeTags"]}


def demo_command(out: str, accounts: int, fmt: str) -> int:
    """A local emulator, a seeded demo organization, the real scan against it; then the emulator stops."""
    from rich.console import Console

    from connectors.demo.emulator import moto_server
    from connectors.demo.seed import seed_demo
    from pipeline.scan import run_scan
    from pipeline.settings import load_settings
    console = Console(stderr=True)
    out_dir = Path(out)
    # the emulator accepts any credentials; the scan's sessions (and Ray's workers) read them from here
    for name, value in (("AWS_ACCESS_KEY_ID", "demo"), ("AWS_SECRET_ACCESS_KEY", "demo"),
                        ("AWS_DEFAULT_REGION", "us-east-1")):
        os.environ.setdefault(name, value)
    with moto_server() as url:
        console.print(f"local AWS emulator at {url}; seeding {accounts} accounts ...", highlight=False)
        manifest = seed_demo(url, accounts=accounts, manifest_path=out_dir / "demo-manifest.json")
        settings = load_settings(None, {"endpoint_url": url, "out": str(out_dir),
                                        "regions": ",".join(manifest["regions"]),
                                        "cloudtrail": f"s3://{manifest['cloudTrail']['bucket']}",
                                        "internal_access": manifest["internalAccess"]["settings"],
                                        **demo_unused_overrides(manifest)})
        with _stdout_kept_for_output(), _progress(fmt != "json") as progress:
            code, summary = run_scan(settings, None, progress)
    summary["artifacts"]["manifest"] = str(out_dir / "demo-manifest.json")
    print_summary(summary, fmt)
    return code
