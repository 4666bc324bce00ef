"""An agent works their team's queue in a browser: takes a ticket by answering it with a macro,
sees its SLA clock, writes an internal note, and solves it; on a desktop and on a phone, in
English and in Chinese, without the page scrolling sideways."""

import pytest
from playwright.sync_api import expect

from kehu.service.macros import services as macros
from kehu.service.sla import services as sla
from kehu.service.tickets import services as tickets
from kehu.service.tickets.models import Ticket
from tests.e2e.helpers import login
from tests.e2e.test_page_walk import OVERFLOW
from tests.factories import make_company, make_person, make_team, make_user

SCREENS = {
    "desktop": {"viewport": {"width": 1440, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}
WORDS = {
    "en": {"queue": "My team's unassigned", "send": "Send", "note": "Internal note",
              "left": "left", "solved": "Solved"},
    "zh-hans": {"queue": "本团队未分配", "send": "发送", "note": "内部备注", "left": "剩余",
              "solved": "已解决"},
}  # fmt: skip


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("language", WORDS)
def test_an_agent_works_the_queue_with_a_macro_and_sees_the_sla_clock(
    new_page, server_errors, screen, language
):
    words = WORDS[language]
    support = make_team("客服中心")
    admin = make_user("boss", role="Administrator", superuser=True)
    agent = make_user(
        "wang.li", role="Support agent", team=support, first_name="王丽", language=language
    )
    make_user("sun.hao", role="Support lead", team=support, first_name="孙浩")
    company = make_company(admin, "青云科技")
    person = make_person(admin, "赵敏", email="zhao@qingyun.example", company=company.pk)
    sla.save_policy(admin, None, {"name": "Standard", "first_response_minutes": 500000,
                                  "resolution_minutes": 500000})  # fmt: skip
    always = {str(d): [["00:00", "24:00"]] for d in range(7)}
    sla.save_calendar(admin, None, {"name": "24/7", "time_zone": "Asia/Shanghai",
                                    "china_holidays": False, "hours": always})  # fmt: skip
    body = "{{ person.name }}您好，请发送 {{ ticket.reference }} 的日志。"
    macros.save_macro(admin, None, {"name": "Ask for logs", "set_status": "pending", "body": body})
    ticket = tickets.open_customer_ticket(person, "打印机连不上", "**急**，明天要用", "email",
                                          team=support)  # fmt: skip
    page = new_page(**SCREENS[screen])
    login(page, "wang.li")
    page.goto("/tickets/?queue=unassigned")
    expect(page.get_by_role("link", name=words["queue"])).to_be_visible()
    expect(page.locator("table.tickets")).to_contain_text("打印机连不上")
    expect(page.locator("table.tickets .badge.sla-ok")).to_contain_text(words["left"])
    assert page.evaluate(OVERFLOW) is None
    page.get_by_role("link", name="打印机连不上").click()
    expect(page.locator(".thread")).to_contain_text("明天要用")
    expect(page.locator(".page-head .badge.sla-ok")).to_be_visible()
    # the macro's reply into the box, to edit it first
    page.locator(".macro-insert").get_by_role("link", name="Ask for logs").click()
    expect(page.locator("#reply-body")).to_have_value(f"赵敏您好，请发送 #{ticket.pk} 的日志。")
    page.get_by_role("button", name=words["send"]).click()
    expect(page.locator(".thread .from-agent")).to_contain_text("赵敏您好")
    ticket.refresh_from_db()
    assert ticket.owner == agent and ticket.first_response_at is not None
    # an internal note that tells the lead
    page.get_by_label(words["note"]).check()
    page.locator("#reply-body").fill("@sun.hao 这个客户很重要")
    page.get_by_role("button", name=words["send"]).click()
    expect(page.locator(".thread .note")).to_contain_text("这个客户很重要")
    # one click: the macro's reply and its change of status
    page.locator(".macro-buttons").get_by_role("button", name="Ask for logs").click()
    expect(page.locator(".page-head .badge.ticket-pending")).to_be_visible()
    assert page.evaluate(OVERFLOW) is None
    # solve it: the clock stops
    page.locator("select[name=status]").select_option("solved")
    page.locator("#reply-body").fill("已解决，谢谢。")
    page.get_by_role("button", name=words["send"]).click()
    expect(page.locator(".page-head .badge.ticket-solved")).to_have_text(words["solved"])
    expect(page.locator(".page-head .badge.sla-ok")).to_have_count(0)
    assert Ticket.objects.get(pk=ticket.pk).status == "solved"
