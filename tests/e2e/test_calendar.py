"""The calendar in the browser: find this week's meeting, switch to the month, subscribe and
copy the feed URL; and the week as a day list on a phone."""

import datetime
import re
import zoneinfo

from playwright.sync_api import expect

from kehu.activities import services
from tests.e2e.helpers import login
from tests.factories import make_person, make_user

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def _today_at(user, hour: int) -> datetime.datetime:
    zone = zoneinfo.ZoneInfo(user.zone)
    today = datetime.datetime.now(zone).date()
    return datetime.datetime.combine(today, datetime.time(hour), tzinfo=zone)


def _plan(user):
    person = make_person(user, "张伟")
    start = _today_at(user, 10)
    services.log_activity(user, person, "meeting", {
        "subject": "季度回顾 Quarterly review", "at": start,
        "ends_at": start + datetime.timedelta(hours=1), "place": "会议室 A"})  # fmt: skip
    services.log_activity(user, person, "task", {
        "subject": "发报价 Send the quote", "due_at": _today_at(user, 16)})  # fmt: skip


def test_week_month_and_subscribe(new_page, site):
    user = make_user("lina")
    _plan(user)
    page = new_page(permissions=["clipboard-read", "clipboard-write"])
    login(page, "lina")
    page.locator("[data-nav]").get_by_role("link", name="Calendar").click()
    week = page.locator("[data-calendar-week]")
    expect(week.get_by_role("link", name=re.compile("季度回顾"))).to_be_visible()
    expect(week.get_by_role("link", name=re.compile("10:00–11:00"))).to_be_visible()
    expect(week.get_by_role("link", name=re.compile("发报价"))).to_be_visible()
    expect(page.locator("[data-calendar-list]")).to_be_hidden()

    page.get_by_role("link", name="Month", exact=True).click()
    month = page.locator("[data-calendar-month]")
    expect(month.get_by_role("link", name=re.compile("季度回顾"))).to_be_visible()

    page.get_by_role("link", name="Subscribe").click()
    page.get_by_role("button", name="Create my feed URL").click()
    url = page.locator("[data-feed-url]").inner_text()
    assert "/calendar/feed/" in url and url.endswith(".ics")
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == url

    path = "/" + url.split("://", 1)[1].split("/", 1)[1]
    feed = page.request.get(site + path)
    assert feed.status == 200 and feed.headers["content-type"].startswith("text/calendar")
    assert "季度回顾 Quarterly review" in feed.text()

    page.goto("/calendar/subscribe/")
    expect(page.locator("[data-feed-url]")).to_have_count(0)  # shown once
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Revoke").click()
    expect(page.get_by_text("You have no feed URL.")).to_be_visible()
    assert page.request.get(site + path).status == 404


def test_the_week_is_a_day_list_on_a_phone(new_page):
    user = make_user("lina")
    _plan(user)
    page = new_page(**PHONE)
    login(page, "lina")
    page.goto("/calendar/")
    expect(page.locator("[data-calendar-week]")).to_be_hidden()
    days = page.locator("[data-calendar-list]")
    expect(days).to_be_visible()
    meeting = days.get_by_role("link", name=re.compile("季度回顾"))
    expect(meeting).to_be_visible()
    expect(days.get_by_text("会议室 A")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    expect(page.get_by_role("link", name="Today")).to_be_visible()
    meeting.tap()
    expect(page).to_have_url(re.compile(r"/activities/\d+/$"))
