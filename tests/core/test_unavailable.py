"""Which database errors answer 503 (the database is away or locked) and which stay 500 (bugs).

The real outages, with real processes, are in tests/test_outages.py; these check the sorting
of errors and the shape of the answers on the test database.
"""

import sqlite3
import time
from unittest import mock

import pytest
from django.db import (
    InterfaceError,
    OperationalError,
    ProgrammingError,
    connection,
    connections,
)
from django.test import Client

from kehu.accounts.models import ApiToken
from kehu.core.unavailable import unavailable_reason, write_if_free
from kehu.settings import database_from_url

LOCKED = OperationalError("database is locked")
REFUSED = OperationalError(
    'connection failed: FATAL:  database "kehu" is not currently accepting connections'
)
MISSING_TABLE = OperationalError("no such table: customers_person")


def test_errors_are_sorted_into_outages_and_bugs():
    assert unavailable_reason(LOCKED) == "locked"
    assert unavailable_reason(InterfaceError("connection already closed")) == "unreachable"
    assert unavailable_reason(ProgrammingError('relation "x" does not exist')) is None
    assert unavailable_reason(ValueError("database is locked")) is None
    assert unavailable_reason(None) is None
    if connection.vendor == "sqlite":  # SQLite's OperationalError is also a missing table
        assert unavailable_reason(MISSING_TABLE) is None
        assert unavailable_reason(OperationalError("unable to open database file")) == (
            "unreachable"
        )
    else:  # PostgreSQL's OperationalError is always about the connection or the server
        assert unavailable_reason(REFUSED) == "unreachable"


@pytest.fixture
def browser(admin_user):
    client = Client(raise_request_exception=False)
    client.force_login(admin_user)
    return client


def _failing_page(error):
    """Every signed-in page counts the bell's notifications: make that query fail."""
    return mock.patch("kehu.activities.notifications.services.unread_count", side_effect=error)


@pytest.mark.django_db
def test_a_page_during_an_outage_is_a_friendly_503_in_the_users_language(browser, admin_user):
    with _failing_page(LOCKED):
        reply = browser.get("/people/", HTTP_ACCEPT_LANGUAGE="en")
    assert reply.status_code == 503
    assert reply["Retry-After"] == "5"
    assert "Kehu is briefly unavailable" in reply.content.decode()
    assert "another program holds its write lock" in reply.content.decode()
    assert "This page reloads by itself" in reply.content.decode()

    admin_user.language = "zh-hans"
    admin_user.save()
    with _failing_page(LOCKED):
        reply = browser.get("/people/")
    assert reply.status_code == 503
    assert "暂时无法使用" in reply.content.decode()


@pytest.mark.django_db
def test_a_bug_in_a_page_is_still_a_500(browser):
    error = ProgrammingError("syntax error at or near x")
    with _failing_page(error):
        reply = browser.get("/people/")
    assert reply.status_code == 500
    assert "Retry-After" not in reply


@pytest.mark.django_db
def test_the_api_answers_503_json_when_authentication_cannot_reach_the_database(client):
    closed = InterfaceError("the connection is closed")
    with mock.patch.object(ApiToken, "authenticate", side_effect=closed):
        reply = client.get("/api/v1/people", HTTP_AUTHORIZATION="Bearer kehu_whatever")
    assert reply.status_code == 503
    assert reply["Retry-After"] == "5"
    body = reply.json()
    assert body["status"] == "unavailable"
    assert body["detail"].startswith("The database cannot be reached")


@pytest.mark.django_db
def test_the_api_answers_503_json_when_the_session_cannot_be_read():
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "x" * 32
    target = "django.contrib.sessions.backends.db.SessionStore.load"
    with mock.patch(target, side_effect=InterfaceError("connection already closed")):
        reply = client.get("/api/v1/people")
    assert reply.status_code == 503
    assert reply.json()["database"] == "unreachable"


@pytest.mark.django_db
def test_healthz_says_ok_and_what_is_wrong_when_the_database_is_away(client):
    assert client.get("/healthz").json() == {"status": "ok", "database": "ok"}
    with mock.patch("django.db.backends.utils.CursorWrapper.execute", side_effect=REFUSED):
        reply = client.get("/healthz")
    assert reply.status_code == 503
    assert reply["Retry-After"] == "5"
    assert reply.json()["status"] == "unavailable"


@pytest.mark.django_db
def test_a_token_notes_when_it_was_used(admin_user):
    token, secret = ApiToken.issue(admin_user, "script")
    assert ApiToken.authenticate(secret) == admin_user
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.fixture
def sqlite_file_alias(tmp_path, django_db_blocker):
    alias = "bookkeeping"
    config = database_from_url(f"sqlite:///{tmp_path / 'b.sqlite3'}")
    configured = connections.configure_settings({"default": config, alias: dict(config)})
    connections.settings[alias] = configured[alias]
    with django_db_blocker.unblock():
        with connections[alias].cursor() as cursor:
            cursor.execute("CREATE TABLE seen (id INTEGER PRIMARY KEY, n INTEGER)")
            cursor.execute("INSERT INTO seen VALUES (1, 0)")
        yield alias, tmp_path / "b.sqlite3"
        connections[alias].close()
    del connections.settings[alias]


def test_a_bookkeeping_write_is_skipped_at_once_while_another_process_holds_the_lock(
    sqlite_file_alias,
):
    alias, path = sqlite_file_alias

    def note():
        with connections[alias].cursor() as cursor:
            cursor.execute("UPDATE seen SET n = n + 1 WHERE id = 1")

    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    started = time.monotonic()
    try:
        assert write_if_free(note, using=alias) is False
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert time.monotonic() - started < 2  # not the 20 s busy timeout
    assert write_if_free(note, using=alias) is True
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT n FROM seen")
        assert cursor.fetchone() == (1,)
        cursor.execute("PRAGMA busy_timeout")  # other writes still wait as configured
        assert cursor.fetchone() == (20000,)
