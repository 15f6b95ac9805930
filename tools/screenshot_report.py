#!/usr/bin/env python3
"""Screenshot of a `yak eval report` page: report.html opened offline in Debian's headless
chromium (as tests/e2e/web launches it, through Playwright's executable_path), written as a
full-page PNG. Fails when the page asks for anything but itself and its data: URIs, which
would mean it does not open offline.

Usage: tools/screenshot_report.py [REPORT_HTML] [-o OUT_PNG] [--width PX]
  REPORT_HTML   default eval-report/report.html
  -o OUT_PNG    default report.png beside the page
Environment: YAK_CHROMIUM, the browser (default /usr/bin/chromium).
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("page", nargs="?", default="eval-report/report.html")
    parser.add_argument("-o", "--out", help="the PNG to write (default: report.png beside it)")
    parser.add_argument("--width", type=int, default=1280, help="viewport width (default 1280)")
    args = parser.parse_args()

    page_path = Path(args.page).resolve()
    if not page_path.is_file():
        print(f"screenshot_report: no page at {page_path}", file=sys.stderr)
        return 1
    out = Path(args.out) if args.out else page_path.with_name("report.png")
    executable = os.environ.get("YAK_CHROMIUM", "/usr/bin/chromium")
    if not os.access(executable, os.X_OK):
        print(f"screenshot_report: no browser at {executable} (scripts/setup.sh installs "
              "Debian's chromium)", file=sys.stderr)
        return 1

    foreign: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, headless=True,
                                    args=["--no-sandbox", "--disable-gpu"])
        context = browser.new_context(viewport={"width": args.width, "height": 900},
                                      offline=True)
        page = context.new_page()
        page_url = page_path.as_uri()

        def note(request) -> None:
            if request.url != page_url and not request.url.startswith("data:"):
                foreign.append(request.url)

        page.on("request", note)
        page.goto(page_url, wait_until="load")
        broken = page.evaluate(
            "Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0)"
            ".map(i => i.alt)")
        page.screenshot(path=str(out), full_page=True)
        browser.close()
    if foreign:
        print("screenshot_report: the page asked for " + ", ".join(foreign), file=sys.stderr)
        return 1
    if broken:
        print("screenshot_report: images that did not load: " + ", ".join(broken),
              file=sys.stderr)
        return 1
    print(f"screenshot_report: wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
