"""Received email in the browser: it shows on the person's timeline; an unknown sender is
reviewed and becomes a person; .eml files are uploaded."""

import re

from playwright.sync_api import expect

from kehu.customers.models import Person
from kehu.mail import receiving as mail_receive
from tests.e2e.helpers import login
from tests.factories import make_person, make_user
from tests.mail.mail_samples import GBK_EMAIL, GBK_SUBJECT, b64_word, raw_email


def test_an_email_from_a_customer_is_on_their_timeline(page):
    lina = make_user("lina")
    person = make_person(lina, "李雷", email="li.lei@customer.example")
    mail_receive.receive(
        raw_email(subject="关于报价 Quote please", body="请尽快报价，谢谢。"), source="imap"
    )

    login(page, "lina")
    page.goto(f"/people/{person.pk}/")
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("关于报价 Quote please")
    expect(timeline).to_contain_text("请尽快报价，谢谢。")
    expect(timeline).to_contain_text("li.lei@customer.example")


def test_an_unknown_sender_is_reviewed_and_made_a_person(page):
    make_user("lina")
    sender = b64_word("韩梅梅", "gbk") + " <han.meimei@newcustomer.example>"
    mail_receive.receive(raw_email(sender=sender, subject="初次联系 First contact"))

    login(page, "lina")
    page.get_by_role("link", name="Email to review").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Email to review")
    page.get_by_role("link", name="初次联系 First contact").click()
    expect(page.get_by_label("Name *")).to_have_value("韩梅梅")
    expect(page.get_by_label("Email", exact=True)).to_have_value("han.meimei@newcustomer.example")
    page.get_by_role("button", name="Create person and link").click()

    expect(page.get_by_text("No email is waiting for review.")).to_be_visible()
    page.get_by_role("link", name="韩梅梅").click()
    expect(page).to_have_url(re.compile(r"/people/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("韩梅梅")
    expect(page.locator("#timeline")).to_contain_text("初次联系 First contact")
    assert Person.objects.get(email="han.meimei@newcustomer.example").owner.username == "lina"


def test_uploading_eml_files_reports_each_one(page, tmp_path):
    lina = make_user("lina")
    make_person(lina, "李雷", email="li.lei@customer.example")
    (tmp_path / "quote.eml").write_bytes(raw_email(subject="Quote by upload"))
    (tmp_path / "gbk.eml").write_bytes(GBK_EMAIL)
    (tmp_path / "photo.eml").write_bytes(b"\x89PNG\r\n\x1a\n")

    login(page, "lina")
    page.goto("/emails/upload/")
    page.get_by_label("Email files (.eml)").set_input_files(
        [tmp_path / "quote.eml", tmp_path / "gbk.eml", tmp_path / "photo.eml"]
    )
    page.get_by_role("button", name="Upload").click()
    report = page.locator("table.upload-report")
    expect(report.locator("tr", has_text="quote.eml")).to_contain_text("On the timeline of 李雷")
    expect(report.locator("tr", has_text="gbk.eml")).to_contain_text("waiting for review")
    expect(report.locator("tr", has_text="gbk.eml")).to_contain_text(GBK_SUBJECT)
    expect(report.locator("tr", has_text="photo.eml")).to_contain_text("not an email")
