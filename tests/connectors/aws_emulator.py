"""What the connector tests share: the emulator (moto's server as a subprocess, see
connectors/demo/emulator.py), fake credentials, and the size of the demo organization."""
from __future__ import annotations

import os

from connectors.demo.emulator import moto_server

# The acceptance size is 20 accounts x 2 Regions; a smaller organization can be asked for while
# iterating on one test.
DEMO_ACCOUNTS = int(os.environ.get("TRUSTMAP_TEST_DEMO_ACCOUNTS", "20"))
DEMO_REGIONS = ("us-east-1", "eu-west-1")
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                    "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "us-east-1"}

__all__ = ["DEMO_ACCOUNTS", "DEMO_REGIONS", "FAKE_CREDENTIALS", "moto_server"]
