"""PostgreSQL: store each record's search vector, with prefix terms, and index it.

See `search.index_sql`: adds the function `kehu_search_prefixes` and the generated column
`search_vector` (the table is rewritten once: about three minutes for a million people on two
cores), builds the GIN index on it, drops the index on `to_tsvector(search_text)`, and analyzes
the tables, since capped searches read the column's term statistics to choose between walking
rows and reading the index. SQLite: nothing changes.
"""

from django.db import migrations

from kehu.core.search import create_index_operation

TABLES = ("customers_person", "customers_company")


def analyze(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f'ANALYZE "{table}"')


class Migration(migrations.Migration):
    dependencies = [("customers", "0006_tag_link_indexes")]

    operations = [
        *(create_index_operation(table) for table in TABLES),
        migrations.RunPython(analyze, migrations.RunPython.noop),
    ]
