"""Tag links carry a copy of their record's owner, indexed as `(tag, owner, record)`.

A list filtered by tag within one owner's (or team's) records counts from those links alone
(see `queries.count_by_tag`) instead of probing each of the owner's records for the tag.

The link tables stay the ones Django made for the many-to-many fields; they become explicit
models (state only), gain `owner_id`, filled from the records, and the `(tag, owner, record)`
index replaces 0006's `(tag, record)` one and the single-column indexes, which it and the
unique `(record, tag)` cover. SQLite's link tables are analysed
in full again, for the reason 0006 gives.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

LINKS = [
    ("persontag", "customers_person_tags", "person", "people", "person_tags_tag_person_idx"),
    ("companytag", "customers_company_tags", "company", "companies", "company_tags_tag_company_idx"),
]


def link_model_state(name, table, record, related):
    model_name = {"persontag": "PersonTag", "companytag": "CompanyTag"}[name]
    return [
        migrations.CreateModel(
            name=model_name,
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),  # fmt: skip
                (record, models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                           to=f"customers.{record}")),  # fmt: skip
                ("tag", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                          to="customers.tag")),  # fmt: skip
            ],
            options={"db_table": table, "unique_together": {(record, "tag")}},
        ),
        migrations.AlterField(
            model_name=record,
            name="tags",
            field=models.ManyToManyField(
                blank=True,
                related_name=related,
                through=f"customers.{model_name}",
                to="customers.tag",
                verbose_name="tags",
            ),
        ),
    ]


def owner_field(null: bool):
    return models.ForeignKey(
        db_constraint=False,
        db_index=False,
        null=null,
        on_delete=django.db.models.deletion.DO_NOTHING,
        related_name="+",
        to=settings.AUTH_USER_MODEL,
    )


def analyse(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return  # PostgreSQL's autovacuum keeps its own statistics
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("PRAGMA analysis_limit=0")
        for _name, table, *_rest in LINKS:
            cursor.execute(f'ANALYZE "{table}"')


def operations():
    ops = []
    for name, table, record, related, old_index in LINKS:
        ops += [
            migrations.SeparateDatabaseAndState(
                state_operations=link_model_state(name, table, record, related)
            ),
            migrations.AddField(model_name=name, name="owner", field=owner_field(True)),
            migrations.RunSQL(
                f'UPDATE "{table}" SET "owner_id" = (SELECT r."owner_id" FROM "customers_{record}" '
                f'r WHERE r."id" = "{table}"."{record}_id")',
                migrations.RunSQL.noop,
            ),
            migrations.AlterField(model_name=name, name="owner", field=owner_field(False)),
            migrations.RunSQL(
                f'DROP INDEX IF EXISTS "{old_index}"',
                f'CREATE INDEX IF NOT EXISTS "{old_index}" ON "{table}" ("tag_id", "{record}_id")',
            ),
            *(
                migrations.AlterField(
                    model_name=name,
                    name=column,
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        to=f"customers.{column}",
                    ),
                )
                for column in (record, "tag")
            ),
            migrations.AddIndex(
                model_name=name,
                index=models.Index(
                    fields=["tag", "owner", record], name=f"{record}_tags_tag_owner_idx"
                ),
            ),
        ]
    return [*ops, migrations.RunPython(analyse, migrations.RunPython.noop)]


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0007_stored_search_vector"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = operations()
