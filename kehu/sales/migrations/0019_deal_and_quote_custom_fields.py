"""Deals and quotes get custom fields, as people, companies and leads have."""

from django.db import migrations, models

from kehu.core.migration_operations import search_index


def drop_custom_field_indexes(apps, schema_editor):
    """Backwards only: the indexes admins' deal and quote fields were given read `custom`,
    which goes next (SQLite refuses to drop a column an index still reads)."""
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for table, prefix in (("sales_deal", "cf_d_"), ("sales_quote", "cf_q_")):
            for name in connection.introspection.get_constraints(cursor, table):
                if name.startswith(prefix):
                    schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")


class Migration(migrations.Migration):

    dependencies = [
        ('sales', '0018_lost_reasons'),
    ]

    operations = [
        migrations.AddField(
            model_name='deal',
            name='custom',
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name='quote',
            name='custom',
            field=models.JSONField(blank=True, default=dict),
        ),
        # SQLite remade the deal table above, dropping its search triggers
        search_index("sales_deal"),
        migrations.RunPython(migrations.RunPython.noop, drop_custom_field_indexes),
    ]
