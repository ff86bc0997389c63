"""Benchmark of the AWS connectors against the local emulator (second line of `make bench`).

Seeds a demo organization into moto's server (subprocess on 127.0.0.1), then enumerates it through
assume-role with 1 and with 8 accounts in flight. Prints resources enumerated per second for each, their
ratio, and API calls per resource. Not a test: it prints and exits 0.

Two lines: the emulator as it is (one Python process answering every account in ~20 ms a request, so
it, not the connectors, bounds the rate), and with `--latency-ms` (default 50) added before every
request, a stand-in for AWS's network round trip, which accounts in flight overlap.

Usage: .venv/bin/python bench/connectors.py [--accounts N] [--regions R,R] [--latency-ms MS] [--json PATH]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from connectors.aws.collect import Selection, collect  # noqa: E402
from connectors.aws.session import SessionConfig  # noqa: E402
from connectors.demo.emulator import moto_server  # noqa: E402
from connectors.demo.seed import seed_demo  # noqa: E402

FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                    "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "us-east-1",
                    "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull}


def added_latency(seconds: float):
    """A client hook: wait before every request is sent (retries included)."""
    def hook(client) -> None:
        def wait(**_) -> None:
            time.sleep(seconds)
        client.meta.events.register("before-send", wait)
    return hook


def measure(config: SessionConfig, regions: tuple[str, ...]) -> dict:
    rows = {}
    for in_flight in (1, 8):
        started = time.perf_counter()
        collection = collect(config, Selection(regions=regions), accounts_in_flight=in_flight)
        seconds = time.perf_counter() - started
        resources = sum(len(s.resources) for s in collection.scopes)
        rows[in_flight] = {"resources": resources, "seconds": round(seconds, 2),
                           "resources_per_s": round(resources / seconds, 1),
                           "api_calls": collection.api_calls(), "gaps": len(collection.gaps())}
    one, eight = rows[1], rows[8]
    return {"in_flight_1": one, "in_flight_8": eight,
            "ratio_8_vs_1": round(eight["resources_per_s"] / one["resources_per_s"], 2),
            "api_calls_per_resource": round(eight["api_calls"] / eight["resources"], 2)}


def run(accounts: int, regions: tuple[str, ...], latency_ms: float) -> dict:
    os.environ.update(FAKE_CREDENTIALS)  # never a real account
    os.environ.pop("AWS_PROFILE", None)
    with moto_server() as url:
        started = time.perf_counter()
        manifest = seed_demo(url, accounts=accounts, regions=regions)
        seeded_s = time.perf_counter() - started
        config = SessionConfig(endpoint_url=url)
        emulator = measure(config, regions)
        latency = measure(replace(config, client_hooks=(added_latency(latency_ms / 1000),)), regions)
    return {"accounts": accounts, "regions": list(regions), "seeded_resources": len(manifest["resources"]),
            "seed_seconds": round(seeded_s, 1), "emulator": emulator, "latency_ms": latency_ms,
            "with_latency": latency}


def line(label: str, result: dict, row: dict) -> str:
    one, eight = row["in_flight_1"], row["in_flight_8"]
    return (f"connectors, {label} ({result['accounts']} accounts x {len(result['regions'])} Regions, "
            f"{eight['resources']} resources): 1 account in flight {one['resources_per_s']} resources/s, "
            f"8 in flight {eight['resources_per_s']} resources/s (x{row['ratio_8_vs_1']}); "
            f"{row['api_calls_per_resource']} API calls per resource; gaps {eight['gaps']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=16)
    parser.add_argument("--regions", default="us-east-1,eu-west-1")
    parser.add_argument("--latency-ms", type=float, default=50.0, help="latency added before each request")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    result = run(args.accounts, tuple(r for r in args.regions.split(",") if r), args.latency_ms)
    print(line("moto server as is", result, result["emulator"]))
    print(line(f"+{args.latency_ms:g} ms a request", result, result["with_latency"]))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
