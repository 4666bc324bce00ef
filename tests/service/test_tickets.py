"""Tickets: who sees them, how the thread moves their status, the API and the pages."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from kehu.accounts.models import Role
from kehu.activities.models import Notification
from kehu.core.models import AuditEntry
from kehu.core.records import VersionConflict
from kehu.service.categories import services as categories
from kehu.service.tickets import services
from kehu.service.tickets.models import Ticket, TicketMessage
from tests.api.conftest import assert_validation, bearer_client, send
from tests.factories import PASSWORD, make_company, make_person, make_team, make_user


@pytest.fixture
def support(db):
    return make_team("Support")


@pytest.fixture
def agent(support):
    return make_user("agent", role="Support agent", team=support)


@pytest.fixture
def colleague(support):
    return make_user("colleague", role="Support agent", team=support)


@pytest.fixture
def lead_agent(support):
    return make_user("lead", role="Support lead", team=support)


@pytest.fixture
def customer(db, admin_user):
    company = make_company(admin_user, "青云科技")
    return make_person(admin_user, "王芳", email="wang.fang@qingyun.example", company=company.pk)


def open_ticket(actor, customer, **data) -> Ticket:
    return services.create_ticket(
        actor, {"subject": "打印机无法连接 Printer offline", "requester": customer, **data}
    )


def test_the_support_roles_exist_with_service_rights(db):
    agent_role = Role.objects.get(key="support_agent")
    assert agent_role.scope == "team"
    assert agent_role.permissions == {"customers": ["read"], "service": ["read", "create", "edit"]}
    assert agent_role.scopes == {"customers": "all"}  # every customer, the team's tickets
    assert Role.objects.get(key="support_lead").allows("service", "delete")
    assert Role.objects.get(key="sales_rep").permissions["service"] == ["read", "create"]


def test_a_ticket_takes_its_requesters_company_and_its_assignees_team(
    admin_user, agent, customer, support
):
    ticket = open_ticket(admin_user, customer, owner=agent)
    assert ticket.company == customer.company
    assert ticket.team == support
    assert ticket.status == "new"
    assert ticket.channel == "agent"
    assert Ticket.objects.filter(pk=ticket.pk).get().search_text  # found by its number too


def test_team_scope_sees_the_teams_tickets_assigned_or_not(
    admin_user, agent, colleague, customer, support, rep, outsider
):
    unassigned = open_ticket(admin_user, customer, team=support)
    theirs = open_ticket(admin_user, customer, owner=colleague)
    elsewhere = open_ticket(admin_user, customer)
    assert set(Ticket.objects.visible_to(agent)) == {unassigned, theirs}
    assert set(Ticket.objects.visible_to(admin_user)) == {unassigned, theirs, elsewhere}
    # sales reps (own scope) see the tickets they opened or work, no more
    assert not Ticket.objects.visible_to(rep).exists()
    assert not Ticket.objects.visible_to(outsider).exists()


def test_a_sales_rep_follows_the_ticket_they_opened(rep, agent, support):
    person = make_person(rep, "李雷", email="li.lei@example.com")
    ticket = open_ticket(rep, person, team=support)
    assert list(Ticket.objects.visible_to(rep)) == [ticket]
    with pytest.raises(PermissionDenied):
        services.add_message(rep, ticket, "我来回复", public=True)  # no edit right


def test_a_ticket_is_opened_only_for_someone_one_can_see(agent, rep, outsider):
    hidden = make_person(rep, "韩梅梅")
    with pytest.raises(ValidationError) as caught:
        open_ticket(outsider, hidden)  # another team's sales rep: not their customer
    assert "requester" in caught.value.message_dict
    assert open_ticket(agent, hidden).requester == hidden  # support reads every customer


def test_assignment_stays_within_reach(admin_user, agent, customer, rep, outsider):
    with pytest.raises(ValidationError) as caught:
        open_ticket(admin_user, customer, owner=rep)  # a sales rep does not work tickets
    assert "owner" in caught.value.message_dict
    ticket = open_ticket(admin_user, customer, owner=agent)
    with pytest.raises(ValidationError):
        services.update_ticket(agent, ticket, {"owner": admin_user})  # not in their team
    assert Ticket.objects.get(pk=ticket.pk).owner == agent


def test_the_thread_moves_the_status(admin_user, agent, customer, support):
    ticket = open_ticket(admin_user, customer, team=support)
    reply = services.add_message(agent, ticket, "您好，请重启一下。", public=True, status="pending")
    ticket.refresh_from_db()
    assert reply.kind == "reply" and not reply.from_customer
    assert ticket.owner == agent  # who answers takes it
    assert ticket.status == "pending"
    assert ticket.first_response_at == reply.created_at
    assert ticket.agent_replies == 1
    services.add_customer_reply(ticket, customer, "还是不行", channel="email")
    ticket.refresh_from_db()
    assert ticket.status == "open"
    services.add_message(agent, ticket, "已远程修好。", public=True, status="solved")
    ticket.refresh_from_db()
    assert ticket.status == "solved" and ticket.solved_at is not None
    first_response = ticket.first_response_at
    services.add_customer_reply(ticket, customer, "又坏了", channel="email")
    ticket.refresh_from_db()
    assert ticket.status == "open" and ticket.solved_at is None
    assert ticket.reopened_count == 1
    assert ticket.first_response_at == first_response
    assert ticket.messages.count() == 4


def test_a_note_is_internal_and_notifies_who_it_mentions(
    admin_user, agent, colleague, customer, support, outsider
):
    ticket = open_ticket(admin_user, customer, team=support)
    note = services.add_message(
        agent, ticket, "@colleague 请看一下；@outsider 也看看", public=False
    )
    assert note.kind == "note"
    assert note.mentions == ["colleague"]  # the outsider cannot see the ticket
    assert Notification.objects.filter(user=colleague, kind="ticket_mention").exists()
    assert not Notification.objects.filter(user=outsider).exists()
    ticket.refresh_from_db()
    assert ticket.first_response_at is None  # a note is no response to the customer
    assert ticket.status == "new"


def test_a_closed_ticket_takes_nothing_more(admin_user, agent, customer, support):
    ticket = open_ticket(admin_user, customer, owner=agent)
    services.update_ticket(agent, ticket, {"status": "closed"})
    ticket.refresh_from_db()
    assert ticket.closed_at is not None and ticket.solved_at is not None
    for attempt in (
        lambda: services.add_message(agent, ticket, "再说一句", public=True),
        lambda: services.add_customer_reply(ticket, customer, "喂", channel="email"),
        lambda: services.update_ticket(agent, ticket, {"status": "open"}),
    ):
        with pytest.raises(ValidationError):
            attempt()
    assert ticket.messages.count() == 0


def test_a_stale_reply_is_refused_and_saves_nothing(admin_user, agent, customer):
    ticket = open_ticket(admin_user, customer, owner=agent)
    services.update_ticket(agent, ticket, {"priority": "high"})
    with pytest.raises(VersionConflict):
        services.add_message(agent, ticket, "旧页面的回复", public=True, expected_version=1)
    assert not TicketMessage.objects.exists()


@pytest.mark.parametrize("body", ["", "   ", "x" * 50_001, "bad\x00char"])
def test_a_bad_message_saves_nothing(admin_user, agent, customer, body):
    ticket = open_ticket(admin_user, customer, owner=agent)
    with pytest.raises(ValidationError):
        services.add_message(agent, ticket, body, public=True)
    assert not TicketMessage.objects.exists()
    assert Ticket.objects.get(pk=ticket.pk).version == ticket.version


def test_categories_have_two_levels(admin_user, agent):
    billing = categories.create_category(admin_user, {"name": "Billing", "name_zh": "账单"})
    invoices = categories.create_category(admin_user, {"name": "Invoices", "parent": billing.pk})
    with pytest.raises(ValidationError):
        categories.create_category(admin_user, {"name": "Deeper", "parent": invoices.pk})
    with pytest.raises(ValidationError):
        categories.create_category(admin_user, {"name": "billing"})  # same name, same level
    with pytest.raises(PermissionDenied):
        categories.create_category(agent, {"name": "Mine"})
    assert categories.choices() == [(billing.pk, "Billing"), (invoices.pk, "Billing › Invoices")]


# --- the API ---------------------------------------------------------------------------------


def test_the_api_creates_lists_and_threads_tickets(agent, customer, support, outsider):
    client = bearer_client(agent)
    made = send(client, "post", "/api/v1/tickets",
                {"subject": "无法登录", "requester_id": customer.pk, "priority": "high",
                 "team_id": support.pk, "tags": ["VIP"]})  # fmt: skip
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["reference"] == f"#{body['id']}"
    assert body["channel"] == "api" and body["owner_id"] is None and body["tags"] == ["VIP"]
    queue = client.get("/api/v1/tickets", {"queue": "unassigned"}).json()
    assert [t["id"] for t in queue["items"]] == [body["id"]]
    reply = send(client, "post", f"/api/v1/tickets/{body['id']}/replies",
                 {"body": "正在处理", "status": "pending"})  # fmt: skip
    assert reply.status_code == 201, reply.content
    note = send(client, "post", f"/api/v1/tickets/{body['id']}/notes", {"body": "内部"})
    assert note.status_code == 201
    replies = client.get(f"/api/v1/tickets/{body['id']}/replies").json()["items"]
    notes = client.get(f"/api/v1/tickets/{body['id']}/notes").json()["items"]
    assert [m["body"] for m in replies] == ["正在处理"]
    assert [m["body"] for m in notes] == ["内部"]
    read = client.get(f"/api/v1/tickets/{body['id']}").json()
    assert read["status"] == "pending" and read["owner_id"] == agent.pk
    assert read["first_response_at"] is not None
    mine = client.get("/api/v1/tickets", {"queue": "mine"}).json()
    assert [t["id"] for t in mine["items"]] == [body["id"]]  # pending is still unsolved
    pending = client.get("/api/v1/tickets", {"queue": "pending"}).json()["items"]
    assert [t["id"] for t in pending] == [body["id"]]
    stranger = bearer_client(outsider)
    assert stranger.get(f"/api/v1/tickets/{body['id']}").status_code == 404
    assert stranger.get(f"/api/v1/tickets/{body['id']}/notes").status_code == 404
    posted = send(stranger, "post", f"/api/v1/tickets/{body['id']}/replies", {"body": "hi"})
    assert posted.status_code == 404


def test_the_api_refuses_bad_tickets(agent, customer):
    client = bearer_client(agent)
    assert_validation(send(client, "post", "/api/v1/tickets", {"subject": "x"}), "requester_id")
    wrong = send(client, "post", "/api/v1/tickets",
                 {"subject": "x", "requester_id": customer.pk, "priority": "asap"})  # fmt: skip
    assert_validation(wrong, "priority")
    blank = send(client, "post", "/api/v1/tickets", {"subject": "  ", "requester_id": customer.pk})
    assert_validation(blank, "subject")
    gone = send(client, "post", "/api/v1/tickets", {"subject": "x", "requester_id": 10**12})
    assert_validation(gone, "requester_id")
    assert not Ticket.objects.exists()


def test_the_api_patch_honours_if_match(agent, customer, admin_user):
    ticket = open_ticket(admin_user, customer, owner=agent)
    client = bearer_client(agent)
    stale = send(client, "patch", f"/api/v1/tickets/{ticket.pk}", {"status": "open"},
                 **{"If-Match": 'W/"99"'})  # fmt: skip
    assert stale.status_code == 412
    done = send(client, "patch", f"/api/v1/tickets/{ticket.pk}", {"status": "solved"},
                **{"If-Match": f'W/"{ticket.version}"'})  # fmt: skip
    assert done.status_code == 200 and done.json()["solved_at"]
    assert AuditEntry.objects.filter(object_id=ticket.pk, action="update").exists()


def test_categories_api(admin_user, agent):
    admin = bearer_client(admin_user)
    made = send(admin, "post", "/api/v1/ticket-categories", {"name": "Billing", "name_zh": "账单"})
    assert made.status_code == 201
    child = send(admin, "post", "/api/v1/ticket-categories",
                 {"name": "Refunds", "parent_id": made.json()["id"]})  # fmt: skip
    assert child.json()["display_name"] == "Billing › Refunds"
    listed = bearer_client(agent).get("/api/v1/ticket-categories").json()["items"]
    assert {c["name"] for c in listed} == {"Billing", "Refunds"}
    refused = send(bearer_client(agent), "post", "/api/v1/ticket-categories", {"name": "X"})
    assert refused.status_code == 403


# --- the pages -------------------------------------------------------------------------------


def signed_in(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_an_agent_works_a_ticket_in_the_browser_pages(agent, customer, support, admin_user):
    ticket = open_ticket(admin_user, customer, team=support, description="**屏幕**黑了")
    client = signed_in(agent)
    queue = client.get(reverse("ticket-list"), {"queue": "unassigned"})
    assert queue.status_code == 200
    assert ticket.subject in queue.content.decode()
    page = client.get(ticket.get_absolute_url())
    assert "<strong>屏幕</strong>黑了" in page.content.decode()
    sent = client.post(reverse("ticket-reply", args=[ticket.pk]),
                       {"body": "<script>alert(1)</script> 已处理", "kind": "reply",
                        "status": "solved", "version": ticket.version})  # fmt: skip
    assert sent.status_code == 302
    page = client.get(ticket.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "已处理" in page
    ticket.refresh_from_db()
    assert ticket.status == "solved" and ticket.owner == agent
    mine = client.get(reverse("ticket-list")).content.decode()  # "mine" is the default queue
    assert ticket.subject not in mine  # solved: out of the queue


def test_the_reply_form_shows_errors_and_saves_nothing(agent, customer, admin_user):
    ticket = open_ticket(admin_user, customer, owner=agent)
    client = signed_in(agent)
    empty = client.post(reverse("ticket-reply", args=[ticket.pk]),
                        {"body": "", "kind": "reply", "version": ticket.version})  # fmt: skip
    assert empty.status_code == 400
    stale = client.post(reverse("ticket-reply", args=[ticket.pk]),
                        {"body": "hi", "kind": "reply", "version": 99})  # fmt: skip
    assert stale.status_code == 400
    assert "Someone changed this ticket" in stale.content.decode()
    assert not TicketMessage.objects.exists()


def test_new_ticket_form_finds_the_requester_by_email(agent, customer):
    client = signed_in(agent)
    form = {"subject": "发票抬头错了", "requester": "WANG.FANG@qingyun.example",
            "priority": "normal", "status": "new", "description": ""}  # fmt: skip
    made = client.post(reverse("ticket-create"), form)
    assert made.status_code == 302, made.content.decode()
    ticket = Ticket.objects.get()
    assert ticket.requester == customer and ticket.created_by == agent
    unknown = client.post(reverse("ticket-create"), {**form, "requester": "nobody@example.com"})
    assert unknown.status_code == 200
    assert Ticket.objects.count() == 1


def test_a_customer_opens_a_ticket_without_a_colleague(customer, support, agent):
    ticket = services.open_customer_ticket(
        customer, "  发票\n问题 ", "请重开发票", "email", team=support, message_id="<m1@x>"
    )
    assert ticket.subject == "发票 问题" and ticket.description == "请重开发票"
    assert ticket.created_by is None and ticket.owner is None and ticket.channel == "email"
    assert ticket.company == customer.company and ticket.first_message_id == "<m1@x>"
    assert list(Ticket.objects.visible_to(agent)) == [ticket]  # in the team's queue
    assert AuditEntry.objects.filter(object_id=ticket.pk, action="create").exists()
    untitled = services.open_customer_ticket(customer, "", "?", "web")
    assert untitled.subject == "(no subject)"
    with pytest.raises(ValidationError):
        services.open_customer_ticket(customer, "x", "y", "carrier pigeon")


def test_tickets_show_on_the_customers_page_and_360_timeline(
    admin_user, agent, customer, support, outsider
):
    ticket = open_ticket(admin_user, customer, team=support)
    services.add_message(agent, ticket, "**已收到**，正在排查", public=True)
    services.add_message(agent, ticket, "内部：疑似网络问题", public=False)
    client = signed_in(admin_user)
    page = client.get(customer.get_absolute_url()).content.decode()
    assert 'id="customer-tickets"' in page and ticket.subject in page
    assert "已收到" in page  # the reply, on the timeline
    assert "疑似网络问题" not in page  # internal notes stay on the ticket
    company_page = client.get(customer.company.get_absolute_url()).content.decode()
    assert ticket.subject in company_page
    only = client.get(f"/activities/on/person/{customer.pk}/timeline/", {"kind": "tickets"})
    assert only.status_code == 200 and "已收到" in only.content.decode()
    api = bearer_client(admin_user).get(
        f"/api/v1/timeline/person/{customer.pk}", {"kind": "tickets"}
    )
    assert api.status_code == 200, api.content
    events = [(i["type"], i["ticket"]["event"]) for i in api.json()["items"]]
    assert events == [("ticket", "reply"), ("ticket", "opened")]
    # a colleague without the ticket in reach sees neither (a sales rep of another team)
    mine = make_person(outsider, "外人的客户", email="x@y.example")
    open_ticket(admin_user, mine, team=support)
    theirs = signed_in(outsider).get(mine.get_absolute_url()).content.decode()
    assert "外人的客户" in theirs and 'id="customer-tickets"' in theirs
    assert "打印机无法连接" not in theirs


def test_the_timeline_pages_through_tickets_and_activities_together(admin_user, customer):
    from kehu.activities.services import add_note
    from kehu.activities.timeline import page

    for n in range(3):
        open_ticket(admin_user, customer, subject=f"工单 {n}")
        add_note(admin_user, customer, f"备注 {n}")
    first = page(customer, user=admin_user, size=4, kinds=["note", "tickets"])
    second = page(customer, first.next_cursor, user=admin_user, size=4, kinds=["note", "tickets"])
    seen = [i.obj.pk for i in first.items + second.items]
    assert len(first.items) == 4 and len(second.items) == 2 and second.next_cursor is None
    assert len(seen) == 6


def test_a_macro_replies_and_changes_the_ticket_in_one_click(admin_user, agent, customer, support):
    from kehu.service.macros import services as macros

    body = "{{ person.name }}您好，请把 {{ ticket.reference }} 的日志发给我们。\n{{ user.name }}"
    macro = macros.save_macro(admin_user, None, {
        "name": "需要日志", "body": body, "set_status": "pending", "set_priority": "high",
        "add_tags": "日志, 跟进", "assign": "me"})  # fmt: skip
    with pytest.raises(ValidationError):
        macros.save_macro(admin_user, None, {"name": "坏的", "body": "{{ ticket.secret }}"})
    with pytest.raises(PermissionDenied):
        macros.save_macro(agent, None, {"name": "自己的", "body": "hi"})
    ticket = open_ticket(admin_user, customer, team=support)
    client = signed_in(agent)
    page = client.get(ticket.get_absolute_url()).content.decode()
    assert "需要日志" in page
    text = client.get(reverse("ticket-macro-text", args=[ticket.pk, macro.pk])).content.decode()
    assert text.startswith(f"王芳您好，请把 #{ticket.pk} 的日志发给我们。")
    applied = client.post(reverse("ticket-macro-apply", args=[ticket.pk, macro.pk]),
                          {"version": ticket.version})  # fmt: skip
    assert applied.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == "pending" and ticket.priority == "high" and ticket.owner == agent
    assert sorted(t.name for t in ticket.tags.all()) == ["日志", "跟进"]
    reply = ticket.messages.get()
    assert reply.kind == "reply" and "王芳您好" in reply.body
    stale = client.post(reverse("ticket-macro-apply", args=[ticket.pk, macro.pk]),
                        {"version": 1})  # fmt: skip
    assert stale.status_code == 302
    assert ticket.messages.count() == 1  # nothing sent from a stale page


def test_a_reply_keeps_its_lines(admin_user, agent, customer):
    ticket = open_ticket(admin_user, customer, owner=agent)
    reply = services.add_message(agent, ticket, "第一行\n\n- 第二行\r\n\t缩进", public=True)
    assert reply.body == "第一行\n\n- 第二行\r\n\t缩进"
