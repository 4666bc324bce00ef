"""Choosing a list's columns and saving it as a view, as a person does it in the browser."""

import re

from playwright.sync_api import expect

from kehu.core.models import SavedView
from tests.e2e.accessibility import serious_violations
from tests.e2e.helpers import login
from tests.factories import make_person, make_team, make_user


def test_choose_columns_then_save_and_reopen_a_view(page):
    user = make_user("lina", role="Manager", team=make_team("华东销售"))
    make_person(user, "上海王芳", city="上海", email="wf@example.com")
    make_person(user, "北京李娜", city="北京", email="ln@example.com")
    login(page, "lina")
    page.goto("/people/")
    table = page.locator("table.list")
    expect(table.locator("th:not(.select)")).to_have_count(8)

    # show City, first after the name; hide Phone
    page.get_by_text("Columns", exact=True).click()
    page.get_by_role("checkbox", name="City").check()
    page.get_by_role("checkbox", name="Phone").uncheck()
    page.get_by_role("spinbutton", name="Position of City").fill("1")
    page.get_by_role("button", name="Show these columns").click()
    expect(table.locator("th:not(.select)").nth(1)).to_have_text("City")
    expect(table.locator("th", has_text="Phone")).to_have_count(0)

    # filter to 上海 by a saved view made from the URL's filters, shared with the team
    page.goto("/people/?owner=me")
    page.get_by_text("Views", exact=True).click()
    page.get_by_label("Save these filters as a view").fill("我的客户")
    page.get_by_role("checkbox", name="Share with my team").check()
    page.get_by_role("button", name="Save view").click()
    expect(page).to_have_url(re.compile(r"/people/\?view=\d+$"))
    expect(page.get_by_text("View: 我的客户")).to_be_visible()
    expect(table).to_contain_text("上海王芳")
    view = SavedView.objects.get(name="我的客户")
    assert view.team_id == user.team_id and view.columns[1] == "city"
    assert serious_violations(page) == []

    # the menu lists it; "All records" leaves it
    page.get_by_text("View: 我的客户").click()
    page.get_by_role("link", name="All records").click()
    expect(page.get_by_text("Views", exact=True)).to_be_visible()
    page.get_by_text("Views", exact=True).click()
    page.get_by_role("link", name="我的客户").click()
    expect(page.get_by_text("View: 我的客户")).to_be_visible()
