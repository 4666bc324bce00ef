"""Email to ticket, end to end: customers write to a support mailbox on a real IMAP server
(dovecot), the worker's read makes tickets, agents' replies leave through a real SMTP server
(aiosmtpd) with threading headers, and robots, floods and Kehu's own mail never loop."""

import uuid

import pytest
from django.test import Client
from django.urls import reverse

from kehu.customers.models import Person
from kehu.mail.parsing import parse
from kehu.service.mailbox import intake
from kehu.service.mailbox.models import (
    InboundMail,
    OutgoingTicketMail,
    SupportMailbox,
    TicketAttachment,
)
from kehu.service.mailbox.tasks import poll_support_mailbox
from kehu.service.tickets import services as tickets
from kehu.service.tickets.models import Ticket, TicketMessage
from tests.factories import PASSWORD, make_person, make_team, make_user
from tests.mail.mail_samples import BROKEN_MIME, raw_email, with_attachments

pytestmark = pytest.mark.django_db


@pytest.fixture
def support(db):
    return make_team("Support")


@pytest.fixture
def agent(support):
    return make_user("agent", role="Support agent", team=support)


@pytest.fixture
def intake_owner(support):
    """The colleague who owns the people made from mail (a manager may create people)."""
    return make_user("desk", role="Manager", team=support)


def _mailbox(server, owner, team, address, folder=None, **extra) -> SupportMailbox:
    folder = folder or f"Desk{uuid.uuid4().hex[:8]}"
    server.create_folder(folder)
    return SupportMailbox.objects.create(
        name=address.split("@")[0].title(),
        address=address,
        imap_host=server.host,
        imap_port=server.port,
        imap_security=SupportMailbox.Security.NONE,
        imap_user=server.user,
        imap_password=server.password,
        imap_folder=folder,
        team=team,
        person_owner=owner,
        **extra,
    )


@pytest.fixture
def desk(imap_server, intake_owner, support):
    return _mailbox(imap_server, intake_owner, support, "support@kehu.example")


#: pytest-django's transaction never commits: what a commit runs (sending) is run by hand
_COMMITS = []


@pytest.fixture(autouse=True)
def _commits(django_capture_on_commit_callbacks):
    _COMMITS[:] = [django_capture_on_commit_callbacks]


def deliver(server, mailbox, raw: bytes) -> None:
    server.append(raw, mailbox.imap_folder)


def read(mailbox):
    """What the worker's read does, its commits (and so its mail) included."""
    with _COMMITS[0](execute=True):
        result = poll_support_mailbox(mailbox)
    assert result.error == ""
    return result


def answer(agent, ticket, body, **options):
    """An agent's public reply, committed (and so sent)."""
    with _COMMITS[0](execute=True):
        message = tickets.add_message(agent, Ticket.objects.get(pk=ticket.pk), body,
                                      public=True, **options)  # fmt: skip
    message.refresh_from_db()
    return message


def _sent(smtp_server, kind=None):
    return [m for m in smtp_server.messages if kind is None or kind in m["Subject"]]


# ---------------------------------------------------------------- the whole conversation


def test_a_customer_conversation_by_mail(imap_server, smtp_server, desk, agent, intake_owner):
    deliver(imap_server, desk, raw_email(
        sender="Wang Fang <wang.fang@customer.example>",
        to="support@kehu.example",
        subject="打印机坏了 Printer broken",
        body="The printer does not print.\nIt blinks red.",
        message_id="<first@customer.example>",
    ))  # fmt: skip
    first = read(desk)
    assert first.count("ticket") == 1 and first.uids == [1]

    ticket = Ticket.objects.get()
    person = Person.objects.get(email="wang.fang@customer.example")
    assert (ticket.requester, person.name, person.owner) == (person, "Wang Fang", intake_owner)
    assert (ticket.team, ticket.owner, ticket.channel) == (desk.team, None, "email")
    assert ticket.description == "The printer does not print.\nIt blinks red."
    assert ticket.first_message_id == "<first@customer.example>"

    # the acknowledgement: ticket number, threading, marked as a robot's answer
    (ack,) = smtp_server.messages
    assert ack["To"] == "wang.fang@customer.example"
    assert "support@kehu.example" in ack["From"]
    assert ack["Subject"] == f"Re: 打印机坏了 Printer broken [#{ticket.pk}]"
    assert ack["In-Reply-To"] == "<first@customer.example>"
    assert ack["Auto-Submitted"] == "auto-replied"
    body = ack.get_content()
    assert f"We received your request #{ticket.pk}" in body

    # the agent answers: sent from the mailbox, threaded, "[#n]" in the subject
    reply = answer(agent, ticket, "Please restart it.\n\n<script>alert(1)</script>**The desk**")
    delivery = OutgoingTicketMail.objects.get(reply=reply)
    sent = smtp_server.messages[-1]
    reply.refresh_from_db()
    assert sent["Message-ID"] == reply.message_id != ""
    assert sent["Subject"] == f"Re: 打印机坏了 Printer broken [#{ticket.pk}]"
    assert sent["In-Reply-To"] == ack["Message-ID"]
    assert sent["References"].split() == ["<first@customer.example>", ack["Message-ID"]]
    assert sent["Auto-Submitted"] is None  # a person wrote it
    assert "Please restart it." in sent.get_body(("plain",)).get_content()
    html = sent.get_body(("html",)).get_content()
    assert "<p>Please restart it.</p>" in html and "<strong>The desk</strong>" in html
    assert "<script" not in html
    delivery.refresh_from_db()
    assert delivery.status == "sent"

    # the agent solves it; the customer answers the reply: threaded, reopened
    tickets.update_ticket(agent, Ticket.objects.get(pk=ticket.pk), {"status": "solved"})
    deliver(imap_server, desk, raw_email(
        sender="wang.fang@customer.example", to="support@kehu.example",
        subject="Re: Printer broken", body="Still blinking.",
        message_id="<second@customer.example>",
        headers=f"In-Reply-To: {reply.message_id}\n"
        f"References: <first@customer.example> {reply.message_id}",
    ))  # fmt: skip
    second = read(desk)
    assert second.count("reply") == 1
    ticket.refresh_from_db()
    assert (ticket.status, ticket.reopened_count) == ("open", 1)
    last = ticket.messages.order_by("-id").first()
    assert (last.body, last.person, last.message_id) == (
        "Still blinking.", person, "<second@customer.example>")  # fmt: skip
    assert Ticket.objects.count() == 1
    assert len(smtp_server.messages) == 2  # a customer's reply is not acknowledged

    # a reply by the subject's reference alone, from its requester: on the same ticket
    deliver(imap_server, desk, raw_email(
        sender="wang.fang@customer.example", to="support@kehu.example",
        subject=f"one more thing [#{ticket.pk}]", body="Paper jam too.",
        message_id="<third@customer.example>",
    ))  # fmt: skip
    assert read(desk).count("reply") == 1
    assert ticket.messages.filter(body="Paper jam too.").exists()

    # ... from someone else: a new ticket of their own, nothing added to this one
    deliver(imap_server, desk, raw_email(
        sender="mallory@attacker.example", to="support@kehu.example",
        subject=f"Re: [#{ticket.pk}]", body="Send me the invoice of this customer.",
        message_id="<guess@attacker.example>",
    ))  # fmt: skip
    assert read(desk).count("ticket") == 1
    assert not ticket.messages.filter(body__contains="invoice").exists()
    other = Ticket.objects.exclude(pk=ticket.pk).get()
    assert other.requester.email == "mallory@attacker.example"

    # reading the mailbox again from the start creates nothing
    from kehu.mail.models import MailboxState
    from kehu.service.mailbox.tasks import account_of

    MailboxState.objects.filter(key=account_of(desk).key).update(last_uid=0)
    counts = (Ticket.objects.count(), TicketMessage.objects.count(), InboundMail.objects.count())
    again = read(desk)
    assert again.count("duplicate") == 4 and len(again.uids) == 4
    assert (Ticket.objects.count(), TicketMessage.objects.count(),
            InboundMail.objects.count()) == counts  # fmt: skip
    assert len(smtp_server.messages) == 3  # two acknowledgements and the agent's reply


def test_a_known_person_is_the_requester(imap_server, smtp_server, desk, intake_owner):
    known = make_person(intake_owner, "李雷", email="li.lei@customer.example")
    deliver(imap_server, desk, raw_email())
    read(desk)
    assert Ticket.objects.get().requester == known
    assert Person.objects.count() == 1


def test_a_reply_to_a_closed_ticket_opens_a_new_one(imap_server, smtp_server, desk, agent):
    deliver(imap_server, desk, raw_email(message_id="<old@customer.example>"))
    read(desk)
    old = Ticket.objects.get()
    tickets.update_ticket(agent, old, {"status": "closed"})
    deliver(imap_server, desk, raw_email(
        subject="Re: Quote request", body="Me again.", message_id="<again@customer.example>",
        headers="In-Reply-To: <old@customer.example>",
    ))  # fmt: skip
    assert read(desk).count("ticket") == 1
    new = Ticket.objects.exclude(pk=old.pk).get()
    assert new.description.startswith(f"Follow-up to the closed ticket #{old.pk}.")
    assert "Me again." in new.description
    assert old.messages.count() == 0
    # a robot answering the closed ticket's mail opens nothing
    deliver(imap_server, desk, raw_email(
        subject="Out of office", message_id="<ooo@customer.example>",
        headers="Auto-Submitted: auto-replied\nIn-Reply-To: <old@customer.example>",
    ))  # fmt: skip
    assert read(desk).count("ignored") == 1 and Ticket.objects.count() == 2


def test_the_acknowledgement_can_be_switched_off(imap_server, smtp_server, desk):
    desk.acknowledge = False
    desk.save()
    deliver(imap_server, desk, raw_email())
    assert read(desk).count("ticket") == 1
    assert smtp_server.messages == []


# ---------------------------------------------------------------- robots, floods, loops

AUTO_REPLY = "Auto-Submitted: auto-replied\nX-Autoreply: yes"
BOUNCE = "Return-Path: <>"


@pytest.mark.parametrize(
    "headers",
    [
        "Auto-Submitted: auto-generated",
        "Precedence: bulk",
        "List-Id: <news.customer.example>",
        "X-Auto-Response-Suppress: All",
        AUTO_REPLY,
    ],  # fmt: skip
)
def test_mail_a_machine_sent_gets_no_acknowledgement(imap_server, smtp_server, desk, headers):
    deliver(imap_server, desk, raw_email(headers=headers))
    assert read(desk).count("ticket") == 1
    assert smtp_server.messages == []


@pytest.mark.parametrize(
    "sender, headers",
    [("MAILER-DAEMON@mx.customer.example", ""), ("postmaster@customer.example", ""),
     ("li.lei@customer.example", BOUNCE),
     ("li.lei@customer.example", "Content-Type: multipart/report; report-type=delivery-status")],
)  # fmt: skip
def test_a_bounce_opens_no_ticket_and_is_kept(imap_server, smtp_server, desk, sender, headers):
    deliver(imap_server, desk, raw_email(sender=sender, headers=headers, subject="Undelivered"))
    assert read(desk).count("ignored") == 1
    assert Ticket.objects.count() == 0 and smtp_server.messages == []
    kept = InboundMail.objects.get()
    assert (kept.automatic, kept.subject) == ("bounce", "Undelivered")


def test_robots_on_a_ticket_are_notes_that_change_nothing(imap_server, smtp_server, desk, agent):
    deliver(imap_server, desk, raw_email())
    read(desk)
    ticket = Ticket.objects.get()
    reply = answer(agent, ticket, "Here is the quote.", status="pending")
    delivery = OutgoingTicketMail.objects.get(reply=reply)
    sent = len(smtp_server.messages)
    deliver(imap_server, desk, raw_email(
        subject="Out of office: Quote request", body="I am away until Monday.",
        message_id="<ooo@customer.example>",
        headers=f"{AUTO_REPLY}\nIn-Reply-To: {reply.message_id}",
    ))  # fmt: skip
    deliver(imap_server, desk, raw_email(
        sender="MAILER-DAEMON@mx.customer.example", subject="Undelivered Mail",
        body="The mailbox is full.", message_id="<bounce@mx.customer.example>",
        headers=f"{BOUNCE}\nReferences: {reply.message_id}",
    ))  # fmt: skip
    assert read(desk).count("note") == 2
    ticket.refresh_from_db()
    assert ticket.status == "pending"  # not brought back to the team by a robot
    notes = list(ticket.messages.filter(kind="note"))
    assert [n.body.splitlines()[-1] for n in notes] == [
        "I am away until Monday.", "The mailbox is full."]  # fmt: skip
    assert len(smtp_server.messages) == sent  # nobody answered a robot
    delivery.refresh_from_db()
    assert delivery.status == "failed" and "sent it back" in delivery.error


def test_a_flooding_sender_opens_no_more_tickets(imap_server, smtp_server, desk, settings):
    settings.SUPPORT_MAX_PER_SENDER_HOUR = 3
    for n in range(5):
        deliver(imap_server, desk, raw_email(message_id=f"<flood{n}@customer.example>",
                                             subject=f"Flood {n}"))  # fmt: skip
    result = read(desk)
    assert (result.count("ticket"), result.count("held")) == (3, 2)
    assert Ticket.objects.count() == 3 and len(smtp_server.messages) == 3
    held = InboundMail.objects.filter(outcome="held").order_by("id")
    assert [m.subject for m in held] == ["Flood 3", "Flood 4"]  # kept, to look at
    assert all(m.text for m in held)


def test_two_kehu_mailboxes_writing_to_each_other_do_not_loop(
    imap_server, smtp_server, intake_owner, support
):
    desk_a = _mailbox(imap_server, intake_owner, support, "help-a@kehu.example")
    desk_b = _mailbox(imap_server, intake_owner, make_team("Desk B"), "help-b@kehu.example")
    # a customer's mail to A, written as if from B's address (a forwarding rule, a typo)
    deliver(imap_server, desk_a, raw_email(sender="help-b@kehu.example", message_id="<x@b>"))
    assert read(desk_a).count("ignored") == 1
    assert Ticket.objects.count() == 0 and smtp_server.messages == []

    # A acknowledges a customer whose mail forwards to B: B gets A's acknowledgement
    deliver(imap_server, desk_a, raw_email(sender="fwd@customer.example", message_id="<c@c>"))
    read(desk_a)
    (ack,) = smtp_server.messages
    deliver(imap_server, desk_b, ack.as_bytes())
    assert read(desk_b).count("duplicate") == 1  # Kehu's own Message-ID: taken never
    rewritten = ack.as_bytes().replace(b"Message-ID: <", b"Message-ID: <relayed.")
    deliver(imap_server, desk_b, rewritten)  # a relay gave it a new Message-ID
    assert read(desk_b).count("ignored") == 1  # from one of Kehu's own addresses
    assert len(smtp_server.messages) == 1 and Ticket.objects.count() == 1

    # another Kehu's acknowledgement (not one of our addresses) is a robot's answer: it may
    # open a ticket, but B does not acknowledge it, so the two robots stop there
    other = raw_email(
        sender="help@other-kehu.example",
        subject="Re: Hi [#77]",
        message_id="<ack@other-kehu.example>",
        headers="Auto-Submitted: auto-replied",
    )
    deliver(imap_server, desk_b, other)
    assert read(desk_b).count("ticket") == 1
    assert len(smtp_server.messages) == 1


def test_reading_our_own_sent_mail_takes_nothing(imap_server, smtp_server, desk):
    deliver(imap_server, desk, raw_email())
    read(desk)
    (ack,) = smtp_server.messages
    del ack["From"]
    ack["From"] = "someone@customer.example"
    deliver(imap_server, desk, ack.as_bytes())  # a copy with our Message-ID comes back
    assert read(desk).count("duplicate") == 1


# ---------------------------------------------------------------- hostile mail


def test_hostile_mail_is_taken_safely(imap_server, smtp_server, desk, settings, agent, client):
    from django.template.loader import render_to_string

    settings.MAIL_MAX_ATTACHMENT_MB = 0.1
    deliver(imap_server, desk, with_attachments(
        [('filename="big.bin"', b"x" * 200_000),
         ('filename="page.html"', b"<script>alert(1)</script>"),
         ('filename="../../etc/passwd"', b"root")],
        message_id="<files@customer.example>", subject="Files",
    ))  # fmt: skip
    deliver(imap_server, desk, BROKEN_MIME)
    deliver(imap_server, desk, (
        b"From: x@customer.example\r\nTo: support@kehu.example\r\nSubject: <b>html</b>\r\n"
        b"Message-ID: <html@customer.example>\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        b'<p onclick="steal()">Hello<script>alert(1)</script><img src=x onerror=alert(2)></p>'
    ))  # fmt: skip
    deliver(imap_server, desk, raw_email(
        sender="y@customer.example", message_id="<text@customer.example>",
        body='<script>alert("text")</script> <a href="javascript:alert(3)">click</a>',
    ))  # fmt: skip
    deliver(imap_server, desk, b"\x00\xff not mail at all")
    result = read(desk)
    assert result.count("ticket") == 4 and result.unreadable == 1

    files = Ticket.objects.get(first_message_id="<files@customer.example>")
    assert "big.bin" in files.description  # said, not kept
    kept = {a.filename: a for a in TicketAttachment.objects.filter(ticket=files)}
    assert set(kept) == {"page.html", "passwd"}
    broken = Ticket.objects.get(first_message_id="<broken@customer.example>")
    assert "边界从未关闭" in broken.description
    html = Ticket.objects.get(first_message_id="<html@customer.example>")
    assert "script" not in html.description and "Hello" in html.description

    # the ticket page and the file download show nothing the browser would run
    lead = make_user("lead", role="Support lead", team=desk.team)
    client.login(username=lead.username, password=PASSWORD)
    page = client.get(reverse("ticket-detail", args=[html.pk])).content.decode()
    assert "<script>alert" not in page and "onerror" not in page and "<b>html</b>" not in page
    text = Ticket.objects.get(first_message_id="<text@customer.example>")
    page = client.get(reverse("ticket-detail", args=[text.pk])).content.decode()
    assert "<script>alert" not in page and "javascript:alert" not in page
    answer = client.get(reverse("ticket-attachment", args=[files.pk, kept["page.html"].pk]))
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/octet-stream"
    assert answer["X-Content-Type-Options"] == "nosniff"
    assert answer["Content-Disposition"].startswith("attachment")
    listed = render_to_string("service/mailbox/_attachments.html", {"ticket": files})
    assert "page.html" in listed and "passwd" in listed and "big.bin" not in listed
    assert b"".join(answer.streaming_content) == b"<script>alert(1)</script>"


def test_attachments_are_served_only_to_who_sees_the_ticket(imap_server, smtp_server, desk):
    deliver(imap_server, desk, with_attachments([('filename="a.pdf"', b"%PDF")]))
    read(desk)
    attachment = TicketAttachment.objects.get()
    url = reverse("ticket-attachment", args=[attachment.ticket_id, attachment.pk])
    stranger = make_user("stranger", role="Support agent", team=make_team("Elsewhere"))
    client = Client()
    client.login(username=stranger.username, password=PASSWORD)
    assert client.get(url).status_code == 404
    member = make_user("member", role="Support agent", team=desk.team)
    client.login(username=member.username, password=PASSWORD)
    assert client.get(url).status_code == 200
    other = reverse("ticket-attachment", args=[attachment.ticket_id + 1, attachment.pk])
    assert client.get(other).status_code == 404


def test_automatic_mail_is_recognised_from_headers_alone():
    assert parse(raw_email()).automatic == ""
    assert parse(raw_email(headers="Auto-Submitted: no")).automatic == ""
    assert parse(raw_email(headers="Auto-Submitted: auto-replied")).automatic == "auto-reply"
    assert parse(raw_email(headers="Precedence: junk")).automatic == "bulk"
    assert parse(raw_email(sender="Mailer-Daemon@x.example")).automatic == "bounce"


def test_a_failed_delivery_is_shown_to_the_agent(imap_server, desk, agent, settings, client):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens there
    deliver(imap_server, desk, raw_email())
    read(desk)
    ticket = Ticket.objects.get()
    reply = answer(agent, ticket, "Hello")  # the tests' task backend cannot wait: no retry
    delivery = OutgoingTicketMail.objects.get(reply=reply)
    assert delivery.status == "failed" and delivery.error
    from django.template.loader import render_to_string

    html = render_to_string("service/mailbox/_delivery.html", {"message": reply})
    assert "not delivered" in html.lower() and "ConnectionRefusedError" in html
    note = tickets.add_message(agent, ticket, "internal", public=False)
    assert render_to_string("service/mailbox/_delivery.html", {"message": note}).strip() == ""


def test_intake_is_idempotent_without_imap(db, desk_without_server):
    raw = raw_email()
    assert intake.receive(raw, desk_without_server).outcome == "ticket"
    assert intake.receive(raw, desk_without_server).outcome == "duplicate"
    assert Ticket.objects.count() == 1


@pytest.fixture
def desk_without_server(intake_owner, support, settings):
    settings.EMAIL_HOST = ""
    return SupportMailbox.objects.create(
        name="Desk", address="desk@kehu.example", imap_host="imap.invalid", imap_user="u",
        imap_password="p", team=support, person_owner=intake_owner,
    )  # fmt: skip


# ---------------------------------------------------------------- settings


def test_administrators_set_up_mailboxes_and_the_password_is_never_shown(
    client, admin_user, support, intake_owner, agent
):
    from kehu.core.models import AuditEntry

    client.force_login(admin_user)
    form = {
        "name": "客服 Support", "address": "Support@Kehu.example", "team": support.pk,
        "person_owner": intake_owner.pk, "imap_host": "imap.kehu.example",
        "imap_security": "ssl", "imap_port": 993, "imap_user": "support",
        "imap_password": "s3cret-pass", "imap_folder": "INBOX", "acknowledge": "on",
        "active": "on",
    }  # fmt: skip
    assert client.post(reverse("support-mailboxes"), form).status_code == 302
    mailbox = SupportMailbox.objects.get()
    assert (mailbox.address, mailbox.imap_password, mailbox.team) == (
        "support@kehu.example", "s3cret-pass", support)  # fmt: skip
    page = client.get(reverse("support-mailbox-edit", args=[mailbox.pk])).content.decode()
    assert "s3cret-pass" not in page and "support@kehu.example" in page
    # an empty password keeps the stored one
    changed = {**form, "imap_password": "", "name": "Desk", "version": mailbox.version}
    url = reverse("support-mailbox-edit", args=[mailbox.pk])
    assert client.post(url, changed).status_code == 302
    mailbox.refresh_from_db()
    assert (mailbox.name, mailbox.imap_password, mailbox.version) == ("Desk", "s3cret-pass", 2)
    assert "s3cret-pass" not in str(list(AuditEntry.objects.values_list("changes", flat=True)))
    # a colleague who may not create people cannot own the mailbox's new people
    refused = client.post(url, {**changed, "person_owner": agent.pk, "version": 2})
    assert refused.status_code == 200 and "may create people" in refused.content.decode()
    # only administrators
    client.force_login(agent)
    assert client.get(reverse("support-mailboxes")).status_code == 403
    assert client.post(url, {**changed, "name": "Hijack", "version": 2}).status_code == 403
    assert SupportMailbox.objects.get().name == "Desk"


def test_a_temporary_failure_is_tried_again_later_then_given_up(desk_without_server, settings):
    from kehu.service.mailbox.replies import MAX_TRIES, deliver_ticket_mail

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    intake.receive(raw_email(), desk_without_server)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens there
    OutgoingTicketMail.objects.update(status="queued", error="")
    ack = OutgoingTicketMail.objects.get()
    assert deliver_ticket_mail.call(ack.pk) == "retry"
    (later,) = deliver_ticket_mail.get_backend().results
    assert later.args == [ack.pk, 2] and later.task.run_after is not None
    ack.refresh_from_db()
    assert ack.status == "queued" and "ConnectionRefusedError" in ack.error
    assert deliver_ticket_mail.call(ack.pk, MAX_TRIES) == "failed"
    ack.refresh_from_db()
    assert ack.status == "failed"
    assert deliver_ticket_mail.call(ack.pk) == "failed"  # given up: never sent again on its own


def test_the_connection_test_says_whether_kehu_can_read_the_mailbox(
    imap_server, desk, admin_user, client
):
    client.force_login(admin_user)
    url = reverse("support-mailbox-check", args=[desk.pk])
    page = client.post(url, follow=True).content.decode()
    assert "Kehu can read" in page
    SupportMailbox.objects.filter(pk=desk.pk).update(imap_password="wrong")
    page = client.post(url, follow=True).content.decode()
    assert "Kehu cannot read" in page and "wrong" not in page.split("Kehu cannot read")[1][:300]
    assert Ticket.objects.count() == 0  # nothing was read


def test_the_worker_reads_the_support_mailboxes_every_few_minutes(settings, intake_owner):
    from django_tasks_db.models import DBTaskResult

    from kehu.service.mailbox import tasks

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    path = "kehu.service.mailbox.tasks.poll_support_mail"
    tasks.schedule_next()
    assert not DBTaskResult.objects.filter(task_path=path).exists()  # no mailbox: no read
    SupportMailbox.objects.create(
        name="Desk", address="desk@kehu.example", imap_host="127.0.0.1", imap_port=9,
        imap_user="u", imap_password="p", person_owner=intake_owner,
    )  # fmt: skip
    tasks.schedule_next()
    tasks.schedule_next()  # a second worker starting
    (queued,) = DBTaskResult.objects.filter(task_path=path)
    assert queued.status == "READY"
