"""Migration operations that give a table its name sort key (decision 0023), frozen.

A key column is added in place (SQLite would otherwise copy the whole table, and with it drop
the search index's triggers), then filled in batches of rows read by id, each batch in its own
transaction, so that a million rows neither sit in memory nor hold one long lock. The fill
computes keys with the live `name_sort_key`: a later change of the key's rules ships its own
refill migration.
"""

from typing import Any

from django.db import migrations, transaction
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from kehu.core.sort_keys import SortKeyField, name_sort_key

FILL_BATCH = 5_000


def add_sort_key_column(app_label: str, model_name: str) -> migrations.SeparateDatabaseAndState:
    """`name_sort_key` on `model_name`: Django's AddField on PostgreSQL (a metadata change),
    a plain ADD COLUMN on SQLite."""
    field = SortKeyField()

    def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        model = apps.get_model(app_label, model_name)
        if schema_editor.connection.vendor == "sqlite":
            table = model._meta.db_table
            schema_editor.execute(
                f'ALTER TABLE "{table}" ADD COLUMN "name_sort_key" text NOT NULL DEFAULT \'\''
            )
            return
        column = SortKeyField()
        column.set_attributes_from_name("name_sort_key")
        schema_editor.add_field(model, column)

    def backwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        model = apps.get_model(app_label, model_name)
        schema_editor.execute(f'ALTER TABLE "{model._meta.db_table}" DROP COLUMN "name_sort_key"')

    return migrations.SeparateDatabaseAndState(
        state_operations=[
            migrations.AddField(model_name=model_name, name="name_sort_key", field=field)
        ],
        database_operations=[migrations.RunPython(forwards, backwards)],
    )


def fill_sort_keys(app_label: str, model_name: str, person: bool) -> migrations.RunPython:
    """Compute every row's key (binned rows too: restoring one must not bring back a blank
    key). `person`: names read with the surname first."""

    def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        model = apps.get_model(app_label, model_name)
        fill_table(schema_editor.connection, model._meta.db_table, person)

    return migrations.RunPython(forwards, migrations.RunPython.noop)


def fill_table(connection: Any, table: str, person: bool, batch: int = FILL_BATCH) -> int:
    """Write `name_sort_key` for every row of `table`, `batch` rows per transaction; returns
    how many rows it wrote."""
    last, written = 0, 0
    while True:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(
                f'SELECT "id", "name" FROM "{table}" WHERE "id" > %s ORDER BY "id" LIMIT %s',
                [last, batch],
            )
            rows = cursor.fetchall()
            if not rows:
                return written
            keys = [name_sort_key(name, person) for _pk, name in rows]
            ids = [pk for pk, _name in rows]
            if connection.vendor == "postgresql":
                cursor.execute(
                    f'UPDATE "{table}" AS t SET "name_sort_key" = k.key '
                    "FROM unnest(%s::bigint[], %s::text[]) AS k(id, key) WHERE t.id = k.id",
                    [ids, keys],
                )
            else:
                cursor.executemany(
                    f'UPDATE "{table}" SET "name_sort_key" = %s WHERE "id" = %s',
                    list(zip(keys, ids, strict=True)),
                )
        last, written = ids[-1], written + len(rows)
