"""Open a report in Debian's headless Chromium through Playwright (the `dev` extra; `make setup` installs
the browser): the tests, `bench/report.py` and the README's screenshot all use it.

Playwright drives the system's /usr/bin/chromium; it never downloads a browser of its own. Every page
opened here records its console errors and every request it makes, so callers can check that the report
works offline and without errors.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field

CHROMIUM = os.environ.get("TRUSTMAP_CHROMIUM", "/usr/bin/chromium")
# no GPU, no network of the browser's own (updates, sync, QUIC probes), no first-run UI
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@dataclass
class PageLog:
    errors: list[str] = field(default_factory=list)  # console errors and uncaught exceptions
    requests: list[str] = field(default_factory=list)  # every URL the page asked for


@contextlib.contextmanager
def chromium(width: int = 1280, height: int = 900) -> Iterator:
    """A fresh headless Chromium (its own temporary profile); yields the Playwright browser context."""
    from playwright.sync_api import sync_playwright
    with tempfile.TemporaryDirectory(prefix="trustmap-chromium-") as profile, sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=FLAGS,
            viewport={"width": width, "height": height}, service_workers="block")
        try:
            yield context
        finally:
            context.close()


def watched_page(context) -> tuple:
    """A new page of `context` and the PageLog it fills."""
    page = context.new_page()
    log = PageLog()
    page.on("console", lambda m: log.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: log.errors.append(str(exc)))
    page.on("request", lambda r: log.requests.append(r.url))
    return page, log
