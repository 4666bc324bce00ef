"""`kehu serve` gives SQLite tables planner statistics when they have none or have grown."""

import pytest
from django.db import connection

from kehu.serving.start import refresh_planner_statistics

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'sqlite'"),
]


def stats(index: str) -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT stat FROM sqlite_stat1 WHERE idx = %s", [index])
        row = cursor.fetchone()
    return row[0] if row else None


def add_rows(count: int, start: int = 0) -> None:
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO planner_probe VALUES (%s, %s)",
            [(i % 7, i) for i in range(start, start + count)],
        )


@pytest.fixture
def probe():
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE planner_probe (a INTEGER, b INTEGER)")
        cursor.execute("CREATE INDEX planner_probe_a ON planner_probe (a)")
    yield
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE planner_probe")


def test_new_indexes_get_full_statistics_and_fitting_ones_are_kept(probe):
    add_rows(2000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE planner_probe_a")
        cursor.execute("UPDATE sqlite_stat1 SET stat = '1500 200' WHERE idx = 'planner_probe_a'")
        cursor.execute("CREATE INDEX planner_probe_b ON planner_probe (b)")
    assert stats("planner_probe_b") is None
    refresh_planner_statistics()
    assert stats("planner_probe_b") == "2000 1"  # in full, not sampled
    assert stats("planner_probe_a") == "2000 286"  # its table was analysed with it


def test_statistics_that_still_fit_are_left_alone(probe):
    add_rows(2000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE planner_probe")
        cursor.execute("UPDATE sqlite_stat1 SET stat = '1500 200' WHERE idx = 'planner_probe_a'")
    refresh_planner_statistics()
    assert stats("planner_probe_a") == "1500 200"


def test_a_table_that_grew_twofold_is_analysed_again(probe):
    add_rows(10)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE planner_probe")
    assert stats("planner_probe_a").startswith("10 ")
    add_rows(2000, start=10)
    refresh_planner_statistics()
    assert stats("planner_probe_a").startswith("2010 ")
