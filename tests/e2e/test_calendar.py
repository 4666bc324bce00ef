"""The calendar in the browser (FullCalendar): plan a meeting by clicking a free slot, move it
by dragging, a rep cannot see or move another rep's meeting, a manager overlays a teammate's
calendar, subscribe and copy the feed URL, the day view on a phone; axe-core finds no serious
problem on it at desktop and phone sizes."""

import datetime
import re
import zoneinfo

from playwright.sync_api import expect

from kehu.activities import services
from kehu.activities.models import Activity
from tests.e2e.accessibility import serious_violations
from tests.e2e.helpers import login
from tests.factories import make_person, make_team, make_user

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1440, "height": 900}}


def _today_at(user, hour: int) -> datetime.datetime:
    zone = zoneinfo.ZoneInfo(user.zone)
    today = datetime.datetime.now(zone).date()
    return datetime.datetime.combine(today, datetime.time(hour), tzinfo=zone)


def _meeting(user, person, hour=10, subject="季度回顾 Quarterly review"):
    start = _today_at(user, hour)
    return services.log_activity(user, person, "meeting", {
        "subject": subject, "at": start,
        "ends_at": start + datetime.timedelta(hours=1), "place": "会议室 A"})  # fmt: skip


def _slot(page, hour: int):
    """Today's column at `hour` in the week or day view (the middle of the half hour)."""
    today = page.locator(".fc-timegrid-col.fc-day-today")
    row = page.locator(f'.fc-timegrid-slot-lane[data-time="{hour:02d}:00:00"]')
    col, lane = today.bounding_box(), row.bounding_box()
    return col["x"] + col["width"] / 2, lane["y"] + lane["height"] / 2


def test_plan_by_clicking_a_slot_then_move_by_dragging(new_page, server_errors):
    user = make_user("lina")
    make_person(user, "张伟")
    page = new_page(**DESKTOP)
    login(page, "lina")
    page.locator("[data-nav]").get_by_role("link", name="Calendar").click()
    expect(page.locator(".fc-timeGridWeek-view")).to_be_visible()
    assert serious_violations(page) == []

    page.mouse.click(*_slot(page, 14))
    dialog = page.get_by_role("dialog", name="Plan a meeting or task")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Starts")).to_have_value(re.compile(r"T14:00$"))
    dialog.get_by_role("button", name="Save").click()  # nothing chosen: errors, nothing saved
    expect(dialog.get_by_text("Choose who it is about.")).to_be_visible()
    assert not Activity.objects.exists()

    dialog.get_by_label("Subject").fill("拜访张伟 Visit")
    dialog.get_by_label("Who is it about?").fill("张伟")
    expect(dialog.get_by_role("radio", name=re.compile("张伟"))).to_be_checked()
    page.keyboard.press("Enter")  # the keyboard is enough
    expect(dialog).to_be_hidden()
    event = page.locator(".fc-event", has_text="拜访张伟 Visit")
    expect(event).to_be_visible()
    planned = Activity.objects.get()
    assert planned.kind == "meeting" and planned.owner == user
    local = planned.at.astimezone(zoneinfo.ZoneInfo(user.zone))
    assert (local.hour, local.minute) == (14, 0)
    assert planned.ends_at - planned.at == datetime.timedelta(minutes=30)

    box = event.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 5)
    page.mouse.down()
    target = _slot(page, 16)
    page.mouse.move(target[0], target[1] - 10, steps=12)
    page.mouse.move(target[0], target[1] - 8, steps=2)
    with page.expect_response(re.compile(r"/move/$")) as moved:
        page.mouse.up()
    assert moved.value.status == 200
    expect(page.locator(".fc-event", has_text="拜访张伟 Visit")).to_contain_text("16:00")
    planned.refresh_from_db()
    assert planned.at.astimezone(zoneinfo.ZoneInfo(user.zone)).hour == 16
    assert planned.version == 2
    assert not server_errors


def test_a_rep_cannot_see_or_move_another_reps_meeting_but_their_manager_sees_both(new_page):
    team = make_team("华东")
    rep = make_user("lina", team=team)
    other = make_user("wang", team=team)
    make_user("boss", role="Manager", team=team)
    _meeting(rep, make_person(rep, "张伟"), 10, "我的会 Mine")
    theirs = _meeting(other, make_person(other, "李娜"), 13, "别人的会 Theirs")

    page = new_page(**DESKTOP)
    login(page, "lina")
    page.goto(f"/calendar/?owner={other.pk}")  # not theirs to open: their own calendar instead
    expect(page.locator(".fc-event", has_text="我的会")).to_be_visible()
    expect(page.locator(".fc-event", has_text="别人的会")).to_have_count(0)
    moved = page.request.post(
        f"/calendar/events/{theirs.pk}/move/",
        form={"start": "2030-01-01T09:00", "end": "2030-01-01T10:00", "version": "1"},
        headers={"X-CSRFToken": _csrf(page)},
    )
    assert moved.status == 404
    theirs.refresh_from_db()
    assert theirs.version == 1

    boss = new_page(**DESKTOP)
    login(boss, "boss")
    boss.goto("/calendar/")
    boss.locator("[data-calendar-owners] summary").click()
    boss.get_by_role("checkbox", name="lina").check()
    boss.get_by_role("checkbox", name="wang").check()
    boss.get_by_role("checkbox", name="boss").uncheck()
    boss.get_by_role("button", name="Show").click()
    expect(boss.locator(".fc-event.cal-owner-0", has_text="我的会")).to_be_visible()
    expect(boss.locator(".fc-event.cal-owner-1", has_text="别人的会")).to_be_visible()
    assert serious_violations(boss) == []
    boss.locator("[data-calendar-owners] summary").click()
    boss.get_by_role("checkbox", name="Side by side").check()
    boss.get_by_role("button", name="Show").click()
    expect(boss.locator(".cal-board")).to_have_count(2)
    expect(
        boss.locator(".cal-board").nth(1).locator(".fc-event", has_text="别人的会")
    ).to_be_visible()


def _csrf(page) -> str:
    return next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")


def test_subscribe_and_copy_the_feed_url(new_page, site):
    user = make_user("lina")
    _meeting(user, make_person(user, "张伟"))
    page = new_page(permissions=["clipboard-read", "clipboard-write"])
    login(page, "lina")
    page.goto("/calendar/")
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
    page.get_by_role("button", name="Revoke").click()
    page.get_by_role("dialog").get_by_role("button", name="Revoke").click()  # in-page confirm
    expect(page.get_by_text("You have no feed URL.")).to_be_visible()
    assert page.request.get(site + path).status == 404


def test_a_phone_opens_on_the_day_in_chinese(new_page):
    user = make_user("lina")
    user.language = "zh-hans"
    user.save()
    _meeting(user, make_person(user, "张伟"))
    page = new_page(**PHONE)
    login(page, "lina")
    page.goto("/calendar/")
    expect(page.locator(".fc-timeGridDay-view")).to_be_visible()
    meeting = page.locator(".fc-event", has_text="季度回顾")
    expect(meeting).to_be_visible()
    expect(page.get_by_role("button", name="今天")).to_be_visible()  # FullCalendar's zh-cn
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert serious_violations(page) == []
    # the form opens for the next full hour on the user's clock, and Esc closes it
    page.get_by_role("button", name="安排会议或任务").click()
    dialog = page.get_by_role("dialog", name="安排会议或任务")
    later = datetime.datetime.now(zoneinfo.ZoneInfo(user.zone)) + datetime.timedelta(hours=1)
    expect(dialog.get_by_label("开始")).to_have_value(later.strftime("%Y-%m-%dT%H:00"))
    assert serious_violations(page) == []
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    meeting.tap()
    expect(page).to_have_url(re.compile(r"/activities/\d+/$"))
