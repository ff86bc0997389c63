"""Giving up on an endpoint that refuses every connection, instead of retrying it for minutes.

botocore retries a refused or timed-out connection like any transient error: up to `max_attempts` per
call, with back-off of up to 20 s, call after call. An emulator stopped halfway through `collect` kept it
silent for 265 s. An `EndpointBreaker`, installed on every client of one collection, watches every
attempt; once connections have failed for `give_up_after` seconds with nothing answering in between,
the attempt that notices and every later one raise `EndpointUnreachable`. No gap recorder catches it (it
is not an AWS or botocore error), so the collection stops and the command exits with one line.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError

from connectors.errors import ConnectorError

CONNECTION_ERRORS = (EndpointConnectionError, ConnectTimeoutError)


class EndpointUnreachable(ConnectorError):
    """Every connection to the endpoint failed for a while: nothing more can be read."""


class EndpointBreaker:
    """A client hook (`SessionConfig.client_hooks`) shared by the threads of one collection. Any answer
    from the endpoint, an AWS error included, proves it is up and resets the count."""

    def __init__(self, where: str, give_up_after: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.where = where
        self.give_up_after = give_up_after
        self._clock = clock
        self._lock = threading.Lock()
        self._failing_since: float | None = None
        self._failures = 0
        self.tripped: EndpointUnreachable | None = None

    def __call__(self, client: Any) -> None:
        client.meta.events.register("before-send", self._before_send)
        client.meta.events.register("response-received", self._received)

    def _before_send(self, **_: Any) -> None:
        if self.tripped is not None:
            raise self.tripped

    def _received(self, exception: BaseException | None = None, **_: Any) -> None:
        """Every attempt's outcome (botocore emits it before deciding on a retry, so raising here also
        skips the back-off sleep)."""
        with self._lock:
            if self.tripped is None:
                if not isinstance(exception, CONNECTION_ERRORS):
                    self._failing_since, self._failures = None, 0
                    return
                now = self._clock()
                if self._failing_since is None:
                    self._failing_since = now
                self._failures += 1
                if self._failures >= 2 and now - self._failing_since >= self.give_up_after:
                    self.tripped = EndpointUnreachable(
                        f"gave up: {self.where} refused every connection for {now - self._failing_since:.0f} s "
                        f"({self._failures} attempts; {exception})")
            tripped = self.tripped
        if tripped is not None:
            raise tripped
