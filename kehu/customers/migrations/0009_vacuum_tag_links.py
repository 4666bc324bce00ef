"""PostgreSQL: vacuum and analyze the tag link tables that 0008 rewrote.

Filling `owner_id` rewrote every link row, which clears the visibility map: until a VACUUM,
index-only scans of the links read the table too, and the planner's statistics still describe
the old indexes (the owner + tag page at a million people took a parallel plan, 54 ms instead of
7 ms). SQLite: nothing to do (0008 analysed its tables).
"""

from django.db import migrations

TABLES = ("customers_person_tags", "customers_company_tags")


def vacuum_analyze(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f'VACUUM (ANALYZE) "{table}"')


class Migration(migrations.Migration):
    atomic = False  # VACUUM cannot run inside a transaction

    dependencies = [("customers", "0008_tag_links_carry_owner")]

    operations = [migrations.RunPython(vacuum_analyze, migrations.RunPython.noop)]
