"""The scan's Ray: an embedded instance of this machine's own, on loopback only, or a cluster named by
`--address`; every way of failing to get one is a one-line usage error (exit 2) that says what to do.

Why each step:
- Embedded mode passes `address="local"`: a bare `ray.init()` joins whatever `RAY_ADDRESS` or Ray's
  temp folder (`ray_current_cluster`, left by `ray start`, even a dead one) names, and then refuses
  `num_cpus`.
- Ray 2.60 on Linux swaps 127.0.0.1 for the machine's routable address and binds its servers to every
  interface. Its own switch for loopback-only nodes (`RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0`) is read once,
  at import, by the driver and at start-up by every process Ray spawns; it is set for the start of the
  embedded instance only, so a later cluster connection in the same process is not affected.
- Token authentication (`RAY_AUTH_MODE=token` and the cluster's token) must agree between the driver
  and the cluster. When only the driver has a token, the cluster's workers cannot reach the objects the
  driver owns: every task would fail (and its resources become error findings), so a cluster connection
  is probed with one round trip before the scan starts.
"""
from __future__ import annotations

import contextlib
import logging
import os
import socket
from collections.abc import Iterator

from solvers.errors import InputError

LOOPBACK_ONLY = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"  # Ray's own name for "this node is not a cluster"
CONNECT_SECONDS = 5.0
PROBE_SECONDS = 60.0
TOKEN_HINT = ("with token auth every node, `ray job submit` and trustmap need RAY_AUTH_MODE=token and the "
              "cluster's token (RAY_AUTH_TOKEN, RAY_AUTH_TOKEN_PATH or ~/.ray/auth_token)")


def start_ray(address: str | None, cpus: int | None = None):
    """The `ray` module, initialised; and whether this call started it (then the caller shuts it down).
    `cpus`: the embedded instance's worker CPUs (default: every core)."""
    import ray
    if ray.is_initialized():
        return ray, False
    options: dict = {"include_dashboard": False, "logging_level": logging.WARNING, "log_to_driver": False}
    if not address:
        with _loopback_only():
            ray.init(address="local", num_cpus=cpus or os.cpu_count(), _node_ip_address="127.0.0.1", **options)
        return ray, True
    try:
        _check_reachable(address)
        ray.init(address=address, **options)
    except InputError:
        raise
    except Exception as exc:  # Ray raises ConnectionError, AuthenticationError, RuntimeError, ValueError here
        raise InputError(connection_error(address, exc)) from None
    try:
        _probe(ray)
    except BaseException:
        ray.shutdown()
        raise
    return ray, True


def connection_error(address: str, exc: BaseException) -> str:
    """One line for a failed connection: what Ray said, and what to check."""
    said = " ".join(str(exc).split())[:200]
    if address.startswith("ray://"):
        check = "Ray Client needs `pip install 'trustmap[cluster]'` (ray[default]) and the head's client port"
    elif "auth" in said.lower() or "token" in said.lower():
        check = TOKEN_HINT
    else:
        check = "check --address (host:port of the head's GCS, or auto on a node of the cluster) and " + TOKEN_HINT
    return f"cannot use the Ray cluster at {address} ({type(exc).__name__}: {said}): {check}"


def _check_reachable(address: str) -> None:
    """A TCP connection to the cluster's entry point first: Ray itself retries an unreachable GCS for
    minutes (20 attempts, each waiting for its own timeout) before it says so."""
    from ray._private.services import canonicalize_bootstrap_address_or_die
    target = address.removeprefix("ray://") if address.startswith("ray://") else \
        canonicalize_bootstrap_address_or_die(address)  # `auto`: RAY_ADDRESS or the recorded cluster
    host, _, port = target.rpartition(":")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_SECONDS).close()
    except (OSError, ValueError) as exc:
        raise InputError(connection_error(address, ConnectionError(f"{target}: {exc}"))) from None


def _probe(ray) -> None:
    """One task on the cluster that reads an object this driver owns: what every analysis task does."""
    def echo(value):
        return value

    sent = ray.put("trustmap-probe")
    try:
        got = ray.get(ray.remote(max_retries=0)(echo).remote(sent), timeout=PROBE_SECONDS)
    except Exception as exc:
        raise InputError(f"the Ray cluster's workers cannot reach this driver ({type(exc).__name__}): "
                         f"{TOKEN_HINT}; a driver with a token and a cluster without auth do not mix") from None
    if got != "trustmap-probe":
        raise InputError("the Ray cluster answered a probe with another value: is it running this trustmap?")


@contextlib.contextmanager
def _loopback_only() -> Iterator[None]:
    from ray._private import ray_constants  # the driver's copy of the switch, read when it was imported
    previous_env, previous_flag = os.environ.get(LOOPBACK_ONLY), ray_constants.ENABLE_RAY_CLUSTER
    os.environ[LOOPBACK_ONLY] = "0"
    ray_constants.ENABLE_RAY_CLUSTER = False
    try:
        yield
    finally:
        ray_constants.ENABLE_RAY_CLUSTER = previous_flag
        if previous_env is None:
            del os.environ[LOOPBACK_ONLY]
        else:
            os.environ[LOOPBACK_ONLY] = previous_env
