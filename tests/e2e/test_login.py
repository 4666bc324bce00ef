"""Logging in, and what a person sees when it goes wrong."""

import re

from django.utils import timezone
from playwright.sync_api import expect

from kehu.accounts.models import User
from tests.e2e.helpers import login, submit_login
from tests.factories import PASSWORD, make_user


def test_login_page_is_styled(page):
    page.goto("/login/")
    expect(page).to_have_title(re.compile("Kehu"))
    css = page.request.get(page.url.split("/login/")[0] + "/static/kehu/kehu.css")
    assert css.status == 200 and ".sidebar" in css.text()
    # the stylesheet is applied, not just served: the login card is not the browser default
    padding = page.locator(".card").first.evaluate("e => getComputedStyle(e).paddingTop")
    assert padding != "0px"


def test_log_in_and_out(page):
    make_user("lina", first_name="Na", last_name="Li")
    login(page, "lina")
    expect(page.get_by_role("link", name="Na Li")).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login/"))
    expect(page.get_by_label("Username")).to_be_visible()


def test_wrong_password_shows_an_error_and_five_failures_lock_the_account(page):
    make_user("wangfang")
    page.goto("/login/")
    for _attempt in range(5):
        submit_login(page, "wangfang", "not-the-password")
        expect(page.get_by_text("Please enter a correct username and password")).to_be_visible()
        expect(page).to_have_url(re.compile(r"/login/"))
    # even the right password does not get in while the account is locked; the page says what
    # it says to anyone (it must not tell that "wangfang" exists)
    submit_login(page, "wangfang", PASSWORD)
    expect(page.get_by_text("an account is locked for a while")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/login/"))
    assert User.objects.get(username="wangfang").locked_until > timezone.now()
