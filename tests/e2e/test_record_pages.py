"""Record pages in the browser: a call's follow-up lands in Focus, and Undo (by click or by
the "u" key) takes back a task marked done and a deal moved on the board."""

import re

from playwright.sync_api import expect

from kehu.activities.models import Activity
from kehu.sales.models import Deal
from tests.e2e.accessibility import serious_violations
from tests.e2e.helpers import drag, login
from tests.factories import make_deal, make_person, make_user, stage


def test_log_a_call_with_a_follow_up_tomorrow_then_done_and_undo(page, server_errors):
    user = make_user("lina")
    person = make_person(user, "欧阳娜娜")
    login(page, "lina")
    page.goto(person.get_absolute_url())
    panel = page.locator("#activity-panel")
    panel.get_by_role("tab", name="Call").click()
    form = panel.locator("form[data-kind=call]")
    form.get_by_label(re.compile("^Subject")).fill("询问报价")
    next_step = form.locator("[data-follow-up]")
    next_step.get_by_role("radio", name=re.compile("^Tomorrow")).check()
    expect(next_step.get_by_label("Follow-up task")).to_have_value("Follow up with 欧阳娜娜")
    form.get_by_role("button", name="Save call").click()

    focus = panel.locator("[data-focus]")
    task = focus.locator("li.activity.task")
    expect(task).to_contain_text("Follow up with 欧阳娜娜")
    expect(panel.locator("#timeline li.activity.call")).to_contain_text("询问报价")
    expect(page.locator("#messages")).to_contain_text("Follow-up “Follow up with 欧阳娜娜” is due")
    made = Activity.objects.get(kind="task")
    assert made.due_at is not None and made.done_at is None

    task.get_by_role("button", name="Mark as done").click()
    messages = page.locator("#messages")
    expect(messages).to_contain_text("is done.")
    expect(focus.locator("li.activity.task")).to_have_count(0)
    assert serious_violations(page) == []
    undo = messages.get_by_role("button", name="Undo")
    undo.focus()
    page.keyboard.press("Enter")  # the keyboard's way to it; no browser dialog on the way
    expect(page.locator("#messages")).to_contain_text("is open again.")
    expect(page.locator("[data-focus] li.activity.task")).to_contain_text("Follow up with")
    made.refresh_from_db()
    assert made.done_at is None
    assert not server_errors


def test_undo_a_board_move_with_the_u_key(page, server_errors):
    rep = make_user("lina")
    deal = make_deal(rep, "华为 2027 框架协议", amount="128000")
    login(page, "lina")
    page.goto("/deals/board/")
    proposal = page.locator(f'[data-stage="{stage("Proposal").pk}"]')
    drag(page, page.locator(f'[data-deal="{deal.pk}"]'), proposal.locator("[data-drop]"))
    messages = page.locator("#messages")
    expect(messages).to_contain_text("is now in Proposal")
    expect(messages.get_by_role("button", name="Undo")).to_be_visible()
    assert Deal.objects.get(pk=deal.pk).stage == stage("Proposal")
    page.locator("body").click(position={"x": 5, "y": 5})  # nothing typed into: "u" is free
    page.keyboard.press("u")
    expect(page.locator("#messages")).to_contain_text("is back in Qualification")
    qualification = page.locator(f'[data-stage="{stage("Qualification").pk}"]')
    expect(qualification.locator(f'[data-deal="{deal.pk}"]')).to_be_visible()
    assert Deal.objects.get(pk=deal.pk).stage == stage("Qualification")
    assert not server_errors
