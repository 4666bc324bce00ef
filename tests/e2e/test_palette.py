"""The command palette in the browser: Ctrl+K opens it, typing finds a record, arrows and
Enter open it; an action opens its form; "?" lists the shortcuts; it fits a phone."""

import re

from playwright.sync_api import expect

from tests.e2e.helpers import login
from tests.factories import make_company, make_person, make_team, make_user


def test_ctrl_k_finds_a_record_and_enter_opens_it(page):
    rep = make_user("lina", team=make_team("华东销售"))
    make_company(rep, "上海星辰科技")
    person = make_person(rep, "欧阳娜娜")
    login(page, "lina")

    page.keyboard.press("Control+k")
    palette = page.get_by_role("dialog", name="Command palette")
    expect(palette).to_be_visible()
    box = palette.get_by_role("combobox")
    expect(box).to_be_focused()
    expect(palette.get_by_role("option", name="New person")).to_be_visible()

    box.fill("oynn")
    option = palette.get_by_role("option", name=re.compile("欧阳娜娜"))
    expect(option).to_have_attribute("aria-selected", "true")  # the best match is chosen
    expect(box).to_have_attribute("aria-activedescendant", re.compile(r"palette-person-\d+"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/people/{person.pk}/$"))

    # initials from the middle of a name; the arrow keys move the choice
    page.keyboard.press("Control+k")
    box.fill("xckj")
    expect(palette.get_by_role("option", name=re.compile("上海星辰科技"))).to_be_visible()
    page.keyboard.press("Escape")
    expect(palette).to_be_hidden()


def test_an_action_opens_its_form_and_question_mark_lists_shortcuts(page):
    make_user("lina", team=make_team("华东销售"))
    login(page, "lina")
    page.get_by_role("button", name="Command palette").click()  # the button, for touch
    box = page.get_by_role("combobox")
    box.fill("log a call")
    call = page.get_by_role("option", name="Log a call")
    expect(call).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    expect(call).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/activities/add/\?kind=call$"))

    page.locator("body").click()
    page.keyboard.press("?")
    shortcuts = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(shortcuts).to_be_visible()
    expect(shortcuts).to_contain_text("Ctrl")
    page.keyboard.press("Escape")
    expect(shortcuts).to_be_hidden()


def test_the_palette_fits_a_phone(new_page):
    make_user("lina", team=make_team("华东销售"))
    page = new_page(viewport={"width": 390, "height": 844})
    login(page, "lina")
    page.get_by_role("button", name="Command palette").click()
    page.get_by_role("combobox").fill("new")
    expect(page.get_by_role("option", name="New deal")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    box = page.get_by_role("dialog", name="Command palette").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
