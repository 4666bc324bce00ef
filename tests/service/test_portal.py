"""The customer's side of the service desk: the public support form with its article
suggestions and limits, and each ticket's portal page behind a signed, revocable link."""

import datetime

import pytest
import time_machine
from django.core import signing
from django.test import Client
from django.utils import timezone

from kehu.core.models import AuditEntry
from kehu.customers.models import Person
from kehu.service.kb import services as kb
from kehu.service.mailbox.models import OutgoingTicketMail
from kehu.service.portal import services as portal
from kehu.service.portal.models import PortalAccess
from kehu.service.tickets import services as tickets
from kehu.service.tickets.models import Ticket, TicketMessage
from tests.factories import make_person, make_team, make_user

FORM = {
    "name": "李娜",
    "email": "li.na@customer.example",
    "subject": "无法登录 Cannot log in",
    "description": "我忘记了密码。 I forgot my password.",
}


@pytest.fixture
def agent(db):
    return make_user("agent", role="Support agent", team=make_team("Support"))


@pytest.fixture
def requester(rep):
    return make_person(rep, "王芳", email="wang.fang@customer.example")


@pytest.fixture
def ticket(requester, agent):
    return tickets.open_customer_ticket(
        requester, "打印机坏了 Printer broken", "它不打印了。", "email", team=agent.team
    )


def _state() -> tuple:
    return (
        Ticket.all_objects.count(),
        Person.all_objects.count(),
        TicketMessage.objects.count(),
        AuditEntry.objects.count(),
        list(Ticket.all_objects.order_by("pk").values_list("status", "version")),
    )


# --- the public form --------------------------------------------------------------------------


def test_the_form_opens_a_web_ticket_for_a_new_person_and_mails_the_link(admin_user):
    response = Client().post("/support/new/", FORM, REMOTE_ADDR="203.0.113.5")
    assert response.status_code == 200
    ticket = Ticket.objects.get()
    assert ticket.channel == "web" and ticket.status == "new" and ticket.created_by is None
    assert ticket.requester.email == FORM["email"] and ticket.requester.name == "李娜"
    assert ticket.requester.owner == admin_user  # no support mailbox: the web lead owner
    assert ticket.reference in response.content.decode()
    assert PortalAccess.objects.get(ticket=ticket).web_address == "203.0.113.5"
    mail = OutgoingTicketMail.objects.get(ticket=ticket)
    assert mail.kind == "ack" and mail.to == FORM["email"]
    link = mail.text.split("Follow your request: ", 1)[1].split()[0]
    assert link.startswith("http") and "/support/t/" in link
    path = link[link.index("/support/t/") :]
    assert FORM["subject"] in Client().get(path).content.decode()
    assert response["Content-Security-Policy"]
    assert "frame-ancestors" in response["Content-Security-Policy"]
    assert "X-Frame-Options" not in response


def test_the_form_finds_an_existing_person_by_address(admin_user, requester):
    data = {**FORM, "email": "WANG.FANG@customer.example"}
    assert Client().post("/support/new/", data).status_code == 200
    assert Ticket.objects.get().requester == requester
    assert Person.objects.count() == 1


@pytest.mark.parametrize(
    "change",
    [{"email": ""}, {"email": "not-an-address"}, {"description": ""}, {"subject": ""}],
)
def test_bad_input_saves_nothing(admin_user, change):
    before = _state()
    response = Client().post("/support/new/", {**FORM, **change})
    assert response.status_code == 400
    assert 'class="errorlist"' in response.content.decode()
    assert _state() == before


def test_a_bot_filling_the_honeypot_is_thanked_and_nothing_is_saved(admin_user):
    before = _state()
    response = Client().post("/support/new/", {**FORM, "website": "http://spam.example"})
    assert response.status_code == 200 and "Thank you" in response.content.decode()
    assert _state() == before


def test_one_address_is_limited_per_hour(admin_user, settings):
    settings.SUPPORT_FORM_PER_HOUR = 2
    client = Client()
    for n in range(2):
        data = {**FORM, "subject": f"请求 {n}"}
        assert client.post("/support/new/", data, REMOTE_ADDR="198.51.100.7").status_code == 200
    before = _state()
    response = client.post("/support/new/", FORM, REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 429
    assert _state() == before
    # another address is not held back
    assert client.post("/support/new/", FORM, REMOTE_ADDR="198.51.100.8").status_code == 200


def test_find_answers_first_shows_public_articles_and_sends_nothing(admin_user, agent):
    public = kb.create_article(
        agent,
        {"title": "如何重置密码 Reset your password", "body": "打开设置。",
         "visibility": "public", "status": "published"},
    )  # fmt: skip
    internal = kb.create_article(
        agent, {"title": "重置密码的内部流程 Password internal", "status": "published"}
    )
    before = _state()
    response = Client().post("/support/new/", {**FORM, "subject": "重置密码", "suggest": "1"})
    text = response.content.decode()
    assert response.status_code == 200
    assert public.title in text and public.public_url() in text
    assert internal.title not in text
    assert FORM["email"] in text  # what was typed stays in the form
    assert "errorlist" not in text
    assert _state() == before
    response = Client().get("/support/new/", {"subject": "重置密码"})
    assert public.title in response.content.decode()
    assert internal.title not in response.content.decode()


# --- the portal link --------------------------------------------------------------------------


def test_the_link_shows_the_ticket_and_only_public_replies(ticket, agent, requester):
    tickets.update_ticket(agent, ticket, {"owner": agent})
    tickets.add_message(agent, ticket, "机密备注 secret note about the customer", public=False)
    tickets.add_message(agent, ticket, "请重启打印机 **Please restart** it.", public=True)
    response = Client().get(portal.portal_path(ticket))
    text = response.content.decode()
    assert response.status_code == 200
    assert "打印机坏了 Printer broken" in text and ticket.reference in text
    assert "它不打印了。" in text and "<strong>Please restart</strong>" in text
    assert "Being worked on" in text
    assert "secret note" not in text
    assert agent.username not in text
    assert f"/tickets/{ticket.pk}/" not in text
    assert (
        response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]
    )
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_other_tickets_never_appear(ticket, requester, rep):
    other = tickets.open_customer_ticket(requester, "另一件事 Other matter", "别的内容", "email")
    stranger = make_person(rep, "陌生人", email="stranger@customer.example")
    foreign = tickets.open_customer_ticket(stranger, "陌生人的请求 Foreign", "机密", "email")
    text = Client().get(portal.portal_path(ticket)).content.decode()
    for hidden in (other, foreign):
        assert hidden.subject not in text and hidden.reference not in text


def _swap_id(token: str, ticket_id: int) -> str:
    """The token's payload re-signed with the wrong salt: what a forger can make."""
    _pk, key = signing.loads(token, salt=portal.SALT)
    return signing.dumps([ticket_id, key], salt="guess", compress=True)


def test_forged_tampered_revoked_and_expired_links_are_404_and_change_nothing(
    ticket, requester, agent, admin_user, settings
):
    other = tickets.open_customer_ticket(requester, "另一件事 Other matter", "别的内容", "email")
    token = portal.portal_token(ticket)
    portal.access_for(other)
    payload, stamp, signature = token.rsplit(":", 2)
    bad = [
        "nonsense",
        f"{payload}:{stamp}:{signature[:-2]}xx",
        f"{payload}x:{stamp}:{signature}",
        _swap_id(token, other.pk),
        signing.dumps([other.pk, portal.access_for(ticket).key], salt=portal.SALT),
        signing.dumps([ticket.pk, "guessed-key"], salt=portal.SALT),
    ]
    before = _state()
    client = Client()
    for forged in bad:
        assert client.get(f"/support/t/{forged}/").status_code == 404, forged
        assert client.post(f"/support/t/{forged}/reply/", {"body": "hi"}).status_code == 404
        assert client.post(f"/support/t/{forged}/solve/").status_code == 404
    assert _state() == before
    # expired
    settings.SUPPORT_PORTAL_LINK_DAYS = 10
    with time_machine.travel(timezone.now() + datetime.timedelta(days=11)):
        assert client.get(f"/support/t/{token}/").status_code == 404
        assert client.post(f"/support/t/{token}/solve/").status_code == 404
    assert client.get(f"/support/t/{token}/").status_code == 200
    # revoked by an agent: the old link dies, a new one works
    agent_client = Client()
    agent_client.force_login(agent)
    tickets.update_ticket(agent, ticket, {"owner": agent})
    response = agent_client.post(f"/tickets/{ticket.pk}/portal/revoke/")
    assert response.status_code == 302
    before = _state()
    assert client.get(f"/support/t/{token}/").status_code == 404
    assert client.post(f"/support/t/{token}/reply/", {"body": "hi"}).status_code == 404
    assert _state() == before
    assert client.get(portal.portal_path(ticket)).status_code == 200
    # a binned ticket has no portal page
    new_token = portal.portal_token(ticket)
    tickets.delete_ticket(admin_user, ticket)
    assert client.get(f"/support/t/{new_token}/").status_code == 404


def test_only_colleagues_who_work_the_ticket_may_revoke(ticket, rep, readonly_user, outsider):
    key = portal.access_for(ticket).key
    for user, status in ((rep, 403), (readonly_user, 403), (outsider, 404)):
        client = Client()
        client.force_login(user)
        assert client.post(f"/tickets/{ticket.pk}/portal/revoke/").status_code in (status, 404)
        assert client.get(f"/tickets/{ticket.pk}/portal/revoke/").status_code in (405, 404, 403)
    assert portal.access_for(ticket).key == key
    assert Client().post(f"/tickets/{ticket.pk}/portal/revoke/").status_code == 302  # login
    assert portal.access_for(ticket).key == key


def test_the_agent_box_shows_the_current_link(ticket, agent):
    from django.template.loader import render_to_string

    html = render_to_string("service/portal/_agent_box.html", {"ticket": ticket})
    assert "/support/t/" in html and f"/tickets/{ticket.pk}/portal/revoke/" in html


# --- what the customer does -------------------------------------------------------------------


def test_a_reply_on_the_portal_reopens_a_solved_ticket(ticket, agent, requester):
    tickets.update_ticket(agent, ticket, {"owner": agent, "status": "solved"})
    client = Client(enforce_csrf_checks=True)
    path = portal.portal_path(ticket)
    page = client.get(path)
    csrf = page.cookies["csrftoken"].value
    response = client.post(
        f"{path}reply/", {"body": "还是不行 Still broken"}, HTTP_X_CSRFTOKEN=csrf
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == "open" and ticket.reopened_count == 1
    message = TicketMessage.objects.filter(ticket=ticket).last()
    assert message.kind == "reply" and message.channel == "portal" and message.person == requester
    assert "还是不行" in client.get(path).content.decode()


def test_portal_posts_need_the_csrf_token(ticket):
    client = Client(enforce_csrf_checks=True)
    path = portal.portal_path(ticket)
    before = _state()
    assert client.post(f"{path}reply/", {"body": "hi"}).status_code == 403
    assert client.post(f"{path}solve/").status_code == 403
    assert _state() == before


def test_an_empty_reply_is_refused(ticket):
    path = portal.portal_path(ticket)
    before = _state()
    response = Client().post(f"{path}reply/", {"body": "  "})
    assert response.status_code == 400
    assert _state() == before


def test_the_customer_marks_the_ticket_solved(ticket):
    path = portal.portal_path(ticket)
    assert Client().post(f"{path}solve/").status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == "solved" and ticket.solved_at is not None
    entry = AuditEntry.objects.filter(object_id=ticket.pk, action="update").last()
    assert entry.actor is None and entry.changes["status"] == ["new", "solved"]
    version = ticket.version
    assert Client().post(f"{path}solve/").status_code == 302  # again: nothing changes
    ticket.refresh_from_db()
    assert ticket.version == version


def test_a_closed_ticket_is_read_only(ticket, agent):
    tickets.update_ticket(agent, ticket, {"owner": agent, "status": "closed"})
    path = portal.portal_path(ticket)
    client = Client()
    text = client.get(path).content.decode()
    assert "closed" in text and "<textarea" not in text and f"{path}solve/" not in text
    before = _state()
    assert client.post(f"{path}reply/", {"body": "再问一句"}).status_code == 400
    assert client.post(f"{path}solve/").status_code == 302
    assert _state() == before
    ticket.refresh_from_db()
    assert ticket.status == "closed"


def test_agents_replies_carry_the_link(ticket, agent):
    tickets.update_ticket(agent, ticket, {"owner": agent})
    tickets.add_message(agent, ticket, "已处理 Done", public=True)
    mail = OutgoingTicketMail.objects.get(ticket=ticket, kind="reply")
    assert "Follow your request: http" in mail.text and "/support/t/" in mail.text
    link = mail.text.split("Follow your request: ", 1)[1].split()[0]
    assert portal.ticket_for_token(link.rstrip("/").rsplit("/", 1)[1]) == ticket
