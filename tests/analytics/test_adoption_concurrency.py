"""Two writers adding to the same user's day at once lose nothing and fail nowhere: the
row that does not exist yet is made by one of them, the other adds to it."""

import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from kehu.analytics.adoption.models import AdoptionDay
from kehu.analytics.adoption.recording import add

WRITERS, WRITES = 2, 25


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_add_up(rep):
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        # an in-memory database shared by threads locks whole tables without waiting; a real
        # SQLite file serialises these writes (IMMEDIATE transactions), so nothing can race
        pytest.skip("threads on an in-memory SQLite database cannot write concurrently")
    day = timezone.localdate()
    start, errors = threading.Barrier(WRITERS), []

    def writer():
        try:
            start.wait()
            for _ in range(WRITES):
                add(rep.pk, day, {"actions": 1, "calls": 1})
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer) for _ in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    row = AdoptionDay.objects.get(user=rep, day=day)
    assert (row.actions, row.calls, row.active) == (WRITERS * WRITES, WRITERS * WRITES, True)
