"""Command-line glue of `trustmap scan` and `trustmap demo`: settings, progress on stderr, summary."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def _progress_printer(enabled: bool):
    if not enabled:
        return None
    from rich.console import Console
    console = Console(stderr=True)
    counts = {"enumerated": 0, "analysed": 0}

    def progress(event: str, what) -> None:
        counts[event] += 1 if event == "enumerated" else int(what)
        if event == "enumerated":
            console.print(f"[dim]enumerated account {what} ({counts['enumerated']} so far)[/]", highlight=False)
    return progress


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
    table.add_row("coverage gaps", str(c["gaps"]))
    table.add_row("time", f"{run['timings']['totalSeconds']:.1f} s")
    console.print(table)
    for name, path in summary["artifacts"].items():
        console.print(f"{name:>9}: {path}", highlight=False)


def scan_command(config: str | None, overrides: dict, from_snapshot: str | None, fmt: str) -> int:
    from pipeline.scan import run_scan
    from pipeline.settings import load_settings
    settings = load_settings(config, overrides)
    if from_snapshot and not Path(from_snapshot).is_dir():
        from solvers.errors import InputError
        raise InputError(f"snapshot folder {from_snapshot} does not exist")
    code, summary = run_scan(settings, from_snapshot, _progress_printer(fmt != "json"))
    print_summary(summary, fmt)
    return code


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
                                        "regions": ",".join(manifest["regions"])})
        code, summary = run_scan(settings, None, _progress_printer(fmt != "json"))
    summary["artifacts"]["manifest"] = str(out_dir / "demo-manifest.json")
    print_summary(summary, fmt)
    return code
