"""Concurrent writers on one SQLite file never see "database is locked" with Kehu's settings."""

import threading

import pytest
from django.db import connections, transaction

from kehu.settings import database_from_url

WRITERS, WRITES = 4, 40


@pytest.fixture
def sqlite_file_alias(tmp_path, django_db_blocker):
    alias = "concurrency"
    config = database_from_url(f"sqlite:///{tmp_path / 'c.sqlite3'}")
    configured = connections.configure_settings({"default": config, alias: dict(config)})
    connections.settings[alias] = configured[alias]
    with django_db_blocker.unblock():
        with connections[alias].cursor() as cursor:
            cursor.execute("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER)")
            cursor.execute("INSERT INTO counter VALUES (1, 0)")
        yield alias
        connections[alias].close()
    del connections.settings[alias]


def test_concurrent_read_then_write_transactions_wait_instead_of_failing(sqlite_file_alias):
    errors = []

    def writer():
        try:
            for _ in range(WRITES):
                # read-then-write: the pattern that fails with deferred transactions
                with (
                    transaction.atomic(using=sqlite_file_alias),
                    connections[sqlite_file_alias].cursor() as cursor,
                ):
                    cursor.execute("SELECT n FROM counter WHERE id = 1")
                    (n,) = cursor.fetchone()
                    cursor.execute("UPDATE counter SET n = %s WHERE id = 1", [n + 1])
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(repr(exc))
        finally:
            connections[sqlite_file_alias].close()

    threads = [threading.Thread(target=writer) for _ in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with connections[sqlite_file_alias].cursor() as cursor:
        cursor.execute("SELECT n, (SELECT journal_mode FROM pragma_journal_mode) FROM counter")
        n, journal_mode = cursor.fetchone()
    assert n == WRITERS * WRITES  # no lost update either
    assert journal_mode == "wal"
