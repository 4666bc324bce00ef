"""Receiving email: reading broken mail, filing it on people, threading, the review list and
uploading .eml files."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kehu.activities.models import Activity
from kehu.core.models import AuditEntry
from kehu.customers.models import Person
from kehu.mail import receiving as mail_receive
from kehu.mail.models import EmailMessage
from kehu.mail.parsing import generated_message_id, parse
from kehu.mail.review import services as mail_review
from tests.factories import make_company, make_person, make_user
from tests.mail.mail_samples import (
    BROKEN_MIME,
    GBK_EMAIL,
    GBK_SUBJECT,
    UNKNOWN_CHARSET,
    b64_word,
    raw_email,
    with_attachments,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(rep):
    company = make_company(rep, "韩梅梅贸易有限公司")
    return make_person(rep, "李雷", email="li.lei@customer.example", company=company.pk)


def _emails_on(person):
    return list(Activity.objects.on(person).filter(kind="email").select_related("email"))


# ---------------------------------------------------------------- reading broken mail


def test_a_gbk_subject_and_a_gb2312_label_on_gbk_text_come_out_right():
    parsed = parse(GBK_EMAIL)
    assert parsed.subject == GBK_SUBJECT
    assert parsed.from_name == "王喆"
    assert parsed.text == "您好，我是王喆。请报价。"
    assert parsed.problems == []


def test_an_unknown_charset_is_read_as_best_it_can_be_and_said():
    parsed = parse(UNKNOWN_CHARSET)
    assert parsed.text == "Grüße aus Köln, 你好"
    assert "x-klingon" in " ".join(parsed.problems)


def test_broken_mime_keeps_what_can_be_read():
    parsed = parse(BROKEN_MIME)
    assert "边界从未关闭" in parsed.text
    assert [a.filename for a in parsed.attachments] == ["cut.pdf"]
    assert "broken" in " ".join(parsed.problems)


def test_html_is_sanitised_and_gives_the_text():
    raw = (
        b"From: a@customer.example\r\nSubject: html\r\nMessage-ID: <h@x>\r\n"
        b"Content-Type: text/html; charset=utf-8\r\n\r\n"
        b'<p onclick="steal()">Hi <b>there</b><script>alert(1)</script>'
        b'<a href="javascript:evil()">x</a><img src="http://track.example/p.gif"></p>'
        b'<style>p{}</style><a href="https://ok.example/">ok</a>'
    )
    parsed = parse(raw)
    for bad in ("script", "onclick", "javascript", "<img", "track.example", "<style"):
        assert bad not in parsed.html
    assert "<b>there</b>" in parsed.html
    assert 'href="https://ok.example/"' in parsed.html
    assert parsed.text.startswith("Hi there")


def test_a_calendar_part_without_a_name_is_an_attachment_not_the_text():
    """An invitation's answer carries its calendar as a nameless text/calendar alternative:
    the person reads the text part on the timeline, not BEGIN:VCALENDAR."""
    raw = (
        b"From: a@customer.example\r\nSubject: Accepted\r\nMessage-ID: <c@x>\r\n"
        b"MIME-Version: 1.0\r\n"
        b'Content-Type: multipart/alternative; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        b"I will come.\r\n"
        b"--b\r\nContent-Type: text/calendar; method=REPLY; charset=utf-8\r\n\r\n"
        b"BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nEND:VCALENDAR\r\n"
        b"--b--\r\n"
    )
    parsed = parse(raw)
    assert parsed.text == "I will come."
    assert [a.filename.rsplit(".", 1)[-1] for a in parsed.attachments] == ["ics"]


def test_attachment_names_in_rfc2231_and_encoded_words_are_decoded():
    raw = with_attachments(
        [
            ("filename*=UTF-8''%E6%8A%A5%E4%BB%B7%E5%8D%95.pdf", b"%PDF-1.4"),
            ("filename*=gbk''%D6%D0%CE%C4.txt", b"hello"),
            (f'filename="{b64_word("合同.docx", "gbk")}"', b"docx"),
            ('filename="../../etc/passwd"', b"root"),
        ]
    )
    names = [a.filename for a in parse(raw).attachments]
    assert names == ["报价单.pdf", "中文.txt", "合同.docx", "passwd"]


def test_mail_without_message_id_or_date_gets_a_stable_id(rep):
    raw = raw_email(message_id=None, date=None)
    parsed = parse(raw)
    assert parsed.message_id == generated_message_id(raw) == parse(raw).message_id
    assert parsed.date is None
    first = mail_receive.receive(raw, owner=rep, source="upload")
    again = mail_receive.receive(raw, owner=rep, source="upload")
    assert (first.outcome, again.outcome) == ("review", "duplicate")
    assert EmailMessage.objects.count() == 1
    assert abs(first.message.sent_at - datetime.datetime.now(datetime.UTC)).total_seconds() < 60


@pytest.mark.parametrize(
    "raw", [b"", b"\x89PNG\r\n\x1a\n\x00\x00", b"just some text\nwith lines", b"hello: world"]
)
def test_bytes_that_are_not_email_are_refused_clearly(raw, rep):
    with pytest.raises(mail_receive.UnreadableEmail, match="not an email"):
        mail_receive.receive(raw, owner=rep, source="upload")
    assert EmailMessage.objects.count() == 0


# ---------------------------------------------------------------- filing and review


def test_mail_from_a_known_person_lands_on_their_timeline(customer, rep):
    raw = raw_email(sender="Li Lei <LI.LEI@Customer.Example>")
    received = mail_receive.receive(raw, source="imap")
    assert received.outcome == "matched"
    message = received.message
    assert (message.direction, message.status) == ("in", "received")
    assert message.raw.read() == raw  # byte for byte
    [activity] = _emails_on(customer)
    assert activity == message.activity
    assert activity.subject == "Quote request"
    assert activity.body == "Hello, please send us a quote."
    assert activity.at == datetime.datetime(2026, 12, 1, 1, 30, tzinfo=datetime.UTC)
    assert activity.company_id == customer.company_id  # on the company's timeline too
    assert activity.owner == rep  # the person's owner: no mailbox owner was given
    assert AuditEntry.objects.filter(object_id=activity.pk, action="create").exists()


def test_the_mailbox_owner_owns_it_when_they_may_see_the_person(customer, manager, outsider):
    mine = mail_receive.receive(raw_email(), owner=manager)
    assert mine.message.activity.owner == manager and mine.message.owner == manager
    hidden = mail_receive.receive(raw_email(message_id="<q2@customer.example>"), owner=outsider)
    assert hidden.outcome == "matched"
    assert hidden.message.activity.owner == customer.owner  # not the outsider: they cannot see
    assert not Activity.objects.visible_to(outsider).filter(pk=hidden.message.activity_id)


def test_an_unknown_sender_waits_for_review_and_nothing_is_created(rep):
    people, activities = Person.objects.count(), Activity.objects.count()
    received = mail_receive.receive(raw_email(sender="stranger@nowhere.example"), owner=rep)
    assert received.outcome == "review"
    assert received.message.status == "review" and received.message.activity is None
    assert (Person.objects.count(), Activity.objects.count()) == (people, activities)
    assert list(mail_review.review_queue(rep)) == [received.message]


def test_mail_a_user_sent_from_their_own_client_goes_on_the_recipient(customer, team_a):
    seller = make_user("seller", team=team_a, email="seller@kehu.example", role="Manager")
    raw = raw_email(
        sender="Seller <seller@kehu.example>",
        to="Colleague <rep@kehu.example>, 李雷 <li.lei@customer.example>",
        subject="Your quote",
        message_id="<out1@kehu.example>",
    )
    received = mail_receive.receive(raw, source="imap")
    assert received.outcome == "matched" and received.record == customer
    assert received.message.direction == "out" and received.message.owner == seller
    assert received.message.activity.owner == seller


FORGED = (
    "Authentication-Results: mx.kehu.example; spf=fail smtp.mailfrom=kehu.example; "
    "dkim=none; dmarc=fail (p=none) header.from=kehu.example"
)


@pytest.mark.parametrize(
    ("results", "forged"),
    [
        (None, False),  # no verdict: nothing is known
        ("mx.example; dmarc=pass header.from=kehu.example", False),
        ("mx.example; spf=fail smtp.mailfrom=x; dkim=pass header.d=kehu.example", False),
        ("mx.example; dkim=fail; dkim=pass header.d=kehu.example; spf=softfail", False),
        ("mx.example; spf=softfail smtp.mailfrom=kehu.example; dkim=none", True),
        ("mx.example; spf=pass; dkim=pass; DMARC=FAIL header.from=kehu.example", True),
        ("mx.example; x-dmarc=fail; spf=pass", False),  # not a DMARC verdict
        # a comment is no verdict
        ("mx.example; arc=pass (i=1 spf=fail); dkim=none; spf=pass smtp.mailfrom=x", False),
        ("mx.example; dmarc=pass (was dmarc=fail upstream) header.from=kehu.example", False),
        # a header the parser cannot read (an internationalised domain, RFC 8616, or broken
        # nesting) is still searched for its verdicts
        ("mx.example; dkim=none; spf=fail smtp.mailfrom=例子.中国", True),
        ("mx.example; dmarc=fail header.from=x; spf=pass (" + "(" * 3000, True),
        ("mx.example; " + "spf=fail; " * 2000, True),  # too long to parse: searched
    ],
)
def test_the_receiving_server_s_sender_checks_are_read(results, forged):
    from kehu.mail.parsing import sender_failed_checks

    assert sender_failed_checks(results) is forged


def test_mail_forged_in_a_colleague_s_name_is_not_their_email(customer, team_a):
    """Anyone can write a colleague's address in From; when the mailbox's own server says the
    sender checks failed, the message is not filed as the colleague's sent mail."""
    make_user("seller", team=team_a, email="seller@kehu.example", role="Manager")
    raw = raw_email(
        sender="Seller <seller@kehu.example>",
        to="李雷 <li.lei@customer.example>",
        message_id="<forged@attacker.example>",
        headers=FORGED + "\nAuthentication-Results: fake.example; dmarc=pass",
    )
    received = mail_receive.receive(raw, source="imap")
    assert received.outcome == "review" and received.message.direction == "in"
    assert received.message.owner is None and not _emails_on(customer)
    assert "does not really come from seller@kehu.example" in received.message.error


def test_a_reply_is_threaded_and_filed_with_its_conversation(customer, rep):
    first = mail_receive.receive(raw_email(), owner=rep).message
    reply = raw_email(
        sender="Han Meimei <han@customer-other.example>",  # a colleague nobody knows yet
        subject="Re: Quote request",
        message_id="<q1-reply@customer-other.example>",
        headers="In-Reply-To: <q1@customer.example>\nReferences: <q1@customer.example>",
    )
    received = mail_receive.receive(reply, owner=rep)
    assert received.outcome == "matched" and received.record == customer
    assert received.message.thread_key == first.thread_key == "<q1@customer.example>"
    third = raw_email(
        sender="li.lei@customer.example",
        message_id="<q1-3@customer.example>",
        headers="References: <q1@customer.example> <q1-reply@customer-other.example>",
    )
    assert mail_receive.receive(third, owner=rep).message.thread_key == "<q1@customer.example>"
    assert len(_emails_on(customer)) == 3


def test_a_reply_to_a_message_kehu_never_saw_still_groups_by_its_root(rep):
    raw = raw_email(
        sender="x@unknown.example",
        headers="In-Reply-To: <b@y>\nReferences: <root@y> <b@y>",
    )
    assert mail_receive.receive(raw, owner=rep).message.thread_key == "<root@y>"


def test_attachments_are_stored_and_one_over_the_limit_is_listed_not_kept(rep, settings):
    settings.MAIL_MAX_ATTACHMENT_MB = 0.05  # 52 kB
    big = b"\x00" * 200_000
    raw = with_attachments(
        [("filename*=UTF-8''%E5%A4%A7%E6%96%87%E4%BB%B6.zip", big), ('filename="a.txt"', b"hi")]
    )
    message = mail_receive.receive(raw, owner=rep).message
    big_one, small = message.attachments.order_by("id")
    assert (big_one.filename, big_one.size, big_one.file.name) == ("大文件.zip", 200_000, "")
    assert small.file.read() == b"hi" and small.size == 2
    assert "大文件.zip" in message.error
    assert message.text == "See the files."  # the message itself is kept


def test_malformed_mail_is_kept_with_the_problem_said(rep):
    for raw in (BROKEN_MIME, UNKNOWN_CHARSET, GBK_EMAIL):
        message = mail_receive.receive(raw, owner=rep).message
        assert message.raw.read() == raw
    stored = {m.message_id: m for m in EmailMessage.objects.all()}
    assert "boundary never closes" in stored["<broken@customer.example>"].text
    assert "x-klingon" in stored["<klingon@customer.example>"].error
    assert stored["<gbk1@customer.example>"].subject == GBK_SUBJECT


# ---------------------------------------------------------------- the review list


def test_the_review_list_shows_only_mail_of_mailboxes_in_scope(
    rep, teammate, manager, outsider, readonly_user, admin_user
):
    mine = mail_receive.receive(raw_email(sender="s@x.example"), owner=rep).message
    shared = mail_receive.receive(raw_email(sender="s@x.example", message_id="<2@x>")).message
    assert set(mail_review.review_queue(rep)) == {mine, shared}
    assert set(mail_review.review_queue(manager)) == {mine, shared}
    assert set(mail_review.review_queue(admin_user)) == {mine, shared}
    assert set(mail_review.review_queue(teammate)) == {shared}
    assert set(mail_review.review_queue(outsider)) == {shared}
    assert not mail_review.review_queue(readonly_user).exists()


def test_linking_from_the_review_list(client, rep, customer):
    message = mail_receive.receive(raw_email(sender="other@x.example"), owner=rep).message
    client.force_login(rep)
    page = client.get(f"/emails/review/{message.pk}/", {"q": "李雷"})
    assert page.status_code == 200 and "李雷" in page.content.decode()
    response = client.post(f"/emails/review/{message.pk}/link/", {"person": customer.pk})
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.status == "received" and message.activity.record == customer
    assert message.activity.owner == rep
    assert not mail_review.review_queue(rep).exists()
    assert client.get("/emails/review/").status_code == 200


def test_linking_to_someone_you_cannot_see_is_refused(client, rep, outsider):
    theirs = make_person(outsider, "外人", email="o@x.example")
    message = mail_receive.receive(raw_email(sender="s@x.example"), owner=rep).message
    client.force_login(rep)
    response = client.post(f"/emails/review/{message.pk}/link/", {"person": theirs.pk})
    assert response.status_code == 400
    assert "Choose a person you can see." in response.content.decode()
    message.refresh_from_db()
    assert message.status == "review" and message.activity is None


def test_a_person_is_made_from_the_sender(client, rep):
    raw = raw_email(sender=b64_word("韩梅梅", "gbk") + " <han@new.example>")
    message = mail_receive.receive(raw, owner=rep).message
    client.force_login(rep)
    page = client.get(f"/emails/review/{message.pk}/").content.decode()
    assert 'value="韩梅梅"' in page and 'value="han@new.example"' in page  # prefilled
    bad = client.post(f"/emails/review/{message.pk}/person/", {"name": "", "email": "nope"})
    assert bad.status_code == 400
    assert not Person.objects.filter(email="nope").exists()
    response = client.post(
        f"/emails/review/{message.pk}/person/", {"name": "韩梅梅", "email": "han@new.example"}
    )
    assert response.status_code == 302
    person = Person.objects.get(email="han@new.example")
    assert person.owner == rep and person.name == "韩梅梅"
    assert [a.email for a in _emails_on(person)] == [message]
    # the next mail from her is filed without review
    later = raw_email(sender="han@new.example", message_id="<later@new.example>")
    assert mail_receive.receive(later, owner=rep).outcome == "matched"


def test_ignoring_takes_it_off_the_list(client, rep):
    message = mail_receive.receive(raw_email(sender="spam@x.example"), owner=rep).message
    client.force_login(rep)
    assert client.post(f"/emails/review/{message.pk}/ignore/").status_code == 302
    message.refresh_from_db()
    assert message.status == "ignored" and not Activity.objects.exists()


def test_others_mail_in_review_is_not_found_and_read_only_users_may_not_review(
    client, rep, outsider, readonly_user
):
    message = mail_receive.receive(raw_email(sender="s@x.example"), owner=rep).message
    client.force_login(outsider)
    assert client.get(f"/emails/review/{message.pk}/").status_code == 404
    assert client.post(f"/emails/review/{message.pk}/ignore/").status_code == 404
    client.force_login(readonly_user)
    assert client.get("/emails/review/").status_code == 403
    assert client.get("/emails/upload/").status_code == 403
    message.refresh_from_db()
    assert message.status == "review"


# ---------------------------------------------------------------- uploading .eml files


def test_uploading_eml_files_reports_each_one(client, rep, customer, outsider):
    theirs = make_person(outsider, "外人", email="o@outsider.example")
    client.force_login(rep)
    files = [
        SimpleUploadedFile("known.eml", raw_email()),
        SimpleUploadedFile("stranger.eml", raw_email(sender="s@x.example", message_id="<s@x>")),
        SimpleUploadedFile("again.eml", raw_email()),
        SimpleUploadedFile("photo.eml", b"\x89PNG\r\n\x1a\n\x00\x00\x00"),
        SimpleUploadedFile("empty.eml", b""),
        SimpleUploadedFile("gbk.eml", GBK_EMAIL),
        SimpleUploadedFile("hidden.eml", raw_email(sender="o@outsider.example", message_id="<o@>")),
    ]
    response = client.post("/emails/upload/", {"files": files})
    assert response.status_code == 200
    rows = response.context["rows"]
    outcomes = {row["filename"]: row["outcome"] for row in rows}
    assert outcomes == {
        "known.eml": "matched",
        "stranger.eml": "review",
        "again.eml": "duplicate",
        "photo.eml": "unreadable",
        "empty.eml": "unreadable",
        "gbk.eml": "review",
        # an upload files only on people the uploader may see: the rest wait for review
        "hidden.eml": "review",
    }
    page = response.content.decode()
    assert "李雷" in page and "not an email" in page
    assert "外人" not in page
    assert _emails_on(theirs) == []
    assert len(_emails_on(customer)) == 1


def test_uploading_nothing_says_so(client, rep):
    client.force_login(rep)
    response = client.post("/emails/upload/", {})
    assert response.status_code == 400
    assert "Choose one or more .eml files." in response.content.decode()


def test_the_review_list_costs_the_same_queries_however_long(client, rep):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(rep)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/emails/review/").status_code == 200
        return len(captured)

    files = [('filename="a.txt"', b"a"), ('filename="b.txt"', b"b")]
    mail_receive.receive(with_attachments(files, sender="s@x.example"), owner=rep)
    few = queries()
    for n in range(5):
        raw = with_attachments(files, sender=f"s{n}@x.example", message_id=f"<m{n}@x>")
        mail_receive.receive(raw, owner=rep)
    assert queries() == few


def test_people_of_the_senders_company_domain_are_suggested(client, rep, customer):
    make_person(rep, "路人", email="someone@qq.com")
    colleague = mail_receive.receive(raw_email(sender="boss@customer.example"), owner=rep)
    free_mail = mail_receive.receive(
        raw_email(sender="Li Lei <lilei1990@qq.com>", message_id="<qq@qq.com>"), owner=rep
    )
    client.force_login(rep)
    page = client.get(f"/emails/review/{colleague.message.pk}/")
    assert [p.name for p in page.context["people"]] == ["李雷"]
    page = client.get(f"/emails/review/{free_mail.message.pk}/")
    assert "路人" not in [p.name for p in page.context["people"]]


def test_a_reply_in_a_private_conversation_stays_private(customer, rep, manager):
    from kehu.activities.services import log_activity, set_private

    sent = log_activity(rep, customer, "email", {"subject": "私下的报价 Private quote"})
    set_private(rep, sent, True)
    EmailMessage.objects.create(
        activity=sent, owner=rep, direction="out", status="sent",
        message_id="<p1@kehu.example>", thread_key="<p1@kehu.example>",
        to=[customer.email], subject="私下的报价 Private quote",
    )  # fmt: skip
    reply = raw_email(
        subject="Re: 私下的报价",
        message_id="<p1-re@customer.example>",
        headers="In-Reply-To: <p1@kehu.example>",
    )
    activity = mail_receive.receive(reply, owner=manager).message.activity
    assert activity.private and activity.owner == rep
    assert activity.record == customer
    assert not Activity.objects.visible_to(manager).filter(pk=activity.pk).exists()
    assert Activity.objects.visible_to(rep).filter(pk=activity.pk).exists()


def test_mail_built_to_break_readers_is_skipped_not_fatal(rep, customer):
    """UTF-7 lone surrogates, NUL bytes and deep nesting: stored cleanly or reported, never
    a crash that would stop the mailbox."""
    from kehu.mail import receiving as mail_receive

    utf7 = raw_email(subject="=?utf-7?Q?+2AA-?=", message_id="<utf7@x>")
    received = mail_receive.receive(utf7, owner=rep, source="imap")
    assert "\ud800" not in received.message.subject
    nul = raw_email(message_id="<n\x00ul@x>")
    assert "\x00" not in mail_receive.receive(nul, owner=rep).message.message_id
    deep = b"From: a@b.example\r\nSubject: deep\r\nMessage-ID: <deep@x>\r\n"
    deep += b"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
    deep += b"--b\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" * 1500
    received = mail_receive.receive(deep, owner=rep)
    assert received.message.subject == "deep"


def test_an_uploaded_duplicate_shows_nothing_of_the_stored_one(client, rep, outsider, customer):
    from kehu.mail import receiving as mail_receive

    secret = raw_email(subject="Secret floor price", message_id="<secret@x>")
    mail_receive.receive(secret, owner=rep)
    client.force_login(outsider)
    stub = raw_email(sender="x@y.example", subject="stub", message_id="<secret@x>")
    response = client.post("/emails/upload/", {"files": [SimpleUploadedFile("s.eml", stub)]})
    assert response.context["rows"][0]["outcome"] == "duplicate"
    assert "Secret floor price" not in response.content.decode()


def test_an_upload_claiming_to_be_from_a_colleague_is_not_their_mail(
    client, rep, manager, customer
):
    from kehu.mail import receiving as mail_receive

    manager.email = "boss@kehu.example"
    manager.save()
    forged = raw_email(sender="boss@kehu.example", message_id="<forged@x>")
    received = mail_receive.receive(forged, owner=rep, source="upload")
    assert received.message.direction == "in" and received.message.owner != manager
