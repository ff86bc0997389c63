"""Benchmark of the AWS connectors against the local emulator (second line of `make bench`).

Seeds a demo organization into moto's server (subprocess on 127.0.0.1), then enumerates it twice through
assume-role: with 1 and with 8 accounts in flight. Prints resources enumerated per second for each, their
ratio, and API calls per resource. Not a test: it prints and exits 0.

Usage: .venv/bin/python bench/connectors.py [--accounts N] [--regions R,R] [--json PATH]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
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


def run(accounts: int, regions: tuple[str, ...]) -> dict:
    os.environ.update(FAKE_CREDENTIALS)  # never a real account
    os.environ.pop("AWS_PROFILE", None)
    with moto_server() as url:
        started = time.perf_counter()
        manifest = seed_demo(url, accounts=accounts, regions=regions)
        seeded_s = time.perf_counter() - started
        config = SessionConfig(endpoint_url=url)
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
    return {"accounts": accounts, "regions": list(regions), "seeded_resources": len(manifest["resources"]),
            "seed_seconds": round(seeded_s, 1), "in_flight_1": one, "in_flight_8": eight,
            "ratio_8_vs_1": round(eight["resources_per_s"] / one["resources_per_s"], 2),
            "api_calls_per_resource": round(eight["api_calls"] / eight["resources"], 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=16)
    parser.add_argument("--regions", default="us-east-1,eu-west-1")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    result = run(args.accounts, tuple(r for r in args.regions.split(",") if r))
    one, eight = result["in_flight_1"], result["in_flight_8"]
    print(f"connectors (moto server, {result['accounts']} accounts x {len(result['regions'])} Regions, "
          f"{eight['resources']} resources): 1 account in flight {one['resources_per_s']} resources/s, "
          f"8 in flight {eight['resources_per_s']} resources/s (x{result['ratio_8_vs_1']}); "
          f"{result['api_calls_per_resource']} API calls per resource; gaps {eight['gaps']}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
