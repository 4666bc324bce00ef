"""Sending email in the browser: write to a person from a template and see it on the timeline."""

import re

from playwright.sync_api import expect

from kehu.mail import templating as mail_templates
from tests.e2e.helpers import login
from tests.factories import make_company, make_person, make_user


def test_an_email_from_a_template_is_sent_and_shows_on_the_timeline(page, smtp_server):
    admin = make_user("boss", role="Administrator")
    mail_templates.save_template(admin, None, {
        "name": "初次联系", "subject": "{{ company.name }} × Kehu",
        "body": "{{ person.first_name }}您好：\n\n很高兴认识您。\n\n{{ user.name }}"})  # fmt: skip
    user = make_user("lina", first_name="娜", last_name="李")
    company = make_company(user, "青云科技")
    person = make_person(user, "欧阳娜娜", email="nana@qingyun.example", company=company.pk)
    login(page, "lina")
    page.goto(person.get_absolute_url())
    page.get_by_role("link", name="Send email").click()
    expect(page).to_have_url(re.compile(rf"/people/{person.pk}/email/"))
    page.get_by_label("Template").select_option(label="初次联系")
    page.get_by_role("button", name="Use template").click()
    expect(page.get_by_label(re.compile("^Subject"))).to_have_value("青云科技 × Kehu")
    message = page.get_by_label(re.compile("^Message"))
    expect(message).to_have_value("欧阳娜娜您好：\n\n很高兴认识您。\n\n李娜")
    message.fill(message.input_value() + "\n附：产品目录")
    page.get_by_role("button", name="Send email").click()

    expect(page).to_have_url(re.compile(rf"/people/{person.pk}/$"))
    expect(page.get_by_role("status")).to_contain_text("Your email to 欧阳娜娜 is being sent.")
    item = page.locator("#timeline li.activity.email")
    expect(item).to_contain_text("青云科技 × Kehu")
    expect(item).to_contain_text("附：产品目录")
    expect(item.locator(".badge")).to_contain_text(["sent"])
    (received,) = smtp_server.messages
    assert received["To"] == "nana@qingyun.example"
    assert received["Subject"] == "青云科技 × Kehu"
    assert "附：产品目录" in received.get_content()
