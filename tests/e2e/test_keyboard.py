"""Keyboard use that needs a browser: the skip link, the focus after a failed save, and the
time-zone picker's type-ahead (kehu/web/static/kehu/forms.js)."""

import re

from playwright.sync_api import expect

from kehu.accounts.models import User
from kehu.customers.models import Person
from tests.e2e.helpers import login
from tests.factories import make_user


def test_skip_link_error_focus_and_time_zone_type_ahead(page):
    make_user("lina")
    login(page, "lina")

    # the first Tab reaches "Skip to content", which takes the keyboard past the menus
    page.goto("/people/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main#content")).to_be_focused()

    # a failed save puts the focus on the first field with an error, which says so
    page.goto("/people/new/")
    page.get_by_label(re.compile(r"^Name")).fill("欧阳娜娜")
    phone = page.get_by_label(re.compile(r"^Phone"))
    phone.fill("not a phone")
    page.get_by_role("button", name="Create").click()
    expect(page.locator(".has-error .errorlist").first).to_be_visible()
    expect(phone).to_be_focused()
    expect(phone).to_have_attribute("aria-invalid", "true")
    described = phone.get_attribute("aria-describedby") or ""
    errors_id = page.locator(".has-error .errorlist").first.get_attribute("id")
    assert errors_id and errors_id in described.split()
    assert not Person.objects.exists()

    # the time-zone list narrows as one types; Enter goes to the list instead of saving
    page.goto("/profile/")
    finder = page.get_by_role("searchbox", name="Find a time zone (city or name)")
    zone = page.get_by_label("Time zone", exact=True)
    finder.fill("shanghai")
    expect(zone).to_have_value("Asia/Shanghai")
    finder.fill("los angeles")
    expect(zone).to_have_value("America/Los_Angeles")
    finder.press("Enter")
    expect(zone).to_be_focused()
    assert page.evaluate(
        "Array.from(document.querySelector('[data-zone-picker]').options)"
        ".filter((o) => !o.hidden).map((o) => o.value)"
    ) == ["America/Los_Angeles"]
    page.get_by_role("button", name="Save").first.click()
    expect(page.locator(".flash.success")).to_be_visible()
    assert User.objects.get(username="lina").time_zone == "America/Los_Angeles"
