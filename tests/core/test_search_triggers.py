"""Every searchable table keeps its search index current (SQLite: three FTS5 triggers), even
after a migration that remade the table."""

import pytest
from django.apps import apps
from django.db import connection

pytestmark = pytest.mark.django_db


def test_every_searchable_table_has_its_triggers():
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL keeps a generated column instead of triggers")
    searchable = [
        m._meta.db_table
        for m in apps.get_models()
        if any(f.name == "search_text" for f in m._meta.get_fields())
    ]
    assert searchable
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        triggers = {row[0] for row in cursor.fetchall()}
    missing = [
        f"{table}_fts_{kind}"
        for table in searchable
        for kind in ("ai", "ad", "au")
        if f"{table}_fts_{kind}" not in triggers
    ]
    assert not missing, missing
