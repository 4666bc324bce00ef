"""Operations that migrations import, frozen.

A migration must do the day it runs what it did the day it was written, so nothing here reads
live code: the search index DDL below is a copy, with its names and numbers written out. To
change what an operation does, add a new function (e.g. `search_index_v2`) and a migration that
uses it; never edit one that a migration already uses. `tests/core/test_migrations_frozen.py`
checks that the live search code still agrees with the frozen DDL.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def search_index_sql(table: str, vendor: str) -> list[str]:
    """DDL creating the search index of `table` on `vendor`; idempotent.

    PostgreSQL: a stored tsvector column `search_vector` holding search_text's words and each
    longer word's first 2 … 6 characters (no positions), with a GIN index on it. SQLite: an
    FTS5 table `<table>_fts` kept in sync with search_text by triggers.
    """
    if vendor == "postgresql":
        return [
            "CREATE OR REPLACE FUNCTION kehu_search_prefixes(tsvector) RETURNS tsvector "
            "LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT $1 || array_to_tsvector("
            "ARRAY(SELECT left(word, n) FROM unnest(tsvector_to_array($1)) AS word, "
            "generate_series(2, least(length(word) - 1, 6)) AS n)) $$",
            f'ALTER TABLE "{table}" ADD COLUMN IF NOT EXISTS "search_vector" tsvector '
            "GENERATED ALWAYS AS (kehu_search_prefixes(strip("
            "to_tsvector('simple'::regconfig, \"search_text\")))) STORED",
            f'CREATE INDEX IF NOT EXISTS "{table}_vector_gin" ON "{table}" '
            'USING gin ("search_vector")',
            f'DROP INDEX IF EXISTS "{table}_search_gin"',
        ]
    if vendor == "sqlite":
        fts = f"{table}_fts"
        return [
            f'CREATE VIRTUAL TABLE IF NOT EXISTS "{fts}" USING fts5(search_text, '
            f"content='{table}', content_rowid='id', tokenize='unicode61 remove_diacritics 2', "
            "prefix='1 2 3')",
            f'CREATE TRIGGER IF NOT EXISTS "{fts}_ai" AFTER INSERT ON "{table}" BEGIN '
            f'INSERT INTO "{fts}"(rowid, search_text) VALUES (new.id, new.search_text); END',
            f'CREATE TRIGGER IF NOT EXISTS "{fts}_ad" AFTER DELETE ON "{table}" BEGIN '
            f'INSERT INTO "{fts}"("{fts}", rowid, search_text) '
            "VALUES ('delete', old.id, old.search_text); END",
            f'CREATE TRIGGER IF NOT EXISTS "{fts}_au" AFTER UPDATE OF search_text ON "{table}" '
            f'BEGIN INSERT INTO "{fts}"("{fts}", rowid, search_text) '
            "VALUES ('delete', old.id, old.search_text); "
            f'INSERT INTO "{fts}"(rowid, search_text) VALUES (new.id, new.search_text); END',
        ]
    return []


def search_index_sql_v2(table: str, vendor: str) -> list[str]:
    """As `search_index_sql`, but SQLite's FTS5 table keeps prefix indexes of 1 … 6
    characters (PostgreSQL's vector holds the same prefixes: unchanged), so a query word that
    short ("wang") reads one entry list instead of merging every word it starts."""
    if vendor != "sqlite":
        return search_index_sql(table, vendor)
    fts = f"{table}_fts"
    _create_v1, *triggers = search_index_sql(table, vendor)  # the triggers did not change
    return [
        f'CREATE VIRTUAL TABLE IF NOT EXISTS "{fts}" USING fts5(search_text, '
        f"content='{table}', content_rowid='id', tokenize='unicode61 remove_diacritics 2', "
        "prefix='1 2 3 4 5 6')",
        *triggers,
    ]


def rebuild_search_index_v2(table: str) -> migrations.RunPython:
    """A migration operation remaking `table`'s SQLite search index as `search_index_sql_v2`
    and filling it from the table (about four minutes for a million people on two cores);
    PostgreSQL: nothing to do. Later migrations that remake the table end with `search_index`
    as before: its triggers are the same, and the index table, existing, is kept."""

    def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        if schema_editor.connection.vendor != "sqlite":
            return
        fts = f"{table}_fts"
        schema_editor.execute(f'DROP TABLE IF EXISTS "{fts}"')
        for statement in search_index_sql_v2(table, "sqlite"):
            schema_editor.execute(statement)
        schema_editor.execute(f'INSERT INTO "{fts}"("{fts}") VALUES (\'rebuild\')')

    return migrations.RunPython(forwards, migrations.RunPython.noop)


def search_index(table: str) -> migrations.RunPython:
    """A migration operation creating the search index of `table` on whichever database.

    On SQLite, a migration that remakes the table (most AlterFields) drops the triggers that
    keep the index current: end such a migration with this operation again (it is idempotent).
    """

    def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        for statement in search_index_sql(table, schema_editor.connection.vendor):
            schema_editor.execute(statement)

    return migrations.RunPython(forwards, migrations.RunPython.noop)
