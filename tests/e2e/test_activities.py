"""Activities in the browser: log a call on a person and find it on their company's timeline."""

import re

from playwright.sync_api import expect

from kehu.activities.models import Activity
from tests.e2e.helpers import login
from tests.factories import make_company, make_person, make_team, make_user


def test_a_call_logged_on_a_person_shows_on_the_company_timeline(page):
    user = make_user("lina", team=make_team("华东销售"))
    company = make_company(user, "青云科技")
    person = make_person(user, "欧阳娜娜", company=company.pk)
    login(page, "lina")
    page.goto(person.get_absolute_url())
    panel = page.locator("#activity-panel")
    panel.get_by_role("tab", name="Call").click()
    form = panel.locator("form[data-kind=call]")
    form.get_by_label(re.compile("^Subject")).fill("询问报价")
    form.get_by_label(re.compile("^Outcome")).select_option("connected")
    form.get_by_label(re.compile("^Duration")).fill("15")
    form.get_by_role("button", name="Save call").click()
    expect(panel.locator("li.activity.call")).to_contain_text("询问报价")
    expect(panel.locator("li.activity.call")).to_contain_text("15 minutes")
    assert Activity.objects.get().record == person

    page.goto(company.get_absolute_url())
    item = page.locator("#timeline li.activity.call")
    expect(item).to_contain_text("询问报价")
    expect(item.get_by_role("link", name="欧阳娜娜")).to_be_visible()
    page.locator("#timeline").get_by_role("link", name="Call").click()  # the kind filter
    expect(page.locator("#timeline li.audit")).to_have_count(0)
    expect(item).to_be_visible()


def test_the_n_shortcut_opens_quick_add_and_logs_a_task(page):
    user = make_user("lina")
    person = make_person(user, "张伟")
    login(page, "lina")
    page.goto("/")
    page.keyboard.press("n")
    expect(page).to_have_url(re.compile(r"/activities/add/"))
    page.get_by_label("Find the record").fill("zhangwei")
    page.get_by_role("link", name="张伟").click()
    page.get_by_label(re.compile("^Subject")).fill("寄样品")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(rf"/people/{person.pk}/"))
    # an open task is coming up: it is in Focus, above the history
    expect(page.locator("[data-focus] li.activity.task")).to_contain_text("寄样品")
