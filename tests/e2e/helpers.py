"""What a person does in the browser again and again: open a page, log in."""

import re

from playwright.sync_api import Page, expect

from tests.factories import PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 10_000


def login(page: Page, username: str, password: str = PASSWORD) -> None:
    """Log in through the login form and wait until the browser has left it."""
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page).not_to_have_url(re.compile(r"/login/"))


def submit_login(page: Page, username: str, password: str) -> None:
    """Fill and send the login form without expecting it to succeed."""
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def global_search(page: Page):
    """The search box at the top of every page."""
    return page.get_by_role("search").get_by_role("searchbox", name="Search")


def drag(page: Page, source, target) -> None:
    """Drag `source` onto `target` with the mouse the way a hand does (press, several moves,
    release): SortableJS follows pointer moves, which `drag_to`'s single jump skips."""
    start, end = source.bounding_box(), target.bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    x, y = end["x"] + end["width"] / 2, end["y"] + end["height"] / 2
    page.mouse.move(x, y, steps=15)
    page.wait_for_timeout(100)
    page.mouse.move(x + 1, y + 1)
    page.mouse.up()
