"""Kehu on a phone-sized screen (390×844, an iPhone 12-14)."""

import re

from playwright.sync_api import expect

from tests.e2e.helpers import global_search, login
from tests.factories import make_person, make_user

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def test_people_list_is_usable_on_a_phone(new_page):
    page = new_page(**PHONE)
    user = make_user("lina")
    make_person(user, "欧阳娜娜", phone="13912345678", email="nana.ouyang@example.com")
    make_person(user, "张伟", title="销售经理")
    login(page, "lina")

    sidebar = page.locator("[data-nav]")
    expect(sidebar).to_be_hidden()
    page.get_by_role("button", name="Menu").click()
    expect(sidebar).to_be_visible()
    sidebar.get_by_role("link", name="People", exact=True).click()
    expect(page).to_have_url(re.compile(r"/people/$"))
    expect(sidebar).to_be_hidden()

    expect(page.get_by_role("link", name="欧阳娜娜")).to_be_in_viewport()
    expect(page.get_by_role("link", name="张伟")).to_be_visible()
    # the page itself never scrolls sideways (wide tables scroll inside their box)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    new_person = page.get_by_role("link", name="New person")
    expect(new_person).to_be_visible()
    global_search(page).fill("oynn")
    option = page.locator("#search-popup").get_by_role("option", name=re.compile("欧阳娜娜"))
    expect(option).to_be_in_viewport()
    option.tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("欧阳娜娜")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
