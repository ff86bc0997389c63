"""`ray start` for a second node on 127.0.0.1 (tests only): Ray 2.60 replaces a loopback
--node-ip-address with the machine's routable address, and its loopback switch refuses worker nodes."""
import sys

import ray._private.services as services

services.resolve_ip_for_localhost = lambda host: host

from ray.scripts.scripts import main  # noqa: E402

sys.argv[0] = "ray"
sys.exit(main())
