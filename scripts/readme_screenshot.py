"""Take the README's screenshot (docs/screenshot.png) from the demo, as a new user sees it.

    .venv/bin/python scripts/readme_screenshot.py [--page /people/] [--language en] [--user admin]
    # the README's dashboard:
    .venv/bin/python scripts/readme_screenshot.py --page / --user zhou.min --out docs/dashboard.png

Starts `kehu demo` on a free port with a throw-away data folder, signs in as a demo user
(the administrator unless told) in Debian's chromium (Playwright) at 1440×900 and saves the page.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_serving(url: str, server: subprocess.Popen, seconds: int = 300) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit("kehu demo stopped before serving")
        try:
            urllib.request.urlopen(url + "/login/", timeout=2)  # noqa: S310 (our own http URL)
            return
        except OSError:
            time.sleep(1)
    sys.exit("kehu demo did not start in time")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--page", default="/people/")
    parser.add_argument("--language", default="en")
    parser.add_argument("--user", default="admin", help="a demo user (password kehu-demo)")
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshot.png"))
    args = parser.parse_args()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEHU_")}
    env["KEHU_DATA_DIR"] = tempfile.mkdtemp(prefix="kehu-screenshot-")
    server = subprocess.Popen(
        [sys.executable, "-m", "kehu.cli", "demo", "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(url, server)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True
            )
            page = browser.new_page(
                viewport={"width": 1440, "height": 900}, locale=args.language,
                extra_http_headers={"Accept-Language": args.language},
            )  # fmt: skip
            page.goto(url + "/login/")
            page.fill("input[name=username]", args.user)
            page.fill("input[name=password]", "kehu-demo")
            page.click("button[type=submit]")
            page.wait_for_load_state()
            page.goto(url + args.page)
            # the first-run tour is for people, not for the screenshot
            page.keyboard.press("Escape")
            page.screenshot(path=args.out)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    print("saved", args.out)


if __name__ == "__main__":
    main()
