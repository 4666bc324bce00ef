"""Logging in: per-address limit on failed logins (password spraying), and failures that all
look the same, so the login page never tells which usernames exist."""

import datetime
import re

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.test import Client
from django.utils import timezone

from kehu.accounts import login_limits
from kehu.accounts.models import FailedLogin, User
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

SPRAYER = "203.0.113.7"
GENERIC = "Please enter a correct username and password."


WRONG = "Winter2026!"


def attempt(username, password=WRONG, address=SPRAYER, client=None, **headers):
    client = client or Client()
    return client.post(
        "/login/", {"username": username, "password": password}, REMOTE_ADDR=address, **headers
    )


def page_text(response) -> str:
    """The page without what differs on every request (the CSRF token)."""
    text = response.content.decode()
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", text)
    return re.sub(r'"X-CSRFToken": "[^"]*"', "", text)


# ---------------------------------------------------------------- spraying: per address


def test_spraying_many_usernames_from_one_address_is_slowed_down(settings):
    settings.LOGIN_MAX_FAILURES_PER_ADDRESS, settings.LOGIN_ADDRESS_WINDOW_MINUTES = 20, 15
    make_user("lina")
    for n in range(20):
        response = attempt(f"user{n}")
        assert response.status_code == 200, n
        assert GENERIC in response.content.decode()
    response = attempt("user20")
    assert response.status_code == 429
    assert 840 <= int(response["Retry-After"]) <= 900
    assert "Too many failed logins from your network. Try again in 15 min." in page_text(response)
    # even the right password of a real account does not get in from there now ...
    refused = attempt("lina", PASSWORD)
    assert refused.status_code == 429 and "_auth_user_id" not in refused.client.session
    # ... nor is it counted against the account or the address
    assert User.objects.get(username="lina").failed_logins == 0
    assert FailedLogin.objects.filter(address=SPRAYER).count() == 20
    # another address is not held up
    assert attempt("lina", PASSWORD, address="198.51.100.4").status_code == 302


def test_the_limit_answers_in_chinese_too(settings):
    settings.LOGIN_MAX_FAILURES_PER_ADDRESS = 3
    for n in range(3):
        attempt(f"user{n}")
    response = attempt("user3", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert response.status_code == 429
    assert "您所在网络的登录失败次数过多，请 15 分钟后再试。" in response.content.decode()


def test_the_window_slides_and_old_failures_are_forgotten(settings):
    settings.LOGIN_MAX_FAILURES_PER_ADDRESS, settings.LOGIN_ADDRESS_WINDOW_MINUTES = 3, 15
    make_user("lina")
    now = timezone.now()
    for minutes_ago in (14, 10, 2):
        login_limits.record_failure(SPRAYER, now=now - datetime.timedelta(minutes=minutes_ago))
    response = attempt("lina", PASSWORD)
    assert response.status_code == 429
    # free again when the oldest of the three leaves the window: in about a minute
    assert 50 <= int(response["Retry-After"]) <= 61
    FailedLogin.objects.filter(at__lt=now - datetime.timedelta(minutes=13)).update(
        at=now - datetime.timedelta(minutes=16)
    )
    assert attempt("lina", "wrong").status_code == 200
    # that failure was counted, and the row that left the window is gone
    assert FailedLogin.objects.count() == 3
    assert attempt("lina", PASSWORD).status_code == 429


def test_behind_a_proxy_the_proxys_last_forwarded_address_counts(settings):
    settings.LOGIN_MAX_FAILURES_PER_ADDRESS, settings.BEHIND_PROXY = 2, True
    make_user("lina")
    proxy = "10.0.0.1"
    for n in range(2):  # the sprayer writes a different address in front each time
        attempt(f"u{n}", address=proxy, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, {SPRAYER}")
    response = attempt("lina", PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR=f"1.1.1.1, {SPRAYER}")
    assert response.status_code == 429
    # someone else behind the same proxy logs in
    other = attempt("lina", PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR="198.51.100.4")
    assert other.status_code == 302


def test_an_ipv6_client_is_counted_by_its_64_network(settings):
    settings.LOGIN_MAX_FAILURES_PER_ADDRESS = 2
    attempt("u1", address="2001:db8:1:2::1")
    attempt("u2", address="2001:db8:1:2:ffff::9")
    assert attempt("u3", address="2001:db8:1:2::abcd").status_code == 429
    assert attempt("u3", address="2001:db8:1:3::1").status_code == 200
    assert login_limits.address_key("::ffff:203.0.113.7") == SPRAYER


def test_zero_turns_the_limit_off(settings):
    settings.LOGIN_MAX_FAILURES_PER_ADDRESS = 0
    for n in range(25):
        assert attempt(f"user{n}").status_code == 200
    assert not FailedLogin.objects.exists()


def test_per_account_lockout_still_works(settings):
    settings.LOGIN_MAX_FAILURES = 3
    make_user("lina")
    for _ in range(3):
        attempt("lina", "wrong")
    assert User.objects.get(username="lina").locked_until > timezone.now()
    assert attempt("lina", PASSWORD, address="198.51.100.4").status_code == 200


# ---------------------------------------------------------------- nothing tells who exists


def test_a_locked_account_gets_the_same_page_as_an_unknown_username(settings):
    settings.LOGIN_MAX_FAILURES = 3
    make_user("lina")
    for _ in range(3):
        attempt("lina", "wrong", address="198.51.100.1")
    assert User.objects.get(username="lina").locked_until > timezone.now()
    locked_wrong = attempt("lina", "wrong", address="198.51.100.2")
    locked_right = attempt("lina", PASSWORD, address="198.51.100.3")
    unknown = attempt("nobody", "wrong", address="198.51.100.4")
    make_user("other")
    wrong = attempt("other", "wrong", address="198.51.100.5")
    pages = [page_text(r).replace("lina", "X").replace("nobody", "X").replace("other", "X")
             for r in (locked_wrong, locked_right, unknown, wrong)]  # fmt: skip
    assert len(set(pages)) == 1
    assert "locked for a while" in page_text(unknown)
    assert {r.status_code for r in (locked_wrong, locked_right, unknown, wrong)} == {200}


class CountingHasher(MD5PasswordHasher):
    """MD5 (fast, for tests) that counts how often a password is hashed."""

    calls = 0

    def encode(self, password, salt):
        type(self).calls += 1
        return super().encode(password, salt)


def test_every_failed_login_hashes_the_password_once(settings):
    """The time a failure takes does not tell a locked account from an unknown username."""
    settings.PASSWORD_HASHERS = ["tests.accounts.test_login_limits.CountingHasher"]
    settings.LOGIN_MAX_FAILURES = 1
    make_user("lina")
    attempt("lina", "wrong", address="198.51.100.1")  # now locked
    assert User.objects.get(username="lina").locked_until > timezone.now()
    for username, password in (("lina", "wrong"), ("lina", PASSWORD), ("nobody", "x")):
        CountingHasher.calls = 0
        attempt(username, password, address="198.51.100.2")
        assert CountingHasher.calls == 1, (username, password)
