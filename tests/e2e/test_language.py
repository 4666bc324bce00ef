"""Switching the interface to Simplified Chinese."""

from django.utils import translation
from playwright.sync_api import expect

from kehu.accounts.models import User
from tests.e2e.helpers import login
from tests.factories import make_user


def zh(text: str) -> str:
    """`text` as the zh-hans catalogues (ours, then Django's) translate it."""
    with translation.override("zh-hans"):
        return translation.gettext(text)


def test_switch_to_simplified_chinese_and_back(page):
    make_user("lina")
    login(page, "lina")
    page.goto("/people/")
    nav = page.locator("[data-nav]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    english_nav = nav.inner_text()

    nav.get_by_role("button", name="简体中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page).to_have_url(page.url)  # back on the page the switch was made on
    expect(nav.get_by_role("link", name=zh("People"), exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name=zh("Companies"), exact=True)).to_be_visible()
    # "English" comes from Django's own catalogue (英语) if ours does not translate it
    english_button = nav.get_by_role("button", name=zh("English"), exact=True)
    expect(english_button).to_be_visible()
    assert nav.inner_text() != english_nav, "the navigation did not change language"
    assert User.objects.get(username="lina").language == "zh-hans"

    # remembered on the next page, and in the next session
    page.goto("/companies/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")

    page.locator("[data-nav]").get_by_role("button", name=zh("English"), exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(
        page.locator("[data-nav]").get_by_role("link", name="People", exact=True)
    ).to_be_visible()


def test_the_login_page_speaks_chinese_too(page):
    make_user("lina")
    page.goto("/login/")
    page.get_by_role("button", name="简体中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    page.get_by_label(zh("Username")).fill("lina")
    page.get_by_label(zh("Password")).fill("wrong-password")
    page.get_by_role("button", name=zh("Log in"), exact=True).click()
    # Kehu's one answer to every failed login, in Chinese
    message = zh(
        "Please enter a correct username and password. After repeated failures an account "
        "is locked for a while: try again later or ask an administrator."
    )
    assert message.startswith("请输入正确的用户名和密码")
    expect(page.locator(".errorlist")).to_contain_text(message)
