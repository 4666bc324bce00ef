"""`kehu serve` gives new SQLite indexes planner statistics and keeps the ones already written."""

import pytest
from django.db import connection

from kehu.cli import refresh_planner_statistics

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'sqlite'"),
]


def stats(index: str) -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT stat FROM sqlite_stat1 WHERE idx = %s", [index])
        row = cursor.fetchone()
    return row[0] if row else None


def test_new_indexes_get_statistics_and_existing_ones_keep_theirs():
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE planner_probe (a INTEGER, b INTEGER)")
        cursor.executemany(
            "INSERT INTO planner_probe VALUES (%s, %s)", [(i % 7, i) for i in range(2000)]
        )
        cursor.execute("CREATE INDEX planner_probe_a ON planner_probe (a)")
        cursor.execute("ANALYZE planner_probe_a")  # written in full, like migration 0006 does
    try:
        full = stats("planner_probe_a")
        assert full.startswith("2000 ")
        with connection.cursor() as cursor:
            cursor.execute("CREATE INDEX planner_probe_b ON planner_probe (b)")
        assert stats("planner_probe_b") is None
        refresh_planner_statistics()
        assert stats("planner_probe_b") is not None
        assert stats("planner_probe_a") == full
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE planner_probe")
