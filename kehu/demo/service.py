"""The demo's service desk: categories, SLA policies on the support team's working calendar,
macros, and about two hundred tickets of the last two months in every state, with replies,
notes, SLA breaches and escalations, made at the moments they happened."""

import datetime
import random

import time_machine
from django.utils import timezone

from kehu.customers.models import Person, Tag
from kehu.service.categories import services as categories
from kehu.service.macros import services as macros
from kehu.service.sla import services as sla
from kehu.service.sla.sweep import sweep
from kehu.service.tickets import services as tickets
from kehu.service.tickets.models import Ticket

TICKETS = 200
CATEGORIES = [
    # English, 简体中文, children
    ("Billing", "账单", [("Invoices", "发票"), ("Refunds", "退款")]),
    ("Technical support", "技术支持", [("Login", "登录"), ("Integrations", "系统集成")]),
    ("Product questions", "产品咨询", []),
]
PROBLEMS = [
    ("发票抬头开错了，需要重开", "Invoices"),
    ("退款什么时候到账？", "Refunds"),
    ("无法登录，提示密码错误", "Login"),
    ("与金蝶系统对接失败", "Integrations"),
    ("企业版和专业版有什么区别？", "Product questions"),
    ("Invoice shows the wrong tax number", "Invoices"),
    ("Cannot log in after the password reset", "Login"),
    ("The webhook to our ERP returns 500", "Integrations"),
    ("Do you offer annual billing?", "Product questions"),
    ("重复扣款，请退回一笔", "Refunds"),
]
REPLIES_CN = ["您好，已收到您的问题，我们正在处理。", "请提供一下截图和账号，方便我们排查。",
              "问题已修复，请再试一次。", "已为您重新开具发票，请查收邮件。"]  # fmt: skip
REPLIES_EN = ["Thanks, we are looking into it.", "Could you send a screenshot and your account?",
              "This is fixed now; please try again.", "We have reissued the invoice."]  # fmt: skip
POLICIES = [
    {"name": "VIP 客户", "tier_tag": "VIP", "position": 0, "first_response_minutes": 30,
     "resolution_minutes": 240, "raise_priority": True},
    {"name": "紧急 Urgent", "priority": "urgent", "position": 1, "first_response_minutes": 60,
     "resolution_minutes": 480},
    {"name": "标准 Standard", "position": 2, "warn_minutes": 60, "first_response_minutes": 240,
     "resolution_minutes": 1440},
]  # fmt: skip
MACROS = [
    {"name": "请提供截图 Ask for a screenshot", "set_status": "pending",
     "body": "{{ person.name }}，您好：\n\n请提供问题截图和账号，方便我们排查"
             " {{ ticket.reference }}。\n\n{{ user.name }}"},
    {"name": "已解决 Solved", "set_status": "solved",
     "body": "{{ person.name }}，您好：\n\n问题已解决，如仍有疑问请直接回复本邮件。"
             "\n\n{{ user.name }}"},
]  # fmt: skip
CUSTOMER_CN = ["还是不行。", "截图已发，请看附件。", "好的，谢谢！"]
CUSTOMER_EN = ["Still not working.", "Screenshot attached.", "Great, thanks!"]


def _setup(admin, support) -> dict:
    made = {}
    for name, name_zh, children in CATEGORIES:
        parent = categories.create_category(admin, {"name": name, "name_zh": name_zh})
        made[name] = parent
        for child, child_zh in children:
            made[child] = categories.create_category(
                admin, {"name": child, "name_zh": child_zh, "parent": parent.pk}
            )
    calendar = {"name": "客服中心工作日历", "team": support.pk, "time_zone": "Asia/Shanghai",
                "china_holidays": True}  # fmt: skip
    sla.save_calendar(admin, None, calendar)
    vip = Tag.objects.filter(name__iexact="VIP").first()
    for policy in POLICIES:
        if policy.get("tier_tag") == "VIP":
            if vip is None:
                continue
            policy = {**policy, "tier_tag": vip.pk}
        sla.save_policy(admin, None, policy)
    for macro in MACROS:
        macros.save_macro(admin, None, macro)
    return made


def add_tickets(
    rng: random.Random, users: dict, people: list[Person], support, count: int = TICKETS
) -> int:
    """The service desk's settings and `count` tickets over the last 60 days."""
    admin, agent, lead = users["admin"], users["wang.li"], users["sun.hao"]
    cats = _setup(admin, support)
    customers = [p for p in people if p.email]
    now = timezone.now()
    for _n in range(count):
        person = rng.choice(customers)
        chinese = not person.name.isascii()
        subject, category = rng.choice([p for p in PROBLEMS if p[0].isascii() != chinese])
        opened = now - datetime.timedelta(days=rng.uniform(0, 60))
        channel = rng.choice(["email", "email", "web", "phone", "portal"])
        priority = rng.choices(["low", "normal", "high", "urgent"], [2, 6, 2, 1])[0]
        with time_machine.travel(opened, tick=False):
            ticket = tickets.open_customer_ticket(person, subject, subject, channel, team=support)
            ticket = tickets.update_ticket(admin, ticket, {"category": cats[category].pk,
                                                          "priority": priority})  # fmt: skip
        _work(rng, ticket, person, chinese, opened, now, agent if rng.random() < 0.7 else lead)
    sweep(now)  # the breaches of the tickets no one answered in time
    return Ticket.objects.count()


def _work(rng, ticket, person, chinese, opened, now, agent) -> None:
    """What happened to one ticket: from nothing yet, to answered, waiting, solved, closed."""
    stage = rng.choices(["new", "open", "pending", "solved", "closed"], [1, 3, 2, 4, 2])[0]
    if stage == "new":
        return
    replies, answers = (REPLIES_CN, CUSTOMER_CN) if chinese else (REPLIES_EN, CUSTOMER_EN)
    moment = opened + datetime.timedelta(hours=rng.uniform(0.2, 30))
    if moment >= now:
        return
    with time_machine.travel(moment, tick=False):
        tickets.add_message(agent, ticket, replies[0], public=True)
        if rng.random() < 0.3:
            tickets.add_message(
                agent, ticket, "@sun.hao 请帮忙看看这个客户的历史记录", public=False
            )
    if stage == "open":
        return
    moment += datetime.timedelta(hours=rng.uniform(0.5, 20))
    if moment >= now:
        return
    with time_machine.travel(moment, tick=False):
        tickets.add_message(agent, ticket, replies[1], public=True, status="pending")
    if stage == "pending":
        return
    moment += datetime.timedelta(hours=rng.uniform(1, 48))
    if moment >= now:
        return
    with time_machine.travel(moment, tick=False):
        tickets.add_customer_reply(ticket, person, rng.choice(answers[:2]), channel="email")
    moment += datetime.timedelta(hours=rng.uniform(0.5, 24))
    if moment >= now:
        return
    with time_machine.travel(moment, tick=False):
        tickets.add_message(agent, ticket, rng.choice(replies[2:]), public=True, status="solved")
    if stage == "closed" and moment + datetime.timedelta(days=3) < now:
        with time_machine.travel(moment + datetime.timedelta(days=3), tick=False):
            tickets.update_ticket(agent, Ticket.objects.get(pk=ticket.pk), {"status": "closed"})
