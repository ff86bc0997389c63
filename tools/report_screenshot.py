"""The README's picture of the report: `python tools/report_screenshot.py out/demo docs/img/report.png`.

Opens OUT/report.html in the project's headless Chromium and saves the top of the page (overview and
the accounts x resource types matrix) as a PNG.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.report.browser import chromium, watched_page  # noqa: E402


def main(out: str, png: str, height: int = 1300) -> int:
    with chromium(width=1200, height=height) as context:
        page, log = watched_page(context)
        page.goto((Path(out) / "report.html").resolve().as_uri())
        page.wait_for_selector("html[data-ready]")
        Path(png).parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=png)
        if log.errors:
            sys.stderr.write(f"console errors: {log.errors}\n")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
