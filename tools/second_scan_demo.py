"""The demo scanned twice, for artifacts in every lifecycle status: a first scan; then one queue stops
granting the demo's partner account access (its finding becomes RESOLVED) and an archive rule archives
the partner's other findings (ARCHIVED); then a second scan into the same folder.

    PYTHONPATH=. .venv/bin/python tools/second_scan_demo.py [--out out/demo-second] [--accounts 12]

Then, for example: python3 ../shared/tools/shapes.py --venv .venv --demo-out out/demo-second
"""
from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

PARTNER = "999988887777"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default="out/demo-second")
    parser.add_argument("--accounts", type=int, default=12)
    args = parser.parse_args()
    from connectors.aws.session import SessionConfig, Sessions
    from connectors.demo.emulator import moto_server
    from connectors.demo.seed import seed_demo
    from pipeline.scan import run_scan
    from pipeline.scan_cli import demo_unused_overrides
    from pipeline.settings import load_settings
    for name, value in (("AWS_ACCESS_KEY_ID", "demo"), ("AWS_SECRET_ACCESS_KEY", "demo"),
                        ("AWS_DEFAULT_REGION", "us-east-1")):
        os.environ.setdefault(name, value)
    out = Path(args.out)
    with moto_server() as url, tempfile.TemporaryDirectory() as tmp:
        manifest = seed_demo(url, accounts=args.accounts)
        overrides = {"endpoint_url": url, "out": str(out), "regions": ",".join(manifest["regions"]),
                     "cloudtrail": f"s3://{manifest['cloudTrail']['bucket']}", **demo_unused_overrides(manifest)}
        run_scan(load_settings(None, overrides))
        queue = _revoke_partner_grant(Sessions(SessionConfig(endpoint_url=url)), manifest)
        rules = Path(tmp) / "archive.toml"
        rules.write_text('[[archive_rules]]\nname = "partner"\n'
                         f'filter = {{ "principal.AWS" = {{ eq = ["{PARTNER}"] }} }}\n')
        code, summary = run_scan(load_settings(str(rules), overrides))
    counts = summary["run"]["counts"]["findings"]
    print(f"{out}: exit {code}; revoked {queue}; active {counts['active']}, archived {counts['archived']}, "
          f"resolved {counts['resolved']}")


def _revoke_partner_grant(sessions, manifest: dict) -> str:
    """Point one partner-shared queue's grant at another account (through the member's own role)."""
    for resource in manifest["resources"]:
        arn = resource["resourceArn"]
        if not arn.startswith("arn:aws:sqs:"):
            continue
        _, _, _, region, account, name = arn.split(":")
        sqs = sessions.client(sessions.for_account(account), "sqs", region)
        url = sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]
        policy = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"]).get("Attributes", {}).get("Policy")
        if policy and PARTNER in policy:
            sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": policy.replace(PARTNER, "555555555555")})
            return arn
    raise SystemExit("the demo has no queue shared with the partner")


if __name__ == "__main__":
    main()
